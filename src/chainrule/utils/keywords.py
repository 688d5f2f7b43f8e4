"""PyTorch's NumPy-style keyword aliases: ``x.sum(axis=0, keepdims=True)`` is ``x.sum(dim=0, keepdim=True)``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_keywords(fn: F) -> F:
    """Accept NumPy's ``axis=`` and ``keepdims=`` for ``dim=`` and ``keepdim=``, as PyTorch does."""

    @functools.wraps(fn)
    def accepting(*args: Any, **kwargs: Any) -> Any:
        for alias, name in _NUMPY_NAMES.items():
            if alias in kwargs:
                if name in kwargs:
                    raise TypeError(f"{fn.__name__}(): got both {name}= and its alias {alias}=")
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return accepting  # type: ignore[return-value]
