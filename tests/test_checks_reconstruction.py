"""Unit tests of `grader.checks.reconstruction`: orthonormal rows, the error of rebuilt data falling with the
number of components, and denoising, each passing for a PCA and failing, with its hint, for a wrong basis."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from grader.checks import reconstruction
from grader.checks.runner import run_part
from grader.exercises.spec import Case, Exercise, Instructor, Part

RNG = np.random.default_rng(1)
# 60 noisy points near a 2-D plane in 8 dimensions: noise 0.05 rms, signal of 3 and 1 along two directions
BASIS = np.linalg.qr(RNG.normal(size=(8, 2)))[0].T
TRUTH = (RNG.normal(size=(60, 2)) * [3.0, 1.0]) @ BASIS + 2.0
NOISY = (TRUTH + 0.05 * RNG.normal(size=TRUTH.shape)).astype(np.float32)
CASES = [Case((NOISY, 2), "x", extra=(TRUTH.astype(np.float32),))]


def form(x, k):
    return (jax.ShapeDtypeStruct((x.shape[1],), jnp.float32), jax.ShapeDtypeStruct((k, x.shape[1]), jnp.float32))


def grade(check, fn):
    part = Part(1, (check,))
    public = Exercise(name="f", signature="f(x, k)", visible=part, hidden=Part(1), public_cases=CASES,
                      returns=form, static_argnums=(1,))
    exercise = public.complete(Instructor(hidden_checks=(check,), hidden_cases=lambda rng: CASES))
    return run_part("unit", exercise, "visible", fn, CASES, None).results[0]


def pca(x, k):
    mean = jnp.mean(x, axis=0)
    return mean, jnp.linalg.svd(x - mean, full_matrices=False)[2][:k]


def smallest_first(x, k):
    mean = jnp.mean(x, axis=0)
    return mean, jnp.linalg.svd(x - mean, full_matrices=False)[2][::-1][:k]


def scaled(x, k):
    mean, c = pca(x, k)
    return mean, 2.0 * c


def uncentred_mean(x, k):
    return jnp.zeros(x.shape[1]), pca(x, k)[1]


ORTHONORMAL = reconstruction.orthonormal_rows("[1]", requires=())
FALLS = reconstruction.error_falls_with_rank()
DENOISES = reconstruction.denoises(0.6)


def test_a_pca_passes_every_check():
    for check in (ORTHONORMAL, FALLS, DENOISES):
        assert grade(check, pca).passed, check.name


def test_scaled_components_are_not_orthonormal():
    result = grade(ORTHONORMAL, scaled)
    assert not result.passed and result.hint == "components_not_orthonormal"


def test_components_that_add_nothing_fail_the_falling_error():
    # components of zeros: the rebuilt data is the mean whatever the number of components
    result = grade(FALLS, lambda x, k: (jnp.mean(x, axis=0), jnp.zeros((k, x.shape[1]))))
    assert not result.passed and result.hint == "reconstruction_not_improving"


def test_a_wrong_mean_or_the_wrong_components_do_not_denoise():
    for wrong in (uncentred_mean, smallest_first):
        result = grade(DENOISES, wrong)
        assert not result.passed and result.hint == "not_denoised", wrong.__name__
