"""Stored reference data is what the current solutions produce, and tampering is detected."""
from __future__ import annotations

import json
import shutil

import pytest

from grader import exercises, reference


@pytest.mark.parametrize("assignment", exercises.names())
def test_stored_references_are_current(assignment, course_root):
    assert reference.verify(assignment, course_root) == []


@pytest.mark.parametrize("assignment", exercises.names())
def test_every_exercise_has_public_and_hidden_cases(assignment):
    for exercise in exercises.load(assignment).exercises:
        for part in ("visible", "hidden"):
            cases, refs = reference.cases_and_references(assignment, exercise.name, part)
            assert len(cases) == len(refs) >= 1, (exercise.name, part)


def test_changed_reference_value_is_detected(tmp_path, monkeypatch, course_root):
    assignment = "s1_jax_fundamentals"
    shutil.copytree(reference.DATA_DIR / assignment, tmp_path / assignment)
    monkeypatch.setattr(reference, "DATA_DIR", tmp_path)
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
    notebook = reference.source_notebook(course_root, assignment).read_text()
    edited = notebook.replace("jnp.maximum(jnp.abs(x) - t, 0.0)", "jnp.maximum(jnp.abs(x) - t, 0.0) * 1.0")
    assert edited != notebook
    reference.source_notebook(tmp_path, assignment).write_text(edited)
    assert any("solutions changed" in p for p in reference.verify(assignment, tmp_path))
