"""PyTorch's implementation choices (foreach, fused, capturable, differentiable): every constructor
has torch's signature, every group torch's keys, the update is the same whatever is chosen, and
what chainrule cannot do is refused by name."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import torch
from optim_helpers import CONFIGS, ChainruleRun, TorchRun, config_id

import chainrule as cr

NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop", "Adamax", "NAdam", "RAdam", "Rprop",
         "ASGD"]
WITH_FUSED = ["SGD", "Adam", "AdamW", "Adagrad"]
WITH_CAPTURABLE = ["Adam", "AdamW", "Adadelta", "RMSprop", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"]
FIRST_CONFIG = {name: next(kw for n, kw in CONFIGS if n == name) for name in NAMES}
STEPS = 8


def params() -> list[cr.Tensor]:
    return [cr.zeros(2, 3, requires_grad=True), cr.zeros(3, requires_grad=True)]


def choices(name: str) -> list[dict]:
    """The implementation choices ``name`` takes in PyTorch, one set of keywords each."""
    out = [{"foreach": False}, {"foreach": True}, {"foreach": None}]
    if name in WITH_FUSED:
        out += [{"fused": True}, {"fused": False, "foreach": True}, {"fused": True, "foreach": False}]
    if name in WITH_CAPTURABLE:
        out += [{"capturable": True}, {"capturable": False, "foreach": False}]
    return out


CHOICES = [(name, choice) for name in NAMES for choice in choices(name)]


def torch_rtol(name: str, choice: dict) -> float:
    """How close torch's run with ``choice`` is to chainrule's. Exact but for ASGD's foreach
    kernels, which compute the next rate η_t = η / (1 + λ η t)^α in float32 arithmetic (its
    one-tensor kernels, PyTorch's default on the CPU and chainrule's, do it in float64 and round
    once), and update θ - η (g + λθ) in place of θ (1 - λη) - η g."""
    return 1e-6 if name == "ASGD" and choice.get("foreach") else 1e-10


# ---------------------------------------------------------------------------- the API
@pytest.mark.parametrize("name", NAMES)
def test_signature_is_torchs(name):
    """Names, order, positional/keyword-only split and defaults (annotations may differ)."""
    ours = inspect.signature(getattr(cr.optim, name).__init__).parameters
    ref = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in ref.values()
    ]


@pytest.mark.parametrize("name", NAMES)
def test_param_group_keys_are_torchs(name):
    ours = getattr(cr.optim, name)(params())
    ref = getattr(torch.optim, name)([torch.zeros(2, 3, requires_grad=True)])
    assert set(ours.param_groups[0]) == set(ref.param_groups[0])
    assert set(ours.state_dict()["param_groups"][0]) == set(ref.state_dict()["param_groups"][0])
    for key in ("foreach", "fused", "capturable", "differentiable"):
        if key in ref.param_groups[0]:
            assert ours.param_groups[0][key] == ref.param_groups[0][key], key


def test_positional_choices_land_where_torch_puts_them():
    """RMSprop's choices and Adagrad's and Adadelta's foreach are positional in torch."""
    opt = cr.optim.RMSprop(params(), 0.01, 0.99, 1e-8, 0, 0, False, True, False, True)
    assert (opt.defaults["capturable"], opt.defaults["foreach"], opt.defaults["maximize"]) == (True, False, True)
    assert cr.optim.Adagrad(params(), 0.1, 0, 0, 0, 1e-10, False).defaults["foreach"] is False
    assert cr.optim.Adadelta(params(), 1.0, 0.9, 1e-6, 0, True).defaults["foreach"] is True


# ---------------------------------------------------------------------------- the update
@pytest.mark.parametrize("case", CHOICES, ids=config_id)
def test_a_choice_changes_nothing_and_equals_torch(case):
    """float64: the trajectory with a choice is the default's bit for bit, and torch's with it."""
    name, choice = case
    kwargs = FIRST_CONFIG[name]
    default, chosen = ChainruleRun(name, kwargs), ChainruleRun(name, {**kwargs, **choice})
    default.step(STEPS)
    chosen.step(STEPS)
    for a, b in zip(chosen.arrays(), default.arrays(), strict=True):
        assert np.array_equal(a, b)
    for key, value in choice.items():
        assert all(group[key] == value for group in chosen.opt.param_groups), key
    if choice.get("capturable"):
        return  # torch's capturable kernels need a CUDA-like device: no CPU run to compare with
    ref = TorchRun(name, {**kwargs, **choice})
    ref.step(STEPS)
    for a, b in zip(chosen.arrays(), ref.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=torch_rtol(name, choice), atol=1e-12)


