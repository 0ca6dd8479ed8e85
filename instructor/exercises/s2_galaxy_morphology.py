"""s2_galaxy_morphology: the instructor-only half (never shipped, never readable by graded code).

Hidden-case generators, hidden checks, oracles and the corpus of mistakes and correct
alternatives of each exercise; the public half is grader/exercises/s2_galaxy_morphology.py.
Loaded by path by `grader.exercises.load("s2_galaxy_morphology", instructor=True)`.

The corpus includes the original Keras notebooks' bugs: the class names of the confusion matrix
swapped against the labels (`confusion_transposed`), the entropy computed in bits but labelled
nats (`entropy_log_base`) and clipped with float64's eps (`entropy_at_edges`), and a random seed
set and never used (`split_not_random`).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from grader.checks import keys, presets, splits
from grader.checks.invariances import invariant
from grader.checks.oracle import matches_oracle
from grader.checks.values import matches_reference
from grader.data.galaxies import galaxy_images
from grader.exercises.s2_galaxy_morphology import (
    F32, FORWARD_SHAPES, I32, cnn_case, cnn_form, init_checks, short_run, split_n, split_sizes, train_checks,
    _conv_case,
)
from grader.exercises.spec import Case, Instructor, Key, Snippet


def _seed(rng) -> int:
    return int(rng.integers(2**31))


# --- standardise ----------------------------------------------------------------------------

def _standardise_hidden(rng):
    def images(n, shape, scale, offset):
        return (rng.normal(size=(n, *shape)) * scale + offset).astype(F32)
    scale, offset = np.array([1.0, 10.0, 0.5]), np.array([0.0, 30.0, -1.0])
    train3 = images(10, (5, 6, 3), scale, offset)
    train1 = images(8, (6, 6, 1), 3.0, 7.0)
    return [Case((images(4, (5, 6, 3), scale, offset + 2 * scale), train3)),
            Case((images(5, (6, 6, 1), 3.0, 4.0), train1)),
            Case((train3, train3))]


STANDARDISE = Instructor(
    hidden_cases=_standardise_hidden,
    hidden_checks=(presets.values(), presets.jit(), presets.unchanged(readonly=True)),
    mistakes=[
        Snippet("""
def standardise(images, train_images):
    return (images - images.mean(axis=(0, 1, 2))) / images.std(axis=(0, 1, 2))
""", "stats_from_wrong_set", "statistics of the images themselves, not of the training images"),
        Snippet("""
def standardise(images, train_images):
    everything = jnp.concatenate([train_images, images])
    return (images - train_images.mean(axis=(0, 1, 2))) / everything.std(axis=(0, 1, 2))
""", "stats_from_wrong_set", "the standard deviation of the whole data set"),
        Snippet("""
def standardise(images, train_images):
    return (images - train_images.mean(axis=0)) / train_images.std(axis=0)
""", "per_pixel_stats", "statistics over axis 0 only: one per pixel"),
        Snippet("""
def standardise(images, train_images):
    return (images - train_images.mean()) / train_images.std()
""", "stats_over_channels", "one mean and one std over every axis, channels mixed"),
        Snippet("""
def standardise(images, train_images):
    return (images - train_images.mean(axis=(0, 1, 2))) / train_images.var(axis=(0, 1, 2))
""", "divided_by_variance", "divided by the variance"),
        Snippet("""
def standardise(images, train_images):
    return (images - train_images.mean(axis=(0, 1, 2))) / train_images.std(axis=(0, 1, 2), ddof=1)
""", "std_ddof", "standard deviation with N - 1"),
        Snippet("""
def standardise(images, train_images):
    images -= train_images.mean(axis=(0, 1, 2))
    return images / train_images.std(axis=(0, 1, 2))
""", "in_place_operator", "images -= mean changes a numpy input in place"),
    ],
    alternatives=[
        Snippet("""
def standardise(images, train_images):
    mean = jnp.mean(train_images, axis=(0, 1, 2), keepdims=True)
    std = jnp.std(train_images, axis=(0, 1, 2), keepdims=True)
    return (images - mean) / std
""", note="keepdims=True"),
        Snippet("""
def standardise(images, train_images):
    pixels = train_images.reshape(-1, train_images.shape[-1])
    mean = pixels.mean(axis=0)
    std = jnp.sqrt(jnp.mean((pixels - mean) ** 2, axis=0))
    return (images - mean) / std
""", note="pixels as rows, the standard deviation written out"),
    ],
)


# --- split_indices --------------------------------------------------------------------------

SPLIT_INDICES = Instructor(
    hidden_cases=lambda rng: [Case((Key(_seed(rng)), 57, 11, 9)), Case((Key(_seed(rng)), 10, 1, 3))],
    hidden_checks=(
        splits.partition(n=split_n, sizes=split_sizes, weight=2,
                         describe="train, val and test hold every index of range(n) once, with the sizes asked"),
        splits.shuffled(key_argnum=0, position=2, requires=("partition",),
                        describe="over many keys, every index is in the test set about as often"),
        keys.no_key_reuse(),
        keys.key_changes_result(0),
    ),
    mistakes=[
        Snippet("""
def split_indices(key, n, n_val, n_test):
    random_seed = 42
    perm = np.random.default_rng(42).permutation(n)
    n_train = n - n_val - n_test
    return perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]
""", "split_not_random", "a random seed set and never used (the original notebook): the same split for every key"),
        Snippet("""
def split_indices(key, n, n_val, n_test):
    idx = jnp.arange(n)
    n_train = n - n_val - n_test
    return idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]
""", "split_not_random", "not shuffled: the first indices always train, the last always test"),
        Snippet("""
def split_indices(key, n, n_val, n_test):
    key_val, key_test = jax.random.split(key)
    val = jax.random.choice(key_val, n, (n_val,), replace=False)
    test = jax.random.choice(key_test, n, (n_test,), replace=False)
    train = jnp.setdiff1d(jnp.arange(n), jnp.concatenate([val, test]), size=n - n_val - n_test)
    return train, val, test
""", "indices_overlap", "val and test drawn separately: they can share indices"),
        Snippet("""
def split_indices(key, n, n_val, n_test):
    perm = jax.random.permutation(key, n)
    return perm[:n - n_val], perm[n - n_val - n_test:n - n_test], perm[n - n_test:]
""", "wrong_shape", "the training set runs to n - n_val: it includes the validation set"),
        Snippet("""
