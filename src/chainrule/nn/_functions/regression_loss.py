"""Regression losses as single graph nodes: MSE, L1, smooth L1 and Huber.

Each compares a prediction ``x`` with a target ``y`` elementwise through ``d = x - y``; the node
saves the local derivative ``dl/dd`` and its backward is ``dX = G * dl/dd`` (and ``dY = -dX``),
with ``G`` spread over the elements by the reduction (``1/n`` for ``mean``).

=============  =============================================  ==============================
loss           l(d)                                           dl/dd
=============  =============================================  ==============================
mse            d^2                                            2 d
l1             |d|                                            sign(d)
smooth_l1(b)   d^2 / 2b  if |d| < b,  |d| - b/2 otherwise     d / b  inside, sign(d) outside
huber(delta)   d^2 / 2   if |d| < delta,  delta(|d| - delta/2)  d inside, delta sign(d) outside
=============  =============================================  ==============================
"""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function
from .reduction import reduce_loss, spread


def _mse(d: np.ndarray, param: float) -> tuple[np.ndarray, np.ndarray]:
    return d * d, 2 * d


def _l1(d: np.ndarray, param: float) -> tuple[np.ndarray, np.ndarray]:
    return np.abs(d), np.sign(d)


def _smooth_l1(d: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    if beta == 0:  # the quadratic zone vanishes: plain L1
        return _l1(d, beta)
    a = np.abs(d)
    inside = a < beta
    loss = np.where(inside, 0.5 * d * d / beta, a - 0.5 * beta)
    grad = np.where(inside, d / beta, np.sign(d))
    return loss.astype(d.dtype, copy=False), grad.astype(d.dtype, copy=False)


def _huber(d: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    a = np.abs(d)
    inside = a < delta
    loss = np.where(inside, 0.5 * d * d, delta * (a - 0.5 * delta))
    grad = np.where(inside, d, delta * np.sign(d))
    return loss.astype(d.dtype, copy=False), grad.astype(d.dtype, copy=False)


KINDS = {"mse": _mse, "l1": _l1, "smooth_l1": _smooth_l1, "huber": _huber}


class RegressionLoss(Function):
    """``L = reduce(l(x - y))``;  ``dX = G_i * l'(x - y)``,  ``dY = -dX``  (all shaped like x)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, y, *, kind, param, reduction):
        d = x - y
        loss, local = KINDS[kind](d, param)
        ctx.local, ctx.reduction = local, reduction
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        local = ctx.local
        dx = spread(g, ctx.reduction, local.size) * local  # [*shape]
        need_x, need_y = ctx.needs_input_grad
        return (dx if need_x else None), (-dx if need_y else None)
