"""Hints for classes in very unequal numbers: splits of the data, class weights, losses and metrics
that a rare class does not vanish from (s2_imbalanced_classes; the split and classifier hints are
those of grader.checks.splits and grader.checks.classifiers, shared with s2_galaxy_morphology)."""
from __future__ import annotations

from .hint import Hint

HINTS = (
    # --- splits (grader.checks.splits) ----------------------------------------
    Hint("indices_overlap", "A sample in two parts of the split (or twice in one)",
         "The parts of a split must be disjoint: a sample in both the training and the test set is "
         "tested on data the model was trained on, and the score is too good. Drawing indices with "
         "replacement, or cutting a permutation at overlapping places, repeats indices.",
         "Cut one permutation into consecutive pieces: `perm = jax.random.permutation(key, n)`, then "
         "`perm[:a]`, `perm[a:b]`, `perm[b:]`."),
    Hint("indices_missing", "Not every sample is in a part",
         "The parts together must hold every index of range(n) exactly once; some samples are in no part "
         "(or an index is outside range(n)), so the data is not fully used.",
         "Make the parts from one permutation of all n indices, and let the last part take the rest: "
         "`perm[n_test:]`, not `perm[n_test:n - 1]`."),
    Hint("unstratified_split", "The split is not stratified by class",
         "A split drawn from all samples at once gives each class only about its share of the test set: "
         "with classes of 5% the test set may hold half or twice as many rare galaxies as it should, or "
         "none. A stratified split takes floor(test_fraction * n_k) of the n_k samples of each class k.",
         "Loop over the classes: `idx = jnp.flatnonzero(labels == k)`, permute it with a subkey of its own, "
         "put its first `int(test_fraction * idx.size)` in the test set and the rest in the training set; "
         "concatenate."),
    Hint("split_not_random", "The split does not change with the key",
         "Over many keys, some samples were always (or never) in the test set: the split is not drawn "
         "with the key it is given. A fixed seed set once (`np.random.seed(42)`) and never passed on, the "
         "first indices of each class, or a key made inside the function give one split for every key.",
         "Draw every permutation with the key argument, split into subkeys (one per class): "
         "`keys = jax.random.split(key, n_classes)`."),
    # --- classifiers (grader.checks.classifiers) --------------------------------
    Hint("weights_not_applied", "Class weights do not help the rare class",
         "Trained with `weighted=True`, the classifier should find more galaxies of the rarest class "
         "than without weights: each rare galaxy weighs more in the loss. Here it does not: the flag is "
         "ignored, the weights are not used in the loss, or they are inverted (n_k / n gives the common "
         "classes more weight, not less).",
         "When `weighted`, compute `w = class_weights(labels, n_classes)` and minimise "
         "`weighted_cross_entropy(logits, labels, w)`; otherwise the plain `softmax_cross_entropy`."),
    Hint("split_parts_swapped", "Train and test returned the other way round",
         "The counts a stratified test set should have are in the first array: the function returns "
         "(test, train) where (train, test) is asked for, so the model would train on the small part.",
         "Return `train_idx, test_idx` in that order."),
    Hint("test_count_rounding", "Test counts rounded instead of floored",
         "Each class puts floor(test_fraction * n_k) of its samples in the test set; `round` (or `ceil`) "
         "takes one more whenever the fraction of a sample is large enough, so the test set is not the "
         "size the contract says.",
         "`n_test = int(test_fraction * n_k)` (or `math.floor`), not `round(...)`."),
    # --- labels and losses ------------------------------------------------------
    Hint("one_hot_transposed", "One-hot matrix transposed",
         "The one-hot encoding has one row per sample and one column per class, (N, K); the result is (K, N).",
         "`jax.nn.one_hot(labels, n_classes)`, or compare `labels[:, None] == jnp.arange(n_classes)`."),
    Hint("classes_from_labels", "The number of classes taken from the labels",
         "`labels.max() + 1` (or the classes `jnp.unique` finds) is the number of classes only when every "
         "class occurs; a sample without the last class, or without a rare one, gives too few columns. It "
         "is also not known under `jax.jit`, which needs shapes before it sees the values.",
         "Use the `n_classes` argument for every shape: `jnp.bincount(labels, length=n_classes)`."),
    Hint("labels_from_one", "Classes counted from 1",
         "Class numbers run from 0 to K - 1: class 0 is the first column. Shifting the labels by one moves "
         "every sample to the next class (and the last class to no column at all).",
         "Use the labels as they are: `jax.nn.one_hot(labels, n_classes)`."),
    Hint("softmax_overflow", "exp of large logits overflows",
         "`exp(z)` is inf in float32 once z is above about 88, and the softmax becomes inf / inf = NaN. "
         "Logits of a confident network easily reach hundreds.",
         "Work with logarithms: `jax.nn.log_softmax(logits, axis=-1)` (or subtract each row's maximum "
         "before `exp`, `logits - logits.max(axis=1, keepdims=True)`)."),
    Hint("log_of_softmax", "log of the softmax underflows",
         "`jax.nn.softmax` is stable, but for a class far below the best one its probability rounds to 0 "
         "in float32, and `log(0)` is -inf: the loss becomes infinite and its gradient NaN.",
         "`jax.nn.log_softmax(logits, axis=-1)` computes the log-probabilities directly, as "
         "`logits - logsumexp(logits)`, which never underflows to -inf."),
    Hint("ce_mean_over_classes", "Averaged over the classes too",
         "`jnp.mean(one_hot * log_p)` averages over all N x K entries, so the loss is K times too small: "
         "each row has K entries but only the true class's counts.",
         "Sum over the classes, then average over the rows: `-jnp.mean(jnp.sum(one_hot * log_p, axis=1))`."),
    Hint("true_class_not_picked", "Not each galaxy's own class",
         "The loss must take, for each row i, the log-probability of its own label y_i: "
         "`log_p[i, labels[i]]`. `log_p[:, 0]` takes class 0 for every row, and `log_p[labels]` picks whole "
         "rows, not entries.",
         "`jnp.take_along_axis(log_p, labels[:, None], axis=1)[:, 0]`, or "
         "`log_p[jnp.arange(labels.shape[0]), labels]`."),
    Hint("softmax_shift", "Changes when every logit of a row moves by the same amount",
         "softmax(z + c) = softmax(z) for any constant c added to a whole row, so the loss must not change. "
         "Here it does: the computation overflows or rounds away for large logits.",
         "`jax.nn.log_softmax(logits, axis=-1)`, or subtract each row's maximum first."),
    # --- class weights ------------------------------------------------------------
    Hint("class_weights_formula", "Class weights of the wrong size",
         "The weight of class k is n / (K * n_k): 1 for every class when the classes are equal, and weights "
         "whose mean over the samples is 1. `1 / n_k` or weights normalised to sum to 1 point the same "
         "way but are n / K times too small (or too large).",
         "`counts = jnp.bincount(labels, length=n_classes)`; `labels.shape[0] / (n_classes * counts)`."),
    Hint("class_weights_inverted", "Class weights inverted",
         "n_k / n gives the common classes the largest weights: the opposite of what weighting is for. "
         "Rare classes need the large weights, n / (K * n_k).",
         "`labels.shape[0] / (n_classes * counts)`."),
    Hint("absent_class_weight", "A class without samples gets an infinite weight",
         "For a class absent from the labels, n_k = 0 and n / (K * n_k) divides by zero: inf. Such a class "
         "has no sample to weigh, so its weight is defined as 0.",
         "`jnp.where(counts > 0, n / (n_classes * jnp.maximum(counts, 1)), 0.0)`."),
    Hint("counts_by_unique", "Counts from jnp.unique",
         "`jnp.unique(labels, return_counts=True)` counts only the classes that occur: one class missing and "
         "the counts are shorter than n_classes and shifted. It also cannot run under `jax.jit` (the "
         "number of classes found is not known before the values).",
         "`jnp.bincount(labels, length=n_classes)`: one count per class, 0 for an absent class."),
    Hint("weighted_mean_normalisation", "The weighted mean divided by the wrong total",
         "A weighted mean divides by the sum of the weights used, sum_i w[y_i], so that it does not change "
         "when every weight is multiplied by the same number. Dividing by n, or by the sum of the K class "
         "weights, gives another scale (and another balance when the batch changes).",
         "`w = weights[labels]`; `jnp.sum(w * ce) / jnp.sum(w)`."),
    Hint("weights_of_prediction", "Weights of the predicted class",
         "Each sample is weighted by the weight of its true class, `weights[labels]`. The weight of the "
         "class the model predicts changes with the model and rewards the wrong thing.",
         "`w = weights[labels]`."),
    Hint("weights_ignored", "The weights are not used",
         "The result is the plain mean cross-entropy: the weights make no difference.",
         "`w = weights[labels]`; `jnp.sum(w * ce) / jnp.sum(w)`, with ce the cross-entropy of each sample."),
    # --- metrics and uncertainty ----------------------------------------------------
    Hint("accuracy_not_balanced", "Plain accuracy, not balanced",
         "The share of correct predictions is dominated by the common class: always predicting 'smooth "
         "round' scores 60% on these galaxies. The balanced accuracy is the mean of the recalls of the "
         "classes, each class counting the same.",
         "For each class k present in `labels`: recall_k = mean(predicted[labels == k] == k); average those."),
    Hint("precision_vs_recall", "Precision, not recall",
         "Recall divides the correct predictions of class k by the samples that truly are k; precision "
         "divides by the samples predicted as k. The balanced accuracy is the mean recall.",
         "Divide by `jnp.bincount(labels, length=n_classes)`, the true counts, not by the counts of "
         "`predicted`."),
    Hint("absent_class_counted", "A class absent from the labels counted",
         "A class with no true sample has no recall (0 / 0). Counting it as 0 lowers the balanced "
         "accuracy, and 0 / 0 makes it NaN. The mean runs over the classes present in `labels`.",
         "`present = counts > 0`; `jnp.sum(jnp.where(present, recall, 0.0)) / jnp.sum(present)`, with "
         "recall computed from `jnp.maximum(counts, 1)`."),
    Hint("depends_on_class_numbers", "Depends on how the classes are numbered",
         "Renumbering the classes (the same permutation of predictions and labels) must not change the "
         "balanced accuracy: every class counts the same. Here it does.",
         "Compute one recall per class and average them over the classes present, without special "
         "cases for particular class numbers."),
    Hint("entropy_sum_over_classes", "Entropy not summed over each row's classes",
         "The predictive entropy of galaxy i is H_i = -sum_k p_ik log p_ik: a sum over the K classes of "
         "its row, one number per galaxy. A sum over the galaxies (axis 0) or a mean over the classes "
         "gives other numbers.",
         "`-jnp.sum(p * log_p, axis=-1)`: shape (N,)."),
    Hint("zero_times_log_zero", "NaN for a probability of 0",
         "A confident row has probabilities exactly 0, and 0 * log(0) = 0 * -inf is NaN; the entropy of a "
         "one-hot row is 0 (p log p goes to 0 as p goes to 0).",
         "`jax.scipy.special.xlogy(p, p)` is 0 at p = 0: `-jnp.sum(xlogy(probs, probs), axis=-1)`; or "
         "`jax.scipy.special.entr`."),
)
