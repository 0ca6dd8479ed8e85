"""What a run shows on the terminal: a progress bar with counts and ETA, then a table.

`Progress` is used as a context manager around the run; its `todo` and `done`
methods are the runner's callbacks. `table` lists each graded student's score
and every submission that failed, with the reason.
"""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table


class Progress:
    """A progress bar (shown only on a terminal) and one line per failed submission."""

    def __init__(self, console: Console, title: str):
        self.console = console
        self.bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
                                TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=True)
        self.task = self.bar.add_task(title, total=None, failed=0)
        self.failed = 0

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def todo(self, students: list[str]) -> None:
        self.bar.update(self.task, total=len(students))

    def note(self, text: str) -> None:
        """A line of the runner's (such as the compilation cache warmed), above the bar."""
        self.console.print(escape(text), soft_wrap=True)

    def done(self, graded) -> None:
        if not graded.ok:
            self.failed += 1
            self.console.print(f"[red]failed[/] {escape(graded.student)}: {escape(graded.message)}")
        self.bar.update(self.task, advance=1, failed=self.failed)


def table(assignment: str, results, scores: dict[str, tuple[float, float]]) -> Table:
    """Rows: student, score, max, status (the reason when it failed); results: Autograded of this run."""
    out = Table(title=f"autograded {assignment}")
    for column, justify in (("student", "left"), ("score", "right"), ("max", "right"), ("status", "left")):
        out.add_column(column, justify=justify)
    for graded in sorted(results, key=lambda r: (r.ok, r.student)):
        score, maximum = scores.get(graded.student, (None, None))
        status = "[green]graded[/]" if graded.ok else f"[red]failed:[/] {escape(graded.message)}"
        if graded.ok and graded.message:
            status += f" [yellow](cells not run: {escape(graded.message)})[/]"
        if graded.grader_errors:
            status += f" [red](grader fault, not the student's: {escape('; '.join(graded.grader_errors))})[/]"
        out.add_row(escape(graded.student), "" if score is None or not graded.ok else f"{score:g}",
                    "" if maximum is None else f"{maximum:g}", status)
    return out
