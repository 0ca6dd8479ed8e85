"""Mutation testing of the session 1 assignments, one assignment after another: the README's figures.

    JAX_PLATFORMS=cpu .venv/bin/python benchmarks/mutants.py [ASSIGNMENT ...] [--workers N]

Prints, per assignment, the mutants generated, killed, survived, equivalent, invalid and timed out, the
mutation score, the wall time and the workers' CPU time, as a markdown table; each assignment's report
is written to reports/mutants/<assignment>.md as `grader audit --mutants` writes it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from grader.mutants import report, run

SESSION_1 = ["s1_jax_fundamentals", "s1_linear_models_to_ml", "s1_gradient_descent"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=SESSION_1)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    rows = []
    for assignment in args.assignments:
        outcome = run.run([assignment], workers=args.workers)
        report.write(outcome, Path("reports") / "mutants" / f"{assignment}.md")
        c = outcome.counts()
        score = run.Run.score(c)
        rows.append(f"| `{assignment}` | {c['generated']} | {c['killed']} | {c['survived']} | {c['equivalent']} | "
                    f"{c['invalid']} | {c['timeout']} | {'-' if score is None else f'{100 * score:.1f} %'} | "
                    f"{outcome.seconds:.0f} | {sum(r.cpu_seconds for r in outcome.results):.0f} |")
        print(rows[-1], flush=True)
    print("| assignment | generated | killed | survived | equivalent | invalid | timeout | score | wall s | CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
