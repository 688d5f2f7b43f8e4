"""The Transformer encoder and decoder layers, their stacks and nn.Transformer against PyTorch:
outputs and the gradients of the inputs and of every parameter (training mode with dropout 0, so
that torch takes its plain path and both compute the same math), state_dicts, reprs, masks and
errors."""

import warnings

import numpy as np
import pytest
import torch
from nn_twin import DTYPES, assert_close, assert_same_grads, pair, rand, torch_to_ours

import chainrule as cr
from chainrule import nn

D, NHEAD, FF, L, N = 8, 2, 16, 5, 3


def _tdtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def _const(array):
    return cr.tensor(array.copy()), torch.tensor(array.copy())


def layer_twins(dtype, **kw):
    kw.setdefault("dropout", 0.0)
    theirs = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dtype=_tdtype(dtype), **kw)
    ours = nn.TransformerEncoderLayer(D, NHEAD, FF, dtype=dtype, **kw)
    torch_to_ours(ours, theirs)
    return ours, theirs


def encoder_twins(dtype, num_layers=2, final_norm=True, **kw):
    kw.setdefault("dropout", 0.0)
    layer = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dtype=_tdtype(dtype), **kw)
    norm = torch.nn.LayerNorm(D, dtype=_tdtype(dtype)) if final_norm else None
    theirs = torch.nn.TransformerEncoder(layer, num_layers, norm=norm, enable_nested_tensor=False)
    our_layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dtype=dtype, **kw)
    our_norm = nn.LayerNorm(D, dtype=dtype) if final_norm else None
    ours = nn.TransformerEncoder(our_layer, num_layers, norm=our_norm, enable_nested_tensor=False)
    for p in theirs.parameters():  # layers that differ, so that a mix-up would show
        p.data.add_(torch.randn_like(p) * 0.1)
    torch_to_ours(ours, theirs)
    return ours, theirs


def compare(ours, theirs, dtype, *, batched=True, batch_first=False, **masks):
    shape = ((N, L, D) if batch_first else (L, N, D)) if batched else (L, D)
    return run_twins(ours, theirs, dtype, {"src": pair(rand(shape, dtype, seed=1))}, masks)


def run_twins(ours, theirs, dtype, inputs, masks):
    """Call both with the (ours, theirs) ``inputs`` in order and the ``masks`` (arrays become
    constants of each library, anything else passes as is); compare the outputs, then the
    gradients of each input and of every parameter after the same backward."""
    args, targs = {}, {}
    for name, m in masks.items():
        if isinstance(m, np.ndarray):
            args[name], targs[name] = _const(m)
        else:
            args[name] = targs[name] = m
    y = ours(*(a for a, _ in inputs.values()), **args)
    ty = theirs(*(b for _, b in inputs.values()), **targs)
    assert_close(y, ty, dtype, what="output")
    g = rand(tuple(ty.shape), dtype, seed=7)
    y.backward(cr.tensor(g))
    ty.backward(torch.from_numpy(g))
    for name, (a, b) in inputs.items():
        assert_close(a.grad, b.grad, dtype, what=f"gradient of {name}")
    assert_same_grads(ours, theirs, dtype)
    return y


LAYER_OPTIONS = [
    {},
    {"norm_first": True},
    {"activation": "gelu"},
    {"batch_first": True},
    {"bias": False},
    {"layer_norm_eps": 1e-3, "norm_first": True, "batch_first": True},
]


def _ids(kw):
    return ",".join(f"{k}={v}" for k, v in kw.items()) or "default"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", LAYER_OPTIONS, ids=_ids)
def test_encoder_layer_matches_torch(dtype, kw):
    ours, theirs = layer_twins(dtype, **kw)
    bf = kw.get("batch_first", False)
    compare(ours, theirs, dtype, batch_first=bf)
    rng = np.random.default_rng(0)
    kpm = rng.random((N, L)) > 0.6
    kpm[:, 0] = False
    causal = np.triu(np.full((L, L), -np.inf, dtype=dtype), 1)
    compare(ours, theirs, dtype, batch_first=bf, src_mask=causal, src_key_padding_mask=kpm.astype(dtype) * -1e9)
    compare(ours, theirs, dtype, batch_first=bf, src_mask=causal, is_causal=True)
    compare(ours, theirs, dtype, batch_first=bf, src_mask=np.triu(np.ones((L, L), bool), 1),
            src_key_padding_mask=kpm)


