"""Cross-entropy's common case fused into one compiled pass forward and one backward.

The common case is a classifier's loss: ``[N, C]`` logits, int64 class indices all in
``[0, C)``, no class weight, no label smoothing, no target ignored, ``mean`` or ``sum``. For it

    L  = reduce_n( log sum_c e^(z_nc - max_n) - (z_n,yn - max_n) )
    dZ = (softmax(Z) - onehot(y)) G / N        (G alone for sum)

are each one loop over the logits, where the twin (the general path in
:mod:`chainrule.nn._functions.classification_loss`) makes a NumPy pass per operation. Every other
case goes to the twin.
"""

from __future__ import annotations

import numpy as np

from ..nn._functions.classification_loss import CrossEntropy, save_class_targets
from . import jit
from .registry import override, reference

_forward = reference(CrossEntropy, "forward")
_backward = reference(CrossEntropy, "backward")


def _softmax_nll_loop(z, target, p):
    """Row by row: ``p = softmax(z)`` and the return value ``sum_n -log p[n, y_n]``.

    ``z`` is ``[N, C]``, ``target`` ``[N]`` in ``[0, C)``. The max is subtracted before ``exp``
    (no overflow); the sums run in float64.
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


def _softmax_nll_backward_loop(p, target, coef, tiny, dz):
    """``dZ = (softmax(Z) - onehot(y)) coef``, with ``coef = G / N`` (``mean``) or ``G`` (``sum``).

    An entry below ``tiny`` (the dtype's smallest normal number) in magnitude is 0: once a
    classifier is confident, the softmax of its wrong classes underflows into the subnormal
    numbers, and every product the backward pass then makes with them (x86 CPUs take tens of times
    longer on subnormal operands) slows the whole step down, for a gradient below any rounding.
    """
    rows, classes = p.shape
    for n in range(rows):
        for c in range(classes):
            d = p[n, c] * coef
            dz[n, c] = d if abs(d) >= tiny else d * 0
        dz[n, target[n]] -= coef


softmax_nll_kernel = jit.kernel(_softmax_nll_loop)
softmax_nll_backward_kernel = jit.kernel(_softmax_nll_backward_loop)


def _is_common_case(z, target, weight, ignore_index, label_smoothing, reduction, classes_checked) -> bool:
    return (z.ndim == 2 and weight is None and not label_smoothing and reduction != "none"
            and target.dtype == np.int64 and target.shape == z.shape[:1] and z.shape[0] > 0
            and not 0 <= ignore_index < z.shape[1]  # so no target is ignored
            and (classes_checked or target.view(np.uint64).max() < z.shape[1])  # a negative wraps
            and jit.available() and jit.fits(z))


@override(CrossEntropy, "forward")
def forward(ctx, z, target, *, weight, ignore_index, label_smoothing, reduction, classes_checked=False):
    if not _is_common_case(z, target, weight, ignore_index, label_smoothing, reduction, classes_checked):
        return _forward(ctx, z, target, weight=weight, ignore_index=ignore_index,
                        label_smoothing=label_smoothing, reduction=reduction, classes_checked=classes_checked)
    n = z.shape[0]
    p = np.empty_like(z)  # softmax(z)   [N, C]
    total = z.dtype.type(softmax_nll_kernel(z, target, p))  # sum_n -log p_n,yn
    save_class_targets(ctx, p, target, z.shape, reduction, n)  # what either backward reads
    ctx.common_case = True
    return np.asarray(total / z.dtype.type(n) if reduction == "mean" else total)


@override(CrossEntropy, "backward")
def backward(ctx, g):
    p = ctx.p
    if not getattr(ctx, "common_case", False) or g.dtype != p.dtype or not jit.available():
        return _backward(ctx, g)  # the forward ran on the twin (or the backend was off then)
    coef = g / g.dtype.type(ctx.denom) if ctx.reduction == "mean" else g  # dL/dl_n, the same for every n
    dz = np.empty_like(p)
    softmax_nll_backward_kernel(p, ctx.t, p.dtype.type(coef), np.finfo(p.dtype).tiny, dz)
    return dz, None
