"""Finite differences agree with every differentiable op's backward (float64), and catch a wrong one."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule.autograd import Function, GradcheckError, gradcheck
from torch_oracle import randn


def _pos(shape, seed=0):
    return np.abs(randn(shape, np.float64, seed)) + 0.5


def _spread(shape, seed=0):
    """Distinct values at least 0.1 apart (no ties, no kinks within eps), shuffled."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2) * 0.37 + 0.05
    return np.random.default_rng(seed).permutation(values).reshape(shape)


# name -> (function of tensors, list of input arrays)
OPS = {
    "add": (lambda x, y: x + y, [randn((2, 3)), randn((3,), seed=1)]),
    "sub": (lambda x, y: x - y, [randn((2, 1)), randn((2, 3), seed=1)]),
    "rsub": (lambda x: 2.0 - x, [randn((3,))]),
    "mul": (lambda x, y: x * y, [randn((2, 3)), randn((1, 3), seed=1)]),
    "div": (lambda x, y: x / y, [randn((2, 3)), _pos((3,), 1)]),
    "rdiv": (lambda x: 1.5 / x, [_pos((3,))]),
    "pow_tensor": (lambda x, y: x ** y, [_pos((2, 3)), randn((2, 3), seed=1)]),
    "pow_scalar": (lambda x: x ** 3 + x ** -0.5, [_pos((4,))]),
    "rpow": (lambda x: 2.0 ** x, [randn((4,))]),
    "neg": (lambda x: -x, [randn((3,))]),
    "matmul_2d": (lambda x, y: x @ y, [randn((2, 3)), randn((3, 2), seed=1)]),
    "matmul_1d": (lambda x, y: x @ y, [randn((3,)), randn((3,), seed=1)]),
    "matmul_batched": (lambda x, y: x @ y, [randn((2, 1, 2, 3)), randn((2, 3, 2), seed=1)]),
    "matmul_vec_batch": (lambda x, y: x @ y, [randn((3,)), randn((2, 3, 2), seed=1)]),
    "exp": (lambda x: x.exp(), [randn((2, 3))]),
    "log": (lambda x: x.log(), [_pos((2, 3))]),
    "sqrt": (lambda x: x.sqrt(), [_pos((2, 3))]),
    "abs": (lambda x: x.abs(), [_spread((2, 3))]),
    "sin": (lambda x: x.sin(), [randn((2, 3))]),
    "cos": (lambda x: x.cos(), [randn((2, 3))]),
    "clamp": (lambda x: x.clamp(-0.5, 0.6), [_spread((3, 3))]),
    "maximum": (lambda x, y: chainrule.maximum(x, y), [_spread((2, 3)), _spread((2, 3), 1) + 0.01]),
    "minimum": (lambda x, y: chainrule.minimum(x, y), [_spread((2, 3)), _spread((3,), 1) + 0.01]),
    "where": (lambda x, y: chainrule.where(x > 0, x, y), [_spread((2, 3)), randn((3,), seed=1)]),
    "sigmoid": (lambda x: x.sigmoid(), [randn((2, 3)) * 3]),
    "tanh": (lambda x: x.tanh(), [randn((2, 3))]),
    "relu": (lambda x: x.relu(), [_spread((2, 3))]),
    "softmax": (lambda x: x.softmax(1), [randn((2, 3))]),
    "log_softmax": (lambda x: x.log_softmax(0), [randn((2, 3))]),
    "sum": (lambda x: x.sum(), [randn((2, 3))]),
    "sum_dims": (lambda x: x.sum((0, 2), keepdim=True), [randn((2, 3, 2))]),
    "mean": (lambda x: x.mean(1), [randn((2, 3))]),
    "var": (lambda x: x.var(0), [randn((3, 2))]),
    "var_biased": (lambda x: x.var(unbiased=False), [randn((3, 2))]),
    "std": (lambda x: x.std(1, keepdim=True), [randn((2, 4))]),
    "std_correction": (lambda x: x.std(correction=0), [randn((5,))]),
    "max_full": (lambda x: x.max(), [_spread((2, 3))]),
    "max_dim": (lambda x: x.max(1).values, [_spread((2, 3))]),
    "min_dim": (lambda x: x.min(0, keepdim=True)[0], [_spread((2, 3))]),
    "amax": (lambda x: x.amax(0), [_spread((3, 2))]),
    "amin": (lambda x: x.amin((0, 1)), [_spread((3, 2))]),
    "logsumexp": (lambda x: x.logsumexp(1), [randn((2, 3))]),
    "norm2": (lambda x: x.norm(), [randn((2, 3))]),
    "norm1_dim": (lambda x: x.norm(1, dim=1), [_spread((2, 3))]),
    "norm3": (lambda x: x.norm(3, dim=0), [_spread((2, 3))]),
    "norm_inf": (lambda x: x.norm(float("inf")), [_spread((2, 3))]),
    "reshape": (lambda x: x.reshape(3, 2) * chainrule.arange(6.0).reshape(3, 2), [randn((2, 3))]),
    "view": (lambda x: x.view(-1), [randn((2, 3))]),
    "flatten": (lambda x: x.flatten(1), [randn((2, 3, 2))]),
    "transpose": (lambda x: x.transpose(0, 2), [randn((2, 3, 2))]),
    "permute": (lambda x: x.permute(2, 0, 1), [randn((2, 3, 2))]),
    "T": (lambda x: x.T, [randn((2, 3))]),
    "squeeze": (lambda x: x.squeeze(1), [randn((2, 1, 3))]),
    "unsqueeze": (lambda x: x.unsqueeze(-1), [randn((2, 3))]),
    "expand": (lambda x: x.expand(2, 3, 3) * chainrule.arange(3.0), [randn((3, 1))]),
    "broadcast_to": (lambda x: x.broadcast_to((2, 3)), [randn((3,))]),
    "cat": (lambda x, y: chainrule.cat([x, y], 1), [randn((2, 1)), randn((2, 3), seed=1)]),
    "stack": (lambda x, y: chainrule.stack([x, y], 1), [randn((2, 3)), randn((2, 3), seed=1)]),
    "split": (lambda x: x.split([1, 2], 1)[1], [randn((2, 3))]),
    "chunk": (lambda x: x.chunk(2, 0)[0], [randn((3, 2))]),
    "unbind": (lambda x: x.unbind(1)[2], [randn((2, 3))]),
    "getitem_slice": (lambda x: x[1:, ::2], [randn((3, 4))]),
    "getitem_none_ellipsis": (lambda x: x[None, ..., 1], [randn((3, 4))]),
    "getitem_repeated": (lambda x: x[[0, 2, 0]], [randn((3, 2))]),
    "getitem_mask": (lambda x: x[x > 0], [_spread((3, 2))]),
    "clone": (lambda x: x.clone(), [randn((3,))]),
    "chain": (lambda x, y: ((x @ y).tanh() * y.sum(0)).logsumexp(1),
              [randn((2, 3)), randn((3, 3), seed=1)]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_gradcheck_passes_for_every_differentiable_op(name):
    fn, arrays = OPS[name]
    inputs = [chainrule.tensor(a, dtype=chainrule.float64, requires_grad=True) for a in arrays]
    assert gradcheck(fn, inputs)
    assert all(x.grad is None for x in inputs)  # gradcheck leaves no gradient behind


class WrongCube(Function):
    """y = x^3 with a backward that forgets the factor 3: gradcheck must catch it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x * x  # wrong: d(x^3)/dx = 3 x^2


def test_gradcheck_fails_on_a_wrong_backward_naming_input_element_and_values():
    x = chainrule.tensor([[1.0, 2.0], [-1.5, 0.5]], dtype=chainrule.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongCube.apply, [x])
    msg = str(info.value)
    assert "input 0" in msg and "element (0, 0)" in msg
    found = re.search(r"analytical gradient (\S+) vs numerical (\S+)", msg)
    assert found, msg
    assert float(found[1]) == pytest.approx(1.0)  # x^2 at x = 1
    assert float(found[2]) == pytest.approx(3.0, rel=1e-6)  # 3 x^2 at x = 1
    assert not gradcheck(WrongCube.apply, [x], raise_exception=False)


def test_gradcheck_names_the_second_input_when_only_it_is_wrong():
    class WrongSecond(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * b  # the second should be grad * a

    a = chainrule.tensor([2.0, 3.0], dtype=chainrule.float64, requires_grad=True)
    b = chainrule.tensor([5.0, 7.0], dtype=chainrule.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 1, element \(0,\).*5\.0.*2\.0"):
        gradcheck(WrongSecond.apply, (a, b))


def test_gradcheck_requires_float64_and_a_grad_input():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda x: x * 2, [chainrule.ones(2, requires_grad=True)])
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: x * 2, [chainrule.ones(2, dtype=chainrule.float64)])
