"""s2_galaxy_morphology: telling disc galaxies from smooth ones with a small convolutional network.

Twelve graded functions, in the order of the workbook: standardising images with the training
set's statistics and splitting the data; the pieces of a CNN (a 2-D convolution, max pooling, He
initialisation, the forward pass to a logit); the binary cross-entropy on logits and training with
Adam on shuffled mini-batches; then judging the classifier (ROC AUC, the confusion matrix) and
finding the galaxies it is least sure of (binary entropy in bits, the k most uncertain).

Images are NHWC float32 (batch, height, width, channel); kernels HWIO; labels int32, 0 = smooth,
1 = disc. This is the public half (it ships to students): signatures, public cases, probes and
visible checks. The hidden cases and checks, the oracles, the corpus of mistakes and alternatives,
and the public cases whose making would show an answer (the training data, standardised) are in
the instructor's instructor/exercises/s2_galaxy_morphology.py.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..checks import classifiers, images_init, images_training, keys, presets, splits
from ..checks.gradients import grad_of_sum
from ..checks.oracle import matches_oracle
from ..checks.values import matches_reference
from .spec import Assignment, Case, Exercise, Key, Part

F32 = np.float32
I32 = np.int32


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=F32)


def _i32(values) -> np.ndarray:
    return np.asarray(values, dtype=I32)


# --- standardise ------------------------------------------------------------------------------

def _standardise_public():
    rng = np.random.default_rng(0)
    scale, offset = _f32([2.0, 0.5]), _f32([5.0, -2.0])          # two channels of different brightness
    train = (rng.normal(size=(6, 4, 4, 2)) * scale + offset).astype(F32)
    test = (rng.normal(size=(3, 4, 4, 2)) * scale + offset + 1.0).astype(F32)
    return [Case((test, train), "images: 3 images (3, 4, 4, 2), train_images: 6 images (6, 4, 4, 2); "
                                "channel 0 about 5 +- 2, channel 1 about -2 +- 0.5"),
            Case((train, train), "images = train_images, the 6 images (6, 4, 4, 2) above")]


STANDARDISE = Exercise(
    name="standardise",
    signature="standardise(images, train_images)",
    public_cases=_standardise_public,
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- split_indices ----------------------------------------------------------------------------

def split_form(key, n, n_val, n_test):
    """(train, val, test): int32 index arrays of n - n_val - n_test, n_val and n_test indices."""
    return tuple(jax.ShapeDtypeStruct((int(m),), jnp.int32) for m in (n - n_val - n_test, n_val, n_test))


def split_sizes(key, n, n_val, n_test):
    return (n - n_val - n_test, n_val, n_test)


def split_n(key, n, n_val, n_test):
    return n


SPLIT_INDICES = Exercise(
    name="split_indices",
    signature="split_indices(key, n, n_val, n_test)",
    returns=split_form,
    leaf_names={"[0]": "train", "[1]": "val", "[2]": "test"},
    public_cases=[Case((Key(0), 20, 4, 6), "key = jax.random.key(0), n=20, n_val=4, n_test=6")],
    static_argnums=(1, 2, 3),
    visible=Part(1, (
        splits.partition(n=split_n, sizes=split_sizes, weight=2,
                         describe="train, val and test hold every index of range(n) once, with the sizes asked"),
        splits.shuffled(key_argnum=0, position=2, requires=("partition",),
                        describe="over many keys, every index is in the test set about as often"),
        keys.same_key_same_result(),
        keys.key_changes_result(0),
    )),
    hidden=Part(2),
)


# --- conv2d -------------------------------------------------------------------------------------

def _conv_case(rng, x_shape, kernel, c_out, label=""):
    """x: N(0, 1) images; w: N(0, 1) / sqrt(fan_in) kernels; b: N(0, 0.5) biases."""
    kh, kw = kernel
    c_in = x_shape[-1]
    x = rng.normal(size=x_shape).astype(F32)
    w = (rng.normal(size=(kh, kw, c_in, c_out)) / np.sqrt(kh * kw * c_in)).astype(F32)
    b = rng.normal(0.0, 0.5, size=c_out).astype(F32)
    return Case((x, w, b), label)


CONV2D = Exercise(
    name="conv2d",
    signature="conv2d(x, w, b)",
    public_cases=lambda: [_conv_case(np.random.default_rng(1), (2, 6, 5, 3), (3, 3), 4,
                                     "x: 2 images of 6 x 5 pixels, 3 channels (2, 6, 5, 3); w: (3, 3, 3, 4); "
                                     "b: (4,)")],
    probes={"gradient": grad_of_sum(1)},
    leaf_names={"output": {"": "the feature map"}},
    visible=Part(2, (
        matches_oracle("lax_conv", rtol=1e-4, weight=2,
                       describe="agrees with jax.lax.conv_general_dilated (stride 1, 'SAME', NHWC/HWIO)"),
        presets.jit(),
    )),
    hidden=Part(2),
)


# --- max_pool -----------------------------------------------------------------------------------

MAX_POOL = Exercise(
    name="max_pool",
    signature="max_pool(x, size)",
    public_cases=lambda: [
        Case((np.random.default_rng(2).normal(size=(2, 4, 6, 3)).astype(F32), 2), "x: (2, 4, 6, 3), size=2"),
        Case((np.random.default_rng(3).normal(size=(1, 5, 7, 2)).astype(F32), 2),
             "x: (1, 5, 7, 2), size=2 (the last row and column make no full window)"),
    ],
    static_argnums=(1,),
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- init_cnn -----------------------------------------------------------------------------------

def cnn_form(image_shape, channels, n_hidden) -> list:
    """[(W, b)] * 4 of the CNN: two 3x3 kernels (kh, kw, C_in, C_out), then dense (n_in, n_out) weights."""
    h, w, c_in = image_shape
    c1, c2 = channels
    shapes = [(3, 3, c_in, c1), (3, 3, c1, c2), ((h // 4) * (w // 4) * c2, n_hidden), (n_hidden, 1)]
    return [(jax.ShapeDtypeStruct(s, jnp.float32), jax.ShapeDtypeStruct(s[-1:], jnp.float32)) for s in shapes]


def _zeros_like_each(fn, *args):
    """Probe: the structure and shapes of the result, with every value set to 0."""
    return jax.tree_util.tree_map(lambda a: np.zeros(np.shape(a), F32), fn(*args))


def _biases(fn, *args):
    """Probe: the four biases of the result."""
    return [layer[1] for layer in fn(*args)]


def _he_normalised(out, args) -> dict:
    """Each layer's weights divided by sqrt(2 / fan_in), flattened (fan_in: all axes of W but the last)."""
    return {f"W of layer {i}": np.ravel(np.asarray(layer[0], np.float64))
            / np.sqrt(2.0 / np.prod(np.shape(layer[0])[:-1])) for i, layer in enumerate(out)}


