"""s3_unsupervised_spectra, instructor-only half: never shipped, never readable by graded code.

The hidden-case generators, the hidden checks, the public cases of the functions whose inputs are a
fitted PCA, and the corpus of known mistakes and correct alternatives of each exercise of
`grader/exercises/s3_unsupervised_spectra.py` (the public half). Loaded by path by
`grader.exercises.load("s3_unsupervised_spectra", instructor=True)`; the hidden reference data drawn
from these generators lives in instructor/reference/s3_unsupervised_spectra/.

The workshop's own session-3 notebook carries two of the mistakes below: a boxcar smoothing by
`np.convolve(..., mode="same")`, whose edges are averaged with zeros (boxcar_smooth,
zero_padded_edges), and a resampling by `np.interp`, which silently repeats the first and last flux
for wavelengths outside the original grid (resample, clamped_wavelengths).
"""
from __future__ import annotations

import numpy as np

from grader.checks import invariances, mutation, presets, reconstruction
from grader.exercises.s3_unsupervised_spectra import (F32, N_COMPONENTS, kmeans_checks, pca_values,
                                                      ranks_magnetic_first, spectra)
from grader.exercises.spec import Case, Instructor, Key, Snippet

# Noisy spectra rebuilt from their first 4 components are this much closer (in mean squared difference)
# to the noise-free ones than the noisy spectra are, at most. Measured with a float64 PCA on the shapes of
# the cases: the first 60 stars and 150 pixels of spectra(seed, 300, 200), seeds 2000-2029, ratios 0.16 to
# 0.41 (mean 0.25); its first 80 stars, 0.13 to 0.32 (mean 0.22); spectra(seed, 40, 120), seeds 0-4, 0.25
# to 0.32. With 3 components on 50 stars the ratio reached 0.82 (the temperature needs a fourth), hence 4.
DENOISE_RATIO = 0.6


def _seed(rng) -> int:
    return int(rng.integers(2**31))


def _sample(rng, n: int = 300, n_pixels: int = 200) -> dict[str, np.ndarray]:
    """A hidden sample (the shapes of the anomaly case, so that one compilation serves most cases)."""
    return spectra(_seed(rng), n, n_pixels)


def _fit(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, components (k, L)) of x by a float64 SVD, as float32: the inputs of transform and reconstruct."""
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return mean.astype(F32), vt[:k].astype(F32)


def _grid(start: float, n: int, step: float = 8.0) -> np.ndarray:
    """n wavelengths from `start` every `step` angstrom: integers, exact in float32."""
    return (start + step * np.arange(n)).astype(F32)


# --- boxcar_smooth ------------------------------------------------------------------------------

def _boxcar_hidden(rng):
    flux = _sample(rng)["flux"]
    return [Case((flux[0, :57], 7)), Case((flux[:6], 9)), Case((flux[6:11, :40], 3))]


def _constant(args):
    flux, width = args
    return (np.full_like(flux, 2.5), width)


BOXCAR_SMOOTH = Instructor(
    hidden_cases=_boxcar_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged(readonly=True),
                   invariances.invariant(_constant, expected=lambda first, args: np.full_like(args[0], 2.5),
                                         name="flat_stays_flat", hint="zero_padded_edges",
                                         describe="a flat spectrum stays flat, edges included")),
    mistakes=[
        Snippet("""
def boxcar_smooth(flux, width):
    smooth = lambda f: jnp.convolve(f, jnp.ones(width) / width, mode="same")
    return jnp.vectorize(smooth, signature="(l)->(l)")(flux)
""", "zero_padded_edges", "the workshop's bug: jnp.convolve(mode='same') divided by width, zeros beyond the edges"),
        Snippet("""
def boxcar_smooth(flux, width):
    flux = np.asarray(flux)
    rows = [np.convolve(f, np.ones(width) / width, mode="same") for f in flux.reshape(-1, flux.shape[-1])]
    return np.array(rows, dtype=np.float32).reshape(flux.shape)
""", "zero_padded_edges", "the workshop's bug with numpy: np.convolve(mode='same')"),
        Snippet("""
