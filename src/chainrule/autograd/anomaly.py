"""Anomaly detection: find the operation whose backward first produced a NaN.

Inside ``with chainrule.autograd.detect_anomaly():`` every new graph node remembers where in the
user's code it was created, and backward checks each gradient it computes. The first NaN raises a
RuntimeError naming the operation and showing that forward call, instead of a NaN that surfaces
steps later in the loss.
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np

from . import grad_mode


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on; ``check_nan=True``."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.prev = grad_mode._anomaly
        grad_mode._anomaly = self.check_nan

    def __exit__(self, *exc: object) -> None:
        grad_mode._anomaly = self.prev

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


def set_detect_anomaly(mode: bool) -> None:
    grad_mode._anomaly = bool(mode)


def is_anomaly_enabled() -> bool:
    return grad_mode._anomaly


def record_creation(node: Any) -> None:
    """Remember the user's forward call that created ``node`` (skipping chainrule's own frames)."""
    stack = traceback.extract_stack()[:-2]
    user = [f for f in stack if "/chainrule/" not in f.filename.replace("\\", "/")] or stack
    node._creation = user[-1]
    node._creation_stack = "".join(traceback.format_list(user[-6:]))


def check_gradients(node: Any, grads: tuple[Any, ...]) -> None:
    """Raise if the backward of ``node`` produced a NaN, naming the op and its forward call."""
    for i, g in enumerate(grads):
        if g is not None and np.isnan(g).any():
            where = getattr(node, "_creation", None)
            origin = (
                f"\nThe forward call that created it: {where.filename}:{where.lineno} in "
                f"{where.name}\n    {where.line}\nTraceback of the forward call:\n"
                f"{getattr(node, '_creation_stack', '')}"
                if where is not None
                else "\n(the node was created outside detect_anomaly(), so its forward call is unknown)"
            )
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output "
                f"(gradient for input {i}, shape {tuple(g.shape)}).{origin}"
            )
