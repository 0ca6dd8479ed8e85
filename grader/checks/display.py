"""How a test cell shows its verdict: text for terminals, HTML for JupyterLab, JSON for tools.

`bundle` is the display bundle a test cell outputs, whichever path graded it (the
student's kernel or the grading process): `text/plain` (terminals, pytest, nbgrader,
the self-check), `text/html` (JupyterLab: PASS and FAIL as words on coloured badges,
each failure's hint and fix, what the check saw folded in a <details>) and the
machine-readable verdict under VERDICT_MIMETYPE (the grader's own readers).
The HTML uses inline styles only, so that it keeps its colours where JupyterLab
sanitises an untrusted notebook, and escapes every text, since messages quote
the student's code, values and exceptions.
"""
from __future__ import annotations

import re
from html import escape

from .. import hints
from ..protocol import VERDICT_MIMETYPE, format_points
from .result import Verdict

# (word, text colour, background): the feedback pages' colours, dark on light, readable in light and dark themes.
MARKS = {"pass": ("✓ PASS", "#0b5d22", "#e3f3e7"),
         "fail": ("✗ FAIL", "#9d1212", "#fbe9e9"),
         "not-assessed": ("– NOT ASSESSED", "#4a4a4a", "#ececec")}
_BADGE = ("display:inline-block;min-width:5.2em;padding:0 .4em;margin-right:.5em;border-radius:3px;"
          "font-weight:bold;color:{};background:{}")
_FAILURE = "margin:.2em 0 .5em 1.2em;padding-left:.7em;border-left:3px solid {}"


def bundle(verdict: Verdict) -> dict:
    """The display data of a test cell's verdict: text/plain, text/html and the verdict's JSON."""
    return {"text/plain": verdict.render(), "text/html": html(verdict), VERDICT_MIMETYPE: verdict.to_dict()}


def show(verdict: Verdict) -> None:
    """Display the verdict in a kernel (the whole bundle), else print its text."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display
        display(bundle(verdict), raw=True)
    else:
        print(verdict.render())


def html(verdict: Verdict) -> str:
    """The verdict as an HTML fragment: a title, then one line per check, hints once each."""
    title = (f"{verdict.exercise} ({verdict.part} tests): "
             f"{format_points(verdict.score)} / {format_points(verdict.max_points)} points")
    parts = ['<div class="grader-verdict" style="line-height:1.5">',
             f'<p style="margin:0 0 .3em;font-weight:bold">{escape(title)}</p>',
             '<ul style="list-style:none;margin:0;padding:0">']
    shown_hints: set[str] = set()
    shown_messages: set[str] = set()
    for r in verdict.results:
        kind = "pass" if r.passed else ("fail" if r.assessed else "not-assessed")
        word, colour, background = MARKS[kind]
        earned = format_points(r.points if r.passed else 0)
        parts.append(f'<li class="grader-check grader-{kind}" style="margin:.15em 0">'
                     f'<span class="grader-mark" style="{_BADGE.format(colour, background)}">{word}</span>'
                     f'{escape(r.describe)} <span style="opacity:.7">({earned}/{format_points(r.max_points)})</span>')
        failure = "" if r.passed else _failure(r, colour, shown_hints, shown_messages)
        parts.append(f"{failure}</li>")
    parts.append("</ul>")
    parts.extend(f'<p style="margin:.3em 0 0">Note: {escape(n)}</p>' for n in verdict.notes)
    parts.append("</div>")
    return "\n".join(parts)


def _failure(r, colour: str, shown_hints: set[str], shown_messages: set[str]) -> str:
    """A failed check's hint and fix (each hint once per verdict) and its message, folded."""
    body = []
    if r.hint and r.assessed and r.hint not in shown_hints:
        shown_hints.add(r.hint)
        h = hints.get(r.hint)
        body.append(f'<p class="grader-hint" style="margin:.1em 0"><strong>Hint: {_code(h.title)}.</strong> '
                    f'{_code(h.explanation)}</p>')
        body.append(f'<p class="grader-fix" style="margin:.1em 0"><strong>Fix:</strong> {_code(h.fix)}</p>')
    if r.message in shown_messages:
        body.append('<p style="margin:.1em 0;opacity:.7">(the same error as above)</p>')
    elif r.message:
        shown_messages.add(r.message)
        body.append('<details style="margin:.1em 0"><summary style="cursor:pointer">What the check saw</summary>'
                    f'<pre style="margin:.2em 0;white-space:pre-wrap">{escape(r.message)}</pre></details>')
    if not body:
        return ""
    return f'<div class="grader-failure" style="{_FAILURE.format(colour)}">{"".join(body)}</div>'


def _code(text: str) -> str:
    """Hint text escaped, with `backticks` as <code>."""
    pieces = re.split(r"`([^`]+)`", str(text))
    return "".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(pieces))
