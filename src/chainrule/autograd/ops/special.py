"""Special functions: lgamma, digamma, polygamma, mvlgamma, gammainc, gammaincc, erfc, erfcx,
erfinv, ndtr, ndtri, log_ndtr, the modified Bessel functions i0, i0e, i1, i1e, sinc, xlog1py and
entr, each forward beside its backward; and the derivatives of the gamma and beta CDFs in their
parameters, which the Gamma, Beta and Dirichlet distributions differentiate their samples with.

The numerics are written here in NumPy (no SciPy): every value is computed in float64 and rounded
to the input's dtype. ``G`` below is the incoming gradient dLoss/dOut, of the output's shape.

- ``lgamma``: ``math.lgamma`` per element (exact to the last bit); the poles (0 and the negative
  integers) give +inf, as PyTorch. ``d lgamma(x) / dx = digamma(x)``.
- ``digamma``: reflection ``psi(x) = psi(1 - x) - pi / tan(pi x)`` for x < 0, the recurrence
  ``psi(x) = psi(x + 1) - 1 / x`` up to x >= 10, then the asymptotic series
  ``psi(x) ~ ln x - 1 / (2x) - sum_k B_2k / (2k x^2k)``.
- ``polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x)`` with the Hurwitz zeta function summed
  directly up to x + N >= 10, then by Euler-Maclaurin; n = 1 reflects for x < 0,
  ``psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x)``. ``d polygamma(n, x) / dx = polygamma(n + 1, x)``.
- ``erfinv``: a closed-form first guess refined by Halley steps on ``erf`` (on ``erfc`` near
  +-1, where ``1 - |x|`` is exact), so the result is exact to float64 rounding.
- ``gammainc``: the series below x = a + 1, the continued fraction of Q = 1 - P above (modified
  Lentz), its parameter derivative carried through the same recurrence (forward mode).
- ``i0``, ``i1``: the power series for |x| <= 30, the asymptotic expansion above; the scaled
  forms ``i0e = e^-|x| i0`` and ``i1e = e^-|x| i1`` never overflow.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...tensor import Tensor
from ..function import Function
from ._util import float_operand, into, unbroadcast
from .elementwise import _binary, _form, _safe, _unary

_F64 = np.float64
_PI = math.pi
_SQRT2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# B_2k / (2k) for k = 1..8: the asymptotic series of digamma
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12, -3617 / 8160)
# B_2k / (2k)! for k = 1..9: the Euler-Maclaurin correction terms of the Hurwitz zeta function
_BERNOULLI_OVER_FACTORIAL = (1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160,
                             -691 / 1307674368000, 1 / 74724249600, -3617 / 10670622842880000,
                             43867 / 5109094217170944000)
_SHIFT = 10.0  # recurrences move x up to here before the asymptotic series take over


def _in(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=_F64)


def _out(y: np.ndarray, like: np.ndarray) -> np.ndarray:
    return np.asarray(y).astype(like.dtype, copy=False)


def _is_pole(x: np.ndarray) -> np.ndarray:
    """0 and the negative integers, where the gamma function has its poles."""
    return (x <= 0) & (x == np.floor(x))


# ------------------------------------------------------------------ the gamma function family
def _lgamma_one(v: float) -> float:
    if v != v:
        return v
    if math.isinf(v) or (v <= 0 and v == math.floor(v)):
        return math.inf
    return math.lgamma(v)


_lgamma_each = np.frompyfunc(_lgamma_one, 1, 1)


def lgamma_array(x: np.ndarray) -> np.ndarray:
    """ln |Gamma(x)| in float64."""
    with np.errstate(invalid="ignore"):  # NaN in, NaN out
        return np.asarray(_lgamma_each(_in(x)), dtype=_F64)


def digamma_array(x: np.ndarray) -> np.ndarray:
    """psi(x) = d ln Gamma(x) / dx in float64: -inf at +0, +inf at -0, NaN at the negative
    integers and at -inf (PyTorch's values)."""
    x = _in(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        negative = x < 0
        z = np.where(negative, 1 - x, x)  # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        acc = np.zeros_like(z)
        for _ in range(int(_SHIFT)):  # psi(z) = psi(z + 1) - 1 / z, until z >= 10
            small = z < _SHIFT
            acc = np.where(small, acc - 1 / np.where(small, z, 1), acc)
            z = np.where(small, z + 1, z)
        inv2 = 1 / (z * z)
        series = np.zeros_like(z)
        for c in reversed(_DIGAMMA_SERIES):
            series = (series + c) * inv2
        y = acc + np.log(z) - 0.5 / z - series
        y = np.where(negative, y - _PI / np.tan(_PI * x), y)
        y = np.where(x == np.inf, np.inf, y)
        y = np.where(x == 0, np.copysign(np.inf, -x), y)
        y = np.where((negative & (x == np.floor(x))) | np.isnan(x), np.nan, y)
    return y


def hurwitz_zeta_array(s: int, x: np.ndarray) -> np.ndarray:
    """zeta(s, x) = sum_{k >= 0} (x + k)^-s for an integer s >= 2, in float64.

    The first terms are summed until x + N >= 10, the rest by Euler-Maclaurin:
    ``a^(1-s) / (s-1) + a^-s / 2 + sum_j B_2j / (2j)! s (s+1) ... (s+2j-2) a^(-s-2j+1)``, a = x + N.
    """
    x = _in(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pole = _is_pole(x)
        a = np.where(np.isfinite(x), x, _SHIFT)
        head = np.zeros_like(a)
        while np.any(a < _SHIFT):  # one step a loop: the number of steps, not of elements
            small = a < _SHIFT
            head = np.where(small, head + np.where(small & ~pole, a, 1) ** -s, head)
            a = np.where(small, a + 1, a)
        tail = a ** (1 - s) / (s - 1) + 0.5 * a ** -s
        rising, power = float(s), a ** (-s - 1)  # s (s+1) ... (s+2j-2) and a^(-s-2j+1)
        for j, b in enumerate(_BERNOULLI_OVER_FACTORIAL):
            tail = tail + b * rising * power
            rising *= (s + 2 * j + 1) * (s + 2 * j + 2)
            power = power / (a * a)
        y = head + tail
        y = np.where(pole, np.inf, y)
        y = np.where(x == np.inf, 0.0, y)
        y = np.where(np.isnan(x) | (x == -np.inf), np.nan, y)
    return y


def polygamma_array(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma, in float64."""
    if n == 0:
        return digamma_array(x)
    x = _in(x)
    sign_factorial = (-1) ** (n + 1) * math.factorial(n)
    if n == 1:  # reflection for x < 0: psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            negative = x < 0
            y = hurwitz_zeta_array(2, np.where(negative, 1 - x, x))
            y = np.where(negative, (_PI / np.sin(_PI * x)) ** 2 - y, y)
            y = np.where(_is_pole(x), np.inf, y)
            return np.where(x == -np.inf, np.nan, y)
    return sign_factorial * hurwitz_zeta_array(n + 1, x)


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q(a, x) for x >= a + 1 and its derivative dQ/da, in float64, from the continued fraction

        Q = x^a e^-x / Gamma(a) * h,   h = 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))

    evaluated by the modified Lentz method; dh/da is carried through the same recurrence
    (forward-mode), and dQ/da = Q (ln x - digamma(a)) + x^a e^-x / Gamma(a) dh/da.
    """
    tiny = 1e-300
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        return _upper_fraction_steps(a, x, tiny)


def _upper_fraction_steps(a: np.ndarray, x: np.ndarray, tiny: float) -> tuple[np.ndarray, np.ndarray]:
    b = x + 1 - a
    db = -1.0
    c, dc = np.full_like(b, 1 / tiny), np.zeros_like(b)
    d, dd = 1 / b, 1 / (b * b)
    h, dh = d.copy(), dd.copy()
    for i in range(1, 1000):
        an, dan = -i * (i - a), float(i)  # the i-th partial numerator and its a-derivative
        b = b + 2
        d_den = an * d + b
        dd_den = dan * d + an * dd + db
        small = np.abs(d_den) < tiny
        d_den, dd_den = np.where(small, tiny, d_den), np.where(small, 0.0, dd_den)
        c_new = b + an / c
        dc = db + (dan * c - an * dc) / (c * c)
        small = np.abs(c_new) < tiny
        c, dc = np.where(small, tiny, c_new), np.where(small, 0.0, dc)
        d, dd = 1 / d_den, -dd_den / (d_den * d_den)
        delta, d_delta = d * c, dd * c + d * dc
        h, dh = h * delta, dh * delta + h * d_delta
        # done when both h and dh/da have settled (a zero numerator, at an integer a, ends h's
        # fraction but not its derivative's)
        if np.all(np.abs(delta - 1) <= 1e-16) and np.all(np.abs(h * d_delta) <= 1e-16 * np.abs(dh)):
            break
    prefactor = np.exp(a * np.log(x) - x - lgamma_array(a))
    q = prefactor * h
    return q, q * (np.log(x) - digamma_array(a)) + prefactor * dh


def gammainc_alpha_derivative_array(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dP(alpha, x) / d alpha for the regularised lower incomplete gamma function P, in float64.

    For x < alpha + 1, with ``P = sum_{n >= 0} t_n``, ``t_n = x^(alpha+n) e^-x / Gamma(alpha+n+1)``:
    ``dP/dalpha = sum_n t_n (ln x - digamma(alpha+n+1))``; ``t_n`` and ``digamma(alpha+n+1)``
    follow from their predecessors (``t_n = t_(n-1) x / (alpha+n)``, ``digamma`` grows by
    ``1 / (alpha+n)``). For x >= alpha + 1 (P near 1, where that sum cancels): ``-dQ/dalpha``
    from the continued fraction of Q.
    """
    alpha, x = np.broadcast_arrays(_in(alpha), _in(x))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        use_series = x < alpha + 1
        xs, as_ = np.where(use_series, x, 0.5), np.where(use_series, alpha, 1.0)
        log_x = np.log(xs)
        term = np.exp(as_ * log_x - xs - lgamma_array(as_ + 1))
        psi = digamma_array(as_ + 1)
        total = term * (log_x - psi)
        for n in range(1, 1000):
            term = term * xs / (as_ + n)
            psi = psi + 1 / (as_ + n)
            total = total + term * (log_x - psi)
            if np.all(term <= 1e-17 * np.abs(total)):
                break
        xc = np.where(use_series, alpha + 2, x)
        _, dq = _upper_fraction(alpha, xc)
        return np.where(use_series, total, -dq)


def standard_gamma_grad_array(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/dalpha of a Gamma(alpha, 1) draw x held at its quantile (implicit reparameterisation):
    ``dx/dalpha = -(dP(alpha, x)/dalpha) / p(x)``, p the density ``x^(alpha-1) e^-x / Gamma(alpha)``."""
    alpha, x = _in(alpha), _in(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_density = (alpha - 1) * np.log(x) - x - lgamma_array(alpha)
        return -gammainc_alpha_derivative_array(alpha, x) / np.exp(log_density)


def _log_gamma_prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """ln(x^a e^-x / Gamma(a))."""
    return a * np.log(x) - x - lgamma_array(a)


def gammainc_array(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The regularised incomplete gamma functions (P, Q), P(a, x) = gamma(a, x) / Gamma(a) and
    Q = 1 - P, in float64, each computed where it is small so that neither loses digits:

    - x < a + 1: the series ``P = x^a e^-x sum_n x^n / Gamma(a + n + 1)``, Q = 1 - P;
    - x >= a + 1: the continued fraction
      ``Q = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))``
      evaluated by the modified Lentz method, P = 1 - Q.

    P(0, x > 0) = 1, P(a, 0) = 0, P(a, inf) = 1, NaN for a < 0 or x < 0 (PyTorch's values).
    """
    a, x = np.broadcast_arrays(_in(a), _in(x))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        aa, xx = np.where(ok, a, 1.0), np.where(ok, x, 1.0)
        use_series = xx < aa + 1
        # series (for every element; used where x < a + 1)
        xs, as_ = np.where(use_series, xx, 0.5), np.where(use_series, aa, 1.0)
        term = np.exp(as_ * np.log(xs) - xs - lgamma_array(as_ + 1))
        series = term.copy()
        for n in range(1, 1000):
            term = term * xs / (as_ + n)
            series = series + term
            if np.all(term <= series * 1e-17):
                break
        # continued fraction (used where x >= a + 1)
        fraction, _ = _upper_fraction(aa, np.where(use_series, aa + 2, xx))
        p = np.where(use_series, series, 1 - fraction)
        q = np.where(use_series, 1 - series, fraction)
        # the edges
        nan = np.isnan(a) | np.isnan(x) | (a < 0) | (x < 0) | ((a == 0) & (x == 0))
        one = ~nan & (((a == 0) & (x > 0)) | ((x == np.inf) & np.isfinite(a)))
        zero = ~nan & ~one & ((x == 0) | (a == np.inf))
        p = np.where(one, 1.0, np.where(zero, 0.0, p))
        q = np.where(one, 0.0, np.where(zero, 1.0, q))
        p, q = np.where(nan, np.nan, p), np.where(nan, np.nan, q)
    return p, q


class GammaInc(Function):
    """Y = P(A, X), the regularised lower incomplete gamma function (``upper``: Q = 1 - P);
    dX = G x^(a-1) e^-x / Gamma(a) (the gamma density), dA = G dP/da (negated for Q)."""

    array_io = True

    @staticmethod
    def forward(ctx, a, x, upper):
        p, q = gammainc_array(a, x)
        ctx.a, ctx.x, ctx.sign = a, x, -1.0 if upper else 1.0
        dtype = np.result_type(a, x)
        return (q if upper else p).astype(dtype)

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.a, ctx.x
        need_a, need_x = ctx.needs_input_grad[:2]
        da = dx = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            if need_x:
                dx = ctx.sign * g * np.exp(_log_gamma_prefactor(_in(a), _in(x)) - np.log(_in(x))).astype(g.dtype)
                dx = unbroadcast(dx, np.shape(x))
            if need_a:
                da = ctx.sign * g * gammainc_alpha_derivative_array(a, x).astype(g.dtype)
                da = unbroadcast(da, np.shape(a))
        return da, dx, None


def gammainc(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The regularised lower incomplete gamma function
    ``P(a, x) = (1 / Gamma(a)) int_0^x t^(a-1) e^-t dt`` (input a, other x)."""
    y = GammaInc.apply(float_operand(input), float_operand(other), False)
    return y if out is None else into(out, y, "gammainc")


def gammaincc(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The regularised upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    y = GammaInc.apply(float_operand(input), float_operand(other), True)
    return y if out is None else into(out, y, "gammaincc")


def _beta_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """I_x(a, b) for x < (a + 1) / (a + b + 2) and its derivatives in a and b, in float64, from

        I_x(a, b) = x^a (1-x)^b / (a B(a, b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...))),
        d_(2m+1) = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),   d_(2m) = m(b-m) x / ((a+2m-1)(a+2m))

    evaluated by the modified Lentz method. Every quantity is carried with its derivative in a and
    in b (a value and a [2, ...] gradient: forward-mode differentiation of the recurrence).
    """
    tiny = 1e-300

    def step(num, d_num, c, dc, d, dd):  # one Lentz step for the partial numerator num
        d_den, dd_den = 1 + num * d, d_num * d + num * dd
        small = np.abs(d_den) < tiny
        d_den, dd_den = np.where(small, tiny, d_den), np.where(small, 0.0, dd_den)
        c_new, dc_new = 1 + num / c, (d_num * c - num * dc) / (c * c)
        small = np.abs(c_new) < tiny
        c_new, dc_new = np.where(small, tiny, c_new), np.where(small, 0.0, dc_new)
        d_new, dd_new = 1 / d_den, -dd_den / (d_den * d_den)
        return c_new, dc_new, d_new, dd_new, d_new * c_new, dd_new * c_new + d_new * dc_new

    zero = np.zeros((2,) + a.shape)
    c, dc = np.ones_like(a), zero.copy()
    d, dd = np.zeros_like(a), zero.copy()  # Lentz's start for 1 + d1 / (1 + d2 / ...): f = c = 1, d = 0
    h, dh = np.ones_like(a), zero.copy()
    for m in range(0, 1000):
        if m > 0:  # d_(2m) = m (b - m) x / ((a + 2m - 1)(a + 2m))
            den = (a + 2 * m - 1) * (a + 2 * m)
            num = m * (b - m) * x / den
            d_num = np.stack([-num * (2 * a + 4 * m - 1) / den, m * x / den])
            c, dc, d, dd, delta, d_delta = step(num, d_num, c, dc, d, dd)
            h, dh = h * delta, dh * delta + h * d_delta
        # d_(2m+1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        den = (a + 2 * m) * (a + 2 * m + 1)
        num = -(a + m) * (a + b + m) * x / den
        d_num = np.stack([-x * ((a + b + m) + (a + m)) / den - num * (2 * a + 4 * m + 1) / den,
                          -(a + m) * x / den])
        c, dc, d, dd, delta, d_delta = step(num, d_num, c, dc, d, dd)
        h, dh = h * delta, dh * delta + h * d_delta
        if np.all(np.abs(delta - 1) <= 1e-16) and np.all(np.abs(h * d_delta) <= 1e-16 * np.abs(dh)):
            break
    log_beta = lgamma_array(a) + lgamma_array(b) - lgamma_array(a + b)
    prefactor = np.exp(a * np.log(x) + b * np.log1p(-x) - log_beta) / a
    psi_ab = digamma_array(a + b)
    d_log_prefactor = np.stack([np.log(x) - digamma_array(a) + psi_ab - 1 / a,
                                np.log1p(-x) - digamma_array(b) + psi_ab])
    value = prefactor / h  # h is the fraction's denominator 1 + d1 / (1 + d2 / ...)
    return value, *(value * d_log_prefactor - prefactor * dh / (h * h))


def betainc_with_derivatives(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b) and its
    derivatives in a and b, in float64, for a, b > 0 and 0 < x < 1. Above x = (a+1)/(a+b+2)
    the continued fraction converges slowly; there ``I_x(a, b) = 1 - I_(1-x)(b, a)``."""
    a, b, x = np.broadcast_arrays(_in(a), _in(b), _in(x))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        flip = x > (a + 1) / (a + b + 2)
        fa, fb, fx = np.where(flip, b, a), np.where(flip, a, b), np.where(flip, 1 - x, x)
        value, d_first, d_second = _beta_fraction(fa, fb, fx)
        return (np.where(flip, 1 - value, value), np.where(flip, -d_second, d_first),
                np.where(flip, -d_first, d_second))


def beta_sample_grad_array(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dx/da, dx/db) of a Beta(a, b) draw x held at its quantile (implicit reparameterisation):
    ``-(dI_x(a, b)/da) / p(x)`` and the same in b, p the density ``x^(a-1) (1-x)^(b-1) / B(a, b)``."""
    a, b, x = _in(a), _in(b), _in(x)
    _, da, db = betainc_with_derivatives(a, b, x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_density = ((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - lgamma_array(a) - lgamma_array(b)
                       + lgamma_array(a + b))
        density = np.exp(log_density)
        return -da / density, -db / density


def _check_n(n: Any) -> int:
    if isinstance(n, Tensor):
        n = n.item()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return int(n)


Lgamma = _unary("Lgamma", lambda x: _out(lgamma_array(x), x),
                lambda g, x, y: g * _out(digamma_array(x), x),
                "Y = ln |Gamma(X)|;  dX = G digamma(X)")
Digamma = _unary("Digamma", lambda x: _out(digamma_array(x), x),
                 lambda g, x, y: g * _out(polygamma_array(1, x), x),
                 "Y = digamma(X) = d ln Gamma(X) / dX;  dX = G polygamma(1, X)")


class Polygamma(Function):
    """Y = polygamma(n, X), the n-th derivative of digamma;  dX = G polygamma(n + 1, X)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, n):
        ctx.x, ctx.n = x, n
        return _out(polygamma_array(n, x), x)

    @staticmethod
    def backward(ctx, g):
        return g * _out(polygamma_array(ctx.n + 1, ctx.x), ctx.x), None


lgamma = _form("lgamma", Lgamma, floating=True)
digamma = _form("digamma", Digamma, floating=True)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The n-th derivative of digamma: ``psi^(n)(x) = (-1)^(n+1) n! sum_k (x + k)^-(n+1)``
    (``polygamma(0, x)`` is digamma)."""
    y = Polygamma.apply(float_operand(input), _check_n(n))
    return y if out is None else into(out, y, "polygamma")


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The multivariate log-gamma function of dimension ``p``:
    ``ln Gamma_p(x) = p (p - 1) / 4 ln(pi) + sum_{i=1}^{p} ln Gamma(x + (1 - i) / 2)``."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise RuntimeError(f"mvlgamma(): p has to be greater than or equal to 1, got {p!r}")
    x = float_operand(input)
    y = lgamma(x)
    for i in range(2, int(p) + 1):
        y = y + lgamma(x + (1 - i) / 2)
    y = y + p * (p - 1) / 4 * math.log(math.pi)
    return y if out is None else into(out, y, "mvlgamma")


# ------------------------------------------------------------------ the error function family
_erf_each = np.frompyfunc(math.erf, 1, 1)
_erfc_each = np.frompyfunc(math.erfc, 1, 1)


def erf_array(x: np.ndarray) -> np.ndarray:
    return np.asarray(_erf_each(_in(x)), dtype=_F64)


def erfc_array(x: np.ndarray) -> np.ndarray:
    """1 - erf(x) without the cancellation (exact for large x, where erf(x) rounds to 1)."""
    return np.asarray(_erfc_each(_in(x)), dtype=_F64)


def _inverse_erf(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """y >= 0 with erf(y) = a, that is erfc(y) = q = 1 - a, both given (for accuracy, a is used
    where a < 0.5 and q elsewhere). A closed-form first guess (relative error ~1e-3) is refined by
    three Halley steps: with u = f / f', y <- y - u / (1 + y u) for f = erf(y) - a."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near_zero = a < 0.5
        log_1ma2 = np.where(near_zero, np.log1p(-a * a), np.log(q) + np.log(2 - q))  # ln(1 - a^2)
        k = 0.147
        t = 2 / (_PI * k) + log_1ma2 / 2
        y = np.sqrt(np.maximum(np.sqrt(t * t - log_1ma2 / k) - t, 0))
        for _ in range(3):
            f = np.where(near_zero, erf_array(y) - a, q - erfc_array(y))
            u = f / (2 / _SQRT_PI * np.exp(-y * y))
            y = np.where(np.isfinite(u), y - u / (1 + y * u), y)
        y = np.where(q == 0, np.inf, y)
        return np.where((a == 0) | (q == 1), 0.0, y)


def erfinv_array(x: np.ndarray) -> np.ndarray:
    """The inverse of erf on [-1, 1]: +-inf at +-1, NaN outside, as PyTorch."""
    x = _in(x)
    a = np.abs(x)
    with np.errstate(invalid="ignore"):
        y = np.copysign(_inverse_erf(np.minimum(a, 1), np.maximum(1 - a, 0)), x)
        return np.where((a > 1) | np.isnan(x), np.nan, y)


def ndtri_array(p: np.ndarray) -> np.ndarray:
    """The inverse of the standard normal CDF: ``sqrt(2) erfinv(2p - 1)``, written as
    ``-sqrt(2) erfcinv(2p)`` for p < 0.5 so that small p keep their precision."""
    p = _in(p)
    with np.errstate(invalid="ignore"):
        low = p < 0.5
        q = np.where(low, 2 * p, 2 - 2 * p)  # erfc(|y| / sqrt 2) = q, exact for p in [0, 1]
        q = np.clip(q, 0, 1)
        y = _SQRT2 * _inverse_erf(1 - q, q)
        y = np.where(low, -y, y)
        return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, y)


def ndtr_array(x: np.ndarray) -> np.ndarray:
    """Phi(x) = erfc(-x / sqrt 2) / 2, the standard normal CDF."""
    return 0.5 * erfc_array(-_in(x) / _SQRT2)


def log_ndtr_array(x: np.ndarray) -> np.ndarray:
    """ln Phi(x): ``log1p(-erfc(x / sqrt 2) / 2)`` for x > 0; for x < -20 (where Phi underflows)
    the asymptotic series ``ln phi(x) - ln(-x) + ln(1 - 1/x^2 + 3/x^4 - 15/x^6 ...)``."""
    x = _in(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = np.where(x > 0, np.log1p(-0.5 * erfc_array(x / _SQRT2)), np.log(0.5 * erfc_array(-x / _SQRT2)))
        far = x < -20
        z = np.where(far, x, -20.0)
        inv2, term, series = 1 / (z * z), np.ones_like(z), np.ones_like(z)
        for k in range(1, 12):
            term = -term * (2 * k - 1) * inv2
            series = series + term
        tail = -0.5 * z * z - _LOG_SQRT_2PI - np.log(-z) + np.log(series)
        return np.where(far, tail, y)


def erfcx_array(x: np.ndarray) -> np.ndarray:
    """The scaled complementary error function e^(x^2) erfc(x), in float64: the product directly
    for x < 25 (+inf once e^(x^2) overflows, below about -26.6), the asymptotic series
    ``1 / (x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2 x^2)^k`` above (where erfc underflows)."""
    x = _in(x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        near = np.where(x < 25, x, 0.0)
        direct = np.exp(near * near) * erfc_array(near)
        far = np.where(x >= 25, x, 25.0)
        inv = 1 / (2 * far * far)
        term, series = np.ones_like(far), np.ones_like(far)
        for k in range(1, 10):
            term = -term * (2 * k - 1) * inv
            series = series + term
        y = np.where(x < 25, direct, series / (far * _SQRT_PI))
        y = np.where(x == np.inf, 0.0, y)
        y = np.where(x == -np.inf, np.inf, y)
        return np.where(np.isnan(x), np.nan, y)


_TWO_OVER_SQRT_PI = 2 / _SQRT_PI


def _normal_density(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x - _LOG_SQRT_2PI)


Erfc = _unary("Erfc", lambda x: _out(erfc_array(x), x),
              lambda g, x, y: g * _out(-_TWO_OVER_SQRT_PI * np.exp(-_in(x) ** 2), x),
              "Y = erfc(X) = 1 - erf(X);  dX = -G (2 / sqrt(pi)) e^{-X^2}")
Erfinv = _unary("Erfinv", lambda x: _out(erfinv_array(x), x),
                _safe(lambda g, x, y: g * _out(_SQRT_PI / 2 * np.exp(_in(y) ** 2), y)),
                "Y = erfinv(X);  dX = G (sqrt(pi) / 2) e^{Y^2}", "y")
Ndtr = _unary("Ndtr", lambda x: _out(ndtr_array(x), x),
              lambda g, x, y: g * _out(_normal_density(_in(x)), x),
              "Y = Phi(X), the standard normal CDF;  dX = G phi(X) = G e^{-X^2/2} / sqrt(2 pi)")
Ndtri = _unary("Ndtri", lambda x: _out(ndtri_array(x), x),
               _safe(lambda g, x, y: g * _out(1 / _normal_density(_in(y)), y)),
               "Y = Phi^-1(X);  dX = G / phi(Y)", "y")
LogNdtr = _unary("LogNdtr", lambda x: _out(log_ndtr_array(x), x),
                 _safe(lambda g, x, y: g * _out(np.exp(-0.5 * _in(x) ** 2 - _LOG_SQRT_2PI - _in(y)), x)),
                 "Y = ln Phi(X);  dX = G phi(X) / Phi(X) = G e^{ln phi(X) - Y}", "xy")

Erfcx = _unary("Erfcx", lambda x: _out(erfcx_array(x), x),
               _safe(lambda g, x, y: g * _out(2 * _in(x) * _in(y) - _TWO_OVER_SQRT_PI, x)),
               "Y = e^(X^2) erfc(X);  dX = G (2 X Y - 2 / sqrt(pi))", "xy")
erfc = _form("erfc", Erfc, floating=True)
erfcx = _form("erfcx", Erfcx, floating=True)
erfinv = _form("erfinv", Erfinv, floating=True)
ndtr = _form("ndtr", Ndtr, floating=True)
ndtri = _form("ndtri", Ndtri, floating=True)
log_ndtr = _form("log_ndtr", LogNdtr, floating=True)


# ------------------------------------------------------------------ modified Bessel functions
def bessel_scaled_array(nu: int, x: np.ndarray) -> np.ndarray:
    """``e^-|x| I_nu(x)`` for nu = 0 or 1, in float64. For |x| <= 30 the power series
    ``I_nu(x) = sum_k (x/2)^(2k+nu) / (k! (k+nu)!)`` (positive terms: no cancellation); beyond,
    ``e^x / sqrt(2 pi x) sum_k (-1)^k prod_{j<=k} (4 nu^2 - (2j-1)^2) / (k! (8x)^k)``."""
    x = _in(x)
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.minimum(a, 30.0)
        half2 = (s / 2) ** 2
        term = (s / 2) ** nu / math.factorial(nu)
        series = term
        for k in range(1, 90):
            term = term * half2 / (k * (k + nu))
            series = series + term
        series = series * np.exp(-s)
        big = np.maximum(a, 30.0)
        term, tail = np.ones_like(big), np.ones_like(big)
        for k in range(1, 30):
            term = -term * (4 * nu * nu - (2 * k - 1) ** 2) / (k * 8 * big)
            tail = tail + term
        tail = tail / np.sqrt(2 * _PI * big)
        y = np.where(a <= 30.0, series, tail)
        y = np.where(np.isnan(x), np.nan, y)
    return np.where(x < 0, -y, y) if nu == 1 else y  # I1 is odd, I0 even


def _i0(x: np.ndarray) -> np.ndarray:
    return bessel_scaled_array(0, x) * np.exp(np.abs(_in(x)))


def _i1(x: np.ndarray) -> np.ndarray:
    return bessel_scaled_array(1, x) * np.exp(np.abs(_in(x)))


def _i1_derivative(x: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """I1'(x) = I0(x) - I1(x) / x (1/2 at 0); the same form holds for the scaled parts."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.5, i0 - i1 / np.where(x == 0, 1, x))


I0 = _unary("I0", _safe(lambda x: _out(_i0(x), x)),
            _safe(lambda g, x, y: g * _out(_i1(x), x)),
            "Y = I0(X), the modified Bessel function of order 0;  dX = G I1(X)")
I0e = _unary("I0e", lambda x: _out(bessel_scaled_array(0, x), x),
             lambda g, x, y: g * _out(bessel_scaled_array(1, x) - np.sign(x) * bessel_scaled_array(0, x), x),
             "Y = e^-|X| I0(X);  dX = G (I1e(X) - sign(X) Y)")
I1 = _unary("I1", _safe(lambda x: _out(_i1(x), x)),
            _safe(lambda g, x, y: g * _out(_i1_derivative(_in(x), _i0(x), _i1(x)), x)),
            "Y = I1(X);  dX = G (I0(X) - I1(X) / X)  (G / 2 at X = 0)")
I1e = _unary("I1e", lambda x: _out(bessel_scaled_array(1, x), x),
             lambda g, x, y: g * _out(_i1_derivative(_in(x), bessel_scaled_array(0, x), bessel_scaled_array(1, x))
                                      - np.sign(x) * bessel_scaled_array(1, x), x),
             "Y = e^-|X| I1(X);  dX = G (I0e(X) - Y / X - sign(X) Y)")

i0 = _form("i0", I0, floating=True)
i0e = _form("i0e", I0e, floating=True)
i1 = _form("i1", I1, floating=True)
i1e = _form("i1e", I1e, floating=True)


# ------------------------------------------------------------------ sinc, xlog1py, entr
def _sinc(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        px = _PI * _in(x)
        return np.where(x == 0, 1.0, np.sin(px) / np.where(x == 0, 1, px))


def _sinc_derivative(x: np.ndarray) -> np.ndarray:
    """d sinc(x) / dx = (cos(pi x) - sinc(x)) / x, 0 at x = 0."""
    x = _in(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x == 0, 0.0, (np.cos(_PI * x) - _sinc(x)) / np.where(x == 0, 1, x))


def _entr(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1)), 0)
        y = np.where(x < 0, -np.inf, y)
        return _out(np.where(np.isnan(x), np.nan, y), x)


Sinc = _unary("Sinc", lambda x: _out(_sinc(x), x), lambda g, x, y: g * _out(_sinc_derivative(x), x),
              "Y = sin(pi X) / (pi X) (1 at 0);  dX = G (cos(pi X) - Y) / X  (0 at X = 0)")
Entr = _unary("Entr", _entr, _safe(lambda g, x, y: g * -(np.log(x) + 1)),
              "Y = -X ln X (0 at 0, -inf for X < 0);  dX = -G (ln X + 1)")
XLog1pY = _binary("XLog1pY",
                  lambda a, b: np.where(np.asarray(a) == 0, np.where(np.isnan(b), np.nan, 0), a * np.log1p(b)),
                  lambda g, a, b, y: (g * np.log1p(b), g * a / (1 + b)),
                  "Y = A log(1 + B) (0 where A = 0 and B is not NaN);  dA = G log1p(B), dB = G A / (1 + B)")

sinc = _form("sinc", Sinc, floating=True)
entr = _form("entr", Entr, floating=True)


def xlog1py(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input * log1p(other)``, 0 where input is 0 (unless other is NaN)."""
    y = XLog1pY.apply(float_operand(input), float_operand(other))
    return y if out is None else into(out, y, "xlog1py")
