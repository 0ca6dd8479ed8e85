"""s1_gradient_descent, instructor-only half: never shipped, never readable by graded code.

The hidden-case generators, the hidden checks, the oracles and the corpus of known
mistakes and correct alternatives of each exercise of
`grader/exercises/s1_gradient_descent.py` (the public half). Loaded by path by
`grader.exercises.load("s1_gradient_descent", instructor=True)`, which joins the
halves with `Exercise.complete`; the hidden reference data drawn from these
generators lives in instructor/reference/s1_gradient_descent/.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from grader.checks import presets
from grader.checks.context import materialize
from grader.checks.fitting import recovers_parameters
from grader.checks.implementations import matches_implementation
from grader.checks.values import matches_reference
from grader.exercises.s1_gradient_descent import (BAZIN_NAMES, F32, PSEUDO_HUBER_CHECKS, _adam_five_steps,
                                                  _f32, light_curve_case)
from grader.exercises.spec import Case, Fn, Instructor, Snippet


# --- rosenbrock ---------------------------------------------------------------

def _rosenbrock_hidden(rng):
    cases = []
    for n, (a, b) in ((5, (1.0, 100.0)), (5, (-0.5, 7.0)), (5, (2.5, 0.3))):  # one shape: compiled once
        x = rng.uniform(-2, 2, size=n).astype(F32)
        y = rng.uniform(-1, 3, size=n).astype(F32)
        cases.append(Case((x, y, a, b)))
    return cases


ROSENBROCK = Instructor(
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    hidden_cases=_rosenbrock_hidden,
    mistakes=[
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return (1.0 - x) ** 2 + b * (y - x ** 2) ** 2
""", "ignores_parameter", "a replaced by 1"),
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + 100.0 * (y - x ** 2) ** 2
""", "ignores_parameter", "b replaced by 100"),
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x ** 2)
""", "missing_square", "second term not squared"),
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x) ** 2
""", "wrong_value", "x instead of x**2"),
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return (b - x) ** 2 + a * (y - x ** 2) ** 2
""", "wrong_value", "a and b swapped"),
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return np.square(a - x) + b * np.square(y - x ** 2)
""", "numpy_inside_jit", "numpy functions"),
    ],
    alternatives=[
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return (x - a) ** 2 + b * (x ** 2 - y) ** 2
""", note="differences the other way round"),
        Snippet("""
def rosenbrock(x, y, a=1.0, b=100.0):
    return jnp.square(a - x) + b * jnp.square(y - x * x)
""", note="jnp.square"),
    ],
)


# --- himmelblau ---------------------------------------------------------------

def _himmelblau_hidden(rng):
    return [Case((rng.uniform(-5, 5, size=n).astype(F32), rng.uniform(-5, 5, size=n).astype(F32)))
            for n in (6, 6)]  # the public shape: compiled once


HIMMELBLAU = Instructor(
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    hidden_cases=_himmelblau_hidden,
    mistakes=[
        Snippet("""
def himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7)
""", "missing_square", "second term not squared"),
        Snippet("""
def himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x ** 2 + y - 7) ** 2
""", "wrong_value", "first bracket copied into the second"),
        Snippet("""
def himmelblau(x, y):
    return (x + y ** 2 - 11) ** 2 + (x ** 2 + y - 7) ** 2
""", "wrong_value", "x and y swapped"),
        Snippet("""
def himmelblau(x, y):
    return (x ** 2 + y - 7) ** 2 + (x + y ** 2 - 11) ** 2
""", "wrong_value", "constants 11 and 7 swapped"),
        Snippet("""
def himmelblau(x, y):
    return np.power(x ** 2 + y - 11, 2) + np.power(x + y ** 2 - 7, 2)
""", "numpy_inside_jit", "numpy functions"),
    ],
    alternatives=[
        Snippet("""
def himmelblau(x, y):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return u * u + v * v
""", note="products instead of powers"),
        Snippet("""
def himmelblau(x, y):
    return jnp.sum(jnp.stack([x ** 2 + y - 11, x + y ** 2 - 7]) ** 2, axis=0)
""", note="stacked terms summed"),
    ],
)


