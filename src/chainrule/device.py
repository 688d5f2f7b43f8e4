"""Devices, as ``torch.device``: chainrule computes on the CPU, and says so when asked for another.

``device("cuda")`` can be made and printed (programs build it before they check for a GPU), but
a tensor can only be put on ``"cpu"``: every ``device=`` argument and ``Tensor.to`` go through
:func:`check_device`, which refuses the others with an error that names the operation.
"""

from __future__ import annotations

from typing import Any

_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "xla", "hip", "ipu", "mtia")


class device:  # noqa: N801  (torch.device)
    """Where a tensor lives: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 1)``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index  # noqa: A001
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu' or 'cuda:0', got {type!r}")
        name, _, number = type.partition(":")
        if name not in _KNOWN:
            raise RuntimeError(
                f"device(): expected one of {', '.join(_KNOWN)} device type at start of device "
                f"string: {type!r}"
            )
        if number:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"device(): invalid device string {type!r}")
            index = int(number)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device(): the index must be a non-negative int, got {index!r}")
        self.type, self.index = name, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> bool:
        """Equal to the same device, and (unlike ``torch.device``) to its string: ``t.device == "cpu"``."""
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple[Any, ...]:
        return device, (self.type, self.index)


CPU = device("cpu")


def check_device(where: Any, op: str) -> device:
    """``where`` as a device (None means the CPU), or an error if it is not the CPU."""
    if where is None:
        return CPU
    if isinstance(where, int) and not isinstance(where, bool):
        where = device("cuda", where)  # torch reads a bare int as a CUDA index
    try:
        d = device(where)
    except (TypeError, RuntimeError) as e:
        raise RuntimeError(f"{op}: {e}") from None
    if d.type != "cpu":
        raise RuntimeError(
            f"{op}: chainrule runs on the CPU only, got device {str(d)!r}; use device='cpu' "
            "(chainrule.cuda.is_available() is False)"
        )
    return CPU


def is_device(obj: Any) -> bool:
    """Whether ``obj`` names a device (a :class:`device` or a device string such as ``"cuda:0"``)."""
    if isinstance(obj, device):
        return True
    return isinstance(obj, str) and obj.partition(":")[0] in _KNOWN


def set_default_device(where: Any) -> None:
    """``torch.set_default_device``: the CPU (or None) is accepted, any other device refused."""
    check_device(where, "set_default_device")


def get_default_device() -> device:
    return CPU
