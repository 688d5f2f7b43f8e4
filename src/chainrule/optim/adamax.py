"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

import numpy as np

from .optimizer import Group, Optimizer, ParamsT, State, check_betas, check_common, lerp_


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
        foreach, differentiable, capturable: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    _buffers = ("exp_avg", "exp_inf")

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _validate(self, group: Group) -> None:
        check_common("Adamax", group)
        check_betas("Adamax", group["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        beta1, beta2 = group["betas"]
        m, u = state["exp_avg"]._data, state["exp_inf"]._data
        lerp_(m, grad, 1 - beta1)  # m = β₁ m + (1-β₁) g
        u *= beta2
        np.maximum(u, np.abs(grad) + group["eps"], out=u)  # u = max(β₂ u, |g| + ε)
        param += -group["lr"] / (1 - beta1 ** state["step"]) * m / u
