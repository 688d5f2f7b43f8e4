"""NAdam: Adam with Nesterov momentum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .optimizer import (
    Optimizer,
    ParamsT,
    _scalar_dtype,
    check_betas,
    check_common,
    check_nonnegative,
    moments_,
)


class NAdam(Optimizer):
    r"""NAdam, as ``torch.optim.NAdam``.

    Nesterov momentum looks ahead: it applies the *next* momentum step together with the current
    gradient. NAdam brings this into Adam, with a momentum coefficient :math:`μ_t` warmed up by
    ``momentum_decay`` ψ. With :math:`g_t = ∇_θ J(θ_{t-1})`::

        g_t ← -g_t                                      if maximize
        θ_{t-1} ← θ_{t-1} (1 - η λ)                     if λ ≠ 0 and decoupled_weight_decay
        g_t ← g_t + λ θ_{t-1}                           if λ ≠ 0 otherwise
        μ_t = β₁ (1 - ½ · 0.96^(t ψ)),   μ_{t+1} = β₁ (1 - ½ · 0.96^((t+1) ψ))
        m_t = β₁ m_{t-1} + (1 - β₁) g_t
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        d_t = √(v_t / (1 - β₂ᵗ)) + ε
        θ_t = θ_{t-1} - η (1 - μ_t) / (1 - ∏_{i≤t} μ_i) · g_t / d_t
                      - η μ_{t+1} / (1 - ∏_{i≤t+1} μ_i) · m_t / d_t

    State: ``step`` (t), ``mu_product`` (∏ μ_i), ``exp_avg`` (m), ``exp_avg_sq`` (v). As in
    PyTorch, ``mu_product`` is kept in float32 (float64 when that is the default dtype).

    Reference: T. Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop.

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 2e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0).
        momentum_decay: ψ, the warm-up rate of μ_t (default 4e-3).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of adding λθ to g.
        maximize: maximise the objective instead of minimising it.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        check_common("NAdam", group)
        check_betas("NAdam", group["betas"])
        check_nonnegative("NAdam", "momentum_decay", group["momentum_decay"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One NAdam step on every parameter that has a gradient."""
        loss = self._evaluate_closure(closure)
        scalar = _scalar_dtype().type
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            momentum_decay = group["momentum_decay"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            for p, grad in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = self._buffer(p.data)
                    state["exp_avg_sq"] = self._buffer(p.data)
                state["step"] = step = state["step"] + 1
                bias_correction2 = 1 - beta2**step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product = float(scalar(state["mu_product"]) * scalar(mu))
                state["mu_product"] = mu_product
                mu_product_next = mu_product * mu_next
                grad_scale = -lr * (1.0 - mu) / (1.0 - mu_product)
                momentum_scale = (-lr * mu_next) / (1.0 - mu_product_next)

                arrays = (p.data, grad, state["exp_avg"].data, state["exp_avg_sq"].data)
                for param, grad_b, exp_avg, exp_avg_sq in self._blocks(*arrays):
                    g = self._decayed_gradient(param, grad_b, lr, weight_decay, decoupled, maximize)
                    tmp = self._scratch(1, param)
                    denom = self._scratch(2, param)
                    moments_(exp_avg, exp_avg_sq, g, beta1, beta2, tmp)  # m, v
                    np.divide(exp_avg_sq, bias_correction2, out=denom)
                    np.sqrt(denom, out=denom)
                    np.add(denom, eps, out=denom)  # d = √(v / (1-β₂ᵗ)) + ε
                    np.multiply(g, grad_scale, out=tmp)
                    np.divide(tmp, denom, out=tmp)
                    np.add(param, tmp, out=param)  # the current gradient's share
                    np.multiply(exp_avg, momentum_scale, out=tmp)
                    np.divide(tmp, denom, out=tmp)
                    np.add(param, tmp, out=param)  # the look-ahead momentum's share
        return loss
