"""The operations real PyTorch programs use, against PyTorch: values, dtypes, shapes and gradients.

log2/log10/log1p/expm1, cumsum, einsum, dot/mv/bmm/outer, tril/triu, gather/scatter/index_select,
masked_fill, sort/argsort/topk, meshgrid and F.pad, each in float32 and float64.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import assert_close, check, float_dtypes, randn, seeds, shapes


def _positive(shape, dtype, seed):
    return (np.abs(randn(shape, np.float64, seed)) + 0.5).astype(dtype)


def _both(make):
    return make(chainrule), make(torch)


# ------------------------------------------------------------------------------ unary functions
@pytest.mark.parametrize("name", ["log2", "log10", "log1p", "expm1"])
@settings(max_examples=15, deadline=None)
@given(shape=shapes(), dtype=float_dtypes, seed=seeds)
def test_new_unary_functions(name, shape, dtype, seed):
    x = _positive(shape, dtype, seed)  # in every function's domain
    check(lambda lib, t: getattr(lib, name)(t), x, seed=seed)
    check(lambda lib, t: getattr(t, name)(), x, seed=seed)


@pytest.mark.parametrize("name", ["log2", "log10", "log1p", "expm1"])
def test_new_unary_functions_of_integers_are_float32(name):
    c, t = _both(lambda lib: getattr(lib, name)(lib.tensor([1, 2, 8])))
    assert_close(c, t)


# ------------------------------------------------------------------------------ cumsum
@settings(max_examples=25, deadline=None)
@given(shape=shapes(min_dims=0), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_cumsum(shape, data, dtype, seed):
    n = max(len(shape), 1)
    dim = data.draw(st.integers(-n, n - 1))
    check(lambda lib, x: lib.cumsum(x, dim), randn(shape, dtype, seed), seed=seed)
    check(lambda lib, x: x.cumsum(dim=dim), randn(shape, dtype, seed), seed=seed)


@pytest.mark.parametrize("data,kwargs", [
    ([1, 2, 3], {}), ([True, False, True], {}), (np.array([1, 2], np.int32), {}),
    ([[1.0, 2.0], [3.0, 4.0]], {"dtype": "float64"}),
])
def test_cumsum_dtypes(data, kwargs):
    def run(lib):
        dtype = getattr(lib, kwargs["dtype"]) if kwargs else None
        return lib.cumsum(lib.tensor(data), 0, dtype=dtype)

    assert_close(*_both(run))


def test_cumsum_float64_of_float32_input_gives_float32_gradient():
    check(lambda lib, x: lib.cumsum(x, 1, dtype=lib.float64), randn((2, 3), np.float32, 0))


def test_cumsum_needs_a_valid_dim():
    with pytest.raises(IndexError, match="cumsum.*range"):
        chainrule.cumsum(chainrule.ones(2, 3), 2)


# ------------------------------------------------------------------------------ products
EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("b...,b->...", [(2, 3, 4), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),  # size 1 broadcasts against 3
    ("ik,jk->ijk", [(2, 3), (4, 3)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),
    ("iJ,Jk->ik", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("equation,shapes_", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(equation, shapes_, dtype):
    arrays = [randn(s, dtype, i) for i, s in enumerate(shapes_)]
    check(lambda lib, *xs: lib.einsum(equation, *xs), *arrays)
    check(lambda lib, *xs: lib.einsum(equation, list(xs)), *arrays)


@settings(max_examples=25, deadline=None)
@given(b=st.integers(1, 3), n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4),
       dtype=float_dtypes, seed=seeds)
def test_einsum_batched_product_of_any_sizes(b, n, k, m, dtype, seed):
    a, c = randn((b, n, k), dtype, seed), randn((b, k, m), dtype, seed + 1)
    check(lambda lib, x, y: lib.einsum("bnk,bkm->bnm", x, y), a, c, seed=seed)


@pytest.mark.parametrize("equation,shapes_,error,match", [
    ("ij,jk", [(2, 3), (4, 4)], chainrule.ShapeError, "subscript j has size 4"),
    ("ij->ijk", [(2, 3)], ValueError, "output subscript 'k'"),
    ("ij", [(2, 3, 4)], chainrule.ShapeError, "does not match the number of dimensions"),
    ("ij", [(2, 3), (2,)], ValueError, "names 1 operand"),
    ("i1,j", [(2,), (2,)], ValueError, "invalid subscript"),
])
def test_einsum_errors_name_the_problem(equation, shapes_, error, match):
    with pytest.raises(error, match=match):
        chainrule.einsum(equation, *[chainrule.ones(*s) for s in shapes_])
    with pytest.raises(RuntimeError):  # torch refuses them too
        torch.einsum(equation, *[torch.ones(*s) for s in shapes_])


def test_einsum_needs_one_dtype():
    with pytest.raises(TypeError, match="one dtype"):
        chainrule.einsum("ij,jk", chainrule.ones(2, 3), chainrule.ones(3, 4, dtype=chainrule.float64))


def test_dot_mv_bmm_outer(dtype):
    v, w = randn((4,), dtype, 0), randn((4,), dtype, 1)
    check(lambda lib, a, b: lib.dot(a, b), v, w)
    check(lambda lib, a, b: a.dot(b), v, w)
    check(lambda lib, m, a: lib.mv(m, a), randn((3, 4), dtype, 2), v)
    check(lambda lib, m, a: m.mv(a), randn((3, 4), dtype, 2), v)
    check(lambda lib, a, b: lib.bmm(a, b), randn((2, 3, 4), dtype, 3), randn((2, 4, 5), dtype, 4))
    check(lambda lib, a, b: a.bmm(b), randn((2, 3, 4), dtype, 3), randn((2, 4, 5), dtype, 4))
    check(lambda lib, a, b: lib.outer(a, b), v, randn((3,), dtype, 5))
    check(lambda lib, a, b: a.outer(b), v, randn((3,), dtype, 5))


def test_outer_promotes_like_torch():
    assert_close(*_both(lambda lib: lib.outer(lib.tensor([1, 2]), lib.tensor([1.5, 2.0]))))


@pytest.mark.parametrize("op,shapes_,match", [
    ("dot", [(3,), (4,)], "same number of elements"),
    ("dot", [(2, 2), (2,)], r"dot: expected 1-D tensors, got shapes \(2, 2\) and \(2,\)"),
    ("mv", [(2, 3), (4,)], r"mv: the matrix's 3 columns must match the vector's 4 elements"),
    ("mv", [(3,), (3,)], r"mv: expected a matrix \[n, m\] and a vector \[m\]"),
    ("bmm", [(2, 3, 4), (3, 4, 5)], "first two dims"),
    ("bmm", [(3, 4), (4, 5)], "3-D"),
    ("outer", [(3,), (2, 2)], "1-D"),
])
def test_product_shape_errors(op, shapes_, match):
    with pytest.raises(chainrule.ShapeError, match=match):
        getattr(chainrule, op)(*[chainrule.ones(*s) for s in shapes_])
    with pytest.raises(RuntimeError):
        getattr(torch, op)(*[torch.ones(*s) for s in shapes_])


def test_dot_needs_one_dtype():
    with pytest.raises(TypeError, match="dot: .*same dtype.*chainrule.float32.*chainrule.float64"):
        chainrule.dot(chainrule.ones(3), chainrule.ones(3, dtype=chainrule.float64))


# ------------------------------------------------------------------------------ triangles
@pytest.mark.parametrize("diagonal", [-2, -1, 0, 1, 3])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (2, 3, 4)])
def test_tril_triu(shape, diagonal, dtype):
    x = randn(shape, dtype, 0)
    check(lambda lib, t: lib.tril(t, diagonal), x)
    check(lambda lib, t: lib.triu(t, diagonal=diagonal), x)
    check(lambda lib, t: t.tril(diagonal) + t.triu(diagonal), x)


def test_tril_of_integers_and_error():
    assert_close(*_both(lambda lib: lib.tril(lib.arange(9).reshape(3, 3))))
    with pytest.raises(chainrule.ShapeError, match="tril.*at least 2 dimensions.*\\(3,\\)"):
        chainrule.tril(chainrule.ones(3))


# ------------------------------------------------------------------------------ gather and scatter
@settings(max_examples=30, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3, min_side=1), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_gather(shape, data, dtype, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    axis = dim % len(shape)
    # index: no larger than x outside dim, any length along it; repeats allowed (their gradients add)
    index_shape = tuple(data.draw(st.integers(1, n)) if d != axis else data.draw(st.integers(1, 5))
                        for d, n in enumerate(shape))
    index = np.random.default_rng(seed).integers(0, shape[axis], index_shape)
    check(lambda lib, x, i: lib.gather(x, dim, i), randn(shape, dtype, seed), index, seed=seed)
    check(lambda lib, x, i: x.gather(dim, i), randn(shape, dtype, seed), index, seed=seed)


def _unique_index(rows, cols, size, seed):
    """An index [rows, cols] into a dim of ``size`` with no position repeated within a row."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(size)[:cols] for _ in range(rows)])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_scatter_add(dim, dtype):
    x = randn((3, 5), dtype, 0)
    src = randn((2, 4), dtype, 1)
    if dim == 0:
        index = _unique_index(4, 3, 3, 2).T[:2, :4]  # [2, 4] with no repeat along dim 0
    else:
        index = _unique_index(2, 4, 5, 2)  # [2, 4]
    check(lambda lib, t, s, i: lib.scatter(t, dim, i, s), x, src, index)
    check(lambda lib, t, s, i: t.scatter(dim, i, s), x, src, index)
    check(lambda lib, t, i: lib.scatter(t, dim, i, 2.5), x, index)
    check(lambda lib, t, i: t.scatter(dim, i, value=-1.0), x, index)
    repeated = np.zeros((2, 4), dtype=np.int64)  # every element added to position 0
    for i in (index, repeated):
        check(lambda lib, t, s, j: lib.scatter_add(t, dim, j, s), x, src, i)
        check(lambda lib, t, s, j: t.scatter_add(dim, j, s), x, src, i)
    # a src larger than index: only index's part is used (PyTorch's backward refuses this case,
    # so the values alone are compared; chainrule's gradient is checked by the test below)
    bigger = randn((4, 6), dtype, 3)
    check(lambda lib, t, s, i: lib.scatter(t, dim, i, s), x, bigger, index, grad=False)
    check(lambda lib, t, s, i: lib.scatter_add(t, dim, i, s), x, bigger, index, grad=False)


