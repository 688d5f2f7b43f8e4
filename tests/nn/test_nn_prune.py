"""``nn.utils.prune`` against ``torch.nn.utils.prune``: the masks chosen (L1, Ln structured,
global, iterative, custom), the state_dict layout, forward and the masked gradient, removal, and
the random methods' counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.utils.prune as torch_prune

import chainrule
from torch_oracle import assert_close, randn

prune = chainrule.nn.utils.prune


def _twins(build):
    t_module, c_module = build(torch.nn), build(chainrule.nn)
    c_module.load_state_dict({k: v.detach().numpy().copy() for k, v in t_module.state_dict().items()})
    return c_module, t_module


def _same_masks(c_module, t_module, name="weight"):
    np.testing.assert_array_equal(getattr(c_module, name + "_mask").numpy(), getattr(t_module, name + "_mask").numpy())


@pytest.mark.parametrize("steps", [
    [("l1_unstructured", {"amount": 0.5})],
    [("l1_unstructured", {"amount": 0.3}), ("l1_unstructured", {"amount": 4})],
    [("l1_unstructured", {"amount": 0.5}), ("ln_structured", {"amount": 1, "n": 2, "dim": 0})],
    [("ln_structured", {"amount": 0.5, "n": 1, "dim": 1}), ("l1_unstructured", {"amount": 0.2})],
    [("ln_structured", {"amount": 2, "n": float("inf"), "dim": 0})],
], ids=["l1", "l1 twice", "l1 then ln", "ln then l1", "ln inf"])
def test_masks_forward_and_gradients_equal_torch(steps):
    c_module, t_module = _twins(lambda nn: nn.Conv2d(3, 4, 2))
    for method, kwargs in steps:
        getattr(prune, method)(c_module, "weight", **kwargs)
        getattr(torch_prune, method)(t_module, "weight", **kwargs)
        _same_masks(c_module, t_module)
    assert list(c_module.state_dict()) == list(t_module.state_dict())
    assert prune.is_pruned(c_module) and torch_prune.is_pruned(t_module)
    x = randn((2, 3, 4, 4), np.float32, 1)
    cy, ty = c_module(chainrule.tensor(x)), t_module(torch.tensor(x))
    assert_close(cy, ty, np.float32)
    cy.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    assert_close(c_module.weight_orig.grad, t_module.weight_orig.grad, np.float32)
    prune.remove(c_module, "weight")
    torch_prune.remove(t_module, "weight")
    assert list(c_module.state_dict()) == list(t_module.state_dict()) and not prune.is_pruned(c_module)
    assert_close(c_module.weight, t_module.weight, np.float32)


def test_global_and_custom_masks_equal_torch():
    (a, ta), (b, tb) = _twins(lambda nn: nn.Linear(4, 3)), _twins(lambda nn: nn.Linear(3, 2))
    prune.l1_unstructured(b, "weight", 1)
    torch_prune.l1_unstructured(tb, "weight", 1)
    prune.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=prune.L1Unstructured, amount=0.4)
    torch_prune.global_unstructured([(ta, "weight"), (tb, "weight")], pruning_method=torch_prune.L1Unstructured,
                                    amount=0.4)
    _same_masks(a, ta)
    _same_masks(b, tb)
    mask = np.array([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 1]])
    prune.custom_from_mask(a, "bias", chainrule.tensor([1, 0, 1]))
    torch_prune.custom_from_mask(ta, "bias", torch.tensor([1, 0, 1]))
    _same_masks(a, ta, "bias")
    prune.custom_from_mask(a, "weight", chainrule.tensor(mask))
    torch_prune.custom_from_mask(ta, "weight", torch.tensor(mask))
    _same_masks(a, ta)


def test_random_methods_prune_the_asked_counts_and_identity_none():
    chainrule.manual_seed(0)
    layer = chainrule.nn.Linear(10, 8)
    prune.random_unstructured(layer, "weight", 0.3)
    assert layer.weight_mask.numpy().sum() == 80 - 24
    conv = chainrule.nn.Conv2d(2, 6, 3)
    prune.random_structured(conv, "weight", 2, dim=0)
    per_channel = conv.weight_mask.numpy().sum(axis=(1, 2, 3))
    assert sorted(per_channel.tolist()) == [0, 0, 18, 18, 18, 18]
    kept = chainrule.nn.Linear(2, 2)
    prune.identity(kept, "weight")
    assert kept.weight_mask.numpy().all()


def test_errors_as_torch():
    for lib, module in ((chainrule, prune), (torch, torch_prune)):
        for amount, message in ((1.5, "should either be a float in the range"),
                                (5, "should be smaller than the number of parameters to prune=4")):
            with pytest.raises(ValueError, match=message):
                module.l1_unstructured(lib.nn.Linear(2, 2), "weight", amount=amount)
        with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
            module.remove(lib.nn.Linear(2, 2), "weight")


def _every_other(lib_prune):
    """The pruning tutorial's own method: zero every other entry among those still kept."""

    class FooBarPruningMethod(lib_prune.BasePruningMethod):
        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    return FooBarPruningMethod


def test_a_method_of_ones_own_gets_tensors_and_the_container_lists_the_methods_as_torch():
    c_module, t_module = _twins(lambda nn: nn.Linear(5, 3))
    for lib_prune, module in ((prune, c_module), (torch_prune, t_module)):
        _every_other(lib_prune).apply(module, "bias")
        lib_prune.l1_unstructured(module, "weight", amount=3)
        lib_prune.l1_unstructured(module, "weight", amount=0.3)
        _every_other(lib_prune).apply(module, "weight")  # among the entries still kept
    _same_masks(c_module, t_module, "bias")
    _same_masks(c_module, t_module)
    c_hook, t_hook = ([h for h in m._forward_pre_hooks.values() if getattr(h, "_tensor_name", "") == "weight"][0]
                      for m in (c_module, t_module))
    assert [type(h).__name__ for h in c_hook] == [type(h).__name__ for h in t_hook]
    assert len(c_hook) == len(list(t_hook)) == 3 and type(c_hook[-1]).__name__ == "FooBarPruningMethod"
    assert_close(c_module(chainrule.ones(2, 5)), t_module(torch.ones(2, 5)), np.float32)
