"""``Linear`` fast: the bias added in a compiled pass, and a backward that skips the dead units.

Forward. The twin computes ``Y = X @ weight.T`` (BLAS); a kernel adds ``b`` to every row and, in
the same pass, finds whether every ``Y`` is finite, which the backward uses below.

Backward. The bias gradient ``sum_n G`` is a kernel (row after row, as NumPy sums). Then the
dead units: a column ``j`` of ``G`` that is zero for the whole batch (the output unit ``j`` fed
a ReLU that was off for every example: a *dead* unit) contributes nothing: row ``j`` of
``dweight`` is ``0``, and its terms ``G[:, j] weight[j, :]`` of ``dX`` are ``0``. When at most
half the units are live, the backward products run over the live ones only::

    live    = {j : G[n, j] != 0 for some n}           # k of the out units
    dX      = G[:, live] @ weight[live]               # [batch, k] @ [k, in]
    dweight[live] = G[:, live].T @ X;  other rows 0   # [k, batch] @ [batch, in]

The skipped products are ``0 * finite = 0``, so this is exact up to the order in which BLAS sums
the remaining terms. Only when ``X`` or ``weight`` holds an inf or NaN (``0 * inf`` is NaN) does
the skip change the result, so then it is not taken. ``Y`` finite proves both finite (an inf or
NaN in ``weight[j]`` makes all of ``Y[:, j]`` inf or NaN, one in ``X[n]`` all of ``Y[n]``), so
after the forward's bias pass found ``Y`` finite no further check is needed.

Training with a large learning rate often leaves most of a hidden layer dead: in the MNIST-1D
recipe (Adam, lr 1e-2) about 80 % of the second layer's units are dead from step 500 on, and this
skips about 80 % of its two backward products. The live units are found in the bias gradient's
pass; their columns of ``G`` are gathered and the weight gradient's rows placed by kernels.
"""

from __future__ import annotations

import numpy as np

from ..nn._functions.linear import LinearFunction
from . import jit
from .registry import override, reference

_forward = reference(LinearFunction, "forward")
_backward = reference(LinearFunction, "backward")

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


add_bias_kernel = jit.kernel(_add_bias_loop)
sum_rows_kernel = jit.kernel(_sum_rows_loop)
sum_rows_and_live_kernel = jit.kernel(_sum_rows_and_live_loop)
gather_columns_kernel = jit.kernel(_gather_columns_loop)
scatter_rows_kernel = jit.kernel(_scatter_rows_loop)
has_non_finite_kernel = jit.kernel(_has_non_finite_loop)

_EXPONENT_BITS = {np.dtype(np.float32): (np.uint32, np.uint32(0x7F800000)),
                  np.dtype(np.float64): (np.uint64, np.uint64(0x7FF0000000000000))}


def _all_finite(a: np.ndarray) -> bool:
    """No inf or NaN in ``a`` (a C-contiguous float32 or float64 array)."""
    uint, exponent = _EXPONENT_BITS[a.dtype]
    return not has_non_finite_kernel(a.reshape(-1).view(uint), exponent)


def live_units(g2: np.ndarray, x: np.ndarray, weight: np.ndarray,
               output_finite: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """``(dbias, units)``: the bias gradient ``sum_n G``, and the indices of the live units when
    the backward products may skip the dead ones (else None: too few dead, or an inf or NaN in
    ``X`` or ``weight``). ``G`` is ``[batch, out]``, ``X`` ``[batch, in]``, ``weight`` ``[out, in]``,
    all suited to the kernels (:func:`jit.fits`).

    ``output_finite``: the forward's ``Y`` was finite, which proves ``X`` and ``weight`` finite, so
    they need no check here.
    """
    db = np.empty(g2.shape[1], g2.dtype)  # [out]
    live = np.empty(g2.shape[1], np.bool_)
    k = sum_rows_and_live_kernel(g2, db, live)
    if k > LIVE_FRACTION_TO_SKIP * g2.shape[1]:
        return db, None
    if not output_finite and not (_all_finite(weight) and _all_finite(x)):
        return db, None
    return db, np.flatnonzero(live)


def _live_columns(g2: np.ndarray, units: np.ndarray) -> np.ndarray:
    """``G[:, units]``, C-contiguous ``[batch, k]``."""
    out = np.empty((g2.shape[0], units.size), g2.dtype)
    gather_columns_kernel(g2, units, out)
    return out


def _rows_at(rows: np.ndarray, units: np.ndarray, out_rows: int) -> np.ndarray:
    """The ``[out_rows, in]`` array holding ``rows[r]`` at row ``units[r]`` and 0 elsewhere."""
    out = np.empty((out_rows, rows.shape[1]), rows.dtype)
    scatter_rows_kernel(rows, units, out)
    return out


def _bias_grad(g2: np.ndarray) -> np.ndarray:
    db = np.empty(g2.shape[1], g2.dtype)  # [out]
    sum_rows_kernel(g2, db)
    return db


@override(LinearFunction, "forward")
def forward(ctx, x, weight, bias):
    if bias is None or not (x.dtype == weight.dtype == bias.dtype) or not jit.available() or not jit.fits(bias):
        return _forward(ctx, x, weight, bias)
    y = _forward(ctx, x, weight, None)  # X @ weight.T, and what either backward reads   [..., out]
    ctx.output_finite = add_bias_kernel(y.reshape(len(ctx.x), len(bias)), bias)  # Y += b; Y finite?
    return y


@override(LinearFunction, "backward")
def backward(ctx, g):
    x, weight = ctx.x, ctx.weight  # [batch, in], [out, in]
    g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])  # [batch, out]
    if not jit.available() or not jit.fits(g2, x, weight):
        return _backward(ctx, g)
    need_x, need_weight, need_bias = ctx.needs_input_grad
    units = None  # the live units' indices, when the products skip the dead ones
    if (need_x or need_weight) and g2.shape[0] * weight.size >= MIN_MULTIPLY_ADDS_TO_SKIP:
        # output_finite: only a forward on this fast path knows it
        db, units = live_units(g2, x, weight, getattr(ctx, "output_finite", False))
    else:
        db = _bias_grad(g2) if need_bias else None
    if units is None:
        dx = g2 @ weight if need_x else None  # [batch, in]
        dw = g2.T @ x if need_weight else None  # [out, in]
    else:
        g_live = _live_columns(g2, units)  # [batch, k]
        dx = g_live @ weight[units] if need_x else None  # [batch, k] @ [k, in]
        dw = _rows_at(g_live.T @ x, units, weight.shape[0]) if need_weight else None  # [k, in], 0 elsewhere
    if dx is not None and len(ctx.x_shape) != 2:
        dx = dx.reshape(ctx.x_shape)
    return dx, dw, db if need_bias else None
