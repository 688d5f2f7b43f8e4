"""The spatial transformer's two pieces (Jaderberg et al., 2015), as PyTorch's functions:
``affine_grid`` maps the output pixels through an affine transform ``theta`` to where they sample
the input, and ``grid_sample`` reads the input there (bilinear or nearest). Both are
differentiable, in the input and in ``theta``, so a network can learn where to look.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ..autograd import ops as _ops
from ..errors import ShapeError
from ..tensor import Tensor
from ._functions.grid_sample import GridSample2d

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _normalised_positions(size: int, align_corners: bool) -> np.ndarray:
    """The normalised coordinates of ``size`` pixels along a side: their centres in ``(-1, 1)``,
    or ``-1 .. 1`` exactly at the corner pixels' centres with ``align_corners``."""
    if size == 1:
        return np.zeros(1)
    positions = np.linspace(-1, 1, size)
    return positions if align_corners else positions * (size - 1) / size


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid of an affine transform: ``grid[n, h, w] = theta[n] @ (x_w, y_h, 1)`` for
    an output of ``size`` ``[N, C, H, W]`` (``theta`` ``[N, 2, 3]``), or ``[N, C, D, H, W]``
    (``theta`` ``[N, 3, 4]``, ``(x, y, z)``), with ``(x, y)`` the output pixels' normalised
    coordinates."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if not isinstance(theta, Tensor) or theta._data.dtype.kind != "f":
        raise TypeError(f"Expected theta to have floating point type, but got {getattr(theta, 'dtype', type(theta))}")
    size = tuple(int(s) for s in size)
    spatial = len(size) - 2
    if spatial not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    expected = (size[0], spatial, spatial + 1)
    if tuple(theta._data.shape) != expected:
        raise ShapeError(f"Expected a batch of {spatial}D affine matrices of shape Nx{spatial}x{spatial + 1} for "
                         f"size {size}. Got {tuple(theta._data.shape)}.")
    sides = size[2:][::-1]  # (W, H) or (W, H, D): x runs along the last dim
    axes = [_normalised_positions(s, align_corners) for s in sides]
    mesh = np.meshgrid(*axes[::-1], indexing="ij")[::-1]  # x, y (, z), each of shape size[2:]
    base = np.stack([*mesh, np.ones(size[2:])], axis=-1).astype(theta._data.dtype)  # [*out, spatial + 1]
    flat = Tensor._make(base.reshape(1, -1, spatial + 1))
    grid = _ops.matmul(flat, theta.transpose(1, 2))  # [N, prod(out), spatial]
    return grid.reshape(size[0], *size[2:], spatial)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
                align_corners: bool | None = None) -> Tensor:
    """``input`` ``[N, C, H, W]`` read at the normalised points ``grid`` ``[N, Ho, Wo, 2]`` (``(x, y)``,
    ``-1 .. 1`` across the image): ``mode`` ``'bilinear'`` or ``'nearest'``; outside the image
    ``padding_mode`` ``'zeros'``, ``'border'`` (clipped) or ``'reflection'`` (mirrored)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported; use 'bilinear' or 'nearest'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    x, g = input._data, grid._data
    if x.ndim == 5:
        raise NotImplementedError("grid_sample: 5-D (volumetric) input is not supported; 4-D [N, C, H, W] is")
    if x.ndim != 4 or g.ndim != 4 or g.shape[-1] != 2 or g.shape[0] != x.shape[0]:
        raise ShapeError(f"grid_sample: expected input [N, C, H, W] and grid [N, H_out, W_out, 2] with the same N, "
                         f"got input {tuple(x.shape)} and grid {tuple(g.shape)}")
    if x.dtype != g.dtype:
        raise TypeError(f"grid_sample(): expected input and grid to have same dtype, but input has "
                        f"{x.dtype} and grid has {g.dtype}")
    return GridSample2d.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=bool(align_corners))