def boxcar_smooth(flux, width):
    smooth = lambda f: jnp.convolve(f, jnp.ones(width) / width, mode="valid")
    return jnp.vectorize(smooth, signature="(l)->(m)")(flux)
""", "smoothing_shrinks", "mode='valid': width - 1 pixels fewer"),
        Snippet("""
def boxcar_smooth(flux, width):
    kernel = jnp.ones(width - 1)
    counts = jnp.convolve(jnp.ones(flux.shape[-1]), kernel, mode="same")
    smooth = lambda f: jnp.convolve(f, kernel, mode="same") / counts
    return jnp.vectorize(smooth, signature="(l)->(l)")(flux)
""", "off_by_one", "a window of width - 1 pixels"),
        Snippet("""
def boxcar_smooth(flux, width):
    kernel = jnp.ones(width)
    def smooth(f):
        return jnp.convolve(f, kernel, mode="same") / jnp.convolve(jnp.ones_like(f), kernel, mode="same")
    return jnp.apply_along_axis(smooth, 0, flux)
""", "wrong_axis", "smoothed along axis 0 (across the stars) for 2-D input"),
        Snippet("""
def boxcar_smooth(flux, width):
    out = jnp.zeros_like(flux)
    half = width // 2
    for i in range(flux.shape[-1]):
        out[..., i] = jnp.mean(flux[..., max(0, i - half):i + half + 1], axis=-1)
    return out
""", "in_place_mutation", "out[..., i] = ... on a JAX array"),
    ],
    alternatives=[
        Snippet("""
def boxcar_smooth(flux, width):
    half, n = width // 2, flux.shape[-1]
    zero = jnp.zeros(flux.shape[:-1] + (1,), flux.dtype)
    c = jnp.concatenate([zero, jnp.cumsum(flux, axis=-1)], axis=-1)
    i = jnp.arange(n)
    lo, hi = jnp.clip(i - half, 0, n), jnp.clip(i + half + 1, 0, n)
    return (c[..., hi] - c[..., lo]) / (hi - lo)
""", note="cumulative sums, window clipped at the edges"),
        Snippet("""
