"""Hints for the linear-models-to-machine-learning notebook: design matrices, losses, updates,
mini-batches, activations, logistic regression and small neural networks."""
from __future__ import annotations

from .hint import Hint

HINTS = [
    # --- linear least squares -------------------------------------------------
    Hint("transposed_design_matrix", "Design matrix transposed",
         "The design matrix has one row per data point and one column per parameter: shape (N, 2). "
         "Yours is (2, N).",
         "Stack the columns along axis 1: `jnp.stack([jnp.ones_like(x), x], axis=1)`."),
    Hint("column_order", "Columns in the wrong order",
         "The first column must be the constant 1 (the intercept), the second x (the slope).",
         "`jnp.stack([jnp.ones_like(x), x], axis=1)`: ones first."),
    Hint("missing_bias", "The intercept (bias) is missing",
         "The model has no constant term, so it is forced through the origin: a line m*x, or a neuron "
         "w*x without + b.",
         "Add the intercept: a column of ones in the design matrix, `+ c` in the line, `+ b` in a layer."),
    Hint("coefficient_order", "Coefficients in the wrong order",
         "The coefficients must follow the columns of the design matrix: for columns [1, x] that is "
         "[c, m] (intercept first). `jnp.polyfit` returns the highest power first.",
         "Solve `(A.T @ A) theta = A.T @ y` and return `theta` as it comes."),
    Hint("normal_equations", "Not the normal equations",
         "Least squares solves (A^T A) theta = A^T y with the whole matrix A^T A; fitting each column on "
         "its own ignores how the columns overlap.",
         "`jnp.linalg.solve(A.T @ A, A.T @ y)`."),
    Hint("parameter_order", "Parameters swapped",
         "The parameters are used in the wrong order: params = (m, c) means slope first, then "
         "intercept (and (w, b) for a neuron); a gradient is [dL/dm, dL/dc] in the same order.",
         "Unpack in the documented order: `m, c = params`."),
    # --- losses ---------------------------------------------------------------
    Hint("rmse_vs_mse", "Root mean squared instead of mean squared",
         "The mean squared error has no square root; the square root gives the RMSE.",
         "`jnp.mean((y_true - y_pred) ** 2)`, without `jnp.sqrt`."),
    Hint("wrong_loss", "A different loss",
         "The loss computed is not the one asked for (for example absolute instead of squared "
         "differences, or the other way round).",
         "MSE squares the residuals, MAE takes their absolute value; both then average over samples."),
    Hint("mae_missing_abs", "Residuals not made positive",
         "Without the absolute value, positive and negative residuals cancel out, so a bad fit can "
         "have a mean absolute error near zero.",
         "`jnp.mean(jnp.abs(y_true - y_pred))`."),
    Hint("log_of_zero", "log(0) in the cross-entropy",
         "For p exactly 0 or 1, `log(p)` or `log(1 - p)` is -inf, and 0 * -inf is NaN: one confident "
         "prediction makes the whole loss infinite or NaN.",
         "Clip first: `p = jnp.clip(p, eps, 1 - eps)`, then take the logs."),
    Hint("missing_negative_class", "Only one term of the cross-entropy",
         "Binary cross-entropy has a term for each class: y log p for the positives and "
         "(1 - y) log(1 - p) for the negatives. With only the first, missed sources cost nothing.",
         "`-jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))` (with p clipped)."),
    Hint("argument_order", "Arguments swapped",
         "The function uses its arguments in the wrong roles (for example labels as probabilities).",
         "Keep the order of the signature: `(y_true, p)`."),
    # --- gradients and updates ------------------------------------------------
    Hint("missing_factor_two", "Factor 2 missing in the derivative",
         "d/dm of (m x + c - y)^2 is 2 (m x + c - y) x: the chain rule brings down the power 2.",
         "dL/dm = mean(2 r x) and dL/dc = mean(2 r), with r = m x + c - y."),
    Hint("lr_applied_twice", "Learning rate applied twice",
         "The step is lr * lr * grad: the learning rate was multiplied in twice (for example once in "
         "the gradient and again in the update), so the steps are far too small or too large.",
         "Multiply by `lr` exactly once: `p - lr * g`."),
    Hint("returns_update", "Returned the step, not the new parameters",
         "The function returned -lr * grad (the change) instead of the updated parameters.",
         "Return `params - lr * grads`, leaf by leaf."),
    # --- convergence and scaling ----------------------------------------------
    Hint("absolute_vs_relative_tolerance", "Absolute instead of relative change",
         "The test compares the change in the loss with rtol itself; it must be compared with "
         "rtol times the size of the loss, so that it works whatever the units of the loss.",
         "`jnp.abs(loss - prev_loss) <= rtol * jnp.abs(prev_loss)`."),
    Hint("convergence_abs", "A missing absolute value in the convergence test",
         "Without `abs` on the change, a loss that jumps up (divergence) looks converged; without `abs` on "
         "prev_loss, a negative loss (a log-likelihood) gets a negative tolerance, so the test answers wrongly "
         "for it.",
         "Compare sizes: `jnp.abs(loss - prev_loss) <= rtol * jnp.abs(prev_loss)`."),
    Hint("inverted_condition", "Condition inverted",
         "The function answers True when the loss is still changing and False when it has settled.",
         "Converged means the change is small: `<=`, not `>`."),
    Hint("minmax_formula", "Not a min-max scaling",
         "Scaling to [0, 1] subtracts the minimum and divides by the range (max - min); the result "
         "must have minimum exactly 0 and maximum exactly 1.",
         "`(x - jnp.min(x)) / (jnp.max(x) - jnp.min(x))`."),
    Hint("standardise_vs_normalise", "Standardised instead of scaled to [0, 1]",
         "Subtracting the mean and dividing by the standard deviation gives mean 0 and std 1, "
         "not the range [0, 1].",
         "`(x - jnp.min(x)) / (jnp.max(x) - jnp.min(x))`."),
    # --- mini-batches ---------------------------------------------------------
    Hint("misaligned_batch", "x and y of the batch do not belong together",
         "The batch pairs x of one sample with y of another: x and y were drawn with different "
         "random indices.",
         "Draw the indices once, `idx = jax.random.choice(key, n, (batch_size,))`, and take "
         "`x[idx], y[idx]`."),
    Hint("batch_misses_samples", "Some samples are never drawn",
         "Over many keys, some samples never appear in a batch (or appear far too rarely). "
         "`jax.random.randint(key, shape, 0, n)` excludes n; writing `n - 1` drops the last sample.",
         "Draw indices from all of `range(n)`: `jax.random.randint(key, (b,), 0, n)` or "
         "`jax.random.choice(key, n, (b,))`."),
    # --- neurons and networks -------------------------------------------------
    Hint("overflow_in_exp", "exp overflows for large |z|",
         "`exp(z)` is inf in float32 for z above about 88, and inf / inf is NaN; the naive sigmoid "
         "1 / (1 + exp(-z)) also has a NaN gradient for large negative z.",
         "Use a stable form: `jax.nn.sigmoid(z)` or `0.5 * (jnp.tanh(z / 2) + 1)`."),
    Hint("wrong_activation", "Wrong activation function",
         "The function is not the activation asked for (sigmoid 1 / (1 + e^-z) or ReLU max(z, 0)).",
         "Compare your function with the formula at a few points, e.g. z = -2, 0, 2."),
    Hint("sigmoid_of_minus_z", "Sigmoid of -z",
         "The result is 1 / (1 + exp(z)) = 1 - sigmoid(z): large z should give values near 1, not 0.",
         "The exponent is -z: `1 / (1 + jnp.exp(-z))`, or better `jax.nn.sigmoid(z)`."),
    Hint("max_vs_maximum", "jnp.max instead of jnp.maximum",
         "`jnp.max(z, 0)` is the largest entry along axis 0 (a reduction); ReLU needs the "
         "element-wise maximum with 0.",
         "`jnp.maximum(z, 0.0)`."),
    Hint("missing_sigmoid", "No sigmoid on the output",
         "The output must be a probability in (0, 1): the linear combination (the logit) has to go "
         "through the sigmoid.",
         "Return `sigmoid(w * x + b)` (for the last layer of a network: `sigmoid(h @ W + b)`)."),
    Hint("relu_on_output", "ReLU applied to the output layer",
         "Hidden layers use ReLU; the output layer goes straight into the sigmoid. ReLU before the "
         "sigmoid makes every output at least 0.5.",
         "Apply ReLU to all layers except the last, and only the sigmoid to the last."),
    Hint("weight_shape", "Weight matrix of the wrong shape",
         "The weights of a layer from n_in to n_out units have shape (n_in, n_out), so that "
         "`h @ W` maps a batch (N, n_in) to (N, n_out); the bias has shape (n_out,).",
         "`W = scale * jax.random.normal(k_w, (n_in, n_out))`, `b = scale * jax.random.normal(k_b, (n_out,))`."),
    Hint("init_scale", "Initial weights of the wrong size",
         "The weights and biases should be standard-normal draws times `scale`.",
         "Multiply each draw by `scale`."),
    Hint("params_not_drawn", "Parameters not drawn at random",
         "Every weight and every bias should be `scale` times a standard-normal draw; an array of zeros (or of "
         "one repeated value) was not drawn. Zero biases are common elsewhere, but not what this exercise asks.",
         "`b = scale * jax.random.normal(k_b, (n_out,))` with a key of its own (and likewise for W)."),
    Hint("shared_draws", "Two parameter arrays hold the same random numbers",
         "Two arrays (weights or biases of the same or of different layers) share their values: they "
         "were drawn with the same key. Units that start identical stay identical.",
         "Split the key so that every W and every b has its own key, e.g. "
         "`key, k_w, k_b = jax.random.split(key, 3)` in the loop over layers."),
    # --- training -------------------------------------------------------------
    Hint("training_not_converged", "Training did not get the loss low enough",
         "After training, the validation loss is still above the target: too few steps, a learning "
         "rate far too small, or parameters that are not actually updated (or not returned).",
         "Check that each step uses a fresh batch, updates `params = gd_step(params, grads, lr)`, "
         "runs `n_steps` times with the given `lr`, and that you return the trained parameters."),
    Hint("training_diverged", "Training did not improve the model",
         "The validation loss is no better than always predicting the mean (or is NaN): the "
         "update went uphill (+ instead of -), the learning rate is far too large, the loss sums "
         "instead of averaging over the batch, or the updated parameters were never kept.",
         "Step against the gradient with the mean loss over the batch, and keep the result: "
         "`params = gd_step(params, grads, lr)`."),
]