def _conv_weights(out, args) -> dict:
    found = _he_normalised(out, args)
    return {"the two kernels / sqrt(2 / fan_in)": np.concatenate([found["W of layer 0"], found["W of layer 1"]])}


def _dense_weights(out, args) -> dict:
    found = _he_normalised(out, args)
    return {"the dense weights / sqrt(2 / fan_in)": np.concatenate([found["W of layer 2"], found["W of layer 3"]])}


def init_checks():
    """Shapes (a probe zeroing every value), biases exactly 0, kernels and dense weights sqrt(2 / fan_in) * N(0, 1),
    every layer drawn with a key of its own."""
    return (
        matches_reference("shapes", name="shapes", describe="returns [(W, b)] * 4 of the shapes of the network"),
        matches_reference("biases", name="biases", describe="every bias is 0", value_hint="biases_not_zero",
                          requires=("shapes",)),
        keys.standard_normal(_conv_weights, name="kernels", describe="the kernels are sqrt(2 / fan_in) * N(0, 1)",
                             hint="init_fan_in", constant_hint="params_not_drawn", requires=("shapes",)),
        keys.standard_normal(_dense_weights, name="dense_weights",
                             describe="the dense weights are sqrt(2 / fan_in) * N(0, 1)",
                             hint="init_fan_in", constant_hint="params_not_drawn", requires=("shapes",)),
        images_init.layers_drawn_apart(_he_normalised, requires=("shapes",)),
    )


# Names of the leaves of [(W, b)] * 4 in messages.
LAYER_NAMES = {f"[{i}][{j}]": f"{'Wb'[j]} of layer {i}" for i in range(4) for j in range(2)}

