"""LBFGS against torch.optim.LBFGS: whole steps (many closure calls each) on the Rosenbrock function
and on a small regression net, the state it keeps, state_dict, and its errors."""

from __future__ import annotations

import pickle
import re
from typing import Any

import numpy as np
import pytest
import torch

import chainrule as cr

# L-BFGS amplifies the last-bit differences of two libraries' sums and dot products along its
# iterations (a float64 run that agrees to 1e-13 after one step drifts to 1e-6 after a hundred
# iterations on the net); each configuration is compared over STEPS steps, a few dozen iterations.
ROSENBROCK_CONFIGS: list[dict[str, Any]] = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"history_size": 3},
    {"history_size": 2, "line_search_fn": "strong_wolfe", "max_iter": 7},
    {"lr": 0.5, "max_iter": 5},
    {"lr": 1.0, "max_iter": 8, "max_eval": 10, "line_search_fn": "strong_wolfe"},
    {"max_iter": 4, "history_size": 1, "tolerance_change": 1e-4},
]
NET_CONFIGS: list[dict[str, Any]] = [
    {"max_iter": 5},
    {"max_iter": 5, "line_search_fn": "strong_wolfe"},
    {"max_iter": 5, "history_size": 3},
    {"history_size": 2, "line_search_fn": "strong_wolfe", "max_iter": 5},
    {"lr": 0.5, "max_iter": 5},
    {"lr": 0.8, "max_iter": 10, "max_eval": 6, "line_search_fn": "strong_wolfe"},
    {"max_iter": 4, "history_size": 1, "tolerance_change": 1e-4},
]
CASES = [("rosenbrock", c) for c in ROSENBROCK_CONFIGS] + [("net", c) for c in NET_CONFIGS]
STEPS = 6


def config_id(case: Any) -> str:
    if isinstance(case, str):
        return case
    return ",".join(f"{k}={v}" for k, v in case.items()) or "defaults"


# ---------------------------------------------------------------------------- the two problems
def rosenbrock(x: Any) -> Any:
    """The banana valley Σ (1 - x_i)² + 100 (x_{i+1} - x_i²)², minimum 0 at x = 1."""
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


def net_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, 0.5, (3, 6)), "b1": rng.normal(0, 0.1, 6), "W2": rng.normal(0, 0.5, (6, 2)),
            "b2": np.zeros(2), "X": rng.normal(0, 1, (16, 3)), "Y": rng.normal(0, 1, (16, 2))}


class Problem:
    """One problem in chainrule or in torch (their tensors share the API the loss uses)."""

    def __init__(self, lib: str, problem: str, kwargs: dict[str, Any], dtype: str = "float64") -> None:
        self.lib = lib
        if problem == "rosenbrock":
            arrays = {"x": np.array([-1.2, 1.0, -0.5, 0.8, 1.5])}
        else:
            arrays = net_arrays()
        self.data = {k: self._tensor(arrays.pop(k), dtype) for k in ("X", "Y") if k in arrays}
        self.params = [self._tensor(a, dtype, requires_grad=True) for a in arrays.values()]
        self.loss_fn = rosenbrock if problem == "rosenbrock" else self._net_loss
        self.opt = (cr.optim if lib == "cr" else torch.optim).LBFGS(self.params, **kwargs)

    def _tensor(self, a: np.ndarray, dtype: str, requires_grad: bool = False) -> Any:
        if self.lib == "cr":
            return cr.tensor(a.astype(dtype), requires_grad=requires_grad)
        return torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=requires_grad)

    def _net_loss(self, W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        hidden = (self.data["X"] @ W1 + b1).tanh()
        return ((hidden @ W2 + b2 - self.data["Y"]) ** 2).mean()

    def closure(self) -> Any:
        self.opt.zero_grad()
        loss = self.loss_fn(*self.params)
        loss.backward()
        return loss

    def step(self) -> float:
        return float(self.opt.step(self.closure).detach())

    def arrays(self) -> list[np.ndarray]:
        if self.lib == "cr":
            return [p._data.copy() for p in self.params]
        return [p.detach().numpy().copy() for p in self.params]


def as_numpy(value: Any) -> Any:
    if isinstance(value, cr.Tensor):
        return value._data
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    if isinstance(value, list):
        return [as_numpy(v) for v in value]
    return value


def assert_states_match(ours: Any, ref: Any, rtol: float) -> None:
    """The same entries, counters equal, vectors and scalars close (lists entry by entry)."""
    sd, tsd = ours.state_dict(), ref.state_dict()
    assert sd["state"].keys() == tsd["state"].keys() == {0}
    entry, tentry = sd["state"][0], tsd["state"][0]
    assert entry.keys() == tentry.keys()
    assert entry["func_evals"] == tentry["func_evals"] and entry["n_iter"] == tentry["n_iter"]
    for key in set(entry) - {"func_evals", "n_iter"}:
        a, b = as_numpy(entry[key]), as_numpy(tentry[key])
        if isinstance(b, list):
            assert len(a) == len(b), key
            for u, v in zip(a, b, strict=True):
                assert (u is None) == (v is None), key
                if v is not None:
                    np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * np.abs(v).max(), err_msg=key)
        else:
            # a vector to the scale of its largest entry (d and the gradient shrink near the minimum)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max(), err_msg=key)
    assert {k: v for k, v in sd["param_groups"][0].items()} == tsd["param_groups"][0]


