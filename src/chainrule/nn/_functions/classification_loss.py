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

    Returns whether every target is known to be in ``[0, C)``, as far as one cheap pass over int64
    targets can tell (False: not known). An ``ignore_index`` inside ``[0, C)`` may still be among them.
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


def class_indices(target: np.ndarray, ignore_index: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The targets flat, ``[M]``, safe to index with (an ignored one points at class 0), and which
    of them count (None: every one)."""
    t = target.reshape(-1)
    valid = t != ignore_index
    if valid.all():
        return t, None
    return np.where(valid, t, 0), valid


def log_softmax_rows(z2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(log softmax(z), softmax(z))`` of each row of ``[M, C]`` logits. The max is subtracted
    first, ``log softmax(z) = z - max - log sum_c e^(z_c - max)``, so that ``e^`` never overflows."""
    shifted = z2 - z2.max(axis=1, keepdims=True)  # [M, C], <= 0
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)  # [M, 1]
    return shifted - np.log(total), e / total


# --------------------------------------------------------------------------- cross-entropy
class CrossEntropy(Function):
    """``L = reduce_n( -sum_c q_nc log softmax(z_n)_c )``;  ``dZ = s_n (softmax(z_n) Q_n - q_n)``.

    ``q_n`` is ``onehot(y_n)`` (class indices; weight and smoothing folded in) or the given
    probabilities; ``Q_n = sum_c q_nc``; ``s_n`` is the reduction's share of the incoming
    gradient (``G / sum_n w_yn`` for ``mean`` with class indices, ``G / M`` with probabilities,
    ``G`` for ``sum``).
    """

    array_io = True

    @staticmethod
    def forward(ctx, z, target, *, weight, ignore_index, label_smoothing, reduction, classes_checked=False):
        # classes_checked: the caller found every target a class in [0, C) (check_class_target);
        # a fast path may use it, the lecture's arithmetic below does not need it
        log_p, p = log_softmax_rows(class_last(z))  # [M, C] each
        w = None if weight is None else weight.astype(z.dtype, copy=False)  # [C]
        if target.shape == z.shape and target.dtype.kind == "f":
            return _probability_loss(ctx, log_p, p, target, w, label_smoothing, reduction, z.shape)
        return _class_index_loss(ctx, log_p, p, target, w, label_smoothing, ignore_index, reduction, z.shape)

    @staticmethod
    def backward(ctx, g):
        if ctx.q is not None:
            return _probability_backward(ctx, g)
        # q_n = (1 - eps) w_yn onehot(y_n) + eps/C w  (w = 1 without class weights)
        p, eps, w = ctx.p, ctx.eps, ctx.w  # softmax(z)   [M, C]
        m, c = p.shape
        s = spread(g, ctx.reduction, ctx.denom).reshape(-1)  # s_n   [M], or [1] for all n
        if ctx.valid is not None:
            s = np.where(ctx.valid, s, 0)  # an ignored target sends no gradient
        hit = s * (1 - eps) if ctx.w_y is None else s * ((1 - eps) * ctx.w_y)  # s_n q_n,yn (smoothing aside)
        s_q = hit + s * (eps / c * (c if w is None else w.sum())) if eps else hit  # s_n Q_n
        dz = p * s_q[:, None]  # s_n Q_n softmax(z_n)   [M, C]
        dz[np.arange(m), ctx.t] -= hit  # - s_n (1 - eps) w_yn onehot(y_n)
        if eps:
            dz -= (s * (eps / c))[:, None] * (1 if w is None else w)  # - s_n eps/C w
        return class_back(dz, ctx.shape), None


def save_class_targets(ctx, p: np.ndarray, t: np.ndarray, shape: tuple[int, ...], reduction: str, denom,
                       *, w_y: np.ndarray | None = None, valid: np.ndarray | None = None,
                       w: np.ndarray | None = None, eps: float = 0.0) -> None:
    """Keep what :meth:`CrossEntropy.backward` reads for class-index targets: ``p = softmax(z)``
    ``[M, C]``, the targets ``t`` ``[M]``, the logits' ``shape``, the ``reduction`` and the mean's
    divisor ``denom``; the target classes' weights ``w_y`` ``[M]`` (None: all 1), which targets count
    (``valid``, None: all), the class weights ``w`` and the label smoothing ``eps``."""
    ctx.p, ctx.t, ctx.shape, ctx.reduction, ctx.denom = p, t, shape, reduction, denom
    ctx.w_y, ctx.valid, ctx.w, ctx.eps, ctx.q = w_y, valid, w, eps, None


