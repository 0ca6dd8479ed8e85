"""s1_gradient_descent: loss landscapes, gradient descent, momentum, Adam, a robust loss, a supernova fit.

Eight graded functions. Arrays are float32 (JAX's default); hidden inputs are
drawn from the generators below with a seed kept only in the instructor's
hidden reference data. Optimiser states and parameters may be pytrees (an
array, or a tuple, list or dict of arrays); the cases use all of these.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..checks import purity
from ..checks.fitting import recovers_parameters
from ..checks.gradients import grad_of_sum, gradient_matches_reference
from ..checks.implementations import matches_implementation
from ..checks.pytrees import works_on_pytrees
from ..checks.values import matches_reference
from ..data.light_curves import supernova_light_curve
from .spec import Assignment, Case, Exercise, Fn, Part, Snippet

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

def _rosenbrock_hidden(rng):
    cases = []
    for n, (a, b) in ((5, (1.0, 100.0)), (5, (-0.5, 7.0)), (5, (2.5, 0.3))):  # one shape: compiled once
        x = rng.uniform(-2, 2, size=n).astype(F32)
        y = rng.uniform(-1, 3, size=n).astype(F32)
        cases.append(Case((x, y, a, b)))
    return cases


_ROSEN_X = _f32([-1.5, 0.0, 0.5, 1.0, 2.0])
_ROSEN_Y = _f32([2.0, 0.0, 0.25, 1.0, -1.0])

ROSENBROCK = Exercise(
    name="rosenbrock",
    signature="rosenbrock(x, y, a, b)",
    public_cases=[
        Case((_ROSEN_X, _ROSEN_Y, 1.0, 100.0), "x = [-1.5, 0, 0.5, 1, 2], y = [2, 0, 0.25, 1, -1], a=1, b=100"),
        Case((_ROSEN_X, _ROSEN_Y, 2.0, 5.0), "the same x, y with a=2, b=5"),
    ],
    hidden_cases=_rosenbrock_hidden,
    probes={"gradient": _grads_xy},
    leaf_names={"[0]": "d/dx", "[1]": "d/dy"},
    visible=Part(1, (
        matches_reference(weight=2),
        purity.jit_matches_eager(requires=("values",)),
    )),
    hidden=Part(2, (
        matches_reference(weight=2),
        gradient_matches_reference(requires=("values",)),
        purity.jit_matches_eager(requires=("values",)),
    )),
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


HIMMELBLAU = Exercise(
    name="himmelblau",
    signature="himmelblau(x, y)",
    public_cases=[
        Case((_f32([3.0, -2.805118, -3.779310, 3.584428, 0.0, 1.0]),
              _f32([2.0, 3.131312, -3.283186, -1.848126, 0.0, -2.0])),
             "the four minima (3, 2), (-2.81, 3.13), (-3.78, -3.28), (3.58, -1.85), then (0, 0) and (1, -2)"),
    ],
    hidden_cases=_himmelblau_hidden,
    probes={"gradient": _grads_xy},
    leaf_names={"[0]": "d/dx", "[1]": "d/dy"},
    visible=Part(1, (
        matches_reference(weight=2),
        purity.jit_matches_eager(requires=("values",)),
    )),
    hidden=Part(1, (
        matches_reference(weight=2),
        gradient_matches_reference(requires=("values",)),
        purity.jit_matches_eager(requires=("values",)),
    )),
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


# --- gradient_descent -----------------------------------------------------------

# Functions of a 1-D array passed to gradient_descent (by name, with Fn). Step counts stay small:
# a Python-loop solution is unrolled under jax.jit, and compiling 40 unrolled Rosenbrock steps takes seconds.
LANDSCAPES = {
    "bowl": lambda p: 0.5 * (p[0] ** 2 + 10.0 * p[1] ** 2),
    "himmelblau": lambda p: (p[0] ** 2 + p[1] - 11.0) ** 2 + (p[0] + p[1] ** 2 - 7.0) ** 2,
    "rosenbrock": lambda p: (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2,
    "quartic": lambda p: jnp.sum(0.25 * p ** 4 + 0.5 * jnp.arange(1, p.shape[0] + 1) * p ** 2),
}


def _first_row(fn, *args):
    """Probe: row 0 of the trajectory (the whole result if it is not 2-D)."""
    out = jnp.asarray(fn(*args))
    return out[0] if out.ndim == 2 else out


def _gd_hidden(rng):
    cases = [
        Case((Fn("rosenbrock"), rng.uniform(-1.5, 1.5, size=2).astype(F32), 1e-3, 10)),
        Case((Fn("quartic"), rng.normal(0, 1.5, size=4).astype(F32), 0.05, 12)),
        Case((Fn("himmelblau"), rng.uniform(-4, 4, size=2).astype(F32), 0.005, 10)),
    ]
    return cases


GRADIENT_DESCENT = Exercise(
    name="gradient_descent",
    signature="gradient_descent(f, init, lr, n_steps)",
    functions=LANDSCAPES,
    static_argnums=(0, 3),
    public_cases=[
        Case((Fn("bowl"), _f32([2.0, 1.0]), 0.05, 10), "f(p) = 0.5*(p0**2 + 10*p1**2), init = [2, 1], lr=0.05, n_steps=10"),
        Case((Fn("himmelblau"), _f32([0.0, 0.0]), 0.01, 6), "f = Himmelblau, init = [0, 0], lr=0.01, n_steps=6"),
    ],
    hidden_cases=_gd_hidden,
    probes={"shape": _zeros_like_output, "start": _first_row},
    visible=Part(3, (
        matches_reference("shape", name="shape", describe="returns n_steps + 1 points of dimension dim"),
        matches_reference("start", name="start", describe="the first point is init", requires=("shape",)),
        matches_reference(weight=2, describe="the trajectory is right"),
        purity.jit_matches_eager(requires=("values",)),
    )),
    hidden=Part(3, (
        matches_reference("shape", name="shape", describe="returns n_steps + 1 points of dimension dim"),
        matches_reference(weight=3, describe="the trajectory is right"),
        purity.jit_matches_eager(requires=("values",)),
    )),
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


# --- momentum_step --------------------------------------------------------------

def _momentum_three_steps(fn, params, velocity, grads, lr, beta):
    """Probe: three consecutive steps with gradients grads, 0.5*grads, 0 (the velocity carries on)."""
    for scale in (1.0, 0.5, 0.0):
        params, velocity = fn(params, velocity, tree_map(lambda g: g * scale, grads), lr, beta)
    return params, velocity


def _normal(rng, shape, scale=1.0):
    return (scale * rng.normal(size=shape)).astype(F32)


def _momentum_hidden(rng):
    shapes = {"b": (2,), "w": (3, 2)}  # keys in sorted order, as stored
    dict_case = tuple({k: _normal(rng, s) for k, s in shapes.items()} for _ in range(3))
    list_case = tuple([_normal(rng, (4,)), _normal(rng, ())] for _ in range(3))
    array_case = tuple(_normal(rng, (6,)) for _ in range(3))
    return [Case(dict_case + (0.02, 0.9)), Case(list_case + (0.3, 0.5)), Case(array_case + (0.1, 0.99))]


MOMENTUM_STEP = Exercise(
    name="momentum_step",
    signature="momentum_step(params, velocity, grads, lr, beta)",
    public_cases=[
        Case((_f32([1.0, -2.0, 0.5]), _f32([0.1, 0.0, -0.2]), _f32([0.5, -1.0, 2.0]), 0.1, 0.9),
             "params = [1, -2, 0.5], velocity = [0.1, 0, -0.2], grads = [0.5, -1, 2], lr=0.1, beta=0.9"),
        Case(((_f32([1.0, 2.0]), _f32(0.5)), (_f32([0.0, 1.0]), _f32(-1.0)), (_f32([2.0, -2.0]), _f32(3.0)), 0.05, 0.5),
             "params = ([1, 2], 0.5), velocity = ([0, 1], -1), grads = ([2, -2], 3), lr=0.05, beta=0.5 (tuples)"),
    ],
    hidden_cases=_momentum_hidden,
    probes={"three_steps": _momentum_three_steps},
    leaf_names={"[0]": "params", "[1]": "velocity"},
    visible=Part(2, (
        matches_reference(weight=2),
        works_on_pytrees(None),
        purity.jit_matches_eager(requires=("values",)),
    )),
    hidden=Part(2, (
        matches_reference(),
        matches_reference("three_steps", name="three_steps", describe="three steps in a row are right"),
        purity.jit_matches_eager(requires=("values",)),
    )),
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


# --- adam_step ------------------------------------------------------------------

def _adam_five_steps(fn, params, state, grads, lr, b1, b2, eps):
    """Probe: five consecutive steps from `state`, with gradients grads * (1, -0.5, 2, 0.25, -1)."""
    for scale in (1.0, -0.5, 2.0, 0.25, -1.0):
        params, state = fn(params, state, tree_map(lambda g: g * scale, grads), lr, b1, b2, eps)
    return params, state


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
    hidden_cases=_adam_hidden,
    probes={"five_steps": _adam_five_steps},
    leaf_names={"[0]": "params", "[1][0]": "m", "[1][1]": "v", "[1][2]": "t"},
    visible=Part(3, (
        matches_reference(weight=2),
        matches_reference("five_steps", name="five_steps", describe="five steps in a row are right"),
        works_on_pytrees(None),
        purity.jit_matches_eager(requires=("values",)),
    )),
    hidden=Part(3, (
        matches_reference(),
        matches_implementation(lambda: optax_adam_step, "five_steps", name="optax",
                               describe="five steps in a row agree with optax.adam", weight=2),
        purity.jit_matches_eager(requires=("values",)),
    )),
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


# --- pseudo_huber ---------------------------------------------------------------

def _huber_case(rng, n, delta, err_scale):
    y_pred = rng.normal(0, 5, size=n).astype(F32)
    y_err = rng.uniform(0.5, 1.5, size=n).astype(F32) * err_scale
    y_obs = (y_pred + y_err * rng.standard_t(2, size=n)).astype(F32)
    return Case((y_obs, y_pred, y_err.astype(F32), delta))


def _huber_hidden(rng):
    return [_huber_case(rng, 8, 1.0, 1.0), _huber_case(rng, 8, 2.7, 0.3), _huber_case(rng, 8, 0.4, 2.0)]  # one shape


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
    hidden_cases=_huber_hidden,
    probes={"gradient": grad_of_sum(1)},
    visible=Part(2, (
        matches_reference(weight=2),
        gradient_matches_reference(describe="its gradient with respect to y_pred is right", requires=("values",)),
        purity.jit_matches_eager(requires=("values",)),
    )),
    hidden=Part(2, (
        matches_reference(weight=2),
        gradient_matches_reference(describe="its gradient with respect to y_pred is right", requires=("values",)),
        purity.jit_matches_eager(requires=("values",)),
    )),
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


# --- bazin ----------------------------------------------------------------------

def _bazin_hidden(rng):
    cases = []
    for n in (14, 14):  # the public shape: compiled once
        params = _f32([rng.uniform(20, 300), rng.uniform(-10, 20), rng.uniform(1, 6),
                       rng.uniform(8, 50), rng.uniform(-5, 15)])
        cases.append(Case((params, np.sort(rng.uniform(-40, 120, size=n)).astype(F32))))
    return cases


BAZIN = Exercise(
    name="bazin",
    signature="bazin(params, t)",
    public_cases=[
        Case((_f32([100.0, 0.0, 3.0, 20.0, 5.0]), _f32(np.linspace(-30, 100, 14))),
             "params = [100, 0, 3, 20, 5], t = jnp.linspace(-30, 100, 14)"),
        Case((_f32([50.0, 10.0, 1.5, 35.0, -2.0]), _f32([-20.0, 0.0, 8.0, 10.0, 12.0, 40.0, 90.0])),
             "params = [50, 10, 1.5, 35, -2], t = [-20, 0, 8, 10, 12, 40, 90]"),
    ],
    hidden_cases=_bazin_hidden,
    probes={"gradient": grad_of_sum(0)},
    leaf_names={"": "the gradient with respect to params"},
    visible=Part(1, (
        matches_reference(weight=2),
        purity.jit_matches_eager(requires=("values",)),
    )),
    hidden=Part(2, (
        matches_reference(weight=2),
        gradient_matches_reference(describe="its gradient with respect to params is right", requires=("values",)),
        purity.jit_matches_eager(requires=("values",)),
    )),
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


FIT_BAZIN = Exercise(
    name="fit_bazin",
    signature="fit_bazin(t, flux, flux_err, init, n_steps, lr)",
    public_cases=lambda: [light_curve_case(
        2024, (120.0, 5.0, 2.5, 25.0, 4.0),
        label="the light curve supernova_light_curve(jax.random.key(2024), 40, params=(120, 5, 2.5, 25, 4)), "
              "init = initial_guess(t, flux), n_steps=1000, lr=0.1")],
    hidden_cases=_fit_hidden,
    probes={"shape": _zeros_like_output},
    visible=Part(3, (
        matches_reference("shape", name="shape", describe="returns 5 parameters"),
        recovers_parameters(names=BAZIN_NAMES, weight=3, requires=("shape",)),
    )),
    hidden=Part(3, (
        recovers_parameters(names=BAZIN_NAMES),
    )),
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


ASSIGNMENT = Assignment("s1_gradient_descent", [
    ROSENBROCK, HIMMELBLAU, GRADIENT_DESCENT, MOMENTUM_STEP, ADAM_STEP, PSEUDO_HUBER, BAZIN, FIT_BAZIN,
])