def test_scatter_from_a_larger_src_sends_gradient_to_the_part_used():
    src = chainrule.ones(3, 4, requires_grad=True)
    index = chainrule.tensor([[2, 0], [1, 2]])
    out = chainrule.zeros(2, 3).scatter(1, index, src)
    (out * chainrule.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    # src[i][j] went to out[i][index[i][j]]: it receives that element's weight
    assert src.grad.tolist() == [[3.0, 1.0, 0.0, 0.0], [5.0, 6.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("call,error,match", [
    (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.tensor([[0, 5]])), IndexError, "index 5 is out of bounds"),
    (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.tensor([[-1]])), IndexError, "index -1 is out of bounds"),
    (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.tensor([[0.0]])), TypeError, "index of dtype"),
    (lambda lib: lib.gather(lib.ones(2, 3), 2, lib.tensor([[0]])), IndexError, "out of range"),
    (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.tensor([0])), chainrule.ShapeError, "as many dims"),
    (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.zeros(3, 1, dtype=lib.int64)), chainrule.ShapeError,
     "no larger than input"),
    (lambda lib: lib.scatter(lib.ones(2, 3), 1, lib.tensor([[0, 1]]), lib.ones(1, 1)), chainrule.ShapeError,
     "no larger than src"),
    (lambda lib: lib.scatter(lib.ones(2, 3), 1, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float64)),
     TypeError, "src of dtype chainrule.float64"),
    (lambda lib: lib.index_select(lib.ones(2, 3), 1, lib.tensor([[0]])), chainrule.ShapeError, "vector"),
    (lambda lib: lib.index_select(lib.ones(2, 3), 1, lib.tensor([3])), IndexError, "index 3 is out of bounds"),
])
def test_index_errors_name_op_and_values(call, error, match):
    with pytest.raises(error, match=match):
        call(chainrule)
    with pytest.raises((RuntimeError, IndexError)):
        call(torch)


