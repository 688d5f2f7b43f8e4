"""nn.utils against torch.nn.utils: gradient clipping and flat parameter vectors."""

import math

import numpy as np
import pytest
import torch
from nn_twin import assert_close, rand

import chainrule as cr
from chainrule import nn
from chainrule.nn import utils


def _params_with_grads(dtype, scale=1.0):
    shapes = [(3, 4), (4,), (2, 3)]
    ours, theirs = [], []
    for i, s in enumerate(shapes):
        p = nn.Parameter(cr.tensor(rand(s, dtype, i)))
        q = torch.nn.Parameter(torch.from_numpy(rand(s, dtype, i)))
        g = rand(s, dtype, 10 + i, scale)
        p.grad, q.grad = cr.tensor(g), torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(q)
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    ours, theirs = _params_with_grads(dtype)
    total = utils.clip_grad_norm_(ours, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_close(total, ttotal, dtype)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad, dtype)
    if max_norm < float(total):  # clipped: the new norm is max_norm
        new = utils.get_total_norm([p.grad for p in ours], norm_type)
        assert abs(float(new) - max_norm) < 1e-4 * max_norm


def test_clip_grad_norm_nonfinite_and_single_tensor():
    ours, _ = _params_with_grads(np.float64)
    ours[0].grad._data[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    p = nn.Parameter(cr.ones(4))
    p.grad = cr.full((4,), 3.0)
    assert utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(6.0)
    assert utils.clip_grad_norm_([nn.Parameter(cr.ones(2))], 1.0).item() == 0.0  # no grads at all


def test_clip_grad_value_matches_torch():
    ours, theirs = _params_with_grads(np.float64, scale=3.0)
    assert utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad)
        assert np.abs(p.grad._data).max() <= 1.5


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    model.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})
    vec = utils.parameters_to_vector(model.parameters())
    assert_close(vec, torch.nn.utils.parameters_to_vector(tmodel.parameters()))
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    (vec * vec).sum().backward()  # differentiable: gradients reach every parameter
    assert_close(model[0].weight.grad, 2 * model[0].weight._data)
    new = cr.arange(vec.shape[0], dtype=cr.float32)
    utils.vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(utils.parameters_to_vector(model.parameters())._data, new._data)
    with pytest.raises(ValueError, match="30 elements but the parameters hold 26"):
        utils.vector_to_parameters(cr.zeros(30), model.parameters())
    with pytest.raises(TypeError, match="Tensor"):
        utils.vector_to_parameters(np.zeros(26), model.parameters())