@pytest.mark.parametrize("dtype", DTYPES)
def test_encoder_layer_unbatched_and_activation_modules(dtype):
    ours, theirs = layer_twins(dtype)
    compare(ours, theirs, dtype, batched=False)
    kpm = np.array([False, True, False, False, True])
    compare(ours, theirs, dtype, batched=False, src_key_padding_mask=kpm)
    theirs = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, 0.0, torch.nn.GELU(approximate="tanh"),
                                              dtype=_tdtype(dtype))
    ours = nn.TransformerEncoderLayer(D, NHEAD, FF, 0.0, nn.GELU(approximate="tanh"), dtype=dtype)
    torch_to_ours(ours, theirs)
    compare(ours, theirs, dtype)
    assert repr(ours) == repr(theirs)
    assert ours.activation_relu_or_gelu == theirs.activation_relu_or_gelu == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"norm_first": True, "activation": "gelu"}, {"batch_first": True}],
                         ids=_ids)
@pytest.mark.parametrize("final_norm", [True, False])
def test_encoder_matches_torch(dtype, kw, final_norm):
    ours, theirs = encoder_twins(dtype, final_norm=final_norm, **kw)
    bf = kw.get("batch_first", False)
    compare(ours, theirs, dtype, batch_first=bf)
    rng = np.random.default_rng(1)
    kpm = rng.random((N, L)) > 0.6
    kpm[:, 0] = False
    causal = nn.Transformer.generate_square_subsequent_mask(L, dtype=dtype).numpy()
    compare(ours, theirs, dtype, batch_first=bf, mask=causal, src_key_padding_mask=kpm * np.array(-1e9, dtype))
    compare(ours, theirs, dtype, batch_first=bf, mask=causal == -np.inf, src_key_padding_mask=kpm)
    compare(ours, theirs, dtype, batch_first=bf, mask=causal, is_causal=True)
    compare(ours, theirs, dtype, batch_first=bf, mask=rand((L, L), dtype, seed=4))


def test_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF)
    enc = nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    assert len(enc.layers) == enc.num_layers == 3
    ws = [m.linear1.weight for m in enc.layers] + [layer.linear1.weight]
    assert len({id(w) for w in ws}) == 4
    assert all(np.array_equal(w.detach().numpy(), ws[0].detach().numpy()) for w in ws)


def test_state_dicts_and_reprs_match_torch():
    for kw in LAYER_OPTIONS:
        ours = nn.TransformerEncoderLayer(D, NHEAD, FF, **kw)
        theirs = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
        theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NHEAD, FF), 2, norm=nn.LayerNorm(D),
                                 enable_nested_tensor=False)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, NHEAD, FF), 2,
                                         norm=torch.nn.LayerNorm(D), enable_nested_tensor=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def test_generate_square_subsequent_mask():
    for sz in (1, 4):
        m = nn.Transformer.generate_square_subsequent_mask(sz)
        assert_close(m, torch.nn.Transformer.generate_square_subsequent_mask(sz), what="mask")
    m64 = nn.Transformer.generate_square_subsequent_mask(3, dtype=cr.float64)
    assert_close(m64, torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64))


def test_nested_tensor_warning_as_torch():
    for kw in ({}, {"batch_first": True}, {"batch_first": True, "norm_first": True}):
        with warnings.catch_warnings(record=True) as ours_w:
            warnings.simplefilter("always")
            ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NHEAD, FF, **kw), 1)
        with warnings.catch_warnings(record=True) as theirs_w:
            warnings.simplefilter("always")
            theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, NHEAD, FF, **kw), 1)
        assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]
        assert ours.use_nested_tensor == theirs.use_nested_tensor


def test_dropout_only_in_training():
    cr.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.5)
    x = cr.randn(L, N, D)
    eval_out = layer.eval()(x).detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), eval_out)
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), eval_out)


def test_errors():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, NHEAD, activation="tanh")
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF)
    x = cr.randn(L, N, D)
    with pytest.raises(TypeError, match="only bool and floating types of src_key_padding_mask"):
        layer(x, src_key_padding_mask=cr.zeros(N, L, dtype=cr.int64))
    with pytest.raises(RuntimeError, match="is_causal"):
        layer(x, is_causal=True)
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.TransformerEncoderLayer(D, 3)
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and src_mask"):
        layer(x, src_mask=cr.zeros(L, L), src_key_padding_mask=cr.zeros(N, L, dtype=cr.bool))


# =========================================================================== decoder, Transformer
T = 4  # target length (the source has L)


def _copy_perturbed(ours, theirs):
    for p in theirs.parameters():  # weights that differ from layer to layer
        p.data.add_(torch.randn_like(p) * 0.1)
    torch_to_ours(ours, theirs)


