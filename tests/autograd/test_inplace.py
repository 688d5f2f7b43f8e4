"""In-place operations inside a graph, version counters and their errors, against PyTorch.

Each program runs unchanged with ``lib = chainrule`` and ``lib = torch``: an in-place op on a
non-leaf is recorded (the tensor's node is rebased onto the op, whose input is the old node), a
view's change reaches its base, a value saved for backward and changed afterwards is refused at
backward with PyTorch's message, and a leaf that requires grad refuses in-place changes outside
``no_grad()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import FLOATS, assert_close, check, float_dtypes, randn, seeds, shapes

LIBS = [chainrule, torch]


# ----------------------------------------------------------------- recorded in the graph
def _arith(lib: Any, x: Any, w: Any) -> Any:
    y = x * 2
    y.add_(w)
    y.mul_(w)
    y.sub_(x, alpha=0.5)
    y.div_(w * w + 1)
    y += x
    y -= 0.25
    y *= w
    y /= 3.0
    return y


UNARY_ = [("sqrt_", ()), ("log_", ()), ("exp_", ()), ("neg_", ()), ("abs_", ()), ("pow_", (2,)),
          ("pow_", (0.5,)), ("clamp_", (0.6, 1.3)), ("tanh_", ()), ("sigmoid_", ()), ("relu_", ())]


def _unary_ops(lib: Any, x: Any, w: Any) -> Any:
    pos = (x * w).sigmoid() + 0.5  # in (0.5, 1.5): log_ and sqrt_ are defined
    total = pos * 0
    for name, args in UNARY_:
        y = pos - 0.75 if name in ("abs_", "relu_", "neg_") else pos * 1
        total = total + getattr(y, name)(*args)
    return total


@settings(deadline=None, max_examples=20)
@given(shape=shapes(min_dims=0, max_dims=3), dtype=float_dtypes, seed=seeds)
@pytest.mark.parametrize("program", [_arith, _unary_ops], ids=["arithmetic", "unary"])
def test_inplace_chain_is_recorded(program, shape, dtype, seed):
    check(program, randn(shape, dtype, seed), randn(shape, dtype, seed + 1), seed=seed)


@pytest.mark.parametrize("dtype", FLOATS)
def test_inplace_result_has_the_node_and_the_old_value_is_its_input(dtype):
    for lib in LIBS:
        a = lib.tensor(randn((3,), dtype), requires_grad=True)
        x = a * 2
        before = x.grad_fn
        out = x.add_(1)
        assert out is x and x.grad_fn is not before and x.requires_grad and not x.is_leaf
        assert x.grad_fn.next_functions[0][0] is before
    check(lambda lib, a: (a * 2).add_(1).mul_(a), randn((3,), dtype))


def _overwrites(lib: Any, x: Any, w: Any) -> Any:
    a = x * 1
    a.zero_()
    b = x * 1
    b.fill_(2.5)
    c = x * 1
    c.copy_(w)  # w broadcast from one row: its gradient sums over the rows
    d = x.detach().clone()  # no grad until a grad operand is written in
    d.add_(x[0])
    return a * x + b * x + c * x + d


@pytest.mark.parametrize("dtype", FLOATS)
def test_overwriting_ops_give_zero_to_the_old_value(dtype):
    check(_overwrites, randn((3, 4), dtype, 1), randn((4,), dtype, 2))


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_and_uniform_inside_a_graph_cut_the_old_value(dtype):
    for lib in LIBS:
        a = lib.tensor(randn((3, 4), dtype), requires_grad=True)
        y = a * 2
        y.normal_(0.0, 1.0)
        z = a * 3
        z.uniform_(-1.0, 1.0)
        assert y.requires_grad and z.requires_grad
        (y * a + z).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), y.detach().numpy(), rtol=0, atol=0)
        assert a.grad.dtype == a.dtype


def _setitem(lib: Any, x: Any, w: Any) -> Any:
    y = x * 2
    y[0] = w[0] * 3  # basic index
    y[[1, 2], 1] = w[1:3, 0]  # integer arrays
    y[:, -1] += w[:, -1]  # augmented assignment on a slice: view, add_, then setitem
    y[y > 1] = 0.5  # boolean mask, a number
    return y


@pytest.mark.parametrize("dtype", FLOATS)
def test_setitem_is_recorded(dtype):
    check(_setitem, randn((4, 3), dtype, 3), randn((4, 3), dtype, 4))


def _one_hot_grad(lib: Any, logits: Any, target: Any) -> Any:
    """The lecture's softmax gradient written as a program: probs - one_hot(y), in place."""
    n = logits.shape[0]
    probs = lib.nn.functional.softmax(logits, 1).clone()
    probs[range(n), target] -= 1
    return probs


