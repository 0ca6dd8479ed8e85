"""s1_linear_models_to_ml: the instructor-only half (never shipped, never readable by graded code).

Hidden-case generators, hidden checks, oracles and the corpus of mistakes and
correct alternatives of each exercise; the public half is
grader/exercises/s1_linear_models_to_ml.py. Loaded by path by
`grader.exercises.load("s1_linear_models_to_ml", instructor=True)`.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from grader.checks import keys, presets, sampling, training
from grader.checks.oracle import float64_args, matches_oracle
from grader.checks.pytrees import works_on_pytrees
from grader.checks.values import matches_reference
from grader.data.detection import detection_completeness
from grader.data.spectra import white_dwarf_spectrum
from grader.exercises.s1_linear_models_to_ml import (
    F32, TARGET_VALIDATION_MSE, TRAIN_SETTINGS, _away_from_zero, _f32, _few_steps, _layers, _line_data, _mlp_case,
    as_column, init_distribution_checks,
)
from grader.exercises.spec import Case, Instructor, Key, Snippet


def _seed(rng) -> int:
    return int(rng.integers(2**31))


# Public cases made here: the code that makes them would show an answer (a design matrix, min-max scaling).

def _public_line_design():
    x, y = _line_data(0, 20)
    return Case((np.stack([np.ones_like(x), x], axis=1), y),
                "A = design_matrix(x), (x, y) from line_observations(jax.random.key(0), n=20)")


def _spectrum_case(seed: int, n: int, noise: float, key_seed: int, label: str = "") -> Case:
    """Training pixels (even) and validation pixels (odd) of a white-dwarf spectrum, both scaled to [0, 1]."""
    wavelength, flux = (np.asarray(a, np.float64) for a in white_dwarf_spectrum(jax.random.key(seed), n=n, noise=noise))
    x = ((wavelength - wavelength.min()) / np.ptp(wavelength)).astype(F32)
    y = ((flux - flux.min()) / np.ptp(flux)).astype(F32)
    return Case((Key(key_seed), x[::2], y[::2], *TRAIN_SETTINGS), label, extra=(x[1::2], y[1::2]))


def _float32(oracle):
    """The oracle on the case's arguments as float64, its outputs as float32 arrays."""
    def run(*args):
        return jax.tree_util.tree_map(lambda a: np.asarray(a, np.float32), oracle(*float64_args(args)))
    return run


# --- design_matrix ------------------------------------------------------------

def _design_hidden(rng):
    return [Case((rng.uniform(-20, 20, size=n).astype(F32),)) for n in (3, 17, 40)]


