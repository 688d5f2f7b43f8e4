"""flip, roll, prod, cumprod, median, nonzero, masked_select, repeat_interleave, narrow, tile, the
stacks, the comparisons and logical ops, erf, square, sgn, nan_to_num, diff, count_nonzero,
bincount, finfo and iinfo against PyTorch: values, dtypes and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import assert_close, broadcastable, check, float_dtypes, pair, randn, seeds, shapes


def _dim(shape, draw_index):
    """A dim of ``shape`` from a drawn integer, negative half the time (0 for a 0-d shape)."""
    n = max(len(shape), 1)
    return draw_index % n - (n if draw_index % 2 else 0)


# ------------------------------------------------------------------------------ moving elements
@settings(max_examples=25, deadline=None)
@given(shape=shapes(1, 4), dtype=float_dtypes, seed=seeds, k=st.integers(0, 7))
def test_flip_roll_narrow(shape, dtype, seed, k):
    a = randn(shape, dtype, seed)
    d = _dim(shape, k)
    check(lambda lib, x: lib.flip(x, [d]), a, seed=seed)
    check(lambda lib, x: x.flip(0, -1) if x.dim() > 1 else x.flip(0), a, seed=seed)
    check(lambda lib, x: lib.roll(x, k - 3, d), a, seed=seed)
    check(lambda lib, x: x.roll(k), a, seed=seed)
    check(lambda lib, x: lib.roll(x, (1, -2), (0, -1)), a, seed=seed)
    size = shape[d]
    check(lambda lib, x: lib.narrow(x, d, size // 2, size - size // 2), a, seed=seed)
    check(lambda lib, x: x.narrow(d, -1, 1), a, seed=seed)


@settings(max_examples=25, deadline=None)
@given(shape=shapes(0, 3), dtype=float_dtypes, seed=seeds,
       reps=st.lists(st.integers(0, 3), min_size=0, max_size=4))
def test_tile(shape, dtype, seed, reps):
    a = randn(shape, dtype, seed)
    check(lambda lib, x: lib.tile(x, reps), a, seed=seed)
    if reps:
        check(lambda lib, x: x.tile(*reps), a, seed=seed)


@settings(max_examples=25, deadline=None)
@given(shape=shapes(0, 3), dtype=float_dtypes, seed=seeds, k=st.integers(0, 7))
def test_repeat_interleave(shape, dtype, seed, k):
    a = randn(shape, dtype, seed)
    check(lambda lib, x: lib.repeat_interleave(x, k % 3), a, seed=seed)
    d = _dim(shape, k)
    if shape:  # torch refuses a dim for a 0-d tensor
        check(lambda lib, x: x.repeat_interleave(2, dim=d), a, seed=seed)
        counts = np.arange(shape[d]) % 3
        check(lambda lib, x: x.repeat_interleave(lib.tensor(counts), dim=d), a, seed=seed)


def test_repeat_interleave_counts_alone():
    counts = np.array([2, 0, 1, 3])
    assert_close(chainrule.repeat_interleave(chainrule.tensor(counts)), torch.repeat_interleave(torch.tensor(counts)))


@pytest.mark.parametrize("name", ["hstack", "vstack", "column_stack"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 2)])
def test_stacks(name, shape, dtype):
    a, b = randn(shape, dtype, 0), randn(shape, dtype, 1)
    check(lambda lib, x, y: getattr(lib, name)([x, y, x]), a, b)


def test_stacks_out():
    c_out, t_out = chainrule.empty(0), torch.empty(0)
    chainrule.vstack([chainrule.ones(3), chainrule.zeros(3)], out=c_out)
    torch.vstack([torch.ones(3), torch.zeros(3)], out=t_out)
    assert_close(c_out, t_out)


# ------------------------------------------------------------------------------ products
@settings(max_examples=30, deadline=None)
@given(shape=shapes(0, 4), dtype=float_dtypes, seed=seeds, k=st.integers(0, 7), keepdim=st.booleans(),
       zeros=st.integers(0, 3))
def test_prod(shape, dtype, seed, k, keepdim, zeros):
    """Zeros included: one zero in a slice gets the product of the others, two give 0."""
    a = randn(shape, dtype, seed)
    flat = a.reshape(-1)
    flat[np.random.default_rng(seed).integers(0, flat.size, zeros)] = 0
    d = _dim(shape, k)
    check(lambda lib, x: lib.prod(x), a, seed=seed)
    check(lambda lib, x: x.prod(d, keepdim=keepdim), a, seed=seed)
    check(lambda lib, x: lib.prod(x, dim=d, dtype=lib.float64), a, seed=seed)


@settings(max_examples=30, deadline=None)
@given(shape=shapes(0, 4), dtype=float_dtypes, seed=seeds, k=st.integers(0, 7), zeros=st.integers(0, 3))
def test_cumprod(shape, dtype, seed, k, zeros):
    a = randn(shape, dtype, seed)
    flat = a.reshape(-1)
    flat[np.random.default_rng(seed).integers(0, flat.size, zeros)] = 0
    d = _dim(shape, k)
    check(lambda lib, x: lib.cumprod(x, d), a, seed=seed)
    check(lambda lib, x: x.cumprod(dim=d), a, seed=seed)


@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, 0.0, 4.0], [2.0, 0.0, 3.0, 4.0], [0.0, 5.0, 0.5], [1.5, 2.0, 0.0]])
def test_products_around_zeros(values, dtype):
    a = np.array(values, dtype=dtype)
    check(lambda lib, x: lib.cumprod(x, 0), a)
    check(lambda lib, x: lib.prod(x), a)
    check(lambda lib, x: lib.prod(lib.stack([x, x * 2]), 1), a)


@pytest.mark.parametrize("int_dtype", [np.int64, np.int32, np.bool_])
def test_products_of_integers(int_dtype):
    a = (np.arange(1, 7).reshape(2, 3) % 4).astype(int_dtype)
    check(lambda lib, x: lib.prod(x), a)
    check(lambda lib, x: x.prod(1), a)
    check(lambda lib, x: lib.cumprod(x, 1), a)


def test_prod_cumprod_out():
    for name, args in (("prod", (1,)), ("cumprod", (1,))):
        x = randn((2, 3), np.float32, 0)
        c_out, t_out = chainrule.empty(0), torch.empty(0)
        getattr(chainrule, name)(chainrule.tensor(x), *args, out=c_out)
        getattr(torch, name)(torch.tensor(x), *args, out=t_out)
        assert_close(c_out, t_out)


# ------------------------------------------------------------------------------ median
@settings(max_examples=30, deadline=None)
@given(shape=shapes(0, 4), dtype=float_dtypes, seed=seeds, k=st.integers(0, 7), keepdim=st.booleans())
def test_median(shape, dtype, seed, k, keepdim):
    """Distinct values (the index torch picks among ties is unspecified); even counts take the lower middle."""
    a = randn(shape, dtype, seed)
    d = _dim(shape, k)
    check(lambda lib, x: lib.median(x), a, seed=seed)
    check(lambda lib, x: tuple(x.median(d, keepdim=keepdim)), a, seed=seed)
    check(lambda lib, x: lib.median(x, dim=d).values, a, seed=seed)


def test_median_ties_share_the_gradient(dtype):
    """median() over all elements: equal winners split the gradient, as torch's does."""
    check(lambda lib, x: lib.median(x), np.array([3.0, 1.0, 2.0, 1.0, 1.0, 5.0], dtype=dtype))


