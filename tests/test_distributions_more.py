"""chainrule.distributions' transforms, TransformedDistribution, LogNormal, HalfNormal, Gumbel,
Cauchy, StudentT, Chi2, Geometric, Binomial, Multinomial and MixtureSameFamily against
torch.distributions: values and gradients of log_prob, cdf, icdf, entropy, mean, variance, mode
and kl_divergence (float32 and float64, broadcast batch shapes), the reparameterisation gradient
of rsample, sample shapes, dtypes and statistics (seeded), expand, reprs and validation errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule import distributions as D
from chainrule.distributions import transforms as T
from test_distributions import _check_trigamma_grad, _probs_or_logits
from torch_oracle import assert_close, broadcastable, check, float_dtypes, randn, seeds


def _uniform(shape, low, high, dtype, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value).replace("torch.", "chainrule.")


def _same_error(make):
    assert _error(lambda: make(chainrule)) == _error(lambda: make(torch))


# ------------------------------------------------------------------ transforms
def _transforms(lib, p):
    """Each transform paired with a value in its domain, built from the parameters p."""
    tr = lib.distributions.transforms
    return [
        (tr.ExpTransform(), lambda x: x),
        (tr.AffineTransform(p, p.exp()), lambda x: x),
        (tr.AffineTransform(1.5, -2.0), lambda x: x),
        (tr.SigmoidTransform(), lambda x: x),
        (tr.TanhTransform(), lambda x: x),
        (tr.SoftplusTransform(), lambda x: x),
        (tr.PowerTransform(p.exp()), lambda x: x.exp()),
        (tr.ExpTransform().inv, lambda x: x.exp()),
        (tr.SigmoidTransform().inv, lambda x: lib.sigmoid(x)),
        (tr.IndependentTransform(tr.AffineTransform(p, p.exp()), 1), lambda x: x),
        (tr.ComposeTransform([tr.AffineTransform(0.5, p.exp()), tr.ExpTransform(), tr.PowerTransform(p)]),
         lambda x: x),
    ]


def test_transforms_equal_torch(dtype):
    p, x = randn((3,), dtype, 1, 0.5), randn((2, 3), dtype, 2)

    def fn(lib, p, x):
        out = []
        for t, into_domain in _transforms(lib, p):
            v = into_domain(x)
            y = t(v)
            out += [y, t.inv(y), t.log_abs_det_jacobian(v, y)]
        return out

    check(fn, p, x)


def test_transform_attributes_equal_torch():
    p = np.array([0.5, -1.0], np.float32)
    for (c, _), (t, _) in zip(_transforms(chainrule, chainrule.tensor(p)), _transforms(torch, torch.tensor(p)),
                              strict=True):
        assert repr(c.domain) == repr(t.domain) and repr(c.codomain) == repr(t.codomain), repr(t)
        assert c.bijective == t.bijective and c.event_dim == t.event_dim, repr(t)
        assert repr(c.inv) == repr(t.inv).replace("torch.", "chainrule.") and c.inv.inv is c
        if isinstance(t.sign, torch.Tensor):
            assert_close(c.sign, t.sign)
        else:
            assert c.sign == t.sign, repr(t)
    assert repr(T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 1.0)])) == repr(
        torch.distributions.ComposeTransform([torch.distributions.ExpTransform(),
                                              torch.distributions.AffineTransform(0.0, 1.0)]))
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform().inv == T.ExpTransform().inv
    assert T.AffineTransform(0.0, 2.0) == T.AffineTransform(0.0, 2.0) != T.AffineTransform(0.0, 3.0)
    assert T.identity_transform.log_abs_det_jacobian(chainrule.ones(2), chainrule.ones(2)).shape == (2,)
    with pytest.raises(ValueError, match="cache_size"):
        T.ExpTransform(cache_size=2)
    assert T.SoftmaxTransform().codomain is D.constraints.simplex


def test_affine_transform_with_event_dim_and_softmax_equal_torch(dtype):
    scale, x = _uniform((3,), 0.5, 2, dtype, 1), randn((4, 3), dtype, 2)

    def fn(lib, s, x):
        t = lib.distributions.transforms.AffineTransform(1.0, s, event_dim=1)
        softmax = lib.distributions.transforms.SoftmaxTransform()
        y = softmax(x)
        return t(x), t.log_abs_det_jacobian(x, t(x)), y, softmax.inv(y)

    check(fn, scale, x)
    t = T.AffineTransform(1.0, chainrule.tensor(scale), event_dim=1)
    assert t.event_dim == 1 and repr(t.domain) == "IndependentConstraint(Real(), 1)"


def test_cached_transform_inverts_its_own_output_exactly():
    t = T.TanhTransform(cache_size=1)
    x = chainrule.tensor([30.0, -1.0])
    y = t(x)  # tanh(30) rounds to 1: atanh(1) = inf, but the cache returns x itself
    assert t.inv(y) is x
    assert not np.isfinite(T.TanhTransform().inv(y)._data[0])
    c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], cache_size=1)
    z = chainrule.tensor([0.5])
    assert c.inv(c(z)) is z


# ------------------------------------------------------------------ TransformedDistribution
def test_transformed_distribution_equals_torch(dtype):
    """A logistic distribution (Uniform pushed through logit, then an affine map) and a
    Normal over vectors pushed through a coupled affine map (event_dim 1)."""
    loc, scale = randn((3,), dtype, 1), _uniform((3,), 0.5, 2, dtype, 2)
    x, p = randn((4, 3), dtype, 3), _uniform((4, 3), 0.05, 0.95, dtype, 4)

    def fn(lib, m, s, v, q):
        tr = lib.distributions.transforms
        base = lib.distributions.Uniform(lib.zeros(3, dtype=v.dtype), lib.ones(3, dtype=v.dtype))
        logistic = lib.distributions.TransformedDistribution(base, [tr.SigmoidTransform().inv,
                                                                    tr.AffineTransform(m, s)])
        flipped = lib.distributions.TransformedDistribution(lib.distributions.Normal(m, s),
                                                            tr.AffineTransform(0.5, -2.0))
        vector = lib.distributions.TransformedDistribution(lib.distributions.Normal(m, s),
                                                           [tr.AffineTransform(1.0, s, event_dim=1)])
        chained = lib.distributions.TransformedDistribution(  # an elementwise map, then a coupled one
            lib.distributions.Normal(m, s), [tr.ExpTransform(), tr.AffineTransform(0.5, s, event_dim=1)])
        return (logistic.log_prob(v), logistic.cdf(v), logistic.icdf(q), flipped.cdf(v), flipped.icdf(q),
                vector.log_prob(v), chained.log_prob(v.abs() * s + 0.5))

    check(fn, loc, scale, x, p)
    base = D.Normal(chainrule.tensor(loc), chainrule.tensor(scale))
    d = D.TransformedDistribution(base, [T.AffineTransform(1.0, chainrule.tensor(scale), event_dim=1)])
    t = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale)),
        [torch.distributions.AffineTransform(1.0, torch.tensor(scale), event_dim=1)])
    assert (tuple(d.batch_shape), tuple(d.event_shape)) == (tuple(t.batch_shape), tuple(t.event_shape)) == ((), (3,))
    assert repr(d.support) == repr(t.support) and d.has_rsample
    e = d.expand((2,))
    assert tuple(e.batch_shape) == (2,) and tuple(e.rsample((5,)).shape) == (5, 2, 3)
    with pytest.raises(ValueError, match="Transform"):
        D.TransformedDistribution(base, [1])


def test_transformed_distribution_broadcasts_the_base_with_the_transforms():
    loc = np.array([[0.0], [1.0]], np.float32)  # the transform's loc makes the batch [2, 3]
    c = D.TransformedDistribution(D.Normal(chainrule.zeros(3), 1.0), T.AffineTransform(chainrule.tensor(loc), 2.0))
    t = torch.distributions.TransformedDistribution(torch.distributions.Normal(torch.zeros(3), 1.0),
                                                    torch.distributions.AffineTransform(torch.tensor(loc), 2.0))
    assert tuple(c.batch_shape) == tuple(t.batch_shape) == (2, 3)
    assert tuple(c.base_dist.batch_shape) == (2, 3) and tuple(c.sample((4,)).shape) == (4, 2, 3)
    x = randn((2, 3), np.float32, 1)
    assert_close(c.log_prob(chainrule.tensor(x)), t.log_prob(torch.tensor(x)))


# ------------------------------------------------------------------ LogNormal, HalfNormal
@settings(max_examples=10, deadline=None)
@given(shapes=broadcastable(3, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_lognormal_and_halfnormal_equal_torch(shapes, dtype, seed):
    loc, scale = randn(shapes[0], dtype, seed, 0.5), _uniform(shapes[1], 0.3, 1.5, dtype, seed)
    x, p = _uniform(shapes[2], 0.05, 4, dtype, seed + 1), _uniform(shapes[2], 0.02, 0.98, dtype, seed + 2)

    def fn(lib, m, s, v, q):
        d, h = lib.distributions.LogNormal(m, s), lib.distributions.HalfNormal(s)
        return (d.log_prob(v), d.cdf(v), d.icdf(q), d.entropy(), d.mean, d.mode, d.variance, d.stddev,
                h.log_prob(v), h.cdf(v), h.icdf(q), h.entropy(), h.mean, h.mode, h.variance)

    check(fn, loc, scale, x, p, grad=[True, True, True, False], seed=seed)

    def kl(lib, m, s):
        L, H = lib.distributions.LogNormal, lib.distributions.HalfNormal
        return (lib.distributions.kl_divergence(L(m, s), L(m * 0.5 + 1, s * 2)),
                lib.distributions.kl_divergence(H(s), H(s + 0.7)))

    check(kl, loc, scale, seed=seed)


def test_lognormal_and_halfnormal_rsample_gradients_are_the_reparameterisation(dtype):
    loc = chainrule.tensor(randn((3,), dtype, 1), requires_grad=True)
    scale = chainrule.tensor(_uniform((3,), 0.5, 1.5, dtype, 2), requires_grad=True)
    chainrule.manual_seed(3)
    x = D.LogNormal(loc, scale).rsample((6,))
    assert x.requires_grad and tuple(x.shape) == (6, 3) and x.dtype == loc.dtype
    x.sum().backward()
    eps = (np.log(x._data) - loc._data) / scale._data  # dx/dloc = x, dx/dscale = x eps
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loc.grad._data, x._data.sum(0), rtol=rtol)
    np.testing.assert_allclose(scale.grad._data, (x._data * eps).sum(0), rtol=1e-4 if dtype == np.float32 else 1e-10)
    scale.grad = None
    h = D.HalfNormal(scale).rsample((6,))
    assert h._data.min() >= 0
    h.sum().backward()  # |scale eps|: dx/dscale = x / scale
    np.testing.assert_allclose(scale.grad._data, (h._data / scale._data).sum(0), rtol=rtol)


def test_halfnormal_log_prob_below_zero_without_validation():
    c = D.HalfNormal(chainrule.tensor([1.0, 2.0]), validate_args=False).log_prob(chainrule.tensor([-1.0, 1.0]))
    t = torch.distributions.HalfNormal(torch.tensor([1.0, 2.0]), validate_args=False).log_prob(
        torch.tensor([-1.0, 1.0]))
    assert_close(c, t)
    assert c._data[0] == -np.inf


# ------------------------------------------------------------------ Gumbel, Cauchy
@settings(max_examples=10, deadline=None)
@given(shapes=broadcastable(3, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_gumbel_and_cauchy_equal_torch(shapes, dtype, seed):
    loc, scale = randn(shapes[0], dtype, seed), _uniform(shapes[1], 0.3, 2, dtype, seed)
    x, p = _uniform(shapes[2], -1.5, 3, dtype, seed + 1), _uniform(shapes[2], 0.02, 0.98, dtype, seed + 2)

    def fn(lib, m, s, v, q):
        g, c = lib.distributions.Gumbel(m, s), lib.distributions.Cauchy(m, s)
        z = m + s * v  # within a few scales of loc: further below, the cdf underflows to 0 (outside U's support)
        return (g.log_prob(v), g.cdf(z), g.icdf(q), g.entropy(), g.mean, g.mode, g.variance, g.stddev,
                c.log_prob(v), c.cdf(v), c.icdf(q), c.entropy(), c.mode, c.mean, c.variance)

    check(fn, loc, scale, x, p, grad=[True, True, True, False], seed=seed)


@settings(max_examples=10, deadline=None)
@given(shapes=broadcastable(4, max_dims=2), dtype=float_dtypes, seed=seeds)
def test_gumbel_and_cauchy_kl_equal_torch(shapes, dtype, seed):
    m1, s1 = randn(shapes[0], dtype, seed, 0.5), _uniform(shapes[1], 0.5, 2, dtype, seed)
    m2, s2 = randn(shapes[2], dtype, seed + 1, 0.5), _uniform(shapes[3], 0.5, 2, dtype, seed + 1)

    def fn(lib, m1, s1, m2, s2):
        Dl = lib.distributions
        g, q = Dl.Gumbel(m1, s1), Dl.Gumbel(m2, s2)
        low = m1 - s1
        return (Dl.kl_divergence(g, q), Dl.kl_divergence(Dl.Cauchy(m1, s1), Dl.Cauchy(m2, s2)),
                Dl.kl_divergence(g, Dl.Normal(m2, s2)), Dl.kl_divergence(Dl.Normal(m1, s1), q),
                Dl.kl_divergence(Dl.Uniform(low, low + s2 + s1), q), Dl.kl_divergence(Dl.Exponential(s1), q),
                Dl.kl_divergence(g, Dl.Exponential(s2)))

    check(fn, m1, s1, m2, s2, seed=seed)

    def gamma_gumbel(lib, s1, m2, s2):
        return (lib.distributions.kl_divergence(lib.distributions.Gamma(s1 + 0.5, s2),
                                                lib.distributions.Gumbel(m2, s2)),)

    _check_trigamma_grad(gamma_gumbel, s1, m2, s2, seed=seed)


def test_gumbel_and_cauchy_rsample_gradients_are_the_reparameterisation(dtype):
    loc = chainrule.tensor(randn((2, 3), dtype, 1), requires_grad=True)
    scale = chainrule.tensor(_uniform((3,), 0.5, 1.5, dtype, 2), requires_grad=True)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for make in (D.Gumbel, D.Cauchy):
        loc.grad = scale.grad = None
        chainrule.manual_seed(4)
        x = make(loc, scale).rsample((5,))
        assert x.requires_grad and tuple(x.shape) == (5, 2, 3) and x.dtype == loc.dtype
        x.sum().backward()  # x = loc + scale z: dx/dloc = 1, dx/dscale = z = (x - loc) / scale
        np.testing.assert_allclose(loc.grad._data, np.full((2, 3), 5, dtype))
        np.testing.assert_allclose(scale.grad._data, ((x._data - loc._data) / scale._data).sum((0, 1)), rtol=rtol,
                                   atol=rtol * np.abs(x._data).sum())


# ------------------------------------------------------------------ StudentT, Chi2
@settings(max_examples=10, deadline=None)
@given(shapes=broadcastable(4, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_studentt_and_chi2_equal_torch(shapes, dtype, seed):
    df, loc = _uniform(shapes[0], 0.5, 8, dtype, seed), randn(shapes[1], dtype, seed)
    scale, x = _uniform(shapes[2], 0.3, 2, dtype, seed), randn(shapes[3], dtype, seed + 1, 2.0)

    def fn(lib, n, m, s, v):
        d = lib.distributions.StudentT(n, m, s)
        c = lib.distributions.Chi2(n)
        return (d.log_prob(v), d.mean, d.mode, d.variance, c.log_prob(v.abs() + 0.1), c.mean, c.variance,
                c.mode, c.df)

    check(fn, df, loc, scale, x, seed=seed)

    def with_digamma(lib, n, s):
        c = lib.distributions.Chi2(n)
        return (lib.distributions.StudentT(n, 0.0, s).entropy(), c.entropy(),
                lib.distributions.kl_divergence(c, lib.distributions.Chi2(n + 1)))

    _check_trigamma_grad(with_digamma, df, scale, seed=seed)


def test_studentt_moments_where_undefined_equal_torch():
    df = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 9.0], np.float64)

    def fn(lib, n):
        d = lib.distributions.StudentT(n, lib.zeros(6, dtype=n.dtype), 2.0)
        return d.mean, d.variance

    check(fn, df)


def test_studentt_rsample_gradient(dtype):
    """loc and scale get the exact reparameterisation gradient; df's goes through Chi2's
    (Gamma's implicit) gradient, tested in test_distributions; here it is finite and nonzero."""
    df = chainrule.tensor(_uniform((3,), 2, 6, dtype, 1), requires_grad=True)
    loc = chainrule.tensor(randn((3,), dtype, 2), requires_grad=True)
    scale = chainrule.tensor(_uniform((3,), 0.5, 2, dtype, 3), requires_grad=True)
    chainrule.manual_seed(5)
    x = D.StudentT(df, loc, scale).rsample((7,))
    assert x.requires_grad and tuple(x.shape) == (7, 3) and x.dtype == loc.dtype
    x.sum().backward()
    np.testing.assert_allclose(loc.grad._data, np.full(3, 7, dtype))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(scale.grad._data, ((x._data - loc._data) / scale._data).sum(0), rtol=rtol, atol=rtol)
    assert np.all(np.isfinite(df.grad._data)) and np.all(df.grad._data != 0)
    chainrule.manual_seed(5)
    c = D.Chi2(df).rsample((4,))
    assert c.requires_grad and tuple(c.shape) == (4, 3) and c._data.min() > 0


# ------------------------------------------------------------------ Geometric, Binomial
@settings(max_examples=10, deadline=None)
@given(shapes=broadcastable(2, max_dims=3), dtype=float_dtypes, seed=seeds, by=st.sampled_from(["probs", "logits"]))
def test_geometric_and_binomial_equal_torch(shapes, dtype, seed, by):
    param = _uniform(shapes[0], 0.05, 0.95, dtype, seed) if by == "probs" else randn(shapes[0], dtype, seed, 2.0)
    value = np.random.default_rng(seed).integers(0, 6, shapes[1]).astype(dtype)
    count = np.random.default_rng(seed + 1).integers(6, 10, shapes[0]).astype(dtype)

    def fn(lib, w, v, n):
        g = lib.distributions.Geometric(**{by: w})
        b = lib.distributions.Binomial(n, **{by: w})
        return (g.log_prob(v), g.entropy(), g.mean, g.mode, g.variance, g.probs, g.logits,
                b.log_prob(v), b.mean, b.mode, b.variance, b.probs, b.logits)

    check(fn, param, value, count, grad=[True, False, False], seed=seed)

    def kl(lib, w, u):
        G, B = lib.distributions.Geometric, lib.distributions.Binomial
        return (lib.distributions.kl_divergence(G(**{by: w}), G(**{by: u})),
                lib.distributions.kl_divergence(B(7, **{by: w}), B(7, **{by: u})), B(5, **{by: w}).entropy())

    other = _uniform(shapes[0], 0.05, 0.95, dtype, seed + 2) if by == "probs" else randn(shapes[0], dtype, seed + 2)
    check(kl, param, other, seed=seed)


def test_geometric_and_binomial_at_the_edges_equal_torch(dtype):
    p = np.array([1.0, 1.0, 0.5], dtype)

    def fn(lib, w):
        v = lib.tensor(np.array([0.0, 2.0, 3.0], dtype))
        return (lib.distributions.Geometric(w, validate_args=False).log_prob(v),
                lib.distributions.Binomial(4, w).log_prob(v), lib.distributions.Binomial(4, w).mode)

    check(fn, p)
    b, q = D.Binomial(chainrule.tensor([5.0, 3.0]), probs=chainrule.tensor([0.3, 0.6])), D.Binomial(3, probs=0.5)
    t = torch.distributions.Binomial(torch.tensor([5.0, 3.0]), probs=torch.tensor([0.3, 0.6]))
    assert_close(D.kl_divergence(b, q), torch.distributions.kl_divergence(t, torch.distributions.Binomial(3, 0.5)))
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(q, b)
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
        b.entropy()
    assert_close(D.kl_divergence(D.Poisson(chainrule.tensor([1.0])), q.expand((1,))), torch.tensor([math.inf]))


def test_binomial_enumerate_support_equals_torch():
    c, t = D.Binomial(3, probs=chainrule.full((2,), 0.3)), torch.distributions.Binomial(3, torch.full((2,), 0.3))
    assert_close(c.enumerate_support(), t.enumerate_support())
    assert_close(c.enumerate_support(expand=False), t.enumerate_support(expand=False))
    assert repr(c.support) == repr(t.support).replace("torch.", "chainrule.")


# ------------------------------------------------------------------ Multinomial
@settings(max_examples=10, deadline=None)
@given(batch=st.lists(st.integers(1, 3), max_size=2), k=st.integers(2, 4), dtype=float_dtypes, seed=seeds,
       by=st.sampled_from(["probs", "logits"]), n=st.integers(1, 6))
def test_multinomial_equals_torch(batch, k, dtype, seed, by, n):
    param = _probs_or_logits((*batch, k), by, dtype, seed)
    rng = np.random.default_rng(seed)
    value = np.stack([rng.multinomial(n, np.ones(k) / k) for _ in range(int(np.prod(batch)) * 2)])
    value = value.reshape((2, *batch, k)).astype(dtype)

    def fn(lib, w, v):
        d = lib.distributions.Multinomial(n, **{by: w})
        return d.log_prob(v), d.mean, d.variance, d.probs, d.logits

    check(fn, param, value, grad=[True, False], seed=seed)
    # torch computes lgamma(n + 1) of the entropy in float32 even for float64 parameters
    c = D.Multinomial(n, **{by: chainrule.tensor(param)}).entropy()
    t = torch.distributions.Multinomial(n, **{by: torch.tensor(param)}).entropy()
    np.testing.assert_allclose(c._data, t.numpy(), rtol=1e-5, atol=1e-5)
    assert c.dtype == chainrule.float32 if dtype == np.float32 else c.dtype == chainrule.float64


def test_multinomial_sampling_shapes_and_statistics():
    p = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]], np.float32)
    d = D.Multinomial(10, probs=chainrule.tensor(p))
    chainrule.manual_seed(11)
    x = d.sample((20_000,))
    assert tuple(x.shape) == (20_000, 2, 4) and x.dtype == chainrule.float32
    assert np.all(x._data.sum(-1) == 10) and not np.any(x._data[:, 0, 1])
    sd = np.sqrt(10 * p * (1 - p) / 20_000)
    np.testing.assert_allclose(x._data.mean(0), 10 * p, atol=4 * sd.max())
    t = torch.distributions.Multinomial(10, probs=torch.tensor(p))
    assert repr(d) == repr(t) and repr(d.support) == repr(t.support)
    e = d.expand((3, 2))
    assert tuple(e.batch_shape) == (3, 2) and tuple(e.sample((5,)).shape) == (5, 3, 2, 4)
    assert_close(e.log_prob(x[:3, None]), t.expand((3, 2)).log_prob(torch.tensor(x._data[:3, None])))


