"""Weight initialisation schemes, as ``torch.nn.init``: in place, without recording a graph, drawn
from the seeded generator (``chainrule.manual_seed``), and returning the tensor.

Why the scale matters (the lecture's "Initialization?"): a layer ``y = x W`` with ``fan_in``
inputs of variance 1 and weights of variance ``s^2`` gives outputs of variance ``fan_in s^2``.
Keeping the signal's variance constant through depth asks for

* Xavier/Glorot (tanh, sigmoid):  ``Var(W) = gain^2 * 2 / (fan_in + fan_out)``
* Kaiming/He (ReLU family):       ``Var(W) = gain^2 / fan``  with ``gain = sqrt(2)`` for ReLU

A uniform ``U(-b, b)`` has variance ``b^2 / 3``, so the uniform variants use ``b = sqrt(3) std``.
For a weight ``[out, in, *k]``, ``fan_in = in * prod(k)`` and ``fan_out = out * prod(k)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..random import Generator, rng
from ..tensor import Tensor
from ._functions.special import erf, erfinv

__all__ = [
    "calculate_gain", "constant_", "eye_", "kaiming_normal_", "kaiming_uniform_", "normal_",
    "ones_", "orthogonal_", "trunc_normal_", "uniform_", "xavier_normal_", "xavier_uniform_",
    "zeros_",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which a nonlinearity shrinks the signal's standard deviation, inverted.

    ================= ================================
    nonlinearity      gain
    ================= ================================
    linear, conv*     1
    sigmoid           1
    tanh              5/3
    relu              sqrt(2)
    leaky_relu        sqrt(2 / (1 + negative_slope^2))  (``param``, default 0.01)
    selu              3/4
    ================= ================================
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _check(tensor: Any, op: str) -> np.ndarray:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    return tensor._data


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write ``values`` into the tensor's memory (no graph, parameters keep their identity)."""
    tensor._data[...] = values
    return tensor


def _fans(data: np.ndarray, op: str) -> tuple[int, int]:
    if data.ndim < 2:
        raise ValueError(
            f"{op}: fan in and fan out can not be computed for a tensor with fewer than 2 "
            f"dimensions (got shape {tuple(data.shape)})"
        )
    receptive = int(np.prod(data.shape[2:])) if data.ndim > 2 else 1
    return data.shape[1] * receptive, data.shape[0] * receptive


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with ``U(a, b)``."""
    data = _check(tensor, "uniform_")
    return _fill(tensor, rng(generator).uniform(a, b, data.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with ``N(mean, std^2)``."""
    data = _check(tensor, "normal_")
    return _fill(tensor, rng(generator).normal(mean, std, data.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """Fill with ``N(mean, std^2)`` restricted to ``[a, b]`` (absolute bounds, as in PyTorch).

    Inverse-CDF sampling: ``u ~ U(Phi(alpha), Phi(beta))`` with ``alpha = (a - mean)/std``, then
    ``x = mean + std * sqrt(2) erfinv(2u - 1)``, where ``Phi(z) = (1 + erf(z / sqrt 2)) / 2``.
    """
    data = _check(tensor, "trunc_normal_")
    if std <= 0 or a >= b:
        raise ValueError(f"trunc_normal_: need std > 0 and a < b, got std={std}, a={a}, b={b}")
    lo = 0.5 * (1 + float(erf(np.float64((a - mean) / std / math.sqrt(2)))))
    hi = 0.5 * (1 + float(erf(np.float64((b - mean) / std / math.sqrt(2)))))
    u = rng(generator).uniform(lo, hi, data.shape)
    x = mean + std * math.sqrt(2) * erfinv(2 * u - 1)
    return _fill(tensor, np.clip(x, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    _check(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    _check(tensor, "zeros_")
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    _check(tensor, "ones_")
    return _fill(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (2-D tensors only): preserves the input in a linear layer."""
    data = _check(tensor, "eye_")
    if data.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {data.shape}")
    return _fill(tensor, np.eye(*data.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """``U(-b, b)``, ``b = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio, 2010)."""
    data = _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _fans(data, "xavier_uniform_")
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, rng(generator).uniform(-bound, bound, data.shape))


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """``N(0, std^2)``, ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    data = _check(tensor, "xavier_normal_")
    fan_in, fan_out = _fans(data, "xavier_normal_")
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, rng(generator).normal(0.0, std, data.shape))


def _kaiming_std(data: np.ndarray, a: float, mode: str, nonlinearity: str, op: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _fans(data, op)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{op}: initializing a zero-element tensor (shape {data.shape}) is a no-op")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Generator | None = None) -> Tensor:
    """``U(-b, b)``, ``b = gain * sqrt(3 / fan)`` (He et al., 2015); ``a`` is the leaky slope."""
    data = _check(tensor, "kaiming_uniform_")
    if data.size == 0:
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(data, a, mode, nonlinearity, "kaiming_uniform_")
    return _fill(tensor, rng(generator).uniform(-bound, bound, data.shape))


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Generator | None = None) -> Tensor:
    """``N(0, std^2)``, ``std = gain / sqrt(fan)``."""
    data = _check(tensor, "kaiming_normal_")
    if data.size == 0:
        return tensor
    std = _kaiming_std(data, a, mode, nonlinearity, "kaiming_normal_")
    return _fill(tensor, rng(generator).normal(0.0, std, data.shape))


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix ``Q`` from the QR decomposition of a Gaussian matrix, with the
    signs fixed by ``diag(R)`` so that ``Q`` is uniformly (Haar) distributed (Saxe et al., 2013).
    Dims after the first are flattened; rows or columns are orthonormal, whichever are fewer."""
    data = _check(tensor, "orthogonal_")
    if data.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {data.shape}")
    if data.size == 0:
        return tensor
    rows = data.shape[0]
    cols = data.size // rows
    flat = rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(data.shape))
