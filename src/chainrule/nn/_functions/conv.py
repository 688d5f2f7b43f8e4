"""Convolution as the lecture's FC layer: im2col, then one matrix product.

A convolution applies the same small FC layer to every patch of its input. Cut the padded input
``X [N, C, *L]`` into its patches (im2col, a strided *view*: no copy until the reshape), one row a
patch, and the convolution is ``Y = cols @ W^T + b``, exactly ``Linear``::

    cols  = im2col(pad(X))       # [N*P, C*K]      P output positions, K = prod(kernel)
    Y     = cols @ W^T + b       # [N*P, O]        W = weight.reshape(O, C*K)
    dW    = G^T @ cols           # [O, C*K]        G = dLoss/dY, one row a position
    db    = sum_rows G           # [O]
    dcols = G @ W                # [N*P, C*K]
    dX    = col2im(dcols)        # [N, C, *L]      each patch's gradient added back where it came from

``col2im`` is the gradient of im2col: a patch element came from one input element, and an input
element feeds every patch that covers it, so the patch gradients are *summed* back (a loop over the
kernel offsets, each adding one strided slice: the lecture's total derivative).

With ``groups = G`` the channels split into ``G`` independent convolutions (depthwise: ``G = C``):
the matrices gain a leading group axis and the product is batched over it.

The transposed convolution is this layer's input gradient used as a forward pass (``Y =
col2im(X W)``), and its backward is an ordinary convolution (``dX = im2col(G) W^T``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...autograd.function import Function

Pads = Sequence[tuple[int, int]]  # (before, after) per spatial dim


def out_size(length: int, k: int, s: int, d: int) -> int:
    """Number of windows of ``k`` taps ``d`` apart, ``s`` apart, in ``length`` elements."""
    return (length - d * (k - 1) - 1) // s + 1


def im2col(xp: np.ndarray, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
           outs: Sequence[int]) -> np.ndarray:
    """The patches of ``xp [N, C, *Lp]`` as a view ``[N, C, *P, *K]`` (no copy).

    Element ``[n, c, p.., k..]`` is ``xp[n, c, p*stride + k*dilation ...]``.
    """
    lead = xp.shape[:-len(kernel)]
    st = xp.strides[:len(lead)]
    sp = xp.strides[len(lead):]
    strides = st + tuple(a * s for a, s in zip(sp, stride)) + tuple(a * d for a, d in zip(sp, dilation))
    return as_strided(xp, lead + tuple(outs) + tuple(kernel), strides, writeable=False)


def col2im(dcols: np.ndarray, padded: Sequence[int], stride: Sequence[int],
           dilation: Sequence[int]) -> np.ndarray:
    """The gradient of :func:`im2col`: ``dcols [N, C, *P, *K]`` summed into ``[N, C, *padded]``.

    One strided slice a kernel offset: ``dX[.., k*d : k*d + s*(P-1) + 1 : s] += dcols[.., k]``.
    """
    nd = len(padded)
    lead = dcols.shape[:-2 * nd]
    outs, kernel = dcols.shape[-2 * nd:-nd], dcols.shape[-nd:]
    dx = np.zeros(lead + tuple(padded), dtype=dcols.dtype)
    for offset in np.ndindex(*kernel):
        where = tuple(slice(k * d, k * d + s * (p - 1) + 1, s)
                      for k, d, s, p in zip(offset, dilation, stride, outs))
        dx[(...,) + where] += dcols[(...,) + offset]
    return dx


def zero_pad(x: np.ndarray, pads: Pads) -> np.ndarray:
    """``x`` with zeros around its last ``len(pads)`` dims (``x`` itself when no padding)."""
    if not any(a or b for a, b in pads):
        return x
    lead = x.shape[:x.ndim - len(pads)]
    xp = np.zeros(lead + tuple(n + a + b for n, (a, b) in zip(x.shape[len(lead):], pads)), dtype=x.dtype)
    crop(xp, pads, x.shape[len(lead):])[...] = x  # (np.pad does the same in many more steps)
    return xp


def crop(x: np.ndarray, pads: Pads, sizes: Sequence[int]) -> np.ndarray:
    """The part of a padded ``x`` that was the input: ``x[.., before : before + size]``."""
    return x[(...,) + tuple(slice(b, b + n) for (b, _), n in zip(pads, sizes))]


def _gmm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a[g] @ b[g]`` for each group ``g``: one 2-d matrix product a group (NumPy's stacked
    matmul is several times slower than BLAS on 2-d operands, transposed ones included)."""
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return np.stack([x @ y for x, y in zip(a, b)])


