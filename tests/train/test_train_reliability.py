"""Callbacks, bit-identical resume, the NaN/inf guard and clean Ctrl-C."""

import os
import signal
from types import SimpleNamespace

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.data import DataLoader, datasets
from chainrule.train import (
    Callback,
    EarlyStopping,
    ModelCheckpoint,
    NonFiniteError,
    evaluate,
    fit,
)


def setup(seed=0, dropout=True, generator=False):
    """A model with dropout (draws from the RNG), Adam, a schedule, shuffled loaders."""
    splits = datasets.moons(n_samples=240, scale="standard")
    chainrule.manual_seed(seed)
    layers = [nn.Linear(2, 16), nn.ReLU()] + ([nn.Dropout(0.2)] if dropout else [])
    model = nn.Sequential(*layers, nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.02)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    gen = chainrule.Generator(3) if generator else None
    train_loader = DataLoader(splits.train, batch_size=32, shuffle=True, generator=gen)
    val_loader = DataLoader(splits.test, batch_size=50)
    return model, opt, sched, train_loader, val_loader


def params(model):
    return {k: v._data.copy() for k, v in model.state_dict().items()}


def optimizer_arrays(state):
    return {(i, k): np.asarray(getattr(v, "data", v))
            for i, s in state["state"].items() for k, v in s.items()}


# ---------------------------------------------------------------- resume
@pytest.mark.parametrize("generator", [False, True])
def test_resume_is_bit_identical(tmp_path, generator):
    """2 epochs, stop, resume for 2 more == 4 epochs straight, parameter for parameter."""
    model, opt, sched, tl, vl = setup(generator=generator)
    straight = fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=4, scheduler=sched,
                   callbacks=[EarlyStopping(patience=10)], progress=False)
    expected, expected_opt = params(model), opt.state_dict()

    model, opt, sched, tl, vl = setup(generator=generator)
    ckpt = tmp_path / "ckpt.npz"
    fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=2, scheduler=sched,
        callbacks=[EarlyStopping(patience=10), ModelCheckpoint(ckpt)], progress=False)

    chainrule.manual_seed(12345)  # a new process: different RNG state, fresh objects
    model, opt, sched, tl, vl = setup(seed=7, generator=generator)
    resumed = fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=4, scheduler=sched,
                  callbacks=[EarlyStopping(patience=10)], resume_from=ckpt, progress=False)

    for k, v in expected.items():
        np.testing.assert_array_equal(params(model)[k], v, err_msg=k)
    got_opt = optimizer_arrays(opt.state_dict())
    for key, value in optimizer_arrays(expected_opt).items():
        np.testing.assert_array_equal(got_opt[key], value, err_msg=str(key))
    assert resumed.epoch == [1, 2, 3, 4]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert resumed[key] == straight[key], key
    assert sched.last_epoch == 4


def test_resume_rejects_a_weights_only_file(tmp_path):
    model, opt, sched, tl, vl = setup()
    fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=1, progress=False,
        callbacks=[ModelCheckpoint(tmp_path / "w.npz", save_weights_only=True)])
    with pytest.raises(ValueError, match="not a training checkpoint"):
        fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=2, progress=False,
            resume_from=tmp_path / "w.npz")


# ---------------------------------------------------------------- callbacks
def fake_run(model=None):
    return SimpleNamespace(stop_training=False, model=model)


def test_early_stopping_waits_patience_epochs():
    es = EarlyStopping(monitor="val_loss", patience=2, min_delta=0.01)
    run = fake_run()
    for epoch, v in enumerate([1.0, 0.9, 0.895, 0.91, 0.89], 1):
        es.on_epoch_end(run, epoch, {"val_loss": v})
        if run.stop_training:
            break
    assert run.stop_training and es.stopped_epoch == 5 and es.best_epoch == 2 and es.best == 0.9


