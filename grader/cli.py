"""`grader`: the command line, a thin face over grader.course, grader.demo and grader.reference.

Expected problems (a missing file, a bad notebook, an unknown assignment) end
with one line naming the file and the problem, and exit code 2.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# Tables written to a file or a CI log are not cut at rich's default 80 columns ($COLUMNS still wins).
console = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120)
errors = Console(stderr=True)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# Top-level modules of the `instructor` extra: a student's install has none of them.
INSTRUCTOR_MODULES = {"nbgrader", "nbconvert", "distributed", "jinja2", "mistune", "sqlalchemy", "libcst"}


class UserError(Exception):
    """An expected problem, shown as one line."""


def _assignments(names: list[str]) -> list[str]:
    """The named assignments (all when none are named), checked against grader.exercises.names()."""
    from . import exercises
    known = exercises.names()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(f"unknown assignment {unknown[0]!r}; known: {', '.join(known)}")
    return names or known


def _course(args):
    from .course import Course
    return Course(args.course)


# --- subcommands ------------------------------------------------------------------

def cmd_release(args) -> int:
    from .autograde.manifest import Manifest
    course = _course(args)
    for name in _assignments(args.assignments):
        course.release(name)
        console.print(f"released {name} -> {escape(str(course.layout.release(name)))}")
        stale = Manifest(course, name).stale_among(course.layout.students("autograded", name))
        if stale:
            console.print(f"{len(stale)} autograded submission(s) of {name} no longer match the gradebook's tests: "
                          f"`grader autograde {name}` grades them again", soft_wrap=True)
    return EXIT_OK


def cmd_autograde(args) -> int:
    from . import autograde
    from .autograde.display import Progress, table
    course = _course(args)
    [name] = _assignments([args.assignment])
    students = course.submitted_students(name, args.student)
    if not students:
        raise UserError(f"{course.layout.submitted('*', name)}: no submission of {name} matches {args.student!r}")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, not {args.workers}")
    try:
        autograde.sandbox_limits(False if args.no_sandbox else True)
    except autograde.SandboxUnavailable as exc:
        raise UserError(f"cannot grade in a sandbox here: {exc}. Install bubblewrap (Debian: apt-get install "
                        f"bubblewrap), or pass --no-sandbox to grade without it (trusted submissions only)") from None
    if not args.no_sandbox:
        from .autograde import sandbox
        for line in sandbox.missing_bounds():
            console.print(f"[yellow]not bounded here: {escape(line)}; the per-process limits still apply[/]",
                          soft_wrap=True)
    with Progress(console, f"autograding {name}") as progress:
        results = autograde.autograde(course, name, students, workers=args.workers, scheduler=args.scheduler,
                                      force=args.force, sandbox=not args.no_sandbox,
                                      todo=progress.todo, done=progress.done, note=progress.note)
    scores = {r["student"]: (r["score"], r["max_score"]) for r in course.grades() if r["assignment"] == name}
    if results:
        console.print(table(name, results, scores))
    failed = sum(not r.ok for r in results)
    skipped = len(students) - len(results)
    faults = sum(len(r.grader_errors) for r in results)
    console.print(f"{len(results) - failed} of {len(results)} submissions graded"
                  + (f", {skipped} already graded and unchanged (--force grades them again)" if skipped else "")
                  + (f"; {faults} checks could not run because of a fault of the grader (see the table; "
                     "those checks scored 0)" if faults else ""))
    return EXIT_FAILED if failed or faults else EXIT_OK


def cmd_feedback(args) -> int:
    from .autograde.manifest import Manifest
    from .report import feedback
    course = _course(args)
    [name] = _assignments([args.assignment])
    students = feedback.graded_students(course, name, args.student)
    if not students:
        raise UserError(f"{course.layout.autograded('*', name)}: no autograded notebook of {name} matches "
                        f"{args.student!r} (run grader autograde {name} first)")
    stale = Manifest(course, name).stale_among(students)
    for student, why in stale.items():
        console.print(f"[yellow]no page for {escape(student)}: {escape(why)}; `grader autograde {name}` grades it "
                      f"again[/]", soft_wrap=True)
    pages = feedback.write(course, name, [s for s in students if s not in stale])
    console.print(f"wrote {len(pages)} feedback page(s) for {name} -> "
                  f"{escape(str(feedback.page_path(course, '<student>', name)))}", soft_wrap=True)
    return EXIT_OK


def cmd_report(args) -> int:
    from .report import classreport
    course = _course(args)
    [name] = _assignments([args.assignment])
    paths = classreport.write(course, name, args.out)
    console.print(f"class report for {name} -> {escape(str(paths['html']))} (and report.csv, report.json)",
                  soft_wrap=True)
    return EXIT_OK


def cmd_export(args) -> int:
    from . import gradesheet, lms
    course = _course(args)
    if args.format == "csv":
        path = gradesheet.write_csv(course, args.output)
    else:
        path = lms.export(course, args.format, args.output, args.assignment, args.student)
    console.print(f"wrote {escape(str(path))}", soft_wrap=True)
    return EXIT_OK


def cmd_demo(args) -> int:
    from . import demo
    from .report import classreport, feedback
    from .autograde import sandbox
    course = _course(args)
    reason = sandbox.unavailable_reason()
    console.print("student code runs in a sandbox (bubblewrap)" if reason is None else
                  f"[yellow]no sandbox here ({reason}): the demo grades without it[/]")
    with console.status("demo") as status:
        results = demo.run(course, progress=lambda message: status.update(message))
    table = Table(title="demo cohort")
    for column in ("assignment", "student", "score", "max", "expected", "hints shown", "ok"):
        table.add_column(column, justify="left" if column in ("assignment", "student", "hints shown") else "right")
    for r in results:
        mark = "[green]✓[/]" if r.ok else "[red]✗[/]"
        table.add_row(r.assignment, escape(r.student), f"{r.score:g}", f"{r.max_score:g}", f"{r.expected:g}",
                      escape(", ".join(r.hints)) or "-", mark)
    console.print(table)
    for r in results:
        if r.problem:
            console.print(f"[red]{escape(r.student)}[/]: {escape(r.problem)}")
        if not r.hints_ok:
            console.print(f"[red]{escape(r.student)}[/]: hints shown {list(r.hints)}, expected "
                          f"{list(r.expected_hints)}")
    console.print(f"feedback pages: {escape(str(feedback.page_path(course, '<student>', '<assignment>')))}",
                  soft_wrap=True)
    for name in dict.fromkeys(r.assignment for r in results):
        report = classreport.default_dir(course, name) / "report.html"
        console.print(f"class report for {name}: {escape(str(report))}", soft_wrap=True)
    wrong = [r.student for r in results if not r.ok]
    if wrong:
        console.print(f"[red]{len(wrong)} student(s) differ from the expectation (score or hints):[/] "
                      f"{', '.join(wrong)}")
        return EXIT_FAILED
    console.print(f"all {len(results)} scores and hints as expected")
    return EXIT_OK


def cmd_refs(args) -> int:
    from . import reference
    from .checks import compile_cache
    compile_cache.enable_in_this_process(compile_cache.grader_folder())     # the solutions run here
    course = _course(args)
    problems = []
    for name in _assignments(args.assignments):
        if args.action == "build":
            directory = reference.build(name, course.root, new_seed=args.new_seed)
            console.print(f"built reference data for {name} -> {directory}")
        else:
            found = reference.verify(name, course.root)
            problems += found
            console.print(f"{name}: " + ("[green]current[/]" if not found else f"[red]{len(found)} problem(s)[/]"))
    for problem in problems:
        console.print(f"  {escape(problem)}")
    return EXIT_FAILED if problems else EXIT_OK


def cmd_audit(args) -> int:
    from . import audit, exercises
    from .checks import compile_cache
    compile_cache.enable_in_this_process(compile_cache.grader_folder())     # the fast path's checks run here
    course = _course(args)
    summary = audit.Summary()
    only = set(args.exercise) or None
    names = _assignments(args.assignments)
    if only:
        known = {e.name: a for a in names for e in exercises.load(a).exercises}
        unknown = sorted(only - set(known))
        if unknown:
            raise UserError(f"no exercise {unknown[0]!r} in {', '.join(names)}")
        names = [a for a in names if any(known[e] == a for e in only)]
    if args.mutants:
        return _audit_mutants(course, names, only, args.workers)
    for name in names:
        if args.fast:
            with console.status(f"auditing {name} (checks called directly)"):
                summary.entries += audit.audit_checks(name, only).entries
        else:
            with console.status(f"auditing {name} (autograding one submission per corpus entry)"), \
                    audit.scratch_course(course, [name]) as scratch:
                scratch.release(name)
                summary.entries += audit.audit_autograde(scratch, name, workers=args.workers,
                                                         exercise_names=only).entries
    console.print(audit.table(summary))
    for entry in summary.failures:
        console.print(f"[red]slipped through:[/] {escape(audit.describe_failure(entry))}")
    for entry in (e for e in summary.entries if e.gap):
        console.print(f"known gap: {entry.assignment}/{entry.exercise} ({entry.note}): {escape(entry.gap)}")
    console.print(summary.line())
    return EXIT_FAILED if summary.failures else EXIT_OK


def _audit_mutants(course, names: list[str], only: set[str] | None, workers: int | None) -> int:
    """`grader audit --mutants`: grade every mutant of the solutions; a report per assignment in
    reports/mutants/; fails while a mutant survives or a check fails with a grader error."""
    from .mutants import report, run
    with console.status("grading mutants of the reference solutions") as status:
        done = []

        def progress(result):
            done.append(result)
            status.update(f"grading mutants: {len(done)} done, the last {result.mutant.exercise} "
                          f"{result.mutant.id}: {result.state}")
        outcome = run.run(names, only, workers=workers, progress=progress)
    console.print(report.table(outcome))
    for name in names:
        part = run.Run([r for r in outcome.results if r.assignment == name], outcome.seconds,
                       [s for s in outcome.stale if s[0] == name])
        stem = name if not only else f"{name}.{'+'.join(sorted(only))}"
        path = report.write(part, course.root / "reports" / "mutants" / f"{stem}.md")
        console.print(f"{name}: {escape(str(path))}", soft_wrap=True)
    survivors = [r for r in outcome.results if r.state == "survived"]
    for r in survivors:
        console.print(f"[red]survived:[/] {r.assignment}/{r.mutant.exercise} {r.mutant.id} "
                      f"(line {r.mutant.line}): {escape(r.evidence)}", soft_wrap=True)
    faults = [r for r in outcome.results if r.evidence.startswith("grader error")]
    for r in faults:
        console.print(f"[red]{escape(r.evidence)}[/] ({r.assignment}/{r.mutant.exercise} {r.mutant.id})", soft_wrap=True)
    for assignment, exercise, mutant_id in outcome.stale:
        console.print(f"marked equivalent but no longer generated: {assignment}/{exercise} {mutant_id}")
    return EXIT_FAILED if survivors or faults else EXIT_OK


def cmd_bundle(args) -> int:
    from . import bundle
    course = _course(args)
    out = Path(args.out) if args.out else course.root / "bundle"
    try:
        made = bundle.build(course.root, _assignments(args.assignments), out)
    except bundle.BundleError as err:
        raise UserError(str(err)) from None
    console.print(f"student bundle -> {escape(str(made))} (workbooks, the grader wheel, requirements.txt, "
                  "runtime.txt, README.md)")
    return EXIT_OK


def cmd_check(args) -> int:
    from .selfcheck import check
    return check(args.workbook, as_json=args.json, timeout=args.cell_timeout)


def cmd_scaffold(args) -> int:
    from . import exercises, scaffold
    course = _course(args)
    [name] = _assignments([args.assignment])
    known = [e.name for e in exercises.load(name).exercises]
    if args.exercise not in known:
        raise UserError(f"{name} describes no exercise {args.exercise!r} (grader/exercises/{name}.py); "
                        f"described: {', '.join(known)}")
    notebook = course.source_notebook(name)
    done = scaffold.scaffold(notebook, name, args.exercise)
    for line in done or [f"the cells of {args.exercise} are there, with the description's points"]:
        console.print(f"{escape(str(notebook))}: {escape(line)}", soft_wrap=True)
    return EXIT_OK


# --- parser -----------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader", description="Release, autograde and report on the course notebooks.")
    p.add_argument("--course", metavar="DIR", help="course directory (default: found upward from here)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("release", help="generate release/ from source/ (nbgrader generate_assignment)")
    s.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment")
    s.set_defaults(run=cmd_release)

    s = sub.add_parser("autograde", help="autograde submitted/ (nbgrader autograde), in parallel, resumable")
    s.add_argument("assignment", metavar="ASSIGNMENT")
    s.add_argument("--student", default="*", metavar="PATTERN", help="glob on student ids (default: all)")
    s.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes grading at once on this machine (default: one per core)")
    s.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="grade on the workers of this dask scheduler (e.g. tcp://127.0.0.1:8786) instead")
    s.add_argument("--force", action="store_true",
                   help="grade again submissions already graded and unchanged since")
    s.add_argument("--no-sandbox", action="store_true",
                   help="run student code without the sandbox (only for submissions you trust)")
    s.set_defaults(run=cmd_autograde)

    s = sub.add_parser("feedback", help="write a feedback page per autograded submission (feedback/, nbgrader's "
                                        "layout; hidden tests show verdict and hint, never code or inputs)")
    s.add_argument("assignment", metavar="ASSIGNMENT")
    s.add_argument("--student", default="*", metavar="PATTERN", help="glob on student ids (default: all)")
    s.set_defaults(run=cmd_feedback)

    s = sub.add_parser("report", help="write the class report for TAs: score distribution, marks per exercise, "
                                      "frequent mistakes, ungraded submissions (HTML, CSV, JSON)")
    s.add_argument("assignment", metavar="ASSIGNMENT")
    s.add_argument("--out", default=None, metavar="DIR", help="default: reports/<ASSIGNMENT>/ in the course directory")
    s.set_defaults(run=cmd_report)

    s = sub.add_parser("export", help="write the grades with a status per student and assignment: grades.csv, "
                                      "or a file Canvas or Moodle imports (docs/grades_to_an_lms.md)")
    s.add_argument("--format", choices=("csv", "canvas", "moodle"), default="csv",
                   help="csv: grades.csv with every test cell (default); canvas, moodle: their gradebook imports")
    s.add_argument("--output", default=None, metavar="PATH",
                   help="default: grades.csv, grades_canvas.csv or grades_moodle.csv in the course directory")
    s.add_argument("--assignment", action="append", default=[], metavar="NAME",
                   help="only this assignment (repeat for several; canvas and moodle)")
    s.add_argument("--student", action="append", default=[], metavar="ID",
                   help="only this student (repeat for several; canvas and moodle)")
    s.set_defaults(run=cmd_export)

    s = sub.add_parser("demo", help="release, grade a synthetic cohort and compare with the expected scores")
    s.set_defaults(run=cmd_demo)

    s = sub.add_parser("audit", help="grade every exercise's corpus of typical mistakes and correct alternatives")
    s.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment")
    s.add_argument("--fast", action="store_true",
                   help="call the checks directly instead of autograding one submission per corpus entry")
    s.add_argument("--workers", type=int, default=None, metavar="N",
                   help="grading processes (default: cores)")
    s.add_argument("--exercise", action="append", default=[], metavar="NAME",
                   help="audit only this exercise's corpus (repeat for several)")
    s.add_argument("--mutants", action="store_true",
                   help="grade mutants of the reference solutions with the real checks instead of the corpus "
                        "(fast path, in parallel; a report in reports/mutants/)")
    s.set_defaults(run=cmd_audit)

    s = sub.add_parser("bundle", help="write what students get: release workbooks, the student package (a wheel), "
                                      "requirements.txt, Binder's runtime.txt and a README")
    s.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment")
    s.add_argument("--out", default=None, metavar="DIR", help="a new folder (default: bundle/ in the course directory)")
    s.set_defaults(run=cmd_bundle)

    s = sub.add_parser("check", help="run a workbook's visible tests and print the verdicts (students' self-check)")
    s.add_argument("workbook", metavar="WORKBOOK", help="path to the .ipynb workbook")
    s.add_argument("--json", action="store_true", help="print one JSON document (for tools)")
    s.add_argument("--cell-timeout", type=int, default=120, metavar="SECONDS",
                   help="seconds a cell may run before it is stopped (default 120)")
    s.set_defaults(run=cmd_check)

    s = sub.add_parser("scaffold", help="add a described exercise's solution and test cells to the source notebook "
                                        "(grade ids, the description's points); set the points of cells there")
    s.add_argument("assignment", metavar="ASSIGNMENT")
    s.add_argument("exercise", metavar="EXERCISE", help="an exercise of grader/exercises/<ASSIGNMENT>.py")
    s.set_defaults(run=cmd_scaffold)

    s = sub.add_parser("refs", help="build or check the reference data made from the source solutions")
    refs = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (("build", "rebuild the reference data (keeps the hidden seed)"),
                         ("check", "check the stored reference data is current")):
        r = refs.add_parser(action, help=text)
        r.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment")
        if action == "build":
            r.add_argument("--new-seed", action="store_true",
                           help="draw a new hidden seed: new hidden inputs and behavioural keys (a new round)")
        r.set_defaults(run=cmd_refs, new_seed=False)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `grader` command; returns the exit code."""
    from .errors import CourseError
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (UserError, CourseError, OSError, ValueError) as err:
        # expected problems carry a message naming the file; a bug still shows its traceback
        errors.print(Text("error: ", style="red") + Text(str(err)), highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        errors.print("interrupted")
        return 130
    except ModuleNotFoundError as err:
        if err.name and err.name.split(".")[0] in INSTRUCTOR_MODULES:
            errors.print(Text("error: ", style="red") + Text(
                f"`grader {args.command}` needs the instructor's tools ({err.name} is not installed): "
                "pip install 'grader[instructor]', or run it in the course checkout"), highlight=False,
                soft_wrap=True)
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())
