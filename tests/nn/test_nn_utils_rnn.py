"""nn.utils.rnn.pad_sequence against torch.nn.utils.rnn.pad_sequence: values, shape, dtype and
gradients for both layouts and both padding sides."""

import numpy as np
import pytest
import torch
from nn_twin import assert_close, rand

import chainrule as cr
from chainrule import nn
from chainrule.nn.utils.rnn import pad_sequence


def _twins(lengths, trailing, dtype):
    ours, theirs = [], []
    for i, n in enumerate(lengths):
        a = rand((n, *trailing), dtype, i)
        ours.append(cr.tensor(a, requires_grad=True))
        theirs.append(torch.tensor(a, requires_grad=True))
    return ours, theirs


def test_reachable_as_in_torch():
    assert nn.utils.rnn.pad_sequence is pad_sequence
    assert cr.nn.utils.clip_grad_norm_ is nn.utils.clip_grad_norm_  # the package keeps its exports


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (3,), (2, 3)])
def test_matches_torch_with_gradients(trailing, padding_side, batch_first, dtype):
    ours, theirs = _twins([3, 5, 1, 5], trailing, dtype)
    y = pad_sequence(ours, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
    t = torch.nn.utils.rnn.pad_sequence(theirs, batch_first=batch_first, padding_value=-1.5,
                                        padding_side=padding_side)
    assert tuple(y.shape) == tuple(t.shape)
    assert y.dtype == getattr(cr, str(t.dtype).split(".")[1])
    assert_close(y, t, dtype)
    w = rand(tuple(t.shape), dtype, 99)
    (y * cr.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad, dtype, what="gradient")


def test_defaults_single_sequence_and_tensor_input():
    a, b = cr.tensor([1.0, 2.0, 3.0]), cr.tensor([4.0])
    np.testing.assert_array_equal(pad_sequence([a, b]).numpy(), [[1.0, 4.0], [2.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(pad_sequence((a,)).numpy(), [[1.0], [2.0], [3.0]])
    m = np.arange(6.0).reshape(2, 3)
    assert_close(pad_sequence(cr.tensor(m)), torch.nn.utils.rnn.pad_sequence(torch.tensor(m)))


def test_integer_sequences_take_the_first_dtype():
    seqs = [np.array([1, 2]), np.array([3]), np.array([4.0, 5.0, 6.0])]
    y = pad_sequence([cr.tensor(s) for s in seqs], batch_first=True, padding_value=0.5)
    t = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True, padding_value=0.5)
    assert y.dtype == cr.int64 and t.dtype == torch.int64
    np.testing.assert_array_equal(y.numpy(), t.numpy())


def test_errors():
    with pytest.raises(RuntimeError, match="empty list"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match="trailing dims"):
        pad_sequence([cr.ones(2, 3), cr.ones(3, 4)])
    with pytest.raises(RuntimeError, match="0-d"):
        pad_sequence([cr.tensor(1.0), cr.ones(3)])
    with pytest.raises(ValueError, match="padding_side to be one of left or right, but got mid"):
        pad_sequence([cr.ones(2)], padding_side="mid")
    with pytest.raises(RuntimeError, match="Expected iterable"):
        pad_sequence(3)
