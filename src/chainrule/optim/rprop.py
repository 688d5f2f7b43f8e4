"""Rprop: resilient backpropagation, a step size per weight driven by the gradient's sign."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Group, Optimizer, ParamsT, State, check_nonnegative, check_real


class Rprop(Optimizer):
    r"""Resilient backpropagation, as ``torch.optim.Rprop``.

    Rprop ignores the gradient's size and uses only its sign: every coordinate has its own step size
    :math:`Δ`, which grows by :math:`η_+` while the gradient keeps its sign and shrinks by
    :math:`η_-` when it flips (the last step jumped over a minimum). With
    :math:`g_t = ∇_θ J(θ_{t-1})` and :math:`Δ_0 = η` (the learning rate)::

        g_t ← -g_t                                   if maximize
        Δ_t = min(Δ_{t-1} η_+, Δ_max)                where g_t g_{t-1} > 0
        Δ_t = max(Δ_{t-1} η_-, Δ_min)                where g_t g_{t-1} < 0
        Δ_t = Δ_{t-1}                                where g_t g_{t-1} = 0
        g_t ← 0                                      where the sign flipped (no step; the next
                                                     step's product is 0, so Δ rests once)
        θ_t = θ_{t-1} - sign(g_t) Δ_t

    State: ``step`` (t), ``prev`` (g_{t-1} as used, zeroed where it flipped) and ``step_size`` (Δ).

    Reference: M. Riedmiller, H. Braun, "A direct adaptive method for faster backpropagation
    learning: the RPROP algorithm", IEEE ICNN 1993.

    Args:
        params: parameters or parameter groups to optimise.
        lr: the initial step size Δ₀ of every coordinate (default 1e-2).
        etas: (η_-, η_+), the factors that shrink and grow a step, 0 < η_- < 1 < η_+
            (default (0.5, 1.2)).
        step_sizes: (Δ_min, Δ_max), the bounds of a step size (default (1e-6, 50)).
        maximize: maximise the objective instead of minimising it.
        capturable, foreach, differentiable: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    _buffers = ("prev",)

    def __init__(self, params: ParamsT, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _validate(self, group: Group) -> None:
        check_nonnegative("Rprop", "lr", group["lr"], "learning rate")
        etas = group["etas"]
        if not isinstance(etas, (tuple, list)) or len(etas) != 2:
            raise ValueError(f"Rprop: etas must be a pair (etaminus, etaplus), got {etas!r}")
        for i, eta in enumerate(etas):
            check_real("Rprop", f"etas[{i}]", eta)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(
                f"Rprop: invalid eta values etas={tuple(etas)!r}; they must satisfy "
                "0 < etas[0] < 1 < etas[1] (a flip shrinks the step, a kept sign grows it)"
            )
        sizes = group["step_sizes"]
        if not isinstance(sizes, (tuple, list)) or len(sizes) != 2:
            raise ValueError(f"Rprop: step_sizes must be a pair (min, max), got {sizes!r}")
        for i, size in enumerate(sizes):
            check_real("Rprop", f"step_sizes[{i}]", size)

    def _init_state(self, state: State, param: np.ndarray, group: Group) -> None:
        """``t = 0``, ``prev = 0`` and every step size at the learning rate."""
        super()._init_state(state, param, group)
        state["step_size"] = self._buffer(param, fill=group["lr"])

    @staticmethod
    def _effective_gradient(param: np.ndarray, grad: np.ndarray, group: Group) -> Any:
        """Rprop has no weight decay: the gradient, sign flipped to maximise."""
        return -grad if group["maximize"] else grad

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        etaminus, etaplus = group["etas"]
        size_min, size_max = group["step_sizes"]
        prev, step_size = state["prev"]._data, state["step_size"]._data
        sign = np.array(np.sign(grad * prev), dtype=param.dtype)  # sign of g_t g_{t-1}
        factor = sign.copy()
        factor[sign > 0] = etaplus
        factor[sign < 0] = etaminus
        factor[sign == 0] = 1
        step_size *= factor
        np.clip(step_size, size_min, size_max, out=step_size)  # Δ = clamp(Δ · factor)
        grad = np.array(grad, dtype=param.dtype, copy=True)
        grad[factor == etaminus] = 0  # no step where the sign flipped
        param -= np.sign(grad) * step_size  # θ = θ - sign(g) Δ
        prev[...] = grad
