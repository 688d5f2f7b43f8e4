"""Every binary operation against PyTorch on random shapes, broadcasts and mixed dtypes.

Hypothesis draws the operation, two (or three) mutually broadcastable shapes including 0-d ones,
and for each operand a dtype among float32, float64, int64, int32 or a Python number. The result
must have PyTorch's value and PyTorch's dtype (its promotion rules, not NumPy's), and every float
tensor operand PyTorch's gradient.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from torch_oracle import assert_close

KINDS = ["float32", "float64", "int64", "int32", "pyfloat", "pyint"]

# name -> (how each library applies it, the kinds of operands it accepts)
OPS: dict[str, tuple[Callable[[Any, Any, Any], Any], list[str]]] = {
    "add": (lambda lib, a, b: a + b, KINDS),
    "sub": (lambda lib, a, b: a - b, KINDS),
    "mul": (lambda lib, a, b: a * b, KINDS),
    "truediv": (lambda lib, a, b: a / b, KINDS),
    "pow": (lambda lib, a, b: a ** b, KINDS),
    "maximum": (lambda lib, a, b: lib.maximum(a, b), KINDS[:4]),
    "minimum": (lambda lib, a, b: lib.minimum(a, b), KINDS[:4]),
    "add_fn": (lambda lib, a, b: lib.add(a, b), KINDS[:5]),
    "mul_fn": (lambda lib, a, b: lib.mul(a, b), KINDS[:5]),
    "div_fn": (lambda lib, a, b: lib.div(a, b), KINDS[:5]),
    "eq": (lambda lib, a, b: a == b, KINDS),
    "lt": (lambda lib, a, b: a < b, KINDS),
    "ge": (lambda lib, a, b: a >= b, KINDS),
    "ne": (lambda lib, a, b: a != b, KINDS),
}


def is_tensor_kind(kind: str) -> bool:
    return not kind.startswith("py")


def make_operand(kind: str, shape: tuple[int, ...], rng: np.random.Generator, role: str,
                 op: str) -> Any:
    """Values that keep the op well defined: divisors away from 0, pow bases positive."""
    if kind in ("pyfloat", "pyint"):
        shape = ()
    floating = kind in ("float32", "float64", "pyfloat")
    if op == "pow" and role == "b":  # exponents: small, non-negative for integer bases
        values = rng.integers(0, 4, shape) if not floating else rng.uniform(-2, 3, shape)
    elif op == "pow" and role == "a":
        values = rng.integers(1, 4, shape) if not floating else rng.uniform(0.5, 2.0, shape)
    elif op in ("truediv", "div_fn") and role == "b":
        mag = rng.integers(1, 6, shape) if not floating else rng.uniform(0.5, 2.0, shape)
        values = mag * rng.choice([-1, 1], shape)
    elif op in ("eq", "ne", "lt", "ge"):  # small integers, so that ties happen
        values = rng.integers(-2, 3, shape)
    else:
        values = rng.integers(-5, 6, shape) if not floating else rng.standard_normal(shape)
    if kind == "pyfloat":
        return float(values)
    if kind == "pyint":
        return int(values)
    return np.asarray(values).astype(kind)


@st.composite
def binary_cases(draw):
    op = draw(st.sampled_from(sorted(OPS)))
    kinds = OPS[op][1]
    ka, kb = draw(st.sampled_from(kinds)), draw(st.sampled_from(kinds))
    if op == "pow" and not (is_tensor_kind(ka) or is_tensor_kind(kb)):
        kb = "float32"
    if not (is_tensor_kind(ka) or is_tensor_kind(kb)):
        ka = "float32"  # at least one operand is a tensor
    if op == "pow" and ka.startswith("int") and kb in ("pyfloat",):
        kb = "pyint"  # torch: int tensor ** float scalar is float; keep both libraries' rule
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                    max_side=4)).input_shapes
    seed = draw(st.integers(0, 2**32 - 1))
    return op, ka, kb, shapes, seed


def run(op: str, a: Any, b: Any, fn: Callable[[Any, Any, Any], Any] | None = None) -> None:
    """``fn(lib, a, b)`` (default: the op's) in both libraries: value, dtype and gradients."""
    fn = fn or OPS[op][0]

    def wrap(lib: Any, x: Any) -> Any:
        if not isinstance(x, np.ndarray):
            return x
        grad = x.dtype.kind == "f" and op not in ("eq", "lt", "ge", "ne")
        if lib is torch:
            return torch.tensor(x.copy(), requires_grad=grad)
        return cr.tensor(x.copy(), requires_grad=grad)

    t_a, t_b = wrap(torch, a), wrap(torch, b)
    c_a, c_b = wrap(cr, a), wrap(cr, b)
    want = fn(torch, t_a, t_b)
    got = fn(cr, c_a, c_b)
    assert_close(got, want, what=f"{op} forward", tol="binary")
    assert got.requires_grad == want.requires_grad, f"{op}: requires_grad"
    if not want.requires_grad:
        return
    upstream = np.random.default_rng(1).standard_normal(tuple(want.shape))
    (want * torch.tensor(upstream, dtype=want.dtype)).sum().backward()
    (got * cr.tensor(upstream.astype(got.dtype))).sum().backward()
    for name, c, t in (("a", c_a, t_a), ("b", c_b, t_b)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            # a float64 operand of a float32 op gets a gradient computed (and summed over the
            # broadcast dims) in float32: the tolerance of the less precise of the two applies
            coarser = np.float32 if np.float32 in (c.grad.dtype, got.dtype) else np.float64
            assert_close(c.grad, t.grad, dtype=coarser, what=f"{op} gradient of {name}", tol="binary")


@settings(max_examples=150, deadline=None)
@given(binary_cases())
def test_binary_op_matches_torch(case):
    op, ka, kb, (sa, sb), seed = case
    rng = np.random.default_rng(seed)
    a = make_operand(ka, sa, rng, "a", op)
    b = make_operand(kb, sb, rng, "b", op)
    run(op, a, b)


@settings(max_examples=60, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       ka=st.sampled_from(KINDS[:4]), kb=st.sampled_from(KINDS[:4]),
       seed=st.integers(0, 2**32 - 1))
def test_where_matches_torch(shapes, ka, kb, seed):
    rng = np.random.default_rng(seed)
    sc, sa, sb = shapes.input_shapes
    cond = rng.random(sc) > 0.5
    a, b = make_operand(ka, sa, rng, "a", "add"), make_operand(kb, sb, rng, "b", "add")
    t_a = torch.tensor(a, requires_grad=a.dtype.kind == "f")
    t_b = torch.tensor(b, requires_grad=b.dtype.kind == "f")
    c_a = cr.tensor(a, requires_grad=a.dtype.kind == "f")
    c_b = cr.tensor(b, requires_grad=b.dtype.kind == "f")
    want = torch.where(torch.tensor(cond), t_a, t_b)
    got = cr.where(cr.tensor(cond), c_a, c_b)
    assert_close(got, want, what="where forward", tol="tight")
    if want.requires_grad:
        want.sum().backward()
        got.sum().backward()
        for c, t in ((c_a, t_a), (c_b, t_b)):
            if t.requires_grad:
                assert_close(c.grad, t.grad, what="where gradient", tol="tight")


@st.composite
def matmul_shapes(draw):
    """1-D and N-D operands whose batch dims broadcast, as matmul allows."""
    n, k, m = (draw(st.integers(1, 5)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                   max_side=3)).input_shapes
    a_vec, b_vec = draw(st.booleans()), draw(st.booleans())
    sa = (k,) if a_vec else batch[0] + (n, k)
    sb = (k,) if b_vec else batch[1] + (k, m)
    return sa, sb


@settings(max_examples=80, deadline=None)
@given(shapes=matmul_shapes(), dtype=st.sampled_from(["float32", "float64"]),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_matches_torch(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shapes[0]).astype(dtype)
    b = rng.standard_normal(shapes[1]).astype(dtype)
    run("matmul", a, b, fn=lambda lib, x, y: x @ y)


@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3),
       seed=st.integers(0, 2**32 - 1), op=st.sampled_from(["add", "sub", "mul", "truediv"]))
def test_inplace_ops_match_torch(shapes, seed, op):
    """``x += y`` (no grad) broadcasts y into x's shape and keeps x's dtype, as in PyTorch."""
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    target = np.broadcast_shapes(sa, sb)
    a = rng.standard_normal(target).astype(np.float32)
    b = make_operand("float64", sb, rng, "b", op)
    t_a, c_a = torch.tensor(a), cr.tensor(a)
    inplace = getattr(operator, "i" + ("truediv" if op == "truediv" else op))
    t_a = inplace(t_a, torch.tensor(b))
    c_a = inplace(c_a, cr.tensor(b))
    assert_close(c_a, t_a, what=f"{op} in place", tol="binary")


UNARY = {
    "exp": lambda lib, x: x.exp(), "log": lambda lib, x: x.log(), "sqrt": lambda lib, x: x.sqrt(),
    "sin": lambda lib, x: lib.sin(x), "cos": lambda lib, x: lib.cos(x),
    "sigmoid": lambda lib, x: lib.sigmoid(x), "tanh": lambda lib, x: lib.tanh(x),
}  # (PyTorch has no softmax of integer tensors to compare with)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(UNARY)), dtype=st.sampled_from(["int64", "int32", "bool"]),
       shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=st.integers(0, 2**32 - 1))
def test_float_functions_of_integer_tensors_match_torch(name, dtype, shape, seed):
    """exp, log, sigmoid, tanh... of an integer tensor: float32 values, as PyTorch (not an
    int64 sigmoid rounded to 0/1, nor NumPy's float64)."""
    values = np.random.default_rng(seed).integers(1, 6, shape).astype(dtype)
    want = UNARY[name](torch, torch.tensor(values))
    got = UNARY[name](cr, cr.tensor(values))
    assert_close(got, want, what=f"{name} of {dtype}", tol="binary")
