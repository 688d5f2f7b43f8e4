"""The three contenders of a step benchmark, built from the same initial weights and batch.

``chainrule`` and ``pytorch`` run the identical user code (:func:`bench.models.train_step`);
``numpy floor`` is :class:`bench.floor.NumpyMLP`. With ``reference=True`` three more join:
``numpy floor, per-parameter Adam`` (the floor with Adam run once per parameter, the best a
parameter-at-a-time optimiser can do in NumPy), ``chainrule reference``, chainrule's step with
the fast backend switched off (:func:`chainrule.backend.disabled`): the lecture's NumPy alone, and
``chainrule reference ops, no framework``, the same reference ops and Adam update called directly
(:class:`bench.reference_ops.ReferenceOps`): the reference's arithmetic without graph or modules.
All of them start from PyTorch's initialisation, so their losses agree step by step
(:func:`agreement` checks it): they do the same arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

import numpy as np
import torch

import chainrule

from .floor import NumpyMLP
from .models import batch, linear_layers, mlp, numpy_state, train_step
from .reference_ops import ReferenceOps

Step = Callable[[], object]


def mlp_steps(sizes: Sequence[int], n: int, *, lr: float = 1e-3, seed: int = 0,
              reference: bool = False) -> dict[str, Step]:
    """A training step (Adam, cross-entropy, float32) of the MLP ``sizes`` at batch ``n``, per
    library (and, with ``reference``, chainrule's reference path alone and the per-parameter floor)."""
    torch.manual_seed(seed)
    t_model = mlp(torch.nn, sizes)
    state = numpy_state(t_model)
    floor = NumpyMLP(sizes, n, lr=lr)
    floor.load(linear_layers(state))
    x, y = batch(sizes, n, seed)
    t_opt = torch.optim.Adam(t_model.parameters(), lr=lr)
    steps = {
        "chainrule": _chainrule_step(sizes, state, x, y, lr),
        "pytorch": train_step(torch.nn.functional, t_model, t_opt,
                              torch.from_numpy(x), torch.from_numpy(y)),
        "numpy floor": lambda: floor.step(x, y),
    }
    if reference:
        steps["chainrule reference"] = ReferenceStep(_chainrule_step(sizes, state, x, y, lr))
        per_parameter = NumpyMLP(sizes, n, lr=lr, per_parameter_adam=True)
        per_parameter.load(linear_layers(state))
        steps["numpy floor, per-parameter Adam"] = lambda: per_parameter.step(x, y)
        ops = ReferenceOps(linear_layers(state), lr=lr)
        steps["chainrule reference ops, no framework"] = ReferenceStep(lambda: ops.step(x, y))
    return steps


class ReferenceStep:
    """chainrule's step on the reference path alone (the fast backend off).

    A call on its own switches the backend off around the step. A timed block switches it off
    once for all its steps (:meth:`block`, used by :func:`bench.timing.interleaved`), as
    ``CHAINRULE_JIT=0`` does for a whole process: switching every fast path off and on again
    around each step would time the switch too, which no user of the reference path pays.
    """

    def __init__(self, step: Step) -> None:
        self.step = step

    def __call__(self) -> object:
        if not chainrule.backend.is_enabled():
            return self.step()
        with chainrule.backend.disabled():
            return self.step()

    def block(self) -> AbstractContextManager[None]:
        """The context a timed block of steps runs in: the backend off."""
        return chainrule.backend.disabled()


def _chainrule_step(sizes: Sequence[int], state: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                    lr: float) -> Step:
    """chainrule's training step on a model of its own, from PyTorch's initial weights ``state``."""
    model = mlp(chainrule.nn, sizes)
    model.load_state_dict(state)
    optimizer = chainrule.optim.Adam(model.parameters(), lr=lr)
    return train_step(chainrule.nn.functional, model, optimizer, chainrule.from_numpy(x), chainrule.from_numpy(y))


def agreement(sizes: Sequence[int], n: int, steps: int = 3, reference: bool = False) -> dict[str, list[float]]:
    """The losses of the first ``steps`` steps of each contender (they must agree)."""
    losses = {}
    for name, step in mlp_steps(sizes, n, reference=reference).items():
        losses[name] = [_value(step()) for _ in range(steps)]
    return losses


def check_agreement(sizes: Sequence[int], n: int, steps: int = 3, rtol: float = 1e-4,
                    reference: bool = False) -> dict[str, list[float]]:
    """:func:`agreement`, raising if a contender's losses leave PyTorch's (float32 tolerance)."""
    losses = agreement(sizes, n, steps, reference)
    want = np.array(losses["pytorch"])
    for name, got in losses.items():
        if not np.allclose(got, want, rtol=rtol, atol=1e-6):
            raise RuntimeError(f"{name} does not compute PyTorch's step for MLP {list(sizes)}, "
                               f"batch {n}: losses {got} vs PyTorch's {list(want)}")
    return losses


def _value(loss: object) -> float:
    return float(loss.item()) if hasattr(loss, "item") else float(loss)  # type: ignore[attr-defined]