def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """``[N, C, ...] -> [N, G, C/G, ...]`` (a view)."""
    return a.reshape(a.shape[0], groups, a.shape[1] // groups, *a.shape[2:])


def _rows_to_nchw(y: np.ndarray, n: int, outs: tuple[int, ...]) -> np.ndarray:
    """``[G, N*P, O/G] -> [N, O, *P]``."""
    groups, nd = y.shape[0], len(outs)
    y = y.reshape((groups, n) + outs + (y.shape[-1],))  # [G, N, *P, O/G]
    y = y.transpose((1, 0, 2 + nd) + tuple(range(2, 2 + nd)))  # [N, G, O/G, *P]
    return y.reshape((n, -1) + outs)


def _nchw_to_rows(g: np.ndarray, groups: int) -> np.ndarray:
    """``[N, O, *P] -> [G, N*P, O/G]`` (the inverse of :func:`_rows_to_nchw`)."""
    n, o, outs = g.shape[0], g.shape[1], g.shape[2:]
    nd = len(outs)
    g = g.reshape((n, groups, o // groups) + outs)
    g = g.transpose((1, 0) + tuple(range(3, 3 + nd)) + (2,))  # [G, N, *P, O/G]
    return g.reshape(groups, -1, o // groups)


def _patches_to_rows(win: np.ndarray, groups: int) -> np.ndarray:
    """Patches ``[N, C, *P, *K] -> cols [G, N*P, C/G*K]`` (the one copy of im2col)."""
    nd = (win.ndim - 2) // 2
    n, c = win.shape[:2]
    win = _grouped(win, groups)  # [N, G, C/G, *P, *K]
    win = win.transpose((1, 0) + tuple(range(3, 3 + nd)) + (2,) + tuple(range(3 + nd, 3 + 2 * nd)))
    return win.reshape(groups, n * int(np.prod(win.shape[2:2 + nd])), -1)


def _rows_to_patches(cols: np.ndarray, n: int, outs: tuple[int, ...],
                     kernel: tuple[int, ...]) -> np.ndarray:
    """``[G, N*P, C/G*K] -> [N, C, *P, *K]`` (the inverse of :func:`_patches_to_rows`)."""
    groups, nd = cols.shape[0], len(outs)
    cols = cols.reshape((groups, n) + outs + (-1,) + kernel)  # [G, N, *P, C/G, *K]
    cols = cols.transpose((1, 0, 2 + nd) + tuple(range(2, 2 + nd)) + tuple(range(3 + nd, 3 + 2 * nd)))
    return cols.reshape((n, -1) + outs + kernel)


class ConvNd(Function):
    """``Y = conv(X, weight) + b`` over 1 or 2 spatial dims: im2col plus one (grouped) matmul.

    ``x [N, C, *L]``, ``weight [O, C/G, *K]``, ``bias [O]`` or None; ``pads`` are (before,
    after) zero widths per spatial dim (other padding modes pad before calling this).
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups):
        n, o, kernel = x.shape[0], weight.shape[0], weight.shape[2:]
        xp = zero_pad(x, pads)  # [N, C, *Lp]
        outs = tuple(out_size(lp, k, s, d) for lp, k, s, d in zip(xp.shape[2:], kernel, stride, dilation))
        cols = _patches_to_rows(im2col(xp, kernel, stride, dilation, outs), groups)  # [G, N*P, C/G*K]
        w = weight.reshape(groups, o // groups, -1)  # [G, O/G, C/G*K]
        y = _rows_to_nchw(_gmm(cols, w.transpose(0, 2, 1)), n, outs)  # Y = cols W^T   [N, O, *P]
        if bias is not None:
            y += bias.reshape((o,) + (1,) * len(kernel))  # b broadcast over batch and positions
        ctx.cols, ctx.w = cols, w
        ctx.geom = (x.shape, weight.shape, xp.shape[2:], pads, stride, dilation, groups, outs)
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        x_shape, w_shape, padded, pads, stride, dilation, groups, outs = ctx.geom
        g2 = _nchw_to_rows(g, groups)  # G as rows: [G, N*P, O/G]
        dw = _gmm(g2.transpose(0, 2, 1), ctx.cols).reshape(w_shape) if need_w else None  # dW = G^T cols
        db = g.sum(axis=(0,) + tuple(range(2, g.ndim))) if need_b else None  # [O]
        dx = None
        if need_x:
            dcols = _gmm(g2, ctx.w)  # dcols = G W   [G, N*P, C/G*K]
            patches = _rows_to_patches(dcols, x_shape[0], outs, w_shape[2:])  # [N, C, *P, *K]
            dx = crop(col2im(patches, padded, stride, dilation), pads, x_shape[2:])  # [N, C, *L]
        return dx, dw, db


class ConvTransposeNd(Function):
    """The transposed convolution: the gradient of :class:`ConvNd` w.r.t. its input, as a layer.

    ``x [N, C_in, *L]``, ``weight [C_in, C_out/G, *K]``. Each input position emits a patch
    ``x_p W`` that is added into the output where a convolution would have read it::

        Y  = crop(col2im(X W)) + b     # X [G, N*L, C_in/G], W [G, C_in/G, C_out/G*K]
        dX = im2col(pad(G)) W^T        # [G, N*L, C_in/G]: an ordinary convolution of G
        dW = X^T im2col(pad(G))        # [G, C_in/G, C_out/G*K]
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, dilation, groups):
        n, c_in, kernel = x.shape[0], weight.shape[0], weight.shape[2:]
        ins = x.shape[2:]
        # the full output (every patch entirely), plus output_padding at the end
        full = tuple((li - 1) * s + d * (k - 1) + 1 + op
                     for li, s, d, k, op in zip(ins, stride, dilation, kernel, output_padding))
        outs = tuple(f - 2 * p for f, p in zip(full, padding))
        pads = tuple((p, f - p - lo) for p, f, lo in zip(padding, full, outs))
        rows = _nchw_to_rows(x, groups)  # [G, N*L, C_in/G]
        w = weight.reshape(groups, c_in // groups, -1)  # [G, C_in/G, C_out/G*K]
        patches = _rows_to_patches(_gmm(rows, w), n, ins, kernel)  # [N, C_out, *L, *K]
        y = np.ascontiguousarray(crop(col2im(patches, full, stride, dilation), pads, outs))
        if bias is not None:
            y += bias.reshape((-1,) + (1,) * len(kernel))
        ctx.rows, ctx.w = rows, w
        ctx.geom = (weight.shape, full, pads, stride, dilation, groups, ins)
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        w_shape, full, pads, stride, dilation, groups, ins = ctx.geom
        gp = zero_pad(g, pads)  # back to the full size  [N, C_out, *full]
        cols = _patches_to_rows(im2col(gp, w_shape[2:], stride, dilation, ins), groups)  # [G, N*L, C_out/G*K]
        dx = _rows_to_nchw(_gmm(cols, ctx.w.transpose(0, 2, 1)), g.shape[0], ins) if need_x else None
        dw = _gmm(ctx.rows.transpose(0, 2, 1), cols).reshape(w_shape) if need_w else None  # X^T cols
        db = g.sum(axis=(0,) + tuple(range(2, g.ndim))) if need_b else None
        return dx, dw, db


class Unfold(Function):
    """``F.unfold``: the patches of ``[N, C, H, W]`` as columns ``[N, C*kh*kw, P]`` (im2col);
    the backward sums the columns back (col2im)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride):
        pads = tuple((p, p) for p in padding)
        xp = zero_pad(x, pads)
        outs = tuple(out_size(lp, k, s, d) for lp, k, s, d in zip(xp.shape[2:], kernel, stride, dilation))
        win = im2col(xp, kernel, stride, dilation, outs)  # [N, C, *P, *K]
        nd = len(kernel)
        cols = win.transpose((0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd)))
        ctx.geom = (x.shape, xp.shape[2:], pads, kernel, stride, dilation, outs)
        return cols.reshape(x.shape[0], -1, int(np.prod(outs)))  # [N, C*K, P]

    @staticmethod
    def backward(ctx, g):
        x_shape, padded, pads, kernel, stride, dilation, outs = ctx.geom
        nd = len(kernel)
        g = g.reshape(x_shape[:2] + tuple(kernel) + tuple(outs))  # [N, C, *K, *P]
        patches = g.transpose((0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd)))
        return (crop(col2im(patches, padded, stride, dilation), pads, x_shape[2:]),)


class Fold(Function):
    """``F.fold``: columns ``[N, C*kh*kw, P]`` summed into ``[N, C, *output_size]`` (col2im);
    the backward cuts the gradient into patches (im2col)."""

    array_io = True

    @staticmethod
    def forward(ctx, cols, output_size, kernel, dilation, padding, stride):
        pads = tuple((p, p) for p in padding)
        padded = tuple(o + 2 * p for o, p in zip(output_size, padding))
        outs = tuple(out_size(lp, k, s, d) for lp, k, s, d in zip(padded, kernel, stride, dilation))
        nd = len(kernel)
        n = cols.shape[0]
        patches = cols.reshape((n, -1) + tuple(kernel) + outs)  # [N, C, *K, *P]
        patches = patches.transpose((0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd)))
        ctx.geom = (cols.shape, padded, pads, kernel, stride, dilation, outs)
        return np.ascontiguousarray(crop(col2im(patches, padded, stride, dilation), pads, output_size))

    @staticmethod
    def backward(ctx, g):
        cols_shape, padded, pads, kernel, stride, dilation, outs = ctx.geom
        nd = len(kernel)
        win = im2col(zero_pad(g, pads), kernel, stride, dilation, outs)  # [N, C, *P, *K]
        win = win.transpose((0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd)))
        return (win.reshape(cols_shape),)
