"""Rounding and integer division against PyTorch: floor, ceil, round, trunc, frac, sign,
floor_divide (``//``), remainder (``%``), fmod and div's rounding modes, in float and integer
dtypes, with broadcasting, scalars on either side, the in-place and ``out=`` forms, and the
gradients (zero for the roundings, none at all for floor_divide)."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.autograd import gradcheck
from torch_oracle import assert_close, broadcastable, check, float_dtypes, randn, seeds, shapes

ROUNDINGS = ["floor", "ceil", "round", "trunc", "fix", "frac", "sign"]
INTEGERS = [np.int32, np.int64]


def _quarters(shape, dtype, seed):
    """Values on a grid of quarters: ties (x.5) and integers occur, where roundings differ."""
    return np.round(randn(shape, np.float64, seed, scale=3.0) * 4).astype(dtype) / dtype(4)


def _divisors(shape, dtype, seed):
    """Nonzero values of either sign, at least 0.5 in magnitude."""
    rng = np.random.default_rng(seed)
    magnitude = np.abs(randn(shape, np.float64, seed)) + 0.5
    return (magnitude * rng.choice([-1.0, 1.0], size=shape)).astype(dtype)


def _integers(shape, dtype, seed, nonzero=False):
    values = np.random.default_rng(seed).integers(-20, 21, size=shape)
    if nonzero:
        values = np.where(values == 0, 3, values)
    return values.astype(dtype)


# ------------------------------------------------------------------ roundings
@pytest.mark.parametrize("name", ROUNDINGS)
@settings(max_examples=10, deadline=None)
@given(shape=shapes(), dtype=float_dtypes, seed=seeds)
def test_rounding(name, shape, dtype, seed):
    """Values (ties included) and gradients: zero for the roundings and sign, G for frac."""
    a = _quarters(shape, dtype, seed)
    check(lambda lib, x: getattr(lib, name)(x), a, seed=seed)
    check(lambda lib, x: getattr(x, name)(), a, seed=seed)


def test_round_half_to_even(dtype):
    a = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 3.7, -3.7], dtype=dtype)
    check(lambda lib, x: x.round(), a)


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 3])
@settings(max_examples=10, deadline=None)
@given(shape=shapes(max_dims=2, max_side=6), dtype=float_dtypes, seed=seeds)
def test_round_decimals(decimals, shape, dtype, seed):
    a = randn(shape, dtype, seed, scale=300.0)
    check(lambda lib, x: lib.round(x, decimals=decimals), a, seed=seed)
    check(lambda lib, x: x.round(decimals=decimals), a, seed=seed)


def test_round_decimals_ties():
    a = np.array([0.125, 0.375, 12.5, 125.0, 135.0, -125.0, 1.005], dtype=np.float64)
    check(lambda lib, x: lib.round(x, decimals=2), a)
    check(lambda lib, x: lib.round(x, decimals=-1), a)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "fix", "sign"])
@pytest.mark.parametrize("int_dtype", INTEGERS)
def test_rounding_of_integers_keeps_the_dtype(name, int_dtype):
    a = _integers((3, 4), int_dtype, 0)
    check(lambda lib, x: getattr(lib, name)(x), a)
    c = chainrule.tensor(a)
    assert not np.shares_memory(getattr(c, name)()._data, c._data)  # a copy, as torch's


@pytest.mark.parametrize("call", [lambda lib, x: lib.frac(x), lambda lib, x: lib.round(x, decimals=1)])
def test_integer_frac_and_round_decimals_are_refused(call):
    a = np.array([1, 2], dtype=np.int64)
    with pytest.raises(NotImplementedError):
        call(torch, torch.tensor(a))
    with pytest.raises(NotImplementedError, match="int64"):
        call(chainrule, chainrule.tensor(a))


def test_rounding_gradcheck():
    x = chainrule.tensor(np.array([0.3, -1.2, 2.6, -0.7]), requires_grad=True)  # away from the steps
    for fn in (chainrule.floor, chainrule.ceil, chainrule.trunc, chainrule.frac, chainrule.sign,
               lambda t: chainrule.round(t, decimals=1)):
        assert gradcheck(fn, (x,))


# ------------------------------------------------------------------ division family
DIVISIONS = {
    "floor_divide": lambda lib, x, y: lib.floor_divide(x, y),
    "remainder": lambda lib, x, y: lib.remainder(x, y),
    "fmod": lambda lib, x, y: lib.fmod(x, y),
    "div_floor": lambda lib, x, y: lib.div(x, y, rounding_mode="floor"),
    "div_trunc": lambda lib, x, y: lib.div(x, y, rounding_mode="trunc"),
    "div_none": lambda lib, x, y: lib.div(x, y, rounding_mode=None),
    "floordiv_operator": lambda lib, x, y: x // y,
    "mod_operator": lambda lib, x, y: x % y,
}
DIFFERENTIABLE = {"remainder", "fmod", "div_floor", "div_trunc", "div_none", "mod_operator"}


@pytest.mark.parametrize("name", list(DIVISIONS))
@settings(max_examples=15, deadline=None)
@given(pair=broadcastable(), dtype=float_dtypes, seed=seeds)
def test_division_float(name, pair, dtype, seed):
    """Values for every pair of broadcastable shapes and both signs; the gradients (remainder:
    dB = -G floor(A / B), fmod: dB = -G trunc(A / B), the rounded divs: zero)."""
    a = randn(pair[0], dtype, seed, scale=5.0)
    b = _divisors(pair[1], dtype, seed + 1)
    check(lambda lib, x, y: DIVISIONS[name](lib, x, y), a, b, seed=seed, grad=name in DIFFERENTIABLE)


@pytest.mark.parametrize("name", list(DIVISIONS))
@settings(max_examples=15, deadline=None)
@given(pair=broadcastable(), int_dtype=st.sampled_from(INTEGERS), seed=seeds)
def test_division_integer(name, pair, int_dtype, seed):
    """Integers stay integers (but ``/`` gives floats); the signs follow Python (//, %) or C (fmod, trunc)."""
    a = _integers(pair[0], int_dtype, seed)
    b = _integers(pair[1], int_dtype, seed + 1, nonzero=True)
    check(lambda lib, x, y: DIVISIONS[name](lib, x, y), a, b)


@pytest.mark.parametrize("name", ["floordiv_operator", "mod_operator"])
@pytest.mark.parametrize("scalar", [2, -3, 2.5, -1.5])
def test_operators_with_a_scalar_on_either_side(name, scalar, dtype):
    a = _divisors((3, 4), dtype, 0) * dtype(3)
    check(lambda lib, x: DIVISIONS[name](lib, x, scalar), a, grad=name == "mod_operator")
    check(lambda lib, x: DIVISIONS[name](lib, scalar, x), a, grad=False)


def test_remainder_of_a_number_has_no_derivative(dtype):
    """torch gives ``number % x`` no derivative: backward raises, in both libraries; a 0-d tensor
    dividend has one (dB = -G floor(A / B))."""
    a = _divisors((4,), dtype, 2)
    for lib in (torch, chainrule):
        x = lib.tensor(a.copy(), requires_grad=True)
        with pytest.raises(RuntimeError, match="derivative for .*remainder is not implemented"):
            (2.5 % x).sum().backward()
    check(lambda lib, x: lib.remainder(lib.tensor(2.5, dtype=x.dtype), x), a)


@pytest.mark.parametrize("name", ["floordiv_operator", "mod_operator", "remainder", "fmod", "div_trunc",
                                  "div_floor", "div_none"])
@pytest.mark.parametrize("scalar", [2, -3, 2.5])
def test_integer_tensor_with_a_scalar(name, scalar):
    """int64 (op) int stays int64; int64 (op) float is float32, as torch's promotion says."""
    a = _integers((5,), np.int64, 1, nonzero=True)
    check(lambda lib, x: DIVISIONS[name](lib, x, scalar), a)
    if name in ("floordiv_operator", "mod_operator", "remainder"):
        check(lambda lib, x: DIVISIONS[name](lib, scalar, x), a)


@pytest.mark.parametrize("name", list(DIVISIONS))
@pytest.mark.parametrize("da,db", [(np.int32, np.int64), (np.int64, np.float32), (np.float32, np.float64),
                                   (np.float64, np.int32)])
def test_division_dtype_promotion(name, da, db):
    a = (np.arange(-6, 6) * 1.75).astype(da)
    b = np.where(np.arange(12) % 2, 4, -3).astype(db)
    check(lambda lib, x, y: DIVISIONS[name](lib, x, y), a, b, grad=False)
    check(lambda lib, x, y: DIVISIONS[name](lib, x, y[0]), a, b, grad=False)  # a 0-d divisor


def test_true_divide_and_divide_aliases(dtype):
    a, b = randn((2, 3), dtype, 0), _divisors((3,), dtype, 1)
    check(lambda lib, x, y: lib.true_divide(x, y) + lib.divide(x, y) + x.true_divide(y) + x.divide(y), a, b)
    check(lambda lib, x, y: lib.divide(x, y, rounding_mode="floor") + x.div(y, rounding_mode="trunc"), a, b)
    ints = _integers((4,), np.int64, 2, nonzero=True)
    check(lambda lib, x, y: lib.true_divide(x, y), ints, ints[::-1].copy())


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod", "div_floor", "div_trunc",
                                  "floordiv_operator", "mod_operator"])
