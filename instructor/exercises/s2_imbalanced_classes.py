"""s2_imbalanced_classes, instructor-only half: never shipped, never readable by graded code.

The hidden-case generators, the hidden checks, the oracles and the corpus of known mistakes and
correct alternatives of each exercise of `grader/exercises/s2_imbalanced_classes.py` (the public
half). Loaded by path by `grader.exercises.load("s2_imbalanced_classes", instructor=True)`; the
hidden reference data drawn from these generators lives in instructor/reference/s2_imbalanced_classes/.

The workshop's own notebooks carry four of the mistakes below: a random seed set and never used
(stratified_split, train_classifier), splits not stratified for imbalanced classes
(stratified_split), entropy computed in bits but labelled nats (predictive_entropy, and the
cross-entropy in bits), and a confusion matrix whose rows and columns are swapped against the
labels (balanced_accuracy computed from it).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from grader.checks import invariances, presets
from grader.checks.oracle import matches_oracle
from grader.exercises.s2_imbalanced_classes import F32, I32, classifier_case, classifier_checks, split_checks
from grader.exercises.spec import Case, Check, Instructor, Key, Snippet


def _seed(rng) -> int:
    return int(rng.integers(2**31))


def _labels(rng, n: int, fractions) -> np.ndarray:
    """n labels drawn with the given class fractions (a fraction of 0: a class absent from the labels)."""
    p = np.asarray(fractions, np.float64)
    return rng.choice(p.size, size=n, p=p / p.sum()).astype(I32)


# --- one_hot ------------------------------------------------------------------------------------

def _one_hot_hidden(rng):
    return [Case((_labels(rng, 7, (0.4, 0.3, 0.3, 0.0)), 4)),           # the last class absent
            Case((_labels(rng, 25, (1, 1, 1, 1, 1, 1, 1, 1, 1, 0)), 10)),
            Case((_labels(rng, 40, (0.6, 0.25, 0.1, 0.05)), 4))]


ONE_HOT = Instructor(
    hidden_cases=_one_hot_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def one_hot(labels, n_classes):
    return (labels[:, None] == jnp.arange(n_classes)).astype(jnp.int32)
""", "wrong_dtype", "integers instead of floats"),
        Snippet("""
def one_hot(labels, n_classes):
    return jax.nn.one_hot(labels, labels.max() + 1)
""", "classes_from_labels", "the number of classes from labels.max() + 1"),
        Snippet("""
def one_hot(labels, n_classes):
    return jax.nn.one_hot(labels, n_classes).T
""", "one_hot_transposed", "shape (K, N)"),
        Snippet("""
def one_hot(labels, n_classes):
    return jax.nn.one_hot(labels - 1, n_classes)
""", "labels_from_one", "classes counted from 1"),
        Snippet("""
def one_hot(labels, n_classes):
    out = np.zeros((labels.shape[0], n_classes), np.float32)
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out
""", "numpy_inside_jit", "numpy array filled in place"),
    ],
    alternatives=[
        Snippet("""
def one_hot(labels, n_classes):
    return jax.nn.one_hot(labels, n_classes)
""", note="jax.nn.one_hot"),
        Snippet("""
def one_hot(labels, n_classes):
    return jnp.eye(n_classes, dtype=jnp.float32)[labels]
""", note="rows of the identity matrix"),
        Snippet("""
def one_hot(labels, n_classes):
    return jnp.zeros((labels.shape[0], n_classes)).at[jnp.arange(labels.shape[0]), labels].set(1.0)
""", note=".at[rows, labels].set(1)"),
    ],
)


# --- softmax_cross_entropy ----------------------------------------------------------------------

def _logits_hidden(rng):
    """Logits at growing scales: 1; 40 with one logit of 120 for the true class (exp overflows above 88 in
    float32: inf / inf), while the softmax of other rows' true classes underflows to 0; +-1000."""
    small = rng.normal(0, 1, size=(10, 4)).astype(F32)
    large = rng.normal(0, 40, size=(40, 4)).astype(F32)
    large[0, 0] = 120.0
    huge = rng.uniform(-1000, 1000, size=(20, 3)).astype(F32)
    large_labels = _labels(rng, 40, (0.6, 0.25, 0.1, 0.05))
    large_labels[0] = 0       # the row with a logit of 120 is of that class: exp overflows where log_softmax is 0
    return [(small, _labels(rng, 10, (1, 1, 1, 1))), (large, large_labels), (huge, _labels(rng, 20, (1, 1, 1)))]


