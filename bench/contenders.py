"""The three contenders of a step benchmark, built from the same initial weights and batch.

``chainrule`` and ``pytorch`` run the identical user code (:func:`bench.models.train_step`);
``numpy floor`` is :class:`bench.floor.NumpyMLP`. All three start from PyTorch's initialisation,
so their losses agree step by step (:func:`agreement` checks it): they do the same arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

import chainrule

from .floor import NumpyMLP
from .models import batch, linear_layers, mlp, numpy_state, train_step

Step = Callable[[], object]


def mlp_steps(sizes: Sequence[int], n: int, *, lr: float = 1e-3, seed: int = 0) -> dict[str, Step]:
    """A training step (Adam, cross-entropy, float32) of the MLP ``sizes`` at batch ``n``, per library."""
    torch.manual_seed(seed)
    t_model = mlp(torch.nn, sizes)
    state = numpy_state(t_model)
    c_model = mlp(chainrule.nn, sizes)
    c_model.load_state_dict(state)
    floor = NumpyMLP(sizes, n, lr=lr)
    floor.load(linear_layers(state))
    x, y = batch(sizes, n, seed)
    c_opt = chainrule.optim.Adam(c_model.parameters(), lr=lr)
    t_opt = torch.optim.Adam(t_model.parameters(), lr=lr)
    return {
        "chainrule": train_step(chainrule.nn.functional, c_model, c_opt,
                                chainrule.from_numpy(x), chainrule.from_numpy(y)),
        "pytorch": train_step(torch.nn.functional, t_model, t_opt,
                              torch.from_numpy(x), torch.from_numpy(y)),
        "numpy floor": lambda: floor.step(x, y),
    }


def agreement(sizes: Sequence[int], n: int, steps: int = 3) -> dict[str, list[float]]:
    """The losses of the first ``steps`` steps of each contender (they must agree)."""
    losses = {}
    for name, step in mlp_steps(sizes, n).items():
        losses[name] = [_value(step()) for _ in range(steps)]
    return losses


def check_agreement(sizes: Sequence[int], n: int, steps: int = 3, rtol: float = 1e-4) -> dict[str, list[float]]:
    """:func:`agreement`, raising if a contender's losses leave PyTorch's (float32 tolerance)."""
    losses = agreement(sizes, n, steps)
    want = np.array(losses["pytorch"])
    for name, got in losses.items():
        if not np.allclose(got, want, rtol=rtol, atol=1e-6):
            raise RuntimeError(f"{name} does not compute PyTorch's step for MLP {list(sizes)}, "
                               f"batch {n}: losses {got} vs PyTorch's {list(want)}")
    return losses


def _value(loss: object) -> float:
    return float(loss.item()) if hasattr(loss, "item") else float(loss)  # type: ignore[attr-defined]
