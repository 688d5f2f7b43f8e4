"""Adagrad: per-coordinate learning rates shrinking with the sum of squared gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Group, Optimizer, ParamsT, State, check_common


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    The lecture's first adaptive method: coordinates whose gradients have been large (frequent
    features) get small steps, rarely-updated ones large steps. With :math:`g_t = ∇_θ J(θ_{t-1})`,
    learning rate :math:`η`, decay :math:`δ` (``lr_decay``) and weight decay :math:`λ`::

        g_t ← -g_t                              if maximize
        g_t ← g_t + λ θ_{t-1}                   if λ ≠ 0
        η̃_t = η / (1 + (t - 1) δ)
        G_t = G_{t-1} + g_t²                    (G_0 = initial_accumulator_value)
        θ_t = θ_{t-1} - η̃_t g_t / (√G_t + ε)

    All operations are elementwise. As in PyTorch, the accumulator of every parameter is created
    when the optimiser is built, from the constructor's ``initial_accumulator_value`` (a group's
    own value of it is not used).

    Reference: J. Duchi, E. Hazan, Y. Singer, "Adaptive Subgradient Methods for Online Learning
    and Stochastic Optimization", JMLR 12, 2011.

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 1e-2).
        lr_decay: learning-rate decay δ (default 0).
        weight_decay: L2 penalty λ (default 0).
        initial_accumulator_value: starting value of G (default 0).
        eps: ε added to the denominator for numerical stability (default 1e-10).
        maximize: maximise the objective instead of minimising it.
        foreach, differentiable, fused: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:  # the accumulators exist from the start, as in PyTorch
            for p in group["params"]:
                self._init_state(self.state[p], p._data, group)

    def _validate(self, group: Group) -> None:
        check_common("Adagrad", group, "lr_decay", "initial_accumulator_value")

    def _init_state(self, state: State, param: np.ndarray, group: Group) -> None:
        state["step"] = 0.0
        state["sum"] = self._buffer(param, self.defaults["initial_accumulator_value"])  # G₀

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])  # η̃ = η / (1 + (t-1) δ)
        G = state["sum"]._data
        G += grad * grad  # G = G + g²
        param += -lr * grad / (np.sqrt(G) + group["eps"])
