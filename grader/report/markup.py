"""HTML building blocks shared by the feedback pages and the class report.

Everything that reaches a page goes through here: the Jinja2 environment (HTML
autoescaped), markdown (raw HTML escaped, images only from data: URIs, headings
shifted below the page's own), highlighted code, and the outputs of ordinary
cells (text, errors, images; never HTML or JavaScript, so a page loads nothing).
"""
from __future__ import annotations

import base64
import re
from functools import lru_cache

import jinja2
import mistune
from markupsafe import Markup, escape

from ..protocol import format_points

MAX_OUTPUT_LINES = 60
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def points(x: float | None) -> str:
    """Points for people: at most two decimals, no trailing zeros (0.67, 1.5, 2); an em dash for None."""
    return "—" if x is None else format_points(x)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of grader/report/templates (autoescaped, undefined names are errors)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["points"] = points
    env.filters["inline_code"] = inline_code
    env.globals["percent"] = percent
    env.globals["code_css"] = Markup(_pygments_css())
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


# --- markdown ---------------------------------------------------------------------

class _Renderer(mistune.HTMLRenderer):
    """mistune's HTML renderer with headings shifted down and images only from data: URIs."""

    def __init__(self, shift: int):
        super().__init__(escape=True)
        self.shift = shift
        self.last_level = 1                       # the page's own <h1>

    def heading(self, text: str, level: int, **attrs) -> str:
        self.last_level = min(6, level + self.shift)
        return f"<h{self.last_level}>{text}</h{self.last_level}>\n"

    def image(self, text: str, url: str, title: str | None = None) -> str:
        if url.startswith("data:image/"):
            return super().image(text, url, title)
        return f'<span class="missing-image">[image: {escape(text or url)}]</span>'


class Markdown:
    """Markdown cells to HTML, raw HTML escaped, headings shifted down by `shift` levels.

    `last_level` is the level of the last heading rendered, so that what follows can nest below it.
    TeX stays as written (`$...$`), since a self-contained page has no MathJax.
    """

    def __init__(self, shift: int = 1):
        self._renderer = _Renderer(shift)
        self._md = mistune.create_markdown(escape=True, renderer=self._renderer,
                                           plugins=["math", "table", "strikethrough"])
        self._md.renderer.register("inline_math", lambda _, text: f'<span class="math">${escape(text)}$</span>')
        self._md.renderer.register("block_math",
                                   lambda _, text: f'<div class="math">$${escape(text)}$$</div>\n')

    @property
    def last_level(self) -> int:
        return self._renderer.last_level

    def __call__(self, text: str) -> Markup:
        return Markup(self._md(text))


def inline_code(text: str) -> Markup:
    """Plain text with `backticks` as <code>, everything escaped (for hint texts)."""
    parts = re.split(r"`([^`]+)`", str(text))
    return Markup("".join(f"<code>{escape(p)}</code>" if i % 2 else str(escape(p)) for i, p in enumerate(parts)))


# --- code and outputs -------------------------------------------------------------

def code(source: str) -> Markup:
    """Python source highlighted by Pygments (classes styled by `code_css`)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    return Markup(highlight(source, PythonLexer(), HtmlFormatter(nowrap=True)))


def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter
    return HtmlFormatter(style="default").get_style_defs(".code")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _clip(text: str) -> str:
    lines = _ANSI.sub("", text).rstrip("\n").splitlines()
    if len(lines) > MAX_OUTPUT_LINES:
        hidden = len(lines) - MAX_OUTPUT_LINES
        lines = lines[:MAX_OUTPUT_LINES] + [f"... ({hidden} more lines)"]
    return "\n".join(lines)


def output(out: dict) -> Markup | None:
    """One output of an ordinary cell as HTML: text, an error, or an image; None for anything else."""
    kind = out.get("output_type")
    if kind == "stream":
        css = "stderr" if out.get("name") == "stderr" else "stdout"
        return Markup(f'<pre class="output {css}">{escape(_clip(_text(out.get("text", ""))))}</pre>')
    if kind == "error":
        trace = "\n".join(_text(line) for line in out.get("traceback", [])) or \
            f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
        return Markup(f'<pre class="output error">{escape(_clip(trace))}</pre>')
    if kind in ("execute_result", "display_data"):
        data = out.get("data", {})
        for mime in _IMAGE_TYPES:
            if mime in data:
                payload = _text(data[mime])
                if mime == "image/svg+xml":
                    payload = base64.b64encode(payload.encode()).decode()
                payload = "".join(payload.split())
                alt = (_clip(_text(data.get("text/plain", ""))).splitlines() or ["a figure"])[0]
                return Markup(f'<img class="output" alt="{escape(alt)}" '
                              f'src="data:{mime};base64,{escape(payload)}">')
        if "text/plain" in data:
            return Markup(f'<pre class="output">{escape(_clip(_text(data["text/plain"])))}</pre>')
    return None
