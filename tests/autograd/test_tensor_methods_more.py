"""More Tensor methods against PyTorch: shapes and indexing (repeat, select, unfold, index_add,
scatter_reduce ...), the in-place forms, fused products and special functions: values, dtypes,
gradients, version counters and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.errors import ShapeError
from torch_oracle import assert_close, check, float_dtypes, randn, seeds, shapes

LIBS = [chainrule, torch]


def _errors(program: Any) -> list[str]:
    """The message of the error ``program(lib)`` raises in each library (it must raise in both)."""
    messages = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:  # noqa: PT011
            program(lib)
        messages.append(str(info.value))
    return messages


def _same_error(program: Any, error: type[Exception]) -> None:
    """``program`` raises in both libraries; chainrule's error is ``error``."""
    with pytest.raises(error):
        program(chainrule)
    with pytest.raises(Exception):  # noqa: B017, PT011
        program(torch)


def _idx(lib: Any, values: Any) -> Any:
    return lib.tensor(np.asarray(values, dtype=np.int64))


# ------------------------------------------------------------------------ repeat, select, ravel
@settings(max_examples=20, deadline=None)
@given(shape=shapes(0, 3), extra=st.integers(0, 2), dtype=float_dtypes, seed=seeds)
def test_repeat_sums_the_copies(shape, extra, dtype, seed):
    reps = tuple(int(r) for r in np.random.default_rng(seed).integers(1, 4, max(len(shape) + extra, 1)))
    check(lambda lib, x: x.repeat(*reps), randn(shape, dtype, seed))
    check(lambda lib, x: x.repeat(reps), randn(shape, dtype, seed))


def test_repeat_errors():
    _same_error(lambda lib: lib.zeros(2, 3).repeat(2), ShapeError)


def test_type_as_ravel_select(dtype):
    a = randn((2, 3, 4), dtype, 0)
    check(lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.float64)), a)
    check(lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.int64)), a, grad=False)
    check(lambda lib, x: (x.ravel(), lib.ravel(x.transpose(0, 2))), a)
    for dim, index in [(0, 1), (1, -1), (-1, 2), (-2, 0)]:
        check(lambda lib, x, d=dim, i=index: (x.select(d, i), lib.select(x, d, i)), a)
    _same_error(lambda lib: lib.zeros(2, 3).select(1, 3), IndexError)
    _same_error(lambda lib: lib.zeros(2, 3).select(2, 0), IndexError)


def test_where_method_and_clamp_min_max(dtype):
    a, b = randn((3, 4), dtype, 0), randn((4,), dtype, 1)
    check(lambda lib, x, y: x.where(x > 0, y), a, b)
    check(lambda lib, x: (x.clamp_min(0.1), x.clamp_max(-0.2), lib.clamp_min(x, 0.0), lib.clamp_max(x, 0.5)), a)
    check(lambda lib, x, y: (x.clamp_min(y), lib.clamp_max(x, y)), a, b)


# ------------------------------------------------------------------------ index_add, copy, fill
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add_copy_fill(dim, dtype):
    a = randn((4, 5, 3), dtype, 0)
    n = a.shape[dim]
    index = np.array([n - 1, 0, n - 1, 1]) if dim != 1 else np.array([4, 0, 2])
    src_shape = list(a.shape)
    src_shape[dim] = len(index)
    s = randn(src_shape, dtype, 1)
    check(lambda lib, x, y: x.index_add(dim, _idx(lib, index), y), a, s)
    check(lambda lib, x, y: lib.index_add(x, dim, _idx(lib, index), y, alpha=2.5), a, s)
    unique = np.unique(index)
    src_shape[dim] = len(unique)
    s = randn(src_shape, dtype, 2)
    check(lambda lib, x, y: x.index_copy(dim, _idx(lib, unique), y), a, s)
    check(lambda lib, x: (x.index_fill(dim, _idx(lib, index), -1.5), lib.index_fill(x, dim, _idx(lib, index), 2)), a)
    check(lambda lib, x, v: x.index_fill(dim, _idx(lib, index), v), a, np.array(0.5, dtype))


