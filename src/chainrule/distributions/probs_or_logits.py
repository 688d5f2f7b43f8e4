"""What the families of one success probability share (Bernoulli, Geometric, Binomial): the
probability given as ``probs`` p or as ``logits`` log(p / (1 - p)), exactly one of them."""

from __future__ import annotations

from typing import Any

from ..tensor import Size, Tensor
from .distribution import Distribution, broadcast_all, lazy_property, logits_to_probs, probs_to_logits


class ProbsOrLogits(Distribution):
    """A family parameterised by ``probs`` or by ``logits``; the other one is derived on first use
    (``sigmoid(logits)``, or the logit of p clamped to [eps, 1 - eps])."""

    _param: Tensor  # the one given

    def _take_probability(self, probs: Any, logits: Any, *others: Any) -> list[Tensor]:
        """Keep the one of ``probs``/``logits`` given, broadcast with ``others`` (returned)."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        *others, self._param = broadcast_all(*others, probs if probs is not None else logits)
        setattr(self, "probs" if probs is not None else "logits", self._param)
        return others

    def expand(self, batch_shape: Any, _instance: Any = None) -> Any:
        """This family with ``batch_shape``: its probs and logits expanded, as far as known."""
        new = self._fresh(batch_shape, _instance)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new._param = getattr(self, name).expand(new.batch_shape)
                setattr(new, name, new._param)
        return new

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.shape
