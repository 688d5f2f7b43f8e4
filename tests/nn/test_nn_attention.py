"""scaled_dot_product_attention and MultiheadAttention against PyTorch: outputs, attention
weights, and the gradients of the inputs and of every parameter."""

import math

import numpy as np
import pytest
import torch
from nn_twin import DTYPES, assert_close, assert_same_grads, pair, rand, torch_to_ours

import chainrule as cr
from chainrule import nn
from chainrule.errors import ShapeError
from chainrule.nn import functional as F


def _tdtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def _const(array):
    """The same constant (a mask) in both libraries."""
    return cr.tensor(array.copy()), torch.tensor(array.copy())


def _backward_both(outs, touts, dtype):
    """Backpropagate the same random weighting of the outputs through both libraries."""
    loss, tloss = 0, 0
    for k, (o, t) in enumerate(zip(outs, touts, strict=True)):
        w = rand(tuple(t.shape), dtype, seed=50 + k)
        loss = loss + (o * cr.tensor(w)).sum()
        tloss = tloss + (t * torch.from_numpy(w)).sum()
    loss.backward()
    tloss.backward()


# =========================================================================== scaled_dot_product_attention
def _sdpa_case(dtype, q_shape, k_shape, v_shape, mask=None, **kw):
    q, tq = pair(rand(q_shape, dtype, seed=1))
    k, tk = pair(rand(k_shape, dtype, seed=2))
    v, tv = pair(rand(v_shape, dtype, seed=3))
    m = tm = None
    if mask is not None:
        m, tm = pair(mask) if mask.dtype.kind == "f" else _const(mask)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, **kw)
    assert_close(out, tout, dtype, what="attention output")
    _backward_both([out], [tout], dtype)
    for name, a, b in (("query", q, tq), ("key", k, tk), ("value", v, tv)):
        assert_close(a.grad, b.grad, dtype, what=f"gradient of {name}")
    if m is not None and mask.dtype.kind == "f":
        assert_close(m.grad, tm.grad, dtype, what="gradient of the float mask")
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [
    ((5, 4), (6, 4), (6, 3)),                    # unbatched
    ((2, 5, 4), (2, 6, 4), (2, 6, 7)),           # [B, L, E]
    ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4)),  # [B, H, L, E]
    ((2, 3, 5, 4), (1, 3, 6, 4), (1, 3, 6, 4)),  # batch dims broadcast
])
def test_sdpa_shapes(dtype, shapes):
    _sdpa_case(dtype, *shapes)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sdpa_masks_scale_and_causal(dtype):
    shapes = ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4))
    rng = np.random.default_rng(0)
    bool_mask = rng.random((5, 6)) > 0.3
    bool_mask[:, 0] = True  # every row attends somewhere
    _sdpa_case(dtype, *shapes, mask=bool_mask)
    _sdpa_case(dtype, *shapes, mask=rng.random((2, 1, 5, 6)) > 0.5)  # broadcast over the heads
    _sdpa_case(dtype, *shapes, mask=rand((5, 6), dtype, seed=9))  # a float mask (with gradient)
    _sdpa_case(dtype, *shapes, is_causal=True)
    _sdpa_case(dtype, *shapes, mask=bool_mask, is_causal=True)  # both: the mask and the causal one
    _sdpa_case(dtype, *shapes, scale=0.3)
    _sdpa_case(dtype, *shapes, mask=bool_mask, scale=2.0, is_causal=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sdpa_fully_masked_rows_are_zero(dtype):
    mask = np.ones((5, 6), dtype=bool)
    mask[1] = False  # row 1 attends to nothing: 0 out, 0 gradient (as torch), not NaN
    out = _sdpa_case(dtype, (2, 5, 4), (2, 6, 4), (2, 6, 4), mask=mask)
    assert np.all(out.detach().numpy()[:, 1] == 0)
    neg = np.zeros((5, 6), dtype=dtype)
    neg[2] = -np.inf
    _sdpa_case(dtype, (2, 5, 4), (2, 6, 4), (2, 6, 4), mask=neg)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sdpa_grouped_query_attention(dtype):
    _sdpa_case(dtype, (2, 6, 5, 4), (2, 2, 7, 4), (2, 3, 7, 4), enable_gqa=True)
    _sdpa_case(dtype, (6, 5, 4), (3, 7, 4), (3, 7, 4), enable_gqa=True, is_causal=True)


def test_sdpa_dropout_is_applied_whenever_p_is_positive():
    q, k, v = (cr.randn(2, 8, 16, 4) for _ in range(3))
    plain = F.scaled_dot_product_attention(q, k, v)
    cr.manual_seed(0)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert not np.allclose(plain.numpy(), dropped.numpy())
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0)
    # the weights are dropped and rescaled by 1 / (1 - p): the mean output stays about the same
    v1 = cr.ones(2, 8, 16, 4)
    mean = F.scaled_dot_product_attention(q, k, v1, dropout_p=0.5).numpy().mean()
    assert abs(mean - 1) < 0.1


