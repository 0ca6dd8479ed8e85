"""The mutation report: a rich table per exercise and assignment, and a markdown file listing every
surviving mutant as a unified diff against the solution (survivors are work: a new check, or an
entry in the instructor half's `equivalent_mutants` with the reason)."""
from __future__ import annotations

from pathlib import Path

from .run import STATES, Run


def _score(counts) -> str:
    score = Run.score(counts)
    return "-" if score is None else f"{100 * score:.1f} %"


def _groups(run: Run):
    """((assignment, exercise or None), results) per exercise, then per assignment (exercise None)."""
    assignments = dict.fromkeys(r.assignment for r in run.results)
    for assignment in assignments:
        mine = [r for r in run.results if r.assignment == assignment]
        for exercise in dict.fromkeys(r.mutant.exercise for r in mine):
            yield (assignment, exercise), [r for r in mine if r.mutant.exercise == exercise]
        yield (assignment, None), mine


def table(run: Run):
    """Per exercise and per assignment: mutants generated, each state, the mutation score."""
    from rich.table import Table
    cpu = sum(r.cpu_seconds for r in run.results)
    t = Table(title=f"mutants of the reference solutions (wall time {run.seconds:.0f} s, CPU time of the workers "
                    f"{cpu:.0f} s)")
    for column in ("assignment", "exercise", "generated", *STATES, "score"):
        t.add_column(column, justify="left" if column in ("assignment", "exercise") else "right")
    for (assignment, exercise), results in _groups(run):
        c = run.counts(results)
        row = [assignment, exercise or "[b]all[/]", *(str(c[k]) for k in ("generated", *STATES)), _score(c)]
        t.add_row(*row, end_section=exercise is None)
    return t


def markdown(run: Run) -> str:
    """The report as markdown: the counts, then each survivor's diff, then the equivalent, invalid and
    timed-out mutants with their evidence."""
    lines = ["# Mutation testing of the reference solutions", "",
             f"Wall time {run.seconds:.0f} s, CPU time of the workers "
             f"{sum(r.cpu_seconds for r in run.results):.0f} s. Score = killed / (killed + survived); equivalent, invalid and "
             "timed-out mutants are counted apart.", "",
             "| assignment | exercise | generated | " + " | ".join(STATES) + " | score |",
             "|---|---|" + "---:|" * (len(STATES) + 2)]
    for (assignment, exercise), results in _groups(run):
        c = run.counts(results)
        lines.append(f"| {assignment} | {exercise or '**all**'} | {c['generated']} | "
                     + " | ".join(str(c[s]) for s in STATES) + f" | {_score(c)} |")
    sections = (("survived", "Survivors: add a check, or mark equivalent with a reason"),
                ("killed", "Killed by a grader error: a fault of the checks to fix"),
                ("equivalent", "Equivalent"), ("timeout", "Timed out"), ("invalid", "Invalid"))
    for state, title in sections:
        chosen = [r for r in run.results if r.state == state]
        if state == "killed":
            chosen = [r for r in chosen if r.evidence.startswith("grader error")]
        if not chosen:
            continue
        lines += ["", f"## {title} ({len(chosen)})"]
        for r in chosen:
            lines += ["", f"### {r.assignment}/{r.mutant.exercise} `{r.mutant.id}` (line {r.mutant.line})", "",
                      r.evidence, "", "```diff", r.mutant.diff.rstrip("\n"), "```"]
    if run.stale:
        lines += ["", "## Marked equivalent, no longer generated", ""]
        lines += [f"- {a}/{e} `{i}`: the solution changed; review the mark" for a, e, i in run.stale]
    return "\n".join(lines) + "\n"


def write(run: Run, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(run))
    return path