def boxcar_smooth(flux, width):
    ones = (1,) * (flux.ndim - 1)
    window, strides = ones + (width,), ones + (1,)
    padding = [(0, 0)] * (flux.ndim - 1) + [(width // 2, width // 2)]
    add = lambda x: jax.lax.reduce_window(x, 0.0, jax.lax.add, window, strides, padding)
    return add(flux) / add(jnp.ones_like(flux))
""", note="lax.reduce_window of the flux and of ones"),
        Snippet("""
def boxcar_smooth(flux, width):
    i = jnp.arange(flux.shape[-1])
    window = (jnp.abs(i[:, None] - i[None, :]) <= width // 2).astype(flux.dtype)
    return (flux @ window) / window.sum(axis=0)
""", note="a band matrix of the windows"),
    ],
)


# --- resample -----------------------------------------------------------------------------------

def _resample_hidden(rng):
    s = _sample(rng)
    wavelength, flux = s["wavelength"], s["flux"]
    new = np.sort(rng.uniform(3700.0, 7100.0, size=60)).astype(F32)
    new[[5, 40]] = wavelength[0], wavelength[-1]          # the ends of the range: inside
    new = np.sort(new)
    short = _grid(4000.0, 50)
    between = np.sort(np.concatenate([rng.uniform(3950.0, 4450.0, size=30), short[[0, -1]]])).astype(F32)
    return [Case((wavelength, flux[:5], new)), Case((short, flux[7, :50], between))]


RESAMPLE = Instructor(
    hidden_cases=_resample_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def resample(wavelength, flux, new_wavelength):
    one = lambda f: jnp.interp(new_wavelength, wavelength, f)
    return jnp.vectorize(one, signature="(l)->(m)")(flux)
""", "clamped_wavelengths", "the workshop's bug: jnp.interp without NaN outside the range"),
        Snippet("""
def resample(wavelength, flux, new_wavelength):
    flux = np.asarray(flux)
    rows = [np.interp(new_wavelength, wavelength, f) for f in flux.reshape(-1, flux.shape[-1])]
    return np.array(rows, dtype=np.float32).reshape(flux.shape[:-1] + (len(new_wavelength),))
""", "clamped_wavelengths", "the workshop's bug with numpy: np.interp"),
        Snippet("""
def resample(wavelength, flux, new_wavelength):
    one = lambda f: jnp.interp(new_wavelength, wavelength, f, left=0.0, right=0.0)
    return jnp.vectorize(one, signature="(l)->(m)")(flux)
""", "outside_not_nan", "zeros outside the range"),
        Snippet("""
def resample(wavelength, flux, new_wavelength):
    i = jnp.clip(jnp.searchsorted(wavelength, new_wavelength), 0, wavelength.shape[0] - 1)
    inside = (new_wavelength >= wavelength[0]) & (new_wavelength <= wavelength[-1])
    return jnp.where(inside, flux[..., i], jnp.nan)
""", "nearest_not_linear", "the flux of the next pixel (searchsorted), not interpolated"),
        Snippet("""
def resample(wavelength, flux, new_wavelength):
    inside = (new_wavelength > wavelength[0]) & (new_wavelength < wavelength[-1])
    one = lambda f: jnp.where(inside, jnp.interp(new_wavelength, wavelength, f), jnp.nan)
    return jnp.vectorize(one, signature="(l)->(m)")(flux)
""", "range_ends_excluded", "strict comparisons: NaN at the first and last wavelength"),
    ],
    alternatives=[
        Snippet("""
def resample(wavelength, flux, new_wavelength):
    one = lambda f: jnp.interp(new_wavelength, wavelength, f, left=jnp.nan, right=jnp.nan)
    return one(flux) if flux.ndim == 1 else jax.vmap(one)(flux)
""", note="jnp.interp with left=right=NaN, vmap over the spectra"),
        Snippet("""
def resample(wavelength, flux, new_wavelength):
    i = jnp.clip(jnp.searchsorted(wavelength, new_wavelength), 1, wavelength.shape[0] - 1)
    x0, x1 = wavelength[i - 1], wavelength[i]
    t = (new_wavelength - x0) / (x1 - x0)
    out = flux[..., i - 1] * (1 - t) + flux[..., i] * t
    inside = (new_wavelength >= wavelength[0]) & (new_wavelength <= wavelength[-1])
    return jnp.where(inside, out, jnp.nan)
""", note="the two neighbours by searchsorted, weights by hand"),
    ],
)


# --- normalise_at -------------------------------------------------------------------------------

def _normalise_hidden(rng):
    flux = _sample(rng)["flux"]
    grid = _grid(3900.0, 120)
    return [Case((grid, flux[:8, :120], 4300.0, 40.0)),        # 4260 and 4340 are pixels: the window's ends
            Case((grid, flux[9, :120], 4652.0, 24.0)),
            Case((_grid(6000.0, 60, 4.0), flux[10:13, 100:160] * F32(3.0), 6100.0, 10.0))]