@settings(max_examples=25, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_index_select(shape, data, dtype, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    index = np.random.default_rng(seed).integers(0, shape[dim], data.draw(st.integers(0, 5)))
    check(lambda lib, x, i: lib.index_select(x, dim, i), randn(shape, dtype, seed), index, seed=seed)
    check(lambda lib, x, i: x.index_select(dim, i), randn(shape, dtype, seed), index, seed=seed)


# ------------------------------------------------------------------------------ masked_fill
@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (1, 4), (3, 1)])
def test_masked_fill(mask_shape, dtype):
    x = randn((3, 4), dtype, 0)
    mask = randn(mask_shape, np.float64, 1) > 0
    check(lambda lib, t, m: lib.masked_fill(t, m, -1.5), x, mask)
    check(lambda lib, t, m: t.masked_fill(m, float("-inf")).exp(), x, mask)
    # a 0-d tensor value receives the gradient of the positions it filled
    check(lambda lib, t, m, v: t.masked_fill(m, v), x, mask, np.array(2.0, dtype=dtype))


def test_masked_fill_keeps_an_integer_input_integer():
    assert_close(*_both(lambda lib: lib.arange(4).masked_fill(lib.tensor([True, False, True, False]), 2.7)))


@pytest.mark.parametrize("mask,value,error,match", [
    ([1, 0, 1], 0.0, TypeError, "mask must be a bool tensor, got chainrule.int64"),
    ([True, False], 0.0, chainrule.ShapeError, r"mask of shape \(2,\) does not broadcast"),
    ([True, False, True], [1.0, 2.0], chainrule.ShapeError, "0-d tensor"),
])
def test_masked_fill_errors(mask, value, error, match):
    def call(lib):
        return lib.ones(2, 3).masked_fill(lib.tensor(mask), lib.tensor(value) if isinstance(value, list) else value)

    with pytest.raises(error, match=match):
        call(chainrule)
    with pytest.raises(RuntimeError):
        call(torch)


