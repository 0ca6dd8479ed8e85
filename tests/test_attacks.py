"""The attack corpus (tests/attacks.py) against the autograder, in one shared grading run.

A scratch course is released (the source notebook carries canaries in a solution and a hidden
test), given two honest students and the attacks' submissions, and graded by
`grader.autograde.autograde(course, ASSIGNMENT, students, workers=2)` with a 10 s per-cell time
limit. Before grading, every file of the course (but autograded/ and feedback/, which do not exist
yet), the gradebook's tables that grading must not change, and a canary file outside the course are
recorded; as each student's grading finishes, its gradebook rows and autograded files are recorded.
Afterwards, per attack:

- test_attack_graded: the run gave a result for it; for a crash, hang or bomb the result names why;
- test_attack_score: its gradebook score is at most what its honest part earns (equal when that is
  deterministic), and no verdict shown in its autograded notebook claims more than the gradebook;
- test_attack_changed_nothing: no change found after the run carries the attack's marker (changed
  course files, other students' rows or autograded files changed after they were graded, the
  canary, the TCP server the test listens on);
- test_attack_leaked_nothing: its autograded notebook's outputs and its feedback page hold no secret
  (the canaries, the hidden seed, hidden reference values);

and for the run: it completed, the honest students scored as expected, and nothing at all changed
outside autograded/ and feedback/ (changes no marker names fail only there).

Only the attacks whose tests are selected are graded (with `-k`, a few attacks grade in a minute);
when no attack's test is selected, all are. Attacks with a `danger` are never run unless
grader.autograde.sandbox reports that it can sandbox kernels, and then only after a probe submission,
graded first, shows that what they need contained is (see attacks.contained): otherwise their tests
skip, saying why. The whole run's time is printed, not asserted.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import socket
import sqlite3
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pytest

from attacks import (ASSIGNMENT, ATTACKS, EXERCISES, HIDDEN_TEST_CANARY, HONEST, OTHER_ASSIGNMENT, PROBE_PREFIX,
                     PROBE_STUDENT, SOLUTION_CANARY, SPEC, VICTIM, Attack, Kit, contained, honest_solutions,
                     is_test_cell, marker, plant_canaries, probe_submission)

ROOT = Path(__file__).resolve().parent.parent
TOL = 0.02            # each test cell's score is rounded to 0.001 (see grader.demo.Result.ok)
CELL_TIMEOUT = 10
NOTEBOOK_TIMEOUT = 120
# Files of the course root that grading itself writes (the gradebook is compared by content instead).
WRITTEN_BY_GRADING = {"gradebook.db", "gradebook.db-journal", "gradebook.db-wal", "gradebook.db-shm"}
# Gradebook tables grading must leave alone (it writes submissions, grades and comments only).
STATIC_TABLES = ("course", "student", "assignment", "notebook", "base_cell", "source_cell", "grade_cells",
                 "solution_cells", "task_cells")


def sandbox_unavailable() -> str | None:
    """Why kernels cannot be sandboxed here, or None (grader.autograde.sandbox, imported lazily)."""
    try:
        from grader.autograde import sandbox
    except ImportError as exc:
        return f"grader.autograde.sandbox is not built yet ({exc})"
    try:
        return sandbox.unavailable_reason()
    except Exception as exc:  # noqa: BLE001 (a module being written)
        return f"grader.autograde.sandbox.unavailable_reason() failed: {type(exc).__name__}: {exc}"


# --- the scratch course, the canary, the listening server ---------------------------

class Listener:
    """A TCP server on 127.0.0.1 that records every connection and what it received."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[tuple[str, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                continue
            data = b""
            with conn:
                conn.settimeout(2)
                try:
                    while len(data) < 1 << 20:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
            self.received.append((f"{peer[0]}:{peer[1]}", data))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@dataclass