@pytest.mark.parametrize("divisor", ["tensor", "scalar"])
def test_integer_division_by_zero_raises(name, divisor):
    a = np.array([4, -5, 6], dtype=np.int64)
    zero = (lambda lib: lib.tensor([1, 0, 2])) if divisor == "tensor" else (lambda lib: 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        DIVISIONS[name](torch, torch.tensor(a), zero(torch))
    with pytest.raises(RuntimeError, match="ZeroDivisionError") as info:
        DIVISIONS[name](chainrule, chainrule.tensor(a), zero(chainrule))
    assert isinstance(info.value, ZeroDivisionError)


@pytest.mark.parametrize("name", list(DIVISIONS))
def test_float_division_by_zero_gives_inf_and_nan(name, dtype):
    a = np.array([1.5, -2.0, 0.0, 3.0], dtype=dtype)
    b = np.array([0.0, 0.0, 0.0, -0.0], dtype=dtype)
    check(lambda lib, x, y: DIVISIONS[name](lib, x, y), a, b, grad=False)
    check(lambda lib, x: DIVISIONS[name](lib, x, 0.0), a, grad=False)


def test_floor_divide_has_no_derivative(dtype):
    """As torch: the result requires grad, and backward through it raises."""
    a = randn((3,), dtype, 0)
    for lib in (torch, chainrule):
        x = lib.tensor(a.copy(), requires_grad=True)
        for y in (lib.floor_divide(x, 2.0), x // 2.0, x.floor_divide(2.0)):
            assert y.requires_grad
            with pytest.raises(RuntimeError, match="derivative for .*floor_divide is not implemented"):
                y.sum().backward()


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_fmod_gradcheck(name):
    a = np.array([[3.3, -3.3, 0.7], [5.1, -0.4, 2.2]])
    b = np.array([1.3, -1.7, 2.9])  # no quotient near an integer: the steps are eps away at the least
    x, y = (chainrule.tensor(v, requires_grad=True) for v in (a, b))
    assert gradcheck(getattr(chainrule, name), (x, y))
    assert gradcheck(lambda t: getattr(chainrule, name)(t, -1.3), (x,))
    assert gradcheck(lambda t, u: chainrule.div(t, u, rounding_mode="floor"), (x, y))


# ------------------------------------------------------------------ forms: method, in place, out=
INPLACE = {
    "floor_": lambda x: x.floor_(),
    "ceil_": lambda x: x.ceil_(),
    "round_": lambda x: x.round_(),
    "round_decimals": lambda x: x.round_(decimals=1),
    "trunc_": lambda x: x.trunc_(),
    "fix_": lambda x: x.fix_(),
    "frac_": lambda x: x.frac_(),
    "sign_": lambda x: x.sign_(),
    "remainder_": lambda x: x.remainder_(1.5),
    "fmod_": lambda x: x.fmod_(-1.5),
    "floor_divide_": lambda x: x.floor_divide_(1.5),
    "div_floor_": lambda x: x.div_(1.5, rounding_mode="floor"),
    "div_trunc_": lambda x: x.div_(-1.5, rounding_mode="trunc"),
    "ifloordiv": lambda x: x.__ifloordiv__(2),
    "imod": lambda x: x.__imod__(2),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms(name, dtype):
    """On a plain tensor: the memory is changed and the same tensor returned; inside a graph (a
    non-leaf that requires grad) the change is recorded with the op's gradient."""
    a = _quarters((3, 4), dtype, 3)
    for lib in (chainrule, torch):
        t = lib.tensor(a.copy())
        assert INPLACE[name](t) is t
    check(lambda lib, x: INPLACE[name](x.clone()), a, grad=False)
    if name not in ("floor_divide_", "ifloordiv"):
        check(lambda lib, x: INPLACE[name](x * 1), a)


def test_augmented_operators_on_integers():
    a = _integers((6,), np.int64, 4, nonzero=True)
    for op in (operator.ifloordiv, operator.imod):
        c, t = chainrule.tensor(a.copy()), torch.tensor(a.copy())
        c, t = op(c, 3), op(t, 3)
        assert_close(c, t)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "fix", "frac", "sign"])
def test_unary_out(name, dtype):
    a = _quarters((2, 3), dtype, 5)
    co, to = chainrule.empty(2, 3, dtype=dtype), torch.empty(2, 3, dtype=getattr(torch, np.dtype(dtype).name))
    assert getattr(chainrule, name)(chainrule.tensor(a), out=co) is co
    getattr(torch, name)(torch.tensor(a), out=to)
    assert_close(co, to)


@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide", "div"])
def test_binary_out(name, dtype):
    a, b = randn((2, 3), dtype, 0, scale=4.0), _divisors((3,), dtype, 1)
    kwargs = {"rounding_mode": "floor"} if name == "div" else {}
    co, to = chainrule.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=getattr(torch, np.dtype(dtype).name))
    assert getattr(chainrule, name)(chainrule.tensor(a), chainrule.tensor(b), out=co, **kwargs) is co
    getattr(torch, name)(torch.tensor(a), torch.tensor(b), out=to, **kwargs)
    assert_close(co, to)
    co, to = chainrule.zeros(3, dtype=dtype), torch.zeros(3, dtype=to.dtype)
    chainrule.round(chainrule.tensor(b), decimals=1, out=co)
    torch.round(torch.tensor(b), decimals=1, out=to)
    assert_close(co, to)


# ------------------------------------------------------------------ errors
def test_unknown_rounding_mode():
    for lib in (torch, chainrule):
        with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
            lib.div(lib.tensor([1.0]), 2, rounding_mode="round")


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod"])
def test_broadcast_error_names_the_op(name):
    x, y = chainrule.ones(2, 3), chainrule.ones(4)
    with pytest.raises(chainrule.ShapeError, match=rf"{name}: shapes \(2, 3\) and \(4,\)"):
        getattr(chainrule, name)(x, y)
    with pytest.raises(chainrule.ShapeError, match=r"div: shapes \(2, 3\) and \(4,\)"):
        chainrule.div(x, y, rounding_mode="trunc")
