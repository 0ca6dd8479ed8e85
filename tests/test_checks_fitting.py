"""Unit tests of the fitting and implementation checks on tiny hand-made exercises."""
from __future__ import annotations

import numpy as np

from grader.checks.context import Context
from grader.checks.fitting import recovers_parameters, within
from grader.checks.implementations import matches_implementation
from grader.checks.pytrees import works_on_pytrees
from grader.exercises.spec import Case, Exercise, Instructor, Part, Snippet
from grader.reference import mistake_outputs, oracle_outputs


def _exercise(checks, mistakes=(), oracles=None):
    public = Exercise(name="f", signature="f(x)", visible=Part(1, tuple(checks)), hidden=Part(1),
                      public_cases=[])
    return public.complete(Instructor(hidden_checks=tuple(checks), hidden_cases=lambda rng: [],
                                      mistakes=mistakes, oracles=oracles or {}))


def _run(check, fn, cases, refs=None, mistakes=(), oracles=None):
    """The check on `cases`; `refs` (one dict per case) gain the oracles' and the mistakes' stored
    outputs, made as `grader refs build` makes them."""
    exercise = _exercise([check], mistakes, oracles)
    refs = [dict(r) for r in refs] if refs is not None else [{} for _ in cases]
    for case, ref in zip(cases, refs):
        ref.update(oracle_outputs(exercise, "visible", case))
    stored = [mistake_outputs(exercise, "visible", case, ref) for case, ref in zip(cases, refs)]
    ctx = Context(exercise, fn, cases, refs, hidden=False, mistakes=stored)
    return check.run(ctx)


def test_within_uses_atol_plus_rtol_of_the_reference():
    assert within([1.05, 100.9], [1.0, 100.0], rtol=0.01, atol=0.05).all()
    assert not within([1.11, 100.0], [1.0, 100.0], rtol=0.01, atol=0.05).all()
    assert within([np.nan], [1.0], 0.1, 0.1).tolist() == [False]
    assert within([1.0, 2.0], [1.0], 0.1, 0.1) is None


def test_recovers_parameters_passes_within_tolerance_and_names_the_parameter():
    case = Case((np.float32(0.0),))
    check = recovers_parameters(names=("A", "B"))
    ref = [{"output": np.array([10.0, 2.0])}]
    assert _run(check, lambda x: np.array([10.08, 2.03]), [case], ref).passed
    failed = _run(check, lambda x: np.array([10.0, 2.5]), [case], ref)
    assert not failed.passed and "B is 2.5" in failed.message and failed.hint == "fit_not_converged"
    assert _run(check, lambda x: np.array([np.nan, 2.0]), [case], ref).hint == "not_finite"
    assert _run(check, lambda x: np.zeros(3), [case], ref).hint == "wrong_shape"


def test_recovers_parameters_diagnoses_a_known_mistake_with_the_same_tolerance():
    mistake = Snippet("def f(x):\n    return jnp.array([12.0, 2.0])\n", "not_robust")
    check = recovers_parameters()
    out = _run(check, lambda x: np.array([12.05, 2.01]), [Case((0.0,))], [{"output": np.array([10.0, 2.0])}],
               mistakes=[mistake])
    assert not out.passed and out.hint == "not_robust"


def test_matches_implementation_compares_with_the_trusted_function():
    check = matches_implementation("twice")
    cases = [Case((np.arange(3, dtype=np.float32),))]
    oracles = {"twice": lambda x: x * 2.0}
    assert _run(check, lambda x: x + x, cases, oracles=oracles).passed
    out = _run(check, lambda x: -2.0 * x, cases, oracles=oracles)
    assert not out.passed and out.hint == "wrong_sign"


def test_works_on_pytrees_explains_tuple_arithmetic_and_skips_plain_arrays():
    check = works_on_pytrees(None)
    tuple_case = Case(((np.ones(2, np.float32), np.float32(1.0)), 0.5))
    array_case = Case((np.ones(2, np.float32), 0.5))
    array_only = lambda p, lr: p - lr * p  # noqa: E731 (fails on tuples: lr * tuple)
    assert _run(check, array_only, [array_case]).passed
    out = _run(check, array_only, [array_case, tuple_case])
    assert not out.passed and out.hint == "tree_arithmetic"
    import jax
    assert _run(check, lambda p, lr: jax.tree_util.tree_map(lambda x: x - lr * x, p), [tuple_case]).passed
