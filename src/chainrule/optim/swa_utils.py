"""Weight averaging along a run, as ``torch.optim.swa_utils``.

Stochastic weight averaging (SWA) keeps the equal average of the weights visited late in training,
``θ̄_n = (θ_1 + ... + θ_n) / n``, updated one model at a time as ``θ̄ ← θ̄ + (θ - θ̄) / (n + 1)``;
an exponential moving average (EMA) keeps ``θ̄ ← β θ̄ + (1 - β) θ`` instead. Both often generalise
better than the last iterate. The pieces, used as in PyTorch::

    swa_model = AveragedModel(model)                      # a copy that holds the average
    swa_scheduler = SWALR(optimizer, swa_lr=0.05)         # anneal the rate to a constant
    for epoch in range(epochs):
        train_one_epoch(model, optimizer)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
    update_bn(loader, swa_model)                          # BatchNorm statistics of the average

References: P. Izmailov, D. Podoprikhin, T. Garipov, D. Vetrov, A. G. Wilson, "Averaging Weights
Leads to Wider Optima and Better Generalization", UAI 2018, arXiv:1803.05407; B. T. Polyak,
A. B. Juditsky, "Acceleration of Stochastic Approximation by Averaging", SIAM J. Control Optim.
30(4), 1992.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _grad_mode
from ..nn.module import Module
from ..nn.normalization import _BatchNorm, _InstanceNorm
from ..tensor import Tensor
from .lr_scheduler import LRScheduler, _check_optimizer, _per_group
from .optimizer import Optimizer, lerp_

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]

AvgFn = Callable[[Tensor, Tensor, Any], Tensor]
MultiAvgFn = Callable[[Sequence[Tensor], Sequence[Tensor], Any], None]


def _is_float(array: np.ndarray) -> bool:
    return array.dtype.kind in "fc"


def _float_default() -> np.dtype:
    """The dtype PyTorch gives integer arithmetic that leaves the integers (true division, a
    product with a float): the default floating dtype."""
    return np.dtype(_dt.get_default_dtype())


def _count(num_averaged: Any) -> int:
    """The number of models averaged so far, from an int or a 0-d integer tensor."""
    if isinstance(num_averaged, Tensor):
        return int(num_averaged._data)
    return int(num_averaged)


def _check_decay(decay: float) -> None:
    if isinstance(decay, bool) or not isinstance(decay, numbers.Real):
        raise TypeError(f"EMA: decay must be a real number, got {decay!r} ({type(decay).__name__})")
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The exponential moving average of lists of tensors, in place:
    ``θ̄ ← decay · θ̄ + (1 - decay) · θ`` (for floating tensors as ``torch.lerp`` with weight
    ``1 - decay`` rounds it; integer ones are computed in the default float dtype and truncated).
    ``decay`` must be in [0, 1]."""
    _check_decay(decay)

    def ema_update(ema_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor],
                   _: Any) -> None:
        floating = _is_float(ema_param_list[0]._data)
        for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
            ema, current = p_ema._data, p_model._data
            if floating:
                lerp_(ema, current, 1 - decay)
            else:
                f = _float_default()
                ema[...] = ema.astype(f) * decay + current.astype(f) * (1 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The equal average of lists of tensors, in place: ``θ̄ ← θ̄ + (θ - θ̄) / (n + 1)`` with ``n``
    the number of models averaged so far (for floating tensors as ``torch.lerp`` with weight
    ``1 / (n + 1)`` rounds it; a count given as a tensor makes that weight a number of the default
    float dtype, as in PyTorch)."""

    def swa_update(averaged_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor],
                   num_averaged: Any) -> None:
        n = _count(num_averaged)
        weight = 1 / (n + 1)
        if isinstance(num_averaged, Tensor):  # as PyTorch: 1 / tensor is in the default float dtype
            weight = float(np.asarray(1, dtype=_float_default()) / (n + 1))
        floating = _is_float(averaged_param_list[0]._data)
        for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
            avg, current = p_avg._data, p_model._data
            if not floating:
                raise RuntimeError(
                    "swa_utils.get_swa_multi_avg_fn: cannot average tensors of the integer dtype "
                    f"{_dt.dtype_name(avg.dtype)} (shape {tuple(avg.shape)}) in place; PyTorch "
                    "refuses integer division here too. Use the default average or an EMA "
                    "for integer buffers"
                )
            lerp_(avg, current, weight)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """The exponential moving average of one tensor: returns ``decay · θ̄ + (1 - decay) · θ``.
    ``decay`` must be in [0, 1]."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with _grad_mode.no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The equal average of one tensor: returns ``θ̄ + (θ - θ̄) / (n + 1)``, ``n`` the number of
    models averaged so far."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with _grad_mode.no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _swa_default(avg: np.ndarray, current: np.ndarray, n: int) -> None:
    """``θ̄ ← θ̄ + (θ - θ̄) / (n + 1)`` in place, as PyTorch computes it for one tensor: in the
    tensor's own dtype if it is floating, else in the default float dtype, truncated back."""
    if _is_float(avg):
        avg[...] = avg + (current - avg) / (n + 1)
    else:
        f = _float_default()
        diff = (current - avg).astype(f)
        avg[...] = avg.astype(f) + diff / np.asarray(n + 1, dtype=f)


# PyTorch's numbering of dtypes, the order in which it hands one averaging function the groups
_DTYPE_ORDER = ("uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
                "complex32", "complex64", "complex128", "bool")


def _dtype_rank(dtype: np.dtype) -> int:
    name = np.dtype(dtype).name
    return _DTYPE_ORDER.index(name) if name in _DTYPE_ORDER else len(_DTYPE_ORDER)


class AveragedModel(Module):
    r"""A copy of a model that holds the running average of its parameters (SWA or EMA), as
    ``torch.optim.swa_utils.AveragedModel``.

    ``update_parameters(model)`` averages the current weights of ``model`` into the copy: the first
    call copies them (``θ̄_1 = θ_1``), every later one applies the averaging function with
    ``n`` = ``n_averaged``, the number of models averaged so far::

        θ̄ ← θ̄ + (θ - θ̄) / (n + 1)          the default: the equal average of all θ so far
        θ̄ ← avg_fn(θ̄, θ, n)                 one tensor at a time (its result is copied in)
        multi_avg_fn([θ̄...], [θ...], n)     all tensors of one dtype at once, in place

    With ``use_buffers=True`` the buffers (BatchNorm's running statistics, its integer batch count)
    are averaged with the parameters; otherwise they are copied from ``model`` on every call. The
    forward pass is the averaged module's.

    Args:
        model: the model whose weights are averaged (deep-copied; the copy is ``module``).
        device: if given, the copy is moved there (chainrule runs on the CPU).
        avg_fn: ``(θ̄, θ, n) -> new θ̄`` for one tensor (see :func:`get_ema_avg_fn`).
        multi_avg_fn: ``([θ̄...], [θ...], n)`` updating in place (see
            :func:`get_ema_multi_avg_fn`); at most one of the two may be given.
        use_buffers: average the buffers too (default False).

    Neither function is saved by ``state_dict``; ``n_averaged`` (a 0-d int64 buffer) is.
    """

    def __init__(self, model: Module, device: Any = None, avg_fn: AvgFn | None = None,
                 multi_avg_fn: MultiAvgFn | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        if not isinstance(model, Module):
            raise TypeError(
                f"AveragedModel: expected a chainrule.nn.Module to average, got "
                f"{type(model).__name__}"
            )
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor._make(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged module's forward pass."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Average the weights of ``model`` into this copy (the first call copies them)."""
        if self.use_buffers:
            ours: Iterable[Tensor] = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs: Iterable[Tensor] = itertools.chain(model.parameters(), model.buffers())
        else:
            ours, theirs = self.parameters(), model.parameters()
        n = int(self.n_averaged._data)
        # pairs up to the shorter of the two lists, as PyTorch (which zips them unchecked)
        pairs = [(a, m) for a, m in zip(ours, theirs, strict=False)]
        for averaged, current in pairs:
            if averaged._data.shape != current._data.shape:
                raise ValueError(
                    f"AveragedModel.update_parameters: a tensor of shape {tuple(averaged.shape)} "
                    f"would be averaged with one of shape {tuple(current.shape)}; the model must "
                    "have the architecture of the averaged one"
                )
        if n == 0:
            for averaged, current in pairs:
                averaged._data[...] = current._data
        else:
            self._average(pairs, n)
        if not self.use_buffers:
            for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_avg._data[...] = b_model._data
        self.n_averaged._data += 1

    def _average(self, pairs: list[tuple[Tensor, Tensor]], n: int) -> None:
        """One averaging step of every pair (averaged, current), with ``n`` models so far."""
        if self.avg_fn is not None and self.multi_avg_fn is None:
            for averaged, current in pairs:
                result = self.avg_fn(Tensor._make(averaged._data), current.detach(), self.n_averaged)
                averaged._data[...] = result._data if isinstance(result, Tensor) else result
            return
        # grouped by dtype, the groups in PyTorch's order of dtypes (integers before floats)
        groups: dict[np.dtype, list[tuple[Tensor, Tensor]]] = {}
        for averaged, current in pairs:
            groups.setdefault(averaged._data.dtype, []).append((averaged, current))
        for _, group in sorted(groups.items(), key=lambda item: _dtype_rank(item[0])):
            if self.multi_avg_fn is not None:
                self.multi_avg_fn([Tensor._make(a._data) for a, _ in group],
                                  [Tensor._make(c._data) for _, c in group],
                                  self.n_averaged)
            else:  # the equal average, one tensor at a time (PyTorch's path on the CPU)
                for averaged, current in group:
                    _swa_default(averaged._data, current._data, n)


def _is_batch_norm(module: Module) -> bool:
    """BatchNorm1d/2d/3d (PyTorch's ``_BatchNorm``); instance norm is not one in PyTorch."""
    return isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    r"""Recompute the running statistics of every BatchNorm layer of ``model`` with one pass over
    ``loader``, as ``torch.optim.swa_utils.update_bn``.

    The averaged weights of :class:`AveragedModel` come with no statistics of their own
    activations. Each BatchNorm's statistics are reset, its momentum set to None (the cumulative
    average :math:`\mu = \frac{1}{K}\sum_k \mu_k` over the K batches) and the model run in training
    mode, without gradients, on every batch; momenta and the training mode are restored after.
    A batch is a tensor, or a list/tuple whose first element is the input. ``device``, if given,
    is where each input is moved first. A model without BatchNorm is left as it is.
    """
    momenta: dict[Module, float | None] = {}
    for module in model.modules():
        if _is_batch_norm(module):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with _grad_mode.no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each group's learning rate to a constant ``swa_lr`` over ``anneal_epochs`` epochs,
    then hold it, as ``torch.optim.swa_utils.SWALR``.

    With :math:`s` the scheduler's steps so far and :math:`a(t)` the annealing curve,
    :math:`a(t) = (1 - \cos(πt)) / 2` (``"cos"``) or :math:`a(t) = t` (``"linear"``),
    :math:`t_s = \min(1, s / \max(1, E))` for ``anneal_epochs`` E; the rate it starts from,
    :math:`η_0`, is recovered from the current one and the step is

    .. math::
        η_0 = \frac{η - a(t_{s-1})\, η_{swa}}{1 - a(t_{s-1})}, \qquad
        η ← a(t_s)\, η_{swa} + (1 - a(t_s))\, η_0

    (:math:`η = η_{swa}` once :math:`a = 1`). It works from ``group["lr"]``, so it takes over from
    the rate another scheduler left. ``swa_lr`` is one rate, or one per group (kept in each
    group as ``"swa_lr"``).

    Args:
        optimizer: the optimiser whose rates it sets.
        swa_lr: the rate to anneal to (one, or a list with one per group).
        anneal_epochs: epochs of annealing, an int >= 0 (default 10).
        anneal_strategy: ``"cos"`` (default) or ``"linear"``.
        last_epoch: the index of the last epoch (-1 starts a new schedule).
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float | Sequence[float], anneal_epochs: int = 10,
                 anneal_strategy: Literal["cos", "linear"] = "cos", last_epoch: int = -1) -> None:
        _check_optimizer("SWALR", optimizer)
        swa_lrs = _per_group("SWALR", "swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "SWALR: anneal_strategy must be one of 'cos' or 'linear', "
                f"instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(
                f"SWALR: anneal_epochs must be equal or greater than 0, got {anneal_epochs}"
            )
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The rate η₀ the annealing started from, given the current rate at ``alpha``."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[float]:
        step = self._step_count - 1  # 0 for the constructor's step
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        alpha = self.anneal_func(max(0, min(1, step / span)))
        groups = self.optimizer.param_groups
        return [
            group["swa_lr"] * alpha
            + self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha) * (1 - alpha)
            for group in groups
        ]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimiser and the annealing function (restored from its name)."""
        state = super().state_dict()
        state.pop("anneal_func", None)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict()``, the annealing function from its name."""
        super().load_state_dict(state_dict)
        self._set_anneal_func(self._anneal_strategy)
