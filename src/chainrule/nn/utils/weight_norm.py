"""Weight normalisation the older way, as ``torch.nn.utils.weight_norm`` (deprecated there in
favour of :func:`chainrule.nn.utils.parametrizations.weight_norm`, and kept for the programs
that use it): ``weight`` is replaced by two parameters, ``weight_g`` (the length, one per output
unit for ``dim=0``) and ``weight_v`` (the direction), and a forward pre-hook recomputes
``weight = weight_g * weight_v / ||weight_v||`` before every call.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...tensor import Tensor
from ..module import Module, RemovableHandle
from ..parameter import Parameter
from .parametrizations import _norm_except_dim

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split ``module.<name>`` into ``<name>_g`` and ``<name>_v`` (see the module docstring)."""
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    dim = -1 if dim is None else dim
    fn = WeightNorm(name, dim)
    weight = getattr(module, name)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, dim)._data.copy()))
    module.register_parameter(name + "_v", Parameter(weight._data.copy()))
    setattr(module, name, fn.compute_weight(module))
    handle = module.register_forward_pre_hook(fn)
    module._weight_norm_handles = {**module.__dict__.get("_weight_norm_handles", {}), name: handle}
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Put ``module.<name>`` back as one parameter, holding ``g v / ||v||``."""
    handles: dict[str, RemovableHandle] = module.__dict__.get("_weight_norm_handles", {})
    if name not in handles:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    fn = module._forward_pre_hooks[handles[name].id]
    weight = fn.compute_weight(module)
    handles.pop(name).remove()
    delattr(module, name)
    del module._parameters[name + "_g"]
    del module._parameters[name + "_v"]
    module.register_parameter(name, Parameter(weight._data.copy()))
    return module
