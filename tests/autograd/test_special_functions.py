"""Special functions (lgamma, digamma, polygamma, mvlgamma, erfc, erfinv, ndtr, ndtri, log_ndtr,
i0, i0e, i1, i1e, sinc, xlog1py, entr and the ``chainrule.special`` namespace) against PyTorch:
values, dtypes, gradients, poles and errors. Where PyTorch's own float64 value is less exact than
chainrule's (trigamma, the far tail of ndtr), mpmath is the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import chainrule
from torch_oracle import assert_close, check, float_dtypes, seeds, shapes


def _uniform(shape, low, high, dtype, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def _positive(shape, dtype, seed=0):
    """Arguments away from the poles: (0.05, 12)."""
    return _uniform(shape, 0.05, 12, dtype, seed)


def _negative_non_integer(n, dtype, seed=0):
    """Negative arguments at least 0.1 from every pole."""
    x = _uniform(n, -8, 0, np.float64, seed)
    return np.clip(x, np.floor(x) + 0.1, np.ceil(x) - 0.1).astype(dtype)


def _check_trigamma_grad(fn, x, seed=0):
    """``check`` for a function whose gradient is trigamma: torch's float64 trigamma stops its
    series early (~1e-10 relative), so in float64 the gradient is compared to 2e-9."""
    if x.dtype == np.float32:
        check(fn, x, seed=seed)
        return
    check(fn, x, grad=False)
    c, t = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    fn(chainrule, c).sum().backward()
    fn(torch, t).sum().backward()
    np.testing.assert_allclose(c.grad._data, t.grad.numpy(), rtol=2e-9)


@settings(max_examples=15, deadline=None)
@given(shape=shapes(max_dims=3), dtype=float_dtypes, seed=seeds)
def test_gamma_family_equals_torch_on_drawn_shapes(shape, dtype, seed):
    x = _positive(shape, dtype, seed)
    check(lambda lib, t: lib.lgamma(t), x, seed=seed)
    check(lambda lib, t: lib.special.gammaln(t), x, seed=seed)
    _check_trigamma_grad(lambda lib, t: lib.digamma(t), x, seed=seed)
    _check_trigamma_grad(lambda lib, t: lib.special.psi(t), x, seed=seed)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_equals_torch(dtype, n):
    x = _positive((40,), dtype, n)
    # torch's trigamma (n = 1) stops its series early: ~1e-10 relative in float64
    tol = "default" if n > 1 or dtype == np.float32 else None
    if tol is None:
        got = chainrule.polygamma(1, chainrule.tensor(x))
        np.testing.assert_allclose(got._data, torch.polygamma(1, torch.tensor(x)).numpy(), rtol=2e-9)
    else:
        check(lambda lib, t: lib.polygamma(n, t), x, seed=n)
    # its gradient is polygamma(n + 1), which is where torch is exact for n >= 1
    for lib_x in (x,):
        c = chainrule.tensor(lib_x, requires_grad=True)
        t = torch.tensor(lib_x, requires_grad=True)
        chainrule.polygamma(n, c).sum().backward()
        torch.polygamma(n, t).sum().backward()
        assert_close(c.grad, t.grad, what=f"d polygamma({n})")


def test_polygamma_zero_is_digamma_and_method_form():
    x = _positive((6,), np.float64)
    assert_close(chainrule.polygamma(0, chainrule.tensor(x)), torch.polygamma(0, torch.tensor(x)))
    assert_close(chainrule.tensor(x).polygamma(3), torch.tensor(x).polygamma(3))


def test_trigamma_is_exact_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([0.01, 0.3, 1.0, 1.135, 2.5, 7.0, 55.0, -0.5, -2.3, -7.7])
    want = [float(mpmath.polygamma(1, v)) for v in x]
    np.testing.assert_allclose(chainrule.polygamma(1, chainrule.tensor(x))._data, want, rtol=1e-13)
    want3 = [float(mpmath.polygamma(3, v)) for v in x[:7]]
    np.testing.assert_allclose(chainrule.polygamma(3, chainrule.tensor(x[:7]))._data, want3, rtol=1e-13)


def test_gamma_family_at_negative_arguments_equals_torch(dtype):
    x = _negative_non_integer(30, dtype)
    check(lambda lib, t: lib.lgamma(t), x)
    _check_trigamma_grad(lambda lib, t: lib.digamma(t), x)
    check(lambda lib, t: lib.polygamma(2, t), x)


def test_gamma_family_at_poles_and_infinities_equals_torch(dtype):
    x = np.array([0.0, -0.0, -1.0, -4.0, np.inf, -np.inf, np.nan, 1e-30, 1.0, 2.0], dtype=dtype)
    for name in ("lgamma", "digamma"):
        got = getattr(chainrule, name)(chainrule.tensor(x))
        want = getattr(torch, name)(torch.tensor(x))
        np.testing.assert_array_equal(np.isnan(got._data), np.isnan(want.numpy()), err_msg=name)
        finite = np.isfinite(want.numpy())
        np.testing.assert_array_equal(got._data[~finite], want.numpy()[~finite], err_msg=name)
        assert_close(got._data[finite], want.numpy()[finite], what=name)
    # lgamma's gradient at 0 is digamma(0) = -inf, as torch's
    c, t = chainrule.tensor(x[:1], requires_grad=True), torch.tensor(x[:1], requires_grad=True)
    chainrule.lgamma(c).sum().backward()
    torch.lgamma(t).sum().backward()
    assert c.grad._data[0] == t.grad.numpy()[0] == -np.inf


def test_integer_input_gives_default_float():
    for name in ("lgamma", "digamma", "erfinv", "erfc", "i0", "sinc"):
        got = getattr(chainrule, name)(chainrule.tensor([1, 2, 3]))
        assert_close(got, getattr(torch, name)(torch.tensor([1, 2, 3])), what=name)


@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_mvlgamma_equals_torch(dtype, p):
    x = _uniform((3, 4), (p - 1) / 2 + 0.1, 9, dtype, p)
    check(lambda lib, t: lib.mvlgamma(t, p), x, seed=p)
    check(lambda lib, t: lib.special.multigammaln(t, p), x, seed=p)
    check(lambda lib, t: t.mvlgamma(p), x, seed=p)


def test_mvlgamma_rejects_p_below_one():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            lib.mvlgamma(lib.tensor([3.0]), 0)


def test_polygamma_rejects_negative_n():
    with pytest.raises(RuntimeError, match="does not support negative n"):
        chainrule.polygamma(-1, chainrule.tensor([0.5]))
    with pytest.raises(RuntimeError, match="does not support negative n"):
        torch.polygamma(-1, torch.tensor([0.5]))
    for lib in (chainrule, torch):
        with pytest.raises(TypeError, match=r"argument 'n' \(position 1\) must be int, not float"):
            lib.polygamma(1.5, lib.tensor([0.5]))


@settings(max_examples=15, deadline=None)
@given(shape=shapes(max_dims=3), dtype=float_dtypes, seed=seeds)
def test_error_function_family_equals_torch(shape, dtype, seed):
    x = _uniform(shape, -0.999, 0.999, dtype, seed)
    check(lambda lib, t: lib.erfinv(t), x, seed=seed)
    check(lambda lib, t: lib.special.erfinv(t), x, seed=seed)
    check(lambda lib, t: lib.erfc(t * 3), x, seed=seed)
    check(lambda lib, t: lib.special.ndtr(t * 3), x, seed=seed)
    check(lambda lib, t: lib.special.log_ndtr(t * 6), x, seed=seed)
    check(lambda lib, t: lib.special.ndtri(t * 0.5 + 0.5), x, seed=seed)


def test_erfinv_edges_equal_torch(dtype):
    x = np.array([1.0, -1.0, 1.5, -2.0, 0.0, -0.0, np.nan, 1 - 1e-7, -(1 - 1e-7), 1e-30], dtype=dtype)
    got, want = chainrule.erfinv(chainrule.tensor(x))._data, torch.erfinv(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    number = ~np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[number]), np.signbit(want[number]))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    assert_close(got[finite], want[finite])


def test_erfinv_is_exact_in_float64_near_one():
    x = np.concatenate([1 - np.logspace(-15, -1, 30), np.linspace(-0.99, 0.99, 41)])
    got = chainrule.erfinv(chainrule.tensor(x))._data
    np.testing.assert_allclose(got, torch.erfinv(torch.tensor(x)).numpy(), rtol=1e-13)
    # and it inverts erf: erf(erfinv(x)) = x
    np.testing.assert_allclose(chainrule.erf(chainrule.tensor(got))._data, x, rtol=2e-16, atol=0)


def test_ndtri_edges_and_tiny_probabilities():
    p = np.array([0.0, 1.0, -0.1, 1.1, 0.5, 1e-300, 1e-20, 1 - 1e-12])
    got, want = chainrule.special.ndtri(chainrule.tensor(p))._data, torch.special.ndtri(torch.tensor(p)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12)


def test_ndtr_and_log_ndtr_in_the_far_tail():
    """torch's ndtr is 1 + erf (it rounds to 0 below about -8); chainrule keeps erfc's precision.
    log_ndtr equals torch's everywhere, also where Phi underflows."""
    mpmath = pytest.importorskip("mpmath")
    x = np.array([-8.5, -12.0, -30.0])
    want = [float(mpmath.ncdf(v)) for v in x]
    np.testing.assert_allclose(chainrule.special.ndtr(chainrule.tensor(x))._data, want, rtol=1e-12)
    x = np.array([-1000.0, -40.0, -20.5, -19.5, -5.0, 0.0, 5.0, 20.0, 40.0])
    check(lambda lib, t: lib.special.log_ndtr(t), x)


