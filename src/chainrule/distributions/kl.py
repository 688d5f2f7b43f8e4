"""KL divergence KL(p || q) = E_p[log p(x) - log q(x)] between pairs of distributions.

``register_kl(TypeP, TypeQ)`` registers a function for a pair of types; ``kl_divergence(p, q)``
calls the one registered for the most specific pair of classes (p's first) that p and q are
instances of.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd.ops import log, log1p, where
from ..autograd.ops.special import digamma, lgamma
from ..creation import full_like
from ..linalg import solve
from ..tensor import Tensor
from .bernoulli import Bernoulli, softplus
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical, OneHotCategorical
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution, sum_rightmost
from .gamma import Exponential, Gamma
from .geometric import Geometric
from .gumbel import EULER_CONSTANT, Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis, _half_log_det
from .normal import Normal
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

_KL_REGISTRY: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """A decorator: ``@register_kl(Normal, Normal) def kl_normal_normal(p, q): ...``."""
    if not (isinstance(type_p, type) and issubclass(type_p, Distribution)):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not (isinstance(type_q, type) and issubclass(type_q, Distribution)):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun: Callable) -> Callable:
        _KL_REGISTRY[type_p, type_q] = fun
        return fun

    return decorator


def _dispatch(type_p: type, type_q: type) -> Callable | None:
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return None
    best = min(matches, key=lambda m: (type_p.__mro__.index(m[0]), type_q.__mro__.index(m[1])))
    return _KL_REGISTRY[best]


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), one number per batch element."""
    fun = _dispatch(type(p), type(q))
    if fun is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} "
                                  f"and q type {type(q).__name__}")
    return fun(p, q)


