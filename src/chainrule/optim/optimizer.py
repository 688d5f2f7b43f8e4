"""Optimizer: the base class of every optimisation algorithm, as ``torch.optim.Optimizer``.

An optimiser holds

* ``param_groups``: a list of dicts, each with ``"params"`` (the tensors it updates) and every
  hyperparameter of the algorithm (``lr``, ``momentum``, ...), so that, e.g., a pretrained body and
  a new head can learn at different rates;
* ``state``: per parameter, what the algorithm carries from one step to the next (a momentum
  buffer, running averages of the gradient and its square, a step count).

The base class does the looping; an algorithm says only what is its own. ``step()`` visits every
parameter that has a gradient and

1. on the parameter's first step, sets up its state (:meth:`Optimizer._init_state`: the step count
   ``t = 0`` and zero buffers shaped and typed like the parameter, so float32 stays float32);
2. counts the step, ``t ← t + 1``;
3. forms the gradient the update uses (:meth:`Optimizer._effective_gradient`), in PyTorch's order::

       g ← -g                    if maximize (gradient ascent)
       θ ← θ (1 - η λ)           if λ ≠ 0 and decoupled_weight_decay (AdamW)
       g ← g + λ θ               if λ ≠ 0 otherwise (the L2 penalty λ/2 ‖θ‖²)

4. applies the algorithm's update in place on the parameter's array (:meth:`Optimizer._update`).

``state_dict()`` / ``load_state_dict()`` use PyTorch's layout, so a run saved mid-way and resumed
in a fresh optimiser continues bit for bit::

    {"state": {0: {"step": tensor(3.), "exp_avg": tensor([...]), ...}, ...},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}, ...]}
"""

from __future__ import annotations

import copy
import functools
import itertools
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
State: TypeAlias = dict[str, Any]
Group: TypeAlias = dict[str, Any]

