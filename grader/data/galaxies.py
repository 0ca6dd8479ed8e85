"""Small images of galaxies, smooth (elliptical) or disc, seen through a PSF with sky noise.

A stand-in for the Galaxy10 SDSS cut-outs of the machine-learning session: a small
convolutional network learns to tell disc galaxies from smooth ones.

A galaxy is a bulge plus a disc, each with a Sersic profile: the surface brightness falls with
the elliptical radius r as

    I(r) = I_e * exp(-b_n * ((r / r_e) ** (1 / n) - 1)),   r**2 = x'**2 + (y' / q)**2,

where x' and y' are along the major and minor axis, q = b/a is the axis ratio, r_e the
effective (half-light) radius along the major axis, and b_n makes half of the light fall inside
r_e (b_1 = 1.67835, b_4 = 7.66925). The bulge is a de Vaucouleurs profile (n = 4), steep in the
centre with extended wings; the disc is exponential (n = 1), with a scale length r_e / b_1.

- Smooth galaxies (label 0) are all bulge: nearly round (q uniform in [0.6, 1]), r_e
  log-uniform in [1.5, 5] pixels.
- Disc galaxies (label 1): an exponential disc, r_e log-uniform in [2.5, 7] pixels, seen at a
  random inclination i (cos i uniform in [0, 1]: orientations isotropic), so that a disc of
  intrinsic thickness q0 = 0.15 has the apparent axis ratio (Hubble 1926)

      q = sqrt(cos(i)**2 * (1 - q0**2) + q0**2)              (`disc_axis_ratio`);

  plus a small bulge (5% to 30% of the light, r_e 15% to 30% of the disc's, an oblate spheroid
  of intrinsic axis ratio 0.6 at the same inclination), and two logarithmic spiral arms (pitch
  angle 10 to 30 degrees) that modulate the disc's light by up to +-`spiral_arms` *
  cos(i)**2 in the plane of the disc: strong face on, gone edge on.

Every galaxy has a random position angle; its centre is moved by up to one pixel in x and y
from the centre of the image; its total flux is log-uniform over `flux_range`.

How hard the default images are: a small CNN (3x3 convolutions of 8 and 16 channels, each
followed by ReLU and 2x2 max pooling, a dense layer of 32, one logit) trained with Adam for 8
epochs on 1500 images, divided by 10, reaches 92% to 95% accuracy on 1000 others; a logistic
regression on two image statistics (the share of the light within 2 pixels of the centre, the
axis ratio from the second moments) about 87%; a threshold on the central pixels about 55%.

Rendering: each profile is a mixture of concentric Gaussians with the profile's axis ratio
(`EXPONENTIAL_MIXTURE`, `DE_VAUCOULEURS_MIXTURE`, fitted like Hogg & Lang 2013, PASP 125, 719),
so the convolution with the circular Gaussian PSF is exact (the variances add) and the cusp of a
compact bulge costs nothing. Integration over a pixel is approximated by adding its variance,
1/12 pixel**2, to each Gaussian: accurate to about 1% when the PSF's FWHM is at least 1.5
pixels (hence `MIN_PSF_FWHM`). The spiral arms, which are not Gaussian, are drawn on the pixels
and blurred by the pixel-integrated PSF as a separable matrix. Finally Gaussian sky noise of
standard deviation `noise` is added to every pixel.

Units: lengths in pixels, angles in radians, fluxes in arbitrary linear units (counts); a pixel
holds the light falling on it, so an image sums to the total flux of its galaxy, less the light
beyond its edges, plus noise. Pixel (row j, column i) is centred at y = j, x = i; position angles
are measured from the +x axis (along a row) towards +y. Images are NHWC: (n, size, size, 1),
float32. Every function is a pure function of its arguments: the same key gives the same images.
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
from jax.scipy.special import ndtr

SMOOTH, DISC = 0, 1
LABEL_NAMES = ("smooth", "disc")

SERSIC_B = {1: 1.6783470, 4: 7.6692494}  # b_n: P(2n, b_n) = 1/2 (the incomplete gamma function)
DISC_THICKNESS = 0.15    # intrinsic axis ratio q0 of a disc (thickness / diameter)
BULGE_THICKNESS = 0.6    # intrinsic axis ratio of a bulge (an oblate spheroid)
MIN_PSF_FWHM = 1.5       # [pixels] below this, adding 1/12 pixel**2 is no longer a pixel's integral
PIXEL_VARIANCE = 1.0 / 12.0  # [pixels**2] variance of the light spread uniformly over a pixel
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
_BATCH = 256             # galaxies rendered at once (bounds the memory of the intermediate arrays)

# A Sersic profile of unit flux and r_e = 1 as sum_k amplitude_k * N(0, variance_k * diag(1, q**2)):
# amplitudes and variances (in units of r_e**2) fitted by least squares to the circular profile
# (residuals weighted by area) out to 8 r_e, with the amplitudes summing to 1. The light inside
# a radius r is within 3e-4 of the exponential's at every r, and within 0.014 of the
# de Vaucouleurs profile's for r < 6 r_e (0.501 inside r_e).
EXPONENTIAL_MIXTURE = (
    (6.839625e-05, 8.977752e-04, 6.449701e-03, 3.271833e-02,
     1.221810e-01, 3.066382e-01, 3.943201e-01, 1.367264e-01),
    (5.938095e-04, 4.367015e-03, 1.911293e-02, 6.525558e-02,
     1.910622e-01, 5.029673e-01, 1.228506e+00, 2.902648e+00),
)
DE_VAUCOULEURS_MIXTURE = (
    (3.796999e-05, 3.436592e-04, 1.836445e-03, 7.210965e-03, 2.259705e-02,
     5.846626e-02, 1.257843e-01, 2.209347e-01, 2.982595e-01, 2.645281e-01),
    (4.352492e-07, 6.446966e-06, 5.380982e-05, 3.432111e-04, 1.889001e-03,
     9.629063e-03, 4.805080e-02, 2.496741e-01, 1.497354e+00, 1.440007e+01),
)

PARAMETERS = ("flux", "x", "y", "position_angle", "bulge_fraction", "bulge_r_eff", "bulge_axis_ratio",
              "disc_r_eff", "disc_axis_ratio", "arm_amplitude", "arm_pitch", "arm_phase")


def disc_axis_ratio(inclination, thickness: float = DISC_THICKNESS):
    """Apparent axis ratio b/a of an oblate disc of intrinsic axis ratio `thickness` seen at `inclination`.

    inclination: radians, 0 face on, pi/2 edge on; any shape. Returns
    sqrt(cos(i)**2 * (1 - thickness**2) + thickness**2), float32, same shape (1 face on,
    `thickness` edge on).
    """
    cos_i = jnp.cos(jnp.asarray(inclination, jnp.float32))
    return jnp.sqrt(cos_i ** 2 * (1.0 - thickness ** 2) + thickness ** 2)


def _mixture(mixture):
    amplitudes, variances = (jnp.asarray(a, jnp.float32) for a in mixture)
    return amplitudes / jnp.sum(amplitudes), variances


def _gaussians(xx, yy, p, flux, r_eff, q, mixture, extra_variance):
    """Light per pixel of a mixture of concentric elliptical Gaussians (major axis along the position angle).

    xx, yy: offsets of the pixel centres from the galaxy's centre [pixels]; extra_variance: the
    PSF's and the pixel's [pixels**2], added to both axes.
    """
    amplitudes, variances = _mixture(mixture)
    c, s = jnp.cos(p["position_angle"]), jnp.sin(p["position_angle"])
    major = variances * r_eff ** 2               # (K,) variance along the major axis
    minor = major * q ** 2
    cxx = major * c ** 2 + minor * s ** 2 + extra_variance
    cyy = major * s ** 2 + minor * c ** 2 + extra_variance
    cxy = (major - minor) * c * s
    det = cxx * cyy - cxy ** 2
    quad = (cyy[:, None, None] * xx ** 2 - 2.0 * cxy[:, None, None] * xx * yy
            + cxx[:, None, None] * yy ** 2) / det[:, None, None]
    norm = flux * amplitudes / (2.0 * math.pi * jnp.sqrt(det))
    return jnp.sum(norm[:, None, None] * jnp.exp(-0.5 * quad), axis=0)


def _psf_matrix(size: int, sigma):
    """(size, size) matrix M: M[j, i] is the fraction of the light at pixel centre i that a Gaussian PSF
    of standard deviation sigma puts into pixel j, Phi((j - i + 1/2) / sigma) - Phi((j - i - 1/2) / sigma).
    A column sums to 1 except for light spread beyond the edges; blurring is M @ image @ M.T."""
    d = jnp.arange(size, dtype=jnp.float32)[:, None] - jnp.arange(size, dtype=jnp.float32)[None, :]
    return ndtr((d + 0.5) / sigma) - ndtr((d - 0.5) / sigma)


def _render_one(p, size: int, sigma, psf):
    """One noise-free galaxy, (size, size) [counts per pixel]; psf is `_psf_matrix(size, sigma)`."""
    grid = jnp.arange(size, dtype=jnp.float32)
    xx, yy = grid[None, :] - p["x"], grid[:, None] - p["y"]
    extra = sigma ** 2 + PIXEL_VARIANCE
    bulge = _gaussians(xx, yy, p, p["flux"] * p["bulge_fraction"], p["bulge_r_eff"], p["bulge_axis_ratio"],
                       DE_VAUCOULEURS_MIXTURE, extra)
    disc_flux = p["flux"] * (1.0 - p["bulge_fraction"])
    disc = _gaussians(xx, yy, p, disc_flux, p["disc_r_eff"], p["disc_axis_ratio"], EXPONENTIAL_MIXTURE, extra)
    # Spiral arms: the disc's light before the PSF, modulated by cos(2 (phi - ln(r / r_e) / tan(pitch)))
    # in the plane of the disc (phi, r there), faded out towards the centre; then blurred.
    c, s = jnp.cos(p["position_angle"]), jnp.sin(p["position_angle"])
    major = xx * c + yy * s
    minor = (-xx * s + yy * c) / p["disc_axis_ratio"]
    r = jnp.sqrt(major ** 2 + minor ** 2) / p["disc_r_eff"]
    b1 = SERSIC_B[1]
    surface = disc_flux * b1 ** 2 / (2.0 * math.pi * p["disc_axis_ratio"] * p["disc_r_eff"] ** 2) * jnp.exp(-b1 * r)
    phase = 2.0 * (jnp.arctan2(minor, major) - jnp.log(r + 1e-3) / jnp.tan(p["arm_pitch"])) + p["arm_phase"]
    arms = p["arm_amplitude"] * (1.0 - jnp.exp(-4.0 * r ** 2)) * jnp.cos(phase) * surface
    return bulge + disc + psf @ arms @ psf.T


@functools.partial(jax.jit, static_argnames=("size",))
def _render(params, size: int, psf_fwhm):
    defaults = {"bulge_fraction": 0.0, "bulge_r_eff": 1.0, "bulge_axis_ratio": 1.0, "disc_r_eff": 1.0,
                "disc_axis_ratio": 1.0, "arm_amplitude": 0.0, "arm_pitch": 0.3, "arm_phase": 0.0}
    params = {**defaults, **params}
    n = max(jnp.size(v) for v in params.values())
    params = {k: jnp.broadcast_to(jnp.asarray(v, jnp.float32), (n,)) for k, v in params.items()}
    sigma = jnp.asarray(psf_fwhm, jnp.float32) / _FWHM_PER_SIGMA
    psf = _psf_matrix(size, sigma)
    images = jax.lax.map(lambda p: _render_one(p, size, sigma, psf), params, batch_size=min(n, _BATCH))
    return images[..., None].astype(jnp.float32)


def render_galaxies(params, size: int = 32, psf_fwhm: float = 2.0):
    """Noise-free images of bulge-plus-disc galaxies of given parameters, seen through a Gaussian PSF.

    params: a dict of float arrays of shape (n,), or scalars (n = 1), with the keys of `PARAMETERS`:
      flux [counts, the galaxy's total light], x, y [pixels, its centre; (size - 1) / 2 is the
      centre of the image], position_angle [radians, of the major axis, from +x towards +y],
      bulge_fraction [bulge / total light; 1 for a smooth galaxy], bulge_r_eff [pixels],
      bulge_axis_ratio, disc_r_eff [pixels], disc_axis_ratio, arm_amplitude [fractional
      modulation of the disc, < 1], arm_pitch [radians], arm_phase [radians]. Missing keys after
      flux, x, y and position_angle mean a pure disc (bulge_fraction 0) without arms.
    size: images are size x size pixels.
    psf_fwhm: full width at half maximum of the Gaussian PSF [pixels], at least `MIN_PSF_FWHM`.
    Returns images, float32 of shape (n, size, size, 1) [counts per pixel].
    """
    if not psf_fwhm >= MIN_PSF_FWHM:
        raise ValueError(f"psf_fwhm must be at least {MIN_PSF_FWHM} pixels, not {psf_fwhm}")
    unknown, missing = set(params) - set(PARAMETERS), set(PARAMETERS[:4]) - set(params)
    if unknown or missing:
        raise ValueError(f"unknown galaxy parameters {sorted(unknown)} or missing {sorted(missing)}; "
                         f"the parameters are {PARAMETERS}, the first four required")
    return _render(params, size, psf_fwhm)


@functools.partial(jax.jit, static_argnames=("n", "size"))
def galaxy_parameters(key, n: int, size: int = 32, disc_fraction: float = 0.5,
                      flux_range: tuple[float, float] = (300.0, 3000.0), spiral_arms: float = 0.5):
    """Random parameters of n galaxies, smooth or disc (distributions in the module docstring).

    key: a PRNG key; every parameter is drawn from its own subkey.
    n: number of galaxies; size: side of the images [pixels] (sets their centre);
    disc_fraction: probability that a galaxy is a disc; flux_range: (low, high) of the
    log-uniform total flux [counts]; spiral_arms: largest fractional amplitude of the arms of
    a face-on disc (0 for none).
    Returns (params, inclination, labels): params a dict of float32 arrays of shape (n,), the
    keys of `PARAMETERS` (for `render_galaxies`); inclination float32 (n,) [radians, 0 face on;
    0 for smooth galaxies]; labels int32 (n,), 0 = smooth, 1 = disc.
    """
    names = ("class", "flux", "x", "y", "position_angle", "smooth_q", "smooth_r", "cos_i",
             "disc_r", "bulge_fraction", "bulge_r", "arm_amplitude", "arm_pitch", "arm_phase")
    keys = dict(zip(names, jax.random.split(key, len(names))))

    def uniform(name, low, high):
        return jax.random.uniform(keys[name], (n,), jnp.float32, low, high)

    def log_uniform(name, low, high):
        return jnp.exp(uniform(name, jnp.log(low), jnp.log(high)))

    is_disc = jax.random.uniform(keys["class"], (n,)) < disc_fraction
    cos_i = uniform("cos_i", 0.0, 1.0)
    inclination = jnp.arccos(cos_i)
    disc_r = log_uniform("disc_r", 2.5, 7.0)
    ones = jnp.ones((n,), jnp.float32)
    params = {
        "flux": log_uniform("flux", *flux_range),
        "x": (size - 1) / 2.0 + uniform("x", -1.0, 1.0),
        "y": (size - 1) / 2.0 + uniform("y", -1.0, 1.0),
        "position_angle": uniform("position_angle", 0.0, math.pi),
        "bulge_fraction": jnp.where(is_disc, uniform("bulge_fraction", 0.05, 0.3), 1.0),
        "bulge_r_eff": jnp.where(is_disc, disc_r * uniform("bulge_r", 0.15, 0.3), log_uniform("smooth_r", 1.5, 5.0)),
        "bulge_axis_ratio": jnp.where(is_disc, disc_axis_ratio(inclination, BULGE_THICKNESS),
                                      uniform("smooth_q", 0.6, 1.0)),
        "disc_r_eff": jnp.where(is_disc, disc_r, ones),
        "disc_axis_ratio": jnp.where(is_disc, disc_axis_ratio(inclination), ones),
        "arm_amplitude": jnp.where(is_disc, spiral_arms * uniform("arm_amplitude", 0.5, 1.0) * cos_i ** 2, 0.0),
        "arm_pitch": uniform("arm_pitch", math.radians(10.0), math.radians(30.0)),
        "arm_phase": uniform("arm_phase", 0.0, 2.0 * math.pi),
    }
    return params, jnp.where(is_disc, inclination, 0.0), is_disc.astype(jnp.int32)


def galaxy_images(key, n: int = 1000, size: int = 32, disc_fraction: float = 0.5,
                  psf_fwhm: float = 2.0, noise: float = 1.0,
                  flux_range: tuple[float, float] = (300.0, 3000.0), spiral_arms: float = 0.5):
    """n noisy images of smooth (label 0) and disc (label 1) galaxies, NHWC.

    key: a PRNG key; the result is a pure function of it (one subkey for the galaxies'
      parameters, one for the noise).
    n: number of images; size: images are size x size pixels;
    disc_fraction: probability that a galaxy is a disc (each galaxy drawn independently);
    psf_fwhm: full width at half maximum of the Gaussian PSF [pixels], at least `MIN_PSF_FWHM`;
    noise: standard deviation of the Gaussian sky noise in a pixel [counts] (0 for none);
    flux_range: (low, high) of the log-uniform total flux of a galaxy [counts];
    spiral_arms: largest fractional amplitude of the spiral arms of a face-on disc (0 for none).

    Returns (images, labels):
      images  float32 (n, size, size, 1) [counts per pixel]: the galaxy's light blurred by the PSF
              and integrated over the pixels, plus noise (about zero far from the galaxy);
      labels  int32 (n,): 0 = smooth, 1 = disc.
    """
    if not psf_fwhm >= MIN_PSF_FWHM:
        raise ValueError(f"psf_fwhm must be at least {MIN_PSF_FWHM} pixels, not {psf_fwhm}")
    return _galaxy_images(key, n, size, disc_fraction, psf_fwhm, noise, flux_range, spiral_arms)


@functools.partial(jax.jit, static_argnames=("n", "size"))
def _galaxy_images(key, n, size, disc_fraction, psf_fwhm, noise, flux_range, spiral_arms):
    key_params, key_noise = jax.random.split(key)
    params, _, labels = galaxy_parameters(key_params, n, size, disc_fraction, flux_range, spiral_arms)
    images = _render(params, size, psf_fwhm)
    images = images + noise * jax.random.normal(key_noise, images.shape, jnp.float32)
    return images.astype(jnp.float32), labels
