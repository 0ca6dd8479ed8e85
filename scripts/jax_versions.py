"""Grade the whole corpus with other JAX versions and report every verdict that differs from the pinned one.

Run by hand (not in `make test`; it downloads and installs JAX), from the project root:

    .venv/bin/python scripts/jax_versions.py                   # the oldest supported and the newest available
    .venv/bin/python scripts/jax_versions.py --versions 0.6.2  # others

For each version, a virtual environment under build/jax-versions/<version>/ gets requirements.txt with
the JAX family left to pip (jax and jaxlib at that version; optax, chex, ml_dtypes, opt_einsum, scipy
and numpy as pip resolves them, as a student's fresh install would), and the project's own source on
its path. In it, and in the project's .venv (the pinned versions), every corpus entry of every
assignment is graded on the fast path (grader.audit, both test cells); an entry whose points lost or
hints differ from the pinned run's is listed. The oldest supported version is the lower bound of
`jax` in pyproject.toml.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAMILY = {"jax", "jaxlib", "optax", "chex", "ml_dtypes", "opt_einsum", "scipy", "numpy"}


def oldest_supported() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(r'"jax>=([0-9.]+)', text)
    if not found:
        raise SystemExit("pyproject.toml: no lower bound on jax (\"jax>=...\") to test")
    return found.group(1)


def newest_available(python: str) -> str:
    out = subprocess.run([python, "-m", "pip", "index", "versions", "jax"], capture_output=True, text=True,
                         check=True).stdout
    found = re.search(r"^jax \(([^)]+)\)", out, re.M)
    if not found:
        raise SystemExit(f"pip index versions jax: no version in its output:\n{out}")
    return found.group(1)


def environment(version: str) -> Path:
    """build/jax-versions/<version>/: a venv with requirements.txt but the JAX family, and jax==version."""
    venv = ROOT / "build" / "jax-versions" / version
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.is_file():
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")
            and re.split(r"[=<>\[ ]", line, maxsplit=1)[0].lower().replace("-", "_") not in FAMILY]
    requirements = venv / "requirements.txt"
    requirements.write_text("\n".join(pins + [f"jax=={version}", f"jaxlib=={version}", "optax"]) + "\n")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", requirements], check=True)
    stamp.touch()
    return python


def dump(out: Path) -> None:
    """(in the environment under test) Grade every corpus entry on the fast path; write the verdicts."""
    import jax
    import optax

    from grader import audit, exercises
    verdicts = {}
    started = time.perf_counter()
    for assignment in exercises.names():
        for entry in audit.audit_checks(assignment).entries:
            verdicts[f"{assignment}/{entry.exercise}/{entry.kind}/{entry.index}"] = {
                "lost": entry.lost, "hints": sorted(entry.hints), "ok": entry.ok or bool(entry.gap)}
    out.write_text(json.dumps({"jax": jax.__version__, "optax": optax.__version__,
                               "numpy": __import__("numpy").__version__,
                               "seconds": round(time.perf_counter() - started, 1), "verdicts": verdicts}, indent=1))


def run(python: Path, out: Path) -> dict:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([python, __file__, "--dump", out], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed without a message"])[-1],
                "stderr": done.stderr[-4000:]}
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", nargs="*", default=None, metavar="VERSION",
                        help="JAX versions to test (default: the oldest supported and the newest available)")
    parser.add_argument("--dump", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
        return 0
    pinned_python = ROOT / ".venv" / "bin" / "python"
    versions = args.versions or list(dict.fromkeys([oldest_supported(), newest_available(str(pinned_python))]))
    results_dir = ROOT / "build" / "jax-versions"
    results_dir.mkdir(parents=True, exist_ok=True)
    pinned = run(pinned_python, results_dir / "pinned.json")
    if "error" in pinned:
        print(pinned["stderr"], file=sys.stderr)
        raise SystemExit(f"the pinned environment failed: {pinned['error']}")
    rows = [("pinned", pinned)]
    for version in versions:
        if version == pinned["jax"]:
            rows.append((f"{version} (= pinned)", pinned))
            continue
        rows.append((version, run(environment(version), results_dir / f"{version}.json")))
    differing_any = False
    print(f"{'JAX':<18} {'optax':<8} {'numpy':<8} {'entries':>7} {'differ':>6} {'wrong':>5} {'seconds':>8}")
    for label, result in rows:
        if "error" in result:
            print(f"{label:<18} failed: {result['error']}")
            differing_any = True
            continue
        verdicts = result["verdicts"]
        differ = sorted(k for k in pinned["verdicts"] if verdicts.get(k) != pinned["verdicts"][k])
        wrong = sum(not v["ok"] for v in verdicts.values())
        print(f"{label:<18} {result['optax']:<8} {result['numpy']:<8} {len(verdicts):>7} {len(differ):>6} "
              f"{wrong:>5} {result['seconds']:>8}")
        for key in differ:
            differing_any = True
            print(f"    {key}: pinned {pinned['verdicts'][key]}, here {verdicts.get(key)}")
    return 1 if differing_any else 0


if __name__ == "__main__":
    sys.exit(main())
