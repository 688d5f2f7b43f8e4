"""More math against PyTorch: rsqrt, tan, asin, acos, atan, atan2, sinh, cosh, lerp, addcmul,
addcdiv, and the diagonal ops diag, diagonal and trace: values, gradients, forms and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import chainrule
from chainrule.autograd import gradcheck
from torch_oracle import assert_close, broadcastable, check, float_dtypes, randn, seeds, shapes


def _inside(shape, dtype, seed, limit=0.9):
    """Values in (-limit, limit): the domain of asin and acos, away from its ends."""
    return (np.tanh(randn(shape, np.float64, seed)) * limit).astype(dtype)


def _positive(shape, dtype, seed):
    return (np.abs(randn(shape, np.float64, seed)) + 0.5).astype(dtype)


# name -> the inputs it is defined (and smooth) on
UNARY = {
    "rsqrt": _positive,
    "tan": lambda shape, dtype, seed: _inside(shape, dtype, seed, 1.3),
    "asin": _inside,
    "acos": _inside,
    "atan": lambda shape, dtype, seed: randn(shape, dtype, seed, scale=3.0),
    "sinh": lambda shape, dtype, seed: randn(shape, dtype, seed, scale=2.0),
    "cosh": lambda shape, dtype, seed: randn(shape, dtype, seed, scale=2.0),
}
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan"}


# ------------------------------------------------------------------ unary math
@pytest.mark.parametrize("name", list(UNARY))
@settings(max_examples=10, deadline=None)
@given(shape=shapes(), dtype=float_dtypes, seed=seeds)
def test_unary(name, shape, dtype, seed):
    a = UNARY[name](shape, dtype, seed)
    check(lambda lib, x: getattr(lib, name)(x), a, seed=seed)
    check(lambda lib, x: getattr(x, name)(), a, seed=seed)


@pytest.mark.parametrize("alias", list(ALIASES))
def test_numpy_style_aliases(alias, dtype):
    a = _inside((3, 2), dtype, 1)
    check(lambda lib, x: getattr(lib, alias)(x) + getattr(x, alias)(), a)


@pytest.mark.parametrize("name", [*UNARY, *ALIASES])
def test_unary_inplace_and_out(name, dtype):
    a = UNARY[ALIASES.get(name, name)]((2, 3), dtype, 2)
    check(lambda lib, x: getattr(x * 1, name + "_")(), a)  # recorded inside the graph
    c, t = chainrule.tensor(a.copy()), torch.tensor(a.copy())
    assert getattr(c, name + "_")() is c
    getattr(t, name + "_")()
    assert_close(c, t)
    co, to = chainrule.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=t.dtype)
    assert getattr(chainrule, name)(chainrule.tensor(a), out=co) is co
    getattr(torch, name)(torch.tensor(a), out=to)
    assert_close(co, to)


@pytest.mark.parametrize("name", [*UNARY, "atan2"])
def test_integer_input_gives_the_default_float(name):
    a = np.array([1, 2, 3], dtype=np.int64)
    if name == "atan2":
        check(lambda lib, x: lib.atan2(x, x.flip(0) if lib is torch else x[::-1]), a)
    else:
        check(lambda lib, x: getattr(lib, name)(x), a)


def test_out_of_domain_gives_nan_quietly(dtype):
    a = np.array([-2.0, 1.5, 0.0, -0.0], dtype=dtype)
    with np.errstate(all="raise"):
        for name in ("asin", "acos", "rsqrt"):
            assert_close(getattr(chainrule, name)(chainrule.tensor(a)), getattr(torch, name)(torch.tensor(a)))


# ------------------------------------------------------------------ atan2
@settings(max_examples=20, deadline=None)
@given(pair=broadcastable(), dtype=float_dtypes, seed=seeds)
def test_atan2(pair, dtype, seed):
    """All four quadrants: dA = G B / (A^2 + B^2), dB = -G A / (A^2 + B^2)."""
    a, b = randn(pair[0], dtype, seed), randn(pair[1], dtype, seed + 1)
    check(lambda lib, y, x: lib.atan2(y, x), a, b, seed=seed)
    check(lambda lib, y, x: y.arctan2(x) + lib.arctan2(y, x), a, b, seed=seed)


def test_atan2_axes_and_forms(dtype):
    a = np.array([0.0, 1.0, -1.0, 0.0, 2.0, -0.5], dtype=dtype)
    b = np.array([1.0, 0.0, 0.0, -1.0, -2.0, -0.5], dtype=dtype)
    check(lambda lib, y, x: lib.atan2(y, x), a, b)
    check(lambda lib, y, x: (y * 1).atan2_(x), a, b)
    check(lambda lib, y, x: lib.atan2(y, x[0]), a, b)  # a 0-d tensor broadcasts
    co, to = chainrule.zeros(6, dtype=dtype), torch.zeros(6, dtype=getattr(torch, np.dtype(dtype).name))
    chainrule.atan2(chainrule.tensor(a), chainrule.tensor(b), out=co)
    torch.atan2(torch.tensor(a), torch.tensor(b), out=to)
    assert_close(co, to)


# ------------------------------------------------------------------ lerp
@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 0.75, 1.0, -0.4, 1.6])
def test_lerp_scalar_weight(weight, dtype):
    a, b = randn((3, 4), dtype, 0), randn((4,), dtype, 1)
    check(lambda lib, s, e: lib.lerp(s, e, weight), a, b)
    check(lambda lib, s, e: s.lerp(e, weight), a, b)


@settings(max_examples=20, deadline=None)
@given(three=broadcastable(3), dtype=float_dtypes, seed=seeds)
def test_lerp_tensor_weight(three, dtype, seed):
    """Start, end and weight broadcast together; the weight has its gradient G (E - S)."""
    s, e = randn(three[0], dtype, seed), randn(three[1], dtype, seed + 1)
    w = randn(three[2], dtype, seed + 2)
    check(lambda lib, x, y, z: lib.lerp(x, y, z), s, e, w, seed=seed)


def test_lerp_inplace_out_and_errors(dtype):
    a, b, w = randn((2, 3), dtype, 0), randn((2, 3), dtype, 1), randn((3,), dtype, 2)
    check(lambda lib, s, e, z: (s * 1).lerp_(e, z), a, b, w)
    check(lambda lib, s, e: (s * 1).lerp_(e, 0.25), a, b)
    co, to = chainrule.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=getattr(torch, np.dtype(dtype).name))
    chainrule.lerp(chainrule.tensor(a), chainrule.tensor(b), 0.7, out=co)
    torch.lerp(torch.tensor(a), torch.tensor(b), 0.7, out=to)
    assert_close(co, to)
    with pytest.raises(RuntimeError, match="lerp: expected floating point"):
        chainrule.lerp(chainrule.tensor([1, 2]), chainrule.tensor([3, 4]), 0.5)
    other = np.float64 if dtype == np.float32 else np.float32
    with pytest.raises(RuntimeError, match="lerp: expected end of dtype"):
        chainrule.lerp(chainrule.tensor(a), chainrule.tensor(b.astype(other)), 0.5)
    with pytest.raises(chainrule.ShapeError, match=r"lerp: shapes \(2, 3\) and \(4,\)"):
        chainrule.lerp(chainrule.tensor(a), chainrule.ones(4, dtype=dtype), 0.5)


# ------------------------------------------------------------------ addcmul, addcdiv
@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@settings(max_examples=15, deadline=None)
@given(three=broadcastable(3), dtype=float_dtypes, seed=seeds)
def test_addcmul_addcdiv(name, three, dtype, seed):
    x, t1 = randn(three[0], dtype, seed), randn(three[1], dtype, seed + 1)
    t2 = _positive(three[2], dtype, seed + 2)
    check(lambda lib, a, b, c: getattr(lib, name)(a, b, c), x, t1, t2, seed=seed)
    check(lambda lib, a, b, c: getattr(a, name)(b, c, value=-0.5), x, t1, t2, seed=seed)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_inplace_and_out(name, dtype):
    x, t1, t2 = randn((2, 3), dtype, 0), randn((2, 3), dtype, 1), _positive((3,), dtype, 2)
    check(lambda lib, a, b, c: getattr(a * 1, name + "_")(b, c, value=2.0), x, t1, t2)
    co, to = chainrule.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=getattr(torch, np.dtype(dtype).name))
    getattr(chainrule, name)(*(chainrule.tensor(v) for v in (x, t1, t2)), value=3, out=co)
    getattr(torch, name)(*(torch.tensor(v) for v in (x, t1, t2)), value=3, out=to)
    assert_close(co, to)


def test_addcmul_integers_and_addcdiv_refuses_them():
    a = np.array([1, 2, 3], dtype=np.int64)
    check(lambda lib, x: lib.addcmul(x, x, x, value=2), a)
    with pytest.raises(RuntimeError):
        torch.addcdiv(torch.tensor(a), torch.tensor(a), torch.tensor(a))
    with pytest.raises(RuntimeError, match=r"addcdiv: expected floating point tensors, got chainrule\.int64"):
        chainrule.addcdiv(chainrule.tensor(a), chainrule.tensor(a), chainrule.tensor(a))


def test_addc_broadcast_error_names_the_op():
    with pytest.raises(chainrule.ShapeError, match=r"addcmul: shapes \(2,\) and \(3,\) and \(2,\)"):
        chainrule.addcmul(chainrule.ones(2), chainrule.ones(3), chainrule.ones(2))


# ------------------------------------------------------------------ diag, diagonal, trace
@pytest.mark.parametrize("offset", [0, 1, 2, -1, -3])
def test_diag_of_a_vector(offset, dtype):
    """A vector goes on a diagonal of a square matrix; its gradient is that diagonal of G."""
    check(lambda lib, v: lib.diag(v, offset), randn((3,), dtype, 0))
    check(lambda lib, v: v.diag(diagonal=offset), randn((4,), dtype, 1))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
@pytest.mark.parametrize("offset", [0, 1, -1, 3, -5])
def test_diag_of_a_matrix(shape, offset, dtype):
    """A matrix gives its diagonal as a new vector (a copy); the gradient goes back on the diagonal."""
    check(lambda lib, m: lib.diag(m, offset), randn(shape, dtype, 2))
    c = chainrule.tensor(randn(shape, dtype, 2))
    assert not np.shares_memory(chainrule.diag(c)._data, c._data)


@settings(max_examples=25, deadline=None)
@given(shape=shapes(min_dims=2, max_dims=4, max_side=5), dtype=float_dtypes, seed=seeds,
       data=seeds)
def test_diagonal(shape, dtype, seed, data):
    """Any plane (dim1, dim2), negative dims and offsets included: the diagonal becomes the last dim."""
    rng = np.random.default_rng(data)
    n = len(shape)
    dim1, dim2 = (int(d) - n * int(rng.integers(2)) for d in rng.choice(n, size=2, replace=False))
    offset = int(rng.integers(-3, 4))
    a = randn(shape, dtype, seed)
    check(lambda lib, x: lib.diagonal(x, offset, dim1, dim2), a, seed=seed)
    check(lambda lib, x: x.diagonal(offset=offset, dim1=dim1, dim2=dim2), a, seed=seed)


def test_diagonal_is_a_view(dtype):
    """Writing through the diagonal changes the tensor, as in PyTorch; inside a graph the write is
    recorded on the base, so the gradient sees it."""
    a = randn((3, 4), dtype, 3)
    for lib in (chainrule, torch):
        m = lib.tensor(a.copy())
        m.diagonal(1).fill_(7.0)
        assert m.diagonal(1).tolist() == [7.0, 7.0, 7.0]

    def write(lib, x, v):
        y = x * 2
        y.diagonal().mul_(v)
        return y

    check(write, a, randn((3,), dtype, 4))


def test_trace(dtype):
    for shape in [(3, 3), (2, 4), (4, 2), (1, 1)]:
        check(lambda lib, m: lib.trace(m), randn(shape, dtype, 5))
        check(lambda lib, m: m.trace(), randn(shape, dtype, 6))


@pytest.mark.parametrize("int_dtype", [np.int32, np.int64])
def test_diag_ops_on_integers(int_dtype):
    """trace sums integers into int64, as torch; diag and diagonal keep the dtype."""
    m = np.arange(12).reshape(3, 4).astype(int_dtype)
    check(lambda lib, x: (lib.trace(x), lib.diag(x, 1), x.diagonal(-1), lib.diag(x[0])), m)


def test_diag_out():
    v = randn((3,), np.float64, 7)
    co, to = chainrule.zeros(0, dtype=chainrule.float64), torch.zeros(0, dtype=torch.float64)
    chainrule.diag(chainrule.tensor(v), 1, out=co)
    torch.diag(torch.tensor(v), 1, out=to)
    assert_close(co, to)


def test_diag_ops_errors():
    with pytest.raises(chainrule.ShapeError, match=r"diag\(\): .*got shape \(2, 2, 2\)"):
        chainrule.diag(chainrule.ones(2, 2, 2))
    with pytest.raises(chainrule.ShapeError, match=r"diag\(\): .*got shape \(\)"):
        chainrule.ones(()).diag()
    with pytest.raises(chainrule.ShapeError, match=r"trace: expected a 2-D matrix, got a tensor of shape \(3,\)"):
        chainrule.ones(3).trace()
    with pytest.raises(RuntimeError, match="trace: expected a matrix"):
        torch.ones(3).trace()
    with pytest.raises(chainrule.ShapeError, match="diagonal: dim1 and dim2 must name two different dimensions"):
        chainrule.ones(2, 3).diagonal(0, 1, -1)
    with pytest.raises(IndexError, match="diagonal: dimension out of range"):
        chainrule.ones(3).diagonal()


# ------------------------------------------------------------------ finite differences
GRADCHECKS = {
    "rsqrt": (chainrule.rsqrt, [_positive((3,), np.float64, 0)]),
    "tan": (chainrule.tan, [_inside((3,), np.float64, 1)]),
    "asin": (chainrule.asin, [_inside((3,), np.float64, 2)]),
    "acos": (chainrule.acos, [_inside((3,), np.float64, 3)]),
    "atan": (chainrule.atan, [randn((3,), seed=4)]),
    "sinh": (chainrule.sinh, [randn((3,), seed=5)]),
    "cosh": (chainrule.cosh, [randn((3,), seed=6)]),
    "atan2": (chainrule.atan2, [randn((2, 3), seed=7), randn((3,), seed=8)]),
    "lerp": (chainrule.lerp, [randn((2, 3), seed=9), randn((3,), seed=10), randn((2, 1), seed=11)]),
    "lerp_scalar": (lambda s, e: chainrule.lerp(s, e, 0.7), [randn((3,), seed=12), randn((3,), seed=13)]),
    "addcmul": (lambda x, a, b: chainrule.addcmul(x, a, b, value=0.5),
                [randn((3,), seed=14), randn((2, 3), seed=15), randn((2, 1), seed=16)]),
    "addcdiv": (lambda x, a, b: chainrule.addcdiv(x, a, b, value=-2),
                [randn((3,), seed=17), randn((2, 3), seed=18), _positive((2, 1), np.float64, 19)]),
    "diag_vector": (lambda v: chainrule.diag(v, -1), [randn((3,), seed=20)]),
    "diag_matrix": (lambda m: chainrule.diag(m, 1), [randn((3, 4), seed=21)]),
    "diagonal": (lambda x: x.diagonal(1, 2, 0), [randn((3, 2, 4), seed=22)]),
    "trace": (chainrule.trace, [randn((3, 4), seed=23)]),
}


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck(name):
    fn, arrays = GRADCHECKS[name]
    assert gradcheck(fn, [chainrule.tensor(a, requires_grad=True) for a in arrays])
