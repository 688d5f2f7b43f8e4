"""Learning-rate schedules, as ``torch.optim.lr_scheduler``.

A scheduler rewrites ``group["lr"]`` of its optimiser's parameter groups once per ``step()``
(call it after ``optimizer.step()``, usually once an epoch). ``last_epoch`` counts the scheduler's
steps: the constructor performs the first one (``last_epoch`` -1 → 0, which sets the epoch-0 rate),
so the rate of epoch ``e`` is in place after ``e`` calls of ``step()``. Most schedules are computed
*chainably* from the current ``group["lr"]``, so two schedulers may drive one optimiser and their
factors multiply (see :class:`ChainedScheduler`).

Every scheduler has ``get_last_lr()``, ``state_dict()`` and ``load_state_dict()``; a run resumed
from a saved scheduler and optimiser continues with the same rates.
"""

from __future__ import annotations

import copy
import math
import numbers
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

from .optimizer import Optimizer

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]

_EPOCH_DEPRECATION = (
    "The epoch argument of scheduler.step() is deprecated (as in PyTorch): it jumps to that epoch "
    "with the closed-form schedule. Call scheduler.step() once per epoch instead."
)


def _check_optimizer(owner: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: expected an Optimizer, got {type(optimizer).__name__}")


def _check_number(owner: str, name: str, value: Any, *, positive: bool = False,
                  nonnegative: bool = False, integer: bool = False) -> None:
    kind = int if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a real number"
        raise TypeError(f"{owner}: {name} must be {what}, got {value!r} ({type(value).__name__})")
    if positive and not value > 0:
        raise ValueError(f"{owner}: invalid {name}={value!r}; it must be > 0")
    if nonnegative and not value >= 0:
        raise ValueError(f"{owner}: invalid {name}={value!r}; it must be >= 0")


def _per_group(owner: str, name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list/tuple of that length, or a single value repeated."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{owner}: {name} must have one value per parameter group: got {len(value)} "
                f"values for {n} groups"
            )
        return list(value)
    return [value] * n


def _lambdas(owner: str, optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    """One callable per parameter group (a list of them, or one shared by all groups)."""
    fns = _per_group(owner, "lr_lambda", optimizer, lr_lambda)
    for i, fn in enumerate(fns):
        if not callable(fn):
            raise TypeError(f"{owner}: lr_lambda {i} must be callable, got {type(fn).__name__}")
    return fns


def _function_state(fn: Any) -> dict[str, Any] | None:
    """What ``state_dict`` keeps of a user function: a callable object's ``__dict__``, else None."""
    if fn is None or isinstance(fn, types.FunctionType):
        return None
    return copy.deepcopy(fn.__dict__)


def _momentum_uses_beta1(owner: str, optimizer: Optimizer) -> bool:
    """Whether a cycled momentum is Adam's β₁ (``betas``) rather than SGD's ``momentum``."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(
            f"{owner}: cycle_momentum=True needs an optimizer with momentum or betas, and "
            f"{type(optimizer).__name__} has neither; pass cycle_momentum=False"
        )
    return "betas" in optimizer.defaults


def _set_momentum(group: dict[str, Any], use_beta1: bool, momentum: float) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


class LRScheduler:
    """Base class of the schedulers: subclasses define ``get_lr()`` (chainable form).

    Args:
        optimizer: the optimiser whose learning rates it sets.
        last_epoch: index of the last epoch done; -1 (the default) starts a new schedule. Other
            values resume one, and need ``initial_lr`` in every group (from a loaded state).
    """

    _is_initial: bool = False
    # attributes holding user functions: state_dict keeps only a callable object's __dict__
    _functions: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{name}: param_groups[{i}] has no 'initial_lr', which resuming with "
                        f"last_epoch={last_epoch} needs; load the optimizer's state_dict first, or "
                        "start a new schedule with last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's step: moves ``last_epoch`` from -1 to 0 and sets the first rates."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch`` (already advanced), one per parameter group."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch and write the new rates into the optimiser."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", True):
            warnings.warn(
                "Detected a call of lr_scheduler.step() before optimizer.step(). Call "
                "optimizer.step() first, then lr_scheduler.step(); otherwise the first value of "
                "the schedule is skipped (the same order PyTorch requires).",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        self._set_lrs(values)

    def _set_lrs(self, values: list[float]) -> None:
        """Write one rate per parameter group into the optimiser and remember them."""
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(
                f"{type(self).__name__}: the schedule has {len(values)} learning rates but the "
                f"optimizer now has {len(groups)} parameter groups (a group added after the "
                "scheduler was made?)"
            )
        for group, lr in zip(groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimiser (a copy); of user functions, a callable object's
        ``__dict__`` (plain functions and lambdas are code, given again to the constructor)."""
        state = {
            k: copy.deepcopy(v)
            for k, v in self.__dict__.items()
            if k != "optimizer" and k not in self._functions
        }
        for name in self._functions:
            fns = getattr(self, name)
            state[name] = ([_function_state(fn) for fn in fns] if isinstance(fns, list)
                           else _function_state(fns))
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict()``."""
        self._check_state_dict(state_dict)
        state = copy.deepcopy(state_dict)
        saved = {name: state.pop(name) for name in self._functions if name in state}
        self.__dict__.update(state)
        for name, kept in saved.items():
            fns = getattr(self, name)
            pairs = zip(fns, kept, strict=True) if isinstance(fns, list) else [(fns, kept)]
            for fn, fn_state in pairs:
                if fn_state is not None:
                    fn.__dict__.update(fn_state)

    def _check_state_dict(self, state_dict: Any, key: str = "last_epoch") -> None:
        """A scheduler's state is a dict with ``key``; anything else (an optimiser's
        state_dict, a model's) would silently overwrite the scheduler's attributes."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or key not in state_dict:
            got = (f"a dict with keys {', '.join(map(str, list(state_dict)[:6]))}"
                   if isinstance(state_dict, dict) else f"a {type(state_dict).__name__}")
            raise ValueError(
                f"{name}.load_state_dict: expected the dict of a scheduler's state_dict() "
                f"(with {key!r}), got {got}"
            )


class _UserFunctionScheduler(LRScheduler):
    """A schedule made of a user function ``f`` of the epoch (one, or one per group).

    Only the ``__dict__`` of callable *objects* is saved by ``state_dict``; plain functions and
    lambdas are not (they are code, given again to the constructor).
    """

    _functions = ("lr_lambdas",)

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        self.lr_lambdas = _lambdas(name, optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)


class LambdaLR(_UserFunctionScheduler):
    """``lr = initial_lr · f(epoch)`` with a user function ``f`` (one, or one per group).

    Only the ``__dict__`` of callable *objects* is saved by ``state_dict``; plain functions and
    lambdas are not (they are code, given again to the constructor).
    """

    def get_lr(self) -> list[float]:
        return [
            base_lr * fn(self.last_epoch)
            for fn, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]


class MultiplicativeLR(_UserFunctionScheduler):
    """Multiply the rate by a user factor every epoch: ``lr_e = lr_{e-1} · f(e)`` for ``e ≥ 1``.

    ``f`` is one function of the epoch, or one per parameter group; the product is chainable (it
    multiplies the current ``group["lr"]``). ``state_dict`` keeps the ``__dict__`` of callable
    objects, as :class:`LambdaLR` does.
    """

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        return [
            group["lr"] * fn(self.last_epoch)
            for fn, group in zip(self.lr_lambdas, groups, strict=True)
        ]


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs: ``lr = initial_lr · γ^⌊e/s⌋``."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        # an int in PyTorch's signature, but any positive number works there (its own tutorial
        # passes 1.0), so it does here
        _check_number("StepLR", "step_size", step_size, positive=True)
        _check_number("StepLR", "gamma", gamma, positive=True)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs
        ]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch (a milestone may repeat)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        milestones = list(milestones)
        for m in milestones:
            _check_number("MultiStepLR", "milestone", m, nonnegative=True, integer=True)
        _check_number("MultiStepLR", "gamma", gamma, positive=True)
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return [group["lr"] for group in self.optimizer.param_groups]
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [
            base_lr * self.gamma ** bisect_right(milestones, self.last_epoch)
            for base_lr in self.base_lrs
        ]


class ConstantLR(LRScheduler):
    """Hold the rate at ``factor · initial_lr`` for the first ``total_iters`` epochs.

    ``lr_e = initial_lr · (factor if e < total_iters else 1)``, computed chainably: the rate is
    multiplied by ``factor`` at epoch 0 and by ``1 / factor`` at epoch ``total_iters`` (a
    warm-up at a reduced rate).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        _check_number("ConstantLR", "factor", factor)
        if not 0 < factor <= 1:
            raise ValueError(
                f"ConstantLR: invalid factor={factor!r}; the constant multiplicative factor must "
                "be in (0, 1] (it is divided out again at total_iters)"
            )
        _check_number("ConstantLR", "total_iters", total_iters, positive=True, integer=True)
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in groups]
        if self.last_epoch != self.total_iters:
            return [group["lr"] for group in groups]
        return [group["lr"] * (1.0 / self.factor) for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
            for base_lr in self.base_lrs
        ]


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` epochs.

    ``lr_e = initial_lr · (s + (f - s) · min(e, T) / T)``: a warm-up when ``s < f``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        _check_number("LinearLR", "start_factor", start_factor)
        _check_number("LinearLR", "end_factor", end_factor)
        _check_number("LinearLR", "total_iters", total_iters, positive=True, integer=True)
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                f"LinearLR: invalid start_factor={start_factor!r}; it must be in (0, 1]"
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"LinearLR: invalid end_factor={end_factor!r}; it must be in [0, 1]")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return [group["lr"] for group in groups]
        # ratio of consecutive factors, so that the form is chainable
        ratio = 1.0 + (self.end_factor - self.start_factor) / (
            self.total_iters * self.start_factor
            + (self.last_epoch - 1) * (self.end_factor - self.start_factor)
        )
        return [group["lr"] * ratio for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr
            * (
                self.start_factor
                + (self.end_factor - self.start_factor)
                * min(self.total_iters, self.last_epoch)
                / self.total_iters
            )
            for base_lr in self.base_lrs
        ]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch: ``lr_e = initial_lr · γ^e``."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _check_number("ExponentialLR", "gamma", gamma, positive=True)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    r"""Decay the rate polynomially to 0 over ``total_iters`` epochs, then hold it.

    :math:`η_e = η_0 (1 - \min(e, T) / T)^p`, computed chainably as the ratio of consecutive
    factors :math:`((1 - e/T) / (1 - (e-1)/T))^p` for ``1 ≤ e ≤ T``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        _check_number("PolynomialLR", "total_iters", total_iters, positive=True, integer=True)
        _check_number("PolynomialLR", "power", power)
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial or self.last_epoch > self.total_iters:
            return [group["lr"] for group in groups]
        decay_factor = (
            (1.0 - self.last_epoch / self.total_iters)
            / (1.0 - (self.last_epoch - 1) / self.total_iters)
        ) ** self.power
        return [group["lr"] * decay_factor for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
            for base_lr in self.base_lrs
        ]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial rate down to ``eta_min`` over ``T_max`` epochs.

    :math:`η_e = η_{min} + ½ (η_0 - η_{min}) (1 + \cos(π e / T_{max}))`, computed in the
    chainable recursive form (and, past ``T_max``, rising again along the cosine as in PyTorch).

    Reference: I. Loshchilov, F. Hutter, "SGDR: Stochastic Gradient Descent with Warm
    Restarts", ICLR 2017, arXiv:1608.03983.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        _check_number("CosineAnnealingLR", "T_max", T_max, positive=True)
        _check_number("CosineAnnealingLR", "eta_min", eta_min, nonnegative=True)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and e > 0:  # resumed at epoch e: the closed form
            return [
                eta_min + (base_lr - eta_min) * (1 + math.cos(e * math.pi / T)) / 2
                for base_lr in self.base_lrs
            ]
        if (e - 1 - T) % (2 * T) == 0:  # at the bottom of the cosine
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]
        return [
            (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
            * (group["lr"] - eta_min)
            + eta_min
            for group in groups
        ]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing that restarts at the initial rate (SGDR).

    :math:`η_t = η_{min} + ½ (η_0 - η_{min}) (1 + \cos(π T_{cur} / T_i))`, where
    :math:`T_{cur}` counts the epochs since the last restart and the :math:`i`-th period lasts
    :math:`T_i = T_0 · T_{mult}^i` epochs. ``step()`` advances one epoch; ``step(epoch)`` jumps to
    ``epoch``, which may be fractional: ``step(e + i / n)`` after batch ``i`` of ``n`` anneals
    within an epoch, as PyTorch allows (no deprecation warning here).

    Reference: I. Loshchilov, F. Hutter, "SGDR: Stochastic Gradient Descent with Warm
    Restarts", ICLR 2017, arXiv:1608.03983.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        name = "CosineAnnealingWarmRestarts"
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"{name}: expected positive integer T_0, but got {T_0!r}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"{name}: expected integer T_mult >= 1, but got {T_mult!r}")
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real):
            raise ValueError(
                f"{name}: expected float or int eta_min, but got {eta_min!r} of type "
                f"{type(eta_min).__name__}"
            )
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
            for base_lr in self.base_lrs
        ]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (an int or a float, ``>= 0``)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:  # a restart
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(
                    f"CosineAnnealingWarmRestarts: expected non-negative epoch, but got {epoch}"
                )
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # the period n that epoch falls in: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
                    n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self.get_lr())


