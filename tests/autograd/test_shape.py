"""Shape operations against PyTorch: reshape view flatten transpose permute .T squeeze unsqueeze
expand broadcast_to cat stack split chunk unbind."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import check, float_dtypes, randn, seeds, shapes


@st.composite
def shape_and_new_shape(draw):
    """A shape and another shape with the same number of elements, maybe with one -1."""
    shape = draw(shapes(min_dims=0, max_dims=4))
    n = int(np.prod(shape))
    factors = [d for d in range(1, n + 1) if n % d == 0]
    first = draw(st.sampled_from(factors))
    new = [first, n // first] if draw(st.booleans()) else [n]
    if draw(st.booleans()):
        new = [1, *new]
    if draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return shape, tuple(new)


@settings(max_examples=25, deadline=None)
@given(sn=shape_and_new_shape(), dtype=float_dtypes, seed=seeds)
def test_reshape_and_view(sn, dtype, seed):
    shape, new = sn
    a = randn(shape, dtype, seed)
    check(lambda lib, x: x.reshape(new), a, seed=seed)
    check(lambda lib, x: x.reshape(*new), a, seed=seed)
    check(lambda lib, x: lib.reshape(x, new), a, seed=seed)
    check(lambda lib, x: x.view(new), a, seed=seed)
    check(lambda lib, x: x.view(*new) * 2, a, seed=seed)


def test_view_as_reshape_as(dtype):
    a, b = randn((2, 6), dtype, 0), randn((3, 4), dtype, 1)
    check(lambda lib, x, y: x.view_as(y) + y, a, b)
    check(lambda lib, x, y: x.reshape_as(y) * y, a, b)


def test_reshape_returns_a_view_not_a_copy():
    x = chainrule.randn(3, 4)
    assert np.shares_memory(x.reshape(4, 3)._data, x._data)
    assert np.shares_memory(x.T._data, x._data)
    assert np.shares_memory(x[1:, ::2]._data, x._data)
    assert np.shares_memory(x.unsqueeze(0).expand(5, 3, 4)._data, x._data)


@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=0), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_flatten(shape, data, dtype, seed):
    n = max(len(shape), 1)
    start = data.draw(st.integers(-n, n - 1))
    end = data.draw(st.integers(-n, n - 1))
    if start % n > end % n:
        start, end = end, start
    a = randn(shape, dtype, seed)
    check(lambda lib, x: x.flatten(), a, seed=seed)
    check(lambda lib, x: x.flatten(start, end), a, seed=seed)
    check(lambda lib, x: lib.flatten(x, start_dim=start, end_dim=end), a, seed=seed)


@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_transpose_permute(shape, data, dtype, seed):
    n = len(shape)
    d0, d1 = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    perm = data.draw(st.permutations(range(n)))
    a = randn(shape, dtype, seed)
    check(lambda lib, x: x.transpose(d0, d1), a, seed=seed)
    check(lambda lib, x: lib.transpose(x, d0, d1), a, seed=seed)
    check(lambda lib, x: x.permute(*perm), a, seed=seed)
    check(lambda lib, x: x.permute(tuple(perm)), a, seed=seed)
    check(lambda lib, x: lib.permute(x, tuple(perm)), a, seed=seed)


def test_dot_T_and_t(dtype):
    a = randn((3, 4), dtype, 0)
    check(lambda lib, x: x.T, a)
    check(lambda lib, x: x.t(), a)
    check(lambda lib, x: x.t(), randn((3,), dtype, 0))
    v = chainrule.tensor(randn((3,), dtype, 0))
    np.testing.assert_array_equal(v.T._data, v._data)  # a vector's .T is itself (torch deprecates it)


def test_mT(dtype):
    check(lambda lib, x: x.mT, randn((2, 3, 4), dtype, 0))


@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=0, min_side=1, max_side=2), data=st.data(), dtype=float_dtypes,
       seed=seeds)
def test_squeeze_unsqueeze(shape, data, dtype, seed):
    n = len(shape)
    a = randn(shape, dtype, seed)
    check(lambda lib, x: x.squeeze(), a, seed=seed)
    check(lambda lib, x: lib.squeeze(x), a, seed=seed)
    if n:
        d = data.draw(st.integers(-n, n - 1))
        check(lambda lib, x: x.squeeze(d), a, seed=seed)
        check(lambda lib, x: lib.squeeze(x, d), a, seed=seed)
    u = data.draw(st.integers(-n - 1, n))
    check(lambda lib, x: x.unsqueeze(u), a, seed=seed)
    check(lambda lib, x: lib.unsqueeze(x, u), a, seed=seed)


def test_squeeze_tuple_of_dims(dtype):
    check(lambda lib, x: x.squeeze((0, 2)), randn((1, 3, 1, 1), dtype, 0))


@pytest.mark.parametrize("src,sizes", [
    ((3, 1), (3, 4)),
    ((1,), (2, 5)),
    ((3, 1), (2, 3, 4)),
    ((2, 1, 3), (2, -1, 3)),
    ((1, 3), (4, -1)),
    ((), (2, 2)),
])
def test_expand_and_broadcast_to(src, sizes, dtype):
    a = randn(src, dtype, 0)
    check(lambda lib, x: x.expand(*sizes), a)
    check(lambda lib, x: x.expand(sizes), a)
    if -1 not in sizes:
        check(lambda lib, x: x.broadcast_to(sizes), a)
        check(lambda lib, x: lib.broadcast_to(x, sizes), a)


def test_expand_as(dtype):
    check(lambda lib, x, y: x.expand_as(y) * y, randn((3, 1), dtype, 0), randn((3, 4), dtype, 1))


@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_cat_stack(shape, data, dtype, seed):
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1))
    k = data.draw(st.integers(1, 3))
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=k, max_size=k))
    pieces = []
    for i, length in enumerate(lengths):
        s = list(shape)
        s[dim] = length
        pieces.append(randn(s, dtype, seed + i))
    check(lambda lib, *xs: lib.cat(list(xs), dim), *pieces, seed=seed)
    check(lambda lib, *xs: lib.cat(xs, dim=dim), *pieces, seed=seed)
    same = [randn(shape, dtype, seed + i) for i in range(k)]
    sdim = data.draw(st.integers(-n - 1, n))
    check(lambda lib, *xs: lib.stack(list(xs), sdim), *same, seed=seed)


def test_concat_alias_and_mixed_grad(dtype):
    a, b = randn((2, 3), dtype, 0), randn((1, 3), dtype, 1)
    check(lambda lib, x, y: lib.concat([x, y]), a, b, grad=[True, False])
    check(lambda lib, x, y: lib.stack([x, x * 2], 1), a, b)


@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1, max_side=6), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_split_chunk_unbind(shape, data, dtype, seed):
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1))
    length = shape[dim]
    size = data.draw(st.integers(1, length + 1))
    chunks = data.draw(st.integers(1, length + 1))
    sections = data.draw(st.lists(st.integers(0, length), min_size=1, max_size=3))
    sections = [*sections, 0]
    sections[-1] = length - sum(sections[:-1])
    a = randn(shape, dtype, seed)
    check(lambda lib, x: x.split(size, dim), a, seed=seed)
    check(lambda lib, x: lib.split(x, size, dim=dim), a, seed=seed)
    if sections[-1] >= 0:
        check(lambda lib, x: x.split(sections, dim), a, seed=seed)
    check(lambda lib, x: x.chunk(chunks, dim), a, seed=seed)
    check(lambda lib, x: lib.chunk(x, chunks, dim=dim), a, seed=seed)
    check(lambda lib, x: x.unbind(dim), a, seed=seed)
    check(lambda lib, x: lib.unbind(x, dim), a, seed=seed)


def test_pieces_that_are_not_all_used_still_give_full_shape_gradients(dtype):
    """Only one of three chunks feeds the loss: the others' gradient is zero, not missing."""
    check(lambda lib, x: x.chunk(3, 1)[1] * 3, randn((2, 6), dtype, 0))
    check(lambda lib, x: x.unbind(0)[0].exp(), randn((4, 2), dtype, 0))
