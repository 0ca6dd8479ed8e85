"""One verdict whichever path grades it: corpus entries judged and in-kernel (all of them, or a sample: JUDGED_IN_FULL).

The two ways a test cell is graded:
- in the kernel (`grader check`, `pytest workbook.ipynb`, plain `nbgrader autograde`): the checks run
  in the student's kernel, `checks.grade(...)` with the notebook's names;
- judged (`grader autograde`): the checks run in the grading process and every call of the student's
  function goes to the kernel through the judge's wire (`grader.judge.remote.Remote`).

Kernels hold the assignment's source solutions; for each corpus entry the entry's function is
defined there, then both test cells are graded both ways and compared check by check (passed,
assessed, hint) and on points; the entry must also be caught (a mistake) or accepted (an
alternative), which is what `grader audit --fast` asks of it. A difference names the entry, the cell and both verdicts. The judged
path runs here without the sandbox; `tests/test_autograde_parallel.py` compares sandboxed judged
grading with nbgrader's in-kernel grading on whole notebooks.
"""
from __future__ import annotations

import json
import time

import pytest
from jupyter_client.manager import KernelManager

from grader import audit, checks, exercises, kernel_env
from grader.judge.channel import KernelChannel
from grader.judge.remote import Remote
from grader.reference import source_notebook

from conftest import ROOT

PARTS = ("visible", "hidden")
SECONDS = 120.0


class Kernel:
    """A kernel with an assignment's solutions defined, and a judge's channel to it."""

    def __init__(self, assignment: str):
        self.assignment = assignment
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=kernel_env.environ(), cwd=str(ROOT))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.channel = KernelChannel(self.km, self.km.is_alive, lambda reason: self.km.shutdown_kernel(now=True))
        self.run(f"from pathlib import Path as _Path\nfrom grader.reference import solutions as _solutions\n"
                 f"_reference = _solutions.load(_Path({str(source_notebook(ROOT, assignment))!r}))\n"
                 f"globals().update(_reference)\n")

    def run(self, code: str) -> str:
        """Execute `code`; its stdout (raises with the kernel's error)."""
        out, error = [], []

        def hook(msg):
            content = msg["content"]
            if msg["msg_type"] == "stream" and content.get("name") == "stdout":
                out.append(content["text"])
            elif msg["msg_type"] == "error":
                error.append(f"{content['ename']}: {content['evalue']}")
        reply = self.kc.execute_interactive(code, output_hook=hook, timeout=600)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("".join(error) or str(reply["content"]))
        return "".join(out)

    def judged(self, name: str) -> list[dict]:
        """Both test cells' verdicts, computed here with the function called in the kernel."""
        spec = exercises.load(self.assignment)[name]
        return [checks.grade(self.assignment, name, part, remote=Remote(self.channel, self.assignment, spec,
                                                                        SECONDS)).to_dict()
                for part in PARTS]

    def close(self):
        self.channel.close()
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _summary(verdict: dict) -> dict:
    return {"score": verdict["score"], "hints": verdict["hints"],
            "checks": [(r["name"], r["passed"], r["assessed"], r["hint"]) for r in verdict["results"]]}


def differences(entry: str, in_kernel: list[dict], judged: list[dict]) -> list[str]:
    found = []
    for part, a, b in zip(PARTS, in_kernel, judged):
        if _summary(a) != _summary(b) or abs(a["score"] - b["score"]) > 1e-6:
            found.append(f"{entry}, {part} test cell:\n  in the kernel: {_summary(a)}\n  judged:        {_summary(b)}")
    return found


IN_KERNEL = """
import json as _json
from grader import audit as _audit, checks as _checks
_verdicts = []
for _exercise, _kind, _index, _snippet in _audit.corpus({assignment!r}):
    globals()[_exercise.name] = _reference[_exercise.name]
    exec(_snippet.code, globals())
    _verdicts.append([_checks.grade({assignment!r}, _exercise.name, _part, namespace=globals()).to_dict()
                      for _part in {parts!r}])
globals().update(_reference)
print(_json.dumps(_verdicts))
"""


# Assignments whose every corpus entry is graded on both paths here. The others' entries are all graded
# in the kernel (caught or accepted), and judged for the first mistake and the first alternative of each
# exercise, so every exercise's checks run on the judged path: judging all of them would cost minutes of
# make test's 15-minute budget (s1_linear_models_to_ml in full: 82 s of a 16-minute run; session 2's
# corpora train networks, session 3's run PCA and k-means on hundreds of spectra). `grader audit
# ASSIGNMENT` judges every entry, sandboxed (run by hand; README).
JUDGED_IN_FULL = {"s1_jax_fundamentals"}


def judged_sample(assignment: str, entries: list) -> list[int]:
    """Indices of the corpus entries judged (see JUDGED_IN_FULL)."""
    if assignment in JUDGED_IN_FULL:
        return list(range(len(entries)))
    first = {}
    for i, (exercise, kind, index, snippet) in enumerate(entries):
        first.setdefault((exercise.name, kind), i)
    return sorted(first.values())


@pytest.mark.parametrize("assignment", exercises.names())
def test_every_corpus_entry_gets_one_verdict_on_both_paths(assignment):
    """Per entry: the judged verdicts equal the in-kernel ones (on `judged_sample`), and the entry is caught (a
    mistake loses points and shows its hint) or accepted (an alternative keeps full marks). Two kernels: one grades
    the whole corpus in the kernel (in a thread of this process, which only waits for it), the other
    answers the judged path's calls meanwhile, so that the two paths share the machine's cores."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    in_kernel_side, judged_side = Kernel(assignment), Kernel(assignment)
    try:
        with ThreadPoolExecutor(1) as thread:
            in_kernel_future = thread.submit(in_kernel_side.run, IN_KERNEL.format(assignment=assignment,
                                                                                  parts=PARTS))
            entries = list(audit.corpus(assignment))
            sample = judged_sample(assignment, entries)
            judged = {}
            for i in sample:
                exercise, kind, index, snippet = entries[i]
                judged_side.run(f"{exercise.name} = _reference[{exercise.name!r}]\n"
                                f"exec({snippet.code!r}, globals())\n")
                judged[i] = judged_side.judged(exercise.name)
            in_kernel = json.loads(in_kernel_future.result())
    finally:
        in_kernel_side.close()
        judged_side.close()
    assert len(in_kernel) == len(entries) and sample
    found, slipped = [], []
    for i, ((exercise, kind, index, snippet), a) in enumerate(zip(entries, in_kernel)):
        if i in judged:
            found += differences(f"{assignment}/{exercise.name} {kind} {index} ({snippet.note})", a, judged[i])
        entry = audit.entry_of(assignment, exercise, kind, index, snippet, judged.get(i, a))
        if not entry.ok and not entry.gap:
            slipped.append(audit.describe_failure(entry))
    print(f"\n{assignment}: {len(entries)} corpus entries, {2 * len(judged)} test cells compared on both paths, "
          f"{len(found)} differences, {len(slipped)} entries slipped through, {time.monotonic() - started:.0f} s")
    assert not found, "\n".join(found)
    assert not slipped, "\n".join(slipped)