NORMALISE_AT = Instructor(
    hidden_cases=_normalise_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def normalise_at(wavelength, flux, w0, half_width):
    return flux / jnp.mean(flux, axis=-1, keepdims=True)
""", "normalised_whole_spectrum", "divided by the mean of the whole spectrum"),
        Snippet("""
def normalise_at(wavelength, flux, w0, half_width):
    inside = jnp.abs(wavelength - w0) <= half_width
    return flux / jnp.mean(flux[..., inside])
""", "wrong_axis", "one mean over the windows of all the spectra"),
        Snippet("""
def normalise_at(wavelength, flux, w0, half_width):
    inside = jnp.abs(wavelength - w0) <= half_width
    return flux / jnp.max(jnp.where(inside, flux, -jnp.inf), axis=-1, keepdims=True)
""", "normalised_by_max", "divided by the largest flux in the window"),
        Snippet("""
def normalise_at(wavelength, flux, w0, half_width):
    inside = jnp.abs(wavelength - w0) < half_width
    mean = jnp.sum(jnp.where(inside, flux, 0.0), axis=-1, keepdims=True) / jnp.sum(inside)
    return flux / mean
""", "off_by_one", "a window open at its ends (< instead of <=)"),
        Snippet("""
def normalise_at(wavelength, flux, w0, half_width):
    inside = (wavelength >= w0 - half_width) & (wavelength <= w0 + half_width)
    return flux / jnp.mean(flux[..., inside], axis=-1, keepdims=True)
""", "not_jittable", "boolean-mask indexing: right values, but the shape depends on values under jit"),
    ],
    alternatives=[
        Snippet("""
def normalise_at(wavelength, flux, w0, half_width):
    inside = (wavelength >= w0 - half_width) & (wavelength <= w0 + half_width)
    return flux / jnp.average(flux, axis=-1, weights=inside.astype(flux.dtype), keepdims=True)
""", note="jnp.average with the window as weights"),
        Snippet("""
def normalise_at(wavelength, flux, w0, half_width):
    window = (jnp.abs(wavelength - w0) <= half_width).astype(flux.dtype)
    return flux / (flux @ window / window.sum())[..., None]
""", note="a dot product with the window's indicator"),
    ],
)


# --- pca_fit ------------------------------------------------------------------------------------

def _pca_hidden(rng):
    a, b = spectra(_seed(rng), 300, 200), _sample(rng)
    return [Case((a["flux"][:60, :150], N_COMPONENTS), extra=(a["truth"][:60, :150],)),
            Case((b["flux"][:80], N_COMPONENTS), extra=(b["truth"][:80],))]


PCA_FIT = Instructor(
    hidden_cases=_pca_hidden,
    hidden_checks=(*pca_values(), reconstruction.error_falls_with_rank(),
                   reconstruction.denoises(DENOISE_RATIO, describe="noisy spectra rebuilt from the components are "
                                                                   "closer to the noise-free ones"),
                   presets.jit(), presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def pca_fit(X, n_components):
    _, s, Vt = jnp.linalg.svd(X, full_matrices=False)
    return jnp.mean(X, axis=0), Vt[:n_components], s[:n_components] ** 2 / (X.shape[0] - 1)
""", "pca_not_centred", "SVD of X without subtracting the mean"),
        Snippet("""
def pca_fit(X, n_components):
    mean = jnp.mean(X, axis=0)
    _, s, Vt = jnp.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt.T[:, :n_components], s[:n_components] ** 2 / (X.shape[0] - 1)
""", "components_as_columns", "V (columns) instead of Vt (rows): shape (L, k)"),
        Snippet("""
def pca_fit(X, n_components):
    mean = jnp.mean(X, axis=0)
    _, s, Vt = jnp.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt[:n_components], s[:n_components]
""", "explained_variance_formula", "the singular values as variances"),
        Snippet("""
def pca_fit(X, n_components):
    mean = jnp.mean(X, axis=0)
    _, s, Vt = jnp.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt[:n_components], s[:n_components] ** 2 / X.shape[0]
""", "explained_variance_formula", "s**2 / N instead of N - 1"),
        Snippet("""
def pca_fit(X, n_components):
    mean = jnp.mean(X, axis=0)
    variances, vectors = jnp.linalg.eigh(jnp.cov(X, rowvar=False))
    return mean, vectors[:, :n_components].T, variances[:n_components]
""", "components_order", "eigh's first (smallest) eigenvectors"),
        Snippet("""
def pca_fit(X, n_components):
    mean = jnp.mean(X, axis=1)
    _, s, Vt = jnp.linalg.svd(X - mean[:, None], full_matrices=False)
    return mean, Vt[:n_components], s[:n_components] ** 2 / (X.shape[0] - 1)
""", "wrong_axis", "the mean of each spectrum (axis 1) instead of the mean spectrum"),
    ],
    alternatives=[
        Snippet("""
def pca_fit(X, n_components):
    mean = X.mean(axis=0)
    variances, vectors = jnp.linalg.eigh(jnp.cov(X, rowvar=False))
    return mean, vectors[:, ::-1][:, :n_components].T, variances[::-1][:n_components]
""", note="eigh of the covariance, reversed to decreasing order"),
        Snippet("""
def pca_fit(X, n_components):
    mean = X.mean(axis=0)
    U, s, _ = jnp.linalg.svd((X - mean).T, full_matrices=False)
    return mean, -U[:, :n_components].T, (s ** 2 / (X.shape[0] - 1))[:n_components]
""", note="the SVD of the transposed data (U's columns), signs flipped"),
    ],
)


