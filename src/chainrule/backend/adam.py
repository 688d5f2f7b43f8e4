"""Adam fused: one pass over memory per parameter, or one update for all the small ones.

The reference :class:`~chainrule.optim.Adam` updates a parameter with about a dozen NumPy
expressions, a pass over memory and a call each. This fast path replaces Adam's step over a
parameter group (AdamW's too, a subclass):

* with numba, each parameter is updated by :func:`_adam_loop`, one compiled loop that reads and
  writes each array once (the sign, both weight decays, m, v and θ in registers). BENCHMARKS.md
  (f): an Adam step over 1,000,640 float32 parameters takes 0.62 ms, torch.optim.Adam's 3.1 ms;
* without numba, the small parameters of a group (up to 512 KiB each) are laid side by side in
  flat vectors (:class:`_Pack`) and the reference update runs once over all of them: the same
  arithmetic, in a dozen calls per group instead of a dozen per parameter.

What it does not handle, its twin (the reference) does: a group with AMSGrad (the running maximum
is a fifth array) or a subclass with its own ``_update``; per parameter, arrays the kernel does not
fit (not C-contiguous, 0-d, not float32/float64, dtypes that differ); without numba, a group with
weight decay or with a parameter listed twice, and a parameter too large to pack. The kernel equals
the twin up to float rounding (and its subnormal m and v, stored as 0: see :func:`_adam_loop`);
the pack equals it exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..optim.adam import Adam
from ..optim.optimizer import Group, State
from ..tensor import Tensor
from . import jit
from .registry import override, reference

_twin_step_group = reference(Adam, "_step_group")
_reference_update = reference(Adam, "_update")

# without numba, parameters up to this size (512 KiB) are updated together, as one flat vector
_PACK_BYTES = 1 << 19


def _adam_loop(param, grad, exp_avg, exp_avg_sq, scalars):
    """One Adam step over one parameter, element by element, in PyTorch's order of operations.

    The arrays are C-contiguous and of one dtype; ``scalars`` (same dtype, see :func:`_scalars`)
    holds ``1-β₁, β₂, 1-β₂, λ, decay, η/(1-β₁ᵗ), √(1-β₂ᵗ), ε, sign, tiny``: ``sign`` is -1 to
    maximise, else 1; ``decay`` is AdamW's ``1 - ηλ`` (else 1, and ``λ`` the L2 term's); ``tiny``
    the dtype's smallest normal number.

    An m or v below ``tiny`` in magnitude (subnormal) is stored as 0. A unit that stopped
    learning (a dead ReLU's weights get g = 0) has its m decay by β₁ each step until it sticks at
    the smallest subnormal (0.9 of it rounds back to it), and x86 CPUs take tens of times longer on
    subnormal operands: on the MNIST-1D recipe, two thirds of m end up there and the step takes
    twice as long. θ's update from such an m is below θ's rounding, so θ is as the twin's.
    """
    lerp_weight, beta2, one_minus_beta2 = scalars[0], scalars[1], scalars[2]
    weight_decay, decay, step_size = scalars[3], scalars[4], scalars[5]
    bias_correction2_sqrt, eps, sign, tiny = scalars[6], scalars[7], scalars[8], scalars[9]
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
        exp_avg[i] = m if abs(m) >= tiny else m * 0  # subnormal: 0 (keeping the sign)
        exp_avg_sq[i] = v if v >= tiny else v * 0
        param[i] = theta - step_size * m / (np.sqrt(v) / bias_correction2_sqrt + eps)


_adam_kernel = jit.kernel(_adam_loop)


def _scalars(group: Group, step: float, dtype: np.dtype) -> np.ndarray:
    """The scalars of :func:`_adam_loop`, in the arrays' dtype (float32 arithmetic stays float32)."""
    lr, weight_decay, decoupled = group["lr"], group["weight_decay"], group["decoupled_weight_decay"]
    beta1, beta2 = group["betas"]
    return np.array([1 - beta1, beta2, 1 - beta2, 0 if decoupled else weight_decay,
                     1 - lr * weight_decay if decoupled else 1, lr / (1 - beta1**step),
                     (1 - beta2**step) ** 0.5, group["eps"], -1 if group["maximize"] else 1,
                     np.finfo(dtype).tiny], dtype=dtype)


@override(Adam, "_step_group")
def _step_group(self: Adam, group: Group) -> None:
    """Adam's step over one parameter group, fused (see the module's docstring)."""
    if group["amsgrad"] or type(self)._update is not _reference_update:
        _twin_step_group(self, group)
        return
    compiled = _adam_kernel.compiled()
    if compiled is None:
        _step_group_packed(self, group)
        return
    scalars: dict[tuple[np.dtype, float], np.ndarray] = {}  # per dtype and step count
    for p, grad in self._params_with_grad(group):
        state = self._state_for_step(p, group)
        param, m, v = p._data, state["exp_avg"]._data, state["exp_avg_sq"]._data
        if m.shape == v.shape == param.shape and jit.fits(param, grad, m, v):
            key = (param.dtype, state["step"])
            if key not in scalars:
                scalars[key] = _scalars(group, state["step"], param.dtype)
            compiled(param, grad, m, v, scalars[key])
        else:  # the twin's update, for this parameter alone
            self._update(param, self._effective_gradient(param, grad, group), state, group)


def _step_group_packed(self: Adam, group: Group) -> None:
    """Without numba: the small parameters of the group updated together, per dtype and step count."""
    params = group["params"]
    if group["weight_decay"] != 0 or len(set(map(id, params))) != len(params):
        _twin_step_group(self, group)
        return
    small: dict[tuple[np.dtype, float], list[tuple[Tensor, np.ndarray, State]]] = {}
    for p, grad in self._params_with_grad(group):
        state = self._state_for_step(p, group)
        if grad.nbytes <= _PACK_BYTES and grad.dtype == p._data.dtype:
            small.setdefault((grad.dtype, state["step"]), []).append((p, grad, state))
        else:
            self._update(p._data, self._effective_gradient(p._data, grad, group), state, group)
    index = next(i for i, g in enumerate(self.param_groups) if g is group)
    packs = self.__dict__.setdefault("_adam_packs", {})
    for k, ((_, step), members) in enumerate(small.items()):  # (params behind the others: a pack of their own)
        pack = _Pack.reuse(packs, (index, k), members)
        np.concatenate([grad.reshape(-1) for _, grad, _ in members], out=pack.grad)
        # the reference update, once over the flat vectors: θ starts at 0, so it ends at -Δθ
        pack.update.fill(0)
        state = {"step": step, "exp_avg": pack.exp_avg, "exp_avg_sq": pack.exp_avg_sq}
        self._update(pack.update, self._effective_gradient(pack.update, pack.grad, group), state, group)
        for (p, _, _), update in zip(members, pack.updates, strict=True):
            p._data += update  # θ - Δθ, as the reference's θ -= Δθ


class _Pack:
    """Flat buffers for the Adam state of a list of small parameters, and their per-parameter views.

    The parameters' state entries ``exp_avg`` and ``exp_avg_sq`` become views into the flat
    buffers (their values carried over), so the flat update is their update.
    """

    def __init__(self, members: list[tuple[Tensor, np.ndarray, State]]) -> None:
        params = [p for p, _, _ in members]
        dtype = members[0][1].dtype
        sizes = [p._data.size for p in params]
        total = sum(sizes)
        self.key = tuple(id(p) for p in params)
        self.shapes = [p._data.shape for p in params]
        self.grad = np.empty(total, dtype)
        self.update = np.empty(total, dtype)
        self.exp_avg = Tensor._make(np.empty(total, dtype))
        self.exp_avg_sq = Tensor._make(np.empty(total, dtype))
        self.updates: list[np.ndarray] = []
        self.views: list[dict[str, Tensor]] = []
        at = 0
        for p, n, (_, _, state) in zip(params, sizes, members, strict=True):
            shape = p._data.shape
            views = {}
            for name in ("exp_avg", "exp_avg_sq"):
                flat = getattr(self, name)._data[at:at + n].reshape(shape)
                flat[...] = state[name]._data  # carry the state over (a first step, or a loaded one)
                state[name] = views[name] = Tensor._make(flat)
            self.views.append(views)
            self.updates.append(self.update[at:at + n].reshape(shape))
            at += n

    def valid(self, members: list[tuple[Tensor, np.ndarray, State]]) -> bool:
        """Same parameters, and their state entries still the views into this pack."""
        if len(members) != len(self.key):
            return False
        for (p, _, state), key, shape, views in zip(members, self.key, self.shapes, self.views, strict=True):
            if id(p) != key or p._data.shape != shape or state["exp_avg"] is not views["exp_avg"] or \
                    state["exp_avg_sq"] is not views["exp_avg_sq"]:
                return False
        return True

    @classmethod
    def reuse(cls, packs: dict[Any, _Pack], key: Any, members: list[tuple[Tensor, np.ndarray, State]]) -> _Pack:
        """The pack of ``members`` cached under ``key``: the same one while it still fits, else a new one."""
        pack = packs.get(key)
        if pack is None or not pack.valid(members):
            pack = packs[key] = cls(members)
        return pack
