"""One playground session: its settings, data, network, optimiser and what the page draws.

The network is a small MLP of ``chainrule.nn.Linear`` layers trained by ``chainrule.optim`` on the
squared error ``L = mean(0.5 * (o - y)^2)`` (TF Playground's loss), with ``tanh`` on the output
for classification (labels are +-1) and no output activation for regression. A frame is what the
page draws: every neuron's output over a grid (the heatmap and the thumbnails), weights, losses,
and the gradients view: ``dL/dw`` for every link and ``dL/da`` for every neuron, read from the
engine's ``.grad`` after a backward pass over the whole training set.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import chainrule
from chainrule import nn, optim
from chainrule.nn import functional as F

from . import data

GRID = 50  # heatmap and thumbnails: GRID x GRID samples of [-6, 6]^2
MAX_LAYERS, MAX_NEURONS = 6, 8
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leakyrelu", "elu", "linear")
OPTIMIZERS = ("gd", "sgd", "minibatch", "momentum", "adagrad", "adadelta", "rmsprop", "adamax", "adam")
INITS = ("zeros", "normal", "xavier", "he")
REGULARIZATIONS = ("none", "L1", "L2")
LR_RANGE, REG_RANGE = (1e-5, 10.0), (0.0, 10.0)
MAX_PATHS_LISTED = 200  # the one-example view lists at most this many paths (the sum uses all)
# one lock for every session: chainrule's grad mode (no_grad) is process-wide, so one session's
# frame under no_grad must not overlap another's training step (the GIL serialises them anyway)
ENGINE_LOCK = threading.RLock()


@dataclass
class Config:
    """The page's settings, named by TF Playground's URL-hash keys."""

    dataset: str = "circle"
    noise: int = 0  # percent, 0..50
    percTrainData: int = 50  # noqa: N815 (TF Playground's key)
    batchSize: int = 10  # noqa: N815
    networkShape: list[int] = field(default_factory=lambda: [4, 2])  # noqa: N815
    activation: str = "tanh"
    learningRate: float = 0.03  # noqa: N815
    regularization: str = "none"
    regularizationRate: float = 0.0  # noqa: N815
    optimizer: str = "minibatch"
    init: str = "xavier"
    scale: bool = False  # standardise the input features with the training set's mean and std
    x: bool = True
    y: bool = True
    xSquared: bool = False  # noqa: N815
    ySquared: bool = False  # noqa: N815
    xTimesY: bool = False  # noqa: N815
    sinX: bool = False  # noqa: N815
    sinY: bool = False  # noqa: N815
    showTestData: bool = False  # noqa: N815
    seed: str = "0.12345"

    @property
    def feature_names(self) -> list[str]:
        return [k for k in data.FEATURES if getattr(self, k)]

    @property
    def regression(self) -> bool:
        return self.dataset in data.REGRESSION

    def to_hash(self) -> dict[str, str]:
        """The settings as URL-hash strings (``networkShape=4,2``, ``x=true``)."""
        out = {}
        for k, v in asdict(self).items():
            if isinstance(v, bool):
                out[k] = "true" if v else "false"
            elif isinstance(v, list):
                out[k] = ",".join(str(n) for n in v)
            else:
                out[k] = str(v)
        return out


# keys whose change needs new data, or a new network (the rest apply to the running training)
DATA_KEYS = {"dataset", "noise", "percTrainData", "seed"}
NETWORK_KEYS = {"networkShape", "activation", "optimizer", "init", "scale", *data.FEATURES}
PAGE_KEYS = {"autoplay", "view", "oneExample", "problem", "regDataset", "discretize", "initZero",
             "hideText", "collectStats", "tutorial"}  # read by the page, or TF keys with no meaning here


def parse_config(params: dict[str, Any], base: Config | None = None) -> tuple[Config, list[str]]:
    """Settings from URL-hash style ``params`` over ``base``; returns them and one message for every
    value that was refused (the old value kept) or clamped into range."""
    cfg = Config(**asdict(base)) if base is not None else Config()
    messages: list[str] = []
    p = {str(k): ("" if v is None else str(v)).strip() for k, v in params.items()}
    if p.get("problem") == "regression" and "regDataset" in p and "dataset" not in p:
        p["dataset"] = p["regDataset"]  # a TF Playground regression link
    for key, raw in p.items():
        if key in PAGE_KEYS:
            continue
        if not hasattr(cfg, key) or key.startswith("_"):
            messages.append(f"unknown setting {key!r} ignored")
            continue
        old = getattr(cfg, key)
        try:
            value = _parse_value(key, raw, old, messages)
        except ValueError as e:
            messages.append(str(e))
            continue
        setattr(cfg, key, value)
    if not cfg.feature_names:
        messages.append("at least one input feature is needed: x1 kept on")
        cfg.x = True
    return cfg, messages


def _parse_value(key: str, raw: str, old: Any, messages: list[str]) -> Any:
    if key == "dataset":
        if raw not in data.DATASETS:
            raise ValueError(f"unknown data set {raw!r} (choose from {', '.join(data.DATASETS)}); kept {old}")
        return raw
    choices = {"activation": ACTIVATIONS, "optimizer": OPTIMIZERS, "init": INITS,
               "regularization": REGULARIZATIONS}
    if key in choices:
        aliases = {"l1": "L1", "l2": "L2", "leaky_relu": "leakyrelu", "leaky-relu": "leakyrelu"}
        raw = aliases.get(raw.lower(), raw)
        if raw not in choices[key]:
            raise ValueError(f"unknown {key} {raw!r} (choose from {', '.join(choices[key])}); kept {old}")
        return raw
    if isinstance(old, bool):
        if raw not in ("true", "false", "1", "0"):
            raise ValueError(f"{key} must be true or false, got {raw!r}; kept {str(old).lower()}")
        return raw in ("true", "1")
    if key == "seed":
        if not raw or len(raw) > 32:
            raise ValueError(f"seed must be 1 to 32 characters, got {raw!r}; kept {old}")
        return raw
    if key == "networkShape":
        try:
            shape = [int(s) for s in raw.split(",")] if raw else []
        except ValueError:
            raise ValueError(f"networkShape must be comma-separated neuron counts, got {raw!r}; kept "
                             f"{','.join(map(str, old))}") from None
        if len(shape) > MAX_LAYERS:
            messages.append(f"networkShape: {len(shape)} hidden layers asked, at most {MAX_LAYERS}: kept the first "
                            f"{MAX_LAYERS}")
            shape = shape[:MAX_LAYERS]
        clamped = [min(max(n, 1), MAX_NEURONS) for n in shape]
        if clamped != shape:
            messages.append(f"networkShape: each layer has 1 to {MAX_NEURONS} neurons; {shape} clamped to {clamped}")
        return clamped
    number = _number(key, raw, old)
    limits = {"noise": (0, 50), "percTrainData": (10, 90), "batchSize": (1, 30),
              "learningRate": LR_RANGE, "regularizationRate": REG_RANGE}[key]
    if key == "learningRate" and number <= 0:
        raise ValueError(f"learningRate must be positive, got {raw}; kept {old}")
    clamped = min(max(number, limits[0]), limits[1])
    if clamped != number:
        messages.append(f"{key} {raw} is outside [{limits[0]}, {limits[1]}]: clamped to {clamped:g}")
    return int(round(clamped)) if isinstance(old, int) else float(clamped)


def _number(key: str, raw: str, old: Any) -> float:
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"{key} must be a number, got {raw!r}; kept {old}") from None
    if not math.isfinite(number):
        raise ValueError(f"{key} must be finite, got {raw!r}; kept {old}")
    return number


def seed_int(seed: str) -> int:
    """A 63-bit integer from the hash's seed string (any text, as TF Playground's)."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "little") >> 1