class Scratch:
    course: object
    kit: Kit
    listener: Listener


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A course with ASSIGNMENT (canaries planted) and OTHER_ASSIGNMENT released; nothing submitted."""
    from grader.course import Course
    root = tmp_path_factory.mktemp("attacks") / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\n# tests/test_attacks.py: short time limits, so that hangs end soon\n"
                f"c.Execute.timeout = {CELL_TIMEOUT}\n"
                f"c.JudgedExecute.notebook_timeout = {NOTEBOOK_TIMEOUT}\n")
    for assignment in (ASSIGNMENT, OTHER_ASSIGNMENT):
        shutil.copytree(ROOT / "source" / assignment, root / "source" / assignment)
    plant_canaries(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    course = Course(root)
    course.release(ASSIGNMENT)
    course.release(OTHER_ASSIGNMENT)
    released = course.release_notebook(ASSIGNMENT).read_text()
    assert SOLUTION_CANARY not in released and HIDDEN_TEST_CANARY not in released
    outside = tmp_path_factory.mktemp("outside")
    canary = outside / "canary.txt"
    canary.write_text(f"canary {secrets.token_hex(16)}\n")
    listener = Listener()
    kit = Kit(release=nbformat.read(str(course.release_notebook(ASSIGNMENT)), as_version=4),
              solutions=honest_solutions(course.source_notebook(ASSIGNMENT)),
              other_release=nbformat.read(str(course.release_notebook(OTHER_ASSIGNMENT)), as_version=4),
              other_solutions=honest_solutions(course.source_notebook(OTHER_ASSIGNMENT)),
              course_root=root, canary=canary, port=listener.port, victim=VICTIM)
    yield Scratch(course, kit, listener)
    listener.close()


# --- snapshots ------------------------------------------------------------------------

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_hashes(root: Path, skip_top: tuple[str, ...] = ()) -> dict[str, str]:
    """relative path -> sha256 of every file under `root` (not under its top-level folders `skip_top`)."""
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): _sha(p) for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.relative_to(root).parts[0] not in skip_top}


def _db(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True, timeout=30)


def static_tables(root: Path) -> dict[str, list[str]]:
    with _db(root) as con:
        return {t: sorted(repr(row) for row in con.execute(f"SELECT * FROM {t}")) for t in STATIC_TABLES}


def student_rows(root: Path, student: str) -> list[str]:
    """Every gradebook row about `student`'s submissions (grades, comments, submission records)."""
    join = ("FROM submitted_notebook sn JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
            "JOIN assignment a ON sa.assignment_id = a.id")
    queries = [
        "SELECT 'grade', a.name, bc.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade "
        "FROM grade g JOIN base_cell bc ON g.cell_id = bc.id JOIN submitted_notebook sn ON g.notebook_id = sn.id "
        "JOIN submitted_assignment sa ON sn.assignment_id = sa.id JOIN assignment a ON sa.assignment_id = a.id "
        "WHERE sa.student_id = ?",
        "SELECT 'comment', a.name, bc.name, c.auto_comment, c.manual_comment "
        "FROM comment c JOIN base_cell bc ON c.cell_id = bc.id JOIN submitted_notebook sn ON c.notebook_id = sn.id "
        "JOIN submitted_assignment sa ON sn.assignment_id = sa.id JOIN assignment a ON sa.assignment_id = a.id "
        "WHERE sa.student_id = ?",
        f"SELECT 'notebook', a.name, sn.flagged, sn.late_submission_penalty {join} WHERE sa.student_id = ?",
        "SELECT 'submission', a.name, sa.timestamp, sa.extension FROM submitted_assignment sa "
        "JOIN assignment a ON sa.assignment_id = a.id WHERE sa.student_id = ?",
    ]
    with _db(root) as con:
        return sorted(repr(row) for q in queries for row in con.execute(q, (student,)))


def gradebook_text(root: Path) -> str:
    with _db(root) as con:
        return "\n".join(con.iterdump())


# --- the run --------------------------------------------------------------------------

@dataclass
class Violation:
    """Something that changed and should not have; `attackers`: the attacks whose marker it carries."""
    what: str
    attackers: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.what + (f" (carries the marker of {', '.join(sorted(self.attackers))})" if self.attackers else "")


