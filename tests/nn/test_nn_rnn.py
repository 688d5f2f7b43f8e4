"""RNN, GRU, LSTM and their cells against PyTorch: outputs, final states and every gradient."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, assert_same_grads, rand, torch_to_ours

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck

KINDS = ["RNN_tanh", "RNN_relu", "GRU", "LSTM"]


def _tdtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def twins(kind, input_size, hidden_size, dtype, **kw):
    """The same layer in both libraries, chainrule's weights copied from torch's."""
    name, _, nl = kind.partition("_")
    if nl:
        kw["nonlinearity"] = nl
    theirs = getattr(torch.nn, name)(input_size, hidden_size, dtype=_tdtype(dtype), **kw)
    ours = getattr(nn, name)(input_size, hidden_size, dtype=dtype, **kw)
    torch_to_ours(ours, theirs)
    return ours, theirs


def leaf(array):
    return cr.tensor(array.copy(), requires_grad=True), torch.tensor(array.copy(), requires_grad=True)


def compare_layer(kind, dtype, *, T=5, B=3, I=4, H=5, num_layers=1, bidirectional=False,
                  batch_first=False, initial=False, proj_size=0, bias=True, batched=True, seed=0):
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    if proj_size:
        kw["proj_size"] = proj_size
    ours, theirs = twins(kind, I, H, dtype, **kw)
    D = 2 if bidirectional else 1
    P = proj_size or H
    shape = ((B, T, I) if batch_first else (T, B, I)) if batched else (T, I)
    x, tx = leaf(rand(shape, dtype, seed=seed))
    states = []
    if initial:
        sshape = (num_layers * D, B) if batched else (num_layers * D,)
        states.append(leaf(rand(sshape + (P,), dtype, seed=seed + 1)))
        if kind == "LSTM":
            states.append(leaf(rand(sshape + (H,), dtype, seed=seed + 2)))
    if kind == "LSTM":
        hx = (states[0][0], states[1][0]) if states else None
        thx = (states[0][1], states[1][1]) if states else None
        y, (h, c) = ours(x, hx)
        ty, (th, tc) = theirs(tx, thx)
        outs, touts = [y, h, c], [ty, th, tc]
    else:
        y, h = ours(x, states[0][0] if states else None)
        ty, th = theirs(tx, states[0][1] if states else None)
        outs, touts = [y, h], [ty, th]
    check_outputs_and_grads(kind, dtype, outs, touts, (x, tx), states, ours, theirs)


def check_outputs_and_grads(kind, dtype, outs, touts, inputs, states, ours, theirs):
    """Each output equals torch's; then, through a random weighting of all of them, the gradients
    of the input, of each initial state and of every parameter do too."""
    loss, tloss = 0, 0
    for k, (o, t) in enumerate(zip(outs, touts, strict=True)):
        assert_close(o, t, dtype, what=f"{kind} output {k}")
        w = rand(tuple(t.shape), dtype, seed=10 + k)
        loss = loss + (o * cr.tensor(w)).sum()
        tloss = tloss + (t * torch.from_numpy(w)).sum()
    loss.backward()
    tloss.backward()
    x, tx = inputs
    assert_close(x.grad, tx.grad, dtype, what="gradient of the input")
    for k, (s, ts) in enumerate(states):
        assert_close(s.grad, ts.grad, dtype, what=f"gradient of initial state {k}")
    assert_same_grads(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("initial", [False, True])
def test_layer_matches_torch(dtype, kind, num_layers, bidirectional, batch_first, initial):
    compare_layer(kind, dtype, num_layers=num_layers, bidirectional=bidirectional,
                  batch_first=batch_first, initial=initial)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("initial", [False, True])
def test_lstm_proj_size_matches_torch(dtype, num_layers, bidirectional, initial):
    compare_layer("LSTM", dtype, num_layers=num_layers, bidirectional=bidirectional,
                  initial=initial, proj_size=3, H=5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("initial", [False, True])
def test_unbatched_and_no_bias_match_torch(dtype, kind, initial):
    compare_layer(kind, dtype, batched=False, initial=initial, num_layers=2, bidirectional=True)
    compare_layer(kind, dtype, bias=False, initial=initial)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=12, deadline=None)
@given(T=st.integers(1, 7), B=st.integers(1, 5), I=st.integers(1, 6), H=st.integers(1, 6),
       num_layers=st.integers(1, 2), bidirectional=st.booleans(), dtype=st.sampled_from(DTYPES),
       seed=st.integers(0, 1000))
def test_sizes_match_torch(kind, T, B, I, H, num_layers, bidirectional, dtype, seed):
    compare_layer(kind, dtype, T=T, B=B, I=I, H=H, num_layers=num_layers,
                  bidirectional=bidirectional, initial=seed % 2 == 1, seed=seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["RNNCell_tanh", "RNNCell_relu", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("initial", [False, True])
def test_cells_match_torch(dtype, kind, batched, initial):
    I, H, B = 4, 5, 3
    ours, theirs = twins(kind, I, H, dtype)
    x, tx = leaf(rand((B, I) if batched else (I,), dtype))
    sshape = (B, H) if batched else (H,)
    states = [leaf(rand(sshape, dtype, seed=k + 1)) for k in range(2 if kind == "LSTMCell" else 1)]
    if kind == "LSTMCell":
        hx = (states[0][0], states[1][0]) if initial else None
        thx = (states[0][1], states[1][1]) if initial else None
        outs, touts = list(ours(x, hx)), list(theirs(tx, thx))
    else:
        outs, touts = [ours(x, states[0][0] if initial else None)], [theirs(tx, states[0][1] if initial else None)]
    loss, tloss = 0, 0
    for k, (o, t) in enumerate(zip(outs, touts, strict=True)):
        assert_close(o, t, dtype, what=f"{kind} output {k}")
        w = rand(tuple(t.shape), dtype, seed=10 + k)
        loss, tloss = loss + (o * cr.tensor(w)).sum(), tloss + (t * torch.from_numpy(w)).sum()
    loss.backward()
    tloss.backward()
    assert_close(x.grad, tx.grad, dtype, what="gradient of the input")
    if initial:
        for k, (s, ts) in enumerate(states):
            assert_close(s.grad, ts.grad, dtype, what=f"gradient of state {k}")
    assert_same_grads(ours, theirs, dtype)


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck(kind):
    """Backprop through time equals central differences (float64), for input and h0."""
    cr.manual_seed(0)
    name, _, nl = kind.partition("_")
    layer = getattr(nn, name)(2, 3, num_layers=2, bidirectional=True, dtype=np.float64,
                              **({"nonlinearity": nl} if nl else {}))
    x = cr.tensor(rand((4, 2, 2), np.float64), requires_grad=True)
    h0 = cr.tensor(rand((4, 2, 3), np.float64, seed=1), requires_grad=True)
    if name == "LSTM":
        c0 = cr.tensor(rand((4, 2, 3), np.float64, seed=2), requires_grad=True)
        assert gradcheck(lambda a, b, c: layer(a, (b, c))[1][1].sum() + layer(a, (b, c))[0].sum(),
                         (x, h0, c0))
    else:
        assert gradcheck(lambda a, b: layer(a, b)[0].sum() + (layer(a, b)[1] ** 2).sum(), (x, h0))
    w = layer.weight_hh_l0_reverse
    assert gradcheck(lambda p: (layer(x, h0 if name != "LSTM" else (h0, h0))[0] ** 2).sum(), (w,))


@pytest.mark.parametrize("kind", KINDS)
def test_parameter_names_shapes_and_init_match_torch(kind):
    name, _, nl = kind.partition("_")
    kw = dict(num_layers=2, bidirectional=True, **({"nonlinearity": nl} if nl else {}))
    ours, theirs = getattr(nn, name)(3, 8, **kw), getattr(torch.nn, name)(3, 8, **kw)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    bound = 1 / math.sqrt(8)
    for n, p in ours.named_parameters():
        assert p.dtype == np.float32
        assert np.abs(p._data).max() <= bound, n
        assert p._data.std() > bound / 4, n  # U(-b, b) has std b / sqrt(3)
    ours_to = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(ours_to)  # the state_dict moves into torch unchanged
    lstm = nn.LSTM(3, 8, proj_size=4, bidirectional=True)
    tl = torch.nn.LSTM(3, 8, proj_size=4, bidirectional=True)
    assert [(n, tuple(p.shape)) for n, p in lstm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tl.named_parameters()]
    assert repr(ours).replace("chainrule", "") == repr(theirs)


def test_dropout_between_layers_only_in_training():
    cr.manual_seed(0)
    ours, theirs = twins("GRU", 3, 4, np.float64, num_layers=2, dropout=0.5)
    x = rand((6, 2, 3), np.float64)
    ours.eval()
    theirs.eval()
    assert_close(ours(cr.tensor(x))[0], theirs(torch.from_numpy(x))[0], np.float64)
    ours.train()
    cr.manual_seed(1)
    a = ours(cr.tensor(x))[0]
    cr.manual_seed(1)
    b = ours(cr.tensor(x))[0]
    np.testing.assert_array_equal(a._data, b._data)  # the seeded generator: runs repeat
    assert not np.allclose(a._data, ours.eval()(cr.tensor(x))[0]._data)
    with pytest.warns(UserWarning, match="num_layers"):
        nn.GRU(3, 4, dropout=0.5)


def test_errors_name_the_layer_and_shapes():
    gru = nn.GRU(3, 4)
    with pytest.raises(ValueError, match=r"GRU.*input_size.*Expected 3, got 5"):
        gru(cr.randn(2, 1, 5))
    with pytest.raises(ValueError, match=r"GRU.*2D.*3D.*\(2, 3, 1, 3\)"):
        gru(cr.randn(2, 3, 1, 3))
    with pytest.raises(ValueError, match=r"GRU.*hx of shape \(1, 2, 4\).*\(1, 3, 4\)"):
        gru(cr.randn(5, 2, 3), cr.randn(1, 3, 4))
    with pytest.raises(TypeError, match=r"GRU.*float64.*float32"):
        gru(cr.randn(5, 2, 3, dtype=cr.float64))
    with pytest.raises(ValueError, match="proj_size"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple"):
        nn.LSTM(3, 4)(cr.randn(5, 2, 3), cr.randn(1, 2, 4))
    with pytest.raises(TypeError, match=r"GRUCell: hidden state dtype float64"):
        nn.GRUCell(3, 4)(cr.randn(2, 3), cr.randn(2, 4, dtype=cr.float64))
    with pytest.raises(ValueError, match=r"LSTMCell.*\[batch, 3\]"):
        nn.LSTMCell(3, 4)(cr.randn(2, 7))


def test_mnist1d_gru_shapes_and_training_step():
    """The paper repository's model: GRU(1, 6, bidirectional) over 40 steps -> Linear(480, 10)."""
    cr.manual_seed(0)
    gru, head = nn.GRU(1, 6, batch_first=True, bidirectional=True), nn.Linear(480, 10)
    x = cr.randn(8, 40, 1)
    out, h = gru(x)
    assert tuple(out.shape) == (8, 40, 12) and tuple(h.shape) == (2, 8, 6)
    logits = head(out.reshape(8, 480))
    nn.functional.cross_entropy(logits, cr.tensor(np.arange(8) % 10)).backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad._data)) for p in gru.parameters())
