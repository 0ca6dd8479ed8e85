"""Hints about JAX itself and the first notebook: the function, values, keys, immutability, jit, autodiff."""
from __future__ import annotations

from .hint import Hint

HINTS = [
    # --- the function itself -------------------------------------------------
    Hint("not_implemented", "Not implemented yet",
         "The function still raises NotImplementedError.",
         "Replace `raise NotImplementedError()` with your code and run the cell again."),
    Hint("not_defined", "Function not found",
         "The function is not defined in the notebook: its cell has not been run, "
         "or the function was renamed.",
         "Keep the name and signature given in the exercise, and run the cell that defines it."),
    Hint("syntax_error", "Syntax error in the function's cell",
         "The cell that defines the function has a syntax error, so Python ran none of it and the "
         "function does not exist.",
         "Correct the line shown (often a missing `:`, bracket or quote, or wrong indentation) and run "
         "the cell again."),
    Hint("not_callable", "Not a function",
         "The name is defined but is not a function.",
         "Define it with `def name(...):` as the exercise asks."),
    Hint("student_exception", "Your code raised an error",
         "Calling your function raised an exception (shown with your line).",
         "Run your function on the input shown and read the error message from the bottom up."),
    Hint("grader_error", "The grader failed",
         "A check could not run because of a fault in the grader itself, not in your code; the points of "
         "that check are not given until your instructor has looked at it.",
         "Nothing to change in your code for this check: tell your instructor, who sees the fault in the "
         "grading log."),
    Hint("too_slow", "Did not finish in time",
         "Your function was still running when the test cell's time was up (an endless loop, or far more work "
         "than the exercise needs).",
         "Run your function on a small input and check that every loop ends; use vectorised jax.numpy "
         "operations instead of Python loops over array entries."),
    # --- values ---------------------------------------------------------------
    Hint("wrong_structure", "Wrong kind of result",
         "The result does not have the structure the exercise asks for "
         "(for example a tuple of two values, or one array).",
         "Return exactly what the docstring describes, in that order."),
    Hint("wrong_shape", "Wrong shape",
         "The result has the wrong shape.",
         "Print `.shape` of your intermediate arrays; compare with the shape in the docstring."),
    Hint("wrong_dtype", "Wrong dtype",
         "The result has the wrong kind of number (for example an integer array where a float is expected).",
         "Build the result from float arrays, or cast with `.astype(jnp.float32)`."),
    Hint("low_precision", "Less precision than float32",
         "The result is in a low-precision float type (float16 keeps about 3 significant digits, bfloat16 "
         "about 2) while the exercise computes in float32 (about 7). Results are compared at the precision "
         "of the expected result, not of the one returned, so rounded numbers fail.",
         "Keep JAX's default float32: do not cast with `.astype(jnp.float16)` or `jnp.bfloat16`, and do not "
         "pass a low-precision `dtype=` when you create arrays."),
    Hint("wrong_value", "Wrong value",
         "The result has the right shape but the wrong numbers.",
         "Try your function on the input shown and compare with the formula by hand."),
    Hint("not_finite", "NaN or infinity in the result",
         "The result contains NaN or inf where a finite number is expected.",
         "Look for a division by zero, `log(0)` or an overflow (for example `exp` of a large number)."),
    Hint("sum_vs_mean", "Sum instead of mean",
         "The result is N times too large: it sums over the samples where the mean is asked for.",
         "Use `jnp.mean(...)` (or divide the sum by the number of samples)."),
    Hint("factor_of_two", "Off by a factor of 2",
         "The result is exactly half (or exactly twice) the expected value: a factor 2 is missing or extra, "
         "for example `0.5 *` in front of a squared error (the mean squared error is `mean(r ** 2)`, with no 1/2).",
         "Compare your formula with the exercise's, factor by factor (the derivative of `r ** 2` is `2 * r`)."),
    Hint("wrong_sign", "Wrong sign",
         "The result has the right size but the opposite sign.",
         "Check the sign of each term; a gradient-descent step subtracts `lr * grad`."),
    Hint("broadcast_n1_vs_n", "Shapes (n, 1) and (n,) broadcast to (n, n)",
         "An array of shape (n, 1) combined with one of shape (n,) silently broadcasts to an "
         "(n, n) matrix, so every prediction is compared with every target.",
         "Make the shapes agree first: `y_pred.reshape(y_true.shape)` or `jnp.squeeze`."),
    # --- PRNG keys ------------------------------------------------------------
    Hint("reused_key", "PRNG key used twice",
         "The same key was used for two random draws, or drawn from and then split (or folded with "
         "`fold_in`). JAX keys are not stateful: the same key gives the same numbers, so the draws are "
         "not independent.",
         "Split first and use each new key once: `key_a, key_b = jax.random.split(key)`."),
    Hint("hardcoded_key", "The result ignores the key it is given",
         "Different keys give the same result, so the function makes its own key "
         "(for example `jax.random.PRNGKey(0)` inside the function) instead of using its argument.",
         "Draw with the `key` argument; never create a key inside the function."),
    Hint("global_random_state", "Hidden random state",
         "The same key gave different results, so the randomness comes from somewhere else "
         "(for example `np.random`), which JAX cannot reproduce or trace.",
         "Use only `jax.random` functions, with the key passed in."),
    Hint("identical_draws", "The two draws are identical",
         "Both arrays hold the same numbers: they were drawn with the same key.",
         "Split the key and draw each array with its own subkey."),
    Hint("correlated_draws", "The two draws are correlated",
         "The arrays are strongly correlated, so they are not independent draws "
         "(for example one is the negative or a copy of the other).",
         "Draw each array separately with its own subkey from `jax.random.split`."),
    Hint("wrong_distribution", "Wrong distribution",
         "The random numbers do not have the mean, spread or shape of the distribution asked for.",
         "Use `jax.random.normal(key, shape)` for standard-normal noise and multiply by the scale."),
    Hint("wrong_noise_scale", "Noise has the wrong size",
         "The noise around the line does not have standard deviation sigma "
         "(for example it is sigma squared, or not scaled at all).",
         "Add `sigma * jax.random.normal(key, x.shape)`."),
    # --- immutability ---------------------------------------------------------
    Hint("in_place_operator", "In-place operator on an input array",
         "`x -= m` (like `+=`, `*=`, `/=`) changes a numpy array in place, so the caller's data would change; "
         "inputs passed in read-only refuse it (ValueError: output array is read-only).",
         "Make a new array: `x = x - m`, which leaves the input as it was."),
    Hint("in_place_mutation", "In-place assignment on an immutable array",
         "JAX arrays cannot be changed in place: `x[i] = v` raises a TypeError "
         "(and numpy arrays passed in read-only raise a ValueError).",
         "Build a new array instead: `x = x.at[i].set(v)`."),
    Hint("input_modified", "The input was changed",
         "Your function modified an argument it was given, so the caller's data changed.",
         "Leave inputs alone and return new values (`x.at[i].set(v)`, `x + dx`, a new list)."),
    Hint("add_vs_set", "Adds instead of replacing",
         "The entry was increased by the value instead of being replaced by it.",
         "Use `.at[i].set(value)`, not `.at[i].add(value)`."),
    Hint("at_set_discarded", "The result of .at[].set was thrown away",
         "`x.at[i].set(v)` does not change `x`: it returns a new array, which was not used.",
         "Return (or assign) the new array: `return x.at[i].set(v)`."),
    Hint("off_by_one", "Off by one",
         "The value went one position away from where it should be.",
         "Python and JAX index from 0: entry `step` is `history[step]`."),
    # --- purity and jit -------------------------------------------------------
    Hint("numpy_inside_jit", "numpy inside a jitted function",
         "Under `jax.jit` the inputs are tracers, not numbers; numpy functions try to turn them "
         "into numpy arrays and fail (TracerArrayConversionError).",
         "Use `jax.numpy` (`jnp.sin`, `jnp.where`, ...) inside functions that JAX transforms."),
    Hint("python_if_on_array", "Python `if` on an array value",
         "A Python `if` (or `and`/`or`, `max`, `min`) needs one True/False, but an array has many "
         "values, and under `jax.jit` its values are not known at trace time.",
         "Use `jnp.where(condition, a, b)`, `jnp.maximum`, or `jax.lax.cond` for a scalar condition."),
    Hint("tracer_leak", "A traced value escaped the function",
         "The function stored an intermediate value outside itself (a global or a list); under "
         "`jax.jit` that value is a tracer that is invalid after tracing.",
         "Return every value you need; do not write to globals inside a function."),
    Hint("float_on_tracer", "float() or .item() on a traced value",
         "Under `jax.grad` and `jax.jit` your arrays are tracers whose values are not known yet, so "
         "`float(x)`, `int(x)` or `x.item()` cannot turn them into a Python number (ConcretizationTypeError).",
         "Return the JAX array itself, e.g. `return jnp.mean(...)`, without `float()` or `.item()`."),
    Hint("not_jittable", "Does not run under jax.jit",
         "The function fails when compiled with `jax.jit`.",
         "Use only `jax.numpy` operations on array arguments, and no Python control flow on their values."),
    Hint("jit_mismatch", "Different result under jax.jit",
         "The compiled function gives a different result from the plain one, so it depends on "
         "something other than its arguments (global state, numpy randomness, a Python side effect).",
         "Make the function pure: the output must depend only on its inputs."),
    # --- differentiation ------------------------------------------------------
    Hint("wrong_gradient", "Wrong gradient",
         "The gradient does not match the gradient of the intended function.",
         "Check each partial derivative; compare with `jax.grad` of the loss."),
    Hint("not_differentiable", "jax.grad fails on your function",
         "Differentiating your function with `jax.grad` raised an error.",
         "Use `jax.numpy` operations throughout and return a float result."),
    Hint("value_and_grad_order", "Value and gradient swapped",
         "`jax.value_and_grad(f)(...)` returns `(value, grad)`; the result here has them the other way round.",
         "Return `loss, grads` in that order."),
    Hint("grad_wrt_data", "Gradient with respect to the data",
         "The gradient was taken with respect to the data `x` rather than the parameters.",
         "Differentiate with respect to the first argument (`argnums=0`), the parameters."),
    Hint("jvp_returns_pair", "Returned both outputs of jax.jvp",
         "`jax.jvp(f, (x,), (v,))` returns `(f(x), derivative)`; only the second is the directional derivative.",
         "`_, tangent = jax.jvp(f, (x,), (v,))` and return `tangent`."),
    Hint("normalised_direction", "Direction was normalised",
         "The derivative along v uses v as given; dividing by |v| gives the unit-direction derivative instead.",
         "Pass `v` unchanged as the tangent to `jax.jvp`."),
    Hint("grad_needs_scalar", "jax.grad needs a function that returns one number",
         "`jax.grad` only differentiates functions with a scalar output. A loss must be reduced to one "
         "number (the mean over the samples); a vector-valued function has no single gradient.",
         "For a loss, return `jnp.mean(...)` of the per-sample errors; for the derivative of a "
         "vector-valued f along v, use `jax.jvp(f, (x,), (v,))[1]`."),
    # --- soft threshold -------------------------------------------------------
    Hint("missing_sign", "Sign lost",
         "Negative inputs come out positive: the result is missing the `sign(x)` factor.",
         "`jnp.sign(x) * jnp.maximum(jnp.abs(x) - t, 0.0)`."),
    Hint("missing_abs", "Shrinks only one side",
         "Only positive inputs are shrunk towards zero; negative ones are set to zero.",
         "Shrink the magnitude: `jnp.abs(x) - t`, then restore the sign."),
]
