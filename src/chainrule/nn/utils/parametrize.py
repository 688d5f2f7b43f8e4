"""Parametrizations, as ``torch.nn.utils.parametrize``: a tensor of a module computed from others.

``register_parametrization(module, "weight", P)`` makes ``module.weight`` a *function* of a tensor
that is trained instead: the original weight moves to ``module.parametrizations.weight.original``
and every read of ``module.weight`` returns ``P(original)``, so the gradient reaches the original
through ``P`` by the chain rule. Weight normalisation (``w = g v / ||v||``) and spectral
normalisation (``w = W / sigma_max(W)``) are such functions (:mod:`.parametrizations`).

If ``P`` has a ``right_inverse``, the original is initialised to ``right_inverse(weight)`` (for
weight normalisation the pair ``(g, v)``, stored as ``original0`` and ``original1``), and
assigning ``module.weight = X`` stores ``right_inverse(X)``. Several parametrizations of one
tensor compose in the order they were registered.

The module's class is replaced by a subclass of its own (``ParametrizedLinear``) that holds the
property, so other modules of the class are untouched; ``remove_parametrizations`` puts it back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ...autograd import grad_mode
from ...tensor import Tensor
from ..container import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "transfer_parametrizations_and_params", "type_before_parametrizations"]

_cache: dict[tuple[int, str], Tensor] | None = None  # the values computed inside cached()


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Compute each parametrized tensor once inside the block (a recurrent net reading its weight
    at every step computes it once), then forget the values."""
    global _cache
    outer = _cache
    _cache = {} if outer is None else outer
    try:
        yield
    finally:
        _cache = outer


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original tensor(s) they read."""

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        with grad_mode.no_grad():
            new = first.right_inverse(original) if hasattr(first, "right_inverse") else original
        trainable = isinstance(original, Parameter) and original.requires_grad
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if not unsafe and (new.dtype != original.dtype or tuple(new.shape) != tuple(original.shape)):
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype or shape of the "
                    f"tensor: got {new.dtype} {tuple(new.shape)}, expected {original.dtype} {tuple(original.shape)}")
            with grad_mode.no_grad():
                original._data = new._data.copy() if new is not original else original._data
            self._keep("original", original, trainable)
        else:
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors "
                                     f"(list, tuple...). Got element {i} of type {type(t).__name__}")
                self._keep(f"original{i}", Tensor._make(t._data.copy()), trainable)
        if not unsafe:
            value = self()
            if not isinstance(value, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
            if value.dtype != original.dtype or tuple(value.shape) != tuple(original.shape):
                raise ValueError(
                    "Registering a parametrization may not change the dtype or shape of the tensor, unless "
                    f"`unsafe` is set: expected {original.dtype} {tuple(original.shape)}, got "
                    f"{value.dtype} {tuple(value.shape)}")

    def _keep(self, name: str, tensor: Tensor, trainable: bool) -> None:
        """Hold an original as a parameter (when the tensor was a trainable one) or a buffer."""
        if trainable:
            self.register_parameter(name, tensor if isinstance(tensor, Parameter) else Parameter(tensor))
        else:
            self.register_buffer(name, tensor)

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` in the originals: through each parametrization's ``right_inverse``, last first."""
        with grad_mode.no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                elif module is not self[0]:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
            if self.is_tensor:
                self.original._data[...] = value._data
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}")._data[...] = t._data

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _parametrized_value(module: Module, name: str) -> Tensor:
    key = (id(module), name)
    if _cache is not None and key in _cache:
        return _cache[key]
    value = module.parametrizations[name]()
    if _cache is not None:
        _cache[key] = value
    return value


def _inject_class(module: Module) -> None:
    """Give ``module`` a class of its own, ``Parametrized<Class>``, to hold the properties."""
    cls = module.__class__
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"_class_before_parametrizations": cls})


def _inject_property(module: Module, name: str) -> None:
    def getter(self: Module) -> Tensor:
        return _parametrized_value(self, name)

    def setter(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    setattr(module.__class__, name, property(getter, setter))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` read as ``parametrization(original)`` (see the module docstring)."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be a Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            current = getattr(module, tensor_name)
            value = parametrization(current)
            if not isinstance(value, Tensor) or value.dtype != current.dtype or \
                    tuple(value.shape) != tuple(current.shape):
                raise ValueError("Registering a parametrization may not change the dtype or shape of the "
                                 "tensor, unless `unsafe` is set")
        plist.append(parametrization)
        plist.unsafe |= unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element "
                         f"with name '{tensor_name}'")
    original = getattr(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    _inject_property(module, tensor_name)
    module.parametrizations[tensor_name] = plist
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Does ``module`` have a parametrization (of ``tensor_name``, if given)?"""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo :func:`register_parametrization` for ``tensor_name``: it becomes a plain parameter
    again, holding the parametrized value (``leave_parametrized``) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with grad_mode.no_grad():
                value = getattr(module, tensor_name)
            original._data = value._data.copy()
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                             "parametrized in terms of a sequence of tensors.")
        with grad_mode.no_grad():
            value = getattr(module, tensor_name)
        original = Parameter(value._data.copy(), requires_grad=value.requires_grad) \
            if isinstance(plist.original0, Parameter) else Tensor._make(value._data.copy())
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__._class_before_parametrizations
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    return module.__class__._class_before_parametrizations if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Give ``to_module`` the parametrizations (and originals) of ``from_module``."""
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations)
    for name in names:
        plist = from_module.parametrizations[name]
        if name not in to_module._parameters and name not in to_module._buffers:
            setattr(to_module, name, Parameter(getattr(from_module, name)._data.copy()))
        for parametrization in plist:
            register_parametrization(to_module, name, parametrization)
        target = to_module.parametrizations[name]
        for key, value in plist.named_parameters(recurse=False):
            getattr(target, key)._data[...] = value._data
    return to_module
