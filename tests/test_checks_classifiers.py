"""Unit tests of grader.checks.classifiers: trained classifiers judged on held-out data.

Three overlapping Gaussian classes in 2-D, 70/22/8 %: a softmax regression recalls few of the rarest
class without class weights and most with them. Each check passes a correct training function and
fails a wrong one with the expected hint.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader.checks import classifiers
from grader.checks.runner import run_part
from grader.exercises.spec import Case, Exercise, Key, Part

CENTRES = np.array([[0.0, 0.0], [2.0, 0.0], [0.8, 1.2]])


def blobs(seed: int, n: int):
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=(0.70, 0.22, 0.08)).astype(np.int32)
    x = (CENTRES[y] + rng.normal(0, 0.8, size=(n, 2))).astype(np.float32)
    return x, y


X, Y = blobs(0, 600)
CASES = [Case((Key(0), X, Y, True, 200, 0.1), "600 samples of 3 classes", extra=blobs(1, 2000))]


def linear(params, x):
    W, b = params
    return x @ W + b


@functools.partial(jax.jit, static_argnums=(3, 4))
def _train(key, x, y, weighted, n_steps, lr):
    W = 0.01 * jax.random.normal(key, (2, 3))
    counts = jnp.bincount(y, length=3)
    w = jnp.where(weighted, y.size / (3 * counts), 1.0)[y]

    def loss(params):
        ce = -jnp.take_along_axis(jax.nn.log_softmax(linear(params, x)), y[:, None], axis=1)[:, 0]
        return jnp.sum(w * ce) / jnp.sum(w)

    def step(params, _):
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, jax.grad(loss)(params)), None

    return jax.lax.scan(step, (W, jnp.zeros(3)), None, length=n_steps)[0]


def train(key, x, y, weighted, n_steps, lr):
    return _train(key, x, y, bool(weighted), int(n_steps), lr)


def form(key, x, y, weighted, n_steps, lr):
    return (jax.ShapeDtypeStruct((2, 3), np.float32), jax.ShapeDtypeStruct((3,), np.float32))


def result(check, fn, namespace=None):
    exercise = Exercise(name="f", signature="f(...)", visible=Part(1, (check,)), hidden=Part(1),
                        public_cases=CASES, returns=form)
    (only,) = run_part("unit", exercise, "visible", fn, CASES, [{}], namespace=namespace).results
    return only


BALANCED = classifiers.reaches_accuracy(0.72, model=linear, metric="balanced_accuracy")


@pytest.mark.parametrize("wrong,hint", [
    (lambda key, x, y, weighted, n_steps, lr: (jnp.zeros((2, 3)), jnp.zeros(3)), "training_diverged"),
    (lambda key, x, y, weighted, n_steps, lr: train(key, x, y, weighted, n_steps, -lr), "training_diverged"),
    (lambda key, x, y, weighted, n_steps, lr: (jnp.full((2, 3), jnp.nan), jnp.zeros(3)), "training_diverged"),
    (lambda key, x, y, weighted, n_steps, lr: train(key, x, y, weighted, 3, lr), "training_not_converged"),
    (lambda key, x, y, weighted, n_steps, lr: train(key, x, y, weighted, n_steps, lr)[0], "wrong_structure"),
    (lambda key, x, y, weighted, n_steps, lr: (jnp.zeros((3, 2)), jnp.zeros(3)), "wrong_shape"),
])
def test_reaches_accuracy(wrong, hint):
    found = result(BALANCED, train)
    assert found.passed, found
    failed = result(BALANCED, wrong)
    assert not failed.passed and failed.hint == hint, failed


def test_the_metrics():
    labels = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 0, 0, 1, 1, 1, 0, 2])
    assert classifiers.metric_value("accuracy", predicted, labels) == 6 / 8
    assert classifiers.metric_value("balanced_accuracy", predicted, labels) == pytest.approx((3 / 4 + 1 + 1 / 2) / 3)
    assert classifiers.majority_baseline("accuracy", labels) == 0.5
    assert classifiers.majority_baseline("balanced_accuracy", labels) == pytest.approx(1 / 3)
    assert classifiers.predicted_classes(np.array([-1.0, 0.5, 0.0])).tolist() == [0, 1, 0]
    assert classifiers.predicted_classes(np.array([[0.1, 0.3], [2.0, -1.0]])).tolist() == [1, 0]


def test_the_students_model_by_name_and_binary_logits():
    """Binary logits (N,): "class 1 or not", validated on labels y_val == 1; the model is the student's."""
    def is_class_1(params, x):
        scores = linear(params, x)
        return scores[:, 1] - jnp.maximum(scores[:, 0], scores[:, 2])
    x_val, y_val = CASES[0].extra
    binary = [Case(CASES[0].args, "class 1 or not", extra=(x_val, (y_val == 1).astype(np.int32)))]
    check = classifiers.reaches_accuracy(0.85, model="is_class_1")
    exercise = Exercise(name="f", signature="f(...)", visible=Part(1, (check,)), hidden=Part(1),
                        public_cases=binary, returns=form)

    def run(namespace):
        return run_part("unit", exercise, "visible", train, binary, [{}], namespace=namespace).results[0]
    assert run({"is_class_1": is_class_1}).passed
    inverted = run({"is_class_1": lambda params, x: -is_class_1(params, x)})
    assert inverted.hint == "training_diverged" and "most common class (0.7" in inverted.message, inverted
    assert run({}).hint == "not_defined"


WEIGHTING = classifiers.weighting_helps_minority(weighted_argnum=3, model=linear, margin=0.15)


@pytest.mark.parametrize("wrong", [
    lambda key, x, y, weighted, n_steps, lr: train(key, x, y, False, n_steps, lr),
    lambda key, x, y, weighted, n_steps, lr: train(key, x, y, True, n_steps, lr),
    lambda key, x, y, weighted, n_steps, lr: train(key, x, y, not weighted, n_steps, lr),
])
def test_weighting_helps_minority(wrong):
    assert result(WEIGHTING, train).passed
    failed = result(WEIGHTING, wrong)
    assert not failed.passed and failed.hint == "weights_not_applied", failed
    assert "rarest class (2" in failed.message
