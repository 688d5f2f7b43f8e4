"""Optimizer: the base class of every optimisation algorithm, as ``torch.optim.Optimizer``.

An optimiser holds

* ``param_groups``: a list of dicts, each with ``"params"`` (the tensors it updates) and every
  hyperparameter of the algorithm (``lr``, ``momentum``, ...), so that, e.g., a pretrained body and
  a new head can learn at different rates;
* ``state``: per parameter, what the algorithm carries from one step to the next (a momentum
  buffer, running averages of the gradient and its square, a step count).

``step()`` applies one update ``θ ← θ - η · (direction)`` *in place* on each parameter's array,
skipping parameters whose ``grad`` is None. The running buffers are allocated once, on a
parameter's first step, with the parameter's dtype (float32 stays float32); the temporaries of an
update live in scratch buffers the optimiser reuses, so a step allocates no full-size arrays.

``state_dict()`` / ``load_state_dict()`` use PyTorch's layout, so a run saved mid-way and resumed
in a fresh optimiser continues bit for bit::

    {"state": {0: {"step": tensor(3.), "exp_avg": tensor([...]), ...}, ...},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}, ...]}
"""

from __future__ import annotations

import copy
import functools
import numbers
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeAlias

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _grad_mode
from ..errors import ShapeError
from ..tensor import Tensor

ParamsT: TypeAlias = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]
StateDict: TypeAlias = dict[str, Any]

# state entries that are numbers rather than arrays (PyTorch keeps them as 0-d tensors)
_SCALAR_STATE = ("step", "mu_product")

# updates run block by block, 512 KiB of each array at a time: the dozen passes of an update then
# find a block in the CPU cache, and the scratch buffers stay small whatever the parameter's size
_BLOCK_BYTES = 1 << 19


def _scalar_dtype() -> np.dtype:
    """dtype of a step count in a state_dict: float64 when that is the default, else float32."""
    return _dt.float64 if _dt.get_default_dtype() == _dt.float64 else _dt.float32


