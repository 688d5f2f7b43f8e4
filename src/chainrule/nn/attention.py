"""Attention (Vaswani et al., 2017): ``softmax(Q K^T / sqrt(d) + mask) V``, and the multi-head
layer that projects its inputs into ``num_heads`` such attentions and mixes them back.

Everything is composed of differentiable tensor ops (matmul, softmax, masked_fill, reshape,
transpose, dropout), so the backward is the chain rule through them. Shapes in the comments:
``B`` batch, ``H`` heads, ``L`` target (query) length, ``S`` source (key) length, ``d`` head size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd.ops import shape as _shape_ops
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "scaled_dot_product_attention"]

_NEG_INF = float("-inf")


def _check_mask_dtype(mask: Tensor, name: str, query: Tensor, op: str) -> None:
    kind = mask._data.dtype.kind
    if kind != "b" and (kind != "f" or mask._data.dtype != query._data.dtype):
        raise TypeError(
            f"{op}: expected {name} dtype to be bool or to match the query dtype "
            f"{_dt.dtype_name(query._data.dtype)}, got {_dt.dtype_name(mask._data.dtype)}")


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim, with rows that are all ``-inf`` (nothing to attend to) set to 0
    instead of NaN, as PyTorch's scaled_dot_product_attention does."""
    dead = np.all(scores._data == _NEG_INF, axis=-1, keepdims=True)  # [..., L, 1]
    if not dead.any():
        return scores.softmax(-1)
    dead_t = Tensor._make(dead)
    return scores.masked_fill(dead_t, 0.0).softmax(-1).masked_fill(dead_t, 0.0)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value`` over the last two dims.

    ``query`` ``[..., L, E]``, ``key`` ``[..., S, E]``, ``value`` ``[..., S, Ev]`` ->
    ``[..., L, Ev]``; the leading dims broadcast. ``scale`` defaults to ``1 / sqrt(E)``.
    ``attn_mask`` broadcasts to ``[..., L, S]``: a bool mask says which positions take part
    (True = attend), a float mask is added to the scores. ``is_causal`` lets position ``i`` see
    only ``j <= i`` (combined with ``attn_mask`` when both are given). Dropout with probability
    ``dropout_p`` is applied to the attention weights whenever ``dropout_p > 0`` (the function has
    no training flag: pass 0 in evaluation). ``enable_gqa`` lets ``key``/``value`` have fewer heads
    (dim -3) than ``query``: each key head then serves ``Hq / Hk`` query heads.
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        F._tensor(t, op, name)
        if t._data.ndim < 2:
            raise ShapeError(f"{op}: {name} must have at least 2 dims [..., seq, features], "
                             f"got shape {tuple(t._data.shape)}")
    F._floating(query, op)
    if not (query._data.dtype == key._data.dtype == value._data.dtype):
        raise TypeError(
            f"{op}: expected query, key and value to have the same dtype, got query "
            f"{_dt.dtype_name(query._data.dtype)}, key {_dt.dtype_name(key._data.dtype)} and value "
            f"{_dt.dtype_name(value._data.dtype)}")
    q_shape, k_shape, v_shape = (tuple(t._data.shape) for t in (query, key, value))
    L, E = q_shape[-2:]
    S = k_shape[-2]
    if k_shape[-1] != E or v_shape[-2] != S:
        raise ShapeError(f"{op}: expected query [..., L, E], key [..., S, E] and value "
                         f"[..., S, Ev], got {q_shape}, {k_shape} and {v_shape}")
    if enable_gqa:
        if len(q_shape) < 3 or len(k_shape) < 3 or len(v_shape) < 3:
            raise ShapeError(f"{op}: enable_gqa needs a heads dim (-3) in query, key and value, "
                             f"got {q_shape}, {k_shape} and {v_shape}")
        hq, hk, hv = q_shape[-3], k_shape[-3], v_shape[-3]
        if hq % hk or hq % hv:
            raise ShapeError(f"{op}: with enable_gqa the query heads ({hq}) must be a multiple "
                             f"of the key heads ({hk}) and of the value heads ({hv})")
        key = key.repeat_interleave(hq // hk, dim=-3)      # [..., Hq, S, E]
        value = value.repeat_interleave(hq // hv, dim=-3)  # [..., Hq, S, Ev]
    p = F.check_dropout_p(dropout_p, op)
    factor = 1 / math.sqrt(E) if scale is None else scale
    # Q [..., L, E], K^T [..., E, S] -> scores [..., L, S]
    scores = (query @ key.transpose(-2, -1)) * factor
    if attn_mask is not None:
        F._tensor(attn_mask, op, "attn_mask")
        _check_mask_dtype(attn_mask, "attn_mask", query, op)
        try:
            np.broadcast_shapes(tuple(attn_mask._data.shape), tuple(scores._data.shape))
        except ValueError:
            raise ShapeError(f"{op}: attn_mask of shape {tuple(attn_mask._data.shape)} does not "
                             f"broadcast to the scores [..., L, S] = {tuple(scores._data.shape)}") from None
        if attn_mask._data.dtype == np.bool_:
            scores = scores.masked_fill(~attn_mask, _NEG_INF)  # False = does not take part
        else:
            scores = scores + attn_mask
    if is_causal:
        future = Tensor._make(np.triu(np.ones((L, S), dtype=np.bool_), 1))  # j > i  [L, S]
        scores = scores.masked_fill(future, _NEG_INF)
    weights = _safe_softmax(scores)  # [..., L, S], each row sums to 1 (or is all 0)
    if p > 0:
        weights = F.dropout(weights, p, True)
    return weights @ value  # [..., L, S] @ [..., S, Ev] -> [..., L, Ev]


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear layer under PyTorch's name for the output projection of MultiheadAttention."""


def _float_mask(mask: Tensor | None, name: str, query: Tensor, op: str) -> Tensor | None:
    """A bool mask (True = masked out) as a float mask of the query's dtype: -inf where True,
    0 elsewhere; float masks are kept (they are added to the scores)."""
    if mask is None:
        return None
    F._tensor(mask, op, name)
    _check_mask_dtype(mask, name, query, op)
    if mask._data.dtype != np.bool_:
        return mask
    return Tensor._make(np.where(mask._data, _NEG_INF, 0.0).astype(query._data.dtype))


class MultiheadAttention(Module):
    """Multi-head attention: ``concat(head_1, ..., head_h) W_O`` with
    ``head_i = attention(query W_Q_i, key W_K_i, value W_V_i)``.

    Inputs are ``[L, N, E]`` (``[N, L, E]`` with ``batch_first=True``) or unbatched ``[L, E]``.
    The three input projections are stacked in ``in_proj_weight`` ``[3E, E]`` when the key and
    value have ``embed_dim`` features, or kept apart as ``q_proj_weight``/``k_proj_weight``/
    ``v_proj_weight`` when ``kdim``/``vdim`` differ; ``out_proj`` is ``W_O``. PyTorch's masks:
    ``key_padding_mask`` ``[N, S]`` and ``attn_mask`` ``[L, S]`` or ``[N * num_heads, L, S]``, True
    (bool) = not attended to, floats added to the scores. ``forward`` returns ``(output,
    weights)``, the weights averaged over the heads unless ``average_attn_weights=False`` and
    None when ``need_weights=False``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, "
                             f"got embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        F.check_dropout_p(dropout, "MultiheadAttention")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        d = _dt.as_dtype(dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=d))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dtype=d))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dtype=d))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dtype=d))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * embed_dim, dtype=d))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, embed_dim), dtype=d))
            self.bias_v = Parameter(np.empty((1, 1, embed_dim), dtype=d))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's initialisation: xavier_uniform_ projections, zero biases, xavier_normal_
        bias_k/bias_v (out_proj.weight keeps Linear's own)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _name(self) -> str:
        return f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})"

    def _check_shapes(self, query: Tensor, key: Tensor, value: Tensor,
                      key_padding_mask: Tensor | None, attn_mask: Tensor | None) -> bool:
        """Whether the inputs are batched; raises on inconsistent shapes (PyTorch's checks)."""
        name = self._name()
        q, k, v = (tuple(t._data.shape) for t in (query, key, value))
        if len(q) not in (2, 3):
            raise ShapeError(f"{name}: query should be unbatched 2D or batched 3D tensor but "
                             f"received {len(q)}-D query tensor")
        batched = len(q) == 3
        if len(k) != len(q) or len(v) != len(q):
            raise ShapeError(f"{name}: for {len(q)}-D query, expected key and value to be "
                             f"{len(q)}-D but found {len(k)}-D and {len(v)}-D tensors respectively")
        if q[-1] != self.embed_dim or k[-1] != self.kdim or v[-1] != self.vdim:
            raise ShapeError(f"{name}: expected query [..., {self.embed_dim}], key [..., {self.kdim}] "
                             f"and value [..., {self.vdim}], got {q}, {k} and {v}")
        if k[:-1] != v[:-1]:
            raise ShapeError(f"{name}: key shape {k} does not match value shape {v}")
        if batched:
            n_ax = 0 if self.batch_first else 1
            if q[n_ax] != k[n_ax]:
                raise ShapeError(f"{name}: query and key have different batch sizes, shapes {q} and {k}")
        if key_padding_mask is not None:
            want = (k[0 if self.batch_first else 1], k[1 if self.batch_first else 0]) if batched else (k[0],)
            if tuple(key_padding_mask._data.shape) != want:
                raise ShapeError(f"{name}: expected key_padding_mask of shape {want} ([N, S] or "
                                 f"[S] unbatched), got {tuple(key_padding_mask._data.shape)}")
        if attn_mask is not None:
            L, S = (q[-2], k[-2]) if batched and self.batch_first else (q[0], k[0])
            n = (q[n_ax] if batched else 1) * self.num_heads
            got = tuple(attn_mask._data.shape)
            if got not in ((L, S), (n, L, S)):
                raise ShapeError(f"{name}: expected attn_mask of shape {(L, S)} or {(n, L, S)} "
                                 f"([L, S] or [N * num_heads, L, S]), got {got}")
        return batched

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        name = self._name()
        for arg, t in (("query", query), ("key", key), ("value", value)):
            F._tensor(t, name, arg)
        batched = self._check_shapes(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError(f"{name}: need attn_mask if specifying the is_causal hint; "
                               "Transformer.generate_square_subsequent_mask makes one")
        key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query, name)
        use_causal = is_causal and key_padding_mask is None and not need_weights
        attn_mask = None if use_causal else _float_mask(attn_mask, "attn_mask", query, name)
        if batched and self.batch_first:  # [N, L, E] -> [L, N, E]
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if not batched:  # [L, E] -> [L, 1, E]
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)  # [1, S]
        L, N, E = query._data.shape
        H, d = self.num_heads, self.head_dim
        if attn_mask is not None and attn_mask._data.ndim == 2:
            attn_mask = attn_mask.unsqueeze(0)  # [1, L, S]

        # the input projections  [L, N, E], [S, N, E], [S, N, E]
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q, b_k, b_v = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None,) * 3
        q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
        if self.bias_k is not None:  # one more key/value: the learnt bias  [S + 1, N, E]
            k = _cat_seq(k, self.bias_k.expand(1, N, E), 0)
            v = _cat_seq(v, self.bias_v.expand(1, N, E), 0)
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)

        # split the heads: [L, N, E] -> [L, N * H, d] -> [N * H, L, d]
        q = q.reshape(L, N * H, d).transpose(0, 1)
        k = k.reshape(k._data.shape[0], N * H, d).transpose(0, 1)  # [N * H, S, d]
        v = v.reshape(v._data.shape[0], N * H, d).transpose(0, 1)  # [N * H, S, d]
        if self.add_zero_attn:  # one more key/value of zeros  [N * H, S + 1, d]
            zeros = np.zeros((N * H, 1, d), dtype=q._data.dtype)
            k, v = _cat_seq(k, Tensor._make(zeros), 1), _cat_seq(v, Tensor._make(zeros), 1)
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        S = k._data.shape[1]
        if key_padding_mask is not None:  # [N, S] -> [N, H, 1, S] -> [N * H, 1, S]
            kpm = key_padding_mask.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
            attn_mask = kpm if attn_mask is None else attn_mask + kpm
        p = self.dropout if self.training else 0.0

        if need_weights:
            # Q [N*H, L, d], K^T [N*H, d, S] -> scores [N*H, L, S]
            scores = (q * (1 / math.sqrt(d))) @ k.transpose(-2, -1)
            if attn_mask is not None:
                scores = scores + attn_mask
            weights = scores.softmax(-1)
            if p > 0:
                weights = F.dropout(weights, p, True)
            out = weights @ v  # [N*H, L, d]
            out = out.transpose(0, 1).reshape(L * N, E)  # [L, N*H, d] -> [L*N, E]
            out = self.out_proj(out).reshape(L, N, E)
            weights = weights.reshape(N, H, L, S)
            if average_attn_weights:
                weights = weights.mean(1)  # [N, L, S]
            if not batched:
                out, weights = out.squeeze(1), weights.squeeze(0)
        else:
            if attn_mask is not None:  # [1 or N*H, L, S] -> [1 or N, H, L, S]
                attn_mask = (attn_mask.unsqueeze(0) if attn_mask._data.shape[0] == 1
                             else attn_mask.reshape(N, H, -1, S))
            q, k, v = (t.reshape(N, H, -1, d) for t in (q, k, v))  # [N, H, L or S, d]
            out = scaled_dot_product_attention(q, k, v, attn_mask, p, is_causal=use_causal)
            out = out.permute(2, 0, 1, 3).reshape(L * N, E)  # [N, H, L, d] -> [L, N, H, d]
            out = self.out_proj(out).reshape(L, N, E)
            weights = None
            if not batched:
                out = out.squeeze(1)
        if batched and self.batch_first:
            out = out.transpose(0, 1)  # [L, N, E] -> [N, L, E]
        return out, weights


def _cat_seq(a: Tensor, b: Tensor, dim: int) -> Tensor:
    return _shape_ops.cat([a, b], dim)


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """A float mask with one more (zero, i.e. attended) column."""
    return None if mask is None else F.pad(mask, (0, 1))