DESIGN_MATRIX = Instructor(
    hidden_cases=_design_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def design_matrix(x):
    return jnp.stack([jnp.ones_like(x), x])
""", "transposed_design_matrix", "stacked along axis 0: shape (2, N)"),
        Snippet("""
def design_matrix(x):
    return jnp.stack([x, jnp.ones_like(x)], axis=1)
""", "column_order", "x first, ones second"),
        Snippet("""
def design_matrix(x):
    return x[:, None]
""", "missing_bias", "no column of ones"),
        Snippet("""
def design_matrix(x):
    return jnp.stack([jnp.zeros_like(x), x], axis=1)
""", "missing_bias", "a column of zeros instead of ones"),
        Snippet("""
def design_matrix(x):
    return np.column_stack([np.ones(len(x)), x])
""", "numpy_inside_jit", "numpy functions"),
        Snippet("""
def design_matrix(x):
    A = jnp.ones((x.shape[0], 2))
    A[:, 1] = x
    return A
""", "in_place_mutation", "numpy-style assignment into a column"),
    ],
    alternatives=[
        Snippet("""
def design_matrix(x):
    return jnp.column_stack([jnp.ones(x.shape[0]), x])
""", note="jnp.column_stack"),
        Snippet("""
def design_matrix(x):
    return jnp.vander(x, 2, increasing=True)
""", note="a Vandermonde matrix"),
        Snippet("""
def design_matrix(x):
    return jnp.ones((x.shape[0], 2)).at[:, 1].set(x)
""", note=".at[].set on a matrix of ones"),
    ],
)


# --- least_squares ------------------------------------------------------------

def _lstsq(A, y):
    """Oracle: least-squares coefficients by numpy's SVD-based lstsq in float64."""
    return np.linalg.lstsq(A, y, rcond=None)[0]


def _least_squares_hidden(rng):
    cases = []
    for n, degree in ((12, 1), (80, 1), (40, 2)):
        x = rng.uniform(-3, 3, size=n)
        coefficients = rng.normal(0, 2, size=degree + 1)
        y = sum(c * x**k for k, c in enumerate(coefficients)) + rng.normal(0, 0.5, size=n)
        A = np.stack([x**k for k in range(degree + 1)], axis=1)
        cases.append(Case((A.astype(F32), y.astype(F32))))
    return cases


LEAST_SQUARES = Instructor(
    public_cases=lambda: [_public_line_design()],
    hidden_cases=_least_squares_hidden,
    hidden_checks=(
        matches_oracle("lstsq", rtol=1e-3, describe="agrees with jnp.linalg.lstsq", weight=2),
        presets.jit(),
    ),
    mistakes=[
        Snippet("""
def least_squares(A, y):
    return jnp.linalg.solve(A.T @ A, A.T @ y)[::-1]
""", "coefficient_order", "coefficients reversed"),
        Snippet("""
def least_squares(A, y):
    return jnp.polyfit(A[:, 1], y, 1)
""", "coefficient_order", "jnp.polyfit: highest power first"),
        Snippet("""
def least_squares(A, y):
    return (A.T @ y) / jnp.sum(A ** 2, axis=0)
""", "normal_equations", "each column fitted on its own"),
        Snippet("""
def least_squares(A, y):
    return np.linalg.solve(A.T @ A, A.T @ y)
""", "numpy_inside_jit", "numpy's solve"),
        Snippet("""
def least_squares(A, y):
    x = A[:, -1]
    return jnp.zeros(A.shape[1]).at[-1].set(jnp.sum(x * y) / jnp.sum(x * x))
""", "missing_bias", "fits a line through the origin"),
    ],
    alternatives=[
        Snippet("""
def least_squares(A, y):
    return jnp.linalg.lstsq(A, y)[0]
""", note="jnp.linalg.lstsq"),
        Snippet("""
def least_squares(A, y):
    return jnp.linalg.inv(A.T @ A) @ A.T @ y
""", note="explicit inverse"),
        Snippet("""
def least_squares(A, y):
    return jnp.linalg.pinv(A) @ y
""", note="pseudo-inverse"),
    ],
    oracles={"lstsq": _float32(_lstsq)},
)


# --- linear_model -------------------------------------------------------------

def _linear_model_hidden(rng):
    cases = []
    for kind, n in ((tuple, 9), (list, 30), (np.asarray, 15)):
        m, c = (float(v) for v in np.round(rng.normal(0, 3, size=2), 3))
        params = _f32([m, c]) if kind is np.asarray else kind([m, c])
        cases.append(Case((params, rng.uniform(-10, 10, size=n).astype(F32))))
    return cases


LINEAR_MODEL = Instructor(
    hidden_cases=_linear_model_hidden,
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    mistakes=[
        Snippet("""
def linear_model(params, x):
    m, c = params
    return c * x + m
""", "parameter_order", "slope and intercept swapped"),
        Snippet("""
def linear_model(params, x):
    m, c = params
    return m * x
""", "missing_bias", "forgot the intercept"),
        Snippet("""
def linear_model(params, x):
    m, c = params
    return m * x[:, None] + c
""", "wrong_shape", "returns shape (N, 1)"),
        Snippet("""
def linear_model(params, x):
    m, c = params
    return np.add(np.multiply(m, x), c)
""", "numpy_inside_jit", "numpy functions"),
        Snippet("""
def linear_model(params, x):
    m, c = params
    return m * x - c
""", "wrong_sign", "subtracts the intercept"),
    ],
    alternatives=[
        Snippet("""
def linear_model(params, x):
    return jnp.polyval(jnp.asarray(params), x)
""", note="jnp.polyval, highest power first"),
        Snippet("""
def linear_model(params, x):
    return params[0] * x + params[1]
""", note="indexing instead of unpacking"),
    ],
)


# --- mse and mae --------------------------------------------------------------

def _loss_hidden(rng):
    cases = []
    for n, true_shape, pred_shape in ((40, (-1,), (-1, 1)), (25, (-1, 1), (-1,)), (60, (-1,), (-1,)),
                                      (33, (-1, 1), (-1, 1))):
        y_true = rng.normal(0, 2, size=n)
        y_pred = y_true + rng.normal(0, 1, size=n)
        cases.append(Case((y_true.reshape(true_shape).astype(F32), y_pred.reshape(pred_shape).astype(F32))))
    return cases


MSE = Instructor(
    hidden_cases=_loss_hidden,
    hidden_checks=presets.LOSS.hidden,
    mistakes=[
        Snippet("""
def mse(y_true, y_pred):
    return jnp.mean((y_true - y_pred) ** 2)
""", "broadcast_n1_vs_n", "(n,) - (n, 1) broadcasts to (n, n)"),
        Snippet("""
def mse(y_true, y_pred):
    return jnp.sum((jnp.ravel(y_true) - jnp.ravel(y_pred)) ** 2)
""", "sum_vs_mean", "sum instead of mean"),
        Snippet("""
def mse(y_true, y_pred):
    return jnp.sqrt(jnp.mean((jnp.ravel(y_true) - jnp.ravel(y_pred)) ** 2))
""", "rmse_vs_mse", "root mean squared error"),
        Snippet("""
def mse(y_true, y_pred):
    return jnp.mean(jnp.abs(jnp.ravel(y_true) - jnp.ravel(y_pred)))
""", "wrong_loss", "absolute instead of squared residuals"),
        Snippet("""
def mse(y_true, y_pred):
    return np.mean((np.ravel(y_true) - np.ravel(y_pred)) ** 2)
""", "numpy_inside_jit", "numpy functions"),
        Snippet("""
def mse(y_true, y_pred):
    return 0.5 * jnp.mean((jnp.ravel(y_true) - jnp.ravel(y_pred)) ** 2)
""", "factor_of_two", "0.5 * MSE (the 1/2 of some textbooks)"),
    ],
    alternatives=[
        Snippet("""
def mse(y_true, y_pred):
    residual = y_true - y_pred.reshape(y_true.shape)
    return jnp.average(residual ** 2)
""", note="reshape predictions like targets, jnp.average"),
        Snippet("""
def mse(y_true, y_pred):
    r = jnp.ravel(y_pred) - jnp.ravel(y_true)
    return jnp.dot(r, r) / r.size
""", note="dot product over the size"),
    ],
)

MAE = Instructor(
    hidden_cases=_loss_hidden,
    hidden_checks=presets.LOSS.hidden,
    mistakes=[
        Snippet("""
def mae(y_true, y_pred):
    return jnp.mean(jnp.abs(y_true - y_pred))
""", "broadcast_n1_vs_n", "(n,) - (n, 1) broadcasts to (n, n)"),
        Snippet("""
def mae(y_true, y_pred):
    return jnp.sum(jnp.abs(jnp.ravel(y_true) - jnp.ravel(y_pred)))
""", "sum_vs_mean", "sum instead of mean"),
        Snippet("""
def mae(y_true, y_pred):
    return jnp.mean(jnp.ravel(y_true) - jnp.ravel(y_pred))
""", "mae_missing_abs", "no absolute value"),
        Snippet("""
def mae(y_true, y_pred):
    return jnp.mean((jnp.ravel(y_true) - jnp.ravel(y_pred)) ** 2)
""", "wrong_loss", "squared instead of absolute residuals"),
        Snippet("""
def mae(y_true, y_pred):
    return np.mean(np.abs(np.ravel(y_true) - np.ravel(y_pred)))
""", "numpy_inside_jit", "numpy functions"),
        Snippet("""
def mae(y_true, y_pred):
    return float(jnp.mean(jnp.abs(jnp.ravel(y_true) - jnp.ravel(y_pred))))
""", "float_on_tracer", "returns a Python float: float() of a tracer under jax.grad and jax.jit"),
    ],
    alternatives=[
        Snippet("""
def mae(y_true, y_pred):
    return jnp.average(jnp.abs(y_true.reshape(-1) - y_pred.reshape(-1)))
""", note="jnp.average"),
        Snippet("""
def mae(y_true, y_pred):
    r = jnp.ravel(y_pred) - jnp.ravel(y_true)
    return jnp.linalg.norm(r, ord=1) / r.size
""", note="L1 norm over the size"),
    ],
)


# --- mse_grad_analytic --------------------------------------------------------

def _autodiff_mse_gradient(params, x, y):
    """Oracle: jax.grad of the line's mean squared error, as [dL/dm, dL/dc]."""
    def loss(p):
        return jnp.mean((p[0] * x + p[1] - y) ** 2)
    with jax.default_device(jax.devices("cpu")[0]):
        return np.asarray(jax.grad(loss)(jnp.asarray(params, jnp.float32)))


def _grad_hidden(rng):
    cases = []
    for kind, n in ((tuple, 12), (list, 50), (np.asarray, 200)):
        x = rng.uniform(-3, 3, size=n).astype(F32)
        y = (rng.normal() * x + rng.normal() + rng.normal(0, 0.5, size=n)).astype(F32)
        m, c = (float(v) for v in np.round(rng.normal(0, 2, size=2), 3))
        params = _f32([m, c]) if kind is np.asarray else kind([m, c])
        cases.append(Case((params, x, y)))
    return cases


MSE_GRAD_ANALYTIC = Instructor(
    hidden_cases=_grad_hidden,
    hidden_checks=(
        matches_oracle("autodiff_gradient", rtol=1e-4, describe="agrees with jax.grad of the MSE", weight=2),
        presets.jit(),
    ),
    mistakes=[
        Snippet("""
def mse_grad_analytic(params, x, y):
    m, c = params
    r = y - (m * x + c)
    return jnp.array([jnp.mean(2 * r * x), jnp.mean(2 * r)])
""", "wrong_sign", "residual the other way round, sign not flipped"),
        Snippet("""
def mse_grad_analytic(params, x, y):
    m, c = params
    r = m * x + c - y
    return jnp.array([jnp.mean(r * x), jnp.mean(r)])
""", "missing_factor_two", "forgot the factor 2"),
        Snippet("""
def mse_grad_analytic(params, x, y):
    m, c = params
    r = m * x + c - y
    return jnp.array([jnp.sum(2 * r * x), jnp.sum(2 * r)])
""", "sum_vs_mean", "sum instead of mean"),
        Snippet("""
def mse_grad_analytic(params, x, y):
    m, c = params
    r = m * x + c - y
    return jnp.array([jnp.mean(2 * r), jnp.mean(2 * r * x)])
""", "parameter_order", "[dL/dc, dL/dm]"),
        Snippet("""
def mse_grad_analytic(params, x, y):
    m, c = params
    r = m * x + c - y
    return jnp.array([jnp.mean(2 * r), jnp.mean(2 * r)])
""", "wrong_gradient", "forgot the x in dL/dm"),
        Snippet("""
def mse_grad_analytic(params, x, y):
    m, c = params
    r = m * x + c - y
    return np.array([np.mean(2 * r * x), np.mean(2 * r)])
""", "numpy_inside_jit", "numpy functions"),
    ],
    alternatives=[
        Snippet("""
def mse_grad_analytic(params, x, y):
    A = jnp.stack([x, jnp.ones_like(x)], axis=1)
    residual = A @ jnp.asarray(params) - y
    return 2.0 * A.T @ residual / x.shape[0]
""", note="matrix form 2/N A^T (A theta - y)"),
        Snippet("""
def mse_grad_analytic(params, x, y):
    m, c = params
    r = m * x + c - y
    return jnp.stack([jnp.average(2 * r * x), jnp.average(2 * r)])
""", note="jnp.stack and jnp.average"),
    ],
    oracles={"autodiff_gradient": _float32(_autodiff_mse_gradient)},
)


# --- gd_step ------------------------------------------------------------------

def _gd_hidden(rng):
    array = rng.normal(size=(4, 3)).astype(F32)
    return [
        Case((array, rng.normal(size=(4, 3)).astype(F32), 0.03)),
        Case(([1.5, -0.5], [float(rng.normal()), float(rng.normal())], 0.2)),
        Case((_layers(rng, (2, 4, 3, 1), list), _layers(rng, (2, 4, 3, 1), list), 0.05)),
        Case(({"w": rng.normal(size=3).astype(F32), "b": _f32(0.5)},
              {"w": rng.normal(size=3).astype(F32), "b": _f32(-1.0)}, 0.7)),
    ]


GD_STEP = Instructor(
    hidden_cases=_gd_hidden,
    hidden_checks=(
        works_on_pytrees(),
        matches_reference(weight=2, requires=("pytrees",)),
        presets.unchanged(readonly=True),
        presets.jit(),
    ),
    mistakes=[
        Snippet("""
def gd_step(params, grads, lr):
    return jax.tree_util.tree_map(lambda p, g: p + lr * g, params, grads)
""", "wrong_sign", "+ instead of -: steps uphill"),
        Snippet("""
def gd_step(params, grads, lr):
    return jax.tree_util.tree_map(lambda p, g: p - lr * (lr * g), params, grads)
""", "lr_applied_twice", "learning rate applied twice"),
        Snippet("""
def gd_step(params, grads, lr):
    return params - lr * grads
""", "tree_arithmetic", "works for a single array only"),
        Snippet("""
def gd_step(params, grads, lr):
    return jax.tree_util.tree_map(lambda p, g: -lr * g, params, grads)
""", "returns_update", "returns the step instead of the new parameters"),
        Snippet("""
def gd_step(params, grads, lr):
    for i in range(len(params)):
        params[i] = jax.tree_util.tree_map(lambda p, g: p - lr * g, params[i], grads[i])
    return params
""", "in_place_mutation", "updates the parameters in place"),
        Snippet("""
def gd_step(params, grads, lr):
    return type(params)(p - lr * g for p, g in zip(params, grads))
""", "rebuilt_by_type", "type(params)(...): fails for an array, a dict and nested layers"),
    ],
    alternatives=[
        Snippet("""
def gd_step(params, grads, lr):
    return jax.tree.map(lambda p, g: p + (-lr) * g, params, grads)
""", note="jax.tree.map, adding -lr * g"),
        Snippet("""
def gd_step(params, grads, lr):
    leaves, treedef = jax.tree_util.tree_flatten(params)
    grad_leaves = jax.tree_util.tree_leaves(grads)
    return jax.tree_util.tree_unflatten(treedef, [p - lr * g for p, g in zip(leaves, grad_leaves)])
""", note="flatten, update the leaves, unflatten"),
    ],
)


# --- sample_batch -------------------------------------------------------------

def _sample_hidden(rng):
    x = rng.permutation(50 * 3).reshape(50, 3).astype(F32)
    y = rng.normal(size=50).astype(F32)
    x1 = rng.permutation(30).astype(F32) / 3
    return [Case((Key(_seed(rng)), x, y, 20)), Case((Key(_seed(rng)), x1, rng.normal(size=30).astype(F32), 15))]


SAMPLE_BATCH = Instructor(
    hidden_cases=_sample_hidden,
    hidden_checks=(
        sampling.batch_shape(),
        sampling.aligned_pairs(requires=("batch_shape",)),
        keys.no_key_reuse(),
        keys.key_changes_result(0),
        sampling.every_sample_drawn(requires=("batch_shape",)),
    ),
    mistakes=[
        Snippet("""
def sample_batch(key, x, y, batch_size):
    return jax.random.choice(key, x, (batch_size,)), jax.random.choice(key, y, (batch_size,))
""", "reused_key", "one key for two draws (they happen to align)"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    key_x, key_y = jax.random.split(key)
    return jax.random.choice(key_x, x, (batch_size,)), jax.random.choice(key_y, y, (batch_size,))
""", "misaligned_batch", "x and y drawn with different keys"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    idx = np.random.choice(x.shape[0], batch_size, replace=False)
    return x[idx], y[idx]
""", "global_random_state", "numpy's global random state"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    idx = jax.random.choice(jax.random.PRNGKey(0), x.shape[0], (batch_size,), replace=False)
    return x[idx], y[idx]
""", "hardcoded_key", "makes its own key"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    idx = jax.random.randint(key, (batch_size,), 0, x.shape[0] - 1)
    return x[idx], y[idx]
""", "batch_misses_samples", "randint never draws the last sample"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    return x[:batch_size], y[:batch_size]
""", "hardcoded_key", "always the first samples"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    return jax.random.choice(key, x.shape[0], (batch_size,), replace=False)
""", "wrong_structure", "returns the indices"),
    ],
    alternatives=[
        Snippet("""
def sample_batch(key, x, y, batch_size):
    idx = jax.random.permutation(key, x.shape[0])[:batch_size]
    return x[idx], y[idx]
""", note="first batch_size of a permutation"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    idx = jax.random.randint(key, (batch_size,), 0, len(x))
    return jnp.take(x, idx, axis=0), jnp.take(y, idx, axis=0)
""", note="with replacement, jnp.take"),
        Snippet("""
def sample_batch(key, x, y, batch_size):
    _, subkey = jax.random.split(key)
    idx = jax.random.choice(subkey, len(y), shape=(batch_size,), replace=False)
    return x[idx], y[idx]
""", note="draws with a subkey"),
    ],
)


# --- sigmoid and relu ---------------------------------------------------------

def _activation_hidden(rng):
    return [Case((_away_from_zero(rng.normal(0, 4, size=50)),)),
            Case((_away_from_zero(rng.normal(0, 300, size=(6, 7))),)),
            Case((_away_from_zero(rng.uniform(-90, 90, size=30)),))]


SIGMOID = Instructor(
    hidden_cases=_activation_hidden,
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    mistakes=[
        Snippet("""
def sigmoid(z):
    return jnp.exp(z) / (1.0 + jnp.exp(z))
""", "overflow_in_exp", "exp(z) / (1 + exp(z)): inf / inf for large z"),
        Snippet("""
def sigmoid(z):
    return 1.0 / (1.0 + jnp.exp(-z))
""", "overflow_in_exp", "naive formula: NaN gradient for large negative z"),
        Snippet("""
def sigmoid(z):
    return 1.0 / (1.0 + jnp.exp(z))
""", "sigmoid_of_minus_z", "wrong sign in the exponent"),
        Snippet("""
def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + jnp.exp(-z))
    return jnp.exp(z) / (1.0 + jnp.exp(z))
""", "python_if_on_array", "a Python if on the array"),
        Snippet("""
def sigmoid(z):
    return jnp.tanh(z)
""", "wrong_activation", "tanh instead of the sigmoid"),
        Snippet("""
def sigmoid(z):
    return 0.5 * (np.tanh(z / 2) + 1)
""", "numpy_inside_jit", "numpy's tanh"),
    ],
    alternatives=[
        Snippet("""
def sigmoid(z):
    return jax.nn.sigmoid(z)
""", note="jax.nn.sigmoid"),
        Snippet("""
def sigmoid(z):
    return jnp.exp(-jnp.logaddexp(0.0, -z))
""", note="exp(-softplus(-z))"),
        Snippet("""
def sigmoid(z):
    return jax.scipy.special.expit(z)
""", note="scipy's expit"),
    ],
)

RELU = Instructor(
    hidden_cases=_activation_hidden,
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    mistakes=[
        Snippet("""
def relu(z):
    return jnp.max(z, 0)
""", "max_vs_maximum", "jnp.max, a reduction"),
        Snippet("""
def relu(z):
    return jnp.abs(z)
""", "wrong_activation", "absolute value"),
        Snippet("""
def relu(z):
    return jnp.minimum(z, 0.0)
""", "wrong_activation", "minimum instead of maximum"),
        Snippet("""
def relu(z):
    if z > 0:
        return z
    return 0.0 * z
""", "python_if_on_array", "a Python if on the array"),
        Snippet("""
def relu(z):
    return np.maximum(z, 0.0)
""", "numpy_inside_jit", "numpy's maximum"),
        Snippet("""
def relu(z):
    return jnp.where(z > 0, z, 0.01 * z)
""", "wrong_activation", "leaky ReLU"),
    ],
    alternatives=[
        Snippet("""
def relu(z):
    return jnp.where(z > 0, z, 0.0)
""", note="jnp.where"),
        Snippet("""
def relu(z):
    return z * (z > 0)
""", note="multiply by a mask"),
        Snippet("""
def relu(z):
    return jnp.clip(z, 0.0)
""", note="jnp.clip from below"),
    ],
)


# --- logistic_model -----------------------------------------------------------

def _logistic_hidden(rng):
    cases = []
    for kind, scale in ((tuple, 1.0), (list, 30.0), (np.asarray, 3.0)):
        mag, _ = detection_completeness(jax.random.key(_seed(rng)), n=40)
        m50 = float(np.round(rng.uniform(20, 24), 3))
        w = -scale / float(np.round(rng.uniform(0.2, 0.6), 3))
        params = _f32([w, -w * m50]) if kind is np.asarray else kind([w, -w * m50])
        cases.append(Case((params, np.asarray(mag))))
    return cases


LOGISTIC_MODEL = Instructor(
    hidden_cases=_logistic_hidden,
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    mistakes=[
        Snippet("""
def logistic_model(params, x):
    w, b = params
    return w * x + b
""", "missing_sigmoid", "returns the logit"),
        Snippet("""
def logistic_model(params, x):
    w, b = params
    return jax.nn.sigmoid(b * x + w)
""", "parameter_order", "w and b swapped"),
        Snippet("""
def logistic_model(params, x):
    w, b = params
    return jax.nn.sigmoid(w * x)
""", "missing_bias", "forgot the bias"),
        Snippet("""
def logistic_model(params, x):
    w, b = params
    return 1.0 / (1.0 + jnp.exp(-(w * x + b)))
""", "overflow_in_exp", "naive sigmoid: NaN gradient for large logits"),
        Snippet("""
def logistic_model(params, x):
    w, b = params
    return jnp.maximum(w * x + b, 0.0)
""", "wrong_activation", "ReLU instead of the sigmoid"),
    ],
    alternatives=[
        Snippet("""
def logistic_model(params, x):
    return jax.scipy.special.expit(params[0] * x + params[1])
""", note="scipy's expit, indexing"),
        Snippet("""
def logistic_model(params, x):
    w, b = params
    return 0.5 * (jnp.tanh((w * x + b) / 2) + 1)
""", note="tanh form"),
    ],
)


# --- binary_cross_entropy -----------------------------------------------------

def _bce_hidden(rng):
    cases = []
    for n, shape in ((50, (-1,)), (30, (-1, 1)), (200, (-1,))):
        y = (rng.uniform(size=n) < 0.5).astype(F32)
        p = rng.uniform(size=n)
        extreme = rng.uniform(size=n) < 0.2
        p[extreme] = np.round(rng.uniform(size=extreme.sum()))
        cases.append(Case((y, p.reshape(shape).astype(F32))))
    return cases


BINARY_CROSS_ENTROPY = Instructor(
    hidden_cases=_bce_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def binary_cross_entropy(y_true, p):
    y, p = jnp.ravel(y_true), jnp.ravel(p)
    return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))
""", "log_of_zero", "no clipping: log(0)"),
        Snippet("""
def binary_cross_entropy(y_true, p):
    y, p = jnp.ravel(y_true), jnp.clip(jnp.ravel(p), 1e-7, 1 - 1e-7)
    return -jnp.sum(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))
""", "sum_vs_mean", "sum instead of mean"),
        Snippet("""
def binary_cross_entropy(y_true, p):
    y, p = jnp.ravel(y_true), jnp.clip(jnp.ravel(p), 1e-7, 1 - 1e-7)
    return jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))
""", "wrong_sign", "forgot the minus sign"),
        Snippet("""
def binary_cross_entropy(y_true, p):
    y, p = jnp.ravel(y_true), jnp.clip(jnp.ravel(p), 1e-7, 1 - 1e-7)
    return -jnp.mean(y * jnp.log(p))
""", "missing_negative_class", "only the y log p term"),
        Snippet("""
def binary_cross_entropy(y_true, p):
    y, p = jnp.clip(jnp.ravel(y_true), 1e-7, 1 - 1e-7), jnp.ravel(p)
    return -jnp.mean(p * jnp.log(y) + (1 - p) * jnp.log(1 - y))
""", "argument_order", "labels and probabilities swapped"),
        Snippet("""
def binary_cross_entropy(y_true, p):
    p = jnp.clip(p, 1e-7, 1 - 1e-7)
    return -jnp.mean(y_true * jnp.log(p) + (1 - y_true) * jnp.log(1 - p))
""", "broadcast_n1_vs_n", "(n,) against (n, 1) broadcasts to (n, n)"),
    ],
    alternatives=[
        Snippet("""
def binary_cross_entropy(y_true, p):
    p = jnp.clip(p.reshape(y_true.shape), 1e-7, 1 - 1e-7)
    return -jnp.mean(jnp.where(y_true == 1, jnp.log(p), jnp.log1p(-p)))
""", note="jnp.where on 0/1 labels, log1p"),
        Snippet("""
def binary_cross_entropy(y_true, p):
    y = jnp.ravel(y_true)
    p = jnp.minimum(jnp.maximum(jnp.ravel(p), 1e-7), 1 - 1e-7)
    return -jnp.average(jax.scipy.special.xlogy(y, p) + jax.scipy.special.xlogy(1 - y, 1 - p))
""", note="xlogy, minimum/maximum"),
    ],
)


