"""Adafactor against torch.optim.Adafactor: what the shared trajectory and state_dict tests
(optim_helpers.CONFIGS) do not reach: its signature and groups, the factored state of parameters of
every rank, ε₁ from the dtype, update clipping, validation and loading PyTorch's factored state."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import chainrule as cr
from chainrule.optim import Adafactor


def run_both(shapes: list[tuple[int, ...]], kwargs: dict, steps: int = 6, seed: int = 0,
             dtypes: list[np.dtype] | None = None, scale: float = 1.0):
    """The same hand-set gradients (some entries exactly zero) in chainrule and in PyTorch."""
    rng = np.random.default_rng(seed)
    dtypes = dtypes or [np.float64] * len(shapes)
    starts = [rng.normal(size=s).astype(d) for s, d in zip(shapes, dtypes, strict=True)]
    params = [cr.tensor(a.copy(), requires_grad=True) for a in starts]
    ref = [torch.tensor(a.copy(), requires_grad=True) for a in starts]
    opt, topt = Adafactor(params, **kwargs), torch.optim.Adafactor(ref, **kwargs)
    for _ in range(steps):
        for p, tp in zip(params, ref, strict=True):
            g = (scale * rng.normal(size=p.shape) * (rng.random(p.shape) > 0.2)).astype(p.dtype)
            p.grad, tp.grad = cr.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    return params, ref, opt, topt


def assert_same_state(opt: Adafactor, topt: torch.optim.Adafactor, rtol: float) -> None:
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i, entry in tsd["state"].items():
        assert list(sd["state"][i]) == list(entry), f"state names of parameter {i}"
        for key, value in entry.items():
            ours = sd["state"][i][key]._data
            assert ours.shape == tuple(value.shape), key
            assert ours.dtype == value.numpy().dtype, key
            np.testing.assert_allclose(ours, value.numpy(), rtol=rtol, atol=1e-12, err_msg=key)


def test_signature_is_torchs():
    ours = inspect.signature(Adafactor.__init__).parameters
    ref = inspect.signature(torch.optim.Adafactor.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in ref.values()
    ]


def test_param_group_keys_and_defaults_are_torchs():
    ours = Adafactor([cr.zeros(2, 3, requires_grad=True)])
    ref = torch.optim.Adafactor([torch.zeros(2, 3, requires_grad=True)])
    group = {k: v for k, v in ours.param_groups[0].items() if k != "params"}
    assert group == {k: v for k, v in ref.param_groups[0].items() if k != "params"}
    assert "Adafactor" in cr.optim.__all__


@pytest.mark.parametrize("shape", [(), (5,), (4, 3), (1, 6), (2, 3, 4), (2, 1, 3, 5)], ids=str)
def test_state_of_every_rank_equals_torch(shape):
    """row_var [..., n, 1] and col_var [..., 1, m] from two dimensions on, variance below."""
    params, ref, opt, topt = run_both([shape], {"lr": 0.05, "weight_decay": 0.1})
    np.testing.assert_allclose(params[0]._data, ref[0].detach().numpy(), rtol=1e-10, atol=1e-12)
    assert_same_state(opt, topt, rtol=1e-10)


@settings(max_examples=20, deadline=None)
@given(
    shape=array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4),
    lr=st.sampled_from([1e-3, 0.05, 0.5]),
    beta2_decay=st.sampled_from([-0.8, -0.3, 0.0]),
    eps=st.sampled_from([(None, 1e-3), (1e-4, 0.5), (0.0, 0.0)]),
    d=st.sampled_from([1.0, 1.5, 10.0]),
    weight_decay=st.sampled_from([0.0, 0.2]),
    maximize=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_any_shape_and_hyperparameters_equal_torch(shape, lr, beta2_decay, eps, d, weight_decay,
                                                   maximize, seed):
    kwargs = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                  maximize=maximize)
    params, ref, opt, topt = run_both([shape], kwargs, seed=seed)
    np.testing.assert_allclose(params[0]._data, ref[0].detach().numpy(), rtol=1e-9, atol=1e-12)
    assert_same_state(opt, topt, rtol=1e-9)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e4])
def test_clipping_and_eps_for_tiny_and_huge_gradients(scale):
    """Tiny gradients meet ε₁, huge ones the update clipping (RMS(U) > d)."""
    params, ref, _, _ = run_both([(3, 4), (4,)], {"lr": 0.1, "d": 1.0}, scale=scale)
    for p, tp in zip(params, ref, strict=True):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-10, atol=1e-14)


def test_eps1_comes_from_the_first_parameters_dtype():
    """ε₁ = None takes the machine epsilon of the group's first parameter with a gradient, and keeps
    it for the others, as PyTorch (a float32 parameter first sets float32's for a float64 one)."""
    params, ref, opt, topt = run_both([(3, 2), (3, 2)], {"lr": 0.05}, scale=1e-5,
                                      dtypes=[np.float32, np.float64])
    assert params[0].dtype == np.float32 and params[1].dtype == np.float64
    np.testing.assert_allclose(params[0]._data, ref[0].detach().numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(params[1]._data, ref[1].detach().numpy(), rtol=1e-10, atol=1e-14)
    assert_same_state(opt, topt, rtol=1e-4)


def test_float32_state_stays_float32_and_is_updated_in_place():
    p = cr.tensor(np.ones((3, 4), dtype=np.float32), requires_grad=True)
    opt = Adafactor([p])
    p.grad = cr.tensor(np.full((3, 4), 0.5, dtype=np.float32))
    opt.step()
    buffers = {k: v._data for k, v in opt.state[p].items() if isinstance(v, cr.Tensor)}
    assert set(buffers) == {"row_var", "col_var"}
    assert all(b.dtype == np.float32 for b in buffers.values())
    opt.step()
    assert all(opt.state[p][k]._data is b for k, b in buffers.items())
    assert p.dtype == np.float32


def test_pytorch_state_dict_with_factors_loads_and_continues():
    params, ref, _, topt = run_both([(4, 3), (2, 3, 2), (3,)], {"lr": 0.05}, steps=4)
    ours = [cr.tensor(tp.detach().numpy().copy(), requires_grad=True) for tp in ref]
    opt = Adafactor(ours, lr=0.05)
    opt.load_state_dict(topt.state_dict())
    assert list(opt.state[ours[0]]) == ["step", "row_var", "col_var"]
    assert opt.state[ours[0]]["row_var"].shape == (4, 1)
    rng = np.random.default_rng(3)
    for _ in range(4):
        for p, tp in zip(ours, ref, strict=True):
            g = rng.normal(size=p.shape)
            p.grad, tp.grad = cr.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, tp in zip(ours, ref, strict=True):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert_same_state(opt, topt, rtol=1e-10)


def test_a_factor_of_the_wrong_shape_is_refused_and_nothing_is_loaded():
    p = cr.zeros(4, 3, requires_grad=True)
    opt = Adafactor([p])
    p.grad = cr.ones(4, 3)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["row_var"] = cr.zeros(3, 1)
    before = opt.state[p]["row_var"]
    with pytest.raises(ValueError, match=re.escape("'row_var' of parameter 0 has shape (3, 1)")):
        opt.load_state_dict(sd)
    assert opt.state[p]["row_var"] is before
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


INVALID = [
    ({"lr": -0.1}, "lr=-0.1"),
    ({"lr": float("nan")}, "lr=nan"),
    ({"beta2_decay": 0.5}, "beta2_decay=0.5"),
    ({"eps": (-1e-3, 1e-3)}, "eps[0]=-0.001"),
    ({"eps": (None, -1.0)}, "eps[1]=-1.0"),
    ({"d": 0.5}, "d=0.5"),
    ({"weight_decay": -0.1}, "weight_decay=-0.1"),
]


@pytest.mark.parametrize(("kwargs", "message"), INVALID, ids=str)
def test_invalid_hyperparameters_are_named_and_torch_refuses_them_too(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        Adafactor([cr.zeros(2, requires_grad=True)], **kwargs)
    assert "Adafactor" in str(info.value)
    with pytest.raises(ValueError):
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **kwargs)
    opt = Adafactor([cr.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.add_param_group({"params": [cr.zeros(3, requires_grad=True)], **kwargs})


def test_eps_must_be_a_pair():
    with pytest.raises(ValueError, match="eps must be a pair"):
        Adafactor([cr.zeros(2, requires_grad=True)], eps=1e-3)


def test_closure_loss_is_returned():
    p = cr.tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = Adafactor([p])

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure)._data) == 5.0
    assert opt.state[p]["step"] == 1