def test_index_add_integer_and_errors():
    check(lambda lib, x, y: x.index_add(0, _idx(lib, [1, 1]), y, alpha=3),
          np.arange(6).reshape(3, 2), np.ones((2, 2), np.int64))
    _same_error(lambda lib: lib.zeros(3, 2).index_add(0, _idx(lib, [0, 1]), lib.ones(3, 2)), ShapeError)
    _same_error(lambda lib: lib.zeros(3, 2).index_add(0, _idx(lib, [3]), lib.ones(1, 2)), IndexError)
    _same_error(lambda lib: lib.zeros(3, 2).index_copy(0, _idx(lib, [[0]]), lib.ones(1, 2)), ShapeError)
    _same_error(lambda lib: lib.zeros(3, 2).index_fill(2, _idx(lib, [0]), 1.0), IndexError)


# ------------------------------------------------------------------------ scatter forms
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self, dtype):
    rng = np.random.default_rng(3)
    a = randn((4, 5), dtype, 0)
    s = randn((3, 6), dtype, 1)  # src of index's shape (PyTorch's backward needs it)
    index = rng.integers(0, 5, (3, 6))
    if reduce in ("amax", "amin"):  # ties share the gradient: make some
        s[0, :3] = s[0, 0]
        index[0, :3] = 2
        a[0, 2] = s[0, 0]
    if reduce == "prod":  # one zero in a group, and one zero in self
        s[1, 0] = 0
        a[2, index[2, 0]] = 0
    for dim in (1, -1):
        check(lambda lib, x, y, d=dim: x.scatter_reduce(d, _idx(lib, index), y, reduce, include_self=include_self),
              a, s)
    rows = rng.integers(0, 4, (3, 5))
    check(lambda lib, x, y: x.scatter_reduce(0, _idx(lib, rows), y, reduce, include_self=include_self),
          a, s[:, :5])
    check(lambda lib, x, y: lib.scatter_reduce(x, 1, _idx(lib, index), y, reduce=reduce), a, s)


def test_scatter_reduce_errors():
    _same_error(lambda lib: lib.zeros(2, 2).scatter_reduce(0, _idx(lib, [[0]]), lib.ones(1, 1), "avg"),
                ValueError)
    _same_error(lambda lib: lib.zeros(2, 2).scatter_reduce(0, _idx(lib, [[2]]), lib.ones(1, 1), "sum"),
                IndexError)


def test_scatter_inplace_forms(dtype):
    a, s = randn((3, 4), dtype, 0), randn((3, 4), dtype, 1)
    index = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])

    def program(lib, x, y):
        z = x * 1
        z.scatter_(0, _idx(lib, index[:, :1]), y[:2, :1])
        z.scatter_(1, _idx(lib, index[:1, :2]), 4.0)
        z.scatter_add_(0, _idx(lib, index), y[:2])
        z.scatter_reduce_(0, _idx(lib, index), y[:2], "amax", include_self=False)
        return z, z._version

    outs = [program(lib, *(lib.tensor(v.copy(), requires_grad=True) for v in (a, s))) for lib in LIBS]
    assert outs[0][1] == outs[1][1] == 4
    check(lambda lib, x, y: program(lib, x, y)[0], a, s)


# ------------------------------------------------------------------------ masked_scatter, take
def test_masked_scatter(dtype):
    a, s = randn((3, 4), dtype, 0), randn((3, 5), dtype, 1)
    mask = randn((3, 4), np.float64, 2) > 0
    check(lambda lib, x, y: x.masked_scatter(lib.tensor(mask), y), a, s)
    check(lambda lib, x, y: lib.masked_scatter(x, lib.tensor(mask[0]), y), a, s)  # the mask broadcasts
    check(lambda lib, x, y: (x * 1).masked_scatter_(lib.tensor(mask), y), a, s)
    _same_error(lambda lib: lib.zeros(2, 2).masked_scatter(lib.ones(2, 2, dtype=lib.bool), lib.ones(3)),
                ShapeError)
    _same_error(lambda lib: lib.zeros(2, 2).masked_scatter(lib.ones(2, 2), lib.ones(4)), TypeError)


