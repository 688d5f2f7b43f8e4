"""The Transformer (Vaswani et al., 2017) with PyTorch's module and parameter names:
``TransformerEncoderLayer`` (self-attention, then a position-wise feed-forward network, each in a
residual branch with LayerNorm), ``TransformerDecoderLayer`` (the same with attention over the
encoder's output, the memory, in between), the stacks ``TransformerEncoder``/``TransformerDecoder``
of copies of one layer, and ``Transformer``, the encoder-decoder model."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from . import functional as F
from . import init
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]


def _square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """``[sz, sz]``: 0 on and below the diagonal, -inf above (position i sees j <= i)."""
    d = _dt.as_dtype(dtype)
    return Tensor._make(np.triu(np.full((sz, sz), float("-inf"), dtype=d), 1))


def _canonical_mask(mask: Tensor | None, name: str, other: Tensor | None, other_name: str,
                    dtype: np.dtype, check_other: bool = True) -> Tensor | None:
    """A bool mask (True = masked out) as a float mask of ``dtype`` (-inf where True, 0
    elsewhere); float masks pass unchanged. Warns, as PyTorch does, when the two masks of a call
    have different types."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a Tensor, not {type(mask).__name__}")
    kind = mask._data.dtype.kind
    if kind not in "bf":
        raise TypeError(f"only bool and floating types of {name} are supported, got "
                        f"{_dt.dtype_name(mask._data.dtype)}")
    if check_other and other is not None and other._data.dtype != mask._data.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same "
                      "type for both instead.", UserWarning, stacklevel=3)
    if kind == "f":
        return mask
    return Tensor._make(np.where(mask._data, float("-inf"), 0.0).astype(dtype))


