"""Adafactor: Adam's second moment in factored form, with a relative step size."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Group,
    Optimizer,
    ParamsT,
    State,
    StateDict,
    _as_array,
    check_nonnegative,
    check_real,
    lerp_,
)

_FACTORS = ("row_var", "col_var")


def _factor_shapes(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shapes of the row and column factors of a parameter of ``shape`` (at least 2-D): the last
    axis, resp. the second-to-last, reduced to 1."""
    return shape[:-1] + (1,), shape[:-2] + (1, shape[-1])


def _rms(x: np.ndarray) -> float:
    """Root mean square ``‖x‖₂ / √n`` as a Python float."""
    return float(np.sqrt(np.sum(x * x))) / x.size**0.5


class Adafactor(Optimizer):
    r"""Adafactor, as ``torch.optim.Adafactor``.

    Adafactor keeps, for a parameter of two or more dimensions (the last two are rows × columns),
    only the row means :math:`R` and column means :math:`C` of the squared gradient's moving
    average instead of the full :math:`n × m` average, and rebuilds the full one as their scaled
    outer product: memory :math:`n + m` instead of :math:`n m`. A vector (or a scalar) keeps the
    full average :math:`V`. The step is relative to the parameter's size (its root mean square),
    and each update is clipped to a root mean square of at most :math:`d`. With
    :math:`G_t = ∇_θ J(θ_{t-1})`, learning rate :math:`γ` (the maximum relative step), decay rate
    :math:`τ` (``beta2_decay``), weight decay :math:`λ` and :math:`ε_1, ε_2` (``eps``)::

        G_t ← -G_t                                      if maximize
        β̂₂_t = 1 - t^τ                                  (so 1 - β̂₂_t = t^τ, 1 on the first step)
        ρ_t = min(γ, 1/√t)
        α_t = max(ε₂, RMS(θ_{t-1})) ρ_t
        θ_{t-1} ← θ_{t-1} (1 - γ λ)                     if λ ≠ 0 (decoupled)
        R_t = β̂₂_t R_{t-1} + (1 - β̂₂_t) mean_cols(G_t²)   [..., n, 1]   if dim ≥ 2
        C_t = β̂₂_t C_{t-1} + (1 - β̂₂_t) mean_rows(G_t²)   [..., 1, m]
        V̂_t = R_t C_t / max(mean(R_t), ε₁)                 [..., n, m]  (outer product)
        V̂_t = β̂₂_t V̂_{t-1} + (1 - β̂₂_t) G_t²              if dim ≤ 1
        U_t = G_t / √max(V̂_t, ε₁²)
        θ_t = θ_{t-1} - α_t U_t / max(1, RMS(U_t) / d)

    ``ε₁`` defaults to the machine epsilon of the (first) parameter's dtype. The moving averages
    are updated as ``torch.lerp`` rounds them. State: ``step`` (t) and ``row_var``, ``col_var``
    (R, C) for a parameter of two or more dimensions, ``variance`` (V̂) for one of fewer.

    Reference: N. Shazeer, M. Stern, "Adafactor: Adaptive Learning Rates with Sublinear Memory
    Cost", ICML 2018, arXiv:1804.04235 (PyTorch's variant: ``lr`` caps ρ_t and scales the decoupled
    weight decay, and ε₁ guards the denominators).

    Args:
        params: parameters or parameter groups to optimise.
        lr: γ, the largest relative step size, and the factor of the weight decay (default 1e-2).
        beta2_decay: τ ≤ 0, the exponent of the second moment's decay (default -0.8).
        eps: (ε₁, ε₂): ε₁ guards the denominators (None: the dtype's machine epsilon), ε₂ is the
            smallest scale of a parameter (default (None, 1e-3)).
        d: the clipping threshold d ≥ 1 of an update's root mean square (default 1).
        weight_decay: decoupled weight decay λ (default 0).
        foreach: PyTorch's implementation choice (see :class:`Optimizer`).
        maximize: maximise the objective instead of minimising it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    def _validate(self, group: Group) -> None:
        name = type(self).__name__
        check_nonnegative(name, "lr", group["lr"], "learning rate")
        beta2_decay = group["beta2_decay"]
        check_real(name, "beta2_decay", beta2_decay)
        if not beta2_decay <= 0.0:
            raise ValueError(f"{name}: invalid beta2_decay={beta2_decay!r}; it must be <= 0")
        eps = group["eps"]
        if not isinstance(eps, (tuple, list)) or len(eps) != 2:
            raise ValueError(f"{name}: eps must be a pair (eps1, eps2), got {eps!r}")
        if eps[0] is not None:
            check_nonnegative(name, "eps[0]", eps[0], "epsilon1")
        check_nonnegative(name, "eps[1]", eps[1], "epsilon2")
        d = group["d"]
        check_real(name, "d", d)
        if not d >= 1.0:
            raise ValueError(f"{name}: invalid clipping threshold d={d!r}; it must be >= 1")
        check_nonnegative(name, "weight_decay", group["weight_decay"])

    def _init_state(self, state: State, param: np.ndarray, group: Group) -> None:
        state["step"] = 0.0
        if param.ndim > 1:
            row_shape, col_shape = _factor_shapes(param.shape)
            state["row_var"] = Tensor._make(np.zeros(row_shape, dtype=param.dtype))
            state["col_var"] = Tensor._make(np.zeros(col_shape, dtype=param.dtype))
        else:
            state["variance"] = self._buffer(param)

    def _step_group(self, group: Group) -> None:
        eps1, eps2 = group["eps"]
        for p, grad in self._params_with_grad(group):
            if eps1 is None:  # as PyTorch: the first parameter's dtype sets it for the group
                eps1 = float(np.finfo(p._data.dtype).eps)
            state = self._state_for_step(p, group)
            if group["maximize"]:
                grad = -grad
            self._adafactor(p._data, grad, state, group, eps1, eps2)

    @staticmethod
    def _adafactor(param: np.ndarray, grad: np.ndarray, state: State, group: Group, eps1: float,
                   eps2: float) -> None:
        """One parameter's update, in place (the class docstring has the maths)."""
        lr, weight_decay = group["lr"], group["weight_decay"]
        t = state["step"]
        one_minus_beta2 = t ** group["beta2_decay"]  # 1 - β̂₂_t = t^τ
        rho = min(lr, 1 / t**0.5)  # ρ_t = min(γ, 1/√t)
        alpha = max(eps2, _rms(param)) * rho  # α_t = max(ε₂, RMS(θ)) ρ_t
        if weight_decay != 0:
            param *= 1 - lr * weight_decay  # θ ← θ (1 - γλ)
        if grad.ndim > 1:
            row_var, col_var = state["row_var"]._data, state["col_var"]._data
            # the mean squares of the rows and of the columns, as ‖·‖₂² / size (PyTorch's rounding)
            row_mean = np.sqrt(np.sum(grad * grad, axis=-1, keepdims=True)) ** 2 / grad.shape[-1]
            col_mean = np.sqrt(np.sum(grad * grad, axis=-2, keepdims=True)) ** 2 / grad.shape[-2]
            lerp_(row_var, row_mean, one_minus_beta2)  # R [..., n, 1]
            lerp_(col_var, col_mean, one_minus_beta2)  # C [..., 1, m]
            # V̂ = R C / max(mean(R), ε₁): the outer product [..., n, m], scaled
            var_estimate = row_var * col_var
            var_estimate /= np.maximum(np.mean(row_var, axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]._data
            lerp_(variance, grad * grad, one_minus_beta2)  # V̂ = β̂₂ V̂ + (1-β̂₂) G²
            var_estimate = variance.copy()
        # with ε₁ = 0 a zero V̂ gives 1/0 and 0·∞ (NaN), as in PyTorch, without NumPy's warnings
        with np.errstate(divide="ignore", invalid="ignore"):
            update = 1 / np.sqrt(np.maximum(var_estimate, eps1 * eps1))  # 1/√max(V̂, ε₁²)
            update *= grad  # U = G / √V̂
        denom = max(1.0, _rms(update) / group["d"])  # max(1, RMS(U) / d)
        param -= (alpha / denom) * update

    # ------------------------------------------------------------------ state_dict
    def load_state_dict(self, state_dict: StateDict) -> None:
        """As :meth:`Optimizer.load_state_dict`; the factors ``row_var`` and ``col_var`` are
        checked against the shapes the parameter's factors have ([..., n, 1] and [..., 1, m])."""
        name = type(self).__name__
        if not (isinstance(state_dict, dict) and isinstance(state_dict.get("state"), dict)
                and isinstance(state_dict.get("param_groups"), (list, tuple))):
            super().load_state_dict(state_dict)  # the base names what is wrong
            return
        factors: dict[Any, dict[str, Any]] = {}
        trimmed: dict[Any, dict[str, Any]] = {}
        for key, values in state_dict["state"].items():
            values = dict(values)
            factors[key] = {k: values.pop(k) for k in _FACTORS if k in values}
            trimmed[key] = values
        old_state, old_groups = self.state, self.param_groups
        super().load_state_dict({**state_dict, "state": trimmed})
        id_map = {
            key: p
            for saved, group in zip(state_dict["param_groups"], self.param_groups, strict=True)
            for key, p in zip(saved["params"], group["params"], strict=True)
        }
        try:
            for key, entries in factors.items():
                p = id_map[key]
                for k, value in entries.items():
                    arr = _as_array(value)
                    if p._data.ndim < 2:
                        raise ValueError(
                            f"{name}.load_state_dict: state {k!r} of parameter {key!r} is a factor "
                            f"of a matrix, but the parameter has shape {tuple(p._data.shape)}"
                        )
                    expected = _factor_shapes(p._data.shape)[_FACTORS.index(k)]
                    if arr.shape != expected:
                        raise ValueError(
                            f"{name}.load_state_dict: state {k!r} of parameter {key!r} has shape "
                            f"{tuple(arr.shape)}, but a parameter of shape {tuple(p._data.shape)} "
                            f"has a {k} of shape {expected}"
                        )
                    self.state[p][k] = Tensor._make(np.array(arr, dtype=p._data.dtype, copy=True))
        except ValueError:
            self.state, self.param_groups = old_state, old_groups
            raise
