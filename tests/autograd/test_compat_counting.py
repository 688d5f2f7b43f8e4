"""Tests of values and counting against PyTorch: isnan/isinf/isfinite, isclose/allclose/equal,
all/any, unique, histc and histogram. None of them has a gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import assert_close, float_dtypes, randn, seeds, shapes

SPECIAL = [1.0, -2.5, float("nan"), float("inf"), -float("inf"), 0.0]


def _both(make):
    return make(chainrule), make(torch)


def _same(make):
    c, t = _both(make)
    if isinstance(t, tuple):
        assert isinstance(c, tuple) and len(c) == len(t)
        for a, b in zip(c, t, strict=True):
            assert_close(a, b)
    elif isinstance(t, bool):
        assert c is t
    else:
        assert_close(c, t)


# ------------------------------------------------------------------------------ value tests
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_isnan_isinf_isfinite(name, dtype):
    data = np.array(SPECIAL, dtype=dtype)
    _same(lambda lib: getattr(lib, name)(lib.tensor(data)))
    _same(lambda lib: getattr(lib.tensor(data), name)())
    _same(lambda lib: getattr(lib, name)(lib.tensor([1, 2])))


@pytest.mark.parametrize("kwargs", [{}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 1e-3, "rtol": 0}])
def test_isclose_allclose(kwargs, dtype):
    a = np.array([1.0, 2.0, float("nan"), 100.0, 0.0, float("inf")], dtype=dtype)
    b = np.array([1.0, 2.00001, float("nan"), 101.0, 1e-4, float("inf")], dtype=dtype)
    _same(lambda lib: lib.isclose(lib.tensor(a), lib.tensor(b), **kwargs))
    _same(lambda lib: lib.tensor(a).isclose(lib.tensor(b), **kwargs))
    _same(lambda lib: lib.allclose(lib.tensor(a), lib.tensor(b), **kwargs))
    _same(lambda lib: lib.tensor(a[:2]).allclose(lib.tensor(b[:2]), **kwargs))


def test_isclose_broadcasts_and_checks():
    _same(lambda lib: lib.isclose(lib.ones(2, 3), lib.ones(3)))
    with pytest.raises(chainrule.ShapeError, match="isclose"):
        chainrule.isclose(chainrule.ones(3), chainrule.ones(2))
    with pytest.raises(TypeError, match="isclose.*chainrule.float32 and chainrule.float64"):
        chainrule.isclose(chainrule.ones(2), chainrule.ones(2, dtype=chainrule.float64))
    with pytest.raises(TypeError, match="'other' must be a Tensor"):
        chainrule.isclose(chainrule.ones(2), 1.0)


@pytest.mark.parametrize("a,b", [([1, 2], [1, 2]), ([1, 2], [1.0, 2.0]), ([1.0], [1.0, 1.0]), ([1.0, 2.0], [1.0, 3.0])])
def test_equal(a, b):
    _same(lambda lib: lib.equal(lib.tensor(a), lib.tensor(b)))
    _same(lambda lib: lib.tensor(a).equal(lib.tensor(b)))


@pytest.mark.parametrize("name", ["all", "any"])
@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=0), data=st.data(), seed=seeds)
def test_all_any(name, shape, data, seed):
    kind = data.draw(st.sampled_from(["bool", "float32", "int64"]))
    x = np.random.default_rng(seed).integers(0, 2, shape).astype(kind)
    n = max(len(shape), 1)
    dim = data.draw(st.none() | st.integers(-n, n - 1))
    keepdim = data.draw(st.booleans())
    if dim is None:
        _same(lambda lib: getattr(lib, name)(lib.tensor(x)))
        _same(lambda lib: getattr(lib.tensor(x), name)())
    else:
        _same(lambda lib: getattr(lib, name)(lib.tensor(x), dim, keepdim=keepdim))
        _same(lambda lib: getattr(lib.tensor(x), name)(dim=dim, keepdim=keepdim))


def test_all_any_of_uint8_and_over_several_dims():
    _same(lambda lib: lib.all(lib.tensor([1, 2, 0], dtype=lib.uint8)))
    _same(lambda lib: lib.any(lib.tensor([[0, 0], [0, 1]]), dim=(0, 1)))
    _same(lambda lib: lib.tensor([[True], [False]]).all(dim=1))


# ------------------------------------------------------------------------------ unique
@pytest.mark.parametrize("data", [[3, 1, 2, 3, 1, 5], [[1.5, -2.0], [1.5, 0.0]], [True, False, True], [7]])
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique(data, flags):
    inverse, counts = flags
    _same(lambda lib: lib.unique(lib.tensor(data), return_inverse=inverse, return_counts=counts))
    _same(lambda lib: lib.tensor(data).unique(sorted=True, return_inverse=inverse, return_counts=counts))


def test_unique_along_a_dim():
    rows = [[1, 2], [1, 2], [0, 1], [1, 0]]
    _same(lambda lib: lib.unique(lib.tensor(rows), dim=0, return_inverse=True, return_counts=True))
    _same(lambda lib: lib.unique(lib.tensor(rows), dim=1, return_inverse=True))


def test_unique_unsorted_holds_the_same_values():
    c = chainrule.unique(chainrule.tensor([3, 1, 3, 2]), sorted=False)
    t = torch.unique(torch.tensor([3, 1, 3, 2]), sorted=False)
    assert sorted(c.tolist()) == sorted(t.tolist())


# ------------------------------------------------------------------------------ histograms
@settings(max_examples=25, deadline=None)
@given(shape=shapes(min_dims=1), bins=st.integers(1, 12), dtype=float_dtypes, seed=seeds)
def test_histc_of_the_data_range(shape, bins, dtype, seed):
    x = randn(shape, dtype, seed)
    _same(lambda lib: lib.histc(lib.tensor(x), bins=bins))
    _same(lambda lib: lib.tensor(x).histc(bins))


@pytest.mark.parametrize("bins,lo,hi", [(5, 0, 10), (4, -1.0, 1.0), (3, 2, 2), (7, -0.5, 0.25)])
def test_histc_with_a_range(bins, lo, hi, dtype):
    x = np.array([0, 1, 5, 10, -1, 2.5, 0.25, -0.5, 2, 2], dtype=dtype)
    _same(lambda lib: lib.histc(lib.tensor(x), bins=bins, min=lo, max=hi))  # min == max: the data's range
    with_nan = np.append(x, np.nan)  # NaN is ignored inside a given range, and spoils the data's
    if lo != hi:
        _same(lambda lib: lib.histc(lib.tensor(with_nan), bins=bins, min=lo, max=hi))
    else:
        with pytest.raises(ValueError, match="not finite"):
            chainrule.histc(chainrule.tensor(with_nan), bins=bins, min=lo, max=hi)


def test_histc_of_constant_and_empty_data():
    _same(lambda lib: lib.histc(lib.tensor([2.0, 2.0, 2.0]), bins=4))
    _same(lambda lib: lib.histc(lib.tensor([], dtype=lib.float32), bins=3))
    _same(lambda lib: tuple(lib.histogram(lib.tensor([2.0, 2.0, 2.0]), bins=4)))
    _same(lambda lib: tuple(lib.histogram(lib.tensor([0.0, 1.0, 5.0]), bins=3, range=(2.0, 2.0))))


def test_histc_errors():
    with pytest.raises(ValueError, match="max must be larger than min"):
        chainrule.histc(chainrule.ones(3), bins=4, min=3, max=1)
    with pytest.raises(TypeError, match="histc.*floating point.*chainrule.int64"):
        chainrule.histc(chainrule.tensor([1, 2]), bins=4)
    with pytest.raises(ValueError, match="bins must be > 0"):
        chainrule.histc(chainrule.ones(3), bins=0)
    with pytest.raises(ValueError, match=r"range of \[0.0, inf\] is not finite"):
        chainrule.histc(chainrule.tensor([0.0, 1.0, float("inf")]), bins=3)
    with pytest.raises(RuntimeError, match="not finite"):
        torch.histc(torch.tensor([0.0, 1.0, float("inf")]), bins=3)


@pytest.mark.parametrize("kwargs", [
    {}, {"range": (-2.0, 2.0)}, {"density": True}, {"range": (0.0, 1.0), "density": True},
])
@pytest.mark.parametrize("bins", [1, 4, 10])
def test_histogram(bins, kwargs, dtype):
    x = randn((50,), dtype, 3)
    _same(lambda lib: tuple(lib.histogram(lib.tensor(x), bins, **kwargs)))


def test_histogram_with_edges_and_weights(dtype):
    x = randn((40,), dtype, 4)
    w = np.abs(randn((40,), dtype, 5))
    edges = np.array([-3.0, -1.0, 0.0, 0.5, 3.0], dtype=dtype)
    _same(lambda lib: tuple(lib.histogram(lib.tensor(x), lib.tensor(edges))))
    _same(lambda lib: tuple(lib.histogram(lib.tensor(x), bins=3, weight=lib.tensor(w))))
    _same(lambda lib: tuple(lib.histogram(lib.tensor(x), bins=lib.tensor(edges), weight=lib.tensor(w), density=True)))


def test_histogram_names_its_results():
    hist, edges = chainrule.histogram(chainrule.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
    result = chainrule.histogram(chainrule.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
    assert result.hist.tolist() == hist.tolist() == [0.0, 2.0, 1.0, 0.0]
    assert result.bin_edges.tolist() == edges.tolist() == [0.0, 0.75, 1.5, 2.25, 3.0]
