"""Statistics (var_mean, std_mean, kthvalue, mode, quantile, nanquantile, cov, corrcoef), searching
(searchsorted, bucketize, isin), index builders (tril/triu_indices, cartesian_prod, combinations)
and more shapes (atleast_*d, h/v/dsplit, unflatten, block_diag) against PyTorch: values, dtypes,
gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import check, float_dtypes, randn, seeds

INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), data=st.data(), dtype=float_dtypes, seed=seeds,
       interpolation=st.sampled_from(INTERPOLATIONS), keepdim=st.booleans(), q_kind=st.sampled_from(["number", "1-D"]))
def test_quantile_equals_torch(shape, data, dtype, seed, interpolation, keepdim, q_kind):
    dim = data.draw(st.sampled_from([None, *range(-len(shape), len(shape))]))
    q = 0.37 if q_kind == "number" else np.array([0.0, 0.25, 0.6, 1.0], dtype=dtype)

    def fn(lib, x):
        qq = q if q_kind == "number" else lib.tensor(q.copy())
        return lib.quantile(x, qq, dim, keepdim, interpolation=interpolation)

    check(fn, randn(shape, dtype, seed), seed=seed)
    check(lambda lib, x: x.nanquantile(0.8, dim, keepdim, interpolation=interpolation), randn(shape, dtype, seed))


def test_quantile_with_nan_and_nanquantile_equal_torch(dtype):
    x = randn((3, 5), dtype, 1)
    x[0, 1] = np.nan
    x[2, :] = np.nan
    for dim in (None, 0, 1):
        for fn in ("quantile", "nanquantile"):
            check(lambda lib, t, fn=fn, dim=dim: getattr(lib, fn)(t, 0.4, dim), x, grad=False)


def test_quantile_errors_as_torch():
    x = np.arange(6.0).reshape(2, 3)
    for args, kwargs in [((1.5,), {}), ((0.5,), {"interpolation": "cubic"})]:
        for lib, err in ((chainrule, (RuntimeError, ValueError)), (torch, (RuntimeError, ValueError))):
            with pytest.raises(err) as caught:
                lib.quantile(lib.tensor(x), *args, **kwargs)
            assert "quantile()" in str(caught.value)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="input tensor must be either float or double dtype"):
            lib.quantile(lib.tensor([1, 2, 3]), 0.5)
        with pytest.raises(RuntimeError, match="q tensor must be same dtype as the input tensor"):
            lib.quantile(lib.tensor(x), lib.tensor([0.5], dtype=lib.float32))


@pytest.mark.parametrize("fn", ["var_mean", "std_mean"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": 1, "correction": 0},
                                    {"dim": 0, "unbiased": False}])
def test_var_mean_and_std_mean_equal_torch(fn, kwargs, dtype):
    check(lambda lib, x: getattr(lib, fn)(x, **kwargs), randn((3, 4, 2), dtype, 2))


@pytest.mark.parametrize("keepdim", [False, True])
def test_kthvalue_equals_torch(keepdim, dtype):
    x = randn((3, 6), dtype, 3)  # distinct values: which of equal values PyTorch picks is unspecified
    for k in (1, 3, 6):
        check(lambda lib, t, k=k: t.kthvalue(k, 1, keepdim), x)
        check(lambda lib, t, k=k: lib.kthvalue(t, min(k, 3), 0, keepdim), x)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="selected number k out of range"):
            lib.kthvalue(lib.tensor(x), 7, 1)


def test_mode_equals_torch_with_ties(dtype):
    """The smallest of the most frequent values, and the index of its last occurrence."""
    x = np.array([[3, 1, 2, 1, 3], [5, 5, 4, 4, 0], [7, 8, 9, 7, 7]], dtype=dtype)
    for dim, keepdim in ((1, False), (0, True), (-1, True)):
        check(lambda lib, t, dim=dim, keepdim=keepdim: t.mode(dim, keepdim), x)
    check(lambda lib, t: lib.mode(t), np.array([1, 2, 2, 1], dtype=dtype))


@pytest.mark.parametrize("weights", ["none", "fweights", "aweights", "both"])
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_cov_equals_torch(weights, correction, dtype):
    x = randn((3, 6), dtype, 4)
    fw = np.array([1, 2, 1, 3, 1, 2])
    aw = np.array([0.5, 1.0, 2.0, 1.0, 0.3, 0.7], dtype=dtype)

    def fn(lib, t):
        kw = {}
        if weights in ("fweights", "both"):
            kw["fweights"] = lib.tensor(fw)
        if weights in ("aweights", "both"):
            kw["aweights"] = lib.tensor(aw.copy())
        return lib.cov(t, correction=correction, **kw)

    check(fn, x)
    check(lambda lib, t: t.cov(), x[0])


def test_corrcoef_equals_torch(dtype):
    check(lambda lib, t: lib.corrcoef(t), randn((4, 7), dtype, 5))
    check(lambda lib, t: t.corrcoef(), randn((7,), dtype, 6), grad=False)


@pytest.mark.parametrize("kwargs", [{}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}])
def test_searchsorted_equals_torch(kwargs):
    rows = np.sort(randn((2, 6), np.float64, 7), axis=1)
    values = np.concatenate([randn((2, 3), np.float64, 8), rows[:, 2:4]], axis=1)  # exact hits test the side
    check(lambda lib, s, v: lib.searchsorted(s, v, **kwargs), rows, values, grad=False)
    check(lambda lib, s, v: lib.searchsorted(s, v, **kwargs), rows[0], values, grad=False)
    check(lambda lib, s: lib.searchsorted(s, float(rows[0, 3]), **kwargs), rows[0], grad=False)


def test_searchsorted_sorter_bucketize_isin_and_errors():
    seq, sorter = np.array([5, 1, 3, 9]), np.array([1, 2, 0, 3])
    check(lambda lib, s, v, o: lib.searchsorted(s, v, sorter=o), seq, np.array([2, 4, 9]), sorter, grad=False)
    for right in (False, True):
        check(lambda lib, x, b, right=right: lib.bucketize(x, b, right=right),
              np.array([[1, 6, 9], [3, 5, 10]]), np.array([1, 3, 5, 7, 9]), grad=False)
    check(lambda lib, a, b: (lib.isin(a, b), lib.isin(a, b, invert=True)),
          np.array([[1, 2], [3, 4]]), np.array([2, 3, 7]), grad=False)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="boundaries tensor should be 1 dimension or the first N-1"):
            lib.searchsorted(lib.tensor([[1, 2, 3], [4, 5, 6]]), lib.tensor([[1, 2]]))
        with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
            lib.searchsorted(lib.tensor([1, 2]), lib.tensor([1]), right=True, side="left")


@pytest.mark.parametrize("row,col,offset", [(3, 4, 1), (4, 3, -1), (3, 3, 0), (0, 3, 0), (5, 2, -3), (2, 5, 7)])
def test_triangle_indices_equal_torch(row, col, offset):
    for name in ("tril_indices", "triu_indices"):
        got, want = getattr(chainrule, name)(row, col, offset), getattr(torch, name)(row, col, offset)
        assert got.tolist() == want.tolist() and tuple(got.shape) == tuple(want.shape)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]


def test_cartesian_prod_and_combinations_equal_torch(dtype):
    a, b, c = randn((2,), dtype, 9), randn((3,), dtype, 10), randn((2,), dtype, 11)
    check(lambda lib, x, y, z: lib.cartesian_prod(x, y, z), a, b, c)
    check(lambda lib, x: lib.cartesian_prod(x), a)
    x = randn((4,), dtype, 12)
    for r, rep in ((2, False), (3, False), (2, True), (3, True), (5, False)):
        check(lambda lib, t, r=r, rep=rep: lib.combinations(t, r, with_replacement=rep), x)


def test_block_diag_equals_torch(dtype):
    check(lambda lib, a, b, c: lib.block_diag(a, b, c),
          randn((2, 3), dtype, 13), randn((4,), dtype, 14), randn((), dtype, 15))
    check(lambda lib, a, b: lib.block_diag(a, b), randn((1, 2), np.float32, 16), randn((2, 1), np.float64, 17))
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="Input tensors must have 2 or fewer dimensions"):
            lib.block_diag(lib.ones(2, 2, 2))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_atleast_nd_equal_torch(shape, dtype):
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        check(lambda lib, x, name=name: getattr(lib, name)(x), randn(shape, dtype, 18))
        check(lambda lib, x, y, name=name: getattr(lib, name)(x, y), randn(shape, dtype, 18), randn((2,), dtype, 19))


def test_splits_and_unflatten_equal_torch(dtype):
    check(lambda lib, x: x.hsplit(3), randn((2, 6), dtype, 20))
    check(lambda lib, x: lib.hsplit(x, [1, 4]), randn((6,), dtype, 21))
    check(lambda lib, x: lib.vsplit(x, [1, 4]), randn((6, 2), dtype, 22))
    check(lambda lib, x: x.dsplit(2), randn((2, 2, 4), dtype, 23))
    check(lambda lib, x: x.unflatten(1, (2, -1)), randn((2, 6, 3), dtype, 24))
    check(lambda lib, x: lib.unflatten(x, -1, (3, 1)), randn((2, 3), dtype, 25))
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="is not divisible by the split_size 3"):
            lib.hsplit(lib.ones(2, 5), 3)
        with pytest.raises(RuntimeError, match="requires a tensor with at least 3 dimension"):
            lib.dsplit(lib.ones(2, 5), 2)
        with pytest.raises(RuntimeError, match=r"Provided sizes \[4, -1\] don't multiply up"):
            lib.ones(2, 6).unflatten(1, (4, -1))
