"""s2_imbalanced_classes: four morphological classes in very unequal numbers.

Eight graded functions, on catalogues of galaxies made by `grader.data.morphology_classes` (six
measurements each, classes of 60/25/10/5 % by default): labels as one-hot vectors; the softmax
cross-entropy, stable for large logits; class weights n / (K n_k) and the weighted cross-entropy;
a stratified train/test split drawn with a key; the balanced accuracy (mean recall over the classes
present); the predictive entropy of class probabilities in nats; and a softmax classifier trained
with full-batch Adam, with or without class weights, judged on galaxies it never saw.

Labels are int32 arrays of class numbers 0..K-1, K = `n_classes`; logits and probabilities are
float32 arrays of shape (N, K). This is the public half (it ships to students): signatures, public
cases, probes, visible checks and the points of the hidden parts. Hidden cases and checks, oracles
and the corpus of mistakes and alternatives are in instructor/exercises/s2_imbalanced_classes.py;
hidden inputs (and the hidden validation catalogues) are drawn with a seed kept only in the
instructor's hidden reference data.
"""
from __future__ import annotations

import jax
import numpy as np

from ..checks import classifiers, keys, presets, splits
from ..checks.gradients import grad_of_sum
from ..data.morphology import morphology_classes
from .spec import Assignment, Case, Exercise, Key, Part

F32 = np.float32
I32 = np.int32


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=F32)


def _i32(values) -> np.ndarray:
    return np.asarray(values, dtype=I32)


def catalogue(seed: int, n: int, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, 6) float32, labels (n,) int32) of `morphology_classes(jax.random.key(seed), n, ...)`."""
    features, labels = morphology_classes(jax.random.key(seed), n=n, **kwargs)
    return np.asarray(features), np.asarray(labels)


def standardised(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Features standardised with the mean and standard deviation of the training features (per column)."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    return tuple(((x - mean) / std).astype(F32) for x in (train, *others))


# --- one_hot ------------------------------------------------------------------------------------

ONE_HOT = Exercise(
    name="one_hot",
    signature="one_hot(labels, n_classes)",
    public_cases=[Case((_i32([0, 2, 1, 3, 0, 2]), 4), "labels = [0, 2, 1, 3, 0, 2], n_classes=4")],
    static_argnums=(1,),
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- softmax_cross_entropy ----------------------------------------------------------------------

_LOGITS = _f32([[2.0, 1.0, 0.1, -1.0],
                [0.5, 2.5, 0.3, 0.0],
                [-1.0, 0.2, 3.0, 0.5],
                [1.0, 1.0, 1.0, 1.0],
                [0.3, -0.2, 0.1, 2.2]])
_LOGIT_LABELS = _i32([0, 1, 3, 2, 3])

SOFTMAX_CROSS_ENTROPY = Exercise(
    name="softmax_cross_entropy",
    signature="softmax_cross_entropy(logits, labels)",
    public_cases=[Case((_LOGITS, _LOGIT_LABELS), "logits of 5 galaxies and 4 classes, labels = [0, 1, 3, 2, 3]")],
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.LOSS.visible),
    hidden=Part(2),
)


# --- class_weights ------------------------------------------------------------------------------

CLASS_WEIGHTS = Exercise(
    name="class_weights",
    signature="class_weights(labels, n_classes)",
    public_cases=[Case((_i32([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3]), 4),
                       "labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3] (6, 3, 2 and 1 of classes 0-3), n_classes=4")],
    static_argnums=(1,),
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- weighted_cross_entropy ---------------------------------------------------------------------

WEIGHTED_CROSS_ENTROPY = Exercise(
    name="weighted_cross_entropy",
    signature="weighted_cross_entropy(logits, labels, weights)",
    public_cases=[Case((_LOGITS, _LOGIT_LABELS, _f32([0.5, 1.0, 2.0, 4.0])),
                       "the logits and labels of softmax_cross_entropy's example, weights = [0.5, 1, 2, 4]")],
    probes={"gradient": grad_of_sum(0)},
    visible=Part(1, presets.LOSS.visible),
    hidden=Part(2),
)


# --- stratified_split ---------------------------------------------------------------------------

def _n_labels(key, labels, test_fraction) -> int:
    return int(np.shape(labels)[0])


def _labels_of(key, labels, test_fraction):
    return labels


def split_checks() -> tuple:
    """The checks of a stratified split, visible and hidden: a partition of range(n), floor(test_fraction * n_k)
    of each class in the test part, drawn with the key (over many keys), the same key the same split."""
    return (
        splits.partition(n=_n_labels, describe="train and test are disjoint and together hold every index once"),
        splits.stratified(labels_argnum=1, fraction_argnum=2),
        splits.shuffled(groups=_labels_of, requires=("partition",),
                        describe="over many keys, every galaxy is in the test set about as often as the others "
                                 "of its class"),
        keys.same_key_same_result(),
        keys.no_key_reuse(),
    )


def _split_public():
    _, labels = catalogue(0, 200)
    return [Case((Key(1), labels, 0.25),
                 "key = jax.random.key(1), labels of morphology_classes(jax.random.key(0), n=200), test_fraction=0.25")]


STRATIFIED_SPLIT = Exercise(
    name="stratified_split",
    signature="stratified_split(key, labels, test_fraction)",
    public_cases=_split_public,
    visible=Part(2, split_checks()),
    hidden=Part(2),
)


# --- balanced_accuracy --------------------------------------------------------------------------

BALANCED_ACCURACY = Exercise(
    name="balanced_accuracy",
    signature="balanced_accuracy(predicted, labels, n_classes)",
    public_cases=[
        Case((_i32([0, 0, 0, 0, 0, 0, 1, 1, 0, 2, 3, 3]), _i32([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3]), 4),
             "predicted = [0, 0, 0, 0, 0, 0, 1, 1, 0, 2, 3, 3], labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3], "
             "n_classes=4"),
        Case((_i32([0, 0, 1, 1, 3, 0, 2, 1]), _i32([0, 0, 0, 1, 1, 1, 2, 2]), 4),
             "predicted = [0, 0, 1, 1, 3, 0, 2, 1], labels = [0, 0, 0, 1, 1, 1, 2, 2] (no galaxy of class 3), "
             "n_classes=4"),
    ],
    static_argnums=(2,),
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(2),
)


# --- predictive_entropy -------------------------------------------------------------------------

PREDICTIVE_ENTROPY = Exercise(
    name="predictive_entropy",
    signature="predictive_entropy(probs)",
    public_cases=[Case((_f32([[1.0, 0.0, 0.0, 0.0],
                              [0.25, 0.25, 0.25, 0.25],
                              [0.7, 0.1, 0.1, 0.1],
                              [0.5, 0.5, 0.0, 0.0],
                              [0.0, 0.0, 0.0, 1.0]]),),
                       "probs = [[1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1], [0.5, 0.5, 0, 0], "
                       "[0, 0, 0, 1]]")],
    visible=Part(1, presets.ARRAY_FUNCTION.visible),
    hidden=Part(1),
)


# --- train_classifier ---------------------------------------------------------------------------

N_CLASSES = 4
TRAIN_SETTINGS = (N_CLASSES, True, 200, 0.05)   # n_classes, weighted, n_steps, learning_rate
# Balanced accuracy to reach on held-out galaxies, with class weights, 200 steps of Adam at 0.05 on 2000
# standardised galaxies of the default fractions. Measured with the reference solution over 20 pairs of
# training and validation catalogues (keys 1000-1019 and 2000-2019, 2000 galaxies each): 0.837 to 0.893,
# mean 0.863 (without weights 0.771 to 0.831). Always predicting the commonest class gives 0.25. The target
# sits 6 standard deviations below the mean.
TARGET_BALANCED_ACCURACY = 0.78
# Recall of the rarest class (face-on spirals, 5%), with weights minus without, on the same catalogues:
# 0.26 to 0.43, mean 0.36. Ignoring `weighted` gives 0; inverted weights (n_k / n) a negative difference.
MINORITY_RECALL_GAIN = 0.15


def linear_logits(params, x):
    """The softmax classifier's logits x @ W + b: params = (W (n_features, K), b (K,)), x (N, n_features)."""
    W, b = params
    return np.asarray(x, np.float64) @ np.asarray(W, np.float64) + np.asarray(b, np.float64)


