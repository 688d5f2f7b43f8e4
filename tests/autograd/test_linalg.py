"""Matrix products against PyTorch: 1-D, 2-D (the lecture's Y = X W) and batched N-D with broadcasting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import check, float_dtypes, randn, seeds


def _matmul_forms(lib, x, y):
    return [x @ y, lib.matmul(x, y), x.matmul(y)]


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3,), (3,)),  # dot product -> 0-d
        ((3,), (3, 4)),  # row vector times matrix
        ((2, 3), (3,)),  # matrix times column vector
        ((5, 3), (3, 4)),  # the lecture's FC layer X [batch, in] @ W [in, out]
        ((2, 5, 3), (3, 4)),  # batch of matrices times one matrix
        ((3,), (2, 3, 4)),  # vector times a batch
        ((2, 5, 3), (3,)),
        ((2, 1, 5, 3), (4, 3, 2)),  # batch dims broadcast: (2,1) with (4,) -> (2,4)
        ((1, 5, 3), (2, 3, 4)),
    ],
)
def test_matmul_shapes(sa, sb, dtype):
    check(_matmul_forms, randn(sa, dtype, 0), randn(sb, dtype, 1))


def test_mm(dtype):
    check(lambda lib, x, y: lib.mm(x, y), randn((4, 3), dtype, 0), randn((3, 2), dtype, 1))
    check(lambda lib, x, y: x.mm(y), randn((4, 3), dtype, 0), randn((3, 2), dtype, 1))


@settings(max_examples=25, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4),
    drop_a=st.booleans(), drop_b=st.booleans(), vec=st.sampled_from(["", "a", "b"]),
    dtype=float_dtypes, seed=seeds,
)
def test_matmul_batched_broadcasting(batch, n, k, m, drop_a, drop_b, vec, dtype, seed):
    """Random batch shapes, where each operand may have its batch dims dropped or set to 1."""
    batch_a = [1 if drop_a and i % 2 else b for i, b in enumerate(batch)]
    batch_b = [] if drop_b else batch
    sa = (k,) if vec == "a" else (*batch_a, n, k)
    sb = (k,) if vec == "b" else (*batch_b, k, m)
    check(lambda lib, x, y: x @ y, randn(sa, dtype, seed), randn(sb, dtype, seed + 1), seed=seed)


def test_lecture_fc_layer_gradients_in_matrix_form(dtype):
    """dL/dX = G W^T [batch, in] and dL/dW = X^T G [in, out] for Y = X W + b, and db = sum_batch G."""
    rng = np.random.default_rng(3)
    x = chainrule.tensor(rng.standard_normal((5, 3)).astype(dtype), requires_grad=True)
    w = chainrule.tensor(rng.standard_normal((3, 2)).astype(dtype), requires_grad=True)
    b = chainrule.tensor(rng.standard_normal(2).astype(dtype), requires_grad=True)
    g = rng.standard_normal((5, 2)).astype(dtype)
    (x @ w + b).backward(g)
    rtol = 1e-5 if dtype is np.float32 else 1e-12
    np.testing.assert_allclose(x.grad._data, g @ w._data.T, rtol=rtol)
    np.testing.assert_allclose(w.grad._data, x._data.T @ g, rtol=rtol)
    np.testing.assert_allclose(b.grad._data, g.sum(0), rtol=rtol)
    assert x.grad.shape == (5, 3) and w.grad.shape == (3, 2) and b.grad.shape == (2,)


def test_matmul_gradient_for_one_side_only(dtype):
    check(lambda lib, x, y: x @ y, randn((4, 3), dtype, 0), randn((3, 2), dtype, 1),
          grad=[False, True])
    check(lambda lib, x, y: x @ y, randn((2, 4, 3), dtype, 0), randn((3,), dtype, 1),
          grad=[True, False])
