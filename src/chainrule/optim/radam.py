"""RAdam: Adam with a rectified (variance-corrected) adaptive learning rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, check_betas, check_common, moments_


class RAdam(Optimizer):
    r"""RAdam, as ``torch.optim.RAdam``.

    In its first steps Adam divides by :math:`\sqrt{\hat v}` estimated from a handful of
    gradients, whose variance is huge (hence the usual warm-up). RAdam measures that: with
    :math:`ρ_∞ = 2/(1-β₂) - 1` and :math:`ρ_t = ρ_∞ - 2 t β₂ᵗ / (1 - β₂ᵗ)` (the length of the
    approximated simple moving average), it takes plain momentum steps while :math:`ρ_t ≤ 5`, and
    afterwards adaptive steps scaled by the rectification :math:`r_t`. With
    :math:`g_t = ∇_θ J(θ_{t-1})`::

        g_t ← -g_t                                      if maximize
        θ_{t-1} ← θ_{t-1} (1 - η λ)                     if λ ≠ 0 and decoupled_weight_decay
        g_t ← g_t + λ θ_{t-1}                           if λ ≠ 0 otherwise
        m_t = β₁ m_{t-1} + (1 - β₁) g_t
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        m̂_t = m_t / (1 - β₁ᵗ)
        if ρ_t > 5:
            r_t = √((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t))
            l_t = √(1 - β₂ᵗ) / (√v_t + ε)
            θ_t = θ_{t-1} - η m̂_t l_t r_t
        else:
            θ_t = θ_{t-1} - η m̂_t

    State: ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v).

    Reference: L. Liu, H. Jiang, P. He, W. Chen, X. Liu, J. Gao, J. Han, "On the Variance of the
    Adaptive Learning Rate and Beyond", ICLR 2020, arXiv:1908.03265.

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 1e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of adding λθ to g.
        maximize: maximise the objective instead of minimising it.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        check_common("RAdam", group)
        check_betas("RAdam", group["betas"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RAdam step on every parameter that has a gradient."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, grad in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["exp_avg"] = self._buffer(p.data)
                    state["exp_avg_sq"] = self._buffer(p.data)
                state["step"] = step = state["step"] + 1
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                rect = None
                if rho_t > 5.0:  # the variance is tractable: adaptive step, rectified
                    rect = (
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    ) ** 0.5

                arrays = (p.data, grad, state["exp_avg"].data, state["exp_avg_sq"].data)
                for param, grad_b, exp_avg, exp_avg_sq in self._blocks(*arrays):
                    g = self._decayed_gradient(param, grad_b, lr, weight_decay, decoupled, maximize)
                    update = self._scratch(1, param)
                    adaptive = self._scratch(2, param)
                    moments_(exp_avg, exp_avg_sq, g, beta1, beta2, update)  # m, v
                    np.divide(exp_avg, bias_correction1, out=update)  # m̂
                    np.multiply(update, lr, out=update)  # η m̂
                    if rect is not None:
                        np.sqrt(exp_avg_sq, out=adaptive)
                        np.add(adaptive, eps, out=adaptive)
                        np.divide(bias_correction2**0.5, adaptive, out=adaptive)  # l_t
                        np.multiply(update, adaptive, out=update)
                        np.multiply(update, rect, out=update)  # η m̂ l r
                    np.subtract(param, update, out=param)
        return loss

