"""Adam: momentum and RMSprop together, with bias correction."""

from __future__ import annotations

import numpy as np

from .optimizer import Group, Optimizer, ParamsT, State, check_betas, check_common, lerp_


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``.

    Adam keeps two exponential moving averages per coordinate: of the gradient (momentum's
    velocity, :math:`m`) and of its square (RMSprop's :math:`v`), and corrects both for their
    start at zero. With :math:`g_t = ∇_θ J(θ_{t-1})`, learning rate :math:`η` and weight decay
    :math:`λ`::

        g_t ← -g_t                                  if maximize
        θ_{t-1} ← θ_{t-1} (1 - η λ)                 if λ ≠ 0 and decoupled_weight_decay (AdamW)
        g_t ← g_t + λ θ_{t-1}                       if λ ≠ 0 otherwise (L2 penalty)
        m_t = β₁ m_{t-1} + (1 - β₁) g_t
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        v̂_t = max(v̂_{t-1}, v_t)                    if amsgrad, else v̂_t = v_t
        θ_t = θ_{t-1} - η / (1 - β₁ᵗ) · m_t / (√v̂_t / √(1 - β₂ᵗ) + ε)

    The last line is the paper's :math:`θ - η\, \hat m_t / (\sqrt{\hat v_t} + ε)` with the
    bias-corrected :math:`\hat m_t = m_t / (1 - β₁ᵗ)` and :math:`\hat v_t = v_t / (1 - β₂ᵗ)`,
    written as PyTorch computes it. State: ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and,
    with AMSGrad, ``max_exp_avg_sq`` (v̂).

    References: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
    arXiv:1412.6980; S. J. Reddi, S. Kale, S. Kumar, "On the Convergence of Adam and Beyond",
    ICLR 2018 (AMSGrad); I. Loshchilov, F. Hutter, "Decoupled Weight Decay Regularization",
    ICLR 2019 (decoupled weight decay).

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 1e-3).
        betas: (β₁, β₂), decays of the two moving averages (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0).
        amsgrad: use the running maximum of v (AMSGrad).
        maximize: maximise the objective instead of minimising it.
        foreach, capturable, differentiable, fused: PyTorch's implementation choices (see :class:`Optimizer`).
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding λθ to g.
    """

    _buffers = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _validate(self, group: Group) -> None:
        check_common(type(self).__name__, group)
        check_betas(type(self).__name__, group["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        beta1, beta2 = group["betas"]
        t = state["step"]
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        lerp_(m, grad, 1 - beta1)  # m = β₁ m + (1-β₁) g
        v *= beta2
        v += (1 - beta2) * grad * grad  # v = β₂ v + (1-β₂) g²
        if group["amsgrad"]:  # v̂ = max(v̂, v)
            v_max = self._buffer_of(state, "max_exp_avg_sq", param)
            v = np.maximum(v_max, v, out=v_max)
        denom = np.sqrt(v) / (1 - beta2**t) ** 0.5 + group["eps"]  # √v̂ / √(1-β₂ᵗ) + ε
        param -= group["lr"] / (1 - beta1**t) * m / denom  # θ = θ - η/(1-β₁ᵗ) · m / denom