# state entries that are numbers rather than arrays (PyTorch keeps them as 0-d tensors)
_SCALAR_STATE = ("step", "mu_product")

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

    An algorithm defines ``_validate(group)`` (a ``ValueError`` naming any invalid hyperparameter),
    the names of its zero-initialised state buffers (``_buffers``, or its own ``_init_state``) and
    ``_update(param, grad, state, group)``, the update of one parameter.

    PyTorch's implementation choices ``foreach``, ``fused`` and ``capturable`` are accepted and kept
    in the groups, but do not change the update: chainrule picks its implementation itself (the
    reference NumPy or its fast backend); see :func:`check_implementation` for what is refused.
    """

    _buffers: tuple[str, ...] = ()  # the state arrays an algorithm keeps per parameter

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self._check_group(defaults)
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
        self._opt_called = False

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # a subclass's own step(), state_dict() and load_state_dict() run the hooks too (and step
        # records that it ran, so a scheduler can warn when it is stepped first, as PyTorch)
        super().__init_subclass__(**kwargs)
        for name in _HOOKED:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_hooked", False):
                setattr(cls, name, _hooked(name)(method))

    # ------------------------------------------------------------------ hooks
    def _hook_table(self, name: str) -> dict[int, Any]:
        return self.__dict__.setdefault(name, {})  # made on first use: most optimisers have none

    def _add_hook(self, name: str, hook: Callable[..., Any]) -> _HookHandle:
        table = self._hook_table(name)
        handle = _HookHandle(table)
        table[handle.id] = hook
        return handle

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> _HookHandle:
        """``hook(optimizer, args, kwargs)`` runs before each ``step``; it may return ``(args, kwargs)``."""
        return self._add_hook("_step_pre_hooks", hook)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> _HookHandle:
        """``hook(optimizer, args, kwargs)`` runs after each ``step``."""
        return self._add_hook("_step_post_hooks", hook)

    def register_state_dict_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> _HookHandle:
        """``hook(optimizer)`` runs before ``state_dict`` is made."""
        return self._add_hook("_state_dict_pre_hooks", hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any], prepend: bool = False) -> _HookHandle:
        """``hook(optimizer, state_dict)`` runs after; it may return a replacement state_dict."""
        return self._add_hook("_state_dict_post_hooks", hook)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> _HookHandle:
        """``hook(optimizer, state_dict)`` runs before loading; it may return a replacement state_dict."""
        return self._add_hook("_load_state_dict_pre_hooks", hook)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any], prepend: bool = False) -> _HookHandle:
        """``hook(optimizer)`` runs after loading."""
        return self._add_hook("_load_state_dict_post_hooks", hook)

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
            if p._data.dtype.kind != "f":
                raise TypeError(
                    f"{name}: only floating-point tensors can be optimized, but parameter {i} has "
                    f"dtype {_dt.dtype_name(p._data.dtype)} (shape {tuple(p.shape)})"
                )
            tensors.append(p)
        if names and len(names) != len(tensors):
            raise ValueError(f"{name}: either all parameters of a group are named or none is")
        group["params"] = tensors
        if names:
            group["param_names"] = names

        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_group(group)

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

    def _check_group(self, group: dict[str, Any]) -> None:
        """The shared checks of PyTorch's implementation choices, then the algorithm's own."""
        check_implementation(type(self).__name__, group)
        self._validate(group)

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
                if g._data.flags.writeable:
                    g._data.fill(0)
                else:
                    g._data = np.zeros_like(g._data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimisation step; ``closure`` re-evaluates the loss and returns it."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: Group) -> None:
        """Update every parameter of ``group`` that has a gradient, one at a time."""
        for p, grad in self._params_with_grad(group):
            state = self._state_for_step(p, group)
            self._update(p._data, self._effective_gradient(p._data, grad, group), state, group)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State, group: Group) -> None:
        """The algorithm's update of one parameter, in place; ``grad`` is the effective gradient."""
        raise NotImplementedError(f"{type(self).__name__} must define _update() or step()")

    @staticmethod
    def _evaluate_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with _grad_mode.enable_grad():
            return closure()

    def _params_with_grad(self, group: Group) -> Iterator[tuple[Tensor, np.ndarray]]:
        """(parameter, gradient array) for each parameter of ``group`` that has a gradient."""
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            grad = g._data
            if grad.shape != p._data.shape:
                raise ShapeError(
                    f"{type(self).__name__}.step: a parameter of shape {tuple(p._data.shape)} has a "
                    f"gradient of shape {tuple(grad.shape)}; they must match"
                )
            yield p, grad

    def _state_for_step(self, p: Tensor, group: Group) -> State:
        """The state of ``p``, set up on its first step, with its step count ``t`` advanced."""
        state = self.state[p]
        if not state:
            self._init_state(state, p._data, group)
        if "step" in state:
            state["step"] += 1
        return state

    def _init_state(self, state: State, param: np.ndarray, group: Group) -> None:
        """A parameter's state before its first step: ``t = 0`` and the zero buffers."""
        state["step"] = 0.0
        for name in self._buffers:
            state[name] = self._buffer(param)

    @staticmethod
    def _buffer(param: np.ndarray, fill: float = 0.0) -> Tensor:
        """A state buffer shaped and typed like the parameter (float32 stays float32)."""
        return Tensor._make(np.full(param.shape, fill, dtype=param.dtype))

    def _buffer_of(self, state: State, name: str, param: np.ndarray) -> np.ndarray:
        """The array of the state buffer ``name``, created (zero) by the first step that needs it:
        a scheduler may switch an option such as momentum on mid-run."""
        if name not in state:
            state[name] = self._buffer(param)
        return state[name]._data

    @staticmethod
    def _effective_gradient(param: np.ndarray, grad: np.ndarray, group: Group) -> np.ndarray:
        """The gradient the update uses: sign flipped to maximise, then weight decay, decoupled
        (``θ ← θ (1 - ηλ)``, in place) or L2 (``g + λθ``). ``p.grad`` itself is never changed."""
        if group["maximize"]:
            grad = -grad
        weight_decay = group["weight_decay"]
        if weight_decay != 0:
            if group.get("decoupled_weight_decay", False):
                param *= 1 - group["lr"] * weight_decay  # θ ← θ (1 - ηλ)
            else:
                grad = grad + weight_decay * param  # g ← g + λθ
        return grad

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
            self._check_group(saved)
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups

    # ------------------------------------------------------------------ pickling, printing
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
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
        return Tensor._make(value._data.copy())
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
    if arr.shape != param._data.shape:
        raise ValueError(
            f"{owner}.load_state_dict: state {key!r} of parameter {index!r} has shape "
            f"{tuple(arr.shape)}, but the parameter has shape {tuple(param._data.shape)}"
        )
    return Tensor._make(np.array(arr, dtype=param._data.dtype, copy=True))


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data
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


