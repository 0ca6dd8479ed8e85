"""What a student's kernel runs when the grader asks about, or calls, the student's function.

The grader evaluates `lookup(...)` or `call(...)` in the kernel (as a user
expression of an otherwise empty, silent request: nothing enters the
notebook's history or outputs) and reads back the JSON text they return
(base64-encoded, `wire.reply`).
Everything the call prints or warns is captured (see `grader.checks.quiet`).
"""
from __future__ import annotations

import base64

from . import wire


def _user_namespace() -> dict:
    from IPython import get_ipython
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _resolve(pid: tuple):
    """A referenced object: the student's function, or an exercise's probe or helper function."""
    kind = pid[0]
    if kind == "student":
        found = _user_namespace().get(pid[1])
        if found is None:
            raise NameError(f"`{pid[1]}` is not defined")
        return found
    if kind in ("probe", "function"):
        from .. import exercises
        _, assignment, exercise, name = pid
        spec = exercises.load(assignment)[exercise]
        return (spec.probes if kind == "probe" else spec.functions)[name]
    raise ValueError(f"unknown reference {pid!r}")


def lookup(name: str) -> str:
    """JSON (wire.reply) {"kind": "function" | "missing" | "other", "type": type name} for the user's `name`;
    when missing, "syntax_error": the SyntaxError of the cell that defines it (in the input history), if any."""
    namespace = _user_namespace()
    if name not in namespace:
        from ..checks.errors import syntax_error_in_history
        return wire.reply({"kind": "missing", "type": "",
                           "syntax_error": syntax_error_in_history(name, namespace.get("_ih")) or ""})
    value = namespace[name]
    return wire.reply({"kind": "function" if callable(value) else "other", "type": type(value).__name__})


def call(payload: str, doing: str = "", keep_inputs: bool = False) -> str:
    """Run a pickled call (`wire.dump_call`, base64); JSON (wire.reply) of its raw result or of its error.

    Reply keys: "value" (wire.encode of the result) or "error" ([hint id, message]);
    "inputs" (the arguments after the call) when `keep_inputs`; "printed" (bool) and
    "warnings" (list of "Category: message").
    """
    from ..checks import errors
    from ..checks.quiet import quiet
    reply: dict = {}
    with quiet() as captured:
        try:
            fn, args = wire.load_call(base64.b64decode(payload), _resolve)
        except NameError as exc:
            return wire.reply({"error": ["not_defined", str(exc)], "printed": False, "warnings": []})
        try:
            reply["value"] = wire.encode(fn(*args))
        except wire.UnsupportedValue as exc:
            reply["error"] = ["wrong_structure", f"Your function returned {exc}, which is not an array, a "
                                                 f"number, or a tuple, list or dict of them."]
        except Exception as exc:  # noqa: BLE001 (student code may raise anything)
            error = errors.from_exception(exc, doing)
            reply["error"] = [error.hint, error.message]
        if keep_inputs:
            try:
                reply["inputs"] = wire.encode(args)
            except wire.UnsupportedValue as exc:
                reply["inputs_error"] = str(exc)
    reply["printed"] = bool(captured.stdout.strip())       # as Captured.notes reports it
    reply["warnings"] = captured.warnings[:10]
    text = wire.reply(reply)
    if len(text) > wire.MAX_REPLY_BYTES:
        size = f"{len(text) / 2**20:.0f} MB"
        return wire.reply({"error": ["wrong_structure", f"Your function returned {size} of data, more than the "
                                                        f"{wire.MAX_REPLY_BYTES >> 20} MB a result may take."],
                           "printed": reply["printed"], "warnings": reply["warnings"]})
    return text