def _activation(name: str, z: chainrule.Tensor) -> chainrule.Tensor:
    if name == "sigmoid":
        return F.sigmoid(z)
    if name == "tanh":
        return F.tanh(z)
    if name == "relu":
        return F.relu(z)
    if name == "leakyrelu":
        return F.leaky_relu(z, 0.1)
    if name == "elu":
        return F.elu(z)
    return z


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``f'(z)`` of activation ``name`` (``a = f(z)``): the local derivative on a neuron."""
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "leakyrelu":
        return np.where(z > 0, 1.0, 0.1).astype(z.dtype)
    if name == "elu":
        return np.where(z > 0, 1.0, a + 1).astype(z.dtype)
    return np.ones_like(z)


class Session:
    """A network in training for one browser tab. Methods take ``ENGINE_LOCK``, so the page's
    requests and the training loops of all tabs may come from different threads."""

    def __init__(self, cfg: Config | None = None) -> None:
        self.lock = ENGINE_LOCK
        self.cfg = cfg or Config()
        self.playing = False
        self.version = 0  # bumps on every change the page must redraw
        self.data_version = 0
        self.regenerate_data()

    # ---- building -------------------------------------------------------------------------------
    def regenerate_data(self) -> None:
        """Draw the data set from the seed, split it, and build a fresh network."""
        with self.lock:
            cfg = self.cfg
            rng = np.random.default_rng(seed_int(cfg.seed))
            self.points, self.labels = data.generate(cfg.dataset, cfg.noise / 100, rng)
            n_train = max(1, int(round(len(self.labels) * cfg.percTrainData / 100)))
            self.n_train = n_train
            self.data_version += 1
            self.reset()

    def reset(self) -> None:
        """A new network with the seed's initial weights, and a new optimiser."""
        with self.lock:
            cfg = self.cfg
            feats = data.features(self.points, cfg.feature_names)
            gx, gy = np.meshgrid(np.linspace(-data.DOMAIN, data.DOMAIN, GRID),
                                 np.linspace(data.DOMAIN, -data.DOMAIN, GRID))  # row 0 is the top
            self.grid_points = np.stack([gx.ravel(), gy.ravel()], 1)
            grid = data.features(self.grid_points, cfg.feature_names)
            if cfg.scale:
                from ..data.scaling import StandardScaler

                scaler = StandardScaler().fit(feats[: self.n_train])
                feats, grid = scaler.transform(feats), scaler.transform(grid)
            self.X = chainrule.tensor(feats.astype(np.float32))
            self.Y = chainrule.tensor(self.labels.astype(np.float32)[:, None])
            self.grid_X = chainrule.tensor(grid.astype(np.float32))
            inputs = self.grid_X._data.T  # the inputs' thumbnails, each drawn over its range
            scale = np.maximum(np.abs(inputs).max(1, keepdims=True), 1e-12)
            self.input_codes = np.round((inputs / scale + 1) * 127.5).astype(np.uint8)
            self.hash = cfg.to_hash()
            sizes = [len(cfg.feature_names), *cfg.networkShape, 1]
            gen = chainrule.Generator(seed_int(cfg.seed + "/init"))
            self.layers = [nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:])]
            for layer in self.layers:
                fan_in, fan_out = layer.in_features, layer.out_features
                if cfg.init == "zeros":
                    nn.init.zeros_(layer.weight)
                elif cfg.init == "normal":
                    nn.init.normal_(layer.weight, 0.0, 0.5, generator=gen)
                elif cfg.init == "xavier":
                    nn.init.normal_(layer.weight, 0.0, math.sqrt(2.0 / (fan_in + fan_out)), generator=gen)
                else:  # he
                    nn.init.normal_(layer.weight, 0.0, math.sqrt(2.0 / fan_in), generator=gen)
                nn.init.constant_(layer.bias, 0.1 if cfg.init != "zeros" else 0.0)
            self.params = [p for layer in self.layers for p in layer.parameters()]
            self.optimizer = self._optimizer()
            self.epoch = 0
            self.batch_start = 0
            self.history: list[tuple[float, float]] = []
            self.init_digest = hashlib.sha256(b"".join(p._data.tobytes() for p in self.params)).hexdigest()[:16]
            self.version += 1

    def _optimizer(self) -> optim.Optimizer:
        name, lr = self.cfg.optimizer, self.cfg.learningRate
        if name in ("gd", "sgd", "minibatch"):
            return optim.SGD(self.params, lr=lr)
        if name == "momentum":
            return optim.SGD(self.params, lr=lr, momentum=0.9)
        cls = {"adagrad": optim.Adagrad, "adadelta": optim.Adadelta, "rmsprop": optim.RMSprop,
               "adamax": optim.Adamax, "adam": optim.Adam}[name]
        return cls(self.params, lr=lr)

    def update(self, params: dict[str, Any]) -> list[str]:
        """Apply settings from the page; rebuild what they touch. Returns the messages of refused
        or clamped values."""
        with self.lock:
            cfg, messages = parse_config(params, self.cfg)
            changed = {k for k, v in asdict(cfg).items() if getattr(self.cfg, k) != v}
            self.cfg = cfg
            if changed & DATA_KEYS:
                self.regenerate_data()
            elif changed & NETWORK_KEYS:
                self.reset()
            else:
                for group in self.optimizer.param_groups:
                    group["lr"] = cfg.learningRate
                self.hash = cfg.to_hash()
                self.version += 1
            return messages

    # ---- training --------------------------------------------------------------------------------
    def forward(self, X: chainrule.Tensor) -> list[tuple[chainrule.Tensor, chainrule.Tensor]]:
        """``(z, a)`` of every layer: pre-activation and activation, the output's last."""
        out = []
        a = X
        for k, layer in enumerate(self.layers):
            z = layer(a)
            last = k == len(self.layers) - 1
            name = ("linear" if self.cfg.regression else "tanh") if last else self.cfg.activation
            a = _activation(name, z)
            out.append((z, a))
        return out

    def objective(self, X: chainrule.Tensor, Y: chainrule.Tensor) -> tuple[chainrule.Tensor, list]:
        """``L = mean(0.5 (o - y)^2) + rate * penalty(weights)`` and the layers' ``(z, a)``."""
        zs = self.forward(X)
        loss = F.mse_loss(zs[-1][1], Y) * 0.5
        rate = self.cfg.regularizationRate
        if self.cfg.regularization != "none" and rate > 0:
            weights = [layer.weight for layer in self.layers]
            if self.cfg.regularization == "L1":
                penalty = sum(w.abs().sum() for w in weights)
            else:
                penalty = sum((w * w).sum() for w in weights) * 0.5
            loss = loss + penalty * rate
        return loss, zs

    def batch_size(self) -> int:
        return {"gd": self.n_train, "sgd": 1}.get(self.cfg.optimizer, self.cfg.batchSize)

    def train(self, budget_s: float = math.inf) -> None:
        """Mini-batch steps in order from where the last call stopped, until the pass over the
        training set (one epoch, TF Playground's one step) is complete or ``budget_s`` seconds
        have gone, so that a busy machine still redraws often; at least one step."""
        with self.lock:
            deadline = time.perf_counter() + budget_s
            bs = min(self.batch_size(), self.n_train)
            while True:
                start = self.batch_start
                stop = min(start + bs, self.n_train)
                self.optimizer.zero_grad()
                loss, _ = self.objective(self.X[start:stop], self.Y[start:stop])
                loss.backward()
                self.optimizer.step()
                self.batch_start = stop % self.n_train
                if self.batch_start == 0:
                    self.epoch += 1
                    self.history.append(self.losses())
                    break
                if time.perf_counter() >= deadline:
                    break
            self.version += 1

    def train_epoch(self) -> None:
        """Train to the end of the current pass over the training set (a whole one from its start)."""
        self.train()

    def losses(self) -> tuple[float, float]:
        """Training and test loss, ``mean(0.5 (o - y)^2)`` without the penalty (as TF Playground)."""
        with chainrule.no_grad():
            o = self.forward(self.X)[-1][1]._data[:, 0]
        err = 0.5 * (o - self.labels) ** 2
        n = self.n_train
        return float(err[:n].mean()), float(err[n:].mean()) if len(err) > n else float("nan")

    # ---- what the page draws ---------------------------------------------------------------------
    def gradients(self) -> dict[str, Any]:
        """The gradients view: ``dL/dw`` of every weight (the engine's ``.grad`` after a backward pass
        of the objective over the whole training set), ``dL/db``, and per neuron ``dL/da`` (summed
        over the training points) and the share of points where its local derivative ``f'(z)`` is
        not ~0 (a dead ReLU or a saturated sigmoid has almost none)."""
        with self.lock:
            for p in self.params:
                p.grad = None
            X, Y = self.X[: self.n_train], self.Y[: self.n_train]
            loss, zs = self.objective(X, Y)
            for _, a in zs:
                if a.requires_grad:
                    a.retain_grad()
            loss.backward()
            dw = [layer.weight.grad._data.copy() for layer in self.layers]
            db = [layer.bias.grad._data.copy() for layer in self.layers]
            da, live = [], []
            for k, (z, a) in enumerate(zs):
                last = k == len(zs) - 1
                name = ("linear" if self.cfg.regression else "tanh") if last else self.cfg.activation
                da.append(a.grad._data.sum(0) if a.grad is not None else np.zeros(a.shape[1], np.float32))
                live.append((np.abs(derivative(name, z._data, a._data)) > 1e-2).mean(0))
            for p in self.params:
                p.grad = None
            return {"dw": dw, "db": db, "da": da, "live": live}

    def frame(self) -> dict[str, Any]:
        """Everything the page draws, JSON-ready: losses, weights, the gradients view, and every
        node's output over the grid (uint8 codes of [-1, 1], base64) for the heatmap and thumbnails."""
        with self.lock:
            with chainrule.no_grad():
                zs = self.forward(self.grid_X)
            values = np.concatenate([a._data for _, a in zs], 1).T  # [neurons, GRID * GRID]
            codes = np.round((np.clip(np.nan_to_num(values), -1, 1) + 1) * 127.5).astype(np.uint8)
            codes = np.concatenate([self.input_codes, codes])
            if not self.history:
                self.history.append(self.losses())
            train_loss, test_loss = self.losses()
            g = self.gradients()
            return {
                "version": self.version, "dataVersion": self.data_version, "epoch": self.epoch,
                "playing": self.playing, "trainLoss": _num(train_loss), "testLoss": _num(test_loss),
                "config": self.hash, "initDigest": self.init_digest, "grid": GRID,
                "nodes": base64.b64encode(codes.tobytes()).decode(),
                "weights": [_round(layer.weight._data) for layer in self.layers],
                "biases": [_round(layer.bias._data) for layer in self.layers],
                "dw": [_round(w, 6) for w in g["dw"]], "da": [_round(a, 6) for a in g["da"]],
                "live": [_round(v, 3) for v in g["live"]],
            }

    def points_payload(self) -> dict[str, Any]:
        """The data set's points and labels, and where the test part starts."""
        with self.lock:
            return {"dataVersion": self.data_version, "points": _round(self.points, 3),
                    "labels": _round(self.labels, 3), "nTrain": self.n_train,
                    "regression": self.cfg.regression}

    # ---- one example -----------------------------------------------------------------------------
    def one_example(self, x1: float, x2: float, layer: int, to: int, frm: int,
                    path: int | None = None) -> dict[str, Any]:
        """Forward and backward for the data point nearest to ``(x1, x2)``, and the chain rule for the
        weight ``w`` of layer ``layer`` from neuron ``frm`` to neuron ``to``:
        ``dL/dw = a_frm * f'(z_to) * sum over paths to the output of prod(w * f'(z)) * dL/do``,
        with ``L = 0.5 (o - y)^2``. Returns every path's factors (at most ``MAX_PATHS_LISTED``
        listed, the largest in magnitude first), their sum, and the engine's ``w.grad``."""
        with self.lock:
            n_layers = len(self.layers)
            if not 0 <= layer < n_layers:
                raise ValueError(f"one example: layer {layer} does not exist (the network has {n_layers} "
                                 f"weight layers, 0..{n_layers - 1})")
            w_shape = tuple(self.layers[layer].weight.shape)
            if not (0 <= to < w_shape[0] and 0 <= frm < w_shape[1]):
                raise ValueError(f"one example: weight [{to}, {frm}] is outside layer {layer}'s weight of shape "
                                 f"{list(w_shape)}")
            if not (math.isfinite(x1) and math.isfinite(x2)):
                raise ValueError(f"one example: the point must be finite, got ({x1}, {x2})")
            idx = int(np.argmin(np.hypot(self.points[:, 0] - x1, self.points[:, 1] - x2)))
            X, Y = self.X[idx:idx + 1], self.Y[idx:idx + 1]
            for p in self.params:
                p.grad = None
            zs = self.forward(X)
            o = zs[-1][1]
            loss = ((o - Y) ** 2).sum() * 0.5
            loss.backward()
            engine = float(self.layers[layer].weight.grad._data[to, frm])
            for p in self.params:
                p.grad = None
            names = [self.cfg.activation] * (n_layers - 1) + ["linear" if self.cfg.regression else "tanh"]
            z = [zz._data[0] for zz, _ in zs]
            a = [aa._data[0] for _, aa in zs]
            d = [derivative(nm, zz, aa) for nm, zz, aa in zip(names, z, a)]
            a_in = X._data[0] if layer == 0 else a[layer - 1]
            dl_do = float(a[-1][0] - self.labels[idx])
            # every path from neuron `to` of layer `layer` to the output: one neuron per later layer
            later = [range(len(a[k])) for k in range(layer + 1, n_layers)]
            paths = []
            for route in itertools.product(*later):
                nodes = [to, *route]
                factors = [("a", float(a_in[frm])), ("f'(z)", float(d[layer][to]))]
                for k in range(1, len(nodes)):
                    lk = layer + k
                    factors.append(("w", float(self.layers[lk].weight._data[nodes[k], nodes[k - 1]])))
                    factors.append(("f'(z)", float(d[lk][nodes[k]])))
                factors.append(("dL/do", dl_do))
                paths.append({"nodes": nodes, "factors": factors,
                              "product": float(np.prod([f for _, f in factors], dtype=np.float64))})
            total = float(sum(p["product"] for p in paths))
            order = sorted(range(len(paths)), key=lambda i: -abs(paths[i]["product"]))
            listed = [paths[i] for i in order[:MAX_PATHS_LISTED]]
            if path is not None and 0 <= path < len(paths) and paths[path] not in listed:
                listed.append(paths[path])
            return {
                "index": idx, "point": _round(self.points[idx], 4), "label": float(self.labels[idx]),
                "train": idx < self.n_train, "output": float(a[-1][0]), "loss": float(loss._data),
                "dLdo": dl_do, "layer": layer, "to": to, "from": frm,
                "z": [_round(v, 6) for v in z], "a": [_round(v, 6) for v in a], "fprime": [_round(v, 6) for v in d],
                "input": _round(X._data[0], 6), "nPaths": len(paths), "paths": listed,
                "sum": total, "engine": engine,
            }


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else round(v, 6)


def _round(arr: np.ndarray, digits: int = 4) -> Any:
    """Rounded nested lists for JSON; a diverged value (inf, NaN) becomes null."""
    arr = np.round(np.asarray(arr, dtype=np.float64), digits)
    if np.isfinite(arr).all():
        return arr.tolist()
    return np.where(np.isfinite(arr), arr, None).tolist()
