"""A test cell's verdict in JupyterLab, as a student sees it: a real headless Chromium drives Lab.

Two workbooks are made from the released s1_jax_fundamentals workbook, cut to its first cells and
one exercise: one with the solution, one with a typical mistake (both draws with the same key).
Chromium opens each in JupyterLab (a loopback port, a token, a scratch root), selects the first
cell and presses Shift-Enter down to the test cell and on it, then reads what Lab shows: PASS or
FAIL as words, on green or red badges, the mistake's hint and fix, and what the check saw folded
in a <details>. A third notebook holds a verdict as the autograder writes it, which Lab does not trust
and so sanitises: the words, colours and fold must survive that. Every wait is for a condition, with a
generous limit; nothing asserts a time.
Skipped, saying why, where Chromium, its driver, Selenium or JupyterLab is missing (`make test`
installs them).
"""
from __future__ import annotations

import nbformat
import pytest

from grader import exercises

import lab

pytestmark = pytest.mark.skipif(lab.missing() is not None,
                                reason=f"{lab.missing()} (`make test` installs it; that failed or was not "
                                       f"possible here)")

A, EXERCISE = "s1_jax_fundamentals", "two_independent_normals"
RUN_SECONDS = 240                   # kernel start, import jax, the checks: about 5 s on an idle machine
PASS_COLOUR, FAIL_COLOUR = "rgba(11, 93, 34, 1)", "rgba(157, 18, 18, 1)"      # grader.checks.display.MARKS


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def workbook(course_root, solution: str) -> nbformat.NotebookNode:
    """The release workbook's title and set-up cells, then the exercise's text, `solution` and test cell."""
    nb = nbformat.read(str(course_root / "release" / A / f"{A}.ipynb"), as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if grade_id(c) == EXERCISE)
    cells = [nb.cells[0], nb.cells[1], nb.cells[at - 1], nb.cells[at], nb.cells[at + 1]]
    assert cells[1].cell_type == "code" and "import jax" in cells[1].source
    assert cells[2].cell_type == "markdown" and grade_id(cells[4]) == f"test_{EXERCISE}"
    cells[3].source = solution
    nb.cells = cells
    return nb


def graded(course_root) -> nbformat.NotebookNode:
    """A workbook as the autograder leaves it: a verdict written into the test cell by the judged path
    (grader.judge.cells), not trusted by Lab (no signature), so that Lab sanitises its HTML."""
    from grader.checks.result import CheckResult, Verdict
    from grader.judge import cells

    nb = workbook(course_root, "def two_independent_normals(key, shape):\n    return 0\n")
    verdict = Verdict(A, EXERCISE, "visible", [
        CheckResult("shape", "returns two arrays of the given shape", True, 1.0, 1.0),
        CheckResult("independent", "the two draws are independent", False, 0, 1.0,
                    "On key = jax.random.key(1): the two arrays are identical.", "identical_draws")])
    nb.cells[4].outputs = [nbformat.from_dict(o) for o in cells.verdict_outputs(verdict, 3)]
    return nb


@pytest.fixture(scope="module")
def session(course_root, tmp_path_factory):
    """(JupyterLab, a Selenium driver of Chromium, the scratch folder) over a root holding the three notebooks."""
    scratch = tmp_path_factory.mktemp("lab")
    root = scratch / "root"
    root.mkdir()
    source = nbformat.read(str(course_root / "source" / A / f"{A}.ipynb"), as_version=4)
    [solved] = [c.source for c in source.cells if grade_id(c) == EXERCISE]
    mistake = exercises.load(A, instructor=True)[EXERCISE].mistakes[0]
    assert mistake.hint == "identical_draws"
    nbformat.write(workbook(course_root, solved), str(root / "solved.ipynb"))
    nbformat.write(workbook(course_root, mistake.code), str(root / "broken.ipynb"))
    nbformat.write(graded(course_root), str(root / "graded.ipynb"))
    with lab.lab_server(root, scratch) as server, lab.chromium(scratch / "profile") as driver:
        yield server, driver, scratch


