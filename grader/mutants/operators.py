"""Mutation operators: small rewrites of a libcst node that model this course's mistakes.

Each operator is a function `(node, context) -> list of replacement nodes` for one node of a
solution's body; an operator that does not apply to a node returns []. `OPERATORS` maps an
operator's name to it. The classic operators (arithmetic, comparison, constants, dropped terms,
swapped arguments, reordered return values) come first, then JAX's: `mean` <-> `sum`, a
reduction's `axis`, `jnp` -> `np`, a subkey replaced by its parent key, a `split` removed, a
hard-coded key, `.at[].set` <-> `.add`, `abs`/`sqrt`/`log`/`exp` dropped or swapped for a
neighbour, a transpose added or dropped, `float32` <-> `float64`, a stop-gradient inserted.

Like cosmic-ray's operators, an operator only says what a node may become; `grader.mutants.generate`
walks the tree and makes one mutant per replacement.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import libcst as cst
from libcst.helpers import get_full_name_for_node


@dataclass
class Context:
    """What an operator may need beyond the node: the parent key of each subkey name (from
    `a, b = jax.random.split(key)` or `for k in jax.random.split(key, n)`), and the Name nodes
    that are assignment targets (never replaced by a value)."""
    parent_key: dict[str, cst.BaseExpression] = field(default_factory=dict)
    targets: set[int] = field(default_factory=set)      # id() of Name nodes being assigned to


def _name(node) -> str:
    return get_full_name_for_node(node) or ""


def _call_of(node, suffixes: tuple[str, ...]) -> str | None:
    """The last part of a call's dotted name (`jnp.mean(...)` -> "mean") when it is one of `suffixes`."""
    if isinstance(node, cst.Call) and isinstance(node.func, (cst.Attribute, cst.Name)):
        last = node.func.attr.value if isinstance(node.func, cst.Attribute) else node.func.value
        if last in suffixes:
            return last
    return None


def _with_attr(call: cst.Call, attr: str) -> cst.Call:
    """The call with the last part of its dotted name replaced."""
    if isinstance(call.func, cst.Attribute):
        return call.with_changes(func=call.func.with_changes(attr=cst.Name(attr)))
    return call.with_changes(func=cst.Name(attr))


def _positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def _call(func: str, *args: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.parse_expression(func), args=[cst.Arg(a) for a in args])


# --- classic operators --------------------------------------------------------------------------

ARITHMETIC_SWAPS = {
    cst.Add: (cst.Subtract,), cst.Subtract: (cst.Add,), cst.Multiply: (cst.Divide,),
    cst.Divide: (cst.Multiply,), cst.Power: (cst.Multiply,), cst.MatrixMultiply: (cst.Multiply,),
    cst.FloorDivide: (cst.Divide,),
}


def arithmetic(node, context) -> list:
    """`+` <-> `-`, `*` <-> `/`, `**` -> `*`, `@` -> `*`, `//` -> `/`."""
    if not isinstance(node, cst.BinaryOperation):
        return []
    op = node.operator
    return [node.with_changes(operator=new(whitespace_before=op.whitespace_before,
                                            whitespace_after=op.whitespace_after))
            for new in ARITHMETIC_SWAPS.get(type(op), ())]


COMPARISON_SWAPS = {
    cst.LessThan: (cst.LessThanEqual,), cst.LessThanEqual: (cst.LessThan, cst.GreaterThan),
    cst.GreaterThan: (cst.GreaterThanEqual,), cst.GreaterThanEqual: (cst.GreaterThan, cst.LessThan),
    cst.Equal: (cst.NotEqual,), cst.NotEqual: (cst.Equal,),
}


