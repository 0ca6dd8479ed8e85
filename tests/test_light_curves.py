"""The supernova light-curve data set: the physical model and the synthetic observations."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader.data import light_curves
from grader.data.light_curves import DEFAULT_PARAMS, light_curve_model, supernova_light_curve


def test_light_curve_model_matches_the_formula_by_hand():
    # A=100, t0=0, t_rise=3, t_fall=20, B=5; s = log(1 + exp(t/3)), f = 100 s^2/(1+s^2) exp(-t/20) + 5.
    # t=0: s = log 2, s^2 = 0.480453, 100 * 0.480453/1.480453 + 5 = 37.4531.
    # t=6: s = log(1 + e^2) = 2.126928, s^2 = 4.523823, 100 * 0.818966 * exp(-0.3) + 5 = 65.6705.
    # t=100: s = 33.3333, s^2/(1+s^2) = 0.999101, 100 * 0.999101 * exp(-5) + 5 = 5.67319.
    # Long before t0 the flux is the baseline.
    flux = np.asarray(light_curve_model(DEFAULT_PARAMS, np.array([0.0, 6.0, 100.0, -200.0], np.float32)))
    np.testing.assert_allclose(flux, [37.4531, 65.6705, 5.67319, 5.0], rtol=2e-6)
    assert flux.dtype == np.float32


@pytest.mark.parametrize("params", [DEFAULT_PARAMS, (80.0, 10.0, 2.0, 30.0, 1.0), (50.0, -3.0, 6.0, 15.0, -2.0)])
def test_light_curve_model_is_its_formula_in_float64(params):
    a, t0, t_rise, t_fall, b = params
    t = np.linspace(-30.0, 100.0, 27)
    s = np.log1p(np.exp((t - t0) / t_rise))
    expected = a * s ** 2 / (1 + s ** 2) * np.exp(-(t - t0) / t_fall) + b
    np.testing.assert_allclose(light_curve_model(params, t.astype(np.float32)), expected, rtol=1e-5, atol=1e-4)


def test_light_curve_model_takes_arrays_and_keeps_the_shape_of_t():
    t = np.linspace(-30, 100, 12, dtype=np.float32).reshape(3, 4)
    assert light_curve_model(np.asarray(DEFAULT_PARAMS, np.float32), t).shape == (3, 4)


def test_light_curve_model_is_finite_far_from_the_peak_with_finite_gradients():
    t = np.array([-1e4, -500.0, -100.0, 0.0, 1e3, 1e4], np.float32)
    params = jnp.asarray((100.0, 0.0, 3.0, 2.0, 5.0))  # t_fall < t_rise: exp(-dt/t_fall) overflows alone
    flux = np.asarray(light_curve_model(params, t))
    assert np.all(np.isfinite(flux)) and flux[0] == 5.0 and flux[-1] == 5.0
    grads = jax.jacobian(light_curve_model)(params, t)
    assert np.all(np.isfinite(np.asarray(grads)))


def test_light_curve_model_rises_to_a_single_peak_and_declines():
    t = np.linspace(-30, 100, 1301, dtype=np.float32)
    flux = np.asarray(light_curve_model(DEFAULT_PARAMS, t))
    peak = int(np.argmax(flux))
    assert np.all(np.diff(flux[:peak]) >= 0) and np.all(np.diff(flux[peak:]) <= 0)
    assert 5.0 < t[peak] < 7.0 and 60.0 < flux[peak] - 5.0 < 63.0  # 2 t_rise after t0, 0.62 A


def test_the_data_are_not_the_bazin_model():
    # The fit_bazin exercise fits Bazin's empirical model to these data; they do not follow it
    # exactly, and the data module does not define it.
    a, t0, t_rise, t_fall, b = DEFAULT_PARAMS
    t = np.linspace(-30, 100, 131)
    bazin = a * np.exp(-(t - t0) / t_fall) / (1 + np.exp(-(t - t0) / t_rise)) + b
    assert np.max(np.abs(np.asarray(light_curve_model(DEFAULT_PARAMS, t.astype(np.float32))) - bazin)) > 5.0
    assert not any("bazin" in name.lower() for name in dir(light_curves))


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
    pulls = (flux - np.asarray(light_curve_model(params, t))) / err
    outliers = pulls > 9.0  # outliers are moved up by 10 to 30 sigma; 9 sigma noise has p ~ 1e-19
    assert outliers.sum() == 5
    assert np.all(pulls[outliers] < 30.0 + 6.0)
    good = pulls[~outliers]
    assert abs(good.mean()) < 6 / np.sqrt(good.size) and abs(good.std() - 1) < 6 / np.sqrt(2 * good.size)


def test_no_outliers_when_the_fraction_is_zero():
    t, flux, err = (np.asarray(x) for x in supernova_light_curve(jax.random.key(1), 200, outlier_fraction=0.0))
    assert np.max((flux - np.asarray(light_curve_model(DEFAULT_PARAMS, t))) / err) < 6.0
