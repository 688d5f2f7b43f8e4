"""Optimiser hooks against PyTorch: step pre/post hooks (a pre-hook may replace the arguments),
state_dict and load_state_dict hooks (which may replace the dict), once per call even for an
optimiser with its own step (LBFGS), and removal."""

from __future__ import annotations

import pytest
import torch

import chainrule


def _run(lib):
    w = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.SGD([w], lr=0.1)
    log = []
    opt.register_step_pre_hook(lambda o, args, kwargs: log.append("pre"))
    handle = opt.register_step_post_hook(lambda o, args, kwargs: log.append("post"))
    w.grad = lib.ones(2)
    opt.step()
    handle.remove()
    opt.step()
    opt.register_state_dict_pre_hook(lambda o: log.append("state_dict pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    state = opt.state_dict()
    log.append(sorted(state))
    opt.register_load_state_dict_pre_hook(lambda o, sd: {k: v for k, v in sd.items() if k != "extra"})
    opt.register_load_state_dict_post_hook(lambda o: log.append("load post"))
    opt.load_state_dict(state)
    lbfgs = lib.optim.LBFGS([w], max_iter=2)
    lbfgs.register_step_pre_hook(lambda o, args, kwargs: log.append("lbfgs pre"))
    lbfgs.register_step_post_hook(lambda o, args, kwargs: log.append("lbfgs post"))

    def closure():
        lbfgs.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    lbfgs.step(closure)
    log.append([round(v, 6) for v in w.tolist()])
    return log


def test_hooks_run_as_in_torch():
    assert _run(chainrule) == _run(torch)


def test_a_pre_hook_that_returns_something_else_is_refused():
    for lib in (chainrule, torch):
        w = lib.nn.Parameter(lib.ones(1))
        opt = lib.optim.SGD([w], lr=0.1)
        opt.register_step_pre_hook(lambda o, args, kwargs: 5)
        w.grad = lib.ones(1)
        with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\)"):
            opt.step()
