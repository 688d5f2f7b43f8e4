"""ASGD: stochastic gradient descent with a decaying rate and a running average of the iterates."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Group, Optimizer, ParamsT, State, StateDict, _scalar_dtype, check_common


def _scalar(value: float) -> Tensor:
    """A 0-d tensor of the scalar dtype (float32, float64 when that is the default), as PyTorch
    keeps ASGD's ``eta`` and ``mu``: their values are rounded to it."""
    return Tensor._make(np.array(value, dtype=_scalar_dtype()))


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent, as ``torch.optim.ASGD``.

    Plain SGD with a learning rate that decays as :math:`t^{-α}`, a shrinkage of the weights by
    :math:`λ η_t`, and, from step :math:`t_0` on, a running average :math:`\bar θ` of the iterates
    (Polyak-Ruppert averaging: the average converges faster than the iterates themselves). With
    :math:`g_t = ∇_θ J(θ_{t-1})`, :math:`η_0 = η` (the learning rate) and :math:`μ_0 = 1`::

        g_t ← -g_t                                   if maximize
        g_t ← g_t + w θ_{t-1}                        if w ≠ 0 (weight decay)
        θ_t = θ_{t-1} (1 - λ η_{t-1}) - η_{t-1} g_t
        θ̄_t = θ̄_{t-1} + μ_{t-1} (θ_t - θ̄_{t-1})     (θ̄_t = θ_t while μ = 1)
        η_t = η / (1 + λ η t)^α
        μ_t = 1 / max(1, t - t_0)

    The average :math:`\bar θ` (state ``ax``) is kept, not used: evaluate with it by copying it
    into the parameters. State: ``step`` (t), ``eta`` (η_t), ``mu`` (μ_t) and ``ax`` (θ̄). As in
    PyTorch, ``eta`` and ``mu`` are 0-d tensors of float32 (float64 when that is the default
    dtype), so their values are rounded to that precision.

    Reference: B. T. Polyak, A. B. Juditsky, "Acceleration of Stochastic Approximation by
    Averaging", SIAM J. Control and Optimization 30(4), 1992.

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 1e-2).
        lambd: decay term λ (default 1e-4).
        alpha: power α of the rate's decay (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty w (default 0).
        maximize: maximise the objective instead of minimising it.
        foreach, differentiable, capturable: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _validate(self, group: Group) -> None:
        check_common("ASGD", group)

    def _init_state(self, state: State, param: np.ndarray, group: Group) -> None:
        """``t = 0``, ``η_0 = η``, ``μ_0 = 1`` and a zero average."""
        state["step"] = 0.0
        state["eta"] = _scalar(group["lr"])
        state["mu"] = _scalar(1.0)
        state["ax"] = self._buffer(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        lr, lambd, alpha, t = group["lr"], group["lambd"], group["alpha"], state["step"]
        eta, mu = float(state["eta"]._data), float(state["mu"]._data)
        ax = state["ax"]._data
        param *= 1 - lambd * eta  # θ (1 - λ η)
        param += -eta * grad  # - η g
        if mu != 1:
            ax += (param - ax) * mu  # θ̄ = θ̄ + μ (θ - θ̄)
        else:
            ax[...] = param
        state["eta"] = _scalar(lr / ((1 + lambd * lr * t) ** alpha))  # η_t = η / (1 + λ η t)^α
        state["mu"] = _scalar(1 / max(1, t - group["t0"]))  # μ_t = 1 / max(1, t - t₀)

    def load_state_dict(self, state_dict: StateDict) -> None:
        """As :meth:`Optimizer.load_state_dict`; ``eta`` and ``mu`` stay 0-d scalars."""
        scalars: dict[Any, dict[str, Any]] = {}
        stripped = dict(state_dict)
        if isinstance(state_dict, dict) and isinstance(state_dict.get("state"), dict):
            stripped["state"] = {}
            for key, entry in state_dict["state"].items():
                scalars[key] = {k: v for k, v in entry.items() if k in ("eta", "mu")}
                stripped["state"][key] = {k: v for k, v in entry.items() if k not in ("eta", "mu")}
        super().load_state_dict(stripped)
        for group, saved in zip(self.param_groups, state_dict["param_groups"], strict=True):
            for key, p in zip(saved["params"], group["params"], strict=True):
                for name, value in scalars.get(key, {}).items():
                    self.state[p][name] = _scalar(_as_float(value))


def _as_float(value: Any) -> float:
    """A saved number (a Tensor, a PyTorch tensor, an array or a float) as a float."""
    if isinstance(value, Tensor):
        return float(value._data)
    if hasattr(value, "item"):
        return float(value.item())
    return float(value)
