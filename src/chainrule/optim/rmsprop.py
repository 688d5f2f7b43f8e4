"""RMSprop: divide each step by a running RMS of the gradient."""

from __future__ import annotations

import numpy as np

from .optimizer import Group, Optimizer, ParamsT, State, check_common, lerp_


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    Like Adadelta, it keeps an exponential moving average of squared gradients instead of
    Adagrad's ever-growing sum, and divides the step by its root. With
    :math:`g_t = ∇_θ J(θ_{t-1})`, smoothing :math:`α`, momentum :math:`μ`, weight decay :math:`λ`::

        g_t ← -g_t                                      if maximize
        g_t ← g_t + λ θ_{t-1}                           if λ ≠ 0
        v_t = α v_{t-1} + (1 - α) g_t²
        if centered:                                     (divide by an estimate of the variance)
            ḡ_t = α ḡ_{t-1} + (1 - α) g_t
            s_t = √(v_t - ḡ_t²) + ε
        else:
            s_t = √v_t + ε
        if μ > 0:
            b_t = μ b_{t-1} + g_t / s_t
            θ_t = θ_{t-1} - η b_t
        else:
            θ_t = θ_{t-1} - η g_t / s_t

    State: ``square_avg`` (v), and ``momentum_buffer`` (b) and ``grad_avg`` (ḡ) when used.

    References: G. Hinton, N. Srivastava, K. Swersky, "Neural Networks for Machine Learning",
    lecture 6e, 2012 (RMSprop); A. Graves, "Generating Sequences With Recurrent Neural
    Networks", arXiv:1308.0850, 2013 (the centered form).

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 1e-2).
        alpha: smoothing constant α (default 0.99).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: L2 penalty λ (default 0).
        momentum: momentum factor μ (default 0).
        centered: normalise by the estimated variance of the gradient instead of its second moment.
        maximize: maximise the objective instead of minimising it.
        capturable, foreach, differentiable: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    _buffers = ("square_avg",)

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _validate(self, group: Group) -> None:
        check_common("RMSprop", group, "momentum", "alpha")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        alpha, lr, momentum = group["alpha"], group["lr"], group["momentum"]
        v = state["square_avg"]._data
        v *= alpha
        v += (1 - alpha) * grad * grad  # v = α v + (1-α) g²
        if group["centered"]:
            g_avg = self._buffer_of(state, "grad_avg", param)
            lerp_(g_avg, grad, 1 - alpha)  # ḡ = α ḡ + (1-α) g
            s = np.sqrt(v - g_avg * g_avg)
        else:
            s = np.sqrt(v)
        s += group["eps"]
        if momentum > 0:
            b = self._buffer_of(state, "momentum_buffer", param)
            b *= momentum
            b += grad / s  # b = μ b + g / s
            param -= lr * b
        else:
            param += -lr * grad / s
