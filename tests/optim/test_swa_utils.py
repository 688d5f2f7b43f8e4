"""optim.swa_utils against torch.optim.swa_utils: AveragedModel (the equal average, EMA, custom
functions, buffers averaged or copied), update_bn, SWALR (alone and after a base scheduler, as in
PyTorch's SWA recipe) and the averaging functions."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from torch.optim import swa_utils as tswa

import chainrule as cr
from chainrule.optim import swa_utils as swa
from torch_oracle import FLOATS, assert_close

TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


# ---------------------------------------------------------------------------- two equal models
def make_models(dtype=np.float64, seed: int = 0):
    """Linear → BatchNorm1d → ReLU → Linear in both libraries, with the same weights."""
    ours = cr.nn.Sequential(cr.nn.Linear(4, 5), cr.nn.BatchNorm1d(5), cr.nn.ReLU(), cr.nn.Linear(5, 2))
    ref = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(),
                              torch.nn.Linear(5, 2))
    ours.to(dtype)
    ref.to(TORCH_DTYPE[dtype])
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p, tp in zip(ours.parameters(), ref.parameters(), strict=True):
            a = rng.normal(0, 0.5, tuple(tp.shape)).astype(dtype)
            p._data[...] = a
            tp.copy_(torch.from_numpy(a))
    return ours, ref


def batches(n: int, dtype=np.float64, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(1.0, 2.0, (6, 4)).astype(dtype) for _ in range(n)]


def train_epoch(model, opt, lib, xs: list[np.ndarray]) -> None:
    """One epoch of SGD on ``mean(out²)``: moves the weights and BatchNorm's statistics."""
    model.train()
    for x in xs:
        opt.zero_grad()
        (model(lib.tensor(x)) ** 2).mean().backward()
        opt.step()


def train_and_average(ours, ref, avg, tavg, epochs: int, xs: list[np.ndarray], after_epoch=None) -> None:
    """``epochs`` epochs of SGD (lr 0.1) on each library's model, each followed by an update of its
    average (and by ``after_epoch()``)."""
    opt, topt = cr.optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(ref.parameters(), lr=0.1)
    for _ in range(epochs):
        train_epoch(ours, opt, cr, xs)
        train_epoch(ref, topt, torch, xs)
        avg.update_parameters(ours)
        tavg.update_parameters(ref)
        if after_epoch is not None:
            after_epoch()


def assert_models_equal(ours, ref, dtype, what: str = "") -> None:
    sd, tsd = ours.state_dict(), ref.state_dict()
    assert list(sd) == list(tsd)
    for key in tsd:
        assert_close(sd[key], tsd[key], dtype, f"{what} {key}")