INIT_CNN = Exercise(
    name="init_cnn",
    signature="init_cnn(key, image_shape, channels, n_hidden)",
    returns=lambda key, image_shape, channels, n_hidden: cnn_form(image_shape, channels, n_hidden),
    leaf_names={"output": LAYER_NAMES, "shapes": LAYER_NAMES,
                "biases": {f"[{i}]": f"b of layer {i}" for i in range(4)}},
    public_cases=[Case((Key(0), (24, 24, 1), (4, 8), 16),
                       "key = jax.random.key(0), image_shape=(24, 24, 1), channels=(4, 8), n_hidden=16")],
    static_argnums=(1, 2, 3),
    probes={"shapes": _zeros_like_each, "biases": _biases},
    visible=Part(2, (*init_checks(), keys.same_key_same_result(), keys.key_changes_result(0))),
    hidden=Part(2),
)


# --- cnn_forward ----------------------------------------------------------------------------------

def cnn_case(rng, image_shape, channels, n_hidden, n, container=tuple, label=""):
    """Random parameters of the CNN (weights at He's scale, biases N(0, 0.1)) and n N(0, 1) images."""
    params = []
    for form_w, form_b in cnn_form(image_shape, channels, n_hidden):
        fan_in = int(np.prod(form_w.shape[:-1]))
        params.append(container((rng.normal(0.0, np.sqrt(2.0 / fan_in), size=form_w.shape).astype(F32),
                                 rng.normal(0.0, 0.1, size=form_b.shape).astype(F32))))
    return Case((params, rng.normal(size=(n, *image_shape)).astype(F32)), label)


# The shapes of cnn_forward's cases, public and hidden alike (image_shape, channels, n_hidden, n): one set of
# shapes, so that a kernel compiles the network's operations once (each new shape costs JAX compilations).
FORWARD_SHAPES = ((12, 16, 2), (3, 4), 6, 4)

CNN_FORWARD = Exercise(
    name="cnn_forward",
    signature="cnn_forward(params, x)",
    public_cases=lambda: [cnn_case(np.random.default_rng(4), *FORWARD_SHAPES, label=(
        "params: random [(W, b)] * 4 for image_shape=(12, 16, 2), channels=(3, 4), n_hidden=6; "
        "x: 4 images (4, 12, 16, 2)"))],
    probes={"gradient": grad_of_sum(0)},
    leaf_names={"output": {"": "the logits"}, "gradient": {f"[{i}][{j}]": f"d/d{'Wb'[j]} of layer {i}"
                                                            for i in range(4) for j in range(2)}},
    visible=Part(1, presets.DIFFERENTIABLE.visible),
    hidden=Part(2),
)


# --- bce_with_logits --------------------------------------------------------------------------------

BCE_WITH_LOGITS = Exercise(
    name="bce_with_logits",
    signature="bce_with_logits(logits, labels)",
    public_cases=[Case((_f32([-3.0, -0.5, 0.2, 2.0, 8.0, -8.0, 40.0, -40.0]), _i32([0, 0, 1, 1, 1, 0, 0, 1])),
                       "logits = [-3, -0.5, 0.2, 2, 8, -8, 40, -40], labels = [0, 0, 1, 1, 1, 0, 0, 1]")],
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.LOSS.visible),
    hidden=Part(2),
)


# --- train_cnn ---------------------------------------------------------------------------------------

# Validation accuracy to reach, on 300 held-out images after 4 epochs on 820 (24 x 24 pixels, channels
# (8, 16), n_hidden 16, batch 32, learning rate 3e-3): the reference solution reached 0.74 to 0.95 (mean
# 0.88, one draw in ten below 0.84) over 60 draws of the data, the initial parameters and the key.
# Always predicting the commoner class gives about 0.5, and so does a network that does not learn.
TARGET_ACCURACY = 0.7


def params_form(key, params, *rest):
    """The trained parameters have the form of the initial ones: [(W, b)] * 4, float32."""
    return jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(np.shape(a), jnp.float32), params)


def short_run(args):
    """The training arguments cut to two epochs of four batches: enough to see how the keys are used."""
    key, params, images, labels, n_epochs, batch_size, learning_rate = args
    n = 4 * batch_size
    return (key, params, images[:n], labels[:n], 2, batch_size, learning_rate)


def train_checks(weight: float):
    """Validation accuracy (with the student's cnn_forward); the last partial batch dropped."""
    return (
        classifiers.reaches_accuracy(TARGET_ACCURACY, model="cnn_forward", weight=weight,
                                     describe=f"validation accuracy at least {TARGET_ACCURACY} "
                                              "(with your cnn_forward)"),
        images_training.no_step_on_partial_batch(requires=("accuracy",)),
    )


