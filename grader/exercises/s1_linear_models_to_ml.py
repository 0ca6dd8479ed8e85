"""s1_linear_models_to_ml: from least squares to a small neural network, on astronomy data.

Seventeen graded functions: the design matrix and least squares for a noisy
line; the MSE and MAE losses (including predictions shaped (n, 1) against
targets (n,)); the MSE gradient by hand and one gradient-descent step for any
pytree; mini-batches drawn with a key; sigmoid and ReLU; logistic regression
and binary cross-entropy for survey detection completeness; a convergence test;
min-max scaling; and a multilayer perceptron (initialisation, forward pass,
training) that interpolates a white-dwarf spectrum.

Inputs are float32. This is the public half (it ships to students): signatures,
public cases, probes and visible checks. The hidden-case generators, hidden
checks, oracles and the corpus of mistakes and alternatives are in the
instructor's instructor/exercises/s1_linear_models_to_ml.py; hidden inputs are
drawn with a seed kept only in the instructor's hidden reference data.
"""
from __future__ import annotations

import jax
import numpy as np

from ..checks import keys, presets, sampling, training
from ..checks.gradients import grad_of_sum
from ..checks.oracle import matches_oracle
from ..checks.pytrees import works_on_pytrees
from ..checks.values import matches_reference
from ..data.lines import line_observations
from .spec import Assignment, Case, Exercise, Key, Part

F32 = np.float32


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=F32)


def _line_data(seed: int, n: int, **kwargs):
    """(x, y) of `grader.data.line_observations` as numpy float32 arrays."""
    x, y, _ = line_observations(jax.random.key(seed), n, **kwargs)
    return np.asarray(x), np.asarray(y)


def _zeros_like_each(fn, *args):
    """Probe: the structure and shapes of the result, with every value set to 0."""
    return jax.tree_util.tree_map(lambda a: np.zeros(np.shape(a), F32), fn(*args))


def _away_from_zero(z: np.ndarray, gap: float = 0.05) -> np.ndarray:
    """Entries within `gap` of 0 moved to +-2*gap (ReLU's kink is at 0)."""
    return np.where(np.abs(z) < gap, np.where(z < 0, -2 * gap, 2 * gap), z).astype(F32)


# --- design_matrix ------------------------------------------------------------

DESIGN_MATRIX = Exercise(
    name="design_matrix",
    signature="design_matrix(x)",
    public_cases=[Case((_f32(np.linspace(0, 10, 6)),), "x = jnp.linspace(0, 10, 6)")],
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- least_squares -------------------------------------------------------------

LEAST_SQUARES = Exercise(
    name="least_squares",
    signature="least_squares(A, y)",
    leaf_names={"": "the coefficients"},
    visible=Part(1, (matches_oracle("lstsq", rtol=1e-3, describe="agrees with jnp.linalg.lstsq"),)),
    hidden=Part(2),
)


# --- linear_model --------------------------------------------------------------

LINEAR_MODEL = Exercise(
    name="linear_model",
    signature="linear_model(params, x)",
    public_cases=[Case(((2.0, 1.0), _f32(np.linspace(0, 10, 5))), "params = (2.0, 1.0), x = jnp.linspace(0, 10, 5)")],
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.DIFFERENTIABLE.visible),
    hidden=Part(1),
)


# --- mse and mae -----------------------------------------------------------------

def _loss_cases_public():
    y_true = _f32([1.0, 2.0, 3.0, 4.0, 5.0])
    y_pred = _f32([1.5, 1.5, 3.5, 3.0, 4.5])  # no residual exactly 0: |r| has a kink there
    return [Case((y_true, y_pred), "y_true = [1, 2, 3, 4, 5], y_pred = [1.5, 1.5, 3.5, 3, 4.5]"),
            Case((y_true, y_pred.reshape(-1, 1)),
                 "y_true = [1, 2, 3, 4, 5] (shape (5,)), y_pred = [[1.5], [1.5], [3.5], [3], [4.5]] (shape (5, 1))")]


MSE = Exercise(
    name="mse",
    signature="mse(y_true, y_pred)",
    public_cases=_loss_cases_public,
    probes={"gradient": grad_of_sum(1)},
    visible=Part(1, presets.LOSS.visible),
    hidden=Part(2),
)