# ------------------------------------------------------------------------------ sort and topk
@settings(max_examples=30, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_sort_argsort(shape, data, dtype, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    descending = data.draw(st.booleans())
    x = randn(shape, dtype, seed)  # distinct values: the order is unique
    check(lambda lib, t: lib.sort(t, dim, descending), x, seed=seed)
    check(lambda lib, t: t.sort(dim=dim, descending=descending), x, seed=seed)
    check(lambda lib, t: lib.argsort(t, dim, descending), x, grad=False)
    check(lambda lib, t: t.argsort(dim=dim, descending=descending), x, grad=False)


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_keeps_the_order_of_ties(descending, dtype):
    x = np.array([[3, 1, 2, 3, 1, float("nan"), 2, 3], [0, 0, 1, 1, 0, 0, 1, 1]], dtype=dtype)
    check(lambda lib, t: lib.sort(t, stable=True, descending=descending), x)
    check(lambda lib, t: lib.argsort(t, stable=True, descending=descending), x, grad=False)


def test_sort_returns_named_values_and_indices():
    values, indices = chainrule.sort(chainrule.tensor([3.0, 1.0, 2.0]))
    result = chainrule.sort(chainrule.tensor([3.0, 1.0, 2.0]), descending=True)
    assert values.tolist() == [1.0, 2.0, 3.0] and indices.tolist() == [1, 2, 0]
    assert result.values.tolist() == [3.0, 2.0, 1.0] and result.indices.tolist() == [0, 2, 1]
    assert chainrule.sort(chainrule.tensor([[1, 3, 2]])).values.dtype == chainrule.int64


@settings(max_examples=30, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_topk(shape, data, dtype, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, shape[dim]))
    largest = data.draw(st.booleans())
    x = randn(shape, dtype, seed)
    check(lambda lib, t: lib.topk(t, k, dim, largest), x, seed=seed)
    check(lambda lib, t: t.topk(k, dim=dim, largest=largest, sorted=True), x, seed=seed)


def test_topk_k_out_of_range():
    with pytest.raises(IndexError, match=r"topk\(\): k=4 is out of range for dimension -1 of size 3"):
        chainrule.topk(chainrule.ones(3), 4)
    with pytest.raises(RuntimeError):
        torch.topk(torch.ones(3), 4)


# ------------------------------------------------------------------------------ meshgrid
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(3,), (2, 3), (2, 3, 4), (0, 2), (1, 4)])
def test_meshgrid(sizes, indexing, dtype):
    arrays = [randn((n,), dtype, i) for i, n in enumerate(sizes)]
    check(lambda lib, *xs: lib.meshgrid(*xs, indexing=indexing), *arrays)
    check(lambda lib, *xs: lib.meshgrid(list(xs), indexing=indexing), *arrays)


def test_meshgrid_of_a_0d_and_a_1d_tensor(dtype):
    check(lambda lib, a, b: lib.meshgrid(a, b, indexing="xy"), np.array(1.5, dtype=dtype), randn((3,), dtype, 0))