# --- gradient_descent ---------------------------------------------------------

def _gd_hidden(rng):
    cases = [
        Case((Fn("beale"), rng.uniform(-1.5, 1.5, size=2).astype(F32), 1e-3, 10)),
        Case((Fn("quartic"), rng.normal(0, 1.5, size=4).astype(F32), 0.05, 12)),
        Case((Fn("booth"), rng.uniform(-4, 4, size=2).astype(F32), 0.005, 10)),
    ]
    return cases


GRADIENT_DESCENT = Instructor(
    hidden_checks=(
        matches_reference("shape", name="shape", describe="returns n_steps + 1 points of dimension dim"),
        presets.values(3, describe="the trajectory is right"),
        presets.jit(),
    ),
    hidden_cases=_gd_hidden,
    mistakes=[
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    x = init
    trajectory = []
    for _ in range(n_steps):
        x = x - lr * jax.grad(f)(x)
        trajectory.append(x)
    return jnp.stack(trajectory)
""", "trajectory_length", "init not recorded"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    x = init
    trajectory = []
    for _ in range(n_steps):
        trajectory.append(x)
        x = x - lr * jax.grad(f)(x)
    return jnp.stack(trajectory)
""", "trajectory_length", "last point not recorded"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    x = init
    trajectory = [x]
    for _ in range(n_steps):
        x = x + lr * jax.grad(f)(x)
        trajectory.append(x)
    return jnp.stack(trajectory)
""", "wrong_sign", "+ instead of - (gradient ascent)"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    x = init
    trajectory = [x]
    for _ in range(n_steps):
        x = x - lr * lr * jax.grad(f)(x)
        trajectory.append(x)
    return jnp.stack(trajectory)
""", "learning_rate_twice", "the learning rate applied twice"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    g = jax.grad(f)(init)
    x = init
    trajectory = [x]
    for _ in range(n_steps):
        x = x - lr * g
        trajectory.append(x)
    return jnp.stack(trajectory)
""", "stale_gradient", "gradient computed once, at init"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    trajectory = jnp.zeros((n_steps + 1,) + init.shape)
    trajectory[0] = init
    for k in range(n_steps):
        trajectory[k + 1] = trajectory[k] - lr * jax.grad(f)(trajectory[k])
    return trajectory
""", "in_place_mutation", "trajectory recorded by in-place assignment"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    trajectory = np.zeros((n_steps + 1,) + init.shape, dtype=np.float32)
    trajectory[0] = init
    x = init
    for k in range(n_steps):
        x = x - lr * jax.grad(f)(x)
        trajectory[k + 1] = x
    return trajectory
""", "numpy_inside_jit", "trajectory kept in a numpy array"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    x = init
    trajectory = [x]
    for _ in range(n_steps):
        g = jax.grad(f)(x)
        if jnp.linalg.norm(g) < 1e-12:
            break
        x = x - lr * g
        trajectory.append(x)
    return jnp.stack(trajectory)
""", "python_if_on_array", "early stopping with a Python if"),
    ],
    alternatives=[
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    def step(x, _):
        x = x - lr * jax.grad(f)(x)
        return x, x
    _, points = jax.lax.scan(step, init, None, length=n_steps)
    return jnp.concatenate([init[None, :], points])
""", note="jax.lax.scan"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    trajectory = jnp.zeros((n_steps + 1, init.shape[0]), init.dtype).at[0].set(init)
    def body(k, trajectory):
        x = trajectory[k]
        return trajectory.at[k + 1].set(x - lr * jax.grad(f)(x))
    return jax.lax.fori_loop(0, n_steps, body, trajectory)
""", note="fori_loop writing rows with .at[].set"),
        Snippet("""
def gradient_descent(f, init, lr, n_steps):
    points = [init]
    for _ in range(n_steps):
        points.append(points[-1] - lr * jax.grad(f)(points[-1]))
    return jnp.vstack(points)
""", note="list of points, jnp.vstack"),
    ],
)


# --- momentum_step ------------------------------------------------------------

def _normal(rng, shape, scale=1.0):
    return (scale * rng.normal(size=shape)).astype(F32)