# ------------------------------------------------------------------ MixtureSameFamily
@pytest.mark.parametrize("mix_batch", [(), (2,)])
def test_mixture_same_family_equals_torch(dtype, mix_batch):
    k = 3
    logits, loc = randn((*mix_batch, k), dtype, 1), randn((2, k), dtype, 2, 2.0)
    scale, x = _uniform((2, k), 0.5, 2, dtype, 3), randn((5, 2), dtype, 4, 2.0)

    def fn(lib, w, m, s, v):
        Dl = lib.distributions
        d = Dl.MixtureSameFamily(Dl.Categorical(logits=w), Dl.Normal(m, s))
        return d.log_prob(v), d.cdf(v), d.mean, d.variance

    check(fn, logits, loc, scale, x)

    def vector(lib, w, m, s, v):  # components over 2-vectors: Independent Normals, batch [K]
        Dl = lib.distributions
        comp = Dl.Independent(Dl.Normal(m.transpose(0, 1), s.transpose(0, 1)), 1)
        d = Dl.MixtureSameFamily(Dl.Categorical(logits=w), comp)
        return d.log_prob(v), d.mean, d.variance

    if not mix_batch:
        check(vector, logits, loc, scale, x)


def test_mixture_same_family_sampling_shapes_and_errors():
    w = chainrule.tensor([0.2, 0.8])
    comp = D.Normal(chainrule.tensor([-5.0, 5.0]), chainrule.tensor([0.5, 0.5]))
    d = D.MixtureSameFamily(D.Categorical(probs=w), comp)
    t = torch.distributions.MixtureSameFamily(torch.distributions.Categorical(probs=torch.tensor([0.2, 0.8])),
                                              torch.distributions.Normal(torch.tensor([-5.0, 5.0]),
                                                                         torch.tensor([0.5, 0.5])))
    assert repr(d) == repr(t).replace("torch.", "chainrule.")
    assert repr(d.support) == repr(t.support) and not d.has_rsample
    chainrule.manual_seed(12)
    x = d.sample((20_000,))._data
    assert x.shape == (20_000,) and x.dtype == np.float32
    assert abs((x > 0).mean() - 0.8) < 4 * np.sqrt(0.16 / 20_000)
    np.testing.assert_allclose(x.mean(), d.mean._data, atol=4 * np.sqrt(d.variance._data / 20_000))
    vec = D.MixtureSameFamily(D.Categorical(logits=chainrule.zeros(4, 2)),
                              D.Independent(D.Normal(chainrule.zeros(4, 2, 3), 1.0), 1))
    assert (tuple(vec.batch_shape), tuple(vec.event_shape)) == ((4,), (3,))
    assert tuple(vec.sample((5,)).shape) == (5, 4, 3) and tuple(vec.expand((2, 4)).sample().shape) == (2, 4, 3)
    for make in (lambda lib: lib.distributions.MixtureSameFamily(lib.distributions.Normal(0.0, 1.0),
                                                                 lib.distributions.Normal(lib.zeros(2), 1.0)),
                 lambda lib: lib.distributions.MixtureSameFamily(lib.distributions.Categorical(logits=lib.zeros(3)),
                                                                 lib.distributions.Normal(lib.zeros(2), 1.0)),
                 lambda lib: lib.distributions.MixtureSameFamily(
                     lib.distributions.Categorical(logits=lib.zeros(3, 2)),
                     lib.distributions.Normal(lib.zeros(4, 2), 1.0))):
        assert _error(lambda make=make: make(chainrule))[0] == _error(lambda make=make: make(torch))[0]


