"""Gradient mode: whether new operations record the graph (``no_grad``, ``enable_grad``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_enabled: bool = True
_inference: bool = False  # inside inference_mode()
_anomaly: bool = False  # see anomaly.detect_anomaly


def is_grad_enabled() -> bool:
    """True when operations record the graph for backward."""
    return _enabled


class set_grad_enabled:
    """Turn graph recording on or off; a context manager, a decorator, or a plain call."""

    def __init__(self, mode: bool) -> None:
        global _enabled
        self.prev = _enabled
        self.mode = bool(mode)
        _enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        global _enabled
        _enabled = self.prev

    def __call__(self, fn: F) -> F:
        global _enabled
        _enabled = self.prev  # construction switched the mode; a decorator must not

        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradModeContext:
    mode: bool = True

    def __new__(cls, *args: Any) -> Any:
        if len(args) == 1 and callable(args[0]):  # used bare as a decorator: @no_grad
            return cls()(args[0])
        return super().__new__(cls)

    def __init__(self) -> None:
        pass

    def __enter__(self) -> None:
        global _enabled
        self.prev = _enabled
        _enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        global _enabled
        _enabled = self.prev

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            global _enabled
            prev = _enabled
            _enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled = prev

        return wrapper  # type: ignore[return-value]


class inference_mode(_GradModeContext):
    """``no_grad`` under PyTorch's other name for it: no graph is recorded inside.

    ``with chainrule.inference_mode():``, ``@chainrule.inference_mode()`` or ``@chainrule.inference_mode``.
    ``inference_mode(False)`` switches recording back on. (PyTorch also marks the tensors made
    inside as unusable in autograd later; chainrule's are ordinary tensors without a graph.)
    """

    def __init__(self, mode: bool = True) -> None:
        self.inference = bool(mode)
        self.mode = not self.inference

    def __enter__(self) -> None:
        global _inference
        super().__enter__()
        self.prev_inference, _inference = _inference, self.inference

    def __exit__(self, *exc: object) -> None:
        global _inference
        super().__exit__(*exc)
        _inference = self.prev_inference

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(self.inference):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_inference_mode_enabled() -> bool:
    return _inference


class no_grad(_GradModeContext):
    """Operations inside record no graph: for evaluation and for in-place parameter updates.

    Works as ``with chainrule.no_grad():`` and as the decorator ``@chainrule.no_grad()`` (or ``@chainrule.no_grad``).
    """

    mode = False


class enable_grad(_GradModeContext):
    """Switch recording back on inside a ``no_grad`` block."""

    mode = True
