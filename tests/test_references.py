"""Stored reference data is what the current solutions produce, and tampering is detected."""
from __future__ import annotations

import json
import shutil

import pytest

from grader import exercises, reference


@pytest.mark.parametrize("assignment", exercises.names())
def test_stored_references_are_current(assignment, course_root):
    """Checksums of the data, the solutions and the descriptions (a rebuild costs 30 to 60 s an assignment:
    one is rebuilt below; `grader refs check` rebuilds every one)."""
    assert reference.verify(assignment, course_root, rebuild=False) == []


def test_a_fresh_build_reproduces_the_stored_data(course_root):
    assert reference.verify("s1_jax_fundamentals", course_root) == []


def test_changed_description_is_detected(tmp_path, monkeypatch, course_root):
    assignment = "s1_jax_fundamentals"
    halves = reference.description_files(assignment)
    edited = tmp_path / "edited.py"
    edited.write_text(halves[1].read_text() + "\n# a hidden case changed here\n")
    monkeypatch.setattr(reference, "description_files", lambda a: [halves[0], edited])
    problems = reference.verify(assignment, course_root, rebuild=False)
    assert len(problems) == 1 and "descriptions" in problems[0] and "refs build" in problems[0]


@pytest.mark.parametrize("assignment", exercises.names())
def test_every_exercise_has_public_and_hidden_cases(assignment):
    for exercise in exercises.load(assignment).exercises:
        for part in ("visible", "hidden"):
            cases, refs, mistakes = reference.cases_and_references(assignment, exercise.name, part)
            assert len(cases) == len(refs) == len(mistakes) >= 1, (exercise.name, part)


@pytest.mark.parametrize("assignment", exercises.names())
def test_public_data_names_the_visible_hints_of_the_corpus(assignment):
    """What each mistake produces on the public cases is stored (numbers), so that a student's
    install names the hints the visible checks diagnose; hidden data only in the instructor's folder."""
    full = exercises.load(assignment, instructor=True)
    named = 0
    for exercise in full.exercises:
        _, _, mistakes = reference.cases_and_references(assignment, exercise.name, "visible")
        stored = {hint for per_case in mistakes for found in per_case.values() for hint, _ in found}
        assert stored <= {m.hint for m in exercise.mistakes}, exercise.name
        named += len(stored)
    assert named >= len(full.exercises)          # at least one hint per exercise on average
    assert not list(reference.DATA_DIR.glob(f"{assignment}/hidden*"))
    assert (reference.data_dir(assignment, "hidden") / "hidden.npz").is_file()


def test_changed_reference_value_is_detected(tmp_path, monkeypatch, course_root):
    assignment = "s1_jax_fundamentals"
    shutil.copytree(reference.DATA_DIR / assignment, tmp_path / assignment)
    hidden_dir = reference.data_dir(assignment, "hidden")
    monkeypatch.setattr(reference, "DATA_DIR", tmp_path)
    monkeypatch.setattr(reference, "data_dir",
                        lambda a, part: tmp_path / a if part == "visible" else hidden_dir)
    reference.load_data.cache_clear()
    try:
        # Rewrite public.npz with one value changed, and fix up the manifest so only the values differ.
        import numpy as np
        path = tmp_path / assignment / "public.npz"
        with np.load(path) as data:
            arrays = {k: np.array(v) for k, v in data.items()}
        name = next(k for k, v in arrays.items() if v.dtype.kind == "f" and v.size)
        arrays[name].flat[0] += 1.0
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)
        assert any("checksum" in p for p in reference.verify(assignment, course_root))
        manifest_path = tmp_path / assignment / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        manifest["files"]["public.npz"] = reference._sha256(path)
        manifest_path.write_text(json.dumps(manifest))
        problems = reference.verify(assignment, course_root)
        assert problems and all("visible" in p for p in problems)
    finally:
        reference.load_data.cache_clear()


def test_changed_solution_is_detected(tmp_path, course_root):
    assignment = "s1_jax_fundamentals"
    (tmp_path / "source" / assignment).mkdir(parents=True)
    shutil.copy(course_root / "nbgrader_config.py", tmp_path)
    notebook = reference.source_notebook(course_root, assignment).read_text()
    edited = notebook.replace("jnp.maximum(jnp.abs(x) - t, 0.0)", "jnp.maximum(jnp.abs(x) - t, 0.0) * 1.0")
    assert edited != notebook
    reference.source_notebook(tmp_path, assignment).write_text(edited)
    assert any("solutions changed" in p for p in reference.verify(assignment, tmp_path))