def split_indices(key, n, n_val, n_test):
    perm = np.random.permutation(n)
    n_train = n - n_val - n_test
    return perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]
""", "global_random_state", "numpy's global random state"),
        Snippet("""
def split_indices(key, n, n_val, n_test):
    idx = jax.random.randint(key, (n,), 0, n)
    n_train = n - n_val - n_test
    return idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]
""", "indices_overlap", "indices drawn with replacement"),
        Snippet("""
def split_indices(key, n, n_val, n_test):
    n_train = n - n_val - n_test
    train = jax.random.permutation(key, n)[:n_train]
    rest = jax.random.permutation(key, n)[n_train:]
    return train, rest[:n_val], rest[n_val:]
""", "reused_key", "one key for two permutations (the same one twice)"),
    ],
    alternatives=[
        Snippet("""
def split_indices(key, n, n_val, n_test):
    perm = jax.random.permutation(key, n)
    return tuple(jnp.split(perm, [n - n_val - n_test, n - n_test]))
""", note="jnp.split at the two boundaries"),
        Snippet("""
def split_indices(key, n, n_val, n_test):
    order = jnp.argsort(jax.random.uniform(key, (n,)))
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    return train, val, test
""", note="argsort of uniform numbers, the test set cut first"),
    ],
)


# --- conv2d -------------------------------------------------------------------------------------

def _lax_conv(x, w, b):
    """Oracle: jax.lax.conv_general_dilated, stride 1, 'SAME', NHWC/HWIO/NHWC, at the highest precision."""
    y = jax.lax.conv_general_dilated(jnp.asarray(x), jnp.asarray(w), (1, 1), "SAME",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                     precision=jax.lax.Precision.HIGHEST)
    return np.asarray(y + jnp.asarray(b), np.float32)


def _conv_hidden(rng):
    return [_conv_case(rng, (3, 7, 9, 2), (3, 3), 5), _conv_case(rng, (2, 8, 8, 4), (5, 5), 3),
            _conv_case(rng, (4, 6, 5, 3), (3, 5), 2)]


# Cross-correlation by sliding the kernel over the padded image, as the workbook's solution; the mistakes
# below change a line of it.
_CONV_SLIDING = """def conv2d(x, w, b):
    kh, kw = w.shape[0], w.shape[1]
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    padded = jnp.pad(x, ((0, 0), (ph, kh - 1 - ph), (pw, kw - 1 - pw), (0, 0)))
    h, width = x.shape[1], x.shape[2]
    out = b
    for i in range(kh):
        for j in range(kw):
            out = out + padded[:, i:i + h, j:j + width, :] @ w[i, j]
    return out
"""


def _conv_variant(*changes: tuple[str, str]) -> str:
    code = _CONV_SLIDING
    for old, new in changes:
        if code.count(old) != 1:
            raise ValueError(f"{old!r} occurs {code.count(old)} times in the convolution template")
        code = code.replace(old, new)
    return code


CONV2D = Instructor(
    hidden_cases=_conv_hidden,
    hidden_checks=(
        matches_oracle("lax_conv", rtol=1e-4, weight=2,
                       describe="agrees with jax.lax.conv_general_dilated (stride 1, 'SAME', NHWC/HWIO)"),
        presets.gradient("the gradient with respect to the kernel (jax.grad) is right"),
        presets.jit(),
    ),
    oracles={"lax_conv": _lax_conv},
    mistakes=[
        Snippet(_conv_variant(("@ w[i, j]", "@ w[kh - 1 - i, kw - 1 - j]")),
                "kernel_flipped", "true convolution: the kernel flipped"),
        Snippet("""
def conv2d(x, w, b):
    from jax.scipy.signal import convolve
    out = []
    for o in range(w.shape[3]):
        total = 0.0
        for c in range(w.shape[2]):
            total = total + jax.vmap(lambda image: convolve(image, w[:, :, c, o], mode="same"))(x[..., c])
        out.append(total + b[o])
    return jnp.stack(out, axis=-1)
""", "kernel_flipped", "jax.scipy.signal.convolve per pair of channels (the original notebook's import)"),
        Snippet("""
def conv2d(x, w, b):
    y = jax.lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + b
""", "valid_padding", "'VALID' padding: the output shrinks"),
        Snippet("""
def conv2d(x, w, b):
    y = jax.lax.conv_general_dilated(jnp.transpose(x, (0, 3, 1, 2)), jnp.transpose(w, (3, 2, 0, 1)), (1, 1), "SAME")
    return y + b[:, None, None]
""", "conv_layout", "NCHW, PyTorch's layout, returned channels first"),
        Snippet(_conv_variant(("    out = b\n", "    out = 0.0\n")), "missing_bias", "the bias never added"),
        Snippet(_conv_variant(("(ph, kh - 1 - ph), (pw, kw - 1 - pw)", "(0, kh - 1), (0, kw - 1)")),
                "padding_shift", "all the padding after the image: the output shifted by a pixel"),
    ],
    alternatives=[
        Snippet("""
