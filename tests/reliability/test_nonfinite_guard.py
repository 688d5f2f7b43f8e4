"""The NaN/inf guard of ``fit``: stop before the optimiser step, say where and why, keep the
last good checkpoint; and ``detect_anomaly`` naming the op whose backward made the NaN."""

from __future__ import annotations

import math
import os
import re
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import Function, detect_anomaly
from chainrule.data import DataLoader, TensorDataset
from chainrule.train import Callback, ModelCheckpoint, NonFiniteError, fit


class PoisonGrad(Function):
    """Identity forward; on one chosen backward call the gradient passed down becomes ``value``.

    Stands in for a backward that overflows mid-training (a sqrt at 0, an exp of a huge value):
    the forward and the loss stay finite, only the gradient of the layers below is not.
    """

    calls = 0
    at = 0
    value = math.nan

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        PoisonGrad.calls += 1
        if PoisonGrad.calls == PoisonGrad.at:
            return grad * PoisonGrad.value
        return grad


class Poison(nn.Module):
    def forward(self, x):
        return PoisonGrad.apply(x)


class Snapshots(Callback):
    """Parameters after every optimiser step and at the end of every epoch."""

    def __init__(self) -> None:
        self.after_step: dict[int, dict[str, np.ndarray]] = {}
        self.after_epoch: dict[int, dict[str, np.ndarray]] = {}

    def on_batch_end(self, run: Any, step: int, loss: float) -> None:
        self.after_step[step] = {k: v._data.copy() for k, v in run.model.state_dict().items()}

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, float]) -> None:
        self.after_epoch[epoch] = {k: v._data.copy() for k, v in run.model.state_dict().items()}


def regression(n: int = 16) -> DataLoader:
    x = cr.randn(n, 2)
    y = (x * cr.tensor([1.5, -2.0])).sum(1, keepdim=True)
    return DataLoader(TensorDataset(x, y), batch_size=4)  # 4 steps an epoch


def poisoned_model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 8), Poison(), nn.Tanh(), nn.Linear(8, 1))


@pytest.mark.filterwarnings("error")  # the guard reports; no NumPy RuntimeWarning leaks
@pytest.mark.parametrize("value, kind", [(math.nan, "nan"), (math.inf, "inf")])
def test_nonfinite_gradient_stops_before_the_step_naming_step_parameter_and_lr(
        tmp_path, value, kind):
    cr.manual_seed(0)
    PoisonGrad.calls, PoisonGrad.at, PoisonGrad.value = 0, 7, value  # step 7: epoch 2, batch 3
    model = poisoned_model()
    opt = cr.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    snaps = Snapshots()
    ckpt = os.fspath(tmp_path / "last.npz")
    with pytest.raises(NonFiniteError) as info:
        fit(model, nn.MSELoss(), opt, regression(), epochs=5, metrics=(), progress=False,
            callbacks=[ModelCheckpoint(ckpt, monitor="loss"), snaps])
    err = info.value
    msg = str(err)
    assert (err.epoch, err.step, err.parameter, err.lr) == (2, 7, "0.weight", 0.05)
    assert "step 7" in msg and "epoch 2" in msg and "lr=0.05" in msg
    assert re.search(rf"gradient of parameter '0\.weight' \(shape \(8, 2\)\) contains [a-z ]*{kind}", msg)
    assert ckpt in msg and "(epoch 1)" in msg
    # the failing step changed nothing: the parameters are those after step 6
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v._data, snaps.after_step[6][k], err_msg=k)
    # the last good checkpoint is intact: epoch 1, finite, equal to the end of epoch 1
    assert err.checkpoint == ckpt
    state = cr.load(ckpt)
    assert state["epoch"] == 1 and state["global_step"] == 4
    for k, v in state["model"].items():
        assert np.isfinite(v._data).all()
        np.testing.assert_array_equal(v._data, snaps.after_epoch[1][k], err_msg=k)
    assert err.history.epoch == [1]


def test_first_nonfinite_parameter_is_named_not_just_any(tmp_path):
    """The poison sits above layer "2": layer 0's gradients are clean, so "2.weight" is named."""
    cr.manual_seed(0)
    PoisonGrad.calls, PoisonGrad.at, PoisonGrad.value = 0, 2, math.nan
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3), Poison(), nn.Linear(3, 1))
    for p in model[0].parameters():
        p.requires_grad_(False)  # frozen: no gradient, skipped by the guard
    opt = cr.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    with pytest.raises(NonFiniteError) as info:
        fit(model, nn.MSELoss(), opt, regression(), epochs=2, metrics=(), progress=False)
    assert info.value.parameter == "2.weight" and info.value.step == 2
    assert "no checkpoint was written" in str(info.value)


