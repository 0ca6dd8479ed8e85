"""The display bundle of a test cell's verdict (grader.checks.display): text, HTML and JSON.

The HTML is what JupyterLab shows (tests/test_lab_in_browser.py looks at it in a browser);
here: every text in it is escaped, hints and fixes appear once each, what a check saw is
folded, and the readers of verdicts (the self-check, the reports, the judged path) still
find the text and the JSON beside it.
"""
from __future__ import annotations

from html.parser import HTMLParser

import nbformat

from grader import hints, selfcheck
from grader.checks import display
from grader.checks.result import CheckResult, Verdict
from grader.judge import cells
from grader.protocol import VERDICT_MIMETYPE, verdict_of

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def verdict(message: str = HOSTILE) -> Verdict:
    return Verdict("s1_jax_fundamentals", "two_independent_normals", "visible", [
        CheckResult("shape", "returns <two> arrays", True, 0.5, 0.5),
        CheckResult("independent", "the two draws are independent", False, 0, 0.5, message, "identical_draws"),
        CheckResult("again", "the same key gives the same result", False, 0, 0.5, message, "identical_draws"),
        CheckResult("later", "needs evidence", False, 0, 0.5, "", None, assessed=False),
    ], notes=[f"your function printed {HOSTILE}"])


class Elements(HTMLParser):
    """Tags and text of an HTML fragment, as a browser parses it."""

    def __init__(self, fragment: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def test_the_bundle_has_text_html_and_the_verdict():
    v = verdict()
    data = display.bundle(v)
    assert set(data) == {"text/plain", "text/html", VERDICT_MIMETYPE}
    assert data["text/plain"] == v.render() and data[VERDICT_MIMETYPE] == v.to_dict()


def test_every_text_from_student_code_is_escaped():
    parsed = Elements(display.html(verdict()))
    assert {tag for tag, _ in parsed.tags} <= {"div", "p", "ul", "li", "span", "strong", "code", "details",
                                               "summary", "pre"}
    assert not [attrs for _, attrs in parsed.tags if set(attrs) - {"class", "style"}]
    assert HOSTILE in parsed.text                               # shown as text, not as markup
    assert "returns <two> arrays" in parsed.text


def test_pass_and_fail_are_words_with_colours_and_the_hint_appears_once_with_its_fix():
    page = display.html(verdict())
    parsed = Elements(page)
    hint = hints.get("identical_draws")
    assert parsed.text.count(f"Hint: {hint.title}.") == 1 and parsed.text.count("Fix:") == 1
    assert "✓ PASS" in parsed.text and "✗ FAIL" in parsed.text and "NOT ASSESSED" in parsed.text
    badges = [attrs["style"] for tag, attrs in parsed.tags if attrs.get("class") == "grader-mark"]
    assert len(badges) == 4
    assert f"color:{display.MARKS['pass'][1]}" in badges[0] and f"color:{display.MARKS['fail'][1]}" in badges[1]
    assert [tag for tag, _ in parsed.tags].count("details") == 1      # the repeated message is not repeated
    assert "(the same error as above)" in parsed.text
    assert "<style" not in page and "<script" not in page         # inline styles only: kept by Lab's sanitiser


def test_readers_of_verdicts_still_find_text_and_json():
    v = verdict("On x: wrong")
    output = nbformat.v4.new_output("display_data", data=display.bundle(v))
    cell = nbformat.v4.new_code_cell('checks.visible("s1_jax_fundamentals", "two_independent_normals")',
                                     outputs=[output, nbformat.v4.new_output(
                                         "execute_result", data={"text/plain": "0.5"}, execution_count=1)])
    assert verdict_of(cell) == v.to_dict()
    test = selfcheck.VisibleTest("test_two_independent_normals", "two_independent_normals", 2.0, 3)
    outcome = selfcheck._read_outcome(test, cell, None)
    assert outcome.text == v.render() and outcome.score == v.score and outcome.hints == ["identical_draws"]


def test_judged_cells_show_the_same_bundle_as_the_kernel():
    v = verdict("On x: wrong")
    shown, score = cells.verdict_outputs(v, 7)
    assert shown["data"] == display.bundle(v)
    assert score["data"] == {"text/plain": "0.5"}
