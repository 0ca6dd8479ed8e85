"""Unit tests of grader.checks.splits: partitions of range(n), stratified by class, drawn with the key.

Each check passes a correct split and fails a wrong one with the expected hint.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader.checks import splits
from grader.checks.runner import run_part
from grader.exercises.spec import Case, Exercise, Key, Part

# 40 samples of 3 classes (24, 12, 4), in a shuffled order; a test fraction of 0.25 takes 6, 3 and 1 of them.
LABELS = np.random.default_rng(0).permutation(np.repeat(np.arange(3), (24, 12, 4))).astype(np.int32)
STRATIFIED_CASES = [Case((Key(0), LABELS, 0.25), "labels of 40 samples, test_fraction=0.25")]
THREE_WAY_CASES = [Case((Key(1), 30, 6, 9), "n=30, n_val=6, n_test=9")]


def result(check, fn, cases, hidden_seed=None):
    """The only result of `check` on `cases`."""
    exercise = Exercise(name="f", signature="f(...)", visible=Part(1, (check,)), hidden=Part(1),
                        public_cases=cases)
    (only,) = run_part("unit", exercise, "visible", fn, cases, [{}] * len(cases), hidden_seed=hidden_seed).results
    return only


@jax.jit
def _rank_in_class(key, labels):
    """Each sample's rank among the samples of its class, in an order drawn with the key."""
    order = jnp.lexsort((jax.random.uniform(key, labels.shape), labels))
    rank = jnp.zeros_like(labels).at[order].set(jnp.arange(labels.size, dtype=labels.dtype))
    first = jnp.searchsorted(labels[order], labels)
    return rank - first


def stratified_split(key, labels, test_fraction, count=np.floor):
    """The correct split: floor(test_fraction * n_k) of each class, in a random order drawn with the key."""
    n_test = count(test_fraction * np.bincount(np.asarray(labels))).astype(int)
    in_test = np.asarray(_rank_in_class(key, labels)) < n_test[np.asarray(labels)]
    return jnp.asarray(np.flatnonzero(~in_test)), jnp.asarray(np.flatnonzero(in_test))


def unstratified_split(key, labels, test_fraction):
    perm = jax.random.permutation(key, labels.size)
    n_test = int(test_fraction * labels.size)
    return perm[n_test:], perm[:n_test]


def first_of_each_class(key, labels, test_fraction):
    """Stratified, but always the first indices of each class: the key is never used."""
    train, test = [], []
    for k in range(3):
        idx = np.flatnonzero(np.asarray(labels) == k)
        n_test = int(test_fraction * idx.size)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return jnp.asarray(np.concatenate(train)), jnp.asarray(np.concatenate(test))


def seeded_once(key, labels, test_fraction):
    """The workshop's bug: a seed set and never used; numpy's generator draws the same split every time."""
    rng = np.random.default_rng(42)
    train, test = [], []
    for k in range(3):
        idx = rng.permutation(np.flatnonzero(np.asarray(labels) == k))
        n_test = int(test_fraction * idx.size)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return jnp.asarray(np.concatenate(train)), jnp.asarray(np.concatenate(test))


def split_indices(key, n, n_val, n_test):
    perm = jax.random.permutation(key, n)
    return perm[: n - n_val - n_test], perm[n - n_val - n_test: n - n_test], perm[n - n_test:]


PARTITION = splits.partition(n=lambda key, labels, f: labels.shape[0])
PARTITION_SIZED = splits.partition(n=lambda key, n, n_val, n_test: n,
                                   sizes=lambda key, n, n_val, n_test: (n - n_val - n_test, n_val, n_test))


@pytest.mark.parametrize("wrong,hint", [
    (lambda k, labels, f: jnp.arange(labels.size), "wrong_structure"),
    (lambda k, labels, f: (jnp.arange(30), jnp.arange(30, 40)[:, None]), "wrong_shape"),
    (lambda k, labels, f: (jnp.arange(30.0), jnp.arange(30.0, 40.0)), "wrong_dtype"),
    (lambda k, labels, f: (jnp.arange(40) >= 10, jnp.arange(40) < 10), "wrong_dtype"),
    (lambda k, labels, f: (jnp.arange(31), jnp.arange(30, 40)), "indices_overlap"),
    (lambda k, labels, f: (jnp.arange(30), jax.random.choice(k, 40, (10,), replace=True)), "indices_overlap"),
    (lambda k, labels, f: (jnp.arange(30), jnp.arange(30, 41).clip(0, 39)), "indices_overlap"),   # 39 twice
    (lambda k, labels, f: (jnp.arange(29), jnp.arange(30, 40)), "indices_missing"),
    (lambda k, labels, f: (jnp.arange(30), jnp.arange(31, 41)), "indices_missing"),
])
def test_partition_finds_each_defect(wrong, hint):
    assert result(PARTITION, stratified_split, STRATIFIED_CASES).passed
    failed = result(PARTITION, wrong, STRATIFIED_CASES)
    assert not failed.passed and failed.hint == hint, failed