@pytest.mark.filterwarnings("error")
def test_diverging_learning_rate_stops_on_the_loss_and_keeps_the_checkpoint(tmp_path):
    """The lecture's too-large learning rate: |w| grows geometrically until the loss overflows."""
    cr.manual_seed(0)
    model = nn.Linear(2, 1)
    opt = cr.optim.SGD(model.parameters(), lr=1.5)
    ckpt = os.fspath(tmp_path / "ck-{epoch}.npz")
    with pytest.raises(NonFiniteError) as info:
        fit(model, nn.MSELoss(), opt, regression(), epochs=200, metrics=(), progress=False,
            callbacks=[ModelCheckpoint(ckpt, monitor="loss")])
    err = info.value
    assert err.parameter is None and err.lr == 1.5 and 1 < err.epoch < 200
    assert re.search(r"the loss is (inf|nan) at epoch \d+, step \d+ .*lr=1\.5", str(err))
    good = ckpt.format(epoch=err.epoch - 1)
    assert err.checkpoint == good and repr(good) in str(err)
    state = cr.load(good)
    assert state["epoch"] == err.epoch - 1
    assert all(np.isfinite(v._data).all() for v in state["model"].values())
    assert len(state["history"]["history"]["loss"]) == err.epoch - 1
    # resuming from the last good checkpoint with a sane learning rate trains on
    cr.manual_seed(1)
    model2 = nn.Linear(2, 1)
    opt2 = cr.optim.SGD(model2.parameters(), lr=1.5)
    opt2.load_state_dict(state["optimizer"])
    for g in opt2.param_groups:
        g["lr"] = 0.05
    model2.load_state_dict(state["model"])
    hist = fit(model2, nn.MSELoss(), opt2, regression(), epochs=3, metrics=(), progress=False)
    assert all(math.isfinite(v) for v in hist["loss"])


def test_check_finite_false_lets_nan_through():
    cr.manual_seed(0)
    PoisonGrad.calls, PoisonGrad.at, PoisonGrad.value = 0, 1, math.nan
    model = poisoned_model()
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    fit(model, nn.MSELoss(), opt, regression(), epochs=1, metrics=(), progress=False,
        check_finite=False)
    assert np.isnan(model[0].weight._data).all()


# ------------------------------------------------------------------ detect_anomaly
def test_detect_anomaly_names_the_op_and_the_forward_line():
    x = cr.tensor([0.0, 1.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = (x.sqrt() * 0).sum()  # d sqrt / dx at 0 is inf; times 0 -> nan in MulBackward
        line = _line_of("y = (x.sqrt() * 0).sum()")
        with pytest.raises(RuntimeError) as info:
            y.backward()
    msg = str(info.value)
    assert "MulBackward" in msg and "nan" in msg
    assert f"{__file__}:{line}" in msg
    assert "x.sqrt() * 0" in msg  # the source line of the forward call


def test_detect_anomaly_points_at_the_first_nan_not_a_later_one():
    """log(-1) makes the NaN in forward only for one element; its backward is the first NaN."""
    w = cr.tensor([1.0, -1.0], requires_grad=True)
    with detect_anomaly():
        h = w * 2.0
        z = (h + 3.0).log()  # finite: log(5), log(1)
        bad = (h - 3.0 + 4.0).sqrt()  # sqrt(3), sqrt(-1) = nan in forward; backward of Sqrt: nan
        line = _line_of("bad = (h - 3.0 + 4.0).sqrt()")
        loss = z.sum() + bad.sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert "SqrtBackward" in msg and f":{line}" in msg


def test_detect_anomaly_with_a_layer_inside_a_model():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), Poison())
    PoisonGrad.calls, PoisonGrad.at, PoisonGrad.value = 0, 1, math.nan
    with detect_anomaly():
        out = model(cr.randn(4, 3))
        with pytest.raises(RuntimeError) as info:
            out.sum().backward()
    msg = str(info.value)
    assert "PoisonGradBackward" in msg
    assert "return PoisonGrad.apply(x)" in msg  # the forward call inside the user's layer


def test_without_detect_anomaly_nan_passes_silently():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    assert np.isnan(x.grad._data[0])


def _line_of(source: str) -> int:
    with open(__file__) as f:
        for i, text in enumerate(f, 1):
            if source in text and "_line_of" not in text:
                return i
    raise AssertionError(source)
