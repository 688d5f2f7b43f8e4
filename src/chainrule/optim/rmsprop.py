"""RMSprop: divide each step by a running RMS of the gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, check_common, check_nonnegative, lerp_


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
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        check_common("RMSprop", group)
        check_nonnegative("RMSprop", "momentum", group["momentum"])
        check_nonnegative("RMSprop", "alpha", group["alpha"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop step on every parameter that has a gradient."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            momentum, centered = group["momentum"], group["centered"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["square_avg"] = self._buffer(p.data)
                # (created on demand: a scheduler may switch momentum on after the first step)
                if momentum > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = self._buffer(p.data)
                if centered and "grad_avg" not in state:
                    state["grad_avg"] = self._buffer(p.data)
                state["step"] += 1
                arrays = [p.data, grad, state["square_avg"].data]
                if centered:
                    arrays.append(state["grad_avg"].data)
                if momentum > 0:
                    arrays.append(state["momentum_buffer"].data)
                for param, grad_b, square_avg, *extra in self._blocks(*arrays):
                    g = self._gradient(param, grad_b, weight_decay, maximize)
                    avg = self._scratch(1, param)
                    tmp = self._scratch(2, param)
                    np.multiply(square_avg, alpha, out=square_avg)
                    np.multiply(g, 1 - alpha, out=tmp)
                    np.multiply(tmp, g, out=tmp)
                    np.add(square_avg, tmp, out=square_avg)  # v = α v + (1-α) g²
                    if centered:
                        grad_avg = extra[0]
                        lerp_(grad_avg, g, 1 - alpha, tmp)  # ḡ = α ḡ + (1-α) g
                        np.multiply(grad_avg, grad_avg, out=avg)
                        np.subtract(square_avg, avg, out=avg)
                        np.sqrt(avg, out=avg)  # √(v - ḡ²)
                    else:
                        np.sqrt(square_avg, out=avg)
                    np.add(avg, eps, out=avg)
                    if momentum > 0:
                        buf = extra[-1]
                        np.multiply(buf, momentum, out=buf)
                        np.divide(g, avg, out=tmp)
                        np.add(buf, tmp, out=buf)  # b = μ b + g / s
                        np.multiply(buf, lr, out=tmp)
                        np.subtract(param, tmp, out=param)  # θ ← θ - η b
                    else:
                        np.multiply(g, -lr, out=tmp)
                        np.divide(tmp, avg, out=tmp)
                        np.add(param, tmp, out=param)  # θ ← θ + (-η g) / s
        return loss