TRAIN_CNN = Exercise(
    name="train_cnn",
    signature="train_cnn(key, params, images, labels, n_epochs, batch_size, learning_rate)",
    returns=params_form,
    leaf_names=LAYER_NAMES,
    visible=Part(2, (
        *train_checks(weight=3),
        keys.deterministic_in_key(shorter=short_run),
        keys.no_key_reuse(shorter=short_run),
    )),
    hidden=Part(3),
)


# --- roc_auc -----------------------------------------------------------------------------------------

ROC_AUC = Exercise(
    name="roc_auc",
    signature="roc_auc(scores, labels)",
    public_cases=[
        Case((_f32([0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.5]), _i32([0, 0, 1, 1, 0, 0, 1, 1])),
             "scores = [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.5], labels = [0, 0, 1, 1, 0, 0, 1, 1]"),
        Case((_f32([0.2, 0.5, 0.5, 0.7, 0.5, 0.1]), _i32([0, 1, 0, 1, 1, 0])),
             "scores = [0.2, 0.5, 0.5, 0.7, 0.5, 0.1], labels = [0, 1, 0, 1, 1, 0] (ties at 0.5)"),
    ],
    visible=Part(1, (matches_reference(),)),
    hidden=Part(2),
)


# --- confusion_matrix ---------------------------------------------------------------------------------

def _integer_counts(fn, *args):
    """Probe: whether the result is an array of integers."""
    return np.asarray(np.issubdtype(np.asarray(fn(*args)).dtype, np.integer))


CONFUSION_MATRIX = Exercise(
    name="confusion_matrix",
    signature="confusion_matrix(predicted, labels, n_classes)",
    public_cases=[
        Case((_i32([1, 0, 1, 1, 0, 1, 0, 0]), _i32([1, 0, 0, 1, 0, 1, 1, 0]), 2),
             "predicted = [1, 0, 1, 1, 0, 1, 0, 0], labels = [1, 0, 0, 1, 0, 1, 1, 0], n_classes=2"),
        Case((_i32([0, 2, 1, 1, 0, 2, 2, 0, 1, 2]), _i32([0, 1, 1, 2, 0, 2, 2, 1, 1, 0]), 3),
             "predicted = [0, 2, 1, 1, 0, 2, 2, 0, 1, 2], labels = [0, 1, 1, 2, 0, 2, 2, 1, 1, 0], n_classes=3"),
    ],
    static_argnums=(2,),
    probes={"integer_counts": _integer_counts},
    leaf_names={"integer_counts": {"": "whether the counts are integers"}},
    visible=Part(1, (
        matches_reference(weight=2),
        matches_reference("integer_counts", name="integer_counts", describe="counts are integers",
                          value_hint="counts_not_integers", requires=("values",)),
    )),
    hidden=Part(1),
)


# --- binary_entropy ----------------------------------------------------------------------------------

def grad_inside(fn, p):
    """Probe: d/dp of sum(fn(p)) at the entries of p strictly between 0 and 1 (at 0 and 1 it is infinite)."""
    inside = p[(p > 0) & (p < 1)]
    return jax.grad(lambda q: jnp.sum(fn(q)))(inside)


BINARY_ENTROPY = Exercise(
    name="binary_entropy",
    signature="binary_entropy(p)",
    public_cases=[Case((_f32([0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0]),),
                       "p = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]")],
    probes={"gradient": grad_inside},
    visible=Part(1, presets.DIFFERENTIABLE.visible),
    hidden=Part(1),
)


# --- most_uncertain ------------------------------------------------------------------------------------

MOST_UNCERTAIN = Exercise(
    name="most_uncertain",
    signature="most_uncertain(probs, k)",
    public_cases=[Case((_f32([0.02, 0.91, 0.45, 0.7, 0.13, 0.58, 0.99, 0.33, 0.81, 0.5]), 4),
                       "probs = [0.02, 0.91, 0.45, 0.7, 0.13, 0.58, 0.99, 0.33, 0.81, 0.5], k=4")],
    static_argnums=(1,),
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


ASSIGNMENT = Assignment("s2_galaxy_morphology", [
    STANDARDISE, SPLIT_INDICES, CONV2D, MAX_POOL, INIT_CNN, CNN_FORWARD, BCE_WITH_LOGITS, TRAIN_CNN,
    ROC_AUC, CONFUSION_MATRIX, BINARY_ENTROPY, MOST_UNCERTAIN,
])
