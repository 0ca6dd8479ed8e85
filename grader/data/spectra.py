"""Optical spectrum of a hydrogen-atmosphere (DA) white dwarf: a hot continuum with broad Balmer lines.

The continuum is a blackbody of temperature `TEMPERATURE`; each Balmer line
removes a Lorentzian-shaped fraction of it (the lines of a white dwarf are
pressure broadened to tens of angstroms). Depths and widths are chosen to look
like a DA white dwarf of about 15 000 K, not fitted to a real star.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

TEMPERATURE = 15000.0  # K
HC_OVER_K = 1.4387769e8  # h c / k_B in angstrom kelvin

# name: (rest wavelength in air (angstrom), fractional depth, half width at half depth (angstrom))
BALMER_LINES = {
    "H-alpha": (6562.8, 0.35, 35.0),
    "H-beta": (4861.3, 0.50, 45.0),
    "H-gamma": (4340.5, 0.50, 40.0),
    "H-delta": (4101.7, 0.45, 35.0),
    "H-epsilon": (3970.1, 0.40, 30.0),
}


def blackbody_shape(wavelength, temperature: float = TEMPERATURE):
    """Planck's B_lambda up to a constant, for wavelength in angstrom and temperature in K."""
    wavelength = jnp.asarray(wavelength, jnp.float32)
    return (5000.0 / wavelength) ** 5 / jnp.expm1(HC_OVER_K / (wavelength * temperature))


def balmer_transmission(wavelength):
    """Fraction of the continuum left by the Balmer lines (1 far from the lines, 0 < t < 1 in them)."""
    wavelength = jnp.asarray(wavelength, jnp.float32)
    transmission = jnp.ones_like(wavelength)
    for centre, depth, half_width in BALMER_LINES.values():
        transmission = transmission * (1.0 - depth / (1.0 + ((wavelength - centre) / half_width) ** 2))
    return transmission


def white_dwarf_spectrum(key, n: int = 400, wavelength_range: tuple[float, float] = (3800.0, 7000.0),
                         noise: float = 0.01):
    """A noisy DA white-dwarf spectrum on n evenly spaced pixels.

    key: a PRNG key; the noise is drawn from it.
    n: number of pixels; wavelength_range: (blue, red) limits in angstrom;
    noise: standard deviation of the Gaussian noise, in units of the normalised flux.

    Returns (wavelength_angstrom, normalised_flux), each float32 of shape (n,):
      wavelength_angstrom  evenly spaced from blue to red limit (angstrom);
      normalised_flux      continuum times line transmission, divided by the continuum's maximum
                           over the range (so the noiseless flux lies in (0, 1]), plus noise.
    """
    low, high = wavelength_range
    wavelength = jnp.linspace(low, high, n, dtype=jnp.float32)
    continuum = blackbody_shape(wavelength)
    flux = continuum / jnp.max(continuum) * balmer_transmission(wavelength)
    flux = flux + noise * jax.random.normal(key, (n,), jnp.float32)
    return wavelength, flux.astype(jnp.float32)