def _momentum_hidden(rng):
    shapes = {"b": (2,), "w": (3, 2)}  # keys in sorted order, as stored
    dict_case = tuple({k: _normal(rng, s) for k, s in shapes.items()} for _ in range(3))
    list_case = tuple([_normal(rng, (4,)), _normal(rng, ())] for _ in range(3))
    array_case = tuple(_normal(rng, (6,)) for _ in range(3))
    return [Case(dict_case + (0.02, 0.9)), Case(list_case + (0.3, 0.5)), Case(array_case + (0.1, 0.99))]


MOMENTUM_STEP = Instructor(
    hidden_checks=(
        matches_reference(),
        matches_reference("three_steps", name="three_steps", describe="three steps in a row are right"),
        presets.jit(),
    ),
    hidden_cases=_momentum_hidden,
    mistakes=[
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    velocity = jax.tree_util.tree_map(lambda v, g: beta * v + g, velocity, grads)
    params = jax.tree_util.tree_map(lambda p, v: p + lr * v, params, velocity)
    return params, velocity
""", "wrong_sign", "+ instead of -"),
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    velocity = jax.tree_util.tree_map(lambda v, g: beta * v + lr * g, velocity, grads)
    params = jax.tree_util.tree_map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity
""", "learning_rate_twice", "lr in the velocity and in the step"),
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    new_velocity = jax.tree_util.tree_map(lambda v, g: beta * v + g, velocity, grads)
    params = jax.tree_util.tree_map(lambda p, v: p - lr * v, params, new_velocity)
    return params, velocity
""", "velocity_not_updated", "returns the old velocity"),
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    params = jax.tree_util.tree_map(lambda p, v: p - lr * v, params, velocity)
    velocity = jax.tree_util.tree_map(lambda v, g: beta * v + g, velocity, grads)
    return params, velocity
""", "velocity_not_updated", "steps with the old velocity"),
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    velocity = jax.tree_util.tree_map(lambda v, g: v + beta * g, velocity, grads)
    params = jax.tree_util.tree_map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity
""", "momentum_beta_misplaced", "beta on the gradient"),
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    velocity = beta * velocity + grads
    params = params - lr * velocity
    return params, velocity
""", "tree_arithmetic", "arithmetic that only works on arrays"),
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    velocity = jax.tree_util.tree_map(lambda v, g: np.add(beta * np.asarray(v), g), velocity, grads)
    params = jax.tree_util.tree_map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity
""", "numpy_inside_jit", "numpy arithmetic"),
    ],
    alternatives=[
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    new_params = jax.tree.map(lambda p, v, g: p - lr * (beta * v + g), params, velocity, grads)
    new_velocity = jax.tree.map(lambda v, g: g + beta * v, velocity, grads)
    return new_params, new_velocity
""", note="expanded step, jax.tree.map"),
        Snippet("""
def momentum_step(params, velocity, grads, lr, beta):
    leaves_p, treedef = jax.tree_util.tree_flatten(params)
    leaves_v = jax.tree_util.tree_leaves(velocity)
    leaves_g = jax.tree_util.tree_leaves(grads)
    new_v = [beta * v + g for v, g in zip(leaves_v, leaves_g)]
    new_p = [p - lr * v for p, v in zip(leaves_p, new_v)]
    return jax.tree_util.tree_unflatten(treedef, new_p), jax.tree_util.tree_unflatten(treedef, new_v)
""", note="flatten, update the leaves, unflatten"),
    ],
)


# --- adam_step ----------------------------------------------------------------

def optax_adam_step(params, state, grads, lr, b1, b2, eps):
    """adam_step computed by optax.adam: the trusted implementation the checks compare with."""
    import optax  # here, not at import: test cells that do not need it do not pay for it

    m, v, t = state
    transform = optax.adam(lr, b1=b1, b2=b2, eps=eps)
    opt_state = (optax.ScaleByAdamState(count=jnp.asarray(t, jnp.int32), mu=m, nu=v), optax.EmptyState())
    updates, (adam_state, _) = transform.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), (adam_state.mu, adam_state.nu, adam_state.count)


