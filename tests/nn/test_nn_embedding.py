"""nn.Embedding and F.embedding against PyTorch: lookup, weight gradient, padding_idx, max_norm."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, assert_same_grads, rand, torch_to_ours

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F


def twins(num, dim, dtype, **kw):
    theirs = torch.nn.Embedding(num, dim, dtype=torch.float64 if dtype == np.float64 else torch.float32, **kw)
    ours = nn.Embedding(num, dim, dtype=dtype, **kw)
    torch_to_ours(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 0}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True}, {"max_norm": 1.0},
                                {"max_norm": 0.5, "norm_type": 1.0, "padding_idx": 2}])
@settings(max_examples=10, deadline=None)
@given(num=st.integers(3, 9), dim=st.integers(1, 6), shape=st.sampled_from([(5,), (2, 4), (3, 2, 2)]),
       seed=st.integers(0, 1000))
def test_lookup_and_gradient_match_torch(dtype, kw, num, dim, shape, seed):
    ours, theirs = twins(num, dim, dtype, **kw)
    idx = np.random.default_rng(seed).integers(0, num, shape)  # repeats included
    y, ty = ours(cr.tensor(idx)), theirs(torch.from_numpy(idx))
    assert_close(y, ty, dtype)
    assert_close(ours.weight, theirs.weight, dtype, what="weight after max_norm")
    g = rand(tuple(ty.shape), dtype, seed=seed)
    y.backward(g)
    ty.backward(torch.from_numpy(g))
    assert_same_grads(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_form_matches_torch(dtype):
    w = rand((6, 3), dtype)
    idx = np.array([[0, 5, 5], [2, 1, 0]])
    ow, tw = cr.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    y = F.embedding(cr.tensor(idx), ow, padding_idx=5)
    ty = torch.nn.functional.embedding(torch.from_numpy(idx), tw, padding_idx=5)
    assert_close(y, ty, dtype)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(ow.grad, tw.grad, dtype)
    assert not np.any(ow.grad._data[5])


def test_init_padding_row_and_from_pretrained():
    cr.manual_seed(0)
    e = nn.Embedding(1000, 8, padding_idx=3)
    assert e.weight.dtype == np.float32 and tuple(e.weight.shape) == (1000, 8)
    assert not np.any(e.weight._data[3])
    assert abs(e.weight._data.mean()) < 0.05 and abs(e.weight._data.std() - 1) < 0.05  # N(0, 1)
    assert repr(e) == repr(torch.nn.Embedding(1000, 8, padding_idx=3))
    w = cr.tensor(rand((4, 2), np.float32))
    frozen = nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(cr.tensor([3, 0]))._data, w._data[[3, 0]])
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad


def test_errors_name_the_op():
    e = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range for 5 embeddings"):
        e(cr.tensor([1, 5]))
    with pytest.raises(TypeError, match=r"embedding: expected an integer"):
        e(cr.tensor([1.0]))
    with pytest.raises(ValueError, match=r"Embedding: padding_idx"):
        nn.Embedding(5, 2, padding_idx=5)


def test_embedding_into_gru_trains_end_to_end():
    """A character-level model's front: ids -> Embedding -> GRU -> Linear, every weight gets a grad."""
    cr.manual_seed(0)
    emb, gru, head = nn.Embedding(10, 4), nn.GRU(4, 8, batch_first=True), nn.Linear(8, 10)
    ids = cr.tensor(np.random.default_rng(0).integers(0, 10, (3, 6)))
    out, _ = gru(emb(ids))
    F.cross_entropy(head(out).reshape(-1, 10), ids.reshape(-1)).backward()
    for m in (emb, gru, head):
        assert all(p.grad is not None for p in m.parameters())
