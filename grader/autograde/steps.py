"""The autograde pipeline of one submission, split around the execution.

nbgrader's `Autograde` converter runs, for each submission: init_destination and
init_assignment (gradebook: student and submission rows; copy files), then its
`sanitize_preprocessors` (ClearOutput, DeduplicateIds, OverwriteKernelspec,
OverwriteCells, CheckCellMetadata), then its `autograde_preprocessors` (Execute,
IgnorePattern, ClearMetadata, LimitOutput | SaveAutoGrades, AssignLatePenalties,
CheckCellMetadata), and writes autograded/<student>/<assignment>/.

Here the same converter (configured by the course) is cut in three:

- `prepare` (the parent; reads and writes the gradebook): everything up to the
  sanitized notebooks, returned as a `Job` (picklable, for any machine);
- `grader.autograde.execute.run` (a worker; never opens the gradebook): the
  autograde preprocessors before SaveAutoGrades (`worker_steps`);
- `finish` (the parent): the remaining preprocessors (`parent_steps`), the
  files written exactly as nbgrader writes them, the permissions, the hooks.
"""
from __future__ import annotations

import contextlib
import glob
import io
import logging
import os
import stat
import warnings
from dataclasses import dataclass, field

FIRST_PARENT_STEP = "SaveAutoGrades"   # the autograde steps from this one on read or write the gradebook


@dataclass
class Notebook:
    """One sanitized notebook to execute (`source`: nbformat JSON) or executed (`output`)."""
    name: str                      # notebook id (file name without .ipynb)
    source: str
    resources: dict
    output: str = ""
    problem: str = ""              # cells that hit a limit, and why the rest did not run (the kernel died), if so
    grader_errors: tuple[str, ...] = ()   # failures of the grader's own code while judging (see checks.runner)


@dataclass
class Job:
    """What a worker needs to execute one submission; picklable; the worker uses no path of the course."""
    student: str
    assignment: str
    notebooks: list[Notebook]
    files: dict[str, bytes]        # the submission directory as nbgrader prepared it (relative path -> bytes)
    config: object                 # the course's traitlets Config
    steps: list                    # preprocessor classes the worker runs (worker_steps)
    sandbox: object = None         # grader.autograde.sandbox.Limits of the kernel's sandbox; None: no sandbox


@dataclass
class Executed:
    """What a worker sends back: the executed notebooks, or why it could not execute them."""
    student: str
    notebooks: list[Notebook] = field(default_factory=list)
    error: str = ""                # one line; empty when every notebook ran
    log: str = ""
    seconds: float = 0.0


def _split(converter) -> tuple[list, list]:
    """The converter's configured autograde preprocessors, cut before SaveAutoGrades: (worker, parent)."""
    steps = list(converter.autograde_preprocessors)
    names = [step.__name__ for step in steps]
    if FIRST_PARENT_STEP not in names:
        raise ValueError(f"Autograde.autograde_preprocessors has no {FIRST_PARENT_STEP}: {names}")
    cut = names.index(FIRST_PARENT_STEP)
    return steps[:cut], steps[cut:]


