"""Packed sequences against PyTorch: packing, unpacking, and RNN/GRU/LSTM over packed batches
(outputs, final states and every gradient)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, rand
from test_nn_rnn import KINDS, check_outputs_and_grads, leaf, twins
from torch.nn.utils import rnn as torch_rnn

import chainrule as cr
from chainrule.nn.utils import rnn as ours_rnn


def _packed_equal(ours, theirs, dtype):
    assert_close(ours.data, theirs.data, dtype, what="packed data")
    assert ours.batch_sizes.numpy().tolist() == theirs.batch_sizes.tolist()
    for name in ("sorted_indices", "unsorted_indices"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.numpy().tolist() == b.tolist(), name


@settings(max_examples=30, deadline=None)
@given(lengths=st.lists(st.integers(1, 6), min_size=1, max_size=5), batch_first=st.booleans(),
       enforce_sorted=st.booleans(), extra=st.integers(0, 2), seed=st.integers(0, 100))
def test_pack_and_pad_match_torch(lengths, batch_first, enforce_sorted, extra, seed):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    T, B = max(lengths) + extra, len(lengths)
    x, tx = leaf(rand((B, T, 3) if batch_first else (T, B, 3), np.float64, seed=seed))
    packed = ours_rnn.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                           enforce_sorted=enforce_sorted)
    tpacked = torch_rnn.pack_padded_sequence(tx, lengths, batch_first=batch_first,
                                             enforce_sorted=enforce_sorted)
    _packed_equal(packed, tpacked, np.float64)
    total = T if extra else None
    y, n = ours_rnn.pad_packed_sequence(packed, batch_first=batch_first, padding_value=-1.5,
                                        total_length=total)
    ty, tn = torch_rnn.pad_packed_sequence(tpacked, batch_first=batch_first, padding_value=-1.5,
                                           total_length=total)
    assert_close(y, ty, np.float64, what="padded")
    assert n.numpy().tolist() == tn.tolist() and n.dtype == cr.int64
    w = rand(tuple(ty.shape), np.float64, seed=seed + 1)
    (y * cr.tensor(w)).sum().backward()
    (ty * torch.from_numpy(w)).sum().backward()
    assert_close(x.grad, tx.grad, np.float64, what="gradient through pack and pad")


def test_pack_sequence_and_unpack_match_torch():
    seqs = [rand((n, 2), np.float64, seed=n) for n in (2, 4, 1)]
    ours = ours_rnn.pack_sequence([cr.tensor(s) for s in seqs], enforce_sorted=False)
    theirs = torch_rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    _packed_equal(ours, theirs, np.float64)
    for a, b in zip(ours_rnn.unpack_sequence(ours), torch_rnn.unpack_sequence(theirs), strict=True):
        assert_close(a, b, np.float64)
    padded = ours_rnn.pad_sequence([cr.tensor(s) for s in seqs], batch_first=True)
    for a, s in zip(ours_rnn.unpad_sequence(padded, [2, 4, 1], batch_first=True), seqs, strict=True):
        np.testing.assert_array_equal(a.numpy(), s)
    assert ours_rnn.invert_permutation(cr.tensor([2, 0, 1])).numpy().tolist() == [1, 2, 0]
    assert ours.to(cr.float32).data.dtype == cr.float32 and ours.double().data.dtype == cr.float64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("initial", [False, True])
def test_layers_over_packed_sequences_match_torch(dtype, kind, num_layers, bidirectional, initial):
    lengths, I, H = [3, 5, 1, 4], 3, 4  # unsorted: the layer sees them sorted, returns them back
    T, B, D = max(lengths), len(lengths), 2 if bidirectional else 1
    ours, theirs = twins(kind, I, H, dtype, num_layers=num_layers, bidirectional=bidirectional,
                         batch_first=True)
    x, tx = leaf(rand((B, T, I), dtype, seed=1))
    packed = ours_rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    tpacked = torch_rnn.pack_padded_sequence(tx, lengths, batch_first=True, enforce_sorted=False)
    states = [leaf(rand((num_layers * D, B, H), dtype, seed=2 + k))
              for k in range(2 if kind == "LSTM" else 1)] if initial else []
    if kind == "LSTM":
        hx = tuple(s for s, _ in states) or None
        thx = tuple(t for _, t in states) or None
        y, (h, c) = ours(packed, hx)
        ty, (th, tc) = theirs(tpacked, thx)
        outs, touts = [y.data, h, c], [ty.data, th, tc]
    else:
        y, h = ours(packed, states[0][0] if states else None)
        ty, th = theirs(tpacked, states[0][1] if states else None)
        outs, touts = [y.data, h], [ty.data, th]
    _packed_equal(y, ty, dtype)
    check_outputs_and_grads(kind, dtype, outs, touts, (x, tx), states, ours, theirs)
    padded, n = ours_rnn.pad_packed_sequence(y, batch_first=True)
    tpadded, tn = torch_rnn.pad_packed_sequence(ty, batch_first=True)
    assert_close(padded, tpadded, dtype, what="padded output")


def test_packed_errors_name_the_problem():
    x = cr.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order.*enforce_sorted=False"):
        ours_rnn.pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(RuntimeError, match="greater than 0"):
        ours_rnn.pack_padded_sequence(x, [3, 0, 0])
    with pytest.raises(ValueError, match="equal to batch_size, but got 2 \\(batch_size=3\\)"):
        ours_rnn.pack_padded_sequence(x, [3, 2])
    with pytest.raises(RuntimeError, match="exceeds the input's 4 steps"):
        ours_rnn.pack_padded_sequence(x, [5, 2, 1])
    packed = ours_rnn.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 4"):
        ours_rnn.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(TypeError, match="PackedSequence"):
        ours_rnn.pad_packed_sequence(x)