def conv2d(x, w, b):
    y = jax.lax.conv_general_dilated(x, w, window_strides=(1, 1), padding="SAME",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + b
""", note="jax.lax.conv_general_dilated with NHWC/HWIO dimension numbers"),
        Snippet("""
def conv2d(x, w, b):
    from jax.scipy.signal import correlate
    out = []
    for o in range(w.shape[3]):
        total = 0.0
        for c in range(w.shape[2]):
            total = total + jax.vmap(lambda image: correlate(image, w[:, :, c, o], mode="same"))(x[..., c])
        out.append(total + b[o])
    return jnp.stack(out, axis=-1)
""", note="jax.scipy.signal.correlate per pair of channels"),
        Snippet("""
def conv2d(x, w, b):
    kh, kw, c_in, c_out = w.shape
    n, h, width, _ = x.shape
    padded = jnp.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    patches = jnp.stack([padded[:, i:i + h, j:j + width, :] for i in range(kh) for j in range(kw)], axis=3)
    return jnp.einsum("nhwkc,kco->nhwo", patches, w.reshape(kh * kw, c_in, c_out)) + b
""", note="patches stacked, one einsum (im2col)"),
        Snippet("""
def conv2d(x, w, b):
    y = jax.lax.conv_general_dilated(jnp.transpose(x, (0, 3, 1, 2)), jnp.transpose(w, (3, 2, 0, 1)), (1, 1), "SAME")
    return jnp.transpose(y, (0, 2, 3, 1)) + b
""", note="NCHW/OIHW, transposed in and out"),
    ],
)


# --- max_pool -----------------------------------------------------------------------------------

def _pool_hidden(rng):
    return [Case((rng.normal(size=shape).astype(F32), size))
            for shape, size in (((3, 7, 9, 2), 2), ((2, 9, 6, 4), 3), ((1, 8, 8, 5), 4), ((2, 3, 5, 3), 1))]


MAX_POOL = Instructor(
    hidden_cases=_pool_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def max_pool(x, size):
    n, h, w, c = x.shape
    x = x[:, :h // size * size, :w // size * size, :]
    return x.reshape(n, h // size, size, w // size, size, c).mean(axis=(2, 4))
""", "average_pool", "the mean of each window"),
        Snippet("""
def max_pool(x, size):
    n, h, w, c = x.shape
    x = x[:, :h // size * size, :w // size * size, :]
    return x.reshape(n, h // size, w // size, size, size, c).max(axis=(3, 4))
""", "pool_windows", "reshaped to (n, h/s, w/s, s, s, c): the 'windows' are not blocks of neighbours"),
        Snippet("""
def max_pool(x, size):
    n, h, w, c = x.shape
    x = x[:, :h // size * size, :w // size * size, :]
    return x.reshape(n, h // size, size, w // size, size, c).max(axis=(1, 3))
""", "pool_windows", "the maximum over the wrong axes of the reshaped array"),
        Snippet("""
def max_pool(x, size):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, size, size, 1), (1, 1, 1, 1), "VALID")
""", "pool_overlapping", "stride 1: overlapping windows"),
        Snippet("""
def max_pool(x, size):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, size, size, 1), (1, size, size, 1), "SAME")
""", "pool_remainder", "'SAME' padding: a partial window at the edge"),
        Snippet("""
def max_pool(x, size):
    n, h, w, c = x.shape
    x = x[:, :h // size * size, :w // size * size, :]
    return x.reshape(n, h // size, size, w // size, size, c).max(axis=(2, 4, 5))
""", "pool_windows", "the maximum over the channels too"),
    ],
    alternatives=[
        Snippet("""
def max_pool(x, size):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, size, size, 1), (1, size, size, 1), "VALID")
""", note="jax.lax.reduce_window"),
        Snippet("""
def max_pool(x, size):
    h, w = x.shape[1] // size * size, x.shape[2] // size * size
    out = x[:, 0:h:size, 0:w:size, :]
    for i in range(size):
        for j in range(size):
            out = jnp.maximum(out, x[:, i:h:size, j:w:size, :])
    return out
""", note="strided slices, one per position in the window"),
    ],
)


# --- init_cnn -----------------------------------------------------------------------------------

# A correct initialisation written as a student would; the mistakes below change a line or two of it.
_INIT = """def init_cnn(key, image_shape, channels, n_hidden):
    h, w, c_in = image_shape
    c1, c2 = channels
    shapes = [(3, 3, c_in, c1), (3, 3, c1, c2), ((h // 4) * (w // 4) * c2, n_hidden), (n_hidden, 1)]
    params = []
    for subkey, shape in zip(jax.random.split(key, 4), shapes):
        fan_in = np.prod(shape[:-1])
        params.append((jnp.sqrt(2.0 / fan_in) * jax.random.normal(subkey, shape), jnp.zeros(shape[-1])))
    return params
"""


def _init_variant(*changes: tuple[str, str]) -> str:
    code = _INIT
    for old, new in changes:
        if code.count(old) != 1:
            raise ValueError(f"{old!r} occurs {code.count(old)} times in the initialisation template")
        code = code.replace(old, new)
    return code


INIT_CNN = Instructor(
    hidden_cases=lambda rng: [Case((Key(_seed(rng)), (16, 20, 3), (8, 12), 24))],
    hidden_checks=(*init_checks(), keys.no_key_reuse(), keys.key_changes_result(0)),
    mistakes=[
        Snippet(_init_variant(("fan_in = np.prod(shape[:-1])", "fan_in = shape[-2]")),
                "init_fan_in", "fan_in of a kernel without its area: C_in only"),
        Snippet(_init_variant(("jnp.sqrt(2.0 / fan_in)", "jnp.sqrt(1.0 / fan_in)")),
                "init_fan_in", "sqrt(1 / fan_in) (LeCun) instead of sqrt(2 / fan_in) (He)"),
        Snippet(_init_variant(("fan_in = np.prod(shape[:-1])", "fan_in = shape[-1]")),
                "init_fan_in", "the number of outputs instead of inputs"),
        Snippet(_init_variant(("((h // 4) * (w // 4) * c2, n_hidden)", "(h * w * c2, n_hidden)")),
                "flatten_size", "the dense layer sized for the image before pooling"),
        Snippet(_init_variant(("((h // 4) * (w // 4) * c2, n_hidden)", "((h // 4) ** 2 * c2, n_hidden)")),
                "flatten_size", "a square image assumed"),
        Snippet(_init_variant(("[(3, 3, c_in, c1), (3, 3, c1, c2),", "[(c1, c_in, 3, 3), (c2, c1, 3, 3),"),
                              ("fan_in = np.prod(shape[:-1])",
                               "fan_in = np.prod(shape[1:]) if len(shape) == 4 else shape[0]"),
                              ("jnp.zeros(shape[-1])", "jnp.zeros(shape[0] if len(shape) == 4 else shape[-1])")),
                "kernel_layout", "kernels shaped (C_out, C_in, kh, kw), as in PyTorch"),
        Snippet(_init_variant(("for subkey, shape in zip(jax.random.split(key, 4), shapes):", "for shape in shapes:"),
                              ("jax.random.normal(subkey, shape)", "jax.random.normal(key, shape)")),
                "shared_draws", "the same key for every layer"),
        Snippet(_init_variant(("for subkey, shape in zip(jax.random.split(key, 4), shapes):",
                               "for subkey, shape in zip(jax.random.split(key, 8)[::2], shapes):"),
                              ("jnp.zeros(shape[-1])", "0.1 * jax.random.normal(subkey, (shape[-1],))")),
                "biases_not_zero", "biases drawn at random (as init_mlp did)"),
        Snippet(_init_variant(("jax.random.split(key, 4)", "jax.random.split(jax.random.PRNGKey(0), 4)")),
                "hardcoded_key", "jax.random.PRNGKey(0) inside"),
    ],
    alternatives=[
        Snippet("""
def init_cnn(key, image_shape, channels, n_hidden):
    h, w, c_in = image_shape
    c1, c2 = channels
    n_flat = (h // 2 // 2) * (w // 2 // 2) * c2
    shapes = [(3, 3, c_in, c1), (3, 3, c1, c2), (n_flat, n_hidden), (n_hidden, 1)]
    params = []
    for i, shape in enumerate(shapes):
        fan_in = 1
        for d in shape[:-1]:
            fan_in *= d
        std = (2.0 / fan_in) ** 0.5
        params.append([std * jax.random.normal(jax.random.fold_in(key, i), shape), jnp.zeros((shape[-1],))])
    return params
""", note="fold_in the layer number; lists; fan_in by a loop"),
        Snippet("""
def init_cnn(key, image_shape, channels, n_hidden):
    he = jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")
    h, w, c_in = image_shape
    c1, c2 = channels
    params = []
    for shape in [(3, 3, c_in, c1), (3, 3, c1, c2), ((h // 4) * (w // 4) * c2, n_hidden), (n_hidden, 1)]:
        key, subkey = jax.random.split(key)
        params.append((he(subkey, shape), jnp.zeros(shape[-1])))
    return params
""", note="jax.nn.initializers.variance_scaling(2, 'fan_in', 'normal'), the key carried through"),
    ],
)


