"""Feedback pages and the class report (grader/report/).

Most tests read the pages written for a few autograded demo students (the
session's `graded_cohort`, see conftest.py). The leak tests also render every
source notebook (hidden tests, solutions) with verdicts whose messages, notes
and outputs quote hidden values, for all assignments, without grading anything.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import numpy as np
import pytest

from grader import demo, exercises, reference
from grader.protocol import VERDICT_MIMETYPE, format_points
from grader.report import disclosure, feedback
from grader.report.verdicts import is_test_cell, nbgrader_meta, read_cells, source_of

from conftest import GRADED_STUDENTS, UNGRADABLE

COUNTED = [s for s in GRADED_STUDENTS if s != "blank"]      # the blank submission is counted apart

A = demo.ASSIGNMENT
ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"\d*\.\d+(?:e[+-]?\d+)?")


# --- what must never reach a student ----------------------------------------------------

def _leaves(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _leaves(value)
    elif isinstance(tree, (list, tuple)):
        for value in tree:
            yield from _leaves(value)
    elif hasattr(tree, "args"):                        # an exercise Case
        yield from _leaves(tree.args)
    else:
        yield tree


def _simple_fraction(v: float) -> bool:
    """4/3, 0.25, 2.5 ...: numbers that public cells print too (the MSE of a broadcasting example is 4/3)."""
    return any(abs(v * k - round(v * k)) <= 1e-5 * max(1.0, abs(v * k)) for k in range(1, 13))


def hidden_values(assignment: str) -> set[str]:
    """Hidden inputs and hidden reference outputs as text would show them (%g, float32 repr, float repr, .5f),
    those with at least five significant digits that are not simple fractions (so that no common number
    is taken for a leak)."""
    data = reference.load_data(assignment, "hidden")
    found = set()
    for entry in data["exercises"].values():
        for leaf in _leaves([entry["cases"], entry["references"]]):
            array = np.asarray(leaf) if isinstance(leaf, (float, np.ndarray, np.floating)) else None
            if array is None or array.dtype.kind != "f":
                continue
            for v in array.ravel()[:50]:
                if not np.isfinite(v) or _simple_fraction(float(v)):      # NaN: resampled outside the grid
                    continue
                for text in (f"{v:g}", str(np.float32(v)), repr(float(v)), f"{v:.5f}"):
                    text = text.lstrip("-")
                    if len(text.replace(".", "").lstrip("0").split("e")[0].rstrip("0")) >= 5:
                        found.add(text)
    return found


def hidden_source_lines(assignment: str) -> set[str]:
    """Lines of the source notebook's hidden test cells that the release does not show."""
    release = (ROOT / "release" / assignment / f"{assignment}.ipynb").read_text()
    nb = nbformat.read(str(ROOT / "source" / assignment / f"{assignment}.ipynb"), as_version=4)
    lines = set()
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id", "").endswith("_hidden"):
            lines.update(line.strip() for line in source_of(cell).splitlines()
                         if line.strip() and json.dumps(line.strip())[1:-1] not in release)
    assert lines, f"{assignment}: no hidden test cell found in the source notebook"
    return lines


def leaks(text: str, assignment: str) -> list[str]:
    """Hidden test source lines and hidden values found in `text`."""
    tokens = set(NUMBER.findall(text))
    return sorted(line for line in hidden_source_lines(assignment) if line in text) + \
        sorted(hidden_values(assignment) & tokens)


def feedback_pages(course) -> list[Path]:
    return sorted((course.root / "feedback").glob(f"*/{A}/*.html"))


def test_no_hidden_test_source_or_hidden_value_in_any_feedback_page(graded_cohort):
    pages = feedback_pages(graded_cohort)
    assert len(pages) == len(GRADED_STUDENTS)
    for page in pages:
        text = page.read_text()
        assert not leaks(text, A), page
        assert "BEGIN HIDDEN TESTS" not in text and "checks.hidden(" not in text, page


def test_the_leak_finder_finds_what_the_autograded_notebooks_hold(graded_cohort):
    # The hidden check messages of a sum instead of a mean quote the reference loss ("expected 75.2366"):
    # the autograded notebook has it, its feedback page must not.
    nb = nbformat.read(str(graded_cohort.root / "autograded" / "sum_not_mean" / A / f"{A}.ipynb"), as_version=4)
    found = leaks("\n".join(source_of(cell) for cell in nb.cells) + nbformat.writes(nb), A)
    assert any("checks.hidden(" in line for line in found)
    assert [x for x in found if NUMBER.fullmatch(x)], "no hidden value in the autograded notebook's messages"