def test_take_and_take_along_dim(dtype):
    a = randn((3, 4), dtype, 0)
    check(lambda lib, x: (x.take(_idx(lib, [[0, 11], [-1, 5]])), lib.take(x, _idx(lib, [2, 2]))), a)
    order = np.argsort(a, axis=1)
    check(lambda lib, x: (x.take_along_dim(_idx(lib, order), 1), lib.take_along_dim(x, _idx(lib, order))), a)
    check(lambda lib, x: lib.take_along_dim(x, _idx(lib, order[:1, :2]), dim=-1), a)  # broadcast rows
    check(lambda lib, x: lib.take_along_dim(x, _idx(lib, np.argmax(a, 0)[None]), dim=0), a)
    _same_error(lambda lib: lib.zeros(2, 2).take(_idx(lib, [4])), IndexError)
    _same_error(lambda lib: lib.zeros(2, 2).take_along_dim(_idx(lib, [0]), 1), ShapeError)


# ------------------------------------------------------------------------ dims and pieces
@settings(max_examples=20, deadline=None)
@given(shape=shapes(1, 4), dtype=float_dtypes, seed=seeds)
def test_movedim_swapaxes(shape, dtype, seed):
    n = len(shape)
    rng = np.random.default_rng(seed)
    src = [int(d) for d in rng.permutation(n)[: rng.integers(1, n + 1)]]
    dst = [int(d) - n * int(rng.integers(0, 2)) for d in rng.permutation(n)[: len(src)]]
    a = randn(shape, dtype, seed)
    check(lambda lib, x: (x.movedim(src, dst), lib.moveaxis(x, src[0], dst[0]),
                          lib.movedim(x, tuple(src), tuple(dst))), a)
    check(lambda lib, x: (x.swapaxes(0, -1), lib.swapdims(x, -1, 0), x.swapdims(0, 0)), a)


def test_movedim_errors():
    _same_error(lambda lib: lib.zeros(2, 3).movedim((0, 1), (0,)), ValueError)
    _same_error(lambda lib: lib.zeros(2, 3).movedim((0, 0), (0, 1)), ValueError)
    _same_error(lambda lib: lib.zeros(2, 3).movedim(2, 0), IndexError)


@pytest.mark.parametrize("spec", [1, 2, 3, 5, 7, [1, 3], [0, 4], [3, 1], [-2, 2], [2, 9]])
@pytest.mark.parametrize("dim", [0, -1])
def test_tensor_split(spec, dim, dtype):
    a = randn((5, 5), dtype, 0)
    check(lambda lib, x: x.tensor_split(spec, dim), a)
    check(lambda lib, x: lib.tensor_split(x, spec, dim=dim), a)


def test_split_with_sizes(dtype):
    a = randn((4, 6), dtype, 0)
    check(lambda lib, x: x.split_with_sizes([1, 3, 2], 1), a)
    check(lambda lib, x: lib.split_with_sizes(x, [4, 0], dim=0), a)
    _same_error(lambda lib: lib.zeros(4).split_with_sizes([1, 2]), ShapeError)


@pytest.mark.parametrize("dim, size, step", [(0, 2, 1), (1, 3, 2), (-1, 3, 1), (1, 1, 3), (0, 4, 4), (2, 2, 2)])
def test_unfold(dim, size, step, dtype):
    check(lambda lib, x: x.unfold(dim, size, step), randn((4, 5, 3), dtype, 0))


def test_unfold_errors():
    _same_error(lambda lib: lib.zeros(3, 2).unfold(1, 3, 1), ShapeError)
    _same_error(lambda lib: lib.zeros(3, 2).unfold(0, 1, 0), ValueError)


@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2, 3, 4, 5])
def test_rot90_and_flips(k, dtype):
    a = randn((2, 3, 4), dtype, 0)
    check(lambda lib, x: (x.rot90(k), lib.rot90(x, k, (1, 2)), lib.rot90(x, k, [-1, 0])), a)
    check(lambda lib, x: (x.fliplr(), lib.flipud(x), x[0, 0].flipud()), a)


def test_rot90_and_flip_errors():
    _same_error(lambda lib: lib.zeros(3).rot90(), ShapeError)
    _same_error(lambda lib: lib.zeros(3, 3).rot90(1, (0, 0)), ValueError)
    _same_error(lambda lib: lib.zeros(3).fliplr(), ShapeError)


