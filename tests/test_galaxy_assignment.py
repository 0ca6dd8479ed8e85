"""s2_galaxy_morphology's own pieces, cheaply: its two check modules (grader.checks.images_init,
grader.checks.images_training), the transformations its invariance checks use, and the inputs its
descriptions draw (training data, initial parameters, probabilities without ties).

The exercises themselves are graded against their corpus by tests/test_exercise_corpus.py,
tests/test_same_verdict.py and the audit.
"""
from __future__ import annotations

import importlib.util

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader import exercises, material
from grader.checks import images_init, images_training
from grader.checks.runner import run_part
from grader.exercises import s2_galaxy_morphology as public
from grader.exercises.spec import Case, Exercise, Instructor, Key, Part

ASSIGNMENT = "s2_galaxy_morphology"


@pytest.fixture(scope="module")
def instructor():
    """The instructor half's module (its helpers, not only its INSTRUCTOR dict)."""
    path = material.exercises_file(ASSIGNMENT)
    spec = importlib.util.spec_from_file_location("galaxy_instructor_half", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def grade(check, cases, fn, returns=None):
    part = Part(1, (check,))
    exercise = Exercise(name="f", signature="f(...)", visible=part, hidden=part, public_cases=cases, returns=returns)
    exercise = exercise.complete(Instructor(hidden_checks=(check,), hidden_cases=lambda rng: cases))
    return run_part("unit", exercise, "visible", fn, cases, None).results[0]


# --- images_init.layers_drawn_apart ------------------------------------------------------------------

SHAPES = [(3, 3, 1, 4), (3, 3, 4, 8), (72, 16), (16, 1)]


def he_init(key, shared: bool):
    keys = [key] * 4 if shared else list(jax.random.split(key, 4))
    return [(jnp.sqrt(2.0 / np.prod(s[:-1])) * jax.random.normal(k, s), jnp.zeros(s[-1])) for k, s in zip(keys, SHAPES)]


FORM = [(jax.ShapeDtypeStruct(s, jnp.float32), jax.ShapeDtypeStruct(s[-1:], jnp.float32)) for s in SHAPES]
DRAWN_APART = images_init.layers_drawn_apart(public._he_normalised)


def test_layers_drawn_with_their_own_keys_pass():
    result = grade(DRAWN_APART, [Case((Key(3),), "k")], lambda key: he_init(key, shared=False), lambda key: FORM)
    assert result.passed, result.message


def test_layers_drawn_with_one_key_at_different_scales_fail():
    result = grade(DRAWN_APART, [Case((Key(3),), "k")], lambda key: he_init(key, shared=True), lambda key: FORM)
    assert not result.passed and result.hint == "shared_draws"
    assert "W of layer 0 and W of layer 1" in result.message


def test_zero_weights_are_left_to_the_distribution_checks():
    def zeros(key):
        return [(jnp.zeros(s), jnp.zeros(s[-1])) for s in SHAPES]
    assert grade(DRAWN_APART, [Case((Key(3),), "k")], zeros, lambda key: FORM).passed


# --- images_training.no_step_on_partial_batch --------------------------------------------------------

def sgd(key, params, x, y, n_epochs, batch_size, lr, drop_last=True):
    """Plain SGD on a least-squares line, params (w, b); a step per batch."""
    n = x.shape[0]
    n_batches = n // batch_size if drop_last else -(-n // batch_size)
    for epoch_key in jax.random.split(key, n_epochs):
        order = jax.random.permutation(epoch_key, n)
        for i in range(n_batches):
            idx = order[i * batch_size:(i + 1) * batch_size]
            grads = jax.grad(lambda p: jnp.mean((p[0] * x[idx] + p[1] - y[idx]) ** 2))(params)
            params = tuple(p - lr * g for p, g in zip(params, grads))
    return params


X = np.linspace(0, 1, 40, dtype=np.float32)
TRAIN_CASE = [Case((Key(0), (np.float32(0.5), np.float32(-0.5)), X, 2 * X + 1, 2, 16, 0.1), "line")]
PARAMS_FORM = lambda key, params, *rest: tuple(jax.ShapeDtypeStruct((), jnp.float32) for _ in params)  # noqa: E731
PARTIAL = images_training.no_step_on_partial_batch()


def test_dropping_the_partial_batch_passes():
    result = grade(PARTIAL, TRAIN_CASE, sgd, PARAMS_FORM)
    assert result.passed, result.message


def test_a_step_on_the_partial_batch_fails():
    result = grade(PARTIAL, TRAIN_CASE, lambda *a: sgd(*a, drop_last=False), PARAMS_FORM)
    assert not result.passed and result.hint == "partial_batch_kept"
    assert "given 15 samples, fewer than batch_size = 16" in result.message


def test_a_result_of_another_form_fails_on_its_form():
    result = grade(PARTIAL, TRAIN_CASE, lambda key, params, *rest: params[0], PARAMS_FORM)
    assert not result.passed and result.hint == "wrong_structure"


def test_the_partial_batch_check_is_a_property():
    assert PARTIAL.evidence is False and PARTIAL.hints == ("partial_batch_kept",)


# --- the invariances' transformations ------------------------------------------------------------------

def reference_confusion(predicted, labels, n_classes):
    out = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(out, (labels, predicted), 1)
    return out


@pytest.mark.parametrize("n_classes", [2, 3, 4, 5])
def test_renumbering_permutes_the_confusion_matrix_as_expected(instructor, n_classes):
    rng = np.random.default_rng(n_classes)
    args = (rng.integers(0, n_classes, 60).astype(np.int32), rng.integers(0, n_classes, 60).astype(np.int32),
            n_classes)
    moved = instructor.renumbered(args)
    assert sorted(instructor._permutation(n_classes).tolist()) == list(range(n_classes))
    assert not np.array_equal(moved[1], args[1])
    np.testing.assert_array_equal(reference_confusion(*moved),
                                  instructor.permuted_matrix(reference_confusion(*args), args))


def test_the_monotone_map_of_scores_keeps_their_order_and_ties(instructor):
    for case in instructor._auc_hidden(np.random.default_rng(0)):
        scores, labels = case.args
        moved, same = instructor.monotone_scores(case.args)
        assert same is labels
        np.testing.assert_array_equal(np.argsort(moved, kind="stable"), np.argsort(scores, kind="stable"))
        assert len(np.unique(moved)) == len(np.unique(scores))


def test_uncertain_probabilities_have_no_ties_either_way(instructor):
    for case in instructor._uncertain_hidden(np.random.default_rng(0)):
        probs, k = case.args
        for p in (probs, instructor.complement(case.args)[0]):
            h = np.sort(instructor._entropy_bits(p))
            assert np.min(np.diff(h)) > 1e-3


def test_flipping_the_classes_keeps_the_binary_cross_entropy(instructor):
    z = np.array([-1000.0, -3.0, 0.5, 40.0], np.float32)
    y = np.array([1, 0, 1, 0], np.int32)
    loss = lambda z, y: np.mean(np.logaddexp(0.0, z) - y * z)   # noqa: E731
    flipped = instructor.flip_classes((z, y))
    assert flipped[1].dtype == np.int32
    assert loss(*flipped) == pytest.approx(loss(z, y))


# --- inputs of the training exercise ----------------------------------------------------------------

def test_training_data_is_standardised_with_the_training_images(instructor):
    x, y, x_val, y_val = instructor.galaxy_split(5)
    assert x.shape == (instructor.TRAIN_IMAGES, 24, 24, 1) and x_val.shape == (instructor.VALIDATION_IMAGES, 24, 24, 1)
    assert x.dtype == x_val.dtype == np.float32 and y.dtype == np.int32
    assert abs(float(x.mean())) < 1e-4 and abs(float(x.std()) - 1) < 1e-4
    assert abs(float(x_val.mean())) > 1e-4                  # the validation set keeps the training statistics
    assert 0.35 < y.mean() < 0.65 and 0.35 < y_val.mean() < 0.65


def test_initial_parameters_have_the_form_and_scale_of_init_cnn(instructor):
    params = instructor.he_params(jax.random.key(0), (24, 24, 1), instructor.CHANNELS, instructor.N_HIDDEN)
    form = public.cnn_form((24, 24, 1), instructor.CHANNELS, instructor.N_HIDDEN)
    assert [(w.shape, b.shape) for w, b in params] == [(w.shape, b.shape) for w, b in form]
    w3 = params[2][0]
    assert np.std(w3) == pytest.approx(np.sqrt(2.0 / w3.shape[0]), rel=0.05)
    assert all(not b.any() for _, b in params)


def test_training_cases_leave_a_partial_batch_and_the_short_run_two_epochs(instructor):
    n, batch_size = instructor.TRAIN_IMAGES, instructor.BATCH_SIZE
    assert n % batch_size != 0
    case = instructor.train_case(5, 6, 7)
    short = public.short_run(case.args)
    assert short[4] == 2 and short[2].shape[0] == 4 * batch_size   # two epochs: a key reused across them shows


def test_description_loads_with_its_hints_and_points():
    full = exercises.load(ASSIGNMENT, instructor=True)
    assert full.points == 35
    assert [e.name for e in full.exercises][:2] == ["standardise", "split_indices"]