def _shift_rows(args):
    """The same constant added to every logit of a row (-60 to 60, a different one per row)."""
    logits, *rest = args
    shift = (30.0 * (np.arange(logits.shape[0]) % 5 - 2)).astype(F32)
    return (logits + shift[:, None], *rest)


def _optax_cross_entropy(logits, labels):
    """Oracle: optax's softmax cross-entropy with integer labels, averaged over the rows."""
    with jax.default_device(jax.devices("cpu")[0]):
        return np.asarray(jnp.mean(optax.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits),
                                                                                   jnp.asarray(labels))))


def shift_invariant(name: str = "shift_invariant") -> Check:
    return invariances.invariant(
        _shift_rows, name=name, hint="softmax_shift", rtol=1e-4,
        describe="unchanged when the same number is added to every logit of a row")


SOFTMAX_CROSS_ENTROPY = Instructor(
    hidden_cases=lambda rng: [Case(args) for args in _logits_hidden(rng)],
    hidden_checks=(*presets.LOSS.hidden,
                   matches_oracle("optax", rtol=1e-5, name="optax",
                                  describe="agrees with optax.softmax_cross_entropy_with_integer_labels"),
                   shift_invariant()),
    oracles={"optax": _optax_cross_entropy},
    mistakes=[
        Snippet("""
def softmax_cross_entropy(logits, labels):
    p = jnp.exp(logits) / jnp.sum(jnp.exp(logits), axis=1, keepdims=True)
    return -jnp.mean(jnp.log(p[jnp.arange(labels.shape[0]), labels]))
""", "softmax_overflow", "softmax by exp(logits) / sum: overflows for logits above 88"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    p = jax.nn.softmax(logits, axis=1)
    return -jnp.mean(jnp.log(p[jnp.arange(labels.shape[0]), labels]))
""", "log_of_softmax", "log of jax.nn.softmax: log(0) for a very unlikely true class"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    log_p = jax.nn.log_softmax(logits, axis=1)
    return -jnp.sum(log_p[jnp.arange(labels.shape[0]), labels])
""", "sum_vs_mean", "sum over the rows instead of the mean"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    one_hot = jax.nn.one_hot(labels, logits.shape[1])
    return -jnp.mean(one_hot * jax.nn.log_softmax(logits, axis=1))
""", "ce_mean_over_classes", "mean over all N x K entries of one_hot * log p"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    return -jnp.mean(jax.nn.log_softmax(logits, axis=1)[:, 0])
""", "true_class_not_picked", "log-probability of class 0 for every row"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    return -jnp.mean(jax.nn.log_softmax(logits, axis=1)[labels])
""", "true_class_not_picked", "log_p[labels] picks rows, not each row's entry"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    log_p = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(jnp.take_along_axis(log_p, labels[:, None], axis=1)) / jnp.log(2.0)
""", "entropy_log_base", "in bits (log base 2) instead of nats"),
    ],
    alternatives=[
        Snippet("""
def softmax_cross_entropy(logits, labels):
    picked = jnp.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    return jnp.mean(jax.nn.logsumexp(logits, axis=1) - picked)
""", note="logsumexp minus the logit of the label"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    import optax
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
""", note="optax"),
        Snippet("""
def softmax_cross_entropy(logits, labels):
    z = logits - jnp.max(logits, axis=1, keepdims=True)
    log_p = z - jnp.log(jnp.sum(jnp.exp(z), axis=1, keepdims=True))
    return -jnp.mean(jnp.sum(jax.nn.one_hot(labels, logits.shape[1]) * log_p, axis=1))
""", note="the maximum subtracted by hand, one-hot sum"),
    ],
)


# --- class_weights ------------------------------------------------------------------------------

def _class_weights_hidden(rng):
    return [Case((_labels(rng, 200, (0.6, 0.25, 0.1, 0.05)), 4)),
            Case((_labels(rng, 30, (0.5, 0.3, 0.0, 0.2)), 4)),              # class 2 absent
            Case((_labels(rng, 50, (0.4, 0.3, 0.2, 0.1, 0.0)), 5))]         # the last class absent


CLASS_WEIGHTS = Instructor(
    hidden_cases=_class_weights_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def class_weights(labels, n_classes):
    return 1.0 / jnp.bincount(labels, length=n_classes)
""", "class_weights_formula", "1 / n_k"),
        Snippet("""
def class_weights(labels, n_classes):
    w = 1.0 / jnp.bincount(labels, length=n_classes)
    return w / jnp.sum(w)
""", "class_weights_formula", "1 / n_k normalised to sum to 1"),
        Snippet("""
def class_weights(labels, n_classes):
    return jnp.bincount(labels, length=n_classes) / labels.shape[0]
""", "class_weights_inverted", "n_k / n: the class fractions"),
        Snippet("""
def class_weights(labels, n_classes):
    return labels.shape[0] / (n_classes * jnp.bincount(labels, length=n_classes))
""", "absent_class_weight", "division by zero for an absent class: inf"),
        Snippet("""
def class_weights(labels, n_classes):
    classes, counts = jnp.unique(labels, return_counts=True)
    return labels.shape[0] / (n_classes * counts)
""", "counts_by_unique", "counts from jnp.unique: absent classes dropped"),
        Snippet("""
def class_weights(labels, n_classes):
    counts = jnp.bincount(labels)
    return jnp.where(counts > 0, labels.shape[0] / (counts.size * jnp.maximum(counts, 1)), 0.0)
""", "classes_from_labels", "bincount without length: as many classes as labels.max() + 1"),
        Snippet("""
def class_weights(labels, n_classes):
    counts = jnp.bincount(labels, length=n_classes)
    return jnp.where(counts > 0, labels.shape[0] // (n_classes * jnp.maximum(counts, 1)), 0)
""", "wrong_dtype", "integer division"),
    ],
    alternatives=[
        Snippet("""
def class_weights(labels, n_classes):
    counts = jnp.sum(jax.nn.one_hot(labels, n_classes), axis=0)
    safe = jnp.where(counts > 0, counts, 1.0)
    return jnp.where(counts > 0, labels.size / (n_classes * safe), 0.0)
""", note="counts as column sums of the one-hot matrix"),
        Snippet("""
def class_weights(labels, n_classes):
    counts = jnp.sum(labels[:, None] == jnp.arange(n_classes), axis=0)
    return jnp.nan_to_num(len(labels) / (n_classes * counts), posinf=0.0)
""", note="nan_to_num of the division (inf -> 0)"),
    ],
)


