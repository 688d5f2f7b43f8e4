"""Module: the base class of layers and models, as ``torch.nn.Module``.

A Module owns three name -> value tables, filled by plain attribute assignment::

    self.fc = Linear(3, 4)              # a submodule      -> _modules["fc"]
    self.scale = Parameter(ones(4))     # a parameter      -> _parameters["scale"]
    self.register_buffer("count", t)    # a buffer (state that is not learnt) -> _buffers["count"]

Walking these tables recursively gives ``parameters()``, ``state_dict()`` (keys like
``fc.weight``, exactly PyTorch's), ``train()``/``eval()``, ``to(dtype)`` and ``zero_grad()``.

Speed: attributes that are neither parameters, buffers nor submodules live in the instance's
``__dict__`` and are found by Python directly; ``__getattr__`` runs only on a miss, to look a
name up in the three tables (PyTorch's design). ``__call__`` goes straight to ``forward`` when no
hooks are registered.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _grad_mode
from ..tensor import Tensor
from .backward_hooks import BackwardHookCall
from .parameter import Buffer, Parameter

_EXTRA_STATE = "_extra_state"  # the state_dict key of a module's get_extra_state()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` could not match."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class StateDictError(RuntimeError):
    """``load_state_dict`` found missing, unexpected or wrongly shaped entries (all are listed)."""

    def __init__(self, message: str, missing: list[str], unexpected: list[str],
                 mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]]) -> None:
        super().__init__(message)
        self.missing_keys = missing
        self.unexpected_keys = unexpected
        self.mismatched = mismatched


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``handle.remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, table: dict[int, Any], *extra: dict[int, Any]) -> None:
        self.table = table
        self.extra = extra  # tables of the hook's options (with_kwargs, always_call), keyed alike
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        for table in (self.table, *self.extra):
            table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    return first + "\n" + "\n".join((" " * spaces + ln) if ln.strip() else "" for ln in lines)


def _as_array(value: Any) -> np.ndarray:
    """A state_dict value as an ndarray: chainrule Tensors, NumPy arrays, and anything with
    ``.numpy()`` (a torch tensor, detached first) or ``__array__``."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.asarray(value.detach().numpy())
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def _reassign(table: dict, name: str, value: Any, kind: type, role: str, expected: str) -> None:
    """Store ``value`` under ``name``, already a key of ``table`` (a module's parameters, buffers
    or submodules): only ``None`` or a ``kind`` may take the slot of one."""
    if value is not None and not isinstance(value, kind):
        raise TypeError(
            f"cannot assign '{type(value).__name__}' as {role} '{name}' ({expected} or None expected)"
        )
    table[name] = value