# --- has_converged ------------------------------------------------------------

def _convergence_pairs(rng, n: int, rtol: float):
    """prev and loss arrays: losses of both signs, relative changes well away from rtol."""
    prev = rng.choice([-1, 1], size=n) * 10 ** rng.uniform(-2, 3, size=n)
    ratio = 10 ** rng.uniform(-3, 1, size=n) * rtol
    ratio = np.where(np.abs(np.log10(ratio / rtol)) < 0.1, ratio * 5, ratio)
    loss = prev + rng.choice([-1, 1], size=n) * ratio * np.abs(prev)
    return prev.astype(F32), loss.astype(F32)


def _convergence_hidden(rng):
    """Random pairs at two tolerances, and pairs exactly at the tolerance (|change| == rtol * |prev|, exact in
    float32), where `<=` and `<` differ."""
    at_the_bound = Case((np.array([1.0, 2.0, -4.0, 8.0], F32), np.array([1.5, 3.0, -6.0, 4.0], F32), 0.5))
    return [*(Case((*_convergence_pairs(rng, n, rtol), rtol)) for n, rtol in ((40, 1e-4), (40, 1e-2))), at_the_bound]


HAS_CONVERGED = Instructor(
    hidden_cases=_convergence_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return jnp.abs(prev_loss - loss) <= rtol
""", "absolute_vs_relative_tolerance", "absolute change compared with rtol"),
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return prev_loss - loss <= rtol * jnp.abs(prev_loss)
""", "convergence_abs", "no abs on the change: an increase counts as converged"),
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return jnp.abs(prev_loss - loss) <= rtol * prev_loss
""", "convergence_abs", "no abs on prev_loss: fails for negative losses"),
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return jnp.abs(loss - prev_loss) / prev_loss <= rtol
""", "convergence_abs", "relative change divided by prev_loss without abs: negative losses always converged"),
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    if jnp.abs(prev_loss - loss) <= rtol * jnp.abs(prev_loss):
        return True
    return False
