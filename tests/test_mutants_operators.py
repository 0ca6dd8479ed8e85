"""Each mutation operator on small code: exactly the mutants it should make, and none where it does not apply."""
from __future__ import annotations

import textwrap

import pytest

from grader.mutants import generate
from grader.mutants.operators import OPERATORS


def changed(operator: str, body: str, signature: str = "f(x, y, key)") -> list[str]:
    """The body lines each mutant of `operator` makes of `def f(...): <body>` (the lines that differ)."""
    code = f"def {signature}:\n    \"\"\"Doc: x + y.\"\"\"\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    made = generate.mutants(signature.partition("(")[0], code, {operator: OPERATORS[operator]})
    for mutant in made:
        compile(mutant.code, "<mutant>", "exec")          # every mutant is Python
    original = code.splitlines()
    return ["\n".join(line.strip() for line, before in zip(m.code.splitlines(), original) if line != before)
            for m in made]


def test_arithmetic():
    assert changed("arithmetic", "return x + y * 2 ** x @ y") == [          # outer operations first
        "return x - y * 2 ** x @ y", "return x + y * 2 ** x * y", "return x + y / 2 ** x @ y",
        "return x + y * 2 * x @ y"]


def test_comparison():
    assert changed("comparison", "return x <= y") == ["return x < y", "return x > y"]
    assert changed("comparison", "return x == y") == ["return x != y"]


def test_constant():
    assert changed("constant", "return 2 * x + 0.5") == ["return 3 * x + 0.5", "return 2 * x + 1.5"]


def test_unary_minus_dropped():
    assert changed("unary", "return -jnp.mean(x)") == ["return jnp.mean(x)"]


def test_drop_term():
    assert changed("drop_term", "return x - y / 2") == ["return x", "return x - y"]
    assert changed("drop_term", "return x + y") == ["return x", "return y"]


def test_swap_args():
    assert changed("swap_args", "return f(x, y, axis=0)") == ["return f(y, x, axis=0)"]


def test_return_order():
    assert changed("return_order", "return x, y, key") == ["return y, x, key", "return x, key, y"]


def test_mean_sum():
    assert changed("mean_sum", "return jnp.mean(x) + y.sum()") == ["return jnp.sum(x) + y.sum()",
                                                                    "return jnp.mean(x) + y.mean()"]


def test_axis():
    assert changed("axis", "return jnp.stack([x, y], axis=1)") == ["return jnp.stack([x, y], axis=0)"]
    assert changed("axis", "return jnp.mean(x)") == ["return jnp.mean(x, axis=0)"]
    assert changed("axis", "return x.max()") == ["return x.max(axis=0)"]
    assert changed("axis", "return jnp.mean(x, 1)") == []             # an axis already given by position


def test_jnp_to_np():
    assert changed("jnp_to_np", "return jnp.exp(x)") == ["return np.exp(x)"]
    assert changed("jnp_to_np", "return np.exp(x)") == []


def test_subkey_replaced_by_parent():
    body = """
    key_a, key_b = jax.random.split(key)
    return jax.random.normal(key_a), jax.random.normal(key_b)
    """
    assert changed("subkey_to_parent", body) == ["return jax.random.normal(key), jax.random.normal(key_b)",
                                                 "return jax.random.normal(key_a), jax.random.normal(key)"]
    loop = """
    for k in jax.random.split(key, 3):
        x = x + jax.random.normal(k)
    return x
    """
    assert changed("subkey_to_parent", loop) == ["x = x + jax.random.normal(key)"]


def test_split_removed():
    assert changed("split_removed", "a, b = jax.random.split(key)\nreturn a") == ["a, b = (key, key)"]
    assert changed("split_removed", "a, b, c = jax.random.split(key, 3)\nreturn a") == ["a, b, c = [key] * 3"]


def test_hardcoded_key():
    assert changed("hardcoded_key", "return jax.random.normal(key, (3,))") == [
        "return jax.random.normal(jax.random.key(0), (3,))"]
    assert changed("hardcoded_key", "return jax.random.key(1)") == []


def test_at_set_add():
    assert changed("at_set_add", "return x.at[0].set(y)") == ["return x.at[0].add(y)"]
    assert changed("at_set_add", "return x.at[0].add(y)") == ["return x.at[0].set(y)"]
    assert changed("at_set_add", "return x.set(y)") == []


def test_math_function():
    assert changed("math_function", "return jnp.log(x)") == ["return x", "return jnp.log1p(x)",
                                                              "return jnp.log2(x)"]
    assert changed("math_function", "return jnp.sqrt(x)") == ["return x", "return jnp.cbrt(x)",
                                                               "return jnp.square(x)"]
    assert changed("math_function", "return abs(x)") == ["return x"]
    assert changed("math_function", "return jnp.exp(x, y)") == []


def test_transpose():
    assert changed("transpose", "return x.T @ y") == ["return x.T @ y.T", "return x @ y"]
    assert changed("transpose", "return (x + 1) @ y") == ["return (x + 1).T @ y", "return (x + 1) @ y.T"]
    assert changed("transpose", "return jnp.transpose(x)") == ["return x"]


def test_dtype():
    assert changed("dtype", "return jnp.asarray(x, dtype=jnp.float32)") == [
        "return jnp.asarray(x, dtype=jnp.float64)"]
    assert changed("dtype", "return x.astype('float64')") == ["return x.astype('float32')"]


def test_stop_gradient():
    assert changed("stop_gradient", "return x * y") == [
        "return jax.lax.stop_gradient(x * y)", "return jax.lax.stop_gradient(x) * y",
        "return x * jax.lax.stop_gradient(y)"]


def test_only_the_body_is_mutated():
    """Neither the signature's defaults nor the docstring change."""
    code = 'def f(x, eps=1e-7, n=2):\n    """x + 1."""\n    return x\n'
    assert [m.operator for m in generate.mutants("f", code)] == ["stop_gradient"]


def test_ids_are_stable_and_diffs_show_the_change():
    code = "def f(x):\n    return jnp.mean(x)\n"
    first, again = generate.mutants("f", code), generate.mutants("f", code)
    assert [m.id for m in first] == [m.id for m in again]
    assert len({m.id for m in first}) == len(first)
    [mean_sum] = [m for m in first if m.operator == "mean_sum"]
    assert mean_sum.id.startswith("mean_sum-")
    assert "-    return jnp.mean(x)\n+    return jnp.sum(x)" in mean_sum.diff
    assert mean_sum.line == 2


def test_every_operator_is_tested():
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    aliases = {"unary": "unary_minus_dropped", "subkey_to_parent": "subkey_replaced_by_parent"}
    assert {aliases.get(op, op) for op in OPERATORS} <= tested


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_no_mutant_where_the_operator_does_not_apply(operator):
    assert changed(operator, "pass") == []
