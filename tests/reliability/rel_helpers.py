"""Strict floating-point mode for the reliability tests (the comparison with torch: ``torch_oracle``)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import numpy as np


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """NumPy's overflow, division by zero and invalid results raise; every warning is an error.

    Underflow stays silent on purpose: rounding ``e^-20000`` to 0 is the exact float answer that a
    max-shifted softmax relies on, and IEEE gradual underflow is not an error. What must never
    happen is an ``inf`` from overflow, a division by zero or a NaN from ``0/0`` or ``inf - inf``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield
