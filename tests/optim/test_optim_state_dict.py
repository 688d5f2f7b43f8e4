"""state_dict / load_state_dict: PyTorch's layout, and a resumed run equal to the uninterrupted one."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from optim_helpers import CONFIGS, ChainruleRun, TorchRun, config_id, initial_arrays

import chainrule as cr

K = 25  # steps before and after the checkpoint


def arrays_at(run: ChainruleRun | TorchRun) -> dict[str, np.ndarray]:
    arrays = initial_arrays()
    arrays.update(zip(("W", "b", "c"), run.arrays(), strict=True))
    return arrays


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_resumed_run_is_bit_identical(config):
    full = ChainruleRun(*config)
    full.step(2 * K)

    first = ChainruleRun(*config)
    first.step(K)
    checkpoint = pickle.dumps(first.opt.state_dict())  # as a checkpoint file would hold it
    arrays = arrays_at(first)
    first.step(3)  # the process goes on (or dies): the checkpoint must not change

    resumed = ChainruleRun(*config, arrays=arrays)
    resumed.t = K
    resumed.opt.load_state_dict(pickle.loads(checkpoint))
    resumed.step(K)
    for a, b in zip(resumed.arrays(), full.arrays(), strict=True):
        assert np.array_equal(a, b)
    sd, full_sd = resumed.opt.state_dict(), full.opt.state_dict()
    assert sd["param_groups"] == full_sd["param_groups"]
    for i, entry in full_sd["state"].items():
        for key, value in entry.items():
            assert np.array_equal(sd["state"][i][key]._data, value._data), key


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_pytorch_state_dict_resumes_in_chainrule(config):
    """A PyTorch checkpoint loads into chainrule, and both continue identically."""
    ref = TorchRun(*config)
    ref.step(K)
    ours = ChainruleRun(*config, arrays=arrays_at(ref))
    ours.t = K
    ours.opt.load_state_dict(ref.opt.state_dict())
    ours.step(K)
    ref.step(K)
    for a, b in zip(ours.arrays(), ref.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_state_dict_layout_is_pytorchs():
    run = ChainruleRun("Adam", {"lr": 0.01, "amsgrad": True})
    run.step(3)
    sd = run.opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]
    assert set(sd["state"]) == {0, 1, 2}
    entry = sd["state"][0]
    assert set(entry) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert isinstance(entry["step"], cr.Tensor) and entry["step"].item() == 3.0
    assert entry["step"].dtype == np.float32
    assert sd["state"][2]["step"].item() == 2.0  # c had no gradient on the third step
    assert not np.shares_memory(entry["exp_avg"]._data, run.opt.state[run.params[0]]["exp_avg"]._data)


def test_loading_casts_to_the_parameter_dtype_and_copies():
    p = cr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = cr.optim.SGD([p], lr=0.1, momentum=0.9)
    saved = {"state": {0: {"momentum_buffer": np.array([1.0, 2.0, 3.0])}},
             "param_groups": [{"lr": 0.5, "momentum": 0.9, "dampening": 0, "weight_decay": 0,
                               "nesterov": False, "maximize": False, "params": [0]}]}
    opt.load_state_dict(saved)
    buf = opt.state[p]["momentum_buffer"]
    assert buf.dtype == np.float32
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["params"][0] is p
    saved["state"][0]["momentum_buffer"][0] = 99.0
    assert buf._data[0] == 1.0


def _optimizer(n_groups: int = 1, sizes: tuple[int, ...] = (2,)) -> cr.optim.Optimizer:
    groups = [{"params": [cr.zeros(s, requires_grad=True) for s in sizes]} for _ in range(n_groups)]
    return cr.optim.Adam(groups)


def test_load_rejects_a_different_number_of_groups():
    sd = _optimizer(2).state_dict()
    with pytest.raises(ValueError, match="2 parameter groups, but this optimizer has 1"):
        _optimizer(1).load_state_dict(sd)


def test_load_rejects_a_group_of_another_size():
    sd = _optimizer(1, (2, 3)).state_dict()
    with pytest.raises(ValueError, match="group 0 of the state dict has 2 parameters.* has 1"):
        _optimizer(1, (2,)).load_state_dict(sd)


def test_load_rejects_state_of_another_shape():
    src = _optimizer(1, (3,))
    src.param_groups[0]["params"][0].grad = cr.ones(3)
    src.step()
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(3,\).*shape \(2,\)"):
        _optimizer(1, (2,)).load_state_dict(src.state_dict())


def test_load_rejects_what_is_not_a_state_dict():
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        _optimizer().load_state_dict({"params": []})


def test_load_rejects_invalid_hyperparameters():
    sd = _optimizer().state_dict()
    sd["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr=-1.0"):
        _optimizer().load_state_dict(sd)
