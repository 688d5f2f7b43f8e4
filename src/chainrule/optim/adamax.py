"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, check_betas, check_common, lerp_


class Adamax(Optimizer):
    r"""Adamax, as ``torch.optim.Adamax``.

    Adam scales steps by an L2-type average of past gradients, :math:`\sqrt{v_t}`; Adamax lets the
    norm's order go to infinity, which becomes a decaying running maximum of :math:`|g|` and needs
    no bias correction. With :math:`g_t = ∇_θ J(θ_{t-1})`::

        g_t ← -g_t                                  if maximize
        g_t ← g_t + λ θ_{t-1}                       if λ ≠ 0
        m_t = β₁ m_{t-1} + (1 - β₁) g_t
        u_t = max(β₂ u_{t-1}, |g_t| + ε)
        θ_t = θ_{t-1} - η / (1 - β₁ᵗ) · m_t / u_t

    State: ``exp_avg`` (m), ``exp_inf`` (u) and ``step`` (t).

    Reference: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
    arXiv:1412.6980, section 7.1.

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 2e-3).
        betas: (β₁, β₂), decays of the mean and of the running maximum (default (0.9, 0.999)).
        eps: ε added to |g| (default 1e-8).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximise the objective instead of minimising it.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        check_common("Adamax", group)
        check_betas("Adamax", group["betas"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adamax step on every parameter that has a gradient."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["exp_avg"] = self._buffer(p.data)
                    state["exp_inf"] = self._buffer(p.data)
                state["step"] = step = state["step"] + 1
                clr = lr / (1 - beta1**step)
                arrays = (p.data, grad, state["exp_avg"].data, state["exp_inf"].data)
                for param, grad_b, exp_avg, exp_inf in self._blocks(*arrays):
                    g = self._gradient(param, grad_b, weight_decay, maximize)
                    tmp = self._scratch(1, param)
                    lerp_(exp_avg, g, 1 - beta1, tmp)  # m = β₁ m + (1-β₁) g
                    np.multiply(exp_inf, beta2, out=exp_inf)
                    np.abs(g, out=tmp)
                    np.add(tmp, eps, out=tmp)
                    np.maximum(exp_inf, tmp, out=exp_inf)  # u = max(β₂ u, |g| + ε)
                    np.multiply(exp_avg, -clr, out=tmp)
                    np.divide(tmp, exp_inf, out=tmp)
                    np.add(param, tmp, out=param)  # θ ← θ + (-η/(1-β₁ᵗ) m) / u
        return loss
