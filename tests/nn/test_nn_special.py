"""The NumPy erf/erfinv behind exact GELU and trunc_normal_, against Python's math.erf."""

import math

import numpy as np

from chainrule.nn._functions.special import erf, erfinv


def test_erf_matches_math_erf_to_float64_precision():
    x = np.concatenate([np.linspace(-7, 7, 4001), [-30.0, -8.0, -1.0, -0.0, 0.0, 1e-300, 1.0, 8.0, 30.0]])
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), ref, rtol=5e-16, atol=1e-300)
    assert erf(np.array([np.inf, -np.inf])).tolist() == [1.0, -1.0]
    assert np.isnan(erf(np.array([np.nan]))).all()
    assert erf(np.float32([0.5])).dtype == np.float32


def test_erfinv_inverts_erf():
    y = np.linspace(-3, 3, 2001)  # beyond, erf(y) rounds to +-1 in float64 and y cannot come back
    np.testing.assert_allclose(erfinv(erf(y)), y, rtol=1e-9, atol=1e-12)
    u = np.linspace(-0.999, 0.999, 1001)
    np.testing.assert_allclose(erf(erfinv(u)), u, rtol=1e-15, atol=1e-16)
    assert erfinv(np.array([1.0, -1.0])).tolist() == [np.inf, -np.inf]
    assert np.isnan(erfinv(np.array([1.5, -2.0]))).all()