def check_implementation(owner: str, group: dict[str, Any]) -> None:
    """PyTorch's implementation choices, as far as a group has them: ``foreach`` and ``fused`` must
    be True, False or None, ``capturable`` and ``differentiable`` True or False (else TypeError);
    ``fused`` and ``foreach`` cannot both be True (PyTorch's RuntimeError), and
    ``differentiable=True`` is refused: an update is NumPy on the parameters' arrays, outside the
    autograd graph, so there is nothing to differentiate through."""
    for key, may_be_none in (("foreach", True), ("fused", True), ("capturable", False),
                             ("differentiable", False)):
        value = group.get(key)
        if key in group and not (isinstance(value, (bool, np.bool_)) or (may_be_none and value is None)):
            allowed = "True, False or None" if may_be_none else "True or False"
            raise TypeError(f"{owner}: {key} must be {allowed}, got {value!r} ({type(value).__name__})")
    if group.get("differentiable"):
        raise NotImplementedError(
            f"{owner}(differentiable=True): differentiating through the optimizer's update is not "
            "supported; chainrule updates the parameters' NumPy arrays in place, outside the "
            "autograd graph, so the update records no operations to differentiate"
        )
    if group.get("fused") and group.get("foreach"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def check_common(owner: str, group: dict[str, Any], *nonnegative: str) -> None:
    """The checks every algorithm shares: lr >= 0, eps >= 0, weight_decay >= 0 (when present),
    then each of the algorithm's own ``nonnegative`` hyperparameters >= 0."""
    check_nonnegative(owner, "lr", group["lr"], "learning rate")
    if "eps" in group:
        check_nonnegative(owner, "eps", group["eps"], "epsilon")
    if "weight_decay" in group:
        check_nonnegative(owner, "weight_decay", group["weight_decay"])
    for name in nonnegative:
        check_nonnegative(owner, name, group[name])


_HOOKED = ("step", "state_dict", "load_state_dict")  # the methods whose hooks run at the outermost call


class _HookHandle:
    """Returned by the ``register_*_hook`` methods; ``handle.remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, table: dict[int, Any]) -> None:
        self.table, self.id = table, next(_HookHandle._ids)

    def remove(self) -> None:
        self.table.pop(self.id, None)


def _run_step(self: Optimizer, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    self._opt_called = True
    for hook in list(self.__dict__.get("_step_pre_hooks", {}).values()):
        result = hook(self, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}.")
            args, kwargs = result
    out = method(self, *args, **kwargs)
    for hook in list(self.__dict__.get("_step_post_hooks", {}).values()):
        hook(self, args, kwargs)
    return out


def _run_state_dict(self: Optimizer, method: Callable[..., Any], args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Any:
    for hook in list(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
        hook(self)
    state = method(self, *args, **kwargs)
    for hook in list(self.__dict__.get("_state_dict_post_hooks", {}).values()):
        result = hook(self, state)
        state = state if result is None else result
    return state


def _run_load_state_dict(self: Optimizer, method: Callable[..., Any], args: tuple[Any, ...],
                         kwargs: dict[str, Any]) -> Any:
    state, *rest = args
    for hook in list(self.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
        result = hook(self, state)
        state = state if result is None else result
    method(self, state, *rest, **kwargs)
    for hook in list(self.__dict__.get("_load_state_dict_post_hooks", {}).values()):
        hook(self)


_RUNNERS = {"step": _run_step, "state_dict": _run_state_dict, "load_state_dict": _run_load_state_dict}


def _hooked(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap an optimiser's ``step``/``state_dict``/``load_state_dict`` so that its hooks run once,
    around the outermost call (a subclass's method calling its base's does not run them twice)."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
            busy = "_in_" + name
            if self.__dict__.get(busy):
                return method(self, *args, **kwargs)
            self.__dict__[busy] = True
            try:
                return _RUNNERS[name](self, method, args, kwargs)
            finally:
                self.__dict__[busy] = False

        wrapper._hooked = True  # type: ignore[attr-defined]
        return wrapper

    return decorate


for _name in _HOOKED:  # the base class's own methods
    setattr(Optimizer, _name, _hooked(_name)(Optimizer.__dict__[_name]))


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start ← start + w (end - start)`` in place: the moving average ``m ← β m + (1-β) g`` with
    ``w = 1 - β``, rounded as ``torch.lerp`` (which takes the second form for ``w ≥ 0.5``)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def moments_(state: State, grad: np.ndarray, betas: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Adam's two moving averages, updated in place and returned: ``m = β₁ m + (1-β₁) g`` and
    ``v = β₂ v + (1-β₂) g²`` (state ``exp_avg`` and ``exp_avg_sq``)."""
    beta1, beta2 = betas
    m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
    lerp_(m, grad, 1 - beta1)
    v *= beta2
    v += (1 - beta2) * grad * grad
    return m, v