# --- weighted_cross_entropy ---------------------------------------------------------------------

def _weighted_hidden(rng):
    (small, y_small), (large, y_large), (huge, y_huge) = _logits_hidden(rng)
    counts = np.bincount(y_large, minlength=4)
    balanced = np.where(counts > 0, y_large.size / (4 * np.maximum(counts, 1)), 0.0).astype(F32)
    return [Case((small, y_small, rng.uniform(0.2, 5.0, size=4).astype(F32))),
            Case((large, y_large, balanced)),
            Case((huge, y_huge, rng.uniform(0.2, 5.0, size=3).astype(F32)))]


def _scale_weights(args):
    logits, labels, weights = args
    return logits, labels, (weights * F32(3.5)).astype(F32)


WEIGHTED_CROSS_ENTROPY = Instructor(
    hidden_cases=_weighted_hidden,
    hidden_checks=(*presets.LOSS.hidden,
                   invariances.invariant(_scale_weights, name="weights_scale_free", hint="weighted_mean_normalisation",
                                         rtol=1e-5, describe="unchanged when every weight is multiplied by 3.5"),
                   shift_invariant()),
    mistakes=[
        Snippet("""
def weighted_cross_entropy(logits, labels, weights):
    ce = -jnp.take_along_axis(jax.nn.log_softmax(logits, axis=1), labels[:, None], axis=1)[:, 0]
    return jnp.sum(weights[labels] * ce) / labels.shape[0]
""", "weighted_mean_normalisation", "divided by n instead of the sum of the weights"),
        Snippet("""
def weighted_cross_entropy(logits, labels, weights):
    ce = -jnp.take_along_axis(jax.nn.log_softmax(logits, axis=1), labels[:, None], axis=1)[:, 0]
    return jnp.sum(weights[labels] * ce) / jnp.sum(weights)
""", "weighted_mean_normalisation", "divided by the sum of the K class weights"),
        Snippet("""
def weighted_cross_entropy(logits, labels, weights):
    ce = -jnp.take_along_axis(jax.nn.log_softmax(logits, axis=1), labels[:, None], axis=1)[:, 0]
    w = weights[jnp.argmax(logits, axis=1)]
    return jnp.sum(w * ce) / jnp.sum(w)
""", "weights_of_prediction", "weights of the predicted class"),
        Snippet("""
def weighted_cross_entropy(logits, labels, weights):
    ce = -jnp.take_along_axis(jax.nn.log_softmax(logits, axis=1), labels[:, None], axis=1)[:, 0]
    return jnp.mean(ce)
""", "weights_ignored", "unweighted"),
        Snippet("""
def weighted_cross_entropy(logits, labels, weights):
    p = jnp.exp(logits) / jnp.sum(jnp.exp(logits), axis=1, keepdims=True)
    ce = -jnp.log(p[jnp.arange(labels.shape[0]), labels])
    w = weights[labels]
    return jnp.sum(w * ce) / jnp.sum(w)
""", "softmax_overflow", "softmax by exp(logits) / sum"),
    ],
    alternatives=[
        Snippet("""
def weighted_cross_entropy(logits, labels, weights):
    ce = jax.nn.logsumexp(logits, axis=1) - jnp.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    return jnp.average(ce, weights=weights[labels])
""", note="jnp.average with the weights of the labels"),
        Snippet("""
def weighted_cross_entropy(logits, labels, weights):
    one_hot = jax.nn.one_hot(labels, logits.shape[1])
    w = one_hot @ weights
    ce = -jnp.sum(one_hot * jax.nn.log_softmax(logits), axis=1)
    return jnp.mean(w * ce) / jnp.mean(w)
""", note="per-sample weights as one_hot @ weights; mean / mean"),
    ],
)


