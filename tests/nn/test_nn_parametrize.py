"""Parametrizations against PyTorch: ``nn.utils.parametrize`` (a tensor computed from another),
weight and spectral normalisation (the parametrizations and the older ``weight_norm`` hook):
values, gradients of the originals, state_dict keys, training steps, removal and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close, randn


def _twins(build, dtype, parametrize=None):
    t_module, c_module = build(torch.nn), build(chainrule.nn)
    if dtype == np.float64:
        t_module.double()
        c_module.double()
    if parametrize is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            t_module = parametrize(torch, t_module)
            c_module = parametrize(chainrule, c_module)
    assert list(c_module.state_dict()) == list(t_module.state_dict())
    c_module.load_state_dict({k: v.detach().numpy().copy() for k, v in t_module.state_dict().items()})
    return c_module, t_module


def _run(c_module, t_module, x, dtype, steps=1):
    """Forward (``steps`` times, as training does) and backward in both; compare outputs and grads."""
    for _ in range(steps):
        cy, ty = c_module(chainrule.tensor(x.copy())), t_module(torch.tensor(x.copy()))
        assert_close(cy, ty, dtype, what="output")
    g = randn(tuple(ty.shape), dtype, 9)
    (cy * chainrule.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for (name, cp), (_, tp) in zip(c_module.named_parameters(), t_module.named_parameters()):
        assert_close(cp.grad, tp.grad, dtype, what=f"gradient of {name}")
    for (name, cb), (_, tb) in zip(c_module.named_buffers(), t_module.named_buffers()):
        assert_close(cb, tb, dtype, what=f"buffer {name}")


BUILDS = {
    "linear": (lambda nn: nn.Linear(3, 4), (5, 3)),
    "conv1d": (lambda nn: nn.Conv1d(3, 4, 2), (2, 3, 6)),
    "conv_transpose2d": (lambda nn: nn.ConvTranspose2d(3, 2, 2), (1, 3, 3, 3)),
}


@pytest.mark.parametrize("name", list(BUILDS))
@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("api", ["parametrizations", "hook"])
def test_weight_norm_equals_torch(name, dim, api, dtype):
    build, shape = BUILDS[name]

    def parametrize(lib, module):
        utils = lib.nn.utils
        return (utils.parametrizations.weight_norm if api == "parametrizations" else utils.weight_norm)(module, dim=dim)

    c_module, t_module = _twins(build, dtype, parametrize)
    _run(c_module, t_module, randn(shape, dtype, 1), dtype)
    assert repr(c_module) == repr(t_module)


@pytest.mark.parametrize("name", list(BUILDS))
def test_spectral_norm_equals_torch_in_training_and_eval(name, dtype):
    """The power iteration's vectors start from torch's (their random start differs), then every
    training step refines them as torch does; evaluation leaves them."""
    build, shape = BUILDS[name]
    c_module, t_module = _twins(build, dtype, lambda lib, m: lib.nn.utils.parametrizations.spectral_norm(m))
    x = randn(shape, dtype, 2)
    _run(c_module, t_module, x, dtype, steps=3)
    c_module.eval()
    t_module.eval()
    _run(c_module, t_module, x, dtype, steps=2)


def test_spectral_norm_divides_by_the_largest_singular_value():
    layer = chainrule.nn.utils.parametrizations.spectral_norm(chainrule.nn.Linear(6, 5))
    for _ in range(30):  # the power iteration converges
        w = layer.weight
    assert abs(np.linalg.svd(w.detach().numpy(), compute_uv=False)[0] - 1) < 1e-4


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):
            return a.triu()

    return Symmetric()


def test_a_custom_parametrization_trains_as_in_torch():
    """PyTorch's tutorial example: a symmetric weight, trained for a few SGD steps."""
    c_module, t_module = _twins(lambda nn: nn.Linear(3, 3), np.float64,
                                lambda lib, m: lib.nn.utils.parametrize.register_parametrization(m, "weight",
                                                                                                 _symmetric(lib)))
    x = randn((4, 3), np.float64, 3)
    for module, lib in ((c_module, chainrule), (t_module, torch)):
        opt = lib.optim.SGD(module.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            module(lib.tensor(x.copy())).pow(2).sum().backward()
            opt.step()
    assert_close(c_module.weight, t_module.weight, np.float64)
    w = c_module.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)


def test_assignment_goes_through_right_inverse_and_removal_as_torch():
    results = []
    for lib in (chainrule, torch):
        module = lib.nn.Linear(3, 3)
        lib.nn.utils.parametrize.register_parametrization(module, "weight", _symmetric(lib))
        assert lib.nn.utils.parametrize.is_parametrized(module) and type(module).__name__ == "ParametrizedLinear"
        value = lib.tensor(randn((3, 3), np.float32, 4))
        module.weight = value
        stored = module.parametrizations.weight.original.detach().numpy().copy()
        with lib.nn.utils.parametrize.cached():
            assert module.weight is module.weight
        lib.nn.utils.parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
        results.append((stored, module.weight.detach().numpy().copy(), type(module).__name__,
                        list(module.state_dict())))
    (cs, cw, cn, ck), (ts, tw, tn, tk) = results
    np.testing.assert_allclose(cs, ts)
    np.testing.assert_allclose(cw, tw)
    assert cn == tn == "Linear" and ck == tk
    assert isinstance(chainrule.nn.Linear(2, 2).weight, chainrule.nn.Parameter)  # other instances untouched


def test_errors_as_torch():
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
            lib.nn.utils.parametrize.register_parametrization(lib.nn.Linear(2, 2), "scale", _symmetric(lib))
        with pytest.raises(ValueError, match="does not have a parametrization on weight"):
            lib.nn.utils.parametrize.remove_parametrizations(lib.nn.Linear(2, 2), "weight")
    with pytest.warns(FutureWarning, match="weight_norm` is deprecated"):
        chainrule.nn.utils.weight_norm(chainrule.nn.Linear(2, 2))
    with pytest.warns(FutureWarning):
        module = chainrule.nn.utils.weight_norm(chainrule.nn.Linear(2, 2))
    assert set(module.state_dict()) == {"bias", "weight_g", "weight_v"}
    chainrule.nn.utils.remove_weight_norm(module)
    assert set(module.state_dict()) == {"bias", "weight"}
