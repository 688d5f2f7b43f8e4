"""Adam: momentum and RMSprop together, with bias correction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import jit
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_betas, check_common, moments_


def _adam_loop(param, grad, exp_avg, exp_avg_sq, scalars):
    """One Adam step over one parameter, element by element, in PyTorch's order of operations.

    The arrays are C-contiguous and of one dtype; ``scalars`` (same dtype, see
    :meth:`Adam._kernel_scalars`) holds ``1-β₁, β₂, 1-β₂, λ, decay, η/(1-β₁ᵗ), √(1-β₂ᵗ), ε, sign``:
    ``sign`` is -1 to maximise, else 1; ``decay`` is AdamW's ``1 - ηλ`` (else 1, and ``λ`` the L2
    term's). Compiled by numba (:mod:`chainrule.jit`): one pass over memory instead of a dozen
    ufunc calls. (AMSGrad's running maximum, a fifth array, stays with NumPy: it keeps the loop
    from being vectorised.)
    """
    lerp_weight, beta2, one_minus_beta2 = scalars[0], scalars[1], scalars[2]
    weight_decay, decay, step_size = scalars[3], scalars[4], scalars[5]
    bias_correction2_sqrt, eps, sign = scalars[6], scalars[7], scalars[8]
    n = param.size
    param, grad, exp_avg, exp_avg_sq = param.reshape(n), grad.reshape(n), exp_avg.reshape(n), exp_avg_sq.reshape(n)
    one = sign * sign  # 1 in the arrays' dtype
    for i in range(n):
        g = sign * grad[i]
        theta = param[i] * decay  # θ (1 - ηλ), AdamW
        if weight_decay != 0:
            g = g + weight_decay * theta  # g + λθ, Adam's L2 penalty
        m = exp_avg[i]
        if lerp_weight < 0.5:  # m = β₁ m + (1-β₁) g, as torch.lerp
            m = m + lerp_weight * (g - m)
        else:
            m = g - (g - m) * (one - lerp_weight)
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g  # v = β₂ v + (1-β₂) g²
        exp_avg[i] = m
        exp_avg_sq[i] = v
        param[i] = theta - step_size * m / (np.sqrt(v) / bias_correction2_sqrt + eps)


_adam_kernel = jit.kernel(_adam_loop)


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

    The last line is the paper's :math:`θ - η\, \hat m_t / (\sqrt{\hat v_t} + ε)` with
    :math:`\hat m_t = m_t / (1 - β₁ᵗ)`, :math:`\hat v_t = v_t / (1 - β₂ᵗ)`; the step computes it
    as :math:`θ - \frac{η \sqrt{1-β₂ᵗ}}{1-β₁ᵗ} · m_t / (\sqrt{v̂_t} + ε \sqrt{1-β₂ᵗ})`, the same
    number up to rounding with one pass over the arrays fewer. State: ``step`` (t), ``exp_avg``
    (m), ``exp_avg_sq`` (v) and ``max_exp_avg_sq`` (v̂).

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
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding λθ to g.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        check_common(name, group)
        check_betas(name, group["betas"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam step on every parameter that has a gradient."""
        loss = self._evaluate_closure(closure)
        for index, group in enumerate(self.param_groups):
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            amsgrad, decoupled = group["amsgrad"], group["decoupled_weight_decay"]
            maximize = group["maximize"]
            params = group["params"]  # (a parameter listed twice is updated twice, one at a time)
            compiled = None if amsgrad else _adam_kernel.compiled()
            # without the kernel, small parameters are packed into one flat update (see _packed_update)
            packable = (compiled is None and weight_decay == 0 and not amsgrad
                        and len(set(map(id, params))) == len(params))
            small: dict[tuple[np.dtype, float], list[tuple[Any, np.ndarray, dict[str, Any]]]] = {}
            scalars: dict[tuple[np.dtype, float], np.ndarray] = {}  # the kernel's, per dtype and step
            for p, grad in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["exp_avg"] = self._buffer(p.data)
                    state["exp_avg_sq"] = self._buffer(p.data)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = self._buffer(p.data)
                state["step"] = step = state["step"] + 1
                if compiled is not None:
                    param, exp_avg, exp_avg_sq = p.data, state["exp_avg"].data, state["exp_avg_sq"].data
                    if exp_avg.shape == exp_avg_sq.shape == param.shape and jit.fits(param, grad, exp_avg, exp_avg_sq):
                        key = (param.dtype, step)
                        if key not in scalars:
                            scalars[key] = self._kernel_scalars(group, step, param.dtype)
                        compiled(param, grad, exp_avg, exp_avg_sq, scalars[key])
                        continue
                if packable and grad.nbytes <= _PACK_BYTES and grad.dtype == p.data.dtype:
                    small.setdefault((grad.dtype, step), []).append((p, grad, state))
                    continue
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2**0.5

                arrays = [p.data, grad, state["exp_avg"].data, state["exp_avg_sq"].data]
                if amsgrad:
                    arrays.append(state["max_exp_avg_sq"].data)
                for param, grad_b, exp_avg, exp_avg_sq, *max_sq in self._blocks(*arrays):
                    g = self._decayed_gradient(param, grad_b, lr, weight_decay, decoupled, maximize)
                    tmp = self._scratch(1, param)  # the one temporary: fewer arrays, fewer cache misses

                    moments_(exp_avg, exp_avg_sq, g, beta1, beta2, tmp)  # m, v
                    if amsgrad:
                        np.maximum(max_sq[0], exp_avg_sq, out=max_sq[0])  # v̂ = max(v̂, v)
                        second = max_sq[0]
                    else:
                        second = exp_avg_sq
                    # PyTorch's  θ - η/(1-β₁ᵗ) · m / (√v̂/√(1-β₂ᵗ) + ε)  with √(1-β₂ᵗ) moved to
                    # the scalars: one full pass (a division) fewer, equal to rounding
                    np.sqrt(second, out=tmp)
                    np.add(tmp, eps * bias_correction2_sqrt, out=tmp)  # √v̂ + ε√(1-β₂ᵗ)
                    np.divide(exp_avg, tmp, out=tmp)
                    np.multiply(tmp, step_size * bias_correction2_sqrt, out=tmp)
                    np.subtract(param, tmp, out=param)
            for (_, step), members in small.items():
                self._packed_update(index, group, members, step)
        return loss

    @staticmethod
    def _kernel_scalars(group: dict[str, Any], step: float, dtype: np.dtype) -> np.ndarray:
        """The scalars of :func:`_adam_loop`, in the arrays' dtype (float32 arithmetic stays float32)."""
        lr, weight_decay, decoupled = group["lr"], group["weight_decay"], group["decoupled_weight_decay"]
        beta1, beta2 = group["betas"]
        return np.array([1 - beta1, beta2, 1 - beta2, 0 if decoupled else weight_decay,
                         1 - lr * weight_decay if decoupled else 1, lr / (1 - beta1**step),
                         (1 - beta2**step) ** 0.5, group["eps"], -1 if group["maximize"] else 1], dtype=dtype)

    def _packed_update(self, index: int, group: dict[str, Any], members: list[tuple[Any, np.ndarray, dict[str, Any]]],
                       step: float) -> None:
        """The same update for many small parameters at once, as one flat vector.

        A small tensor's update costs less in arithmetic than in the dozen NumPy calls that make it;
        so the moving averages ``m`` and ``v`` of the small parameters of a group live side by side
        in one flat buffer each (their state entries are views into it), the gradients are gathered
        into another, and the update runs once over all of them. Elementwise, the operations are
        those of the per-parameter update, in the same order: the results are identical.
        """
        lr, eps, maximize = group["lr"], group["eps"], group["maximize"]
        beta1, beta2 = group["betas"]
        pack = _Pack.reuse(self.__dict__.setdefault("_packs", {}), index, members)
        g = pack.grad
        np.concatenate([grad.reshape(-1) for _, grad, _ in members], out=g)
        if maximize:
            np.negative(g, out=g)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        step_size = lr / (1 - beta1**step)
        for exp_avg, exp_avg_sq, grad_b, update in self._blocks(pack.exp_avg, pack.exp_avg_sq, g, pack.update):
            tmp = self._scratch(1, grad_b)
            moments_(exp_avg, exp_avg_sq, grad_b, beta1, beta2, tmp)  # m, v
            np.sqrt(exp_avg_sq, out=tmp)
            np.add(tmp, eps * bias_correction2_sqrt, out=tmp)  # √v + ε√(1-β₂ᵗ)
            np.divide(exp_avg, tmp, out=update)
            np.multiply(update, step_size * bias_correction2_sqrt, out=update)
        for (p, _, _), update in zip(members, pack.updates):
            np.subtract(p.data, update, out=p.data)


