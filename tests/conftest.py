"""Shared fixtures; the helpers that compare chainrule with PyTorch live in ``torch_oracle``."""

from __future__ import annotations

from typing import Any

import pytest

import chainrule
from torch_oracle import FLOATS


@pytest.fixture(params=FLOATS, ids=["float32", "float64"])
def dtype(request: Any) -> Any:
    return request.param


@pytest.fixture(autouse=True)
def _seeded() -> None:
    chainrule.manual_seed(0)
