"""Only a submission's own regular files reach grading: links and special files are refused first.

Symbolic links arrive whenever submissions are unpacked with tar, zip or `rsync -a`, and through
nbgrader's exchange. Followed when nbgrader copies a submission, a link beside the notebook brought
the source notebook, the hidden data or the gradebook into the kernel's sandbox, and a notebook that
was a link to another student's submission scored that student's marks. Each kind is graded here
beside an honest submission: it is refused with a reason naming the file, nothing of it is
autograded, and the honest student is graded as usual.
"""
from __future__ import annotations

import os
import shutil

import nbformat
import pytest

from grader import demo, exercises
from grader.protocol import VERDICT_MIMETYPE
from grader.autograde import autograde
from grader.autograde.steps import SubmissionRefused, check_regular_files
from grader.course import Course
from grader.reference import data_dir

from conftest import ROOT

A = demo.ASSIGNMENT
PATTERN_ID = "[h]onest"     # as a glob pattern it matches "honest"
PATTERN_MARKER = "MARKER-OF-THE-STUDENT-WITH-A-PATTERN-ID"
UNSOLVED = exercises.load(A).exercises[0].name


def _links(course: Course, honest: str) -> dict[str, tuple]:
    """student id -> (how its folder is made, the words the refusal must contain)."""
    source = course.root / "source" / A / f"{A}.ipynb"
    return {
        "link_to_source": (lambda folder: os.symlink(source, folder / "notes.ipynb"), "symbolic link"),
        "link_to_hidden_data": (lambda folder: os.symlink(data_dir(A, "hidden") / "hidden.json",
                                                          folder / "data.json"), "symbolic link"),
        "link_to_gradebook": (lambda folder: os.symlink(course.root / "gradebook.db", folder / "db"),
                              "symbolic link"),
        "link_to_folder": (lambda folder: os.symlink(course.root / "source", folder / "more"), "symbolic link"),
        "notebook_is_link": (lambda folder: (os.remove(folder / f"{A}.ipynb"),
                                             os.symlink(course.submission(honest, A), folder / f"{A}.ipynb")),
                             "symbolic link"),
        "hard_link": (lambda folder: os.link(course.root / "nbgrader_config.py", folder / "config.py"), "hard link"),
        "fifo": (lambda folder: os.mkfifo(folder / "pipe"), "not a regular file"),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("links") / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "source" / A, root / "source" / A)
    course = Course(root)
    course.release(A)
    honest = "honest"
    links = _links(course, honest)
    students = [demo.Student(sid, "a solved workbook and a link", assignment=A) for sid in [honest, *links]]
    students.append(demo.Student(PATTERN_ID, "all solved but one, its id a glob pattern matching 'honest'",
                                 answers={UNSOLVED: demo.stub}, assignment=A))
    demo.build(course, students)
    notebook = course.submission(PATTERN_ID, A)
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"{PATTERN_MARKER}"))
    nbformat.write(nb, notebook)
    for sid, (make, _) in links.items():
        make(course.submission(sid, A).parent)
    course.add_students([s.id for s in students])
    outcomes = {o.student: o for o in autograde(course, A, [s.id for s in students], workers=2, sandbox=False)}
    return course, links, outcomes


def test_each_link_and_special_file_is_refused_with_its_reason(graded):
    course, links, outcomes = graded
    for sid, (_, words) in links.items():
        outcome = outcomes[sid]
        assert not outcome.ok, sid
        assert words in outcome.message and str(course.root / "submitted" / sid / A) in outcome.message, outcome
        assert not (course.root / "autograded" / sid / A).exists(), sid


def test_the_honest_student_beside_them_is_graded(graded):
    course, _, outcomes = graded
    assert outcomes["honest"].ok, outcomes["honest"]
    scores = {r["student"]: r["score"] for r in course.grades() if r["assignment"] == A}
    assert scores["honest"] == exercises.load(A).points     # the solved workbook earns them all


def test_a_student_id_is_never_a_pattern(graded):
    """nbgrader found a submission with glob.glob(submitted/<student>/<assignment>): "[h]onest" was graded
    with honest's notebook, whose grades and autograded notebook were written under honest's name."""
    course, _, outcomes = graded
    assert outcomes[PATTERN_ID].ok, outcomes[PATTERN_ID]
    scores = {r["student"]: r["score"] for r in course.grades() if r["assignment"] == A}
    spec = exercises.load(A)
    assert scores[PATTERN_ID] == pytest.approx(spec.points - spec[UNSOLVED].points), scores
    assert scores["honest"] == spec.points, scores
    own = (course.root / "autograded" / PATTERN_ID / A / f"{A}.ipynb").read_text()
    honest = (course.root / "autograded" / "honest" / A / f"{A}.ipynb").read_text()
    assert PATTERN_MARKER in own and PATTERN_MARKER not in honest
    assert VERDICT_MIMETYPE in own                       # executed and judged, not a copy of the submission


def test_a_plain_submission_passes_the_check(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.ipynb").write_text("{}")
    check_regular_files(str(tmp_path))
    os.symlink(tmp_path / "sub" / "a.ipynb", tmp_path / "sub" / "b.ipynb")
    with pytest.raises(SubmissionRefused, match="b.ipynb: a symbolic link"):
        check_regular_files(str(tmp_path))
