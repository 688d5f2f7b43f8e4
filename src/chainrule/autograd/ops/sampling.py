"""Random draws whose parameters are tensors: ``normal(mean, std)`` and ``multinomial(probs, n)``.

Every draw comes from the generator given as ``generator=``, else from the one that
``chainrule.manual_seed`` seeds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...device import check_device
from ...dtypes import as_dtype, default_float, wrap
from ...errors import ShapeError
from ...random import Generator, rng
from ...tensor import Tensor
from ..function import Function
from ._util import as_operand, broadcast_error, into, shape_of


class Normal(Function):
    """Y = mean + std * Z with Z ~ N(0, 1). As in PyTorch the sample passes no gradient to its
    parameters (dMean = dStd = 0); the reparameterised ``mean + std * randn_like(mean)``, built
    from ``+`` and ``*``, is the form whose gradient flows."""

    array_io = True

    @staticmethod
    def forward(ctx, mean, std, noise):
        ctx.shapes = shape_of(mean), shape_of(std)
        return (mean + std * noise).astype(noise.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (mean_shape, std_shape) = ctx.shapes
        return np.zeros(mean_shape, dtype=g.dtype), np.zeros(std_shape, dtype=g.dtype), None


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           out: Tensor | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std^2): ``normal(means, stds)`` elementwise (tensors broadcast together),
    ``normal(means, 1.0)``, ``normal(0.0, stds)``, or ``normal(0.0, 1.0, size=(2, 3))``."""
    check_device(device, "normal")
    m, s = as_operand(mean), as_operand(std)
    tensors = [x for x in (m, s) if isinstance(x, np.ndarray)]
    if not tensors:
        if size is None:
            raise TypeError(
                "normal(): with a number for both mean and std, give size=, e.g. normal(0.0, 1.0, size=(3,))"
            )
        shape = tuple(size) if isinstance(size, (tuple, list)) else (int(size),)
        result_dtype = as_dtype(dtype) if dtype is not None else default_float()
    else:
        if size is not None:
            raise TypeError("normal(): size= is only for a number mean and std; a tensor mean or std gives the shape")
        try:
            shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        except ValueError:
            raise broadcast_error("normal", m, s) from None
        floats = [x.dtype for x in tensors if x.dtype.kind == "f"]
        if len(floats) != len(tensors):
            got = [str(wrap(x.dtype)) for x in tensors]
            raise TypeError(f"normal(): mean and std must be floating point tensors, got {got}")
        result_dtype = np.result_type(*floats)
    if np.any(np.asarray(s) < 0):
        raise ValueError(f"normal(): expects std >= 0.0, but found std {np.min(s)}")
    noise = rng(generator).standard_normal(shape, dtype=result_dtype)
    y = Normal.apply(mean, std, noise)
    if requires_grad:
        y.requires_grad_(True)
    return y if out is None else into(out, y, "normal")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """Draw ``num_samples`` category indices from each row of weights ``input`` (``[C]`` or
    ``[rows, C]``; non-negative, not necessarily summing to 1). int64, shape ``[num_samples]`` or
    ``[rows, num_samples]``. Without replacement a category is drawn at most once per row."""
    p = input._data
    if p.ndim not in (1, 2):
        raise ShapeError(f"multinomial(): probabilities must be 1-D or 2-D, got shape {tuple(p.shape)}")
    if p.dtype.kind != "f":
        raise TypeError(f"multinomial(): expected floating point probabilities, got {wrap(p.dtype)}")
    if num_samples <= 0:
        raise ValueError(f"multinomial(): cannot sample num_samples={num_samples} <= 0 samples")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("multinomial(): the probability tensor contains inf, nan or an element < 0")
    rows = p.reshape(-1, p.shape[-1]).astype(np.float64)  # [rows, C]
    total = rows.sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("multinomial(): invalid distribution: a row's probabilities sum to 0")
    n_categories = rows.shape[1]
    if not replacement and num_samples > n_categories:
        raise ValueError(
            f"multinomial(): cannot sample {num_samples} > {n_categories} categories without replacement"
        )
    draw = rng(generator)
    if replacement:
        # inverse CDF: sample k is the first category whose cumulative probability exceeds u_k
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]  # the last entry is exactly 1, so u < 1 always finds a category
        u = draw.random((rows.shape[0], num_samples))  # [rows, n]
        samples = np.sum(u[:, :, None] >= cdf[:, None, :], axis=2)  # [rows, n]
    else:
        # exponential race: category c finishes at E_c / p_c (E_c ~ Exp(1)); the first n to finish
        # are a draw without replacement (categories of weight 0 finish last, at infinity)
        with np.errstate(divide="ignore"):
            finish = draw.standard_exponential(rows.shape) / rows  # [rows, C]
        samples = np.argsort(finish, axis=1, kind="stable")[:, :num_samples]
    y = Tensor._make(samples.astype(np.int64).reshape(p.shape[:-1] + (num_samples,)))
    return y if out is None else into(out, y, "multinomial")


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """0/1 samples, each 1 with the probability ``input`` holds there (or with ``p`` for every
    element), in ``input``'s float dtype; no gradient."""
    probs = np.asarray(as_operand(input))
    if probs.dtype.kind != "f":
        raise TypeError(f"bernoulli(): expected a floating point tensor of probabilities, got {wrap(probs.dtype)}")
    prob = probs if p is None else np.full(np.shape(probs), p)
    if np.any((prob < 0) | (prob > 1)):
        raise ValueError("bernoulli(): the probabilities must be in [0, 1]")
    y = Tensor._make((rng(generator).random(probs.shape) < prob).astype(probs.dtype))
    return y if out is None else into(out, y, "bernoulli")


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """Poisson counts with the rates ``input`` (float, the input's dtype); no gradient."""
    rates = np.asarray(as_operand(input))
    if np.any(rates < 0):
        raise ValueError("poisson(): the rates must be non-negative")
    return Tensor._make(rng(generator).poisson(rates).astype(rates.dtype))