# ---------------------------------------------------------------------------- AveragedModel
AVERAGES = {
    "equal": lambda lib: {},
    "ema_avg_fn": lambda lib: {"avg_fn": lib.get_ema_avg_fn(0.9)},
    "ema_multi_avg_fn": lambda lib: {"multi_avg_fn": lib.get_ema_multi_avg_fn(0.8)},
    "swa_avg_fn": lambda lib: {"avg_fn": lib.get_swa_avg_fn()},
    "custom_avg_fn": lambda lib: {"avg_fn": lambda avg, p, n: 0.5 * avg + 0.5 * p + 0.01 * n},
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("average", list(AVERAGES))
@pytest.mark.parametrize("dtype", FLOATS)
def test_averaged_model_equals_torch(dtype, average, use_buffers):
    """Five epochs of training, the average updated after each: parameters, buffers (averaged,
    integer batch count included, or copied) and n_averaged as torch's, and the same output."""
    ours, ref = make_models(dtype)
    avg = swa.AveragedModel(ours, use_buffers=use_buffers, **AVERAGES[average](swa))
    tavg = tswa.AveragedModel(ref, use_buffers=use_buffers, **AVERAGES[average](tswa))
    train_and_average(ours, ref, avg, tavg, 5, batches(3, dtype),
                      after_epoch=lambda: assert_models_equal(avg, tavg, dtype, average))
    assert avg.n_averaged._data.dtype == np.int64 and avg.n_averaged.shape == ()
    assert int(avg.n_averaged._data) == 5
    avg.eval()
    tavg.eval()
    x = batches(1, dtype, seed=9)[0]
    assert_close(avg(cr.tensor(x)), tavg(torch.tensor(x)), dtype, "forward of the average")
    # the copy is the average's own: training the model further leaves it alone
    for p in avg.module.parameters():
        assert all(p is not q for q in ours.parameters())


def test_the_first_update_copies_and_the_average_is_the_mean():
    ours, _ = make_models()
    avg = swa.AveragedModel(ours)
    seen = []
    for k in range(4):
        for p in ours.parameters():
            p._data[...] = k * k + 0.5 * p._data
        seen.append([p._data.copy() for p in ours.parameters()])
        avg.update_parameters(ours)
    for i, p in enumerate(avg.module.parameters()):
        np.testing.assert_allclose(p._data, np.mean([s[i] for s in seen], axis=0), rtol=1e-12)


def test_swa_multi_avg_fn_equals_torch_and_refuses_integer_buffers_as_torch():
    ours, ref = make_models()
    avg = swa.AveragedModel(ours, multi_avg_fn=swa.get_swa_multi_avg_fn())
    tavg = tswa.AveragedModel(ref, multi_avg_fn=tswa.get_swa_multi_avg_fn())
    train_and_average(ours, ref, avg, tavg, 4, batches(2))
    assert_models_equal(avg, tavg, np.float64)
    # with use_buffers the integer batch count meets integer division, which torch refuses
    avg = swa.AveragedModel(ours, multi_avg_fn=swa.get_swa_multi_avg_fn(), use_buffers=True)
    tavg = tswa.AveragedModel(ref, multi_avg_fn=tswa.get_swa_multi_avg_fn(), use_buffers=True)
    avg.update_parameters(ours)
    tavg.update_parameters(ref)
    with pytest.raises(RuntimeError):
        tavg.update_parameters(ref)
    with pytest.raises(RuntimeError, match="integer dtype int64"):
        avg.update_parameters(ours)


def test_multi_avg_fn_is_called_once_per_dtype_with_lists_and_the_count():
    ours, ref = make_models()
    calls, tcalls = [], []

    def record(into):
        def fn(averaged, current, n):
            into.append((len(averaged), len(current), int(n), str(averaged[0].dtype).split(".")[-1]))
        return fn

    avg = swa.AveragedModel(ours, multi_avg_fn=record(calls), use_buffers=True)
    tavg = tswa.AveragedModel(ref, multi_avg_fn=record(tcalls), use_buffers=True)
    for _ in range(3):
        avg.update_parameters(ours)
        tavg.update_parameters(ref)
    assert calls == tcalls and len(calls) == 4  # two updates after the copy, two dtypes each


def test_averaged_model_state_dict_round_trip_and_from_torch():
    ours, ref = make_models()
    avg = swa.AveragedModel(ours, use_buffers=True)
    tavg = tswa.AveragedModel(ref, use_buffers=True)
    train_and_average(ours, ref, avg, tavg, 3, batches(2))
    sd = avg.state_dict()
    assert list(sd) == list(tavg.state_dict())
    fresh = swa.AveragedModel(make_models(seed=5)[0], use_buffers=True)
    fresh.load_state_dict(sd)
    assert_models_equal(fresh, tavg, np.float64, "loaded")
    from_torch = swa.AveragedModel(make_models(seed=6)[0], use_buffers=True)
    from_torch.load_state_dict({k: cr.tensor(v.numpy()) for k, v in tavg.state_dict().items()})
    assert int(from_torch.n_averaged._data) == 3
    # the loaded count continues the average as torch's does
    for a in (fresh, from_torch):
        a.update_parameters(ours)
    tavg.update_parameters(ref)
    assert_models_equal(fresh, tavg, np.float64, "continued")
    assert_models_equal(from_torch, tavg, np.float64, "continued from torch")


def test_avg_fn_and_multi_avg_fn_together_is_torchs_error():
    ours, ref = make_models()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        tswa.AveragedModel(ref, avg_fn=tswa.get_swa_avg_fn(), multi_avg_fn=tswa.get_swa_multi_avg_fn())
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa.AveragedModel(ours, avg_fn=swa.get_swa_avg_fn(), multi_avg_fn=swa.get_swa_multi_avg_fn())


def test_averaged_model_keeps_the_device_and_refuses_a_non_module():
    ours, _ = make_models()
    avg = swa.AveragedModel(ours, device="cpu")
    assert avg.module is not ours
    with pytest.raises(TypeError, match="AveragedModel: expected a chainrule.nn.Module"):
        swa.AveragedModel([1, 2])


# ---------------------------------------------------------------------------- averaging functions
@pytest.mark.parametrize("dtype", FLOATS)
def test_averaging_functions_equal_torch(dtype):
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(3, 4)).astype(dtype)
    n, tn = cr.tensor(np.array(3, dtype=np.int64)), torch.tensor(3)
    assert_close(swa.get_ema_avg_fn(0.7)(cr.tensor(a), cr.tensor(b), n),
                 tswa.get_ema_avg_fn(0.7)(torch.tensor(a), torch.tensor(b), tn), dtype, "ema")
    assert_close(swa.get_swa_avg_fn()(cr.tensor(a), cr.tensor(b), n),
                 tswa.get_swa_avg_fn()(torch.tensor(a), torch.tensor(b), tn), dtype, "swa")
    for make, tmake in ((lambda: swa.get_ema_multi_avg_fn(0.3), lambda: tswa.get_ema_multi_avg_fn(0.3)),
                        (lambda: swa.get_ema_multi_avg_fn(0.7), lambda: tswa.get_ema_multi_avg_fn(0.7)),
                        (swa.get_swa_multi_avg_fn, tswa.get_swa_multi_avg_fn)):
        ours = [cr.tensor(a.copy()), cr.tensor(a[0].copy())]
        ref = [torch.tensor(a.copy()), torch.tensor(a[0].copy())]
        make()(ours, [cr.tensor(b), cr.tensor(b[1])], n)
        tmake()(ref, [torch.tensor(b), torch.tensor(b[1])], tn)
        for o, r in zip(ours, ref, strict=True):
            assert_close(o, r, dtype, "multi", tol="tight")


