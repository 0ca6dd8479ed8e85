"""Hints about loss landscapes, optimisers, robust losses and fitting (workbook s1_gradient_descent)."""
from __future__ import annotations

from .hint import Hint

HINTS = [
    # --- test functions -------------------------------------------------------
    Hint("ignores_parameter", "A parameter is ignored",
         "The result is right for the default constants but not for others: a parameter of the "
         "function (for example Rosenbrock's `a` or `b`) was replaced by a fixed number.",
         "Use the arguments `a` and `b` in the formula, not the numbers 1 and 100."),
    Hint("missing_square", "A square is missing",
         "One term of the formula is not squared, so the function can go negative and its minimum moves.",
         "Write every term as `(...) ** 2`, exactly as in the formula."),
    # --- gradient descent -----------------------------------------------------
    Hint("trajectory_length", "The trajectory has the wrong number of points",
         "`n_steps` steps visit `n_steps + 1` points: the starting point, then one point after each step. "
         "The first row must be `init` and the last row the point after the last step.",
         "Record `init` first, then append the new point after every step "
         "(or use `jax.lax.scan` and stack `init` in front of the scanned points)."),
    Hint("stale_gradient", "The gradient is not recomputed",
         "The gradient was evaluated once, at the starting point, and reused for every step; "
         "gradient descent needs the gradient at the current point.",
         "Compute `g = jax.grad(f)(x)` inside the loop, from the current `x`."),
    Hint("learning_rate_twice", "The learning rate is applied twice",
         "The step is `lr**2` times the gradient (or velocity) instead of `lr` times it, so the "
         "optimiser moves far too slowly.",
         "Multiply by `lr` exactly once: `x = x - lr * g`."),
    # --- momentum and Adam ----------------------------------------------------
    Hint("velocity_not_updated", "The velocity is not updated or not returned",
         "The step must return the new velocity `beta * velocity + grads`; returning the old one "
         "(or the gradient alone) loses the memory that makes momentum work.",
         "Compute `velocity = beta * velocity + grads` first, then `params - lr * velocity`, and return both."),
    Hint("momentum_beta_misplaced", "beta multiplies the wrong term",
         "Momentum decays the *old velocity* by `beta` and adds the gradient: "
         "`v_new = beta * v + g`. Here beta was applied to the gradient instead (or to both).",
         "`velocity = beta * velocity + grads`."),
    Hint("tree_arithmetic", "Arithmetic on a tuple or dict of parameters",
         "The parameters can be a pytree (a tuple, list or dict of arrays). Python's `+`, `-` and `*` "
         "do not work element-wise on tuples (`lr * (a, b)` is an error, `(a, b) + (c, d)` concatenates).",
         "Apply the update to every leaf: `jax.tree_util.tree_map(lambda p, v: p - lr * v, params, velocity)`."),
    Hint("rebuilt_by_type", "Parameters rebuilt with type(params)(...)",
         "`type(params)(...)` rebuilds only tuples and lists: for an array it calls the array type's "
         "constructor (an error), a dict needs (key, value) pairs, and the leaves inside layers are not reached.",
         "Update every leaf whatever the container: `jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)`."),
    Hint("missing_bias_correction", "Adam without bias correction",
         "Adam's moment estimates start at zero, so early on they are too small; dividing by "
         "`1 - b1**t` and `1 - b2**t` (t = the step count after this step, starting at 1) corrects that.",
         "`m_hat = m / (1 - b1**t)`, `v_hat = v / (1 - b2**t)`, then `params - lr * m_hat / (jnp.sqrt(v_hat) + eps)`."),
    Hint("betas_swapped", "b1 and b2 swapped",
         "`b1` (about 0.9) is the decay of the first moment (the mean of the gradients) and `b2` "
         "(about 0.999) that of the second moment (the mean of the squared gradients).",
         "`m = b1 * m + (1 - b1) * g` and `v = b2 * v + (1 - b2) * g**2`."),
    Hint("step_count", "The step count is wrong",
         "Adam's bias correction uses the number of steps taken *including this one* (1 on the "
         "first step), and the returned state must carry the incremented count.",
         "`t = t + 1` first, then the bias corrections with the new `t`; return `(m, v, t)`."),
    Hint("eps_placement", "eps in the wrong place",
         "Adam (as in optax and the paper) adds eps *after* the square root: `sqrt(v_hat) + eps`. "
         "Inside the root it changes the steps when gradients are small.",
         "`params - lr * m_hat / (jnp.sqrt(v_hat) + eps)`."),
    # --- robust loss ----------------------------------------------------------
    Hint("pseudo_huber_delta", "The delta factors of the pseudo-Huber loss",
         "The pseudo-Huber loss is `delta**2 * (sqrt(1 + (r / delta)**2) - 1)`: both the outer "
         "`delta**2` and the `r / delta` inside matter. Without them the loss is only right for delta = 1.",
         "Check the formula at delta = 2: for small r it must be close to r**2 / 2, for large r close to delta * |r|."),
    Hint("pseudo_huber_offset", "The loss is not zero at zero residual",
         "The `- 1` inside the pseudo-Huber loss makes it 0 when the model fits exactly; without it "
         "every point adds delta**2.",
         "`delta**2 * (jnp.sqrt(1 + (r / delta)**2) - 1)`."),
    Hint("unweighted_residual", "Residuals not scaled by their uncertainties",
         "Each residual must be measured in units of its own uncertainty, "
         "`r = (y_obs - y_pred) / y_err`, so that precise points count more.",
         "Divide by `y_err` (the standard deviation), not by its square and not at all."),
    # --- Bazin model and the fit ----------------------------------------------
    Hint("rise_fall_swapped", "Rise and fall times swapped",
         "In the Bazin model the decline `exp(-(t - t0) / t_fall)` uses the fall time and the "
         "sigmoid `1 / (1 + exp(-(t - t0) / t_rise))` the rise time.",
         "`A * jnp.exp(-(t - t0) / t_fall) / (1 + jnp.exp(-(t - t0) / t_rise)) + B`."),
    Hint("missing_baseline", "Baseline missing",
         "The model must add the constant baseline `B` (the flux before and long after the supernova).",
         "Add `+ B` at the end."),
    Hint("not_robust", "The fit is pulled by the outliers",
         "A squared (chi-squared) loss lets a few outliers drag the fit; the pseudo-Huber loss grows "
         "only linearly for large residuals, so outliers pull much less.",
         "Minimise the mean pseudo-Huber loss of `(flux, bazin(params, t), flux_err)` with delta = 1."),
    Hint("params_not_updated", "The optimiser's result is thrown away",
         "The returned parameters are the initial ones (or barely moved): the new parameters of each "
         "step were not carried into the next step.",
         "Carry `(params, state)` through the loop and return the final `params`."),
    Hint("fit_not_converged", "The fit did not reach the minimum",
         "The parameters are not those of the converged fit: the optimiser is not Adam with the given "
         "learning rate and number of steps, or a step is wrong.",
         "Use Adam (b1=0.9, b2=0.999, eps=1e-8) with `lr` for `n_steps` steps from `init`."),
    Hint("wrong_update_rule", "The update is not params - lr * grads",
         "With a learning rate of 0 a gradient step must leave the parameters where they are. Here they "
         "move: the arguments of the update are swapped (grads - lr * params), or lr is not applied to "
         "the gradient.",
         "`jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)`: parameters first, the "
         "gradient times the learning rate subtracted."),
]
