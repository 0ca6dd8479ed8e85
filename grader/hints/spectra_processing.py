"""Hints for working with many spectra: smoothing, resampling, normalising, PCA (eigen-spectra, denoising),
k-means and anomaly scores (s3_unsupervised_spectra; the hints of grader.checks.reconstruction and
grader.checks.ranking)."""
from __future__ import annotations

from .hint import Hint

HINTS = (
    # --- smoothing, resampling, normalising ------------------------------------------------
    Hint("zero_padded_edges", "Edges smoothed with zeros",
         "`np.convolve(flux, np.ones(w) / w, mode=\"same\")` (or `jnp.convolve`) pads the spectrum with zeros, "
         "so the first and last w // 2 pixels are averaged with pixels of flux 0 that do not exist: the "
         "smoothed spectrum droops at both ends. This is the workshop notebook's bug.",
         "Divide the sum over the window by the number of pixels that exist: "
         "`jnp.convolve(f, k, mode=\"same\") / jnp.convolve(jnp.ones_like(f), k, mode=\"same\")`."),
    Hint("smoothing_shrinks", "The smoothed spectrum is shorter",
         "`mode=\"valid\"` keeps only the pixels whose whole window lies inside the spectrum, so width - 1 "
         "pixels are lost and the smoothed spectrum no longer lines up with its wavelengths.",
         "Keep every pixel (`mode=\"same\"`) and average each over the pixels of its window that exist."),
    Hint("wrong_axis", "Computed along the wrong axis",
         "Spectra are stored one per row, (N, L): wavelength runs along the last axis. The operation ran "
         "along the stars (axis 0), mixing different stars, or over the whole array.",
         "Work along `axis=-1` (and keep it with `keepdims=True` to divide by a per-spectrum number); write "
         "the function for one spectrum and `jnp.vectorize(..., signature=\"(l)->(l)\")` it."),
    Hint("clamped_wavelengths", "Wavelengths outside the grid silently clamped",
         "`np.interp` and `jnp.interp` return the first (or last) flux for every wavelength below (above) "
         "the original range: the resampled spectrum is made up there, and nothing says so. This is the "
         "workshop notebook's bug.",
         "Mark what cannot be interpolated: `jnp.interp(new, wl, f, left=jnp.nan, right=jnp.nan)`, or "
         "`jnp.where((new >= wl[0]) & (new <= wl[-1]), interp, jnp.nan)`."),
    Hint("outside_not_nan", "Outside the range: a number instead of NaN",
         "Outside the original wavelength range there is no flux to interpolate; a 0 (or an extrapolated "
         "value) looks like a measurement, and a later mean or PCA uses it without warning.",
         "Return NaN there: `jnp.interp(new, wl, f, left=jnp.nan, right=jnp.nan)`."),
    Hint("nearest_not_linear", "Nearest pixel instead of linear interpolation",
         "Each new wavelength takes the flux of the nearest (or the next) original pixel, so the resampled "
         "spectrum is a staircase.",
         "Interpolate linearly between the two pixels around each new wavelength: "
         "`jnp.interp(new, wl, f, left=jnp.nan, right=jnp.nan)`."),
    Hint("range_ends_excluded", "The ends of the range marked NaN",
         "A new wavelength equal to the first or last original wavelength lies inside the range and has a "
         "flux; a strict comparison (`>` and `<`) marks it NaN.",
         "Compare inclusively: `(new >= wl[0]) & (new <= wl[-1])`."),
    Hint("normalised_whole_spectrum", "Divided by the mean of the whole spectrum",
         "The flux is divided by its mean over every pixel, not over the window [w0 - half_width, "
         "w0 + half_width]: the result depends on the lines and the slope everywhere else.",
         "Average only the pixels in the window: `inside = jnp.abs(wl - w0) <= half_width`, then "
         "`jnp.sum(jnp.where(inside, flux, 0), axis=-1, keepdims=True) / jnp.sum(inside)`."),
    Hint("normalised_by_max", "Divided by the maximum, not the mean",
         "The flux is divided by its largest value in the window; a single noisy pixel sets the scale.",
         "Divide by the mean flux in the window (`axis=-1`, `keepdims=True`)."),
    # --- PCA -------------------------------------------------------------------------------
    Hint("pca_not_centred", "PCA of data that was not centred",
         "The SVD was taken of the data without subtracting the mean spectrum, so the first component "
         "points to the mean spectrum instead of the direction of largest variance, and the variances "
         "are not variances.",
         "`mean = X.mean(axis=0)`, then `jnp.linalg.svd(X - mean, full_matrices=False)`."),
    Hint("components_as_columns", "Components as columns (V) instead of rows (Vt)",
         "`jnp.linalg.svd` returns `U, s, Vt`: the eigen-spectra are the rows of `Vt`. Columns of `Vt` (or "
         "of its transpose taken the wrong way) are not eigen-spectra, and a (L, k) array is not the (k, L) "
         "the contract asks for.",
         "`components = Vt[:n_components]`: one eigen-spectrum per row."),
    Hint("explained_variance_formula", "Explained variance is not s**2 / (N - 1)",
         "The variance of the data along component i is s_i**2 / (N - 1), s_i its singular value: the "
         "eigenvalue of the sample covariance. The singular values themselves, or s**2 / N, are not it.",
         "`explained_variance = s[:n_components] ** 2 / (X.shape[0] - 1)`."),
    Hint("components_order", "Components not in order of decreasing variance",
         "`jnp.linalg.eigh` returns eigenvalues in increasing order: its last columns are the largest "
         "components. Taken as they come, they give the smallest-variance components first.",
         "Reverse the order (`vals[::-1]`, `vecs[:, ::-1]`), or use the SVD, whose singular values are "
         "sorted from the largest."),
    Hint("components_not_orthonormal", "Components not orthonormal",
         "The rows of the components must be unit vectors orthogonal to each other (C @ C.T = identity): "
         "only then are the coefficients the projections (X - mean) @ C.T and the data rebuilt by C.",
         "Take the rows of `Vt` of the SVD (or the eigenvectors of `eigh`), unscaled."),
    Hint("reconstruction_not_improving", "More components do not fit the data better",
         "Rebuilt from its first j components, the data should fit better with every component added; "
         "here it does not, so the components are not the directions of largest variance in order.",
         "Return the top components of the centred data, largest variance first: `Vt[:n_components]`."),
    Hint("not_denoised", "The rebuilt spectra are not cleaner than the noisy ones",
         "Noise is spread over all the components while the stars' signal lives in the first few, so the "
         "noisy spectra rebuilt from a few eigen-spectra should be closer to the noise-free ones. Here they "
         "are not: the components or the mean are not the data's.",
         "Fit the mean and the first components of the centred noisy data, and rebuild "
         "`mean + (X - mean) @ C.T @ C`."),
    Hint("transform_not_centred", "Coefficients of data that was not centred",
         "The coefficients are the projections of X - mean on the components; projecting X itself adds "
         "mean @ C.T to every row.",
         "`(X - mean) @ components.T`."),
    Hint("mean_recomputed", "The mean recomputed instead of the one given",
         "The function uses the mean of the spectra it is given, not the `mean` argument (the training "
         "sample's): new spectra must be projected around the same mean the components were fitted with.",
         "Subtract the `mean` argument: `(X - mean) @ components.T`."),
    Hint("samples_as_columns", "One spectrum per column instead of per row",
         "The result is transposed: the contract has one row per spectrum, (N, k) coefficients or (N, L) "
         "spectra.",
         "`(X - mean) @ components.T` is (N, k); `coefficients @ components + mean` is (N, L)."),
    Hint("reconstruct_without_mean", "The mean spectrum not added back",
         "The coefficients describe the spectra around the mean, so the rebuilt spectra are "
         "coefficients @ components + mean; without the mean they are centred on zero.",
         "`coefficients @ components + mean`."),
    # --- k-means -------------------------------------------------------------------------------
    Hint("kmeans_init", "Initial centroids not k distinct rows drawn with the key",
         "The initial centroids must be k different rows of X chosen with the key: "
         "`X[jax.random.choice(key, N, (k,), replace=False)]`. Drawn with replacement, two centroids can "
         "start on the same row and one cluster is lost; the first k rows or a fixed seed ignore the key.",
         "`idx = jax.random.choice(key, X.shape[0], (k,), replace=False)`, `centroids = X[idx]`."),
    Hint("empty_cluster_nan", "An empty cluster's centroid becomes NaN",
         "A cluster that loses all its rows has a mean of 0 / 0 = NaN, and NaN spreads to every distance "
         "after it. The contract keeps its centroid where it was.",
         "`counts = one_hot.sum(axis=0)`; "
         "`new = jnp.where(counts[:, None] > 0, sums / jnp.maximum(counts, 1)[:, None], centroids)`."),
    Hint("assignments_argmax", "Each row assigned to the farthest centroid",
         "`argmax` of the distances picks the farthest centroid; a row belongs to the nearest one.",
         "`jnp.argmin(distances, axis=1)`, distances of shape (N, k)."),
    Hint("centroids_not_updated", "Centroids not moved to the mean of their rows",
         "A Lloyd iteration has two steps: assign each row to the nearest centroid, then move each "
         "centroid to the mean of its rows. One of them is missing or uses stale values.",
         "In each of the n_iter iterations: `labels = jnp.argmin(d, axis=1)`, then the means of the rows "
         "of each label."),
    # --- anomaly scores ------------------------------------------------------------------------
    Hint("residual_not_squared", "Absolute residual instead of squared",
         "The score is the mean squared residual per spectrum; the mean absolute residual ranks stars "
         "similarly but is another number (and weighs a few large residuals less).",
         "`jnp.mean((X - rebuilt) ** 2, axis=-1)`."),
    Hint("score_without_reconstruction", "The score does not use the eigen-spectra",
         "Distance from the mean spectrum measures how unusual a star's temperature or reddening is, "
         "which the eigen-spectra explain; the anomalies are the stars the first components cannot "
         "rebuild.",
         "Rebuild each spectrum from the components, `rebuilt = mean + (X - mean) @ C.T @ C`, and score "
         "`jnp.mean((X - rebuilt) ** 2, axis=-1)`."),
    Hint("anomalies_missed", "The anomalies do not get the highest scores",
         "Among the spectra with the highest scores too few are the magnetic white dwarfs: the score "
         "does not measure what the eigen-spectra fail to explain.",
         "Score each spectrum by its mean squared residual after rebuilding it from the first "
         "components."),
)