def test_ema_of_integer_tensors_truncates_as_torch():
    ours, ref = [cr.tensor(np.array([5, -7, 100]))], [torch.tensor([5, -7, 100])]
    swa.get_ema_multi_avg_fn(0.9)(ours, [cr.tensor(np.array([9, 3, 1]))], 1)
    tswa.get_ema_multi_avg_fn(0.9)(ref, [torch.tensor([9, 3, 1])], 1)
    assert_close(ours[0], ref[0])


@pytest.mark.parametrize("decay", [-0.1, 1.5])
def test_an_invalid_decay_is_torchs_error(decay):
    message = re.escape(f"Invalid decay value {decay} provided")
    for lib in (swa, tswa):
        for fn in (lib.get_ema_avg_fn, lib.get_ema_multi_avg_fn):
            with pytest.raises(ValueError, match=message):
                fn(decay)


# ---------------------------------------------------------------------------- update_bn
def nested_bn_models(dtype=np.float64):
    """BatchNorm1d at two depths, one with momentum None, one without affine."""
    ours, ref = make_models(dtype)
    ours.append(cr.nn.BatchNorm1d(2, momentum=None, affine=False).to(dtype))
    ref.append(torch.nn.BatchNorm1d(2, momentum=None, affine=False).to(TORCH_DTYPE[dtype]))
    return ours, ref


