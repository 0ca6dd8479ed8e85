"""The student's function as the checks see it when it lives in the student's kernel.

`Remote.call(fn, args)` sends the call to the kernel when `fn` involves the
student's function (a `wire.StudentFunction`, possibly inside a probe, a
`functools.partial` or `jax.jit` wrapper), and returns the decoded raw result;
calls that do not involve it (a known mistake's model, run to name a hint) run
here. A test cell's calls share its time limit.
"""
from __future__ import annotations

import base64
import json
import time
from typing import Callable

from .. import hints
from ..checks.errors import StudentCodeError
from . import wire
from .channel import KernelChannel, KernelGone, TooSlow


class Remote:
    """Calls into `channel`'s kernel for the checks of one exercise of `assignment`, all within
    `seconds` from now (one test cell's time limit)."""

    def __init__(self, channel: KernelChannel, assignment: str, exercise, seconds: float):
        self.channel = channel
        self.exercise = exercise
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.printed = False
        self.warnings: list[str] = []
        self.references = {id(f): ("probe", assignment, exercise.name, name) for name, f in exercise.probes.items()}
        self.references.update({id(f): ("function", assignment, exercise.name, name)
                                for name, f in exercise.functions.items()})

    @property
    def student(self) -> wire.StudentFunction:
        return wire.StudentFunction(self.exercise.name)

    def student_function(self, name: str) -> wire.StudentFunction:
        """Another function of the student's notebook, called in the kernel like the graded one."""
        return wire.StudentFunction(name)

    def lookup(self) -> tuple[str, str, str]:
        """("function" | "missing" | "other", type name, the SyntaxError of its cell when missing, or '')
        of the exercise's name in the kernel.
        When the kernel's answer cannot be read, the function is taken to exist: each call then fails and
        says why."""
        expression = f"__import__('grader.judge.kernel_side', fromlist=['lookup']).lookup({self.exercise.name!r})"
        try:
            found = json.loads(self._evaluate(expression))
            if not isinstance(found, dict):
                raise ValueError("not a JSON object")
        except (ValueError, RuntimeError):
            return "function", "", ""
        return str(found.get("kind", "missing")), str(found.get("type", "")), str(found.get("syntax_error", ""))[:300]

    def call(self, fn: Callable, args: tuple, doing: str = "", keep_inputs: bool = False) -> tuple | None:
        """(result, inputs after the call) of fn(*args) in the kernel, or None when `fn` does not
        involve the student's function (the caller runs it). Raises StudentCodeError like Context.call.
        The kernel sends the inputs back only when `keep_inputs` (else they are `args`, as sent)."""
        payload, students = wire.dump_call(fn, args, self.references)
        if not students:
            return None
        expression = (f"__import__('grader.judge.kernel_side', fromlist=['call']).call("
                      f"{base64.b64encode(payload).decode('ascii')!r}, {doing!r}, {keep_inputs!r})")
        try:
            reply = wire.loads(self._evaluate(expression))
            if not isinstance(reply, dict):
                raise ValueError("not a JSON object")
            self.printed = self.printed or reply.get("printed") is True
            self.warnings.extend(str(w) for w in reply.get("warnings", [])[:10] if isinstance(w, str))
            if "error" in reply:
                hint, message = reply["error"]
                if str(hint) not in hints.CATALOGUE:      # the kernel is the student's: trust no id from it
                    hint = "student_exception"
                raise StudentCodeError(str(hint), _shortened(str(message)))
            if "inputs_error" in reply:       # encodable when sent, so the call changed them
                inputs = wire.Opaque(f"inputs the kernel could not send back: {reply['inputs_error']}")
            else:
                inputs = wire.decode(reply["inputs"]) if "inputs" in reply else args
            return wire.decode(reply["value"]), inputs
        except StudentCodeError:
            raise
        except TooSlow:
            raise StudentCodeError("too_slow", f"Your function did not finish within the {self.seconds:g} s "
                                               f"this test cell may take{(' ' + doing) if doing else ''}.") from None
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise StudentCodeError("student_exception", f"The kernel's answer could not be read "
                                                        f"({type(exc).__name__}: {exc}).") from None

    def _evaluate(self, expression: str) -> str:
        if time.monotonic() >= self.deadline:
            raise TooSlow()
        return self.channel.evaluate(expression, self.deadline)


def _shortened(message: str, limit: int = 4000) -> str:
    """A message from the kernel, at most `limit` characters (its head and tail)."""
    if len(message) <= limit:
        return message
    return f"{message[:limit // 2]}\n[... {len(message) - limit:,} characters not shown ...]\n{message[-limit // 2:]}"


__all__ = ["Remote", "KernelGone"]
