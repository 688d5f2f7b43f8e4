"""chainrule.distributions against torch.distributions: log_prob, entropy, cdf, icdf, mean,
variance and kl_divergence values and their gradients with respect to the parameters (float32
and float64, broadcast batch shapes), sampling statistics on 10^5 seeded draws, the exact
reparameterisation gradient of rsample, shapes, expand, validation errors and reprs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule import distributions as D
from torch_oracle import assert_close, broadcastable, check, float_dtypes, randn, seeds


def _uniform(shape, low, high, dtype, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def _uniforms(shapes, ranges, dtype, seed):
    """One array per shape, uniform in its ``(low, high)``, each drawn with a seed of its own."""
    return [_uniform(shape, low, high, dtype, seed + i) for i, (shape, (low, high)) in enumerate(zip(shapes, ranges))]


def _probs_or_logits(shape, by, dtype, seed):
    """Class weights (unnormalised probabilities) or logits of ``shape``, as ``by`` says."""
    return _uniform(shape, 0.1, 2, dtype, seed) if by == "probs" else randn(shape, dtype, seed, 2.0)


def _probs(shape, dtype, seed=0):
    return _uniform(shape, 0.05, 0.95, dtype, seed)


# ------------------------------------------------------------------ Normal
@settings(max_examples=20, deadline=None)
@given(shapes=broadcastable(3, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_normal_equals_torch(shapes, dtype, seed):
    loc, scale, value = randn(shapes[0], dtype, seed), _uniform(shapes[1], 0.3, 2, dtype, seed), randn(shapes[2], dtype,
                                                                                                        seed + 1)

    def fn(lib, m, s, x):
        d = lib.distributions.Normal(m, s)
        return d.log_prob(x), d.cdf(x), d.entropy(), d.mean, d.variance, d.stddev, d.mode

    check(fn, loc, scale, value, seed=seed)
    p = _uniform(shapes[2], 0.02, 0.98, dtype, seed)
    check(lambda lib, m, s, q: lib.distributions.Normal(m, s).icdf(q), loc, scale, p, seed=seed)


@settings(max_examples=15, deadline=None)
@given(shapes=broadcastable(4, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_normal_kl_equals_torch(shapes, dtype, seed):
    arrays = [randn(shapes[0], dtype, seed), _uniform(shapes[1], 0.3, 2, dtype, seed),
              randn(shapes[2], dtype, seed + 1), _uniform(shapes[3], 0.3, 2, dtype, seed + 1)]

    def fn(lib, m1, s1, m2, s2):
        N = lib.distributions.Normal
        return lib.distributions.kl_divergence(N(m1, s1), N(m2, s2))

    check(fn, *arrays, seed=seed)


def test_normal_with_numbers_and_broadcast_batch_shape():
    c, t = D.Normal(chainrule.zeros(3, 1), chainrule.ones(4)), torch.distributions.Normal(torch.zeros(3, 1),
                                                                                         torch.ones(4))
    assert tuple(c.batch_shape) == tuple(t.batch_shape) == (3, 4)
    assert tuple(c.event_shape) == tuple(t.event_shape) == ()
    assert tuple(c.sample((5, 2)).shape) == tuple(t.sample((5, 2)).shape) == (5, 2, 3, 4)
    n = D.Normal(0.0, 1.0)
    assert n.loc.dtype == chainrule.float32 and n.batch_shape == ()
    assert_close(n.log_prob(chainrule.tensor([0.5, -1.0])),
                 torch.distributions.Normal(0.0, 1.0).log_prob(torch.tensor([0.5, -1.0])))
    d64 = D.Normal(chainrule.zeros(2, dtype=chainrule.float64), 2.0)
    assert d64.scale.dtype == chainrule.float64


def test_normal_rsample_gradient_is_the_reparameterisation(dtype):
    loc = chainrule.tensor(randn((3, 2), dtype, 1), requires_grad=True)
    scale = chainrule.tensor(_uniform((3, 2), 0.5, 2, dtype, 2), requires_grad=True)
    chainrule.manual_seed(7)
    x = D.Normal(loc, scale).rsample((4,))
    assert x.requires_grad and tuple(x.shape) == (4, 3, 2)
    eps = (x._data - loc._data) / scale._data  # the noise that was drawn
    x.sum().backward()
    np.testing.assert_array_equal(loc.grad._data, np.full((3, 2), 4, dtype=dtype))
    np.testing.assert_allclose(scale.grad._data, eps.sum(0), rtol=1e-6 if dtype == np.float32 else 1e-14)
    chainrule.manual_seed(7)
    again = D.Normal(loc, scale).sample((4,))
    assert not again.requires_grad
    np.testing.assert_array_equal(again._data, x._data)  # the same seed, the same draw


# ------------------------------------------------------------------ Uniform
@settings(max_examples=15, deadline=None)
@given(shapes=broadcastable(3, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_uniform_equals_torch(shapes, dtype, seed):
    low = randn(shapes[0], dtype, seed)
    high = (low + _uniform(shapes[0], 0.5, 2, dtype, seed)).astype(dtype)
    shape = np.broadcast_shapes(shapes[0], shapes[2])
    frac = _uniform(shape, 0.05, 0.95, dtype, seed)
    value = (low + frac * (high - low)).astype(dtype)

    def fn(lib, a, b, x):
        d = lib.distributions.Uniform(a, b)
        return d.log_prob(x), d.cdf(x), d.entropy(), d.mean, d.variance, d.stddev

    check(fn, low, high, value, seed=seed)
    check(lambda lib, a, b, q: lib.distributions.Uniform(a, b).icdf(q), low, high, frac, seed=seed)

    def kl(lib, a, b, m, s):
        U, N = lib.distributions.Uniform, lib.distributions.Normal
        return (lib.distributions.kl_divergence(U(a, b), U(a - 1, b + 0.5)),
                lib.distributions.kl_divergence(U(a, b), N(m, s)))

    check(kl, low, high, randn(shapes[1], dtype, seed), _uniform(shapes[1], 0.5, 2, dtype, seed), seed=seed)


def test_uniform_kl_is_infinite_outside_and_log_prob_outside_without_validation(dtype):
    U = D.Uniform
    tu = torch.distributions.Uniform
    a, b = np.array([0.0, 0.0], dtype), np.array([1.0, 1.0], dtype)
    qa, qb = np.array([0.5, -1.0], dtype), np.array([2.0, 2.0], dtype)
    got = D.kl_divergence(U(chainrule.tensor(a), chainrule.tensor(b)), U(chainrule.tensor(qa), chainrule.tensor(qb)))
    want = torch.distributions.kl_divergence(tu(torch.tensor(a), torch.tensor(b)),
                                             tu(torch.tensor(qa), torch.tensor(qb)))
    assert_close(got, want)
    x = np.array([-0.5, 0.5], dtype)
    assert_close(U(chainrule.tensor(a), chainrule.tensor(b), validate_args=False).log_prob(chainrule.tensor(x)),
                 tu(torch.tensor(a), torch.tensor(b), validate_args=False).log_prob(torch.tensor(x)))


# ------------------------------------------------------------------ Bernoulli
@settings(max_examples=15, deadline=None)
@given(shapes=broadcastable(2, max_dims=3), dtype=float_dtypes, seed=seeds, by=st.sampled_from(["probs", "logits"]))
def test_bernoulli_equals_torch(shapes, dtype, seed, by):
    param = _probs(shapes[0], dtype, seed) if by == "probs" else randn(shapes[0], dtype, seed, 2.0)
    value = (np.random.default_rng(seed).random(shapes[1]) < 0.5).astype(dtype)

    def fn(lib, w, x):
        d = lib.distributions.Bernoulli(**{by: w})
        return d.log_prob(x), d.entropy(), d.mean, d.variance, d.probs, d.logits

    check(fn, param, value, grad=[True, False], seed=seed)

    def kl(lib, w, v):
        B = lib.distributions.Bernoulli
        return lib.distributions.kl_divergence(B(**{by: w}), B(**{by: v}))

    # torch's Bernoulli KL masks in place: p and q of one shape
    other = _probs(shapes[0], dtype, seed + 1) if by == "probs" else randn(shapes[0], dtype, seed + 1)
    check(kl, param, other, seed=seed)


def test_bernoulli_clamps_probabilities_at_zero_and_one(dtype):
    p = np.array([0.0, 1.0, 0.5, 1e-9], dtype)
    check(lambda lib, w: (lib.distributions.Bernoulli(probs=w).logits,
                          lib.distributions.Bernoulli(probs=w).entropy()), p)
    q = np.array([0.0, 0.5, 1.0, 0.2], dtype)
    got = D.kl_divergence(D.Bernoulli(chainrule.tensor(p)), D.Bernoulli(chainrule.tensor(q)))
    want = torch.distributions.kl_divergence(torch.distributions.Bernoulli(torch.tensor(p)),
                                             torch.distributions.Bernoulli(torch.tensor(q)))
    assert_close(got, want)


# ------------------------------------------------------------------ Categorical, OneHotCategorical
@settings(max_examples=15, deadline=None)
@given(batch=st.lists(st.integers(1, 3), max_size=2), k=st.integers(2, 5), dtype=float_dtypes, seed=seeds,
       by=st.sampled_from(["probs", "logits"]), sample_dims=st.integers(0, 2))
def test_categorical_equals_torch(batch, k, dtype, seed, by, sample_dims):
    shape = (*batch, k)
    param = _probs_or_logits(shape, by, dtype, seed)
    value = np.random.default_rng(seed).integers(0, k, (2,) * sample_dims + tuple(batch))

    def fn(lib, w, x):
        d = lib.distributions.Categorical(**{by: w})
        return d.log_prob(x), d.entropy(), d.probs, d.logits

    check(fn, param, value, seed=seed)

    def kl(lib, w, v):
        C = lib.distributions.Categorical
        return lib.distributions.kl_divergence(C(**{by: w}), C(**{by: v}))

    other = _uniform(shape, 0.1, 2, dtype, seed + 1) if by == "probs" else randn(shape, dtype, seed + 1)
    check(kl, param, other, seed=seed)

    def one_hot(lib, w, v):
        O = lib.distributions.OneHotCategorical
        d = O(**{by: w})
        x = lib.tensor(np.eye(k, dtype=dtype)[value])
        return d.log_prob(x), d.entropy(), d.mean, d.variance, lib.distributions.kl_divergence(d, O(**{by: v}))

    check(one_hot, param, other, seed=seed)


def test_categorical_with_zero_probabilities_equals_torch(dtype):
    p = np.array([[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]], dtype)
    q = np.array([[0.2, 0.0, 0.8], [0.5, 0.25, 0.25]], dtype)

    def fn(lib, a, b):
        C = lib.distributions.Categorical
        return C(probs=a).entropy(), C(probs=a).logits, lib.distributions.kl_divergence(C(probs=a), C(probs=b))

    check(fn, p, q)


def test_categorical_shapes_mean_mode_and_enumerate_support():
    logits = randn((2, 3, 4), np.float32, 3)
    c, t = D.Categorical(logits=chainrule.tensor(logits)), torch.distributions.Categorical(logits=torch.tensor(logits))
    assert tuple(c.batch_shape) == tuple(t.batch_shape) == (2, 3)
    assert tuple(c.event_shape) == () and tuple(c.param_shape) == (2, 3, 4)
    s = c.sample((5,))
    assert s.dtype == chainrule.int64 and tuple(s.shape) == (5, 2, 3)
    assert_close(c.mode, t.mode)
    assert_close(c.mean, t.mean)
    assert_close(c.enumerate_support(), t.enumerate_support())
    assert_close(c.enumerate_support(expand=False), t.enumerate_support(expand=False))
    o = D.OneHotCategorical(logits=chainrule.tensor(logits))
    to = torch.distributions.OneHotCategorical(logits=torch.tensor(logits))
    assert tuple(o.event_shape) == (4,) and tuple(o.sample((3,)).shape) == (3, 2, 3, 4)
    assert_close(o.mode, to.mode)
    assert_close(o.enumerate_support(), to.enumerate_support())
    b = D.Bernoulli(chainrule.tensor(_probs((3,), np.float32)))
    assert_close(b.enumerate_support(), torch.distributions.Bernoulli(torch.tensor(_probs((3,), np.float32)))
                 .enumerate_support())


# ------------------------------------------------------------------ Independent
def test_independent_equals_torch(dtype):
    loc, scale, x = randn((2, 3), dtype, 1), _uniform((2, 3), 0.5, 2, dtype, 2), randn((4, 2, 3), dtype, 3)

    def fn(lib, m, s, v):
        d = lib.distributions.Independent(lib.distributions.Normal(m, s), 1)
        q = lib.distributions.Independent(lib.distributions.Normal(m * 0.5, s + 1), 1)
        return d.log_prob(v), d.entropy(), d.mean, d.variance, lib.distributions.kl_divergence(d, q)

    check(fn, loc, scale, x)
    d = D.Independent(D.Normal(chainrule.tensor(loc), chainrule.tensor(scale)), 1)
    t = torch.distributions.Independent(torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale)), 1)
    assert tuple(d.batch_shape) == tuple(t.batch_shape) == (2,)
    assert tuple(d.event_shape) == tuple(t.event_shape) == (3,)
    assert d.has_rsample and tuple(d.rsample((5,)).shape) == (5, 2, 3)
    assert tuple(d.expand((4, 2)).batch_shape) == (4, 2)
    assert repr(d) == repr(t).replace("torch.", "chainrule.")
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        D.Independent(D.Normal(chainrule.tensor(loc), chainrule.tensor(scale)), 3)


# ------------------------------------------------------------------ sampling statistics
def test_sample_statistics_match_the_distribution():
    chainrule.manual_seed(0)
    n = 100_000
    normal = D.Normal(chainrule.tensor([1.0, -2.0]), chainrule.tensor([0.5, 3.0]))
    x = normal.sample((n,))._data
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0], atol=4 * 3.0 / np.sqrt(n))
    np.testing.assert_allclose(x.var(0), [0.25, 9.0], rtol=0.02)
    u = D.Uniform(chainrule.tensor([0.0, -1.0]), chainrule.tensor([1.0, 3.0])).rsample((n,))._data
    np.testing.assert_allclose(u.mean(0), [0.5, 1.0], atol=0.02)
    np.testing.assert_allclose(u.var(0), [1 / 12, 16 / 12], rtol=0.02)
    assert u.min() >= -1 and u[:, 0].max() < 1
    b = D.Bernoulli(probs=chainrule.tensor([0.1, 0.7])).sample((n,))._data
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(0), [0.1, 0.7], atol=0.01)
    p = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]], np.float32)
    c = D.Categorical(probs=chainrule.tensor(p)).sample((n,))._data
    freq = np.stack([(c == k).mean(0) for k in range(4)], -1)
    np.testing.assert_allclose(freq, p, atol=0.01)
    assert not np.any(c[:, 0] == 1)  # a zero-probability category is never drawn


def test_sampling_repeats_with_the_seed_and_has_no_graph():
    loc = chainrule.tensor([0.0, 1.0], requires_grad=True)
    for make in (lambda: D.Normal(loc, 1.0), lambda: D.Bernoulli(logits=loc), lambda: D.Uniform(loc, loc + 1),
                 lambda: D.Categorical(logits=loc)):
        chainrule.manual_seed(3)
        first = make().sample((10,))
        chainrule.manual_seed(3)
        second = make().sample((10,))
        np.testing.assert_array_equal(first._data, second._data)
        assert not first.requires_grad


# ------------------------------------------------------------------ validation, expand, repr
def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value).replace("torch.", "chainrule.")


@pytest.mark.parametrize("make", [
    lambda lib: lib.distributions.Normal(0.0, -1.0),
    lambda lib: lib.distributions.Uniform(1.0, 0.0),
    lambda lib: lib.distributions.Bernoulli(probs=1.5),
    lambda lib: lib.distributions.Bernoulli(),
    lambda lib: lib.distributions.Bernoulli(probs=0.3, logits=0.1),
    lambda lib: lib.distributions.Categorical(probs=lib.tensor(1.0)),
    lambda lib: lib.distributions.Categorical(probs=lib.tensor([-1.0, 2.0])),
    lambda lib: lib.distributions.Bernoulli(probs=0.3).log_prob(lib.tensor(0.5)),
    lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
    lambda lib: lib.distributions.Categorical(logits=lib.zeros(3)).log_prob(lib.tensor([3])),
    lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor([1.5])),
    lambda lib: lib.distributions.OneHotCategorical(logits=lib.zeros(3)).log_prob(lib.zeros(2)),
])
def test_validation_errors_equal_torch(make):
    assert _error(lambda: make(chainrule)) == _error(lambda: make(torch))


def test_no_validation_when_turned_off():
    d = D.Normal(0.0, -1.0, validate_args=False)
    assert_close(d.log_prob(chainrule.tensor(0.0)),
                 torch.distributions.Normal(0.0, -1.0, validate_args=False).log_prob(torch.tensor(0.0)))
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.3))
    with pytest.raises(NotImplementedError, match="rsample"):
        D.Bernoulli(0.3).rsample()


@pytest.mark.parametrize("make", [
    lambda lib: lib.distributions.Normal(0.0, 1.0),
    lambda lib: lib.distributions.Normal(lib.zeros(3, 1), lib.ones(4)),
    lambda lib: lib.distributions.Normal(lib.zeros(1), 1.0),
    lambda lib: lib.distributions.Bernoulli(probs=0.3),
    lambda lib: lib.distributions.Bernoulli(logits=lib.zeros(2)),
    lambda lib: lib.distributions.Categorical(logits=lib.zeros(3)),
    lambda lib: lib.distributions.Categorical(probs=lib.ones(2, 3)),
    lambda lib: lib.distributions.OneHotCategorical(probs=lib.ones(2, 3)),
    lambda lib: lib.distributions.Uniform(0.0, 2.0),
])
def test_repr_shapes_and_support_equal_torch(make):
    c, t = make(chainrule), make(torch)
    assert repr(c) == repr(t).replace("torch.", "chainrule.")
    assert repr(c.support) == repr(t.support)
    assert (tuple(c.batch_shape), tuple(c.event_shape)) == (tuple(t.batch_shape), tuple(t.event_shape))
    assert c.has_rsample == t.has_rsample
    e, te = c.expand((5, *c.batch_shape)), t.expand((5, *t.batch_shape))
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == (tuple(te.batch_shape), tuple(te.event_shape))
    assert tuple(e.sample().shape) == tuple(te.sample().shape)


def test_expand_keeps_values_and_gradients(dtype):
    loc, scale, x = randn((3,), dtype, 1), _uniform((3,), 0.5, 2, dtype, 2), randn((2, 3), dtype, 3)
    check(lambda lib, m, s, v: lib.distributions.Normal(m, s).expand((2, 3)).log_prob(v), loc, scale, x)
    check(lambda lib, w: lib.distributions.Categorical(logits=w).expand((2, 3)).entropy(), randn((3, 4), dtype, 4))
    check(lambda lib, w: lib.distributions.Bernoulli(probs=w).expand((2, 3)).entropy(), _probs((3,), dtype))


def test_register_kl_for_a_new_pair():
    class Shifted(D.Normal):
        pass

    @D.register_kl(Shifted, D.Normal)
    def _kl(p, q):
        return chainrule.zeros(p.batch_shape)

    p = Shifted(chainrule.zeros(2), 1.0)
    assert_close(D.kl_divergence(p, D.Normal(0.0, 2.0)), torch.zeros(2))
    # the more specific registration wins; the plain Normal pair still applies to Normal, Shifted
    assert_close(D.kl_divergence(D.Normal(chainrule.zeros(2), 1.0), p), torch.zeros(2))
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


# ------------------------------------------------------------------ MultivariateNormal
def _spd(shape, k, dtype, seed):
    a = np.random.default_rng(seed).standard_normal((*shape, k, k))
    return (a @ np.swapaxes(a, -1, -2) + k * np.eye(k)).astype(dtype)


@pytest.mark.parametrize("by", ["covariance_matrix", "precision_matrix", "scale_tril"])
@pytest.mark.parametrize(("loc_batch", "cov_batch"), [((), ()), ((2,), ()), ((), (3,)), ((4, 1), (3,))])
def test_multivariate_normal_equals_torch(dtype, by, loc_batch, cov_batch):
    k = 3
    loc = randn((*loc_batch, k), dtype, 1)
    matrix = _spd(cov_batch, k, dtype, 2)
    if by == "scale_tril":
        matrix = np.linalg.cholesky(matrix.astype(np.float64)).astype(dtype)
    value = randn((2, *np.broadcast_shapes(loc_batch, cov_batch), k), dtype, 3)
    q_loc, q_cov = randn((k,), dtype, 4), _spd((), k, dtype, 5)

    def fn(lib, m, c, x, qm, qc):
        if by == "scale_tril":  # keep the gradient to the lower triangle, as a factor has
            c = lib.tril(c)
        d = lib.distributions.MultivariateNormal(m, **{by: c})
        q = lib.distributions.MultivariateNormal(qm, covariance_matrix=qc)
        return (d.log_prob(x), d.entropy(), d.mean, d.variance, d.covariance_matrix, d.scale_tril,
                lib.distributions.kl_divergence(d, q), lib.distributions.kl_divergence(q, d))

    check(fn, loc, matrix, value, q_loc, q_cov)


def test_multivariate_normal_shapes_sampling_and_errors():
    k = 2
    loc = chainrule.tensor(np.array([1.0, -1.0]), requires_grad=True)
    cov = chainrule.tensor(np.array([[2.0, 0.6], [0.6, 1.0]]))
    d = D.MultivariateNormal(loc, cov)
    t = torch.distributions.MultivariateNormal(torch.tensor([1.0, -1.0], dtype=torch.float64),
                                               torch.tensor([[2.0, 0.6], [0.6, 1.0]], dtype=torch.float64))
    assert repr(d) == repr(t).replace("torch.", "chainrule.")
    assert (tuple(d.batch_shape), tuple(d.event_shape)) == ((), (k,))
    chainrule.manual_seed(1)
    x = d.rsample((100_000,))
    np.testing.assert_allclose(x._data.mean(0), [1.0, -1.0], atol=0.02)
    np.testing.assert_allclose(np.cov(x._data.T), cov._data, atol=0.03)
    x.sum().backward()
    np.testing.assert_array_equal(loc.grad._data, [100_000.0, 100_000.0])
    e = d.expand((3,))
    assert tuple(e.batch_shape) == (3,) and tuple(e.sample((2,)).shape) == (2, 3, k)
    for make in (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2)),
                 lambda lib: lib.distributions.MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
                 lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), -lib.eye(2)),
                 lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), scale_tril=lib.ones(2, 2)),
                 lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.tensor([1.0, 2.0]))):
        assert _error(lambda make=make: make(chainrule)) == _error(lambda make=make: make(torch))
    with pytest.raises(chainrule.ShapeError, match="does not match loc"):
        D.MultivariateNormal(chainrule.zeros(3), chainrule.eye(2))


# ------------------------------------------------------------------ Gamma, Exponential
def _check_trigamma_grad(fn, *arrays, seed=0):
    """``check`` for functions whose gradient involves trigamma (the derivative of digamma):
    torch's float64 trigamma stops its series early (~1e-10 relative), so in float64 the
    gradients are compared to 1e-8 (relative to the gradient's largest entry where terms cancel)."""
    if arrays[0].dtype == np.float32:
        check(fn, *arrays, seed=seed)
        return
    check(fn, *arrays, grad=False)
    c_in = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    sum(o.sum() for o in fn(chainrule, *c_in)).backward()
    sum(o.sum() for o in fn(torch, *t_in)).backward()
    for c, t in zip(c_in, t_in, strict=True):
        want = t.grad.numpy()
        np.testing.assert_allclose(c.grad._data, want, rtol=1e-8, atol=1e-8 * max(1.0, np.abs(want).max()))


@settings(max_examples=15, deadline=None)
@given(shapes=broadcastable(3, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_gamma_and_exponential_equal_torch(shapes, dtype, seed):
    a, b, x = _uniforms(shapes, [(0.3, 8), (0.3, 3), (0.05, 6)], dtype, seed)

    def fn(lib, c, r, v):
        d = lib.distributions.Gamma(c, r)
        return d.log_prob(v), d.mean, d.variance, d.stddev, d.mode

    check(fn, a, b, x, seed=seed)

    def with_digamma(lib, c, r):
        d = lib.distributions.Gamma(c, r)
        q = lib.distributions.Gamma(c + 0.5, r * 2)
        return d.entropy(), lib.distributions.kl_divergence(d, q), lib.distributions.kl_divergence(q, d)

    _check_trigamma_grad(with_digamma, a, b, seed=seed)

    def exponential(lib, r, v):
        d = lib.distributions.Exponential(r)
        return (d.log_prob(v), d.cdf(v), d.entropy(), d.mean, d.variance, d.stddev,
                lib.distributions.kl_divergence(d, lib.distributions.Exponential(r * 3)))

    check(exponential, b, x, seed=seed)
    p = _uniform(shapes[2], 0.02, 0.98, dtype, seed)
    check(lambda lib, r, q: lib.distributions.Exponential(r).icdf(q), b, p, seed=seed)


def test_gamma_rsample_gradient_is_the_implicit_reparameterisation(dtype):
    """d(sample)/d(concentration) against torch's own gradient formula at the same draws (torch's
    is an approximation, ~1e-3 relative) and against the derivative of the CDF computed with
    mpmath; d(sample)/d(rate) = -sample / rate exactly."""
    alpha = np.array([0.1, 0.7, 1.0, 2.5, 9.0, 40.0], dtype)
    rate = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0], dtype)
    a, r = chainrule.tensor(alpha, requires_grad=True), chainrule.tensor(rate, requires_grad=True)
    chainrule.manual_seed(5)
    x = D.Gamma(a, r).rsample((200,))
    x.sum().backward()
    draws = x._data * rate  # the standard gamma draws
    want = torch._standard_gamma_grad(torch.tensor(np.broadcast_to(alpha, draws.shape).copy()),
                                      torch.tensor(draws)).numpy()
    np.testing.assert_allclose(a.grad._data, (want / rate).sum(0), rtol=2e-3)
    np.testing.assert_allclose(r.grad._data, (-x._data / rate).sum(0), rtol=1e-5 if dtype == np.float32 else 1e-12)
    mpmath = pytest.importorskip("mpmath")
    from chainrule.autograd.ops.special import standard_gamma_grad_array

    for al, v in [(0.3, 0.01), (2.5, 1.7), (10.0, 14.0), (1.0, 8.0), (5.0, 0.5)]:
        h = 1e-6
        cdf = lambda s, v=v: float(mpmath.gammainc(s, 0, v, regularized=True))  # noqa: E731
        dcdf = (cdf(al + h) - cdf(al - h)) / (2 * h)
        density = float(mpmath.exp((al - 1) * mpmath.log(v) - v - mpmath.loggamma(al)))
        np.testing.assert_allclose(standard_gamma_grad_array(np.array([al]), np.array([v])), -dcdf / density,
                                   rtol=1e-7)


def test_gamma_and_exponential_sample_statistics_and_errors():
    chainrule.manual_seed(2)
    n = 100_000
    g = D.Gamma(chainrule.tensor([0.5, 4.0]), chainrule.tensor([1.0, 2.0])).sample((n,))._data
    np.testing.assert_allclose(g.mean(0), [0.5, 2.0], rtol=0.02)
    np.testing.assert_allclose(g.var(0), [0.5, 1.0], rtol=0.04)
    assert g.min() > 0
    e = D.Exponential(chainrule.tensor([0.5, 4.0])).rsample((n,))._data
    np.testing.assert_allclose(e.mean(0), [2.0, 0.25], rtol=0.02)
    for make in (lambda lib: lib.distributions.Gamma(0.0, 1.0), lambda lib: lib.distributions.Gamma(1.0, -1.0),
                 lambda lib: lib.distributions.Exponential(-2.0),
                 lambda lib: lib.distributions.Gamma(1.0, 1.0).log_prob(lib.tensor([-1.0])),
                 lambda lib: lib.distributions.Exponential(1.0).log_prob(lib.tensor([-1.0]))):
        assert _error(lambda make=make: make(chainrule)) == _error(lambda make=make: make(torch))
    for make in (lambda lib: lib.distributions.Gamma(lib.ones(3), 2.0),
                 lambda lib: lib.distributions.Exponential(lib.ones(2, 1))):
        c, t = make(chainrule), make(torch)
        assert repr(c) == repr(t).replace("torch.", "chainrule.") and repr(c.support) == repr(t.support)
        e, te = c.expand((4, *c.batch_shape)), t.expand((4, *t.batch_shape))
        assert tuple(e.sample().shape) == tuple(te.sample().shape)


def test_gamma_cdf_equals_torch(dtype):
    a, b, x = _uniform((4,), 0.3, 8, dtype, 1), _uniform((4,), 0.3, 3, dtype, 2), _uniform((3, 4), 0.05, 6, dtype, 3)
    tol = 1e-4 if dtype == np.float32 else 1e-8  # torch's float64 igamma is good to ~2e-9
    got = D.Gamma(chainrule.tensor(a), chainrule.tensor(b, requires_grad=True))
    want = torch.distributions.Gamma(torch.tensor(a), torch.tensor(b, requires_grad=True))
    c, t = got.cdf(chainrule.tensor(x)), want.cdf(torch.tensor(x))
    np.testing.assert_allclose(c._data, t.detach().numpy(), rtol=tol)
    c.sum().backward()
    t.sum().backward()
    np.testing.assert_allclose(got.rate.grad._data, want.rate.grad.numpy(), rtol=tol)


# ------------------------------------------------------------------ Laplace, Poisson
@settings(max_examples=15, deadline=None)
@given(shapes=broadcastable(3, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_laplace_and_poisson_equal_torch(shapes, dtype, seed):
    loc, scale = randn(shapes[0], dtype, seed), _uniform(shapes[1], 0.3, 2, dtype, seed + 1)
    value = randn(shapes[2], dtype, seed + 2, 2.0)

    def laplace(lib, m, s, x):
        d = lib.distributions.Laplace(m, s)
        q = lib.distributions.Laplace(m * 0.5 + 0.3, s * 1.5)
        return (d.log_prob(x), d.cdf(x), d.entropy(), d.mean, d.mode, d.variance, d.stddev,
                lib.distributions.kl_divergence(d, q))

    check(laplace, loc, scale, value, seed=seed)
    p = _uniform(shapes[2], 0.02, 0.98, dtype, seed)
    check(lambda lib, m, s, q: lib.distributions.Laplace(m, s).icdf(q), loc, scale, p, seed=seed)
    rate = _uniform(shapes[0], 0.2, 9, dtype, seed)
    counts = np.random.default_rng(seed).integers(0, 12, shapes[2]).astype(dtype)

    def poisson(lib, r, k):
        d = lib.distributions.Poisson(r)
        return d.log_prob(k), d.mean, d.mode, d.variance, lib.distributions.kl_divergence(d, lib.distributions.Poisson(
            r * 0.7 + 0.1))

    check(poisson, rate, counts, grad=[True, False], seed=seed)


def test_laplace_and_poisson_sampling_edges_and_errors():
    chainrule.manual_seed(4)
    n = 100_000
    scale = chainrule.tensor([0.5, 2.0], requires_grad=True)
    x = D.Laplace(chainrule.tensor([1.0, -1.0]), scale).rsample((n,))
    np.testing.assert_allclose(x._data.mean(0), [1.0, -1.0], atol=0.03)
    np.testing.assert_allclose(x._data.var(0), [0.5, 8.0], rtol=0.03)
    x.sum().backward()  # d(sample)/d(scale) = (sample - loc) / scale
    np.testing.assert_allclose(scale.grad._data, ((x._data - [1.0, -1.0]) / [0.5, 2.0]).sum(0), rtol=1e-4)
    k = D.Poisson(chainrule.tensor([0.5, 7.0])).sample((n,))._data
    np.testing.assert_allclose(k.mean(0), [0.5, 7.0], rtol=0.02)
    np.testing.assert_allclose(k.var(0), [0.5, 7.0], rtol=0.04)
    assert np.all(k == np.floor(k))
    rate, counts = np.array([2.0, 0.0, 0.0], np.float32), np.array([0.0, 0.0, 1.0], np.float32)
    assert_close(D.Poisson(chainrule.tensor(rate)).log_prob(chainrule.tensor(counts)),
                 torch.distributions.Poisson(torch.tensor(rate)).log_prob(torch.tensor(counts)))
    for make in (lambda lib: lib.distributions.Poisson(-1.0),
                 lambda lib: lib.distributions.Poisson(2.0).log_prob(lib.tensor(1.5)),
                 lambda lib: lib.distributions.Laplace(0.0, 0.0),
                 lambda lib: lib.distributions.Poisson(2.0).entropy()):
        assert _error(lambda make=make: make(chainrule))[0] == _error(lambda make=make: make(torch))[0]
    for make in (lambda lib: lib.distributions.Laplace(lib.zeros(3), 2.0),
                 lambda lib: lib.distributions.Poisson(lib.ones(2, 1))):
        c, t = make(chainrule), make(torch)
        assert repr(c) == repr(t).replace("torch.", "chainrule.") and repr(c.support) == repr(t.support)
        assert c.has_rsample == t.has_rsample
        e, te = c.expand((4, *c.batch_shape)), t.expand((4, *t.batch_shape))
        assert tuple(e.sample().shape) == tuple(te.sample().shape)


# ------------------------------------------------------------------ Beta
@settings(max_examples=15, deadline=None)
@given(shapes=broadcastable(3, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_beta_equals_torch(shapes, dtype, seed):
    def fn(lib, c1, c0, v):
        d = lib.distributions.Beta(c1, c0)
        mode = lib.distributions.Beta(c1 - 0.4, c0 - 0.4).mode  # some concentrations below 1
        return d.log_prob(v), d.mean, d.variance, d.mode, mode

    a, b, x = _uniforms(shapes, [(0.5, 6), (0.5, 6), (0.02, 0.98)], dtype, seed)
    check(fn, a, b, x, seed=seed)

    def with_digamma(lib, c1, c0):
        d, q = lib.distributions.Beta(c1, c0), lib.distributions.Beta(c1 * 0.5 + 1, c0 + 0.7)
        return d.entropy(), lib.distributions.kl_divergence(d, q), lib.distributions.kl_divergence(q, d)

    _check_trigamma_grad(with_digamma, a, b, seed=seed)


def test_beta_rsample_gradient_is_the_implicit_reparameterisation(dtype):
    """d(sample)/d(concentrations) at chainrule's draws against torch's Dirichlet gradient formula
    at the same draws (an approximation, ~1e-3 relative), and exactly against mpmath."""
    a = np.array([0.3, 1.0, 2.5, 8.0, 0.7], dtype)
    b = np.array([0.4, 1.0, 1.3, 3.0, 9.0], dtype)
    ca, cb = chainrule.tensor(a, requires_grad=True), chainrule.tensor(b, requires_grad=True)
    chainrule.manual_seed(6)
    x = D.Beta(ca, cb).rsample((50,))
    x.sum().backward()
    draws = x._data.astype(np.float64)
    conc = np.stack(np.broadcast_arrays(a.astype(np.float64), b.astype(np.float64)), -1)
    conc = np.broadcast_to(conc, draws.shape + (2,))
    pair = torch.tensor(np.stack([draws, 1 - draws], -1))
    total = torch.tensor(conc.sum(-1, keepdims=True).repeat(2, -1))
    grad = torch._dirichlet_grad(pair, torch.tensor(conc.copy()), total)
    want_a, want_b = (grad[..., 0].numpy() * (1 - draws)).sum(0), (-grad[..., 1].numpy() * draws).sum(0)
    np.testing.assert_allclose(ca.grad._data, want_a, rtol=3e-3)
    np.testing.assert_allclose(cb.grad._data, want_b, rtol=3e-3)
    mpmath = pytest.importorskip("mpmath")
    from chainrule.autograd.ops.special import betainc_with_derivatives

    for s, t, v in [(2.5, 1.3, 0.2), (2.5, 1.3, 0.95), (0.3, 0.4, 0.01), (10.0, 20.0, 0.3), (50.0, 5.0, 0.9)]:
        got = betainc_with_derivatives(np.array([s]), np.array([t]), np.array([v]))
        def cdf(p, q, v=v):
            return mpmath.betainc(p, q, 0, v, regularized=True)

        want = [cdf(s, t), mpmath.diff(lambda p, t=t: cdf(p, t), s), mpmath.diff(lambda q, s=s: cdf(s, q), t)]
        np.testing.assert_allclose(np.concatenate(got), [float(w) for w in want], rtol=1e-12)


def test_beta_sampling_shapes_and_errors():
    chainrule.manual_seed(8)
    x = D.Beta(chainrule.tensor([0.5, 2.0]), chainrule.tensor([0.5, 6.0])).sample((100_000,))._data
    np.testing.assert_allclose(x.mean(0), [0.5, 0.25], atol=0.005)
    np.testing.assert_allclose(x.var(0), [0.125, 0.25 * 0.75 / 9], rtol=0.03)
    assert x.min() > 0 and x.max() < 1
    c, t = D.Beta(chainrule.ones(3), 2.0), torch.distributions.Beta(torch.ones(3), 2.0)
    assert repr(c) == repr(t) and repr(c.support) == repr(t.support)
    assert tuple(c.expand((4, 3)).sample().shape) == tuple(t.expand((4, 3)).sample().shape) == (4, 3)
    for make in (lambda lib: lib.distributions.Beta(0.0, 1.0),
                 lambda lib: lib.distributions.Beta(1.0, 1.0).log_prob(lib.tensor(1.5))):
        assert _error(lambda make=make: make(chainrule))[0] == _error(lambda make=make: make(torch))[0]


# ------------------------------------------------------------------ Dirichlet
@settings(max_examples=15, deadline=None)
@given(batch=st.lists(st.integers(1, 3), max_size=2), k=st.integers(2, 4), dtype=float_dtypes, seed=seeds)
def test_dirichlet_equals_torch(batch, k, dtype, seed):
    c = _uniform((*batch, k), 0.5, 5, dtype, seed)
    x = np.random.default_rng(seed).dirichlet(np.ones(k), (3, *batch)).astype(dtype)

    def fn(lib, conc, v):
        d = lib.distributions.Dirichlet(conc)
        return d.log_prob(v), d.mean, d.variance, d.mode, lib.distributions.Dirichlet(conc - 0.4).mode

    check(fn, c, x, grad=[True, False], seed=seed)

    def with_digamma(lib, conc):
        d, q = lib.distributions.Dirichlet(conc), lib.distributions.Dirichlet(conc * 0.5 + 0.3)
        return d.entropy(), lib.distributions.kl_divergence(d, q), lib.distributions.kl_divergence(q, d)

    _check_trigamma_grad(with_digamma, c, seed=seed)


def test_dirichlet_rsample_gradient_equals_torchs_formula():
    """At chainrule's own draws, the concentration gradient against torch's backward formula
    ``r_i (G_i - sum_j X_j G_j)`` with torch's r (an approximation, ~1e-3 relative): for two
    components it is the Beta gradient (tested above) of the first."""
    c = np.array([[0.4, 1.0, 2.5], [6.0, 0.8, 3.0]])
    conc = chainrule.tensor(c, requires_grad=True)
    chainrule.manual_seed(9)
    x = D.Dirichlet(conc).rsample((40,))
    w = randn(x.shape, np.float64, 1)
    (x * chainrule.tensor(w)).sum().backward()
    xs, cs = x._data, np.broadcast_to(c, x.shape)
    total = np.broadcast_to(cs.sum(-1, keepdims=True), x.shape)
    r = torch._dirichlet_grad(torch.tensor(xs), torch.tensor(cs.copy()), torch.tensor(total.copy())).numpy()
    want = (r * (w - (xs * w).sum(-1, keepdims=True))).sum(0)
    np.testing.assert_allclose(conc.grad._data, want, rtol=3e-3, atol=1e-6)
    np.testing.assert_allclose(xs.sum(-1), 1.0, rtol=1e-12)


def test_dirichlet_sampling_shapes_and_errors():
    chainrule.manual_seed(10)
    c = np.array([1.0, 2.0, 7.0], np.float32)
    x = D.Dirichlet(chainrule.tensor(c)).sample((100_000,))._data
    np.testing.assert_allclose(x.mean(0), c / c.sum(), atol=0.003)
    d, t = D.Dirichlet(chainrule.ones(2, 3)), torch.distributions.Dirichlet(torch.ones(2, 3))
    assert repr(d) == repr(t).replace("torch.", "chainrule.") and repr(d.support) == repr(t.support)
    assert (tuple(d.batch_shape), tuple(d.event_shape)) == ((2,), (3,))
    assert tuple(d.expand((4, 2)).sample((5,)).shape) == tuple(t.expand((4, 2)).sample((5,)).shape)
    for make in (lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)),
                 lambda lib: lib.distributions.Dirichlet(lib.tensor([1.0, -1.0])),
                 lambda lib: lib.distributions.Dirichlet(lib.ones(3)).log_prob(lib.tensor([0.5, 0.6, 0.1]))):
        assert _error(lambda make=make: make(chainrule)) == _error(lambda make=make: make(torch))


def test_utils_equal_torch(dtype):
    from torch.distributions import utils as tu

    from chainrule.distributions import utils as cu

    p = np.array([0.0, 0.3, 1.0], dtype)
    for name in ("probs_to_logits", "clamp_probs"):
        assert_close(getattr(cu, name)(chainrule.tensor(p)), getattr(tu, name)(torch.tensor(p)), what=name)
    assert_close(cu.probs_to_logits(chainrule.tensor(p), is_binary=True), tu.probs_to_logits(torch.tensor(p), True))
    logits = randn((2, 3), dtype)
    assert_close(cu.logits_to_probs(chainrule.tensor(logits)), tu.logits_to_probs(torch.tensor(logits)))
    assert_close(cu.logits_to_probs(chainrule.tensor(logits), True), tu.logits_to_probs(torch.tensor(logits), True))
    a, b = cu.broadcast_all(chainrule.zeros(3, 1, dtype=chainrule.float64), 2.0)
    assert tuple(b.shape) == (3, 1) and b.dtype == chainrule.float64


def test_default_validation_can_be_turned_off():
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(0.0, -1.0)
        D.Bernoulli(probs=2.0).log_prob(chainrule.tensor(0.5))
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="GreaterThan"):
        D.Normal(0.0, -1.0)