""", "python_if_on_array", "a Python if on the array"),
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return jnp.abs(prev_loss - loss) > rtol * jnp.abs(prev_loss)
""", "inverted_condition", "True while the loss still changes"),
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return jnp.abs(loss - prev_loss) < rtol * jnp.abs(prev_loss)
""", "inverted_condition", "< instead of <=: a change of exactly rtol * |prev_loss| is not converged "
                           "(a mutant that survived)"),
    ],
    alternatives=[
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return jnp.isclose(loss, prev_loss, rtol=rtol, atol=0.0)
""", note="jnp.isclose with atol=0"),
        Snippet("""
def has_converged(prev_loss, loss, rtol):
    return jnp.abs(1.0 - loss / prev_loss) <= rtol
""", note="relative change as 1 - loss / prev_loss"),
    ],
)


# --- normalise ----------------------------------------------------------------

def _normalise_hidden(rng):
    return [Case((rng.uniform(-50, 30, size=n).astype(F32),)) for n in (7, 64)] + \
        [Case((np.asarray(white_dwarf_spectrum(jax.random.key(_seed(rng)), n=100)[0]),))]


NORMALISE = Instructor(
    hidden_cases=_normalise_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def normalise(x):
    return x / jnp.max(x)
""", "minmax_formula", "divides by the maximum only"),
        Snippet("""
def normalise(x):
    return (x - jnp.min(x)) / jnp.max(x)
""", "minmax_formula", "divides by the maximum, not the range"),
        Snippet("""
def normalise(x):
    return (x - jnp.mean(x)) / jnp.std(x)
""", "standardise_vs_normalise", "mean 0, std 1"),
        Snippet("""
def normalise(x):
    return (x - jnp.min(x)) / (jnp.min(x) - jnp.max(x))
""", "wrong_sign", "range the wrong way round"),
        Snippet("""
def normalise(x):
    x = np.asarray(x)
    return (x - x.min()) / (x.max() - x.min())
""", "numpy_inside_jit", "converts to a numpy array"),
        Snippet("""
def normalise(x):
    x -= x.min()
    x /= x.max()
    return x
""", "in_place_operator", "in-place operators"),
        Snippet("""
def normalise(x):
    x -= x.min()
    return x / x.max()
""", "in_place_operator", "x -= x.min() changes a numpy input in place"),
    ],
    alternatives=[
        Snippet("""
def normalise(x):
    return (x - x.min()) / jnp.ptp(x)
""", note="jnp.ptp for the range"),
        Snippet("""
def normalise(x):
    lo, hi = jnp.min(x), jnp.max(x)
    return jnp.interp(x, jnp.array([lo, hi]), jnp.array([0.0, 1.0]))
""", note="jnp.interp"),
    ],
)


# --- init_mlp -----------------------------------------------------------------

INIT_MLP = Instructor(
    hidden_cases=lambda rng: [Case((Key(_seed(rng)), (3, 20, 10, 2), 0.1))],
    hidden_checks=(
        matches_reference("shapes", name="shapes", describe="returns [(W, b), ...] with W (n_in, n_out), b (n_out,)"),
        *init_distribution_checks(),
        sampling.no_shared_draws(requires=("shapes",)),
        keys.no_key_reuse(),
        keys.key_changes_result(0),
    ),
    mistakes=[
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, subkey = jax.random.split(key)
        W = scale * jax.random.normal(subkey, (n_in, n_out))
        b = scale * jax.random.normal(subkey, (n_out,))
        params.append((W, b))
    return params
""", "shared_draws", "one key for W and b of a layer"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    key_w, key_b = jax.random.split(key)
    return [(scale * jax.random.normal(key_w, (n_in, n_out)), scale * jax.random.normal(key_b, (n_out,)))
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]
""", "shared_draws", "the same two keys for every layer"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    key = jax.random.PRNGKey(0)
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, k_w, k_b = jax.random.split(key, 3)
        params.append((scale * jax.random.normal(k_w, (n_in, n_out)), scale * jax.random.normal(k_b, (n_out,))))
    return params
""", "hardcoded_key", "jax.random.PRNGKey(0) inside"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    return [(scale * np.random.normal(size=(n_in, n_out)), scale * np.random.normal(size=n_out))
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]
""", "global_random_state", "numpy's global random state"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, k_w, k_b = jax.random.split(key, 3)
        params.append((scale * jax.random.normal(k_w, (n_out, n_in)), scale * jax.random.normal(k_b, (n_out,))))
    return params
""", "weight_shape", "W of shape (n_out, n_in)"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, k_w = jax.random.split(key)
        params.append(scale * jax.random.normal(k_w, (n_in, n_out)))
    return params
""", "missing_bias", "no biases"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, k_w, k_b = jax.random.split(key, 3)
        params.append((jax.random.normal(k_w, (n_in, n_out)), jax.random.normal(k_b, (n_out,))))
    return params
""", "init_scale", "forgot to multiply by scale"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, k_w = jax.random.split(key)
        params.append((scale * jax.random.normal(k_w, (n_in, n_out)), jnp.zeros(n_out)))
    return params
""", "params_not_drawn", "biases all zero, not drawn"),
    ],
    alternatives=[
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    n_layers = len(layer_sizes) - 1
    layer_keys = jax.random.split(key, 2 * n_layers).reshape(n_layers, 2)
    return [[scale * jax.random.normal(k[0], (n_in, n_out)), scale * jax.random.normal(k[1], (n_out,))]
            for k, n_in, n_out in zip(layer_keys, layer_sizes[:-1], layer_sizes[1:])]
""", note="split once into 2 keys per layer; lists instead of tuples"),
        Snippet("""
def init_mlp(key, layer_sizes, scale):
    params = []
    for i, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        k_w, k_b = jax.random.split(jax.random.fold_in(key, i))
        params.append((scale * jax.random.normal(k_w, (n_in, n_out)), scale * jax.random.normal(k_b, (n_out,))))
    return params
""", note="fold_in the layer number, then split"),
    ],
)