def test_median_integers_and_nan():
    ints = np.array([[4, 1, 3, 2], [7, 7, 0, 9]])
    check(lambda lib, x: (lib.median(x), x.median(1).values), ints)
    c, t = pair(np.array([[1.0, np.nan, 0.0], [2.0, 1.0, 3.0]]))
    assert_close(chainrule.median(c), torch.median(t))
    got, want = chainrule.median(c, 1), torch.median(t, 1)
    assert_close(got.values, want.values)
    assert_close(got.indices, want.indices)


# ------------------------------------------------------------------------------ selections
@settings(max_examples=25, deadline=None)
@given(shapes_=broadcastable(), dtype=float_dtypes, seed=seeds)
def test_masked_select(shapes_, dtype, seed):
    a = randn(shapes_[0], dtype, seed)
    mask = randn(shapes_[1], np.float64, seed + 1) > 0
    check(lambda lib, x, m: lib.masked_select(x, m), a, mask, seed=seed)
    check(lambda lib, x, m: x.masked_select(m), a, mask, seed=seed)


@settings(max_examples=25, deadline=None)
@given(shape=shapes(0, 4), seed=seeds)
def test_nonzero(shape, seed):
    a = np.round(randn(shape, np.float64, seed)).astype(np.int64)
    check(lambda lib, x: lib.nonzero(x), a)
    check(lambda lib, x: x.nonzero(as_tuple=True), a)
    check(lambda lib, x: lib.nonzero(x > 0, as_tuple=True), a)


@settings(max_examples=25, deadline=None)
@given(shape=shapes(0, 4), seed=seeds, k=st.integers(0, 7))
def test_count_nonzero(shape, seed, k):
    a = np.round(randn(shape, np.float64, seed))
    check(lambda lib, x: lib.count_nonzero(x), a)
    check(lambda lib, x: x.count_nonzero(_dim(shape, k)), a)
    if len(shape) > 1:
        check(lambda lib, x: lib.count_nonzero(x, dim=(0, -1)), a)


