"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, and their functional forms.

A convolution is the lecture's FC layer applied to every patch of its input: im2col cuts the
patches, one matrix product ``Y = cols @ W^T + b`` does the rest, and the backward is the FC
layer's (``dW = G^T cols``, ``dcols = G W``, the patch gradients summed back). The math, with
shapes, is in :mod:`chainrule.nn._functions.conv`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import ops as _ops
from ..errors import ShapeError
from ..tensor import Tensor
from . import init
from ._functions.conv import ConvNd, ConvTransposeNd, out_size
from ._functions.conv import Fold as FoldFunction
from ._functions.conv import Unfold as UnfoldFunction
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "conv1d", "conv2d",
           "conv_transpose1d", "conv_transpose2d", "fold", "unfold"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def ntuple(value: Any, n: int, op: Any, name: str, minimum: int = 0) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints as a tuple of ``n`` ints, each ``>= minimum``."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in items):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{op}: {name} must be >= {minimum} in every dim, got {value!r}")
    return tuple(int(v) for v in items)


def _same_pads(kernel: Sequence[int], dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """'same' padding: ``d (k - 1)`` in all, the extra element (when odd) on the right, as PyTorch."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))


def _checked_weight(op: Any, weight: Tensor, nd: int, groups: int, first: str, second: str) -> np.ndarray:
    """The weight's array, ``[first, second/groups, *kernel]``, with ``groups`` a positive int
    that divides ``first``; errors name ``op``."""
    w = weight._data
    if w.ndim != nd + 2:
        raise ShapeError(f"{op}: weight must be [{first}, {second}/groups, {_SPATIAL[nd]}], "
                         f"got shape {tuple(w.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if w.shape[0] % groups:
        raise ValueError(f"{op}: {first}={w.shape[0]} is not divisible by groups={groups}")
    return w


def _channels_input(op: str, input: Tensor, w: np.ndarray, c: int, nd: int) -> tuple[Tensor, bool]:  # noqa: A002
    """``input`` as ``[N, c, *spatial]`` (a missing batch dim added: ``unbatched``), checked against
    the ``c`` channels and the dtype of the weight ``w``; errors name ``op`` and the shapes."""
    expect = f"[N, {c}, {_SPATIAL[nd]}] or [{c}, {_SPATIAL[nd]}]"
    x, unbatched = _batched(input, nd, op, expect)
    if x._data.shape[1] != c:
        raise ShapeError(f"{op} expected input {expect}, got shape {tuple(input._data.shape)}")
    if x._data.dtype != w.dtype:
        raise TypeError(f"{op}: input dtype {_dt.dtype_name(x._data.dtype)} does not match weight dtype "
                        f"{_dt.dtype_name(w.dtype)}; convert the input (x.to(weight.dtype)) or the layer")
    return x, unbatched


def _batched(x: Tensor, nd: int, op: str, expect: str) -> tuple[Tensor, bool]:
    """``x`` with a batch dim (an unbatched ``[C, *L]`` gains one), and whether it was unbatched."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    ndim = x._data.ndim
    if ndim == nd + 2:
        return x, False
    if ndim == nd + 1:
        return x.unsqueeze(0), True
    raise ShapeError(f"{op} expected input {expect}, got shape {tuple(x._data.shape)}")


def _conv(nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,  # noqa: A002
          dilation: Any, groups: int, op: Any, padding_mode: str = "zeros") -> Tensor:
    """The checks and padding of ``conv{nd}d``, then one :class:`ConvNd` node. ``op`` names the
    operation in error messages (a layer is passed itself: its repr is built only for an error)."""
    w = _checked_weight(op, weight, nd, groups, "out_channels", "in_channels")
    c = w.shape[1] * groups
    x, unbatched = _channels_input(op, input, w, c, nd)
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {_dt.dtype_name(x._data.dtype)}")
    stride = ntuple(stride, nd, op, "stride", 1)
    dilation = ntuple(dilation, nd, op, "dilation", 1)
    kernel = w.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                                 f"(stride={stride})")
            pads = _same_pads(kernel, dilation)
        else:
            raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
    else:
        pads = tuple((p, p) for p in ntuple(padding, nd, op, "padding"))
    if padding_mode != "zeros" and any(a or b for a, b in pads):
        # reflect / replicate / circular: pad first (a differentiable op), then convolve
        widths = [v for ab in reversed(pads) for v in ab]
        x = _ops.pad(x, widths, {"reflect": "reflect", "replicate": "replicate", "circular": "circular"}[padding_mode])
        pads = ((0, 0),) * nd
    sizes = x._data.shape[2:]
    for n, (a, b), k, d in zip(sizes, pads, kernel, dilation):
        if n + a + b < d * (k - 1) + 1:
            raise ShapeError(
                f"{op}: the (padded) input is smaller than the kernel: input shape "
                f"{tuple(input._data.shape)}, padding {tuple(pads)}, kernel size {tuple(kernel)}, "
                f"dilation {dilation}")
    if bias is not None and tuple(bias._data.shape) != (w.shape[0],):
        raise ShapeError(f"{op}: bias must have shape ({w.shape[0]},), got {tuple(bias._data.shape)}")
    y = ConvNd.apply(x, weight, bias, stride, pads, dilation, int(groups))
    return y.squeeze(0) if unbatched else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution (a cross-correlation, as in PyTorch): ``[N, C, L] -> [N, O, L_out]``,
    ``L_out = floor((L + 2 pad - dil (k - 1) - 1) / stride) + 1``."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d convolution: ``[N, C, H, W] -> [N, O, H_out, W_out]``, each side as in :func:`conv1d`."""
    return _conv(2, input, weight, bias, stride, padding, dilation, groups, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-d convolution: ``[N, C, D, H, W] -> [N, O, D_out, H_out, W_out]`` (volumes, videos), each
    side as in :func:`conv1d`."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups, "conv3d")


def _conv_transpose(nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,  # noqa: A002
                    padding: Any, output_padding: Any, groups: int, dilation: Any, op: Any) -> Tensor:
    w = _checked_weight(op, weight, nd, groups, "in_channels", "out_channels")
    c = w.shape[0]
    x, unbatched = _channels_input(op, input, w, c, nd)
    stride = ntuple(stride, nd, op, "stride", 1)
    dilation = ntuple(dilation, nd, op, "dilation", 1)
    padding = ntuple(padding, nd, op, "padding")
    output_padding = ntuple(output_padding, nd, op, "output_padding")
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= max(s, d):
            raise ValueError(f"{op}: output_padding must be smaller than either stride or dilation, "
                             f"got output_padding={output_padding}, stride={stride}, dilation={dilation}")
    for n, s, d, k, p, o in zip(x._data.shape[2:], stride, dilation, w.shape[2:], padding, output_padding):
        if (n - 1) * s - 2 * p + d * (k - 1) + o + 1 < 1:
            raise ShapeError(f"{op}: the output would be empty for input shape {tuple(input._data.shape)}, "
                             f"kernel size {tuple(w.shape[2:])}, stride {stride}, padding {padding}")
    y = ConvTransposeNd.apply(x, weight, bias, stride, padding, output_padding, dilation, int(groups))
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The gradient of :func:`conv1d` as a layer: ``L_out = (L - 1) stride - 2 pad + dil (k - 1)
    + output_padding + 1``; ``weight [C_in, C_out/groups, k]``."""
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation,
                           "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The gradient of :func:`conv2d` as a layer (each side as in :func:`conv_transpose1d`)."""
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation,
                           "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The gradient of :func:`conv3d` as a layer (each side as in :func:`conv_transpose1d`)."""
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation,
                           "conv_transpose3d")


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    """im2col: the patches of ``[N, C, H, W]`` as columns ``[N, C*kh*kw, P]`` (``[C, H, W]`` too)."""
    x, unbatched = _batched(input, 2, "unfold", "[N, C, H, W] or [C, H, W]")
    kernel = ntuple(kernel_size, 2, "unfold", "kernel_size", 1)
    dilation = ntuple(dilation, 2, "unfold", "dilation", 1)
    padding = ntuple(padding, 2, "unfold", "padding")
    stride = ntuple(stride, 2, "unfold", "stride", 1)
    for n, k, d, p in zip(x._data.shape[2:], kernel, dilation, padding):
        if n + 2 * p < d * (k - 1) + 1:
            raise ShapeError(f"unfold: the padded input {tuple(input._data.shape)} (padding {padding}) "
                             f"is smaller than the kernel {kernel} (dilation {dilation})")
    y = UnfoldFunction.apply(x, kernel, dilation, padding, stride)
    return y.squeeze(0) if unbatched else y


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
         stride: Any = 1) -> Tensor:
    """col2im: columns ``[N, C*kh*kw, P]`` summed into ``[N, C, *output_size]`` (overlaps add)."""
    x, unbatched = _batched(input, 1, "fold", "[N, C*kh*kw, P] or [C*kh*kw, P]")
    size = ntuple(output_size, 2, "fold", "output_size", 1)
    kernel = ntuple(kernel_size, 2, "fold", "kernel_size", 1)
    dilation = ntuple(dilation, 2, "fold", "dilation", 1)
    padding = ntuple(padding, 2, "fold", "padding")
    stride = ntuple(stride, 2, "fold", "stride", 1)
    rows, cols = x._data.shape[1:]
    k = kernel[0] * kernel[1]
    blocks = math.prod(out_size(n + 2 * p, kk, s, d)
                       for n, p, kk, s, d in zip(size, padding, kernel, stride, dilation))
    if rows % k or cols != blocks:
        raise ShapeError(f"fold: expected input [N, C*{k}, {blocks}] for output_size={size}, "
                         f"kernel_size={kernel}, got shape {tuple(input._data.shape)}")
    y = FoldFunction.apply(x, size, kernel, dilation, padding, stride)
    return y.squeeze(0) if unbatched else y