def classifier_form(key, features, labels, n_classes, *settings):
    """(W, b): W of shape (n_features, n_classes), b of shape (n_classes,), float32."""
    return (jax.ShapeDtypeStruct((np.shape(features)[1], int(n_classes)), F32),
            jax.ShapeDtypeStruct((int(n_classes),), F32))


def classifier_case(data_seed: int, validation_seed: int, key_seed: int, n: int = 2000, label: str = "") -> Case:
    """Training galaxies from one key and validation galaxies from another, standardised with the training
    features' mean and standard deviation; the validation galaxies are kept in `extra`."""
    x, y = catalogue(data_seed, n)
    x_val, y_val = catalogue(validation_seed, n)
    x, x_val = standardised(x, x_val)
    return Case((Key(key_seed), x, y, *TRAIN_SETTINGS), label, extra=(x_val, y_val))


def few_steps(args):
    """The training arguments with 10 steps instead of 200: enough to see how the key is used."""
    return (*args[:-2], 10, args[-1])


def classifier_checks(where: str) -> tuple:
    return (
        classifiers.reaches_accuracy(TARGET_BALANCED_ACCURACY, model=linear_logits, metric="balanced_accuracy",
                                     weight=2, describe=f"balanced accuracy of at least {TARGET_BALANCED_ACCURACY} "
                                                        f"on {where}"),
        classifiers.weighting_helps_minority(weighted_argnum=4, model=linear_logits, margin=MINORITY_RECALL_GAIN,
                                             describe="with class weights, more face-on spirals are found "
                                                      f"(recall at least {MINORITY_RECALL_GAIN} higher)"),
        keys.deterministic_in_key(shorter=few_steps),
        keys.no_key_reuse(shorter=few_steps),
    )


TRAIN_CLASSIFIER = Exercise(
    name="train_classifier",
    signature="train_classifier(key, features, labels, n_classes, weighted, n_steps, learning_rate)",
    returns=classifier_form,
    leaf_names={"[0]": "W", "[1]": "b"},
    public_cases=lambda: [classifier_case(0, 1, 2, label="key = jax.random.key(2), 2000 galaxies of "
                                          "morphology_classes(jax.random.key(0)), standardised; n_classes=4, "
                                          "weighted=True, n_steps=200, learning_rate=0.05; validated on 2000 "
                                          "galaxies of morphology_classes(jax.random.key(1))")],
    visible=Part(2, classifier_checks("other galaxies")),
    hidden=Part(3),
)


ASSIGNMENT = Assignment("s2_imbalanced_classes", [
    STRATIFIED_SPLIT, ONE_HOT, SOFTMAX_CROSS_ENTROPY, BALANCED_ACCURACY, CLASS_WEIGHTS, WEIGHTED_CROSS_ENTROPY,
    TRAIN_CLASSIFIER, PREDICTIVE_ENTROPY,
])
