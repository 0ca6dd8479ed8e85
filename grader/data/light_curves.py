"""Supernova light curves: the Bazin et al. (2009) model, observed with noise and a few outliers.

The Bazin model is an empirical description of a supernova's flux: an exponential
rise (time scale `t_rise`) multiplied by an exponential decline (`t_fall`), on top
of a constant baseline `B`,

    f(t) = A * exp(-(t - t0) / t_fall) / (1 + exp(-(t - t0) / t_rise)) + B.

Times are in days (relative to an arbitrary reference epoch), fluxes in arbitrary
linear flux units (e.g. microjansky). Every function here is a pure function of
its arguments: the same key gives the same light curve.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

# (A, t0, t_rise, t_fall, B): amplitude [flux], epoch [days], rise and fall times [days], baseline [flux].
DEFAULT_PARAMS = (100.0, 0.0, 3.0, 20.0, 5.0)


def bazin_flux(params, t):
    """Bazin et al. (2009) light-curve model.

    params: (A, t0, t_rise, t_fall, B), a sequence or an array of shape (5,):
      amplitude A [flux units], epoch t0 [days], rise time t_rise > 0 [days],
      fall time t_fall > 0 [days], baseline B [flux units].
    t: times [days], an array of any shape.
    Returns the flux [flux units], float32, with the shape of `t`.

    Written with a sigmoid, A * exp(-dt/t_fall) * sigmoid(dt/t_rise), which equals
    the usual form but does not overflow long before the peak.
    """
    amplitude, t0, t_rise, t_fall, baseline = (jnp.asarray(p, jnp.float32) for p in params)
    dt = jnp.asarray(t, jnp.float32) - t0
    return amplitude * jnp.exp(-dt / t_fall) * jax.nn.sigmoid(dt / t_rise) + baseline


def supernova_light_curve(key, n: int = 40, params=DEFAULT_PARAMS, t_range=(-30.0, 100.0),
                          noise: float = 2.0, outlier_fraction: float = 0.05):
    """A synthetic supernova light curve: `n` noisy observations of `bazin_flux(params, t)`.

    key: a PRNG key (`jax.random.key` or `jax.random.PRNGKey`); the result is a pure function of it.
    n: number of observations.
    params: true (A, t0, t_rise, t_fall, B) of the Bazin model (units as in `bazin_flux`).
    t_range: (first, last) observation time [days]; times are drawn uniformly and sorted.
    noise: typical flux uncertainty [flux units]; each point's uncertainty is drawn
      uniformly in [0.5, 1.5] * noise, and its Gaussian error has that standard deviation.
    outlier_fraction: fraction of points (rounded, exactly that many) that are outliers,
      moved up by 10 to 30 times their uncertainty (cosmic rays, bad subtractions).

    Returns (t_days, flux, flux_err), three float32 arrays of shape (n,):
      observation times [days], observed fluxes and their 1-sigma uncertainties [flux units].
    """
    k_time, k_err, k_noise, k_which, k_size = jax.random.split(key, 5)
    t_days = jnp.sort(jax.random.uniform(k_time, (n,), jnp.float32, t_range[0], t_range[1]))
    flux_err = noise * jax.random.uniform(k_err, (n,), jnp.float32, 0.5, 1.5)
    flux = bazin_flux(params, t_days) + flux_err * jax.random.normal(k_noise, (n,), jnp.float32)
    n_outliers = int(round(outlier_fraction * n))
    if n_outliers:
        which = jax.random.choice(k_which, n, (n_outliers,), replace=False)
        jump = jax.random.uniform(k_size, (n_outliers,), jnp.float32, 10.0, 30.0) * flux_err[which]
        flux = flux.at[which].add(jump)
    return t_days, flux.astype(jnp.float32), flux_err.astype(jnp.float32)
