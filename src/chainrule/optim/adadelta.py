"""Adadelta: Adagrad with decaying averages and units-matched steps."""

from __future__ import annotations

import numpy as np

from .optimizer import Group, Optimizer, ParamsT, State, check_common, check_real


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    Adagrad's sum of squared gradients only grows, so its steps die out; Adadelta replaces it with
    an exponential moving average, and scales each step by the RMS of the previous *updates*, so
    the step has the units of θ and no learning rate is needed (``lr`` defaults to 1.0, a plain
    multiplier). With :math:`g_t = ∇_θ J(θ_{t-1})`, decay :math:`ρ` and weight decay :math:`λ`::

        g_t ← -g_t                                          if maximize
        g_t ← g_t + λ θ_{t-1}                               if λ ≠ 0
        E[g²]_t = ρ E[g²]_{t-1} + (1 - ρ) g_t²
        Δθ_t    = √(E[Δθ²]_{t-1} + ε) / √(E[g²]_t + ε) · g_t
        E[Δθ²]_t = ρ E[Δθ²]_{t-1} + (1 - ρ) Δθ_t²
        θ_t = θ_{t-1} - η Δθ_t

    State: ``square_avg`` (E[g²]) and ``acc_delta`` (E[Δθ²]).

    Reference: M. D. Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701, 2012.

    Args:
        params: parameters or parameter groups to optimise.
        lr: multiplier η of the update (default 1.0).
        rho: decay ρ of the running averages, in [0, 1] (default 0.9).
        eps: ε inside the square roots (default 1e-6).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximise the objective instead of minimising it.
        foreach, capturable, differentiable: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    _buffers = ("square_avg", "acc_delta")

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _validate(self, group: Group) -> None:
        check_common("Adadelta", group)
        rho = group["rho"]
        check_real("Adadelta", "rho", rho)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho={rho!r}; it must be in [0, 1]")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad  # E[g²] = ρ E[g²] + (1-ρ) g²
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad  # Δθ
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta  # E[Δθ²] = ρ E[Δθ²] + (1-ρ) Δθ²
        param -= group["lr"] * delta
