"""Sampling an image at arbitrary points, as one graph node: the spatial transformer's sampler.

``grid[n, h, w] = (x, y)`` are normalised coordinates, ``-1`` the left/top edge and ``+1`` the
right/bottom one (pixel centres with ``align_corners=False``, corner pixels' centres with
``True``). Unnormalised, ``ix = ((x + 1) W - 1) / 2`` (or ``(x + 1) (W - 1) / 2``), and bilinear
sampling blends the four pixels around ``(ix, iy)``::

    x0 = floor(ix), x1 = x0 + 1, fx = ix - x0     (and y alike)
    out = (1-fy)(1-fx) I[y0, x0] + (1-fy) fx I[y0, x1] + fy (1-fx) I[y1, x0] + fy fx I[y1, x1]

so the input's gradient puts ``G`` times each weight back at the four pixels, and the grid's is
``d out / d ix = (1-fy)(I[y0, x1] - I[y0, x0]) + fy (I[y1, x1] - I[y1, x0])`` (and ``iy`` alike),
times ``d ix / d x``. Pixels outside the image read 0 (``padding_mode='zeros'``), or the
coordinates are first clipped to the image (``'border'``) or reflected at its edges
(``'reflection'``), which also scales (0 where clipped, -1 where mirrored) the coordinates'
gradient. ``mode='nearest'`` reads the nearest pixel (ties to even): the grid gets no gradient.
"""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function


def _clip(x: np.ndarray, dx: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates clipped to ``[0, size - 1]``; their derivative is 0 where clipped."""
    inside = (x > 0) & (x < size - 1)
    return np.clip(x, 0, size - 1), np.where(inside, dx, 0)


def _reflect(x: np.ndarray, twice_low: int, twice_high: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates mirrored back into ``[twice_low / 2, twice_high / 2]``, and the sign (+1/-1) of
    each one's derivative."""
    if twice_low == twice_high:
        return np.zeros_like(x), np.zeros_like(x)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    offset = x - low
    sign = np.where(offset < 0, -1.0, 1.0)
    distance = np.abs(offset)
    extra, flips = np.fmod(distance, span), np.floor(distance / span)
    even = flips % 2 == 0
    return np.where(even, extra + low, span - extra + low), np.where(even, sign, -sign)


def source_coordinates(g: np.ndarray, size: int, padding_mode: str, align_corners: bool
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates of the normalised ``g`` along a side of ``size`` pixels, and ``d ix / d g``."""
    if align_corners:
        x, scale = (g + 1) / 2 * (size - 1), (size - 1) / 2
    else:
        x, scale = ((g + 1) * size - 1) / 2, size / 2
    dx = np.full_like(x, scale)
    if padding_mode == "border":
        x, dx = _clip(x, dx, size)
    elif padding_mode == "reflection":
        x, sign = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
        x, dx = _clip(x, dx * sign, size)
    return x, dx


class GridSample2d(Function):
    """``out[n, c, h, w] = input[n, c]`` sampled at ``grid[n, h, w]`` (see the module docstring)."""

    array_io = True

    @staticmethod
    def forward(ctx, image, grid, *, mode, padding_mode, align_corners):
        n, c, height, width = image.shape
        ix, dix = source_coordinates(grid[..., 0], width, padding_mode, align_corners)  # [N, Ho, Wo]
        iy, diy = source_coordinates(grid[..., 1], height, padding_mode, align_corners)
        batch = np.arange(n)[:, None, None]
        if mode == "nearest":
            corners = [(np.rint(iy).astype(np.int64), np.rint(ix).astype(np.int64), np.ones_like(ix))]
        else:
            x0, y0 = np.floor(ix).astype(np.int64), np.floor(iy).astype(np.int64)
            fx, fy = ix - x0, iy - y0
            corners = [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
                       (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
            ctx.fx, ctx.fy, ctx.dix, ctx.diy = fx, fy, dix, diy
        out = np.zeros((n, c) + ix.shape[1:], dtype=image.dtype)
        reads = []
        for yc, xc, weight in corners:
            valid = (xc >= 0) & (xc < width) & (yc >= 0) & (yc < height)  # outside the image: 0
            yk, xk = np.clip(yc, 0, height - 1), np.clip(xc, 0, width - 1)
            value = np.moveaxis(image[batch, :, yk, xk], -1, 1) * valid[:, None]  # [N, C, Ho, Wo]
            out += (weight * valid)[:, None].astype(image.dtype) * value
            reads.append((yk, xk, (weight * valid).astype(image.dtype), value))
        ctx.reads, ctx.shape, ctx.mode = reads, image.shape, mode
        return out

    @staticmethod
    def backward(ctx, g):
        need_image, need_grid = ctx.needs_input_grad
        n, c, height, width = ctx.shape
        d_image = d_grid = None
        if need_image:  # G times each weight, back at the pixels read
            d_image = np.zeros((n, height * width, c), dtype=g.dtype)
            g_last = np.moveaxis(g, 1, -1)  # [N, Ho, Wo, C]
            for yk, xk, weight, _ in ctx.reads:
                for b in range(n):
                    np.add.at(d_image[b], (yk[b] * width + xk[b]).reshape(-1),
                              (g_last[b] * weight[b][..., None]).reshape(-1, c))
            d_image = np.moveaxis(d_image.reshape(n, height, width, c), -1, 1)
        if need_grid:
            d_grid = np.zeros(g.shape[:1] + g.shape[2:] + (2,), dtype=g.dtype)
            if ctx.mode != "nearest":
                (_, _, _, v00), (_, _, _, v01), (_, _, _, v10), (_, _, _, v11) = ctx.reads
                fx, fy = ctx.fx[:, None], ctx.fy[:, None]
                d_ix = ((1 - fy) * (v01 - v00) + fy * (v11 - v10)) * g  # [N, C, Ho, Wo]
                d_iy = ((1 - fx) * (v10 - v00) + fx * (v11 - v01)) * g
                d_grid[..., 0] = d_ix.sum(axis=1) * ctx.dix
                d_grid[..., 1] = d_iy.sum(axis=1) * ctx.diy
        return d_image, d_grid