def _with_leaky_outputs(assignment: str):
    """The source notebook with every test cell's outputs replaced by ones that quote hidden values."""
    nb = nbformat.read(str(ROOT / "source" / assignment / f"{assignment}.ipynb"), as_version=4)
    secrets = sorted(hidden_values(assignment))
    test_cells = [cell for cell in nb.cells if is_test_cell(cell)]
    for i, cell in enumerate(test_cells):
        grade_id = nbgrader_meta(cell)["grade_id"]
        hidden = grade_id.endswith("_hidden")
        secret = secrets[i % len(secrets)]
        exercise = grade_id.removeprefix("test_").removesuffix("_hidden")
        message = (f"On a hidden input (array of shape (5,)): got 0.25, expected {secret}" if hidden
                   else f"VISIBLE-DETAIL {exercise}")
        quoted = secret if hidden else "1.5"                # what the checks' messages and notes quote
        verdict = {"assignment": assignment, "exercise": exercise, "part": "visible" if i % 4 == 1 else
                   ("hidden" if hidden else "visible"),             # a verdict that lies about its part
                   "score": 0.5, "max_points": 1.0, "hints": ["reused_key"],
                   "notes": [f"a warning was raised while checking: UserWarning: {quoted}"],
                   "results": [
                       {"name": "values", "describe": "gives the expected result", "passed": False, "points": 0.5,
                        "max_points": 0.5, "message": message, "hint": "reused_key", "assessed": True},
                       {"name": "raises", "describe": "does not raise", "passed": False, "points": 0.25,
                        "max_points": 0.25, "hint": "student_exception", "assessed": True,
                        "message": f"Your function raised an error:\nValueError: bad value {quoted}\n  in f, line 2"},
                       {"name": "jit", "describe": "works under jax.jit", "passed": False, "points": 0.25,
                        "max_points": 0.25, "message": "not assessed until 'values' passes", "hint": None,
                        "assessed": False}]}
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"printed {secret}\n"),
                   nbformat.v4.new_output("error", ename="KeyError", evalue=secret, traceback=[f"KeyError {secret}"])]
        if i != len(test_cells) - 1:                   # the last one shows no verdict at all
            outputs.insert(1, nbformat.v4.new_output("display_data", data={
                "text/plain": f"values: expected {secret}", VERDICT_MIMETYPE: verdict}))
        cell.outputs = outputs
    return nb


@pytest.mark.parametrize("assignment", exercises.names())
def test_hidden_cells_show_verdict_and_hint_but_no_source_message_note_or_output(assignment):
    nb = _with_leaky_outputs(assignment)
    html = feedback.page(nb, "someone", assignment)
    assert not leaks(html, assignment)
    assert "BEGIN HIDDEN TESTS" not in html and "checks.hidden(" not in html
    visible = [nbgrader_meta(c)["grade_id"] for c in nb.cells
               if is_test_cell(c) and not nbgrader_meta(c)["grade_id"].endswith("_hidden")]
    shown = [g for g in visible if f"VISIBLE-DETAIL {g.removeprefix('test_')}" in html]
    assert shown and len(shown) >= len(visible) - 1    # visible details are shown (not all withheld)
    assert "PRNG key used twice" in html and "Your function raised ValueError on a hidden input." in html
    assert "not assessed until &#39;values&#39; passes" in html
    assert html.count('class="verdict"') == len([c for c in nb.cells if is_test_cell(c)])


def test_hidden_detail_keeps_only_fixed_sentences():
    def detail(message, assessed=True):
        return disclosure.hidden_detail({"message": message, "assessed": assessed}, "mse")
    assert detail("On a hidden input (tuple): the loss: largest error 828 (got 902.839, expected 75.2366)") == ""
    assert detail("On a hidden input (x): Your function raised an error:\nTypeError: bad 3.14159\n  in mse") == \
        "Your function raised TypeError on a hidden input."
    assert detail("On a hidden input (a): Not implemented yet (the function raises NotImplementedError).") == \
        "Not implemented yet (the function raises NotImplementedError)."
    assert detail("`mse` is not defined. Run the cell that defines it (and keep the name `mse(a, b)`).") == \
        "`mse` is not defined. Run the cell that defines it."
    assert detail("not assessed until 'loss' passes", assessed=False) == "not assessed until 'loss' passes"
    assert detail("not assessed: 3.14159", assessed=False) == "not assessed"


# --- the feedback pages ------------------------------------------------------------------