def _adam_hidden(rng):
    def tree(make):
        return {"b": make((3,)), "w": make((2, 3))}  # keys in sorted order, as stored
    params = tree(lambda s: _normal(rng, s))
    m, g = tree(lambda s: _normal(rng, s, 0.1)), tree(lambda s: _normal(rng, s))
    v = tree(lambda s: np.abs(_normal(rng, s, 0.1)))
    small_g = _normal(rng, (5,), 1e-3)
    return [
        Case((params, (m, v, np.asarray(7, np.int32)), g, 0.01, 0.9, 0.999, 1e-8)),
        Case((_normal(rng, (5,)), (np.zeros(5, F32), np.zeros(5, F32), 0), small_g, 0.1, 0.8, 0.95, 1e-3)),
        Case(([_normal(rng, (3,)), _normal(rng, ())], ([np.zeros(3, F32), _f32(0.0)], [np.zeros(3, F32), _f32(0.0)], 0),
              [_normal(rng, (3,)), _normal(rng, ())], 0.05, 0.95, 0.99, 1e-8)),
    ]


ADAM_STEP = Instructor(
    hidden_checks=(
        matches_reference(),
        matches_implementation("optax", "five_steps", name="optax",
                               describe="five steps in a row agree with optax.adam", weight=2),
        presets.jit(),
    ),
    hidden_cases=_adam_hidden,
    oracles={"optax": lambda *args: _adam_five_steps(optax_adam_step, *materialize(args, {}))},
    mistakes=[
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g ** 2, v, grads)
    params = jax.tree_util.tree_map(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + eps), params, m, v)
    return params, (m, v, t + 1)
""", "missing_bias_correction", "no bias correction"),
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: b2 * m + (1 - b2) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: b1 * v + (1 - b1) * g ** 2, v, grads)
    update = lambda p, m, v: p - lr * (m / (1 - b2 ** t)) / (jnp.sqrt(v / (1 - b1 ** t)) + eps)
    return jax.tree_util.tree_map(update, params, m, v), (m, v, t)
""", "betas_swapped", "b1 and b2 swapped"),
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g ** 2, v, grads)
    update = lambda p, m, v: p - lr * (m / (1 - b1 ** (t + 1))) / (jnp.sqrt(v / (1 - b2 ** (t + 1))) + eps)
    return jax.tree_util.tree_map(update, params, m, v), (m, v, t)
""", "step_count", "step count not incremented in the state"),
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g ** 2, v, grads)
    update = lambda p, m, v: p - lr * (m / (1 - b1 ** t)) / jnp.sqrt(v / (1 - b2 ** t) + eps)
    return jax.tree_util.tree_map(update, params, m, v), (m, v, t)
""", "eps_placement", "eps inside the square root"),
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g ** 2, v, grads)
    update = lambda p, m, v: p + lr * (m / (1 - b1 ** t)) / (jnp.sqrt(v / (1 - b2 ** t)) + eps)
    return jax.tree_util.tree_map(update, params, m, v), (m, v, t)
