"""Noisy observations of a straight line: the first data set of a fitting course."""
from __future__ import annotations

import jax
import jax.numpy as jnp


def line_observations(key, n: int = 50, m: float = 2.0, c: float = 1.0, sigma: float = 1.0,
               x_range: tuple[float, float] = (0.0, 10.0)):
    """n points of the line y = m*x + c, observed with Gaussian noise of standard deviation sigma.

    key: a PRNG key (`jax.random.key(seed)`); the positions and the noise are drawn from it.
    n: number of points; m, c: slope and intercept of the true line;
    sigma: standard deviation of the noise (same units as y); x_range: (low, high) of x.

    Returns (x, y, y_err), each float32 of shape (n,):
      x      positions, uniform in x_range, sorted in increasing order;
      y      m*x + c plus noise;
      y_err  the 1-sigma uncertainty of each y (all equal to sigma).
    """
    key_x, key_noise = jax.random.split(key)
    low, high = x_range
    x = jnp.sort(jax.random.uniform(key_x, (n,), jnp.float32, minval=low, maxval=high))
    y = m * x + c + sigma * jax.random.normal(key_noise, (n,), jnp.float32)
    y_err = jnp.full((n,), sigma, jnp.float32)
    return x, y.astype(jnp.float32), y_err
