"""Hints shared by the classification workbooks (s2_galaxy_morphology, s2_imbalanced_classes):
what a classifier's outputs mean, and how its errors are counted."""
from __future__ import annotations

from .hint import Hint

HINTS = (
    Hint("entropy_log_base", "Entropy in the wrong unit",
         "Entropy in bits uses log base 2, entropy in nats the natural log; the two differ by a factor "
         "ln 2 = 0.693. The values have the right shape and ordering but the wrong size, and a plot labelled "
         "in one unit while computed in the other is wrong by that factor.",
         "Bits: `-p * jnp.log2(p)`; nats: `-p * jnp.log(p)`. Write the unit in the docstring and on the axis."),
    Hint("confusion_transposed", "Rows and columns of the confusion matrix swapped",
         "By convention row i counts the samples whose true class is i and column j those predicted as j. "
         "Swapping the two transposes the matrix: off-diagonal counts move, so recall reads as precision "
         "and a plot's class labels no longer describe its axes.",
         "Index with `(labels, predicted)`: `jnp.zeros((K, K), jnp.int32).at[labels, predicted].add(1)`."),
)