# --- cnn_forward ----------------------------------------------------------------------------------

# A forward pass written with jax.lax as a student might; the mistakes below change a line of it.
_FORWARD = """def _conv(x, w, b):
    return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")) + b

def _pool(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

def cnn_forward(params, x):
    (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
    h = _pool(jax.nn.relu(_conv(x, w1, b1)))
    h = _pool(jax.nn.relu(_conv(h, w2, b2)))
    h = h.reshape(h.shape[0], -1)
    h = jax.nn.relu(h @ w3 + b3)
    return (h @ w4 + b4)[:, 0]
"""


def _forward_variant(*changes: tuple[str, str]) -> str:
    code = _FORWARD
    for old, new in changes:
        if code.count(old) != 1:
            raise ValueError(f"{old!r} occurs {code.count(old)} times in the forward template")
        code = code.replace(old, new)
    return code


CNN_FORWARD = Instructor(
    hidden_cases=lambda rng: [cnn_case(rng, *FORWARD_SHAPES), cnn_case(rng, *FORWARD_SHAPES, container=list)],
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    mistakes=[
        Snippet(_forward_variant(("return (h @ w4 + b4)[:, 0]", "return jax.nn.sigmoid(h @ w4 + b4)[:, 0]")),
                "probabilities_not_logits", "a sigmoid on the output"),
        Snippet(_forward_variant(("h = h.reshape(h.shape[0], -1)",
                                  "h = jnp.transpose(h, (0, 3, 1, 2)).reshape(h.shape[0], -1)")),
                "flatten_order", "flattened channels first, as PyTorch does"),
        Snippet(_forward_variant(("return (h @ w4 + b4)[:, 0]", "return h @ w4 + b4")),
                "wrong_shape", "logits of shape (N, 1)"),
        Snippet(_forward_variant(("h = _pool(jax.nn.relu(_conv(h, w2, b2)))", "h = _pool(_conv(h, w2, b2))")),
                "missing_relu", "no ReLU after the second convolution"),
        Snippet(_forward_variant(("h = jax.nn.relu(h @ w3 + b3)", "h = h @ w3 + b3")),
                "missing_relu", "no ReLU after the hidden dense layer"),
        Snippet(_forward_variant(("dimension_numbers=(\"NHWC\", \"HWIO\", \"NHWC\")) + b",
                                  "dimension_numbers=(\"NHWC\", \"HWIO\", \"NHWC\"))")),
                "missing_bias", "the convolutions' biases never added"),
    ],
    alternatives=[
        Snippet(_forward_variant(("h = _pool(jax.nn.relu(_conv(x, w1, b1)))",
                                  "h = jax.nn.relu(_pool(_conv(x, w1, b1)))"),
                                 ("h = _pool(jax.nn.relu(_conv(h, w2, b2)))",
                                  "h = jax.nn.relu(_pool(_conv(h, w2, b2)))")),
                note="pool before ReLU (they commute)"),
        Snippet("""
def cnn_forward(params, x):
    h = x
    for w, b in params[:2]:
        kh, kw = w.shape[:2]
        padded = jnp.pad(h, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
        rows, cols = h.shape[1], h.shape[2]
        h = sum(padded[:, i:i + rows, j:j + cols, :] @ w[i, j] for i in range(kh) for j in range(kw)) + b
        h = jnp.maximum(h, 0.0)
        n, rows, cols, c = h.shape
        h = h[:, :rows // 2 * 2, :cols // 2 * 2].reshape(n, rows // 2, 2, cols // 2, 2, c).max(axis=(2, 4))
    h = h.reshape(len(h), -1)
    (w3, b3), (w4, b4) = params[2:]
    return jnp.ravel(jnp.maximum(h @ w3 + b3, 0.0) @ w4 + b4)
""", note="a loop over the two conv layers, sliding windows, jnp.ravel"),
    ],
)


# --- bce_with_logits --------------------------------------------------------------------------------

def _optax_bce(logits, labels):
    """Oracle: optax.sigmoid_binary_cross_entropy, averaged over the samples."""
    import optax  # here, not at import: test cells that do not need it do not pay for it
    return np.asarray(jnp.mean(optax.sigmoid_binary_cross_entropy(jnp.asarray(logits), jnp.asarray(labels, F32))),
                      np.float32)


def _bce_hidden(rng):
    def labelled(z):
        return Case((z.astype(F32), (rng.uniform(size=z.size) < 0.5).astype(I32)))
    return [labelled(rng.normal(0.0, 3.0, size=50)),
            labelled(rng.choice([-1.0, 1.0], size=50) * rng.uniform(50.0, 1000.0, size=50)),
            labelled(np.concatenate([rng.normal(0.0, 2.0, size=46), [1000.0, -1000.0, 200.0, -200.0]]))]


def flip_classes(args):
    """(logits, labels) -> (-logits, 1 - labels): the same samples, the classes renamed."""
    logits, labels = args
    return (-logits, (1 - labels).astype(labels.dtype))


