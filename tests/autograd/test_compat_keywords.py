"""PyTorch's keywords on the functional forms and methods, against PyTorch: ``axis=``/``keepdims=``
for ``dim=``/``keepdim=``, ``input=``/``other=`` and ``out=``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close, check, randn

REDUCTIONS = ["sum", "mean", "amax", "amin", "std", "var", "logsumexp", "softmax", "log_softmax", "cumsum"]
INDEXING = ["argmax", "argmin", "all", "any"]


def _both(make):
    return make(chainrule), make(torch)


def _values(out):
    return out.values if hasattr(out, "values") else out


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [0, -1])
def test_axis_for_dim_on_functions_and_methods(name, axis, dtype):
    x = randn((3, 4), dtype, 0)
    check(lambda lib, t: getattr(lib, name)(t, axis=axis), x)
    check(lambda lib, t: getattr(lib, name)(input=t, axis=axis), x)
    check(lambda lib, t: getattr(t, name)(axis=axis), x)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "std", "var", "logsumexp"])
def test_keepdims_for_keepdim(name, dtype):
    x = randn((3, 4), dtype, 1)
    check(lambda lib, t: getattr(lib, name)(t, axis=1, keepdims=True), x)
    check(lambda lib, t: getattr(t, name)(dim=0, keepdims=True), x)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_an_axis(name, dtype):
    x = randn((3, 4), dtype, 2)
    check(lambda lib, t: tuple(getattr(lib, name)(t, axis=1, keepdims=True)), x)
    check(lambda lib, t: tuple(getattr(t, name)(axis=0)), x)


@pytest.mark.parametrize("name", INDEXING)
def test_axis_on_argmax_and_logical_reductions(name):
    x = randn((3, 4), np.float32, 3)
    for kwargs in ({"axis": 1}, {"axis": 0, "keepdims": True}):
        data = x > 0 if name in ("all", "any") else x
        c, t = _both(lambda lib, kw=kwargs, data=data: getattr(lib, name)(lib.tensor(data), **kw))
        assert_close(c, t)
        c, t = _both(lambda lib, kw=kwargs: getattr(lib.tensor(x), name)(**kw))
        assert_close(c, t)


def test_axis_on_shape_ops_and_ordering(dtype):
    x = randn((3, 4), dtype, 4)
    check(lambda lib, t: lib.cat([t, t * 2], axis=1), x)
    check(lambda lib, t: lib.stack([t, t], axis=0), x)
    check(lambda lib, t: lib.squeeze(t.unsqueeze(axis=0), axis=0), x)
    check(lambda lib, t: lib.sort(t, axis=0).values, x)
    check(lambda lib, t: t.topk(2, axis=0).values, x)
    check(lambda lib, t: lib.argsort(t, axis=1), x, grad=False)
    check(lambda lib, t: t.unbind(axis=1), x)
    check(lambda lib, t: t.chunk(2, axis=1), x)


def test_norm_takes_axis_too(dtype):
    # torch.norm (a Python function) has no axis=; chainrule's matches its dim= form
    x = randn((3, 4), dtype, 5)
    c = chainrule.norm(chainrule.tensor(x), axis=1, keepdims=True)
    assert_close(c, torch.norm(torch.tensor(x), dim=1, keepdim=True))
    assert_close(chainrule.tensor(x).norm(p=1, axis=0), torch.tensor(x).norm(p=1, dim=0))


def test_a_dim_given_twice_is_an_error():
    with pytest.raises(TypeError, match=r"sum\(\): got both dim= and its alias axis="):
        chainrule.sum(chainrule.ones(2), dim=0, axis=0)
    with pytest.raises(TypeError, match="keepdim= and its alias keepdims="):
        chainrule.ones(2).mean(keepdim=True, keepdims=True)


# ------------------------------------------------------------------------------ input=, other=
KEYWORD_CALLS = [
    lambda lib, a, b: lib.add(input=a, other=b, alpha=2),
    lambda lib, a, b: lib.sub(input=a, other=b, alpha=0.5),
    lambda lib, a, b: lib.mul(input=a, other=b),
    lambda lib, a, b: lib.div(input=a, other=b.abs() + 1),
    lambda lib, a, b: lib.pow(input=a.abs() + 1, exponent=b),
    lambda lib, a, b: lib.maximum(input=a, other=b) + lib.minimum(input=a, other=b),
    lambda lib, a, b: lib.where(condition=a > b, input=a, other=b),
    lambda lib, a, b: lib.matmul(input=a, other=b.T),
    lambda lib, a, b: lib.mm(input=a, mat2=b.T),
    lambda lib, a, b: lib.clamp(input=a, min=-0.5, max=0.5),
    lambda lib, a, b: lib.exp(input=a) + lib.log(input=b.abs() + 1) + lib.sqrt(input=a.abs()),
    lambda lib, a, b: lib.sum(input=a, dim=1, keepdim=True),
    lambda lib, a, b: lib.gather(input=a, dim=1, index=lib.tensor([[0, 2], [1, 1], [2, 0]])),
    lambda lib, a, b: lib.tril(input=a, diagonal=1),
]


@pytest.mark.parametrize("call", KEYWORD_CALLS, ids=range(len(KEYWORD_CALLS)))
def test_input_and_other_keywords(call, dtype):
    check(call, randn((3, 3), dtype, 0), randn((3, 3), dtype, 1))


# ------------------------------------------------------------------------------ out=
OUT_CALLS = [
    (lambda lib, a, b, out: lib.add(a, b, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.sub(a, b, alpha=2, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.mul(a, b, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.div(a, b, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.exp(a, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.log1p(a.abs(), out=out), (2, 3)),
    (lambda lib, a, b, out: lib.clamp(a, 0, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.matmul(a, b.T, out=out), (2, 2)),
    (lambda lib, a, b, out: lib.sum(a, 1, out=out), (2,)),
    (lambda lib, a, b, out: lib.mean(a, 0, keepdim=True, out=out), (1, 3)),
    (lambda lib, a, b, out: lib.cumsum(a, 1, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.cat([a, b], 0, out=out), (4, 3)),
    (lambda lib, a, b, out: lib.stack([a, b], out=out), (2, 2, 3)),
    (lambda lib, a, b, out: lib.where(a > 0, a, b, out=out), (2, 3)),
    (lambda lib, a, b, out: lib.tril(a, out=out), (2, 3)),
]


@pytest.mark.parametrize("call,shape", OUT_CALLS, ids=range(len(OUT_CALLS)))
def test_out_writes_into_the_given_tensor_and_returns_it(call, shape, dtype):
    a, b = randn((2, 3), dtype, 0), randn((2, 3), dtype, 1)

    def run(lib):
        out = lib.empty(shape, dtype=getattr(lib, np.dtype(dtype).name))
        result = call(lib, lib.tensor(a), lib.tensor(b), out)
        assert result is out
        return out

    assert_close(*_both(run))


def test_out_is_resized_with_a_warning_when_it_has_elements():
    out = chainrule.empty(0)
    chainrule.add(chainrule.ones(2), 1, out=out)
    assert out.tolist() == [2.0, 2.0]
    out = chainrule.empty(3)
    with pytest.warns(UserWarning, match="resized"):
        chainrule.add(chainrule.ones(2), 1, out=out)
    assert out.shape == (2,)


def test_out_casts_within_a_kind_and_refuses_a_narrower_kind():
    out = chainrule.empty(2, dtype=chainrule.float64)
    chainrule.add(chainrule.ones(2), chainrule.ones(2), out=out)
    assert out.dtype == chainrule.float64 and out.tolist() == [2.0, 2.0]
    match = "result type chainrule.float32 can't be cast to the desired output type chainrule.int64"
    with pytest.raises(RuntimeError, match=match):
        chainrule.add(chainrule.ones(2), chainrule.ones(2), out=chainrule.empty(2, dtype=chainrule.int64))
    with pytest.raises(RuntimeError):
        torch.add(torch.ones(2), torch.ones(2), out=torch.empty(2, dtype=torch.int64))


def test_out_refuses_inputs_that_require_grad():
    x = chainrule.ones(2, requires_grad=True)
    match = r"add\(\): functions with out=... arguments don't support automatic differentiation"
    with pytest.raises(RuntimeError, match=match):
        chainrule.add(x, 1, out=chainrule.empty(2))
    with chainrule.no_grad():
        out = chainrule.add(x, 1, out=chainrule.empty(2))
    assert out.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="'out' must be a Tensor"):
        chainrule.exp(chainrule.ones(2), out=np.empty(2))