@dataclass
class Run:
    course: object
    graded: list[str] = field(default_factory=list)            # students given to autograde
    outcomes: dict = field(default_factory=dict)               # student -> grader.course.Autograded
    skipped: dict[str, str] = field(default_factory=dict)      # attack id -> why it was not graded
    error: str = ""                                            # an exception out of autograde
    feedback_error: str = ""
    seconds: float = 0.0
    rows: dict[str, dict] = field(default_factory=dict)        # student -> course.grades() row
    violations: list[Violation] = field(default_factory=list)
    probe: dict | None = None
    secrets: list[str] = field(default_factory=list)


def _attack_param(item) -> Attack | None:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("attack") if callspec is not None else None
    return value if isinstance(value, Attack) else None


def selected_attacks(session) -> list[Attack]:
    """The attacks whose tests were selected; all of them when none was."""
    ids = {a.id for a in (_attack_param(item) for item in session.items) if a is not None}
    return [a for a in ATTACKS if a.id in ids] or list(ATTACKS)


def write_submission(course, student: str, content) -> None:
    path = course.submission(student, ASSIGNMENT)
    if path.parent.exists():
        shutil.rmtree(path.parent)
    path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        nbformat.write(content, str(path))


def autograded_notebook(course, student: str) -> Path:
    return course.root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def feedback_page(course, student: str) -> Path:
    return course.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"


def read_probe(course) -> dict | None:
    path = autograded_notebook(course, PROBE_STUDENT)
    if not path.is_file():
        return None
    for cell in json.loads(path.read_text()).get("cells", []):
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith(PROBE_PREFIX):
                    return json.loads(line[len(PROBE_PREFIX):])
    return None


def hidden_secrets() -> list[str]:
    """The hidden seed and hidden reference values as an attack prints them (repr of Python floats)."""
    from grader import reference
    directory = reference.data_dir(ASSIGNMENT, "hidden")
    found = []
    if (directory / "hidden.json").is_file():
        seed = json.loads((directory / "hidden.json").read_text()).get("seed")
        if seed is not None and len(str(seed)) >= 6:
            found.append(f"hidden seed: {seed}")
            found.append(str(seed))
    if (directory / "hidden.npz").is_file():
        with np.load(directory / "hidden.npz") as arrays:
            for name in arrays.files:
                values = arrays[name]
                if values.dtype.kind == "f":          # distinctive values only: 10 digits or more
                    found += [r for r in map(repr, map(float, values.ravel()[:8])) if len(r.lstrip("-")) >= 12]
    return list(dict.fromkeys(found))


def _markers_in(data: bytes, ids) -> frozenset[str]:
    return frozenset(i for i in ids if marker(i).encode() in data)


def _path_attackers(name: str, ids) -> frozenset[str]:
    return frozenset(i for i in ids if name.endswith(f"created-by-{i}"))