BCE_WITH_LOGITS = Instructor(
    hidden_cases=_bce_hidden,
    hidden_checks=(
        *presets.LOSS.hidden,
        matches_oracle("optax", rtol=1e-5, name="optax", describe="agrees with optax.sigmoid_binary_cross_entropy"),
        invariant(flip_classes, name="classes_flipped", hint="missing_negative_class",
                  describe="the same loss for (-logits, 1 - labels): both classes count alike"),
    ),
    oracles={"optax": _optax_bce},
    mistakes=[
        Snippet("""
def bce_with_logits(logits, labels):
    p = jax.nn.sigmoid(logits)
    return -jnp.mean(labels * jnp.log(p) + (1 - labels) * jnp.log(1 - p))
""", "logits_through_probabilities", "sigmoid, then log: -inf at large logits"),
        Snippet("""
def bce_with_logits(logits, labels, eps=1e-7):
    p = jnp.clip(jax.nn.sigmoid(logits), eps, 1 - eps)
    return -jnp.mean(labels * jnp.log(p) + (1 - labels) * jnp.log(1 - p))
""", "logits_through_probabilities", "session 1's clipped cross-entropy on sigmoid(logits): capped at -log(eps)"),
        Snippet("""
def bce_with_logits(logits, labels):
    return jnp.mean(jnp.logaddexp(0.0, logits) - labels * logits) / jnp.log(2.0)
""", "entropy_log_base", "in bits (log base 2)"),
        Snippet("""
def bce_with_logits(logits, labels):
    return jnp.sum(jnp.logaddexp(0.0, logits) - labels * logits)
""", "sum_vs_mean", "sum over the samples"),
        Snippet("""
def bce_with_logits(logits, labels):
    return jnp.mean(jnp.logaddexp(0.0, -logits) + labels * logits)
""", "logit_sign", "the loss of -logits: the classes swapped"),
        Snippet("""
def bce_with_logits(logits, labels):
    return -jnp.mean(labels * jax.nn.log_sigmoid(logits))
""", "missing_negative_class", "only the positives' term"),
        Snippet("""
def bce_with_logits(logits, labels):
    return jnp.mean(jnp.log(1 + jnp.exp(logits)) - labels * logits)
""", "overflow_in_exp", "log(1 + exp(z)) written out: exp overflows for z above 88"),
    ],
    alternatives=[
        Snippet("""
def bce_with_logits(logits, labels):
    import optax
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, labels.astype(jnp.float32)))
""", note="optax.sigmoid_binary_cross_entropy"),
        Snippet("""
def bce_with_logits(logits, labels):
    return -jnp.mean(labels * jax.nn.log_sigmoid(logits) + (1 - labels) * jax.nn.log_sigmoid(-logits))
""", note="log_sigmoid of both classes"),
        Snippet("""
def bce_with_logits(logits, labels):
    z = logits
    return jnp.mean(jnp.maximum(z, 0) - z * labels + jnp.log1p(jnp.exp(-jnp.abs(z))))
""", note="max(z, 0) - z y + log1p(exp(-|z|)), as TensorFlow writes it"),
    ],
)


# --- train_cnn ---------------------------------------------------------------------------------------

TRAIN_IMAGES, VALIDATION_IMAGES, IMAGE_SIZE = 820, 300, 24
CHANNELS, N_HIDDEN = (8, 16), 16
N_EPOCHS, BATCH_SIZE, LEARNING_RATE = 4, 32, 3e-3


def he_params(key, image_shape, channels, n_hidden) -> list:
    """Initial parameters as init_cnn makes them (He normal weights, zero biases), as numpy float32."""
    params = []
    for subkey, form in zip(jax.random.split(key, 4), cnn_form(image_shape, channels, n_hidden)):
        w, b = form
        fan_in = int(np.prod(w.shape[:-1]))
        params.append((np.asarray(np.sqrt(2.0 / fan_in) * jax.random.normal(subkey, w.shape), F32),
                       np.zeros(b.shape, F32)))
    return params


def galaxy_split(data_seed: int):
    """(train images, train labels, validation images, validation labels): galaxy_images of the seed, counts
    rounded to whole numbers (as a detector reads them, and so that they compress), standardised with the
    training images' mean and standard deviation."""
    images, labels = galaxy_images(jax.random.key(data_seed), TRAIN_IMAGES + VALIDATION_IMAGES, size=IMAGE_SIZE)
    images, labels = np.round(np.asarray(images, np.float64)), np.asarray(labels, I32)
    train = images[:TRAIN_IMAGES]
    images = ((images - train.mean(axis=(0, 1, 2))) / train.std(axis=(0, 1, 2))).astype(F32)
    return images[:TRAIN_IMAGES], labels[:TRAIN_IMAGES], images[TRAIN_IMAGES:], labels[TRAIN_IMAGES:]


def train_case(data_seed: int, init_seed: int, key_seed: int, label: str = "") -> Case:
    x, y, x_val, y_val = galaxy_split(data_seed)
    params = he_params(jax.random.key(init_seed), x.shape[1:], CHANNELS, N_HIDDEN)
    return Case((Key(key_seed), params, x, y, N_EPOCHS, BATCH_SIZE, LEARNING_RATE), label, extra=(x_val, y_val))


# A correct training function written as a student would (its own forward pass and loss, so that it runs on
# its own); the mistakes below change a line or two of it. Its step is jitted once, outside train_cnn, with the
# learning rate an argument: every call with batches of one shape then reuses one compiled step (grading calls
# train_cnn seven times).
_TRAIN = """import optax

def _logits(params, x):
    (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
    def block(h, w, b):
        h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")) + b
        return jax.lax.reduce_window(jax.nn.relu(h), -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    h = block(block(x, w1, b1), w2, b2)
    h = jax.nn.relu(h.reshape(h.shape[0], -1) @ w3 + b3)
    return (h @ w4 + b4)[:, 0]

def _loss(params, x, y):
    z = _logits(params, x)
    return jnp.mean(jnp.logaddexp(0.0, z) - y * z)

@jax.jit
def _adam_step(params, opt_state, x, y, learning_rate):
    grads = jax.grad(_loss)(params, x, y)
    updates, opt_state = optax.adam(learning_rate).update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state

def train_cnn(key, params, images, labels, n_epochs, batch_size, learning_rate):
    opt_state = optax.adam(learning_rate).init(params)
    n = images.shape[0]
    for epoch_key in jax.random.split(key, n_epochs):
        order = jax.random.permutation(epoch_key, n)
        for i in range(n // batch_size):
            idx = order[i * batch_size:(i + 1) * batch_size]
            params, opt_state = _adam_step(params, opt_state, images[idx], labels[idx], learning_rate)
    return params
"""


