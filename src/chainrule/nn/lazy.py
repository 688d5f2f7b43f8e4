"""Lazy layers, as PyTorch's ``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm1d``...: the input size
is read from the first input instead of being given.

``LazyLinear(10)`` holds uninitialised parameters (:class:`~chainrule.nn.UninitializedParameter`)
until its first call; then it reads ``in_features`` from the input's last dim, gives the
parameters their shapes in place (an optimiser built before keeps them), initialises them as the
ordinary layer does, and becomes that layer (``Linear``). Loading a state_dict before the first
call gives the parameters the saved shapes too.
"""

from __future__ import annotations

from typing import Any

from ..autograd import grad_mode
from ..tensor import Tensor
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .parameter import UninitializedBuffer, UninitializedParameter, _Uninitialized

__all__ = [
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
    "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
    "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear", "LazyModuleMixin",
]


class LazyModuleMixin:
    """Infers the parameters' shapes on the first call (``initialize_parameters``), then becomes
    ``cls_to_become``."""

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        return any(isinstance(t, _Uninitialized) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define initialize_parameters(input)")

    def _uninitialize(self, *names: str) -> None:
        """Replace the named parameters and buffers (those that exist) by uninitialised ones."""
        for name in names:
            if self._parameters.get(name) is not None:
                old = self._parameters[name]
                self._parameters[name] = UninitializedParameter(old.requires_grad, dtype=old._data.dtype)
            elif self._buffers.get(name) is not None and self._buffers[name]._data.ndim:
                self._buffers[name] = UninitializedBuffer(dtype=self._buffers[name]._data.dtype)


def _infer_parameters(module: Any, args: tuple[Any, ...]) -> None:
    with grad_mode.no_grad():
        module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


def _first_input(op: str, args: tuple[Any, ...]) -> Tensor:
    if not args or not isinstance(args[0], Tensor):
        raise TypeError(f"{op}: the first call needs a Tensor input to infer the parameters' shapes")
    return args[0]


class LazyLinear(LazyModuleMixin, Linear):
    """:class:`Linear` with ``in_features`` read from the first input's last dim."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, out_features, bias, device, dtype)
        self._uninitialize("weight", "bias")

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args: Any) -> None:
        if not self.has_uninitialized_params():  # shapes given by a loaded state_dict
            self.in_features = self.weight.shape[1]
            return
        self.in_features = _first_input(type(self).__name__, args).shape[-1]
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()


class _LazyConv(LazyModuleMixin):
    """The convolutions' lazy part: ``in_channels`` from the first input's channel dim."""

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args: Any) -> None:
        if not self.has_uninitialized_params():  # shapes given by a loaded state_dict
            w = self.weight.shape
            self.in_channels = w[0] if self.transposed else w[1] * self.groups
            return
        x = _first_input(type(self).__name__, args)
        batched = x.dim() == self._nd + 2
        self.in_channels = x.shape[1] if batched else x.shape[0]
        if self.in_channels % self.groups:
            raise ValueError(f"{type(self).__name__}: in_channels must be divisible by groups, got "
                             f"{self.in_channels} and {self.groups}")
        pair = ((self.in_channels, self.out_channels // self.groups) if self.transposed
                else (self.out_channels, self.in_channels // self.groups))
        self.weight.materialize(pair + tuple(self.kernel_size))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


def _lazy_conv(name: str, base: type, nd: int) -> type:
    transposed = base in (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)

    if transposed:
        def __init__(self: Any, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                     padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
            base.__init__(self, 0, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                          dilation, padding_mode, device, dtype)
            self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)
            self._uninitialize("weight", "bias")
    else:
        def __init__(self: Any, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                     dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                     device: Any = None, dtype: Any = None) -> None:
            base.__init__(self, 0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                          padding_mode, device, dtype)
            self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)
            self._uninitialize("weight", "bias")

    doc = f":class:`{base.__name__}` with ``in_channels`` read from the first input's channel dim."
    return type(name, (_LazyConv, base), {"__init__": __init__, "cls_to_become": base, "__doc__": doc,
                                         "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3)


class _LazyNorm(LazyModuleMixin):
    """The normalisations' lazy part: ``num_features`` from the first input's channel dim."""

    _unbatched_rank: int | None = None  # the instance norms accept an input without a batch dim

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args: Any) -> None:
        if not self.has_uninitialized_params():  # shapes given by a loaded state_dict
            known = next((t for t in (self.weight, self.running_mean) if t is not None), None)
            if known is not None:
                self.num_features = known.shape[0]
            return
        x = _first_input(type(self).__name__, args)
        self.num_features = x.shape[0] if x.dim() == self._unbatched_rank else x.shape[1]
        for name in ("weight", "bias", "running_mean", "running_var"):
            t = getattr(self, name, None)
            if isinstance(t, _Uninitialized):
                t.materialize((self.num_features,))
        self.reset_parameters()


def _lazy_norm(name: str, base: type, instance: bool) -> type:
    def __init__(self: Any, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None) -> None:
        base.__init__(self, 0, eps, momentum, affine, track_running_stats, device, dtype)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)
        self._uninitialize("weight", "bias", "running_mean", "running_var")

    attributes: dict[str, Any] = {"__init__": __init__, "cls_to_become": base, "__module__": __name__,
                                  "__doc__": f":class:`{base.__name__}` with ``num_features`` read from the "
                                             "first input's channel dim."}
    if instance:
        attributes["_unbatched_rank"] = base._ranks[0]
    return type(name, (_LazyNorm, base), attributes)


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, False)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, False)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, False)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, True)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, True)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, True)
