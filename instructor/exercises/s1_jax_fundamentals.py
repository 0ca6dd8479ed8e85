"""s1_jax_fundamentals: the instructor-only half (never shipped, never readable by graded code).

Hidden-case generators, hidden checks and the corpus of mistakes and correct
alternatives of each exercise; the public half is grader/exercises/s1_jax_fundamentals.py.
"""
from __future__ import annotations

import numpy as np

from grader.checks import keys, presets, purity
from grader.checks.gradients import gradient_matches_reference
from grader.checks.values import matches_reference
from grader.exercises.s1_jax_fundamentals import ASSIGNMENT, F32, _noise_samples
from grader.exercises.spec import Case, Fn, Instructor, Key, Snippet


# --- noisy_line ------------------------------------------------------------------

def _noisy_line_hidden(rng):
    cases = []
    for shape, sigma in (((15000,), 2.5), ((60, 250), 0.3), ((8000,), 0.05)):
        x = rng.uniform(-20, 20, size=shape).astype(F32)
        m, b = (float(v) for v in np.round(rng.normal(0, 3, size=2), 3))
        cases.append(Case((Key(int(rng.integers(2**31))), x, m, b, sigma)))
    return cases


NOISY_LINE = Instructor(
    hidden_cases=_noisy_line_hidden,
    hidden_checks=(
        matches_reference("line", name="line", describe="with sigma=0 it is exactly the line m*x + b"),
        keys.standard_normal(_noise_samples, name="noise", describe="the noise is normal with std sigma",
                             hint="wrong_noise_scale"),
        keys.key_changes_result(0),
        keys.no_key_reuse(),
        purity.jit_matches_eager(requires=("line",)),
    ),
    mistakes=[
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    return m * x + b + sigma * jax.random.normal(jax.random.PRNGKey(0), x.shape)
""", "hardcoded_key", "makes its own key instead of using the argument"),
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    return m * x + b + sigma * np.random.normal(size=x.shape)
""", "global_random_state", "numpy's global random state"),
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    return m * x + b + sigma**2 * jax.random.normal(key, x.shape)
""", "wrong_noise_scale", "variance instead of standard deviation"),
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    return m * x + b + jax.random.normal(key, x.shape)
""", "wrong_noise_scale", "forgot to scale the noise"),
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    return m * x + b + sigma * jax.random.uniform(key, x.shape, minval=-1.0, maxval=1.0)
""", "wrong_noise_scale", "uniform instead of normal noise"),
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    key_noise, _ = jax.random.split(key)
    noise = jax.random.normal(key, x.shape)
    return m * x + b + sigma * noise
""", "reused_key", "split the key but then drew with the original"),
    ],
    alternatives=[
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    _, subkey = jax.random.split(key)
    return m * x + b + sigma * jax.random.normal(subkey, jnp.shape(x))
""", note="draws with a subkey"),
        Snippet("""
def noisy_line(key, x, m, b, sigma):
    noise = jax.random.normal(key, shape=x.shape, dtype=x.dtype)
    return noise * sigma + (m * x + b)
""", note="keyword arguments, other order"),
    ],
    equivalent_mutants={
        "arithmetic-de7db22b15": "`- sigma * noise`: minus a standard normal is a standard normal, drawn with the key "
                                 "as the contract asks",
    },
)


# --- two_independent_normals -----------------------------------------------------

def _normals_hidden(rng):
    return [Case((Key(int(rng.integers(2**31))), shape)) for shape in ((1000,), (30, 40, 5), (64, 64))]


TWO_INDEPENDENT_NORMALS = Instructor(
    hidden_cases=_normals_hidden,
    hidden_checks=(
        matches_reference("shapes", name="shapes", describe="returns two arrays of the given shape"),
        keys.independent_draws(requires=("shapes",)),
        keys.no_key_reuse(),
        keys.no_draw_with_parent_key(),
        keys.key_changes_result(0, each_leaf=True),
        purity.jit_matches_eager(requires=("shapes",)),
    ),
    mistakes=[
        Snippet("""
def two_independent_normals(key, shape):
    return jax.random.normal(key, shape), jax.random.normal(key, shape)
""", "identical_draws", "the same key for both draws"),
        Snippet("""
def two_independent_normals(key, shape):
    a = jax.random.normal(key, shape)
    _, subkey = jax.random.split(key)
    return a, jax.random.normal(subkey, shape)
""", "reused_key", "drew with the key, then split it"),
        Snippet("""
def two_independent_normals(key, shape):
    a = jax.random.normal(key, shape)
    return a, -a
""", "correlated_draws", "the second array is the negative of the first"),
        Snippet("""
def two_independent_normals(key, shape):
    k1, k2 = jax.random.split(jax.random.PRNGKey(42))
    return jax.random.normal(k1, shape), jax.random.normal(k2, shape)
""", "hardcoded_key", "makes its own key"),
        Snippet("""
def two_independent_normals(key, shape):
    k1, k2 = jax.random.split(key)
    return jax.random.uniform(k1, shape), jax.random.uniform(k2, shape)
""", "wrong_distribution", "uniform instead of normal"),
        Snippet("""
def two_independent_normals(key, shape):
    return np.random.normal(size=shape), np.random.normal(size=shape)
""", "global_random_state", "numpy's global random state"),
        Snippet("""
def two_independent_normals(key, shape):
    a = jax.random.normal(key, shape)
    b = jax.random.normal(jax.random.fold_in(key, 1), shape)
    return a, b
""", "reused_key", "drew with the key, then with fold_in(key, 1): JAX's key-reuse checker misses it"),
        Snippet("""
def two_independent_normals(key, shape):
    key_a, key_b = jax.random.split(key)
    return jax.random.normal(key_a, shape), jax.random.normal(jax.random.key(0), shape)
""", "hardcoded_key", "the second array drawn with a key of its own making (a mutant that survived)"),
    ],
    alternatives=[
        Snippet("""
def two_independent_normals(key, shape):
    both = jax.random.normal(key, (2,) + tuple(shape))
    return both[0], both[1]
""", note="one draw of twice the size, then unpacked"),
        Snippet("""
def two_independent_normals(key, shape):
    return tuple(jax.random.normal(k, shape) for k in jax.random.split(key, 2))
""", note="split into two keys, one draw each"),
        Snippet("""
def two_independent_normals(key, shape):
    return (jax.random.normal(jax.random.fold_in(key, 0), shape),
            jax.random.normal(jax.random.fold_in(key, 1), shape))
""", note="fold_in with two different numbers"),
    ],
    equivalent_mutants={
        "return_order-242959a0a4": "the two draws returned in the other order: the contract does not say which "
                                   "subkey draws which array",
    },
)


# --- set_entry -------------------------------------------------------------------

def _set_entry_hidden(rng):
    cases = []
    for shape in ((7,), (3, 4), (2, 3, 2)):
        x = rng.normal(size=shape).astype(F32)
        index = tuple(int(rng.integers(-d, d)) for d in shape)
        cases.append(Case((x, index[0] if len(index) == 1 else index, float(np.round(rng.normal() * 5, 3)))))
    return cases


SET_ENTRY = Instructor(
    hidden_cases=_set_entry_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged()),
    mistakes=[
        Snippet("""
def set_entry(x, index, value):
    x[index] = value
    return x
""", "in_place_mutation", "numpy-style assignment"),
        Snippet("""
def set_entry(x, index, value):
    y = np.array(x)
    y[index] = value
    return y
""", "numpy_inside_jit", "copies to numpy and assigns there"),
        Snippet("""
def set_entry(x, index, value):
    return x.at[index].add(value)
""", "add_vs_set", ".add instead of .set"),
        Snippet("""
def set_entry(x, index, value):
    x.at[index].set(value)
    return x
""", "at_set_discarded", "forgot that .at[].set returns a new array"),
        Snippet("""
def set_entry(x, index, value):
    return jnp.where(x == x[index], value, x)
""", "wrong_value", "replaces every entry equal to x[index]"),
    ],
    alternatives=[
        Snippet("""
def set_entry(x, index, value):
    new = jnp.array(x)
    return new.at[index].set(value)
""", note="copies first"),
        Snippet("""
def set_entry(x, index, value):
    mask = jnp.zeros(x.shape, dtype=bool).at[index].set(True)
    return jnp.where(mask, value, x)
""", note="a boolean mask and jnp.where"),
    ],
)


# --- record ----------------------------------------------------------------------

def _record_hidden(rng):
    cases = []
    for n in (6, 11, 30):
        history = rng.normal(size=n).astype(F32)
        cases.append(Case((history, int(rng.integers(0, n)), float(np.round(rng.normal(), 4)))))
    return cases


RECORD = Instructor(
    hidden_cases=_record_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden, presets.unchanged()),
    mistakes=[
        Snippet("""
def record(history, step, value):
    return history.at[step].add(value)
""", "add_vs_set", ".add instead of .set"),
        Snippet("""
def record(history, step, value):
    return history.at[step + 1].set(value)
""", "off_by_one", "one step too far"),
        Snippet("""
def record(history, step, value):
    history[step] = value
    return history
""", "in_place_mutation", "numpy-style assignment"),
        Snippet("""
def record(history, step, value):
    history.at[step].set(value)
    return history
""", "at_set_discarded", "forgot that .at[].set returns a new array"),
        Snippet("""
def record(history, step, value):
    return jnp.append(history, value)
""", "wrong_shape", "appends instead of writing at step"),
    ],
    alternatives=[
        Snippet("""
def record(history, step, value):
    return jnp.where(jnp.arange(history.shape[0]) == step, value, history)
""", note="jnp.where with a mask"),
        Snippet("""
def record(history, step, value):
    return jax.lax.dynamic_update_slice(history, jnp.asarray([value], history.dtype), (step,))
""", note="lax.dynamic_update_slice"),
    ],
)


# --- mse_value_and_grad ----------------------------------------------------------

def _mse_hidden(rng):
    cases = []
    for n in (12, 50, 200):
        x = rng.uniform(-3, 3, size=n).astype(F32)
        y = (rng.normal() * x + rng.normal() + rng.normal(0, 0.5, size=n)).astype(F32)
        params = tuple(float(v) for v in np.round(rng.normal(0, 2, size=2), 3))
        cases.append(Case((params, x, y)))
    return cases


MSE_VALUE_AND_GRAD = Instructor(
    hidden_cases=_mse_hidden,
    hidden_checks=(
        matches_reference("loss", name="loss", describe="the loss value is the mean squared error"),
        gradient_matches_reference("gradient", describe="the gradient (dL/dm, dL/dc) is right"),
        purity.jit_matches_eager(requires=("loss",)),
        presets.unchanged(readonly=True),
    ),
    mistakes=[
        Snippet("""
def mse_value_and_grad(params, x, y):
    def loss(p):
        m, c = p
        return jnp.sum((m * x + c - y) ** 2)
    return jax.value_and_grad(loss)(params)
""", "sum_vs_mean", "sum instead of mean"),
        Snippet("""
def mse_value_and_grad(params, x, y):
    def loss(p):
        m, c = p
        return 0.5 * jnp.mean((m * x + c - y) ** 2)
    return jax.value_and_grad(loss)(params)
""", "factor_of_two", "0.5 * MSE (the 1/2 of some textbooks)"),
        Snippet("""
def mse_value_and_grad(params, x, y):
    def loss(p):
        m, c = p
        return jnp.mean((m * x + c - y) ** 2)
    value, grads = jax.value_and_grad(loss)(params)
    return grads, value
""", "value_and_grad_order", "returned (grads, loss)"),
        Snippet("""
def mse_value_and_grad(params, x, y):
    def loss(p, x):
        m, c = p
        return jnp.mean((m * x + c - y) ** 2)
    return jax.value_and_grad(loss, argnums=1)(params, x)
""", "grad_wrt_data", "differentiated with respect to x"),
        Snippet("""
def mse_value_and_grad(params, x, y):
    def loss(p):
        m, c = p
        return jnp.mean(jnp.abs(m * x + c - y))
    return jax.value_and_grad(loss)(params)
""", "wrong_value", "absolute instead of squared error"),
        Snippet("""
def mse_value_and_grad(params, x, y):
    m, c = params
    r = m * x + c - y
    return jnp.mean(r ** 2), (-jnp.mean(2 * r * x), -jnp.mean(2 * r))
""", "wrong_sign", "hand-written gradient with the wrong sign"),
    ],
    alternatives=[
        Snippet("""
def mse_value_and_grad(params, x, y):
    m, c = params
    r = m * x + c - y
    return jnp.mean(r ** 2), [jnp.mean(2 * r * x), jnp.mean(2 * r)]
""", note="gradient by hand, as a list"),
        Snippet("""
def mse_value_and_grad(params, x, y):
    loss = lambda p: jnp.average((y - (p[0] * x + p[1])) ** 2)
    return jax.value_and_grad(loss)(params)
""", note="jnp.average and residual the other way round"),
    ],
)


# --- directional_derivative ------------------------------------------------------

def _directional_hidden(rng):
    cases = []
    for name, n in (("quadratic", 6), ("beale", 2), ("softplus", 5), ("square_twist", 2)):
        x = rng.normal(size=n).astype(F32)
        v = rng.normal(size=n).astype(F32)
        cases.append(Case((Fn(name), x, v)))
    return cases


DIRECTIONAL_DERIVATIVE = Instructor(
    hidden_cases=_directional_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def directional_derivative(f, x, v):
    return jax.jvp(f, (x,), (v,))
""", "jvp_returns_pair", "returned (f(x), derivative)"),
        Snippet("""
def directional_derivative(f, x, v):
    return jax.jvp(f, (x,), (v / jnp.linalg.norm(v),))[1]
""", "normalised_direction", "normalised v"),
        Snippet("""
def directional_derivative(f, x, v):
    return jnp.dot(jax.grad(f)(x), v)
""", "grad_needs_scalar", "jax.grad, which needs a scalar output"),
        Snippet("""
def directional_derivative(f, x, v):
    return jax.jvp(f, (x,), (v,))[0]
""", "wrong_value", "returned f(x) instead of the derivative"),
        Snippet("""
def directional_derivative(f, x, v):
    h = 1e-2
    return (f(x + h * v) - f(x)) / h
""", "wrong_value", "a one-sided finite difference"),
    ],
    alternatives=[
        Snippet("""
def directional_derivative(f, x, v):
    _, f_lin = jax.linearize(f, x)
    return f_lin(v)
""", note="jax.linearize"),
        Snippet("""
def directional_derivative(f, x, v):
    return jnp.tensordot(jax.jacfwd(f)(x), v, axes=1)
""", note="full Jacobian times v"),
    ],
)


