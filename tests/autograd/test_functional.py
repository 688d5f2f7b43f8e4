"""``autograd.functional.jacobian`` and ``vjp`` against PyTorch's: values, the nesting of the
result over outputs and inputs, zeros for an unused input, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import chainrule
from torch_oracle import assert_close, float_dtypes, randn, seeds, shapes

FUNCTIONS = {
    "tanh of a product": lambda lib: (lambda x, w: (x @ w).tanh()),
    "two outputs": lambda lib: (lambda x, w: (x.exp() * w.sum(), (x**2).sum())),
    "one input unused": lambda lib: (lambda x, w: x.sigmoid() * 3),
}


def _flatten(result):
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flatten(r)]
    return [result]


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("as_tuple", [True, False])
def test_jacobian_equals_torch(name, as_tuple, dtype):
    x, w = randn((2, 3), dtype, 1), randn((3, 2), dtype, 2)
    results = []
    for lib in (chainrule, torch):
        fn = FUNCTIONS[name](lib)
        xs = (lib.tensor(x.copy()), lib.tensor(w.copy()))
        if as_tuple:
            results.append(lib.autograd.functional.jacobian(fn, xs))
        else:
            results.append(lib.autograd.functional.jacobian(lambda a, fn=fn, w=xs[1]: fn(a, w), xs[0]))
    c, t = _flatten(results[0]), _flatten(results[1])
    assert len(c) == len(t)
    for k, (a, b) in enumerate(zip(c, t)):
        assert_close(a, b, dtype, what=f"block {k}")
    assert type(results[0]) is type(results[1]) or not isinstance(results[1], tuple)


@settings(max_examples=15, deadline=None)
@given(shape=shapes(0, 3), dtype=float_dtypes, seed=seeds)
def test_jacobian_of_an_elementwise_function_on_any_shape(shape, dtype, seed):
    x = randn(shape, dtype, seed)
    c = chainrule.autograd.functional.jacobian(lambda a: a.sin() * a, chainrule.tensor(x.copy()))
    t = torch.autograd.functional.jacobian(lambda a: a.sin() * a, torch.tensor(x.copy()))
    assert_close(c, t, dtype)


@pytest.mark.parametrize("with_v", [True, False])
def test_vjp_equals_torch(with_v, dtype):
    x = randn((4,), dtype, 3)
    v = randn((4,), dtype, 4)
    results = []
    for lib in (chainrule, torch):
        inp = lib.tensor(x.copy())
        if with_v:
            results.append(lib.autograd.functional.vjp(lambda a: a.tanh() * a, inp, lib.tensor(v.copy())))
        else:
            results.append(lib.autograd.functional.vjp(lambda a: (a.tanh() * a).sum(), inp))
    for a, b in zip(_flatten(results[0]), _flatten(results[1])):
        assert_close(a, b, dtype)


def test_inputs_are_left_alone_and_errors_as_torch():
    x = chainrule.ones(3, requires_grad=True)
    chainrule.autograd.functional.jacobian(lambda a: a * 2, x)
    assert x.grad is None
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="independent of input 1"):
            lib.autograd.functional.jacobian(lambda a, b: a * 2, (lib.ones(2), lib.ones(2)), strict=True)
        with pytest.raises(RuntimeError, match="can only be None if"):
            lib.autograd.functional.vjp(lambda a: a * 2, lib.ones(2))
        with pytest.raises(TypeError, match="The inputs given to jacobian must be either a Tensor or a "
                                            "tuple of Tensors but the given inputs has type"):
            lib.autograd.functional.jacobian(lambda a: a, [1.0])
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        chainrule.autograd.functional.jacobian(lambda a: a * 2, chainrule.ones(2), create_graph=True)
    np.testing.assert_array_equal(
        chainrule.autograd.functional.jacobian(lambda a: a * 2, chainrule.ones(2)).numpy(), 2 * np.eye(2))
