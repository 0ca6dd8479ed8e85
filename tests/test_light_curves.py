"""The supernova light-curve data set: the Bazin model and the synthetic observations."""
from __future__ import annotations

import jax
import numpy as np
import pytest

from grader.data.light_curves import DEFAULT_PARAMS, bazin_flux, supernova_light_curve


def test_bazin_flux_matches_the_formula_by_hand():
    # A=100, t0=0, t_rise=3, t_fall=20, B=5. At t = t0 the sigmoid is 1/2: 100 * 1 * 0.5 + 5 = 55.
    # Long before t0 the flux is the baseline; at t=100: 100*exp(-5)/(1+exp(-100/3)) + 5 = 5.67379.
    flux = np.asarray(bazin_flux(DEFAULT_PARAMS, np.array([0.0, -200.0, 100.0], np.float32)))
    np.testing.assert_allclose(flux, [55.0, 5.0, 100 * np.exp(-5.0) + 5.0], rtol=1e-6)
    assert flux.dtype == np.float32


def test_bazin_flux_takes_arrays_and_keeps_the_shape_of_t():
    t = np.linspace(-30, 100, 12, dtype=np.float32).reshape(3, 4)
    assert bazin_flux(np.asarray(DEFAULT_PARAMS, np.float32), t).shape == (3, 4)


def test_light_curve_shapes_dtypes_and_ranges():
    t, flux, err = supernova_light_curve(jax.random.key(0), n=50, t_range=(-10.0, 60.0), noise=3.0)
    for a in (t, flux, err):
        assert a.shape == (50,) and a.dtype == np.float32
    t, err = np.asarray(t), np.asarray(err)
    assert np.all(np.diff(t) >= 0) and t.min() >= -10.0 and t.max() <= 60.0
    assert err.min() >= 1.5 and err.max() <= 4.5  # [0.5, 1.5] * noise


def test_same_key_same_curve_other_key_other_curve():
    a = supernova_light_curve(jax.random.key(3))
    b = supernova_light_curve(jax.random.key(3))
    c = supernova_light_curve(jax.random.key(4))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], c[1])


@pytest.mark.parametrize("seed", range(5))
def test_exactly_the_requested_outliers_and_gaussian_noise_elsewhere(seed):
    params = (80.0, 10.0, 2.0, 30.0, 1.0)
    t, flux, err = (np.asarray(x) for x in supernova_light_curve(jax.random.key(seed), 100, params,
                                                                   outlier_fraction=0.05))
    pulls = (flux - np.asarray(bazin_flux(params, t))) / err
    outliers = pulls > 9.0  # outliers are moved up by 10 to 30 sigma; 9 sigma noise has p ~ 1e-19
    assert outliers.sum() == 5
    assert np.all(pulls[outliers] < 30.0 + 6.0)
    good = pulls[~outliers]
    assert abs(good.mean()) < 6 / np.sqrt(good.size) and abs(good.std() - 1) < 6 / np.sqrt(2 * good.size)


def test_no_outliers_when_the_fraction_is_zero():
    t, flux, err = (np.asarray(x) for x in supernova_light_curve(jax.random.key(1), 200, outlier_fraction=0.0))
    assert np.max((flux - np.asarray(bazin_flux(DEFAULT_PARAMS, t))) / err) < 6.0