""", "wrong_sign", "+ instead of -"),
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    t = t + 1
    m = b1 * m + (1 - b1) * grads
    v = b2 * v + (1 - b2) * grads ** 2
    params = params - lr * (m / (1 - b1 ** t)) / (jnp.sqrt(v / (1 - b2 ** t)) + eps)
    return params, (m, v, t)
""", "tree_arithmetic", "arithmetic that only works on arrays"),
    ],
    alternatives=[
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    t = t + 1
    m = jax.tree.map(lambda m, g: m + (1 - b1) * (g - m), m, grads)
    v = jax.tree.map(lambda v, g: v + (1 - b2) * (g * g - v), v, grads)
    step = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    eps_hat = eps * jnp.sqrt(1 - b2 ** t)
    return jax.tree.map(lambda p, m, v: p - step * m / (jnp.sqrt(v) + eps_hat), params, m, v), (m, v, t)
""", note="the paper's 'efficient' form with a corrected step size"),
        Snippet("""
def adam_step(params, state, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, t = state
    leaves, treedef = jax.tree_util.tree_flatten(params)
    ms, vs, gs = (jax.tree_util.tree_leaves(x) for x in (m, v, grads))
    t = t + 1
    new_p, new_m, new_v = [], [], []
    for p, mi, vi, g in zip(leaves, ms, vs, gs):
        mi = b1 * mi + (1 - b1) * g
        vi = b2 * vi + (1 - b2) * g ** 2
        new_p.append(p - lr * (mi / (1 - b1 ** t)) / (jnp.sqrt(vi / (1 - b2 ** t)) + eps))
        new_m.append(mi)
        new_v.append(vi)
    unflatten = lambda xs: jax.tree_util.tree_unflatten(treedef, xs)
    return unflatten(new_p), (unflatten(new_m), unflatten(new_v), t)
""", note="flatten, update the leaves, unflatten"),
    ],
)


# --- pseudo_huber -------------------------------------------------------------

def _huber_case(rng, n, delta, err_scale):
    y_pred = rng.normal(0, 5, size=n).astype(F32)
    y_err = rng.uniform(0.5, 1.5, size=n).astype(F32) * err_scale
    y_obs = (y_pred + y_err * rng.standard_t(2, size=n)).astype(F32)
    return Case((y_obs, y_pred, y_err.astype(F32), delta))


def _huber_hidden(rng):
    return [_huber_case(rng, 8, 1.0, 1.0), _huber_case(rng, 8, 2.7, 0.3), _huber_case(rng, 8, 0.4, 2.0)]  # one shape


PSEUDO_HUBER = Instructor(
    hidden_checks=PSEUDO_HUBER_CHECKS,
    hidden_cases=_huber_hidden,
    mistakes=[
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_obs - y_pred) / y_err
    return jnp.mean(jnp.sqrt(1 + (r / delta) ** 2) - 1)
""", "pseudo_huber_delta", "no delta**2 in front"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_obs - y_pred) / y_err
    return jnp.mean(delta ** 2 * (jnp.sqrt(1 + r ** 2) - 1))
""", "pseudo_huber_delta", "r instead of r / delta inside the root"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_obs - y_pred) / y_err
    return jnp.mean(delta * (jnp.sqrt(1 + (r / delta) ** 2) - 1))
""", "pseudo_huber_delta", "delta instead of delta**2 in front"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_obs - y_pred) / y_err
    return jnp.mean(delta ** 2 * jnp.sqrt(1 + (r / delta) ** 2))
""", "pseudo_huber_offset", "forgot the - 1"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = y_obs - y_pred
    return jnp.mean(delta ** 2 * (jnp.sqrt(1 + (r / delta) ** 2) - 1))
""", "unweighted_residual", "residual not divided by y_err"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_obs - y_pred) / y_err ** 2
    return jnp.mean(delta ** 2 * (jnp.sqrt(1 + (r / delta) ** 2) - 1))
""", "unweighted_residual", "divided by the variance"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_obs - y_pred) / y_err
    return jnp.sum(delta ** 2 * (jnp.sqrt(1 + (r / delta) ** 2) - 1))
""", "sum_vs_mean", "sum instead of mean"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_obs - y_pred) / y_err
    if jnp.abs(r) < delta:
        return jnp.mean(0.5 * r ** 2)
    return jnp.mean(delta * (jnp.abs(r) - 0.5 * delta))
""", "python_if_on_array", "Huber with a Python if"),
    ],
    alternatives=[
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    r = (y_pred - y_obs) / y_err
    return jnp.mean(delta * (jnp.sqrt(delta ** 2 + r ** 2) - delta))
""", note="delta * (sqrt(delta**2 + r**2) - delta), residual the other way"),
        Snippet("""
def pseudo_huber(y_obs, y_pred, y_err, delta=1.0):
    z = ((y_obs - y_pred) / (delta * y_err)) ** 2
    return delta ** 2 * jnp.mean(z / (jnp.sqrt(1 + z) + 1))
""", note="rationalised form z / (sqrt(1 + z) + 1), no cancellation"),
    ],
)


# --- bazin --------------------------------------------------------------------