class Optimizer:
    """Base class of all optimisers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts that define
            parameter groups (``{"params": [...], "lr": 0.1}``). Use an ordered collection (a list),
            never a set: ``state_dict`` identifies parameters by their position.
        defaults: the algorithm's hyperparameters, used by every group that does not set its own.

    Subclasses define ``step`` and ``_validate(group)``, which raises ``ValueError`` naming any
    invalid hyperparameter of a group.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or dicts, but got a single Tensor "
                f"(shape {tuple(params.shape)}); pass [tensor] or model.parameters()"
            )
        if isinstance(params, dict):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of parameter-group dicts, but "
                "got a dict; pass [{'params': ...}] for a single group"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: parameters must be given in an ordered collection (a list), not a set: "
                "a set's order changes between runs, and state_dict identifies parameters by "
                "position"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch_buffers: dict[tuple[int, np.dtype], np.ndarray] = {}
        self._opt_called = False

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # record that step() ran, so a scheduler can warn when it is stepped first (as PyTorch)
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_records_call", False):

            @functools.wraps(step)
            def recorded_step(self: Optimizer, *args: Any, **kw: Any) -> Any:
                self._opt_called = True
                return step(self, *args, **kw)

            recorded_step._records_call = True  # type: ignore[attr-defined]
            cls.step = recorded_step  # type: ignore[method-assign]

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (those it omits take defaults).

        Useful for fine-tuning: unfreeze layers and hand them to the optimiser mid-training.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a param_group must be a dict, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(
                f"{name}: a param_group needs a 'params' entry, got keys {list(param_group)}"
            )
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: parameters must be given in an ordered collection (a list), not a set: a "
                "set's order changes between runs, and state_dict identifies parameters by position"
            )
        else:
            params = list(params)

        tensors: list[Tensor] = []
        names: list[str] = []
        for i, p in enumerate(params):
            if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
                names.append(p[0])
                p = p[1]
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: the optimizer can only optimize Tensors, but parameter {i} of the "
                    f"group is a {type(p).__name__}"
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape "
                    f"{tuple(p.shape)}, made by {p.grad_fn.name()}); optimize the leaf it was "
                    "computed from, or detach() it and set requires_grad=True"
                )
            if p.data.dtype.kind != "f":
                raise TypeError(
                    f"{name}: only floating-point tensors can be optimized, but parameter {i} has "
                    f"dtype {_dt.dtype_name(p.data.dtype)} (shape {tuple(p.shape)})"
                )
            tensors.append(p)
        if names and len(names) != len(tensors):
            raise ValueError(f"{name}: either all parameters of a group are named or none is")
        group["params"] = tensors
        if names:
            group["param_names"] = names

        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._validate(group)

        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn(
                f"{name}: a parameter group contains the same parameter more than once; it will be "
                "updated once per appearance",
                UserWarning,
                stacklevel=3,
            )
        for j, other in enumerate(self.param_groups):
            if ("param_names" in other) != ("param_names" in group):
                raise ValueError(
                    f"{name}: all parameter groups must be named or all unnamed; group {j} is "
                    f"{'named' if 'param_names' in other else 'unnamed'}, the new one is not"
                )
            shared = {id(p) for p in other["params"]}.intersection(ids)
            if shared:
                where = [i for i, p in enumerate(tensors) if id(p) in shared]
                raise ValueError(
                    f"{name}: some parameters appear in more than one parameter group: parameters "
                    f"{where} of the new group are already in group {j}"
                )
        self.param_groups.append(group)

    def _validate(self, group: dict[str, Any]) -> None:
        """Raise ValueError naming any invalid hyperparameter of ``group`` (subclasses override)."""

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: to None (the default, as PyTorch), or to zeros in place.

        Call it before each ``backward()``: gradients *accumulate* (the total derivative sums
        contributions), so without it a step would use the sum of all gradients so far.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                g.grad_fn = None
                g.requires_grad = False
                if g.data.flags.writeable:
                    g.data.fill(0)
                else:
                    g.data = np.zeros_like(g.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimisation step; ``closure`` re-evaluates the loss and returns it."""
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    @staticmethod
    def _evaluate_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with _grad_mode.enable_grad():
            return closure()

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray]]:
        """(parameter, gradient array) for each parameter of ``group`` that has a gradient."""
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            grad = g.data
            if grad.shape != p.data.shape:
                raise ShapeError(
                    f"{type(self).__name__}.step: a parameter of shape {tuple(p.data.shape)} has a "
                    f"gradient of shape {tuple(grad.shape)}; they must match"
                )
            yield p, grad

    @staticmethod
    def _blocks(*arrays: np.ndarray) -> Iterator[tuple[np.ndarray, ...]]:
        """The arrays of one parameter's update, cut into matching flat blocks of ``_BLOCK_BYTES``.

        An update makes a dozen elementwise passes over its arrays; done block by block, the
        passes find their data in the CPU cache rather than in main memory, and the scratch
        buffers stay block-sized. Arrays that are small or not C-contiguous are yielded whole.
        """
        n = arrays[0].size
        block = max(_BLOCK_BYTES // arrays[0].itemsize, 1)
        if n <= block or not all(a.flags.c_contiguous for a in arrays):
            yield arrays
            return
        flat = [a.reshape(-1) for a in arrays]  # views: the arrays are contiguous
        for start in range(0, n, block):
            yield tuple(f[start : start + block] for f in flat)

    def _scratch(self, slot: int, like: np.ndarray) -> np.ndarray:
        """A reusable temporary shaped and typed like ``like`` (slot 0: the effective gradient).

        One flat buffer per (slot, dtype), grown to the largest block: the temporaries of an
        update cost no allocation after the first step.
        """
        key = (slot, like.dtype)
        buf = self._scratch_buffers.get(key)
        n = like.size
        if buf is None or buf.size < n:
            buf = np.empty(n, dtype=like.dtype)
            self._scratch_buffers[key] = buf
        return buf[:n].reshape(like.shape)

    def _gradient(
        self, param: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool
    ) -> np.ndarray:
        """The gradient the update uses: ``g = ±∇θ J + λθ`` (sign flipped to maximise, L2 added).

        Returns ``grad`` itself when nothing changes, else a scratch array: ``p.grad`` is never
        modified.
        """
        if maximize:
            out = self._scratch(0, param)
            np.negative(grad, out=out)
            grad = out
        if weight_decay != 0:
            decay = self._scratch(1, param)
            np.multiply(param, weight_decay, out=decay)
            out = self._scratch(0, param)
            np.add(grad, decay, out=out)  # g + λθ
            grad = out
        return grad

    def _decayed_gradient(self, param: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float,
                          decoupled: bool, maximize: bool) -> np.ndarray:
        """Weight decay either way, then :meth:`_gradient`: decoupled (AdamW) shrinks the
        parameter in place, ``θ ← θ (1 - ηλ)``; otherwise ``λθ`` is added to the gradient."""
        if weight_decay != 0 and decoupled:
            np.multiply(param, 1 - lr * weight_decay, out=param)  # θ ← θ (1 - ηλ)
            return self._gradient(param, grad, 0, maximize)
        return self._gradient(param, grad, weight_decay, maximize)

    @staticmethod
    def _buffer(param: np.ndarray, fill: float = 0.0) -> Tensor:
        """A state buffer shaped and typed like the parameter (float32 stays float32)."""
        return Tensor._make(np.full(param.shape, fill, dtype=param.dtype))

    # ------------------------------------------------------------------ state_dict
    def state_dict(self) -> StateDict:
        """The optimiser's state in PyTorch's layout: ``{"state": {...}, "param_groups": [...]}``.

        Parameters are replaced by their position across all groups. The arrays are copies: the
        dict is a snapshot that later steps do not change.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index and s:
                state[index[id(p)]] = {k: _pack_value(k, v) for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a state saved by ``state_dict()`` (this library's or PyTorch's).

        The groups must match this optimiser's in number and size. Arrays are copied and cast to
        each parameter's dtype; a resumed run continues exactly as the uninterrupted one.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups', got "
                f"{type(state_dict).__name__}"
                + (f" with keys {list(state_dict)}" if isinstance(state_dict, dict) else "")
            )
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter groups, "
                f"but this optimizer has {len(self.param_groups)}"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} of the state dict has "
                    f"{len(saved['params'])} parameters, but this optimizer's group {i} has "
                    f"{len(group['params'])}; they must match"
                )
        id_map: dict[Any, Tensor] = {}
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            for key, p in zip(saved["params"], group["params"], strict=True):
                id_map[key] = p

        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key not in id_map:
                raise ValueError(
                    f"{name}.load_state_dict: the state dict has state for parameter {key!r}, "
                    f"which no parameter group lists (they list {sorted(id_map, key=str)})"
                )
            p = id_map[key]
            state[p] = {k: _unpack_value(name, key, k, v, p) for k, v in values.items()}

        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            saved["params"] = group["params"]
            for key, default in self.defaults.items():  # hyperparameters newer than the save
                saved.setdefault(key, default)
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            self._validate(saved)
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups

    # ------------------------------------------------------------------ pickling, printing
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._scratch_buffers = {}
        self._opt_called = False

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _pack_value(key: str, value: Any) -> Any:
    """A state entry as PyTorch writes it: arrays become Tensor copies, step counts 0-d tensors."""
    if isinstance(value, Tensor):
        return Tensor._make(value.data.copy())
    if key in _SCALAR_STATE and isinstance(value, numbers.Real):
        return Tensor._make(np.array(value, dtype=_scalar_dtype()))
    return copy.deepcopy(value)


def _unpack_value(owner: str, index: Any, key: str, value: Any, param: Tensor) -> Any:
    """A saved state entry back in the optimiser's own form (a float, or a copy as a Tensor)."""
    if key in _SCALAR_STATE:
        return float(_as_array(value).reshape(()))
    if value is None or isinstance(value, (numbers.Number, str, bool)):
        return value
    arr = _as_array(value)
    if arr.shape != param.data.shape:
        raise ValueError(
            f"{owner}.load_state_dict: state {key!r} of parameter {index!r} has shape "
            f"{tuple(arr.shape)}, but the parameter has shape {tuple(param.data.shape)}"
        )
    return Tensor._make(np.array(arr, dtype=param.data.dtype, copy=True))


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor
        value = value.detach().cpu()
    return np.asarray(value)


# ---------------------------------------------------------------------------- validation
def check_real(owner: str, name: str, value: Any) -> None:
    """TypeError unless ``value`` is a real number (bools and strings are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{owner}: {name} must be a real number, got {value!r} ({type(value).__name__})"
        )


def check_nonnegative(owner: str, name: str, value: Any, what: str | None = None) -> None:
    """ValueError naming ``name`` and ``value`` unless ``0 <= value`` (NaN fails)."""
    check_real(owner, name, value)
    if not 0.0 <= value:
        label = f"{what} {name}" if what else name
        raise ValueError(f"{owner}: invalid {label}={value!r}; it must be >= 0")


def check_betas(owner: str, betas: Any) -> None:
    """``betas`` must be a pair with each beta in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        check_real(owner, f"betas[{i}]", b)
        if not 0.0 <= b < 1.0:
            raise ValueError(
                f"{owner}: invalid beta parameter betas[{i}]={b!r}; it must be in [0, 1)"
            )


def check_common(owner: str, group: dict[str, Any]) -> None:
    """The checks every algorithm shares: lr >= 0, eps >= 0, weight_decay >= 0 (when present)."""
    check_nonnegative(owner, "lr", group["lr"], "learning rate")
    if "eps" in group:
        check_nonnegative(owner, "eps", group["eps"], "epsilon")
    if "weight_decay" in group:
        check_nonnegative(owner, "weight_decay", group["weight_decay"])


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """``start ← start + w (end - start)`` in place, in PyTorch's two forms (``tmp`` is scratch).

    For ``|w| < 0.5`` it computes ``start + w (end - start)``, else ``end - (1 - w)(end - start)``,
    the same rounding as ``torch.lerp``. This is the exponential moving average
    ``m ← β m + (1 - β) g`` with ``w = 1 - β``.
    """
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        np.multiply(tmp, weight, out=tmp)
        np.add(start, tmp, out=start)
    else:
        np.multiply(tmp, 1 - weight, out=tmp)
        np.subtract(end, tmp, out=start)


def moments_(exp_avg: np.ndarray, exp_avg_sq: np.ndarray, g: np.ndarray, beta1: float, beta2: float,
             tmp: np.ndarray) -> None:
    """Adam's two moving averages in place: ``m ← β₁ m + (1-β₁) g``, ``v ← β₂ v + (1-β₂) g²``."""
    lerp_(exp_avg, g, 1 - beta1, tmp)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    np.multiply(g, 1 - beta2, out=tmp)
    np.multiply(tmp, g, out=tmp)
    np.add(exp_avg_sq, tmp, out=exp_avg_sq)
