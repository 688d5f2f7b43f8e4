"""nn.functional: the stateless forms of the layers, activations and losses (``import ... as F``).

Each function validates its arguments (errors name the function and the offending shapes or
values) and runs one graph node from :mod:`chainrule.nn._functions`, where forward and backward
are written side by side.

``inplace=`` is accepted wherever PyTorch has it, but the result is always a new tensor: NumPy
arrays carry no version counter that would make overwriting an input safe for backward.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import ops as _ops
from ..errors import ShapeError
from ..random import Generator, rng
from ..tensor import Tensor
from ._functions import activation as _act
from ._functions import classification_loss as _cls
from ._functions import normalization as _norm
from ._functions import pointwise_loss as _pw
from ._functions.linear import LinearFunction
from ._functions.reduction import legacy_reduction, resolve
from ._functions.regression_loss import RegressionLoss

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "batch_norm", "cross_entropy",
    "dropout", "elu", "embedding", "gelu", "huber_loss", "l1_loss", "layer_norm", "leaky_relu", "linear",
    "log_softmax", "mse_loss", "nll_loss", "one_hot", "pad", "relu", "sigmoid", "silu",
    "smooth_l1_loss", "softmax", "softplus", "tanh",
]
__all__ += [
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "kl_div",
    "margin_ranking_loss", "multi_margin_loss", "poisson_nll_loss", "soft_margin_loss",
    "triplet_margin_loss",
]
__all__ += [
    "celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "logsigmoid", "mish",
    "prelu", "relu6", "selu", "softmin", "softshrink", "softsign", "tanhshrink", "threshold",
]
__all__ += ["group_norm", "instance_norm", "local_response_norm"]


def _tensor(x: Any, op: str, arg: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' must be a Tensor, not {type(x).__name__}")
    return x


def _floating(x: Tensor, op: str) -> None:
    if x._data.dtype.kind != "f":
        raise TypeError(
            f"{op}(): expected a floating point input, got dtype {_dt.dtype_name(x._data.dtype)} "
            f"(shape {tuple(x._data.shape)}); convert it first, e.g. x.float()"
        )


def _array(x: Any, dtype: np.dtype) -> np.ndarray | None:
    """An optional constant tensor (class weights, running stats) as an array of ``dtype``."""
    if x is None:
        return None
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    return arr.astype(dtype, copy=False)


# =========================================================================== linear
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``y = input @ weight.T + bias``: the lecture's ``XW + b`` with ``W = weight.T``.

    ``input`` ``[..., in]``, ``weight`` ``[out, in]``, ``bias`` ``[out]`` -> ``[..., out]``.
    """
    _tensor(input, "linear")
    x, w = input._data, weight._data
    if w.ndim != 2:
        raise ShapeError(f"linear: weight must be 2-D [out_features, in_features], got shape {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ShapeError(
            f"linear: weight of shape {tuple(w.shape)} expects input [..., {w.shape[1]}], "
            f"got shape {tuple(x.shape)}"
        )
    if bias is not None and bias._data.shape != (w.shape[0],):
        raise ShapeError(
            f"linear: bias must have shape ({w.shape[0]},) to match weight {tuple(w.shape)}, "
            f"got {tuple(bias._data.shape)}"
        )
    check_linear_dtypes("linear", x, w)
    return LinearFunction.apply(input, weight, bias)


def check_linear_dtypes(op: str, x: np.ndarray, w: np.ndarray) -> None:
    if x.dtype != w.dtype:
        raise TypeError(
            f"{op}: input dtype {_dt.dtype_name(x.dtype)} does not match weight dtype "
            f"{_dt.dtype_name(w.dtype)}; convert the input (x.to(weight.dtype)) or the layer "
            "(.float() / .double())"
        )


