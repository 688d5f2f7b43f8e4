"""ConstantLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts and CyclicLR against
torch.optim.lr_scheduler: the same rates (and momenta) step by step, resumable from state_dict."""

from __future__ import annotations

import copy
import math
import warnings

import pytest
import torch
from test_lr_scheduler import optimizers, run

import chainrule as cr
from chainrule.optim import lr_scheduler as S

TS = torch.optim.lr_scheduler
EPOCHS = 60


class Halving:
    """A callable object with state: state_dict keeps its __dict__, as torch does."""

    def __init__(self, rate=0.5):
        self.rate = rate

    def __call__(self, x):
        return self.rate ** (x - 1)


SCHEDULES = {
    "ConstantLR": lambda m, o: m.ConstantLR(o),
    "ConstantLR-half-10": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=10),
    "ConstantLR-factor-1": lambda m, o: m.ConstantLR(o, factor=1.0, total_iters=3),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.95),
    "MultiplicativeLR-per-group": lambda m, o: m.MultiplicativeLR(
        o, [lambda e: 0.9 if e % 2 else 1.05, lambda e: 1 - 1 / (e + 10)]
    ),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o),
    "PolynomialLR-squared": lambda m, o: m.PolynomialLR(o, total_iters=20, power=2.0),
    "PolynomialLR-sqrt": lambda m, o: m.PolynomialLR(o, total_iters=30, power=0.5),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7),
    "CosineAnnealingWarmRestarts-mult": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001
    ),
    "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5),
    "CyclicLR-asymmetric-per-group": lambda m, o: m.CyclicLR(
        o, base_lr=[0.01, 0.002], max_lr=[0.1, 0.05], step_size_up=3, step_size_down=8,
        base_momentum=[0.8, 0.85], max_momentum=[0.9, 0.95],
    ),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(
        o, base_lr=0.001, max_lr=0.1, step_size_up=4, mode="triangular2"
    ),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(
        o, base_lr=0.001, max_lr=0.1, step_size_up=4, step_size_down=2, mode="exp_range",
        gamma=0.97,
    ),
    "CyclicLR-scale_fn-cycle": lambda m, o: m.CyclicLR(
        o, base_lr=0.01, max_lr=0.2, step_size_up=5, scale_fn=lambda c: 1 / c
    ),
    "CyclicLR-scale_fn-iterations": lambda m, o: m.CyclicLR(
        o, base_lr=0.01, max_lr=0.2, step_size_up=5, scale_fn=lambda t: math.exp(-t / 30),
        scale_mode="iterations",
    ),
    "CyclicLR-no-momentum": lambda m, o: m.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=6, cycle_momentum=False
    ),
}


def both(make, kind="SGD", epochs=EPOCHS, **kwargs):
    """The rates (and momenta) of ``make(module, optimizer)`` in chainrule and in PyTorch."""
    return [run(o, lambda o, m=m: make(m, o), epochs)
            for m, o in zip((S, TS), optimizers(kind, **kwargs), strict=True)]


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_schedule_equals_torch(schedule, optimizer):
    ours, ref = both(SCHEDULES[schedule], optimizer, **({"momentum": 0.9} if optimizer == "SGD"
                                                         else {}))
    assert ours == ref
    if schedule != "ConstantLR-factor-1":
        assert len({lrs for lrs, _, _ in ours}) > 1  # the rate does change


