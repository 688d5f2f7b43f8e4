"""Resuming is bit-identical: 2 epochs, stop, resume for 2 == 4 epochs straight.

The run uses everything that carries state from one step to the next: dropout and a shuffling
loader (the RNG), Adam (moments and step counts), a learning-rate schedule, a validation loader,
a checkpoint callback and early stopping. The resumed run starts in fresh objects whose own
initialisation drew different random numbers, so only the checkpoint can make them agree.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.data import DataLoader, TensorDataset
from chainrule.train import Callback, EarlyStopping, ModelCheckpoint, fit

EPOCHS = 4


def data() -> tuple[TensorDataset, TensorDataset]:
    g = np.random.default_rng(7)
    x = g.standard_normal((90, 5)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64) + (x[:, 3] > 1)
    train = TensorDataset(cr.tensor(x[:70]), cr.tensor(y[:70]))
    val = TensorDataset(cr.tensor(x[70:]), cr.tensor(y[70:]))
    return train, val


class Setup:
    """A model, its optimiser, scheduler and loaders, built after seeding with ``seed``."""

    def __init__(self, seed: int, optimizer: str = "Adam") -> None:
        cr.manual_seed(seed)
        train, val = data()
        self.model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
        opt_cls = getattr(cr.optim, optimizer)
        self.opt = opt_cls(self.model.parameters(), lr=0.05)
        self.sched = cr.optim.lr_scheduler.StepLR(self.opt, step_size=1, gamma=0.7)
        self.train = DataLoader(train, batch_size=16, shuffle=True)  # 5 batches, the last of 6
        self.val = DataLoader(val, batch_size=8)

    def fit(self, epochs: int, callbacks: list[Callback], **kw: Any) -> Any:
        return fit(self.model, nn.CrossEntropyLoss(), self.opt, self.train, self.val,
                   epochs=epochs, scheduler=self.sched, callbacks=callbacks, progress=False, **kw)


def assert_same_run(a: Setup, b: Setup) -> None:
    """Parameters, optimiser state, schedule and the generator: all bit for bit."""
    for (ka, va), (kb, vb) in zip(a.model.state_dict().items(), b.model.state_dict().items(),
                                  strict=True):
        assert ka == kb
        np.testing.assert_array_equal(va._data, vb._data, err_msg=ka)
    sa, sb = a.opt.state_dict(), b.opt.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    assert sa["state"].keys() == sb["state"].keys()
    for i in sa["state"]:
        for k in sa["state"][i]:
            np.testing.assert_array_equal(np.asarray(sa["state"][i][k]._data),
                                          np.asarray(sb["state"][i][k]._data), err_msg=f"{i}.{k}")
    assert a.sched.state_dict() == b.sched.state_dict()
    assert a.sched.get_last_lr() == b.sched.get_last_lr()


@pytest.mark.parametrize("optimizer", ["Adam", "SGD", "RMSprop"])
def test_two_epochs_stop_resume_two_equals_four_straight(tmp_path, optimizer):
    straight = Setup(seed=0, optimizer=optimizer)
    h_straight = straight.fit(EPOCHS, [])
    rng_straight = cr.get_rng_state()

    first = Setup(seed=0, optimizer=optimizer)
    ckpt = os.fspath(tmp_path / "run.npz")
    first.fit(2, [ModelCheckpoint(ckpt, monitor="val_loss")])

    cr.manual_seed(12345)  # the resumed process starts elsewhere
    cr.randn(100)
    resumed = Setup(seed=99, optimizer=optimizer)
    h_resumed = resumed.fit(EPOCHS, [ModelCheckpoint(ckpt, monitor="val_loss")], resume_from=ckpt)

    assert_same_run(straight, resumed)
    assert cr.get_rng_state() == rng_straight
    assert h_resumed.epoch == h_straight.epoch == [1, 2, 3, 4]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert h_resumed[key] == h_straight[key], key


def test_ctrl_c_mid_epoch_keeps_the_last_epoch_and_resumes_exactly(tmp_path):
    """KeyboardInterrupt in epoch 3: fit returns, the epoch-2 checkpoint is intact, resume == straight."""

    class CtrlC(Callback):
        def on_batch_end(self, run: Any, step: int, loss: float) -> None:
            if step == 13:  # epoch 3, batch 3 of 5
                raise KeyboardInterrupt

    straight = Setup(seed=0)
    straight.fit(EPOCHS, [])

    ckpt = os.fspath(tmp_path / "run.npz")
    interrupted = Setup(seed=0)
    hist = interrupted.fit(EPOCHS, [ModelCheckpoint(ckpt, monitor="val_loss"), CtrlC()])
    assert hist.interrupted and hist.epoch == [1, 2]
    assert cr.load(ckpt)["epoch"] == 2

    resumed = Setup(seed=5)
    resumed.fit(EPOCHS, [ModelCheckpoint(ckpt, monitor="val_loss")], resume_from=ckpt)
    assert_same_run(straight, resumed)


def test_resume_from_mid_epoch_state_continues_the_loader_pass(tmp_path):
    """A state taken after batch 2 of epoch 2 resumes with batch 3 of the same permutation."""

    class SaveAt(Callback):
        def on_batch_end(self, run: Any, step: int, loss: float) -> None:
            if step == 7:  # epoch 2, batch 2 of 5
                cr.save(run.state_dict(), tmp_path / "mid.npz")

    straight = Setup(seed=0)
    straight.fit(EPOCHS, [])
    Setup(seed=0).fit(2, [SaveAt()])

    state = cr.load(tmp_path / "mid.npz")
    assert state["train_loader"]["position"] == 2
    resumed = Setup(seed=3)
    resumed.fit(EPOCHS, [], resume_from=tmp_path / "mid.npz")
    assert_same_run(straight, resumed)


def test_early_stopping_state_survives_resume(tmp_path):
    """patience counts across the stop: the resumed run stops at the same epoch as the straight one."""
    def stopper() -> EarlyStopping:
        return EarlyStopping(monitor="val_loss", patience=0, min_delta=10.0)  # stops at epoch 2

    straight = Setup(seed=0)
    h1 = straight.fit(EPOCHS, [stopper()])
    ckpt = os.fspath(tmp_path / "run.npz")
    Setup(seed=0).fit(1, [stopper(), ModelCheckpoint(ckpt, monitor="val_loss")])
    resumed = Setup(seed=1)
    h2 = resumed.fit(EPOCHS, [stopper(), ModelCheckpoint(ckpt, monitor="val_loss")],
                     resume_from=ckpt)
    assert h1.stopped_epoch == h2.stopped_epoch == 2
    assert_same_run(straight, resumed)
