"""Catalogue measurements of galaxies of four morphological classes in very unequal numbers.

A stand-in for the ten unequally populated classes of Galaxy10 SDSS: each galaxy is a row of
six measurements, like those a photometric pipeline puts in a catalogue, and a label:

    0  smooth, round          ellipticals E0-E3                     (the most common, 60% by default)
    1  smooth, elongated      ellipticals E4-E7, "cigar-shaped"     (25%)
    2  edge-on disc           spirals seen within ~17 degrees of edge on (10%)
    3  face-on spiral         spirals seen within ~50 degrees of face on (5%)

Each galaxy gets true properties drawn from its class, then measurement errors:

- Sersic index n: log-normal about a median of its class (4 and 3.5 for ellipticals, 1.6 for
  edge-on discs, 2.5 for face-on spirals with their bulges), scatter 0.12 to 0.2 dex;
  measured as log10(n) with an error of 0.12 dex.
- Concentration C = 5 log10(r80 / r20) (Kent 1985; Conselice 2003), r80 and r20 the radii that
  hold 80% and 20% of the light: that of the galaxy's Sersic profile (`sersic_concentration`:
  2.80 for n = 1, 5.27 for n = 4), with an error of 0.35.
- Axis ratio b/a: for ellipticals, uniform within their class's range ([0.7, 1] round, [0.3, 0.7]
  elongated); for discs, an oblate disc of intrinsic thickness 0.15 at an inclination i,
  b/a = sqrt(cos(i)**2 * 0.9775 + 0.0225) (`grader.data.galaxies.disc_axis_ratio`), cos i uniform
  in [0, 0.3] (edge on) or [0.65, 1] (face on); error 0.04, the result kept within [0.05, 1].
- g - r colour [mag]: red sequence for ellipticals (0.78, 0.76), reddened by dust for edge-on
  discs (0.70), bluer for face-on spirals, which form stars (0.68); scatter 0.07 to 0.1 within a
  class, error 0.03.
- log10 of the half-light radius [arcsec]: 0.3 for ellipticals, 0.5 and 0.4 for discs (larger
  than ellipticals of the same light); scatter 0.22 dex, error 0.05 dex.
- Asymmetry A (rotational asymmetry, Conselice 2003): about 0 for a smooth galaxy (0.02, 0.03),
  larger for dust lanes (0.06) and spiral arms and star-forming clumps (0.05), never negative;
  then an error of 0.03, after which it can be slightly negative (the background's asymmetry
  is subtracted).

The class-conditional distributions overlap, most of all those of face-on spirals and round
ellipticals, so that a classifier trained without class weights predicts the rare face-on
spirals seldom and misses many of them; class weights recover more of them. A softmax
regression on the standardised features, trained with Adam on 2000 galaxies of the default
fractions, recalls about 40% of the face-on spirals of a held-out catalogue without class
weights, about 77% with weights inversely proportional to the class counts (balanced accuracy
0.80 and 0.86).

Units as above (colour in magnitudes, radius in arcseconds, the rest dimensionless); float32.
Every function is a pure function of its arguments: the same key gives the same catalogue.
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from .galaxies import DISC_THICKNESS, disc_axis_ratio

CLASS_NAMES = ("smooth_round", "smooth_elongated", "edge_on_disc", "face_on_spiral")
DEFAULT_FRACTIONS = (0.6, 0.25, 0.1, 0.05)
FEATURE_NAMES = ("concentration", "axis_ratio", "g_minus_r", "log10_sersic_n", "log10_r_eff_arcsec",
                 "asymmetry")
FEATURE_UNITS = ("", "", "mag", "", "dex(arcsec)", "")

# C = 5 log10(r80 / r20) of a Sersic profile of index n, from the regularised incomplete gamma
# function: the light inside r is P(2n, b (r / r_e)**(1/n)), so r80 / r20 = (P^-1(2n, 0.8) /
# P^-1(2n, 0.2))**n; computed with scipy.special.gammaincinv, interpolated linearly in between.
SERSIC_CONCENTRATION = (
    (0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0),
    (2.1452, 2.4916, 2.8008, 3.3392, 3.8043, 4.2192, 4.5973, 5.2731, 5.8720, 6.4154, 7.3832),
)

# Per class (in the order of CLASS_NAMES): median Sersic index and scatter of log10(n) [dex];
# (low, high) of b/a for ellipticals, of cos(inclination) for discs; mean and scatter of g - r
# [mag], of log10(r_eff / arcsec) and of the true asymmetry.
SERSIC_N = ((4.0, 0.12), (3.5, 0.12), (1.6, 0.15), (2.5, 0.2))
SHAPE = ((0.7, 1.0), (0.3, 0.7), (0.0, 0.3), (0.65, 1.0))
G_MINUS_R = ((0.78, 0.07), (0.76, 0.07), (0.70, 0.10), (0.68, 0.10))
LOG_R_EFF = ((0.30, 0.22), (0.30, 0.22), (0.50, 0.22), (0.40, 0.22))
ASYMMETRY = ((0.02, 0.015), (0.03, 0.015), (0.06, 0.03), (0.05, 0.03))
IS_DISC = (False, False, True, True)
# Measurement errors: of log10(n) [dex], of C, of b/a, of g - r [mag], of log10 r_eff [dex], of A.
ERRORS = (0.12, 0.35, 0.04, 0.03, 0.05, 0.03)


def sersic_concentration(n):
    """Concentration C = 5 log10(r80 / r20) of a Sersic profile of index n (0.5 to 8), float32, n's shape."""
    table_n, table_c = (jnp.asarray(a, jnp.float32) for a in SERSIC_CONCENTRATION)
    return jnp.interp(jnp.log(jnp.asarray(n, jnp.float32)), jnp.log(table_n), table_c)