@pytest.mark.parametrize("batch_kind", ["tensor", "tuple", "list"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_update_bn_equals_torch(dtype, batch_kind):
    ours, ref = nested_bn_models(dtype)
    xs = batches(4, dtype)
    for model, lib in ((ours, cr), (ref, torch)):
        model.train()
        model(lib.tensor(xs[0] * 3))  # stale statistics, to be replaced
        model.eval()

    def loader(lib):
        for x in xs:
            t = lib.tensor(x)
            y = lib.tensor(np.zeros(len(x)))
            yield {"tensor": t, "tuple": (t, y), "list": [t, y]}[batch_kind]

    swa.update_bn(loader(cr), ours)
    tswa.update_bn(loader(torch), ref)
    assert_models_equal(ours, ref, dtype, "update_bn")
    assert int(ours[1].num_batches_tracked._data) == len(xs)
    assert [ours[1].momentum, ours[4].momentum] == [0.1, None]  # restored
    assert not ours.training and not any(m.training for m in ours.modules())


def test_update_bn_on_an_averaged_model_restores_training_mode():
    ours, ref = make_models()
    avg, tavg = swa.AveragedModel(ours), tswa.AveragedModel(ref)
    avg.update_parameters(ours)
    tavg.update_parameters(ref)
    avg.train()
    xs = batches(3)
    swa.update_bn([cr.tensor(x) for x in xs], avg, device="cpu")
    tswa.update_bn([torch.tensor(x) for x in xs], tavg, device="cpu")
    assert avg.training and avg.module[1].training
    assert_models_equal(avg, tavg, np.float64)


def test_update_bn_without_batch_norm_does_nothing():
    model = cr.nn.Sequential(cr.nn.Linear(4, 2))
    model.eval()
    before = [p._data.copy() for p in model.parameters()]

    def loader():
        raise AssertionError("the loader must not be read")
        yield

    swa.update_bn(loader(), model)
    assert not model.training
    assert all(np.array_equal(p._data, b) for p, b in zip(model.parameters(), before, strict=True))


# ---------------------------------------------------------------------------- SWALR
def two_group_optimizers(lrs=(0.5, 0.2)):
    ours = cr.optim.SGD([{"params": [cr.zeros(2, requires_grad=True)], "lr": lrs[0]},
                         {"params": [cr.zeros(3, requires_grad=True)], "lr": lrs[1]}], lr=0.1)
    ref = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lrs[0]},
                           {"params": [torch.zeros(3, requires_grad=True)], "lr": lrs[1]}], lr=0.1)
    return ours, ref


def assert_same_rates(got: list[float], want: list[float], what: str) -> None:
    for g, w in zip(got, want, strict=True):
        assert math.isclose(g, w, rel_tol=1e-13, abs_tol=1e-15), f"{what}: {got} != {want}"


@pytest.mark.parametrize("anneal_epochs", [0, 1, 5, 10])
@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_swalr_rates_equal_torch(strategy, anneal_epochs):
    opt, topt = two_group_optimizers()
    kwargs = dict(swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    sched, tsched = swa.SWALR(opt, **kwargs), tswa.SWALR(topt, **kwargs)
    assert_same_rates(sched.get_last_lr(), tsched.get_last_lr(), "epoch 0")
    for epoch in range(1, 35):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert_same_rates([g["lr"] for g in opt.param_groups],
                          [g["lr"] for g in topt.param_groups], f"epoch {epoch}")
        assert_same_rates(sched.get_last_lr(), tsched.get_last_lr(), f"epoch {epoch}")
    assert [g["swa_lr"] for g in opt.param_groups] == [0.05, 0.01]
    assert_same_rates(sched.get_last_lr(), [0.05, 0.01], "the end")


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_swa_recipe_with_a_base_scheduler_equals_torch(strategy):
    """PyTorch's recipe: CosineAnnealingLR until swa_start, then SWALR and the averaged model."""
    ours, ref = make_models()
    opt = cr.optim.SGD(ours.parameters(), lr=0.2, momentum=0.5)
    topt = torch.optim.SGD(ref.parameters(), lr=0.2, momentum=0.5)
    base, tbase = cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40), \
        torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=40)
    kwargs = dict(swa_lr=0.02, anneal_epochs=6, anneal_strategy=strategy)
    sched, tsched = swa.SWALR(opt, **kwargs), tswa.SWALR(topt, **kwargs)
    avg, tavg = swa.AveragedModel(ours), tswa.AveragedModel(ref)
    xs, swa_start = batches(1), 15
    for epoch in range(32):
        train_epoch(ours, opt, cr, xs)
        train_epoch(ref, topt, torch, xs)
        if epoch > swa_start:
            avg.update_parameters(ours)
            tavg.update_parameters(ref)
            sched.step()
            tsched.step()
        else:
            base.step()
            tbase.step()
        assert_same_rates([g["lr"] for g in opt.param_groups],
                          [g["lr"] for g in topt.param_groups], f"epoch {epoch}")
    swa.update_bn([cr.tensor(x) for x in xs], avg)
    tswa.update_bn([torch.tensor(x) for x in xs], tavg)
    assert_models_equal(avg, tavg, np.float64, "recipe")