def find_violations(run: Run, before: dict, at_done: dict, canary_dir: Path, listener: Listener,
                    ids: list[str]) -> list[Violation]:
    """What changed since `before` (and since each student of `at_done` was graded), with the markers it carries."""
    root = run.course.root
    found: list[Violation] = []
    # course files outside autograded/ and feedback/
    after = file_hashes(root, ("autograded", "feedback"))
    for name in sorted(set(before["files"]) | set(after)):
        if name in WRITTEN_BY_GRADING or before["files"].get(name) == after.get(name):
            continue
        state = "deleted" if name not in after else ("created" if name not in before["files"] else "changed")
        data = (root / name).read_bytes() if name in after else b""
        found.append(Violation(f"{name}: {state}", _markers_in(data, ids) | _path_attackers(name, ids)))
    # the gradebook: tables grading leaves alone, and each student's rows once it was graded
    if static_tables(root) != before["tables"]:
        changed = [t for t, rows in static_tables(root).items() if rows != before["tables"][t]]
        found.append(Violation(f"gradebook.db: tables {changed} changed",
                               _markers_in(gradebook_text(root).encode(), ids)))
    for student, (rows, files) in at_done.items():
        now = student_rows(root, student)
        if now != rows:
            diff = sorted(set(now) ^ set(rows))
            found.append(Violation(f"gradebook.db: rows of {student} changed after it was graded: {diff[:4]}",
                                   _markers_in("\n".join(now).encode(), [i for i in ids if i != student])))
        directory = root / "autograded" / student
        now_files = file_hashes(directory)
        for name in sorted(set(files) | set(now_files)):
            if files.get(name) != now_files.get(name):
                data = (directory / name).read_bytes() if name in now_files else b""
                found.append(Violation(f"autograded/{student}/{name}: changed after {student} was graded",
                                       _markers_in(data, [i for i in ids if i != student])))
    # markers in files that are not the attacker's own
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        parts = path.relative_to(root).parts
        owner = parts[1] if len(parts) > 1 and parts[0] in ("submitted", "autograded", "feedback") else None
        if parts[:2] == ("autograded", ".grader") or parts[0] in WRITTEN_BY_GRADING:
            continue                     # the manifest quotes each submission's own failure; gradebook: below
        others = [i for i in ids if i != owner]
        carried = _markers_in(path.read_bytes(), others)
        if carried:
            found.append(Violation(f"{path.relative_to(root)} holds another submission's marker", carried))
    carried = _markers_in(gradebook_text(root).encode(), ids)
    if carried:
        found.append(Violation("gradebook.db holds a submission's marker", carried))
    # outside the course
    canary_now = file_hashes(canary_dir)
    for name in sorted(set(before["canary"]) | set(canary_now)):
        if before["canary"].get(name) != canary_now.get(name):
            data = (canary_dir / name).read_bytes() if name in canary_now else b""
            found.append(Violation(f"{canary_dir / name}: changed outside the course",
                                   _markers_in(data, ids) | _path_attackers(name, ids)))
    for peer, data in listener.received:
        found.append(Violation(f"the test's server on 127.0.0.1:{listener.port} got a connection from {peer} "
                               f"({len(data)} bytes)", _markers_in(data, ids)))
    return found


def _report(config, line: str) -> None:
    """A line on the terminal, past pytest's output capture."""
    import contextlib
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)


@pytest.fixture(scope="module")
def run(request, scratch) -> Run:
    """Grade the honest students and the selected attacks once (see the module docstring)."""
    from grader.autograde import autograde
    from grader.report import feedback
    course, kit = scratch.course, scratch.kit
    result = Run(course)
    attacks = selected_attacks(request.session)
    harmless = [a for a in attacks if not a.danger]
    dangerous = [a for a in attacks if a.danger]
    unavailable = sandbox_unavailable()
    if unavailable and dangerous:
        result.skipped.update({a.id: f"not run without a sandbox ({a.danger} attack): {unavailable}"
                               for a in dangerous})
        dangerous = []

    for honest in HONEST:
        write_submission(course, honest.id, honest.submission(kit))
    write_submission(course, PROBE_STUDENT, probe_submission(kit))     # harmless: it only looks
    for attack in harmless + dangerous:
        write_submission(course, attack.id, attack.submission(kit))
    first = [h.id for h in HONEST] + [PROBE_STUDENT] + [a.id for a in harmless]
    course.add_students(first + [a.id for a in dangerous])
    before = {"files": file_hashes(course.root, ("autograded", "feedback")), "tables": static_tables(course.root),
              "canary": file_hashes(kit.canary.parent)}
    at_done: dict[str, tuple[list[str], dict[str, str]]] = {}

    def done(graded) -> None:
        at_done[graded.student] = (student_rows(course.root, graded.student),
                                   file_hashes(course.root / "autograded" / graded.student))

    started = time.monotonic()
    try:
        result.graded = list(first)
        for outcome in autograde(course, ASSIGNMENT, first, workers=2, done=done):
            result.outcomes[outcome.student] = outcome
        result.probe = read_probe(course)
        if dangerous:
            allowed = []
            for attack in dangerous:
                why = contained(attack, result.probe)
                if why:
                    result.skipped[attack.id] = f"not run: {why}"
                else:
                    allowed.append(attack)
            if allowed:
                result.graded += [a.id for a in allowed]
                for outcome in autograde(course, ASSIGNMENT, [a.id for a in allowed], workers=2, done=done):
                    result.outcomes[outcome.student] = outcome
    except Exception:  # noqa: BLE001 (reported by test_run_completed)
        result.error = traceback.format_exc()
    result.seconds = time.monotonic() - started
    try:
        feedback.write(course, ASSIGNMENT)
    except Exception:  # noqa: BLE001
        result.feedback_error = traceback.format_exc()
    result.rows = {r["student"]: r for r in course.grades() if r["assignment"] == ASSIGNMENT}
    ids = [a.id for a in ATTACKS]
    result.violations = find_violations(result, before, at_done, kit.canary.parent, scratch.listener, ids)
    result.secrets = [SOLUTION_CANARY, HIDDEN_TEST_CANARY, *hidden_secrets()]
    _report(request.config, f"\ntest_attacks: graded {len(result.graded)} submissions "
                            f"({len(harmless)} harmless attacks, {len(result.graded) - len(first)} dangerous, "
                            f"{len(HONEST)} honest, the probe) in {result.seconds:.0f} s on 2 workers"
                            + (f"; skipped: {sorted(result.skipped)}" if result.skipped else "")
                            + f"\ntest_attacks: the sandbox probe saw {result.probe}")
    return result


