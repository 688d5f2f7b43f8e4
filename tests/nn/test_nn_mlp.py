"""A deep MLP mixing the lecture's five activations, against its PyTorch twin: same loss and
same gradient for every parameter, and the same weights after several hand-written SGD steps."""

import numpy as np
import pytest
import torch
from nn_twin import DTYPES, assert_close, assert_same_grads, ours_to_torch, rand, torch_to_ours

import chainrule as cr
from chainrule import nn


def lecture_mlp(lib, dtype, width=16, n_in=10, n_out=5, norm=False):
    """Linear -> sigmoid -> Linear -> tanh -> Linear -> relu -> Linear -> leaky relu -> Linear -> elu -> Linear."""
    d = {"dtype": dtype}
    acts = [lib.Sigmoid(), lib.Tanh(), lib.ReLU(), lib.LeakyReLU(0.1), lib.ELU(alpha=0.7)]
    layers = [lib.Linear(n_in, width, **d)]
    for i, act in enumerate(acts):
        if norm and i == 2:
            layers.append(lib.BatchNorm1d(width, **d))
        if norm and i == 4:
            layers.append(lib.LayerNorm(width, **d))
        layers += [act, lib.Linear(width, n_out if i == len(acts) - 1 else width, **d)]
    return lib.Sequential(*layers)


def _twins(dtype, norm=False, direction="torch_to_ours"):
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    ours, theirs = lecture_mlp(nn, dtype, norm=norm), lecture_mlp(torch.nn, tdtype, norm=norm)
    (torch_to_ours if direction == "torch_to_ours" else ours_to_torch)(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("direction", ["torch_to_ours", "ours_to_torch"])
@pytest.mark.parametrize("norm", [False, True], ids=["plain", "with_norms"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_deep_mlp_same_loss_and_gradients(loss, norm, direction, dtype):
    ours, theirs = _twins(dtype, norm, direction)
    assert repr(ours) == repr(theirs)
    x = rand((32, 10), dtype, 0, scale=2.0)
    if loss == "cross_entropy":
        y = np.random.default_rng(1).integers(0, 5, 32)
        ours_loss = nn.CrossEntropyLoss()(ours(cr.tensor(x)), cr.tensor(y))
        theirs_loss = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    else:
        y = rand((32, 5), dtype, 1)
        ours_loss = nn.MSELoss()(ours(cr.tensor(x)), cr.tensor(y))
        theirs_loss = torch.nn.MSELoss()(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    assert_close(ours_loss, theirs_loss, dtype)
    ours_loss.backward()
    theirs_loss.backward()
    assert_same_grads(ours, theirs, dtype, scale=10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_training_steps_stay_in_lockstep(dtype):
    ours, theirs = _twins(dtype, norm=True)
    x = rand((64, 10), dtype, 2)
    y = np.random.default_rng(3).integers(0, 5, 64)
    lr = 0.1
    for _ in range(5):
        ours.zero_grad()
        theirs.zero_grad()
        nn.functional.cross_entropy(ours(cr.tensor(x)), cr.tensor(y)).backward()
        torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        with cr.no_grad():
            for p in ours.parameters():
                p -= lr * p.grad  # theta <- theta - eta * grad
        with torch.no_grad():
            for p in theirs.parameters():
                p -= lr * p.grad
    for k, v in theirs.state_dict().items():
        assert_close(ours.state_dict()[k], v, dtype, scale=100)


def test_cross_entropy_node_supports_retain_graph():
    model = nn.Linear(4, 3)
    loss = nn.functional.cross_entropy(model(cr.randn(5, 4)), cr.tensor([0, 1, 2, 1, 0]))
    loss.backward(retain_graph=True)
    first = model.weight.grad._data.copy()
    loss.backward()
    np.testing.assert_allclose(model.weight.grad._data, 2 * first, rtol=1e-6)
