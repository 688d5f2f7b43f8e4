"""fit: the plain loop plus bookkeeping; equal to a hand-written loop and to PyTorch."""

import io
import math

import numpy as np
import pytest
import torch

import chainrule
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset, datasets
from chainrule.train import History, ProgressBar, evaluate, fit
from torch_oracle import assert_close


def mlp(dtype=chainrule.float32, seed=0):
    chainrule.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    return model.to(dtype)


def moons(dtype=chainrule.float32):
    return datasets.moons(n_samples=200, scale="standard", dtype=dtype)


def torch_twin(model):
    ref = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    ref.load_state_dict({k: torch.from_numpy(v._data.copy()) for k, v in model.state_dict().items()})
    return ref.to(torch.float64 if model[0].weight.dtype == np.float64 else torch.float32)


def test_fit_is_the_plain_loop():
    splits = moons()
    results = []
    for use_fit in (False, True):
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loader = DataLoader(splits.train, batch_size=16, shuffle=True,
                            generator=chainrule.Generator(5))
        loss_fn = nn.CrossEntropyLoss()
        if use_fit:
            fit(model, loss_fn, opt, loader, epochs=3, progress=False)
        else:
            for _ in range(3):
                for xb, yb in loader:
                    loss = loss_fn(model(xb), yb)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
        results.append({k: v._data.copy() for k, v in model.state_dict().items()})
    for k in results[0]:
        np.testing.assert_array_equal(results[0][k], results[1][k])


@pytest.mark.parametrize("batch_size", ["full", 1, 32])
def test_fit_matches_pytorch(dtype, batch_size):
    """Batch GD, SGD and mini-batch GD: every parameter and every epoch's loss agree."""
    splits = moons(dtype)
    model = mlp(dtype)
    ref = torch_twin(model)
    if batch_size == "full":  # batch GD: one batch of the whole set (batch_size=None unbatches)
        batch_size = len(splits.train)
    loader = DataLoader(splits.train, batch_size=batch_size)
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), loader,
                  epochs=2, progress=False)
    xtr, ytr, _, _ = splits.arrays()
    topt = torch.optim.Adam(ref.parameters(), lr=0.01)
    bs = batch_size
    for epoch in range(2):
        total = 0.0
        for start in range(0, len(xtr), bs):
            xb, yb = torch.from_numpy(xtr[start:start + bs]), torch.from_numpy(ytr[start:start + bs])
            loss = torch.nn.functional.cross_entropy(ref(xb), yb)
            topt.zero_grad()
            loss.backward()
            topt.step()
            total += loss.item() * len(xb)
        assert_close(np.float64(history["loss"][epoch]), np.float64(total / len(xtr)), dtype,
                     what=f"loss of epoch {epoch + 1}")
    for (name, p), (_, q) in zip(model.named_parameters(), ref.named_parameters(), strict=True):
        assert_close(p, q, what=name)


def test_history_contents_and_validation():
    splits = moons()
    model = mlp()
    train_loader, val_loader = splits.loaders(batch_size=20)
    h = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), train_loader,
            val_loader, epochs=4, progress=False)
    assert isinstance(h, History) and h.epoch == [1, 2, 3, 4]
    assert h.keys() == ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"]
    assert h["lr"] == [0.05] * 4 and all(t > 0 for t in h["time"])
    assert h["val_accuracy"][-1] > 0.8 and h["loss"][-1] < h["loss"][0]
    final = evaluate(model, val_loader, nn.CrossEntropyLoss())
    assert final["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-6)
    assert final["accuracy"] == h["val_accuracy"][-1]
    assert not h.interrupted and h.stopped_epoch is None


def test_scheduler_is_stepped_per_epoch():
    splits = moons()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(splits.train, batch_size=50),
            epochs=3, scheduler=sched, progress=False)
    assert h["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0125)


def test_plateau_scheduler_gets_the_validation_loss():
    splits = moons()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.0)  # nothing improves
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    train_loader, val_loader = splits.loaders(batch_size=50)
    fit(model, nn.CrossEntropyLoss(), opt, train_loader, val_loader, epochs=3, scheduler=sched,
        progress=False)
    assert sched.best == pytest.approx(evaluate(model, val_loader, nn.CrossEntropyLoss())["loss"])


def test_regression_metrics():
    splits = datasets.sine(n_samples=200)
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
    train_loader, val_loader = splits.loaders(batch_size=32)
    h = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), train_loader,
            val_loader, epochs=3, metrics=("mse", "mae"), progress=False)
    assert h["val_mse"] == pytest.approx(h["val_loss"], rel=1e-5)
    assert all(v > 0 for v in h["mae"])


def test_custom_metric_is_weighted_by_batch_size():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    loader = DataLoader(TensorDataset(x, x), batch_size=4)  # batches of 4, 4, 2

    def mean_target(output, target):
        return float(target._data.mean())

    model = nn.Linear(1, 1)
    logs = evaluate(model, loader, None, metrics=(mean_target,))
    assert logs == {"mean_target": pytest.approx(4.5)}


def test_progress_bar_shows_epochs_and_loss():
    splits = moons()
    model = mlp()
    out = io.StringIO()
    train_loader, val_loader = splits.loaders(batch_size=40)
    fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), train_loader, val_loader,
        epochs=2, callbacks=[ProgressBar(file=out)])
    text = out.getvalue()
    assert "epoch 2/2" in text and "loss=" in text and "val_accuracy=" in text
    assert "8/8" in text  # 2 epochs of 4 steps


def test_quiet_when_not_a_terminal(capsys):
    splits = moons()
    model = mlp()
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
        DataLoader(splits.train, batch_size=40), epochs=1)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
    ({"metrics": ("f1",)}, ValueError, "unknown metric 'f1'"),
    ({"callbacks": [object()]}, TypeError, "callbacks must be Callback instances"),
])
def test_bad_arguments(kwargs, error, message):
    model = mlp()
    with pytest.raises(error, match=message):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(moons().train, batch_size=40), **{"epochs": 1, **kwargs})


def test_batches_must_be_pairs():
    x = np.zeros((4, 2), np.float32)
    model = mlp()
    with pytest.raises(TypeError, match=r"each batch must be \(inputs, targets\)"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(TensorDataset(x), batch_size=2), epochs=1, progress=False)


def test_empty_loader_gives_nan_loss():
    x = np.zeros((0, 2), np.float32)
    model = mlp()
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(TensorDataset(x, np.zeros(0, np.int64)), batch_size=2), epochs=1,
            progress=False)
    assert math.isnan(h["loss"][0])