# --- mlp_forward --------------------------------------------------------------

MLP_FORWARD = Instructor(
    hidden_cases=lambda rng: [_mlp_case(rng, (3, 16, 2), 30), _mlp_case(rng, (2, 5, 5, 5, 1), 12, list)],
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    mistakes=[
        Snippet("""
def mlp_forward(params, x):
    h = x
    for W, b in params[:-1]:
        h = jnp.maximum(h @ W + b, 0.0)
    W, b = params[-1]
    return h @ W + b
""", "missing_sigmoid", "linear output"),
        Snippet("""
def mlp_forward(params, x):
    h = x
    for W, b in params:
        h = jnp.maximum(h @ W + b, 0.0)
    return jax.nn.sigmoid(h)
""", "relu_on_output", "ReLU on the last layer too"),
        Snippet("""
def mlp_forward(params, x):
    h = x
    for W, b in params:
        h = jax.nn.sigmoid(h @ W + b)
    return h
""", "wrong_activation", "sigmoid in the hidden layers"),
        Snippet("""
def mlp_forward(params, x):
    h = x
    for W, b in params[:-1]:
        h = jnp.maximum(h @ W, 0.0)
    return jax.nn.sigmoid(h @ params[-1][0])
""", "missing_bias", "biases never added"),
        Snippet("""
def mlp_forward(params, x):
    h = x
    for W, b in params[:-1]:
        h = np.maximum(h @ W + b, 0.0)
    W, b = params[-1]
    return jax.nn.sigmoid(h @ W + b)
""", "numpy_inside_jit", "numpy's maximum"),
    ],
    alternatives=[
        Snippet("""
def mlp_forward(params, x):
    *hidden, (W_out, b_out) = params
    for W, b in hidden:
        x = jax.nn.relu(jnp.dot(x, W) + b)
    return jax.nn.sigmoid(jnp.dot(x, W_out) + b_out)
""", note="unpack the output layer, jax.nn activations"),
        Snippet("""
def mlp_forward(params, x):
    for i, (W, b) in enumerate(params):
        z = x @ W + b
        x = 1 / (1 + jnp.exp(-jnp.clip(z, -60, 60))) if i == len(params) - 1 else jnp.where(z > 0, z, 0.0)
    return x
""", note="index test on the layer number, clipped sigmoid"),
    ],
)