# ------------------------------------------------------------------------ aliases and predicates
def test_arithmetic_and_comparison_aliases(dtype):
    a, b = randn((3, 4), dtype, 0), randn((4,), dtype, 1)
    check(lambda lib, x, y: (x.multiply(y), lib.multiply(x, 2), x.subtract(y, alpha=2), lib.subtract(x, y),
                             x.negative(), lib.negative(y)), a, b)
    for name in ["not_equal", "greater", "greater_equal", "less", "less_equal"]:
        check(lambda lib, x, y, f=name: (getattr(x, f)(y), getattr(lib, f)(x, y)), a, b, grad=False)


def test_predicates():
    for lib in LIBS:
        x = lib.zeros(2, 3)
        assert x.ndimension() == 2 and x.is_cpu
        assert x.is_same_size(lib.ones(2, 3)) and not lib.is_same_size(x, lib.ones(3, 2))
        assert lib.tensor([3.0]).is_nonzero() and not lib.is_nonzero(lib.tensor(0))
        assert [t.is_signed() for t in (x, x.long(), x.bool(), x.to(lib.uint8), x.int())] == [
            True, True, False, False, True]
        assert lib.is_signed(x)
    mine, theirs = _errors(lambda lib: lib.zeros(2).is_nonzero())
    assert "more than one value" in mine and "more than one value" in theirs
    mine, theirs = _errors(lambda lib: lib.zeros(0).is_nonzero())
    assert "no values" in mine and "no values" in theirs


# ------------------------------------------------------------------------ in-place forms
INPLACE_A = {
    "clamp_min_": lambda lib, z, w: z.clamp_min_(0.1),
    "clamp_max_": lambda lib, z, w: z.clamp_max_(w),
    "index_add_": lambda lib, z, w: z.index_add_(0, _idx(lib, [2, 0, 2]), w[:3], alpha=0.5),
    "index_copy_": lambda lib, z, w: z.index_copy_(1, _idx(lib, [3, 1]), w[:, :2]),
    "index_fill_": lambda lib, z, w: z.index_fill_(1, _idx(lib, [0, 2]), -2.0),
    "multiply_": lambda lib, z, w: z.multiply_(w),
    "subtract_": lambda lib, z, w: z.subtract_(w, alpha=3),
    "negative_": lambda lib, z, w: z.negative_(),
    "swapaxes_": lambda lib, z, w: z.swapaxes_(0, 1),
    "swapdims_": lambda lib, z, w: z.swapdims_(1, 0),
    "greater_": lambda lib, z, w: z.greater_(w.detach()),
    "less_equal_": lambda lib, z, w: z.less_equal_(0.0),
}


def _inplace_program(op: Any) -> Any:
    def program(lib, x, w):
        z = x * 2  # a non-leaf: the in-place op is recorded
        out = op(lib, z, w)
        assert out is z
        return z * x.reshape(z.shape) if z.shape == x.shape else z * x.T
    return program


@pytest.mark.parametrize("name", list(INPLACE_A))
def test_inplace_forms_group_a(name, dtype):
    a, b = randn((4, 4), dtype, 0), randn((4, 4), dtype, 1)
    check(_inplace_program(INPLACE_A[name]), a, b)
    versions = []
    for lib in LIBS:  # outside a graph: the values change and the version counts one
        z = lib.tensor(a.copy())
        INPLACE_A[name](lib, z, lib.tensor(b.copy()))
        versions.append((z, z._version))
    assert_close(versions[0][0], versions[1][0])
    assert versions[0][1] == versions[1][1] == 1


@pytest.mark.parametrize("name", ["index_add_", "multiply_", "swapaxes_", "greater_"])
def test_inplace_change_of_a_saved_value_is_refused(name):
    def program(lib):
        x = lib.tensor(randn((4, 4), np.float64, 0), requires_grad=True)
        z = x * 2
        y = z.sigmoid()  # saves its output
        INPLACE_A[name](lib, y, lib.ones(4, 4, dtype=lib.float64))
        y.sum().backward()
    for m in _errors(program):
        assert "modified by an inplace operation" in m


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    for op in INPLACE_A.values():
        for m in _errors(lambda lib, op=op: op(lib, lib.zeros(4, 4, requires_grad=True), lib.ones(4, 4))):
            assert "leaf Variable that requires grad" in m




