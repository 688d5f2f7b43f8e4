"""Losses of an input ``x`` and a target ``y`` compared element by element, as single graph nodes:
KL divergence, soft margin and Poisson negative log-likelihood.

Each kind maps ``(x, y)`` to ``(l, dl/dx, dl/dy)``; the node saves the two local derivatives and
its backward is ``dX = G * dl/dx``, ``dY = G * dl/dy``, with ``G`` spread over the elements by the
reduction (``1/n`` for ``mean``). A node of its own, rather than a composition of ops, where the
composition would lose precision (``log(1 + e^z)``) or give nan (``0 log 0``).

==================  ===============================  ==================  ==========================
kind                l(x, y)                          dl/dx               dl/dy
==================  ===============================  ==================  ==========================
kl_div              y (log y - x),  0 where y = 0    -y                  log y + 1 - x  (y > 0)
kl_div_log          e^y (y - x)                      -e^y                e^y (y - x + 1)
soft_margin         log(1 + e^(-y x))                -y sigmoid(-y x)    -x sigmoid(-y x)
poisson_log         e^x - y x                        e^x - y             -x
poisson             x - y log(x + eps)               1 - y / (x + eps)   -log(x + eps)
 + full (y > 1)     + y log y - y + log(2 pi y) / 2                      + log y + 1 / (2 y)
==================  ===============================  ==================  ==========================
"""

from __future__ import annotations

import math

import numpy as np

from ...autograd.function import Function
from ...autograd.ops.activation import stable_sigmoid
from .reduction import reduce_loss, spread


def _kl_div(x, y, log_target):
    if log_target:
        e = np.exp(y)
        return e * (y - x), -e, e * (y - x + 1)
    pos = y > 0
    log_y = np.log(np.where(pos, y, 1))  # log y only where y > 0: 0 log 0 counts as 0
    return np.where(pos, y * (log_y - x), 0), -y, np.where(pos, log_y + 1 - x, 0)


def _soft_margin(x, y):
    z = -y * x
    s = stable_sigmoid(z)
    return np.logaddexp(0, z), -y * s, -x * s


def _poisson_nll(x, y, log_input, full, eps):
    if log_input:
        e = np.exp(x)
        loss, dx, dy = e - y * x, e - y, -x
    else:
        log_x = np.log(x + eps)
        loss, dx, dy = x - y * log_x, 1 - y / (x + eps), -log_x
    if full:  # Stirling's approximation of log(y!), counted for y > 1 only
        big = y > 1
        yb = np.where(big, y, 2)
        log_y = np.log(yb)
        loss = loss + np.where(big, yb * log_y - yb + 0.5 * np.log(2 * math.pi * yb), 0)
        dy = dy + np.where(big, log_y + 0.5 / yb, 0)
    return loss, dx, dy


KINDS = {"kl_div": _kl_div, "soft_margin": _soft_margin, "poisson_nll": _poisson_nll}


class PointwiseLoss(Function):
    """``L = reduce(l(x, y))``;  ``dX = G_i dl/dx``,  ``dY = G_i dl/dy``  (both shaped like x)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, y, *, kind, args, reduction):
        loss, dx, dy = KINDS[kind](x, y, *args)
        ctx.dx, ctx.dy, ctx.reduction = dx, dy, reduction
        return reduce_loss(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        need_x, need_y = ctx.needs_input_grad
        gi = spread(g, ctx.reduction, ctx.dx.size)
        dx = (gi * ctx.dx).astype(ctx.dx.dtype, copy=False) if need_x else None
        dy = (gi * ctx.dy).astype(ctx.dx.dtype, copy=False) if need_y else None
        return dx, dy