def test_a_feedback_page_per_graded_student_in_nbgrader_layout(graded_cohort):
    coursedir = graded_cohort.api.coursedir
    for student in GRADED_STUDENTS:
        expected = Path(coursedir.format_path(coursedir.feedback_directory, student, A)) / f"{A}.html"
        assert expected.is_file() and expected == feedback.page_path(graded_cohort, student, A)
    assert not (graded_cohort.root / "feedback" / UNGRADABLE).exists()


@pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")   # nbgrader's own
def test_release_feedback_publishes_the_pages(graded_cohort, tmp_path):
    """nbgrader's release_feedback finds our pages (with the submission's timestamp and secret)."""
    from grader.course import Course
    graded = graded_cohort.root / "autograded" / "reused_key" / A
    graded.chmod(0o755)
    (graded / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC")
    (graded / "submission_secret.txt").write_text("s3cret")
    feedback.write(graded_cohort, A, ["reused_key"])
    (tmp_path / "exchange").mkdir()
    course = Course(graded_cohort.root)
    course.config.Exchange.root = str(tmp_path / "exchange")
    result = course.api.release_feedback(A, "reused_key")
    assert result["success"], result
    released = list((tmp_path / "exchange" / course.api.coursedir.course_id / "feedback").glob("*.html"))
    assert len(released) == 1
    assert released[0].read_text() == feedback.page_path(graded_cohort, "reused_key", A).read_text()


def test_feedback_page_shows_score_checks_and_hints(graded_cohort):
    scores = {r["student"]: r["score"] for r in graded_cohort.grades() if r["assignment"] == A}
    html = feedback.page_path(graded_cohort, "reused_key", A).read_text()
    assert f"for reused_key: {format_points(scores['reused_key'])} / 25 points</h1>" in html
    assert '<html lang="en">' in html
    for text in ("✗ FAIL", "✓ PASS", "Hint: The two draws are identical.", "Hint: PRNG key used twice.",
                 "Your function raised KeyReuseError on a hidden input.", "the two arrays are identical"):
        assert text in html, text
    assert html.count('class="verdict"') == 2 * len(exercises.load(A).exercises)
    blank = feedback.page_path(graded_cohort, "blank", A).read_text()
    assert "for blank: 0 / 25 points</h1>" in blank and "Hint: Not implemented yet." in blank
    assert "Not implemented yet (the function raises NotImplementedError)." in blank


def test_ordinary_cells_show_their_outputs_but_never_html_or_scripts():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\n<script>alert(1)</script>\n\n"
                                      "See ![remote](http://example.org/x.png)"),
        nbformat.v4.new_code_cell("helper()\ndef f(x):\n    return x", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="hello from the cell\n"),
            nbformat.v4.new_output("display_data", data={"text/html": "<img src='http://example.org/y.png'>",
                                                         "text/plain": "<a table>"}),
            nbformat.v4.new_output("error", ename="NameError", evalue="name 'helper' is not defined",
                                   traceback=["\x1b[0;31mNameError\x1b[0m: name 'helper' is not defined"])])])
    html = feedback.page(nb, "someone", A)
    assert "hello from the cell" in html and "NameError: name &#39;helper&#39; is not defined" in html
    assert "&lt;a table&gt;" in html and "[image: remote]" in html and "example.org" not in html
    assert "<script>" not in html and "\x1b" not in html
    assert "<h2>Title</h2>" in html                      # the notebook's headings sit below the page's h1