def _src_masks(owner: str, src: Tensor, mask: Tensor | None, mask_name: str,
               key_padding_mask: Tensor | None) -> tuple[Tensor | None, Tensor | None]:
    """Checks ``src``; the attention mask and the key padding mask as float masks of its dtype."""
    if not isinstance(src, Tensor):
        raise TypeError(f"{owner}: expected a Tensor src, got {type(src).__name__}")
    dtype = src._data.dtype
    key_padding_mask = _canonical_mask(key_padding_mask, "src_key_padding_mask", mask, mask_name,
                                       dtype)
    return _canonical_mask(mask, mask_name, None, "", dtype, check_other=False), key_padding_mask


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if not isinstance(activation, str):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _build_layer(layer: Module, attentions: tuple[str, ...], branches: int, d_model: int,
                 nhead: int, dim_feedforward: int, dropout: float, layer_norm_eps: float,
                 batch_first: bool, norm_first: bool, bias: bool, dtype: Any) -> None:
    """The submodules of an encoder or decoder layer, registered in PyTorch's order: the
    attentions, ``linear1``, ``dropout``, ``linear2``, then ``norm1..n`` and ``dropout1..n`` (one
    of each per residual branch)."""
    for name in attentions:
        setattr(layer, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                batch_first=batch_first, dtype=dtype))
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
    layer.dropout = Dropout(dropout)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
    layer.norm_first = norm_first
    for i in range(1, branches + 1):
        setattr(layer, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
    for i in range(1, branches + 1):
        setattr(layer, f"dropout{i}", Dropout(dropout))


class _TransformerLayer(Module):
    """The residual branches shared by the encoder and decoder layers (``_branches`` of them:
    ``dropout{_branches}`` is the feed-forward branch's)."""

    _branches = 2

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return getattr(self, f"dropout{self._branches}")(x)


class TransformerEncoderLayer(_TransformerLayer):
    """One encoder layer: ``x = norm1(x + dropout1(self_attn(x)))``, then ``x = norm2(x +
    dropout2(linear2(dropout(activation(linear1(x))))))``; with ``norm_first=True`` the norms
    move inside the branches (``x = x + sa(norm1(x))``, ``x = x + ff(norm2(x))``)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _build_layer(self, ("self_attn",), self._branches, d_model, nhead, dim_feedforward, dropout,
                     layer_norm_eps, batch_first, norm_first, bias, dtype)
        activation = _activation(activation)
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        src_mask, src_key_padding_mask = _src_masks("TransformerEncoderLayer", src, src_mask,
                                                    "src_mask", src_key_padding_mask)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x



def _why_no_nested_tensor(layer: Module) -> str:
    """PyTorch's reason for not using nested tensors with this layer ('' when it would)."""
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{type(layer).__name__}.__name__ was not TransformerEncoderLayer"
    if layer.norm_first:
        return "encoder_layer.norm_first was True"
    if not layer.self_attn.batch_first:
        return ("encoder_layer.self_attn.batch_first was not True"
                "(use batch_first for better inference performance)")
    if not layer.self_attn._qkv_same_embed_dim:
        return "encoder_layer.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return "encoder_layer.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return "encoder_layer.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return "encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return "num_head is odd"
    return ""


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    ``is_causal=None`` lets the encoder detect a causal ``mask`` (equal to
    ``Transformer.generate_square_subsequent_mask``) and tell the layers so. Nested tensors (a
    PyTorch inference speed-up) are not used; ``enable_nested_tensor`` is kept for its API.
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_no_nested_tensor(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why_not}", UserWarning, stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool | None = None) -> Tensor:
        mask, src_key_padding_mask = _src_masks("TransformerEncoder", src, mask, "mask",
                                                src_key_padding_mask)
        is_causal = _detect_is_causal_mask(mask, is_causal, _seq_len(self.layers, src))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            output = self.norm(output)
        return output


def _seq_len(layers: ModuleList, x: Tensor) -> int:
    """The sequence length of ``x`` as the first layer's attention reads it."""
    first = layers[0] if len(layers) else None
    batch_first = bool(getattr(getattr(first, "self_attn", None), "batch_first", False))
    return x._data.shape[1 if batch_first and x._data.ndim == 3 else 0]


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """``is_causal`` if given; else whether ``mask`` is the square subsequent (causal) mask."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    causal = np.triu(np.full((size, size), float("-inf")), 1)
    return mask._data.shape == causal.shape and bool((mask._data == causal).all())


class TransformerDecoderLayer(_TransformerLayer):
    """One decoder layer: self-attention over the target, attention over the ``memory`` (the
    encoder's output), then the feed-forward network, each in a residual branch with its
    LayerNorm (``norm1``, ``norm2``, ``norm3``; inside the branches with ``norm_first=True``)."""

    _branches = 3

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _build_layer(self, ("self_attn", "multihead_attn"), self._branches, d_model, nhead,
                     dim_feedforward, dropout, layer_norm_eps, batch_first, norm_first, bias, dtype)
        self.activation = _activation(activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Tensor | None,
                   key_padding_mask: Tensor | None, is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` applied in turn (each attending to the same
    ``memory``), then ``norm`` if given; ``tgt_is_causal=None`` detects a causal ``tgt_mask``."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        if not isinstance(tgt, Tensor):
            raise TypeError(f"TransformerDecoder: expected a Tensor tgt, got {type(tgt).__name__}")
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, _seq_len(self.layers, tgt))
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder model: ``encoder`` (``num_encoder_layers`` layers and a final
    LayerNorm) reads ``src`` into a memory that ``decoder`` attends to while reading ``tgt``.
    Every weight matrix starts xavier_uniform_, as in PyTorch."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)

        def stack(custom: Module | None, layer_cls: type, stack_cls: type, num_layers: int) -> Module:
            if custom is not None:
                return custom
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            return stack_cls(layer_cls(*layer_args, dtype=dtype), num_layers, norm)

        self.encoder = stack(custom_encoder, TransformerEncoderLayer, TransformerEncoder, num_encoder_layers)
        self.decoder = stack(custom_decoder, TransformerDecoderLayer, TransformerDecoder, num_decoder_layers)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p._data.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, src_is_causal: bool | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        for name, t in (("src", src), ("tgt", tgt)):
            if not isinstance(t, Tensor):
                raise TypeError(f"Transformer: expected a Tensor {name}, got {type(t).__name__}")
        s, t = tuple(src._data.shape), tuple(tgt._data.shape)
        n_ax = 0 if self.batch_first else 1
        if len(s) == 3 and (len(t) != 3 or s[n_ax] != t[n_ax]):
            raise RuntimeError(f"the batch number of src and tgt must be equal, got src {s} and tgt {t}")
        if s[-1] != self.d_model or t[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}), got src {s} and tgt {t}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal mask ``[sz, sz]``: 0 where ``j <= i``, -inf where ``j > i``."""
        return _square_subsequent_mask(sz, dtype)
