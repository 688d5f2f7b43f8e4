"""(g): the MNIST-1D paper repository's CNN recipe, end to end, in chainrule, PyTorch and NumPy.

The recipe (Greydanus & Kobak, MNIST-1D; the ``mnist1d`` repository's ``ConvBase``): the signals
as ``[N, 1, 40]``, ``Conv1d(1, 25, 5, stride 2, padding 1) -> ReLU -> Conv1d(25, 25, 3, 2, 1) ->
ReLU -> Conv1d(25, 25, 3, 2, 1) -> ReLU``, the channel-major flatten to 125, ``Linear(125, 10)``;
cross-entropy, Adam with learning rate 1e-2, batch 100 taken in order from the 4,000 training
signals, 6,000 steps, an evaluation every 500 steps. Both libraries start from PyTorch's initial
weights (seed 42) and see the same batches; the hand-written NumPy floor (:class:`NumpyCNN`)
runs the same recipe from the same weights.

As in (c), the runs proceed in lockstep, one evaluation period at a time in alternating order,
each after a pause, and the ratios come from the summed periods (and from the median period).
The whole is run twice: with 2 threads each (BLAS and PyTorch) and with 1 thread each.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import chainrule
from chainrule.data import datasets

from .mnist1d_recipe import floor_loop, lockstep, recipe_loop

RECIPE = {"channels": 25, "learning_rate": 1e-2, "batch_size": 100, "total_steps": 6000,
          "eval_every": 500, "seed": 42}
NAMES = ("chainrule", "pytorch", "numpy floor")
# (in, out, kernel, stride, padding) of the three convolutions; the length goes 40 -> 19 -> 10 -> 5
CONVS = ((1, 25, 5, 2, 1), (25, 25, 3, 2, 1), (25, 25, 3, 2, 1))


def model(lib: ModuleType) -> Any:
    """The recipe's CNN in ``lib`` (``torch`` or ``chainrule``): ``[N, 40] -> [N, 10]``."""
    nn = lib.nn
    layers: list[Any] = [nn.Unflatten(1, (1, 40))]
    for c_in, c_out, k, s, p in CONVS:
        layers += [nn.Conv1d(c_in, c_out, k, stride=s, padding=p), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(125, 10))


def data() -> tuple[np.ndarray, ...]:
    """MNIST-1D's frozen split, float32: ``x [4000, 40]``, ``y [4000]``, ``x_test``, ``y_test``."""
    return datasets.mnist1d().arrays()


def initial_state() -> dict[str, np.ndarray]:
    torch.manual_seed(RECIPE["seed"])
    return {k: v.detach().numpy().copy() for k, v in model(torch).state_dict().items()}


def train(lib: ModuleType, arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray],
          total_steps: int, eval_every: int, out: dict[str, Any]) -> Iterator[None]:
    """The recipe's loop in ``lib``, pausing after every evaluation (into ``out["evals"]``)."""
    yield from recipe_loop(lib, model(lib), arrays, state, RECIPE, total_steps, eval_every, out)