def test_sdpa_errors():
    q, k, v = cr.randn(2, 5, 4), cr.randn(2, 6, 4), cr.randn(2, 6, 4)
    with pytest.raises(ShapeError, match="key"):
        F.scaled_dot_product_attention(q, cr.randn(2, 6, 3), v)
    with pytest.raises(ShapeError, match="value"):
        F.scaled_dot_product_attention(q, k, cr.randn(2, 7, 4))
    with pytest.raises(ShapeError, match="attn_mask"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.ones(5, 5, dtype=cr.bool))
    with pytest.raises(TypeError, match="attn_mask dtype"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.ones(5, 6, dtype=cr.int64))
    with pytest.raises(TypeError, match="same dtype"):
        F.scaled_dot_product_attention(q, k.double(), v)
    with pytest.raises(ValueError, match="dropout probability"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(ShapeError, match="multiple"):
        F.scaled_dot_product_attention(cr.randn(3, 5, 4), cr.randn(2, 6, 4), cr.randn(2, 6, 4),
                                       enable_gqa=True)
    with pytest.raises(TypeError, match="query"):
        F.scaled_dot_product_attention(np.zeros((5, 4)), k, v)


# =========================================================================== MultiheadAttention
E, H, L, S, N = 8, 2, 5, 6, 3


def twins(dtype, embed_dim=E, num_heads=H, **kw):
    theirs = torch.nn.MultiheadAttention(embed_dim, num_heads, dtype=_tdtype(dtype), **kw)
    ours = nn.MultiheadAttention(embed_dim, num_heads, dtype=dtype, **kw)
    torch_to_ours(ours, theirs)
    return ours, theirs


def compare_mha(dtype, *, kw=None, batched=True, self_attention=False, key_padding_mask=None,
                attn_mask=None, **call):
    kw = kw or {}
    ours, theirs = twins(dtype, **kw)
    kdim, vdim = kw.get("kdim") or E, kw.get("vdim") or E
    bf = kw.get("batch_first", False)

    def shape(seq, feat):
        if not batched:
            return (seq, feat)
        return (N, seq, feat) if bf else (seq, N, feat)

    q, tq = pair(rand(shape(L, E), dtype, seed=1))
    if self_attention:
        (k, tk), (v, tv) = (q, tq), (q, tq)
        inputs = [("query", q, tq)]
    else:
        k, tk = pair(rand(shape(S, kdim), dtype, seed=2))
        v, tv = pair(rand(shape(S, vdim), dtype, seed=3))
        inputs = [("query", q, tq), ("key", k, tk), ("value", v, tv)]
    masks = {}
    for name, m in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
        if m is not None:
            masks[name] = _const(m)
    out, w = ours(q, k, v, **{n: m[0] for n, m in masks.items()}, **call)
    tout, tw = theirs(tq, tk, tv, **{n: m[1] for n, m in masks.items()}, **call)
    assert_close(out, tout, dtype, what="attention output")
    assert (w is None) == (tw is None)
    outs, touts = [out], [tout]
    if w is not None:
        assert_close(w, tw, dtype, what="attention weights")
        outs.append(w)
        touts.append(tw)
    _backward_both(outs, touts, dtype)
    for name, a, b in inputs:
        assert_close(a.grad, b.grad, dtype, what=f"gradient of {name}")
    assert_same_grads(ours, theirs, dtype)
    return out, w


OPTIONS = [
    {},
    {"bias": False},
    {"batch_first": True},
    {"kdim": 3, "vdim": 5},
    {"kdim": 3, "vdim": 5, "batch_first": True, "bias": False},
    {"add_bias_kv": True},
    {"add_zero_attn": True},
    {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3, "vdim": 5},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", OPTIONS, ids=lambda kw: ",".join(kw) or "default")
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_matches_torch(dtype, kw, need_weights):
    compare_mha(dtype, kw=kw, need_weights=need_weights)
    rng = np.random.default_rng(1)
    kpm = rng.random((N, S)) > 0.6
    kpm[:, 0] = False  # every batch element keeps a key
    compare_mha(dtype, kw=kw, need_weights=need_weights, key_padding_mask=kpm,
                attn_mask=rng.random((L, S)) > 0.8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_self_attention_and_per_head_weights(dtype, batch_first):
    kw = {"batch_first": batch_first}
    compare_mha(dtype, kw=kw, self_attention=True)
    _, w = compare_mha(dtype, kw=kw, self_attention=True, average_attn_weights=False)
    assert tuple(w.shape) == (N, H, L, L)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks(dtype, need_weights):
    rng = np.random.default_rng(2)
    kw = dict(need_weights=need_weights)
    compare_mha(dtype, key_padding_mask=rand((N, S), dtype, seed=7), **kw)  # float padding mask
    compare_mha(dtype, attn_mask=rand((L, S), dtype, seed=8), **kw)  # float attention mask
    per_head = rng.random((N * H, L, S)) > 0.7
    per_head[..., 0] = False
    compare_mha(dtype, attn_mask=per_head, **kw)  # [N * H, L, S]
    compare_mha(dtype, attn_mask=rand((N * H, L, S), dtype, seed=9), **kw)
    causal = np.triu(np.full((L, L), -np.inf, dtype=dtype), 1)
    compare_mha(dtype, self_attention=True, attn_mask=causal, is_causal=True, **kw)
    compare_mha(dtype, self_attention=True, attn_mask=np.triu(np.ones((L, L), bool), 1), **kw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True, "add_zero_attn": True}],
                         ids=["default", "kdim_vdim", "bias_kv_zero_attn"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched(dtype, kw, need_weights):
    rng = np.random.default_rng(3)
    kpm = rng.random(S) > 0.6
    kpm[0] = False
    out, w = compare_mha(dtype, kw=kw, batched=False, need_weights=need_weights,
                         key_padding_mask=kpm, attn_mask=rng.random((H, L, S)) > 0.8)
    assert tuple(out.shape) == (L, E)
    if need_weights:
        extra = kw.get("add_bias_kv", False) + kw.get("add_zero_attn", False)
        assert tuple(w.shape) == (L, S + extra)
    compare_mha(dtype, kw=kw, batched=False, average_attn_weights=False)


def test_mha_parameters_state_dict_init_and_repr():
    for kw in OPTIONS:
        ours, theirs = nn.MultiheadAttention(E, H, **kw), torch.nn.MultiheadAttention(E, H, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict()), kw
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        assert repr(ours) == repr(theirs)
        theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    m = nn.MultiheadAttention(E, H)
    bound = math.sqrt(6 / (E + 3 * E))  # xavier_uniform_ over the stacked [3E, E]
    assert np.abs(m.in_proj_weight.detach().numpy()).max() <= bound
    assert np.all(m.in_proj_bias.detach().numpy() == 0)
    assert np.all(m.out_proj.bias.detach().numpy() == 0)
    assert isinstance(m.out_proj, nn.Linear)
    assert (m.head_dim, m.batch_first, m._qkv_same_embed_dim) == (E // H, False, True)
    assert nn.MultiheadAttention(E, H, kdim=3)._qkv_same_embed_dim is False


def test_mha_dropout_only_in_training():
    cr.manual_seed(0)
    m = nn.MultiheadAttention(E, H, dropout=0.5)
    x = cr.randn(L, N, E)
    eval_out = m.eval()(x, x, x)[0].detach().numpy()
    ref = nn.MultiheadAttention(E, H)
    ref.load_state_dict(m.state_dict())
    np.testing.assert_allclose(eval_out, ref(x, x, x)[0].detach().numpy(), rtol=1e-6)
    m.train()
    assert not np.allclose(m(x, x, x)[0].detach().numpy(), eval_out)
    assert not np.allclose(m(x, x, x, need_weights=False)[0].detach().numpy(), eval_out)


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 1)
    m = nn.MultiheadAttention(E, H)
    x = cr.randn(L, N, E)
    with pytest.raises(ShapeError, match=r"MultiheadAttention\(embed_dim=8, num_heads=2\).*query"):
        m(cr.randn(L, N, 4), x, x)
    with pytest.raises(ShapeError, match="3-D"):
        m(x, cr.randn(L, E), x)
    with pytest.raises(ShapeError, match="batch sizes"):
        m(x, cr.randn(L, 2, E), cr.randn(L, 2, E))
    with pytest.raises(ShapeError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=cr.zeros(L, N, dtype=cr.bool))
    with pytest.raises(ShapeError, match="attn_mask"):
        m(x, x, x, attn_mask=cr.zeros(N, L, L, dtype=cr.bool))
    with pytest.raises(TypeError, match="attn_mask dtype"):
        m(x, x, x, attn_mask=cr.zeros(L, L, dtype=cr.int64))
    with pytest.raises(RuntimeError, match="is_causal"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ShapeError, match="unbatched 2D or batched 3D"):
        m(cr.randn(E), cr.randn(E), cr.randn(E))
