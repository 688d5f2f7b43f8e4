"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that ``Module`` collects into ``parameters()``.

    ``Parameter(t)`` shares ``t``'s data (no copy), like ``torch.nn.Parameter``; assigning it as
    an attribute of a Module (``self.weight = Parameter(...)``) registers it under that name, so it
    appears in ``named_parameters()`` and ``state_dict()``.
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        copy = Parameter(self._data.copy(), self.requires_grad)
        if self.grad is not None:
            copy.grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (self._data, self.requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


_UNINITIALIZED = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
                  "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
                  "`forward` to initialize the parameters before accessing their attributes.")


class _Uninitialized:
    """A tensor whose shape is not known yet (a lazy module's, before its first call):
    :meth:`materialize` gives it one, in place, so whoever holds it (an optimiser) keeps it."""

    __slots__ = ()  # the same memory layout as the tensor it becomes
    cls_to_become: type = Tensor

    @property
    def shape(self) -> Any:
        raise RuntimeError(_UNINITIALIZED)

    def size(self, dim: Any = None) -> Any:
        raise RuntimeError(_UNINITIALIZED)

    def numel(self) -> int:
        raise RuntimeError(_UNINITIALIZED)

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Take the shape ``shape`` (values uninitialised) and become an ordinary tensor of its kind."""
        self._data = np.empty(tuple(shape), dtype=self._data.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape a lazy module infers on its first call (``torch.nn.UninitializedParameter``)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(np.empty(0, dtype=np.dtype(dtype) if dtype is not None else np.float32), requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape a lazy module infers on its first call (``torch.nn.UninitializedBuffer``)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__(np.empty(0, dtype=np.dtype(dtype) if dtype is not None else np.float32),
                         requires_grad=requires_grad)


class Buffer(Tensor):
    """A tensor that a Module registers as a buffer when assigned as an attribute
    (``self.mean = nn.Buffer(zeros(3))``), persistent (in the state_dict) or not, as
    ``torch.nn.Buffer``; the module keeps it as a plain tensor."""

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        super().__init__(data._data if isinstance(data, Tensor) else data)
        self.persistent = persistent