def _bazin_hidden(rng):
    cases = []
    for n in (14, 14):  # the public shape: compiled once
        params = _f32([rng.uniform(20, 300), rng.uniform(-10, 20), rng.uniform(1, 6),
                       rng.uniform(8, 50), rng.uniform(-5, 15)])
        cases.append(Case((params, np.sort(rng.uniform(-40, 120, size=n)).astype(F32))))
    return cases


BAZIN = Instructor(
    hidden_checks=(presets.values(), presets.gradient("its gradient with respect to params is right"),
                   presets.jit()),
    hidden_cases=_bazin_hidden,
    mistakes=[
        Snippet("""
def bazin(params, t):
    A, t0, t_rise, t_fall, B = params
    return A * jnp.exp(-(t - t0) / t_rise) / (1 + jnp.exp(-(t - t0) / t_fall)) + B
""", "rise_fall_swapped", "t_rise and t_fall swapped"),
        Snippet("""
def bazin(params, t):
    A, t0, t_rise, t_fall, B = params
    return A * jnp.exp(-(t - t0) / t_fall) / (1 + jnp.exp(-(t - t0) / t_rise))
""", "missing_baseline", "no baseline"),
        Snippet("""
def bazin(params, t):
    A, t0, t_rise, t_fall, B = params
    return A * jnp.exp((t - t0) / t_fall) / (1 + jnp.exp(-(t - t0) / t_rise)) + B
""", "wrong_sign", "exponential growth instead of decline"),
        Snippet("""
def bazin(params, t):
    A, t0, t_rise, t_fall, B = params
    return A * jnp.exp(-(t - t0) / t_fall) / (1 + jnp.exp((t - t0) / t_rise)) + B
""", "wrong_sign", "sigmoid the wrong way round"),
        Snippet("""
def bazin(params, t):
    A, t0, t_rise, t_fall, B = params
    return A * jnp.exp(-(t - t0) / t_fall) / 1 + jnp.exp(-(t - t0) / t_rise) + B
""", "wrong_value", "missing brackets around the denominator"),
        Snippet("""
def bazin(params, t):
    A, t0, t_rise, t_fall, B = params
    return A * np.exp(-(t - t0) / t_fall) / (1 + np.exp(-(t - t0) / t_rise)) + B
""", "numpy_inside_jit", "numpy exp"),
    ],
    alternatives=[
        Snippet("""
def bazin(params, t):
    A, t0, t_rise, t_fall, B = params
    dt = t - t0
    return A * jnp.exp(-dt / t_fall) * jax.nn.sigmoid(dt / t_rise) + B
""", note="jax.nn.sigmoid"),
        Snippet("""
def bazin(params, t):
    dt = t - params[1]
    return params[0] * jnp.exp(-dt / params[3] - jnp.logaddexp(0.0, -dt / params[2])) + params[4]
""", note="indexing, everything in the exponent with logaddexp"),
    ],
)


# --- fit_bazin ----------------------------------------------------------------

def _fit_hidden(rng):
    cases = []
    for n in (40, 60):
        params = tuple(float(v) for v in (rng.uniform(50, 200), rng.uniform(-5, 15), rng.uniform(1.5, 5),
                                          rng.uniform(12, 40), rng.uniform(0, 10)))
        cases.append(light_curve_case(int(rng.integers(2**31)), params, n))
    return cases


def _fit_template(loss: str = "jnp.mean(d ** 2 * (jnp.sqrt(1 + (r / d) ** 2) - 1))",
                  model: str = "A * jnp.exp(-(t - t0) / t_fall) / (1 + jnp.exp(-(t - t0) / t_rise)) + B",
                  update: str = "params - lr * (m / (1 - 0.9 ** k)) / (jnp.sqrt(v / (1 - 0.999 ** k)) + 1e-8)",
                  carry: str = "new_params") -> str:
    """Source of a self-contained fit_bazin (Adam, jitted step), with one piece swapped for a mistake."""
    return f"""
def fit_bazin(t, flux, flux_err, init, n_steps, lr):
    def loss(params):
        A, t0, t_rise, t_fall, B = params
        r = (flux - ({model})) / flux_err
        d = 1.0
        return {loss}

    @jax.jit
    def step(params, m, v, k):
        g = jax.grad(loss)(params)
        k = k + 1
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g ** 2
        return {update}, m, v, k

    params = jnp.asarray(init)
    m = v = jnp.zeros_like(params)
    k = 0
    for _ in range(n_steps):
        new_params, m, v, k = step(params, m, v, k)
        params = {carry}
    return params
"""


