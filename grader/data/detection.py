"""Which sources a survey detects, against their magnitude: a completeness curve.

Faint sources (large magnitudes) are missed more often. The probability of
detection falls from 1 to 0 around the 50% completeness magnitude `m50`, as a
logistic function of magnitude:

    completeness(mag) = 1 / (1 + exp((mag - m50) / width)).

Logistic regression on (magnitude, detected) recovers m50 and width.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp


def completeness(magnitude, m50: float = 22.5, width: float = 0.35):
    """Probability of detecting a source of this magnitude; same shape as `magnitude` (mag)."""
    return jax.nn.sigmoid(-(jnp.asarray(magnitude) - m50) / width)


def detection_completeness(key, n: int = 500, m50: float = 22.5, width: float = 0.35,
                           mag_range: tuple[float, float] = (18.0, 26.0)):
    """n sources of random magnitude, each detected or not with probability `completeness(mag)`.

    key: a PRNG key; the magnitudes and the detections are drawn from it.
    n: number of sources; m50: magnitude at which half the sources are detected (mag);
    width: how sharply completeness falls, in magnitudes (from 88% to 12% over 4*width);
    mag_range: (bright, faint) limits of the uniform magnitude distribution (mag).

    Returns (magnitude, detected), each float32 of shape (n,):
      magnitude  sorted in increasing order (bright to faint), in mag;
      detected   1.0 for a detected source, 0.0 for a missed one.
    """
    key_mag, key_detect = jax.random.split(key)
    low, high = mag_range
    magnitude = jnp.sort(jax.random.uniform(key_mag, (n,), jnp.float32, minval=low, maxval=high))
    detected = jax.random.uniform(key_detect, (n,)) < completeness(magnitude, m50, width)
    return magnitude, detected.astype(jnp.float32)
