"""Turn an exception raised by student code into a hint id and a short message.

The message names the exception and the student's own line, never a frame of
this library, of JAX or of numpy.
"""
from __future__ import annotations

import linecache
import os
import sysconfig
import traceback

import jax

_LIBRARY_DIRS = tuple(
    os.path.realpath(p) + os.sep
    for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
              sysconfig.get_paths()["platlib"], os.path.dirname(os.path.dirname(__file__))}
)


class StudentCodeError(Exception):
    """Wraps an exception from student code with its hint id and readable message."""

    def __init__(self, hint: str, message: str):
        super().__init__(message)
        self.hint = hint
        self.message = message


def classify(exc: BaseException) -> str:
    """Hint id for an exception raised while running student code."""
    text = str(exc)
    if isinstance(exc, NotImplementedError) and _raised_by_student(exc):
        return "not_implemented"
    if isinstance(exc, jax.errors.KeyReuseError):
        return "reused_key"
    if isinstance(exc, jax.errors.TracerArrayConversionError):
        return "numpy_inside_jit"
    if isinstance(exc, jax.errors.TracerBoolConversionError):
        return "python_if_on_array"
    if isinstance(exc, jax.errors.UnexpectedTracerError) or text.startswith("Leaked trace"):
        return "tracer_leak"
    if isinstance(exc, (jax.errors.ConcretizationTypeError, jax.errors.TracerIntegerConversionError)):
        return "not_jittable"
    if isinstance(exc, TypeError) and ("immutable" in text or "does not support item assignment" in text):
        return "in_place_mutation"
    if isinstance(exc, ValueError) and "read-only" in text:
        return "in_place_mutation"
    if isinstance(exc, ValueError) and "truth value of an array" in text:
        return "python_if_on_array"
    if isinstance(exc, TypeError) and "Gradient only defined for scalar-output" in text:
        return "grad_needs_scalar"
    return "student_exception"


def _raised_by_student(exc: BaseException) -> bool:
    """True when the innermost frame of the traceback is the student's (e.g. the workbook stub)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and not _is_library(frames[-1].filename)


def _is_library(filename: str) -> bool:
    path = os.path.realpath(filename) if os.path.isabs(filename) else filename
    return path.startswith(_LIBRARY_DIRS)


def student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost traceback frame that belongs to the student's code, if any."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if not _is_library(frame.filename):
            return frame
    return None


def describe(exc: BaseException) -> str:
    """One or two lines: `TypeError: first line of message` and where in the student's code."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    if len(first_line) > 200:
        first_line = first_line[:197] + "..."
    text = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
    frame = student_frame(exc)
    if frame is not None:
        line = frame.line or linecache.getline(frame.filename, frame.lineno).strip()
        where = f"in {frame.name}, line {frame.lineno}"
        text += f"\n  {where}: {line}" if line else f"\n  {where}"
    return text


def from_exception(exc: BaseException, context: str = "") -> StudentCodeError:
    """A `StudentCodeError` for `exc`; `context` says what was being done (e.g. 'under jax.jit')."""
    hint = classify(exc)
    if hint == "not_implemented":
        return StudentCodeError(hint, "Not implemented yet (the function raises NotImplementedError).")
    prefix = f"Your function raised an error{(' ' + context) if context else ''}:\n"
    return StudentCodeError(hint, prefix + describe(exc))