MAE = Exercise(
    name="mae",
    signature="mae(y_true, y_pred)",
    public_cases=_loss_cases_public,
    probes={"gradient": grad_of_sum(1)},
    visible=Part(1, presets.LOSS.visible),
    hidden=Part(1),
)


# --- mse_grad_analytic -----------------------------------------------------------

def _public_grad_case():
    x, y = _line_data(0, 20)
    return Case(((1.5, 0.0), x, y), "params = (1.5, 0.0), (x, y) from line_observations(jax.random.key(0), n=20)")


MSE_GRAD_ANALYTIC = Exercise(
    name="mse_grad_analytic",
    signature="mse_grad_analytic(params, x, y)",
    public_cases=lambda: [_public_grad_case()],
    leaf_names={"": "[dL/dm, dL/dc]"},
    visible=Part(1, (matches_oracle("autodiff_gradient", rtol=1e-4, describe="agrees with jax.grad of the MSE"),)),
    hidden=Part(2),
)


# --- gd_step ---------------------------------------------------------------------

def _layers(rng, sizes, container=tuple):
    return [container((rng.normal(size=(a, b)).astype(F32), rng.normal(size=b).astype(F32)))
            for a, b in zip(sizes[:-1], sizes[1:])]


def _gd_public():
    rng = np.random.default_rng(0)
    return [
        Case((_f32([1.0, -2.0, 3.0]), _f32([0.5, 0.5, -1.0]), 0.1),
             "params = jnp.array([1., -2., 3.]), grads = jnp.array([0.5, 0.5, -1.]), lr=0.1"),
        Case(((2.0, 1.0), (0.4, -0.2), 0.5), "params = (2.0, 1.0), grads = (0.4, -0.2), lr=0.5"),
        Case((_layers(rng, (1, 3, 1)), _layers(rng, (1, 3, 1)), 0.01),
             "params and grads: lists of (W, b) for layer sizes (1, 3, 1), lr=0.01"),
    ]


GD_STEP = Exercise(
    name="gd_step",
    signature="gd_step(params, grads, lr)",
    public_cases=_gd_public,
    visible=Part(1, (works_on_pytrees(), matches_reference(weight=2, requires=("pytrees",)))),
    hidden=Part(2),
)


# --- sample_batch ----------------------------------------------------------------

def _sample_public():
    x = _f32(np.arange(40))
    return [Case((Key(0), x, 2 * x + 1, 16),
                 "key = jax.random.key(0), x = jnp.arange(40.0), y = 2 * x + 1, batch_size=16")]


def _batch_form(key, x, y, batch_size):
    """(x_batch, y_batch): batch_size samples (rows) of x and of y, of their dtypes."""
    return tuple(jax.ShapeDtypeStruct((int(batch_size),) + tuple(np.shape(data))[1:], data.dtype)
                 for data in (x, y))


SAMPLE_BATCH = Exercise(
    name="sample_batch",
    signature="sample_batch(key, x, y, batch_size)",
    returns=_batch_form,
    leaf_names={"[0]": "x_batch", "[1]": "y_batch"},
    public_cases=_sample_public,
    static_argnums=(3,),
    visible=Part(2, (
        sampling.batch_shape(),
        sampling.aligned_pairs(requires=("batch_shape",)),
        keys.same_key_same_result(),
        keys.key_changes_result(0),
        sampling.every_sample_drawn(requires=("batch_shape",)),
    )),
    hidden=Part(2),
)


# --- sigmoid and relu --------------------------------------------------------------

EXTREMES = _f32([-1000.0, -100.0, -20.0, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0, 100.0, 1000.0])


SIGMOID = Exercise(
    name="sigmoid",
    signature="sigmoid(z)",
    public_cases=[Case((EXTREMES,), "z = [-1000, -100, -20, -3, -0.5, 0, 0.5, 3, 20, 100, 1000]")],
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.DIFFERENTIABLE.visible),
    hidden=Part(1),
)

RELU = Exercise(
    name="relu",
    signature="relu(z)",
    public_cases=[Case((_away_from_zero(EXTREMES),), "z = [-1000, -100, -20, -3, -0.5, -0.1, 0.5, 3, 20, 100, 1000]")],
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.DIFFERENTIABLE.visible),
    hidden=Part(1),
)


