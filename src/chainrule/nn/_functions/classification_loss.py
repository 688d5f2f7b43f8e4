"""Classification losses as single graph nodes: cross-entropy (softmax fused in), NLL, BCE.

Cross-entropy of logits ``z`` against a target distribution ``q`` per sample::

    L_n = -sum_c q_c log softmax(z)_c,        dL_n/dz = softmax(z) * sum_c q_c - q

For a class index ``y`` (no weight, no smoothing) ``q`` is ``onehot(y)`` and the gradient is the
lecture-famous ``softmax(z) - onehot(y)``. Class weights ``w`` and label smoothing ``eps`` only
change ``q``: ``q_c = (1 - eps) w_y [c == y] + eps/C w_c``. The log-softmax is computed once, with
the max subtracted (``log softmax(z) = z - max - log sum e^(z - max)``), so logits of +-1000 give
finite losses and gradients. No Python loop touches a sample: the ``onehot`` is a fancy-indexed
subtraction.

Inputs may be ``[N, C]``, ``[C]`` (one sample) or ``[N, C, d1, ...]`` (a class score per position);
the class axis is moved last and the rest flattened into ``M`` rows.
"""

from __future__ import annotations

import numpy as np

from ...backend import jit
from ...autograd.function import Function
from ...autograd.ops.activation import stable_sigmoid
from ...errors import ShapeError
from .reduction import reduce_loss, spread


# --------------------------------------------------------------------------- layout helpers
def class_last(x: np.ndarray) -> np.ndarray:
    """``[N, C, d...] -> [N*d..., C]``;  ``[N, C]`` unchanged;  ``[C] -> [1, C]``."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x[None, :]
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def class_back(d2: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of :func:`class_last`: ``[M, C]`` back to the input's layout."""
    if len(shape) == 2:
        return d2
    if len(shape) == 1:
        return d2[0]
    moved = d2.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],))
    return np.moveaxis(moved, -1, 1)


def check_class_target(op: str, x: np.ndarray, t: np.ndarray, ignore_index: int) -> bool:
    """Class indices: integer, shaped like the input without its class axis, in ``[0, C)``.

    Returns whether every target is a class (none is ``ignore_index``), as far as one cheap pass
    over int64 targets can tell (False: not known).
    """
    if x.ndim == 0:
        raise ShapeError(f"{op}: input must have a class dimension, got a 0-d input")
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: expected class indices as an integer (int64) tensor of shape "
            f"{_target_shape(x)}, or class probabilities of the input's shape {tuple(x.shape)}; "
            f"got dtype {t.dtype} with shape {tuple(t.shape)}"
        )
    expected = _target_shape(x)
    if tuple(t.shape) != expected:
        if x.ndim >= 2 and t.ndim >= 1 and t.shape[0] != x.shape[0]:
            raise ShapeError(
                f"{op}: input batch size {x.shape[0]} does not match target batch size "
                f"{t.shape[0]} (input shape {tuple(x.shape)}, target shape {tuple(t.shape)})"
            )
        raise ShapeError(
            f"{op}: target of shape {tuple(t.shape)} does not fit input of shape "
            f"{tuple(x.shape)}; expected class indices of shape {expected}"
        )
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    if t.dtype == np.int64 and t.size and t.view(np.uint64).max() < c:
        return True  # every target in [0, C): one pass (a negative index wraps to a huge unsigned)
    bad = ((t < 0) | (t >= c)) & (t != ignore_index)
    if bad.any():
        value = int(t[bad].flat[0])
        raise IndexError(
            f"{op}: target {value} is out of bounds for {c} classes; class indices must be in "
            f"[0, {c}) or equal ignore_index={ignore_index}"
        )
    return False


def check_weight(op: str, weight: np.ndarray | None, c: int) -> None:
    if weight is not None and weight.shape != (c,):
        raise ShapeError(
            f"{op}: weight must have one entry per class, shape ({c},), "
            f"got shape {tuple(weight.shape)}"
        )


def _target_shape(x: np.ndarray) -> tuple[int, ...]:
    return () if x.ndim == 1 else (x.shape[0],) + tuple(x.shape[2:])