# =========================================================================== layers
class _ConvNd(Module):
    """The shared parameters, init and repr of the convolution layers."""

    _nd = 0
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", output_padding: Any = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (1 if arg == "groups" else 0):
                raise ValueError(f"{name}: {arg} must be a {'positive' if arg == 'groups' else 'non-negative'} "
                                 f"int, got {v!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups, got {in_channels} and {groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups, got {out_channels} and {groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = ntuple(kernel_size, nd, name, "kernel_size", 1)
        self.stride = ntuple(stride, nd, name, "stride", 1)
        self.dilation = ntuple(dilation, nd, name, "dilation", 1)
        self.output_padding = ntuple(output_padding, nd, name, "output_padding")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be 'same', 'valid', an int or a tuple, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = ntuple(padding, nd, name, "padding")
        self.padding_mode = padding_mode
        d = _dt.as_dtype(dtype)
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=d))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_ with a = sqrt(5) (``U(-1/sqrt(fan_in), ...)``), and
        the bias ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; ``fan_in = weight.shape[1] * prod(kernel)``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, 0, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _conv(self._nd, input, self.weight, self.bias, self.stride, self.padding,
                     self.dilation, self.groups, self, self.padding_mode)  # self: named in errors


class Conv1d(_Conv):
    """A 1-d convolution layer: ``[N, C_in, L] -> [N, C_out, L_out]`` (PyTorch's signature).

    ``weight [C_out, C_in/groups, k]``, ``bias [C_out]``. Every output position is the FC layer
    ``y = W x_patch + b`` of the patch of ``k`` taps (``dilation`` apart) it sees; positions are
    ``stride`` apart. ``padding``: an int, a tuple, ``'valid'`` (none) or ``'same'`` (output as
    long as the input; stride 1), filled as ``padding_mode`` says (zeros, reflect, replicate,
    circular). ``groups`` splits the channels into independent convolutions (depthwise when
    ``groups == C_in``).
    """

    _nd = 1