# --- train_mlp ----------------------------------------------------------------

def _train_hidden(rng):
    return [_spectrum_case(_seed(rng), 360, 0.015, _seed(rng))]


# A correct training function written as a student would; the mistakes below change a line or two of it.
_TRAIN_SGD = """def _forward(params, x):
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    return jax.nn.sigmoid(x @ params[-1][0] + params[-1][1])

def train_mlp(key, x, y, layer_sizes, scale, lr, batch_size, n_steps):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, k_w, k_b = jax.random.split(key, 3)
        params.append((scale * jax.random.normal(k_w, (n_in, n_out)), scale * jax.random.normal(k_b, (n_out,))))
    loss = lambda p, xb, yb: jnp.mean((_forward(p, xb[:, None])[:, 0] - yb) ** 2)

    @jax.jit
    def step(params, k):
        idx = jax.random.choice(k, x.shape[0], (batch_size,), replace=False)
        grads = jax.grad(loss)(params, x[idx], y[idx])
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)

    for k in jax.random.split(key, n_steps):
        params = step(params, k)
    return params
"""


def _train_variant(*changes: tuple[str, str]) -> str:
    """_TRAIN_SGD with each (old, new) text replaced; every old text must occur exactly once."""
    code = _TRAIN_SGD
    for old, new in changes:
        if code.count(old) != 1:
            raise ValueError(f"{old!r} occurs {code.count(old)} times in the training template")
        code = code.replace(old, new)
    return code


