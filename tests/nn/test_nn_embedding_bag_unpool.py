"""nn.EmbeddingBag / F.embedding_bag and max unpooling (MaxUnpool1d/2d/3d) against PyTorch:
values, the weight's and per-sample weights' gradients, reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close, randn

IDS = np.array([1, 2, 4, 5, 4, 3, 2, 9, 2])
OFFSETS = np.array([0, 4, 4, 6])  # the second bag is empty


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("layout", ["offsets", "2d", "last offset"])
def test_embedding_bag_equals_torch(mode, padding_idx, weighted, layout, dtype):
    if weighted and mode != "sum":
        pytest.skip("per_sample_weights exist for mode='sum' only")
    weight = randn((10, 3), dtype, 1)
    psw = randn((9,), dtype, 2)
    results = []
    for lib in (chainrule, torch):
        w = lib.tensor(weight.copy(), requires_grad=True)
        pw = lib.tensor(psw.copy(), requires_grad=True) if weighted else None
        kw = {"mode": mode, "padding_idx": padding_idx}
        if layout == "offsets":
            y = lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor(OFFSETS), per_sample_weights=pw, **kw)
        elif layout == "last offset":
            y = lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor(np.append(OFFSETS, 9)),
                                                per_sample_weights=pw, include_last_offset=True, **kw)
        else:
            y = lib.nn.functional.embedding_bag(lib.tensor(IDS.reshape(3, 3)), w,
                                                per_sample_weights=None if pw is None else pw.reshape(3, 3), **kw)
        (y * lib.tensor(randn(tuple(y.shape), dtype, 3))).sum().backward()
        results.append((y, w.grad, None if pw is None else pw.grad))
    (cy, cw, cp), (ty, tw, tp) = results
    assert_close(cy, ty, dtype, what="output")
    assert_close(cw, tw, dtype, what="weight gradient")
    if weighted:
        assert_close(cp, tp, dtype, what="per_sample_weights gradient")


def test_embedding_bag_layer_repr_and_errors_as_torch():
    for args in ((10, 3), (10, 3, None, 2.0, False, "max"), (10, 3, None, 2.0, False, "sum")):
        assert repr(chainrule.nn.EmbeddingBag(*args)) == repr(torch.nn.EmbeddingBag(*args))
    assert repr(chainrule.nn.EmbeddingBag(10, 3, padding_idx=2)) == repr(torch.nn.EmbeddingBag(10, 3, padding_idx=2))
    for lib in (chainrule, torch):
        bag = lib.nn.EmbeddingBag(10, 3)
        with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
            bag(lib.tensor(IDS))
        with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
            bag(lib.tensor(IDS.reshape(3, 3)), lib.tensor(OFFSETS))
        with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
            bag(lib.tensor(IDS), lib.tensor(OFFSETS), per_sample_weights=lib.ones(9))
        with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
            bag(lib.tensor(IDS), lib.tensor([1, 4]))


@pytest.mark.parametrize("nd,shape,kernel,stride,padding", [
    (1, (2, 3, 9), 3, 2, 1), (2, (2, 2, 4, 6), 2, 2, 0), (2, (2, 5, 6), (2, 3), (1, 2), (1, 1)),
    (3, (1, 2, 4, 4, 6), 2, None, 0),
])
def test_max_unpool_equals_torch(nd, shape, kernel, stride, padding, dtype):
    """Unpooled to the pooled input's own size (the size a network's decoder asks for)."""
    x = randn(shape, dtype, 4)
    results = []
    for lib in (chainrule, torch):
        F = lib.nn.functional
        pooled, idx = getattr(F, f"max_pool{nd}d")(lib.tensor(x.copy()), kernel, stride, padding, return_indices=True)
        pooled = pooled.detach().requires_grad_(True)
        layer = getattr(lib.nn, f"MaxUnpool{nd}d")(kernel, stride, padding)
        y = layer(pooled, idx, output_size=shape[-nd:])
        (y * lib.tensor(randn(tuple(y.shape), dtype, 5))).sum().backward()
        results.append((y, pooled.grad, repr(layer)))
    (cy, cg, cr), (ty, tg, tr) = results
    assert cr == tr
    assert_close(cy, ty, dtype)
    assert_close(cg, tg, dtype)


def test_max_unpool_output_size_as_torch():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    for lib in (chainrule, torch):
        pooled, idx = lib.nn.functional.max_pool2d(lib.tensor(x), 2, return_indices=True)
        assert tuple(lib.nn.functional.max_unpool2d(pooled, idx, 2, output_size=(5, 5)).shape) == (1, 1, 5, 5)
        with pytest.raises(ValueError, match=r"invalid output_size .* \(dim 0 must be between 2 and 6\)"):
            lib.nn.functional.max_unpool2d(pooled, idx, 2, output_size=(7, 7))