def comparison(node, context) -> list:
    """`<` <-> `<=`, `>` <-> `>=`, `<=` -> `>`, `>=` -> `<`, `==` <-> `!=` (each comparison of a chain)."""
    if not isinstance(node, cst.Comparison):
        return []
    out = []
    for i, target in enumerate(node.comparisons):
        op = target.operator
        for new in COMPARISON_SWAPS.get(type(op), ()):
            changed = target.with_changes(operator=new(whitespace_before=op.whitespace_before,
                                                       whitespace_after=op.whitespace_after))
            out.append(node.with_changes(comparisons=[*node.comparisons[:i], changed, *node.comparisons[i + 1:]]))
    return out


def constant(node, context) -> list:
    """A number n becomes n + 1 (mutmut's rule); 0.0 becomes 1.0."""
    if isinstance(node, cst.Integer):
        return [node.with_changes(value=str(int(node.evaluated_value) + 1))]
    if isinstance(node, cst.Float):
        return [node.with_changes(value=repr(float(node.evaluated_value) + 1.0))]
    return []


def unary(node, context) -> list:
    """A unary minus dropped: `-x` -> `x`."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return [node.expression]
    return []


def drop_term(node, context) -> list:
    """A term or factor dropped: `a + b` -> `a`, `b`; `a - b` -> `a`; `a * b` -> `a`, `b`; `a / b` -> `a`."""
    if not isinstance(node, cst.BinaryOperation):
        return []
    if isinstance(node.operator, (cst.Add, cst.Multiply)):
        return [node.left, node.right]
    if isinstance(node.operator, (cst.Subtract, cst.Divide)):
        return [node.left]
    return []


def swap_args(node, context) -> list:
    """Two neighbouring positional arguments of a call swapped: `f(a, b)` -> `f(b, a)`."""
    if not isinstance(node, cst.Call):
        return []
    args = list(node.args)
    positions = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
    out = []
    for i, j in zip(positions, positions[1:]):
        swapped = list(args)
        swapped[i] = args[i].with_changes(value=args[j].value)
        swapped[j] = args[j].with_changes(value=args[i].value)
        out.append(node.with_changes(args=swapped))
    return out


def return_order(node, context) -> list:
    """Two neighbouring returned values swapped: `return a, b` -> `return b, a`."""
    if not (isinstance(node, cst.Return) and isinstance(node.value, cst.Tuple)):
        return []
    elements = list(node.value.elements)
    out = []
    for i in range(len(elements) - 1):
        swapped = list(elements)
        swapped[i] = elements[i].with_changes(value=elements[i + 1].value)
        swapped[i + 1] = elements[i + 1].with_changes(value=elements[i].value)
        out.append(node.with_changes(value=node.value.with_changes(elements=swapped)))
    return out


# --- this course's mistakes ---------------------------------------------------------------------

def mean_sum(node, context) -> list:
    """`mean` <-> `sum` (`jnp.mean(x)`, `np.sum(x)`, `x.mean()`)."""
    which = _call_of(node, ("mean", "sum"))
    return [_with_attr(node, "sum" if which == "mean" else "mean")] if which else []


REDUCTIONS = ("mean", "sum", "max", "min", "prod", "std", "var", "any", "all", "argmax", "argmin", "logsumexp")
MODULES = ("jnp", "np", "jax.numpy", "jax.nn", "jax.scipy.special")
AXIS_TAKERS = REDUCTIONS + ("stack", "concatenate", "take_along_axis", "cumsum", "norm", "softmax", "log_softmax")


def axis(node, context) -> list:
    """A reduction's axis changed: `axis=0` <-> `axis=1`, `axis=-1` -> `axis=0`; a reduction over
    everything given `axis=0`."""
    which = _call_of(node, AXIS_TAKERS)
    if not which:
        return []
    args = list(node.args)
    for i, a in enumerate(args):
        if a.keyword is not None and a.keyword.value == "axis":
            try:
                value = int(cst.Module([]).code_for_node(a.value))
            except ValueError:                       # a name or None: leave it
                return []
            new = {0: "1", 1: "0"}.get(value, "0")
            return [node.with_changes(args=[*args[:i], a.with_changes(value=cst.parse_expression(new)), *args[i + 1:]])]
    array_args = 1 if _name(node.func).rpartition(".")[0] in MODULES else 0      # jnp.sum(x) / x.sum()
    if which in REDUCTIONS and len(_positional(node)) == array_args:
        return [node.with_changes(args=[*args, cst.Arg(cst.Integer("0"), keyword=cst.Name("axis"),
                                                         equal=cst.AssignEqual(cst.SimpleWhitespace(""),
                                                                               cst.SimpleWhitespace("")))])]
    return []


def jnp_to_np(node, context) -> list:
    """`jnp.f` -> `np.f`: numpy where JAX was meant (breaks under `jit` and `grad`)."""
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "jnp":
        return [node.with_changes(value=cst.Name("np"))]
    return []


def _is_split(node) -> bool:
    return isinstance(node, cst.Call) and _name(node.func) in ("jax.random.split", "random.split")


def subkey_to_parent(node, context) -> list:
    """A subkey replaced by the key it was split from: `normal(key_a, ...)` -> `normal(key, ...)`."""
    if (isinstance(node, cst.Name) and node.value in context.parent_key and id(node) not in context.targets):
        parent = context.parent_key[node.value]
        if not (isinstance(parent, cst.Name) and parent.value == node.value):
            return [parent]
    return []


def split_removed(node, context) -> list:
    """A `split` removed: `jax.random.split(key)` -> `(key, key)`, `split(key, n)` -> `[key] * n`."""
    if not _is_split(node):
        return []
    positional = _positional(node)
    if not positional:
        return []
    key = positional[0].value
    if len(node.args) == 1:
        return [cst.Tuple([cst.Element(key), cst.Element(key)])]
    n = (positional[1] if len(positional) > 1 else node.args[1]).value
    return [cst.BinaryOperation(cst.List([cst.Element(key)]), cst.Multiply(), n)]


KEY_MAKERS = ("key", "PRNGKey", "key_data", "wrap_key_data", "fold_in")


def hardcoded_key(node, context) -> list:
    """The key passed to a `jax.random` function replaced by a hard-coded `jax.random.key(0)`."""
    if not (isinstance(node, cst.Call) and _name(node.func).startswith(("jax.random.", "random."))):
        return []
    if _name(node.func).rpartition(".")[2] in KEY_MAKERS or not node.args:
        return []
    first = node.args[0]
    return [node.with_changes(args=[first.with_changes(value=cst.parse_expression("jax.random.key(0)")),
                                    *node.args[1:]])]


def at_set_add(node, context) -> list:
    """`x.at[i].set(v)` <-> `x.at[i].add(v)`."""
    if (isinstance(node, cst.Attribute) and node.attr.value in ("set", "add")
            and isinstance(node.value, cst.Subscript) and isinstance(node.value.value, cst.Attribute)
            and node.value.value.attr.value == "at"):
        return [node.with_changes(attr=cst.Name("add" if node.attr.value == "set" else "set"))]
    return []


MATH_NEIGHBOURS = {
    "abs": ("square",), "sqrt": ("cbrt", "square"), "log": ("log1p", "log2"), "log1p": ("log",),
    "log2": ("log",), "exp": ("expm1", "exp2"), "expm1": ("exp",), "exp2": ("exp",),
}


def math_function(node, context) -> list:
    """`abs`, `sqrt`, `log`, `exp` dropped (`jnp.log(x)` -> `x`) or swapped for a neighbour
    (`log` <-> `log1p`, `log2`; `exp` <-> `expm1`, `exp2`; `sqrt` -> `cbrt`, `square`; `abs` -> `square`)."""
    which = _call_of(node, tuple(MATH_NEIGHBOURS))
    if not which or len(_positional(node)) != 1 or len(node.args) != 1:
        return []
    out = [node.args[0].value]
    if isinstance(node.func, cst.Attribute):
        out += [_with_attr(node, other) for other in MATH_NEIGHBOURS[which]]
    return out


def transpose(node, context) -> list:
    """A transpose dropped (`A.T` -> `A`, `jnp.transpose(A)` -> `A`) or added to an operand of `@`."""
    if isinstance(node, cst.Attribute) and node.attr.value == "T":
        return [node.value]
    if _call_of(node, ("transpose",)) and len(node.args) == 1 and isinstance(node.func, cst.Attribute) \
            and _name(node.func.value) in ("jnp", "np"):
        return [node.args[0].value]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
        out = []
        for side in ("left", "right"):
            operand = getattr(node, side)
            if isinstance(operand, cst.Attribute) and operand.attr.value == "T":
                continue
            if not isinstance(operand, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
                operand = operand.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            out.append(node.with_changes(**{side: cst.Attribute(operand, cst.Name("T"))}))
        return out
    return []


def dtype(node, context) -> list:
    """`float32` <-> `float64` (`jnp.float32`, `"float32"`)."""
    if isinstance(node, cst.Attribute) and node.attr.value in ("float32", "float64"):
        return [node.with_changes(attr=cst.Name("float64" if node.attr.value == "float32" else "float32"))]
    if isinstance(node, cst.SimpleString) and node.evaluated_value in ("float32", "float64"):
        other = "float64" if node.evaluated_value == "float32" else "float32"
        return [node.with_changes(value=node.value.replace(node.evaluated_value, other))]
    return []


def _stop(expression) -> cst.Call:
    return _call("jax.lax.stop_gradient", expression)


def stop_gradient(node, context) -> list:
    """A stop-gradient inserted: around the returned value, or around a name in arithmetic."""
    if (isinstance(node, cst.Return) and node.value is not None and not isinstance(node.value, cst.Tuple)
            and not (isinstance(node.value, cst.Name) and node.value.value == "None")):
        return [node.with_changes(value=_stop(node.value))]
    if isinstance(node, cst.BinaryOperation) and not isinstance(node.operator, cst.MatrixMultiply):
        return [node.with_changes(**{side: _stop(getattr(node, side))}) for side in ("left", "right")
                if isinstance(getattr(node, side), cst.Name)]
    return []


OPERATORS: dict[str, Callable] = {
    "arithmetic": arithmetic, "comparison": comparison, "constant": constant, "unary": unary,
    "drop_term": drop_term, "swap_args": swap_args, "return_order": return_order,
    "mean_sum": mean_sum, "axis": axis, "jnp_to_np": jnp_to_np, "subkey_to_parent": subkey_to_parent,
    "split_removed": split_removed, "hardcoded_key": hardcoded_key, "at_set_add": at_set_add,
    "math_function": math_function, "transpose": transpose, "dtype": dtype, "stop_gradient": stop_gradient,
}


def context_of(function: cst.FunctionDef) -> Context:
    """The subkeys a function splits (name -> parent key) and the names it assigns to."""
    context = Context()

    class Collect(cst.CSTVisitor):
        def visit_Assign(self, node):
            if _is_split(node.value) and _positional(node.value):
                for target in node.targets:
                    names = target.target.elements if isinstance(target.target, (cst.Tuple, cst.List)) else [target.target]
                    for element in names:
                        name = getattr(element, "value", element)
                        if isinstance(name, cst.Name):
                            context.parent_key[name.value] = _positional(node.value)[0].value

        def visit_For(self, node):
            if _is_split(node.iter) and isinstance(node.target, cst.Name) and _positional(node.iter):
                context.parent_key[node.target.value] = _positional(node.iter)[0].value

        def visit_AssignTarget(self, node):
            context.targets.update(id(n) for n in _names_in(node.target))

        def visit_For_target(self, node):
            context.targets.update(id(n) for n in _names_in(node.target))

    function.visit(Collect())
    return context


def _names_in(node) -> list[cst.Name]:
    found = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, name):
            found.append(name)

    node.visit(Names())
    return found