# --- pca_transform ------------------------------------------------------------------------------

def _projection_cases(rng, n_new: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(new spectra, mean, components): a PCA of k components fitted on 100 stars, and n_new other stars."""
    flux = _sample(rng)["flux"]
    mean, components = _fit(flux[:100], k)
    return flux[100:100 + n_new], mean, components


_HAND_X = np.asarray([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0], [2.0, 2.0, 2.0]], F32)
_HAND_MEAN = np.asarray([1.0, 1.0, 3.0], F32)
_HAND_COMPONENTS = np.asarray([[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]], F32)
_HAND_LABEL = ("X = [[1, 2, 3], [0, -1, 4], [2, 2, 2]], mean = [1, 1, 3], "
               "components = [[0.6, 0.8, 0], [0, 0, 1]]")


def _transform_public():
    s = spectra(0, 40, 120)
    mean, components = _fit(s["flux"][:30], 3)
    return [Case((_HAND_X, _HAND_MEAN, _HAND_COMPONENTS), _HAND_LABEL),
            Case((s["flux"][30:], mean, components),
                 "the last 10 spectra of spectra(0, n=40, n_pixels=120), with the mean and 3 components of the "
                 "first 30")]


def _transform_hidden(rng):
    x, mean, components = _projection_cases(rng, 25, 4)
    return [Case((x, mean, components)), Case((x[:7, :], mean, components[:2]))]


PCA_TRANSFORM = Instructor(
    public_cases=_transform_public,
    hidden_cases=_transform_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def pca_transform(X, mean, components):
    return X @ components.T
""", "transform_not_centred", "X projected without subtracting the mean"),
        Snippet("""
def pca_transform(X, mean, components):
    return (X - jnp.mean(X, axis=0)) @ components.T
""", "mean_recomputed", "the mean of X instead of the mean given"),
        Snippet("""
def pca_transform(X, mean, components):
    return components @ (X - mean).T
""", "samples_as_columns", "(k, N) instead of (N, k)"),
        Snippet("""
def pca_transform(X, mean, components):
    return (mean - X) @ components.T
""", "wrong_sign", "mean - X"),
        Snippet("""
def pca_transform(X, mean, components):
    return np.dot(np.asarray(X) - np.asarray(mean), np.asarray(components).T)
""", "numpy_inside_jit", "numpy: right values, fails under jit"),
    ],
    alternatives=[
        Snippet("""
def pca_transform(X, mean, components):
    return jnp.einsum("nl,kl->nk", X - mean, components)
""", note="einsum"),
        Snippet("""
def pca_transform(X, mean, components):
    return jax.vmap(lambda x: components @ (x - mean))(X)
""", note="vmap over the spectra"),
    ],
)


# --- pca_reconstruct ----------------------------------------------------------------------------

def _reconstruct_public():
    s = spectra(0, 40, 120)
    mean, components = _fit(s["flux"][:30], 3)
    coefficients = ((s["flux"][30:] - mean) @ components.T).astype(F32)
    return [Case((np.asarray([[1.0, 2.0], [-0.5, 0.0], [0.0, 3.0]], F32), _HAND_MEAN, _HAND_COMPONENTS),
                 "coefficients = [[1, 2], [-0.5, 0], [0, 3]], mean = [1, 1, 3], "
                 "components = [[0.6, 0.8, 0], [0, 0, 1]]"),
            Case((coefficients, mean, components),
                 "coefficients of the last 10 spectra of spectra(0, n=40, n_pixels=120) on the mean and 3 components "
                 "of the first 30")]