# ---------------------------------------------------------------------------- trajectories
@pytest.mark.parametrize(("problem", "kwargs"), CASES, ids=config_id)
def test_float64_steps_equal_torch(problem, kwargs):
    ours, ref = Problem("cr", problem, kwargs), Problem("torch", problem, kwargs)
    for step in range(STEPS):
        # the loss at the start of the step (near the minimum 0 its relative error is the largest)
        assert ours.step() == pytest.approx(ref.step(), rel=1e-8, abs=1e-14)
        for a, b in zip(ours.arrays(), ref.arrays(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
        if step == 0:
            assert_states_match(ours.opt, ref.opt, rtol=1e-7)
    # the history's y = g_{k+1} - g_k cancels: near the minimum its relative error is the largest
    assert_states_match(ours.opt, ref.opt, rtol=1e-4)


# float32: the rounding of the two libraries differs in the last bit from the first iteration on,
# and the Rosenbrock valley, badly conditioned, amplifies it along a step of 20 iterations; the
# net stays close for longer.
@pytest.mark.parametrize(("problem", "kwargs"), CASES, ids=config_id)
def test_float32_steps_are_close_to_torch(problem, kwargs):
    steps, tol = (1, 1e-3) if problem == "rosenbrock" else (3, 1e-4)
    ours, ref = Problem("cr", problem, kwargs, "float32"), Problem("torch", problem, kwargs, "float32")
    for _ in range(steps):
        ours.step()
        ref.step()
    for a, b in zip(ours.arrays(), ref.arrays(), strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    state = ours.opt.state[ours.params[0]]
    assert state["d"].dtype == np.float32 and state["prev_flat_grad"].dtype == np.float32


def test_the_first_step_length_is_scaled_by_the_gradient():
    """One iteration without a line search: x - min(1, 1/‖g‖₁) η g."""
    x0 = np.array([-1.2, 1.0, -0.5])
    x = cr.tensor(x0, requires_grad=True)
    opt = cr.optim.LBFGS([x], lr=0.7, max_iter=1)
    g = cr.tensor(x0, requires_grad=True)
    rosenbrock(g).backward()
    g = g.grad._data
    opt.step(lambda: _backward(rosenbrock(x), opt))
    np.testing.assert_allclose(x._data, x0 - min(1.0, 1.0 / np.abs(g).sum()) * 0.7 * g, rtol=1e-15)
    assert float(opt.state[x]["t"]) == pytest.approx(min(1.0, 1.0 / np.abs(g).sum()) * 0.7, rel=1e-15)


def _backward(loss: Any, opt: Any) -> Any:
    opt.zero_grad()
    loss.backward()
    return loss


def test_it_converges_on_rosenbrock():
    run = Problem("cr", "rosenbrock", {"line_search_fn": "strong_wolfe"})
    for _ in range(5):
        run.step()
    np.testing.assert_allclose(run.arrays()[0], np.ones(5), atol=1e-4)


def test_at_an_optimum_a_step_evaluates_once_and_stops():
    x = cr.tensor(np.ones(4), requires_grad=True)
    opt = cr.optim.LBFGS([x])
    loss = opt.step(lambda: _backward(rosenbrock(x), opt))
    assert float(loss) == 0.0
    assert opt.state[x] == {"func_evals": 1, "n_iter": 0}
    assert np.array_equal(x._data, np.ones(4))


def test_a_parameter_without_a_gradient_is_left_alone():
    x, unused = cr.tensor([-1.2, 1.0], requires_grad=True), cr.tensor([3.0, 4.0], requires_grad=True)
    tx, tunused = torch.tensor([-1.2, 1.0], requires_grad=True), torch.tensor([3.0, 4.0], requires_grad=True)
    opt, topt = cr.optim.LBFGS([x, unused]), torch.optim.LBFGS([tx, tunused])
    opt.step(lambda: _backward(rosenbrock(x), opt))
    topt.step(lambda: _backward(rosenbrock(tx), topt))
    np.testing.assert_allclose(x._data, tx.detach().numpy(), rtol=1e-3, atol=1e-4)
    assert np.array_equal(unused._data, np.array([3.0, 4.0], dtype=np.float32))


# ---------------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("kwargs", [{}, {"line_search_fn": "strong_wolfe", "history_size": 2}], ids=config_id)
def test_a_resumed_run_is_bit_identical(kwargs):
    full = Problem("cr", "net", kwargs)
    for _ in range(4):
        full.step()
    first = Problem("cr", "net", kwargs)
    first.step()
    first.step()
    checkpoint = pickle.dumps(first.opt.state_dict())
    arrays = first.arrays()
    first.step()  # the checkpoint must not change with later steps
    resumed = Problem("cr", "net", kwargs)
    for p, a in zip(resumed.params, arrays, strict=True):
        p._data[...] = a
    resumed.opt.load_state_dict(pickle.loads(checkpoint))
    resumed.step()
    resumed.step()
    for a, b in zip(resumed.arrays(), full.arrays(), strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs", [{"max_iter": 5}, {"max_iter": 5, "line_search_fn": "strong_wolfe", "history_size": 3}], ids=config_id
)
def test_torchs_state_dict_resumes_in_chainrule(kwargs):
    ref = Problem("torch", "net", kwargs)
    ref.step()
    ref.step()
    ours = Problem("cr", "net", kwargs)
    for p, a in zip(ours.params, ref.arrays(), strict=True):
        p._data[...] = a
    ours.opt.load_state_dict(ref.opt.state_dict())
    state = ours.opt.state[ours.params[0]]
    assert isinstance(state["d"], cr.Tensor) and state["d"].dtype == np.float64
    for _ in range(3):
        ours.step()
        ref.step()
    for a, b in zip(ours.arrays(), ref.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    assert_states_match(ours.opt, ref.opt, rtol=1e-4)


def test_state_dict_layout_is_torchs():
    ours, ref = Problem("cr", "net", {"history_size": 4}), Problem("torch", "net", {"history_size": 4})
    ours.step()
    ours.step()
    ref.step()
    ref.step()
    sd, tsd = ours.opt.state_dict(), ref.opt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert sd["state"][0].keys() == tsd["state"][0].keys()
    for key, value in tsd["state"][0].items():
        ours_value = sd["state"][0][key]
        if isinstance(value, torch.Tensor):
            assert isinstance(ours_value, cr.Tensor) and tuple(ours_value.shape) == tuple(value.shape), key
        elif isinstance(value, list):
            assert len(ours_value) == len(value), key
        else:
            assert type(ours_value) is type(value), key


def test_loading_a_history_of_another_length_is_refused():
    src = Problem("cr", "net", {})
    src.step()
    opt = cr.optim.LBFGS([cr.zeros(n, requires_grad=True) for n in (3, 2, 2, 1)])
    with pytest.raises(ValueError, match=r"LBFGS.load_state_dict: state 'd' has 38 entries.* 8 in all"):
        opt.load_state_dict(src.opt.state_dict())


# ---------------------------------------------------------------------------- the API and errors
def test_signature_and_defaults_are_torchs():
    import inspect

    ours = inspect.signature(cr.optim.LBFGS.__init__).parameters
    ref = inspect.signature(torch.optim.LBFGS.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in ref.values()
    ]
    for kwargs in ({}, {"max_iter": 7}, {"max_iter": 7, "max_eval": 3}):
        ours_group = cr.optim.LBFGS([cr.zeros(2, requires_grad=True)], **kwargs).param_groups[0]
        ref_group = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], **kwargs).param_groups[0]
        assert {k: v for k, v in ours_group.items() if k != "params"} == {
            k: v for k, v in ref_group.items() if k != "params"
        }


def test_a_step_without_closure_is_refused():
    opt = cr.optim.LBFGS([cr.zeros(2, requires_grad=True)])
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        opt.step()
    with pytest.raises(TypeError, match="closure"):
        torch.optim.LBFGS([torch.zeros(2, requires_grad=True)]).step()


def test_parameter_groups_are_refused_as_torch():
    message = re.escape("LBFGS doesn't support per-parameter options (parameter groups)")
    groups = [{"params": [cr.zeros(2, requires_grad=True)]}, {"params": [cr.zeros(2, requires_grad=True)]}]
    with pytest.raises(ValueError, match=message):
        cr.optim.LBFGS(groups)
    with pytest.raises(ValueError, match=message):
        torch.optim.LBFGS([{"params": [torch.zeros(2, requires_grad=True)]},
                           {"params": [torch.zeros(2, requires_grad=True)]}])
    opt = cr.optim.LBFGS([cr.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match=message):
        opt.add_param_group({"params": [cr.zeros(2, requires_grad=True)]})


def test_invalid_hyperparameters_are_named():
    with pytest.raises(ValueError, match=re.escape("LBFGS: invalid learning rate lr=-1")):
        cr.optim.LBFGS([cr.zeros(2, requires_grad=True)], lr=-1)
    with pytest.raises(ValueError):
        torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], lr=-1)
    with pytest.raises(ValueError, match="invalid line_search_fn='armijo'"):
        cr.optim.LBFGS([cr.zeros(2, requires_grad=True)], line_search_fn="armijo")
    with pytest.raises(TypeError, match="max_iter must be a real number"):
        cr.optim.LBFGS([cr.zeros(2, requires_grad=True)], max_iter="20", max_eval=25)