def test_partition_with_sizes():
    assert result(PARTITION_SIZED, split_indices, THREE_WAY_CASES).passed
    swapped = lambda key, n, n_val, n_test: split_indices(key, n, n_test, n_val)  # noqa: E731
    failed = result(PARTITION_SIZED, swapped, THREE_WAY_CASES)
    assert not failed.passed and failed.hint == "wrong_shape" and "expected 6" in failed.message, failed
    two = lambda key, n, n_val, n_test: split_indices(key, n, n_val, n_test)[:2]  # noqa: E731
    assert result(PARTITION_SIZED, two, THREE_WAY_CASES).hint == "wrong_structure"


STRATIFIED = splits.stratified(labels_argnum=1, fraction_argnum=2)


def test_stratified():
    assert result(STRATIFIED, stratified_split, STRATIFIED_CASES).passed
    failed = result(STRATIFIED, unstratified_split, STRATIFIED_CASES)
    assert not failed.passed and failed.hint == "unstratified_split", failed
    assert "expected floor(0.25 *" in failed.message
    swapped = lambda key, labels, f: stratified_split(key, labels, f)[::-1]  # noqa: E731
    assert result(STRATIFIED, swapped, STRATIFIED_CASES).hint == "split_parts_swapped"
    rounded = lambda key, labels, f: stratified_split(key, labels, f, count=np.round)  # noqa: E731
    at_03 = [Case((Key(0), LABELS, 0.3), "test_fraction=0.3: 7.2, 3.6 and 1.2 of classes 0-2")]
    assert result(STRATIFIED, stratified_split, at_03).passed
    assert result(STRATIFIED, rounded, at_03).hint == "test_count_rounding"


def test_floor_of_a_product_that_rounds_either_way():
    """0.29 * 100 is 28.999999999999996 in float64: 28 and 29 are both floor(0.29 * 100)."""
    assert splits._test_counts(0.29, np.array([100, 10, 7])) == [{28, 29}, {2}, {2}]


SHUFFLED = splits.shuffled(groups=lambda key, labels, f: labels)


@pytest.mark.parametrize("wrong", [first_of_each_class, seeded_once])
def test_shuffled_finds_a_split_that_ignores_the_key(wrong):
    assert result(SHUFFLED, stratified_split, STRATIFIED_CASES).passed
    failed = result(SHUFFLED, wrong, STRATIFIED_CASES)
    assert not failed.passed and failed.hint == "split_not_random", failed


def test_shuffled_finds_a_split_random_within_half_of_each_class():
    def half_random(key, labels, f):
        """Class 0's test samples always among the first half of its samples."""
        train, test = (np.asarray(a) for a in stratified_split(key, labels, f))
        idx0 = np.flatnonzero(np.asarray(labels) == 0)
        chosen = np.asarray(jax.random.permutation(key, idx0[:12]))[:6]
        test = np.concatenate([chosen, test[~np.isin(test, idx0)]])
        return jnp.asarray(np.setdiff1d(np.arange(labels.size), test)), jnp.asarray(test)
    assert result(PARTITION, half_random, STRATIFIED_CASES).passed
    assert result(STRATIFIED, half_random, STRATIFIED_CASES).passed
    assert result(SHUFFLED, half_random, STRATIFIED_CASES).hint == "split_not_random"


def test_shuffled_without_groups_and_from_the_hidden_seed():
    check = splits.shuffled(position=2)
    assert result(check, split_indices, THREE_WAY_CASES, hidden_seed=7).passed
    fixed = lambda key, n, n_val, n_test: split_indices(jax.random.key(0), n, n_val, n_test)  # noqa: E731
    assert result(check, fixed, THREE_WAY_CASES, hidden_seed=7).hint == "split_not_random"


def test_binomial_bounds():
    lo, hi = splits.binomial_bounds(splits.N_KEYS, 0.25, 1e-12)
    assert 0 < lo < 0.25 * splits.N_KEYS < hi < splits.N_KEYS
    assert splits.binomial_bounds(10, 0.0, 1e-9) == (0, 0)
    assert splits.binomial_bounds(10, 1.0, 1e-9) == (10, 10)
