"""The synthetic data sets: deterministic for a key, different for another, physically sensible.

Pinned numbers come from the definitions in the modules (the true line, the
logistic completeness curve, the Balmer rest wavelengths), not from earlier runs.
"""
from __future__ import annotations

import jax
import numpy as np
import pytest

from grader.data.detection import completeness, detection_completeness
from grader.data.lines import line_observations
from grader.data.spectra import BALMER_LINES, white_dwarf_spectrum

MAKERS = [line_observations, detection_completeness, white_dwarf_spectrum]


def as_numpy(out):
    return [np.asarray(a) for a in out]


@pytest.mark.parametrize("make", MAKERS)
def test_same_key_same_data_other_key_other_data(make):
    first, again, other = (as_numpy(make(jax.random.key(s))) for s in (3, 3, 4))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.parametrize("make", MAKERS)
def test_float32_arrays_of_length_n(make):
    for array in make(jax.random.key(0), n=37):
        assert array.shape == (37,) and array.dtype == np.float32


def test_noisy_line_scatters_about_the_true_line_with_sigma():
    x, y, y_err = as_numpy(line_observations(jax.random.key(1), n=20000, m=-0.5, c=3.0, sigma=0.2,
                                      x_range=(-4.0, 6.0)))
    assert x.min() >= -4.0 and x.max() <= 6.0 and np.all(np.diff(x) >= 0)
    residual = y - (-0.5 * x + 3.0)
    assert abs(residual.mean()) < 0.01 and abs(residual.std() - 0.2) < 0.01  # 6 standard errors
    assert np.all(y_err == np.float32(0.2))
    slope, intercept = np.polyfit(x, y, 1)
    assert abs(slope + 0.5) < 0.01 and abs(intercept - 3.0) < 0.02


def test_detections_are_zero_or_one_and_completeness_falls_with_magnitude():
    mag, detected = as_numpy(detection_completeness(jax.random.key(2), n=20000))
    assert set(np.unique(detected)) == {0.0, 1.0}
    assert mag.min() >= 18.0 and mag.max() <= 26.0 and np.all(np.diff(mag) >= 0)
    bins = np.linspace(18.0, 26.0, 9)
    fraction = [detected[(mag >= a) & (mag < b)].mean() for a, b in zip(bins[:-1], bins[1:])]
    assert np.all(np.diff(fraction) <= 0.02), fraction          # falls from bright to faint
    assert fraction[0] > 0.99 and fraction[-1] < 0.01
    near_m50 = detected[np.abs(mag - 22.5) < 0.05]                # completeness(22.5) = 1/2
    assert abs(near_m50.mean() - 0.5) < 0.15


def test_completeness_curve_is_one_half_at_m50_and_logistic_in_width():
    assert float(completeness(22.5)) == pytest.approx(0.5)
    # one width fainter than m50: 1 / (1 + e)
    assert float(completeness(22.85, 22.5, 0.35)) == pytest.approx(1 / (1 + np.e), rel=1e-5)


def test_spectrum_has_absorption_dips_at_the_balmer_wavelengths():
    wavelength, flux = as_numpy(white_dwarf_spectrum(jax.random.key(0), n=3201, noise=0.0))
    assert wavelength[0] == 3800.0 and wavelength[-1] == 7000.0
    assert 0.0 < flux.min() and flux.max() <= 1.0
    local_minima = wavelength[1:-1][(flux[1:-1] < flux[:-2]) & (flux[1:-1] < flux[2:])]
    for name, (centre, _, _) in BALMER_LINES.items():
        assert np.min(np.abs(local_minima - centre)) < 5.0, name   # a dip within 5 angstrom of the line
    # each dip is deep: at the line centre, at least 15% below the flux 60 angstrom to either side
    def at(w):
        return np.interp(w, wavelength, flux)
    for name, (centre, _, _) in BALMER_LINES.items():
        assert at(centre) < 0.85 * max(at(centre - 60), at(centre + 60)), name


def test_spectrum_noise_has_the_requested_size():
    _, clean = as_numpy(white_dwarf_spectrum(jax.random.key(5), n=4000, noise=0.0))
    _, noisy = as_numpy(white_dwarf_spectrum(jax.random.key(5), n=4000, noise=0.03))
    assert abs(np.std(noisy - clean) - 0.03) < 0.003
