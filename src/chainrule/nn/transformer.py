"""The Transformer encoder (Vaswani et al., 2017) with PyTorch's module and parameter names:
``TransformerEncoderLayer`` (self-attention, then a position-wise feed-forward network, each in a
residual branch with LayerNorm) and ``TransformerEncoder`` (a stack of copies of one layer)."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from . import functional as F
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerEncoderLayer"]


def _square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """``[sz, sz]``: 0 on and below the diagonal, -inf above (position i sees j <= i)."""
    d = _dt.as_dtype(dtype)
    return Tensor._make(np.triu(np.full((sz, sz), float("-inf"), dtype=d), 1))


class Transformer:
    """Holds :meth:`generate_square_subsequent_mask`, the causal mask of PyTorch's
    ``nn.Transformer`` (the full encoder-decoder model is not provided)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "nn.Transformer (the encoder-decoder model) is not available; build the encoder with "
            "nn.TransformerEncoder(nn.TransformerEncoderLayer(...), num_layers)")

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal mask ``[sz, sz]``: 0 where ``j <= i``, -inf where ``j > i``."""
        return _square_subsequent_mask(sz, dtype)


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


class TransformerEncoderLayer(Module):
    """One encoder layer: ``x = norm1(x + dropout1(self_attn(x)))``, then ``x = norm2(x +
    dropout2(linear2(dropout(activation(linear1(x))))))``; with ``norm_first=True`` the norms
    move inside the branches (``x = x + sa(norm1(x))``, ``x = x + ff(norm2(x))``)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
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

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


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
        first = self.layers[0] if len(self.layers) else None
        batch_first = bool(first is not None and getattr(getattr(first, "self_attn", None), "batch_first", False))
        seq_len = src._data.shape[1 if batch_first and src._data.ndim == 3 else 0]
        is_causal = _detect_is_causal_mask(mask, is_causal, seq_len)
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            output = self.norm(output)
        return output


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """``is_causal`` if given; else whether ``mask`` is the square subsequent (causal) mask."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    causal = np.triu(np.full((size, size), float("-inf")), 1)
    return mask._data.shape == causal.shape and bool((mask._data == causal).all())