FIT_BAZIN = Instructor(
    hidden_checks=(
        recovers_parameters(names=BAZIN_NAMES),
    ),
    hidden_cases=_fit_hidden,
    mistakes=[
        Snippet(_fit_template(loss="jnp.mean(r ** 2)"), "not_robust", "chi-squared instead of pseudo-Huber"),
        Snippet(_fit_template(carry="params"), "params_not_updated", "parameters never updated"),
        Snippet(_fit_template(update="params + lr * (m / (1 - 0.9 ** k)) / (jnp.sqrt(v / (1 - 0.999 ** k)) + 1e-8)"),
                "not_finite", "gradient ascent (diverges to NaN)"),
        Snippet(_fit_template(model="A * jnp.exp(-(t - t0) / t_rise) / (1 + jnp.exp(-(t - t0) / t_fall)) + B"),
                "rise_fall_swapped", "t_rise and t_fall swapped in the model"),
        Snippet(_fit_template(update="params - lr * g"), "fit_not_converged", "plain gradient descent instead of Adam"),
        Snippet(_fit_template(model="A * np.exp(-(t - t0) / t_fall) / (1 + np.exp(-(t - t0) / t_rise)) + B"),
                "numpy_inside_jit", "numpy exp inside the jitted step"),
    ],
    alternatives=[
        Snippet("""
def fit_bazin(t, flux, flux_err, init, n_steps, lr):
    def loss(p):
        dt = t - p[1]
        model = p[0] * jnp.exp(-dt / p[3]) * jax.nn.sigmoid(dt / p[2]) + p[4]
        r = (flux - model) / flux_err
        return jnp.mean(jnp.sqrt(1 + r ** 2) - 1)

    def step(carry, _):
        p, m, v, k = carry
        g = jax.grad(loss)(p)
        k = k + 1
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - lr * (m / (1 - 0.9 ** k)) / (jnp.sqrt(v / (1 - 0.999 ** k)) + 1e-8)
        return (p, m, v, k), None

    p0 = jnp.asarray(init)
    carry = (p0, jnp.zeros_like(p0), jnp.zeros_like(p0), 0)
    return jax.jit(lambda c: jax.lax.scan(step, c, None, length=n_steps)[0][0])(carry)
""", note="the whole loop in jax.lax.scan, sigmoid form"),
        Snippet("""
def fit_bazin(t, flux, flux_err, init, n_steps, lr):
    def loss(p):
        A, t0, t_rise, t_fall, B = p
        model = A * jnp.exp(-(t - t0) / t_fall) / (1 + jnp.exp(-(t - t0) / t_rise)) + B
        r = (flux - model) / flux_err
        return jnp.mean(jnp.sqrt(1 + r ** 2) - 1)

    def body(k, state):
        p, m, v = state
        g = jax.grad(loss)(p)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g ** 2
        k = k + 1
        lr_t = lr * jnp.sqrt(1 - 0.999 ** k) / (1 - 0.9 ** k)
        return p - lr_t * m / (jnp.sqrt(v) + 1e-8 * jnp.sqrt(1 - 0.999 ** k)), m, v

    p0 = jnp.asarray(init)
    run = jax.jit(lambda p: jax.lax.fori_loop(0, n_steps, body, (p, jnp.zeros_like(p), jnp.zeros_like(p)))[0])
    return run(p0)
""", note="fori_loop, Adam in the efficient form"),
    ],
)


INSTRUCTOR = {
    "rosenbrock": ROSENBROCK,
    "himmelblau": HIMMELBLAU,
    "gradient_descent": GRADIENT_DESCENT,
    "momentum_step": MOMENTUM_STEP,
    "adam_step": ADAM_STEP,
    "pseudo_huber": PSEUDO_HUBER,
    "bazin": BAZIN,
    "fit_bazin": FIT_BAZIN,
}
