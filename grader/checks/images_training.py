"""Training on mini-batches that are all full: the last, partial batch of an epoch is dropped.

A training function `train(key, params, images, labels, n_epochs, batch_size, learning_rate)` takes
n // batch_size steps per epoch. Given fewer samples than batch_size it has no full batch, takes no
step, and returns the parameters it was given. `no_step_on_partial_batch` calls it so, and compares
its result (first checked against the exercise's declared form, `Context.output`) with those
parameters. That any do-nothing function passes: it is a property, not evidence.
"""
from __future__ import annotations


from . import cases, trees
from .types import Check, Problem


def no_step_on_partial_batch(*, params_argnum: int = 1, data_argnums: tuple[int, ...] = (2, 3),
                             batch_size_argnum: int = 5, name: str = "drops_partial_batch",
                             describe: str = "drops the last, partial batch (no step on fewer than batch_size "
                                             "samples)",
                             hint: str = "partial_batch_kept", weight: float = 1.0,
                             requires: tuple[str, ...] = ()) -> Check:
    """fn on the case with the arrays at `data_argnums` cut to batch_size - 1 samples returns the parameters
    at `params_argnum` unchanged (within float32's tolerance)."""
    def judge(ctx, case) -> Problem | None:
        batch_size = int(case.args[batch_size_argnum])
        short = case.with_args({i: case.args[i][:batch_size - 1] for i in data_argnums})
        params = ctx.output(ctx.args(short))
        mismatch = trees.compare(params, case.args[params_argnum], ctx.exercise.names_for("output"))
        if mismatch is None:
            return None
        return Problem(f"given {batch_size - 1} samples, fewer than batch_size = {batch_size}, there is no full "
                       f"batch and no step to take, so the initial parameters should come back; "
                       f"{mismatch.message}.", hint)
    return Check(name, describe, cases.each(judge), weight, requires, evidence=False, hints=(hint,))