def test_meshgrid_default_warns_and_uses_ij_like_torch():
    with pytest.warns(UserWarning, match="indexing"):
        c = chainrule.meshgrid(chainrule.arange(2), chainrule.arange(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.meshgrid(torch.arange(2), torch.arange(3))
    for a, b in zip(c, t, strict=True):
        assert_close(a, b)


@pytest.mark.parametrize("call,error,match", [
    (lambda lib: lib.meshgrid(lib.ones(2, 2), indexing="ij"), chainrule.ShapeError, "0-D or 1-D"),
    (lambda lib: lib.meshgrid(lib.ones(2), indexing="foo"), ValueError, "indexing must be one of"),
    (lambda lib: lib.meshgrid(lib.arange(2), lib.ones(2), indexing="ij"), TypeError, "same dtype"),
])
def test_meshgrid_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(chainrule)
    with pytest.raises(RuntimeError):
        call(torch)


# ------------------------------------------------------------------------------ F.pad
PADS = [
    ((2, 3, 4), (1, 2), "constant"),
    ((2, 3, 4), (1, 1, 0, 2), "constant"),
    ((2, 3, 4), (1, 0, 2, 1, 1, 1), "constant"),
    ((2, 3, 4), (-1, 2), "constant"),
    ((2, 3, 4), (0, 0, -1, -1), "constant"),
    ((4,), (2, 3), "constant"),
    ((2, 3, 4), (1, 2), "reflect"),
    ((3, 4), (3, 0), "reflect"),
    ((1, 2, 3, 4), (1, 2, 2, 1), "reflect"),
    ((2, 3, 4), (2, 3), "replicate"),
    ((1, 2, 3, 4), (1, 2, 3, 0), "replicate"),
    ((1, 2, 3), (5, 7), "replicate"),  # wider than the dimension: the edge repeats
    ((2, 3, 4), (1, 4), "circular"),
    ((1, 2, 3, 4), (1, 2, 3, 1), "circular"),
    ((1, 1, 2, 3, 4), (1, 1, 1, 1, 1, 1), "replicate"),
]


@pytest.mark.parametrize("shape,pad,mode", PADS, ids=[f"{m}-{s}-{p}" for s, p, m in PADS])
def test_pad(shape, pad, mode, dtype):
    check(lambda lib, x: lib.nn.functional.pad(x, pad, mode=mode), randn(shape, dtype, 0))


def test_pad_constant_value(dtype):
    check(lambda lib, x: lib.nn.functional.pad(x, (1, 1, 2, 0), value=-3.5), randn((2, 3), dtype, 0))
    check(lambda lib, x: lib.nn.functional.pad(x, (1, 1), "constant", 7), randn((3,), dtype, 0))


@pytest.mark.parametrize("shape,pad,mode,error,match", [
    ((2, 3), (1,), "constant", ValueError, "divisible by 2"),
    ((3,), (1, 1, 1, 1), "constant", ValueError, "two times the input dimension"),
    ((1, 2, 3), (3, 3), "reflect", ValueError, r"widths between 0 and 2 for dimension 2"),
    ((3,), (1, 1), "reflect", NotImplementedError, "2-D or 3-D input"),
    ((1, 2, 3), (1, 1), "wrap", ValueError, "padding mode 'wrap'"),
    ((1, 2, 3), (-4, 0), "constant", chainrule.ShapeError, "negative size"),
])
def test_pad_errors(shape, pad, mode, error, match):
    with pytest.raises(error, match=match):
        chainrule.nn.functional.pad(chainrule.ones(*shape), pad, mode=mode)
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch.nn.functional.pad(torch.ones(*shape), pad, mode=mode)


def test_pad_refuses_a_value_for_other_modes():
    with pytest.raises(ValueError, match="reflect.*value"):
        chainrule.nn.functional.pad(chainrule.ones(1, 2, 3), (1, 1), mode="reflect", value=1.0)


# ------------------------------------------------------------------------------ F.one_hot
@pytest.mark.parametrize("data,num_classes", [([0, 2], -1), ([[1], [3]], 5), (2, 3), ([], 3), ([[0, 1], [1, 0]], -1)])
def test_one_hot(data, num_classes):
    c, t = _both(lambda lib: lib.nn.functional.one_hot(lib.tensor(data, dtype=lib.int64), num_classes=num_classes))
    assert_close(c, t)


@pytest.mark.parametrize("data,num_classes,error,match", [
    ([1.0], 3, TypeError, "integer"), ([3], 3, ValueError, "smaller than num_classes"),
    ([-1], 3, ValueError, "non-negative"),
])
def test_one_hot_errors(data, num_classes, error, match):
    with pytest.raises(error, match=match):
        chainrule.nn.functional.one_hot(chainrule.tensor(data), num_classes)
    with pytest.raises(RuntimeError):
        torch.nn.functional.one_hot(torch.tensor(data), num_classes)