@pytest.mark.parametrize("weights", [None, np.float32, np.float64])
@pytest.mark.parametrize("minlength", [0, 3, 9])
def test_bincount(weights, minlength):
    values = np.array([0, 3, 3, 1, 5, 3])
    args = [values] if weights is None else [values, randn(values.shape, weights, 1)]
    check(lambda lib, x, *w: lib.bincount(x, *w, minlength=minlength), *args, grad=False)
    check(lambda lib, x, *w: x.bincount(*w), *args, grad=False)
    empty = np.zeros(0, np.int64)
    assert_close(chainrule.bincount(chainrule.tensor(empty)), torch.bincount(torch.tensor(empty)))


# ------------------------------------------------------------------------------ comparisons, logic
COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"]
LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", COMPARISONS + LOGICAL)
@settings(max_examples=15, deadline=None)
@given(shapes_=broadcastable(), seed=seeds)
def test_comparisons_and_logic(name, shapes_, seed):
    a = np.round(randn(shapes_[0], np.float32, seed))
    b = np.round(randn(shapes_[1], np.float32, seed + 1))
    check(lambda lib, x, y: getattr(lib, name)(x, y), a, b)
    check(lambda lib, x, y: getattr(x, name)(y), a, b)
    if name in COMPARISONS:  # the logical ops take tensors only
        check(lambda lib, x: getattr(lib, name)(x, 0), a)
    check(lambda lib, x, y: getattr(lib, name)(x, y), a.astype(np.int64), b > 0)


def test_logical_not_and_out():
    a = np.array([0.0, 1.5, -2.0, 0.0])
    check(lambda lib, x: (lib.logical_not(x), x.logical_not()), a)
    c_out, t_out = chainrule.empty(4, dtype=chainrule.bool), torch.empty(4, dtype=torch.bool)
    chainrule.lt(chainrule.tensor(a), 1, out=c_out)
    torch.lt(torch.tensor(a), 1, out=t_out)
    assert_close(c_out, t_out)
    chainrule.logical_not(chainrule.tensor(a), out=c_out)
    torch.logical_not(torch.tensor(a), out=t_out)
    assert_close(c_out, t_out)


# ------------------------------------------------------------------------------ elementwise
@pytest.mark.parametrize("name", ["erf", "square", "sgn", "nan_to_num"])
@settings(max_examples=20, deadline=None)
@given(shape=shapes(0, 4), dtype=float_dtypes, seed=seeds)
def test_unary(name, shape, dtype, seed):
    a = randn(shape, dtype, seed, scale=2.0)
    if name == "sgn":  # torch's gradient is a ZeroTensor, which does not convert to NumPy
        check(lambda lib, x: (lib.sgn(x), x.sgn()), a, grad=False)
        x = chainrule.tensor(a, requires_grad=True)
        chainrule.sgn(x).sum().backward()
        assert not np.any(x.grad._data)
        return
    check(lambda lib, x: getattr(lib, name)(x), a, seed=seed)
    check(lambda lib, x: getattr(x, name)(), a, seed=seed)


@pytest.mark.parametrize("name", ["erf", "square", "sgn", "nan_to_num"])
@pytest.mark.parametrize("int_dtype", [np.int64, np.int32])
def test_unary_of_integers(name, int_dtype):
    check(lambda lib, x: getattr(lib, name)(x), np.array([[-3, 0], [2, 5]], dtype=int_dtype))


def test_unary_out():
    x = randn((2, 3), np.float32, 0)
    for name in ("erf", "square", "sgn", "nan_to_num"):
        c_out, t_out = chainrule.empty(2, 3), torch.empty(2, 3)
        getattr(chainrule, name)(chainrule.tensor(x), out=c_out)
        getattr(torch, name)(torch.tensor(x), out=t_out)
        assert_close(c_out, t_out, what=name)


@pytest.mark.parametrize("kwargs", [{}, {"nan": 1.5}, {"posinf": 9.0, "neginf": -7.0}, {"posinf": 1e300}])
def test_nan_to_num_replacements(kwargs, dtype):
    """NaN and the infinities get no gradient; finite elements pass it through."""
    a = np.array([[np.nan, 1.0, np.inf], [-np.inf, -2.5, 0.0]], dtype=dtype)
    check(lambda lib, x: lib.nan_to_num(x, **kwargs), a)
    check(lambda lib, x: x.nan_to_num(**kwargs), a)


def test_erf_tails(dtype):
    check(lambda lib, x: lib.erf(x), np.array([-30.0, -4.0, -1e-8, 0.0, 0.3, 6.0, np.inf], dtype=dtype))