@settings(max_examples=15, deadline=None)
@given(shape=shapes(max_dims=3), dtype=float_dtypes, seed=seeds)
def test_bessel_functions_equal_torch(shape, dtype, seed):
    x = _uniform(shape, -40, 40, dtype, seed)

    def special(lib, t):
        return lib.special.i0(t), lib.special.i1(t), lib.special.i0e(t), lib.special.i1e(t)

    check(special, x, seed=seed)  # each value, and the gradient of their sum
    check(lambda lib, t: lib.i0(t), x, seed=seed)


def test_bessel_functions_at_zero_large_and_nan(dtype):
    x = np.array([0.0, -0.0, 29.9, 30.0, 30.1, -300.0, 700.0, np.nan], dtype=dtype)
    for name in ("i0", "i0e", "i1", "i1e"):
        got = getattr(chainrule.special, name)(chainrule.tensor(x))._data
        want = getattr(torch.special, name)(torch.tensor(x)).numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        finite = np.isfinite(want)
        np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5 if dtype == np.float32 else 1e-13,
                                   err_msg=name)
    zero = np.zeros(3, dtype=dtype)
    check(lambda lib, t: (lib.special.i1(t), lib.special.i1e(t), lib.i0(t)), zero)


def test_sinc_xlog1py_entr_equal_torch(dtype):
    x = np.concatenate([_uniform((20,), -3, 3, dtype), np.array([0.0, 1.0, -2.0], dtype=dtype)])
    check(lambda lib, t: lib.sinc(t), x)
    check(lambda lib, t: t.sinc(), x)
    y = _uniform((20,), 0.01, 3, dtype, 1)
    check(lambda lib, t: lib.special.entr(t), y)
    a, b = _uniform((3, 1), -2, 2, dtype, 2), _uniform((4,), -0.9, 3, dtype, 3)
    check(lambda lib, s, t: lib.special.xlog1py(s, t), a, b)
    check(lambda lib, s, t: lib.special.xlogy(s, t), a, b + 1)


