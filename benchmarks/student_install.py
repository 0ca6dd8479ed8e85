"""What installing the grader costs a student: the student bundle against the full dependency set.

    JAX_PLATFORMS=cpu .venv/bin/python benchmarks/student_install.py [--repeats 3]

Each row creates a fresh virtual environment and installs into it, with pip's cache as it is (run
`make setup` first, so both rows find the same cached wheels and neither measures downloads):

- "before": the grader wheel with every dependency the package declared before the student/instructor
  split (the whole pinned `requirements.txt`, which is what `pip install grader-*.whl` pulled);
- "after": the student bundle's `requirements.txt` (the wheel and what self-check needs, pinned).

Prints a table: median seconds of the install, packages installed (`pip list`), size of the virtual
environment on disk (MB). Rows alternate within each repeat, so both see the same machine load.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def _install(requirements: list[str], cwd: Path, scratch: Path) -> tuple[float, int, float]:
    """(seconds, packages, MB) of a fresh venv with `pip install <requirements>`."""
    env_dir = scratch / "venv"
    shutil.rmtree(env_dir, ignore_errors=True)
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    start = time.perf_counter()
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
                   cwd=str(cwd), check=True, capture_output=True)
    seconds = time.perf_counter() - start
    listed = subprocess.run([python, "-m", "pip", "list", "--format", "json"], capture_output=True, text=True,
                            check=True).stdout
    packages = len([p for p in json.loads(listed) if p["name"] not in ("pip", "setuptools")])
    return seconds, packages, _size_mb(env_dir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        bundle = scratch / "bundle"
        subprocess.run([sys.executable, "-m", "grader.cli", "bundle", "--out", str(bundle)], cwd=str(ROOT),
                       check=True, capture_output=True)
        [wheel] = bundle.glob("wheels/*.whl")
        rows = {
            "before: the wheel with every dependency (requirements.txt)":
                (["-r", str(ROOT / "requirements.txt"), str(wheel)], ROOT),
            "after: the student bundle's requirements.txt": (["-r", "requirements.txt"], bundle),
        }
        results: dict[str, list[tuple[float, int, float]]] = {name: [] for name in rows}
        for _ in range(args.repeats):
            for name, (requirements, cwd) in rows.items():
                results[name].append(_install(requirements, cwd, scratch))
    print(f"| install ({args.repeats} runs, pip cache warm) | median s | packages | MB on disk |")
    print("|---|---:|---:|---:|")
    for name, runs in results.items():
        print(f"| {name} | {statistics.median(r[0] for r in runs):.1f} | {runs[-1][1]} | {runs[-1][2]:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
