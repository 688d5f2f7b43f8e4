"""Padding layers over :func:`chainrule.nn.functional.pad`: ConstantPad/ZeroPad (a fixed value),
ReflectionPad (mirrored without repeating the edge), ReplicationPad (the edge repeated) and
CircularPad (wrapped around), in 1, 2 and 3 dims.

``padding`` is one int for every side, or ``(left, right)`` for 1d, ``(left, right, top,
bottom)`` for 2d, ``(left, right, top, bottom, front, back)`` for 3d, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from .module import Module


def _widths(padding: int | Sequence[int], n: int) -> tuple[int, ...]:
    if isinstance(padding, int):
        return (padding,) * n
    return tuple(padding)


class _PadNd(Module):
    mode = "constant"
    dims = 1  # how many trailing dims are padded

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _widths(padding, 2 * self.dims)

    def _check(self, input: Tensor) -> None:  # noqa: A002
        ndim = input._data.ndim
        if ndim not in (self.dims + 1, self.dims + 2):
            raise ShapeError(
                f"{self._get_name()}: expected a {self.dims + 1}-d (unbatched) or {self.dims + 2}-d "
                f"(batched) input, got shape {tuple(input._data.shape)}"
            )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check(input)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _check(self, input: Tensor) -> None:  # noqa: A002
        pass  # a constant pads the trailing dims of any input

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""

    dims = 2


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its mirror image, the edge not repeated (``abc -> cbabcba``)."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dims with their mirror image, the edges not repeated."""

    dims = 2


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge values (``abc -> aaabccc``)."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dims by repeating their edge values."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""

    dims = 3


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad3d(ReflectionPad1d):
    """Pad the last three dims with their mirror image, the edges not repeated."""

    dims = 3


class ReplicationPad3d(ReplicationPad1d):
    """Pad the last three dims by repeating their edge values."""

    dims = 3


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around (``abc -> bcabcab``): the signal taken as periodic."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pad the last two dims by wrapping around."""

    dims = 2


class CircularPad3d(CircularPad1d):
    """Pad the last three dims by wrapping around."""

    dims = 3
