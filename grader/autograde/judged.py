"""nbgrader's Execute step, with the graded test cells judged outside the student's kernel.

`JudgedExecute` executes a submission like nbgrader's `Execute`, except:

- a graded test cell that calls `checks.visible`/`checks.hidden` (grader.judge.cells)
  is not sent to the kernel: the checks run in this process, each call of the
  student's function runs in the kernel (grader.judge.remote), and the cell gets
  the verdict and score computed here. Its time limit is the per-cell timeout;
- the whole notebook has a time limit too (`notebook_timeout`), after which the
  kernel is killed;
- once the kernel has died (a crash, `os._exit`, an out-of-memory kill) or was
  killed, the cells not run yet get an error output saying why (0 points) and
  the notebook is still saved: what ran keeps its points. `problems()` says why,
  and which cells hit the per-cell time limit or a limit of the sandbox;
- what the kernel sends as output is bounded before it is kept: an output larger
  than `max_output_bytes`, or beyond the notebook's `max_notebook_output_bytes` or
  a cell's `max_outputs_per_cell`, is dropped and the cell says so once (nbgrader's
  LimitOutput, which runs later, only shortens streams and tracebacks).
"""
from __future__ import annotations

import asyncio
import signal
import threading
import traceback

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import from_dict
from nbgrader.preprocessors import Execute
from traitlets import Integer

from ..judge import cells
from ..judge.channel import KernelChannel, KernelGone, TooSlow
from .kernels import kernel_process, kill_process_group


