"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from typing import Any

from .adam import Adam
from .optimizer import ParamsT


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam whose weight decay shrinks the weights directly.

    With Adam's L2 penalty the decay term :math:`λθ` enters :math:`g`, and is then divided by
    :math:`\sqrt{\hat v}` like the rest of the gradient: weights with large gradients are barely
    decayed. AdamW takes the decay out of the adaptive step::

        θ_{t-1} ← θ_{t-1} (1 - η λ)
        m_t = β₁ m_{t-1} + (1 - β₁) g_t
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        v̂_t = max(v̂_{t-1}, v_t)                    if amsgrad, else v̂_t = v_t
        θ_t = θ_{t-1} - η / (1 - β₁ᵗ) · m_t / (√v̂_t / √(1 - β₂ᵗ) + ε)

    It is :class:`Adam` with ``decoupled_weight_decay=True`` and a default ``weight_decay`` of
    1e-2.

    Reference: I. Loshchilov, F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
    arXiv:1711.05101.

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 1e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: decoupled weight decay λ (default 1e-2).
        amsgrad: use the running maximum of v (AMSGrad).
        maximize: maximise the objective instead of minimising it.
        foreach, capturable, differentiable, fused: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        group["decoupled_weight_decay"] = True  # AdamW always decouples, whatever a group says
