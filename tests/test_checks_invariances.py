"""Unit tests of `grader.checks.invariances.invariant` on small made-up exercises.

A function with the property passes; one without it fails with the check's hint; a
second result of another form fails with the form's hint; the check is a property
(not evidence), assessed after "values" by default; transforms never change the stored case.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader.checks.invariances import invariant
from grader.checks.runner import run_part
from grader.checks.values import matches_reference
from grader.exercises.spec import Case, Exercise, Instructor, Part

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(0, 3, size=(12, 4)).astype(np.float32)
LABELS = RNG.integers(0, 4, size=12).astype(np.int32)


def make_exercise(checks, cases):
    part = Part(len(checks), tuple(checks))
    public = Exercise(name="f", signature="f(...)", visible=part, hidden=Part(len(checks)), public_cases=cases)
    return public.complete(Instructor(hidden_checks=tuple(checks), hidden_cases=lambda rng: cases))


def grade(checks, cases, fn, reference=None):
    from grader.reference import reference_outputs
    exercise = make_exercise(checks, cases)
    refs = None if reference is None else [reference_outputs(exercise, "visible", reference, c) for c in cases]
    return run_part("unit", exercise, "visible", fn, cases, refs)


# --- a shift of the logits: the result unchanged ---------------------------------

def shift_logits(args):
    logits, labels = args
    return (logits + np.float32(7.0), labels)


SHIFT = invariant(shift_logits, name="shift", describe="the same loss when every logit moves by 7",
                  hint="overflow_in_exp", requires=())


def cross_entropy(logits, labels):
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))


def test_shift_passes_for_softmax_cross_entropy():
    result = grade([SHIFT], [Case((LOGITS, LABELS), "x")], cross_entropy).results[0]
    assert result.passed, result.message


@pytest.mark.parametrize("wrong", [
    lambda z, y: -jnp.mean(jnp.take_along_axis(z, y[:, None], axis=1)),          # the logit, not its log-probability
    lambda z, y: -jnp.mean(jnp.take_along_axis(jax.nn.log_sigmoid(z), y[:, None], axis=1)),
])
def test_shift_fails_with_its_hint(wrong):
    result = grade([SHIFT], [Case((LOGITS, LABELS), "x")], wrong).results[0]
    assert not result.passed and result.hint == "overflow_in_exp"
    assert result.message.startswith("On x: the same loss when every logit moves by 7: not so;")


def test_second_result_of_another_form_fails_with_the_form_hint():
    def shape_depends_on_sign(z, y):
        moved = float(z[0, 0]) > float(LOGITS[0, 0]) + 1
        return jnp.stack([cross_entropy(z, y)] * 2) if moved else cross_entropy(z, y)
    result = grade([SHIFT], [Case((LOGITS, LABELS), "x")], shape_depends_on_sign).results[0]
    assert not result.passed and result.hint == "wrong_shape"


def test_float32_tolerance_by_default_and_rtol_when_given():
    def slightly_off(z, y):     # 1e-4 relative more on the moved logits: beyond float32's tolerance, within 1e-3
        return cross_entropy(z, y) * jnp.where(z[0, 0] > LOGITS[0, 0] + 1, 1.0001, 1.0)
    case = [Case((LOGITS, LABELS), "x")]
    assert not grade([SHIFT], case, slightly_off).results[0].passed
    loose = invariant(shift_logits, name="shift", describe="d", hint="overflow_in_exp", rtol=1e-3, requires=())
    assert grade([loose], case, slightly_off).results[0].passed
    tight = invariant(shift_logits, name="shift", describe="d", hint="overflow_in_exp", rtol=1e-6, requires=())
    assert not grade([tight], case, slightly_off).results[0].passed


def test_not_finite_after_the_transform_fails_with_the_hint():
    def naive(z, y):
        p = jnp.exp(z) / jnp.sum(jnp.exp(z), axis=1, keepdims=True)
        return -jnp.mean(jnp.log(jnp.take_along_axis(p, y[:, None], axis=1)))
    big = invariant(lambda a: (a[0] + np.float32(200.0), a[1]), name="shift", describe="d",
                    hint="overflow_in_exp", rtol=1e-4, requires=())
    for check in (big, invariant(lambda a: (a[0] + np.float32(200.0), a[1]), name="shift", describe="d",
                                 hint="overflow_in_exp", requires=())):
        result = grade([check], [Case((LOGITS, LABELS), "x")], naive).results[0]
        assert not result.passed and result.hint == "overflow_in_exp"


# --- a permutation of the classes: the result permuted ---------------------------

PERM = np.array([2, 0, 3, 1])


def relabel(args):
    predicted, labels, n_classes = args
    return (PERM[predicted].astype(np.int32), PERM[labels].astype(np.int32), n_classes)


def permuted_matrix(first, args):
    out = np.zeros_like(first)
    out[np.ix_(PERM, PERM)] = first
    return out


PERMUTED = invariant(relabel, expected=permuted_matrix, name="relabelled",
                     describe="the matrix permutes with the class numbers", hint="confusion_transposed")


def confusion(predicted, labels, n_classes):
    return jnp.zeros((n_classes, n_classes), jnp.int32).at[labels, predicted].add(1)


def confusion_by_order(predicted, labels, n_classes):
    """Counts in the order in which classes first appear: right only for some labellings."""
    order = {c: i for i, c in enumerate(dict.fromkeys(np.asarray(labels).tolist()))}
    out = np.zeros((n_classes, n_classes), np.int32)
    for p, t in zip(np.asarray(predicted).tolist(), np.asarray(labels).tolist()):
        out[order[t], order.get(p, p)] += 1
    return jnp.asarray(out)


CONFUSION_CASE = [Case((RNG.integers(0, 4, size=30).astype(np.int32), np.sort(RNG.permutation(30) % 4).astype(np.int32),
                        4), "x")]


def test_permutation_with_expected_passes_and_fails():
    assert grade([matches_reference(), PERMUTED], CONFUSION_CASE, confusion, confusion).results[1].passed
    values, relabelled = grade([matches_reference(), PERMUTED], CONFUSION_CASE, confusion_by_order, confusion).results
    assert values.passed, values.message          # labels sorted: order of appearance = class number
    assert not relabelled.passed and relabelled.hint == "confusion_transposed"


def test_property_needs_values_by_default_and_is_not_evidence():
    assert PERMUTED.requires == ("values",) and PERMUTED.evidence is False
    assert PERMUTED.hints == ("confusion_transposed",)
    wrong = lambda p, t, k: confusion(p, t, k).T * 0     # noqa: E731 (zeros: permute to zeros, values wrong)
    values, relabelled = grade([matches_reference(), PERMUTED], CONFUSION_CASE, wrong, confusion).results
    assert not values.passed and not relabelled.passed and not relabelled.assessed


def test_transform_cannot_change_the_stored_case():
    case = Case((LOGITS.copy(), LABELS.copy()), "x")

    def in_place(args):
        args[0][:] += 1.0
        return args
    check = invariant(in_place, name="shift", describe="d", hint="overflow_in_exp", requires=())
    assert grade([check], [case], cross_entropy).results[0].passed
    assert np.array_equal(case.args[0], LOGITS)