def _rows_and_targets(t: np.ndarray, ignore_index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Flat targets, safe to index with (ignored ones point at class 0), and the valid mask."""
    t = t.reshape(-1)
    valid = t != ignore_index
    if valid.all():
        return np.arange(t.size), t, None
    return np.arange(t.size), np.where(valid, t, 0), valid


# --------------------------------------------------------------------------- cross-entropy
def _softmax_nll_loop(z, target, p):
    """Row by row: ``p = softmax(z)`` and the return value ``sum_n -log p[n, y_n]``.

    ``z`` is ``[N, C]``, ``target`` ``[N]`` in ``[0, C)``. The max is subtracted before ``exp``
    (no overflow); the sums run in float64. Compiled by :mod:`chainrule.jit`.
    """
    rows, classes = z.shape
    total = 0.0
    for n in range(rows):
        top = z[n, 0]
        for c in range(1, classes):
            top = max(top, z[n, c])
        s = 0.0
        for c in range(classes):
            e = np.exp(z[n, c] - top)
            p[n, c] = e
            s += e
        for c in range(classes):
            p[n, c] = p[n, c] / s
        total += np.log(s) - (z[n, target[n]] - top)  # -log p_y = log sum e^(z - max) - (z_y - max)
    return total


def _softmax_nll_backward_loop(p, target, coef, dz):
    """``dZ = (softmax(Z) - onehot(y)) coef``, with ``coef = G / N`` (``mean``) or ``G`` (``sum``)."""
    rows, classes = p.shape
    for n in range(rows):
        for c in range(classes):
            dz[n, c] = p[n, c] * coef
        dz[n, target[n]] -= coef


_softmax_nll_kernel = jit.kernel(_softmax_nll_loop)
_softmax_nll_backward_kernel = jit.kernel(_softmax_nll_backward_loop)


class CrossEntropy(Function):
    """``L = reduce_n( -sum_c q_nc log softmax(z_n)_c )``;  ``dZ = s_n (softmax(z_n) Q_n - q_n)``.

    ``q`` is ``onehot(y)`` (class indices; weight and smoothing folded in) or the given
    probabilities; ``Q_n = sum_c q_nc``; ``s_n`` is the reduction's share of the incoming
    gradient (``G / sum_n w_yn`` for ``mean`` with class indices, ``G / M`` with probabilities).
    """

    array_io = True

    @staticmethod
    def forward(ctx, z, target, *, weight, ignore_index, label_smoothing, reduction, classes_checked=False):
        # classes_checked: the caller found every target in [0, C) (check_class_target)
        if (z.ndim == 2 and weight is None and not label_smoothing and reduction != "none"
                and target.dtype == np.int64 and target.shape == z.shape[:1] and z.shape[0]
                and not 0 <= ignore_index < z.shape[1]  # so no valid target is ignored
                and (classes_checked or target.view(np.uint64).max() < z.shape[1])):  # negatives wrap
            return CrossEntropy._plain(ctx, z, target, reduction)
        ctx.plain = False
        z2 = class_last(z)  # [M, C]
        m, c = z2.shape
        shifted = z2 - z2.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        log_s = np.log(s)  # [M, 1]
        eps = label_smoothing
        w = None if weight is None else weight.astype(z.dtype, copy=False)
        e /= s  # softmax(z), kept for backward
        ctx.p, ctx.shape, ctx.w, ctx.eps, ctx.reduction = e, z.shape, w, eps, reduction
        ctx.soft = target.shape == z.shape and target.dtype.kind == "f"
        if ctx.soft:
            return CrossEntropy._soft(ctx, shifted - log_s, target, w, eps, reduction)

        rows, t, valid = _rows_and_targets(target, ignore_index)
        nll = log_s[:, 0] - shifted[rows, t]  # -log p_y   [M]
        w_y = None if w is None else w[t]
        if w is None:
            loss = nll * (1 - eps) if eps else nll
        else:
            loss = nll * ((1 - eps) * w_y)
        if eps:  # smoothing: + eps/C sum_c w_c (-log p_c)
            smooth = c * log_s[:, 0] - shifted.sum(1) if w is None else log_s[:, 0] * w.sum() - shifted @ w
            loss = loss + (eps / c) * smooth
        if valid is not None:
            loss = np.where(valid, loss, loss.dtype.type(0))
        if w_y is not None and valid is not None:
            w_y = np.where(valid, w_y, w_y.dtype.type(0))
        if w_y is not None:
            denom = w_y.sum()
        else:
            denom = m if valid is None else np.count_nonzero(valid)
        ctx.rows, ctx.t, ctx.valid, ctx.w_y, ctx.denom, ctx.c = rows, t, valid, w_y, denom, c
        if reduction == "none":
            return loss.reshape(target.shape)
        total = loss.sum()
        if reduction == "sum":
            return total
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(total / z.dtype.type(denom))

    @staticmethod
    def _plain(ctx, z, t, reduction):
        """The common case, in fewer passes: ``[N, C]`` logits, class indices, no weight or smoothing.

        ``L = reduce_n(log sum_c e^(z_nc - max_n) - (z_n,y_n - max_n))``, and the softmax is kept
        for ``dZ = (softmax(Z) - onehot(y)) G / N`` (``G`` alone for ``sum``).
        """
        n = z.shape[0]
        ctx.plain, ctx.t = True, t
        ctx.scale = n if reduction == "mean" else 1
        compiled = _softmax_nll_kernel.compiled()
        if compiled is not None and jit.fits(z):
            p = np.empty_like(z)
            total = z.dtype.type(compiled(z, t, p))
            ctx.p, ctx.rows = p, None
            return np.asarray(total / z.dtype.type(n) if reduction == "mean" else total)
        shifted = z - z.max(axis=1, keepdims=True)  # [N, C]
        rows = np.arange(n)
        picked = shifted[rows, t]  # z_n,y_n - max_n   [N]
        e = np.exp(shifted, out=shifted)
        s = e.sum(axis=1)  # [N]
        nll = np.log(s)
        nll -= picked  # -log p_y   [N]
        e /= s[:, None]  # softmax(z), kept for backward
        ctx.p, ctx.rows = e, rows
        total = nll.sum()
        return np.asarray(total / z.dtype.type(n) if reduction == "mean" else total)

    @staticmethod
    def _soft(ctx, logp, target, w, eps, reduction):
        c = logp.shape[1]
        q = class_last(target).astype(logp.dtype, copy=False)
        if eps:
            q = q * (1 - eps) + eps / c
        if w is not None:
            q = q * w
        ctx.q, ctx.logp = q, logp
        loss = -(q * logp).sum(axis=1)  # [M]
        if reduction == "none":
            return loss.reshape(target.shape[:1] + target.shape[2:] if target.ndim > 1 else ())
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        p = ctx.p  # softmax(z)   [M, C]
        if ctx.plain:
            coef = g / g.dtype.type(ctx.scale) if ctx.scale != 1 else g  # dL/dl_n, the same for all n
            compiled = _softmax_nll_backward_kernel.compiled()
            if compiled is not None and jit.fits(p) and coef.dtype == p.dtype:
                dz = np.empty_like(p)
                compiled(p, ctx.t, p.dtype.type(coef), dz)
                return dz, None
            rows = np.arange(p.shape[0]) if ctx.rows is None else ctx.rows
            dz = p * coef  # softmax(z) G / N   [N, C]
            dz[rows, ctx.t] -= coef  # - onehot(y) G / N
            return dz, None
        shape, reduction = ctx.shape, ctx.reduction
        need_z, need_t = ctx.needs_input_grad
        if ctx.soft:
            q = ctx.q
            coef = spread(g, reduction, p.shape[0]).reshape(-1, 1)  # [M, 1] or [1, 1]
            dz = class_back(coef * (p * q.sum(axis=1, keepdims=True) - q), shape) if need_z else None
            dt = None
            if need_t:  # dT = -s_n (1 - eps) w_c log p_c
                scale = coef * (1 - ctx.eps)
                dt = -(scale * ctx.logp if ctx.w is None else scale * ctx.logp * ctx.w)
                dt = class_back(dt, shape)
            return dz, dt

        eps, w, w_y, c = ctx.eps, ctx.w, ctx.w_y, ctx.c
        if reduction == "mean":
            coef = g / g.dtype.type(ctx.denom) if ctx.denom else g * np.nan
        else:
            coef = g.reshape(-1) if reduction == "none" else g
        coef = np.broadcast_to(coef, (p.shape[0],))
        if ctx.valid is not None:
            coef = np.where(ctx.valid, coef, coef.dtype.type(0))
        # q_nc = (1 - eps) w_y [c == y] + eps/C w_c ;  Q_n = (1 - eps) w_y + eps/C sum(w)
        hit = coef * (1 - eps) if w_y is None else coef * ((1 - eps) * w_y)  # [M]
        big_q = hit + coef * (eps / c * (c if w is None else w.sum())) if eps else hit
        dz = p * big_q[:, None]  # softmax(z) Q_n
        dz[ctx.rows, ctx.t] -= hit  # - onehot(y) part of q
        if eps:
            spread_q = (coef * (eps / c))[:, None]
            dz -= spread_q if w is None else spread_q * w
        return class_back(dz, shape), None


class NLLLoss(Function):
    """``L = reduce_n(-w_yn x_n,yn)`` on log-probabilities ``x``;  ``dX[n, y_n] = -s_n w_yn``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, target, *, weight, ignore_index, reduction):
        x2 = class_last(x)  # [M, C]
        rows, t, valid = _rows_and_targets(target, ignore_index)
        w_y = np.ones(t.shape, x.dtype) if weight is None else weight.astype(x.dtype)[t]
        if valid is not None:
            w_y = np.where(valid, w_y, w_y.dtype.type(0))
        loss = -w_y * x2[rows, t]  # [M]
        ctx.rows, ctx.t, ctx.w_y, ctx.shape, ctx.reduction = rows, t, w_y, x.shape, reduction
        ctx.x2_shape = x2.shape
        if reduction == "none":
            return loss.reshape(target.shape)
        if reduction == "sum":
            return loss.sum()
        ctx.denom = w_y.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(loss.sum() / ctx.denom)

    @staticmethod
    def backward(ctx, g):
        if ctx.reduction == "mean":
            coef = g / ctx.denom if ctx.denom else g * np.nan
        else:
            coef = g.reshape(-1) if ctx.reduction == "none" else g
        dx = np.zeros(ctx.x2_shape, dtype=g.dtype)  # [M, C]
        dx[ctx.rows, ctx.t] = -coef * ctx.w_y
        return class_back(dx, ctx.shape), None


