"""The ``Distribution`` base class and the helpers the distributions share.

Shapes follow PyTorch: a distribution holds a batch of independent distributions
(``batch_shape``), each over events of ``event_shape``; ``sample(sample_shape)`` returns
``sample_shape + batch_shape + event_shape`` values, and ``log_prob(value)`` one number per
batch element. ``sample`` draws without a graph; ``rsample`` (where ``has_rsample``) writes the
draw as a differentiable function of the parameters and of parameter-free noise (the
reparameterisation trick: ``x = loc + scale * eps``), so gradients flow to the parameters.
Every draw comes from chainrule's seeded generator (``chainrule.manual_seed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import numpy as np

from ..autograd.ops import clamp, log, log1p, logsumexp, sigmoid, softmax
from ..dtypes import default_float
from ..random import rng
from ..tensor import Size, Tensor
from . import constraints


class lazy_property:  # noqa: N801  (a decorator, named as PyTorch's)
    """A property computed on first access and then stored in the instance's ``__dict__`` (so a
    parameter given to ``__init__`` and one derived from it are told apart, as in PyTorch)."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.name = fn.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.fn(instance)
        instance.__dict__[self.name] = value
        return value


def _format_value(value: Any) -> str:
    """A tensor in a message as PyTorch's f-strings show it: a 0-d one as its number."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return str(value.item())
    return str(value)


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Numbers and tensors as tensors of one broadcast shape. Numbers take the dtype of the
    tensors among the values (the default float dtype when there are none)."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        bad = next(v for v in values if not isinstance(v, (Tensor, Number)))
        raise ValueError(f"Input arguments must all be instances of numbers.Number or Tensor, "
                         f"got {type(bad).__name__}")
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = tensors[0]._data.dtype if tensors else default_float()
    as_tensors = [v if isinstance(v, Tensor) else Tensor._make(np.asarray(v, dtype=dtype)) for v in values]
    shape = np.broadcast_shapes(*(t.shape for t in as_tensors))
    return tuple(t if t.shape == shape else t.expand(shape) for t in as_tensors)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities clamped to [eps, 1 - eps] (eps: the dtype's machine epsilon)."""
    eps = float(np.finfo(probs._data.dtype).eps)
    return clamp(probs, min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """``log p`` (``log p - log(1 - p)`` when binary) of the clamped probabilities."""
    p = clamp_probs(probs)
    return log(p) - log1p(-p) if is_binary else log(p)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """``sigmoid(logits)`` when binary, else the softmax over the last dim."""
    return sigmoid(logits) if is_binary else softmax(logits, -1)


def normalize_logits(logits: Tensor) -> Tensor:
    """Logits shifted so that they are log-probabilities: ``l - logsumexp(l)`` along the last dim."""
    return logits - logsumexp(logits, -1, keepdim=True)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.ndim - dim]) + (-1,)).sum(-1)


def uniform_noise(shape: Sequence[int], dtype: Any) -> Tensor:
    """U[0, 1) draws from chainrule's generator."""
    return Tensor._make(rng().random(tuple(shape)).astype(dtype))


def normal_noise(shape: Sequence[int], dtype: Any) -> Tensor:
    """N(0, 1) draws from chainrule's generator."""
    return Tensor._make(rng().standard_normal(tuple(shape)).astype(dtype))


def _size(shape: Any, what: str) -> Size:
    try:
        return Size(shape)
    except TypeError:
        raise TypeError(f"{what} must be a tuple of ints (a chainrule.Size), got {shape!r}") from None


class Distribution:
    """The base class: shapes, argument validation, and the interface each distribution fills in
    (``sample``/``rsample``, ``log_prob``, ``entropy``, ``mean``, ``variance``, ``cdf``, ``icdf``...)."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True  # PyTorch's default (``__debug__``)
    arg_constraints: dict[str, constraints.Constraint] = {}
    support: Any = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions made from now on."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None) -> None:
        self._batch_shape = _size(batch_shape, "batch_shape")
        self._event_shape = _size(event_shape, "event_shape")
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                    continue  # derived from the parameter that was given
                value = getattr(self, param)
                if not constraint.check(value)._data.all():
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
                        f"of distribution {self!r} to satisfy the constraint {constraint!r}, "
                        f"but found invalid values:\n{_format_value(value)}")

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> Size:
        return Size(tuple(_size(sample_shape, "sample_shape")) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _expanded(self, batch_shape: Any, _instance: Any, *names: str) -> Any:
        """``expand`` for a family whose parameters ``names`` all have the batch shape: each
        parameter expanded (a view, no copy) on a new instance of the same class."""
        new = self._fresh(batch_shape, _instance)
        for name in names:
            setattr(new, name, getattr(self, name).expand(new.batch_shape))
        return new

    def _fresh(self, batch_shape: Any, _instance: Any, event_shape: Any = ()) -> Any:
        """A new instance of this class with the given shapes and this one's validation setting,
        its parameters still to be set (what every ``expand`` starts from)."""
        new = self._get_checked_instance(type(self), _instance)
        Distribution.__init__(new, Size(batch_shape), event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls: type, instance: Any) -> Any:
        if instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom __init__ "
                "method must also define a custom .expand() method.")
        return type(self).__new__(type(self)) if instance is None else instance

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        raise NotImplementedError(f"{type(self).__name__} has no expand()")

    # ------------------------------------------------------------------ the interface
    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, without a graph."""
        from ..autograd import no_grad

        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} has no rsample: its samples are not a differentiable function "
            "of its parameters (has_rsample is False); use sample()")

    def sample_n(self, n: int) -> Tensor:
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def _validate_sample(self, value: Any) -> None:
        """Checks ``log_prob``'s value: a tensor whose rightmost dims are the event shape, that
        broadcasts with the batch shape, and lies in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_start = value.ndim - len(self._event_shape)
        if tuple(value.shape[event_start:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{value.shape} vs {self._event_shape}.")
        actual, expected = value.shape, self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual), reversed(expected), strict=False):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{actual} vs {Size(expected)}.")
        support = self.support
        if not support.check(value)._data.all():
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) "
                f"to be within the support ({support!r}) of the distribution {self!r}, "
                f"but found invalid values:\n{_format_value(value)}")

    def __repr__(self) -> str:
        params = [k for k in self.arg_constraints if k in self.__dict__]
        values = [self.__dict__[p] for p in params]
        shown = ", ".join(f"{p}: {_format_value(v) if v.numel() == 1 else v.shape}" for p, v in zip(params, values,
                                                                                                 strict=True))
        return f"{type(self).__name__}({shown})"


class LocationScale(Distribution):
    """A family with a location ``loc`` and a scale ``scale``, broadcast together into the batch
    shape (Normal, Laplace, Cauchy): their shared construction, ``expand``, and ``mean = mode = loc``
    (a family without a mean says so)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Any:
        return self._expanded(batch_shape, _instance, "loc", "scale")

    @property
    def mean(self) -> Tensor:
        return self.loc

    mode = mean  # a symmetric density peaks at its centre