def test_cyclic_momentum_moves_against_the_rate():
    opt, _ = optimizers("SGD", momentum=0.9)
    sched = S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, base_momentum=0.7,
                       max_momentum=0.95)
    seen = [(opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"])]
    for _ in range(4):
        opt.step()
        sched.step()
        seen.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
    assert [round(lr, 6) for lr, _ in seen] == [0.01, 0.055, 0.1, 0.055, 0.01]
    assert [round(m, 6) for _, m in seen] == [0.95, 0.825, 0.7, 0.825, 0.95]


def test_cyclic_with_a_stateful_scale_fn_equals_torch():
    ours, ref = both(lambda m, o: m.CyclicLR(o, 0.01, 0.3, step_size_up=4, scale_fn=Halving(0.7)),
                     momentum=0.9)
    assert ours == ref


@pytest.mark.parametrize("epochs", [
    [0.5, 1.25, 2.0, 2.75, 3.5, 6.9, 7.0, 7.1, 20.4, 3.3, 0, 14],
    [1, 2, 3, 4, 9, 10, 30, 31, 2, 45],
], ids=["fractional", "integer"])
@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_step_with_an_epoch_equals_torch(epochs, T_mult):
    seqs = []
    for m, o in zip((S, TS), optimizers(), strict=True):
        sched = m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=T_mult, eta_min=0.002)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # step(epoch) is the documented use: no warning
            for i, epoch in enumerate(epochs):
                o.step()
                sched.step(epoch)
                if i % 3 == 2:
                    sched.step()  # interleaved with plain steps
                seq.append((tuple(sched.get_last_lr()), sched.T_cur, sched.T_i, sched.last_epoch))
        seqs.append(seq)
    assert seqs[0] == seqs[1]


def test_warm_restarts_within_an_epoch_like_the_torch_docs():
    iters = 7
    seqs = []
    for m, o in zip((S, TS), optimizers(), strict=True):
        sched = m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2)
        seq = []
        for epoch in range(10):
            for i in range(iters):
                o.step()
                sched.step(epoch + i / iters)
                seq.append(tuple(sched.get_last_lr()))
        seqs.append(seq)
    assert seqs[0] == seqs[1]


@pytest.mark.parametrize("schedule", ["ConstantLR-half-10", "MultiplicativeLR",
                                      "PolynomialLR-squared"])
def test_step_with_an_epoch_uses_the_closed_form_like_torch(schedule):
    seqs = []
    for m, o in zip((S, TS), optimizers(), strict=True):
        sched = SCHEDULES[schedule](m, o)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [3, 4, 9, 2, 17, 25, 10, 11]:
                o.step()
                sched.step(epoch)
                seq.append(tuple(sched.get_last_lr()))
        seqs.append(seq)
    assert seqs[0] == seqs[1]


@pytest.mark.parametrize("schedule", ["ConstantLR", "PolynomialLR-squared",
                                      "CosineAnnealingWarmRestarts-mult", "CyclicLR"])
def test_resuming_at_last_epoch_equals_torch(schedule):
    ours, ref = both(lambda m, o: _resumed(schedule, m, o), epochs=25, momentum=0.9)
    assert ours == ref


def _resumed(schedule, m, o):
    for g in o.param_groups:  # as a loaded optimizer state has it
        g["initial_lr"] = g["lr"]
    if schedule == "ConstantLR":
        return m.ConstantLR(o, factor=0.5, total_iters=6, last_epoch=3)
    if schedule == "PolynomialLR-squared":
        return m.PolynomialLR(o, total_iters=20, power=2.0, last_epoch=4)
    if schedule == "CosineAnnealingWarmRestarts-mult":
        return m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, last_epoch=5)
    for g in o.param_groups:  # what a loaded optimizer state holds for CyclicLR
        g["max_momentum"], g["base_momentum"] = 0.9, 0.8
    return m.CyclicLR(o, 0.01, 0.1, step_size_up=4, last_epoch=6)


def _make(name, o):
    if name == "MultiplicativeLR-object":
        return S.MultiplicativeLR(o, Decay())
    if name == "CyclicLR-object":
        return S.CyclicLR(o, 0.01, 0.3, step_size_up=4, scale_fn=Halving())
    return SCHEDULES[name](S, o)


class Decay:
    """A multiplicative factor that changes as it is used: its state must be saved."""

    def __init__(self):
        self.factor = 0.99

    def __call__(self, epoch):
        self.factor *= 0.999
        return self.factor


