"""Resizing: ``F.interpolate`` with its layers ``Upsample``, ``UpsamplingNearest2d`` and
``UpsamplingBilinear2d``, and the pixel shuffles (``PixelShuffle``, ``PixelUnshuffle``).

``interpolate`` resamples each spatial axis of ``[N, C, L]`` or ``[N, C, H, W]`` (the index and
weight rules and the backward are in :mod:`chainrule.nn._functions.upsampling`); 'area' is
adaptive average pooling. The pixel shuffles only move elements: a reshape and a permute.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ShapeError
from ..tensor import Tensor
from ._functions.upsampling import Resample, linear_weights, nearest_indices
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "Upsample", "UpsamplingBilinear2d",
           "UpsamplingNearest2d", "interpolate", "pixel_shuffle", "pixel_unshuffle", "upsample"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}  # the input rank of each


def _per_axis(op: str, value: Any, nd: int, name: str, shape: tuple[int, ...]) -> list[Any]:
    if isinstance(value, (tuple, list)):
        if len(value) != nd:
            raise ValueError(f"{op}: input with spatial dims {list(shape[2:])} needs {nd} "
                             f"{name} value(s), got {name}={value!r}")
        return list(value)
    return [value] * nd


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of ``[N, C, L]`` or ``[N, C, H, W]`` to ``size``, or by
    ``scale_factor`` (output ``floor(in * scale_factor)``; the factor itself sets the sampling
    step unless ``recompute_scale_factor``, which uses ``in / out``).

    Modes: 'nearest', 'nearest-exact' (any rank), 'linear' (3-D), 'bilinear' (4-D), with
    ``align_corners`` (default False), and 'area' (adaptive average pooling).
    """
    return _resize("interpolate", input, size, scale_factor, mode, align_corners,
                   recompute_scale_factor, antialias)


