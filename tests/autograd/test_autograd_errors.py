"""A user's mistake gets an exception that names the op and the offending shapes or values."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import chainrule
from chainrule import BackwardError, ShapeError


def _raises(exc, fn, *fragments):
    """``fn()`` raises ``exc`` whose message contains every fragment (literally)."""
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    assert not isinstance(info.value, AssertionError)
    return msg


def _shape(s):
    return str(tuple(s))


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5, 2, 3), (4, 4, 2))])
def test_matmul_shape_mismatch_names_both_shapes(sa, sb):
    a, b = chainrule.ones(*sa), chainrule.ones(*sb)
    _raises(ShapeError, lambda: a @ b, "matmul", _shape(sa), _shape(sb))
    with pytest.raises(RuntimeError):  # the type PyTorch raises, too
        torch.ones(sa) @ torch.ones(sb)


def test_matmul_of_a_0d_tensor():
    _raises(ShapeError, lambda: chainrule.tensor(2.0) @ chainrule.ones(3), "matmul", "()", "(3,)")


def test_mm_needs_matrices():
    _raises(ShapeError, lambda: chainrule.mm(chainrule.ones(3), chainrule.ones(3, 2)), "mm", "(3,)")


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_broadcast_mismatch_names_the_op_and_both_shapes(op):
    a, b = chainrule.ones(2, 3), chainrule.ones(4, 1, 2)
    msg = _raises(ShapeError, lambda: getattr(chainrule, op)(a, b), op, "(2, 3)", "(4, 1, 2)")
    assert "broadcast" in msg
    with pytest.raises(ValueError):  # ShapeError is a ValueError as well as a RuntimeError
        getattr(chainrule, op)(a, b)


def test_operator_broadcast_mismatch():
    _raises(ShapeError, lambda: chainrule.ones(3) + chainrule.ones(4), "add", "(3,)", "(4,)")
    _raises(ShapeError, lambda: chainrule.ones(3) * chainrule.ones(2, 2), "mul", "(3,)", "(2, 2)")


def test_where_broadcast_mismatch():
    cond = chainrule.ones(3) > 0
    _raises(ShapeError, lambda: chainrule.where(cond, chainrule.ones(2), chainrule.ones(3)), "where", "(3,)",
            "(2,)")


def test_comparison_broadcast_mismatch():
    _raises(ShapeError, lambda: chainrule.ones(3) < chainrule.ones(2), "(3,)", "(2,)")


def test_backward_on_non_scalar_without_gradient():
    y = chainrule.ones(2, 3, requires_grad=True) * 2
    _raises(BackwardError, y.backward, "backward", "scalar", "(2, 3)")
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, requires_grad=True).mul(2).backward()


def test_backward_with_a_gradient_of_the_wrong_shape():
    y = chainrule.ones(2, 3, requires_grad=True) * 2
    _raises(BackwardError, lambda: y.backward(chainrule.ones(3, 2)), "backward", "(3, 2)", "(2, 3)")


def test_backward_of_a_tensor_that_does_not_require_grad():
    y = chainrule.ones(2) * 2
    _raises(RuntimeError, lambda: y.sum().backward(), "backward", "does not require grad")
    with chainrule.no_grad():
        z = (chainrule.ones(2, requires_grad=True) * 2).sum()
    _raises(RuntimeError, z.backward, "does not require grad", "no_grad")


@pytest.mark.parametrize("method", ["reshape", "view"])
def test_impossible_reshape_names_shape_and_size(method):
    x = chainrule.ones(2, 3)
    _raises(ShapeError, lambda: getattr(x, method)(4, 2), method, "[4, 2]", "(2, 3)", "6")
    _raises(ShapeError, lambda: getattr(x, method)(-1, 4), method, "(2, 3)")


def test_index_out_of_range_names_index_and_shape():
    x = chainrule.ones(3, 4, requires_grad=True)
    _raises(IndexError, lambda: x[3], "index 3", "(3, 4)")
    _raises(IndexError, lambda: x[:, -5], "-5", "(3, 4)")
    _raises(IndexError, lambda: x[chainrule.tensor([0, 7])], "7", "(3, 4)")
    _raises(IndexError, lambda: x[0, 0, 0], "(3, 4)")
    _raises(IndexError, lambda: x[chainrule.ones(2, 2) > 0], "(3, 4)")  # mask of the wrong shape


def test_requires_grad_on_integer_tensors_is_refused():
    for make in (
        lambda: chainrule.tensor([1, 2, 3], requires_grad=True),
        lambda: chainrule.zeros(2, dtype=chainrule.int64, requires_grad=True),
        lambda: chainrule.arange(3).requires_grad_(),
        lambda: chainrule.tensor([True, False], requires_grad=True),
    ):
        msg = _raises(RuntimeError, make, "requires_grad", "floating point")
        assert re.search(r"int64|bool", msg)


def test_requires_grad_false_on_a_non_leaf():
    y = chainrule.ones(2, requires_grad=True) * 2
    _raises(RuntimeError, lambda: y.requires_grad_(False), "non-leaf", "detach")


@pytest.mark.parametrize("call,fragments", [
    (lambda x: x.sum(2), ["sum", "2"]),
    (lambda x: x.softmax(-3), ["softmax", "-3"]),
    (lambda x: x.transpose(0, 5), ["transpose", "5"]),
    (lambda x: x.unsqueeze(4), ["unsqueeze", "4"]),
    (lambda x: x.max(2), ["max", "2"]),
    (lambda x: x.argmax(3), ["argmax", "3"]),
    (lambda x: x.mean((0, 0)), ["mean", "more than once"]),
    (lambda x: x.flatten(1, 0), ["flatten"]),
])
def test_dimension_errors_name_the_op_and_the_dim(call, fragments):
    _raises((IndexError, ValueError), lambda: call(chainrule.ones(2, 3)), *fragments)


def test_shape_op_errors():
    x = chainrule.ones(2, 3)
    _raises(ValueError, lambda: x.permute(0, 0), "permute", "(0, 0)", "(2, 3)")
    _raises(ShapeError, lambda: x.expand(4, 3, 4), "expand", "(2, 3)")
    _raises(ShapeError, lambda: x.expand(3), "expand", "(2, 3)")
    _raises(ShapeError, lambda: chainrule.cat([x, chainrule.ones(2, 4)]), "cat", "(2, 3)", "(2, 4)")
    for lib in (chainrule, torch):  # torch's own words
        with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 1\) cannot be concatenated"):
            lib.cat([lib.ones(1), lib.tensor(2.0)])
    _raises(ShapeError, lambda: chainrule.stack([x, chainrule.ones(3, 2)]), "stack", "(2, 3)", "(3, 2)")
    _raises(ShapeError, lambda: x.split([1, 3], 1), "split", "[1, 3]", "(2, 3)")
    _raises(ValueError, lambda: x.chunk(0), "chunk", "0")
    _raises(ShapeError, lambda: x.t().t().reshape(3, 2).t().reshape(7), "reshape", "[7]")
    _raises(ShapeError, lambda: chainrule.ones(2, 2, 2).t(), "t()", "(2, 2, 2)")


def test_item_and_bool_of_many_elements():
    x = chainrule.ones(2, 2)
    _raises(ValueError, x.item, "item", "4 elements", "(2, 2)")
    _raises(RuntimeError, lambda: bool(x), "ambiguous", "(2, 2)")


def test_integer_tensor_to_a_negative_integer_power():
    _raises(ValueError, lambda: chainrule.tensor([1, 2]) ** -1, "pow", "negative")


def test_inplace_on_a_leaf_that_requires_grad():
    w = chainrule.ones(2, requires_grad=True)
    _raises(RuntimeError, lambda: w.mul_(2), "mul_", "leaf", "no_grad")
    _raises(RuntimeError, lambda: w.__setitem__(0, 1.0), "__setitem__", "no_grad")


def test_non_numeric_data():
    _raises(TypeError, lambda: chainrule.tensor(["a", "b"]), "tensor", "numeric", "list")


def test_errors_are_not_raw_numpy_messages():
    """Each message starts by naming chainrule's op, not with NumPy's internal wording."""
    cases = [
        lambda: chainrule.ones(2, 3) @ chainrule.ones(2, 3),
        lambda: chainrule.ones(2) + chainrule.ones(3),
        lambda: chainrule.ones(2, 3).reshape(5),
        lambda: chainrule.ones(3)[4],
    ]
    for case in cases:
        with pytest.raises(Exception) as info:
            case()
        assert re.match(r"^(matmul|add|reshape|getitem)\b", str(info.value)), str(info.value)
        assert not np.char.startswith(str(info.value), "operands could not be broadcast")