def test_early_stopping_in_fit_restores_best_weights():
    model, _, _, tl, vl = setup(dropout=False)
    opt = optim.SGD(model.parameters(), lr=5.0)  # too large: validation loss gets worse

    class Snapshot(Callback):
        def __init__(self):
            self.by_epoch = {}

        def on_epoch_end(self, run, epoch, logs):
            self.by_epoch[epoch] = params(run.model)

    snap = Snapshot()
    es = EarlyStopping(patience=1, restore_best_weights=True)
    h = fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=30, callbacks=[snap, es],
            progress=False)
    assert h.stopped_epoch == len(h) < 30 and es.best_epoch == h.best("val_loss")[0]
    for k, v in snap.by_epoch[es.best_epoch].items():
        np.testing.assert_array_equal(params(model)[k], v)


def test_monitor_must_exist():
    with pytest.raises(ValueError, match="monitor='val_loss' is not among.*pass val_loader="):
        EarlyStopping().on_epoch_end(fake_run(), 1, {"loss": 1.0})


def test_checkpoint_best_only_and_filename_fields(tmp_path):
    model, opt, _, tl, vl = setup()
    best = ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy", save_best_only=True)
    every = ModelCheckpoint(tmp_path / "e{epoch:02d}.npz", every=2, save_weights_only=True)
    h = fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=4, callbacks=[best, every],
            progress=False)
    best_epoch, best_value = h.best("val_accuracy")
    saved = chainrule.load(tmp_path / "best.npz")
    assert saved["epoch"] == best_epoch == best.last_saved_epoch and best.best == best_value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz", "e02.npz", "e04.npz"]
    weights = chainrule.load(tmp_path / "e04.npz")
    model.load_state_dict(weights)  # a weights-only file is a plain state_dict
    assert set(weights) == set(model.state_dict())


# ---------------------------------------------------------------- NaN / inf guard
def test_nonfinite_loss_names_step_and_lr_and_keeps_checkpoint(tmp_path):
    splits = datasets.sine(n_samples=200)
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 8), nn.Linear(8, 1))
    opt = optim.SGD(model.parameters(), lr=0.05)
    ckpt = ModelCheckpoint(tmp_path / "last.npz")

    class Explode(Callback):  # after two good epochs, the learning rate becomes absurd
        def on_epoch_end(self, run, epoch, logs):
            if epoch == 2:
                run.optimizer.param_groups[0]["lr"] = 1e30

    with np.errstate(all="ignore"), pytest.raises(NonFiniteError) as info:
        fit(model, nn.MSELoss(), opt, DataLoader(splits.train, batch_size=40), epochs=10,
            metrics=None, callbacks=[ckpt, Explode()], progress=False)
    err = info.value
    assert err.epoch == 3 and err.step == 10 and err.lr == 1e30  # 4 batches an epoch
    message = str(err)
    assert "epoch 3, step 10 (batch 2 of 4), lr=1e+30" in message
    assert "last.npz" in message and "(epoch 2) is kept" in message
    assert len(err.history) == 2 and chainrule.load(tmp_path / "last.npz")["epoch"] == 2
    for name, p in model.named_parameters():  # stopped before the step that would spread it
        assert np.isfinite(p._data).all(), name


def test_nonfinite_gradient_names_the_parameter():
    class SqrtAtZero(nn.Module):
        def __init__(self):
            super().__init__()
            self.fine = nn.Parameter(chainrule.ones(1))
            self.kink = nn.Parameter(chainrule.zeros(1))

        def forward(self, x):
            return (x * self.fine).sum(1, keepdim=True) + self.kink.sqrt()

    x = np.ones((4, 1), np.float32)
    loader = DataLoader(chainrule.data.TensorDataset(x, x), batch_size=2)
    model = SqrtAtZero()
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError) as info:
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=1,
            metrics=None, progress=False)
    err = info.value
    assert err.parameter == "kink" and err.step == 1 and err.epoch == 1
    assert "gradient of parameter 'kink' (shape (1,)) contains" in str(err)
    assert "no checkpoint was written" in str(err)
    assert model.kink._data[0] == 0.0  # the bad step was not taken


def test_guard_can_be_switched_off():
    x = np.ones((4, 1), np.float32)
    model = nn.Linear(1, 1)
    with np.errstate(all="ignore"):
        h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e30),
                DataLoader(chainrule.data.TensorDataset(x, x), batch_size=1), epochs=2,
                metrics=None, check_finite=False, progress=False)
    assert not np.isfinite(h["loss"][-1])


