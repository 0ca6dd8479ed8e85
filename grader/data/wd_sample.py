"""A sample of DA white-dwarf spectra, a few of them magnetic, for unsupervised learning.

Each star is the spectrum of `spectra.py` (a blackbody continuum times Lorentzian Balmer lines)
with its own temperature, surface gravity, reddening and brightness; a fraction of the stars are
magnetic, and their Balmer lines are split into Zeeman triplets. Boxcar smoothing, resampling,
PCA (eigen-spectra, denoising), k-means and anomaly detection are tried on it: the magnetic
stars are the anomalies.

- Temperature T: log-uniform over `TEMPERATURE_RANGE`, 8 000 to 40 000 K. It sets the slope of
  the continuum (Planck's B_lambda) and the strength of the lines: the Balmer lines of DA white
  dwarfs are strongest near 13 000 K and weaken towards hotter stars (hydrogen ionised) and
  cooler ones (fewer atoms in the n = 2 level). Every line's depth is multiplied by
      strength(T) / strength(15 000 K),   strength(T) = exp(-(ln(T / 13 000 K))**2 / (2 * 0.6**2)),
  and its width by the square root of that (`line_strength`): 1 at the 15 000 K of `spectra.py`,
  depth x0.74 at 8 000 K and x0.18 at 40 000 K, so that the lines of the hottest stars are
  shallower than the pi component of a cooler magnetic star (see below).
- Surface gravity: in a denser atmosphere (higher log g) the lines are broader (Stark
  broadening) and the upper levels dissolve (the higher Balmer lines fade, Hummer & Mihalas
  1988, ApJ 331, 794). One factor gamma, log-uniform in `GRAVITY_RANGE` (0.8 to 1.25, a spread of
  a few tenths in log g), multiplies every line's width, and the depth of the line from upper
  level u (3 for H-alpha to 7 for H-epsilon) by gamma**(-(u - 3) / 2).
- Reddening: E(B-V) uniform in `REDDENING_RANGE` (0 to 0.3 mag: a sample reaching a few hundred
  parsecs, some of it near the Galactic plane) dims the continuum by 10**(-0.4 A_lambda), with
  A_lambda = R_V E(B-V) times the extinction curve of Cardelli, Clayton & Mathis (1989, ApJ 345,
  245), R_V = 3.1 (`extinction_curve`). It tilts the continuum independently of the lines.
- Brightness: the continuum is `scale` at 5500 angstrom, `scale` log-uniform in `SCALE_RANGE`
  (0.3 to 3, arbitrary linear flux units): spectra must be normalised before they are compared.
- Magnetic stars (`magnetic_fraction` of them): a field B, log-uniform over `field_range_mg`
  (default `FIELD_RANGE_MG`, 3 to 30 MG), splits every Balmer line by the linear Zeeman effect
  into a pi component at the rest wavelength and two sigma components at lambda -+ delta_lambda,
      delta_lambda = 4.67e-13 * g * lambda**2 * B   (lambda in angstrom, B in gauss, g = 1)
  (`zeeman_shift`; 20.1 angstrom per MG at H-alpha, 11.0 at H-beta, 7.9 at H-delta, while a
  pixel of the default grid is 8 angstrom and a line's half width 10 to 60 angstrom: at 3 MG the
  sigma components of H-alpha are 60 angstrom from its centre, at 30 MG 600). The line's depth
  is shared equally by the three components (averaged over the field's orientations their
  strengths are equal), each keeping the line's width, so the split line has the equivalent
  width of the unsplit one, and B -> 0 gives it back (`zeeman_transmission`). Real magnetic
  white dwarfs above ~10 MG also show the quadratic Zeeman effect, and a field that varies over
  the surface; both are left out.
- Noise: Gaussian, independent in every pixel, of standard deviation `noise` times the star's
  mean noise-free flux over the pixels: once a spectrum is divided by its mean flux, its noise
  has standard deviation `noise` (a signal-to-noise ratio of 1 / noise = 50 per pixel by
  default), the same for every star.

How the default sample behaves (n = 300 stars on 400 pixels, 3800 to 7000 angstrom, 15 of them
magnetic, noise 0.02), measured when the data set was written on keys 0 to 9. Each spectrum is
divided by its mean flux and the mean spectrum subtracted before a PCA (an SVD), as
`normalise`, `pca_residual` and `precision_at` of tests/test_wd_sample.py do (which checks key 0):
- Variance explained by the first 1, 2, 3, 4, 5 components of the noise-free sample
  (`return_truth`): 0.930, 0.988, 0.995, 0.997, 0.998 (cumulative; within +-0.005 between keys).
  The non-magnetic stars alone have four real components (eigenvalues on key 0: 2616, 153, 17,
  3.7, then 0.4: the temperature, the reddening and the lines); the next ones are the magnetic
  stars' (their split lines do not fit the others' eigen-spectra).
- Denoising: the noisy normalised spectra (noise 0.02 rms) rebuilt from 5 eigen-spectra fitted to
  them are 0.005 rms from the noise-free ones for the non-magnetic stars, 0.026 for the magnetic
  ones (worse than the noise: their lines are not in the eigen-spectra).
- Anomaly detection: the noisy spectra rebuilt from the first k eigen-spectra, each star scored
  by its summed squared residual; precision among the 15 highest scores (the share of them that
  are magnetic; chance 0.05): k = 4, 0.86 on average over the keys (0.73 to 1.0); k = 5, 0.83
  (0.67 to 0.93); k = 3, 0.78; after a 4-pixel boxcar keeping every 4th pixel, k = 5, 0.87. The
  stars missed are hot (weak lines: a 12 MG star at 36 000 K ranks 229th) or have fields below
  ~5 MG. Too many components learn the magnetic stars themselves: k = 6, 0.74 (0.4 to 1.0);
  k = 8, 0.29.
- Simple rules do worse: the best single pixel of the normalised spectra picked on each key
  itself (an optimistic choice among 800 pixel-and-sign rules), precision 0.53 (0.40 to 0.67);
  the same pixel picked on key 1000 and used on keys 0 to 9, 0.11; the depth of one line's core
  relative to the flux 150 angstrom on either side, 0.36 (H-alpha), 0.48 (H-beta), 0.54 (H-gamma).
- Time: the first call for a given (n, n_pixels) compiles: 1 s on a 2-core machine
  (3 to 3.5 s at a load average of 6); later calls, with other keys or any other argument
  (fraction, exact counts or not, noise, field range, wavelength range), 4 to 8 ms (n = 2000: 30 to 70 ms).
  JAX_PLATFORMS=cpu.

Units: wavelength in angstrom (in air, as `spectra.BALMER_LINES`), fields in MG for the sample
(`field_mg`) and in gauss for `zeeman_shift` and `zeeman_transmission`, temperatures in K, flux
in arbitrary linear units. Every function is a pure function of its arguments: the same key
gives the same sample; float32 outputs.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from .spectra import BALMER_LINES, blackbody_shape

ZEEMAN_CONSTANT = 4.67e-13    # delta_lambda / (g lambda**2 B) [1 / (angstrom gauss)]
LANDE_G = 1.0                 # effective Lande factor of the normal Zeeman triplet
UPPER_LEVEL = {"H-alpha": 3, "H-beta": 4, "H-gamma": 5, "H-delta": 6, "H-epsilon": 7}  # of each line

TEMPERATURE_RANGE = (8000.0, 40000.0)  # [K], log-uniform
STRENGTH_PEAK = 13000.0       # [K] temperature of the strongest Balmer lines
STRENGTH_SPREAD = 0.6         # width of the line strength in ln(T)
REFERENCE_TEMPERATURE = 15000.0        # [K] the lines of spectra.BALMER_LINES are this star's
GRAVITY_RANGE = (0.8, 1.25)   # line-width factor gamma of the surface gravity, log-uniform
DISSOLUTION = 0.5             # depth of the line from level u times gamma**(-DISSOLUTION * (u - 3))
REDDENING_RANGE = (0.0, 0.3)  # E(B-V) [mag], uniform
R_V = 3.1                     # total to selective extinction, A_V / E(B-V)
SCALE_RANGE = (0.3, 3.0)      # continuum at REFERENCE_WAVELENGTH [arbitrary flux units], log-uniform
REFERENCE_WAVELENGTH = 5500.0  # [angstrom]
FIELD_RANGE_MG = (3.0, 30.0)  # [MG] fields of the magnetic stars, log-uniform


def zeeman_shift(wavelength_angstrom, field_gauss, lande_g: float = LANDE_G):
    """Shift of the sigma components of the linear Zeeman effect, 4.67e-13 * g * lambda**2 * B [angstrom].

    wavelength_angstrom: rest wavelength [angstrom]; field_gauss: field strength [gauss]; any
    shapes that broadcast together. Returns float32 of the broadcast shape.
    """
    wavelength = jnp.asarray(wavelength_angstrom, jnp.float32)
    return ZEEMAN_CONSTANT * lande_g * wavelength ** 2 * jnp.asarray(field_gauss, jnp.float32)


def line_strength(temperature):
    """Factors (depth, width) of the Balmer lines at `temperature` [K] relative to `spectra.BALMER_LINES`.

    depth = strength(T) / strength(15 000 K), strength(T) = exp(-(ln(T / 13 000))**2 / (2 * 0.6**2));
    width = sqrt(depth). Any shape; returns two float32 arrays of that shape (both 1 at 15 000 K).
    """
    def strength(t):
        return jnp.exp(-0.5 * (jnp.log(t / STRENGTH_PEAK) / STRENGTH_SPREAD) ** 2)

    depth = strength(jnp.asarray(temperature, jnp.float32)) / strength(jnp.float32(REFERENCE_TEMPERATURE))
    return depth, jnp.sqrt(depth)


def extinction_curve(wavelength, r_v: float = R_V):
    """A_lambda / A_V of Cardelli, Clayton & Mathis (1989, ApJ 345, 245), their optical law (eq. 3a, 3b).

    wavelength [angstrom], any shape, valid from 3030 to 9090 angstrom (1.1 to 3.3 per micron).
    Returns float32 of the same shape: 1.00 at 5495 angstrom (V), 1.32 at 4405 angstrom (B) for
    R_V = 3.1 (so A_B - A_V = E(B-V)).
    """
    y = 1e4 / jnp.asarray(wavelength, jnp.float32) - 1.82
    a = 1.0 + y * (0.17699 + y * (-0.50447 + y * (-0.02427 + y * (0.72085 + y * (0.01979 + y * (-0.77530
                                                                                                 + y * 0.32999))))))
    b = y * (1.41338 + y * (2.28305 + y * (1.07233 + y * (-5.38434 + y * (-0.62251 + y * (5.30260
                                                                                         + y * -2.09002))))))
    return a + b / r_v


@jax.jit
def zeeman_transmission(wavelength, field_gauss=0.0, temperature=REFERENCE_TEMPERATURE, gravity=1.0):
    """Fraction of the continuum left by the Balmer lines, each split into a Zeeman triplet by the field.

    The line of `spectra.BALMER_LINES` with rest wavelength c, from upper level u, gets the depth
    d = depth * line_strength(T)[0] * gravity**(-(u - 3) / 2) and the half width
    w = half_width * line_strength(T)[1] * gravity, and transmits
        1 - (d / 3) * sum over c' in (c - s, c, c + s) of 1 / (1 + ((lambda - c') / w)**2),
    s = `zeeman_shift(c, field_gauss)`; the five lines multiply. With field_gauss = 0 and the
    defaults (15 000 K, gravity 1) this is `spectra.balmer_transmission`.
    wavelength [angstrom], field_gauss [gauss], temperature [K], gravity (the factor gamma of the
    module docstring): any shapes that broadcast together, e.g. (L,) with (n, 1).
    Returns float32 of the broadcast shape, in (0, 1] (no line deeper than 0.65 for T and gravity
    in the sample's ranges).
    """
    wavelength = jnp.asarray(wavelength, jnp.float32)
    field = jnp.asarray(field_gauss, jnp.float32)
    gravity = jnp.asarray(gravity, jnp.float32)
    depth_factor, width_factor = line_strength(temperature)
    transmission = jnp.ones(jnp.broadcast_shapes(wavelength.shape, field.shape, depth_factor.shape,
                                                 gravity.shape), jnp.float32)
    for name, (centre, depth, half_width) in BALMER_LINES.items():
        d = depth * depth_factor * gravity ** (-DISSOLUTION * (UPPER_LEVEL[name] - 3))
        w = half_width * width_factor * gravity
        shift = zeeman_shift(centre, field)
        profile = sum(1.0 / (1.0 + ((wavelength - (centre + k * shift)) / w) ** 2) for k in (-1.0, 0.0, 1.0))
        transmission = transmission * (1.0 - d / 3.0 * profile)
    return transmission


def magnetic_count(n: int, magnetic_fraction: float) -> int:
    """Number of magnetic stars among n with exact counts: Python's round(magnetic_fraction * n)
    (halves to even: 0.05 * 10 gives 0, 0.05 * 30 gives 2)."""
    if not 0.0 <= magnetic_fraction <= 1.0:
        raise ValueError(f"magnetic_fraction must be in [0, 1], not {magnetic_fraction}")
    return int(round(magnetic_fraction * n))


def white_dwarf_sample(key, n: int = 300, n_pixels: int = 400,
                       wavelength_range: tuple[float, float] = (3800.0, 7000.0),
                       magnetic_fraction: float = 0.05, noise: float = 0.02, exact_counts: bool = True,
                       *, field_range_mg: tuple[float, float] = FIELD_RANGE_MG, return_truth: bool = False):
    """n noisy spectra of DA white dwarfs, some of them magnetic (distributions in the module docstring).

    key: a PRNG key; the result is a pure function of it and the arguments (a subkey for which
      stars are magnetic, one for each property, one for the noise): with return_truth the
      noise-free spectra are those of the same stars, whatever `noise` is.
    n: number of stars; n_pixels: pixels evenly spaced over wavelength_range, (blue, red) limits
      [angstrom], within 3030 to 9090 angstrom (the extinction law's range);
    magnetic_fraction: share of magnetic stars;
    noise: standard deviation of the Gaussian noise, in units of the star's mean noise-free flux
      (so of the spectrum divided by its mean flux);
    exact_counts: True: exactly `magnetic_count(n, magnetic_fraction)` magnetic stars, in random
      order; False: each star magnetic with probability magnetic_fraction, independently;
    field_range_mg: (low, high) of the log-uniform field of a magnetic star [MG];
    return_truth: also return the dict `truth` (below), to compare denoised spectra with.

    Returns (wavelength, flux, is_magnetic, field_mg), and with return_truth
    (wavelength, flux, is_magnetic, field_mg, truth):
      wavelength   float32 (n_pixels,) [angstrom];
      flux         float32 (n, n_pixels) [arbitrary units]: continuum times line transmission, plus noise;
      is_magnetic  bool (n,);
      field_mg     float32 (n,) [MG], 0 for the non-magnetic stars;
      truth        dict of float32 arrays: "flux" (n, n_pixels) the noise-free spectra; "continuum"
                   (n, n_pixels) the reddened blackbody without lines; "temperature" (n,) [K];
                   "gravity" (n,) the factor gamma; "reddening" (n,) E(B-V) [mag]; "scale" (n,) the
                   continuum at 5500 angstrom; "noise_sigma" (n,) the noise's standard deviation
                   [flux units].
    """
    count = magnetic_count(n, magnetic_fraction)
    low, high = field_range_mg
    if not 0.0 < low <= high:
        raise ValueError(f"field_range_mg must be (low, high) with 0 < low <= high, not {field_range_mg}")
    blue, red = wavelength_range
    if not 3030.0 <= blue < red <= 9090.0:
        raise ValueError(f"wavelength_range must lie within (3030, 9090) angstrom, not {wavelength_range}")
    wavelength, flux, is_magnetic, field_mg, truth = _sample(
        key, n, n_pixels, bool(exact_counts), jnp.asarray(wavelength_range, jnp.float32),
        jnp.float32(magnetic_fraction), count, jnp.float32(noise), jnp.asarray(field_range_mg, jnp.float32))
    if return_truth:
        return wavelength, flux, is_magnetic, field_mg, truth
    return wavelength, flux, is_magnetic, field_mg


@functools.partial(jax.jit, static_argnames=("n", "n_pixels"))
def _sample(key, n, n_pixels, exact_counts, wavelength_range, magnetic_fraction, count, noise, field_range_mg):
    names = ("magnetic", "temperature", "gravity", "reddening", "scale", "field", "noise")
    keys = dict(zip(names, jax.random.split(key, len(names))))

    def uniform(name, low, high):
        return jax.random.uniform(keys[name], (n,), jnp.float32, low, high)

    def log_uniform(name, low, high):
        return jnp.exp(uniform(name, jnp.log(low), jnp.log(high)))

    exact = jax.random.permutation(keys["magnetic"], jnp.arange(n) < count)  # both drawn: one compilation
    independent = jax.random.uniform(keys["magnetic"], (n,)) < magnetic_fraction
    is_magnetic = jnp.where(exact_counts, exact, independent)
    temperature = log_uniform("temperature", *TEMPERATURE_RANGE)
    gravity = log_uniform("gravity", *GRAVITY_RANGE)
    reddening = uniform("reddening", *REDDENING_RANGE)
    scale = log_uniform("scale", *SCALE_RANGE)
    field_mg = jnp.where(is_magnetic, log_uniform("field", field_range_mg[0], field_range_mg[1]), 0.0)

    wavelength = jnp.linspace(wavelength_range[0], wavelength_range[1], n_pixels, dtype=jnp.float32)
    t = temperature[:, None]
    extinction = R_V * reddening[:, None] * (extinction_curve(wavelength) - extinction_curve(REFERENCE_WAVELENGTH))
    continuum = (scale[:, None] * 10.0 ** (-0.4 * extinction)
                 * blackbody_shape(wavelength, t) / blackbody_shape(REFERENCE_WAVELENGTH, t))
    clean = continuum * zeeman_transmission(wavelength, 1e6 * field_mg[:, None], t, gravity[:, None])
    sigma = noise * jnp.mean(clean, axis=1)
    flux = clean + sigma[:, None] * jax.random.normal(keys["noise"], clean.shape, jnp.float32)
    truth = {"flux": clean, "continuum": continuum, "temperature": temperature, "gravity": gravity,
             "reddening": reddening, "scale": scale, "noise_sigma": sigma}
    truth = {k: v.astype(jnp.float32) for k, v in truth.items()}
    return wavelength, flux.astype(jnp.float32), is_magnetic, field_mg.astype(jnp.float32), truth
