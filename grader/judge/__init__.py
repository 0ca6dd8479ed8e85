"""Verdicts computed outside the student's kernel.

When a submission is autograded, its graded test cells are not executed by the
student's kernel. The grading process reads the (restored) test cell, runs the
exercise's checks itself, and each time a check calls the student's function it
sends the call (the function's name, inputs the kernel has not seen before, any
wrapper such as `jax.jit` or `jax.grad`) to the kernel. The kernel answers with
raw values only: arrays, numbers and tuples/lists/dicts of them, decoded here
without unpickling anything. Comparisons with reference outputs, points and the
verdict the cell shows are all computed here, so code in the kernel can change
what its function returns but not how that is judged.

Modules, one concept each:

- `wire`: the two encodings (calls to the kernel, raw values back);
- `kernel_side`: what the kernel runs for a call (imported inside the kernel);
- `channel`: one request and its reply over the kernel's shell channel, with time limits;
- `remote`: the student's function as seen by the checks (`Remote.call`);
- `cells`: which test cells are judged, and the outputs a judged cell gets.
"""