# ---------------------------------------------------------------- Ctrl-C
class InterruptAt(Callback):
    """Deliver a real SIGINT at a chosen point, as a user's Ctrl-C would."""

    def __init__(self, epoch, where):
        self.epoch, self.where = epoch, where

    def on_batch_end(self, run, step, loss):
        if self.where == "batch" and run.epoch + 1 == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)

    def on_epoch_end(self, run, epoch, logs):
        if self.where == "epoch_end" and epoch == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("where, kept", [("batch", 2), ("epoch_end", 3)])
def test_ctrl_c_keeps_the_last_completed_epoch(tmp_path, where, kept):
    model, opt, sched, tl, vl = setup()
    ckpt = tmp_path / "last.npz"
    interrupt = InterruptAt(3, where)
    # the checkpoint callback runs after the interrupt: an epoch-end Ctrl-C is held until the
    # epoch's bookkeeping (including this checkpoint) is complete
    h = fit(model, nn.CrossEntropyLoss(), opt, tl, vl, epochs=10, scheduler=sched,
            callbacks=[interrupt, ModelCheckpoint(ckpt)], progress=False)
    assert h.interrupted and len(h) == kept and h.epoch[-1] == kept
    state = chainrule.load(ckpt)
    assert state["epoch"] == kept and state["history"]["epoch"] == h.epoch
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("value, bad", [(1e30, False), (-np.inf, True), (np.nan, True),
                                        (np.inf, True)])
def test_guard_check_is_exact(value, bad):
    from chainrule.train.fit import _nonfinite_grad

    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    for p in model.parameters():
        p.grad = chainrule.ones(*p.shape)
    model[1].weight.grad._data[1, 2] = value
    with np.errstate(all="raise"):  # the check itself warns about nothing
        found = _nonfinite_grad(list(model.named_parameters()))
    assert (found is not None and found[0] == "1.weight") if bad else found is None


def test_checkpoint_skips_epochs_whose_loss_is_not_finite(tmp_path):
    """Full-batch SGD at lr 1 on sine: the validation loss reaches inf at the end of epoch 3 and
    the loss at step 4; the last good checkpoint is epoch 2's, whose losses are finite."""
    splits = datasets.load("sine", scale="standard")
    chainrule.manual_seed(42)
    model = nn.Sequential(nn.Linear(1, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 1))
    ckpt = ModelCheckpoint(tmp_path / "m.npz")
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError) as info:
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1.0),
            DataLoader(splits.train, batch_size=len(splits.train)),
            DataLoader(splits.test, batch_size=len(splits.test)), epochs=20, progress=False, callbacks=[ckpt])
    history = info.value.history
    good = [e for e, v in zip(history.epoch, history["val_loss"]) if np.isfinite(v)]
    assert len(good) < len(history)  # some epoch ended with an inf validation loss
    assert ckpt.last_saved_epoch == good[-1] and info.value.checkpoint == ckpt.last_saved
    assert f"(epoch {good[-1]}) is kept" in str(info.value)
    state = chainrule.load(tmp_path / "m.npz")
    assert state["epoch"] == good[-1]
    model.load_state_dict(state["model"])
    with np.errstate(all="ignore"):
        assert np.isfinite(evaluate(model, DataLoader(splits.test, batch_size=len(splits.test)),
                                    nn.MSELoss())["loss"])


def test_progress_bar_names_the_validation_split_as_asked():
    """`chainrule train` validates on the test split: its bar says test_loss, as its table and
    curves.png say test."""
    import io

    from chainrule.train import ProgressBar

    splits = datasets.sine(n_samples=100)
    model = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))
    out = io.StringIO()
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01),
        DataLoader(splits.train, batch_size=20), DataLoader(splits.test, batch_size=20), epochs=2,
        callbacks=[ProgressBar(file=out, labels={"val": "test"})], progress=True)
    text = out.getvalue()
    assert "test_loss=" in text and "val_loss" not in text