def _hidden_test_then_a_printing_cell(printed: str) -> nbformat.NotebookNode:
    """An answer, its hidden test cell, then a cell that prints `printed` (shows what it recorded)."""
    test = nbformat.v4.new_code_cell('checks.hidden("s1_jax_fundamentals", "soft_threshold")')
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 2.0,
                                 "grade_id": "test_soft_threshold_hidden"}
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('before')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="BEFORE-WHILE-GRADED\n")]),
        test,
        nbformat.v4.new_code_cell("print(_seen_inputs)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text=printed)])])


def test_cells_after_a_hidden_test_show_their_submitted_outputs_not_the_graded_ones():
    """A function may record the hidden inputs it is called with and a later cell print them: the page shows
    that cell's outputs as submitted (the student's own, verdicts dropped), never what it printed while graded."""
    graded = _hidden_test_then_a_printing_cell("HIDDEN-INPUT 0.123456789\n")
    submitted = _hidden_test_then_a_printing_cell("AS-SUBMITTED []\n")
    submitted.cells[2].outputs.append(nbformat.v4.new_output("display_data", data={
        "text/plain": "FORGED-VERDICT", VERDICT_MIMETYPE: {"score": 99}}))
    html = feedback.page(graded, "someone", A, submitted=submitted)
    assert "HIDDEN-INPUT" not in html and "FORGED-VERDICT" not in html
    assert "AS-SUBMITTED []" in html and "BEFORE-WHILE-GRADED" in html       # cells before it: as graded
    assert disclosure.AFTER_HIDDEN_NOTE.split(":")[0] in html
    assert "HIDDEN-INPUT" not in feedback.page(graded, "someone", A)           # nothing submitted: no outputs


def test_pages_load_nothing(graded_cohort):
    for page in [*feedback_pages(graded_cohort), graded_cohort.root / "reports" / A / "report.html"]:
        html = page.read_text()
        assert "<script" not in html and "<link" not in html and "@import" not in html and "<iframe" not in html
        sources = re.findall(r'\bsrc="([^"]*)"', html)
        assert all(s.startswith("data:image/") for s in sources), page
        assert not re.search(r"url\((?!data:)", html), page


# --- the class report ------------------------------------------------------------------

def _report(course) -> dict:
    return json.loads((course.root / "reports" / A / "report.json").read_text())


def test_report_numbers_equal_the_gradebook(graded_cohort):
    scores, cells, points = {}, {}, {}
    with graded_cohort.gradebook() as gb:
        for notebook in gb.find_assignment(A).notebooks:
            points.update({c.name: c.max_score for c in notebook.grade_cells})
        for submission in gb.assignment_submissions(A):
            if submission.student.id in COUNTED:
                scores[submission.student.id] = submission.score
                cells[submission.student.id] = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    report = _report(graded_cohort)
    assert report["scores"] == pytest.approx(scores)
    assert report["summary"]["graded"] == len(COUNTED) and report["blank"] == ["blank"]
    assert report["summary"]["max_score"] == sum(points.values()) == 25
    assert report["summary"]["mean"] == pytest.approx(np.mean(list(scores.values())), abs=1e-3)
    by_exercise = {e["exercise"]: e for e in report["exercises"]}
    assert list(by_exercise) == [e.name for e in exercises.load(A).exercises]
    for name, row in by_exercise.items():
        ids = [f"test_{name}", f"test_{name}_hidden"]
        top = sum(points[i] for i in ids)
        got = [sum(cells[s][i] for i in ids) for s in scores]
        assert row["max_points"] == top
        assert (row["full"], row["partial"], row["none"]) == (
            sum(g == top for g in got), sum(0 < g < top for g in got), sum(g == 0 for g in got)), name
        assert row["mean"] == pytest.approx(np.mean(got), abs=1e-3)


def test_report_csv_has_the_same_numbers(graded_cohort):
    report = _report(graded_cohort)
    with open(graded_cohort.root / "reports" / A / "report.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["name"]: float(r["value"]) for r in rows if r["section"] == "score"} == report["scores"]
    for e in report["exercises"]:
        mine = {r["measure"]: float(r["value"])
                for r in rows if r["section"] == "exercise" and r["name"] == e["exercise"]}
        assert mine == {k: e[k] for k in ("max_points", "full", "partial", "none", "mean")}
    assert [r["name"] for r in rows if r["section"] == "ungraded"] == [UNGRADABLE]


def test_report_mistakes_name_the_students_and_link_their_pages(graded_cohort):
    report = _report(graded_cohort)
    students = {m["hint"]: m["students"] for m in report["mistakes"]}
    assert students["identical_draws"] == ["reused_key"] and students["reused_key"] == ["reused_key"]
    assert students["sum_vs_mean"] == ["sum_not_mean"]
    assert "not_implemented" not in students        # listed per student and exercise instead (the blank apart)
    counts = [len(m["students"]) for m in report["mistakes"]]
    assert counts == sorted(counts, reverse=True)
    folder = graded_cohort.root / "reports" / A
    for student in GRADED_STUDENTS:
        assert (folder / report["feedback"][student]).resolve() == feedback.page_path(graded_cohort, student, A)
    html = (folder / "report.html").read_text()
    assert f"PRNG key used twice: 1 of {len(COUNTED)} students" in html
    assert f'<a href="{report["feedback"]["reused_key"]}">reused_key</a>' in html


def test_report_grid_has_every_graded_student_and_exercise_as_in_the_gradebook(graded_cohort):
    report = _report(graded_cohort)
    names = [e.name for e in exercises.load(A).exercises]
    assert sorted(report["grid"]) == sorted(GRADED_STUDENTS)                  # the blank one too
    with graded_cohort.gradebook() as gb:
        for student in GRADED_STUDENTS:
            grades = {g.name: g.score for nb in gb.find_submission(A, student).notebooks for g in nb.grades}
            assert list(report["grid"][student]) == names
            for name in names:
                assert report["grid"][student][name] == pytest.approx(
                    grades[f"test_{name}"] + grades[f"test_{name}_hidden"]), (student, name)
    assert sum(report["grid"]["blank"].values()) == 0


def test_report_links_each_students_submitted_and_autograded_notebooks(graded_cohort):
    report = _report(graded_cohort)
    folder = graded_cohort.root / "reports" / A
    html = (folder / "report.html").read_text()
    for student in GRADED_STUDENTS:
        files = report["files"][student]
        assert (folder / unquote(files["submitted"])).resolve() == graded_cohort.submission(student, A).resolve()
        assert (folder / unquote(files["autograded"])).resolve().is_file()
        assert f'<a href="{files["autograded"]}">autograded</a>' in html


def test_report_check_failures_per_exercise_from_the_verdicts(graded_cohort):
    """Each exercise lists every check its verdicts ran; a check's students are those whose verdict failed it
    (read here from the autograded notebooks), the blank submission never among them."""
    report = _report(graded_cohort)
    checks = {c["exercise"]: c for c in report["checks"]}
    assert list(checks) == [e.name for e in exercises.load(A).exercises]
    for student in COUNTED:
        nb = nbformat.read(str(graded_cohort.root / "autograded" / student / A / f"{A}.ipynb"), as_version=4)
        for cell in read_cells(nb):
            for result in cell.verdict["results"]:
                failed = result["assessed"] and not result["passed"]
                assert (student in checks[cell.exercise]["failing"][result["name"]]) == failed
    assert all(c["students"] == len(COUNTED) for c in checks.values())
    assert not any("blank" in who for c in checks.values() for who in c["failing"].values())
    # the demo's expectations (grader.demo): sum_not_mean's loss and gradient, reused_key's draws
    assert checks["mse_value_and_grad"]["failing"]["gradient"] == ["sum_not_mean"]
    assert checks["two_independent_normals"]["failing"]["no_key_reuse"] == ["reused_key"]


def test_not_implemented_per_student_and_blank_apart():
    from grader.report.classreport import _is_blank, _not_implemented
    from grader.report.verdicts import TestCell

    def cell(exercise, hints, score=0.0):
        return TestCell(f"test_{exercise}", exercise, False, 1.0, {"hints": hints, "score": score, "results": []})
    partly = [cell("a", ["not_implemented"]), cell("b", ["sum_vs_mean"], 0.5), cell("c", ["not_implemented"])]
    blank = [cell("a", ["not_implemented"]), cell("b", ["not_implemented"])]
    assert _not_implemented(["partly", "done"], {"partly": partly, "done": [cell("a", [], 1.0)]}) == \
        {"partly": ["a", "c"]}
    assert _is_blank(blank) and not _is_blank(partly) and not _is_blank([])
    assert not _is_blank(blank + [TestCell("test_x", "x", False, 1.0, None, "SyntaxError")])    # a cell that raised


def test_report_lists_the_submission_that_could_not_be_graded(graded_cohort):
    [ungraded] = _report(graded_cohort)["ungraded"]
    assert ungraded["student"] == UNGRADABLE and f"submitted/{UNGRADABLE}/{A}/{A}.ipynb: not JSON" in ungraded["reason"]
    html = (graded_cohort.root / "reports" / A / "report.html").read_text()
    assert "Submissions that could not be graded" in html and UNGRADABLE in html


def test_report_embeds_two_plots_with_alt_text(graded_cohort):
    html = (graded_cohort.root / "reports" / A / "report.html").read_text()
    plots = re.findall(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', html)
    assert len(plots) == 2
    assert plots[0].startswith(f"Histogram of the total scores of {len(COUNTED)} students")
    assert "two_independent_normals" in plots[1]


# --- the commands ------------------------------------------------------------------------

def test_cli_feedback_and_report(graded_cohort, tmp_path, capsys):
    from grader.cli import main
    course = ["--course", str(graded_cohort.root)]
    assert main(course + ["feedback", A, "--student", "re*"]) == 0
    assert "wrote 1 feedback page(s)" in capsys.readouterr().out
    assert main(course + ["report", A, "--out", str(tmp_path / "r")]) == 0
    assert str(tmp_path / "r" / "report.html") in capsys.readouterr().out.replace("\n", "")
    assert json.loads((tmp_path / "r" / "report.json").read_text())["scores"] == _report(graded_cohort)["scores"]
    assert main(course + ["feedback", A, "--student", "nobody*"]) == 2
    assert "nobody*" in capsys.readouterr().err
