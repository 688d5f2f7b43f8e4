"""Elementwise operations against PyTorch: arithmetic with broadcasting, unary functions, dtypes."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import chainrule
from torch_oracle import assert_close, broadcastable, check, float_dtypes, randn, seeds, shapes

BINARY = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
}


def _positive(shape, dtype, seed):
    return (np.abs(randn(shape, np.float64, seed)) + 0.5).astype(dtype)


# ------------------------------------------------------------------------------ arithmetic
@pytest.mark.parametrize("op", list(BINARY))
@settings(max_examples=25, deadline=None)
@given(pair=broadcastable(), dtype=float_dtypes, seed=seeds)
def test_binary_broadcast(op, pair, dtype, seed):
    """``a (op) b`` for every pair of broadcastable shapes: value and both gradients."""
    a = randn(pair[0], dtype, seed)
    b = randn(pair[1], dtype, seed + 1)
    if op == "div":
        b = _positive(pair[1], dtype, seed + 1)
    check(lambda lib, x, y: BINARY[op](x, y), a, b, seed=seed)


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("scalar", [2.5, -3, 0.5])
def test_binary_with_python_scalar_both_sides(op, scalar, dtype):
    """Tensor (op) scalar and the reflected scalar (op) Tensor keep the tensor's dtype."""
    a = _positive((3, 4), dtype, 1)
    check(lambda lib, x: BINARY[op](x, scalar), a)
    check(lambda lib, x: BINARY[op](scalar, x), a)


@pytest.mark.parametrize("name", list(BINARY))
def test_functional_and_method_forms(name, dtype):
    a, b = randn((2, 3), dtype, 0), _positive((3,), dtype, 1)
    check(lambda lib, x, y: getattr(lib, name)(x, y), a, b)
    check(lambda lib, x, y: getattr(x, name)(y), a, b)


def test_add_sub_alpha(dtype):
    a, b = randn((2, 3), dtype, 0), randn((2, 3), dtype, 1)
    check(lambda lib, x, y: x.add(y, alpha=2.0) - x.sub(y, alpha=0.5), a, b)


@settings(max_examples=20, deadline=None)
@given(pair=broadcastable(), dtype=float_dtypes, seed=seeds)
def test_pow_tensor_exponent(pair, dtype, seed):
    """``a ** b`` with both operands tensors: dA = G b a^(b-1), dB = G a^b log a."""
    a = _positive(pair[0], dtype, seed)
    b = randn(pair[1], dtype, seed + 1)
    check(lambda lib, x, y: x ** y, a, b, seed=seed)


@pytest.mark.parametrize("exponent", [2, 3, -1, 0.5, -1.5, 0, 1])
def test_pow_scalar_exponent(exponent, dtype):
    a = _positive((3, 4), dtype, 2)
    check(lambda lib, x: x ** exponent, a)
    check(lambda lib, x: x.pow(exponent), a)
    check(lambda lib, x: lib.pow(x, exponent), a)


@pytest.mark.parametrize("base", [2.0, 0.5, 3])
def test_pow_scalar_base(base, dtype):
    """The reflected form ``base ** x``: dX = G base^x log(base)."""
    check(lambda lib, x: base ** x, randn((4, 3), dtype, 3))


def test_pow_integer_exponent_of_negative_base(dtype):
    check(lambda lib, x: x ** 2 + x ** 3, randn((5,), dtype, 4))


def test_pow_zero_rules(dtype):
    """0 ** 0 = 1 with gradient 0; 0 ** 2 has gradient 0 (PyTorch's conventions)."""
    a = np.array([0.0, 0.0, 1.5, 2.0], dtype=dtype)
    b = np.array([0.0, 2.0, 0.0, 1.0], dtype=dtype)
    check(lambda lib, x, y: x ** y, a, b, grad=[True, False])
    check(lambda lib, x: x ** 0, a)
    check(lambda lib, x: x ** 2, a)


def test_neg(dtype):
    a = randn((3, 2), dtype)
    check(lambda lib, x: -x, a)
    check(lambda lib, x: x.neg(), a)
    check(lambda lib, x: lib.neg(x), a)