# ------------------------------------------------------------------ sampling statistics
def test_sample_statistics_match_the_distributions():
    n = 40_000
    chainrule.manual_seed(0)
    cases = [
        (D.LogNormal(chainrule.tensor([0.0, 0.5]), chainrule.tensor([0.5, 0.25])), None),
        (D.HalfNormal(chainrule.tensor([1.0, 3.0])), None),
        (D.Gumbel(chainrule.tensor([0.0, 2.0]), chainrule.tensor([1.0, 0.5])), None),
        (D.StudentT(chainrule.tensor([5.0, 10.0]), chainrule.tensor([1.0, -1.0]), 2.0), None),
        (D.Chi2(chainrule.tensor([1.0, 4.0])), None),
        (D.Geometric(chainrule.tensor([0.2, 0.7])), "integer"),
        (D.Binomial(chainrule.tensor([10.0, 3.0]), chainrule.tensor([0.3, 0.9])), "integer"),
    ]
    for d, kind in cases:
        x = d.sample((n,))
        assert tuple(x.shape) == (n, 2) and x.dtype == chainrule.float32 and not x.requires_grad
        data = x._data.astype(np.float64)
        se = np.sqrt(d.variance._data / n)
        np.testing.assert_allclose(data.mean(0), d.mean._data, atol=5 * se.max(), err_msg=repr(d))
        if kind == "integer":
            assert np.all(data == np.floor(data)) and np.all(data >= 0)
    c = D.Cauchy(chainrule.tensor([1.0, -2.0]), chainrule.tensor([0.5, 2.0])).sample((n,))._data
    np.testing.assert_allclose(np.median(c, 0), [1.0, -2.0], atol=0.05)  # no mean: the median is loc
    b = D.Binomial(4, chainrule.tensor([0.3])).sample((n,))._data
    assert b.max() <= 4


