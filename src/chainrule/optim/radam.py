"""RAdam: Adam with a rectified (variance-corrected) adaptive learning rate."""

from __future__ import annotations

import numpy as np

from .optimizer import Group, Optimizer, ParamsT, State, check_betas, check_common, moments_


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
        betas: (β₁, β₂), decays of m and v; β₂ also sets ρ_∞ (default (0.9, 0.999)).
        eps: ε added to √v in the adaptive steps (default 1e-8).
        weight_decay: weight decay λ (default 0).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of adding λθ to g.
        maximize: maximise the objective instead of minimising it.
        foreach, capturable, differentiable: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    _buffers = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _validate(self, group: Group) -> None:
        check_common("RAdam", group)
        check_betas("RAdam", group["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        beta1, beta2 = group["betas"]
        t = state["step"]
        m, v = moments_(state, grad, group["betas"])  # m = β₁ m + (1-β₁) g,  v = β₂ v + (1-β₂) g²
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho > 5.0:  # the variance is tractable: an adaptive step, rectified
            r = ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
            adaptive = (1 - beta2**t) ** 0.5 / (np.sqrt(v) + group["eps"])
            param -= m_hat * group["lr"] * adaptive * r
        else:  # plain momentum
            param -= m_hat * group["lr"]