# --- helpers for the tests ------------------------------------------------------------

def _graded_or_skip(run: Run, attack: Attack) -> None:
    if attack.id in run.skipped:
        pytest.skip(run.skipped[attack.id])
    assert not run.error, f"autograde raised:\n{run.error}"


def _score(run: Run, student: str) -> float:
    return float(run.rows.get(student, {}).get("score", 0.0))


def _outputs_text(path: Path) -> str:
    """Every output of every cell of a notebook, as JSON text."""
    if not path.is_file():
        return ""
    try:
        cells = json.loads(path.read_text()).get("cells", [])
    except ValueError:
        return path.read_text(errors="replace")
    return "\n".join(json.dumps(c.get("outputs", [])) for c in cells)


def _claimed_verdicts(run: Run, student: str) -> list[str]:
    """Test cells of the autograded notebook whose displayed verdict claims more than the gradebook gives."""
    from grader.protocol import verdict_of
    path = autograded_notebook(run.course, student)
    if not path.is_file():
        return []
    row = run.rows.get(student, {})
    problems = []
    for cell in json.loads(path.read_text()).get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        verdict = verdict_of(cell) if is_test_cell(cell) else None
        if verdict is None or grade_id not in row:
            continue
        granted = float(row[grade_id] or 0.0)
        try:
            claimed = float(verdict.get("score", 0.0))
        except (TypeError, ValueError):
            problems.append(f"{grade_id}: the verdict's score is {verdict.get('score')!r}")
            continue
        if claimed > granted + TOL:
            problems.append(f"{grade_id}: the verdict shows {claimed:g}, the gradebook has {granted:g}")
    return problems


# --- the corpus itself (no grading) ---------------------------------------------------

def test_corpus_is_well_formed(scratch):
    """Enough attacks; each builds; every code cell of its notebook is valid Python; expectations add up."""
    import ast
    assert len(ATTACKS) >= 22
    kit = scratch.kit
    for attack in ATTACKS:
        assert set(attack.solved) <= set(EXERCISES) and set(attack.visible_only) <= set(EXERCISES), attack.id
        assert not set(attack.solved) & set(attack.visible_only), attack.id
        assert 0 <= attack.expected() <= SPEC.points, attack.id
        assert attack.why, attack.id
        content = attack.submission(kit)
        if isinstance(content, bytes):
            continue
        nbformat.validate(content)
        for cell in content.cells:
            if cell.cell_type == "code":
                try:
                    ast.parse(cell.source)
                except SyntaxError as err:
                    raise AssertionError(f"{attack.id}: a code cell is not Python: {err}\n{cell.source}") from None
    assert sorted(h.expected() for h in HONEST) == sorted(
        [SPEC.points, sum(SPEC[e].points for e in HONEST[1].solved)])


