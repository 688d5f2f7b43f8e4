"""The lecture's activation functions (and softmax), forward and derivative side by side.

Each is applied elementwise to ``FC = X W + b``; its backward multiplies the incoming gradient by
the activation's derivative at that point: ``dFC = G * f'(FC)``.
"""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ..function import Function
from ._util import float_operand, normalize_dim


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow: e^-|x| never exceeds 1."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Function):
    """sigma(x) = 1 / (1 + e^-x);  sigma'(x) = sigma(x) (1 - sigma(x)) <= 1/4."""

    array_io = True

    @staticmethod
    def forward(ctx, x):
        y = stable_sigmoid(x)
        ctx.y = y
        return y

    @staticmethod
    def backward(ctx, g):
        y = ctx.y
        return (g * y * (1 - y),)


class Tanh(Function):
    """tanh(x);  tanh'(x) = 1 - tanh(x)^2."""

    array_io = True

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.y = y
        return y

    @staticmethod
    def backward(ctx, g):
        y = ctx.y
        return (g * (1 - y * y),)


class ReLU(Function):
    """max(0, x);  derivative 1 for x > 0 and 0 otherwise (0 at x = 0, as in PyTorch)."""

    array_io = True

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)  # NaN stays NaN
        ctx.y = y
        return y

    @staticmethod
    def backward(ctx, g):
        # dX = G where Y > 0, else 0. PyTorch's test is "Y <= 0 gives 0", so where Y is NaN the
        # gradient passes, and an inf or NaN in G is dropped (not multiplied by 0) where Y <= 0
        return (np.where(ctx.y <= 0, 0, g),)


class Softmax(Function):
    """softmax(x)_i = e^(x_i - max) / sum_j e^(x_j - max);  dX = Y * (G - sum(G * Y))."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axis):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        y = e / np.sum(e, axis=axis, keepdims=True)
        ctx.y, ctx.axis = y, axis
        return y

    @staticmethod
    def backward(ctx, g):
        y = ctx.y
        return y * (g - np.sum(g * y, axis=ctx.axis, keepdims=True)), None


class LogSoftmax(Function):
    """log_softmax(x) = x - logsumexp(x);  dX = G - softmax(x) * sum(G)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axis):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        ctx.y, ctx.axis = y, axis
        return y

    @staticmethod
    def backward(ctx, g):
        return g - np.exp(ctx.y) * np.sum(g, axis=ctx.axis, keepdims=True), None


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(float_operand(x))


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(float_operand(x))


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def softmax(x: Tensor, dim: int) -> Tensor:
    return Softmax.apply(float_operand(x), normalize_dim(dim, x._data.ndim, "softmax"))


def log_softmax(x: Tensor, dim: int) -> Tensor:
    return LogSoftmax.apply(float_operand(x), normalize_dim(dim, x._data.ndim, "log_softmax"))
