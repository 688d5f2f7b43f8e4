"""Activation checkpointing against PyTorch's ``torch.utils.checkpoint``: same outputs, same
gradients for inputs and parameters, both variants, and the function really runs again."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint

import chainrule
import chainrule.utils.checkpoint
from torch_oracle import assert_close, randn


def _model(nn):
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def _twins(dtype):
    t_model = _model(torch.nn)
    c_model = _model(chainrule.nn)
    c_model.load_state_dict({k: v.detach().numpy().copy() for k, v in t_model.state_dict().items()})
    if dtype == np.float64:
        t_model.double()
        c_model.double()
    return c_model, t_model


@pytest.mark.parametrize("use_reentrant", [False, True])
@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_checkpointed_middle_equals_torch(use_reentrant, input_requires_grad, dtype):
    if use_reentrant and not input_requires_grad:
        pytest.skip("the reentrant variant needs an input that requires grad (tested below)")
    c_model, t_model = _twins(dtype)
    x = randn((4, 5), dtype, 1)
    results = []
    for model, lib in ((c_model, chainrule), (t_model, torch)):
        inp = lib.tensor(x.copy(), requires_grad=input_requires_grad)
        h = model[1](model[0](inp))
        h = lib.utils.checkpoint.checkpoint(lambda a, m=model: m[3](m[2](a)), h, use_reentrant=use_reentrant)
        out = model[4](h)
        (out * lib.tensor(randn((4, 3), dtype, 2))).sum().backward()
        results.append([out, inp.grad] + [p.grad for p in model.parameters()])
    for k, (c, t) in enumerate(zip(*results)):
        if t is None:
            assert c is None, f"entry {k}"
            continue
        assert_close(c, t, dtype, what=f"entry {k}")


def test_the_function_runs_again_in_backward_and_its_graph_is_not_kept():
    calls = []
    lin = chainrule.nn.Linear(3, 3)

    def fn(a):
        calls.append(chainrule.is_grad_enabled())
        return lin(a).tanh()

    x = chainrule.randn(2, 3, requires_grad=True)
    y = chainrule.utils.checkpoint.checkpoint(fn, x, use_reentrant=False)
    assert len(calls) == 1
    assert type(y.grad_fn).__name__ == "_Part"  # the output hangs off the checkpoint node, not off tanh
    y.sum().backward()
    assert calls == [True, True]
    expected = lin(x.detach()).tanh()
    want = (1 - expected**2).sum(0)  # d/dbias of sum(tanh(x W^T + b))
    np.testing.assert_allclose(lin.bias.grad.numpy(), want.detach().numpy(), rtol=1e-6)


def test_dropout_draws_the_same_mask_when_recomputed():
    """With the random state preserved, the recomputed dropout mask is the forward's, so the
    gradients equal those of the same run without checkpointing."""
    grads = []
    for use_checkpoint in (False, True):
        chainrule.manual_seed(0)
        lin = chainrule.nn.Linear(6, 6)
        drop = chainrule.nn.Dropout(0.5)
        x = chainrule.randn(5, 6, requires_grad=True)
        chainrule.manual_seed(7)
        fn = lambda a, drop=drop, lin=lin: drop(lin(a))  # noqa: E731
        y = chainrule.utils.checkpoint.checkpoint(fn, x, use_reentrant=False) if use_checkpoint else fn(x)
        chainrule.randn(3)  # the random state moves on before backward
        (y * y).sum().backward()
        grads.append((x.grad.numpy().copy(), lin.weight.grad.numpy().copy()))
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_tuple_outputs_with_a_number_and_an_unused_tensor():
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor(randn((3,), np.float64, 3), requires_grad=True)
        w = lib.tensor(randn((3,), np.float64, 4), requires_grad=True)
        a, n, b = lib.utils.checkpoint.checkpoint(lambda t, w=w: (t * w, 7, t.sum() * 2), x, use_reentrant=False)
        assert n == 7
        a.sum().backward()
        results.append((x.grad, w.grad))
    for c, t in zip(*results):
        assert_close(c, t, np.float64)


def test_warnings_and_errors_as_torch():
    for lib in (chainrule, torch):
        x = lib.ones(2, 2, requires_grad=True)
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
            lib.utils.checkpoint.checkpoint(lambda a: a * 2, x)
        with pytest.raises(ValueError, match="Unexpected keyword arguments: b"):
            lib.utils.checkpoint.checkpoint(lambda a, b=1: a * b, x, b=2, use_reentrant=True)
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            y = lib.utils.checkpoint.checkpoint(lambda a: a * 2, lib.ones(2), use_reentrant=True)
        assert not y.requires_grad
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = lib.utils.checkpoint.checkpoint(lambda a, b=1: a * b, x, b=3, use_reentrant=False)
        y.sum().backward()
        assert x.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_equals_torch(segments, dtype):
    c_model, t_model = _twins(dtype)
    x = randn((4, 5), dtype, 5)
    results = []
    for model, lib in ((c_model, chainrule), (t_model, torch)):
        inp = lib.tensor(x.copy(), requires_grad=True)
        out = lib.utils.checkpoint.checkpoint_sequential(model, segments, inp, use_reentrant=False)
        out.pow(2).sum().backward()
        results.append([out, inp.grad] + [p.grad for p in model.parameters()])
    for k, (c, t) in enumerate(zip(*results)):
        assert_close(c, t, dtype, what=f"entry {k}")


def test_autograd_grad_through_a_checkpoint_leaves_grad_untouched():
    lin = chainrule.nn.Linear(3, 2)
    x = chainrule.randn(4, 3, requires_grad=True)
    y = chainrule.utils.checkpoint.checkpoint(lin, x, use_reentrant=False)
    gx, gw = chainrule.autograd.grad(y.sum(), [x, lin.weight])
    assert x.grad is None and lin.weight.grad is None
    np.testing.assert_allclose(gx.numpy(), np.broadcast_to(lin.weight.detach().numpy().sum(0), (4, 3)), rtol=1e-6)
    np.testing.assert_allclose(gw.numpy(), np.broadcast_to(x.detach().numpy().sum(0), (2, 3)), rtol=1e-6)
