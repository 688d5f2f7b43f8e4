"""The NumPy floor: an MLP's training step written directly in NumPy, the best a NumPy library can do.

No graph, no objects per operation, no allocation after the first step: every array lives in a
buffer made once, and every operation writes into it with ``out=``. What is left is the
arithmetic itself (the BLAS matrix products and a few passes of elementwise work), so a NumPy
library's step time divided by this one is its overhead factor.

The network is the lecture's fully connected net with the layout ``W`` ``[in, out]``: hidden
layers ``A_l = relu(A_{l-1} W_l + b_l)``, or with ``residual=True`` (the MNIST-1D paper's MLP)
``A_l = A_{l-1} + relu(A_{l-1} W_l + b_l)`` for every hidden layer after the first; logits
``Z = A_{L-1} W_L + b_L``; softmax cross-entropy averaged over the batch. With ``R_l`` the ReLU's
output and ``G`` the gradient flowing back::

    G_L  = (softmax(Z) - onehot(y)) / batch               # [batch, classes]
    dW_l = A_{l-1}^T G_l                                   # [in, out]
    db_l = sum_n G_l                                       # [out]
    dA_{l-1} = G_l W_l^T  (+ dA_l, the skip path, when residual)
    G_{l-1}  = dA_{l-1} * [R_{l-1} > 0]
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  θ -= lr/(1 - b1^t) m / (sqrt(v)/sqrt(1 - b2^t) + eps)

All parameters are views into one flat vector (and all gradients into another), so Adam is a
handful of ufunc calls over every parameter at once. With ``per_parameter_adam=True`` the same
in-place Adam runs once per parameter instead, as an optimiser that updates parameters one at a
time must (PyTorch's ``_single_tensor_adam``, chainrule's reference path): the best such an
optimiser can do in NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


class NumpyMLP:
    """An MLP with its training step (forward, backward, Adam) in preallocated NumPy buffers."""

    def __init__(self, sizes: Sequence[int], batch: int, *, residual: bool = False, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 seed: int = 0, dtype: type = np.float32, per_parameter_adam: bool = False) -> None:
        rng = np.random.default_rng(seed)
        shapes = list(zip(sizes[:-1], sizes[1:]))
        if residual and len(set(sizes[1:-1])) > 1:
            raise ValueError(f"NumpyMLP: a residual MLP needs equal hidden widths, got {list(sizes)}")
        total = sum(i * o + o for i, o in shapes)
        self.theta = np.empty(total, dtype)  # every parameter, flat
        self.grad = np.zeros(total, dtype)  # every gradient, flat
        self.m = np.zeros(total, dtype)
        self.v = np.zeros(total, dtype)
        self.tmp = np.empty(total, dtype)
        self.W: list[np.ndarray] = []
        self.b: list[np.ndarray] = []
        self.dW: list[np.ndarray] = []
        self.db: list[np.ndarray] = []
        pieces = []  # each parameter's slice of the flat vectors
        at = 0
        for i, o in shapes:
            for params, grads, shape in ((self.W, self.dW, (i, o)), (self.b, self.db, (o,))):
                n = int(np.prod(shape))
                params.append(self.theta[at:at + n].reshape(shape))
                grads.append(self.grad[at:at + n].reshape(shape))
                pieces.append(slice(at, at + n))
                at += n
            bound = 1 / math.sqrt(i)  # PyTorch's default Linear initialisation
            self.W[-1][...] = rng.uniform(-bound, bound, (i, o))
            self.b[-1][...] = rng.uniform(-bound, bound, o)
        hidden = sizes[1:-1]
        self.residual = residual
        # per hidden layer: R (the ReLU's output), A (the layer's output: R, plus A_{l-1} when
        # residual), dA (gradient of A), G (gradient of the pre-activation), mask (R > 0)
        self.R = [np.empty((batch, h), dtype) for h in hidden]
        self.A = [r if not self._skip(l) else np.empty_like(r) for l, r in enumerate(self.R)]
        self.dA = [np.empty((batch, h), dtype) for h in hidden]
        self.G = [np.empty((batch, h), dtype) if self._skip(l) else self.dA[l] for l, h in enumerate(hidden)]
        self.mask = [np.empty((batch, h), bool) for h in hidden]
        self.logits = np.empty((batch, sizes[-1]), dtype)
        self.rowmax = np.empty((batch, 1), dtype)
        self.rowsum = np.empty((batch, 1), dtype)
        self.rows = np.arange(batch)
        self.lr, self.beta1, self.beta2, self.eps = lr, betas[0], betas[1], eps
        self.t = 0
        # what Adam updates in one go: (θ, g, m, v, scratch), the flat vectors or each parameter's views
        flat = (self.theta, self.grad, self.m, self.v, self.tmp)
        self.adam_units = ([tuple(a[piece] for a in flat) for piece in pieces] if per_parameter_adam
                           else [flat])

    def _skip(self, l: int) -> bool:
        """Does hidden layer ``l`` add its input to its output?"""
        return self.residual and l > 0

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One training step on the batch ``(x, y)``; returns the loss before the update."""
        A, R, W, b = self.A, self.R, self.W, self.b
        hidden = len(R)
        # forward
        prev = x
        for l in range(hidden):
            r = R[l]
            np.matmul(prev, W[l], out=r)  # [batch, out]
            r += b[l]
            np.maximum(r, 0, out=r)
            if self._skip(l):
                np.add(prev, r, out=A[l])  # A_l = A_{l-1} + relu(...)
            prev = A[l]
        z = self.logits
        np.matmul(prev, W[-1], out=z)
        z += b[-1]
        # softmax cross-entropy, fused: G_L = (softmax(Z) - onehot(y)) / batch
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
        for l in range(hidden, -1, -1):
            a_in = x if l == 0 else A[l - 1]
            np.matmul(a_in.T, g, out=self.dW[l])  # dW = A^T G   [in, out]
            np.sum(g, axis=0, out=self.db[l])  # db = sum_n G  [out]
            if l == 0:
                break
            da = self.dA[l - 1]
            np.matmul(g, W[l].T, out=da)  # dA = G W^T   [batch, in]
            if l < hidden and self._skip(l):
                da += self.dA[l]  # the skip path of A_l = A_{l-1} + relu(...)
            np.greater(R[l - 1], 0, out=self.mask[l - 1])
            np.multiply(da, self.mask[l - 1], out=self.G[l - 1])  # relu'
            g = self.G[l - 1]
        self._adam()
        return loss

    def _adam(self) -> None:
        """In-place Adam over the flat parameter vector (or over each parameter in turn)."""
        self.t += 1
        for theta, g, m, v, tmp in self.adam_units:
            self._adam_update(theta, g, m, v, tmp)

    def _adam_update(self, theta: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray,
                     tmp: np.ndarray) -> None:
        b1, b2 = self.beta1, self.beta2
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
        theta += tmp

    def logits_of(self, x: np.ndarray) -> np.ndarray:
        """The forward pass alone, for any number of samples (evaluation; allocates)."""
        a = x
        for l in range(len(self.R)):
            r = np.maximum(a @ self.W[l] + self.b[l], 0)
            a = a + r if self._skip(l) else r
        return a @ self.W[-1] + self.b[-1]

    def loss_of(self, x: np.ndarray, y: np.ndarray) -> float:
        """Mean cross-entropy of ``x`` against the classes ``y`` (evaluation)."""
        z = self.logits_of(x)
        z -= z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))

    def load(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Take the weights of a PyTorch-layout model: ``(weight [out, in], bias [out])`` per layer."""
        for l, (weight, bias) in enumerate(layers):
            self.W[l][...] = np.asarray(weight).T  # the lecture's W = weight^T   [in, out]
            self.b[l][...] = bias