# --- stratified_split ---------------------------------------------------------------------------

def _split_hidden(rng):
    return [Case((Key(_seed(rng)), _labels(rng, 300, (0.55, 0.25, 0.13, 0.07)), 0.3)),
            Case((Key(_seed(rng)), _labels(rng, 120, (0.6, 0.32, 0.08)), 0.2))]


# A correct stratified split written as a student would; the mistakes below change a line or two of it.
_SPLIT = """def stratified_split(key, labels, test_fraction):
    n_classes = int(labels.max()) + 1
    class_keys = jax.random.split(key, n_classes)
    train, test = [], []
    for k in range(n_classes):
        idx = jax.random.permutation(class_keys[k], jnp.flatnonzero(labels == k))
        n_test = int(test_fraction * idx.shape[0])
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return jnp.concatenate(train), jnp.concatenate(test)
"""


def _variant(template: str, *changes: tuple[str, str]) -> str:
    """`template` with each (old, new) text replaced; every old text must occur exactly once."""
    code = template
    for old, new in changes:
        if code.count(old) != 1:
            raise ValueError(f"{old!r} occurs {code.count(old)} times in the template")
        code = code.replace(old, new)
    return code


STRATIFIED_SPLIT = Instructor(
    hidden_cases=_split_hidden,
    hidden_checks=split_checks(),
    mistakes=[
        Snippet("""
def stratified_split(key, labels, test_fraction):
    perm = jax.random.permutation(key, labels.shape[0])
    n_test = int(test_fraction * labels.shape[0])
    return perm[n_test:], perm[:n_test]
""", "unstratified_split", "one permutation of all galaxies, as train_test_split without stratify"),
        Snippet(_variant(_SPLIT, ("    class_keys = jax.random.split(key, n_classes)",
                                  "    random_seed = 42\n    class_keys = jax.random.split(jax.random.PRNGKey(42), n_classes)")),
                "split_not_random", "the workshop's bug: a seed of 42 set, the key never used"),
        Snippet(_variant(_SPLIT, ("jax.random.permutation(class_keys[k], jnp.flatnonzero(labels == k))",
                                  "jnp.flatnonzero(labels == k)")),
                "split_not_random", "not shuffled: the first galaxies of each class"),
        Snippet(_variant(_SPLIT, ("jax.random.permutation(class_keys[k], jnp.flatnonzero(labels == k))",
                                  "jnp.asarray(np.random.permutation(np.flatnonzero(np.asarray(labels) == k)))")),
                "global_random_state", "numpy's global random state"),
        Snippet(_variant(_SPLIT, ("class_keys[k]", "key")), "reused_key", "the same key for every class"),
        Snippet(_variant(_SPLIT, ("int(test_fraction * idx.shape[0])", "round(test_fraction * idx.shape[0])")),
                "test_count_rounding", "round instead of floor"),
        Snippet(_variant(_SPLIT, ("return jnp.concatenate(train), jnp.concatenate(test)",
                                  "return jnp.concatenate(test), jnp.concatenate(train)")),
                "split_parts_swapped", "returns (test, train)"),
        Snippet(_variant(_SPLIT, ("return jnp.concatenate(train), jnp.concatenate(test)",
                                  "return jnp.arange(labels.shape[0]), jnp.concatenate(test)")),
                "indices_overlap", "the training set is every galaxy"),
    ],
    alternatives=[
        Snippet("""
def stratified_split(key, labels, test_fraction):
    labels = np.asarray(labels)
    train, test = [], []
    for k in np.unique(labels):
        key, subkey = jax.random.split(key)
        idx = np.flatnonzero(labels == k)
        chosen = np.asarray(jax.random.choice(subkey, idx.size, (int(test_fraction * idx.size),), replace=False))
        mask = np.zeros(idx.size, bool)
        mask[chosen] = True
        test.append(idx[mask])
        train.append(idx[~mask])
    return jnp.asarray(np.concatenate(train)), jnp.asarray(np.concatenate(test))
""", note="numpy bookkeeping, jax.random.choice of each class's test members, key carried"),
        Snippet("""
def stratified_split(key, labels, test_fraction):
    u = jax.random.uniform(key, labels.shape)
    order = jnp.lexsort((u, labels))
    sorted_labels = labels[order]
    start = jnp.searchsorted(sorted_labels, sorted_labels)
    rank = jnp.arange(labels.shape[0]) - start
    counts = jnp.bincount(labels)
    n_test = jnp.floor(test_fraction * counts).astype(jnp.int32)
    in_test = rank < n_test[sorted_labels]
    return jnp.sort(order[~in_test]), jnp.sort(order[in_test])
""", note="one random sort by (class, uniform draw), the first n_test of each class; sorted indices"),
    ],
)