# ------------------------------------------------------------------------------ diff
@settings(max_examples=25, deadline=None)
@given(shape=shapes(1, 4), dtype=float_dtypes, seed=seeds, k=st.integers(0, 7), n=st.integers(0, 3))
def test_diff(shape, dtype, seed, k, n):
    a = randn(shape, dtype, seed)
    d = _dim(shape, k)
    check(lambda lib, x: lib.diff(x, n, d), a, seed=seed)
    side = list(shape)
    side[d] = 2
    b, c = randn(side, dtype, seed + 1), randn(side, dtype, seed + 2)
    check(lambda lib, x, p, q: x.diff(n=n, dim=d, prepend=p, append=q), a, b, c, seed=seed)
    check(lambda lib, x, p: lib.diff(x, dim=d, append=p), a, b, seed=seed)


def test_diff_of_integers_and_bools():
    check(lambda lib, x: lib.diff(x, n=2), np.array([1, 4, 9, 16, 25]))
    check(lambda lib, x: lib.diff(x), np.array([True, False, False, True]))


# ------------------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("name", ["float32", "float64", "float16"])
def test_finfo(name):
    got, want = chainrule.finfo(getattr(chainrule, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(got, attr) == getattr(want, attr), attr
    assert chainrule.finfo().dtype == torch.finfo().dtype


@pytest.mark.parametrize("name", ["int64", "int32", "int16", "int8", "uint8"])
def test_iinfo(name):
    got, want = chainrule.iinfo(getattr(chainrule, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(got, attr) == getattr(want, attr), attr


def test_is_floating_point():
    for values in ([1.0], [1], [True]):
        assert chainrule.is_floating_point(chainrule.tensor(values)) == torch.is_floating_point(torch.tensor(values))
    assert chainrule.is_floating_point(chainrule.tensor([1.0], dtype=chainrule.float16))


# ------------------------------------------------------------------------------ errors teach
@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: chainrule.flip(chainrule.zeros(2, 3), [2]), IndexError, "flip"),
    (lambda: chainrule.flip(chainrule.zeros(2, 3), [0, -2]), ValueError, "more than once"),
    (lambda: chainrule.roll(chainrule.zeros(2, 3), (1, 2), 0), ValueError, "same length"),
    (lambda: chainrule.narrow(chainrule.zeros(3), 0, 2, 2), chainrule.ShapeError, "exceeds dimension 0 of size 3"),
    (lambda: chainrule.narrow(chainrule.zeros(3), 0, 5, 0), IndexError, "out of range"),
    (lambda: chainrule.tile(chainrule.zeros(3), (-1,)), ValueError, "non-negative"),
    (lambda: chainrule.repeat_interleave(chainrule.zeros(2, 3), chainrule.tensor([1, 2]), dim=1),
     chainrule.ShapeError, "has size 3"),
    (lambda: chainrule.prod(chainrule.zeros(2, 3), 2), IndexError, "prod"),
    (lambda: chainrule.cumprod(chainrule.zeros(2, 3), -3), IndexError, "cumprod"),
    (lambda: chainrule.median(chainrule.zeros(0)), RuntimeError, "empty"),
    (lambda: chainrule.median(chainrule.zeros(2, 0), 1), IndexError, "empty"),
    (lambda: chainrule.masked_select(chainrule.zeros(2, 3), chainrule.ones(2, 3)), TypeError, "bool"),
    (lambda: chainrule.masked_select(chainrule.zeros(2, 3), chainrule.ones(4, dtype=chainrule.bool)),
     chainrule.ShapeError, "(4,) and input of shape (2, 3)"),
    (lambda: chainrule.bincount(chainrule.tensor([1, -1])), ValueError, "non-negative"),
    (lambda: chainrule.bincount(chainrule.tensor([[1]])), chainrule.ShapeError, "1-D"),
    (lambda: chainrule.bincount(chainrule.tensor([1, 2]), chainrule.ones(3)), chainrule.ShapeError, "weights"),
    (lambda: chainrule.eq(chainrule.zeros(2), chainrule.zeros(3)), chainrule.ShapeError, "(2,) and (3,)"),
    (lambda: chainrule.diff(chainrule.tensor(1.0)), chainrule.ShapeError, "diff"),
    (lambda: chainrule.vstack(chainrule.zeros(2)), TypeError, "vstack"),
    (lambda: chainrule.finfo(chainrule.int64), TypeError, "iinfo"),
    (lambda: chainrule.iinfo(chainrule.float32), TypeError, "finfo"),
])
def test_errors_name_the_op_and_shapes(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_out_refused_with_grad():
    x = chainrule.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        chainrule.prod(x, 0, out=chainrule.empty(()))
