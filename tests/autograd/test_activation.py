"""Activations beyond the elementwise ones: softmax and log_softmax along a dim, and stability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import check, float_dtypes, randn, seeds, shapes


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@settings(max_examples=20, deadline=None)
@given(shape=shapes(min_dims=1), data=st.data(), dtype=float_dtypes, seed=seeds)
def test_softmax_log_softmax(name, shape, data, dtype, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    a = randn(shape, dtype, seed) * 4
    check(lambda lib, x: getattr(x, name)(dim), a, seed=seed)
    check(lambda lib, x: getattr(lib, name)(x, dim), a, seed=seed)
    check(lambda lib, x: getattr(x, name)(dim=dim), a, seed=seed)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_for_huge_logits(name, dtype):
    a = np.array([[1000.0, 0.0, -1000.0], [50.0, 50.0, 50.0]], dtype=dtype)
    check(lambda lib, x: getattr(x, name)(1), a)
    assert np.all(np.isfinite(getattr(chainrule.tensor(a), name)(1)._data))


def test_softmax_rows_sum_to_one(dtype):
    y = chainrule.tensor(randn((4, 7), dtype, 3)).softmax(-1)
    np.testing.assert_allclose(y.sum(-1)._data, np.ones(4), rtol=1e-6)
    assert y.dtype == dtype


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_chain_in_an_fc_net(name, dtype):
    """The lecture's net: Y = act(X W1 + b1) W2 + b2, all gradients against torch."""
    x, w1, b1 = randn((5, 3), dtype, 0), randn((3, 4), dtype, 1), randn((4,), dtype, 2)
    w2, b2 = randn((4, 2), dtype, 3), randn((2,), dtype, 4)

    def net(lib, x, w1, b1, w2, b2):
        return getattr(lib, name)(x @ w1 + b1) @ w2 + b2

    check(net, x, w1, b1, w2, b2)