# ------------------------------------------------------------------------ group B: in-place forms
POSITIVE = {"log1p_", "log2_", "log10_", "reciprocal_"}
INPLACE_B = {
    "sin_": lambda lib, z: z.sin_(),
    "cos_": lambda lib, z: z.cos_(),
    "log1p_": lambda lib, z: z.log1p_(),
    "log2_": lambda lib, z: z.log2_(),
    "log10_": lambda lib, z: z.log10_(),
    "expm1_": lambda lib, z: z.expm1_(),
    "reciprocal_": lambda lib, z: z.reciprocal_(),
    "square_": lambda lib, z: z.square_(),
    "erf_": lambda lib, z: z.erf_(),
    "sgn_": lambda lib, z: z.sgn_(),
    "nan_to_num_": lambda lib, z: z.div_(z.detach().round()).nan_to_num_(1.0, 2.0, -3.0),
    "cumsum_": lambda lib, z: z.cumsum_(-1),
    "cumprod_": lambda lib, z: z.cumprod_(0),
    "tril_": lambda lib, z: z.tril_(-1),
    "triu_": lambda lib, z: z.triu_(1),
    "unsqueeze_": lambda lib, z: z.unsqueeze_(1),
    "squeeze_": lambda lib, z: z.unsqueeze_(0).squeeze_(0),
    "t_": lambda lib, z: z.t_(),
    "transpose_": lambda lib, z: z.transpose_(-1, 0),
    "eq_": lambda lib, z: z.eq_(z.detach().round()),
    "ne_": lambda lib, z: z.ne_(0.5),
    "lt_": lambda lib, z: z.lt_(0.0),
    "le_": lambda lib, z: z.le_(0.5),
    "gt_": lambda lib, z: z.gt_(-0.5),
    "ge_": lambda lib, z: z.ge_(0.0),
}


def _b_input(name: str, dtype: Any) -> np.ndarray:
    a = randn((3, 3), dtype, 0)
    return (np.abs(a) + 0.5).astype(dtype) if name in POSITIVE else a


@pytest.mark.parametrize("name", list(INPLACE_B))
def test_inplace_forms_group_b(name, dtype):
    op = INPLACE_B[name]

    def program(lib, x):
        z = x * 2  # a non-leaf: the in-place op is recorded on it
        assert op(lib, z) is z
        return z * 3 + x.sum(), z.grad_fn is not None  # + x: torch's zero gradients are ZeroTensors

    check(lambda lib, x: program(lib, x)[0], _b_input(name, dtype))
    versions = []
    for lib in LIBS:  # outside a graph: the same values and version count
        z = lib.tensor(_b_input(name, dtype) * 2)
        op(lib, z)
        versions.append((z, z._version))
    assert_close(versions[0][0], versions[1][0])
    assert versions[0][1] == versions[1][1]


@pytest.mark.parametrize("name", ["sin_", "cumsum_", "tril_", "t_", "unsqueeze_", "ge_"])
def test_inplace_b_change_of_a_saved_value_is_refused(name):
    def program(lib):
        x = lib.tensor(randn((3, 3), np.float64, 0), requires_grad=True)
        y = (x * 2).exp()  # saves its output
        INPLACE_B[name](lib, y)
        y.sum().backward()
    for m in _errors(program):
        assert "modified by an inplace operation" in m


@pytest.mark.parametrize("name", list(INPLACE_B))
def test_inplace_b_on_a_leaf_that_requires_grad_is_refused(name):
    for m in _errors(lambda lib: INPLACE_B[name](lib, lib.ones(3, 3, requires_grad=True))):
        assert "leaf Variable that requires grad" in m


def test_inplace_float_result_into_an_integer_tensor_is_refused():
    _same_error(lambda lib: lib.ones(3, dtype=lib.int64).sin_(), RuntimeError)
    for lib in LIBS:  # a comparison's 1 and 0 fit any dtype
        z = lib.arange(4)
        z.ge_(2)
        assert z.tolist() == [0, 0, 1, 1]


def test_shape_change_in_place_of_a_view_reaches_the_base(dtype):
    def program(lib, x):
        base = x * 1
        v = base[1:]
        v.t_()
        v.mul_(2)  # written through the transposed view
        return base, v

    check(program, randn((3, 2), dtype, 0))