@pytest.mark.parametrize("name", [*SCHEDULES, "MultiplicativeLR-object", "CyclicLR-object"])
def test_scheduler_resumed_from_state_dicts_continues_the_same(name):
    """Save optimiser and scheduler mid-schedule, rebuild both, load, and continue."""

    def advance(opt, sched, steps):
        out = []
        for _ in range(steps):
            opt.step()
            sched.step()
            out.append((tuple(sched.get_last_lr()),
                        tuple(g.get("momentum", g.get("betas", (None,))[0])
                              for g in opt.param_groups)))
        return out

    for kind in ("SGD", "Adam"):
        kwargs = {"momentum": 0.9} if kind == "SGD" else {}
        opt, _ = optimizers(kind, **kwargs)
        full = advance(opt, _make(name, opt), EPOCHS)

        opt, _ = optimizers(kind, **kwargs)
        sched = _make(name, opt)
        first = advance(opt, sched, 23)
        saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), sched.state_dict()
        advance(opt, sched, 4)  # the original keeps going; the checkpoint must not move

        opt2, _ = optimizers(kind, **kwargs)
        sched2 = _make(name, opt2)
        opt2.load_state_dict(saved_opt)
        sched2.load_state_dict(saved_sched)
        assert first + advance(opt2, sched2, EPOCHS - 23) == full, kind


def test_state_dict_keeps_callable_objects_not_functions():
    opt, _ = optimizers()
    state = S.CyclicLR(opt, 0.01, 0.1, scale_fn=Halving(0.25)).state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.25}
    state = S.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda c: 1.0).state_dict()
    assert state["_scale_fn_custom"] is None
    state = S.MultiplicativeLR(opt, [Decay(), lambda e: 0.9]).state_dict()
    assert state["lr_lambdas"][0]["factor"] == pytest.approx(0.99) and state["lr_lambdas"][1] is None
    sched = S.CyclicLR(opt, 0.01, 0.1, scale_fn=Halving(0.5))
    sched.load_state_dict(state | {"_scale_fn_custom": {"rate": 0.125}, "last_epoch": 3})
    assert sched._scale_fn_custom.rate == 0.125 and sched.last_epoch == 3
    with pytest.raises(ValueError, match="expected the dict of a scheduler's state_dict"):
        sched.load_state_dict(opt.state_dict())


def test_cyclic_sets_the_rates_and_momenta_at_construction_like_torch():
    for kind in ("SGD", "Adam"):
        kwargs = {"momentum": 0.5} if kind == "SGD" else {}
        opt, topt = optimizers(kind, **kwargs)
        S.CyclicLR(opt, base_lr=[0.02, 0.03], max_lr=0.1, base_momentum=0.6, max_momentum=0.7)
        TS.CyclicLR(topt, base_lr=[0.02, 0.03], max_lr=0.1, base_momentum=0.6, max_momentum=0.7)
        for g, tg in zip(opt.param_groups, topt.param_groups, strict=True):
            for key in ("lr", "initial_lr", "max_momentum", "base_momentum"):
                assert g[key] == tg[key], key
            assert g.get("momentum") == tg.get("momentum") and g.get("betas") == tg.get("betas")


def test_cyclic_drives_sgd_momentum_in_the_update():
    p = cr.tensor([0.0], requires_grad=True)
    opt = cr.optim.SGD([p], lr=1.0, momentum=0.0)
    sched = S.CyclicLR(opt, base_lr=0.1, max_lr=0.3, step_size_up=1, base_momentum=0.5,
                       max_momentum=0.5)
    for _ in range(2):
        p.grad = cr.tensor([1.0])
        opt.step()
        sched.step()
    # step 1: lr 0.1, buffer 1; step 2: lr 0.3, buffer 0.5 * 1 + 1
    assert p.item() == pytest.approx(-0.1 - 0.3 * 1.5)


def test_constant_and_polynomial_chain_with_others_like_torch():
    ours, ref = both(lambda m, o: m.ChainedScheduler([
        m.ConstantLR(o, factor=0.5, total_iters=4), m.PolynomialLR(o, total_iters=12, power=1.5),
        m.MultiplicativeLR(o, lambda e: 0.98),
    ]), epochs=20)
    assert ours == ref


def test_warm_restarts_refuses_a_negative_epoch_as_torch():
    for m, o in zip((S, TS), optimizers(), strict=True):
        sched = m.CosineAnnealingWarmRestarts(o, T_0=3)
        with pytest.raises(ValueError, match="xpected non-negative epoch, but got -1"):
            sched.step(-1)


