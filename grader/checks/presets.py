"""The usual checks and check lists, so that a description names them instead of writing them out.

The usual checks, each with its usual name, weight and requirement:

  values()      matches_reference(weight=2): the result against the reference solution ("values")
  gradient()    gradient_matches_reference(requires=("values",)): jax.grad of the sum of the result
                against the reference's ("gradient"; the exercise's probe "gradient", `grad_of_sum(argnum)`)
  jit()         jit_matches_eager(requires=("values",)): works under jax.jit, same result ("jit")
  unchanged()   inputs_unchanged(): the arguments are the same after the call ("inputs_unchanged");
                unchanged(readonly=True) passes numpy arrays with writeable=False

and the usual lists of a kind of function, as a `Preset` (the public half of an exercise takes
`.visible`, the instructor half `.hidden`):

  LOSS            visible: values, gradient      hidden: values, gradient, jit, unchanged(readonly)
  DIFFERENTIABLE  visible: values, gradient      hidden: values, gradient, jit
  ARRAY_FUNCTION  visible: values, jit           hidden: values, jit
"""
from __future__ import annotations

from dataclasses import dataclass

from .gradients import gradient_matches_reference
from .mutation import inputs_unchanged
from .purity import jit_matches_eager
from .types import Check
from .values import matches_reference

GRADIENT_DESCRIBE = "its gradient (jax.grad) is right"


def values(weight: float = 2, **options) -> Check:
    """The result equals the reference solution's on every case ("values", weight 2; see `matches_reference`)."""
    return matches_reference(weight=weight, **options)


def gradient(describe: str = GRADIENT_DESCRIBE) -> Check:
    """jax.grad of the result's sum equals the reference's ("gradient", after "values"); needs the probe
    "gradient" (`grad_of_sum(argnum)`, the argument to differentiate by) in the exercise's `probes`."""
    return gradient_matches_reference(describe=describe, requires=("values",))


def jit() -> Check:
    """Works under jax.jit with the eager result ("jit", after "values")."""
    return jit_matches_eager(requires=("values",))


def unchanged(readonly: bool = False) -> Check:
    """The inputs are the same after the call ("inputs_unchanged"); `readonly`: numpy arrays, not writeable."""
    return inputs_unchanged(readonly_numpy=readonly)


@dataclass(frozen=True)
class Preset:
    """The checks of a kind of function: `visible` for the public half, `hidden` for the instructor half."""
    visible: tuple[Check, ...]
    hidden: tuple[Check, ...]


# A loss of targets and predictions (mse, mae): a number whose gradient training follows, given inputs
# that must not change.
LOSS = Preset(visible=(values(), gradient()), hidden=(values(), gradient(), jit(), unchanged(readonly=True)))

# A differentiable function of parameters or inputs (a model, an activation).
DIFFERENTIABLE = Preset(visible=(values(), gradient()), hidden=(values(), gradient(), jit()))

# An array function with no gradient to check (a design matrix, a test on arrays).
ARRAY_FUNCTION = Preset(visible=(values(), jit()), hidden=(values(), jit()))
