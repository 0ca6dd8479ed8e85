"""Unit tests of the check modules added for s1_linear_models_to_ml: sampling, oracle, pytrees, training.

Each check passes a correct implementation and fails a wrong one with the expected hint.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader.checks import keys, sampling, training
from grader.checks.oracle import float64_args, matches_oracle
from grader.checks.pytrees import works_on_pytrees
from grader.checks.runner import run_part
from grader.exercises.spec import Case, Exercise, Instructor, Key, Part
from grader.reference import oracle_outputs

X = np.arange(40, dtype=np.float32)
BATCH_CASES = [Case((Key(0), X, 2 * X + 1, 16), "batch")]


def batch_form(key, x, y, b):
    """(x_batch, y_batch) of b samples."""
    return (jax.ShapeDtypeStruct((b,), np.float32),) * 2


def result(check, fn, cases, oracles=None, namespace=None, returns=None):
    """The only result of `check` on `cases`; oracles' outputs are stored as `grader refs build` does.
    returns: the exercise's declared form of a result (Exercise.returns)."""
    part = Part(1, (check,))
    exercise = Exercise(name="f", signature="f(...)", visible=part, hidden=Part(1), public_cases=cases,
                        returns=returns)
    if oracles:
        exercise = exercise.complete(Instructor((), lambda rng: [], oracles=oracles))
    refs = [oracle_outputs(exercise, "visible", case) if oracles else {} for case in cases]
    (only,) = run_part("unit", exercise, "visible", fn, cases, refs, namespace=namespace).results
    return only


def good_batch(key, x, y, b):
    idx = jax.random.choice(key, x.shape[0], (b,), replace=False)
    return x[idx], y[idx]


def misaligned(key, x, y, b):
    kx, ky = jax.random.split(key)
    return jax.random.choice(kx, x, (b,)), jax.random.choice(ky, y, (b,))


def misses_last(key, x, y, b):
    idx = jax.random.randint(key, (b,), 0, x.shape[0] - 1)
    return x[idx], y[idx]


@pytest.mark.parametrize("check,wrong,hint", [
    (sampling.batch_shape(), lambda k, x, y, b: (x[: b - 1], y[: b - 1]), "wrong_shape"),
    (sampling.batch_shape(), lambda k, x, y, b: x[:b], "wrong_structure"),
    (sampling.aligned_pairs(), misaligned, "misaligned_batch"),
    (sampling.every_sample_drawn(), misses_last, "batch_misses_samples"),
])
def test_batch_checks(check, wrong, hint):
    assert result(check, good_batch, BATCH_CASES, returns=batch_form).passed
    failed = result(check, wrong, BATCH_CASES, returns=batch_form)
    assert not failed.passed and failed.hint == hint, failed


def test_shared_draws_are_found():
    def independent(key, n):
        k1, k2 = jax.random.split(key)
        return [(jax.random.normal(k1, (n, n)), jax.random.normal(k2, (n,)))]

    def shared(key, n):
        return [(jax.random.normal(key, (n, n)), jax.random.normal(key, (n,)))]
    def layers(n_layers):
        """The declared form: n_layers (W, b) of shapes (n, n), (n,)."""
        return lambda key, n: [(jax.ShapeDtypeStruct((n, n), np.float32), jax.ShapeDtypeStruct((n,), np.float32))
                               ] * n_layers
    cases = [Case((Key(3), 8))]
    assert result(sampling.no_shared_draws(), independent, cases, returns=layers(1)).passed
    assert result(sampling.no_shared_draws(), shared, cases, returns=layers(1)).hint == "shared_draws"

    def zero_biases(key, n):      # not drawn at all: the distribution checks say so, not "shared draws"
        k1, k2 = jax.random.split(key)
        return [(jax.random.normal(k1, (n, n)), jnp.zeros(n)), (jax.random.normal(k2, (n, n)), jnp.zeros(n))]
    assert result(sampling.no_shared_draws(), zero_biases, cases, returns=layers(2)).passed


def test_oracle_tolerance_and_hint():
    A = np.stack([np.ones(20), np.linspace(0, 5, 20)], axis=1).astype(np.float32)
    y = (3 * A[:, 1] - 1).astype(np.float32)
    cases = [Case((A, y))]
    check = matches_oracle("lstsq", rtol=1e-3)
    oracles = {"lstsq": lambda A, y: np.linalg.lstsq(*float64_args((A, y)), rcond=None)[0]}
    assert result(check, lambda A, y: jnp.linalg.inv(A.T @ A) @ A.T @ y, cases, oracles).passed
    assert result(check, lambda A, y: jnp.linalg.solve(A.T @ A, A.T @ y) * 1.01, cases, oracles).hint == "wrong_value"
    assert result(check, lambda A, y: jnp.linalg.solve(A.T @ A, A.T @ y)[None], cases, oracles).hint == "wrong_shape"


def test_pytree_check_names_single_array_code():
    cases = [Case(((1.0, 2.0), (0.5, 0.5), 0.1))]
    good = lambda p, g, lr: jax.tree_util.tree_map(lambda a, b: a - lr * b, p, g)  # noqa: E731
    assert result(works_on_pytrees(), good, cases).passed
    assert result(works_on_pytrees(), lambda p, g, lr: p - lr * g, cases).hint == "tree_arithmetic"


def test_training_checks():
    x = np.linspace(0, 1, 50, dtype=np.float32)
    cases = [Case((Key(0), x, 2 * x), extra=(x, 2 * x))]  # extra: validation data the function never sees

    def fit(key, x, y):
        return jnp.sum(x * y) / jnp.sum(x * x) + 0.0 * jax.random.normal(key)

    notebook = {"line": lambda slope, x: slope * x}           # the student's model function
    reach = training.reaches_loss(1e-3, model="line")
    slope = lambda key, x, y: jax.ShapeDtypeStruct((), np.float32)  # noqa: E731 (the declared form: a slope)
    assert result(reach, fit, cases, namespace=notebook, returns=slope).passed
    assert result(reach, lambda k, x, y: jnp.float32(-5.0), cases, namespace=notebook,
                  returns=slope).hint == "training_diverged"
    assert result(reach, lambda k, x, y: jnp.float32(1.9), cases,
                  namespace=notebook, returns=slope).hint == "training_not_converged"
    missing = result(reach, fit, cases, namespace={}, returns=slope)
    assert missing.hint == "not_defined" and "`line`" in missing.message
    broken = result(reach, fit, cases, namespace={"line": lambda slope, x: x[:3]}, returns=slope)
    assert broken.hint == "wrong_shape" and "your line gives 3 predictions" in broken.message
    not_params = result(reach, lambda k, x, y: (jnp.float32(2.0), 0.0), cases, namespace=notebook, returns=slope)
    assert not_params.hint == "wrong_structure" and "expected float32[]" in not_params.message
    not_predictions = result(reach, fit, cases, namespace={"line": lambda slope, x: (x, x)}, returns=slope)
    assert not_predictions.hint == "wrong_structure" and "not an array of predictions" in not_predictions.message
    det = keys.deterministic_in_key()
    noisy = lambda k, x, y: jax.random.normal(k)  # noqa: E731
    assert result(det, noisy, cases).passed
    assert result(det, lambda k, x, y: jnp.float32(np.random.normal()), cases).hint == "global_random_state"
    assert result(det, lambda k, x, y: jnp.float32(1.0), cases).hint == "hardcoded_key"
    reuse = keys.no_key_reuse()
    assert result(reuse, lambda k, x, y: jax.random.normal(k) + jax.random.normal(k), cases).hint == "reused_key"