def test_sampling_repeats_with_the_seed():
    for make in (lambda: D.Gumbel(0.0, 1.0), lambda: D.StudentT(3.0), lambda: D.Geometric(0.3),
                 lambda: D.Binomial(5, probs=0.4), lambda: D.Multinomial(5, probs=chainrule.ones(3)),
                 lambda: D.Cauchy(0.0, 1.0), lambda: D.LogNormal(0.0, 1.0)):
        chainrule.manual_seed(3)
        first = make().sample((10,))
        chainrule.manual_seed(3)
        np.testing.assert_array_equal(first._data, make().sample((10,))._data)


# ------------------------------------------------------------------ validation, expand, repr
@pytest.mark.parametrize("make", [
    lambda lib: lib.distributions.LogNormal(0.0, -1.0),
    lambda lib: lib.distributions.LogNormal(0.0, 1.0).log_prob(lib.tensor([-1.0])),
    lambda lib: lib.distributions.HalfNormal(-1.0),
    lambda lib: lib.distributions.HalfNormal(1.0).log_prob(lib.tensor([-0.5])),
    lambda lib: lib.distributions.Gumbel(0.0, 0.0),
    lambda lib: lib.distributions.Cauchy(lib.zeros(2), -lib.ones(2)),
    lambda lib: lib.distributions.StudentT(-1.0),
    lambda lib: lib.distributions.StudentT(1.0, 0.0, -2.0),
    lambda lib: lib.distributions.Chi2(lib.tensor([1.0, -1.0])),
    lambda lib: lib.distributions.Chi2(2.0).log_prob(lib.tensor(-1.0)),
    lambda lib: lib.distributions.Geometric(probs=lib.tensor([0.0, 0.5])),
    lambda lib: lib.distributions.Geometric(probs=1.5),
    lambda lib: lib.distributions.Geometric(),
    lambda lib: lib.distributions.Geometric(0.5).log_prob(lib.tensor(0.5)),
    lambda lib: lib.distributions.Binomial(-1, probs=lib.tensor(0.5)),
    lambda lib: lib.distributions.Binomial(2.5, probs=lib.tensor(0.5)),
    lambda lib: lib.distributions.Binomial(3, probs=lib.tensor(0.5), logits=lib.tensor(0.0)),
    lambda lib: lib.distributions.Binomial(3, probs=lib.tensor(0.5)).log_prob(lib.tensor(4.0)),
    lambda lib: lib.distributions.Multinomial(2.5, probs=lib.ones(3)),
    lambda lib: lib.distributions.Multinomial(3, probs=lib.ones(3)).log_prob(lib.tensor([-1.0, 2.0, 1.0])),
    lambda lib: lib.distributions.Multinomial(3, probs=lib.tensor([0.5, -0.2, 0.7])),
    lambda lib: lib.distributions.Multinomial(3, logits=lib.tensor(0.0)),
])
def test_validation_errors_equal_torch(make):
    _same_error(make)