def _train_variant(*changes: tuple[str, str]) -> str:
    """_TRAIN with each (old, new) text replaced; every old text must occur exactly once."""
    code = _TRAIN
    for old, new in changes:
        if code.count(old) != 1:
            raise ValueError(f"{old!r} occurs {code.count(old)} times in the training template")
        code = code.replace(old, new)
    return code


def _train_hidden(rng):
    return [train_case(_seed(rng), _seed(rng), _seed(rng))]


TRAIN_CNN = Instructor(
    public_cases=lambda: [train_case(0, 2, 1, (
        "key = jax.random.key(1), params = init_cnn(jax.random.key(2), (24, 24, 1), (8, 16), 16), the first 820 "
        "of galaxy_images(jax.random.key(0), 1120, size=24) (counts rounded, standardised), n_epochs=4, "
        "batch_size=32, learning_rate=3e-3; validated on the other 300"))],
    hidden_cases=_train_hidden,
    hidden_checks=(*train_checks(weight=2), keys.no_key_reuse(shorter=short_run)),
    mistakes=[
        Snippet(_train_variant(("    for epoch_key in jax.random.split(key, n_epochs):\n"
                                "        order = jax.random.permutation(epoch_key, n)",
                                "    for epoch in range(n_epochs):\n"
                                "        order = jax.random.permutation(key, n)")),
                "reused_key", "one key for every epoch's shuffle: the same order every epoch"),
        Snippet(_train_variant(("for i in range(n // batch_size):", "for i in range(-(-n // batch_size)):")),
                "partial_batch_kept", "a step on the last, partial batch"),
        Snippet(_train_variant(("            params, opt_state = _adam_step(",
                                "            new_params, opt_state = _adam_step(")),
                "training_not_converged", "the updated parameters never kept: the network stays untrained"),
        Snippet(_train_variant(("optax.adam(learning_rate).update", "optax.adam(-learning_rate).update")),
                "training_diverged", "a negative learning rate: steps uphill"),
        Snippet(_train_variant(("jax.random.split(key, n_epochs)",
                                "jax.random.split(jax.random.PRNGKey(0), n_epochs)")),
                "hardcoded_key", "jax.random.PRNGKey(0) for the shuffles"),
        Snippet(_train_variant(("        order = jax.random.permutation(epoch_key, n)",
                                "        order = jnp.arange(n)")),
                "hardcoded_key", "never shuffled: the batches in the same order every epoch, the key unused"),
        Snippet(_train_variant(("        order = jax.random.permutation(epoch_key, n)",
                                "        order = np.random.permutation(n)")),
                "global_random_state", "shuffled with numpy's global random state"),
    ],
    alternatives=[
        Snippet(_train_variant(("    for epoch_key in jax.random.split(key, n_epochs):\n"
                                "        order = jax.random.permutation(epoch_key, n)",
                                "    for epoch in range(n_epochs):\n"
                                "        key, epoch_key = jax.random.split(key)\n"
                                "        order = jax.random.permutation(epoch_key, n)")),
                note="the key split at each epoch and carried"),
        Snippet("""
import optax

def _logits(params, x):
    h = x
    for w, b in params[:2]:
        h = jax.nn.relu(jax.lax.conv_general_dilated(h, w, (1, 1), "SAME",
                                                     dimension_numbers=("NHWC", "HWIO", "NHWC")) + b)
        n, rows, cols, c = h.shape
        h = h.reshape(n, rows // 2, 2, cols // 2, 2, c).max(axis=(2, 4))
    h = jax.nn.relu(h.reshape(len(h), -1) @ params[2][0] + params[2][1])
    return (h @ params[3][0] + params[3][1])[:, 0]

@jax.jit
def _epoch(carry, batches, images, labels, learning_rate):
    optimiser = optax.adam(learning_rate)

    def loss(p, x, y):
        return jnp.mean(optax.sigmoid_binary_cross_entropy(_logits(p, x), y.astype(jnp.float32)))

    def step(carry, batch):
        params, opt_state = carry
        grads = jax.grad(loss)(params, images[batch], labels[batch])
        updates, opt_state = optimiser.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), None

    return jax.lax.scan(step, carry, batches)[0]

def train_cnn(key, params, images, labels, n_epochs, batch_size, learning_rate):
    n_batches = images.shape[0] // batch_size
    carry = (params, optax.adam(learning_rate).init(params))
    for e in range(n_epochs):
        order = jax.random.permutation(jax.random.fold_in(key, e), images.shape[0])
        carry = _epoch(carry, order[:n_batches * batch_size].reshape(n_batches, batch_size), images, labels,
                       learning_rate)
    return carry[0]
""", note="one jitted epoch: lax.scan over the batches of a reshaped permutation; fold_in keys"),
    ],
)


# --- roc_auc -----------------------------------------------------------------------------------------

def _auc_hidden(rng):
    """Scores on a grid of 1/8 (ties), some continuous; a monotone map of a grid keeps its order and ties."""
    def scored(n, positive_share, noise, step):
        labels = (rng.uniform(size=n) < positive_share).astype(I32)
        scores = labels + rng.normal(0.0, noise, size=n)
        return Case(((np.round(scores / step) * step if step else scores).astype(F32), labels))
    return [scored(300, 0.5, 0.8, 0.125), scored(300, 0.2, 1.0, 0.0), scored(40, 0.4, 0.6, 0.5)]


def monotone_scores(args):
    """(scores, labels) -> (exp(scores / 4), labels): the same order of the scores."""
    scores, labels = args
    return (np.exp(scores.astype(np.float64) / 4.0).astype(F32), labels)


