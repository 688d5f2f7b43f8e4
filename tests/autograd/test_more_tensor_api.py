"""More of PyTorch's tensor API against torch: inverse hyperbolic functions, fmax/fmin, ldexp,
frexp, nextafter, bitwise ops, gcd/lcm, nanmedian, renorm, argwhere, the *_scatter functions,
adjoint and friends, dtype converters, memory introspection, sum_to_size and the in-place
samplers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import check, randn


def test_inverse_hyperbolic_functions_equal_torch(dtype):
    x = randn((3, 4), dtype, 1)
    check(lambda lib, t: (lib.asinh(t), t.arcsinh(), lib.atanh(t.tanh() * 0.9)), x)
    check(lambda lib, t: (lib.acosh(t.abs() + 1.5), (t.abs() + 1.1).arccosh()), x)


def test_fmax_fmin_ldexp_and_friends_equal_torch(dtype):
    a, b = randn((3, 4), dtype, 2), randn((4,), dtype, 3)
    a[0, 0] = np.nan
    b[1] = np.nan
    check(lambda lib, x, y: (lib.fmax(x, y), x.fmin(y)), a, b, grad=[False, False])
    c, d = randn((3, 4), dtype, 4), randn((3, 4), dtype, 5)
    check(lambda lib, x, y: (lib.fmax(x, y), lib.fmin(x, y)), c, d)
    check(lambda lib, x: lib.ldexp(x, lib.tensor([1, 2, 3, 0])), c)
    check(lambda lib, x: (lib.frexp(x)[0], lib.frexp(x)[1], lib.nextafter(x, lib.zeros_like(x))), c, grad=False)
    check(lambda lib, x: (lib.positive(x), x.absolute()), c)


def test_bitwise_gcd_lcm_equal_torch():
    a = np.array([[12, -7, 5], [0, 255, 1024]])
    b = np.array([8, 3, 2])
    check(lambda lib, x, y: (lib.bitwise_and(x, y), lib.bitwise_or(x, y), x.bitwise_xor(y), lib.bitwise_not(x),
                             lib.bitwise_left_shift(x, y), x.bitwise_right_shift(y), lib.gcd(x, y), x.lcm(y)),
          a, b, grad=False)
    m = np.array([True, False, True])
    check(lambda lib, x, y: (lib.bitwise_and(x, y), lib.bitwise_not(x)), m, ~m, grad=False)
    with pytest.raises(TypeError, match="expected integer or bool tensors"):
        chainrule.bitwise_and(chainrule.ones(2), chainrule.ones(2))


def test_nanmedian_renorm_argwhere_equal_torch(dtype):
    x = randn((3, 5), dtype, 6)
    x[0, 1] = x[2, 3] = np.nan
    check(lambda lib, t: (lib.nanmedian(t), t.nanmedian(1), lib.nanmedian(t, 0, keepdim=True)), x)
    y = randn((3, 4, 2), dtype, 7)
    for p, dim, maxnorm in ((2, 0, 1.5), (1, 1, 2.0), (3, -1, 0.5)):
        check(lambda lib, t, p=p, dim=dim, maxnorm=maxnorm: lib.renorm(t, p, dim, maxnorm), y)
    check(lambda lib, t: (lib.argwhere(t > 0), t.argwhere()), y, grad=False)


def test_scatter_functions_equal_torch(dtype):
    x, row, block = randn((4, 5), dtype, 8), randn((5,), dtype, 9), randn((2, 5), dtype, 10)
    diag = randn((4,), dtype, 11)
    check(lambda lib, t, s: lib.select_scatter(t, s, 0, 2), x, row)
    check(lambda lib, t, s: t.slice_scatter(s, 0, 1, 4, 2), x, block)
    check(lambda lib, t, s: lib.diagonal_scatter(t, s), x, diag)
    check(lambda lib, t, s: lib.diagonal_scatter(t, s, 1), x, diag)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="expected src to have a size equal to the slice of self"):
            lib.select_scatter(lib.zeros(4, 5), lib.zeros(4), 0, 1)


def test_adjoint_converters_and_introspection_as_torch():
    x = np.arange(24.0).reshape(2, 3, 4)
    check(lambda lib, t: (t.mH, t.adjoint(), t[0].H, t.conj(), t.resolve_conj()), x)
    for lib in (chainrule, torch):
        t = lib.tensor(x)
        assert [str(t.half().dtype).split(".")[-1], str(t.short().dtype).split(".")[-1],
                str(t.char().dtype).split(".")[-1], str(t.byte().dtype).split(".")[-1]] == \
            ["float16", "int16", "int8", "uint8"]
        assert t.itemsize == 8 and t.nbytes == 192 and not t.is_complex()
        assert tuple(t.stride()) == (12, 4, 1) and t.stride(1) == 4
        assert t[1, 1:].storage_offset() == 16 and t.transpose(0, 2).stride() == (1, 4, 12)
        assert t.data_ptr() == t[0].data_ptr()


def test_sum_to_size_equals_torch(dtype):
    x = randn((2, 3, 4), dtype, 12)
    check(lambda lib, t: (t.sum_to_size(3, 1), t.sum_to_size((1, 3, 4)), t.sum_to_size(2, 1, 4)), x)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="is not expandable to size"):
            lib.ones(2, 3).sum_to_size(4)


def test_in_place_samplers_draw_from_their_distributions():
    chainrule.manual_seed(0)
    n = 200000
    draws = {
        "bernoulli_": chainrule.empty(n).bernoulli_(0.3),
        "exponential_": chainrule.empty(n).exponential_(2.0),
        "log_normal_": chainrule.empty(n).log_normal_(0.0, 0.5),
        "geometric_": chainrule.empty(n).geometric_(0.25),
        "random_": chainrule.empty(n).random_(3, 7),
    }
    assert abs(draws["bernoulli_"].mean().item() - 0.3) < 0.01
    assert abs(draws["exponential_"].mean().item() - 0.5) < 0.01
    assert abs(draws["log_normal_"].log().std().item() - 0.5) < 0.01
    assert abs(draws["geometric_"].mean().item() - 4.0) < 0.05
    assert set(np.unique(draws["random_"].numpy())) == {3.0, 4.0, 5.0, 6.0}
    cauchy = chainrule.empty(n).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(cauchy) - 1.0) < 0.05
    probs = chainrule.full((n,), 0.7)
    assert abs(chainrule.bernoulli(probs).mean().item() - 0.7) < 0.01
    assert abs(chainrule.poisson(chainrule.full((n,), 3.0)).mean().item() - 3.0) < 0.02
    leaf = chainrule.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.bernoulli_(0.5)  # a leaf that requires grad cannot be overwritten, as in PyTorch