@pytest.mark.parametrize("dtype", FLOATS)
def test_probs_minus_one_hot_in_place(dtype):
    target = np.array([0, 2, 1, 2, 0])
    check(_one_hot_grad, randn((5, 3), dtype, 5), target, grad=[True, False])


def _view_writes(lib: Any, x: Any, w: Any) -> Any:
    y = x * 2
    y[1:].mul_(3)  # a slice: the change reaches y (CopySlices)
    y.view(-1)[:2].add_(w.reshape(-1)[:2])  # a view of a view
    y.t()[0].sub_(w[:, 0])  # a transposed view
    z = x * 1
    row = z[0]
    row.mul_(w[0])  # the view itself is used afterwards as well
    return y, z, row * 2


@pytest.mark.parametrize("dtype", FLOATS)
def test_writing_through_a_view_changes_the_base(dtype):
    check(_view_writes, randn((3, 4), dtype, 6), randn((3, 4), dtype, 7))


@pytest.mark.parametrize("dtype", FLOATS)
def test_retain_grad_follows_the_tensor_through_an_inplace_op(dtype):
    grads = []
    for lib in LIBS:
        a = lib.tensor(randn((3,), dtype), requires_grad=True)
        y = a * 2
        y.retain_grad()
        y.mul_(a)
        (y * 3).sum().backward()
        grads.append(y.grad)
    assert_close(grads[0], grads[1])


@pytest.mark.parametrize("dtype", FLOATS)
def test_a_saved_input_overwritten_by_its_own_inplace_op_keeps_its_old_value(dtype):
    # mul_ saves the old x for dW = G * X: chainrule keeps a copy of it, so the gradient is right
    a_np, w_np = randn((4,), dtype, 8), randn((4,), dtype, 9)
    a, w = chainrule.tensor(a_np, requires_grad=True), chainrule.tensor(w_np, requires_grad=True)
    y = a * 1
    y.mul_(w)
    y.sum().backward()
    assert_close(w.grad, torch.tensor(a_np))
    assert_close(a.grad, torch.tensor(w_np))


# ----------------------------------------------------------------------- the errors
def _errors(program: Any) -> tuple[str, str]:
    """Run ``program(lib)`` in both libraries; both must raise RuntimeError: their messages."""
    messages = []
    for lib in LIBS:
        with pytest.raises(RuntimeError) as info:
            program(lib)
        messages.append(str(info.value))
    return messages[0], messages[1]


MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def _sigmoid_output(lib: Any, dtype: Any) -> None:
    x = lib.tensor(randn((3, 4), dtype), requires_grad=True)
    y = x.sigmoid()  # saves its output
    y.mul_(2)
    y.sum().backward()


