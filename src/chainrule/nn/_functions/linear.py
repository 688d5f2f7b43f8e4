"""The fully connected layer as one graph node: ``Y = X W + b`` (the lecture's FC layer).

PyTorch stores the weight as ``weight`` of shape ``[out, in]``; the lecture's ``W`` (``[in, out]``)
is ``weight.T``, so ``Y = X @ weight.T + b`` is exactly ``X W + b``. With ``G = dLoss/dY``::

    dX      = G @ weight        # [batch, in]   (= G W^T)
    dweight = G.T @ X           # [out, in]     (= (X^T G)^T)
    dbias   = sum_batch G       # [out]

``weight.T`` and ``G.T`` are views: BLAS reads them transposed, nothing is copied. An input
``[..., in]`` with more leading dims is flattened to ``[batch, in]`` (a view when contiguous).

Dead units. A column ``j`` of ``G`` that is zero for the whole batch (the output unit ``j`` fed
a ReLU that was off for every example: a *dead* unit) contributes nothing: row ``j`` of
``dweight`` is ``0``, and its terms ``G[:, j] weight[j, :]`` of ``dX`` are ``0``. When at most
half the units are live, the backward products run over the live ones only::

    live    = {j : G[n, j] != 0 for some n}           # k of the out units
    dX      = G[:, live] @ weight[live]               # [batch, k] @ [k, in]
    dweight[live] = G[:, live].T @ X;  other rows 0   # [k, batch] @ [batch, in]

The skipped products are ``0 * finite = 0``, so this is exact up to the order in which BLAS sums
the remaining terms. Only when ``X`` or ``weight`` holds an inf or NaN (``0 * inf`` is NaN) does
the skip change the result, so then it is not taken. Training with a large learning rate often
leaves most of a hidden layer dead: in the MNIST-1D recipe (Adam, lr 1e-2) about 80 % of the
second layer's units are dead from step 500 on, and this skips about 80 % of its two backward
products.
"""

from __future__ import annotations

import numpy as np

from ...backend import jit
from ...autograd.function import Function

# The skip needs at most this fraction of the units live, and a product of at least this many
# multiply-adds (batch * out * in): below it the gathering costs more than the products save.
LIVE_FRACTION_TO_SKIP = 0.5
MIN_MULTIPLY_ADDS_TO_SKIP = 1 << 20


def _add_bias_loop(y, bias):
    """``y[n, :] += bias`` for every row: ``X W + b`` with ``b`` broadcast over the batch.
    Returns whether every sum is finite (``v - v`` is 0 for a finite ``v``, NaN for inf or NaN)."""
    rows, cols = y.shape
    non_finite = False
    for n in range(rows):
        for j in range(cols):
            v = y[n, j] + bias[j]
            y[n, j] = v
            non_finite |= (v - v) != 0
    return not non_finite


def _sum_rows_loop(g, out):
    """``out = sum_n g[n, :]``: the bias gradient, the batch summed away (row after row, as NumPy)."""
    rows, cols = g.shape
    for j in range(cols):
        out[j] = 0
    for n in range(rows):
        for j in range(cols):
            out[j] += g[n, j]


def _sum_rows_and_live_loop(g, out, live):
    """``out = sum_n g[n, :]`` as :func:`_sum_rows_loop`, and ``live[j] = any_n g[n, j] != 0``;
    returns the number of live columns."""
    rows, cols = g.shape
    for j in range(cols):
        out[j] = 0
        live[j] = False
    for n in range(rows):
        for j in range(cols):
            value = g[n, j]
            out[j] += value
            live[j] |= value != 0
    count = 0
    for j in range(cols):
        count += live[j]
    return count


def _gather_columns_loop(g, columns, out):
    """``out[n, c] = g[n, columns[c]]``: the live units' columns of ``G``, side by side."""
    rows, k = out.shape
    for n in range(rows):
        for c in range(k):
            out[n, c] = g[n, columns[c]]


def _scatter_rows_loop(rows, at, out):
    """``out[at[r]] = rows[r]`` and every other row of ``out`` 0: the live units' weight gradient
    placed in the full ``[out, in]`` one."""
    count, cols = rows.shape
    r = 0
    for i in range(out.shape[0]):
        if r < count and at[r] == i:
            for j in range(cols):
                out[i, j] = rows[r, j]
            r += 1
        else:
            for j in range(cols):
                out[i, j] = 0


def _has_non_finite_loop(bits, exponent):
    """Is any float non-finite? ``bits`` is the floats' bit pattern (a uint view); a float is
    inf or NaN when all of its exponent bits (``exponent``) are set."""
    found = False
    for i in range(bits.size):
        found |= (bits[i] & exponent) == exponent
    return found


_add_bias_kernel = jit.kernel(_add_bias_loop)
_sum_rows_kernel = jit.kernel(_sum_rows_loop)
_sum_rows_and_live_kernel = jit.kernel(_sum_rows_and_live_loop)
_has_non_finite_kernel = jit.kernel(_has_non_finite_loop)
_gather_columns_kernel = jit.kernel(_gather_columns_loop)
_scatter_rows_kernel = jit.kernel(_scatter_rows_loop)

_EXPONENT_BITS = {np.dtype(np.float32): (np.uint32, np.uint32(0x7F800000)),
                  np.dtype(np.float64): (np.uint64, np.uint64(0x7FF0000000000000))}


