"""Adadelta: Adagrad with decaying averages and units-matched steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, check_common, check_real


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
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        check_common("Adadelta", group)
        rho = group["rho"]
        check_real("Adadelta", "rho", rho)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho={rho!r}; it must be in [0, 1]")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adadelta step on every parameter that has a gradient."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["square_avg"] = self._buffer(p.data)
                    state["acc_delta"] = self._buffer(p.data)
                state["step"] += 1
                arrays = (p.data, grad, state["square_avg"].data, state["acc_delta"].data)
                for param, grad_b, square_avg, acc_delta in self._blocks(*arrays):
                    g = self._gradient(param, grad_b, weight_decay, maximize)
                    std = self._scratch(1, param)
                    delta = self._scratch(2, param)
                    np.multiply(square_avg, rho, out=square_avg)
                    np.multiply(g, 1 - rho, out=std)
                    np.multiply(std, g, out=std)
                    np.add(square_avg, std, out=square_avg)  # E[g²] = ρ E[g²] + (1-ρ) g²
                    np.add(square_avg, eps, out=std)
                    np.sqrt(std, out=std)  # √(E[g²] + ε)
                    np.add(acc_delta, eps, out=delta)
                    np.sqrt(delta, out=delta)  # √(E[Δθ²] + ε)
                    np.divide(delta, std, out=delta)
                    np.multiply(delta, g, out=delta)  # Δθ
                    np.multiply(acc_delta, rho, out=acc_delta)
                    np.multiply(delta, 1 - rho, out=std)
                    np.multiply(std, delta, out=std)
                    np.add(acc_delta, std, out=acc_delta)  # E[Δθ²] = ρ E[Δθ²] + (1-ρ) Δθ²
                    np.multiply(delta, lr, out=delta)
                    np.subtract(param, delta, out=param)  # θ ← θ - η Δθ
        return loss
