"""Reference outputs of the source solutions: build, store, load and verify.

Per assignment:
  grader/reference/data/<assignment>/public.json + public.npz
      on the public cases: the reference probes, the oracles' outputs, and what each
      known mistake produces (ships to students: numbers only, so that the visible
      checks name a mistake's hint without the mistake's code)
  grader/reference/data/<assignment>/manifest.json
      checksums of the data files, of the solutions and of the descriptions, versions
  instructor/reference/<assignment>/hidden.json + hidden.npz
      the same on the hidden cases, drawn from a secret seed (instructor's checkout only)

Each exercise's entry: {"cases": [Case], "references": [{probe or oracle: pytree}],
"mistakes": [{probe: [[hint, pytree], ...]}]}, the last two one item per case; a
mistake's outputs are in corpus order, and a mistake that raises on a case or
agrees with the reference there is left out for that case.
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

from .. import exercises, material
from ..checks import trees
from ..checks import snippets
from ..checks.context import materialize
from . import codec

DATA_DIR = Path(__file__).parent / "data"


class MissingReferenceData(FileNotFoundError):
    """Reference data for an assignment is not there (for hidden data: not an instructor's install)."""


def source_notebook(course_root: Path, assignment: str) -> Path:
    """The assignment's source notebook in the course at `course_root` (grader.layout)."""
    from ..layout import Layout
    return Layout.of(course_root).source_notebook(assignment)


def _probe(exercise, name: str):
    return exercise.probes.get(name, lambda fn, *a: fn(*a))


def _as_numpy(tree):
    return jax.tree_util.tree_map(np.asarray, tree)


def reference_outputs(exercise, part: str, ref_fn, case) -> dict:
    """The reference solution's probes and the oracles' outputs on `case`, by name."""
    args = materialize(case.args, exercise.functions)
    out = {name: _as_numpy(_probe(exercise, name)(ref_fn, *args)) for name in exercise.reference_probes(part)}
    oracles = oracle_outputs(exercise, part, case)
    clash = sorted(set(out) & set(oracles))
    if clash:
        raise ValueError(f"{exercise.name}: oracles {clash} have the names of probes")
    return {**out, **oracles}


def oracle_outputs(exercise, part: str, case) -> dict:
    """{oracle name: its output on `case`} for the oracles the checks of `part` compare with."""
    return {name: _as_numpy(exercise.oracles[name](*case.args)) for name in exercise.oracle_names(part)}


def mistake_outputs(exercise, part: str, case, references: dict) -> dict:
    """{probe: [[hint, output], ...]}: what each known mistake produces on `case`, in corpus order."""
    out = {}
    args = materialize(case.args, exercise.functions)
    for name in exercise.diagnosed_probes(part):
        found = []
        for mistake in exercise.mistakes:
            if not mistake.hint:
                continue
            wrong_fn = snippets.function(exercise.name, mistake.code)
            try:
                wrong = _as_numpy(_probe(exercise, name)(wrong_fn, *args))
            except Exception:  # noqa: BLE001 (a mistake that raises here explains no wrong value)
                continue
            if name in references and trees.close(wrong, references[name]):
                continue
            try:
                codec.encode(wrong, {})
            except TypeError:   # not data (a mistake returning a function, say): nothing to compare
                continue
            found.append([mistake.hint, wrong])
        out[name] = found
    return out


def _entry(exercise, part: str, ref_fn, cases) -> dict:
    references = [reference_outputs(exercise, part, ref_fn, c) for c in cases]
    return {"cases": cases, "references": references,
            "mistakes": [mistake_outputs(exercise, part, c, r) for c, r in zip(cases, references)]}


def compute(assignment_name: str, course_root: Path, seed: int) -> tuple[dict, dict]:
    """(public, hidden) data of an assignment from its source solutions; hidden cases drawn with `seed`.

    Each exercise's hidden cases are drawn from a generator seeded with (seed, the
    exercise's name), so adding or moving an exercise leaves the others' hidden inputs alone.
    """
    from . import solutions  # reads notebooks: nbformat, needed to build, never to grade
    assignment = exercises.load(assignment_name, instructor=True)
    namespace = solutions.load(source_notebook(course_root, assignment_name))
    public, hidden = {"exercises": {}}, {"seed": seed, "exercises": {}}
    for exercise in assignment.exercises:
        ref_fn = namespace.get(exercise.name)
        if not callable(ref_fn):
            raise ValueError(f"{source_notebook(course_root, assignment_name)}: no solution defines "
                             f"{exercise.name}()")
        public["exercises"][exercise.name] = _entry(exercise, "visible", ref_fn, exercise.visible_cases)
        rng = np.random.default_rng([seed, *exercise.name.encode()])
        hidden["exercises"][exercise.name] = _entry(exercise, "hidden", ref_fn, list(exercise.hidden_cases(rng)))
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


def data_dir(assignment_name: str, part: str) -> Path:
    """Where the public (visible) or hidden data of an assignment is stored."""
    if part == "visible":
        return DATA_DIR / assignment_name
    return material.hidden_data_dir(assignment_name)


def _stem(part: str) -> str:
    return {"visible": "public", "hidden": "hidden"}[part]


def stored_seed(assignment_name: str) -> int | None:
    path = data_dir(assignment_name, "hidden") / "hidden.json"
    return json.loads(path.read_text())["seed"] if path.exists() else None


def hidden_seed(assignment_name: str) -> int | None:
    """The seed of the hidden data, where the instructor's material is (grading), else None (a student's
    install). The checks draw the keys of their behavioural tests from it (`checks.context.Context.key_seeds`)."""
    try:
        return int(load_data(assignment_name, "hidden")["seed"])
    except MissingReferenceData:
        return None


def description_files(assignment_name: str) -> list[Path]:
    """The two halves of the assignment's description: what its cases, probes and corpus are made from."""
    return [Path(exercises.__file__).parent / f"{assignment_name}.py", material.exercises_file(assignment_name)]


def descriptions_checksum(assignment_name: str) -> str:
    """sha256 over both halves of the description (a change to either calls for `grader refs build`)."""
    digest = hashlib.sha256()
    for path in description_files(assignment_name):
        digest.update(path.read_bytes())
    return digest.hexdigest()


SEED_BITS = 128    # the hidden seed: a key sent to a kernel must not let anyone search for it (2**31 took hours)


def build(assignment_name: str, course_root: Path, new_seed: bool = False) -> Path:
    """Rebuild and store the reference data; the hidden seed is kept if one exists, unless `new_seed`
    (then every hidden input and every key the behavioural checks choose changes, e.g. between rounds)."""
    from . import solutions
    seed = None if new_seed else stored_seed(assignment_name)
    seed = secrets.randbits(SEED_BITS) if seed is None else seed
    public, hidden = compute(assignment_name, course_root, seed)
    files = []
    for part, data in (("visible", public), ("hidden", hidden)):
        directory = data_dir(assignment_name, part)
        directory.mkdir(parents=True, exist_ok=True)
        files += _write(directory, _stem(part), data)
    manifest = {
        "assignment": assignment_name,
        "solutions_sha256": solutions.checksum(source_notebook(course_root, assignment_name)),
        "descriptions_sha256": descriptions_checksum(assignment_name),
        "built_with": {"jax": jax.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "files": {p.name: _sha256(p) for p in files},
    }
    directory = DATA_DIR / assignment_name
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    load_data.cache_clear()
    return directory


@functools.lru_cache(maxsize=None)
def load_data(assignment_name: str, part: str) -> dict:
    """Decoded public or hidden data of an assignment."""
    try:
        directory = data_dir(assignment_name, part)
    except material.InstructorMaterialMissing as err:
        raise MissingReferenceData(f"hidden reference data for {assignment_name}: {err}") from None
    json_path, npz_path = directory / f"{_stem(part)}.json", directory / f"{_stem(part)}.npz"
    if not json_path.exists() or not npz_path.exists():
        where = "the instructor's material" if part == "hidden" else "the grader package"
        raise MissingReferenceData(f"{json_path}: {part} reference data for {assignment_name} is missing "
                                   f"(it lives in {where}; build it with `grader refs build {assignment_name}`)")
    with np.load(npz_path, allow_pickle=False) as arrays:
        return codec.decode(json.loads(json_path.read_text()), dict(arrays))


def cases_and_references(assignment_name: str, exercise_name: str, part: str):
    """(cases, references, mistakes) of one exercise for the visible or the hidden test cell."""
    exercises.load(assignment_name)[exercise_name]  # a KeyError that names the known exercises
    data = load_data(assignment_name, part)["exercises"][exercise_name]
    return list(data["cases"]), data["references"], data["mistakes"]


def verify(assignment_name: str, course_root: Path, rebuild: bool = True) -> list[str]:
    """Problems with the stored data, [] when current: checksums of the data files, of the solutions and of
    the descriptions it was built from, then (with `rebuild`) differences from a fresh build, which also
    finds what the checksums cannot see (a changed data module or check library, another JAX)."""
    from . import solutions
    directory = DATA_DIR / assignment_name
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        return [f"{manifest_path}: missing; run `grader refs build {assignment_name}`"]
    manifest = json.loads(manifest_path.read_text())
    problems = []
    for name, digest in manifest["files"].items():
        path = data_dir(assignment_name, "hidden" if name.startswith("hidden") else "visible") / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif _sha256(path) != digest:
            problems.append(f"{path}: checksum differs from manifest.json")
    notebook = source_notebook(course_root, assignment_name)
    if manifest["solutions_sha256"] != solutions.checksum(notebook):
        problems.append(f"{notebook}: solutions changed since the reference data was built")
    if manifest.get("descriptions_sha256") != descriptions_checksum(assignment_name):
        files = ", ".join(map(str, description_files(assignment_name)))
        problems.append(f"{assignment_name}: the exercise descriptions ({files}) changed since the reference "
                        f"data was built; run `grader refs build {assignment_name}`")
    if problems or not rebuild:
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
            for i, (new_m, old_m) in enumerate(zip(entry["mistakes"], old.get("mistakes", []))):
                if _hints(new_m) != _hints(old_m):
                    problems.append(f"{assignment_name}/{name} {part} case {i}: the known mistakes' "
                                    f"outputs differ ({_hints(old_m)} stored, {_hints(new_m)} now)")
            for i, (new_case, old_case) in enumerate(zip(entry["cases"], old["cases"])):
                if not _same_case(new_case, old_case):
                    problems.append(f"{assignment_name}/{name} {part} case {i}: inputs differ")
            if len(entry["references"]) != len(old["references"]):
                problems.append(f"{assignment_name}/{name} {part}: {len(old['references'])} stored cases, "
                                f"{len(entry['references'])} now")
    return problems


def _hints(mistakes: dict) -> dict:
    return {probe: [hint for hint, _ in found] for probe, found in mistakes.items()}


def _same_case(a, b) -> bool:
    arrays_a, arrays_b = {}, {}
    if codec.encode(a, arrays_a) != codec.encode(b, arrays_b):
        return False
    return all(np.array_equal(arrays_a[k], arrays_b[k], equal_nan=True) for k in arrays_a)
