"""``chainrule.special``: the special functions under PyTorch's ``torch.special`` names.

Each is differentiable. The gamma family (``gammaln``, ``digamma``/``psi``, ``polygamma``,
``multigammaln``, ``gammainc``, ``gammaincc``), the error-function family (``erf``, ``erfc``,
``erfcx``, ``erfinv``, ``ndtr``, ``ndtri``, ``log_ndtr``), the modified Bessel functions (``i0``, ``i0e``,
``i1``, ``i1e``), ``sinc``, ``xlogy``, ``xlog1py`` and ``entr`` are computed in
``chainrule.autograd.ops.special``; the rest are chainrule's ordinary ops under their
``torch.special`` names.
"""

from __future__ import annotations

from typing import Any

from .autograd.ops import erf, exp2, expm1, log1p, logit, logsumexp, round, sigmoid, xlogy  # noqa: A004
from .autograd.ops import log_softmax as _log_softmax
from .autograd.ops import softmax as _softmax
from .autograd.ops._util import into
from .autograd.ops.special import (
    digamma,
    entr,
    erfc,
    erfcx,
    erfinv,
    gammainc,
    gammaincc,
    i0,
    i0e,
    i1,
    i1e,
    log_ndtr,
    ndtr,
    ndtri,
    polygamma,
    sinc,
    xlog1py,
)
from .autograd.ops.special import lgamma as gammaln
from .autograd.ops.special import mvlgamma as _mvlgamma
from .tensor import Tensor

psi = digamma


def expit(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The logistic sigmoid ``1 / (1 + e^-x)``."""
    y = sigmoid(input)
    return y if out is None else into(out, y, "expit")


def multigammaln(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The multivariate log-gamma function: ``p (p-1) / 4 ln(pi) + sum_{i=1}^p ln Gamma(x - (i-1)/2)``."""
    return _mvlgamma(input, p, out=out)


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``e^x_i / sum_j e^x_j`` along ``dim``."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``x_i - ln sum_j e^x_j`` along ``dim``."""
    return _log_softmax(input, dim, dtype=dtype)


__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
    "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr",
    "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
]
