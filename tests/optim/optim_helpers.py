"""Shared fixtures of the optimiser tests: one problem, run in chainrule and in PyTorch.

The problem has three parameters in two groups: W (4×3) and b (3,) of a tanh regression, and c (2,)
on a scaled Rosenbrock valley that enters the loss only on two steps of three, so on the others
its ``grad`` is None and the optimisers must skip it (its step count falls behind the others').
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import chainrule as cr

STEPS = 60

# (optimizer name, constructor kwargs): every option of every algorithm, on its own and combined
CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "weight_decay": 0.02}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5}),
    ("Adadelta", {"weight_decay": 0.1, "eps": 1e-4}),
    ("Adadelta", {"maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.6}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {"lr": 0.02}),
    ("Adamax", {"lr": 0.02, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.02, "betas": (0.3, 0.99)}),
    ("Adamax", {"lr": 0.01, "betas": (0.3, 0.9), "eps": 1e-3}),
    ("Adamax", {"lr": 0.02, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.9), "eps": 1e-4}),
    ("Adam", {"lr": 0.01, "maximize": True, "amsgrad": True, "weight_decay": 0.05}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
    ("AdamW", {"lr": 0.01, "betas": (0.2, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.02, "betas": (0.8, 0.99)}),
    ("NAdam", {"lr": 0.01, "maximize": True}),
    ("RAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.99)}),
    ("RAdam", {"lr": 0.01, "maximize": True}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.02, "maximize": True}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "t0": 5}),
    ("ASGD", {"lr": 0.05, "alpha": 0.5, "t0": 3, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.05, "t0": 10, "maximize": True}),
    ("Adafactor", {}),
    ("Adafactor", {"lr": 0.05}),
    ("Adafactor", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adafactor", {"lr": 0.02, "beta2_decay": -0.5, "eps": (1e-6, 1e-2)}),
    ("Adafactor", {"lr": 0.1, "d": 2.0, "maximize": True}),
]


def config_id(config: tuple[str, dict[str, Any]]) -> str:
    name, kwargs = config
    return name + "(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


def initial_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "W": rng.normal(0, 0.5, (4, 3)),
        "b": rng.normal(0, 0.1, 3),
        "c": np.array([-0.8, 1.2]),
        "X": rng.normal(0, 1, (8, 4)),
        "Y": rng.uniform(-0.9, 0.9, (8, 3)),
    }


def uses_c(step: int) -> bool:
    return step % 3 != 2


def groups_of(params: list[Any], lr: float | None) -> list[dict[str, Any]]:
    """Two groups: [W] with the defaults, [b, c] with half the learning rate (if one is given)."""
    second: dict[str, Any] = {"params": params[1:]}
    if lr is not None:
        second["lr"] = lr / 2
    return [{"params": params[:1]}, second]


class _Run:
    """The loss and the loop, written once: chainrule and PyTorch share the API they use."""

    X: Any
    Y: Any
    params: list[Any]
    opt: Any
    sign: float
    t: int

    def loss(self) -> Any:
        W, b, c = self.params
        fit = ((self.X @ W + b).tanh() - self.Y).pow(2).mean() + (W**4).sum() * 0.05
        if uses_c(self.t):
            fit = fit + (1 - c[0]) ** 2 * 0.5 + (c[1] - c[0] ** 2) ** 2 * 2.0
        return fit * self.sign  # maximising -L is minimising L

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.opt.zero_grad()
            self.loss().backward()
            self.opt.step()
            self.t += 1


class ChainruleRun(_Run):
    """The problem in chainrule: parameters, optimiser and a step counter."""

    def __init__(self, name: str, kwargs: dict[str, Any], dtype: Any = np.float64,
                 arrays: dict[str, np.ndarray] | None = None) -> None:
        a = initial_arrays() if arrays is None else arrays
        self.sign = -1.0 if kwargs.get("maximize") else 1.0
        self.X = cr.tensor(a["X"].astype(dtype))
        self.Y = cr.tensor(a["Y"].astype(dtype))
        self.params = [cr.tensor(a[k].astype(dtype), requires_grad=True) for k in ("W", "b", "c")]
        self.opt = getattr(cr.optim, name)(groups_of(self.params, kwargs.get("lr")), **kwargs)
        self.t = 0

    def arrays(self) -> list[np.ndarray]:
        return [p._data.copy() for p in self.params]


class TorchRun(_Run):
    """The same problem in PyTorch."""

    def __init__(self, name: str, kwargs: dict[str, Any], dtype: Any = torch.float64,
                 arrays: dict[str, np.ndarray] | None = None) -> None:
        a = initial_arrays() if arrays is None else arrays
        self.sign = -1.0 if kwargs.get("maximize") else 1.0
        self.X = torch.tensor(a["X"], dtype=dtype)
        self.Y = torch.tensor(a["Y"], dtype=dtype)
        self.params = [torch.tensor(a[k], dtype=dtype, requires_grad=True) for k in ("W", "b", "c")]
        self.opt = getattr(torch.optim, name)(
            groups_of(self.params, kwargs.get("lr")), **{"foreach": False, **kwargs}
        )
        self.t = 0

    def arrays(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self.params]
