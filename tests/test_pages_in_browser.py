"""The feedback page and the class report as a person sees them: headless Chromium, offline.

Chromium renders each page from disk with no network (grader.report.browser),
takes a screenshot and dumps the DOM; the tests assert on what is on the page
and on the pixels of the screenshot. `make test` installs Debian's chromium;
where it is missing these tests are skipped with a message that says so.
"""
from __future__ import annotations

import re
from html import unescape

import numpy as np
import pytest

from grader import demo
from grader.protocol import format_points
from grader.report import browser, feedback

from conftest import GRADED_STUDENTS, UNGRADABLE

A = demo.ASSIGNMENT
BLUE, GREEN = (0x00, 0x72, 0xB2), (0x00, 0x9E, 0x73)        # histogram bars, "full marks" bars
GRID_RED = (0xFB, 0xE9, 0xE9)                                 # --fail-bg of the grid's cells with no marks


pytestmark = pytest.mark.skipif(
    browser.find() is None,
    reason=f"Chromium not installed: none of {', '.join(browser.NAMES)} is on PATH (`make test` installs "
           f"Debian's chromium with apt-get as root; that failed or was not possible here)")


def text_of(dom: str) -> str:
    """The visible text of a dumped DOM, whitespace collapsed."""
    body = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", dom)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def pixels(png) -> np.ndarray:
    from PIL import Image
    with Image.open(png) as image:
        return np.asarray(image.convert("RGB"))


def has_colour(image: np.ndarray, rgb, at_least: int = 500) -> bool:
    close = np.all(np.abs(image.astype(int) - np.array(rgb)) <= 6, axis=-1)
    return int(close.sum()) >= at_least


@pytest.fixture(scope="module")
def feedback_page(graded_cohort, tmp_path_factory):
    page = feedback.page_path(graded_cohort, "reused_key", A)
    return browser.render(page, tmp_path_factory.mktemp("shots") / "feedback.png", 1280, 900)


@pytest.fixture(scope="module")
def report_page(graded_cohort, tmp_path_factory):
    page = graded_cohort.root / "reports" / A / "report.html"
    return browser.render(page, tmp_path_factory.mktemp("shots") / "report.png", 1280, 3400)


def test_feedback_page_shows_score_verdicts_and_hints(feedback_page, graded_cohort):
    text = text_of(feedback_page.dom)
    score = next(r["score"] for r in graded_cohort.grades() if r["assignment"] == A and r["student"] == "reused_key")
    assert f"Feedback on {A} for reused_key: {format_points(score)} / 25 points" in text
    assert "Hint: The two draws are identical." in text and "Hint: PRNG key used twice." in text
    assert "✗ FAIL the two draws are independent" in text and "✓ PASS" in text
    assert "Hidden tests of two_independent_normals" in text
    assert "checks.hidden" not in text and "BEGIN HIDDEN TESTS" not in text


def test_feedback_page_screenshot(feedback_page):
    image = pixels(feedback_page.screenshot)
    assert image.shape == (900, 1280, 3)
    assert feedback_page.screenshot.stat().st_size > 20_000
    assert (image < 100).all(axis=-1).sum() > 5_000         # dark text on the page, not a blank window


def test_class_report_shows_numbers_plots_and_ungraded(report_page):
    text = text_of(report_page.dom)
    n = len(GRADED_STUDENTS) - 1                                     # the blank one counted apart
    assert f"Class report: {A}" in text and f"{n} submissions graded" in text
    assert "1 blank (nothing implemented: counted apart)" in text and "Students and exercises" in text
    assert "Which checks fail" in text and "Blank submissions (1): blank" in text
    assert f"PRNG key used twice: 1 of {n} students" in text
    assert UNGRADABLE in text and f"submitted/{UNGRADABLE}/{A}/{A}.ipynb: not JSON" in text
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', report_page.dom)) == 2


def test_class_report_screenshot_shows_the_plots(report_page):
    image = pixels(report_page.screenshot)
    assert image.shape == (3400, 1280, 3)
    assert has_colour(image, BLUE), "no histogram bars in the screenshot"
    assert has_colour(image, GREEN), "no full-marks bars in the screenshot"
    assert has_colour(image, GRID_RED, 200), "no red (no marks) cells of the grid in the screenshot"