class JudgedExecute(Execute):
    """nbgrader's Execute; graded test cells judged by the grader (see the module docstring)."""

    notebook_timeout = Integer(900, help="Seconds the whole notebook may take; then the kernel is killed "
                                         "and the cells left score 0.").tag(config=True)
    max_output_bytes = Integer(4 << 20, help="Largest output (characters of a stream, of all the "
                                             "representations of a display) kept; larger ones are dropped. "
                                             "A matplotlib figure is 20-100 kB.").tag(config=True)
    max_notebook_output_bytes = Integer(32 << 20, help="Output kept for the whole notebook; the rest is "
                                                       "dropped.").tag(config=True)
    max_outputs_per_cell = Integer(2000, help="Outputs kept per cell (each print flushed apart is one); the "
                                              "rest are dropped.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self.problem = ""               # why cells could not run (empty when all ran)
        self.limits_hit: list[str] = []  # cells stopped by the per-cell time limit or a sandbox limit
        self.grader_errors: list[str] = []  # faults of the grader's own code while judging (not the student's)
        self._channel = None
        self._output_left = self.max_notebook_output_bytes     # characters of output still kept
        self._dropped_in: set[int] = set()     # cells whose output was cut
        timer = threading.Timer(self.notebook_timeout, self._stop,
                                [f"the notebook did not finish within {self.notebook_timeout} s"])
        timer.daemon = True
        timer.start()
        try:
            return super().preprocess(nb, resources, km)
        finally:
            timer.cancel()
            if self._channel is not None:
                self._channel.close()

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if self.problem:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [from_dict(cells.error_output("NotRun", f"not run: {self.problem}"))]
            return cell
        target = cells.target(cell)
        try:
            if target is None:
                try:
                    cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
                except CellTimeoutError:            # interrupted, and still no answer: the kernel is stuck
                    self._stop(f"cell {cell_index} did not stop after being interrupted at its time limit")
                    raise KernelGone(self.problem) from None
                self.limits_hit.extend(_limits_hit(cell, cell_index, self.timeout))
                return cell
            outputs = await asyncio.to_thread(self._judge, *target)
            cell.outputs = [from_dict(o) for o in outputs]
            return cell
        except (DeadKernelError, KernelGone):
            self.problem = self.problem or self._death()
            cell.outputs = list(cell.get("outputs", [])) + [
                from_dict(cells.error_output("DeadKernelError", self.problem))]
            return cell

    execute_cell = run_sync(async_execute_cell)     # nbclient binds its own coroutine here

    def process_message(self, msg, cell, cell_index):
        """nbclient's handling of one iopub message, after charging its output to the notebook's budget."""
        kind = msg.get("msg_type", "")
        if kind in _OUTPUT_MESSAGES and not self._keep_output(msg, cell, cell_index):
            return None
        return super().process_message(msg, cell, cell_index)

    def _keep_output(self, msg, cell, cell_index: int) -> bool:
        """Whether an output message fits the limits (else it is dropped and the cell told once)."""
        size = _size(msg.get("content", {}))
        why = ""
        if size > self.max_output_bytes:
            why = f"an output of {size:,} characters (at most {self.max_output_bytes:,} are kept)"
        elif size > self._output_left:
            why = f"the notebook's output passed {self.max_notebook_output_bytes:,} characters"
        elif len(cell.get("outputs", [])) >= self.max_outputs_per_cell:
            why = f"the cell made more than {self.max_outputs_per_cell:,} outputs"
        if not why:
            self._output_left -= size
            return True
        if msg.get("msg_type") == "error":          # the error itself is kept, shortened
            content = msg["content"]
            content["evalue"] = str(content.get("evalue", ""))[:2000]
            content["traceback"] = [str(line)[:2000] for line in content.get("traceback", [])[-10:]]
            return True
        if cell_index not in self._dropped_in:
            self._dropped_in.add(cell_index)
            self.limits_hit.append(f"cell {cell_index} output cut: {why}")
            cell.setdefault("outputs", []).append(from_dict({
                "output_type": "stream", "name": "stdout",
                "text": f"[output limit] output of this cell was dropped from here on: {why}\n"}))
        return False

    def problems(self) -> list[str]:
        """What went wrong in the last notebook: limits hit by cells, then why the kernel is gone."""
        return self.limits_hit + ([self.problem] if self.problem else [])

    def _judge(self, assignment: str, exercise: str, part: str) -> list[dict]:
        """Outputs of a judged test cell (runs in a thread; the kernel is idle meanwhile)."""
        from .. import checks, exercises
        from ..judge.remote import Remote
        if self._channel is None:
            self._channel = KernelChannel(self.km, self._alive, self._stop)
        seconds = float(self.timeout or 60)
        try:
            spec = exercises.load(assignment)[exercise]
            remote = Remote(self._channel, assignment, spec, seconds)
            verdict = checks.grade(assignment, exercise, part, remote=remote)
        except KernelGone:
            raise
        except TooSlow:
            return [cells.error_output("CellTimeoutError", f"the kernel did not answer the {part} tests of "
                                                            f"{exercise} within {seconds:g} s")]
        except Exception as exc:  # noqa: BLE001 (the cell scores 0 and says why; the notebook goes on; counted)
            self.log.error("judging %s (%s tests) failed: %s", exercise, part, traceback.format_exc())
            self.grader_errors.append(f"{assignment}/{exercise} ({part} tests): {type(exc).__name__}: {exc}")
            return [cells.error_output("GraderError", f"the {part} tests of {exercise} could not be judged: "
                                                      f"{type(exc).__name__}: {exc}")]
        for error in verdict.grader_errors:
            self.log.error("judging %s (%s tests): %s", exercise, part, error)
        self.grader_errors.extend(verdict.grader_errors)
        return cells.verdict_outputs(verdict, None)

    def _alive(self) -> bool:
        process = kernel_process(self.km)
        return process is not None and process.poll() is None

    def _stop(self, reason: str) -> None:
        """Kill the kernel (and its process group) because of `reason` (the first reason is kept)."""
        self.problem = self.problem or reason
        kill_process_group(kernel_process(self.km))

    def _death(self) -> str:
        """Why the kernel is gone: killed at its sandbox's memory bound (its cgroup saw an OOM kill),
        else from its exit status."""
        cgroup = getattr(self.km, "cgroup", None)       # set by kernels.Kernel when the sandbox has one
        if cgroup is not None and cgroup.oom_killed():
            return f"the kernel died: killed for memory (the sandbox's {cgroup.memory_mb} MB bound)"
        process = kernel_process(self.km)
        code = process.poll() if process is not None else None
        if code is None:
            return "the kernel stopped answering"
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = str(number)
            more = " (out of memory?)" if name in ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS") else ""
            return f"the kernel died: killed by {name}{more}"
        return f"the kernel died: it exited with status {code}"


# iopub messages whose content the notebook keeps (or that change what it keeps)
_OUTPUT_MESSAGES = {"stream", "display_data", "update_display_data", "execute_result", "error",
                    "comm_open", "comm_msg"}


def _size(value) -> int:
    """Characters (and bytes) in a message's content: strings, binary buffers, and 8 per other leaf."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    if isinstance(value, dict):
        return sum(_size(k) + _size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_size(v) for v in value)
    return 8


# Errors of a student's cell that mean it hit a limit of the sandbox or of time (ename, text in evalue).
_LIMITS = (("CellTimeoutError", "", "did not finish within {timeout} s and was interrupted"),
           ("MemoryError", "", "ran out of memory (MemoryError)"),
           ("", "Resource temporarily unavailable", "hit the limit on processes"),
           ("", "File too large", "hit the limit on file size"),
           ("", "No space left on device", "hit the limit on disk space (its directory or /tmp is full)"),
           ("", "Too many open files", "hit the limit on open files"))


def _limits_hit(cell, index: int, timeout) -> list[str]:
    """'cell N <what>' for each limit the cell's errors show it hit."""
    found = []
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        for ename, text, what in _LIMITS:
            if (ename and output.get("ename") == ename) or (text and text in str(output.get("evalue", ""))):
                found.append(f"cell {index} " + what.format(timeout=timeout))
                break
    return found