class Module:
    """Base class of every layer and model: subclass it, assign layers in ``__init__``, define
    ``forward``, and call the module like a function.

    Example::

        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 256)
                self.fc2 = nn.Linear(256, 10)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())
    """

    training: bool
    _version: int = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments {args or ''}"
                f"{kwargs or ''}: Module.__init__ takes none"
            )
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_pre_hooks", {})
        setattr_(self, "_forward_hooks", {})
        setattr_(self, "_backward_pre_hooks", {})
        setattr_(self, "_backward_hooks", {})
        setattr_(self, "_hook_options", {})  # hook id -> its options: "with_kwargs", "always_call"

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        options = self._hook_options
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if "with_kwargs" in options.get(hook_id, ()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_call = None
        if (self._backward_hooks or self._backward_pre_hooks) and _grad_mode.is_grad_enabled():
            backward_call = BackwardHookCall(self)
            args = backward_call.inputs(args)
        try:
            out = self.forward(*args, **kwargs)
        except BaseException:
            for hook_id, hook in list(self._forward_hooks.items()):  # always_call hooks see the failure too
                if "always_call" in options.get(hook_id, ()):
                    with contextlib.suppress(Exception):
                        self._run_forward_hook(hook_id, hook, args, kwargs, None)
            raise
        for hook_id, hook in list(self._forward_hooks.items()):
            result = self._run_forward_hook(hook_id, hook, args, kwargs, out)
            if result is not None:
                out = result
        return out if backward_call is None else backward_call.outputs(out)

    def _run_forward_hook(self, hook_id: int, hook: Callable[..., Any], args: tuple[Any, ...],
                          kwargs: dict[str, Any], out: Any) -> Any:
        if "with_kwargs" in self._hook_options.get(hook_id, ()):
            return hook(self, args, kwargs, out)
        return hook(self, args, out)

    def _add_hook(self, table: dict[int, Any], hook: Callable[..., Any], prepend: bool,
                  **options: bool) -> RemovableHandle:
        """Register ``hook`` in ``table`` (first, with ``prepend``) with its true ``options``."""
        handle = RemovableHandle(table, self._hook_options)
        if prepend:
            rest = list(table.items())
            table.clear()
            table[handle.id] = hook
            table.update(rest)
        else:
            table[handle.id] = hook
        chosen = {name for name, on in options.items() if on}
        if chosen:
            self._hook_options[handle.id] = chosen
        return handle

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; it may return replacement args. With
        ``with_kwargs``: ``hook(module, args, kwargs)``, returning None or ``(args, kwargs)``;
        ``prepend`` runs it before the hooks already registered."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs=with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; it may return a new output. With
        ``with_kwargs``: ``hook(module, args, kwargs, output)``; ``always_call`` runs it even when
        ``forward`` raises; ``prepend`` runs it before the hooks already registered."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs=with_kwargs,
                              always_call=always_call)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs once per backward pass through a call,
        when the gradients with respect to the call's positional inputs are known; it may return
        replacements for ``grad_input`` (see :mod:`chainrule.nn.backward_hooks`)."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_output)`` runs once per backward pass through a call, when the
        gradients with respect to its outputs are known; it may return replacements for them."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    # ------------------------------------------------------------------ attributes
    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails: parameters, buffers and submodules
        d = self.__dict__
        params = d.get("_parameters")
        if params is not None and name in params:
            return params[name]
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            return buffers[name]
        modules = d.get("_modules")
        if modules is not None and name in modules:
            return modules[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Buffer):  # nn.Buffer: registered as a plain tensor
            self._forget(name, keep="_buffers")
            self.register_buffer(name, Tensor._make(value._data), persistent=value.persistent)
            return
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            _reassign(params, name, value, Parameter, "parameter", "chainrule.nn.Parameter")
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            modules[name] = value
            return
        if modules is not None and name in modules:
            _reassign(modules, name, value, Module, "child module", "chainrule.nn.Module")
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            _reassign(buffers, name, value, Tensor, "buffer", "chainrule.Tensor")
            return
        object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Remove ``name`` from every table but ``keep`` (a name lives in one place only)."""
        d = self.__dict__
        d.pop(name, None)
        for table in ("_parameters", "_buffers", "_modules"):
            if table != keep:
                d[table].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if name in d.get(table, ()):
                del d[table][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(super().__dir__())
        keys += list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def _check_register(self, kind: str, table: str, name: Any, value: Any, cls: type, expected: str) -> None:
        """What register_parameter and register_buffer refuse: a call before Module.__init__, a
        name that is not a fresh attribute name, a value that is neither None nor a ``cls``."""
        if table not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if hasattr(self, name) and name not in self.__dict__[table]:
            raise KeyError(f"attribute '{name}' already exists")
        if value is not None and not isinstance(value, cls):
            raise TypeError(
                f"cannot assign '{type(value).__name__}' object to {kind} '{name}' ({expected} or None required)"
            )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, as ``Linear(bias=False)`` has)."""
        self._check_register("parameter", "_parameters", name, param, Parameter, "chainrule.nn.Parameter")
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                "created explicitly; to express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is saved in ``state_dict`` (unless ``persistent=False``) but not learnt,
        such as BatchNorm's running mean."""
        self._check_register("buffer", "_buffers", name, tensor, Tensor, "chainrule.Tensor")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as ``self.<name>``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f'module name can\'t contain "." or be empty, got: "{name}"')
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path such as ``"encoder.0"``."""
        mod = self
        if target == "":
            return mod
        for item in target.split("."):
            sub = mod._modules.get(item)
            if sub is None:
                raise AttributeError(f"{mod._get_name()} has no submodule `{item}` (path {target!r})")
            mod = sub
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path such as ``"encoder.0.weight"``."""
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path such as ``"bn.running_mean"``."""
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target: str, table: str, kind: str) -> Any:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        value = getattr(mod, table).get(name)
        if value is None:  # absent, or a None placeholder
            raise AttributeError(f"{mod._get_name()} has no {kind} `{name}`")
        return value

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first, with dotted names (``""`` for self)."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, table: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse else [(prefix, self)]
        )
        seen: set[int] = set()
        for mod_prefix, module in modules:
            for name, value in module.__dict__[table].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, e.g. ``("0.weight", ...)``; a shared one is given once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers(recurse=recurse))

    # ------------------------------------------------------------------ modes and state
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(): training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to ``None`` by default, as PyTorch 2 does)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._data[...] = 0

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply_dtype(self, dtype: np.dtype) -> Module:
        """Convert floating parameters (and their grads) and buffers in place, keeping identity."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p._data.dtype.kind == "f":
                    p._data = p._data.astype(dtype, copy=False)
                    if p.grad is not None:
                        p.grad._data = p.grad._data.astype(dtype, copy=False)
            for b in m._buffers.values():
                if b is not None and b._data.dtype.kind == "f":
                    b._data = b._data.astype(dtype, copy=False)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)`` converts floating parameters and buffers; a ``"cpu"`` device is
        accepted (chainrule runs on the CPU). Integer buffers keep their dtype."""
        from ..device import check_device, is_device

        dtype = kwargs.pop("dtype", None)
        check_device(kwargs.pop("device", None), f"{self._get_name()}.to")
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
        for a in args:
            if is_device(a) or isinstance(a, int) and not isinstance(a, bool):
                check_device(a, f"{self._get_name()}.to")  # the CPU passes, any other device is refused
                continue
            dtype = a.dtype if isinstance(a, Tensor) else a
        if dtype is None:
            return self
        d = _dt.as_dtype(dtype)
        if d.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={d}")
        return self._apply_dtype(d)

    def float(self) -> Module:
        return self._apply_dtype(_dt.float32)

    def double(self) -> Module:
        return self._apply_dtype(_dt.float64)

    def half(self) -> Module:
        return self._apply_dtype(_dt.float16)

    def type(self, dst_type: Any) -> Module:
        return self.to(dst_type)

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        raise RuntimeError("cuda(): chainrule runs on the CPU only (NumPy arrays); use the model as it is")

    # ------------------------------------------------------------------ state_dict
    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name (``"0.weight"``, ``"bn.running_mean"``)
        as detached Tensors sharing memory with the module (``keep_vars=True``: the objects)."""
        if destination is None:
            destination = OrderedDict()
        for hook in list(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
            hook(self, prefix, keep_vars)
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else Tensor._make(p._data)
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else Tensor._make(b._data)
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in list(self.__dict__.get("_state_dict_post_hooks", {}).values()):
            if hook(self, destination, prefix, {}) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def get_extra_state(self) -> Any:
        """State beyond parameters and buffers, saved under ``_extra_state`` in the state_dict: a
        module that has some defines this and :meth:`set_extra_state`."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. Please "
                           "define get_extra_state() in your module to save state beyond parameters and buffers.")

    def set_extra_state(self, state: Any) -> None:
        """Take back what :meth:`get_extra_state` returned (``load_state_dict`` calls it)."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. Please "
                           "define set_extra_state() in your module to load the state saved by get_extra_state().")

    def _add_state_hook(self, table: str, hook: Callable[..., Any]) -> RemovableHandle:
        hooks = self.__dict__.setdefault(table, {})  # made on first use: most modules have none
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, prefix, keep_vars)`` runs before ``state_dict`` collects this module's entries."""
        return self._add_state_hook("_state_dict_pre_hooks", hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata)`` runs after them; it may edit ``state_dict``."""
        return self._add_state_hook("_state_dict_post_hooks", hook)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` runs before ``load_state_dict`` reads the entries; it may edit ``state_dict``
        (rename an old checkpoint's keys, say)."""
        return self._add_state_hook("_load_state_dict_pre_hooks", hook)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, incompatible_keys)`` runs after loading, before a strict load's check; it may
        clear entries of ``incompatible_keys.missing_keys`` / ``.unexpected_keys`` in place."""
        return self._add_state_hook("_load_state_dict_post_hooks", hook)

    def _state_targets(self) -> dict[str, Tensor]:
        """The tensors a state_dict entry is loaded into, by key (shared ones under each name)."""
        return dict(self.state_dict(keep_vars=True))

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values into this module's parameters and buffers, converting dtypes.

        Accepts chainrule Tensors, NumPy arrays, and anything with ``.numpy()`` or ``__array__``,
        so a PyTorch state_dict loads directly. Missing, unexpected and wrongly shaped keys are all
        reported in one error (missing/unexpected only when ``strict``; a shape mismatch always).
        ``assign=True`` makes each parameter take the given array instead of copying into it.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        modules = dict(self.named_modules())
        if any("_load_state_dict_pre_hooks" in m.__dict__ for m in modules.values()):
            state_dict = OrderedDict(state_dict)  # the hooks may edit it, the caller's stays as it is
            for name, module in modules.items():
                for hook in list(module.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
                    hook(module, state_dict, name + "." if name else "", {}, strict, [], [], [])
        targets = self._state_targets()
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
        loads: list[tuple[Tensor, np.ndarray]] = []
        extra: list[tuple[Module, Any]] = []
        for key, target in targets.items():
            if key not in state_dict:
                continue
            if key == _EXTRA_STATE or key.endswith("." + _EXTRA_STATE):  # a module's own state
                extra.append((modules[key[: -len(_EXTRA_STATE)].rstrip(".")], state_dict[key]))
                continue
            try:
                arr = _as_array(state_dict[key])
            except Exception as e:  # noqa: BLE001  (report which key could not be read)
                raise TypeError(f"load_state_dict: could not read '{key}' as an array: {e}") from e
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: '{key}' holds dtype {arr.dtype}, not numbers")
            if hasattr(target, "materialize"):  # a lazy module's tensor takes the saved shape
                target.materialize(arr.shape)
            if arr.shape != target._data.shape:
                if target._data.ndim == 0 and arr.shape == (1,):  # legacy scalars saved as [1]
                    arr = arr.reshape(())
                else:
                    mismatched.append((key, tuple(arr.shape), tuple(target._data.shape)))
                    continue
            loads.append((target, arr))
        incompatible = _IncompatibleKeys(missing, unexpected)
        for module in modules.values():
            for hook in list(module.__dict__.get("_load_state_dict_post_hooks", {}).values()):
                hook(module, incompatible)
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if strict and unexpected:
            errors.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". "
            )
        for key, got, want in mismatched:
            errors.append(
                f"size mismatch for {key}: copying a param with shape {got} from checkpoint, "
                f"the shape in current model is {want}."
            )
        if errors:
            raise StateDictError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors),
                missing if strict else [], unexpected if strict else [], mismatched,
            )
        for target, arr in loads:
            if assign:
                target._data = np.array(arr, dtype=arr.dtype)
            else:
                np.copyto(target._data, arr, casting="unsafe")
        for module, state in extra:
            module.set_extra_state(state)
        return incompatible

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside ``Name(...)``; layers override it (e.g. ``in_features=3, ...``)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