class Conv2d(_Conv):
    """A 2-d convolution layer: ``[N, C_in, H, W] -> [N, C_out, H_out, W_out]``; ``weight [C_out,
    C_in/groups, kh, kw]``. The arguments mean what they mean for :class:`Conv1d`, per side."""

    _nd = 2


class Conv3d(_Conv):
    """A 3-d convolution layer: ``[N, C_in, D, H, W] -> [N, C_out, D_out, H_out, W_out]``;
    ``weight [C_out, C_in/groups, kd, kh, kw]``. The arguments mean what they mean for
    :class:`Conv1d`, per side."""

    _nd = 3


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}, '
                             f"got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, output_padding, device, dtype)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:  # noqa: A002
        output_padding = self.output_padding
        if output_size is not None:  # the output_padding that gives this size
            size = tuple(int(v) for v in output_size)[-self._nd:]
            least = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                     zip(input.shape[-self._nd:], self.stride, self.padding, self.dilation, self.kernel_size)]
            output_padding = tuple(o - m for o, m in zip(size, least))
            if any(op < 0 or op >= max(s, d) for op, s, d in zip(output_padding, self.stride, self.dilation)):
                most = tuple(m + max(s, d) - 1 for m, s, d in zip(least, self.stride, self.dilation))
                raise ValueError(f"{self!r}: requested an output size of {size}, but valid sizes range "
                                 f"from {tuple(least)} to {most}")
        return _conv_transpose(self._nd, input, self.weight, self.bias, self.stride, self.padding,
                               output_padding, self.groups, self.dilation, self)


class ConvTranspose1d(_ConvTranspose):
    """The transposed 1-d convolution (the gradient of :class:`Conv1d` as a layer, an
    "upsampling" convolution): ``L_out = (L - 1) stride - 2 pad + dil (k - 1) + output_padding + 1``;
    ``weight [C_in, C_out/groups, k]``."""

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """The transposed 2-d convolution; each side as in :class:`ConvTranspose1d`;
    ``weight [C_in, C_out/groups, kh, kw]``."""

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """The transposed 3-d convolution; each side as in :class:`ConvTranspose1d`;
    ``weight [C_in, C_out/groups, kd, kh, kw]``."""

    _nd = 3


class Fold(Module):
    """Sliding blocks ``[N, C k, L]`` summed back into an image ``[N, C, *output_size]``
    (the adjoint of :class:`Unfold`; see :func:`F.fold`)."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """The sliding blocks of an image ``[N, C, H, W]`` as columns ``[N, C k, L]`` (im2col, the
    convolution's first step; see :func:`F.unfold`)."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")