def test_entr_and_xlog1py_special_values_equal_torch(dtype):
    x = np.array([0.0, -1.0, np.nan, 2.0], dtype=dtype)
    assert_close(chainrule.special.entr(chainrule.tensor(x)), torch.special.entr(torch.tensor(x)))
    a, b = np.array([0.0, 0.0, 1.0], dtype=dtype), np.array([np.nan, 2.0, -1.0], dtype=dtype)
    assert_close(chainrule.special.xlog1py(chainrule.tensor(a), chainrule.tensor(b)),
                 torch.special.xlog1py(torch.tensor(a), torch.tensor(b)))


def test_namespace_reuses_the_ordinary_ops(dtype):
    x = _uniform((3, 4), 0.05, 0.95, dtype)
    check(lambda lib, t: lib.special.expit(t), x)
    check(lambda lib, t: lib.special.logit(t), x)
    check(lambda lib, t: lib.special.softmax(t, 1), x)
    check(lambda lib, t: lib.special.log_softmax(t, 0), x)
    check(lambda lib, t: lib.special.logsumexp(t, 1), x)
    check(lambda lib, t: (lib.special.log1p(t), lib.special.expm1(t), lib.special.exp2(t), lib.special.erf(t)), x)
    check(lambda lib, t: lib.special.round(t * 10), x)


def test_tensor_methods_and_in_place_forms(dtype):
    x = _uniform((5,), 0.1, 0.9, dtype)
    for name in ("lgamma", "digamma", "erfinv", "erfc", "i0", "sinc"):
        compare = _check_trigamma_grad if name == "digamma" else check
        compare(lambda lib, t, name=name: getattr(t, name)(), x)
        c, t = chainrule.tensor(x.copy()), torch.tensor(x.copy())
        getattr(c, name + "_")()
        getattr(t, name + "_")()
        assert_close(c, t, what=name + "_")
    c, t = chainrule.tensor(x.copy()), torch.tensor(x.copy())
    c.polygamma_(2)
    t.polygamma_(2)
    assert_close(c, t, what="polygamma_")


def test_out_argument():
    x = chainrule.tensor([0.5, 2.0])
    out = chainrule.empty(2)
    chainrule.lgamma(x, out=out)
    assert_close(out, torch.lgamma(torch.tensor([0.5, 2.0])))
    chainrule.polygamma(1, x, out=out)
    assert_close(out, torch.polygamma(1, torch.tensor([0.5, 2.0])))


