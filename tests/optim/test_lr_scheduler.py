"""Learning-rate schedulers: the same sequences as torch.optim.lr_scheduler, and resumable."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.optim import lr_scheduler as S

EPOCHS = 40


def optimizers(name: str = "SGD", **kwargs):
    """The same two-group optimiser in chainrule and in PyTorch (lr 0.1 and 0.05)."""
    kwargs = {"lr": 0.1, **kwargs}
    ours = [cr.zeros(2, requires_grad=True), cr.zeros(3, requires_grad=True)]
    ref = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    opt = getattr(cr.optim, name)([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.05}],
                                  **kwargs)
    topt = getattr(torch.optim, name)([{"params": ref[:1]}, {"params": ref[1:], "lr": 0.05}],
                                      **kwargs)
    return opt, topt


def run(opt, make, epochs=EPOCHS, metrics=None):
    """Learning rates (and momenta) after construction and after each epoch's step."""
    sched = make(opt)
    seq = [_snapshot(opt, sched)]
    for e in range(epochs):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[e])
        seq.append(_snapshot(opt, sched))
    return seq


def _snapshot(opt, sched):
    groups = opt.param_groups
    return (
        tuple(sched.get_last_lr()),
        tuple(g["lr"] for g in groups),
        tuple(g.get("momentum", g.get("betas", (None,))[0]) for g in groups),
    )


SCHEDULES = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=lambda e: 0.95**e),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9**e]),
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "StepLR-float-step": lambda m, o: m.StepLR(o, step_size=1.0, gamma=0.95),  # PyTorch's tutorial
    "StepLR-fractional-step": lambda m, o: m.StepLR(o, step_size=2.5, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingLR-to-0": lambda m, o: m.CosineAnnealingLR(o, T_max=7),
    "LinearLR-warmup": lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=6),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=4),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=EPOCHS),
    "OneCycleLR-linear-3phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.8, epochs=8, steps_per_epoch=5, anneal_strategy="linear", three_phase=True,
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0,
    ),
    "OneCycleLR-no-momentum": lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, total_steps=EPOCHS, cycle_momentum=False
    ),
}


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_schedule_equals_torch(schedule, optimizer):
    kwargs = {"momentum": 0.9} if optimizer == "SGD" else {}
    opt, topt = optimizers(optimizer, **kwargs)
    make = SCHEDULES[schedule]
    ours = run(opt, lambda o: make(S, o))
    ref = run(topt, lambda o: make(torch.optim.lr_scheduler, o))
    assert ours == ref


def test_two_schedulers_on_one_optimizer_chain_like_torch():
    def both(m, o):
        return [m.ExponentialLR(o, gamma=0.9), m.StepLR(o, step_size=4, gamma=0.5)]

    seqs = []
    for m, o in zip((S, torch.optim.lr_scheduler), optimizers(), strict=True):
        scheds = both(m, o)
        seq = []
        for _ in range(EPOCHS):
            o.step()
            for s in scheds:
                s.step()
            seq.append([g["lr"] for g in o.param_groups] + scheds[-1].get_last_lr())
        seqs.append(seq)
    assert seqs[0] == seqs[1]


@pytest.mark.parametrize("kind", ["ChainedScheduler", "SequentialLR"])
def test_chained_and_sequential_equal_torch(kind):
    seqs = []
    for m, o in zip((S, torch.optim.lr_scheduler), optimizers(), strict=True):
        parts = [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)]
        if kind == "ChainedScheduler":
            sched = m.ChainedScheduler(parts)
        else:
            sched = m.SequentialLR(o, parts, milestones=[5])
        seqs.append(run(o, lambda o, s=sched: s))
    assert seqs[0] == seqs[1]


