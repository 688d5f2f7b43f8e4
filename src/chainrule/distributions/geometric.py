"""The geometric distribution: the number of failures before the first success."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..autograd.ops import where
from ..creation import zeros_like
from ..random import rng
from ..tensor import Tensor
from . import constraints
from .bernoulli import softplus
from .distribution import broadcast_all
from .probs_or_logits import ProbsOrLogits


class Geometric(ProbsOrLogits):
    """Geometric(p) over {0, 1, 2, ...}, by ``probs`` p (in (0, 1]) or by ``logits``:

        P(k) = (1 - p)^k p,   mean (1 - p) / p,   variance (1 - p) / p^2

    ``sample`` is ``floor(log U / log(1 - p))`` with ``U ~ U[tiny, 1)``.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._take_probability(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value._data > 0
            if not valid.all():
                raise ValueError(f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"of distribution {self!r} to be positive but found invalid values:\n"
                                 f"{Tensor._make(value._data[~valid])}")

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            dtype = self.probs._data.dtype
            tiny = float(np.finfo(dtype).tiny)
            u = Tensor._make(rng().uniform(tiny, 1, tuple(shape)).astype(dtype))
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        """k log(1 - p) + log p (0 at k = 0 when p = 1)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """(softplus(l) - p l) / p, the Bernoulli entropy over p (l: the logits)."""
        return (softplus(self.logits) - self.logits * self.probs) / self.probs