ROC_AUC = Instructor(
    hidden_cases=_auc_hidden,
    hidden_checks=(
        presets.values(),
        invariant(monotone_scores, name="ranks_only", hint="auc_is_accuracy",
                  describe="the same AUC for exp(scores / 4): only the order of the scores counts"),
    ),
    mistakes=[
        Snippet("""
def roc_auc(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    return jnp.mean(pos[:, None] > neg[None, :])
""", "auc_ties", "ties count 0 (>)"),
        Snippet("""
def roc_auc(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    return jnp.mean(pos[:, None] >= neg[None, :])
""", "auc_ties", "ties count 1 (>=)"),
        Snippet("""
def roc_auc(scores, labels):
    order = jnp.argsort(-scores)
    y = labels[order]
    tpr = jnp.concatenate([jnp.zeros(1), jnp.cumsum(y) / jnp.sum(y)])
    fpr = jnp.concatenate([jnp.zeros(1), jnp.cumsum(1 - y) / jnp.sum(1 - y)])
    return jnp.trapezoid(tpr, fpr)
""", "auc_ties", "a ROC curve from the sorted scores one by one: tied scores in an arbitrary order"),
        Snippet("""
def roc_auc(scores, labels):
    ranks = jnp.argsort(jnp.argsort(scores)) + 1
    n_pos = jnp.sum(labels == 1)
    n_neg = labels.size - n_pos
    return (jnp.sum(jnp.where(labels == 1, ranks, 0)) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
""", "auc_ties", "Mann-Whitney with ordinal ranks: ties not averaged"),
        Snippet("""
def roc_auc(scores, labels):
    pos, neg = scores[labels == 0], scores[labels == 1]
    return jnp.mean(pos[:, None] > neg[None, :]) + 0.5 * jnp.mean(pos[:, None] == neg[None, :])
""", "auc_reversed", "positives and negatives swapped: 1 - AUC"),
        Snippet("""
def roc_auc(scores, labels):
    return jnp.mean((scores > 0.5) == labels)
""", "auc_is_accuracy", "the accuracy at a threshold of 0.5"),
    ],
    alternatives=[
        Snippet("""
def roc_auc(scores, labels):
    ordered = jnp.sort(scores)
    ranks = (jnp.searchsorted(ordered, scores, side="left") + jnp.searchsorted(ordered, scores, side="right") + 1) / 2
    n_pos = jnp.sum(labels)
    n_neg = labels.size - n_pos
    return (jnp.sum(ranks * labels) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
""", note="Mann-Whitney U with average ranks of ties"),
        Snippet("""
def roc_auc(scores, labels):
    thresholds = jnp.unique(scores)[::-1]
    pos, neg = scores[labels == 1], scores[labels == 0]
    tpr = jnp.concatenate([jnp.zeros(1), jnp.mean(pos[None, :] >= thresholds[:, None], axis=1)])
    fpr = jnp.concatenate([jnp.zeros(1), jnp.mean(neg[None, :] >= thresholds[:, None], axis=1)])
    return jnp.trapezoid(tpr, fpr)
""", note="the ROC curve at every distinct score, trapezoids"),
        Snippet("""
def roc_auc(scores, labels):
    positive = labels[:, None] == 1
    negative = labels[None, :] == 0
    pairs = positive & negative
    wins = jnp.where(scores[:, None] > scores[None, :], 1.0, jnp.where(scores[:, None] == scores[None, :], 0.5, 0.0))
    return jnp.sum(wins * pairs) / jnp.sum(pairs)
""", note="every pair, positive rows against negative columns (jittable)"),
    ],
)


# --- confusion_matrix ---------------------------------------------------------------------------------

def _confusion_hidden(rng):
    labels = rng.integers(0, 3, size=30).astype(I32)                      # class 3 of 4 in neither
    predicted = np.where(rng.uniform(size=30) < 0.7, labels, rng.integers(0, 3, size=30)).astype(I32)
    many = rng.integers(0, 5, size=300).astype(I32)
    guessed = np.where(rng.uniform(size=300) < 0.6, many, rng.integers(0, 5, size=300)).astype(I32)
    binary = rng.integers(0, 2, size=50).astype(I32)
    return [Case((predicted, labels, 4)), Case((guessed, many, 5)),
            Case(((binary ^ (rng.uniform(size=50) < 0.2)).astype(I32), binary, 2))]


def _permutation(n_classes: int) -> np.ndarray:
    """A fixed renumbering of the classes: class i becomes (3 i + 1) mod K, or reversed for K in 2, 3."""
    perm = (3 * np.arange(n_classes) + 1) % n_classes
    return perm if len(set(perm.tolist())) == n_classes else np.arange(n_classes)[::-1]


def renumbered(args):
    predicted, labels, n_classes = args
    perm = _permutation(n_classes)
    return (perm[predicted].astype(I32), perm[labels].astype(I32), n_classes)


def permuted_matrix(first, args):
    """The matrix of the renumbered classes: entry (perm[i], perm[j]) is entry (i, j)."""
    perm = _permutation(args[2])
    out = np.zeros_like(first)
    out[np.ix_(perm, perm)] = first
    return out


CONFUSION_MATRIX = Instructor(
    hidden_cases=_confusion_hidden,
    hidden_checks=(
        presets.values(),
        matches_reference("integer_counts", name="integer_counts", describe="counts are integers",
                          value_hint="counts_not_integers", requires=("values",)),
        invariant(renumbered, expected=permuted_matrix, name="renumbered", hint="confusion_class_order",
                  describe="renumbering the classes permutes the rows and columns alike"),
    ),
    mistakes=[
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    return jnp.zeros((n_classes, n_classes), jnp.int32).at[predicted, labels].add(1)
""", "confusion_transposed", "rows predicted, columns true: the original notebook's swapped class names"),
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    return jnp.zeros((n_classes, n_classes)).at[labels, predicted].add(1)
""", "counts_not_integers", "float counts (jnp.zeros' default dtype)"),
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    k = int(max(labels.max(), predicted.max())) + 1
    return jnp.zeros((k, k), jnp.int32).at[labels, predicted].add(1)
""", "classes_from_data", "the number of classes from the data"),
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    return jnp.zeros((n_classes, n_classes), jnp.int32).at[labels, predicted].set(1)
""", "add_vs_set", ".set(1) instead of .add(1): every cell at most 1"),
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    counts = jnp.zeros((n_classes, n_classes)).at[labels, predicted].add(1)
    return 100 * counts / jnp.maximum(counts.sum(axis=1, keepdims=True), 1)
""", "counts_not_integers", "rows normalised to percentages (the original notebook's cm_norm)"),
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    cm = jnp.zeros((n_classes, n_classes), jnp.int32)
    for t, p in zip(labels, predicted):
        cm[t, p] += 1
    return cm
""", "in_place_mutation", "numpy-style += on a JAX array"),
    ],
    alternatives=[
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    return jax.nn.one_hot(labels, n_classes, dtype=jnp.int32).T @ jax.nn.one_hot(predicted, n_classes, dtype=jnp.int32)
""", note="one-hot matrices multiplied"),
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    return jnp.bincount(labels * n_classes + predicted, length=n_classes * n_classes).reshape(n_classes, n_classes)
""", note="bincount of the flat index"),
        Snippet("""
def confusion_matrix(predicted, labels, n_classes):
    rows = [[jnp.sum((labels == i) & (predicted == j)) for j in range(n_classes)] for i in range(n_classes)]
    return jnp.array(rows, dtype=jnp.int32)
""", note="a sum for each cell"),
    ],
)