def _all_finite(a: np.ndarray) -> bool:
    compiled = _has_non_finite_kernel.compiled()
    if compiled is not None and a.flags.c_contiguous and a.dtype in _EXPONENT_BITS:
        uint, exponent = _EXPONENT_BITS[a.dtype]
        return not compiled(a.reshape(-1).view(uint), exponent)
    return bool(np.isfinite(a).all())


def _bias_grad_and_live_units(g2: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """``(sum_n G, live, k)``: the bias gradient, which of the ``out`` columns of ``G`` hold a
    nonzero (the live units) and how many do."""
    compiled = _sum_rows_and_live_kernel.compiled()
    if compiled is not None and jit.fits(g2):
        db = np.empty(g2.shape[1], g2.dtype)
        live = np.empty(g2.shape[1], np.bool_)
        return db, live, compiled(g2, db, live)
    live = (g2 != 0).any(axis=0)
    return g2.sum(axis=0), live, int(np.count_nonzero(live))


def live_units(g2: np.ndarray, x: np.ndarray, weight: np.ndarray,
               output_finite: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """``(dbias, units)``: the bias gradient ``sum_n G``, and the indices of the live units when
    the backward products may skip the dead ones (else None: too few dead, or an inf or NaN in
    ``X`` or ``weight``). ``G`` is ``[batch, out]``, ``X`` ``[batch, in]``, ``weight`` ``[out, in]``.

    ``output_finite``: the forward's ``Y`` was finite, which proves ``X`` and ``weight`` finite
    (an inf or NaN in ``weight[j]`` makes all of ``Y[:, j]`` inf or NaN, one in ``X[n]`` all of
    ``Y[n]``), so they need no check here.
    """
    db, live, k = _bias_grad_and_live_units(g2)
    if k > LIVE_FRACTION_TO_SKIP * g2.shape[1]:
        return db, None
    if not output_finite and not (_all_finite(weight) and _all_finite(x)):
        return db, None
    return db, np.flatnonzero(live)


def _live_columns(g2: np.ndarray, units: np.ndarray) -> np.ndarray:
    """``G[:, units]``, C-contiguous ``[batch, k]``."""
    compiled = _gather_columns_kernel.compiled()
    if compiled is not None and jit.fits(g2):
        out = np.empty((g2.shape[0], units.size), g2.dtype)
        compiled(g2, units, out)
        return out
    return g2[:, units]


def _rows_at(rows: np.ndarray, units: np.ndarray, out_rows: int) -> np.ndarray:
    """The ``[out_rows, in]`` array holding ``rows[r]`` at row ``units[r]`` and 0 elsewhere."""
    out = np.empty((out_rows, rows.shape[1]), rows.dtype)
    compiled = _scatter_rows_kernel.compiled()
    if compiled is not None and jit.fits(rows):
        compiled(rows, units, out)
    else:
        out.fill(0)
        out[units] = rows
    return out


def _bias_grad(g2: np.ndarray) -> np.ndarray:
    compiled = _sum_rows_kernel.compiled()
    if compiled is not None and jit.fits(g2):
        db = np.empty(g2.shape[1], g2.dtype)
        compiled(g2, db)
        return db
    return g2.sum(axis=0)


class LinearFunction(Function):
    """``Y = X @ weight.T + bias``; one node for the matrix product and the bias."""

    array_io = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])  # [batch, in]
        y = x2 @ weight.T  # [batch, out]
        finite = False  # Y known to be finite (known only from the bias kernel's pass)
        if bias is not None:
            compiled = _add_bias_kernel.compiled()
            if compiled is not None and bias.ndim == 1 and jit.fits(y, bias):
                finite = compiled(y, bias)
            else:
                y += bias
        ctx.x, ctx.weight, ctx.x_shape, ctx.output_finite = x2, weight, x.shape, finite
        if x.ndim != 2:
            y = y.reshape(x.shape[:-1] + (weight.shape[0],))
        return y

    @staticmethod
    def backward(ctx, g):
        x_node, w_node, b_node = ctx._parents  # None: that input needs no gradient
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])  # [batch, out]
        x, weight = ctx.x, ctx.weight
        dx = dw = db = None
        units = None  # the live units' indices, when the products skip the dead ones
        if (x_node is not None or w_node is not None) and g2.shape[0] * weight.size >= MIN_MULTIPLY_ADDS_TO_SKIP:
            db, units = live_units(g2, x, weight, ctx.output_finite)
        elif b_node is not None:
            db = _bias_grad(g2)  # [out]
        if units is None:
            if x_node is not None:  # skipped for the first layer, whose input needs no gradient
                dx = g2 @ weight  # [batch, in]
            if w_node is not None:
                dw = g2.T @ x  # [out, in]
        else:
            g_live = _live_columns(g2, units)  # [batch, k]
            if x_node is not None:
                dx = g_live @ weight[units]  # [batch, k] @ [k, in]
            if w_node is not None:
                dw = _rows_at(g_live.T @ x, units, weight.shape[0])  # [k, batch] @ [batch, in], 0 elsewhere
        if dx is not None and len(ctx.x_shape) != 2:
            dx = dx.reshape(ctx.x_shape)
        return dx, dw, db if b_node is not None else None