# --- balanced_accuracy --------------------------------------------------------------------------

def _noisy_predictions(rng, labels, n_classes: int, wrong: float) -> np.ndarray:
    """labels with a share `wrong` of them replaced by random classes of range(n_classes)."""
    swap = rng.uniform(size=labels.size) < wrong
    return np.where(swap, rng.integers(0, n_classes, size=labels.size), labels).astype(I32)


def _balanced_hidden(rng):
    cases = []
    for n, fractions, wrong in ((60, (0.5, 0.3, 0.0, 0.2), 0.4),           # class 2 absent from the labels
                                (100, (0.6, 0.25, 0.1, 0.05), 0.3),
                                (80, (0.3, 0.3, 0.2, 0.1, 0.1, 0.0), 0.5)):   # the last class absent
        labels = _labels(rng, n, fractions)
        cases.append(Case((_noisy_predictions(rng, labels, len(fractions), wrong), labels, len(fractions))))
    return cases


def _renumber_classes(args):
    """The same permutation of the class numbers (reversed) applied to predictions and labels."""
    predicted, labels, n_classes = args
    return ((n_classes - 1 - predicted).astype(I32), (n_classes - 1 - labels).astype(I32), n_classes)


BALANCED_ACCURACY = Instructor(
    hidden_cases=_balanced_hidden,
    hidden_checks=(*presets.ARRAY_FUNCTION.hidden,
                   invariances.invariant(_renumber_classes, name="renumbering", hint="depends_on_class_numbers",
                                         describe="unchanged when the classes are renumbered")),
    mistakes=[
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    return jnp.mean(predicted == labels)
""", "accuracy_not_balanced", "plain accuracy"),
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    correct = jnp.bincount(predicted, weights=(predicted == labels).astype(jnp.float32), length=n_classes)
    n_predicted = jnp.bincount(predicted, length=n_classes)
    present = n_predicted > 0
    return jnp.sum(jnp.where(present, correct / jnp.maximum(n_predicted, 1), 0.0)) / jnp.sum(present)
""", "precision_vs_recall", "mean precision over the classes predicted"),
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    cm = jnp.zeros((n_classes, n_classes)).at[predicted, labels].add(1)
    present = jnp.bincount(labels, length=n_classes) > 0
    recall = jnp.diag(cm) / jnp.maximum(cm.sum(axis=1), 1)
    return jnp.sum(jnp.where(present, recall, 0.0)) / jnp.sum(present)
""", "confusion_transposed", "recall read from a confusion matrix indexed [predicted, labels]"),
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    counts = jnp.bincount(labels, length=n_classes)
    correct = jnp.bincount(labels, weights=(predicted == labels).astype(jnp.float32), length=n_classes)
    return jnp.mean(correct / jnp.maximum(counts, 1))
""", "absent_class_counted", "an absent class counted with recall 0"),
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    counts = jnp.bincount(labels, length=n_classes)
    correct = jnp.bincount(labels, weights=(predicted == labels).astype(jnp.float32), length=n_classes)
    return jnp.mean(correct / counts)
