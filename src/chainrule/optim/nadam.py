"""NAdam: Adam with Nesterov momentum."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Group,
    Optimizer,
    ParamsT,
    State,
    _scalar_dtype,
    check_betas,
    check_common,
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
        betas: (β₁, β₂), decays of m and v; β₁ also scales μ_t (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0).
        momentum_decay: ψ, the warm-up rate of μ_t (default 4e-3).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of adding λθ to g.
        maximize: maximise the objective instead of minimising it.
        foreach, capturable, differentiable: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    _buffers = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _validate(self, group: Group) -> None:
        check_common("NAdam", group, "momentum_decay")
        check_betas("NAdam", group["betas"])

    def _init_state(self, state: State, param: np.ndarray, group: Group) -> None:
        super()._init_state(state, param, group)
        state["mu_product"] = 1.0  # ∏ μ_i

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        beta1, beta2 = group["betas"]
        lr, psi, t = group["lr"], group["momentum_decay"], state["step"]
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
        scalar = _scalar_dtype().type  # ∏ μ_i is a float32 number, as PyTorch's 0-d tensor
        state["mu_product"] = mu_product = float(scalar(state["mu_product"]) * scalar(mu))
        m, v = moments_(state, grad, group["betas"])  # m = β₁ m + (1-β₁) g,  v = β₂ v + (1-β₂) g²
        d = np.sqrt(v / (1 - beta2**t)) + group["eps"]
        param += -lr * (1.0 - mu) / (1.0 - mu_product) * grad / d  # the current gradient's share
        param += -lr * mu_next / (1.0 - mu_product * mu_next) * m / d  # the look-ahead momentum's
