"""The NumPy floor: an MLP's training step written directly in NumPy, the best a NumPy library can do.

No graph, no objects per operation, no allocation after the first step: every array lives in a
buffer made once, and every operation writes into it with ``out=``. What is left is the
arithmetic itself (the BLAS matrix products and a few passes of elementwise work), so a NumPy
library's step time divided by this one is its overhead factor.

The network is ``Y = relu(... relu(X W1 + b1) ...) WL + bL`` with the lecture's layout, ``W``
``[in, out]``, and softmax cross-entropy averaged over the batch. Forward, backward and Adam::

    Z_l = A_{l-1} W_l + b_l            # [batch, out]
    A_l = max(Z_l, 0)                  # hidden layers
    L   = mean_n(log sum_c e^Z_nc - Z_n,y_n)
    G_L = (softmax(Z_L) - onehot(y)) / batch           # [batch, classes]
    dW_l = A_{l-1}^T G_l               # [in, out]
    db_l = sum_n G_l                   # [out]
    G_{l-1} = (G_l W_l^T) * [A_{l-1} > 0]              # [batch, in]
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  θ -= lr/(1 - b1^t) m / (sqrt(v)/sqrt(1 - b2^t) + eps)

All parameters are views into one flat vector (and all gradients into another), so Adam is a
handful of ufunc calls over every parameter at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


class NumpyMLP:
    """An MLP with its training step (forward, backward, Adam) in preallocated NumPy buffers."""

    def __init__(self, sizes: Sequence[int], batch: int, *, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 seed: int = 0, dtype: type = np.float32) -> None:
        rng = np.random.default_rng(seed)
        shapes = [((i, o), (o,)) for i, o in zip(sizes[:-1], sizes[1:])]
        total = sum(i * o + o for (i, o), _ in shapes)
        self.theta = np.empty(total, dtype)  # every parameter, flat
        self.grad = np.zeros(total, dtype)  # every gradient, flat
        self.m = np.zeros(total, dtype)
        self.v = np.zeros(total, dtype)
        self.tmp = np.empty(total, dtype)
        self.W, self.b, self.dW, self.db = [], [], [], []
        at = 0
        for (i, o), _ in shapes:
            for params, grads, shape in ((self.W, self.dW, (i, o)), (self.b, self.db, (o,))):
                n = int(np.prod(shape))
                params.append(self.theta[at:at + n].reshape(shape))
                grads.append(self.grad[at:at + n].reshape(shape))
                at += n
            bound = 1 / math.sqrt(i)  # PyTorch's default Linear initialisation
            self.W[-1][...] = rng.uniform(-bound, bound, (i, o))
            self.b[-1][...] = rng.uniform(-bound, bound, o)
        # activations A_l (post-ReLU; the logits for the last layer) and backward buffers G_l
        self.A = [np.empty((batch, o), dtype) for o in sizes[1:]]
        self.G = [np.empty((batch, i), dtype) for i in sizes[1:-1]]
        self.mask = [np.empty((batch, i), bool) for i in sizes[1:-1]]
        self.rowmax = np.empty((batch, 1), dtype)
        self.rowsum = np.empty((batch, 1), dtype)
        self.rows = np.arange(batch)
        self.lr, self.beta1, self.beta2, self.eps = lr, betas[0], betas[1], eps
        self.t = 0

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One training step on the batch ``(x, y)``; returns the loss before the update."""
        A, W, b, G = self.A, self.W, self.b, self.G
        layers = len(W)
        # forward
        prev = x
        for l in range(layers):
            z = A[l]
            np.matmul(prev, W[l], out=z)  # [batch, out]
            z += b[l]
            if l < layers - 1:
                np.maximum(z, 0, out=z)
            prev = z
        # softmax cross-entropy, fused: G_L = (softmax(Z) - onehot(y)) / batch
        z = A[-1]
        n = z.shape[0]
        np.max(z, axis=1, keepdims=True, out=self.rowmax)
        z -= self.rowmax
        picked = z[self.rows, y]
        np.exp(z, out=z)
        np.sum(z, axis=1, keepdims=True, out=self.rowsum)
        loss = float(np.log(self.rowsum[:, 0]).sum() - picked.sum()) / n
        self.rowsum *= n
        z /= self.rowsum
        z[self.rows, y] -= 1 / n
        # backward
        g = z
        for l in range(layers - 1, -1, -1):
            a_in = x if l == 0 else A[l - 1]
            np.matmul(a_in.T, g, out=self.dW[l])  # dW = A^T G   [in, out]
            np.sum(g, axis=0, out=self.db[l])  # db = sum_n G  [out]
            if l > 0:
                gi = G[l - 1]
                np.matmul(g, W[l].T, out=gi)  # G W^T   [batch, in]
                np.greater(a_in, 0, out=self.mask[l - 1])
                np.multiply(gi, self.mask[l - 1], out=gi)  # relu'
                g = gi
        self._adam()
        return loss

    def _adam(self) -> None:
        """In-place Adam over the flat parameter vector."""
        self.t += 1
        b1, b2, g, m, v, tmp = self.beta1, self.beta2, self.grad, self.m, self.v, self.tmp
        m *= b1
        np.multiply(g, 1 - b1, out=tmp)
        m += tmp  # m = b1 m + (1 - b1) g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp  # v = b2 v + (1 - b2) g^2
        np.sqrt(v, out=tmp)
        tmp *= 1 / math.sqrt(1 - b2**self.t)  # Python floats: float32 stays float32
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= -self.lr / (1 - b1**self.t)
        self.theta += tmp

    def load(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Take the weights of a PyTorch-layout model: ``(weight [out, in], bias [out])`` per layer."""
        for l, (weight, bias) in enumerate(layers):
            self.W[l][...] = np.asarray(weight).T  # the lecture's W = weight^T   [in, out]
            self.b[l][...] = bias