class Submission:
    """nbgrader's Autograde converter, set up for one student's submission of one assignment.

    course: a grader.course.Course. Log lines of every step go to `log_text()`.
    """

    def __init__(self, course, assignment: str, student: str):
        from nbgrader.converters import Autograde
        from nbgrader.coursedir import CourseDirectory
        self.assignment, self.student = assignment, student
        self._log_stream = io.StringIO()
        self.log = _job_logger(self._log_stream, f"{assignment}.{student}")
        coursedir = CourseDirectory(config=course.config, log=self.log)
        coursedir.assignment_id, coursedir.student_id = assignment, student
        self.converter = Autograde(coursedir=coursedir, config=course.config, log=self.log)
        self.converter.force = True          # whether to grade is the runner's decision (see manifest)
        self.converter.create_student = True
        self.worker_steps, self.parent_steps = _split(self.converter)

    @property
    def source(self) -> str:
        """submitted/<student>/<assignment>/"""
        coursedir = self.converter.coursedir
        return os.path.normpath(coursedir.format_path(coursedir.submitted_directory, self.student, self.assignment))

    @property
    def destination(self) -> str:
        """autograded/<student>/<assignment>/"""
        return os.path.normpath(self.converter._format_dest(self.assignment, self.student))

    def log_text(self) -> str:
        return self._log_stream.getvalue()

    @contextlib.contextmanager
    def _warnings_to_log(self):
        """Python warnings of nbgrader and SQLAlchemy go to this submission's log, not the terminal."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                for w in caught:
                    self.log.warning("%s: %s", w.category.__name__, w.message)

    def prepare(self) -> Job:
        """nbgrader's init and sanitize steps (gradebook: student, submission); the Job for a worker."""
        with self._warnings_to_log():
            return self._prepare()

    def _notebooks(self) -> list[str]:
        """The submission's notebooks. nbgrader's init_notebooks globs paths made of the ids, so an id such as
        "[h]onest_full" would be a pattern matching another student's folder: here they are escaped."""
        from nbgrader.converters.base import NbGraderException
        pattern = os.path.join(glob.escape(self.source), self.converter.coursedir.notebook_id + ".ipynb")
        found = sorted(glob.glob(pattern))
        if not found:
            self.log.error("No notebooks were matched by '%s'", pattern)
            raise NbGraderException(f"No notebooks were matched by '{pattern}'")
        return found

    def finish(self, executed: Executed) -> None:
        """Save the grades of the executed notebooks and write autograded/<student>/<assignment>/."""
        with self._warnings_to_log():
            self._finish(executed)

    def _prepare(self) -> Job:
        """init_destination, init_assignment and the sanitize steps, as nbgrader autograde does them.

        Writes the gradebook (student, submission) and the sanitized notebooks in
        autograded/; raises on a submission nbgrader cannot prepare (see `discard`).
        """
        from nbconvert.writers import FilesWriter
        from nbgrader.converters.base import BaseConverter
        check_regular_files(self.source)
        conv = self.converter
        conv.assignments = {self.source: self._notebooks()}
        conv.writer = FilesWriter(parent=conv, config=conv.config)
        conv.exporter = conv.exporter_class(parent=conv, config=conv.config)
        [submitted] = conv.assignments
        conv.notebooks = sorted(conv.assignments[submitted])
        conv.init_destination(self.assignment, self.student)
        conv.run_pre_convert_hook()
        conv.init_assignment(self.assignment, self.student)
        notebooks = []
        for path in conv.notebooks:
            conv.log.info("Sanitizing %s", path)
            conv._sanitizing = True
            conv._init_preprocessors()
            BaseConverter.convert_single_notebook(conv, path)      # read, sanitize, write (no execution)
            sanitized = os.path.join(conv.writer.build_directory, os.path.basename(path))
            conv._sanitizing = False
            resources = conv.init_single_notebook_resources(sanitized)
            resources["nbgrader"].pop("db_url", None)            # workers never see the gradebook
            with open(sanitized, encoding="utf-8") as f:
                notebooks.append(Notebook(resources["unique_key"], f.read(), resources))
        conv._sanitizing = True
        return Job(self.student, self.assignment, notebooks, read_tree(self.destination),
                   conv.config, self.worker_steps)

    def _finish(self, executed: Executed) -> None:
        """The gradebook steps on each executed notebook, then autograded/ written as nbgrader writes it."""
        import nbformat
        conv = self.converter
        conv._sanitizing = False
        conv.exporter._preprocessors = []
        for step in self.parent_steps:
            conv.exporter.register_preprocessor(step)
        for notebook in executed.notebooks:
            resources = notebook.resources
            resources["nbgrader"]["db_url"] = conv.coursedir.db_url
            resources.setdefault("metadata", {})["path"] = self.destination
            conv.log.info("Autograding %s", os.path.join(self.destination, notebook.name + ".ipynb"))
            output, resources = conv.exporter.from_notebook_node(
                nbformat.reads(notebook.output, as_version=4), resources)
            conv.write_single_notebook(output, resources)
        conv._sanitizing = True
        conv.set_permissions(self.assignment, self.student)
        conv.run_post_convert_hook()

    def discard(self) -> None:
        """What nbgrader does to a submission that failed: remove autograded/<student>/<assignment>/."""
        from nbgrader.utils import rmtree
        if os.path.exists(self.destination):
            self.log.warning("Removing failed assignment: %s", self.destination)
            rmtree(self.destination)


class SubmissionRefused(Exception):
    """A submission holding something other than its own regular files (the message names it)."""


def check_regular_files(directory: str) -> None:
    """Raise SubmissionRefused unless `directory` and everything under it are plain folders and regular
    files of its own: no symbolic link (followed when nbgrader copies a submission, it would bring the
    course's solutions, hidden data, gradebook or another student's notebook into the sandbox), no hard
    link (a second name of a file elsewhere), no device, FIFO or socket. Nothing is read or copied first."""
    problem = _not_regular(directory)
    if problem:
        raise SubmissionRefused(f"{directory}: {problem}; only the submission's own regular files are graded")
    for parent, dirs, names in os.walk(directory, followlinks=False):
        for name in sorted(dirs + names):
            path = os.path.join(parent, name)
            problem = _not_regular(path)
            if problem:
                raise SubmissionRefused(f"{path}: {problem}; only the submission's own regular files are graded")


def _not_regular(path: str) -> str:
    """Why `path` may not be graded, or "" for a folder or a regular file with one name."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return f"a symbolic link (to {os.readlink(path)})"
    if stat.S_ISDIR(info.st_mode):
        return ""
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a device, FIFO or socket)"
    if info.st_nlink > 1:
        return f"a hard link ({info.st_nlink} names for the same file)"
    return ""


def read_tree(directory: str) -> dict[str, bytes]:
    """relative path -> bytes of every regular file under `directory` (links and special files refused)."""
    check_regular_files(directory)
    files = {}
    for parent, _, names in os.walk(directory, followlinks=False):
        for name in names:
            path = os.path.join(parent, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, directory)] = f.read()
    return files


def _job_logger(stream: io.StringIO, name: str) -> logging.Logger:
    """A logger writing `[LEVEL] message` lines to `stream` only (not to the terminal)."""
    log = logging.Logger(f"grader.autograde.{name}")     # not registered: one per job, then garbage
    log.addHandler(logging.StreamHandler(stream))
    log.handlers[0].setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    log.setLevel(logging.INFO)
    return log
