"""Norms, determinants, inverses, solves and matrix decompositions, with their gradients.

The Functions behind :mod:`chainrule.linalg`. Each works on a batch of matrices ``[..., m, n]``
(NumPy's ``linalg`` batches over the leading dims) and writes its backward in matrix form, with
``G`` the gradient of the loss with respect to the output and ``^-T`` the inverse transpose:

* ``det(A)``:          ``dA = G det(A) A^-T``
* ``log|det(A)|``:     ``dA = G A^-T``
* ``inv(A)``:          ``dA = -A^-T G A^-T``
* ``X = solve(A, B)``: ``dB = A^-T G``, ``dA = -dB X^T``

An op with several outputs (slogdet, eigh, svd, qr) returns them packed into one array, so that
their gradients reach one node; :mod:`chainrule.linalg` unpacks them into tensors.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from ._util import unbroadcast


def _mT(x: np.ndarray) -> np.ndarray:
    """The matrix transpose of a batch: ``[..., m, n] -> [..., n, m]``."""
    return np.swapaxes(x, -1, -2)


def _keep(x: np.ndarray, axes: tuple[int, ...] | None, ndim: int, keepdim: bool) -> np.ndarray:
    """A reduced result with its reduced dims put back as size 1 (so it broadcasts against the input)."""
    if keepdim or ndim == 0:
        return x
    return np.expand_dims(x, tuple(range(ndim)) if axes is None else axes)


# ------------------------------------------------------------------ vector norms
class VectorNorm(Function):
    """``||x||_p = (sum |x_i|^p)^(1/p)`` over ``axes``; ``p = inf`` is ``max |x_i|``, ``-inf`` is
    ``min |x_i|``, ``0`` counts the nonzero elements.

    Backward, with ``N`` the norm (PyTorch's choices where the norm is not differentiable)::

        p = 2:        dx = G x / N                        (0 where N = 0)
        p = 1:        dx = G sign(x)
        p = +-inf:    dx = G sign(x) [|x_i| = N] / #{i: |x_i| = N}   (shared among the ties)
        p = 0:        dx = 0
        otherwise:    dx = G sign(x) |x|^(p-1) / N^(p-1)  (0 where N = 0; for p < 1, 0 where x = 0)
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, ord, axes, keepdim):  # noqa: A002
        a = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ord == 2:
                out = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
            elif ord == np.inf:
                out = np.max(a, axis=axes, keepdims=keepdim)
            elif ord == -np.inf:
                out = np.min(a, axis=axes, keepdims=keepdim)
            elif ord == 0:
                out = np.sum(a != 0, axis=axes, keepdims=keepdim)
            elif ord == 1:
                out = np.sum(a, axis=axes, keepdims=keepdim)
            else:
                out = np.sum(a ** ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)
        out = np.asarray(out).astype(x.dtype, copy=False)
        ctx.x, ctx.out, ctx.ord, ctx.axes, ctx.keepdim = x, out, ord, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, p, axes = ctx.x, ctx.ord, ctx.axes
        g = _keep(g, axes, x.ndim, ctx.keepdim)
        norm = _keep(ctx.out, axes, x.ndim, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 0:
                dx = np.zeros_like(x)
            elif p == 1:
                dx = np.sign(x) * g
            elif p == 2:
                dx = g * np.where(norm == 0, 0, x / norm)
            elif np.isinf(p):
                a = np.abs(x)
                mask = (a == norm) | np.isnan(a)
                dx = np.sign(x) * mask * (g / np.sum(mask, axis=axes, keepdims=True))
            elif p < 1:
                scaled = np.where(x == 0, 0, np.sign(x) * np.abs(x) ** (p - 1))
                dx = scaled * g * norm ** (1 - p)
            else:
                scale = np.where(norm == 0, 0, g / norm ** (p - 1))
                dx = np.sign(x) * np.abs(x) ** (p - 1) * scale
        return dx.astype(x.dtype, copy=False), None, None, None


# ------------------------------------------------------------------ determinants and inverses
class Det(Function):
    """``det(A)`` of each matrix; ``dA = G det(A) A^-T`` (the cofactor matrix times G).

    For an exactly singular matrix (``det(A) = 0``) the gradient is 0, as PyTorch computes it.
    """

    array_io = True

    @staticmethod
    def forward(ctx, a):
        ctx.a, ctx.det = a, np.linalg.det(a)
        return ctx.det

    @staticmethod
    def backward(ctx, g):
        a, det = ctx.a, ctx.det
        singular = (det == 0)[..., None, None]
        inv_t = _mT(np.linalg.inv(np.where(singular, np.eye(a.shape[-1], dtype=a.dtype), a)))  # A^-T
        return ((g * det)[..., None, None] * inv_t).astype(a.dtype, copy=False)  # [..., n, n]


class SlogDet(Function):
    """``(sign, log |det(A)|)`` of each matrix, packed as ``[..., 2]``; the sign is piecewise
    constant (no gradient), and ``d log|det(A)| = G A^-T``."""

    array_io = True

    @staticmethod
    def forward(ctx, a):
        sign, logabsdet = np.linalg.slogdet(a)
        ctx.a = a
        return np.stack([sign, logabsdet], -1).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return (g[..., 1, None, None] * _mT(np.linalg.inv(ctx.a))).astype(ctx.a.dtype, copy=False)


class Inv(Function):
    """``A^-1`` of each matrix; ``dA = -A^-T G A^-T``  [..., n, n]."""

    array_io = True

    @staticmethod
    def forward(ctx, a):
        ctx.inv_t = _mT(np.linalg.inv(a))  # A^-T, what backward multiplies by
        return _mT(ctx.inv_t)

    @staticmethod
    def backward(ctx, g):
        return -(ctx.inv_t @ g @ ctx.inv_t)


class Solve(Function):
    """``X = A^-1 B`` for ``A [..., n, n]`` and ``B [..., n, k]`` (batch dims broadcast).

    ``dB = A^-T G``  [..., n, k] and ``dA = -dB X^T``  [..., n, n], each summed back over the
    batch dims it was broadcast along.
    """

    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        x = np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:]))
        ctx.a, ctx.x, ctx.b_shape = a, x, b.shape
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.a, ctx.x
        need_a, need_b = ctx.needs_input_grad
        db = np.linalg.solve(np.broadcast_to(_mT(a), x.shape[:-2] + a.shape[-2:]), g)  # A^-T G
        da = unbroadcast(-(db @ _mT(x)), a.shape) if need_a else None
        return da, (unbroadcast(db, ctx.b_shape) if need_b else None)


