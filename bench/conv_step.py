"""(g), second part: the time of one training step of a LeNet-sized Conv2d net, chainrule against
PyTorch.

The net (LeCun et al., 1998, with ReLU and max pooling): ``[N, 1, 28, 28] -> Conv2d(1, 6, 5,
padding 2) -> ReLU -> MaxPool2d(2) -> Conv2d(6, 16, 5) -> ReLU -> MaxPool2d(2) -> Flatten (400)
-> Linear(400, 120) -> ReLU -> Linear(120, 84) -> ReLU -> Linear(84, 10)``, batch 64, float32. A
step is ``zero_grad``, forward, cross-entropy, ``backward``, ``Adam.step`` on a fixed batch. Both
start from PyTorch's weights and must reach the same first losses; then the steps are timed
interleaved (:func:`bench.timing.interleaved`).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import torch

import chainrule

from .timing import interleaved

BATCH = 64


def lenet(lib: ModuleType) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def stepper(lib: ModuleType, state: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    """One training step of the net in ``lib`` as a function returning the loss."""
    net = lenet(lib)
    net.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in state.items()})
    opt = lib.optim.Adam(net.parameters(), lr=1e-3)
    xs, ys = lib.from_numpy(x), lib.from_numpy(y)
    loss_fn = lib.nn.functional.cross_entropy

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(net(xs), ys)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def run(smoke: bool = False) -> dict[str, Any]:
    torch.manual_seed(0)
    state = {k: v.detach().numpy().copy() for k, v in lenet(torch).state_dict().items()}
    gen = np.random.default_rng(0)
    x = gen.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = gen.integers(0, 10, BATCH)
    check = {name: stepper(lib, state, x, y) for name, lib in (("chainrule", chainrule), ("pytorch", torch))}
    losses = {name: [step() for _ in range(3)] for name, step in check.items()}
    if not np.allclose(losses["chainrule"], losses["pytorch"], rtol=1e-4, atol=1e-5):
        raise RuntimeError(f"conv step: the first losses differ: {losses}")
    steps = {name: stepper(lib, state, x, y) for name, lib in (("chainrule", chainrule), ("pytorch", torch))}
    if smoke:
        timings, per_block = interleaved(steps, blocks=2, block_seconds=0.0, warmup=1, settle=0.0, min_steps=1)
    else:
        timings, per_block = interleaved(steps, blocks=21, block_seconds=0.2, warmup=10, settle=0.3)
    med = {name: t.median for name, t in timings.items()}
    return {"batch": BATCH, "steps_per_block": per_block, "first_losses": losses,
            "timings": {name: t.as_dict() for name, t in timings.items()},
            "ratios": {"chainrule/pytorch": med["chainrule"] / med["pytorch"]}}


if __name__ == "__main__":
    import json
    import sys

    chainrule.memory.keep_freed_memory()
    print(json.dumps(run(smoke="--smoke" in sys.argv), indent=1))
