"""Every optimiser and option, run for many steps, against torch.optim on the same problem."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes
from optim_helpers import CONFIGS, STEPS, ChainruleRun, TorchRun, config_id

import chainrule as cr

# how PyTorch runs (the reference runs pass foreach=False), not what it computes: compared by name only
IMPLEMENTATION_KEYS = {"foreach", "differentiable", "fused", "capturable"}


def assert_state_matches(ours: cr.optim.Optimizer, ref: torch.optim.Optimizer, rtol: float,
                         atol: float) -> None:
    """Same state entries (names, step counts, buffers) and the same group hyperparameters."""
    sd, tsd = ours.state_dict(), ref.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i, entry in sd["state"].items():
        assert entry.keys() == tsd["state"][i].keys(), f"state names of parameter {i}"
        for key, value in entry.items():
            np.testing.assert_allclose(
                value._data, tsd["state"][i][key].numpy(), rtol=rtol, atol=atol, err_msg=key
            )
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"], strict=True):
        assert set(group) == set(tgroup)
        for key in set(group) - IMPLEMENTATION_KEYS:
            assert group[key] == tgroup[key], key


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_float64_trajectory_equals_torch(config):
    ours, ref = ChainruleRun(*config), TorchRun(*config)
    for _ in range(STEPS):
        ours.step()
        ref.step()
        for a, b in zip(ours.arrays(), ref.arrays(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert_state_matches(ours.opt, ref.opt, rtol=1e-10, atol=1e-12)


# float32: 20 steps. Further on, near the optimum, the adaptive methods turn the float32 rounding
# noise of tiny gradients (which differs between any two libraries) into full-size steps.
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_float32_trajectory_equals_torch(config):
    ours = ChainruleRun(*config, dtype=np.float32)
    ref = TorchRun(*config, dtype=torch.float32)
    for _ in range(20):
        ours.step()
        ref.step()
    for a, b in zip(ours.arrays(), ref.arrays(), strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for entry in ours.opt.state.values():
        for value in entry.values():
            if isinstance(value, cr.Tensor):
                assert value.dtype == np.float32  # float32 parameters keep float32 state
    assert_state_matches(ours.opt, ref.opt, rtol=1e-3, atol=1e-5)


def check_update_equals_torch(config: tuple[str, dict], shape: tuple[int, ...], seed: int) -> None:
    """Gradients set by hand (some exactly zero): the update alone, six steps, float64."""
    name, kwargs = config
    rng = np.random.default_rng(seed)
    p0 = np.asarray(rng.normal(size=shape))
    grads = [np.asarray(rng.normal(size=shape) * (rng.random(shape) > 0.3)) for _ in range(6)]
    p = cr.tensor(p0, requires_grad=True)
    tp = torch.tensor(p0, requires_grad=True)
    opt = getattr(cr.optim, name)([p], **kwargs)
    topt = getattr(torch.optim, name)([tp], **kwargs, foreach=False)
    for g in grads:
        p.grad = cr.tensor(g)
        tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert_state_matches(opt, topt, rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    config=st.sampled_from(CONFIGS),
    shape=array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
    seed=st.integers(0, 2**16),
)
def test_random_gradients_on_any_shape_equal_torch(config, shape, seed):
    check_update_equals_torch(config, shape, seed)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_a_0d_parameter_equals_torch(config):
    """A scalar parameter: NumPy gives 0-d results as scalars, which the state must not become."""
    check_update_equals_torch(config, (), seed=11)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_large_and_strided_parameters_equal_torch(config):
    """A large float32 parameter, and a transposed (strided) float64 one with a strided gradient."""
    name, kwargs = config
    rng = np.random.default_rng(7)
    big0, wide0 = rng.normal(size=(300, 450)), rng.normal(size=(260, 260))
    g_big = rng.normal(size=big0.shape).astype(np.float32)
    g_strided = rng.normal(size=wide0.shape).T  # a transposed (strided) gradient
    big = cr.tensor(big0.astype(np.float32), requires_grad=True)
    strided = cr.from_numpy(wide0.copy().T).requires_grad_()  # a non-contiguous parameter
    ref = [torch.tensor(big0, dtype=torch.float32, requires_grad=True),
           torch.tensor(wide0.T.copy(), requires_grad=True)]
    opt = getattr(cr.optim, name)([big, strided], **kwargs)
    assert not strided._data.flags.c_contiguous
    topt = getattr(torch.optim, name)(ref, **kwargs, foreach=False)
    for step in range(3):
        big.grad = cr.tensor(g_big * (step + 1))
        strided.grad = cr.from_numpy(g_strided * (step + 1))
        ref[0].grad = torch.tensor(g_big * (step + 1))
        ref[1].grad = torch.tensor(g_strided * (step + 1))
        opt.step()
        topt.step()
    np.testing.assert_allclose(big._data, ref[0].detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(strided._data, ref[1].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_sgd_momentum_is_the_lectures_momentum_for_a_constant_rate():
    """v_t = γ v_{t-1} + η ∇J(θ); θ ← θ - v_t  equals PyTorch's  b = μ b + g; θ ← θ - η b."""
    lr, gamma = 0.05, 0.9
    run = ChainruleRun("SGD", {"lr": lr, "momentum": gamma})
    run.opt.param_groups[1]["lr"] = lr  # one rate for all parameters, as in the lecture
    lecture = [a.copy() for a in run.arrays()]
    velocity = [np.zeros_like(a) for a in lecture]
    for _ in range(40):
        # the lecture's update, from the gradient at the lecture's own iterate
        probe = ChainruleRun("SGD", {"lr": lr})
        for p, a in zip(probe.params, lecture, strict=True):
            p._data[...] = a
        probe.t = run.t
        probe.loss().backward()
        for i, p in enumerate(probe.params):
            if p.grad is None:
                continue
            velocity[i] = gamma * velocity[i] + lr * p.grad._data
            lecture[i] = lecture[i] - velocity[i]
        run.step()
    for a, b in zip(run.arrays(), lecture, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