# --- logistic_model ----------------------------------------------------------------

def _public_logistic():
    width, m50 = 0.35, 22.5
    magnitude = _f32(np.linspace(18.0, 26.0, 9))
    return [Case(((-1 / width, m50 / width), magnitude),
                 "params = (-1/0.35, 22.5/0.35), x = jnp.linspace(18, 26, 9) (magnitudes)"),
            Case(((-40.0, 900.0), magnitude), "params = (-40.0, 900.0), x = jnp.linspace(18, 26, 9)")]


LOGISTIC_MODEL = Exercise(
    name="logistic_model",
    signature="logistic_model(params, x)",
    public_cases=_public_logistic,
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.DIFFERENTIABLE.visible),
    hidden=Part(1),
)


# --- binary_cross_entropy -------------------------------------------------------------

def _bce_public():
    y = _f32([1, 1, 0, 0, 1, 0])
    p = _f32([0.9, 1.0, 0.2, 0.0, 0.0, 1.0])
    return [Case((y, p), "y_true = [1, 1, 0, 0, 1, 0], p = [0.9, 1, 0.2, 0, 0, 1]"),
            Case((y, p.reshape(-1, 1)), "the same with p of shape (6, 1)")]


BINARY_CROSS_ENTROPY = Exercise(
    name="binary_cross_entropy",
    signature="binary_cross_entropy(y_true, p)",
    public_cases=_bce_public,
    visible=Part(1, (matches_reference(),)),
    hidden=Part(2),
)


# --- has_converged -------------------------------------------------------------------

def _convergence_public():
    # 1000 -> 999.5 converged (|change| 0.5 > rtol, but < rtol * 1000); -2 -> -2.0005 converged
    # (rtol * prev_loss < 0): an absolute test and one without abs(prev_loss) differ here.
    prev = _f32([10.0, 10.0, 10.0, -50.0, -50.0, 2.0, 1000.0, -2.0])
    loss = _f32([9.9999, 9.0, 12.0, -50.01, -40.0, 2.0, 999.5, -2.0005])
    return [Case((prev, loss, 1e-3),
                 "prev_loss = [10, 10, 10, -50, -50, 2, 1000, -2], "
                 "loss = [9.9999, 9, 12, -50.01, -40, 2, 999.5, -2.0005], rtol=1e-3")]


HAS_CONVERGED = Exercise(
    name="has_converged",
    signature="has_converged(prev_loss, loss, rtol)",
    public_cases=_convergence_public,
    visible=Part(1, (matches_reference(),)),
    hidden=Part(1),
)


# --- normalise -------------------------------------------------------------------------

NORMALISE = Exercise(
    name="normalise",
    signature="normalise(x)",
    public_cases=[Case((_f32([3800.0, 4500.0, 5000.0, 6563.0, 7000.0]),), "x = [3800, 4500, 5000, 6563, 7000]")],
    visible=Part(1, (matches_reference(),)),
    hidden=Part(1),
)


# --- init_mlp ----------------------------------------------------------------------------

def _weights_over_scale(out, args):
    """All weights, divided by the scale: should be standard normal."""
    return {"the weights": np.concatenate([np.ravel(np.asarray(layer[0])) for layer in out]) / args[2]}


def _biases_over_scale(out, args):
    """All biases, divided by the scale: should be standard normal."""
    return {"the biases": np.concatenate([np.ravel(np.asarray(layer[1])) for layer in out]) / args[2]}


def init_distribution_checks():
    """Weights and biases each scale * N(0, 1); zeros (or any constant) are not draws. The biases are
    few (32 to 65 numbers), so their check needs fewer numbers and skips the kurtosis."""
    return (
        keys.standard_normal(_weights_over_scale, name="weights", describe="weights are scale * N(0, 1)",
                             hint="init_scale", constant_hint="params_not_drawn", requires=("shapes",)),
        keys.standard_normal(_biases_over_scale, name="biases", describe="biases are scale * N(0, 1)",
                             hint="init_scale", constant_hint="params_not_drawn", min_size=20,
                             requires=("shapes",)),
    )


def layers_form(layer_sizes) -> list:
    """[(W, b), ...]: W of shape (n_in, n_out), b of shape (n_out,), for each pair of consecutive sizes."""
    return [(jax.ShapeDtypeStruct((n_in, n_out), F32), jax.ShapeDtypeStruct((n_out,), F32))
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]


