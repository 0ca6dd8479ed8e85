"""What the check library and the tools that read its verdicts agree on (importable without JAX)."""
import re

# MIME type of the machine-readable verdict a test cell displays next to its text.
VERDICT_MIMETYPE = "application/vnd.grader.verdict+json"

# The arguments of a test cell's call: ("<assignment>", "<exercise>".
_CALL_ARGUMENTS = r"""\(\s*["'](\w+)["']\s*,\s*["'](\w+)["']"""

# A visible test cell's call: checks.visible("<assignment>", "<exercise>").
VISIBLE_CALL = re.compile(r"checks\.visible" + _CALL_ARGUMENTS)

# A whole test cell call, visible or hidden (groups: part, assignment, exercise).
TEST_CALL = re.compile(r"checks\.(visible|hidden)" + _CALL_ARGUMENTS + r"\s*\)")


def format_points(x: float) -> str:
    """Points for people: at most two decimals, no trailing zeros (0.67, 1.5, 2)."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def verdict_of(cell) -> dict | None:
    """The last verdict a test cell displayed (a notebook cell as a dict or nbformat node), or None."""
    found = None
    for out in cell.get("outputs", []):
        data = out.get("data", {}) if isinstance(out, dict) else {}
        if isinstance(data.get(VERDICT_MIMETYPE), dict):
            found = data[VERDICT_MIMETYPE]
    return found
