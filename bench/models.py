"""The networks every benchmark trains, written once against the shared API.

chainrule speaks PyTorch's API, so one function builds the model for either library: pass
``torch.nn`` or ``chainrule.nn`` as ``nn``. The training step is likewise the same five lines
for both, which is what makes the timings comparable: the code a user writes is identical, only
the library underneath differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np


def mlp(nn: ModuleType, sizes: Sequence[int]) -> Any:
    """``Linear -> ReLU -> ... -> Linear``: the lecture's fully connected net."""
    layers: list[Any] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(fan_in, fan_out))
    return nn.Sequential(*layers)


def residual_mlp(nn: ModuleType, input_size: int, output_size: int, hidden_size: int) -> Any:
    """The MNIST-1D paper's MLP: ``h = relu(W1 x); h = h + relu(W2 h); y = W3 h``."""

    class ResidualMLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear1 = nn.Linear(input_size, hidden_size)
            self.linear2 = nn.Linear(hidden_size, hidden_size)
            self.linear3 = nn.Linear(hidden_size, output_size)

        def forward(self, x: Any) -> Any:
            h = self.linear1(x).relu()
            h = h + self.linear2(h).relu()
            return self.linear3(h)

    return ResidualMLP()


def numpy_state(model: Any) -> dict[str, np.ndarray]:
    """A model's state_dict as NumPy arrays (copies), for either library."""
    out = {}
    for key, value in model.state_dict().items():
        arr = value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)
        out[key] = np.array(arr, copy=True)
    return out


def linear_layers(state: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(weight, bias)`` of each Linear, in order, from a state_dict of an :func:`mlp`."""
    weights = [k for k in state if k.endswith(".weight")]
    return [(state[k], state[k[: -len("weight")] + "bias"]) for k in weights]


def train_step(F: ModuleType, model: Any, optimizer: Any, x: Any, y: Any) -> Callable[[], Any]:
    """One step of the usual loop: zero the gradients, forward, loss, backward, update."""

    def step() -> Any:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def batch(sizes: Sequence[int], n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random batch: float32 inputs ``[n, sizes[0]]`` and int64 class labels ``[n]``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], n)
    return x, y