# ------------------------------------------------------------------------------ unary functions
UNARY = ["exp", "log", "sqrt", "abs", "sin", "cos", "sigmoid", "tanh", "relu"]
POSITIVE_ONLY = {"log", "sqrt"}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=10, deadline=None)
@given(shape=shapes(), dtype=float_dtypes, seed=seeds)
def test_unary(name, shape, dtype, seed):
    a = _positive(shape, dtype, seed) if name in POSITIVE_ONLY else randn(shape, dtype, seed)
    check(lambda lib, x: getattr(x, name)(), a, seed=seed)
    check(lambda lib, x: getattr(lib, name)(x), a, seed=seed)


def test_abs_builtin(dtype):
    check(lambda lib, x: abs(x), randn((2, 5), dtype))


def test_relu_gradient_at_zero_is_zero(dtype):
    a = np.array([-1.0, 0.0, 2.0], dtype=dtype)
    check(lambda lib, x: x.relu(), a)


def test_sigmoid_never_overflows(dtype):
    a = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is fine
        out = chainrule.tensor(a).sigmoid()
    assert np.all(np.isfinite(out._data))
    check(lambda lib, x: x.sigmoid(), a)


# ------------------------------------------------------------------ clamp, max/min, where
@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.3), (-0.2, None)])
def test_clamp(bounds, dtype):
    lo, hi = bounds
    a = randn((4, 5), dtype, 5)
    check(lambda lib, x: x.clamp(lo, hi), a)
    check(lambda lib, x: lib.clamp(x, min=lo, max=hi), a)
    check(lambda lib, x: lib.clip(x, lo, hi), a)
    check(lambda lib, x: x.clip(lo, hi), a)


def test_clamp_gradient_passes_at_the_bounds(dtype):
    a = np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=dtype)
    check(lambda lib, x: x.clamp(-0.5, 0.5), a)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@settings(max_examples=15, deadline=None)
@given(pair=broadcastable(), dtype=float_dtypes, seed=seeds)
def test_maximum_minimum(name, pair, dtype, seed):
    a, b = randn(pair[0], dtype, seed), randn(pair[1], dtype, seed + 1)
    check(lambda lib, x, y: getattr(lib, name)(x, y), a, b, seed=seed)
    check(lambda lib, x, y: getattr(x, name)(y), a, b, seed=seed)


@pytest.mark.parametrize("name", ["maximum", "minimum", "max", "min"])
def test_maximum_ties_split_the_gradient(name, dtype):
    a = np.array([1.0, 2.0, 3.0], dtype=dtype)
    b = np.array([1.0, 0.0, 3.0], dtype=dtype)
    if name in ("max", "min"):  # x.max(other) is the elementwise form
        check(lambda lib, x, y: getattr(x, name)(y), a, b)
    else:
        check(lambda lib, x, y: getattr(lib, name)(x, y), a, b)


@settings(max_examples=15, deadline=None)
@given(shapes3=broadcastable(3), dtype=float_dtypes, seed=seeds)
def test_where(shapes3, dtype, seed):
    cond = randn(shapes3[0], np.float64, seed) > 0
    a, b = randn(shapes3[1], dtype, seed + 1), randn(shapes3[2], dtype, seed + 2)
    check(lambda lib, c, x, y: lib.where(c, x, y), cond, a, b, seed=seed)


def test_where_with_scalar_branch(dtype):
    a = randn((3, 3), dtype, 6)
    check(lambda lib, x: lib.where(x > 0, x, 0.0), a)
    check(lambda lib, x: lib.where(x > 0, 1.0, x * 2), a)


# ------------------------------------------------------------------------------ comparisons
@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_give_bool_tensors_without_grad(op, dtype):
    fn = getattr(operator, op)
    a = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 2.0]], dtype=dtype)
    b = np.array([2.0, 2.0, 2.0], dtype=dtype)
    ca = chainrule.tensor(a, requires_grad=True)
    out = fn(ca, chainrule.tensor(b))
    assert out.dtype == chainrule.bool and not out.requires_grad and out.grad_fn is None
    assert_close(out, fn(torch.tensor(a), torch.tensor(b)))
    assert_close(fn(ca, 2.0), fn(torch.tensor(a), 2.0))
    assert_close(getattr(ca, op)(2.0), getattr(torch.tensor(a), op)(2.0))