def sgd_without_momentum_keys():
    return cr.optim.Adagrad([cr.zeros(1, requires_grad=True)])


INVALID = [
    (lambda o: S.ConstantLR(o, factor=1.5), ValueError, "factor=1.5"),
    (lambda o: S.ConstantLR(o, factor=0), ValueError, r"factor=0; .* must be in \(0, 1\]"),
    (lambda o: S.ConstantLR(o, total_iters=0), ValueError, "total_iters=0"),
    (lambda o: S.ConstantLR(o, total_iters=2.5), TypeError, "total_iters must be an integer"),
    (lambda o: S.MultiplicativeLR(o, [lambda e: 1.0]), ValueError, "got 1 values for 2"),
    (lambda o: S.MultiplicativeLR(o, 0.9), TypeError, "lr_lambda 0 must be callable, got float"),
    (lambda o: S.PolynomialLR(o, total_iters=0), ValueError, "total_iters=0"),
    (lambda o: S.PolynomialLR(o, power="2"), TypeError, "power must be a real number"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "expected positive integer T_0, but got 0"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2.5), ValueError,
     "expected positive integer T_0, but got 2.5"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError,
     "expected integer T_mult >= 1, but got 0"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError,
     "expected integer T_mult >= 1, but got 1.5"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"), ValueError,
     "expected float or int eta_min, but got '0' of type str"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, last_epoch=3), KeyError, "initial_lr"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, mode="sine"), ValueError,
     "mode is invalid and scale_fn is None.*got 'sine'"),
    (lambda o: S.CyclicLR(o, [0.01], 0.1), ValueError, "base_lr must have one value per"),
    (lambda o: S.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]), ValueError, "got 3 values for 2"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, base_momentum=[0.8]), ValueError, "base_momentum"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError, "step_size_up=0"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_down=-2), ValueError, "step_size_down=-2"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, scale_fn=2.0), TypeError, "scale_fn must be callable"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, scale_fn=abs, scale_mode="epoch"), ValueError,
     "scale_mode must be 'cycle' or 'iterations', got 'epoch'"),
    (lambda o: S.CyclicLR(o, -0.01, 0.1), ValueError, "base_lr=-0.01"),
    (lambda o: S.CyclicLR(sgd_without_momentum_keys(), 0.01, 0.1), ValueError,
     "Adagrad has neither; pass cycle_momentum=False"),
    (lambda o: S.CyclicLR(torch.optim.SGD([torch.zeros(1)]), 0.01, 0.1), TypeError,
     "expected an Optimizer"),
]


@pytest.mark.parametrize(("make", "error", "message"), INVALID,
                         ids=lambda x: getattr(x, "__name__", str(x)))
def test_invalid_arguments_name_the_value(make, error, message):
    opt, _ = optimizers()
    with pytest.raises(error, match=message):
        make(opt)


@pytest.mark.parametrize(("ours", "ref"), [
    (lambda o: S.CyclicLR(o, 0.01, 0.1, mode="sine"),
     lambda o: TS.CyclicLR(o, 0.01, 0.1, mode="sine")),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0),
     lambda o: TS.CosineAnnealingWarmRestarts(o, T_0=0)),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
     lambda o: TS.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0)),
    (lambda o: S.ConstantLR(o, factor=1.5), lambda o: TS.ConstantLR(o, factor=1.5)),
    (lambda o: S.CyclicLR(o, [0.01], 0.1), lambda o: TS.CyclicLR(o, [0.01], 0.1)),
])
def test_errors_have_torchs_types(ours, ref):
    opt, topt = optimizers("SGD", momentum=0.9)
    with pytest.raises(ValueError):
        ours(opt)
    with pytest.raises(ValueError):
        ref(topt)


def test_new_schedulers_are_exported():
    for name in ["ConstantLR", "MultiplicativeLR", "PolynomialLR", "CosineAnnealingWarmRestarts",
                 "CyclicLR"]:
        assert name in S.__all__ and issubclass(getattr(S, name), S.LRScheduler)
        assert getattr(cr.optim.lr_scheduler, name) is getattr(S, name)
