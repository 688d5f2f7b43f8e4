"""Feature scaling with scikit-learn's scalers, fitted on the training split only.

The lecture's "feature scaling?" question: gradient descent converges faster when every feature
has a similar range. Two standard answers, both taken from scikit-learn:

* ``"standard"``: ``x' = (x - mean_train) / std_train`` (``StandardScaler``);
* ``"minmax"``:   ``x' = (x - min_train) / (max_train - min_train)`` (``MinMaxScaler``).

The statistics come from the training split alone and are then applied unchanged to the test
split: fitting them on test data would leak it into training.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SCALES = ("standard", "minmax", None)


def make_scaler(scale: str | None) -> Any:
    """An unfitted scikit-learn scaler for ``scale`` (``None`` or ``"none"``: no scaling)."""
    if scale is None or scale == "none":
        return None
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if scale == "standard":
        return StandardScaler()
    if scale == "minmax":
        return MinMaxScaler()
    raise ValueError(f"scale: expected 'standard', 'minmax' or None, got {scale!r}")


def scale_splits(
    x_train: np.ndarray, x_test: np.ndarray, scale: str | None
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Fit ``scale``'s scaler on ``x_train``; return both splits transformed and the fitted scaler.

    The dtype of the inputs is kept (scikit-learn would otherwise hand float32 back as float64).
    """
    scaler = make_scaler(scale)
    if scaler is None:
        return x_train, x_test, None
    dtype = x_train.dtype
    scaler.fit(x_train)
    return (
        scaler.transform(x_train).astype(dtype, copy=False),
        scaler.transform(x_test).astype(dtype, copy=False),
        scaler,
    )