@pytest.mark.parametrize("make", [
    lambda lib: lib.distributions.LogNormal(0.0, 1.0),
    lambda lib: lib.distributions.LogNormal(lib.zeros(3, 1), lib.ones(4)),
    lambda lib: lib.distributions.HalfNormal(lib.ones(2)),
    lambda lib: lib.distributions.Gumbel(0.0, 1.0),
    lambda lib: lib.distributions.Gumbel(lib.zeros(2), 1.0),
    lambda lib: lib.distributions.Cauchy(lib.zeros(2), 1.0),
    lambda lib: lib.distributions.StudentT(lib.ones(2) * 3),
    lambda lib: lib.distributions.Chi2(lib.ones(3)),
    lambda lib: lib.distributions.Geometric(probs=lib.full((2,), 0.3)),
    lambda lib: lib.distributions.Geometric(logits=lib.zeros(2)),
    lambda lib: lib.distributions.Binomial(5, logits=lib.zeros(2)),
    lambda lib: lib.distributions.Multinomial(4, probs=lib.ones(2, 3)),
    lambda lib: lib.distributions.MixtureSameFamily(lib.distributions.Categorical(logits=lib.zeros(3)),
                                                    lib.distributions.Normal(lib.zeros(3), 1.0)),
])
def test_repr_shapes_support_and_expand_equal_torch(make):
    c, t = make(chainrule), make(torch)
    assert repr(c) == repr(t).replace("torch.", "chainrule.")
    assert repr(c.support) == repr(t.support).replace("torch.", "chainrule.")
    assert (tuple(c.batch_shape), tuple(c.event_shape)) == (tuple(t.batch_shape), tuple(t.event_shape))
    assert c.has_rsample == t.has_rsample
    e, te = c.expand((5, *c.batch_shape)), t.expand((5, *t.batch_shape))
    assert type(e) is type(c)
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == (tuple(te.batch_shape), tuple(te.event_shape))
    s, ts = e.sample((2,)), te.sample((2,))
    assert tuple(s.shape) == tuple(ts.shape) and s.dtype == getattr(chainrule, str(ts.dtype).split(".")[-1])
    assert_close(e.log_prob(s), te.log_prob(torch.tensor(s._data)), tol="default")