class CyclicLR(LRScheduler):
    r"""Cyclical learning rates: the rate goes up and down between ``base_lr`` and ``max_lr``.

    Step it after every *batch*. With :math:`S` = ``step_size_up + step_size_down`` and
    :math:`r` = ``step_size_up / S``, batch :math:`t` is in cycle :math:`c = ⌊1 + t/S⌋` at
    :math:`x = 1 + t/S - c`; the height is :math:`h = x/r` while rising (:math:`x ≤ r`) and
    :math:`(x-1)/(r-1)` while falling, and

    :math:`η_t = η_{base} + (η_{max} - η_{base}) · h · s`,

    where the scale :math:`s` is 1 (``"triangular"``), :math:`1/2^{c-1}` (``"triangular2"``,
    halving each cycle), :math:`γ^t` (``"exp_range"``), or ``scale_fn`` of the cycle (``scale_mode
    "cycle"``) or of :math:`t` (``"iterations"``). With ``cycle_momentum`` the momentum (Adam's
    β₁) moves the other way: :math:`m_t = m_{max} - (m_{max} - m_{base}) · h · s`. The constructor
    sets the rates to ``base_lr`` (and the momenta to ``max_momentum``).

    ``state_dict`` keeps the ``__dict__`` of a callable-object ``scale_fn``, not a function.

    Reference: L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017,
    arXiv:1506.01186.
    """

    _functions = ("_scale_fn_custom",)

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: Literal["cycle", "iterations"] = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        name = "CyclicLR"
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group(name, "base_lr", optimizer, base_lr)
        self.max_lrs = _per_group(name, "max_lr", optimizer, max_lr)
        for lr in base_lrs:
            _check_number(name, "base_lr", lr, nonnegative=True)
        for lr in self.max_lrs:
            _check_number(name, "max_lr", lr, nonnegative=True)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                group["lr"] = lr
        _check_number(name, "step_size_up", step_size_up, positive=True)
        if step_size_down is not None:
            _check_number(name, "step_size_down", step_size_down, positive=True)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(
                f"{name}: mode is invalid and scale_fn is None: mode must be 'triangular', "
                f"'triangular2' or 'exp_range', got {mode!r}"
            )
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"{name}: scale_fn must be callable, got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"{name}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}"
            )
        _check_number(name, "gamma", gamma, positive=True)
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        # the built-in modes fix what their scale is a function of, as in PyTorch
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle"
        )
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_uses_beta1(name, optimizer)
            self.base_momentums = _per_group(name, "base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group(name, "max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(self.max_momentums, self.base_momentums,
                                                optimizer.param_groups, strict=True):
                    _set_momentum(group, self.use_beta1, m_max)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at ``x`` (the cycle, or the batch for ``"iterations"``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        # scale_fn once per group and quantity, as PyTorch calls it (a stateful one sees the same)
        lrs = [
            base_lr + (max_lr - base_lr) * scale_factor * self.scale_fn(at)
            for base_lr, max_lr in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
        if self.cycle_momentum:
            momenta = [
                m_max - (m_max - m_base) * scale_factor * self.scale_fn(at)
                for m_base, m_max in zip(self.base_momentums, self.max_momentums, strict=True)
            ]
            for group, momentum in zip(self.optimizer.param_groups, momenta, strict=True):
                _set_momentum(group, self.use_beta1, momentum)
        return lrs


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm the rate up to ``max_lr``, then anneal it far below the start.

    Step it after every *batch*. The rate goes from ``max_lr / div_factor`` to ``max_lr`` over the
    first ``pct_start`` of ``total_steps``, then down to ``initial_lr / final_div_factor`` (cosine
    or linear annealing); with ``three_phase`` it first returns to the initial rate. Momentum (or
    Adam's β₁) cycles the opposite way between ``max_momentum`` and ``base_momentum``.

    Reference: L. N. Smith, N. Topin, "Super-Convergence: Very Fast Training of Neural Networks
    Using Large Learning Rates", arXiv:1708.07120, 2017.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = "OneCycleLR"
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            _check_number(name, "total_steps", total_steps, positive=True, integer=True)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _check_number(name, "epochs", epochs, positive=True, integer=True)
            _check_number(name, "steps_per_epoch", steps_per_epoch, positive=True, integer=True)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{name}: define either total_steps, or epochs and steps_per_epoch")
        _check_number(name, "pct_start", pct_start)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: invalid pct_start={pct_start!r}; it must be in [0, 1]")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{name}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        _check_number(name, "div_factor", div_factor, positive=True)
        _check_number(name, "final_div_factor", final_div_factor, positive=True)
        self._anneal_func_type = anneal_strategy

        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum",
                 "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum",
                 "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum",
                 "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]

        max_lrs = _per_group(name, "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for lr, group in zip(max_lrs, optimizer.param_groups, strict=True):
                _check_number(name, "max_lr", lr, positive=True)
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_uses_beta1(name, optimizer)
            max_momentums = _per_group(name, "max_momentum", optimizer, max_momentum)
            base_momentums = _per_group(name, "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_momentums, base_momentums,
                                                optimizer.param_groups, strict=True):
                    _set_momentum(group, self.use_beta1, m_max)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step_num} times, but total_steps={self.total_steps}"
            )
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == last:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                _set_momentum(group, self.use_beta1, momentum)
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Divide the rate by ``1/factor`` when a metric has stopped improving for ``patience`` epochs.

    Call ``step(metric)`` once per epoch with, e.g., the validation loss. In ``"min"`` mode an
    epoch improves on the best value ``b`` if ``metric < b (1 - threshold)`` (``"rel"``) or
    ``metric < b - threshold`` (``"abs"``); ``"max"`` mode mirrors it. After a reduction the
    scheduler waits ``cooldown`` epochs before counting bad epochs again; no rate goes below
    ``min_lr``, and changes smaller than ``eps`` are skipped.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        _check_optimizer(name, optimizer)
        _check_number(name, "factor", factor, nonnegative=True)
        if factor >= 1.0:
            raise ValueError(f"{name}: invalid factor={factor!r}; it must be < 1.0")
        _check_number(name, "patience", patience, nonnegative=True, integer=True)
        _check_number(name, "cooldown", cooldown, nonnegative=True, integer=True)
        _check_number(name, "threshold", threshold, nonnegative=True)
        _check_number(name, "eps", eps, nonnegative=True)
        self.optimizer = optimizer
        self.factor = factor
        if isinstance(min_lr, (list, tuple)):
            self.default_min_lr = None
            self.min_lrs = _per_group(name, "min_lr", optimizer, min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        for m in self.min_lrs:
            _check_number(name, "min_lr", m, nonnegative=True)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's ``metrics`` (a number or 1-element tensor); reduce if it is time."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but "
                    f"min_lr has {len(self.min_lrs)} values (a group was added?); update min_lrs"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


class ChainedScheduler(LRScheduler):
    """Step several schedulers of one optimiser together; their (chainable) factors multiply."""

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler: expects at least one scheduler, got none")
        optimizer = optimizer or schedulers[0].optimizer
        for i, s in enumerate(schedulers):
            _check_chainable("ChainedScheduler", i, s, optimizer)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        state = {
            k: copy.deepcopy(v)
            for k, v in self.__dict__.items()
            if k not in ("optimizer", "_schedulers")
        }
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._check_state_dict(state_dict, "_schedulers")
        state = copy.deepcopy(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, saved, strict=True):
            s.load_state_dict(sd)


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at ``milestones`` (e.g. warm-up, then cosine)."""

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        name = "SequentialLR"
        _check_optimizer(name, optimizer)
        if len(schedulers) < 1:
            raise ValueError(f"{name}: expects at least one scheduler, got none")
        for i, s in enumerate(schedulers):
            _check_chainable(name, i, s, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"{name}: expects one milestone fewer than schedulers, got {len(schedulers)} "
                f"schedulers and {len(milestones)} milestones"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # undo the initial steps the schedulers' constructors took, then take the first one's
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:
            s.last_epoch -= 1
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)  # a new phase starts at its own epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    state_dict = ChainedScheduler.state_dict
    load_state_dict = ChainedScheduler.load_state_dict


def _check_chainable(owner: str, i: int, scheduler: Any, optimizer: Optimizer) -> None:
    if not isinstance(scheduler, LRScheduler):
        raise TypeError(f"{owner}: scheduler {i} is a {type(scheduler).__name__}, not a scheduler")
    if isinstance(scheduler, ReduceLROnPlateau):
        raise ValueError(
            f"{owner}: scheduler {i} is a ReduceLROnPlateau, which needs a metric in step() and "
            "cannot be combined"
        )
    if scheduler.optimizer is not optimizer:
        raise ValueError(
            f"{owner}: all schedulers must drive the same optimizer, but scheduler {i} "
            f"({type(scheduler).__name__}) has a different one"
        )