def test_swalr_state_dict_round_trip_resumes_the_schedule():
    opt, _ = two_group_optimizers()
    sched = swa.SWALR(opt, swa_lr=0.05, anneal_epochs=8, anneal_strategy="linear")
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert "anneal_func" not in state and "optimizer" not in state
    assert state["_anneal_strategy"] == "linear" and state["anneal_epochs"] == 8
    rates = []
    for _ in range(8):
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr())
    opt2, _ = two_group_optimizers()
    resumed = swa.SWALR(opt2, swa_lr=0.05, anneal_strategy="cos")
    resumed.load_state_dict(state)
    for group, lr in zip(opt2.param_groups, state["_last_lr"], strict=True):
        group["lr"] = lr
    again = []
    for _ in range(8):
        opt2.step()
        resumed.step()
        again.append(resumed.get_last_lr())
    assert again == rates
    assert resumed.anneal_func(0.5) == 0.5  # the linear curve, restored from its name


def test_torch_swalr_state_dict_loads_and_continues_as_torch():
    opt, topt = two_group_optimizers()
    tsched = tswa.SWALR(topt, swa_lr=[0.05, 0.01], anneal_epochs=7, anneal_strategy="linear")
    for _ in range(3):
        topt.step()
        tsched.step()
    sched = swa.SWALR(opt, swa_lr=[0.05, 0.01])
    sched.load_state_dict(tsched.state_dict())
    for group, tgroup in zip(opt.param_groups, topt.param_groups, strict=True):
        group["lr"] = tgroup["lr"]
    for epoch in range(8):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert_same_rates(sched.get_last_lr(), tsched.get_last_lr(), f"epoch {epoch}")


def test_swalr_errors_are_torchs():
    opt, topt = two_group_optimizers()
    cases = [
        (dict(swa_lr=0.05, anneal_strategy="exp"),
         "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
        (dict(swa_lr=0.05, anneal_epochs=-1), "anneal_epochs must be equal or greater than 0, got -1"),
        (dict(swa_lr=0.05, anneal_epochs=2.5), "anneal_epochs must be equal or greater than 0, got 2.5"),
    ]
    for kwargs, message in cases:
        for lib, o in ((swa, opt), (tswa, topt)):
            with pytest.raises(ValueError, match=re.escape(message)):
                lib.SWALR(o, **kwargs)
    with pytest.raises(ValueError):
        tswa.SWALR(topt, swa_lr=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="SWALR: swa_lr must have one value per parameter group"):
        swa.SWALR(opt, swa_lr=[0.1, 0.2, 0.3])
    with pytest.raises(TypeError, match="SWALR: expected an Optimizer"):
        swa.SWALR("not an optimizer", swa_lr=0.1)


def test_names_are_torchs():
    assert sorted(swa.__all__) == sorted(tswa.__all__)
    assert cr.optim.swa_utils is swa
