"""Supernova light curves: a physically motivated model, observed with noise and a few outliers.

The model (`light_curve_model`) follows the two phases of a supernova's optical light curve:

- the rise of an expanding fireball: the photosphere grows with the ejecta, r = v (t - t_exp),
  so the flux grows like the square of the time since explosion; the growth saturates once
  the photosphere stops keeping up with the ejecta (they turn transparent from the outside in);
- the decline powered by radioactive decay (56Ni -> 56Co -> 56Fe): an exponential with an
  e-folding time `t_fall`.

With dt = t - t0 and s = softplus(dt / t_rise) = log(1 + exp(dt / t_rise)), a smoothed version of
"the time since explosion, in units of t_rise",

    f(t) = A * s**2 / (1 + s**2) * exp(-dt / t_fall) + B .

s**2 is the fireball's (dt / t_rise)**2 once dt >> t_rise, smoothed into an exponential
switch-on long before t0 (s**2 ~ exp(2 dt / t_rise) there); s**2 / (1 + s**2) saturates at 1
after a few t_rise. For t_fall / t_rise = 5, 10, 20 the flux peaks 1.7, 2.4, 3.2 t_rise after
t0, at 0.55, 0.68, 0.78 A above the baseline. Empirical light-curve models fitted to these
data describe them closely, but not exactly.

Times are in days (relative to an arbitrary reference epoch), fluxes in arbitrary
linear flux units (e.g. microjansky). Every function here is a pure function of
its arguments: the same key gives the same light curve.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

# (A, t0, t_rise, t_fall, B): amplitude [flux], epoch [days], rise and fall times [days], baseline [flux].
DEFAULT_PARAMS = (100.0, 0.0, 3.0, 20.0, 5.0)


def light_curve_model(params, t):
    """Flux of the expanding-fireball-then-radioactive-decline model (see the module docstring).

    params: (A, t0, t_rise, t_fall, B), a sequence or an array of shape (5,):
      amplitude A [flux units] (the peak is 0.55 to 0.8 A above the baseline for t_fall / t_rise
      from 5 to 20, and tends to A as t_fall / t_rise grows), epoch t0 [days] (the explosion time the fireball's
      (t - t0)**2 extrapolates back to; the flux is about A/3 above the baseline there), rise time
      t_rise > 0 [days], fall time t_fall > t_rise / 2 [days] (so that the flux vanishes long
      before t0), baseline B [flux units].
    t: times [days], an array of any shape.
    Returns the flux [flux units], float32, with the shape of `t`:

        A * s**2 / (1 + s**2) * exp(-(t - t0) / t_fall) + B,   s = softplus((t - t0) / t_rise).

    Computed through logarithms, so that long before t0 the rise underflows to 0 instead
    of giving 0 * inf.
    """
    amplitude, t0, t_rise, t_fall, baseline = (jnp.asarray(p, jnp.float32) for p in params)
    dt = jnp.asarray(t, jnp.float32) - t0
    x = dt / t_rise
    # log(softplus(x)): softplus(x) = exp(x) to float32 precision for x < -20, where it underflows.
    log_s = jnp.where(x < -20.0, x, jnp.log(jax.nn.softplus(jnp.maximum(x, -20.0))))
    log_rise = 2.0 * log_s - jax.nn.softplus(2.0 * log_s)  # log(s**2 / (1 + s**2))
    return amplitude * jnp.exp(log_rise - dt / t_fall) + baseline


def supernova_light_curve(key, n: int = 40, params=DEFAULT_PARAMS, t_range=(-30.0, 100.0),
                          noise: float = 2.0, outlier_fraction: float = 0.05):
    """A synthetic supernova light curve: `n` noisy observations of `light_curve_model(params, t)`.

    key: a PRNG key (`jax.random.key` or `jax.random.PRNGKey`); the result is a pure function of it.
    n: number of observations.
    params: true (A, t0, t_rise, t_fall, B) of the model (units as in `light_curve_model`).
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
    flux = light_curve_model(params, t_days) + flux_err * jax.random.normal(k_noise, (n,), jnp.float32)
    n_outliers = int(round(outlier_fraction * n))
    if n_outliers:
        which = jax.random.choice(k_which, n, (n_outliers,), replace=False)
        jump = jax.random.uniform(k_size, (n_outliers,), jnp.float32, 10.0, 30.0) * flux_err[which]
        flux = flux.at[which].add(jump)
    return t_days, flux.astype(jnp.float32), flux_err.astype(jnp.float32)
