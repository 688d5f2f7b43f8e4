"""Indexing against PyTorch: ints, slices with steps, None, Ellipsis, integer arrays, boolean masks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import check, float_dtypes, randn, seeds, shapes

BASIC = [
    0,
    -1,
    (1, 2),
    (slice(None), 1),
    slice(1, None),
    slice(None, None, 2),
    (slice(0, 3, 2), slice(1, None, 3)),
    (Ellipsis, 0),
    (None, slice(None), None),
    (1, Ellipsis, None),
    (slice(None), None, -1),
    (Ellipsis,),
    (),
]


@pytest.mark.parametrize("index", BASIC, ids=repr)
def test_basic_indexing(index, dtype):
    check(lambda lib, x: x[index], randn((4, 5, 3), dtype, 0))


@st.composite
def basic_index(draw, shape):
    """A random basic index for ``shape``: ints, positive-step slices, None and one Ellipsis."""
    parts = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "all"]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-n, n))
            stop = draw(st.none() | st.integers(-n, n))
            step = draw(st.none() | st.integers(1, 3))
            parts.append(slice(start, stop, step))
        else:
            parts.append(slice(None))
        if draw(st.integers(0, 5)) == 0:
            parts.append(None)
    cut = draw(st.integers(0, len(parts)))
    if draw(st.booleans()):
        parts = parts[:cut] + [Ellipsis] + [p for p in parts[cut:] if p is None]
    return tuple(parts)


@settings(max_examples=40, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_random_basic_indexing(shape, data, dtype, seed):
    index = data.draw(basic_index(shape))
    check(lambda lib, x: x[index], randn(shape, dtype, seed), seed=seed)


def test_integer_array_indexing_accumulates_repeats(dtype):
    """x[[0, 2, 0]]: row 0 is used twice, so its gradient is the sum of both uses."""
    a = randn((4, 3), dtype, 1)
    idx = np.array([0, 2, 0, 0])
    check(lambda lib, x: x[idx], a)
    check(lambda lib, x: x[lib.tensor(idx)], a)
    check(lambda lib, x: x[[0, 2, 0]], a)
    check(lambda lib, x: x[:, [2, 2, 1]], a)
    check(lambda lib, x: x[[0, 1, 0], [2, 2, 2]], a)  # the same element (0, 2) twice
    check(lambda lib, x: x[lib.tensor(np.array([[0, 1], [1, 0]]))], a)


@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_random_integer_array_indexing(shape, data, dtype, seed):
    idx = np.array(data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1,
                                      max_size=6)))
    check(lambda lib, x: x[lib.tensor(idx)], randn(shape, dtype, seed), seed=seed)


@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_boolean_mask_indexing(shape, dtype, seed):
    a = randn(shape, dtype, seed)
    mask = randn(shape, np.float64, seed + 1) > 0
    check(lambda lib, x: x[lib.tensor(mask)], a, seed=seed)
    check(lambda lib, x: x[x > 0], a, seed=seed)
    row_mask = randn(shape[:1], np.float64, seed + 2) > 0
    check(lambda lib, x: x[lib.tensor(row_mask)], a, seed=seed)


def test_mixed_slices_and_arrays(dtype):
    a = randn((3, 4, 5), dtype, 2)
    check(lambda lib, x: x[1:, [0, 3, 3]], a)
    check(lambda lib, x: x[..., lib.tensor([4, 0, 4])], a)
    check(lambda lib, x: x[[0, 2], 1:3, ::2], a)


def test_indexing_result_is_a_view_for_basic_indices():
    x = chainrule.randn(4, 5)
    assert np.shares_memory(x[1:3, ::2]._data, x._data)


def test_iteration_gives_the_rows(dtype):
    check(lambda lib, x: list(x), randn((3, 2), dtype, 0))
