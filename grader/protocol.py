"""What the check library and the tools that read its verdicts agree on (importable without JAX)."""
import re

# MIME type of the machine-readable verdict a test cell displays next to its text.
VERDICT_MIMETYPE = "application/vnd.grader.verdict+json"

# A visible test cell's call: checks.visible("<assignment>", "<exercise>").
VISIBLE_CALL = re.compile(r"""checks\.visible\(\s*["'](\w+)["']\s*,\s*["'](\w+)["']""")
