"""``autograd.grad`` and ``inference_mode`` against PyTorch."""

from __future__ import annotations

import pytest
import torch

import chainrule
from torch_oracle import assert_close, randn


def _inputs(lib, dtype, *shapes):
    return [lib.tensor(randn(s, dtype, i), requires_grad=True) for i, s in enumerate(shapes)]


def _compare(run):
    c, t = run(chainrule), run(torch)
    assert len(c) == len(t)
    for a, b in zip(c, t, strict=True):
        if b is None:
            assert a is None
        else:
            assert_close(a, b)


def test_grad_returns_gradients_and_leaves_dot_grad_alone(dtype):
    def run(lib):
        a, b = _inputs(lib, dtype, (2, 3), (3, 4))
        a.grad = lib.ones(2, 3, dtype=a.dtype)  # an old .grad survives untouched
        y = (a @ b).tanh().sum()
        ga, gb = lib.autograd.grad(y, [a, b])
        assert b.grad is None and a.grad.tolist() == [[1.0] * 3] * 2
        return ga, gb

    _compare(run)


def test_grad_of_a_non_leaf_and_of_several_outputs(dtype):
    def run(lib):
        (a,) = _inputs(lib, dtype, (3,))
        z = a * 2
        w = (z ** 2).sum()
        y = (a.exp() * z).sum()
        (gz,) = lib.autograd.grad(w, z, retain_graph=True)
        both = lib.autograd.grad([w, y], [a, z])
        assert lib is torch or z.grad is None  # (torch warns when a non-leaf's .grad is read)
        return (gz, *both)

    _compare(run)


def test_grad_with_grad_outputs(dtype):
    def run(lib):
        a, b = _inputs(lib, dtype, (2, 3), (2, 3))
        weights = lib.tensor(randn((2, 3), dtype, 7))
        return lib.autograd.grad(a * b, (a, b), grad_outputs=weights) + lib.autograd.grad(
            (a.sin() * 3).sum(), a, grad_outputs=lib.tensor(2.0, dtype=a.dtype))

    _compare(run)


def test_grad_allow_unused_and_retain_graph(dtype):
    def run(lib):
        a, b = _inputs(lib, dtype, (2,), (2,))
        y = (a * a).sum()
        first = lib.autograd.grad(y, [a, b], allow_unused=True, retain_graph=True)
        second = lib.autograd.grad(y, a)  # the graph was kept for a second pass
        return (*first, *second)

    _compare(run)


def test_grad_of_leaf_with_hook_applies_the_hook_like_torch():
    def run(lib):
        x = lib.ones(2, requires_grad=True)
        x.register_hook(lambda g: g * 100)
        out = lib.autograd.grad((x * 2).sum(), x)
        assert x.grad is None
        return out

    _compare(run)


@pytest.mark.parametrize("call,match", [
    (lambda lib, a, b: lib.autograd.grad((a * 2).sum(), [b]), "input 0 .* not to have been used|not have been used"),
    (lambda lib, a, b: lib.autograd.grad(a * 2, [a]), "implicitly created only for scalar outputs"),
    (lambda lib, a, b: lib.autograd.grad((a * 2).sum(), [lib.ones(2)]), "does not require grad"),
    (lambda lib, a, b: lib.autograd.grad((a * 2).sum(), [a], grad_outputs=[lib.ones(2)]), "shape"),
])
def test_grad_errors(call, match):
    def args(lib):
        return lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)

    with pytest.raises(RuntimeError, match=match):
        call(chainrule, *args(chainrule))
    with pytest.raises(RuntimeError):
        call(torch, *args(torch))


def test_grad_create_graph_is_refused_with_the_reason():
    a = chainrule.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph=True.*higher-order gradients are not supported"):
        chainrule.autograd.grad((a * a).sum(), a, create_graph=True)


def test_grad_then_backward_frees_the_graph_as_torch():
    a = chainrule.ones(2, requires_grad=True)
    y = (a * a).sum()
    chainrule.autograd.grad(y, a)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


# ------------------------------------------------------------------------------ inference_mode
def _records(lib):
    return (lib.ones(2, requires_grad=True) * 2).requires_grad


def test_inference_mode_as_context_and_decorators():
    for lib in (chainrule, torch):
        with lib.inference_mode():
            assert not _records(lib) and lib.is_inference_mode_enabled() and not lib.is_grad_enabled()
        assert _records(lib) and not lib.is_inference_mode_enabled()

        @lib.inference_mode()
        def called(lib=lib):
            return _records(lib)

        @lib.inference_mode
        def bare(lib=lib):
            return _records(lib)

        @lib.no_grad
        def bare_no_grad(lib=lib):
            return _records(lib)

        assert not called() and not bare() and not bare_no_grad() and bare.__name__ == "bare"
        with lib.no_grad(), lib.inference_mode(False):
            assert _records(lib) and not lib.is_inference_mode_enabled()
        assert chainrule.autograd.inference_mode is chainrule.inference_mode


def test_inference_mode_restores_after_an_exception():
    with pytest.raises(ValueError), chainrule.inference_mode():
        raise ValueError
    assert chainrule.is_grad_enabled() and not chainrule.is_inference_mode_enabled()


def test_no_grad_takes_no_argument_but_a_function_to_decorate():
    # PyTorch wraps any single argument as if it were a function (calling it fails later);
    # chainrule says at once that no_grad takes none
    with pytest.raises(TypeError, match="positional argument"):
        chainrule.no_grad(True)
    assert chainrule.no_grad(len)([1, 2]) == 2