PLATEAU = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.7, 0.7, 0.71, 0.72, 0.69, 0.69, 0.69, 0.69,
           0.69, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49,
           *[0.48] * 12]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 2},
        {"patience": 1, "cooldown": 2, "factor": 0.5},
        {"patience": 2, "threshold": 0.05, "threshold_mode": "abs"},
        {"patience": 1, "min_lr": [0.01, 0.004], "factor": 0.3},
        {"mode": "max", "patience": 2},
        {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.0},
    ],
    ids=str,
)
def test_reduce_on_plateau_with_a_scripted_metric_equals_torch(kwargs):
    metrics = PLATEAU if kwargs.get("mode") != "max" else [2 - m for m in PLATEAU]
    opt, topt = optimizers("SGD", momentum=0.9)
    ours = run(opt, lambda o: S.ReduceLROnPlateau(o, **kwargs), len(metrics), metrics)
    ref = run(topt, lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs),
              len(metrics), metrics)
    assert ours == ref
    assert ours[-1][1] != ours[0][1]  # the script does reduce the rate


@pytest.mark.parametrize("schedule", ["StepLR", "MultiStepLR", "ExponentialLR",
                                      "CosineAnnealingLR", "LinearLR-warmup"])
def test_step_with_an_epoch_uses_the_closed_form_like_torch(schedule):
    seqs = []
    for m, o in zip((S, torch.optim.lr_scheduler), optimizers(), strict=True):
        sched = SCHEDULES[schedule](m, o)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [3, 4, 9, 2, 17]:
                o.step()
                sched.step(epoch)
                seq.append(tuple(sched.get_last_lr()))
        seqs.append(seq)
    assert seqs[0] == seqs[1]


def test_resuming_at_last_epoch_equals_torch():
    seqs = []
    for m, o in zip((S, torch.optim.lr_scheduler), optimizers(), strict=True):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"]
        seqs.append(run(o, lambda o, m=m: m.CosineAnnealingLR(o, T_max=10, last_epoch=4), 12))
    assert seqs[0] == seqs[1]


RESUMABLE = [*SCHEDULES, "ReduceLROnPlateau", "ChainedScheduler", "SequentialLR"]


def _make(name, o):
    if name == "ReduceLROnPlateau":
        return S.ReduceLROnPlateau(o, patience=1, cooldown=1)
    if name in ("ChainedScheduler", "SequentialLR"):
        parts = [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.9)]
        if name == "ChainedScheduler":
            return S.ChainedScheduler(parts)
        return S.SequentialLR(o, parts, milestones=[5])
    return SCHEDULES[name](S, o)


@pytest.mark.parametrize("name", RESUMABLE)
def test_scheduler_resumed_from_state_dicts_continues_the_same(name):
    """Save optimiser and scheduler mid-schedule, rebuild both, load, and continue."""
    metrics = PLATEAU + PLATEAU

    def advance(opt, sched, epochs):
        out = []
        for e in epochs:
            opt.step()
            sched.step(metrics[e]) if name == "ReduceLROnPlateau" else sched.step()
            out.append((tuple(sched.get_last_lr()), tuple(g["lr"] for g in opt.param_groups)))
        return out

    opt, _ = optimizers("SGD", momentum=0.9)
    sched = _make(name, opt)
    full = advance(opt, sched, range(EPOCHS))

    opt, _ = optimizers("SGD", momentum=0.9)
    sched = _make(name, opt)
    first = advance(opt, sched, range(15))
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), sched.state_dict()
    advance(opt, sched, range(15, 18))  # the original keeps going; the checkpoint must not move

    opt2, _ = optimizers("SGD", momentum=0.9)
    sched2 = _make(name, opt2)  # build the scheduler first, then load (as in PyTorch)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert first + advance(opt2, sched2, range(15, EPOCHS)) == full


