"""Reductions against PyTorch: sum mean var std max min amax amin argmax argmin logsumexp norm."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import assert_close, check, float_dtypes, randn, seeds, shapes


@st.composite
def shape_and_dims(draw, min_dims=1, allow_none=True):
    """A shape and a ``dim`` argument for it: None, an int (maybe negative) or a tuple of ints."""
    shape = draw(shapes(min_dims=min_dims, max_dims=4))
    n = len(shape)
    kinds = ["int", "tuple"] + (["none"] if allow_none else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return shape, None
    if kind == "int":
        return shape, draw(st.integers(-n, n - 1))
    axes = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    return shape, tuple(a - n if draw(st.booleans()) else a for a in axes)


def _call(lib, x, name, dim, keepdim, **kw):
    """``x.name(...)`` with dim omitted when None (the full reduction)."""
    if dim is None:
        return getattr(x, name)(**kw)
    return getattr(x, name)(dim, keepdim=keepdim, **kw)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin"])
@settings(max_examples=25, deadline=None)
@given(sd=shape_and_dims(), keepdim=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_reduction_over_dims(name, sd, keepdim, dtype, seed):
    """The method ``x.name(dim, keepdim=...)`` and the function ``lib.name(x, dim=..., keepdim=...)``."""
    shape, dim = sd
    a = randn(shape, dtype, seed)
    check(lambda lib, x: _call(lib, x, name, dim, keepdim), a, seed=seed)
    if dim is None:
        check(lambda lib, x: getattr(lib, name)(x), a, seed=seed)
    else:
        check(lambda lib, x: getattr(lib, name)(x, dim=dim, keepdim=keepdim), a, seed=seed)


def test_sum_of_a_scalar_and_of_integers(dtype):
    check(lambda lib, x: x.sum(), np.array(2.5, dtype=dtype))
    ints = np.array([[1, 2], [3, 4]], dtype=np.int32)
    assert_close(chainrule.tensor(ints).sum(0), torch.tensor(ints).sum(0))  # int32 sums to int64


@pytest.mark.parametrize("name", ["var", "std"])
@settings(max_examples=25, deadline=None)
@given(sd=shape_and_dims(), keepdim=st.booleans(), dtype=float_dtypes, seed=seeds,
       how=st.sampled_from(["default", "unbiased", "biased", "correction0", "correction2"]))
def test_var_std(name, sd, keepdim, dtype, seed, how):
    """Unbiased by default like torch (divide by n - 1); ``unbiased=False`` or ``correction=c``."""
    shape, dim = sd
    axes = range(len(shape)) if dim is None else ([dim] if isinstance(dim, int) else dim)
    n = int(np.prod([shape[a] for a in axes]))
    kw = {"default": {}, "unbiased": {"unbiased": True}, "biased": {"unbiased": False},
          "correction0": {"correction": 0}, "correction2": {"correction": 2}}[how]
    correction = 0 if how in ("biased", "correction0") else 2 if how == "correction2" else 1
    if n - correction <= 0:
        return  # undefined (nan/inf) in both libraries; covered by nothing meaningful
    a = randn(shape, dtype, seed)
    if "correction" in kw:  # the correction= form is keyword-only in both libraries
        check(lambda lib, x: getattr(lib, name)(x, dim=dim, keepdim=keepdim, **kw), a, seed=seed)
    else:
        check(lambda lib, x: _call(lib, x, name, dim, keepdim, **kw), a, seed=seed)


@pytest.mark.parametrize("name", ["amax", "amin", "max", "min"])
def test_full_reduction_ties_share_the_gradient(name, dtype):
    a = np.array([[3.0, 1.0, 3.0], [-2.0, 3.0, -2.0]], dtype=dtype)
    if name in ("amin", "min"):
        a = -a
    check(lambda lib, x: getattr(x, name)(), a)
    check(lambda lib, x: getattr(lib, name)(x), a)
    if name in ("amax", "amin"):  # amax over a dim also splits ties; max(dim) picks one index
        check(lambda lib, x: getattr(x, name)(1), a)


@pytest.mark.parametrize("name", ["max", "min"])
@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1), data=st.data(), keepdim=st.booleans(), dtype=float_dtypes,
       seed=seeds)
def test_max_min_with_dim_gives_values_and_indices(name, shape, data, keepdim, dtype, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    a = randn(shape, dtype, seed)  # continuous values: no ties, so indices are unique
    check(lambda lib, x: tuple(getattr(x, name)(dim, keepdim)), a, seed=seed)
    check(lambda lib, x: tuple(getattr(lib, name)(x, dim=dim, keepdim=keepdim)), a, seed=seed)
    c_out = getattr(chainrule.tensor(a), name)(dim, keepdim)
    assert c_out.indices.dtype == chainrule.int64
    assert c_out.values is c_out[0] and c_out.indices is c_out[1]


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1), data=st.data(), keepdim=st.booleans(), seed=seeds)
def test_argmax_argmin(name, shape, data, keepdim, seed):
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    a = randn(shape, np.float32, seed)
    c, t = chainrule.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    got = getattr(c, name)(dim, keepdim) if dim is not None else getattr(c, name)()
    want = getattr(t, name)(dim, keepdim) if dim is not None else getattr(t, name)()
    assert_close(got, want, what=name)
    assert not got.requires_grad
    assert_close(getattr(chainrule, name)(c, dim=dim, keepdim=keepdim),
                 getattr(torch, name)(t, dim=dim, keepdim=keepdim), what=name)


@settings(max_examples=20, deadline=None)
@given(sd=shape_and_dims(allow_none=False), keepdim=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_logsumexp(sd, keepdim, dtype, seed):
    shape, dim = sd
    a = randn(shape, dtype, seed) * 3
    check(lambda lib, x: x.logsumexp(dim, keepdim), a, seed=seed)
    check(lambda lib, x: lib.logsumexp(x, dim, keepdim=keepdim), a, seed=seed)


def test_logsumexp_never_overflows(dtype):
    a = np.array([[1000.0, 1000.0], [-1000.0, 0.0]], dtype=dtype)
    check(lambda lib, x: x.logsumexp(1), a)
    assert np.all(np.isfinite(chainrule.tensor(a).logsumexp(1)._data))


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf"), "fro"])
@settings(max_examples=8, deadline=None)
@given(sd=shape_and_dims(), keepdim=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_norm(p, sd, keepdim, dtype, seed):
    shape, dim = sd
    if p == "fro" and dim is not None and (isinstance(dim, int) or len(dim) != 2):
        dim = None  # torch's Frobenius norm takes all dims or exactly two
    a = randn(shape, dtype, seed)
    check(lambda lib, x: x.norm(p, dim, keepdim), a, seed=seed)
    check(lambda lib, x: lib.norm(x, p=p, dim=dim, keepdim=keepdim), a, seed=seed)


def test_norm_counts_nonzeros_for_p0(dtype):
    a = np.array([[1.5, 0.0, -2.0], [0.0, 0.0, 3.0]], dtype=dtype)
    check(lambda lib, x: x.norm(0), a)
    check(lambda lib, x: x.norm(0, dim=1), a)


def test_norm_of_zero_vector_has_zero_gradient(dtype):
    check(lambda lib, x: x.norm(), np.zeros(3, dtype=dtype))


def test_reductions_reject_integer_input_where_torch_does():
    ints = chainrule.tensor([1, 2, 3])
    for name in ("mean", "var", "std", "logsumexp", "norm"):
        args = (0,) if name == "logsumexp" else ()
        with pytest.raises((TypeError, RuntimeError), match=name):
            getattr(ints, name)(*args)
