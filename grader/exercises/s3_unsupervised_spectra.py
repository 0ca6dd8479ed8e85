"""s3_unsupervised_spectra: many white-dwarf spectra, no labels; a few of them magnetic.

Eight graded functions, on spectra made by `grader.data.wd_sample.white_dwarf_sample` (DA white dwarfs,
a fraction of them magnetic, their Balmer lines split into Zeeman triplets): a boxcar smoothing whose
edges average only the pixels that exist; a linear resampling that marks wavelengths outside the
original range NaN; a normalisation by the mean flux in a wavelength window; PCA by the SVD (the mean,
the eigen-spectra as orthonormal rows, the variance along each), the coefficients of spectra on the
eigen-spectra and the spectra rebuilt from them; k-means with initial centroids drawn with a key; and
an anomaly score, the mean squared residual of a spectrum rebuilt from the first eigen-spectra, judged
by how well it puts the magnetic stars first.

Spectra are float32 arrays (N, L), one star per row, wavelength along the last axis [angstrom]. This is
the public half (it ships to students): signatures, public cases, visible checks and the points of the
hidden parts. Hidden cases and checks and the corpus of mistakes and alternatives are in
instructor/exercises/s3_unsupervised_spectra.py, which also makes the public cases of the functions
whose inputs are a fitted PCA (they would show how to fit it); hidden inputs are drawn with a seed kept
only in the instructor's hidden reference data.
"""
from __future__ import annotations

import jax
import numpy as np

from ..checks import equivalences, keys, presets, ranking, reconstruction
from ..data.wd_sample import white_dwarf_sample
from .spec import Assignment, Case, Exercise, Key, Part

F32 = np.float32
I32 = np.int32


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=F32)


def spectra(seed: int, n: int, n_pixels: int, **kwargs) -> dict[str, np.ndarray]:
    """White-dwarf spectra of `white_dwarf_sample(jax.random.key(seed), n, n_pixels, **kwargs)`, each divided by
    its mean flux (as the PCA sections of the workbook do): a dict of numpy arrays, "wavelength" (L,)
    [angstrom], "flux" (n, L) float32, "truth" (n, L) the noise-free spectra divided by the same numbers,
    "is_magnetic" (n,) bool, "field_mg" (n,) [MG]."""
    wavelength, flux, is_magnetic, field_mg, truth = white_dwarf_sample(
        jax.random.key(seed), n=n, n_pixels=n_pixels, return_truth=True, **kwargs)
    scale = np.asarray(flux).mean(axis=1, keepdims=True)
    return {"wavelength": np.asarray(wavelength), "flux": (np.asarray(flux) / scale).astype(F32),
            "truth": (np.asarray(truth["flux"]) / scale).astype(F32), "is_magnetic": np.asarray(is_magnetic),
            "field_mg": np.asarray(field_mg)}


# --- boxcar_smooth ------------------------------------------------------------------------------

def _line_spectra() -> np.ndarray:
    """Three spectra of 16 pixels: a flat continuum of 1, 2 and 0.5 with an absorption line at pixel 8."""
    pixel = np.arange(16)
    line = 1.0 - 0.5 * np.exp(-0.5 * ((pixel - 8) / 1.5) ** 2)
    return _f32(np.array([1.0, 2.0, 0.5])[:, None] * line)


BOXCAR_SMOOTH = Exercise(
    name="boxcar_smooth",
    signature="boxcar_smooth(flux, width)",
    public_cases=[Case((_f32(np.arange(1, 13)), 3), "flux = [1, 2, ..., 12], width=3"),
                  Case((_line_spectra(), 5), "3 spectra of 16 pixels (continua 1, 2, 0.5, a line at pixel 8), "
                                             "width=5")],
    static_argnums=(1,),
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(2),
)


# --- resample -----------------------------------------------------------------------------------

_GRID = _f32(4000.0 + 10.0 * np.arange(10))          # 4000, 4010, ..., 4090 angstrom

RESAMPLE = Exercise(
    name="resample",
    signature="resample(wavelength, flux, new_wavelength)",
    public_cases=[
        Case((_GRID, _f32(np.arange(1, 11)), _f32([4000.0, 4012.5, 4045.0, 4090.0])),
             "wavelength = [4000, 4010, ..., 4090], flux = [1, 2, ..., 10], new_wavelength = [4000, 4012.5, "
             "4045, 4090]"),
        Case((_GRID, _f32([np.arange(1, 11), 10.0 - np.arange(10) ** 2 / 10.0]),
              _f32([3990.0, 4000.0, 4012.5, 4045.0, 4090.0, 4095.0])),
             "wavelength = [4000, 4010, ..., 4090], flux = [[1, 2, ..., 10], [10 - i**2 / 10 for i = 0..9]], "
             "new_wavelength = [3990, 4000, 4012.5, 4045, 4090, 4095]"),
    ],
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(2),
)


# --- normalise_at -------------------------------------------------------------------------------

_WINDOW_GRID = _f32(5000.0 + 10.0 * np.arange(12))    # 5000, 5010, ..., 5110 angstrom