def test_detectors_find_planted_changes(scratch, tmp_path):
    """The checks of this module can fail: changes, leaks and forged verdicts planted by hand are found
    and traced to the attack whose marker they carry (no grading)."""
    from types import SimpleNamespace
    root = tmp_path / "course"
    shutil.copytree(scratch.course.root, root, ignore=shutil.ignore_patterns("autograded", "feedback", "submitted"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text("canary\n")
    fake = Run(SimpleNamespace(root=root))
    before = {"files": file_hashes(root, ("autograded", "feedback")), "tables": static_tables(root),
              "canary": file_hashes(outside)}
    graded = root / "autograded" / VICTIM / ASSIGNMENT
    graded.mkdir(parents=True)
    verdict = {"output_type": "display_data", "metadata": {},
               "data": {"application/vnd.grader.verdict+json": {"score": 2.0, "max_points": 2.0}}}
    cell = {"cell_type": "code", "execution_count": 1, "source": "", "outputs": [verdict],
            "metadata": {"nbgrader": {"grade": True, "solution": False, "grade_id": "test_noisy_line", "points": 2}}}
    (graded / f"{ASSIGNMENT}.ipynb").write_text(json.dumps({"cells": [cell]}))
    at_done = {VICTIM: (student_rows(root, VICTIM), file_hashes(root / "autograded" / VICTIM))}
    # what write_other_student, write_outside, write_gradebook and network would leave
    (graded / "extra.txt").write_text(marker("write_other_student"))
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(f"# {marker('write_outside')}\n")
    (outside / "canary.txt").write_text(marker("write_outside"))
    (outside / "created-by-write_outside").write_text("")
    with sqlite3.connect(root / "gradebook.db") as con:
        con.execute("UPDATE grade_cells SET max_score = 1000")
    listener = Listener()
    try:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as s:
            s.sendall(marker("network").encode())
        deadline = time.monotonic() + 5
        while not listener.received and time.monotonic() < deadline:
            time.sleep(0.05)
        found = find_violations(fake, before, at_done, outside, listener, [a.id for a in ATTACKS])
    finally:
        listener.close()
    traced = {i for v in found for i in v.attackers}
    assert {"write_other_student", "write_outside", "network"} <= traced, "\n".join(map(str, found))
    assert any("grade_cells" in v.what for v in found), "\n".join(map(str, found))
    assert any("canary.txt" in v.what for v in found) and any("created-by" in v.what for v in found)
    # leaks: the secrets are known, and found in outputs
    secrets_ = [SOLUTION_CANARY, HIDDEN_TEST_CANARY, *hidden_secrets()]
    assert len(secrets_) > 3, "no hidden reference data to look for (not an instructor's checkout?)"
    leaky = tmp_path / "leaky.ipynb"
    leaky.write_text(json.dumps({"cells": [{"outputs": [{"text": f"found: {secrets_[-1]}"}]}]}))
    assert secrets_[-1] in _outputs_text(leaky)
    # a displayed verdict claiming more than the gradebook
    fake.rows = {VICTIM: {"test_noisy_line": 0.0}}
    assert _claimed_verdicts(fake, VICTIM)


# --- the whole run --------------------------------------------------------------------

def test_run_completed(run):
    assert not run.error, f"autograde raised:\n{run.error}"
    missing = [s for s in run.graded if s not in run.outcomes]
    assert not missing, f"no result for {missing}"
    assert not run.feedback_error, run.feedback_error


@pytest.mark.parametrize("honest", HONEST, ids=[h.id for h in HONEST])
def test_honest_students_score_as_expected(run, honest):
    assert not run.error, f"autograde raised:\n{run.error}"
    outcome = run.outcomes.get(honest.id)
    assert outcome is not None and outcome.ok, outcome
    assert _score(run, honest.id) == pytest.approx(honest.expected(), abs=TOL), run.rows.get(honest.id)


def test_nothing_changed_outside_autograded_dirs(run):
    """Every change found after the run, whoever made it (changes no marker names fail only here)."""
    assert not run.violations, "\n".join(str(v) for v in run.violations)


# --- per attack -----------------------------------------------------------------------

ATTACK_PARAMS = pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])


