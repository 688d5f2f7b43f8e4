"""``torch.utils`` names: ``chainrule.utils.data`` is :mod:`chainrule.data` (Dataset, DataLoader ...),
``chainrule.utils.checkpoint`` activation checkpointing."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["checkpoint", "data", "hooks"]


def __getattr__(name: str) -> Any:
    # loaded on first use: chainrule.data imports the Tensor, which imports utils.hooks
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'chainrule.utils' has no attribute {name!r}")