def _infinite_where(mask: Any, value: Tensor, fill: float) -> Tensor:
    return where(Tensor._make(mask), fill, value)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    """(r + ((mu_p - mu_q) / s_q)^2 - 1 - log r) / 2 with r = (s_p / s_q)^2."""
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - log(var_ratio))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    """p log(p / q) + (1 - p) log((1 - p) / (1 - q)), written with the logits: log p =
    -softplus(-l); +inf where q puts 0 on an outcome p can take, 0 terms where p is 0 (or 1)."""
    pp, qp = p.probs._data, q.probs._data
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = _infinite_where(qp == 0, t1, math.inf)
    t1 = _infinite_where(pp == 0, t1, 0.0)
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = _infinite_where(qp == 1, t2, math.inf)
    t2 = _infinite_where(pp == 1, t2, 0.0)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    """sum_k p_k (log p_k - log q_k); +inf where q_k = 0 < p_k, and 0 log 0 = 0."""
    t = p.probs * (p.logits - q.logits)
    shape = t.shape
    t = _infinite_where(np.broadcast_to(q.probs._data == 0, shape), t, math.inf)
    t = _infinite_where(np.broadcast_to(p.probs._data == 0, shape), t, 0.0)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    """log((b_q - a_q) / (b_p - a_p)), +inf unless [a_p, b_p] lies within [a_q, b_q]."""
    result = log((q.high - q.low) / (p.high - p.low))
    outside = (q.low._data > p.low._data) | (q.high._data < p.high._data)
    return _infinite_where(outside, result, math.inf)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Tensor:
    """-log(b - a) + log(s sqrt(2 pi)) + E_p[(x - mu)^2] / (2 s^2), with
    E_p[(x - mu)^2] = ((b - mu)^3 - (a - mu)^3) / (3 (b - a))."""
    common = p.high - p.low
    t1 = log(math.sqrt(math.pi * 2) * q.scale / common)
    t2 = (common.pow(2) / 12 + (p.high + p.low - 2 * q.loc).pow(2) / 4) / q.scale.pow(2)
    return t1 + 0.5 * t2


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independents with different reinterpreted_batch_ndims "
                                  f"({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims})")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """(tr(Sigma_q^-1 Sigma_p) + (mu_q - mu_p)^T Sigma_q^-1 (mu_q - mu_p) - k + log det Sigma_q
    - log det Sigma_p) / 2, with tr(Sigma_q^-1 Sigma_p) = |L_q^-1 L_p|_F^2."""
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes "
                         "cannot be computed")
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    shape = np.broadcast_shapes(tuple(lp.shape), tuple(lq.shape))
    trace = solve(lq.expand(shape), lp.expand(shape)).pow(2).sum((-2, -1))
    mahalanobis = _batch_mahalanobis(lq, q.loc - p.loc)
    k = p.event_shape[0]
    return 0.5 * (trace + mahalanobis - k) + _half_log_det(lq) - _half_log_det(lp)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    """a_q log(b_p / b_q) + lgamma(a_q) - lgamma(a_p) + (a_p - a_q) digamma(a_p) + (b_q - b_p) a_p / b_p."""
    t1 = q.concentration * log(p.rate / q.rate)
    t2 = lgamma(q.concentration) - lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    """r - 1 - log r with r = rate_q / rate_p."""
    ratio = q.rate / p.rate
    return -log(ratio) + ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    """-log r + |mu_p - mu_q| / b_q + r exp(-|mu_p - mu_q| / b_p) - 1, with r = b_p / b_q."""
    ratio = p.scale / q.scale
    distance = (p.loc - q.loc).abs()
    return -log(ratio) + distance / q.scale + ratio * (-distance / p.scale).exp() - 1


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    """r_p (log r_p - log r_q) - (r_p - r_q)."""
    return p.rate * (log(p.rate) - log(q.rate)) - (p.rate - q.rate)


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    """log B(a_q, b_q) - log B(a_p, b_p) + (a_p - a_q) digamma(a_p) + (b_p - b_q) digamma(b_p)
    + (a_q + b_q - a_p - b_p) digamma(a_p + b_p)."""
    a_p, b_p, a_q, b_q = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    sum_p, sum_q = a_p + b_p, a_q + b_q
    t1 = lgamma(a_q) + lgamma(b_q) + lgamma(sum_p)
    t2 = lgamma(a_p) + lgamma(b_p) + lgamma(sum_q)
    t3 = (a_p - a_q) * digamma(a_p) + (b_p - b_q) * digamma(b_p)
    return t1 - t2 + t3 + (sum_q - sum_p) * digamma(sum_p)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    """lgamma(sum p) - lgamma(sum q) - sum_i (lgamma(p_i) - lgamma(q_i))
    + sum_i (p_i - q_i) (digamma(p_i) - digamma(sum p))."""
    sum_p, sum_q = p.concentration.sum(-1), q.concentration.sum(-1)
    t1 = lgamma(sum_p) - lgamma(sum_q)
    t2 = (lgamma(p.concentration) - lgamma(q.concentration)).sum(-1)
    t3 = (p.concentration - q.concentration) * (digamma(p.concentration) - digamma(sum_p).unsqueeze(-1))
    return t1 - t2 + t3.sum(-1)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution) -> Tensor:
    """KL between the base distributions, when both push them through equal transforms (KL is
    invariant under a bijection applied to both)."""
    if p.transforms != q.transforms:
        raise NotImplementedError("KL between TransformedDistributions with different transforms")
    if p.event_shape != q.event_shape:
        raise NotImplementedError("KL between TransformedDistributions with different event shapes "
                                  f"({p.event_shape} and {q.event_shape})")
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p: HalfNormal, q: HalfNormal) -> Tensor:
    """The KL of the underlying centred normals (folding both at 0 keeps the density ratio)."""
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> Tensor:
    """log(((s_p + s_q)^2 + (mu_p - mu_q)^2) / (4 s_p s_q))."""
    return log((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)) - log(4 * p.scale * q.scale)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> Tensor:
    """-log r - (mu_q - mu_p) / s_q + r gamma + exp((mu_q - mu_p) / s_q + lgamma(1 + r)) - (1 + gamma),
    with r = s_p / s_q and gamma the Euler-Mascheroni constant."""
    ratio = p.scale / q.scale
    shift = q.loc / q.scale - p.loc / q.scale
    return -log(ratio) - shift + ratio * EULER_CONSTANT + (shift + lgamma(1 + ratio)).exp() - (1 + EULER_CONSTANT)


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p: Gumbel, q: Normal) -> Tensor:
    """-log(r / sqrt(2 pi)) + (pi r / 2)^2 / 3 + ((mu_p + s_p gamma - mu_q) / s_q)^2 / 2 - (gamma + 1),
    with r = s_p / s_q."""
    ratio = p.scale / q.scale
    t1 = log(ratio / math.sqrt(2 * math.pi))
    t2 = (math.pi * ratio * 0.5).pow(2) / 3
    t3 = ((p.loc + p.scale * EULER_CONSTANT - q.loc) / q.scale).pow(2) * 0.5
    return -t1 + t2 + t3 - (EULER_CONSTANT + 1)