# --- soft_threshold --------------------------------------------------------------

def _away_from_kinks(x: np.ndarray, t: float) -> np.ndarray:
    """Move entries within 0.05 of the kinks at +-t so that gradients are well defined."""
    near = np.abs(np.abs(x) - t) < 0.05
    return np.where(near, x + np.sign(x) * 0.1, x).astype(F32)


def _soft_threshold_hidden(rng):
    cases = []
    for shape, t in (((40,), 0.7), ((6, 5), 2.0), ((25,), 0.05)):
        x = rng.normal(0, 2, size=shape)
        cases.append(Case((_away_from_kinks(x, t), t)))
    return cases


SOFT_THRESHOLD = Instructor(
    hidden_cases=_soft_threshold_hidden,
    hidden_checks=(presets.values(), presets.jit(), presets.gradient()),
    mistakes=[
        Snippet("""
def soft_threshold(x, t):
    if x > t:
        return x - t
    elif x < -t:
        return x + t
    return 0.0 * x
""", "python_if_on_array", "a Python if on the array"),
        Snippet("""
def soft_threshold(x, t):
    return jnp.maximum(jnp.abs(x) - t, 0.0)
""", "missing_sign", "forgot sign(x)"),
        Snippet("""
def soft_threshold(x, t):
    return jnp.maximum(x - t, 0.0)
""", "missing_abs", "shrinks only positive values"),
        Snippet("""
def soft_threshold(x, t):
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)
""", "numpy_inside_jit", "numpy functions"),
        Snippet("""
def soft_threshold(x, t):
    return jnp.array([xi - t if xi > t else (xi + t if xi < -t else 0.0) for xi in x.ravel()]).reshape(x.shape)
""", "python_if_on_array", "a Python loop with if on each value"),
        Snippet("""
def soft_threshold(x, t):
    return jnp.sign(x) * (jnp.abs(x) - t)
""", "wrong_value", "forgot the max(., 0)"),
    ],
    alternatives=[
        Snippet("""
def soft_threshold(x, t):
    return jnp.where(jnp.abs(x) > t, x - jnp.sign(x) * t, 0.0)
""", note="jnp.where"),
        Snippet("""
def soft_threshold(x, t):
    return x - jnp.clip(x, -t, t)
""", note="x minus its clipped value"),
    ],
)


INSTRUCTOR = {e.name: globals()[e.name.upper()] for e in ASSIGNMENT.exercises}