def compare_decoder(ours, theirs, dtype, *, batch_first=False, batched=True, **masks):
    def shape(seq):
        if not batched:
            return (seq, D)
        return (N, seq, D) if batch_first else (seq, N, D)

    inputs = {"tgt": pair(rand(shape(T), dtype, seed=1)), "memory": pair(rand(shape(L), dtype, seed=2))}
    run_twins(ours, theirs, dtype, inputs, masks)


def _decoder_masks(dtype, batched=True):
    rng = np.random.default_rng(5)
    tkpm = rng.random((N, T) if batched else T) > 0.6
    mkpm = rng.random((N, L) if batched else L) > 0.6
    tkpm[..., 0] = mkpm[..., 0] = False
    causal = nn.Transformer.generate_square_subsequent_mask(T, dtype=dtype).numpy()
    return dict(tgt_mask=causal, tgt_key_padding_mask=tkpm * np.array(-1e9, dtype),
                memory_key_padding_mask=mkpm, memory_mask=rng.random((T, L)) > 0.8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", LAYER_OPTIONS, ids=_ids)
def test_decoder_layer_matches_torch(dtype, kw):
    kw = {"dropout": 0.0, **kw}
    theirs = torch.nn.TransformerDecoderLayer(D, NHEAD, FF, dtype=_tdtype(dtype), **kw)
    ours = nn.TransformerDecoderLayer(D, NHEAD, FF, dtype=dtype, **kw)
    torch_to_ours(ours, theirs)
    bf = kw.get("batch_first", False)
    compare_decoder(ours, theirs, dtype, batch_first=bf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns of the mixed bool/float masks
        compare_decoder(ours, theirs, dtype, batch_first=bf, **_decoder_masks(dtype))
        compare_decoder(ours, theirs, dtype, batched=False, **_decoder_masks(dtype, batched=False))
    compare_decoder(ours, theirs, dtype, batch_first=bf, tgt_is_causal=True,
                    tgt_mask=nn.Transformer.generate_square_subsequent_mask(T, dtype=dtype).numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("final_norm", [True, False])
def test_decoder_matches_torch(dtype, final_norm):
    layer = torch.nn.TransformerDecoderLayer(D, NHEAD, FF, 0.0, dtype=_tdtype(dtype))
    norm = torch.nn.LayerNorm(D, dtype=_tdtype(dtype)) if final_norm else None
    theirs = torch.nn.TransformerDecoder(layer, 2, norm=norm)
    our_norm = nn.LayerNorm(D, dtype=dtype) if final_norm else None
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NHEAD, FF, 0.0, dtype=dtype), 2, our_norm)
    _copy_perturbed(ours, theirs)
    compare_decoder(ours, theirs, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_decoder(ours, theirs, dtype, **_decoder_masks(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"batch_first": True, "norm_first": True, "activation": "gelu"}],
                         ids=_ids)
def test_transformer_matches_torch(dtype, kw):
    args = dict(d_model=D, nhead=NHEAD, num_encoder_layers=2, num_decoder_layers=2,
                dim_feedforward=FF, dropout=0.0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the nested-tensor note, from both
        theirs = torch.nn.Transformer(**args, dtype=_tdtype(dtype))
        ours = nn.Transformer(**args, dtype=dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    torch_to_ours(ours, theirs)
    bf = kw.get("batch_first", False)
    inputs = {"src": pair(rand((N, L, D) if bf else (L, N, D), dtype, seed=1)),
              "tgt": pair(rand((N, T, D) if bf else (T, N, D), dtype, seed=2))}
    kpm = np.array([[False] * (L - 1) + [True]] * N)
    run_twins(ours, theirs, dtype, inputs, dict(
        tgt_mask=nn.Transformer.generate_square_subsequent_mask(T, dtype=dtype).numpy(),
        src_key_padding_mask=kpm, memory_key_padding_mask=kpm))


def test_transformer_init_and_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = nn.Transformer(D, NHEAD, 1, 1, FF)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()  # xavier_uniform_, not Linear's own
    assert np.abs(w).max() <= np.sqrt(6 / (D + FF))
    assert np.all(model.encoder.layers[0].self_attn.in_proj_bias.detach().numpy() == 0)
    assert (model.d_model, model.nhead, model.batch_first) == (D, NHEAD, False)
    with pytest.raises(RuntimeError, match="batch number"):
        model(cr.randn(L, N, D), cr.randn(T, N + 1, D))
    with pytest.raises(RuntimeError, match="feature number"):
        model(cr.randn(L, N, D), cr.randn(T, N, D + 1))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerDecoderLayer(D, NHEAD, activation="elu")