def test_stepping_the_scheduler_before_the_optimizer_warns():
    opt, _ = optimizers()
    sched = S.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"before optimizer.step\(\)"):
        sched.step()
    opt, _ = optimizers()
    sched = S.StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_the_constructor_takes_the_first_step():
    opt, _ = optimizers()
    sched = S.LinearLR(opt, start_factor=0.5, total_iters=2)
    assert sched.last_epoch == 0
    assert sched.get_last_lr() == [0.05, 0.025]
    assert opt.param_groups[0]["initial_lr"] == 0.1


def test_schedules_drive_the_optimizer_steps():
    p = cr.tensor([1.0], requires_grad=True)
    opt = cr.optim.SGD([p], lr=1.0)
    sched = S.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = cr.tensor([1.0])
        opt.step()
        sched.step()
    np.testing.assert_allclose(p._data, [1 - 1.0 - 0.5 - 0.25])


INVALID = [
    (lambda o: S.StepLR(o, step_size=0), ValueError, "step_size=0"),
    (lambda o: S.StepLR(o, step_size="2"), TypeError, "step_size must be a real number, got '2'"),
    (lambda o: S.StepLR(o, step_size=2, gamma=-0.1), ValueError, "gamma=-0.1"),
    (lambda o: S.MultiStepLR(o, milestones=[3, -1]), ValueError, "milestone=-1"),
    (lambda o: S.ExponentialLR(o, gamma=0), ValueError, "gamma=0"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "T_max=0"),
    (lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=-1.0), ValueError, "eta_min=-1.0"),
    (lambda o: S.LinearLR(o, start_factor=0), ValueError, "start_factor=0"),
    (lambda o: S.LinearLR(o, start_factor=1.5), ValueError, "start_factor=1.5"),
    (lambda o: S.LinearLR(o, end_factor=2.0), ValueError, "end_factor=2.0"),
    (lambda o: S.LinearLR(o, total_iters=0), ValueError, "total_iters=0"),
    (lambda o: S.LambdaLR(o, [lambda e: 1.0]), ValueError,
     "LambdaLR: lr_lambda must have one value per parameter group: got 1 values for 2"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps, or epochs"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "total_steps=0"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=9, pct_start=1.5), ValueError,
     "pct_start=1.5"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=9, anneal_strategy="exp"), ValueError,
     "got 'exp'"),
    (lambda o: S.OneCycleLR(o, max_lr=[1.0], total_steps=9), ValueError, "got 1 values for 2"),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor=1.0"),
    (lambda o: S.ReduceLROnPlateau(o, mode="avg"), ValueError, "got 'avg'"),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "got 'pct'"),
    (lambda o: S.ReduceLROnPlateau(o, patience=-1), ValueError, "patience=-1"),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "got 1 values for 2"),
    (lambda o: S.StepLR(torch.optim.SGD([torch.zeros(1)]), 2), TypeError, "expected an Optimizer"),
    (lambda o: S.CosineAnnealingLR(o, T_max=5, last_epoch=3), KeyError, "initial_lr"),
]


@pytest.mark.parametrize(("make", "error", "message"), INVALID, ids=lambda x: getattr(x, "__name__", str(x)))
def test_invalid_arguments_name_the_value(make, error, message):
    opt, _ = optimizers()
    with pytest.raises(error, match=message):
        make(opt)


def test_one_cycle_needs_momentum_to_cycle():
    p = cr.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="Adagrad has neither"):
        S.OneCycleLR(cr.optim.Adagrad([p]), max_lr=0.1, total_steps=5)


def test_one_cycle_refuses_to_step_past_the_end():
    opt, _ = optimizers()
    sched = S.OneCycleLR(opt, max_lr=0.5, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="tried to step 4 times, but total_steps=3"):
        sched.step()


def test_sequential_and_chained_refuse_reduce_on_plateau():
    opt, _ = optimizers()
    plateau = S.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="needs a metric"):
        S.ChainedScheduler([plateau])
    with pytest.raises(ValueError, match="one milestone fewer"):
        S.SequentialLR(opt, [S.ExponentialLR(opt, 0.9)], milestones=[3])
