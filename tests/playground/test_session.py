"""The playground's session logic: data sets, features, settings, training, the gradients view and
the one-example chain rule, with PyTorch as the oracle for every gradient shown."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.playground import data
from chainrule.playground.session import (
    ACTIVATIONS,
    INITS,
    OPTIMIZERS,
    Config,
    Session,
    derivative,
    parse_config,
)
from torch_oracle import assert_close

TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "leakyrelu": lambda z: torch.nn.functional.leaky_relu(z, 0.1),
             "elu": torch.nn.functional.elu, "linear": lambda z: z}


def session(**params: str) -> Session:
    cfg, messages = parse_config(params)
    assert not messages, messages
    return Session(cfg)


# ---- data sets -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", data.DATASETS)
def test_datasets_shapes_labels_and_seed(name: str) -> None:
    pts, labels = data.generate(name, 0.1, np.random.default_rng(3))
    n = data.N_REGRESS if name in data.REGRESSION else data.N_CLASSIFY
    assert pts.shape == (n, 2) and labels.shape == (n,)
    assert np.isfinite(pts).all() and np.abs(pts).max() < 12
    if name in data.CLASSIFICATION:
        assert set(np.unique(labels)) == {-1.0, 1.0}
        assert 0.3 < (labels > 0).mean() < 0.7
    else:
        assert np.abs(labels).max() <= 1 and labels.std() > 0.1
    again, labels2 = data.generate(name, 0.1, np.random.default_rng(3))
    np.testing.assert_array_equal(pts, again)
    np.testing.assert_array_equal(labels, labels2)


def test_noise_free_labels_follow_the_rule() -> None:
    pts, labels = data.generate("circle", 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(labels, np.where(np.hypot(*pts.T) < 2.5, 1.0, -1.0))
    pts, labels = data.generate("xor", 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(labels, np.where(pts[:, 0] * pts[:, 1] >= 0, 1.0, -1.0))
    assert np.abs(pts).min() >= 0.3  # kept off the axes
    pts, labels = data.generate("reg-plane", 0.0, np.random.default_rng(0))
    np.testing.assert_allclose(labels, np.clip(pts.sum(1) / 10, -1, 1))
    pts, labels = data.generate("gauss", 0.0, np.random.default_rng(0))
    assert (np.sign(pts.mean(1))[labels > 0] > 0).mean() > 0.95


def test_unknown_dataset_and_bad_noise_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown data set 'moons'"):
        data.generate("moons", 0.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="noise must be in"):
        data.generate("circle", 0.9, np.random.default_rng(0))


def test_features() -> None:
    pts = np.array([[1.0, 2.0], [-0.5, 3.0]])
    got = data.features(pts, list(data.FEATURES))
    x, y = pts.T
    want = np.stack([x, y, x * x, y * y, x * y, np.sin(x), np.sin(y)], 1)
    np.testing.assert_allclose(got, want)


# ---- settings ------------------------------------------------------------------------------------
def test_bad_settings_are_refused_or_clamped_with_a_message() -> None:
    cfg, messages = parse_config({"learningRate": "-1", "networkShape": ",".join(["3"] * 50), "dataset": "nope",
                                  "noise": "80", "batchSize": "abc", "activation": "swish", "bogus": "1",
                                  "regularizationRate": "nan"})
    assert cfg.learningRate == Config.learningRate and cfg.dataset == "circle"
    assert cfg.networkShape == [3] * 6 and cfg.noise == 50 and cfg.batchSize == 10
    assert cfg.activation == "tanh" and cfg.regularizationRate == 0.0
    text = " | ".join(messages)
    for part in ("learningRate must be positive", "at most 6", "unknown data set 'nope'", "noise 80 is outside",
                 "batchSize must be a number", "unknown activation 'swish'", "unknown setting 'bogus'",
                 "regularizationRate must be finite"):
        assert part in text, (part, text)
    cfg, messages = parse_config({"networkShape": "20,0", "x": "false", "y": "false", "learningRate": "50"})
    assert cfg.networkShape == [8, 1] and cfg.x and cfg.learningRate == 10.0
    assert any("x1 kept on" in m for m in messages)


def test_hash_round_trip_and_tf_regression_link() -> None:
    cfg, _ = parse_config({"dataset": "spiral", "networkShape": "", "activation": "L1", "regularization": "l2",
                           "sinX": "true", "seed": "abc", "autoplay": "true", "view": "gradients"})
    assert cfg.networkShape == [] and cfg.regularization == "L2" and cfg.sinX and cfg.seed == "abc"
    again, messages = parse_config(cfg.to_hash())
    assert again == cfg and messages == [m for m in messages if "activation" in m]
    cfg, _ = parse_config({"problem": "regression", "regDataset": "reg-gauss"})
    assert cfg.dataset == "reg-gauss" and cfg.regression


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.sampled_from(list(Config().to_hash()) + ["junk"]), st.text(max_size=12), max_size=6))
def test_any_settings_give_a_valid_config(params: dict[str, str]) -> None:
    cfg, _ = parse_config(params)
    assert cfg.dataset in data.DATASETS and 0 <= len(cfg.networkShape) <= 6
    assert all(1 <= n <= 8 for n in cfg.networkShape) and 1e-5 <= cfg.learningRate <= 10
    assert cfg.feature_names


# ---- training --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_training_reduces_the_loss() -> None:
    s = session(dataset="circle", networkShape="4,2", activation="tanh", seed="0.5")
    train0, test0 = s.losses()
    for _ in range(150):
        s.train_epoch()
    train, test = s.losses()
    assert train < 0.1 * train0 and test < 0.1, (train0, test0, train, test)
    assert s.epoch == 150 and len(s.history) == 150


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_learns(optimizer: str) -> None:
    lr = {"adadelta": "1", "gd": "0.3", "sgd": "0.01"}.get(optimizer, "0.03")
    s = session(dataset="gauss", networkShape="3", optimizer=optimizer, learningRate=lr, seed="1")
    before = s.losses()[0]
    for _ in range(3 if optimizer == "sgd" else 15):  # SGD takes 250 steps an epoch
        s.train_epoch()
    assert s.losses()[0] < before
    assert s.batch_size() == {"gd": s.n_train, "sgd": 1}.get(optimizer, 10)


@pytest.mark.parametrize("init", INITS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_inits_and_activations(init: str, activation: str) -> None:
    s = session(networkShape="3,2", init=init, activation=activation, scale="true")
    weights = [layer.weight._data for layer in s.layers]
    if init == "zeros":
        assert all((w == 0).all() for w in weights)
    else:
        stds = [w.std() for w in weights]
        assert all(sd > 0 for sd in stds)
    s.train_epoch()
    assert all(math.isfinite(v) for v in s.losses())
    with torch.no_grad():
        z = torch.linspace(-3, 3, 13, dtype=torch.float64)
        a = TORCH_ACT[activation](z)
    zr = z.clone().requires_grad_(True)
    TORCH_ACT[activation](zr).sum().backward()
    np.testing.assert_allclose(derivative(activation, z.numpy(), a.numpy()), zr.grad.numpy(), rtol=1e-12)


def test_feature_scaling_standardises_the_training_inputs() -> None:
    s = session(scale="true", xSquared="true")
    x = s.X._data[: s.n_train]
    np.testing.assert_allclose(x.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(x.std(0), 1, atol=1e-4)


def test_same_seed_same_network_and_updates() -> None:
    a, b = session(seed="x7", networkShape="5,3"), session(seed="x7", networkShape="5,3")
    assert a.init_digest == b.init_digest
    assert session(seed="x8", networkShape="5,3").init_digest != a.init_digest
    epoch_digest = a.init_digest
    a.train_epoch()
    assert a.update({"learningRate": "0.1"}) == [] and a.epoch == 1  # the running training goes on
    assert a.optimizer.param_groups[0]["lr"] == 0.1
    a.update({"activation": "relu"})
    assert a.epoch == 0  # a new network
    a.update({"activation": "tanh"})
    assert a.init_digest == epoch_digest
    version = a.data_version
    a.update({"noise": "20"})
    assert a.data_version == version + 1


# ---- the gradients view, checked against PyTorch ---------------------------------------------------
def torch_net(s: Session) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    ws = [torch.tensor(layer.weight._data, requires_grad=True) for layer in s.layers]
    bs = [torch.tensor(layer.bias._data, requires_grad=True) for layer in s.layers]
    return ws, bs


def torch_forward(s: Session, x: torch.Tensor, ws: list, bs: list) -> list[torch.Tensor]:
    acts, a = [], x
    for k, (w, b) in enumerate(zip(ws, bs)):
        last = k == len(ws) - 1
        a = (torch.tanh if last and not s.cfg.regression else TORCH_ACT["linear" if last else s.cfg.activation])(
            a @ w.T + b)
        a.retain_grad()
        acts.append(a)
    return acts


@pytest.mark.parametrize(("activation", "reg", "dataset"), [("tanh", "none", "circle"), ("relu", "L2", "xor"),
                                                          ("sigmoid", "L1", "reg-gauss"), ("elu", "L2", "spiral")])
def test_gradients_view_equals_the_engine_and_torch(activation: str, reg: str, dataset: str) -> None:
    s = session(dataset=dataset, networkShape="4,3", activation=activation, regularization=reg,
                regularizationRate="0.01", xTimesY="true", seed="2")
    for _ in range(3):
        s.train_epoch()
    g = s.gradients()
    # the engine's own .grad after the same backward pass
    loss, _ = s.objective(s.X[: s.n_train], s.Y[: s.n_train])
    loss.backward()
    for k, layer in enumerate(s.layers):
        np.testing.assert_array_equal(g["dw"][k], layer.weight.grad._data)
        np.testing.assert_array_equal(g["db"][k], layer.bias.grad._data)
    # PyTorch on the same weights and data
    ws, bs = torch_net(s)
    x = torch.tensor(s.X._data[: s.n_train])
    y = torch.tensor(s.Y._data[: s.n_train])
    acts = torch_forward(s, x, ws, bs)
    t_loss = 0.5 * ((acts[-1] - y) ** 2).mean()
    penalty = sum((w.abs().sum() if reg == "L1" else 0.5 * (w * w).sum()) for w in ws)
    (t_loss + (0.01 if reg != "none" else 0.0) * penalty).backward()
    for k in range(len(ws)):
        assert_close(g["dw"][k], ws[k].grad, what=f"dL/dw of layer {k}")
        assert_close(g["db"][k], bs[k].grad, what=f"dL/db of layer {k}")
        assert_close(g["da"][k], acts[k].grad.sum(0), what=f"dL/da of layer {k}")


def test_dead_relu_units_show_in_the_gradients_view() -> None:
    s = session(networkShape="3", activation="relu")
    s.layers[0].bias._data[1] = -100.0  # unit 1 off for every point
    g = s.gradients()
    assert g["live"][0][1] == 0 and g["live"][0][0] > 0
    np.testing.assert_array_equal(g["dw"][0][1], 0)  # no gradient reaches its incoming weights
    assert g["da"][0][1] != 0  # while dL/da itself is not zero


# ---- one example: the chain rule as a sum over paths -----------------------------------------------
@pytest.mark.parametrize(("shape", "layer", "to", "frm"), [("4,3,2", 0, 2, 1), ("4,3,2", 1, 0, 3), ("4,3,2", 3, 0, 1),
                                                         ("", 0, 0, 1), ("3,3,3,3", 0, 1, 0)])
def test_one_example_sum_over_paths_is_the_gradient(shape: str, layer: int, to: int, frm: int) -> None:
    s = session(dataset="spiral", networkShape=shape, activation="tanh", seed="4")
    for _ in range(2):
        s.train_epoch()
    r = s.one_example(1.3, -2.2, layer, to, frm)
    widths = [int(n) for n in shape.split(",") if n] + [1]
    assert r["nPaths"] == math.prod(widths[layer + 1:]) == len(r["paths"])
    for p in r["paths"]:
        assert math.isclose(p["product"], math.prod(v for _, v in p["factors"]), rel_tol=1e-12)
        assert len(p["factors"]) == 3 + 2 * (len(p["nodes"]) - 1)
    assert math.isclose(r["sum"], r["engine"], rel_tol=1e-4, abs_tol=1e-7)
    # PyTorch's gradient of L = 0.5 (o - y)^2 for that point
    ws, bs = torch_net(s)
    i = r["index"]
    acts = torch_forward(s, torch.tensor(s.X._data[i:i + 1]), ws, bs)
    (0.5 * ((acts[-1] - float(s.labels[i])) ** 2).sum()).backward()
    assert math.isclose(r["engine"], float(ws[layer].grad[to, frm]), rel_tol=1e-4, abs_tol=1e-7)
    assert np.hypot(*(s.points[i] - [1.3, -2.2])) == np.hypot(*(s.points - [1.3, -2.2]).T).min()


def test_one_example_refuses_bad_weights() -> None:
    s = session(networkShape="2")
    with pytest.raises(ValueError, match="layer 5 does not exist"):
        s.one_example(0, 0, 5, 0, 0)
    with pytest.raises(ValueError, match=r"weight \[3, 0\] is outside layer 0's weight of shape \[2, 2\]"):
        s.one_example(0, 0, 0, 3, 0)
    with pytest.raises(ValueError, match="must be finite"):
        s.one_example(float("nan"), 0, 0, 0, 0)


def test_frame_is_json_ready_and_sized() -> None:
    import base64
    import json

    s = session(networkShape="4,2", learningRate="10", activation="relu")
    for _ in range(5):
        s.train_epoch()
    f = json.loads(json.dumps(s.frame(), allow_nan=False))
    assert len(base64.b64decode(f["nodes"])) == (2 + 4 + 2 + 1) * f["grid"] ** 2
    assert [len(w) for w in f["weights"]] == [4, 2, 1] and [len(r) for r in f["dw"][0]] == [2] * 4


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 8), max_size=4), activation=st.sampled_from(ACTIVATIONS),
       dataset=st.sampled_from(data.DATASETS), seed=st.integers(0, 10**6))
def test_gradients_view_equals_torch_for_generated_networks(shape: list[int], activation: str, dataset: str,
                                                            seed: int) -> None:
    s = session(dataset=dataset, networkShape=",".join(map(str, shape)), activation=activation, seed=str(seed),
                ySquared="true")
    g = s.gradients()
    ws, bs = torch_net(s)
    acts = torch_forward(s, torch.tensor(s.X._data[: s.n_train]), ws, bs)
    (0.5 * ((acts[-1] - torch.tensor(s.Y._data[: s.n_train])) ** 2).mean()).backward()
    for k in range(len(ws)):
        assert_close(g["dw"][k], ws[k].grad, what=f"dL/dw of layer {k}")
        assert_close(g["da"][k], acts[k].grad.sum(0), what=f"dL/da of layer {k}")


def test_a_frame_budget_splits_an_epoch_without_changing_it() -> None:
    whole, parts = session(seed="5"), session(seed="5")
    whole.train_epoch()
    steps = 0
    while parts.epoch == 0:
        parts.train(0.0)  # one mini-batch a call
        steps += 1
    assert steps == whole.n_train // whole.batch_size() == 25
    for a, b in zip(whole.params, parts.params):
        np.testing.assert_array_equal(a._data, b._data)
    parts.train(0.0)
    assert parts.batch_start == 10 and parts.epoch == 1
    parts.train_epoch()  # "step" finishes the pass under way
    assert parts.batch_start == 0 and parts.epoch == 2
