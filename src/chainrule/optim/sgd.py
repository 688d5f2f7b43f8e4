"""SGD: gradient descent, optionally with momentum and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .optimizer import Group, Optimizer, ParamsT, State, check_common, check_real


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum, as ``torch.optim.SGD``.

    Gradient descent, in the lecture's notation: :math:`θ ← θ - η ∇_θ J(θ)`. Batch GD, SGD and
    mini-batch GD are all this update; they differ only in how many samples the gradient is
    averaged over (the data loader's ``batch_size``: the whole set, one sample, or a mini-batch).

    The algorithm, with :math:`g_t = ∇_θ J(θ_{t-1})`, learning rate :math:`η`, momentum
    :math:`μ`, dampening :math:`τ` and weight decay :math:`λ`::

        g_t ← -g_t                          if maximize
        g_t ← g_t + λ θ_{t-1}               if λ ≠ 0          (L2 penalty λ/2 ‖θ‖²)
        if μ ≠ 0:
            b_t ← g_t                       if t = 1
            b_t ← μ b_{t-1} + (1 - τ) g_t   otherwise
            g_t ← g_t + μ b_t               if nesterov
            g_t ← b_t                       otherwise
        θ_t ← θ_{t-1} - η g_t

    **The lecture's momentum and PyTorch's agree.** The lecture writes momentum as a velocity
    that already contains the learning rate,

        v_t = γ v_{t-1} + η ∇_θ J(θ),    θ ← θ - v_t,

    while PyTorch (and this class) keeps the buffer free of it,

        b_t = μ b_{t-1} + g_t,            θ ← θ - η b_t.

    Put :math:`v_t = η b_t`: then :math:`v_t = η μ b_{t-1} + η g_t = μ v_{t-1} + η g_t`, the
    lecture's recursion with :math:`γ = μ`, and :math:`θ - v_t = θ - η b_t`: for a constant
    learning rate both produce the same iterates (the first step too: :math:`b_1 = g_1` is
    :math:`v_1 = η g_1 = γ·0 + η g_1`). They differ only when :math:`η` changes during training
    (a scheduler): the lecture's velocity keeps the old rates' steps, PyTorch's applies the new
    rate to the whole buffer at once.

    References: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
    USSR Comput. Math. and Math. Physics 4(5), 1964 (momentum); I. Sutskever, J. Martens,
    G. Dahl, G. Hinton, "On the importance of initialization and momentum in deep learning",
    ICML 2013 (Nesterov momentum, in the form used here).

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate η (default 1e-3).
        momentum: momentum factor μ (default 0: plain gradient descent).
        dampening: dampening τ of the momentum (default 0).
        weight_decay: L2 penalty λ (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximise the objective instead of minimising it.
        foreach, differentiable, fused: PyTorch's implementation choices (see :class:`Optimizer`).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _validate(self, group: Group) -> None:
        check_common("SGD", group, "momentum")
        check_real("SGD", "dampening", group["dampening"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _init_state(self, state: State, param: np.ndarray, group: Group) -> None:
        """No step count; the momentum buffer is made from the first gradient (b₁ = g₁)."""

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        momentum = group["momentum"]
        if momentum != 0:
            if state.get("momentum_buffer") is None:
                state["momentum_buffer"] = Tensor._make(np.array(grad, dtype=param.dtype))  # b₁ = g₁ (a copy)
                b = state["momentum_buffer"]._data
            else:
                b = state["momentum_buffer"]._data
                b *= momentum
                b += (1 - group["dampening"]) * grad  # b = μ b + (1 - τ) g
            grad = grad + momentum * b if group["nesterov"] else b  # g + μ b, or b
        param -= group["lr"] * grad  # θ ← θ - η g