# ------------------------------------------------------------------------ group C: fused products
PRODUCTS = {  # name: (input shape, operand shapes)
    "addmm": ((3, 4), ((3, 5), (5, 4))),
    "addmv": ((3,), ((3, 5), (5,))),
    "addbmm": ((3, 4), ((2, 3, 5), (2, 5, 4))),
    "baddbmm": ((2, 3, 4), ((2, 3, 5), (2, 5, 4))),
    "addr": ((3, 4), ((3,), (4,))),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, -2.0), (0, 1.5)])
def test_fused_products(name, beta, alpha, dtype):
    shape, (sa, sb) = PRODUCTS[name]
    c, a, b = randn(shape, dtype, 0), randn(sa, dtype, 1), randn(sb, dtype, 2)
    check(lambda lib, x, y, z: getattr(lib, name)(x, y, z, beta=beta, alpha=alpha), c, a, b)
    check(lambda lib, x, y, z: getattr(x, name)(y, z, beta=beta, alpha=alpha), c, a, b)
    check(lambda lib, x, y, z: getattr(lib, name)(x[..., :1], y, z, alpha=alpha), c, a, b)  # input broadcasts
    check(lambda lib, x, y, z: getattr(x * 1, name + "_")(y, z, beta=beta, alpha=alpha), c, a, b)


def test_fused_products_beta_zero_ignores_nan_and_errors():
    check(lambda lib, x, y, z: lib.addmm(x, y, z, beta=0), np.full((2, 2), np.nan), randn((2, 3)), randn((3, 2)))
    _same_error(lambda lib: lib.addmm(lib.zeros(2, 2), lib.zeros(2, 3), lib.zeros(2, 2)), ShapeError)
    _same_error(lambda lib: lib.addmm(lib.zeros(3, 2), lib.zeros(2, 3), lib.zeros(3, 2)), ShapeError)
    _same_error(lambda lib: lib.baddbmm(lib.zeros(2, 2, 2), lib.zeros(2, 2, 3), lib.zeros(3, 3, 2)), ShapeError)


# ------------------------------------------------------------------------ running max/min, log-sum-exp
@settings(max_examples=20, deadline=None)
@given(shape=shapes(0, 3), dtype=float_dtypes, seed=seeds, data=st.data())
def test_cummax_cummin_logcumsumexp(shape, dtype, seed, data):
    dim = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    a = np.round(randn(shape, dtype, seed) * 2) / 2  # ties
    check(lambda lib, x: (x.cummax(dim), lib.cummin(x, dim=dim)), a)
    check(lambda lib, x: (lib.logcumsumexp(x, dim), x.logcumsumexp(dim)), randn(shape, dtype, seed, scale=30.0))


def test_cummax_nan_and_names():
    a = np.array([1.0, np.nan, 3.0, 0.5])
    check(lambda lib, x: (x.cummax(0), x.cummin(0)), a, grad=False)
    for lib in LIBS:
        r = lib.tensor([2.0, 1.0]).cummax(0)
        assert r.values.tolist() == [2.0, 2.0] and r.indices.tolist() == [0, 0]


# ------------------------------------------------------------------------ special functions
BINARY_C = ["logaddexp", "logaddexp2", "hypot", "xlogy", "copysign"]


