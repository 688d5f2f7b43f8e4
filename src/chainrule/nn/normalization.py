"""Normalisation layers: BatchNorm1d/BatchNorm2d (per channel, over the batch), LayerNorm
(per sample, over its features), GroupNorm (per sample and group of channels), InstanceNorm1d/2d
(per sample and channel) and LocalResponseNorm (across neighbouring channels). The maths and the backward are in
:mod:`chainrule.nn._functions.normalization`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from . import init
from ._functions import normalization as _norm
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d; subclasses set the accepted input ranks."""

    _ranks: tuple[int, ...] = ()
    _layout: str = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        d = _dt.as_dtype(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=d))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=d))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(num_features, dtype=d)))
            self.register_buffer("running_var", Tensor._make(np.ones(num_features, dtype=d)))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._get_name()}: expected a Tensor input, got {type(input).__name__}")
        x = input._data
        if x.ndim not in self._ranks or x.shape[1] != self.num_features:
            raise ShapeError(
                f"{self._get_name()}(num_features={self.num_features}) expected input "
                f"{self._layout} with C = {self.num_features}, got shape {tuple(x.shape)}"
            )
        # batch statistics while training, or always when no running statistics are kept
        use_batch = self.training or self.running_mean is None
        if use_batch and x.size // x.shape[1] <= 1:
            raise ValueError(
                f"{self._get_name()}: expected more than 1 value per channel when training, "
                f"got input of shape {tuple(x.shape)}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        # running buffers: updated while training (if tracked), read in evaluation
        keep = not self.training or self.track_running_stats
        rm = self.running_mean._data if keep and self.running_mean is not None else None
        rv = self.running_var._data if keep and self.running_var is not None else None
        return _norm.BatchNorm.apply(input, self.weight, self.bias, running_mean=rm,
                                     running_var=rv, training=use_batch, momentum=factor,
                                     eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``[N, C]`` or ``[N, C, L]`` (Ioffe & Szegedy, 2015).

    Training: ``y = (x - mean_B) / sqrt(var_B + eps) * weight + bias`` with the batch's mean and
    biased variance per channel, and the running estimates updated as
    ``running = (1 - momentum) running + momentum * batch_stat`` (unbiased variance;
    ``momentum=None``: a cumulative average ``1 / num_batches_tracked``).
    Evaluation: the running estimates replace the batch statistics.
    """

    _ranks = (2, 3)
    _layout = "[N, C] or [N, C, L]"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images ``[N, C, H, W]``, per channel over ``N, H, W``."""

    _ranks = (4,)
    _layout = "[N, C, H, W]"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of volumes ``[N, C, D, H, W]``, per channel over ``N, D, H, W``."""

    _ranks = (5,)
    _layout = "[N, C, D, H, W]"


class LayerNorm(Module):
    """Layer normalisation (Ba et al., 2016): each sample is standardised over its last
    ``len(normalized_shape)`` dims, ``y = (x - mean) / sqrt(var + eps) * weight + bias``;
    the same in training and evaluation."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = F.normalized_shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        d = _dt.as_dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=d))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=d))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"LayerNorm: expected a Tensor input, got {type(input).__name__}")
        F.check_layer_norm_input(f"LayerNorm({self.normalized_shape})", input._data.shape,
                                 self.normalized_shape)
        return _norm.LayerNorm.apply(input, self.weight, self.bias,
                                     k=len(self.normalized_shape), eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalisation (Zhang & Sennrich, 2019), the LayerNorm of LLaMA-style
    models without centring or shift: ``y = x / sqrt(mean(x^2) + eps) * weight`` over the last
    ``len(normalized_shape)`` dims (``eps=None``: the dtype's machine epsilon)."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = F.normalized_shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=_dt.as_dtype(dtype)))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalisation (Wu & He, 2018): the channels are split into ``num_groups`` groups and
    each sample's group is standardised over its channels and positions, then every channel is
    scaled and shifted; the same in training and evaluation, whatever the batch size."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        d = _dt.as_dtype(dtype)
        self.register_parameter("weight", Parameter(np.ones(num_channels, dtype=d)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(num_channels, dtype=d)) if affine and bias else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"GroupNorm: expected a Tensor input, got {type(input).__name__}")
        x = input._data
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(
                f"GroupNorm({self.num_groups}, {self.num_channels}) expected input [N, C, *] with "
                f"C = {self.num_channels}, got shape {tuple(x.shape)}"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Shared by InstanceNorm1d/2d: BatchNorm's parameters, buffers and repr with other defaults
    (no affine, no running statistics); ``_ranks`` is (unbatched, batched)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._get_name()}: expected a Tensor input, got {type(input).__name__}")
        x = input._data
        unbatched, batched = self._ranks
        if x.ndim not in self._ranks:
            raise ShapeError(f"{self._get_name()}({self.num_features}) expected input {self._layout}, "
                             f"got shape {tuple(x.shape)}")
        channels = x.shape[x.ndim - unbatched]
        if channels != self.num_features:
            if self.affine:
                raise ShapeError(f"{self._get_name()}(num_features={self.num_features}) expected input "
                                 f"{self._layout} with C = {self.num_features}, got shape {tuple(x.shape)}")
            warnings.warn(f"{self._get_name()}: the input's {channels} channels do not match "
                          f"num_features={self.num_features} (unused, as affine=False)", stacklevel=2)
        batch = input.unsqueeze(0) if x.ndim == unbatched else input
        y = F.instance_norm(batch, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if x.ndim == unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation (Ulyanov et al., 2016) of ``[N, C, L]`` (or ``[C, L]``): each
    channel of each sample standardised over its length, ``y = (x - mean) / sqrt(var + eps)``
    (then ``* weight + bias`` if ``affine``). With ``track_running_stats`` the running estimates
    are updated in training (the batch's mean of every sample's statistics) and used in eval."""

    _ranks = (2, 3)
    _layout = "[N, C, L] or [C, L]"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of images ``[N, C, H, W]`` (or ``[C, H, W]``), per sample and
    channel over ``H, W`` (see :class:`InstanceNorm1d`)."""

    _ranks = (3, 4)
    _layout = "[N, C, H, W] or [C, H, W]"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of volumes ``[N, C, D, H, W]`` (or ``[C, D, H, W]``), per sample and
    channel over ``D, H, W`` (see :class:`InstanceNorm1d`)."""

    _ranks = (4, 5)
    _layout = "[N, C, D, H, W] or [C, D, H, W]"


class LocalResponseNorm(Module):
    """Local response normalisation across channels (Krizhevsky et al., 2012):
    ``x / (k + alpha / size * sum of x^2 over size neighbouring channels)^beta``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