# ---------------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("case", [(n, c) for n, c in CHOICES if not c.get("capturable")], ids=config_id)
def test_torch_state_dict_with_a_choice_loads_and_continues(case):
    """torch's param_groups carry its choices into chainrule's groups; both continue alike."""
    name, choice = case
    kwargs = FIRST_CONFIG[name]
    ref = TorchRun(name, {**kwargs, **choice})
    ref.step(3)
    ours = ChainruleRun(name, kwargs)
    for p, a in zip(ours.params, ref.arrays(), strict=True):
        p._data[...] = a
    ours.t = ref.t
    ours.opt.load_state_dict(ref.opt.state_dict())
    for group, tgroup in zip(ours.opt.param_groups, ref.opt.param_groups, strict=True):
        assert {k: v for k, v in group.items() if k != "params"} == {
            k: v for k, v in tgroup.items() if k != "params"
        }
    ours.step(3)
    ref.step(3)
    for a, b in zip(ours.arrays(), ref.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=torch_rtol(name, choice), atol=1e-12)


@pytest.mark.parametrize("name", WITH_FUSED)
def test_state_dict_round_trip_keeps_the_choices(name):
    opt = getattr(cr.optim, name)(params(), fused=True)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["fused"] is True
    fresh = getattr(cr.optim, name)(params())
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["fused"] is True and fresh.param_groups[0]["foreach"] is None


def test_a_save_without_the_choices_takes_the_defaults():
    sd = cr.optim.Adam(params()).state_dict()
    for key in ("foreach", "fused", "capturable", "differentiable"):
        del sd["param_groups"][0][key]
    opt = cr.optim.Adam(params(), foreach=False)
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["foreach"] is False and opt.param_groups[0]["fused"] is None


def test_loading_an_invalid_choice_is_refused():
    sd = cr.optim.SGD(params()).state_dict()
    sd["param_groups"][0]["foreach"] = "yes"
    with pytest.raises(TypeError, match="SGD: foreach must be True, False or None, got 'yes'"):
        cr.optim.SGD(params()).load_state_dict(sd)
    sd["param_groups"][0].update(foreach=None, differentiable=True)
    with pytest.raises(NotImplementedError, match=re.escape("SGD(differentiable=True)")):
        cr.optim.SGD(params()).load_state_dict(sd)


# ---------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("name", WITH_FUSED)
def test_fused_and_foreach_together_is_torchs_error(name):
    message = re.escape("`fused` and `foreach` cannot be `True` together.")
    with pytest.raises(RuntimeError, match=message):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], fused=True, foreach=True)
    with pytest.raises(RuntimeError, match=message):
        getattr(cr.optim, name)(params(), fused=True, foreach=True)
    opt = getattr(cr.optim, name)(params()[:1], fused=True)
    with pytest.raises(RuntimeError, match=message):
        opt.add_param_group({"params": params()[1:], "foreach": True})


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_is_refused_with_the_reason(name):
    with pytest.raises(NotImplementedError, match=re.escape(f"{name}(differentiable=True)")) as info:
        getattr(cr.optim, name)(params(), differentiable=True)
    assert "autograd graph" in str(info.value)
    assert isinstance(info.value, RuntimeError)  # as torch's refusals of differentiable with fused
    opt = getattr(cr.optim, name)(params()[:1])
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        opt.add_param_group({"params": params()[1:], "differentiable": True})


@pytest.mark.parametrize("name", WITH_FUSED)
def test_fused_with_differentiable_is_refused(name):
    with pytest.raises(RuntimeError, match="differentiable"):
        getattr(cr.optim, name)(params(), fused=True, differentiable=True)


WRONG_TYPES = [("foreach", "yes"), ("foreach", 1), ("capturable", None), ("capturable", "no"),
               ("differentiable", None), ("differentiable", 0), ("fused", "yes"), ("fused", 1.0)]


@pytest.mark.parametrize(("key", "value"), WRONG_TYPES, ids=lambda x: repr(x))
@pytest.mark.parametrize("name", NAMES)
def test_a_wrong_type_is_named(name, key, value):
    if key not in inspect.signature(getattr(cr.optim, name).__init__).parameters:
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{key}'"):
            getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **{key: value})
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{key}'"):
            getattr(cr.optim, name)(params(), **{key: value})
        return
    allowed = "True, False or None" if key in ("foreach", "fused") else "True or False"
    with pytest.raises(TypeError, match=re.escape(f"{name}: {key} must be {allowed}, got {value!r}")):
        getattr(cr.optim, name)(params(), **{key: value})


@pytest.mark.parametrize("name", NAMES)
def test_numpy_bools_are_accepted(name):
    opt = getattr(cr.optim, name)(params(), foreach=np.False_)
    assert not opt.param_groups[0]["foreach"]