NORMALISE_AT = Exercise(
    name="normalise_at",
    signature="normalise_at(wavelength, flux, w0, half_width)",
    public_cases=[
        Case((_WINDOW_GRID, _f32([np.arange(1, 13), 2.0 + np.arange(12) % 3]), 5050.0, 20.0),
             "wavelength = [5000, 5010, ..., 5110], flux = [[1, 2, ..., 12], [2, 3, 4, 2, 3, 4, ...]], w0=5050, "
             "half_width=20 (the window holds 5030 to 5070)"),
    ],
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- pca_fit ------------------------------------------------------------------------------------

# Components compared up to their sign, with a tolerance for other correct methods (an eigen-decomposition
# of the covariance agrees with the SVD to 3e-6 on the public spectra; 1e-4 leaves room for the hidden ones),
# the variances to 1e-4 of each.
PCA_TOLERANCES = {"[1]": (0.0, 1e-4), "[2]": (1e-4, 1e-6)}


def pca_form(X, n_components):
    """(mean (L,), components (k, L), explained_variance (k,)), float32."""
    n_pixels = np.shape(X)[1]
    return (jax.ShapeDtypeStruct((n_pixels,), F32), jax.ShapeDtypeStruct((int(n_components), n_pixels), F32),
            jax.ShapeDtypeStruct((int(n_components),), F32))


def pca_values() -> tuple:
    return (equivalences.matches_up_to_sign("[1]", tolerances=PCA_TOLERANCES,
                                            describe="gives the expected mean, components (each up to its sign) "
                                                     "and explained variances"),
            reconstruction.orthonormal_rows("[1]"))


def _pca_public():
    s = spectra(0, n=40, n_pixels=120)
    return [Case((_f32([[3, 0, 1], [-3, 0, 1], [0, 1, 1], [0, -1, 1]]), 2),
                 "X = [[3, 0, 1], [-3, 0, 1], [0, 1, 1], [0, -1, 1]], n_components=2"),
            Case((s["flux"], 4), "spectra(0, n=40, n_pixels=120)['flux'], n_components=4", extra=(s["truth"],))]


PCA_FIT = Exercise(
    name="pca_fit",
    signature="pca_fit(X, n_components)",
    public_cases=_pca_public,
    static_argnums=(1,),
    returns=pca_form,
    leaf_names={"[0]": "mean", "[1]": "components", "[2]": "explained_variance"},
    visible=Part(2, pca_values()),
    hidden=Part(3),
)


# --- pca_transform, pca_reconstruct (public cases made by the instructor half) -------------------

PCA_TRANSFORM = Exercise(
    name="pca_transform",
    signature="pca_transform(X, mean, components)",
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)

PCA_RECONSTRUCT = Exercise(
    name="pca_reconstruct",
    signature="pca_reconstruct(coefficients, mean, components)",
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(2),
)


# --- kmeans -------------------------------------------------------------------------------------

def kmeans_form(key, X, k, n_iter):
    """(centroids (k, L) float32, assignments (N,) int32)."""
    return (jax.ShapeDtypeStruct((int(k), np.shape(X)[1]), F32), jax.ShapeDtypeStruct((np.shape(X)[0],), I32))


def no_iterations(args):
    """The k-means arguments with n_iter = 0: the initial centroids, where the key is used."""
    return (*args[:3], 0)


def kmeans_checks() -> tuple:
    return (equivalences.matches_up_to_relabelling("[0]", "[1]"),
            keys.deterministic_in_key(shorter=no_iterations),
            keys.no_key_reuse(shorter=no_iterations))


KMEANS = Exercise(
    name="kmeans",
    signature="kmeans(key, X, k, n_iter)",
    public_cases=lambda: [Case((Key(1), spectra(2, n=30, n_pixels=60)["flux"], 3, 10),
                               "key = jax.random.key(1), spectra(2, n=30, n_pixels=60)['flux'], k=3, n_iter=10")],
    static_argnums=(2, 3),
    returns=kmeans_form,
    leaf_names={"[0]": "centroids", "[1]": "assignments"},
    visible=Part(2, kmeans_checks()),
    hidden=Part(2),
)


# --- anomaly_scores -----------------------------------------------------------------------------

N_COMPONENTS = 4
# Precision among the highest scores (as many as there are magnetic stars: 15 of 300), with the reference
# PCA of 4 components on 300 spectra of 200 pixels: measured over keys 1000-1039, mean 0.87, lowest 0.67,
# 5th percentile 0.73 (the mean absolute residual, 0.86; the distance from the mean spectrum, without the
# components, 0.05; chance, 0.05). The threshold sits two magnetic stars below the lowest.
TARGET_PRECISION = 0.5


def anomaly_form(X, mean, components):
    """One score per spectrum, (N,) float32."""
    return jax.ShapeDtypeStruct((np.shape(X)[0],), F32)


def ranks_magnetic_first() -> object:
    return ranking.ranks_flagged_first(TARGET_PRECISION, describe="the magnetic white dwarfs get the highest "
                                                                  f"scores (precision at least {TARGET_PRECISION})")


ANOMALY_SCORES = Exercise(
    name="anomaly_scores",
    signature="anomaly_scores(X, mean, components)",
    returns=anomaly_form,
    visible=Part(1, (presets.values(), ranks_magnetic_first())),
    hidden=Part(2),
)


ASSIGNMENT = Assignment("s3_unsupervised_spectra", [
    BOXCAR_SMOOTH, RESAMPLE, NORMALISE_AT, PCA_FIT, PCA_TRANSFORM, PCA_RECONSTRUCT, KMEANS, ANOMALY_SCORES,
])