def _reconstruct_hidden(rng):
    x, mean, components = _projection_cases(rng, 25, 4)
    coefficients = ((x - mean) @ components.T).astype(F32)
    return [Case((coefficients, mean, components)), Case((coefficients[:6, :2], mean, components[:2]))]


PCA_RECONSTRUCT = Instructor(
    public_cases=_reconstruct_public,
    hidden_cases=_reconstruct_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def pca_reconstruct(coefficients, mean, components):
    return coefficients @ components
""", "reconstruct_without_mean", "the mean not added back"),
        Snippet("""
def pca_reconstruct(coefficients, mean, components):
    return coefficients @ components - mean
""", "reconstruct_without_mean", "the mean subtracted again"),
        Snippet("""
def pca_reconstruct(coefficients, mean, components):
    return components.T @ coefficients.T + mean[:, None]
""", "samples_as_columns", "(L, N) instead of (N, L)"),
        Snippet("""
def pca_reconstruct(coefficients, mean, components):
    return np.dot(np.asarray(coefficients), np.asarray(components)) + np.asarray(mean)
""", "numpy_inside_jit", "numpy: right values, fails under jit"),
        Snippet("""
def pca_reconstruct(coefficients, mean, components):
    out = jnp.zeros((coefficients.shape[0], mean.shape[0]))
    for i in range(coefficients.shape[0]):
        out[i] = mean + coefficients[i] @ components
    return out
""", "in_place_mutation", "out[i] = ... row by row"),
    ],
    alternatives=[
        Snippet("""
def pca_reconstruct(coefficients, mean, components):
    return mean + jnp.einsum("nk,kl->nl", coefficients, components)
""", note="einsum"),
        Snippet("""
def pca_reconstruct(coefficients, mean, components):
    return mean[None, :] + jnp.sum(coefficients[:, :, None] * components[None, :, :], axis=1)
""", note="the sum of each coefficient times its component, by broadcasting"),
    ],
)


# --- kmeans -------------------------------------------------------------------------------------

def _repeated_spectra(rng, flux: np.ndarray, n_distinct: int, copies: int) -> np.ndarray:
    """n_distinct spectra, each `copies` times, in random order: a catalogue with duplicate entries. Rounded
    to 1/64 so that the mean of copies of one row is that row exactly, whatever the order of the sum."""
    rows = np.repeat(np.round(flux[:n_distinct] * 64.0) / 64.0, copies, axis=0)
    return rows[rng.permutation(len(rows))].astype(F32)


def _kmeans_hidden(rng):
    flux = _sample(rng)["flux"]
    return [Case((Key(_seed(rng)), flux[:40], 4, 10)),
            Case((Key(_seed(rng)), flux[40:70, :120], 3, 2)),     # two iterations: not yet converged
            # 3 different spectra, 4 copies each, 4 clusters: two initial centroids are copies of one spectrum,
            # so one cluster is empty from the first iteration on (its centroid stays)
            Case((Key(_seed(rng)), _repeated_spectra(rng, flux[70:, ::4], 3, 4), 4, 3))]


KMEANS = Instructor(
    hidden_cases=_kmeans_hidden,
    hidden_checks=(*kmeans_checks(), mutation.inputs_unchanged(readonly_numpy=True), presets.jit()),
    mistakes=[
        Snippet("""
def kmeans(key, X, k, n_iter):
    centroids = X[jax.random.choice(key, X.shape[0], (k,))]
    for _ in range(n_iter):
        labels = jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
        one_hot = jax.nn.one_hot(labels, k)
        counts = one_hot.sum(axis=0)
        centroids = jnp.where(counts[:, None] > 0, one_hot.T @ X / jnp.maximum(counts, 1)[:, None], centroids)
    return centroids, jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
""", "kmeans_init", "initial rows drawn with replacement"),
        Snippet("""
def kmeans(key, X, k, n_iter):
    centroids = X[:k]
    for _ in range(n_iter):
        labels = jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
        one_hot = jax.nn.one_hot(labels, k)
        counts = one_hot.sum(axis=0)
        centroids = jnp.where(counts[:, None] > 0, one_hot.T @ X / jnp.maximum(counts, 1)[:, None], centroids)
    return centroids, jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
""", "kmeans_init", "the first k rows: the key is never used"),
        Snippet("""
def kmeans(key, X, k, n_iter):
    centroids = X[jax.random.choice(jax.random.key(42), X.shape[0], (k,), replace=False)]
    for _ in range(n_iter):
        labels = jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
        one_hot = jax.nn.one_hot(labels, k)
        counts = one_hot.sum(axis=0)
        centroids = jnp.where(counts[:, None] > 0, one_hot.T @ X / jnp.maximum(counts, 1)[:, None], centroids)
    return centroids, jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
""", "hardcoded_key", "a key made inside from a fixed seed"),
        Snippet("""
def kmeans(key, X, k, n_iter):
    idx = jnp.stack([jax.random.randint(key, (), 0, X.shape[0]) for _ in range(k)])
    centroids = X[idx]
    for _ in range(n_iter):
        labels = jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
        one_hot = jax.nn.one_hot(labels, k)
        counts = one_hot.sum(axis=0)
        centroids = jnp.where(counts[:, None] > 0, one_hot.T @ X / jnp.maximum(counts, 1)[:, None], centroids)
    return centroids, jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
""", "reused_key", "each initial row drawn with the same key: k copies of one row"),
        Snippet("""
def kmeans(key, X, k, n_iter):
    centroids = X[jax.random.choice(key, X.shape[0], (k,), replace=False)]
    for _ in range(n_iter):
        labels = jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
        one_hot = jax.nn.one_hot(labels, k)
        centroids = one_hot.T @ X / one_hot.sum(axis=0)[:, None]
    return centroids, jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
""", "empty_cluster_nan", "mean of an empty cluster: 0 / 0"),
        Snippet("""
def kmeans(key, X, k, n_iter):
    centroids = X[jax.random.choice(key, X.shape[0], (k,), replace=False)]
    for _ in range(n_iter):
        labels = jnp.argmax(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
        one_hot = jax.nn.one_hot(labels, k)
        counts = one_hot.sum(axis=0)
        centroids = jnp.where(counts[:, None] > 0, one_hot.T @ X / jnp.maximum(counts, 1)[:, None], centroids)
    return centroids, jnp.argmax(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
""", "assignments_argmax", "argmax of the distances"),
        Snippet("""
def kmeans(key, X, k, n_iter):
    centroids = X[jax.random.choice(key, X.shape[0], (k,), replace=False)]
    labels = jnp.argmin(jnp.sum((X[:, None] - centroids[None]) ** 2, axis=-1), axis=1)
    for _ in range(n_iter):
        one_hot = jax.nn.one_hot(labels, k)
        counts = one_hot.sum(axis=0)
        centroids = jnp.where(counts[:, None] > 0, one_hot.T @ X / jnp.maximum(counts, 1)[:, None], centroids)
    return centroids, labels
""", "centroids_not_updated", "the rows assigned once, before the loop, never again"),
    ],
    alternatives=[
        Snippet("""
def kmeans(key, X, k, n_iter):
    c = X[jnp.sort(jax.random.choice(key, X.shape[0], (k,), replace=False))]
    def nearest(c):
        d = jnp.sum(X ** 2, axis=1)[:, None] - 2 * X @ c.T + jnp.sum(c ** 2, axis=1)[None, :]
        return jnp.argmin(d, axis=1)
    for _ in range(n_iter):
        labels = nearest(c)
        sums = jax.ops.segment_sum(X, labels, num_segments=k)
        counts = jax.ops.segment_sum(jnp.ones(X.shape[0]), labels, num_segments=k)
        c = jnp.where(counts[:, None] > 0, sums / jnp.where(counts > 0, counts, 1.0)[:, None], c)
    return c, nearest(c)
""", note="initial rows sorted (clusters numbered otherwise), segment_sum, |x|^2 - 2 x.c + |c|^2"),
        Snippet("""
def kmeans(key, X, k, n_iter):
    def nearest(c):
        return jnp.argmin(jnp.linalg.norm(X[:, None, :] - c[None, :, :], axis=-1), axis=1)
    def step(_, c):
        member = nearest(c)[:, None] == jnp.arange(k)[None, :]
        counts = member.sum(axis=0)
        means = (member.T.astype(X.dtype) @ X) / jnp.maximum(counts, 1)[:, None]
        return jnp.where((counts > 0)[:, None], means, c)
    c = jax.lax.fori_loop(0, n_iter, step, X[jax.random.choice(key, X.shape[0], (k,), replace=False)])
    return c, nearest(c)
""", note="lax.fori_loop, boolean membership matrix, norms instead of squared distances"),
    ],
)


# --- anomaly_scores -----------------------------------------------------------------------------

def _anomaly_case(s: dict, label: str = "") -> Case:
    """The sample's spectra with the mean and first N_COMPONENTS components of a float64 PCA of them; the
    magnetic flags in `extra`."""
    mean, components = _fit(s["flux"], N_COMPONENTS)
    return Case((s["flux"], mean, components), label, extra=(s["is_magnetic"],))


ANOMALY_SCORES = Instructor(
    public_cases=lambda: [_anomaly_case(spectra(1, 300, 200), "spectra(1, n=300, n_pixels=200)['flux'] (15 "
                                                              "magnetic), with their mean and first 4 components")],
    hidden_cases=lambda rng: [_anomaly_case(_sample(rng))],
    hidden_checks=(presets.values(), ranks_magnetic_first(), presets.jit(), presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def anomaly_scores(X, mean, components):
    centred = X - mean
    return jnp.sum((centred - centred @ components.T @ components) ** 2, axis=-1)
""", "sum_vs_mean", "summed over the pixels: the same ranking, not the mean the contract asks for"),
        Snippet("""
def anomaly_scores(X, mean, components):
    centred = X - mean
    return jnp.mean(jnp.abs(centred - centred @ components.T @ components), axis=-1)
""", "residual_not_squared", "mean absolute residual"),
        Snippet("""
def anomaly_scores(X, mean, components):
    return jnp.mean((X - mean) ** 2, axis=-1)
""", "score_without_reconstruction", "distance from the mean spectrum"),
        Snippet("""
def anomaly_scores(X, mean, components):
    rebuilt = X @ components.T @ components + mean
    return jnp.mean((X - rebuilt) ** 2, axis=-1)
""", "transform_not_centred", "projected without subtracting the mean"),
        Snippet("""
def anomaly_scores(X, mean, components):
    rebuilt = (X - mean) @ components.T @ components
    return jnp.mean((X - rebuilt) ** 2, axis=-1)
""", "reconstruct_without_mean", "rebuilt without adding the mean back"),
        Snippet("""
def anomaly_scores(X, mean, components):
    centred = X - mean
    return jnp.mean((centred - centred @ components.T @ components) ** 2, axis=0)
""", "wrong_axis", "the mean over the stars: one number per pixel"),
    ],
    alternatives=[
        Snippet("""
def anomaly_scores(X, mean, components):
    projector = jnp.eye(X.shape[1]) - components.T @ components
    return jnp.mean(((X - mean) @ projector) ** 2, axis=1)
""", note="the projector on the complement of the components"),
        Snippet("""
def anomaly_scores(X, mean, components):
    coefficients = (X - mean) @ components.T
    rebuilt = coefficients @ components + mean
    return jnp.linalg.norm(X - rebuilt, axis=1) ** 2 / X.shape[1]
""", note="coefficients, rebuilt spectra, squared norm / L"),
    ],
)


INSTRUCTOR = {
    "boxcar_smooth": BOXCAR_SMOOTH,
    "resample": RESAMPLE,
    "normalise_at": NORMALISE_AT,
    "pca_fit": PCA_FIT,
    "pca_transform": PCA_TRANSFORM,
    "pca_reconstruct": PCA_RECONSTRUCT,
    "kmeans": KMEANS,
    "anomaly_scores": ANOMALY_SCORES,
}