@pytest.mark.parametrize("name", BINARY_C)
@settings(max_examples=15, deadline=None)
@given(pair=st.sampled_from([((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((5,), ())]), seed=seeds,
       dtype=float_dtypes)
def test_binary_special(name, pair, seed, dtype):
    a, b = randn(pair[0], dtype, seed), randn(pair[1], dtype, seed + 1)
    if name == "xlogy":
        b = (np.abs(b) + 0.1).astype(dtype)
        a = np.where(np.abs(a) < 0.3, 0, a).astype(dtype)  # x = 0 gives 0
    if name == "copysign":
        a = np.where(np.abs(a) < 0.1, 0.5, a).astype(dtype)
    check(lambda lib, x, y: (getattr(lib, name)(x, y), getattr(x, name)(y)), a, b)
    if pair[0] == (3, 4) and name in ("xlogy", "hypot", "copysign"):
        nonzero = np.where(a == 0, 0.5, a).astype(dtype)  # torch's xlogy_ backward differs at x = 0
        check(lambda lib, x, y: getattr(x * 1, name + "_")(y), nonzero, b)


def test_binary_special_with_numbers_and_extremes(dtype):
    a = randn((3, 4), dtype, 0)
    check(lambda lib, x: (lib.xlogy(x.abs(), 2.0), lib.xlogy(2, x.abs() + 1), lib.copysign(x, -1.0),
                          lib.hypot(x, x)), a)
    big = np.array([1000.0, -1000.0, 0.0, 88.0], dtype)
    check(lambda lib, x, y: (lib.logaddexp(x, y), lib.logaddexp2(x, y)), big, big[::-1].copy())
    check(lambda lib, x, y: lib.xlogy(x, y), np.array([0.0, 0.0, 1.0], dtype), np.array([np.nan, 0.0, 2.0], dtype),
          grad=False)


@pytest.mark.parametrize("eps", [None, 0.1, 0.3])
def test_logit(eps, dtype):
    p = np.random.default_rng(0).uniform(0.02, 0.98, (4, 5)).astype(dtype)
    check(lambda lib, x: (x.logit(eps), lib.logit(x, eps=eps)), p)
    check(lambda lib, x: (x * 1).logit_(eps), p)


def test_unary_special(dtype):
    a = randn((3, 4), dtype, 0, scale=3.0)
    check(lambda lib, x: (x.exp2(), lib.exp2(x), x.deg2rad(), lib.rad2deg(x), lib.float_power(x, 2),
                          x.float_power(x.detach().abs() + 1), lib.float_power(2, x)), a)
    check(lambda lib, x: ((x * 1).exp2_(), (x * 1).deg2rad_(), (x * 1).rad2deg_()), a)
    check(lambda lib, x: (lib.exp2(x), lib.deg2rad(x), x.rad2deg()), np.arange(4), grad=False)
    check(lambda lib, x: (x * 1).float_power_(1.5), np.abs(randn((3,), np.float64, 1)))
    _same_error(lambda lib: lib.ones(3).float_power_(2), RuntimeError)


def test_predicates_and_heaviside(dtype):
    a = np.array([-np.inf, -0.0, 0.0, 1.5, np.inf, np.nan, -2.0], dtype)
    check(lambda lib, x: (x.signbit(), lib.signbit(x), x.isposinf(), lib.isneginf(x)), a, grad=False)
    check(lambda lib, x: lib.isposinf(x), np.arange(3), grad=False)
    v = np.array([0.5, -1.0, 2.0, 0.0, 0.0, 3.0, 1.0], dtype)
    check(lambda lib, x, y: (lib.heaviside(x, y), x.heaviside(y[:1]), x.clone().heaviside_(y)), a, v, grad=False)
    _same_error(lambda lib: lib.heaviside(lib.zeros(2), lib.zeros(2, dtype=lib.float64)), TypeError)


# ------------------------------------------------------------------------ reductions
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (-1, True), (1, False)])
def test_aminmax_nanmean_nansum(dim, keepdim, dtype):
    a = randn((3, 4), dtype, 0)
    a[0, 1] = a[2, 3] = np.nan
    b = randn((3, 4), dtype, 1)
    kw = {} if dim is None else {"dim": dim}
    check(lambda lib, x: (lib.aminmax(x, **kw, keepdim=keepdim), x.aminmax(**kw)), b)
    check(lambda lib, x: (x.nanmean(dim, keepdim), lib.nanmean(x, dim=dim), lib.nansum(x, dim, keepdim),
                          x.nansum(dim)), a)
    check(lambda lib, x: (lib.nansum(x), lib.nansum(x, dtype=lib.float64)), np.arange(6).reshape(2, 3), grad=False)
    for lib in LIBS:
        r = lib.tensor([[1.0, 5.0], [3.0, -1.0]]).aminmax(dim=0)
        assert r.min.tolist() == [1.0, -1.0] and r.max.tolist() == [3.0, 5.0]


def test_nanmean_all_nan_and_errors():
    check(lambda lib, x: x.nanmean(0), np.array([[np.nan, 1.0], [np.nan, 3.0]]))
    _same_error(lambda lib: lib.arange(3).nanmean(), TypeError)
    _same_error(lambda lib: lib.zeros(0).aminmax(), RuntimeError)