def _class_index_loss(ctx, log_p, p, target, w, eps, ignore_index, reduction, shape):
    """``L_n = -(1 - eps) w_yn log p_n,yn - eps/C sum_c w_c log p_nc``, 0 for an ignored target;
    ``mean`` divides by ``sum_n w_yn`` over the targets that count (their number without weights)."""
    m, c = log_p.shape
    t, valid = class_indices(target, ignore_index)
    nll = -log_p[np.arange(m), t]  # -log p_y   [M]
    w_y = None if w is None else w[t]  # [M]
    loss = nll * (1 - eps) if w_y is None else nll * ((1 - eps) * w_y)
    if eps:  # smoothing: + eps/C sum_c w_c (-log p_c)
        loss = loss - (eps / c) * (log_p.sum(axis=1) if w is None else log_p @ w)
    if valid is not None:
        loss = np.where(valid, loss, 0)
    if w_y is None:
        denom = m if valid is None else np.count_nonzero(valid)
    else:
        w_y = w_y if valid is None else np.where(valid, w_y, 0)
        denom = w_y.sum()
    save_class_targets(ctx, p, t, shape, reduction, denom, w_y=w_y, valid=valid, w=w, eps=eps)
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return _mean(loss.sum(), denom)


def _mean(total: np.ndarray, denom) -> np.ndarray:
    """``total / denom`` in the loss's dtype; every target ignored gives 0 / 0 = NaN, as PyTorch."""
    if denom:
        return total / total.dtype.type(denom)
    with np.errstate(divide="ignore", invalid="ignore"):  # NumPy's warning is only set up when needed
        return total / total.dtype.type(denom)


def _probability_loss(ctx, log_p, p, target, w, eps, reduction, shape):
    """``L_n = -sum_c q_nc log p_nc`` with ``q = ((1 - eps) target + eps/C) w``."""
    c = log_p.shape[1]
    q = class_last(target).astype(log_p.dtype, copy=False)  # [M, C]
    if eps:
        q = q * (1 - eps) + eps / c
    if w is not None:
        q = q * w
    ctx.p, ctx.q, ctx.log_p, ctx.w, ctx.eps, ctx.shape, ctx.reduction = p, q, log_p, w, eps, shape, reduction
    loss = -(q * log_p).sum(axis=1)  # [M]
    if reduction == "none":
        return loss.reshape(target.shape[:1] + target.shape[2:] if target.ndim > 1 else ())
    return reduce_loss(loss, reduction)


def _probability_backward(ctx, g):
    """``dZ = s_n (softmax(z_n) Q_n - q_n)`` and, for learnt soft labels, ``dT = -s_n (1 - eps) w log p``."""
    p, q, shape = ctx.p, ctx.q, ctx.shape
    need_z, need_t = ctx.needs_input_grad
    s = spread(g, ctx.reduction, p.shape[0]).reshape(-1, 1)  # s_n   [M, 1], or [1, 1] for all n
    dz = class_back(s * (p * q.sum(axis=1, keepdims=True) - q), shape) if need_z else None
    dt = None
    if need_t:
        dt = -(s * (1 - ctx.eps)) * ctx.log_p
        dt = class_back(dt if ctx.w is None else dt * ctx.w, shape)
    return dz, dt


class NLLLoss(Function):
    """``L = reduce_n(-w_yn x_n,yn)`` on log-probabilities ``x``;  ``dX[n, y_n] = -s_n w_yn``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, target, *, weight, ignore_index, reduction):
        x2 = class_last(x)  # [M, C]
        t, valid = class_indices(target, ignore_index)
        rows = np.arange(t.size)
        w_y = np.ones(t.shape, x.dtype) if weight is None else weight.astype(x.dtype)[t]
        if valid is not None:
            w_y = np.where(valid, w_y, w_y.dtype.type(0))
        loss = -w_y * x2[rows, t]  # [M]
        ctx.rows, ctx.t, ctx.w_y, ctx.shape, ctx.reduction = rows, t, w_y, x.shape, reduction
        ctx.x2_shape, ctx.denom = x2.shape, w_y.sum()
        if reduction == "none":
            return loss.reshape(target.shape)
        if reduction == "sum":
            return loss.sum()
        return np.asarray(_mean(loss.sum(), ctx.denom))

    @staticmethod
    def backward(ctx, g):
        s = spread(g, ctx.reduction, ctx.denom).reshape(-1)  # s_n   [M], or [1] for all n
        dx = np.zeros(ctx.x2_shape, dtype=g.dtype)  # [M, C]
        dx[ctx.rows, ctx.t] = -s * ctx.w_y
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