@register_kl(Gumbel, Beta)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Uniform)
def _kl_gumbel_infinity(p: Gumbel, q: Distribution) -> Tensor:
    """+inf: a Gumbel puts mass where q has none."""
    return full_like(p.loc, math.inf)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p: Normal, q: Gumbel) -> Tensor:
    """-log(s_p / s_q) + (mu_p - mu_q) / s_q + exp(-(mu_p - mu_q) / s_q + (s_p / s_q)^2 / 2)
    - (1 + log(2 pi)) / 2."""
    mean_ratio, var_ratio, loc_ratio = p.loc / q.scale, (p.scale / q.scale).pow(2), q.loc / q.scale
    t3 = (-mean_ratio + 0.5 * var_ratio + loc_ratio).exp()
    return -0.5 * log(var_ratio) + (mean_ratio - loc_ratio) + t3 - 0.5 * (1 + math.log(2 * math.pi))


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p: Uniform, q: Gumbel) -> Tensor:
    """log(s / (b - a)) + (z_b + z_a) / 2 - s (e^-z_b - e^-z_a) / (b - a), z = (x - mu) / s."""
    common = q.scale / (p.high - p.low)
    high, low = (p.high - q.loc) / q.scale, (p.low - q.loc) / q.scale
    return log(common) + 0.5 * (high + low) - common * ((-high).exp() - (-low).exp())


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p: Exponential, q: Gumbel) -> Tensor:
    """log(r s) - 1 - mu / s + e^(mu / s) r s / (r s + 1) + 1 / (r s)."""
    prod, loc_ratio = p.rate * q.scale, q.loc / q.scale
    return log(prod) - 1 - loc_ratio + loc_ratio.exp() * prod / (prod + 1) + prod.reciprocal()


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p: Gamma, q: Gumbel) -> Tensor:
    """(a - 1) digamma(a) - lgamma(a) - a + log(b s) + a / (b s) + e^(mu / s) (1 + 1 / (b s))^-a - mu / s."""
    a, prod, loc_ratio = p.concentration, p.rate * q.scale, q.loc / q.scale
    t1 = (a - 1) * digamma(a) - lgamma(a) - a
    t2 = log(prod) + a / prod
    t3 = loc_ratio.exp() * (1 + prod.reciprocal()).pow(-a) - loc_ratio
    return t1 + t2 + t3


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    """-H(p) - log(1 - q) / p - logit(q)."""
    return -p.entropy() - log1p(-q.probs) / p.probs - q.logits


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    """n (p log(p / q) + (1 - p) log((1 - p) / (1 - q))); +inf where n_p > n_q (q cannot reach
    p's largest counts); n_p < n_q is not implemented."""
    if (p.total_count._data < q.total_count._data).any():
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + log1p(-p.probs) - log1p(-q.probs))
    return _infinite_where(p.total_count._data > q.total_count._data, kl, math.inf)


@register_kl(Poisson, Binomial)
def _kl_poisson_infinity(p: Poisson, q: Binomial) -> Tensor:
    """+inf: a Poisson reaches every count, a Binomial only up to its total_count."""
    return full_like(p.rate, math.inf)