def test_msort_and_unique_consecutive():
    a = np.array([[3, 1, 1], [3, 1, 1], [0, 2, 2], [3, 1, 1]])
    check(lambda lib, x: (x.msort(), lib.msort(x)), randn((4, 3), np.float64, 0))
    for kw in [{}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True, "dim": 0}, {"return_counts": True, "dim": 1},
               {"dim": -1}]:
        check(lambda lib, x, kw=kw: lib.unique_consecutive(x, **kw), a, grad=False)
        check(lambda lib, x, kw=kw: x.float().unique_consecutive(**kw), a, grad=False)


# ------------------------------------------------------------------------ diagonals
@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diag_embed_diagflat(offset, dtype):
    a = randn((2, 3), dtype, 0)
    check(lambda lib, x: (x.diag_embed(offset), lib.diag_embed(x, offset, 0, 2), lib.diag_embed(x, offset, -1, 0)), a)
    check(lambda lib, x: (x.diagflat(offset), lib.diagflat(x[0], offset)), a)
    _same_error(lambda lib: lib.zeros(2, 3).diag_embed(0, 1, 1), ValueError)


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((7, 3), False), ((7, 3), True), ((2, 5), True),
                                         ((3, 3, 3), False)])
def test_fill_diagonal_(shape, wrap, dtype):
    check(lambda lib, x: (x * 1).fill_diagonal_(-2.5, wrap=wrap), randn(shape, dtype, 0))
    filled = []
    for lib in LIBS:
        z = lib.zeros(shape)
        z.fill_diagonal_(1, wrap)
        filled.append(z)
    assert_close(filled[0], filled[1])
    assert filled[0]._version == 1
    _same_error(lambda lib: lib.zeros(2, 3, 3).fill_diagonal_(1), ShapeError)
    for m in _errors(lambda lib: lib.zeros(3, 3, requires_grad=True).fill_diagonal_(1)):
        assert "leaf Variable" in m


# ------------------------------------------------------------------------ kron, inner, vdot, dist, cross
@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 2)), ((3,), (2, 2)), ((2, 1, 2), (3, 2)), ((), (3,))])
def test_kron_inner(sa, sb, dtype):
    a, b = randn(sa, dtype, 0), randn(sb, dtype, 1)
    check(lambda lib, x, y: (lib.kron(x, y), x.kron(y)), a, b)
    if not sa or not sb or sa[-1] == sb[-1]:
        check(lambda lib, x, y: (lib.inner(x, y), x.inner(y)), a, b)
    check(lambda lib, x, y: lib.inner(x, y[..., :1].expand(*sa[:0], *y.shape[:-1], sa[-1]) if sa else y), a, b)


def test_vdot_dist(dtype):
    a, b = randn((5,), dtype, 0), randn((5,), dtype, 1)
    check(lambda lib, x, y: (lib.vdot(x, y), x.vdot(y)), a, b)
    for p in [2, 1, 3, float("inf")]:
        check(lambda lib, x, y, p=p: (lib.dist(x, y, p), x.dist(y[:1], p=p)), a, b)
    check(lambda lib, x, y: lib.dist(x, y, 0), a, np.where(np.arange(5) < 2, a, b), grad=False)
    _same_error(lambda lib: lib.vdot(lib.zeros(3), lib.zeros(4)), ShapeError)
    _same_error(lambda lib: lib.inner(lib.zeros(3), lib.zeros(4)), ShapeError)


@pytest.mark.parametrize("sa, sb, dim", [((4, 3), (4, 3), 1), ((3, 5), (3, 5), None), ((2, 3), (1, 3), -1),
                                         ((3, 3), (3, 3), 0)])
def test_cross(sa, sb, dim, dtype):
    a, b = randn(sa, dtype, 0), randn(sb, dtype, 1)
    if dim is None:
        check(lambda lib, x, y: (lib.cross(x, y), x.cross(y)), a, b)
    else:
        check(lambda lib, x, y: (lib.cross(x, y, dim=dim), x.cross(y, dim)), a, b)
    _same_error(lambda lib: lib.cross(lib.zeros(2, 4), lib.zeros(2, 4), dim=1), ShapeError)