# =========================================================================== activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(0, x)``."""
    return _ops.relu(_tensor(input, "relu"))


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / (1 + e^-x)``."""
    return _ops.sigmoid(_tensor(input, "sigmoid"))


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return _ops.tanh(_tensor(input, "tanh"))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""
    _floating(_tensor(input, "leaky_relu"), "leaky_relu")
    return _act.LeakyReLU.apply(input, negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` for x > 0, ``alpha (e^x - 1)`` otherwise."""
    _floating(_tensor(input, "elu"), "elu")
    return _act.ELU.apply(input, alpha=alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """``x Phi(x)`` (exact, with erf) or its tanh approximation (``approximate='tanh'``)."""
    _floating(_tensor(input, "gelu"), "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _act.GELU.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x sigmoid(x)`` (also called swish)."""
    _floating(_tensor(input, "silu"), "silu")
    return _act.SiLU.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + e^(beta x)) / beta``, and ``x`` where ``beta x > threshold``."""
    _floating(_tensor(input, "softplus"), "softplus")
    return _act.Softplus.apply(input, beta=beta, threshold=threshold)


def _pointwise(op: str, input: Tensor, kind: str, *args: float) -> Tensor:  # noqa: A002
    _floating(_tensor(input, op), op)
    return _act.Pointwise.apply(input, kind=kind, args=args)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """``x`` clipped to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val={min_val} cannot be greater than max_val={max_val}")
    return _pointwise("hardtanh", input, "hardtanh", min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(0, x), 6)``."""
    return _pointwise("relu6", input, "hardtanh", 0.0, 6.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``scale * elu(x, alpha)`` with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507)."""
    return _pointwise("selu", input, "selu")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` for x > 0, ``alpha (e^(x/alpha) - 1)`` otherwise."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    return _pointwise("celu", input, "celu", alpha)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x tanh(softplus(x))``."""
    return _pointwise("mish", input, "mish")


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``."""
    return _pointwise("softsign", input, "softsign")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``relu6(x + 3) / 6``: a piecewise-linear sigmoid."""
    return _pointwise("hardsigmoid", input, "hardsigmoid")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x relu6(x + 3) / 6``."""
    return _pointwise("hardswish", input, "hardswish")


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``log sigmoid(x) = -softplus(-x)``, finite for any x."""
    return _pointwise("logsigmoid", input, "logsigmoid")


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where ``x > threshold``, ``value`` elsewhere."""
    return _pointwise("threshold", input, "threshold", threshold, value)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x - tanh(x)``."""
    return _pointwise("tanhshrink", input, "tanhshrink")


def _lambd(op: str, lambd: float) -> float:
    if lambd < 0:
        raise ValueError(f"{op}: lambd must be non-negative, got lambd={lambd}")
    return lambd


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x - lambd`` above lambd, ``x + lambd`` below -lambd, 0 between."""
    return _pointwise("softshrink", input, "softshrink", _lambd("softshrink", lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x`` where ``|x| > lambd``, 0 elsewhere."""
    return _pointwise("hardshrink", input, "hardshrink", _lambd("hardshrink", lambd))


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """``x`` for x > 0, ``weight * x`` otherwise; ``weight`` holds one slope, or one per channel
    (dim 1 of the input)."""
    _floating(_tensor(input, "prelu"), "prelu")
    _tensor(weight, "prelu", "weight")
    x, w = input._data, weight._data
    if w.ndim > 1:
        raise ShapeError(f"prelu: weight must be 1-D (one slope, or one per channel), got shape {tuple(w.shape)}")
    if w.size != 1:
        channels = x.shape[1] if x.ndim >= 2 else 1
        if w.size != channels:
            raise ShapeError(
                f"prelu: weight has {w.size} slopes but the input of shape {tuple(x.shape)} has "
                f"{channels} channels (dim 1); give one slope, or one per channel"
            )
    return _act.PReLU.apply(input, weight)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    _tensor(input, "softmin")
    return _along_dim(_ops.softmax, "softmin", -input, dim, dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of ``input`` along ``dim``."""
    _floating(_tensor(input, "glu"), "glu")
    shape = input._data.shape
    if not shape:
        raise ShapeError("glu: does not support 0-d (scalar) inputs")
    if not -len(shape) <= dim < len(shape):
        raise IndexError(f"glu: dim {dim} is out of range for an input of shape {tuple(shape)}")
    if shape[dim] % 2:
        raise ShapeError(
            f"glu: halving dimension must be even, but dimension {dim} of the input of shape "
            f"{tuple(shape)} is size {shape[dim]}"
        )
    a, b = _ops.chunk(input, 2, dim)
    return a * _ops.sigmoid(b)


def _softmax_dim(name: str, ndim: int, dim: int | None) -> int:
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T A_k x2 + b_k``: one bilinear form per output feature.

    ``input1`` ``[..., in1]``, ``input2`` ``[..., in2]`` (the same leading dims), ``weight``
    ``[out, in1, in2]``, ``bias`` ``[out]`` -> ``[..., out]``; an einsum, so its backward is the
    einsum's: ``dx1 = A_k x2 G_k``, ``dx2 = A_k^T x1 G_k``, ``dA_k = x1 x2^T G_k`` (summed over the batch).
    """
    _tensor(input1, "bilinear")
    _tensor(input2, "bilinear")
    a, b, w = input1._data, input2._data, weight._data
    if a.shape[:-1] != b.shape[:-1]:
        raise ShapeError(f"bilinear(): input1 of shape {tuple(a.shape)} and input2 of shape {tuple(b.shape)} "
                         "must have the same batch dimensions")
    if w.ndim != 3 or a.shape[-1] != w.shape[1] or b.shape[-1] != w.shape[2]:
        raise ShapeError(f"bilinear(): weight of shape {tuple(w.shape)} expects input1 [..., {w.shape[1:2]}] "
                         f"and input2 [..., {w.shape[2:3]}] as [out, in1, in2], got input1 of shape "
                         f"{tuple(a.shape)} and input2 of shape {tuple(b.shape)}")
    y = _ops.einsum("...i,kij,...j->...k", input1, weight, input2)
    return y if bias is None else y + bias


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """``e^x_i / sum_j e^x_j`` along ``dim`` (computed with the max subtracted)."""
    return _along_dim(_ops.softmax, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """``x_i - log sum_j e^x_j`` along ``dim``."""
    return _along_dim(_ops.log_softmax, "log_softmax", input, dim, dtype)


def _along_dim(op: Any, name: str, input: Tensor, dim: int | None, dtype: Any) -> Tensor:  # noqa: A002
    """``op(input, dim)`` after the checks and the optional cast that softmax and log_softmax share."""
    _tensor(input, name)
    if dtype is not None:
        input = input.to(dtype)  # noqa: A001
    return op(input, _softmax_dim(name, input._data.ndim, dim))


# =========================================================================== dropout
def check_dropout_p(p: Any, op: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got p={p!r}")
    return float(p)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,  # noqa: A002
            generator: Generator | None = None) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)``, so the expected output equals the input; identity when not ``training``."""
    _tensor(input, "dropout")
    p = check_dropout_p(p, "dropout")
    if not training or p == 0:
        return input
    x = input._data
    if p == 1:
        return _ops.mul(input, np.zeros_like(x))
    keep = rng(generator).random(x.shape, dtype=np.float32) >= p  # kept with probability 1 - p
    return _ops.mul(input, keep.astype(x.dtype) * (1 / (1 - p)))


# =========================================================================== in place, random slopes, noise
def _in_place(input: Tensor, op: str, value: Any) -> Tensor:  # noqa: A002
    """``input`` overwritten with ``value`` (computed from it), as the ``*_`` functions do."""
    return input._apply_(op, lambda _: value)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """:func:`relu` written into ``input``."""
    return _in_place(input, "relu_", relu(input))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """:func:`elu` written into ``input``."""
    return _in_place(input, "elu_", elu(input, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """:func:`leaky_relu` written into ``input``."""
    return _in_place(input, "leaky_relu_", leaky_relu(input, negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """:func:`hardtanh` written into ``input``."""
    return _in_place(input, "hardtanh_", hardtanh(input, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """:func:`threshold` written into ``input``."""
    return _in_place(input, "threshold_", globals()["threshold"](input, threshold, value))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """:func:`celu` written into ``input``."""
    return _in_place(input, "celu_", celu(input, alpha))


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """:func:`selu` written into ``input``."""
    return _in_place(input, "selu_", selu(input))


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,  # noqa: A002
          inplace: bool = False, generator: Generator | None = None) -> Tensor:
    """Randomised leaky ReLU (Xu et al., 2015): ``x`` for ``x >= 0``, ``a x`` otherwise, with a
    slope ``a ~ U(lower, upper)`` drawn per element while training and ``(lower + upper) / 2`` in
    evaluation; the gradient is the slope used."""
    _floating(_tensor(input, "rrelu"), "rrelu")
    x = input._data
    if training:
        slope = rng(generator).uniform(lower, upper, x.shape).astype(x.dtype)
    else:
        slope = np.asarray((lower + upper) / 2, dtype=x.dtype)
    y = _ops.mul(input, np.where(x >= 0, x.dtype.type(1), slope))
    return _in_place(input, "rrelu_", y) if inplace else y


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:  # noqa: A002
    """:func:`rrelu` written into ``input``."""
    return rrelu(input, lower, upper, training, inplace=True)


_SELU_ALPHA_PRIME = -1.7580993408473766  # -scale * alpha of SELU: the value SELU tends to at -inf


def _alpha_dropout(op: str, input: Tensor, p: float, training: bool, feature: bool,  # noqa: A002
                   generator: Generator | None) -> Tensor:
    """Dropout that keeps SELU's self-normalisation: a dropped unit is set to SELU's negative
    saturation ``alpha'`` instead of 0, and ``y = a (x keep + alpha' (1 - keep)) + b`` with
    ``a = ((1 - p)(1 + p alpha'^2))^-1/2``, ``b = -a alpha' p`` keeps mean 0 and variance 1."""
    _tensor(input, op)
    p = check_dropout_p(p, op)
    if not training or p == 0:
        return input
    x = input._data
    if p == 1:
        return _ops.mul(input, np.zeros_like(x))
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = (rng(generator).random(shape) >= p).astype(x.dtype)
    a = ((1 - p) * (1 + p * _SELU_ALPHA_PRIME**2)) ** -0.5
    b = -a * _SELU_ALPHA_PRIME * p
    return _ops.mul(input, a * keep) + (a * _SELU_ALPHA_PRIME * (1 - keep) + b).astype(x.dtype)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,  # noqa: A002
                  generator: Generator | None = None) -> Tensor:
    """Alpha dropout for SELU networks (Klambauer et al., 2017), element by element."""
    return _alpha_dropout("alpha_dropout", input, p, training, False, generator)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,  # noqa: A002
                          generator: Generator | None = None) -> Tensor:
    """Alpha dropout of whole channels (``[N, C, ...]``: one draw per ``[n, c]``)."""
    return _alpha_dropout("feature_alpha_dropout", input, p, training, True, generator)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1, generator: Generator | None = None) -> Tensor:
    """A differentiable sample from the categorical distribution ``softmax(logits)`` (Jang et al.,
    2017): ``softmax((logits + g) / tau)`` with Gumbel noise ``g = -log(e)``, ``e ~ Exp(1)``; with
    ``hard`` the one-hot of its arg-max in the forward pass, whose gradient is the soft sample's
    (the straight-through estimator)."""
    _floating(_tensor(logits, "gumbel_softmax"), "gumbel_softmax")
    x = logits._data
    gumbels = -np.log(rng(generator).exponential(1.0, x.shape)).astype(x.dtype)
    y_soft = softmax(_ops.div(logits + gumbels, tau), dim)
    if not hard:
        return y_soft
    axis = dim % x.ndim if x.ndim else 0
    index = np.argmax(y_soft._data, axis=axis)
    y_hard = np.zeros_like(x)
    np.put_along_axis(y_hard, np.expand_dims(index, axis), 1, axis=axis)
    return y_soft - y_soft.detach() + y_hard


def pdist(input: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """The ``p``-norm distance between every pair of rows ``i < j`` of ``[N, M]``, in row-major
    order: ``N (N - 1) / 2`` numbers (the upper triangle of ``cdist(x, x)``)."""
    _floating(_tensor(input, "pdist"), "pdist")
    if input._data.ndim != 2:
        raise ShapeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    n = input._data.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = _ops.index_select(input, 0, Tensor._make(i)) - _ops.index_select(input, 0, Tensor._make(j))
    return _ops.norm(diff, p, dim=1) if len(i) else Tensor._make(np.zeros(0, dtype=input._data.dtype))


# =========================================================================== normalisation
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) of ``[N, C, *]`` by batch statistics (``training``) or by
    the running ones; in training the running buffers are updated in place with ``momentum``."""
    _tensor(input, "batch_norm")
    _floating(input, "batch_norm")
    x = input._data
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected input [N, C, *] with at least 2 dims, got shape {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != (c,):
            raise ShapeError(
                f"batch_norm: {name} must have one entry per channel, shape ({c},), "
                f"got {tuple(t._data.shape)} for input of shape {tuple(x.shape)}"
            )
    if training:
        if x.size // max(c, 1) <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, "
                f"got input of shape {tuple(x.shape)}"
            )
    elif running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var must be given in evaluation mode")
    rm = None if running_mean is None else running_mean._data
    rv = None if running_var is None else running_var._data
    return _norm.BatchNorm.apply(input, weight, bias, running_mean=rm, running_var=rv,
                                 training=training, momentum=momentum, eps=eps)


def normalized_shape_tuple(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its trailing ``normalized_shape`` dims, then scale and shift."""
    _tensor(input, "layer_norm")
    _floating(input, "layer_norm")
    shape = normalized_shape_tuple(normalized_shape)
    check_layer_norm_input(f"layer_norm(normalized_shape={shape})", input._data.shape, shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != shape:
            raise ShapeError(f"layer_norm: {name} must have shape {shape}, got {tuple(t._data.shape)}")
    return _norm.LayerNorm.apply(input, weight, bias, k=len(shape), eps=eps)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation (Zhang & Sennrich, 2019): each sample divided by the root
    mean square of its trailing ``normalized_shape`` dims, then scaled,
    ``y = x / sqrt(mean(x^2) + eps) * weight`` (no centring, no shift); ``eps`` defaults to the
    dtype's machine epsilon, as PyTorch."""
    _tensor(input, "rms_norm")
    _floating(input, "rms_norm")
    shape = normalized_shape_tuple(normalized_shape)
    check_layer_norm_input(f"rms_norm(normalized_shape={shape})", input._data.shape, shape)
    if weight is not None and weight._data.shape != shape:
        raise ShapeError(f"rms_norm: weight must have shape {shape}, got {tuple(weight._data.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(-len(shape), 0))
    y = input * ((input * input).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def check_layer_norm_input(name: str, got: tuple[int, ...], shape: tuple[int, ...]) -> None:
    k = len(shape)
    if len(got) < k or tuple(got[len(got) - k:]) != shape:
        dims = ", ".join(str(s) for s in shape)
        raise ShapeError(f"{name} expected input [*, {dims}], got shape {tuple(got)}")


def _per_channel(op: str, x: np.ndarray, **tensors: Tensor | None) -> None:
    """Each given tensor (weight, bias, running stats) holds one entry per channel of ``x``."""
    c = x.shape[1]
    for name, t in tensors.items():
        if t is not None and t._data.shape != (c,):
            raise ShapeError(f"{op}: {name} must have one entry per channel, shape ({c},), "
                             f"got {tuple(t._data.shape)} for input of shape {tuple(x.shape)}")


def _channel_affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """``y * weight + bias`` with ``weight``/``bias`` ``[C]`` broadcast over ``[N, C, *]``."""
    bshape = (1, y._data.shape[1]) + (1,) * (y._data.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the channels of ``[N, C, *]`` into ``num_groups`` groups and standardise each
    sample's group over its channels and positions (``[N, G, -1]``, a LayerNorm over the last
    axis), then scale and shift per channel."""
    _tensor(input, "group_norm")
    _floating(input, "group_norm")
    x = input._data
    if x.ndim < 2:
        raise ShapeError(f"group_norm: expected input [N, C, *] with at least 2 dims, got shape {x.shape}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ShapeError(f"group_norm: the {c} channels of input {tuple(x.shape)} must split into "
                         f"num_groups={num_groups} equal groups")
    _per_channel("group_norm", x, weight=weight, bias=bias)
    if n * (c // num_groups) * math.prod(x.shape[2:]) == 1:
        raise ValueError(f"group_norm: expected more than 1 value per group, got input of shape "
                         f"{tuple(x.shape)} and num_groups={num_groups}")
    xhat = _norm.LayerNorm.apply(input.reshape(n, num_groups, -1), None, None, k=1, eps=eps)  # [N, G, C/G * L]
    return _channel_affine(xhat.reshape(x.shape), weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Standardise each channel of each sample of ``[N, C, *]`` over its positions: a batch
    norm of ``[1, N*C, *]``. Running statistics (if given) are updated with the mean over the
    batch of every sample's statistics; ``use_input_stats=False`` normalises with them instead."""
    _tensor(input, "instance_norm")
    _floating(input, "instance_norm")
    x = input._data
    if x.ndim < 3:
        raise ShapeError(f"instance_norm: expected input [N, C, *] with at least 3 dims, got shape {x.shape}")
    _per_channel("instance_norm", x, running_mean=running_mean, running_var=running_var,
                 weight=weight, bias=bias)
    n, c = x.shape[:2]
    if use_input_stats and math.prod(x.shape[2:]) == 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, "
                         f"got input of shape {tuple(x.shape)}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise ValueError("instance_norm: running_mean and running_var must be given when "
                         "use_input_stats=False")
    # every (sample, channel) is a channel of its own; the running stats repeat per sample
    rm = None if running_mean is None else np.tile(running_mean._data, n)  # [N*C]
    rv = None if running_var is None else np.tile(running_var._data, n)
    y = _norm.BatchNorm.apply(input.reshape((1, n * c) + x.shape[2:]), None, None, running_mean=rm,
                              running_var=rv, training=bool(use_input_stats), momentum=momentum, eps=eps)
    if use_input_stats:
        for buf, tiled in ((running_mean, rm), (running_var, rv)):
            if buf is not None:
                buf._data[...] = tiled.reshape(n, c).mean(axis=0)
    return _channel_affine(y.reshape(x.shape), weight, bias)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,  # noqa: A002
                        k: float = 1.0) -> Tensor:
    """``x / (k + alpha * mean(x^2 over size neighbouring channels))^beta`` on ``[N, C, *]``;
    the window of channel ``c`` is ``c - size//2 .. c + (size-1)//2``, zeros past the edges
    counted in the mean (AlexNet's normalisation)."""
    _tensor(input, "local_response_norm")
    x = input._data
    if x.ndim < 3:
        raise ShapeError(f"local_response_norm: expected input [N, C, *] with at least 3 dims, "
                         f"got shape {x.shape}")
    if x.size == 0:
        return input
    c = x.shape[1]
    sq = input * input
    zeros = Tensor._make(np.zeros((x.shape[0], 1) + x.shape[2:], dtype=x.dtype))
    padded = _ops.cat([zeros] * (size // 2) + [sq] + [zeros] * ((size - 1) // 2), dim=1)
    window = padded[:, 0:c]
    for j in range(1, size):  # the sum over each channel's window, one shift at a time
        window = window + padded[:, j:j + c]
    div = (window * (alpha / size) + k) ** beta
    return input / div


# =========================================================================== losses
def _loss_inputs(op: str, input: Tensor, target: Tensor, same_shape: bool = True) -> None:  # noqa: A002
    """A loss's first checks: input and target are tensors, the input is floating, and (unless the
    target holds class indices) the two have one shape."""
    _tensor(input, op)
    _tensor(target, op, "target")
    _floating(input, op)
    if same_shape:
        _same_shape(op, input, target)


def _same_shape(op: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    if input._data.shape != target._data.shape:
        raise ShapeError(
            f"{op}: input of shape {tuple(input._data.shape)} and target of shape "
            f"{tuple(target._data.shape)} must have the same shape (a loss does not broadcast its "
            "target: that silently compares every prediction with every target)"
        )


def _as_input_dtype(input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
    """The target in the input's dtype (so float32 stays float32)."""
    if target._data.dtype != input._data.dtype:
        return target.to(input._data.dtype)
    return target


def _regression(op: str, kind: str, input: Tensor, target: Tensor, reduction: str,  # noqa: A002
                param: float, weight: Tensor | None, weighted_mean_by_weight: bool) -> Tensor:
    _loss_inputs(op, input, target)
    target = _as_input_dtype(input, target)
    if weight is None:
        return RegressionLoss.apply(input, target, kind=kind, param=param, reduction=reduction)
    _tensor(weight, op, "weight")
    if weight._data.shape != input._data.shape:
        raise ShapeError(
            f"{op}: weight of shape {tuple(weight._data.shape)} must have the input's shape "
            f"{tuple(input._data.shape)}"
        )
    loss = RegressionLoss.apply(input, target, kind=kind, param=param, reduction="none") * weight
    if reduction == "none":
        return loss
    if reduction == "sum" or not weighted_mean_by_weight:
        return loss.sum() if reduction == "sum" else loss.mean()
    return loss.sum() / weight.sum()


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(x - y)^2``; with ``weight``, ``mean`` is ``sum(w l) / sum(w)``."""
    reduction = resolve(reduction, size_average, reduce, "mse_loss")
    return _regression("mse_loss", "mse", input, target, reduction, 0.0, weight, True)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|x - y|``; with ``weight``, ``mean`` is ``sum(w l) / sum(w)``."""
    reduction = resolve(reduction, size_average, reduce, "l1_loss")
    return _regression("l1_loss", "l1", input, target, reduction, 0.0, weight, True)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, ``|d| - 0.5 beta`` elsewhere (``d = x - y``)."""
    reduction = resolve(reduction, size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got beta={beta}")
    return _regression("smooth_l1_loss", "smooth_l1", input, target, reduction, beta, None, False)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, ``delta (|d| - 0.5 delta)`` elsewhere."""
    reduction = resolve(reduction, None, None, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got delta={delta}")
    return _regression("huber_loss", "huber", input, target, reduction, delta, weight, False)


def _class_weight(op: str, weight: Any, x: np.ndarray) -> np.ndarray | None:
    if weight is None:
        return None
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _array(weight, x.dtype)
    _cls.check_weight(op, w, c)
    return w


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax and negative log-likelihood in one stable node (logits in, not probabilities).

    ``target`` holds class indices (shape of ``input`` without its class dim 1) or class
    probabilities (``input``'s shape). ``mean`` divides by the summed weight of the counted targets.
    """
    op = "cross_entropy"
    reduction = resolve(reduction, size_average, reduce, op)
    _loss_inputs(op, input, target, same_shape=False)
    x, t = input._data, target._data
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    w = _class_weight(op, weight, x)
    classes_checked = False
    if t.shape == x.shape and t.dtype.kind == "f":
        if ignore_index >= 0:
            raise ValueError(f"{op}: ignore_index={ignore_index} is not supported for class-probability targets")
        target = _as_input_dtype(input, target)
    else:
        classes_checked = _cls.check_class_target(op, x, t, ignore_index)
    return _cls.CrossEntropy.apply(input, target, weight=w, ignore_index=ignore_index,
                                   label_smoothing=float(label_smoothing), reduction=reduction,
                                   classes_checked=classes_checked)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood ``-w_y x[y]`` of log-probabilities ``x`` (e.g. from log_softmax)."""
    op = "nll_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    _loss_inputs(op, input, target, same_shape=False)
    x = input._data
    w = _class_weight(op, weight, x)
    _cls.check_class_target(op, x, target._data, ignore_index)
    return _cls.NLLLoss.apply(input, target, weight=w, ignore_index=ignore_index, reduction=reduction)


def _broadcast_weight(op: str, name: str, weight: Any, shape: tuple[int, ...],
                      dtype: np.dtype) -> np.ndarray | None:
    w = _array(weight, dtype)
    if w is None:
        return None
    try:
        fits = np.broadcast_shapes(w.shape, shape) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{op}: {name} of shape {tuple(w.shape)} cannot be broadcast to the input's shape {tuple(shape)}"
        )
    return w


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``-w [y log x + (1 - y) log(1 - x)]`` for probabilities ``x`` in [0, 1]; logs are clamped
    at -100 so ``x = 0`` or ``1`` gives a finite loss."""
    op = "binary_cross_entropy"
    reduction = resolve(reduction, size_average, reduce, op)
    _loss_inputs(op, input, target)
    x = input._data
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise ValueError(
            f"{op}: all elements of input should be between 0 and 1 (probabilities; use "
            f"binary_cross_entropy_with_logits for logits), got values in [{np.nanmin(x)}, {np.nanmax(x)}]"
            + (" and nan" if np.isnan(x).any() else "")
        )
    w = _broadcast_weight(op, "weight", weight, x.shape, x.dtype)
    target = _as_input_dtype(input, target)
    return _cls.BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid and BCE in one stable node; ``pos_weight`` (per class, broadcast along the last
    dim) weighs the positive term: ``-w [p y log s(x) + (1 - y) log(1 - s(x))]``."""
    op = "binary_cross_entropy_with_logits"
    reduction = resolve(reduction, size_average, reduce, op)
    _loss_inputs(op, input, target)
    x = input._data
    w = _broadcast_weight(op, "weight", weight, x.shape, x.dtype)
    pw = _broadcast_weight(op, "pos_weight", pos_weight, x.shape, x.dtype)
    target = _as_input_dtype(input, target)
    return _cls.BinaryCrossEntropyWithLogits.apply(input, target, weight=w, pos_weight=pw,
                                                   reduction=reduction)


def floor_value(t: Tensor, floor: float) -> Tensor:
    """``t`` with its values raised to at least ``floor`` while its gradient passes as if they were
    not (PyTorch clamps such a tensor in place under no_grad): ``t + const(max(t, floor) - t)``."""
    return t + Tensor._make(np.maximum(t._data, floor) - t._data)


def _reduce(op: str, loss: Tensor, reduction: str) -> Tensor:
    """A composed loss's per-element values, reduced."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _pointwise_loss(op: str, kind: str, input: Tensor, target: Tensor, reduction: str,  # noqa: A002
                    *args: Any) -> Tensor:
    _loss_inputs(op, input, target)
    target = _as_input_dtype(input, target)
    return _pw.PointwiseLoss.apply(input, target, kind=kind, args=args, reduction=reduction)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
           reduce: bool | None = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence ``y (log y - x)`` of log-probabilities ``x`` from the target distribution
    ``y`` (``log_target``: ``y`` given as log-probabilities too). ``reduction='batchmean'`` divides
    the sum by the batch size, which is the KL divergence's definition; ``'mean'`` divides by the
    number of elements (and warns, as PyTorch does)."""
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    batchmean = reduction == "batchmean"
    if not batchmean:
        reduction = resolve(reduction, None, None, op)
    loss = _pointwise_loss(op, "kl_div", input, target, "sum" if batchmean else reduction,
                           bool(log_target))
    if batchmean and input._data.ndim:
        return loss / input._data.shape[0]
    return loss


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + e^(-y x))`` for targets ``y`` of +-1."""
    reduction = resolve(reduction, size_average, reduce, "soft_margin_loss")
    return _pointwise_loss("soft_margin_loss", "soft_margin", input, target, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: bool | None = None, eps: float = 1e-8,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood of counts ``y`` under rate ``e^x`` (``log_input``) or ``x``:
    ``e^x - y x``, or ``x - y log(x + eps)``; ``full`` adds Stirling's ``log(y!)`` for ``y > 1``."""
    reduction = resolve(reduction, size_average, reduce, "poisson_nll_loss")
    return _pointwise_loss("poisson_nll_loss", "poisson_nll", input, target, reduction,
                           bool(log_input), bool(full), float(eps))


def _same_shapes(op: str, **tensors: Tensor) -> None:
    shapes = {name: tuple(t._data.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ShapeError(f"{op}: all inputs must have the same shape, got {listed}")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``: ``y = 1`` asks for ``x1`` to rank above ``x2`` by ``margin``."""
    op = "margin_ranking_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _tensor(t, op, name)
    _same_shapes(op, input1=input1, input2=input2, target=target)
    return _reduce(op, (-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1`` (``x`` usually a distance)."""
    op = "hinge_embedding_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    _loss_inputs(op, input, target)
    zeros = _ops.mul(input, 0.0).detach()
    t = target._data
    loss = (_ops.where(t != 1, (margin - input).clamp(min=0), zeros)
            + _ops.where(t != -1, input, zeros))
    return _reduce(op, loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where ``y = -1``;
    inputs ``[N, D]`` with targets ``[N]``, or ``[D]`` with a 0-d target."""
    op = "cosine_embedding_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _tensor(t, op, name)
    _floating(input1, op)
    x1, t = input1._data, target._data
    if t.ndim > 1 or x1.ndim != t.ndim + 1 or input2._data.shape != x1.shape or (t.ndim and t.shape[0] != x1.shape[0]):
        raise ShapeError(
            f"{op}: expected inputs [N, D] with target [N], or [D] with a 0-d target; got input1 "
            f"{tuple(x1.shape)}, input2 {tuple(input2._data.shape)}, target {tuple(t.shape)}"
        )
    eps = 1e-12
    dim = t.ndim
    dot = (input1 * input2).sum(dim)
    mag = ((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)
    cos = dot / mag.sqrt()
    zeros = _ops.mul(cos, 0.0).detach()
    loss = (_ops.where(t == 1, 1 - cos, zeros)
            + _ops.where(t == -1, (cos - margin).clamp(min=0), zeros))
    return _reduce(op, loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the pairwise ``p``-norm distance;
    ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative distance."""
    op = "triplet_margin_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _tensor(t, op, name)
    dims = {anchor._data.ndim, positive._data.ndim, negative._data.ndim}
    if len(dims) != 1 or dims.pop() not in (1, 2):
        raise ShapeError(
            f"{op}: anchor, positive and negative must all be [N, D] or all [D]; got anchor "
            f"{tuple(anchor._data.shape)}, positive {tuple(positive._data.shape)}, negative "
            f"{tuple(negative._data.shape)}"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(op, (margin + d_pos - d_neg).clamp(min=0), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """One logistic loss per class for multi-label targets ``y`` in {0, 1}, averaged over the ``C``
    classes: ``-(y log sigmoid(x) + (1 - y) log sigmoid(-x))`` (times ``weight``), then reduced."""
    op = "multilabel_soft_margin_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    _floating(_tensor(input, op), op)
    _tensor(target, op, "target")
    if tuple(target._data.shape) != tuple(input._data.shape):
        raise ShapeError(f"{op}: target of shape {tuple(target._data.shape)} must have the input's shape "
                         f"{tuple(input._data.shape)}")
    y = target.to(input.dtype)
    loss = -(y * logsigmoid(input) + (1 - y) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=-1) / input._data.shape[-1]
    return _reduce(op, loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: for each sample, the target classes are ``target``'s entries up to the
    first -1, and ``sum_{j target} sum_{i not target} max(0, 1 - (x_j - x_i)) / C``."""
    op = "multilabel_margin_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    _floating(_tensor(input, op), op)
    _tensor(target, op, "target")
    x, t = input._data, target._data
    if t.shape != x.shape or x.ndim not in (1, 2) or t.dtype.kind not in "iu":
        raise ShapeError(f"{op}: expected input [N, C] or [C] and integer target of the same shape, got input "
                         f"{tuple(x.shape)} and target {tuple(t.shape)} of dtype {t.dtype}")
    x2, t2 = x.reshape(-1, x.shape[-1]), t.reshape(-1, t.shape[-1])
    c = x2.shape[1]
    is_target = np.zeros(x2.shape, dtype=bool)
    pairs_j, pairs_i, rows = [], [], []
    for n, row in enumerate(t2):
        stop = np.flatnonzero(row < 0)
        labels = row[: stop[0] if stop.size else c]
        if labels.size and (labels.min() < 0 or labels.max() >= c):
            raise IndexError(f"{op}: target {int(labels.max())} is out of bounds for {c} classes")
        is_target[n, labels] = True
        others = np.flatnonzero(~is_target[n])
        jj, ii = np.meshgrid(labels, others, indexing="ij")
        pairs_j.append(jj.reshape(-1))
        pairs_i.append(ii.reshape(-1))
        rows.append(np.full(jj.size, n))
    flat = input.reshape(-1, c)
    row, j, i = (np.concatenate(a).astype(np.int64) for a in (rows, pairs_j, pairs_i))
    gap = 1 - (flat[row, j] - flat[row, i])
    per_pair = gap.clamp(min=0) / c
    loss = _ops.index_add(Tensor._make(np.zeros(flat.shape[0], dtype=x.dtype)), 0, Tensor._make(row), per_pair)
    return _reduce(op, loss.reshape(x.shape[:-1]), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)`` with any distance ``d`` (default: the pairwise
    2-norm distance); ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative distance."""
    op = "triplet_margin_with_distance_loss"
    reduction = resolve(reduction, None, None, op)
    if margin <= 0:
        raise ValueError(f"{op}: expected margin to be greater than 0, got {margin} instead")
    distance = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = _ops.minimum(d_neg, distance(positive, negative))
    return _reduce(op, (margin + d_pos - d_neg).clamp(min=0), reduction)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification: the negative log-probability of each target sequence
    summed over all its alignments to the frames (see :mod:`._functions.ctc`). ``log_probs``
    ``[T, N, C]`` (or ``[T, C]``), ``targets`` ``[N, S]`` padded or all concatenated; ``mean`` divides
    each loss by its target length, then averages; ``zero_infinity`` zeroes impossible alignments."""
    from ._functions.ctc import CTCLossFunction

    op = "ctc_loss"
    reduction = resolve(reduction, None, None, op)
    _floating(_tensor(log_probs, op), op)
    unbatched = log_probs._data.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    frames, batch, classes = lp._data.shape
    lengths_in = np.atleast_1d(np.asarray(input_lengths._data if isinstance(input_lengths, Tensor) else input_lengths))
    lengths_t = np.atleast_1d(np.asarray(target_lengths._data if isinstance(target_lengths, Tensor)
                                         else target_lengths)).astype(np.int64)
    t = targets._data if isinstance(targets, Tensor) else np.asarray(targets)
    if unbatched:
        t = t.reshape(1, -1)
    if len(lengths_in) != batch or len(lengths_t) != batch:
        raise ShapeError(f"{op}: expected input_lengths and target_lengths of {batch} entries (one a sequence), got "
                         f"{len(lengths_in)} and {len(lengths_t)}")
    if (lengths_in > frames).any():
        raise RuntimeError(f"{op}: Expected input_lengths to have value at most {frames}, but got value "
                           f"{int(lengths_in.max())}")
    if not 0 <= blank < classes:
        raise ValueError(f"{op}: blank must be in label range [0, {classes}), got {blank}")
    if t.ndim == 1:  # all targets concatenated
        starts = np.concatenate([[0], np.cumsum(lengths_t)[:-1]])
        rows = [t[s:s + n] for s, n in zip(starts, lengths_t)]
    else:
        rows = [t[i] for i in range(batch)]
    losses = CTCLossFunction.apply(lp, targets=rows, input_lengths=lengths_in, target_lengths=lengths_t,
                                   blank=blank, zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return (losses / Tensor._make(np.maximum(lengths_t, 1).astype(lp._data.dtype))).mean()


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """``(log var + (x - y)^2 / var) / 2`` (``full``: plus ``log(2 pi) / 2``): the negative
    log-likelihood of ``y`` under a normal of mean ``x`` and variance ``var``. ``var`` has the
    input's shape, or one dim fewer / a last dim of 1 (one variance per sample), or is a float;
    it is clamped to ``eps`` for the value, while its gradient is that of the unclamped ``var``."""
    op = "gaussian_nll_loss"
    reduction = resolve(reduction, None, None, op)
    _tensor(input, op)
    _tensor(target, op, "target")
    _floating(input, op)
    if not isinstance(var, Tensor):
        var = Tensor._make(np.full(input._data.shape, var, dtype=input._data.dtype))
    shape, vshape = tuple(input._data.shape), tuple(var._data.shape)
    if vshape != shape:
        if shape[:-1] == vshape:
            var = var.unsqueeze(-1)
        elif not (shape[:-1] == vshape[:-1] and vshape[-1:] == (1,)):
            raise ShapeError(f"{op}: var of shape {vshape} does not fit the input's shape {shape} "
                             "(it must match it, lack its last dim, or have a last dim of 1)")
    if (var._data < 0).any():
        raise ValueError(f"{op}: var has negative entry/entries")
    clamped = floor_value(var, eps)
    loss = 0.5 * (clamped.log() + (input - target) ** 2 / clamped)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(op, loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C`` per sample, for
    scores ``[N, C]`` (or ``[C]``) and class indices ``y``; ``p`` is 1 or 2."""
    op = "multi_margin_loss"
    reduction = resolve(reduction, size_average, reduce, op)
    _loss_inputs(op, input, target, same_shape=False)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 are supported, got p={p}")
    x, t = input._data, target._data
    if x.ndim not in (1, 2) or (x.ndim == 2 and x.shape[1] == 0):
        raise ShapeError(f"{op}: expected input [N, C] or [C] with C > 0, got shape {tuple(x.shape)}")
    _cls.check_class_target(op, x, t, -100)
    w = _class_weight(op, weight, x)
    scores = input if x.ndim == 2 else input.unsqueeze(0)
    y = t.reshape(-1, 1).astype(np.int64)
    c = scores._data.shape[1]
    picked = _ops.gather(scores, 1, Tensor._make(y))  # [N, 1]: x_y
    z = (margin - picked + scores).clamp(min=0)
    if p == 2:
        z = z * z
    keep = np.ones(scores._data.shape, dtype=x.dtype)
    np.put_along_axis(keep, y, 0, axis=1)  # the i = y term is left out
    if w is not None:
        keep = keep * w[y]
    loss = (z * keep).sum(1) / c
    return _reduce(op, loss if x.ndim == 2 else loss.squeeze(0), reduction)


# =========================================================================== padding
def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right)`` for the last dim, then
    ``(top, bottom)`` for the one before, ... Modes ``"constant"`` (``value``, default 0; negative
    widths crop), ``"reflect"``, ``"replicate"``, ``"circular"``. The gradient flows back to the
    elements copied (see :func:`chainrule.autograd.ops.shape.pad`)."""
    return _ops.pad(_tensor(input, "pad"), pad, mode, value)


# =========================================================================== encoding
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``[*] -> [*, num_classes]`` int64 with a 1 at each index (``num_classes=-1``: max + 1)."""
    _tensor(tensor, "one_hot", "tensor")
    t = tensor._data
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer (int64) index tensor, got dtype {t.dtype}")
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(t.min())}")
    if num_classes == -1:
        if not t.size:
            raise ValueError("one_hot: can not infer the number of classes of an empty tensor")
        num_classes = int(t.max()) + 1
    elif t.size and t.max() >= num_classes:
        raise ValueError(
            f"one_hot: class values must be smaller than num_classes={num_classes}, got {int(t.max())}"
        )
    out = np.zeros(t.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, t[..., None].astype(np.intp), 1, axis=-1)
    return Tensor._make(out)


# =========================================================================== embedding
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` [num_embeddings, dim] at the integer ``input``: ``[*] -> [*, dim]``.

    ``padding_idx``: that row receives no gradient. ``max_norm``: the rows looked up are first
    rescaled in place to a ``norm_type``-norm of at most ``max_norm``, as PyTorch does.
    """
    from ._functions.embedding import EmbeddingFunction

    _tensor(input, "embedding")
    _tensor(weight, "embedding", "weight")
    idx, w = input._data, weight._data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected an integer (int64) index tensor, got dtype {idx.dtype}")
    if w.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D [num_embeddings, dim], got shape {w.shape}")
    num = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"embedding: index {bad} is out of range for {num} embeddings")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding: padding_idx must be within [-{num}, {num}), got {padding_idx}")
        padding_idx = padding_idx % num
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported; use sparse=False")
    if max_norm is not None:
        rows = np.unique(idx)
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        over = norms > max_norm
        w[rows[over]] *= (max_norm / (norms[over] + 1e-7))[:, None].astype(w.dtype)
    return EmbeddingFunction.apply(weight, idx, padding_idx=padding_idx,
                                   scale_grad_by_freq=bool(scale_grad_by_freq))


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Bags of embeddings reduced to one vector each (``sum``, ``mean`` or ``max``) without
    building the ``[bags, length, dim]`` lookup: ``input`` ``[B, N]`` (B bags of N ids), or 1-D ids
    with ``offsets`` ``[B]`` (bag b starts at ``offsets[b]``) -> ``[B, dim]``."""
    from ._functions.embedding import EmbeddingBagFunction

    _tensor(input, "embedding_bag")
    idx, w = input._data, weight._data
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse gradients are not supported")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub.")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed "
                f"length sequences. However, found offsets of type {type(offsets)}")
        bags, length = idx.shape
        starts = np.arange(0, bags * length, length)
        idx = idx.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        starts = offsets._data.reshape(-1).astype(np.int64)
        if include_last_offset:
            starts = starts[:-1]
        if starts.size and starts[0] != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                f"position 0. However, got {int(starts[0])}")
        bags = starts.size
    else:
        raise ShapeError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    num = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"embedding_bag: index {bad} is out of range for {num} embeddings")
    if padding_idx is not None:
        padding_idx %= num
    if max_norm is not None:
        embedding(Tensor._make(idx), weight, max_norm=max_norm, norm_type=norm_type)  # renormalises in place
    bag_of = np.searchsorted(starts, np.arange(idx.size), side="right") - 1  # the bag of each entry  [n]
    return EmbeddingBagFunction.apply(weight, Tensor._make(idx), Tensor._make(bag_of), per_sample_weights,
                                      bags=bags, mode=mode, padding_idx=padding_idx)