def _zero_start(args):
    """20 steps from all-zero parameters (scale 0): the result then depends on the key only through the
    mini-batches, so a batch order that ignores the key is seen."""
    key, x, y, layer_sizes, _, lr, batch_size, _ = args
    return (key, x, y, layer_sizes, 0.0, lr, batch_size, 20)


TRAIN_MLP = Instructor(
    public_cases=lambda: [_spectrum_case(0, 400, 0.01, 1,
                                         "key = jax.random.key(1), the even pixels of white_dwarf_spectrum("
                                         "jax.random.key(0)) scaled to [0, 1], layer_sizes=(1, 32, 32, 1), "
                                         "scale=0.3, lr=1.0, batch_size=32, n_steps=500; validated on the odd "
                                         "pixels")],
    hidden_cases=_train_hidden,
    hidden_checks=(
        training.reaches_loss(TARGET_VALIDATION_MSE, model="mlp_forward", inputs=as_column, weight=2,
                              describe=f"validation MSE below {TARGET_VALIDATION_MSE} on another spectrum "
                                       "(with your mlp_forward)"),
        keys.no_key_reuse(shorter=_few_steps),
        keys.deterministic_in_key(shorter=_zero_start),
        training.zero_rate_keeps_start(lr_argnum=5, steps_argnum=7),
    ),
    mistakes=[
        Snippet(_train_variant(("p - lr * g", "p + lr * g")), "training_diverged", "+ instead of - in the update"),
        Snippet(_train_variant(("p - lr * g", "g - lr * p")), "wrong_update_rule",
                "parameters and gradients swapped in the update: trains to the target at lr=1 all the same "
                "(a mutant that survived)"),
        Snippet(_train_variant(("jax.random.split(key, n_steps)", "jax.random.split(jax.random.key(0), n_steps)")),
                "hardcoded_key", "the batches drawn from a key of its own making; the start still comes from "
                "the key (a mutant that survived)"),
        Snippet(_train_variant(("    for k in jax.random.split(key, n_steps):\n        params = step(params, k)",
                                "    for _ in range(n_steps):\n        params = step(params, key)")),
                "reused_key", "the same key for every batch"),
        Snippet(_train_variant(
            ("    def step(params, k):\n        idx = jax.random.choice(k, x.shape[0], (batch_size,), replace=False)",
             "    def step(params, idx):"),
            ("    for k in jax.random.split(key, n_steps):\n        params = step(params, k)",
             "    for _ in range(n_steps):\n        params = step(params, np.random.choice(x.shape[0], batch_size, replace=False))")),
            "global_random_state", "batches from numpy's global random state"),
        Snippet(_train_variant(("jnp.mean((_forward", "jnp.sum((_forward")),
                "training_diverged", "sum instead of mean over the batch: steps 32 times too large"),
        Snippet(_train_variant(("        params = step(params, k)", "        step(params, k)")),
                "training_diverged", "the result of each step is thrown away"),
        Snippet(_train_variant(
            ("        key, k_w, k_b = jax.random.split(key, 3)\n        params.append((scale * jax.random.normal(k_w, (n_in, n_out)), scale * jax.random.normal(k_b, (n_out,))))",
             "        params.append((scale * jax.random.normal(jax.random.PRNGKey(0), (n_in, n_out)), jnp.zeros(n_out)))"),
            ("jax.random.split(key, n_steps)", "jax.random.split(jax.random.PRNGKey(0), n_steps)")),
            "hardcoded_key", "jax.random.PRNGKey(0) for everything"),
        Snippet(_train_variant(("loss = lambda p, xb, yb: jnp.mean((_forward(p, xb[:, None])[:, 0] - yb) ** 2)",
                                "loss = lambda p, xb, yb: (_forward(p, xb[:, None])[:, 0] - yb) ** 2")),
                "grad_needs_scalar", "the loss is not reduced to one number: jax.grad of a vector"),
        Snippet("""
def _forward(params, x):
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    return jax.nn.sigmoid(x @ params[-1][0] + params[-1][1])

def train_mlp(key, x, y, layer_sizes, scale, lr, batch_size, n_steps):
    key, init_key, batch_key = jax.random.split(key, 3)
    params = []
    for i, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        k_w, k_b = jax.random.split(jax.random.fold_in(init_key, i))
        params.append((scale * jax.random.normal(k_w, (n_in, n_out)), scale * jax.random.normal(k_b, (n_out,))))
    loss = lambda p, xb, yb: jnp.mean((_forward(p, xb[:, None])[:, 0] - yb) ** 2)

    @jax.jit
    def step(params, k):
        idx = jax.random.choice(k, x.shape[0], (batch_size,), replace=False)
        grads = jax.grad(loss)(params, x[idx], y[idx])
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)

    for _ in range(n_steps):
        params = step(params, batch_key)
    return params
""", "reused_key", "one batch key, split off once, used for every step: the same batch 500 times"),
    ],
    alternatives=[
        Snippet("""
def _forward(params, x):
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    return jax.nn.sigmoid(x @ params[-1][0] + params[-1][1])

def train_mlp(key, x, y, layer_sizes, scale, lr, batch_size, n_steps):
    key, init_key = jax.random.split(key)
    params = []
    for i, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        k_w, k_b = jax.random.split(jax.random.fold_in(init_key, i))
        params.append([scale * jax.random.normal(k_w, (n_in, n_out)), scale * jax.random.normal(k_b, (n_out,))])

    def loss(p, xb, yb):
        return jnp.mean((_forward(p, xb[:, None])[:, 0] - yb) ** 2)

    def step(params, k):
        idx = jax.random.randint(k, (batch_size,), 0, x.shape[0])
        grads = jax.grad(loss)(params, x[idx], y[idx])
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), None

    params, _ = jax.lax.scan(step, params, jax.random.split(key, n_steps))
    return params
""", note="lax.scan over the steps, batches with replacement, fold_in keys"),
        Snippet("""
def _forward(params, x):
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    return jax.nn.sigmoid(x @ params[-1][0] + params[-1][1])

def train_mlp(key, x, y, layer_sizes, scale, lr, batch_size, n_steps):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        key, k_w, k_b = jax.random.split(key, 3)
        params.append((scale * jax.random.normal(k_w, (n_in, n_out)), scale * jax.random.normal(k_b, (n_out,))))
    loss = lambda p, xb, yb: jnp.mean((_forward(p, xb[:, None])[:, 0] - yb) ** 2)

    @jax.jit
    def step(params, key):
        key, subkey = jax.random.split(key)
        idx = jax.random.permutation(subkey, x.shape[0])[:batch_size]
        grads = jax.grad(loss)(params, x[idx], y[idx])
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), key

    for _ in range(n_steps):
        params, key = step(params, key)
    return params
""", note="the key carried through the loop, permutation batches"),
    ],
)


INSTRUCTOR = {
    "design_matrix": DESIGN_MATRIX,
    "least_squares": LEAST_SQUARES,
    "linear_model": LINEAR_MODEL,
    "mse": MSE,
    "mae": MAE,
    "mse_grad_analytic": MSE_GRAD_ANALYTIC,
    "gd_step": GD_STEP,
    "sample_batch": SAMPLE_BATCH,
    "sigmoid": SIGMOID,
    "relu": RELU,
    "logistic_model": LOGISTIC_MODEL,
    "binary_cross_entropy": BINARY_CROSS_ENTROPY,
    "has_converged": HAS_CONVERGED,
    "normalise": NORMALISE,
    "init_mlp": INIT_MLP,
    "mlp_forward": MLP_FORWARD,
    "train_mlp": TRAIN_MLP,
}
