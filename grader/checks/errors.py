"""Turn an exception raised by student code into a hint id and a short message.

The message names the exception and the student's own line, never a frame of
this library, of JAX or of numpy.
"""
from __future__ import annotations

import ast
import linecache
import os
import re
import sysconfig
import traceback

import jax

_LIBRARY_DIRS = tuple(
    os.path.realpath(p) + os.sep
    for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
              sysconfig.get_paths()["platlib"], os.path.dirname(os.path.dirname(__file__))}
)


class StudentCodeError(Exception):
    """A failure of the student's code, with its hint id and readable message: an exception it raised,
    or a result of the wrong form (`Context.output`)."""

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
    if isinstance(exc, jax.errors.ConcretizationTypeError) and _PYTHON_NUMBER.search(text):
        return "float_on_tracer"
    if isinstance(exc, (jax.errors.ConcretizationTypeError, jax.errors.TracerIntegerConversionError)):
        return "not_jittable"
    if isinstance(exc, TypeError) and ("immutable" in text or "does not support item assignment" in text):
        return "in_place_mutation"
    if isinstance(exc, ValueError) and "output array is read-only" in text:
        return "in_place_operator"      # x -= m on a read-only numpy array (x[i] = v says "assignment destination")
    if isinstance(exc, ValueError) and "read-only" in text:
        return "in_place_mutation"
    if isinstance(exc, TypeError) and (_REBUILT_BY_TYPE.search(_student_line(exc)) or _called_array_type(text)):
        return "rebuilt_by_type"
    if isinstance(exc, ValueError) and "truth value of an array" in text:
        return "python_if_on_array"
    if isinstance(exc, TypeError) and "Gradient only defined for scalar-output" in text:
        return "grad_needs_scalar"
    return "student_exception"


# JAX's words when float(), int(), complex() or .item() meets a traced value.
_PYTHON_NUMBER = re.compile(r"The problem arose with the `(float|int|complex)` function|in the item\(\) method")
# `type(params)(...)` or `params.__class__(...)`: a container rebuilt by calling its type.
_REBUILT_BY_TYPE = re.compile(r"\btype\(\s*[\w.\[\]]+\s*\)\s*\(|\.__class__\s*\(")


def _called_array_type(text: str) -> bool:
    """The error of calling the JAX array type itself (`type(x)(...)` on an array; no one calls it by name)."""
    return "incompatible function arguments" in text and "ArrayImpl" in text


def _student_line(exc: BaseException) -> str:
    """The source line of the student's innermost frame, or ''."""
    frame = student_frame(exc)
    if frame is None:
        return ""
    return frame.line or linecache.getline(frame.filename, frame.lineno).strip()


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


def syntax_error_in_history(name: str, inputs) -> str | None:
    """`SyntaxError: ..., line n: <line>` when the newest cell of `inputs` (IPython's input history
    `_ih`, cells as the kernel ran them, magics already turned into Python) that defines `name` does
    not compile; else None."""
    defines = re.compile(rf"^\s*def\s+{re.escape(name)}\s*\(", re.MULTILINE)
    try:
        cells = [c for c in reversed(list(inputs or ())) if isinstance(c, str)]
    except TypeError:
        return None
    for source in cells:
        if not defines.search(source):
            continue
        try:
            compile(source, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        except SyntaxError as exc:
            line = (exc.text or "").strip()
            where = f", line {exc.lineno}" if exc.lineno else ""
            return f"{type(exc).__name__}: {exc.msg}{where}" + (f": {line}" if line else "")
        except (ValueError, OverflowError):     # e.g. a null byte: not for this message
            return None
        return None
    return None


def first_sentence(message: str, limit: int = 200) -> str:
    """The first line of an error message, never cut mid-sentence: a line that ends by announcing what
    follows ("... are supported:") keeps its complete sentences; a long line is cut after a sentence
    (or at a word, with "...")."""
    line = (message.strip().splitlines() or [""])[0].strip()
    if line.endswith(":"):
        end = line.rfind(". ")
        if end > 0:
            line = line[:end + 1]
    if len(line) > limit:
        end = line.rfind(". ", 0, limit)
        if end > 0:
            line = line[:end + 1]
        else:
            cut = line.rfind(" ", 0, limit - 3)
            line = line[:cut if cut > limit // 3 else limit - 3].rstrip(" ,;:") + "..."
    return line


def describe(exc: BaseException) -> str:
    """One or two lines: `TypeError: first sentence(s) of the message` and where in the student's code."""
    first_line = first_sentence(str(exc))
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

