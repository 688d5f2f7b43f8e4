"""ReLU in compiled loops: one pass for ``max(x, 0)`` and one for its backward.

The twin's backward, ``np.where(Y <= 0, 0, G)``, is exact but NumPy's ``where`` is slow (a few
times a multiplication); the loop below makes the same choice per element in one pass. Both
follow PyTorch: NaN stays NaN forward, and the gradient passes where ``Y <= 0`` is false (so
where ``Y`` is NaN), and is 0 elsewhere even when ``G`` is inf or NaN.
"""

from __future__ import annotations

import numpy as np

from ..autograd.ops.activation import ReLU
from . import jit
from .registry import override, reference

_forward = reference(ReLU, "forward")
_backward = reference(ReLU, "backward")


def _relu_loop(x, y):
    """``y = max(x, 0)`` element by element (NaN stays NaN)."""
    x, y = x.reshape(x.size), y.reshape(y.size)
    for i in range(x.size):
        if x[i] <= 0:
            y[i] = 0
        else:
            y[i] = x[i]


def _relu_backward_loop(g, y, dx):
    """``dX = G`` where not ``Y <= 0`` (so NaN passes, as in PyTorch), else 0."""
    g, y, dx = g.reshape(g.size), y.reshape(y.size), dx.reshape(dx.size)
    for i in range(g.size):
        if y[i] <= 0:
            dx[i] = 0
        else:
            dx[i] = g[i]


relu_kernel = jit.kernel(_relu_loop)
relu_backward_kernel = jit.kernel(_relu_backward_loop)


@override(ReLU, "forward")
def forward(ctx, x):
    if not jit.available() or not jit.fits(x):
        return _forward(ctx, x)
    y = np.empty_like(x)
    relu_kernel(x, y)
    ctx.y = y  # what either backward reads
    return y


@override(ReLU, "backward")
def backward(ctx, g):
    y = ctx.y
    if not jit.available() or g.shape != y.shape or not jit.fits(g, y):
        return _backward(ctx, g)
    dx = np.empty_like(g)
    relu_backward_kernel(g, y, dx)
    return (dx,)