def run_test_cell(session, name: str):
    """Open `name` in Lab, Shift-Enter from the first cell through the test cell; the verdict's element.
    A screenshot of the window is left beside the server's log (also when a wait fails)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server, driver, scratch = session
    driver.get(server.notebook_url(name))
    wait = WebDriverWait(driver, RUN_SECONDS)
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    try:
        wait.until(lambda _: any(item.text.endswith("| Idle")                   # the kernel is connected
                                 for item in driver.find_elements(By.CSS_SELECTOR, ".jp-StatusBar-TextItem")))
        cells = wait.until(lambda _: [c for c in [driver.find_elements(By.CSS_SELECTOR, f"{panel} .jp-Cell")]
                                      if len(c) == 5])[0]                 # Lab renders cells a few at a time
        shift_enter_through(driver, cells)
        return wait.until(lambda _: cells[4].find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output .grader-verdict"))[0]
    finally:
        driver.save_screenshot(str(scratch / f"{name}.png"))


def shift_enter_through(driver, cells) -> None:
    """Select the first cell, then press Shift-Enter on each cell in turn, the test cell last, each
    press waited for (the selection moves on and a code cell's prompt shows it ran or runs). A click
    or a press that Lab lost while busy is made again (at most three times as many as there are cells)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def active() -> int | None:
        found = [i for i, cell in enumerate(cells) if "jp-mod-active" in cell.get_attribute("class")]
        return found[0] if found else None

    def ran(cell) -> bool:
        """Rendered markdown, or a code cell whose prompt is "[*]:" (running) or "[n]:"."""
        if "jp-CodeCell" not in cell.get_attribute("class"):
            return True
        return cell.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").text.strip() not in ("", "[ ]:")

    at = 0                                                  # the cell to press Shift-Enter on
    for _ in range(3 * len(cells)):
        if at == len(cells):
            return
        now = active()
        if now is not None and now > at and ran(cells[at]):    # a press took effect late: go on from there
            at = now
            continue
        try:
            if now != at:
                cells[at].click()                           # select it (the first one is rendered markdown)
                WebDriverWait(driver, 30).until(lambda _, at=at: active() == at)
            ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
            WebDriverWait(driver, 30).until(lambda _, at=at: active() != at)
        except TimeoutException:
            continue                                        # lost: the loop looks again and retries
        if ran(cells[at]):                                  # else the kernel was not there: run it again
            at += 1
    raise AssertionError(f"Shift-Enter did not get through the cells: stuck at cell {at}, active {active()}")


def marks(verdict) -> list[tuple[str, str]]:
    """(word on the badge, its colour) of every check, in order."""
    from selenium.webdriver.common.by import By
    return [(m.text, m.value_of_css_property("color")) for m in verdict.find_elements(By.CSS_SELECTOR, ".grader-mark")]


def test_a_solved_exercise_shows_every_check_passed_in_green(session):
    verdict = run_test_cell(session, "solved.ipynb")
    assert verdict.text.splitlines()[0] == f"{EXERCISE} (visible tests): 2 / 2 points"
    shown = marks(verdict)
    assert shown and all(word == "✓ PASS" and colour == PASS_COLOUR for word, colour in shown), shown
    assert "FAIL" not in verdict.text and "Hint" not in verdict.text


def test_a_mistake_shows_fail_in_red_with_its_hint_and_folded_details(session):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    verdict = run_test_cell(session, "broken.ipynb")
    title = verdict.text.splitlines()[0]
    assert title.startswith(f"{EXERCISE} (visible tests): ") and title.endswith(" / 2 points"), title
    assert title != f"{EXERCISE} (visible tests): 2 / 2 points"
    shown = marks(verdict)
    assert ("✗ FAIL", FAIL_COLOUR) in shown and ("✓ PASS", PASS_COLOUR) in shown, shown
    assert "Hint: The two draws are identical." in verdict.text
    assert "Fix: Split the key and draw each array with its own subkey." in verdict.text
    [details] = verdict.find_elements(By.CSS_SELECTOR, "details")
    message = details.find_element(By.CSS_SELECTOR, "pre")
    assert details.get_attribute("open") is None and not message.is_displayed()     # folded
    details.find_element(By.CSS_SELECTOR, "summary").click()
    WebDriverWait(session[1], RUN_SECONDS).until(lambda _: message.is_displayed())
    assert "the two arrays are identical" in message.text


def test_an_autograded_notebook_opened_later_keeps_words_colours_and_folds(session):
    """Lab sanitises the HTML of a notebook it does not trust: the inline styles and <details> survive."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server, driver, scratch = session
    driver.get(server.notebook_url("graded.ipynb"))
    try:
        verdict = WebDriverWait(driver, RUN_SECONDS).until(
            lambda _: driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output .grader-verdict"))[0]
    finally:
        driver.save_screenshot(str(scratch / "graded.png"))
    assert marks(verdict) == [("✓ PASS", PASS_COLOUR), ("✗ FAIL", FAIL_COLOUR)]
    assert "Hint: The two draws are identical." in verdict.text
    [details] = verdict.find_elements(By.CSS_SELECTOR, "details")
    assert not details.find_element(By.CSS_SELECTOR, "pre").is_displayed()
