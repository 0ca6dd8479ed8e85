"""Reference outputs of the source solutions: build, store, load and verify.

Per assignment, under `grader/reference/data/<assignment>/`:
  public.json + public.npz   reference probes on the public cases (ships to students)
  hidden.json + hidden.npz   the hidden cases, drawn from a secret seed, and their
                             reference probes (instructor's checkout only)
  manifest.json              checksums of those files and of the solutions, versions
"""
from __future__ import annotations

import functools
import hashlib
import json
import platform
import secrets
from pathlib import Path

import jax
import numpy as np

from .. import exercises
from ..checks import trees
from ..checks.context import materialize
from . import codec

DATA_DIR = Path(__file__).parent / "data"


class MissingReferenceData(FileNotFoundError):
    """Reference data for an assignment is not there (for hidden data: not an instructor's install)."""


def source_notebook(course_root: Path, assignment: str) -> Path:
    return Path(course_root) / "source" / assignment / f"{assignment}.ipynb"


def _reference_probes(exercise, ref_fn, case) -> dict:
    args = materialize(case.args, exercise.functions)
    out = {}
    for name in exercise.reference_probes:
        probe = exercise.probes.get(name, lambda fn, *a: fn(*a))
        out[name] = jax.tree_util.tree_map(np.asarray, probe(ref_fn, *args))
    return out


def compute(assignment_name: str, course_root: Path, seed: int) -> tuple[dict, dict]:
    """(public, hidden) data of an assignment from its source solutions; hidden cases drawn with `seed`."""
    from . import solutions  # reads notebooks: nbformat, needed to build, never to grade
    assignment = exercises.load(assignment_name)
    namespace = solutions.load(source_notebook(course_root, assignment_name))
    public, hidden = {"exercises": {}}, {"seed": seed, "exercises": {}}
    for index, exercise in enumerate(assignment.exercises):
        ref_fn = namespace.get(exercise.name)
        if not callable(ref_fn):
            raise ValueError(f"{source_notebook(course_root, assignment_name)}: no solution defines "
                             f"{exercise.name}()")
        public["exercises"][exercise.name] = {
            "cases": exercise.visible_cases,
            "references": [_reference_probes(exercise, ref_fn, c) for c in exercise.visible_cases]}
        rng = np.random.default_rng([seed, index])
        cases = list(exercise.hidden_cases(rng))
        hidden["exercises"][exercise.name] = {
            "cases": cases, "references": [_reference_probes(exercise, ref_fn, c) for c in cases]}
    return public, hidden


def _write(directory: Path, stem: str, data: dict) -> list[Path]:
    arrays: dict[str, np.ndarray] = {}
    encoded = codec.encode(data, arrays)
    json_path, npz_path = directory / f"{stem}.json", directory / f"{stem}.npz"
    json_path.write_text(json.dumps(encoded, indent=1, sort_keys=True) + "\n")
    with open(npz_path, "wb") as f:
        np.savez_compressed(f, **arrays)
    return [json_path, npz_path]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_seed(assignment_name: str) -> int | None:
    path = DATA_DIR / assignment_name / "hidden.json"
    return json.loads(path.read_text())["seed"] if path.exists() else None


def build(assignment_name: str, course_root: Path) -> Path:
    """Rebuild and store the reference data; the hidden seed is kept if one exists."""
    from . import solutions
    seed = stored_seed(assignment_name)
    seed = secrets.randbelow(2**31) if seed is None else seed
    public, hidden = compute(assignment_name, course_root, seed)
    directory = DATA_DIR / assignment_name
    directory.mkdir(parents=True, exist_ok=True)
    files = _write(directory, "public", public) + _write(directory, "hidden", hidden)
    manifest = {
        "assignment": assignment_name,
        "solutions_sha256": solutions.checksum(source_notebook(course_root, assignment_name)),
        "built_with": {"jax": jax.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "files": {p.name: _sha256(p) for p in files},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    load_data.cache_clear()
    return directory


@functools.lru_cache(maxsize=None)
def load_data(assignment_name: str, part: str) -> dict:
    """Decoded public or hidden data of an assignment."""
    stem = {"visible": "public", "hidden": "hidden"}[part]
    directory = DATA_DIR / assignment_name
    json_path, npz_path = directory / f"{stem}.json", directory / f"{stem}.npz"
    if not json_path.exists() or not npz_path.exists():
        where = "the instructor's checkout" if part == "hidden" else "the grader package"
        raise MissingReferenceData(f"{json_path}: {part} reference data for {assignment_name} is missing "
                                   f"(it lives in {where}; build it with `grader refs build {assignment_name}`)")
    with np.load(npz_path, allow_pickle=False) as arrays:
        return codec.decode(json.loads(json_path.read_text()), dict(arrays))


def cases_and_references(assignment_name: str, exercise_name: str, part: str):
    """(cases, references) of one exercise for the visible or the hidden test cell."""
    exercises.load(assignment_name)[exercise_name]  # a KeyError that names the known exercises
    data = load_data(assignment_name, part)["exercises"][exercise_name]
    return list(data["cases"]), data["references"]


def verify(assignment_name: str, course_root: Path) -> list[str]:
    """Problems with the stored data: checksums, and differences from a fresh build. [] when current."""
    from . import solutions
    directory = DATA_DIR / assignment_name
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        return [f"{manifest_path}: missing; run `grader refs build {assignment_name}`"]
    manifest = json.loads(manifest_path.read_text())
    problems = []
    for name, digest in manifest["files"].items():
        path = directory / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif _sha256(path) != digest:
            problems.append(f"{path}: checksum differs from manifest.json")
    notebook = source_notebook(course_root, assignment_name)
    if manifest["solutions_sha256"] != solutions.checksum(notebook):
        problems.append(f"{notebook}: solutions changed since the reference data was built")
    if problems:
        return problems
    load_data.cache_clear()
    fresh_public, fresh_hidden = compute(assignment_name, course_root, stored_seed(assignment_name))
    for part, fresh in (("visible", fresh_public), ("hidden", fresh_hidden)):
        stored = load_data(assignment_name, part)
        for name, entry in fresh["exercises"].items():
            old = stored["exercises"].get(name)
            if old is None:
                problems.append(f"{assignment_name}/{name}: no stored {part} data")
                continue
            for i, (new_ref, old_ref) in enumerate(zip(entry["references"], old["references"])):
                mismatch = trees.compare(new_ref, old_ref)
                if mismatch:
                    problems.append(f"{assignment_name}/{name} {part} case {i}: {mismatch.message}")
            for i, (new_case, old_case) in enumerate(zip(entry["cases"], old["cases"])):
                if not _same_case(new_case, old_case):
                    problems.append(f"{assignment_name}/{name} {part} case {i}: inputs differ")
            if len(entry["references"]) != len(old["references"]):
                problems.append(f"{assignment_name}/{name} {part}: {len(old['references'])} stored cases, "
                                f"{len(entry['references'])} now")
    return problems


def _same_case(a, b) -> bool:
    arrays_a, arrays_b = {}, {}
    if codec.encode(a, arrays_a) != codec.encode(b, arrays_b):
        return False
    return all(np.array_equal(arrays_a[k], arrays_b[k], equal_nan=True) for k in arrays_a)
