"""The student bundle: what an instructor publishes for students (a git repository, a Binder link).

    <out>/
      README.md                       for students: set up, work, check yourself
      <assignment>/<assignment>.ipynb the release workbooks (release/, nbgrader's student version)
      wheels/grader-<version>-py3-none-any.whl
                                      the student package: checks, hints, public descriptions and
                                      public reference data; never hidden data, solutions or corpus
      requirements.txt                the wheel, then every package it needs pinned as tested here
      runtime.txt                     the Python version, for Binder (repo2docker)

Binder reads `requirements.txt` and `runtime.txt` at the top of the repository and brings
JupyterLab itself; on a laptop, students add `jupyterlab` to the install.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "grader"

STUDENT_README = """# Course workbooks

Workbooks for the course, and the `grader` package that checks your answers. The package carries
the checks and the public test inputs only: no solutions, no hidden tests.

## Set up

On Binder, everything is installed: open a workbook and start.

On your laptop (Python {python} or newer), in this folder:

```sh
python3 -m venv .venv
.venv/bin/python -m pip install -r requirements.txt jupyterlab
.venv/bin/jupyter lab
```

## Work

Open a workbook ({workbooks}), fill in every cell marked `# YOUR CODE HERE`, and run the test
cell below it: it shows which checks pass (PASS or FAIL), your points, and for a failed check a hint
naming the mistake and how to fix it, with what the check saw folded under it.

A test cell's first run compiles your function with JAX for the checks' inputs, which takes a
moment; the test cells keep what they compile in `~/.cache/grader/jax` (compiled programs only, safe
to delete), so after a kernel restart they answer faster. Set `GRADER_JAX_CACHE` to another folder,
or to nothing to turn this off.

## Check the whole workbook

```sh
.venv/bin/pytest {first}
```

One test per exercise (`-k NAME` to pick some, `-x` to stop at the first failure,
`--grader-cell-timeout SECONDS` for cells that need more than 2 minutes); the exit code
is 0 only when every visible test passes. `.venv/bin/grader check {first}` prints the same verdicts
as a table. Hidden tests run when your instructor grades the submission.
"""


class BundleError(Exception):
    """The bundle cannot be made (the message names the file or folder and the problem)."""


def project_dir() -> Path:
    """The source tree of the grader package (with pyproject.toml): the course checkout."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():
        raise BundleError(f"{root}: no pyproject.toml; make the bundle from the course checkout")
    return root


def build_wheel(out: Path) -> Path:
    """Build the student wheel into `out`; its path."""
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(project_dir()), "--no-deps",
                           "--no-build-isolation", "--quiet", "--wheel-dir", str(out)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BundleError(f"pip wheel {project_dir()} failed: {(done.stderr or done.stdout).strip()[-2000:]}")
    wheels = sorted(out.glob(f"{DISTRIBUTION}-*.whl"))
    if len(wheels) != 1:
        raise BundleError(f"{out}: expected one {DISTRIBUTION} wheel, found {[w.name for w in wheels]}")
    return wheels[0]


def wheel_requirements(wheel: Path) -> list[str]:
    """The Requires-Dist lines of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(name).decode("utf-8")
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]


def pinned_requirements(requirements: list[str]) -> list[str]:
    """`name==version` of every package `requirements` need without extras, as installed here.

    Walks the requirements of the installed distributions (markers evaluated for this
    interpreter; a requirement's extras bring their own requirements).
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    todo = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            todo.append((requirement.name, frozenset(requirement.extras)))
    seen: set[tuple[str, frozenset]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise BundleError(f"{name} is needed by the student package and is not installed here") from None
        pins[canonicalize_name(dist.metadata["Name"])] = f"{dist.metadata['Name']}=={dist.version}"
        for text in dist.requires or []:
            requirement = Requirement(text)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""}))
            if wanted:
                todo.append((requirement.name, frozenset(requirement.extras)))
    return [pins[key] for key in sorted(pins)]


def build(course_root: Path, assignments: list[str], out: Path) -> Path:
    """Write the bundle for `assignments` (release workbooks must exist) to the new folder `out`."""
    from .layout import Layout
    out = Path(out)
    if out.exists():
        raise BundleError(f"{out}: already exists; remove it or choose another --out")
    release = Layout.of(course_root).release
    missing = [a for a in assignments if not any(release(a).glob("*.ipynb"))]
    if missing:
        raise BundleError(f"{release(missing[0])}: no release workbook; run `grader release {missing[0]}`")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        workbooks = []
        for assignment in assignments:
            for notebook in sorted(release(assignment).glob("*.ipynb")):
                (staging / assignment).mkdir(exist_ok=True)
                shutil.copy2(notebook, staging / assignment / notebook.name)
                workbooks.append(f"{assignment}/{notebook.name}")
        wheel = build_wheel(staging / "wheels")
        lines = [f"./wheels/{wheel.name}", *pinned_requirements(wheel_requirements(wheel))]
        (staging / "requirements.txt").write_text("\n".join(lines) + "\n")
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        (staging / "runtime.txt").write_text(f"python-{python}\n")
        (staging / "README.md").write_text(STUDENT_README.format(
            python=python, first=workbooks[0],
            workbooks=", ".join(f"`{w}`" for w in workbooks)))
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