# parameters up to this size (512 KiB) are updated together, in a flat pack (see _packed_update)
_PACK_BYTES = 1 << 19


class _Pack:
    """Flat buffers for the Adam state of a list of small parameters, and their per-parameter views."""

    def __init__(self, members: list[tuple[Any, np.ndarray, dict[str, Any]]]) -> None:
        params = [p for p, _, _ in members]
        dtype = members[0][1].dtype
        sizes = [p.data.size for p in params]
        total = sum(sizes)
        self.key = tuple(id(p) for p in params)
        self.shapes = [p.data.shape for p in params]
        self.grad = np.empty(total, dtype)
        self.update = np.empty(total, dtype)
        self.exp_avg = np.empty(total, dtype)
        self.exp_avg_sq = np.empty(total, dtype)
        self.updates, self.views = [], []
        at = 0
        for p, n, (_, _, state) in zip(params, sizes, members):
            shape = p.data.shape
            views = {}
            for name in ("exp_avg", "exp_avg_sq"):
                flat = getattr(self, name)[at:at + n].reshape(shape)
                flat[...] = state[name].data  # carry the state over (a first step, or a loaded one)
                state[name] = views[name] = Tensor._make(flat)
            self.views.append(views)
            self.updates.append(self.update[at:at + n].reshape(shape))
            at += n

    def valid(self, members: list[tuple[Any, np.ndarray, dict[str, Any]]]) -> bool:
        """Same parameters, and their state entries still the views into this pack."""
        if len(members) != len(self.key):
            return False
        for (p, _, state), key, shape, views in zip(members, self.key, self.shapes, self.views):
            if id(p) != key or p.data.shape != shape or state["exp_avg"] is not views["exp_avg"] or \
                    state["exp_avg_sq"] is not views["exp_avg_sq"]:
                return False
        return True

    @classmethod
    def reuse(cls, packs: dict[int, _Pack], group_key: int,
              members: list[tuple[Any, np.ndarray, dict[str, Any]]]) -> _Pack:
        """The pack of ``members``: the cached one while it still fits, else a new one."""
        key = (group_key, members[0][1].dtype)
        pack = packs.get(key)
        if pack is None or not pack.valid(members):
            pack = packs[key] = cls(members)
        return pack