def _exp_output_twice(lib: Any, dtype: Any) -> None:
    x = lib.tensor(randn((3,), dtype), requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.mul_(2)
    y.sum().backward()


def _saved_leaf(lib: Any, dtype: Any) -> None:
    x = lib.tensor(randn((3,), dtype), requires_grad=True)
    w = lib.tensor(randn((3,), dtype, 1), requires_grad=True)
    y = x * w  # saves x for dW
    with lib.no_grad():
        x.add_(1)
    y.sum().backward()


def _through_detach(lib: Any, dtype: Any) -> None:
    x = lib.tensor(randn((3,), dtype), requires_grad=True)
    y = x.tanh()
    y.detach().mul_(2)  # detach() shares the version counter
    y.sum().backward()


def _consumer_saved_it(lib: Any, dtype: Any) -> None:
    x = lib.tensor(randn((3,), dtype), requires_grad=True)
    y = x.exp()
    z = y * x  # saves y
    y.add_(1)
    z.sum().backward()


def _softmax_probs(lib: Any, dtype: Any) -> None:
    logits = lib.tensor(randn((4, 3), dtype), requires_grad=True)
    probs = lib.nn.functional.softmax(logits, 1)  # saves probs; no clone this time
    probs[range(4), lib.tensor([0, 2, 1, 0])] -= 1
    (probs * probs).sum().backward()


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("program, words", [
    (_sigmoid_output, ["which is output 0 of Sigmoid", "is at version 1; expected version 0 instead"]),
    (_exp_output_twice, ["which is output 0 of Exp", "is at version 2; expected version 0 instead"]),
    (_saved_leaf, ["Tensor [3]] is at version 1; expected version 0 instead"]),
    (_through_detach, ["is at version 1; expected version 0 instead"]),
    (_consumer_saved_it, ["which is output 0 of Add", "is at version 1; expected version 0 instead"]),
    (_softmax_probs, ["which is output 0 of Softmax", "is at version 1; expected version 0 instead"]),
], ids=["sigmoid", "exp-twice", "leaf", "detach", "consumer", "softmax"])
def test_modified_saved_value_is_refused_at_backward(program, words, dtype):
    mine, theirs = _errors(lambda lib: program(lib, dtype))
    kind = "Float" if dtype == np.float32 else "Double"
    for m in (mine, theirs):
        assert MODIFIED in m
        for w in words:
            assert w in m, (w, m)
    assert f"[chainrule.{kind}Tensor " in mine and f"[torch.{kind}Tensor " in theirs


@pytest.mark.parametrize("dtype", FLOATS)
def test_changes_through_data_are_hidden_from_autograd(dtype):
    grads = []
    for lib in LIBS:
        x = lib.tensor(randn((3,), dtype), requires_grad=True)
        y = x.sigmoid()
        y.data.mul_(2)  # .data has its own version counter: no error, as in PyTorch
        assert y._version == 0
        y.sum().backward()
        grads.append(x.grad)
    assert_close(grads[0], grads[1])


@pytest.mark.parametrize("op", [
    lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.zero_(), lambda x: x.fill_(1.0),
    lambda x: x.normal_(), lambda x: x.uniform_(), lambda x: x.clamp_(0, 1), lambda x: x.exp_(),
    lambda x: x.copy_(x.detach() * 2), lambda x: x.__iadd__(1), lambda x: x.__setitem__(0, 1.0),
    lambda x: x[0].add_(1), lambda x: x.view(-1).mul_(2),
], ids=["add_", "mul_", "zero_", "fill_", "normal_", "uniform_", "clamp_", "exp_", "copy_", "+=",
        "setitem", "view-add_", "view-mul_"])
def test_leaf_that_requires_grad_refuses_inplace(op):
    mine, theirs = _errors(lambda lib: op(lib.zeros(3, 2, requires_grad=True)))
    for m in (mine, theirs):
        assert "leaf Variable that requires grad is being used in an in-place operation" in m


@pytest.mark.parametrize("dtype", FLOATS)
def test_no_grad_allows_inplace_on_a_leaf(dtype):
    results = []
    for lib in LIBS:
        p = lib.tensor(randn((2, 3), dtype), requires_grad=True)
        (p * p).sum().backward()
        with lib.no_grad():
            p -= 0.1 * p.grad
            p.add_(1)
            p[0] = 2.0
            p.clamp_(-1.5, 1.5)
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
        results.append((p, p._version))
    assert_close(results[0][0], results[1][0])
    assert results[0][1] == results[1][1] == 4


def test_inplace_cannot_change_the_shape():
    mine, theirs = _errors(lambda lib: (lib.randn(3, requires_grad=True) * 2).add_(lib.ones(2, 3)))
    for m in (mine, theirs):
        assert "output with shape [3] doesn't match the broadcast shape [2, 3]" in m


# --------------------------------------------------------------------- version counters
def _versions(lib: Any) -> list[int]:
    x = lib.zeros(3, 4)
    seen = [x._version]
    x.add_(1)
    seen.append(x._version)
    v = x[1:]  # a view shares the counter
    v.mul_(2)
    seen += [x._version, v._version]
    d = x.detach()  # so does detach()
    d.sub_(1)
    seen += [x._version, d._version]
    x[0] = 5.0
    x += 1
    x.zero_()
    seen.append(x._version)
    dd = x.data  # .data counts apart
    dd.add_(1)
    dd.add_(1)
    seen += [x._version, dd._version]
    c = x.clone()  # a copy starts again
    seen.append(c._version)
    return seen


def test_version_counters_match_pytorch():
    assert _versions(chainrule) == _versions(torch)


@pytest.mark.parametrize("dtype", FLOATS)
def test_graph_tensor_versions_match_pytorch(dtype):
    def version(lib):
        y = lib.tensor(randn((3,), dtype), requires_grad=True) * 2
        y.add_(1)
        y[0] = 5.0
        y[1:].mul_(2)
        return y._version

    assert version(chainrule) == version(torch) == 3


@settings(deadline=None, max_examples=10)
@given(n=st.integers(1, 5), dtype=float_dtypes)
def test_backward_after_unrelated_inplace_changes_passes(n, dtype):
    # versions moved on memory the graph never saved: no error, gradients as PyTorch's
    grads = []
    for lib in LIBS:
        x = lib.tensor(randn((3,), dtype), requires_grad=True)
        other = lib.zeros(3)
        for _ in range(n):
            other.add_(1)
        y = (x * 2 + other).sum()
        other.mul_(3)
        y.backward()
        grads.append(x.grad)
    assert_close(grads[0], grads[1])


def test_out_argument_bumps_the_version():
    seen = []
    for lib in LIBS:
        o = lib.zeros(3)
        lib.add(lib.ones(3), lib.ones(3), out=o)
        lib.mul(o, 2, out=o)
        seen.append(o._version)
    assert seen[0] == seen[1] == 2