class NumpyCNN:
    """The recipe's CNN and its Adam step written directly in NumPy: the floor.

    Each convolution is im2col (a strided view, copied once into ``[N*P, C*K]``) and one matrix
    product; its backward ``dW = G^T cols``, ``dcols = G W``, col2im by kernel offset. No graph, no
    checks, no allocations beyond what NumPy's expressions make.
    """

    def __init__(self, state: dict[str, np.ndarray], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = [state[f"{i}.weight"].copy() for i in (1, 3, 5)] + [state["8.weight"].copy()]
        self.params += [state[f"{i}.bias"].copy() for i in (1, 3, 5)] + [state["8.bias"].copy()]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0

    @staticmethod
    def _cols(x: np.ndarray, k: int, s: int, p: int) -> tuple[np.ndarray, int]:
        xp = np.pad(x, ((0, 0), (0, 0), (p, p)))
        n, c, lp = xp.shape
        out = (lp - k) // s + 1
        win = np.lib.stride_tricks.as_strided(xp, (n, out, c, k), (xp.strides[0], xp.strides[2] * s,
                                                                  xp.strides[1], xp.strides[2]))
        return win.reshape(n * out, c * k), out

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        h = x.reshape(len(x), 1, 40)
        saved = []
        for i, (_, c_out, k, s, p) in enumerate(CONVS):
            cols, out = self._cols(h, k, s, p)
            z = cols @ self.params[i].reshape(c_out, -1).T + self.params[4 + i]  # [N*P, O]
            a = np.maximum(z, 0)
            saved.append((cols, a, h.shape, out))
            h = a.reshape(len(x), out, c_out).transpose(0, 2, 1)  # [N, O, P]
        flat = h.reshape(len(x), -1)  # channel-major, as torch's Flatten of [N, C, L]
        logits = flat @ self.params[3].T + self.params[7]
        return logits, saved + [flat]

    def logits_of(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[0]

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        n = len(x)
        logits, saved = self.forward(x)
        z = logits - logits.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        loss = -logp[np.arange(n), y].mean()
        g = np.exp(logp)
        g[np.arange(n), y] -= 1
        g /= n  # dLoss/dlogits  [N, 10]
        flat = saved.pop()
        grads: list[Any] = [None] * 8
        grads[3], grads[7] = g.T @ flat, g.sum(0)
        dh = (g @ self.params[3]).reshape(n, 25, -1)  # [N, C, P]
        for i in (2, 1, 0):
            c_in, c_out, k, s, p = CONVS[i]
            cols, a, in_shape, out = saved[i]
            dz = np.where(a > 0, dh.transpose(0, 2, 1).reshape(n * out, c_out), 0)  # [N*P, O]
            grads[i] = (dz.T @ cols).reshape(self.params[i].shape)
            grads[4 + i] = dz.sum(0)
            if i == 0:
                break
            dcols = (dz @ self.params[i].reshape(c_out, -1)).reshape(n, out, c_in, k)
            dxp = np.zeros((n, c_in, in_shape[2] + 2 * p), dtype=x.dtype)
            for j in range(k):
                dxp[:, :, j:j + s * (out - 1) + 1:s] += dcols[:, :, :, j].transpose(0, 2, 1)
            dh = dxp[:, :, p:p + in_shape[2]]
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for w, gw, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * gw
            v *= b2
            v += (1 - b2) * gw * gw
            w -= (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps)
        return float(loss)


def train_floor(arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray], total_steps: int,
                eval_every: int, out: dict[str, Any]) -> Iterator[None]:
    """The same loop on the NumPy floor."""
    floor = NumpyCNN(state, RECIPE["learning_rate"])
    yield from floor_loop(floor, arrays, RECIPE["batch_size"], total_steps, eval_every, out)


def _lockstep(arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray], total: int, every: int,
              settle: float) -> dict[str, Any]:
    outs: dict[str, dict[str, Any]] = {name: {} for name in NAMES}
    runs = {"chainrule": train(chainrule, arrays, state, total, every, outs["chainrule"]),
            "pytorch": train(torch, arrays, state, total, every, outs["pytorch"]),
            "numpy floor": train_floor(arrays, state, total, every, outs["numpy floor"])}
    periods = lockstep(runs, settle)
    libs = {name: {"wall_s": sum(periods[name]),
                   "period_s_median": statistics.median(periods[name][1:] or periods[name]),
                   "periods_s": periods[name], "test_acc": out["test_acc"], "train_acc": out["train_acc"],
                   "test_acc_curve": [(e["step"], e["test_acc"]) for e in out["evals"]]}
            for name, out in outs.items()}
    wall = {name: s["wall_s"] for name, s in libs.items()}
    med = {name: s["period_s_median"] for name, s in libs.items()}
    return {"libraries": libs,
            "ratios": {"chainrule/pytorch": wall["chainrule"] / wall["pytorch"],
                       "chainrule/numpy floor": wall["chainrule"] / wall["numpy floor"],
                       "numpy floor/pytorch": wall["numpy floor"] / wall["pytorch"]},
            "median_period_ratios": {"chainrule/pytorch": med["chainrule"] / med["pytorch"],
                                     "chainrule/numpy floor": med["chainrule"] / med["numpy floor"]},
            "test_acc_gap": libs["chainrule"]["test_acc"] - libs["pytorch"]["test_acc"]}


def _throwaway_step(lib: ModuleType) -> None:
    """One training step of a fresh model: the library's one-time start-up, untimed."""
    net = model(lib)
    x = lib.from_numpy(np.zeros((RECIPE["batch_size"], 40), np.float32))
    y = lib.from_numpy(np.zeros(RECIPE["batch_size"], np.int64))
    lib.nn.functional.cross_entropy(net(x), y).backward()


def run(smoke: bool = False, settle: float = 0.3, threads: tuple[int, ...] = (2, 1)) -> dict[str, Any]:
    """The recipe in lockstep, once for each thread count (BLAS and PyTorch alike)."""
    arrays, state = data(), initial_state()
    total = 20 if smoke else RECIPE["total_steps"]
    every = 10 if smoke else RECIPE["eval_every"]
    settle = 0.0 if smoke else settle
    for lib in (chainrule, torch):
        _throwaway_step(lib)
    before = torch.get_num_threads()
    by_threads = {}
    try:
        for t in threads:
            torch.set_num_threads(t)
            with threadpool_limits(t):
                by_threads[str(t)] = _lockstep(arrays, state, total, every, settle)
    finally:
        torch.set_num_threads(before)
    ratios = {t: r["ratios"]["chainrule/pytorch"] for t, r in by_threads.items()}
    gaps = {t: r["test_acc_gap"] for t, r in by_threads.items()}
    accs = {t: r["libraries"]["chainrule"]["test_acc"] for t, r in by_threads.items()}
    return {
        "recipe": {**RECIPE, "total_steps": total, "eval_every": every},
        "settle_s": settle,
        "threads": by_threads,
        "targets": {"chainrule/pytorch": 1.0, "test accuracy >=": 92.0, "|gap| <=": 3.0},
        "met": {"chainrule/pytorch": all(v <= 1.0 for v in ratios.values()),
                "test accuracy >=": smoke or all(a >= 92.0 for a in accs.values()),
                "|gap| <=": smoke or all(abs(g) <= 3.0 for g in gaps.values())},
    }


if __name__ == "__main__":
    import json
    import sys

    chainrule.memory.keep_freed_memory()
    print(json.dumps(run(smoke="--smoke" in sys.argv), indent=1))
