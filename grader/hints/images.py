"""Hints for images and the convolutional network that classifies them (s2_galaxy_morphology):
standardising images, convolution and pooling, initialising and running a CNN, its loss and
training, and the metrics of a binary classifier (ROC AUC, confusion matrix, predictive entropy)."""
from __future__ import annotations

from .hint import Hint

HINTS = (
    # --- standardise --------------------------------------------------------------------------
    Hint("stats_from_wrong_set", "Statistics not from the training images",
         "The mean and standard deviation must come from the training images only, then be applied "
         "unchanged to every set. Statistics from the images being transformed (the validation or test "
         "set itself, or all the data) leak information about those images into the preprocessing, and "
         "give each set a different transformation.",
         "`mean = train_images.mean(axis=(0, 1, 2))`, `std = train_images.std(axis=(0, 1, 2))`, then "
         "`(images - mean) / std`."),
    Hint("per_pixel_stats", "A mean and standard deviation for every pixel",
         "Reducing over axis 0 only gives an (H, W, C) image of means: each pixel is standardised on its "
         "own, which wipes out the galaxy's profile (the centre is always bright) and divides by tiny "
         "numbers in the empty corners.",
         "Reduce over the images and both pixel axes, keeping only the channel: `axis=(0, 1, 2)`."),
    Hint("stats_over_channels", "One mean and standard deviation for all channels",
         "Reducing over every axis mixes the channels (filters or bands of very different brightness): "
         "each channel must get its own mean and standard deviation, shape (C,).",
         "Reduce over `axis=(0, 1, 2)` (images, rows, columns), not over all axes."),
    Hint("divided_by_variance", "Divided by the variance, not the standard deviation",
         "Standardising divides by the standard deviation sigma; dividing by the variance sigma**2 leaves "
         "a spread of 1 / sigma instead of 1.",
         "Use `jnp.std(..., axis=(0, 1, 2))`, or the square root of the variance."),
    Hint("std_ddof", "Standard deviation with N - 1",
         "The standard deviation here is the population one, dividing by N (`jnp.std`'s default, ddof=0); "
         "dividing by N - 1 (ddof=1, the default of pandas and torch.std) gives a slightly larger value.",
         "`jnp.std(x, axis=(0, 1, 2))` without `ddof`."),
    # --- conv2d and max_pool ------------------------------------------------------------------
    Hint("kernel_flipped", "Convolution instead of cross-correlation",
         "Machine-learning libraries call 'convolution' what mathematicians call cross-correlation: the "
         "kernel is not flipped, out[i, j] = sum over (di, dj) of x[i + di, j + dj] * w[di, dj]. "
         "`jax.scipy.signal.convolve` and `np.convolve` flip the kernel, so the output is that of "
         "`w[::-1, ::-1]`.",
         "Slide the kernel as it is, or use `jax.lax.conv_general_dilated(x, w, (1, 1), 'SAME', "
         "dimension_numbers=('NHWC', 'HWIO', 'NHWC'))`."),
    Hint("valid_padding", "'VALID' padding: the image shrinks",
         "Without padding, a kh x kw kernel fits only H - kh + 1 by W - kw + 1 times, so the output is "
         "smaller than the input. 'SAME' pads the border with zeros so that the output keeps the input's "
         "height and width.",
         "Pad `(kh - 1) // 2` rows and `(kw - 1) // 2` columns of zeros on each side "
         "(`jnp.pad`), or pass `padding='SAME'`."),
    Hint("padding_shift", "Padding on one side only: the output is shifted",
         "'SAME' padding puts the zeros on both sides of the image, (k - 1) // 2 on each for an odd kernel. "
         "Padding k - 1 on one side keeps the size but centres every window one pixel off, so the output "
         "is shifted by a pixel.",
         "`jnp.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))` with `ph = (kh - 1) // 2`, "
         "`pw = (kw - 1) // 2`."),
    Hint("conv_layout", "Channels first (NCHW) instead of channels last (NHWC)",
         "The images here are NHWC (batch, height, width, channel) and kernels HWIO (height, width, input "
         "channel, output channel). `jax.lax.conv_general_dilated` assumes NCHW and OIHW unless told "
         "otherwise, as PyTorch does: the axes get mixed up, or the result comes back channels first.",
         "Pass `dimension_numbers=('NHWC', 'HWIO', 'NHWC')`, or transpose back before returning."),
    Hint("average_pool", "Average pooling instead of max pooling",
         "Max pooling keeps the largest value of each window (the strongest response of a filter); the "
         "mean of the window smooths it away.",
         "Take `.max` over the window axes, not `.mean`."),
    Hint("pool_windows", "The pooling windows are not size x size blocks",
         "After `x.reshape(N, H // s, s, W // s, s, C)` the window's rows are axis 2 and its columns axis "
         "4; reducing over other axes, or reshaping in another order, takes the maximum over pixels that "
         "are not neighbours (or over the channels).",
         "`x.reshape(n, h // s, s, w // s, s, c).max(axis=(2, 4))` (after cropping to multiples of s), or "
         "`jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, s, s, 1), (1, s, s, 1), 'VALID')`."),
    Hint("pool_overlapping", "Overlapping windows (stride 1)",
         "Pooling with windows that move by one pixel keeps almost the whole image: the point of pooling "
         "is to move by the window's size, so that the output is size times smaller along each axis.",
         "Use strides equal to the window: `(1, size, size, 1)` in `jax.lax.reduce_window`."),
    Hint("pool_remainder", "Rows and columns left over at the edge",
         "With H not a multiple of size, the last H % size rows (and columns) make no full window and are "
         "dropped: the output is (N, H // size, W // size, C). Padding them into a partial window gives "
         "one row or column too many; reshaping without cropping fails.",
         "Crop first: `x[:, :h // size * size, :w // size * size, :]`, or use 'VALID' padding in "
         "`reduce_window`."),
    # --- init_cnn and cnn_forward -------------------------------------------------------------
    Hint("init_fan_in", "Weights not scaled by sqrt(2 / fan_in)",
         "He initialisation keeps the spread of the activations the same from layer to layer for ReLU "
         "networks: W = sqrt(2 / fan_in) * N(0, 1), where fan_in is the number of inputs of one output "
         "unit: kh * kw * C_in for a convolution, the length of the input vector for a dense layer. "
         "Other scales (1 / fan_in, the number of outputs, no kernel area) make activations shrink or "
         "blow up with depth.",
         "`fan_in = int(np.prod(shape[:-1]))` for both kinds of layer, then "
         "`jnp.sqrt(2.0 / fan_in) * jax.random.normal(subkey, shape)`."),
    Hint("biases_not_zero", "Biases not initialised to zero",
         "With He initialisation the weights are random and the biases start at exactly 0; random "
         "biases shift every ReLU at random.",
         "`jnp.zeros(shape[-1])` for each bias."),
    Hint("kernel_layout", "Kernel shaped (C_out, C_in, kh, kw)",
         "Kernels here are HWIO: (kh, kw, C_in, C_out), the layout `conv_general_dilated` expects with "
         "dimension numbers ('NHWC', 'HWIO', 'NHWC'); PyTorch's (C_out, C_in, kh, kw) is another.",
         "Draw the first kernel with shape `(3, 3, C_in, c1)` and the second `(3, 3, c1, c2)`."),
    Hint("flatten_size", "The first dense layer does not fit the flattened features",
         "After two 2 x 2 poolings an H x W image becomes (H // 4) x (W // 4) pixels of c2 channels, so "
         "the first dense layer has (H // 4) * (W // 4) * c2 inputs: not H * W * c2 (the pools forgotten), "
         "nor (H // 4)**2 * c2 (a square image assumed).",
         "`n_flat = (h // 2 // 2) * (w // 2 // 2) * c2`, and the dense weight's shape `(n_flat, n_hidden)`."),
    Hint("flatten_order", "Features flattened in another order",
         "The dense layer's weights expect the features of `h.reshape(N, -1)` on the NHWC map: row by row, "
         "the channels of a pixel together. Transposing to channels first before flattening feeds every "
         "weight a different feature.",
         "`h = h.reshape(h.shape[0], -1)` on the (N, H/4, W/4, c2) feature map."),
    Hint("missing_relu", "A layer without its ReLU",
         "Each convolution and the hidden dense layer are followed by a ReLU; without it two layers in a "
         "row collapse into one linear map and the network loses most of what it can represent.",
         "`jax.nn.relu(conv2d(x, w, b))` before pooling, and `jax.nn.relu(h @ W + b)` for the hidden layer."),
    Hint("probabilities_not_logits", "Probabilities returned instead of logits",
         "The network returns logits, the raw outputs of the last layer (any real number); the loss "
         "`bce_with_logits` applies the sigmoid itself, stably. A sigmoid in the network as well squeezes "
         "the logits into (0, 1): the loss and the ROC curve then see the wrong numbers.",
         "End with the last dense layer: `(h @ W + b)[:, 0]`, no sigmoid."),
    Hint("logits_through_probabilities", "The loss goes through probabilities",
         "`sigmoid(z)` is exactly 1.0 in float32 for z above about 17 (and 0 below about -88), so "
         "`log(1 - sigmoid(z))` is -inf: a confidently wrong logit makes the loss infinite or NaN, and "
         "clipping p only caps the loss at -log(eps). In terms of the logit the loss is "
         "softplus(z) - y * z, which is finite for every z.",
         "`jnp.mean(jnp.logaddexp(0.0, z) - y * z)`, or `-jnp.mean(y * jax.nn.log_sigmoid(z) + "
         "(1 - y) * jax.nn.log_sigmoid(-z))`."),
    Hint("logit_sign", "The loss of the other class",
         "The loss is that of -logits (or of 1 - labels): a positive logit means class 1 (disc), so "
         "softplus(z) - y * z, not softplus(-z) + y * z. Training on it teaches the network the opposite "
         "classes.",
         "`jnp.mean(jnp.logaddexp(0.0, logits) - labels * logits)`."),
    # --- train_cnn ----------------------------------------------------------------------------
    Hint("partial_batch_kept", "A step on the last, partial batch",
         "When the number of images is not a multiple of batch_size, the last images of each epoch make "
         "a smaller batch; here it is dropped, so each epoch takes n // batch_size steps (and none when "
         "there are fewer images than batch_size). A step on the leftovers has a noisier gradient and "
         "changes the shape a jitted step sees, so it compiles again.",
         "`for i in range(n // batch_size): idx = order[i * batch_size:(i + 1) * batch_size]`."),
    # --- metrics --------------------------------------------------------------------------------
    Hint("auc_ties", "Tied scores not counted as one half",
         "ROC AUC is the probability that a random positive scores above a random negative, a tie "
         "counting one half: comparing with > counts ties as 0, >= as 1, and a ROC curve built by "
         "sorting the scores one by one gives tied scores an arbitrary order.",
         "Over all (positive, negative) pairs: `jnp.mean((s_pos[:, None] > s_neg[None, :]) + "
         "0.5 * (s_pos[:, None] == s_neg[None, :]))`."),
    Hint("auc_reversed", "The AUC of the other class",
         "The result is 1 - AUC: the probability that a negative scores above a positive. Higher scores "
         "mean class 1 (disc).",
         "Compare the scores of the positives (label 1) with those of the negatives, positives first."),
    Hint("auc_is_accuracy", "Accuracy at one threshold instead of the AUC",
         "The AUC summarises every threshold at once; the fraction right at one threshold (score > 0, or "
         "> 0.5) is the accuracy, which depends on that threshold and on the class balance.",
         "Compare every positive's score with every negative's (see the formula)."),
    Hint("counts_not_integers", "Counts returned as floats",
         "A confusion matrix counts samples: its entries are integers (int32 here). Floats, from "
         "`jnp.zeros((K, K))` or from normalising rows to fractions, are another result.",
         "`jnp.zeros((n_classes, n_classes), jnp.int32).at[labels, predicted].add(1)`."),
    Hint("classes_from_data", "The number of classes taken from the data",
         "`labels.max() + 1` is the number of classes only when the highest class occurs; a batch (or a "
         "test set) without it gives a matrix too small. Use the `n_classes` given.",
         "Size the matrix `(n_classes, n_classes)`."),
    Hint("confusion_class_order", "Rows and columns not indexed by the class numbers",
         "Row i of the matrix is true class i and column j predicted class j, for i, j in 0..n_classes - 1, "
         "whatever classes occur and in whatever order: renumbering the classes must permute the rows and "
         "columns the same way. Indexing by the order of `jnp.unique` or of first appearance does not.",
         "Index the counts with the labels themselves: `.at[labels, predicted].add(1)`."),
    Hint("entropy_at_edges", "Not exactly 0 at p = 0 or p = 1",
         "The binary entropy is 0 at p = 0 and p = 1 (0 * log 0 is 0 by continuity), but computed "
         "directly 0 * log(0) = 0 * -inf is NaN. Clipping p to [eps, 1 - eps] gives a small positive "
         "number instead of 0, or NaN again when 1 - eps rounds to 1 (in float32, 1 - 1e-16 is exactly 1.0).",
         "`jax.scipy.special.xlogy(p, p)` is 0 at p = 0; or `jnp.where(p > 0, p * jnp.log2(jnp.where(p > 0, "
         "p, 1.0)), 0.0)`."),
    Hint("uncertainty_order", "Most uncertain galaxies not first",
         "The result must list the k galaxies of highest entropy, the most uncertain (entropy closest to "
         "1 bit, p closest to 0.5) first: `jnp.argsort` sorts in increasing order, so its first entries are "
         "the most confident galaxies, and its last entries, taken as they are, are in increasing order.",
         "`jnp.argsort(-entropy)[:k]`, or `jax.lax.top_k(entropy, k)[1]`."),
    Hint("uncertain_not_entropy", "Ranked by the probability, not the entropy",
         "Uncertainty is highest at p = 0.5 and lowest at p = 0 and p = 1: ranking by p itself picks the "
         "galaxies most confidently classed as discs, not the uncertain ones.",
         "Rank by `binary_entropy(probs)` (or by -|p - 0.5|)."),
)