@ATTACK_PARAMS
def test_attack_graded(run, attack):
    """The run gave the attack a result; a crash, hang or bomb is recorded with its reason."""
    _graded_or_skip(run, attack)
    outcome = run.outcomes.get(attack.id)
    assert outcome is not None, f"no result for {attack.id}"
    if attack.reasons:
        assert any(r in outcome.message.lower() for r in attack.reasons), \
            f"the result's message {outcome.message!r} names none of {attack.reasons}"


@ATTACK_PARAMS
def test_attack_score(run, attack):
    """At most what the honest part earns (exactly, when that is deterministic); no verdict claims more."""
    _graded_or_skip(run, attack)
    score, expected = _score(run, attack.id), attack.expected()
    row = {k: v for k, v in run.rows.get(attack.id, {}).items() if v not in ("", 0.0) and k.startswith("test_")}
    outcome = run.outcomes.get(attack.id)
    graded = f"graded ok={getattr(outcome, 'ok', None)} {getattr(outcome, 'message', '')!r}; cells with points: {row}"
    if attack.exact:
        assert score == pytest.approx(expected, abs=TOL), \
            f"{attack.id} scored {score:g}, its honest part earns {expected:g} ({attack.why}); {graded}"
    else:
        assert score <= expected + TOL, \
            f"{attack.id} scored {score:g}, more than its honest part's {expected:g} ({attack.why}); {graded}"
    if attack.below:
        assert score < expected - TOL, f"{attack.id} scored {score:g}, as much as if it were honest ({attack.why})"
    forged = _claimed_verdicts(run, attack.id)
    assert not forged, f"verdicts in the autograded notebook claim more than the gradebook: {forged}"


@ATTACK_PARAMS
def test_attack_changed_nothing(run, attack):
    """No change found after the run carries this attack's marker."""
    _graded_or_skip(run, attack)
    mine = [str(v) for v in run.violations if attack.id in v.attackers]
    assert not mine, "\n".join(mine)


@ATTACK_PARAMS
def test_attack_outputs_bounded(run, attack):
    """Its autograded notebook and feedback page stay small: whatever the kernel sends, the output kept is
    bounded (JudgedExecute.max_notebook_output_bytes, 32 MB by default; 2 MB more for the notebook itself)."""
    from grader.autograde.judged import JudgedExecute
    _graded_or_skip(run, attack)
    bound = JudgedExecute.max_notebook_output_bytes.default_value + (2 << 20)
    for path in (autograded_notebook(run.course, attack.id), feedback_page(run.course, attack.id)):
        if path.is_file():
            assert path.stat().st_size <= bound, f"{path}: {path.stat().st_size:,} bytes"


# Hidden inputs are sent to the kernel when a test runs, so a function can record them and a later cell
# print them: the instructor's autograded notebook keeps what the cell printed, the student's feedback page
# shows that cell's outputs as submitted instead (grader.report.disclosure).
_PRINTS_HIDDEN_INPUTS = {"record_hidden_inputs"}


@ATTACK_PARAMS
def test_attack_leaked_nothing(run, attack):
    """The attack's feedback page holds no solution, hidden test or hidden data (inputs included), nor do its
    autograded outputs (but for the hidden inputs a cell printed after a hidden test: instructors see those)."""
    _graded_or_skip(run, attack)
    outputs = _outputs_text(autograded_notebook(run.course, attack.id))
    page = feedback_page(run.course, attack.id)
    text = (outputs if attack.id not in _PRINTS_HIDDEN_INPUTS else "") + \
        (page.read_text(errors="replace") if page.is_file() else "")
    leaked = [s for s in run.secrets if s in text]
    assert not leaked, f"secrets in {attack.id}'s autograded outputs or feedback: {leaked[:5]}"