def test_expand_keeps_values_and_gradients(dtype):
    loc, scale, x = randn((3,), dtype, 1), _uniform((3,), 0.5, 2, dtype, 2), _uniform((2, 3), 0.1, 3, dtype, 3)

    def fn(lib, m, s, v):
        Dl = lib.distributions
        return (Dl.LogNormal(m, s).expand((2, 3)).log_prob(v), Dl.Gumbel(m, s).expand((2, 3)).log_prob(v),
                Dl.HalfNormal(s).expand((2, 3)).cdf(v), Dl.StudentT(s + 2, m, s).expand((2, 3)).log_prob(v))

    check(fn, loc, scale, x)


def test_mixture_errors_name_what_was_given():
    normal = D.Normal(chainrule.zeros(3), chainrule.ones(3))
    with pytest.raises(ValueError, match="MixtureSameFamily: the mixture distribution needs to be a Categorical"):
        D.MixtureSameFamily(normal, normal)
    with pytest.raises(ValueError, match="the component distribution needs to be a Distribution .* got list"):
        D.MixtureSameFamily(D.Categorical(logits=chainrule.zeros(3)), [normal])
    with pytest.raises(ValueError):  # torch refuses both too
        torch.distributions.MixtureSameFamily(torch.distributions.Normal(torch.zeros(3), torch.ones(3)),
                                              torch.distributions.Normal(torch.zeros(3), torch.ones(3)))