# --- binary_entropy ----------------------------------------------------------------------------------

def _entropy_hidden(rng):
    edges = np.array([0.0, 1.0, 0.5, 1e-6, 1.0 - 1e-6])
    p = np.where(rng.uniform(size=45) < 0.2, rng.integers(0, 2, size=45), rng.uniform(size=45))
    return [Case((np.concatenate([p[:40], edges]).reshape(5, 9).astype(F32),))]


BINARY_ENTROPY = Instructor(
    hidden_cases=_entropy_hidden,
    hidden_checks=presets.DIFFERENTIABLE.hidden,
    mistakes=[
        Snippet("""
def binary_entropy(p):
    return -(jax.scipy.special.xlogy(p, p) + jax.scipy.special.xlogy(1 - p, 1 - p))
""", "entropy_log_base", "in nats (natural log): the original notebook's plot labelled the bits nats"),
        Snippet("""
def binary_entropy(p):
    return -(p * jnp.log2(p) + (1 - p) * jnp.log2(1 - p))
""", "entropy_at_edges", "no care at 0 and 1: 0 * log 0 is NaN"),
        Snippet("""
def binary_entropy(p, eps=np.finfo(float).eps):
    p = jnp.clip(p, eps, 1 - eps)
    return -p * jnp.log2(p) - (1 - p) * jnp.log2(1 - p)
""", "entropy_at_edges", "clipped with float64's eps (the original notebook): 1 - eps is 1.0 in float32"),
        Snippet("""
def binary_entropy(p):
    return -jax.scipy.special.xlogy(p, p) / jnp.log(2.0)
""", "missing_negative_class", "only the p log p term"),
        Snippet("""
def binary_entropy(p):
    return (jax.scipy.special.xlogy(p, p) + jax.scipy.special.xlogy(1 - p, 1 - p)) / jnp.log(2.0)
""", "wrong_sign", "the minus sign forgotten"),
    ],
    alternatives=[
        Snippet("""
def binary_entropy(p):
    def plogp(q):
        safe = jnp.where(q > 0, q, 1.0)
        return jnp.where(q > 0, q * jnp.log2(safe), 0.0)
    return -plogp(p) - plogp(1 - p)
""", note="the double jnp.where"),
        Snippet("""
def binary_entropy(p):
    h = -(p * jnp.log2(p) + (1 - p) * jnp.log2(1 - p))
    return jnp.where((p > 0) & (p < 1), h, 0.0)
""", note="NaN at the edges replaced by 0 with one jnp.where"),
    ],
)


# --- most_uncertain ------------------------------------------------------------------------------------

def _entropy_bits(p):
    p = np.asarray(p, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h)


def _distinct_probabilities(rng, n, scale):
    """n probabilities sigmoid(N(0, scale)) whose entropies differ by at least 1e-3 bits from one another
    (and those of 1 - p too): no ties, whatever the rounding of float32."""
    while True:
        p = (1.0 / (1.0 + np.exp(-rng.normal(0.0, scale, size=n)))).astype(F32)
        if np.min(np.diff(np.sort(_entropy_bits(p)))) > 1e-3:
            return p


def _uncertain_hidden(rng):
    return [Case((_distinct_probabilities(rng, 40, 3.0), 8)), Case((_distinct_probabilities(rng, 40, 2.0), 1))]


def complement(args):
    """(probs, k) -> (1 - probs, k): the same entropies."""
    probs, k = args
    return ((1.0 - probs.astype(np.float64)).astype(F32), k)


MOST_UNCERTAIN = Instructor(
    hidden_cases=_uncertain_hidden,
    hidden_checks=(
        *presets.ARRAY_FUNCTION.hidden,
        invariant(complement, name="symmetric", hint="uncertain_not_entropy",
                  describe="the same galaxies for 1 - probs: p and 1 - p are equally uncertain"),
    ),
    mistakes=[
        Snippet("""
def most_uncertain(probs, k):
    h = -(jax.scipy.special.xlogy(probs, probs) + jax.scipy.special.xlogy(1 - probs, 1 - probs))
    return jnp.argsort(h)[:k]
""", "uncertainty_order", "the k least uncertain"),
        Snippet("""
def most_uncertain(probs, k):
    h = -(jax.scipy.special.xlogy(probs, probs) + jax.scipy.special.xlogy(1 - probs, 1 - probs))
    return jnp.argsort(h)[-k:]
""", "uncertainty_order", "the right galaxies, least uncertain first"),
        Snippet("""
def most_uncertain(probs, k):
    return jnp.argsort(-probs)[:k]
""", "uncertain_not_entropy", "ranked by p: the most confident discs"),
        Snippet("""
def most_uncertain(probs, k):
    return jnp.argsort(probs)[:k]
""", "uncertain_not_entropy", "ranked by p, ascending: the most confident smooth galaxies"),
        Snippet("""
def most_uncertain(probs, k):
    h = -(jax.scipy.special.xlogy(probs, probs) + jax.scipy.special.xlogy(1 - probs, 1 - probs))
    return jnp.argsort(-h)[:k + 1]
""", "off_by_one", "k + 1 galaxies"),
    ],
    alternatives=[
        Snippet("""
def most_uncertain(probs, k):
    h = -(jax.scipy.special.xlogy(probs, probs) + jax.scipy.special.xlogy(1 - probs, 1 - probs))
    return jax.lax.top_k(h, k)[1]
""", note="jax.lax.top_k of the entropy in nats (the order is the same)"),
        Snippet("""
def most_uncertain(probs, k):
    return jnp.argsort(jnp.abs(probs - 0.5))[:k]
""", note="closest to 0.5 first"),
    ],
)


INSTRUCTOR = {
    "standardise": STANDARDISE,
    "split_indices": SPLIT_INDICES,
    "conv2d": CONV2D,
    "max_pool": MAX_POOL,
    "init_cnn": INIT_CNN,
    "cnn_forward": CNN_FORWARD,
    "bce_with_logits": BCE_WITH_LOGITS,
    "train_cnn": TRAIN_CNN,
    "roc_auc": ROC_AUC,
    "confusion_matrix": CONFUSION_MATRIX,
    "binary_entropy": BINARY_ENTROPY,
    "most_uncertain": MOST_UNCERTAIN,
}