""", "absent_class_counted", "0 / 0 = NaN for an absent class"),
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    recalls = []
    for k in range(n_classes):
        in_class = labels == k
        if jnp.sum(in_class) > 0:
            recalls.append(jnp.sum((predicted == k) & in_class) / jnp.sum(in_class))
    return jnp.mean(jnp.array(recalls))
""", "python_if_on_array", "a Python if on the count of each class"),
    ],
    alternatives=[
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    cm = jnp.zeros((n_classes, n_classes), jnp.int32).at[labels, predicted].add(1)
    counts = cm.sum(axis=1)
    present = counts > 0
    recall = jnp.diag(cm) / jnp.where(present, counts, 1)
    return jnp.sum(jnp.where(present, recall, 0.0)) / jnp.sum(present)
""", note="from the confusion matrix [labels, predicted]"),
        Snippet("""
def balanced_accuracy(predicted, labels, n_classes):
    one_hot = jax.nn.one_hot(labels, n_classes)
    counts = one_hot.sum(axis=0)
    hits = (one_hot * (predicted == labels)[:, None]).sum(axis=0)
    recall = jnp.where(counts > 0, hits / jnp.where(counts > 0, counts, 1.0), jnp.nan)
    return jnp.nanmean(recall)
""", note="one-hot sums, nanmean over the classes present"),
    ],
)


# --- predictive_entropy -------------------------------------------------------------------------

def _dirichlet(rng, n: int, k: int, alpha: float, one_hot_rows: int) -> np.ndarray:
    p = rng.dirichlet(np.full(k, alpha), size=n)
    rows = rng.choice(n, size=one_hot_rows, replace=False)
    p[rows] = np.eye(k)[rng.integers(0, k, size=one_hot_rows)]
    return p.astype(F32)


def _entropy_hidden(rng):
    half = _dirichlet(rng, 12, 3, 1.0, 2)
    half[3] = (0.5, 0.5, 0.0)
    return [Case((_dirichlet(rng, 30, 4, 1.0, 4),)), Case((_dirichlet(rng, 7, 10, 0.3, 1),)), Case((half,))]


PREDICTIVE_ENTROPY = Instructor(
    hidden_cases=_entropy_hidden,
    hidden_checks=presets.ARRAY_FUNCTION.hidden,
    mistakes=[
        Snippet("""
def predictive_entropy(probs):
    return -jnp.sum(jax.scipy.special.xlogy(probs, probs), axis=1) / jnp.log(2.0)
""", "entropy_log_base", "the workshop's bug: in bits (log base 2), labelled nats"),
        Snippet("""
def predictive_entropy(probs):
    return -jnp.sum(jax.scipy.special.xlogy(probs, probs), axis=0)
""", "entropy_sum_over_classes", "summed over the galaxies (axis 0)"),
        Snippet("""
def predictive_entropy(probs):
    return -jnp.mean(jax.scipy.special.xlogy(probs, probs), axis=1)
""", "entropy_sum_over_classes", "mean over the classes instead of the sum"),
        Snippet("""
def predictive_entropy(probs):
    return jnp.sum(jax.scipy.special.xlogy(probs, probs), axis=1)
""", "wrong_sign", "minus sign missing"),
        Snippet("""
def predictive_entropy(probs):
    return -jnp.sum(probs * jnp.log(probs), axis=1)
""", "zero_times_log_zero", "p * log(p): NaN where p = 0"),
    ],
    alternatives=[
        Snippet("""
def predictive_entropy(probs):
    return jnp.sum(jax.scipy.special.entr(probs), axis=-1)
""", note="jax.scipy.special.entr"),
        Snippet("""
def predictive_entropy(probs):
    safe = jnp.where(probs > 0, probs, 1.0)
    return -jnp.sum(jnp.where(probs > 0, probs * jnp.log(safe), 0.0), axis=1)
""", note="the double where"),
    ],
)


# --- train_classifier ---------------------------------------------------------------------------

def _train_hidden(rng):
    return [classifier_case(_seed(rng), _seed(rng), _seed(rng))]


# A correct training function written as a student would; the mistakes below change a line or two of it.
_TRAIN = """import optax

def _weights(labels, n_classes):
    counts = jnp.bincount(labels, length=n_classes)
    return jnp.where(counts > 0, labels.shape[0] / (n_classes * jnp.maximum(counts, 1)), 0.0)

def train_classifier(key, features, labels, n_classes, weighted, n_steps, learning_rate):
    W = 0.01 * jax.random.normal(key, (features.shape[1], n_classes))
    params = (W, jnp.zeros(n_classes))
    w = _weights(labels, n_classes) if weighted else jnp.ones(n_classes)
    optimiser = optax.adam(learning_rate)

    def loss(params):
        log_p = jax.nn.log_softmax(features @ params[0] + params[1], axis=1)
        ce = -jnp.take_along_axis(log_p, labels[:, None], axis=1)[:, 0]
        return jnp.sum(w[labels] * ce) / jnp.sum(w[labels])

    @jax.jit
    def step(params, opt_state):
        grads = jax.grad(loss)(params)
        updates, opt_state = optimiser.update(grads, opt_state)
        return optax.apply_updates(params, updates), opt_state

    opt_state = optimiser.init(params)
    for _ in range(n_steps):
        params, opt_state = step(params, opt_state)
    return params
"""

TRAIN_CLASSIFIER = Instructor(
    hidden_cases=_train_hidden,
    hidden_checks=classifier_checks("galaxies of a hidden catalogue"),
    mistakes=[
        Snippet(_variant(_TRAIN, ("_weights(labels, n_classes) if weighted else jnp.ones(n_classes)",
                                  "jnp.ones(n_classes)")), "weights_not_applied", "`weighted` ignored: never weighted"),
        Snippet(_variant(_TRAIN, ("_weights(labels, n_classes) if weighted else jnp.ones(n_classes)",
                                  "_weights(labels, n_classes)")), "weights_not_applied",
                "`weighted` ignored: always weighted"),
        Snippet(_variant(_TRAIN, ("jnp.where(counts > 0, labels.shape[0] / (n_classes * jnp.maximum(counts, 1)), 0.0)",
                                  "counts / labels.shape[0]")), "weights_not_applied", "inverted weights n_k / n"),
        Snippet(_variant(_TRAIN, ("W = 0.01 * jax.random.normal(key, (features.shape[1], n_classes))",
                                  "W = jnp.zeros((features.shape[1], n_classes))")), "hardcoded_key",
                "zero initial weights: the key is never used"),
        Snippet(_variant(_TRAIN, ("    W = 0.01 * jax.random.normal(key,",
                                  "    random_seed = 42\n    W = 0.01 * jax.random.normal(jax.random.PRNGKey(random_seed),")),
                "hardcoded_key", "the workshop's bug: a seed set inside, the key passed in never used"),
        Snippet(_variant(_TRAIN, ("W = 0.01 * jax.random.normal(key, (features.shape[1], n_classes))",
                                  "W = 0.01 * jnp.asarray(np.random.normal(size=(features.shape[1], n_classes)), "
                                  "jnp.float32)")), "global_random_state", "numpy's global random state"),
        Snippet(_variant(_TRAIN, ("optax.apply_updates(params, updates)",
                                  "jax.tree_util.tree_map(lambda p, u: p - u, params, updates)")), "training_diverged",
                "optax's updates subtracted: they already point downhill, so this climbs the loss"),
    ],
    alternatives=[
        Snippet("""
import optax

def train_classifier(key, features, labels, n_classes, weighted, n_steps, learning_rate):
    k_w, k_b = jax.random.split(key)
    params = {"W": 0.05 * jax.random.normal(k_w, (features.shape[1], n_classes)),
              "b": 0.01 * jax.random.normal(k_b, (n_classes,))}
    counts = jnp.sum(jax.nn.one_hot(labels, n_classes), axis=0)
    class_w = jnp.where(counts > 0, labels.size / (n_classes * jnp.where(counts > 0, counts, 1.0)), 0.0)
    sample_w = class_w[labels] if weighted else jnp.ones(labels.shape[0])
    optimiser = optax.adam(learning_rate)

    def loss(params):
        ce = optax.softmax_cross_entropy_with_integer_labels(features @ params["W"] + params["b"], labels)
        return jnp.average(ce, weights=sample_w)

    def step(carry, _):
        params, state = carry
        updates, state = optimiser.update(jax.grad(loss)(params), state)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(step, (params, optimiser.init(params)), None, length=n_steps)
    return params["W"], params["b"]
""", note="lax.scan, a dict of parameters, optax's cross-entropy, b drawn too"),
        Snippet("""
import optax

def train_classifier(key, features, labels, n_classes, weighted, n_steps, learning_rate):
    W = 0.01 * jax.random.normal(key, (features.shape[1], n_classes))
    b = jnp.zeros(n_classes)
    counts = jnp.bincount(labels, length=n_classes)
    weights = jnp.where(weighted, labels.shape[0] / (n_classes * jnp.maximum(counts, 1)), 1.0)
    optimiser = optax.adam(learning_rate)
    state = optimiser.init((W, b))

    @jax.jit
    def step(params, state):
        def loss(params):
            W, b = params
            one_hot = jax.nn.one_hot(labels, n_classes)
            ce = -jnp.sum(one_hot * jax.nn.log_softmax(features @ W + b), axis=1)
            w = one_hot @ weights
            return jnp.sum(w * ce) / jnp.sum(w)
        value, grads = jax.value_and_grad(loss)(params)
        updates, state = optimiser.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    params = (W, b)
    for _ in range(n_steps):
        params, state = step(params, state)
    return params
""", note="jnp.where on the flag, value_and_grad, one-hot weights"),
    ],
)


INSTRUCTOR = {
    "stratified_split": STRATIFIED_SPLIT,
    "one_hot": ONE_HOT,
    "softmax_cross_entropy": SOFTMAX_CROSS_ENTROPY,
    "balanced_accuracy": BALANCED_ACCURACY,
    "class_weights": CLASS_WEIGHTS,
    "weighted_cross_entropy": WEIGHTED_CROSS_ENTROPY,
    "train_classifier": TRAIN_CLASSIFIER,
    "predictive_entropy": PREDICTIVE_ENTROPY,
}
