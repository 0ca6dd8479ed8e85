"""s1_jax_fundamentals: JAX as numpy with autodiff and jit; explicit PRNG keys; immutable arrays.

Seven graded functions, 11 visible and 14 hidden points. Arrays are float32
(JAX's default). This is the public half, which ships to students; the hidden
cases and checks and the corpus are in instructor/exercises/s1_jax_fundamentals.py.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..checks import keys, presets
from ..checks.gradients import grad_of_sum, gradient_matches_reference
from ..checks.values import matches_reference
from .spec import Assignment, Case, Exercise, Fn, Key, Part

F32 = np.float32


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=F32)


def _pair_item(i: int):
    """Probe: item i of a returned pair (the whole result when it is not a pair)."""
    def probe(fn, *args):
        out = fn(*args)
        return out[i] if isinstance(out, (tuple, list)) and len(out) == 2 else out
    return probe


# --- noisy_line ---------------------------------------------------------------

def _noise_samples(out, args):
    """(y - (m x + b)) / sigma, which should be standard normal."""
    _, x, m, b, sigma = args
    return [(np.asarray(out, np.float64) - (m * np.asarray(x, np.float64) + b)) / sigma]


NOISY_LINE = Exercise(
    name="noisy_line",
    signature="noisy_line(key, x, m, b, sigma)",
    returns=lambda key, x, m, b, sigma: jax.ShapeDtypeStruct(np.shape(x), F32),
    public_cases=[Case((Key(0), _f32(np.linspace(0, 10, 20000)), 2.0, 1.0, 0.5),
                       "key = jax.random.key(0), x = jnp.linspace(0, 10, 20000), m=2, b=1, sigma=0.5")],
    probes={"line": lambda fn, key, x, m, b, sigma: fn(key, x, m, b, 0.0)},
    visible=Part(2, (
        matches_reference("line", name="line", describe="with sigma=0 it is exactly the line m*x + b"),
        keys.standard_normal(_noise_samples, name="noise", describe="the noise is normal with std sigma",
                             hint="wrong_noise_scale"),
        keys.same_key_same_result(),
        keys.key_changes_result(0),
    )),
    hidden=Part(2),
)


# --- two_independent_normals --------------------------------------------------

def _zeros_like_each(fn, key, shape):
    """Probe: the structure and shapes of the result, with every value set to 0."""
    return jax.tree_util.tree_map(lambda a: np.zeros(np.shape(a), F32), fn(key, shape))


TWO_INDEPENDENT_NORMALS = Exercise(
    name="two_independent_normals",
    signature="two_independent_normals(key, shape)",
    returns=lambda key, shape: (jax.ShapeDtypeStruct(tuple(shape), F32),) * 2,
    public_cases=[Case((Key(1), (200, 100)), "key = jax.random.key(1), shape=(200, 100)")],
    static_argnums=(1,),
    probes={"shapes": _zeros_like_each},
    visible=Part(2, (
        matches_reference("shapes", name="shapes", describe="returns two arrays of the given shape"),
        keys.standard_normal(lambda out, args: list(out), requires=("shapes",)),
        keys.independent_draws(requires=("shapes",)),
        keys.no_draw_with_parent_key(),
        keys.same_key_same_result(),
    )),
    hidden=Part(2),
)


# --- set_entry ----------------------------------------------------------------

SET_ENTRY = Exercise(
    name="set_entry",
    signature="set_entry(x, index, value)",
    public_cases=[
        Case((_f32(np.arange(5)), 2, 10.0), "x = jnp.arange(5.0), index=2, value=10.0"),
        Case((np.zeros((2, 3), F32), (1, 2), -1.5), "x = jnp.zeros((2, 3)), index=(1, 2), value=-1.5"),
    ],
    visible=Part(1, (presets.values(), presets.unchanged())),
    hidden=Part(2),
)


# --- record -------------------------------------------------------------------

def _record_loop(fn, history, step, value):
    """Probe: log the losses s**2 of a four-step loop into a fresh history of zeros."""
    log = jnp.zeros(4)
    for s in range(4):
        log = fn(log, s, float(s) ** 2)
    return log


RECORD = Exercise(
    name="record",
    signature="record(history, step, value)",
    public_cases=[
        Case((np.full(5, np.nan, F32), 2, 0.5), "history = jnp.full(5, jnp.nan), step=2, value=0.5"),
        Case((_f32([3, 2, 1, 0]), 3, 0.25), "history = jnp.array([3., 2., 1., 0.]), step=3, value=0.25"),
    ],
    probes={"loop": _record_loop},
    visible=Part(1, (
        matches_reference(),
        matches_reference("loop", name="loop", describe="logs every step of a loop"),
    )),
    hidden=Part(2),
)


# --- mse_value_and_grad -------------------------------------------------------

MSE_VALUE_AND_GRAD = Exercise(
    name="mse_value_and_grad",
    signature="mse_value_and_grad(params, x, y)",
    public_cases=[Case(((2.0, 1.0), _f32(np.linspace(0, 1, 5)), _f32([1.0, 1.6, 2.4, 2.9, 3.1])),
                       "params = (2.0, 1.0), x = jnp.linspace(0, 1, 5), y = [1.0, 1.6, 2.4, 2.9, 3.1]")],
    probes={"loss": _pair_item(0), "gradient": _pair_item(1)},
    leaf_names={"output": {"[0]": "the loss", "[1][0]": "dL/dm", "[1][1]": "dL/dc"},
                "loss": {"": "the loss"}, "gradient": {"[0]": "dL/dm", "[1]": "dL/dc"}},
    visible=Part(2, (
        matches_reference("loss", name="loss", describe="the loss value is the mean squared error"),
        gradient_matches_reference("gradient", describe="the gradient (dL/dm, dL/dc) is right"),
    )),
    hidden=Part(2),
)


# --- directional_derivative ---------------------------------------------------

TEST_FUNCTIONS = {
    "sum_sin": lambda x: jnp.sum(jnp.sin(x)),
    "quadratic": lambda x: 0.5 * jnp.dot(x, x) + x[0] * x[-1],
    "beale": lambda x: ((1.5 - x[0] + x[0] * x[1]) ** 2 + (2.25 - x[0] + x[0] * x[1] ** 2) ** 2
                        + (2.625 - x[0] + x[0] * x[1] ** 3) ** 2),
    "square_twist": lambda x: jnp.stack([x[0] ** 2 - x[1], x[0] * x[1]]),
    "softplus": lambda x: jnp.log1p(jnp.exp(x)),
}


DIRECTIONAL_DERIVATIVE = Exercise(
    name="directional_derivative",
    signature="directional_derivative(f, x, v)",
    functions=TEST_FUNCTIONS,
    static_argnums=(0,),
    public_cases=[
        Case((Fn("sum_sin"), _f32([0.0, 0.5, 1.0]), _f32([1.0, 0.0, 0.0])),
             "f(x) = sum(sin(x)), x = [0, 0.5, 1], v = [1, 0, 0]"),
        Case((Fn("square_twist"), _f32([1.0, 2.0]), _f32([0.5, -1.0])),
             "f(x) = [x0**2 - x1, x0*x1], x = [1, 2], v = [0.5, -1]"),
    ],
    visible=Part(1, (matches_reference(),)),
    hidden=Part(2),
)


# --- soft_threshold -----------------------------------------------------------

SOFT_THRESHOLD = Exercise(
    name="soft_threshold",
    signature="soft_threshold(x, t)",
    public_cases=[
        Case((_f32([-3.0, -1.0, -0.2, 0.3, 0.8, 2.5]), 0.5), "x = [-3, -1, -0.2, 0.3, 0.8, 2.5], t=0.5"),
        Case((_f32([[1.5, -0.1], [-2.0, 0.05]]), 1.0), "x = [[1.5, -0.1], [-2, 0.05]], t=1.0"),
    ],
    probes={"gradient": grad_of_sum(0)},
    visible=Part(2, (presets.values(), presets.jit(), presets.gradient())),
    hidden=Part(2),
)


ASSIGNMENT = Assignment("s1_jax_fundamentals", [
    NOISY_LINE, TWO_INDEPENDENT_NORMALS, SET_ENTRY, RECORD,
    MSE_VALUE_AND_GRAD, DIRECTIONAL_DERIVATIVE, SOFT_THRESHOLD,
])