# ------------------------------------------------------------------ decompositions
def _solve_right(b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``B R^-T``: the solution Y of ``Y R^T = B``, i.e. of ``R Y^T = B^T``."""
    return _mT(np.linalg.solve(r, _mT(b)))


class Cholesky(Function):
    """``A = L L^T`` with L lower triangular, for symmetric positive-definite A (its lower half is read).

    Backward: ``P = tril(L^T G)`` with its off-diagonal mirrored and halved,
    ``P = (P + tril(P, -1)^T) / 2``, then ``dA = L^-T P L^-1`` (symmetric).
    """

    array_io = True

    @staticmethod
    def forward(ctx, a):
        ctx.L = np.linalg.cholesky(a)
        return ctx.L

    @staticmethod
    def backward(ctx, g):
        L = ctx.L
        p = np.tril(_mT(L) @ g)
        p = 0.5 * (p + _mT(np.tril(p, -1)))
        da = np.linalg.solve(_mT(L), p)  # L^-T P
        return _solve_right(da, _mT(L))  # (L^-T P) L^-1


class Eigh(Function):
    """``A = V diag(w) V^T`` of a symmetric A (one triangle, ``uplo``, is read), eigenvalues ascending.

    The output packs ``[V | w]`` into ``[..., n, n + 1]``. Backward, with ``E_ij = w_j - w_i``
    (1 on the diagonal) and ``skew(X) = (X - X^T) / 2``::

        dA = V (diag(Gw) + skew(V^T GV) / E) V^T
    """

    array_io = True

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        ctx.w, ctx.v = w, v
        return np.concatenate([v, w[..., None]], -1)

    @staticmethod
    def backward(ctx, g):
        w, v = ctx.w, ctx.v
        n = w.shape[-1]
        gv, gw = g[..., :n], g[..., n]
        vtgv = _mT(v) @ gv
        e = w[..., None, :] - w[..., :, None]  # E_ij = w_j - w_i  [..., n, n]
        idx = np.arange(n)
        e[..., idx, idx] = 1
        inner = 0.5 * (vtgv - _mT(vtgv)) / e
        inner[..., idx, idx] = gw
        return (v @ inner @ _mT(v)).astype(v.dtype, copy=False), None


class SvdVals(Function):
    """The singular values ``s`` of ``A = U diag(s) V^T`` (descending); ``dA = U diag(G) V^T``."""

    array_io = True

    @staticmethod
    def forward(ctx, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx.u, ctx.vh = u, vh
        return s

    @staticmethod
    def backward(ctx, g):
        return (ctx.u * g[..., None, :]) @ ctx.vh


class Svd(Function):
    """``A = U diag(S) V^T`` (``[..., m, k]``, ``[..., k]``, ``[..., k, n]``, k = min(m, n)).

    The output packs U, S and V^T flattened along the last dim. Backward (PyTorch's formula), with
    ``E_ij = S_j^2 - S_i^2`` (1 on the diagonal) and ``skew(X) = X - X^T``::

        J  = (skew(U^T GU) S_row + S_col skew(V^T GV)) / E  + diag(GS)     [..., k, k]
        dA = U J V^T  + (I - U U^T) GU S^-1 V^T   (m > k)
                      + U S^-1 GV^T (I - V V^T)   (n > k)
    """

    array_io = True

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.u, ctx.s, ctx.vh = u, s, vh
        batch = a.shape[:-2]
        return np.concatenate([u.reshape(batch + (-1,)), s, vh.reshape(batch + (-1,))], -1)

    @staticmethod
    def backward(ctx, g):
        u, s, vh = ctx.u, ctx.s, ctx.vh
        m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
        batch = g.shape[:-1]
        nu = u.shape[-2] * u.shape[-1]
        gu = g[..., :nu].reshape(batch + u.shape[-2:])[..., :, :k]  # full_matrices: only U's first k columns
        gs = g[..., nu:nu + k]
        gvh = g[..., nu + k:].reshape(batch + vh.shape[-2:])[..., :k, :]
        u, vh = u[..., :, :k], vh[..., :k, :]
        v, gv = _mT(vh), _mT(gvh)
        utgu = _mT(u) @ gu
        vtgv = vh @ gv
        s2 = s * s
        e = s2[..., None, :] - s2[..., :, None]
        idx = np.arange(k)
        e[..., idx, idx] = 1
        j = ((utgu - _mT(utgu)) * s[..., None, :] + s[..., :, None] * (vtgv - _mT(vtgv))) / e
        j[..., idx, idx] += gs
        if m > k:
            gu_sinv = gu / s[..., None, :]
            da = (u @ j + gu_sinv - u @ (_mT(u) @ gu_sinv)) @ vh
        elif n > k:
            sinv_gvh = gvh / s[..., :, None]
            da = u @ (j @ vh + sinv_gvh - (sinv_gvh @ v) @ vh)
        else:
            da = u @ j @ vh
        return da.astype(u.dtype, copy=False), None


def _copyltu(m: np.ndarray) -> np.ndarray:
    """The lower triangle of M mirrored onto the upper one (a symmetric matrix)."""
    low = np.tril(m, -1)
    diagonal = np.tril(np.triu(m))
    return low + _mT(low) + diagonal


def _qr_tall_backward(q: np.ndarray, r: np.ndarray, gq: np.ndarray, gr: np.ndarray) -> np.ndarray:
    """``A = QR`` with ``m >= n``: ``M = R GR^T - GQ^T Q``, ``dA = (GQ + Q copyltu(M)) R^-T``."""
    m = r @ _mT(gr) - _mT(gq) @ q
    return _solve_right(gq + q @ _copyltu(m), r)


class QR(Function):
    """``A = QR``: Q ``[..., m, k]`` with orthonormal columns, R ``[..., k, n]`` upper triangular.

    The output packs Q and R flattened along the last dim. Backward for ``m >= n`` (Q tall)::

        M = R GR^T - GQ^T Q;   dA = (GQ + Q copyltu(M)) R^-T

    For ``m < n`` split ``A = [X | Y]`` and ``R = [U | V]`` with X square: ``X = QU`` is the square
    case with ``GQ + Y GV^T`` for GQ, and ``dY = Q GV``.
    """

    array_io = True

    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a, mode="reduced" if mode == "r" else mode)
        ctx.q, ctx.r, ctx.a, ctx.mode = q, r, a, mode
        batch = a.shape[:-2]
        return np.concatenate([q.reshape(batch + (-1,)), r.reshape(batch + (-1,))], -1)

    @staticmethod
    def backward(ctx, g):
        q, r, a = ctx.q, ctx.r, ctx.a
        m, n = a.shape[-2:]
        if ctx.mode == "r" or (ctx.mode == "complete" and m > n):
            raise RuntimeError(
                "linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'; use "
                "mode='reduced'" if ctx.mode == "r" else
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        batch, size = g.shape[:-1], q.shape[-2] * q.shape[-1]
        gq = g[..., :size].reshape(batch + q.shape[-2:])
        gr = g[..., size:].reshape(batch + r.shape[-2:])
        if m >= n:
            return _qr_tall_backward(q, r, gq, gr).astype(a.dtype, copy=False), None
        y, gv = a[..., m:], gr[..., m:]
        dx = _qr_tall_backward(q, r[..., :m], gq + y @ _mT(gv), gr[..., :m])
        return np.concatenate([dx, q @ gv], -1).astype(a.dtype, copy=False), None


class Pinv(Function):
    """The pseudo-inverse ``P = A^+ = V diag(1/s) U^T``, singular values ``s <= max(atol, rtol s_max)``
    counted as 0. Backward (the derivative of ``A^+`` where its rank is constant)::

        dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)     [..., m, n]
    """

    array_io = True

    @staticmethod
    def forward(ctx, a, atol, rtol):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        cutoff = np.maximum(atol, rtol * (s[..., :1] if s.shape[-1] else s))
        with np.errstate(divide="ignore"):
            s_inv = np.where(s > cutoff, 1 / s, 0).astype(a.dtype, copy=False)
        p = _mT(vh) @ (s_inv[..., :, None] * _mT(u))  # [..., n, m]
        ctx.a, ctx.p = a, p
        return p

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.a, ctx.p
        pt, gt = _mT(p), _mT(g)
        da = -(pt @ g @ pt)
        da = da + (gt @ p - a @ (p @ (gt @ p))) @ pt  # (I - A P) G^T P P^T
        da = da + pt @ (p @ (gt - (gt @ p) @ a))  # P^T P G^T (I - P A)
        return da, None, None