# ------------------------------------------------------------------------------ dtype promotion
PROMOTION_CASES = [
    # (a dtype, a shape, b: dtype or Python scalar, b shape)
    (np.int64, (3,), 2.5, None),
    (np.int64, (3,), 2, None),
    (np.int64, (3,), np.int64, (3,)),
    (np.int32, (3,), np.int64, (3,)),
    (np.float32, (3,), np.float64, (3,)),
    (np.float64, (3,), np.float32, (3,)),
    (np.int64, (3,), np.float32, (3,)),
    (np.int64, (3,), np.float64, (3,)),
    (np.float32, (3,), 2, None),
    (np.float64, (3,), 0.5, None),
    (np.bool_, (3,), np.float32, (3,)),
    (np.bool_, (3,), 1.5, None),
    (np.float32, (3,), np.float64, ()),  # a 0-d tensor does not raise a dimensioned one's dtype
    (np.float64, (), np.float32, (3,)),
    (np.int64, (3,), np.float64, ()),  # ... unless it is of a higher category
    (np.float32, (), np.float64, (3,)),
]


def _operand(lib, dt, shape, seed):
    if shape is None:
        return dt  # a Python scalar
    arr = (np.abs(randn(shape, np.float64, seed)) * 3 + 1).astype(dt)
    return lib.tensor(arr)


@pytest.mark.parametrize("da,sa,db,sb", PROMOTION_CASES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum"])
def test_dtype_promotion_matches_torch(op, da, sa, db, sb):
    if op == "maximum" and sb is None:
        pytest.skip("maximum takes two tensors")
    if da is np.bool_ and op in ("sub", "pow"):
        pytest.skip("torch rejects bool subtraction")
    c_out = getattr(chainrule, op)(_operand(chainrule, da, sa, 0), _operand(chainrule, db, sb, 1))
    t_out = getattr(torch, op)(_operand(torch, da, sa, 0), _operand(torch, db, sb, 1))
    assert_close(c_out, t_out, what=f"{op}")


@pytest.mark.parametrize("name", ["int_div_int", "int_pow_float", "int_times_float32_tensor"])
def test_integer_tensor_arithmetic(name):
    ci, ti = chainrule.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    fns = {
        "int_div_int": lambda lib, i: i / (i + 1),
        "int_pow_float": lambda lib, i: i ** 0.5,
        "int_times_float32_tensor": lambda lib, i: i * lib.tensor([0.5, 1.5, 2.5]),
    }
    assert_close(fns[name](chainrule, ci), fns[name](torch, ti), what=name)


def test_float64_is_preserved_and_float32_never_upcast():
    c32 = chainrule.tensor(randn((4,), np.float32), requires_grad=True)
    out = ((c32 * 0.5 + 1) ** 2 / 3 - c32.exp()).sigmoid().sum()
    assert out.dtype == chainrule.float32
    out.backward()
    assert c32.grad.dtype == chainrule.float32
    c64 = chainrule.tensor(randn((4,), np.float64), requires_grad=True)
    assert (c64 * 0.5 + c64.sin()).dtype == chainrule.float64


@pytest.mark.parametrize("sa,sb", [((), ()), ((3,), ()), ((), (3,))])
def test_pow_mixed_precision_gradients_use_the_result_dtype(sa, sb):
    """float32 ** float64: d/dB = G Y log(A) is computed in the result's dtype, as torch does
    (float64 unless a dimensioned float32 base makes the result float32)."""
    a = _positive(sa, np.float32, 7)
    b = randn(sb, np.float64, 8)
    result32 = len(sa) > 0 and len(sb) == 0
    check(lambda lib, x, y: x ** y, a, b, dtype=np.float32 if result32 else None)