# =========================================================================== convolution, pooling
# (defined beside their layers; imported last, as they build on the helpers above)
from .attention import scaled_dot_product_attention  # noqa: E402
from .conv import (  # noqa: E402
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    fold,
    unfold,
)
from .distance import cosine_similarity, normalize, pairwise_distance  # noqa: E402
from .dropout import dropout1d, dropout2d, dropout3d  # noqa: E402
from .pooling import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
from .spatial import affine_grid, grid_sample  # noqa: E402
from .upsampling import channel_shuffle, interpolate, pixel_shuffle, pixel_unshuffle, upsample  # noqa: E402

__all__ += [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "avg_pool1d", "avg_pool2d", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "dropout2d", "fold", "max_pool1d", "max_pool2d", "unfold",
]
__all__ += [
    "adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "conv3d", "conv_transpose3d", "dropout1d",
    "dropout3d", "max_pool3d",
]
__all__ += ["embedding_bag", "max_unpool1d", "max_unpool2d", "max_unpool3d", "rms_norm"]
__all__ += [
    "alpha_dropout", "celu_", "elu_", "feature_alpha_dropout", "gumbel_softmax", "hardtanh_", "leaky_relu_",
    "multilabel_margin_loss", "multilabel_soft_margin_loss", "pdist", "relu_", "rrelu", "rrelu_", "selu_",
    "threshold_", "triplet_margin_with_distance_loss",
]
__all__ += ["ctc_loss"]
__all__ += ["affine_grid", "channel_shuffle", "grid_sample", "lp_pool1d", "lp_pool2d", "lp_pool3d"]
__all__ += ["cosine_similarity", "normalize", "pairwise_distance"]
__all__ += ["scaled_dot_product_attention"]
__all__ += ["interpolate", "pixel_shuffle", "pixel_unshuffle", "upsample"]