def _gammainc_pair(lib, a, x):
    return lib.special.gammainc(a, x), lib.special.gammaincc(a, x)


@settings(max_examples=15, deadline=None)
@given(dtype=float_dtypes, seed=seeds, shape=shapes(max_dims=2))
def test_gammainc_equals_torch(dtype, seed, shape):
    """Values and the gradient with respect to x against torch (whose float64 values are good to
    ~2e-9 relative); torch has no gradient with respect to a, which is checked against mpmath."""
    a, x = _uniform(shape, 0.05, 30, dtype, seed), _uniform(shape, 0.01, 60, dtype, seed + 1)
    if dtype == np.float32:
        check(_gammainc_pair, a, x, grad=[False, True], seed=seed)
        return
    ca, cx = chainrule.tensor(a), chainrule.tensor(x, requires_grad=True)
    ta, tx = torch.tensor(a), torch.tensor(x, requires_grad=True)
    for got, want in zip(_gammainc_pair(chainrule, ca, cx), _gammainc_pair(torch, ta, tx), strict=True):
        np.testing.assert_allclose(got._data, want.detach().numpy(), rtol=1e-8, atol=1e-300)
    sum(o.sum() * (k + 1) for k, o in enumerate(_gammainc_pair(chainrule, ca, cx))).backward()
    sum(o.sum() * (k + 1) for k, o in enumerate(_gammainc_pair(torch, ta, tx))).backward()
    np.testing.assert_allclose(cx.grad._data, tx.grad.numpy(), rtol=1e-10)


def test_gammainc_is_exact_against_mpmath_with_its_gradient_in_a():
    mpmath = pytest.importorskip("mpmath")
    a = np.array([0.01, 0.5, 1.0, 3.3, 21.8, 150.0, 2.0, 0.7])
    x = np.array([0.3, 2.0, 1.0, 30.0, 15.3, 140.0, 1e-8, 500.0])
    ca = chainrule.tensor(a, requires_grad=True)
    p = chainrule.special.gammainc(ca, chainrule.tensor(x))
    q = chainrule.special.gammaincc(chainrule.tensor(a), chainrule.tensor(x))
    want_p = [float(mpmath.gammainc(s, 0, v, regularized=True)) for s, v in zip(a, x, strict=True)]
    want_q = [float(mpmath.gammainc(s, v, mpmath.inf, regularized=True)) for s, v in zip(a, x, strict=True)]
    np.testing.assert_allclose(p._data, want_p, rtol=1e-12)
    np.testing.assert_allclose(q._data, want_q, rtol=1e-12)
    p[:6].sum().backward()
    want_da = [float(mpmath.diff(lambda s, v=v: mpmath.gammainc(s, 0, v, regularized=True), s))
               for s, v in zip(a[:6], x[:6], strict=True)]
    np.testing.assert_allclose(ca.grad._data[:6], want_da, rtol=1e-7)


def test_gammainc_edges_equal_torch():
    a = np.array([0.0, 1.0, 2.0, -1.0, 1.0, 1.0, np.nan, 2.0, np.inf, 0.0])
    x = np.array([1.0, 0.0, np.inf, 1.0, -1.0, np.nan, 1.0, 1e-300, 1.0, 0.0])
    for got, want in zip(_gammainc_pair(chainrule, chainrule.tensor(a), chainrule.tensor(x)),
                         _gammainc_pair(torch, torch.tensor(a), torch.tensor(x)), strict=True):
        np.testing.assert_array_equal(got._data, want.numpy())


def test_erfcx_equals_torch(dtype):
    x = np.concatenate([_uniform((40,), -8, 8, dtype), np.array([0.0, 24.9, 25.0, 26.0, 40.0, 1e6], dtype)])
    check(lambda lib, t: lib.special.erfcx(t), x)
    edges = np.array([-30.0, -np.inf, np.inf, np.nan, 1e10], dtype)
    np.testing.assert_array_equal(chainrule.special.erfcx(chainrule.tensor(edges))._data,
                                  torch.special.erfcx(torch.tensor(edges)).numpy())


def test_igamma_aliases_and_methods(dtype):
    a, x = _uniform((4,), 0.5, 5, dtype), _uniform((4,), 0.1, 8, dtype, 1)
    # torch's float64 igamma is good to ~2e-9 only (see above): float32's tolerance for both dtypes
    check(lambda lib, s, t: (lib.igamma(s, t), lib.igammac(s, t), s.igamma(t), s.igammac(t)), a, x,
          grad=[False, True], dtype=np.float32)
