"""s1_gradient_descent: loss landscapes, gradient descent, momentum, Adam, a robust loss, a supernova fit.

Eight graded functions. Arrays are float32 (JAX's default); hidden inputs are
drawn by the generators of the instructor half (instructor/exercises/s1_gradient_descent.py)
with a seed kept only in the instructor's hidden reference data. Optimiser states
and parameters may be pytrees (an array, or a tuple, list or dict of arrays); the
cases use all of these.

This is the public half, shipped to students: signatures, public cases, probes,
visible checks and the points of the hidden part. The hidden cases and checks,
the oracles and the corpus of mistakes and alternatives are in the instructor half.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..checks import presets
from ..checks.fitting import recovers_parameters
from ..checks.gradients import grad_of_sum
from ..checks.pytrees import works_on_pytrees
from ..checks.values import matches_reference
from ..data.light_curves import supernova_light_curve
from .spec import Assignment, Case, Exercise, Fn, Part

F32 = np.float32
tree_map = jax.tree_util.tree_map


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=F32)


def _zeros_like_output(fn, *args):
    """Probe: the structure and shapes of the result, every value set to 0."""
    return tree_map(lambda a: np.zeros(np.shape(a), F32), fn(*args))


def _grads_xy(fn, x, y, *rest):
    """Probe: (d/dx, d/dy) of sum(fn(x, y, ...))."""
    return jax.grad(lambda x, y: jnp.sum(fn(x, y, *rest)), argnums=(0, 1))(x, y)


# --- rosenbrock ---------------------------------------------------------------

_ROSEN_X = _f32([-1.5, 0.0, 0.5, 1.0, 2.0])
_ROSEN_Y = _f32([2.0, 0.0, 0.25, 1.0, -1.0])

ROSENBROCK = Exercise(
    name="rosenbrock",
    signature="rosenbrock(x, y, a, b)",
    public_cases=[
        Case((_ROSEN_X, _ROSEN_Y, 1.0, 100.0), "x = [-1.5, 0, 0.5, 1, 2], y = [2, 0, 0.25, 1, -1], a=1, b=100"),
        Case((_ROSEN_X, _ROSEN_Y, 2.0, 5.0), "the same x, y with a=2, b=5"),
    ],
    probes={"gradient": _grads_xy},
    leaf_names={"[0]": "d/dx", "[1]": "d/dy"},
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(2),
)


# --- himmelblau ---------------------------------------------------------------

HIMMELBLAU = Exercise(
    name="himmelblau",
    signature="himmelblau(x, y)",
    public_cases=[
        Case((_f32([3.0, -2.805118, -3.779310, 3.584428, 0.0, 1.0]),
              _f32([2.0, 3.131312, -3.283186, -1.848126, 0.0, -2.0])),
             "the four minima (3, 2), (-2.81, 3.13), (-3.78, -3.28), (3.58, -1.85), then (0, 0) and (1, -2)"),
    ],
    probes={"gradient": _grads_xy},
    leaf_names={"[0]": "d/dx", "[1]": "d/dy"},
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- gradient_descent -----------------------------------------------------------

# Functions of a 1-D array passed to gradient_descent (by name, with Fn). Step counts stay small:
# a Python-loop solution is unrolled under jax.jit, and compiling 40 unrolled steps takes seconds.
# None of them is a landscape the students implement (Rosenbrock, Himmelblau): this file ships.
LANDSCAPES = {
    "bowl": lambda p: 0.5 * (p[0] ** 2 + 10.0 * p[1] ** 2),
    "booth": lambda p: (p[0] + 2.0 * p[1] - 7.0) ** 2 + (2.0 * p[0] + p[1] - 5.0) ** 2,
    "beale": lambda p: ((1.5 - p[0] + p[0] * p[1]) ** 2 + (2.25 - p[0] + p[0] * p[1] ** 2) ** 2
                        + (2.625 - p[0] + p[0] * p[1] ** 3) ** 2),
    "quartic": lambda p: jnp.sum(0.25 * p ** 4 + 0.5 * jnp.arange(1, p.shape[0] + 1) * p ** 2),
}


def _first_row(fn, *args):
    """Probe: row 0 of the trajectory (the whole result if it is not 2-D)."""
    out = jnp.asarray(fn(*args))
    return out[0] if out.ndim == 2 else out


GRADIENT_DESCENT = Exercise(
    name="gradient_descent",
    signature="gradient_descent(f, init, lr, n_steps)",
    functions=LANDSCAPES,
    static_argnums=(0, 3),
    public_cases=[
        Case((Fn("bowl"), _f32([2.0, 1.0]), 0.05, 10), "f(p) = 0.5*(p0**2 + 10*p1**2), init = [2, 1], lr=0.05, n_steps=10"),
        Case((Fn("booth"), _f32([0.0, 0.0]), 0.01, 6),
             "f(p) = (p0 + 2*p1 - 7)**2 + (2*p0 + p1 - 5)**2 (Booth), init = [0, 0], lr=0.01, n_steps=6"),
    ],
    probes={"shape": _zeros_like_output, "start": _first_row},
    visible=Part(3, (
        matches_reference("shape", name="shape", describe="returns n_steps + 1 points of dimension dim"),
        matches_reference("start", name="start", describe="the first point is init", requires=("shape",)),
        presets.values(describe="the trajectory is right"),
        presets.jit(),
    )),
    hidden=Part(3),
)


# --- momentum_step --------------------------------------------------------------

def _momentum_three_steps(fn, params, velocity, grads, lr, beta):
    """Probe: three consecutive steps with gradients grads, 0.5*grads, 0 (the velocity carries on)."""
    for scale in (1.0, 0.5, 0.0):
        params, velocity = fn(params, velocity, tree_map(lambda g: g * scale, grads), lr, beta)
    return params, velocity


MOMENTUM_STEP = Exercise(
    name="momentum_step",
    signature="momentum_step(params, velocity, grads, lr, beta)",
    public_cases=[
        Case((_f32([1.0, -2.0, 0.5]), _f32([0.1, 0.0, -0.2]), _f32([0.5, -1.0, 2.0]), 0.1, 0.9),
             "params = [1, -2, 0.5], velocity = [0.1, 0, -0.2], grads = [0.5, -1, 2], lr=0.1, beta=0.9"),
        Case(((_f32([1.0, 2.0]), _f32(0.5)), (_f32([0.0, 1.0]), _f32(-1.0)), (_f32([2.0, -2.0]), _f32(3.0)), 0.05, 0.5),
             "params = ([1, 2], 0.5), velocity = ([0, 1], -1), grads = ([2, -2], 3), lr=0.05, beta=0.5 (tuples)"),
    ],
    probes={"three_steps": _momentum_three_steps},
    leaf_names={"[0]": "params", "[1]": "velocity"},
    visible=Part(2, (
        presets.values(),
        works_on_pytrees(None),
        presets.jit(),
    )),
    hidden=Part(2),
)


# --- adam_step ------------------------------------------------------------------

def _adam_five_steps(fn, params, state, grads, lr, b1, b2, eps):
    """Probe: five consecutive steps from `state`, with gradients grads * (1, -0.5, 2, 0.25, -1)."""
    for scale in (1.0, -0.5, 2.0, 0.25, -1.0):
        params, state = fn(params, state, tree_map(lambda g: g * scale, grads), lr, b1, b2, eps)
    return params, state


ADAM_STEP = Exercise(
    name="adam_step",
    signature="adam_step(params, state, grads, lr, b1, b2, eps)",
    public_cases=[
        Case((_f32([1.0, -2.0, 0.5]), (np.zeros(3, F32), np.zeros(3, F32), 0), _f32([0.5, -1.0, 2.0]),
              0.1, 0.9, 0.999, 1e-8),
             "the first step: params = [1, -2, 0.5], state = (zeros(3), zeros(3), 0), grads = [0.5, -1, 2], "
             "lr=0.1, b1=0.9, b2=0.999, eps=1e-8"),
        Case(((_f32([1.0, 2.0]), _f32(0.5)), ((_f32([0.1, -0.1]), _f32(0.0)), (_f32([1e-6, 2e-6]), _f32(1e-6)),
               np.asarray(3, np.int32)), (_f32([1e-3, -2e-3]), _f32(5e-4)), 0.05, 0.8, 0.99, 1e-4),
             "tuples, a later step: params = ([1, 2], 0.5), state = (([0.1, -0.1], 0), ([1e-6, 2e-6], 1e-6), 3), "
             "grads = ([1e-3, -2e-3], 5e-4), lr=0.05, b1=0.8, b2=0.99, eps=1e-4"),
    ],
    probes={"five_steps": _adam_five_steps},
    leaf_names={"[0]": "params", "[1][0]": "m", "[1][1]": "v", "[1][2]": "t"},
    visible=Part(3, (
        presets.values(),
        matches_reference("five_steps", name="five_steps", describe="five steps in a row are right"),
        works_on_pytrees(None),
        presets.jit(),
    )),
    hidden=Part(3),
)


# --- pseudo_huber ---------------------------------------------------------------

# The same checks in both test cells: the gradient with respect to the predictions.
PSEUDO_HUBER_CHECKS = (presets.values(), presets.gradient("its gradient with respect to y_pred is right"),
                       presets.jit())

_HUBER_OBS = _f32([1.0, 2.5, -0.5, 4.0, 12.0, 0.2, -3.0, 1.1])
_HUBER_PRED = _f32([1.2, 2.0, 0.0, 3.0, 1.0, 0.3, -1.0, 1.0])
_HUBER_ERR = _f32([0.5, 0.5, 1.0, 1.0, 1.0, 0.2, 2.0, 0.1])

PSEUDO_HUBER = Exercise(
    name="pseudo_huber",
    signature="pseudo_huber(y_obs, y_pred, y_err, delta)",
    public_cases=[
        Case((_HUBER_OBS, _HUBER_PRED, _HUBER_ERR, delta),
             f"y_obs = {list(map(float, _HUBER_OBS))}, y_pred = {list(map(float, _HUBER_PRED))}, "
             f"y_err = {list(map(float, _HUBER_ERR))}, delta={delta}")
        for delta in (1.0, 2.5, 0.3)
    ],
    probes={"gradient": grad_of_sum(1)},
    visible=Part(2, PSEUDO_HUBER_CHECKS),
    hidden=Part(2),
)


# --- bazin ----------------------------------------------------------------------

BAZIN = Exercise(
    name="bazin",
    signature="bazin(params, t)",
    public_cases=[
        Case((_f32([100.0, 0.0, 3.0, 20.0, 5.0]), _f32(np.linspace(-30, 100, 14))),
             "params = [100, 0, 3, 20, 5], t = jnp.linspace(-30, 100, 14)"),
        Case((_f32([50.0, 10.0, 1.5, 35.0, -2.0]), _f32([-20.0, 0.0, 8.0, 10.0, 12.0, 40.0, 90.0])),
             "params = [50, 10, 1.5, 35, -2], t = [-20, 0, 8, 10, 12, 40, 90]"),
    ],
    probes={"gradient": grad_of_sum(0)},
    leaf_names={"": "the gradient with respect to params"},
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(2),
)


# --- fit_bazin ------------------------------------------------------------------

BAZIN_NAMES = ("A", "t0", "t_rise", "t_fall", "B")


def initial_guess(t, flux) -> np.ndarray:
    """A starting point for the fit read off the light curve (robust to a single outlier).

    A: 1.5 x the median of the three brightest fluxes; t0: 3 days before their median time;
    t_rise = 5 and t_fall = 25 days; B: the median of the first three fluxes. Shape (5,), float32.
    """
    t, flux = np.asarray(t), np.asarray(flux)
    brightest = np.argsort(flux)[-3:]
    return _f32([1.5 * np.median(flux[brightest]), np.median(t[brightest]) - 3.0, 5.0, 25.0,
                 np.median(flux[:3])])


def light_curve_case(seed: int, params, n: int = 40, n_steps: int = 1000, lr: float = 0.1, label: str = "") -> Case:
    """The fit_bazin case of `supernova_light_curve(jax.random.key(seed), n, params)`."""
    t, flux, flux_err = (np.asarray(a) for a in supernova_light_curve(jax.random.key(seed), n, params))
    return Case((t, flux, flux_err, initial_guess(t, flux), n_steps, lr), label)


FIT_BAZIN = Exercise(
    name="fit_bazin",
    signature="fit_bazin(t, flux, flux_err, init, n_steps, lr)",
    public_cases=lambda: [light_curve_case(
        2024, (120.0, 5.0, 2.5, 25.0, 4.0),
        label="the light curve supernova_light_curve(jax.random.key(2024), 40, params=(120, 5, 2.5, 25, 4)), "
              "init = initial_guess(t, flux), n_steps=1000, lr=0.1")],
    probes={"shape": _zeros_like_output},
    visible=Part(3, (
        matches_reference("shape", name="shape", describe="returns 5 parameters"),
        recovers_parameters(names=BAZIN_NAMES, weight=3, requires=("shape",)),
    )),
    hidden=Part(3),
)


ASSIGNMENT = Assignment("s1_gradient_descent", [
    ROSENBROCK, HIMMELBLAU, GRADIENT_DESCENT, MOMENTUM_STEP, ADAM_STEP, PSEUDO_HUBER, BAZIN, FIT_BAZIN,
])