def _resize(op: str, input: Tensor, size: Any, scale_factor: Any, mode: str,  # noqa: A002
            align_corners: bool | None, recompute_scale_factor: bool | None, antialias: bool) -> Tensor:
    """:func:`interpolate`, with errors naming ``op`` (the function or the layer)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    x = input._data
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if mode in ("bicubic", "trilinear") or antialias:
        what = f"mode={mode!r}" if not antialias else f"antialias=True (mode={mode!r})"
        raise NotImplementedError(f"{op}: {what} is not supported; use 'nearest', "
                                  "'nearest-exact', 'linear', 'bilinear' or 'area'")
    if mode not in ("nearest", "nearest-exact", "area", "linear", "bilinear"):
        raise NotImplementedError(f"{op}: unknown mode {mode!r}; expected one of 'nearest', "
                                  "'nearest-exact', 'linear', 'bilinear', 'area'")
    if x.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected input [N, C, L] or [N, C, H, W], got shape {tuple(x.shape)}")
    if mode in _LINEAR and _LINEAR[mode] != x.ndim:
        raise ShapeError(f"{op}: mode {mode!r} needs {_LINEAR[mode]}-D input, got shape {tuple(x.shape)}")
    nd = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError(f"{op}: either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an explicit size")
    if size is not None:
        outs = _per_axis(op, size, nd, "size", x.shape)
        scales = [None] * nd
    else:
        scales = [float(s) for s in _per_axis(op, scale_factor, nd, "scale_factor", x.shape)]
        outs = [math.floor(n * s) for n, s in zip(x.shape[2:], scales)]
        if recompute_scale_factor or mode == "area":  # the sampling step from the sizes alone
            scales = [None] * nd
    outs = [int(o) for o in outs]
    if any(o <= 0 for o in outs) or any(n <= 0 for n in x.shape[2:]):
        raise ShapeError(f"{op}: input and output sizes should be greater than 0, got input "
                         f"shape {tuple(x.shape)} and output size {tuple(outs)}")
    if mode == "area":
        from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

        return (adaptive_avg_pool1d if nd == 1 else adaptive_avg_pool2d)(input, tuple(outs))
    if mode in ("linear", "bilinear") and x.dtype.kind != "f":
        raise TypeError(f"{op}: mode {mode!r} needs a floating point input, got dtype {x.dtype}")
    y = input
    for axis in reversed(range(2, x.ndim)):  # along W first, then H (PyTorch's order of sums)
        n, out, scale = x.shape[axis], outs[axis - 2], scales[axis - 2]
        if mode in ("nearest", "nearest-exact"):
            idx = nearest_indices(n, out, scale, mode == "nearest-exact", shortcuts=mode == "nearest" and nd == 2)
            y = Resample.apply(y, axis=axis, i0=idx)
        else:
            i0, i1, l0, l1 = linear_weights(n, out, scale, align_corners, x.dtype)
            y = Resample.apply(y, axis=axis, i0=i0, i1=i1, l0=l0, l1=l1)
    return y


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """The old name of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def _shuffle_input(op: str, input: Tensor, factor: int, name: str) -> tuple[int, ...]:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor <= 0:
        raise ValueError(f"{op}: {name} must be a positive int, got {factor!r}")
    shape = tuple(input._data.shape)
    if len(shape) < 3:
        raise ShapeError(f"{op}: expected input [*, C, H, W] with at least 3 dims, got shape {shape}")
    return shape


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """``[*, C r^2, H, W]`` -> ``[*, C, H r, W r]``: each group of ``r^2`` channels becomes an
    ``r x r`` block of pixels (the sub-pixel convolution's last step)."""
    shape = _shuffle_input("pixel_shuffle", input, upscale_factor, "upscale_factor")
    r = upscale_factor
    *batch, c, h, w = shape
    if c % (r * r):
        raise ShapeError(f"pixel_shuffle: the channel dim of input {shape} must be divisible by "
                         f"upscale_factor^2 = {r * r}, got {c}")
    b = len(batch)
    y = input.reshape(*batch, c // (r * r), r, r, h, w)  # [*, C, r, r, H, W]
    y = y.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)  # [*, C, H, r, W, r]
    return y.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """``[*, C, H r, W r]`` -> ``[*, C r^2, H, W]``, the inverse of :func:`pixel_shuffle`."""
    shape = _shuffle_input("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    r = downscale_factor
    *batch, c, h, w = shape
    if h % r or w % r:
        raise ShapeError(f"pixel_unshuffle: the height and width of input {shape} must be divisible "
                         f"by downscale_factor = {r}")
    b = len(batch)
    y = input.reshape(*batch, c, h // r, r, w // r, r)  # [*, C, H, r, W, r]
    y = y.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)  # [*, C, r, r, H, W]
    return y.reshape(*batch, c * r * r, h // r, w // r)


# =========================================================================== layers
class Upsample(Module):
    """Resize by ``size`` or ``scale_factor`` with :func:`interpolate`'s modes."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _resize(self._get_name(), input, self.size, self.scale_factor, self.mode,
                       self.align_corners, self.recompute_scale_factor, False)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of ``[N, C, H, W]``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of ``[N, C, H, W]`` with ``align_corners=True`` (as PyTorch's)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """``[N, C, *]`` with its channels interleaved across ``groups`` (ShuffleNet): viewed as
    ``[N, g, C/g, *]``, the two channel dims swapped, and flattened back."""
    if not isinstance(groups, int) or groups <= 0:
        raise ValueError(f"channel_shuffle: Number of groups to divide channels in must be positive. Value of "
                         f"groups:{groups}")
    shape = tuple(input.shape)
    if len(shape) < 3:
        raise ShapeError(f"channel_shuffle: expected input of at least 3 dims [N, C, *], got shape {shape}")
    n, c, *rest = shape
    if c % groups:
        raise ShapeError(f"channel_shuffle: Number of channels must be divisible by groups. Got {c} channels and "
                         f"{groups} groups.")
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(shape)


class ChannelShuffle(Module):
    """Interleave the channels across ``groups`` (see :func:`channel_shuffle`)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class PixelShuffle(Module):
    """``[*, C r^2, H, W]`` -> ``[*, C, H r, W r]`` (see :func:`pixel_shuffle`)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``[*, C, H r, W r]`` -> ``[*, C r^2, H, W]`` (see :func:`pixel_unshuffle`)."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