# --------------------------------------------------------------------------- binary
_BCE_EPS = np.float32(1e-12)  # PyTorch keeps this floor in single precision, even for float64


class BinaryCrossEntropy(Function):
    """``l = -w [y log x + (1 - y) log(1 - x)]`` (logs clamped at -100);
    ``dX = w (x - y) / max(x (1 - x), 1e-12)``,  ``dY = -w logit(x)``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, y, *, weight, reduction):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.x, ctx.y, ctx.w, ctx.reduction = x, y, weight, reduction
        return reduce_loss(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        x, y, w = ctx.x, ctx.y, ctx.w
        scale = spread(g, ctx.reduction, x.size)
        if w is not None:
            scale = scale * w
        need_x, need_y = ctx.needs_input_grad
        dx = dy = None
        if need_x:
            dx = scale * (x - y) / np.maximum((1 - x) * x, x.dtype.type(_BCE_EPS))
        if need_y:
            with np.errstate(divide="ignore"):
                dy = -scale * np.log(x / (1 - x))
        return dx, dy


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log(1 / (1 + e^-x)) = min(x, 0) - log(1 + e^-|x|), finite for any x."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid and BCE fused: ``l = w [(1 - y) x - (1 + (p - 1) y) log sigmoid(x)]``;
    ``dX = w [(1 + (p - 1) y) sigmoid(x) - p y]``,  ``dY = w [-x - (p - 1) log sigmoid(x)]``
    (``p`` the positive-class weight, 1 when not given)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, y, *, weight, pos_weight, reduction):
        ls = log_sigmoid(x)
        if pos_weight is None:
            loss = (1 - y) * x - ls
        else:
            loss = (1 - y) * x - (1 + (pos_weight - 1) * y) * ls
        if weight is not None:
            loss = loss * weight
        ctx.x, ctx.y, ctx.ls, ctx.w, ctx.pw, ctx.reduction = x, y, ls, weight, pos_weight, reduction
        return reduce_loss(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        x, y, pw = ctx.x, ctx.y, ctx.pw
        scale = spread(g, ctx.reduction, x.size)
        if ctx.w is not None:
            scale = scale * ctx.w
        need_x, need_y = ctx.needs_input_grad
        dx = dy = None
        if need_x:
            sig = stable_sigmoid(x)
            local = sig - y if pw is None else (1 + (pw - 1) * y) * sig - pw * y
            dx = scale * local  # [*shape]
        if need_y:
            local = -x if pw is None else -x - (pw - 1) * ctx.ls
            dy = scale * local  # [*shape]
        return dx, dy
