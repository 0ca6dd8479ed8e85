"""The worker's step: execute a prepared submission with nbgrader's Execute.

`run(job)` is what an Executor runs. It uses only what the job carries (the
sanitized notebooks, the submission's files, the course's config, the list of
preprocessors) and never opens the gradebook, so it runs the same in a local
process pool or on a dask worker of another machine. It never raises: a
notebook that cannot be executed comes back as `Executed.error`.
"""
from __future__ import annotations

import io
import logging
import os
import time
import traceback

from ..checks import compile_cache
from .kernels import WARM_MODULES, Recipe, pool
from .steps import Executed, Job, Notebook

# Module settings of a worker process (set by `configure`, e.g. for a benchmark).
SETTINGS = {"ahead": 1, "warm_modules": WARM_MODULES}


def configure(ahead: int = 1, warm_modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Kernels started ahead per worker (0: none) and the modules they import while waiting."""
    SETTINGS.update(ahead=ahead, warm_modules=tuple(warm_modules))


def run(job: Job, ahead: int | None = None, warm_modules: tuple[str, ...] | None = None) -> Executed:
    """Execute every notebook of `job`, each in a fresh kernel; returns them with their outputs."""
    compile_cache.enable_in_this_process(compile_cache.grader_folder())   # the judged path's checks run here
    started = time.monotonic()
    stream = io.StringIO()
    log = logging.Logger(f"grader.autograde.worker.{job.student}")
    log.addHandler(logging.StreamHandler(stream))
    log.handlers[0].setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    ahead = SETTINGS["ahead"] if ahead is None else ahead
    warm_modules = SETTINGS["warm_modules"] if warm_modules is None else tuple(warm_modules)
    done = []
    error = ""
    for notebook in job.notebooks:
        try:
            done.append(_execute(job, notebook, log, ahead, warm_modules))
        except Exception as exc:  # noqa: BLE001 (one submission must never stop a worker)
            log.error("%s", traceback.format_exc())
            error = f"{notebook.name}.ipynb: {_one_line(exc)}"
            break
    return Executed(job.student, done, error, stream.getvalue(), time.monotonic() - started)


def _execute(job: Job, notebook: Notebook, log: logging.Logger, ahead: int, warm_modules) -> Notebook:
    """nbgrader's worker steps on one notebook (an exporter like nbgrader's), in a fresh warm kernel."""
    from nbconvert.exporters import NotebookExporter
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    from .judged import JudgedExecute

    config = Config(job.config)
    config.merge(Config({"Exporter": {"default_preprocessors": []}}))
    exporter = NotebookExporter(config=config, log=log)
    for step in job.steps:
        exporter.register_preprocessor(JudgedExecute if step is Execute else step)
    executes = [pp for pp in exporter._preprocessors if isinstance(pp, Execute)]
    recipe = _recipe(executes, notebook, warm_modules, job.sandbox)
    kernel = pool(ahead).take(recipe, config) if recipe else None
    try:
        if kernel is not None:
            kernel.put_files(job.files)
            for execute in executes:
                _use_kernel(execute, kernel)
            workdir = kernel.workdir
        else:
            import tempfile
            workdir = tempfile.mkdtemp(prefix="grader-submission-")
        path = os.path.join(workdir, notebook.name + ".ipynb")
        with open(path, "w", encoding="utf-8") as f:
            f.write(notebook.source)
        try:
            output, resources = exporter.from_filename(path, resources=dict(notebook.resources))
        except Exception as exc:
            if kernel is not None and not kernel.alive():
                tail = kernel.stderr_tail()
                raise RuntimeError(f"the kernel died ({_one_line(exc)})" + (f"; kernel stderr: {tail}" if tail else "")) from exc
            raise
    finally:
        if kernel is not None:
            kernel.shutdown()
    problems = [p for e in executes if isinstance(e, JudgedExecute) for p in e.problems()]
    errors = tuple(f"{notebook.name}.ipynb: {x}" for e in executes if isinstance(e, JudgedExecute)
                   for x in e.grader_errors)
    return Notebook(notebook.name, "", resources, output,
                    f"{notebook.name}.ipynb: {'; '.join(problems)}" if problems else "", errors)


def _recipe(executes, notebook: Notebook, warm_modules, sandbox=None) -> Recipe | None:
    """The kernel the (single) Execute step would start for this notebook; None when there is no Execute."""
    import json
    if len(executes) != 1:
        return None
    execute = executes[0]
    name = execute.kernel_name or json.loads(notebook.source).get("metadata", {}).get("kernelspec", {}).get("name", "")
    arguments = list(execute.extra_arguments)
    if name in {"python", "python2", "python3"} and execute.ipython_hist_file and \
            not any(a.startswith("--HistoryManager.hist_file") for a in arguments):
        arguments.append(f"--HistoryManager.hist_file={execute.ipython_hist_file}")   # as nbclient does
    return Recipe(name or "python3", tuple(arguments), tuple(warm_modules), sandbox)


def _use_kernel(execute, kernel) -> None:
    """Make `execute` run in `kernel` (nbconvert's preprocess takes a kernel manager) and not shut it down."""
    plain = execute.preprocess

    def preprocess(nb, resources=None, km=None):
        try:
            return plain(nb, resources, km=kernel.km)
        finally:
            if execute.kc is not None:              # nbclient keeps the client of a kernel it does not own
                execute.kc.stop_channels()
                execute.kc = None
    execute.preprocess = preprocess


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}".rstrip(": ")