# Names of the leaves of [(W, b), ...] in messages (networks of up to 10 layers).
LAYER_NAMES = {f"[{i}][{j}]": f"{'Wb'[j]} of layer {i}" for i in range(10) for j in range(2)}

INIT_MLP = Exercise(
    name="init_mlp",
    signature="init_mlp(key, layer_sizes, scale)",
    returns=lambda key, layer_sizes, scale: layers_form(layer_sizes),
    leaf_names={"output": LAYER_NAMES, "shapes": LAYER_NAMES},
    public_cases=[Case((Key(0), (1, 32, 32, 1), 0.5), "key = jax.random.key(0), layer_sizes=(1, 32, 32, 1), scale=0.5")],
    static_argnums=(1,),
    probes={"shapes": _zeros_like_each},
    visible=Part(2, (
        matches_reference("shapes", name="shapes", describe="returns [(W, b), ...] with W (n_in, n_out), b (n_out,)"),
        *init_distribution_checks(),
        sampling.no_shared_draws(requires=("shapes",)),
        keys.same_key_same_result(),
        keys.key_changes_result(0),
    )),
    hidden=Part(2),
)


# --- mlp_forward -------------------------------------------------------------------------

def _mlp_case(rng, sizes, n, container=tuple):
    params = [container((rng.normal(0, 0.8, size=(a, b)).astype(F32), rng.normal(0, 0.5, size=b).astype(F32)))
              for a, b in zip(sizes[:-1], sizes[1:])]
    return Case((params, rng.uniform(0, 1, size=(n, sizes[0])).astype(F32)))


def _mlp_public():
    case = _mlp_case(np.random.default_rng(1), (1, 8, 8, 1), 20)
    return [Case(case.args, "params: (W, b) for layer sizes (1, 8, 8, 1), x of shape (20, 1) in [0, 1]")]


MLP_FORWARD = Exercise(
    name="mlp_forward",
    signature="mlp_forward(params, x)",
    public_cases=_mlp_public,
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.DIFFERENTIABLE.visible),
    hidden=Part(2),
)


# --- train_mlp ---------------------------------------------------------------------------

TRAIN_SETTINGS = ((1, 32, 32, 1), 0.3, 1.0, 32, 500)  # layer_sizes, scale, lr, batch_size, n_steps
# Validation MSE to reach (scaled flux), measured on the public case: predicting the mean gives 0.047,
# a least-squares straight line 0.0073, the reference solution 0.0065-0.0069 for 75 to 1500 steps
# (500 steps of plain SGD learn the continuum, not the line cores). An untrained or diverging
# network stays far above the target.
TARGET_VALIDATION_MSE = 0.010


def _few_steps(args):
    """The training arguments with 20 steps instead of 500: enough to see how keys are used."""
    return (*args[:-1], 20)


def as_column(x):
    """(N,) -> (N, 1): validation pixels as the input mlp_forward takes."""
    return x[:, None]


TRAIN_MLP = Exercise(
    name="train_mlp",
    signature="train_mlp(key, x, y, layer_sizes, scale, lr, batch_size, n_steps)",
    returns=lambda key, x, y, layer_sizes, *settings: layers_form(layer_sizes),
    leaf_names=LAYER_NAMES,
    visible=Part(2, (
        training.reaches_loss(TARGET_VALIDATION_MSE, model="mlp_forward", inputs=as_column, weight=3,
                              describe=f"validation MSE below {TARGET_VALIDATION_MSE} (with your mlp_forward)"),
        keys.deterministic_in_key(shorter=_few_steps),
        keys.no_key_reuse(shorter=_few_steps),
    )),
    hidden=Part(2),
)


ASSIGNMENT = Assignment("s1_linear_models_to_ml", [
    DESIGN_MATRIX, LEAST_SQUARES, LINEAR_MODEL, MSE, MAE, MSE_GRAD_ANALYTIC, GD_STEP, SAMPLE_BATCH,
    SIGMOID, RELU, LOGISTIC_MODEL, BINARY_CROSS_ENTROPY, HAS_CONVERGED, NORMALISE,
    INIT_MLP, MLP_FORWARD, TRAIN_MLP,
])