def class_counts(n: int, fractions=DEFAULT_FRACTIONS) -> tuple[int, ...]:
    """How many of n galaxies fall in each class with exact counts: round(fraction * n), by largest remainder.

    fractions are normalised to sum to 1; the counts floor(f * n) are raised by one, largest
    remainder first, until they sum to n (the same as rounding whenever rounding sums to n).
    """
    f = np.asarray(fractions, np.float64)
    if f.ndim != 1 or f.size < 2 or np.any(f < 0) or f.sum() <= 0:
        raise ValueError(f"fractions must be at least two non-negative numbers, not {fractions}")
    share = f / f.sum() * n
    counts = np.floor(share).astype(int)
    for k in np.argsort(-(share - counts), kind="stable")[: n - counts.sum()]:
        counts[k] += 1
    return tuple(int(c) for c in counts)


def _table(rows, labels, column):
    return jnp.asarray([row[column] for row in rows], jnp.float32)[labels]


def morphology_classes(key, n: int = 2000, fractions=DEFAULT_FRACTIONS, exact_counts: bool = False):
    """A catalogue of n galaxies: six measurements each (`FEATURE_NAMES`) and a morphological class.

    key: a PRNG key; the result is a pure function of it (a subkey for the classes and one for
      each property and each measurement error).
    n: number of galaxies.
    fractions: expected fraction of each of the 4 classes (`CLASS_NAMES`), normalised to sum to 1;
      by default (0.6, 0.25, 0.1, 0.05): smooth round, smooth elongated, edge-on disc, face-on spiral.
    exact_counts: False: each galaxy's class is drawn independently with these probabilities;
      True: exactly `class_counts(n, fractions)` galaxies of each class (round(fraction * n)), in
      random order.

    Returns (features, labels):
      features  float32 (n, 6), columns `FEATURE_NAMES`: concentration C, axis ratio b/a,
                g - r [mag], log10 Sersic index, log10 half-light radius [log10 arcsec], asymmetry A
                (see the module docstring);
      labels    int32 (n,), 0 to 3, indices into `CLASS_NAMES`.
    """
    if len(fractions) != len(CLASS_NAMES):
        raise ValueError(f"fractions must have {len(CLASS_NAMES)} entries, one per class of CLASS_NAMES")
    counts = class_counts(n, fractions)  # also checks the fractions
    return _catalogue(key, n, jnp.asarray(fractions, jnp.float32), jnp.asarray(counts), bool(exact_counts))


@functools.partial(jax.jit, static_argnames=("n", "exact_counts"))
def _catalogue(key, n, fractions, counts, exact_counts):
    names = ("classes", "sersic", "shape", "colour", "size", "asymmetry", *(f"error{i}" for i in range(6)))
    keys = dict(zip(names, jax.random.split(key, len(names))))
    if exact_counts:
        ordered = jnp.repeat(jnp.arange(len(CLASS_NAMES)), counts, total_repeat_length=n)
        labels = jax.random.permutation(keys["classes"], ordered)
    else:
        labels = jax.random.choice(keys["classes"], len(CLASS_NAMES), (n,), p=fractions / jnp.sum(fractions))
    labels = labels.astype(jnp.int32)

    def normal(name, rows):
        return _table(rows, labels, 0) + _table(rows, labels, 1) * jax.random.normal(keys[name], (n,), jnp.float32)

    def error(i):
        return ERRORS[i] * jax.random.normal(keys[f"error{i}"], (n,), jnp.float32)

    log_n = normal("sersic", [(math.log10(median), scatter) for median, scatter in SERSIC_N])
    log_n = jnp.clip(log_n, math.log10(0.5), math.log10(8.0))
    shape = jax.random.uniform(keys["shape"], (n,), jnp.float32, _table(SHAPE, labels, 0), _table(SHAPE, labels, 1))
    is_disc = jnp.asarray(IS_DISC)[labels]
    axis_ratio = jnp.where(is_disc, disc_axis_ratio(jnp.arccos(shape), DISC_THICKNESS), shape)
    features = jnp.stack([
        sersic_concentration(10.0 ** log_n) + error(1),
        jnp.clip(axis_ratio + error(2), 0.05, 1.0),
        normal("colour", G_MINUS_R) + error(3),
        log_n + error(0),
        normal("size", LOG_R_EFF) + error(4),
        normal("asymmetry", ASYMMETRY).clip(0.0) + error(5),
    ], axis=1)
    return features.astype(jnp.float32), labels
