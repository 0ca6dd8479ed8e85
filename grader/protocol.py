"""What the check library and the tools that read its verdicts agree on (importable without JAX)."""

# MIME type of the machine-readable verdict a test cell displays next to its text.
VERDICT_MIMETYPE = "application/vnd.grader.verdict+json"
