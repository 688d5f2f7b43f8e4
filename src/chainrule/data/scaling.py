"""Feature scaling, fitted on the training split only.

The lecture's "feature scaling?" question: gradient descent converges faster when every feature
has a similar range. Two standard answers, with scikit-learn's names, attributes and results:

* ``"standard"``: ``x' = (x - mean_train) / std_train`` (:class:`StandardScaler`);
* ``"minmax"``:   ``x' = (x - min_train) / (max_train - min_train)`` (:class:`MinMaxScaler`).

A constant feature (standard deviation or range 0) gets the scale 1, so it is only shifted.
The statistics come from the training split alone and are then applied unchanged to the test
split: fitting them on test data would leak it into training.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SCALES = ("standard", "minmax", None)

_EPS64 = np.finfo(np.float64).eps


def _as_matrix(x: Any, who: str) -> np.ndarray:
    """``x`` as a 2-D floating array (integers become float64, as in scikit-learn)."""
    a = np.asarray(x)
    if a.ndim != 2:
        raise ValueError(f"{who}: expected a 2-D array [samples, features], got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    return a


def _ones_where_tiny(scale: np.ndarray, constant: np.ndarray | None = None) -> np.ndarray:
    """``scale`` with 1 in place of the entries of constant features: those flagged in
    ``constant``, or else those below ``10 * eps`` of the dtype (scikit-learn's rule)."""
    if constant is None:
        constant = scale < 10 * np.finfo(scale.dtype).eps
    scale = scale.copy()
    scale[constant] = 1.0
    return scale


class _Scaler:
    """What both scalers share: fitting checks, ``fit_transform`` and the feature count check."""

    n_features_in_: int

    def fit(self, x: Any) -> _Scaler:
        raise NotImplementedError

    def transform(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, x: Any) -> np.ndarray:
        """``fit(x)``, then ``transform(x)``."""
        return self.fit(x).transform(x)

    def _checked(self, x: Any, method: str) -> np.ndarray:
        """A float copy of ``x`` for ``method``, once the scaler is fitted and the widths agree."""
        who = f"{type(self).__name__}.{method}"
        if not hasattr(self, "n_features_in_"):
            raise RuntimeError(f"{who}: the scaler is not fitted yet; call fit(x_train) first")
        a = _as_matrix(x, who)
        if a.shape[1] != self.n_features_in_:
            raise ValueError(f"{who}: x has {a.shape[1]} features, but the scaler was fitted on "
                             f"{self.n_features_in_}")
        return a.copy()


class StandardScaler(_Scaler):
    """Standardisation: ``x' = (x - mean_) / scale_`` with the training split's mean and its
    (population) standard deviation ``scale_ = sqrt(var_)``; ``scale_ = 1`` for a constant feature.

    As in scikit-learn, the statistics are accumulated and kept in float64 (also for float32 data);
    ``transform`` rounds them to the input's float dtype and computes in that dtype.
    """

    mean_: np.ndarray
    var_: np.ndarray
    scale_: np.ndarray
    n_samples_seen_: int

    def fit(self, x: Any) -> StandardScaler:
        """``mean_ = sum(x) / n``; ``var_ = sum((x - mean_)^2) / n``, less the rounding error of the
        mean (the corrected two-pass algorithm of Chan, Golub and LeVeque)."""
        a = _as_matrix(x, "StandardScaler.fit")
        n = a.shape[0]
        if n == 0:
            raise ValueError("StandardScaler.fit: x has no samples")
        mean = a.sum(axis=0, dtype=np.float64) / n
        centred = a - mean
        correction = centred.sum(axis=0, dtype=np.float64)
        var = (centred**2).sum(axis=0, dtype=np.float64)
        var -= correction**2 / n
        var /= n
        # a variance within the rounding error of the two-pass algorithm is that of a constant
        constant = var <= n * _EPS64 * var + (n * mean * _EPS64) ** 2
        self.mean_, self.var_, self.n_samples_seen_ = mean, var, n
        self.scale_ = _ones_where_tiny(np.sqrt(var), constant)
        self.n_features_in_ = a.shape[1]
        return self

    def transform(self, x: Any) -> np.ndarray:
        """``(x - mean_) / scale_``, in the dtype of ``x``."""
        out = self._checked(x, "transform")
        out -= self.mean_.astype(out.dtype)
        out /= self.scale_.astype(out.dtype)
        return out

    def inverse_transform(self, x: Any) -> np.ndarray:
        """``x' * scale_ + mean_``: back to the data's own units."""
        out = self._checked(x, "inverse_transform")
        out *= self.scale_.astype(out.dtype)
        out += self.mean_.astype(out.dtype)
        return out


class MinMaxScaler(_Scaler):
    """Min-max scaling to ``feature_range = (lo, hi)``, by default ``(0, 1)``:
    ``x' = lo + (x - data_min_) * (hi - lo) / (data_max_ - data_min_)``, computed as
    ``x * scale_ + min_``; a constant feature (range 0) gets the range 1.

    Inputs outside the training range map outside ``feature_range`` (nothing is clipped).
    """

    data_min_: np.ndarray
    data_max_: np.ndarray
    data_range_: np.ndarray
    scale_: np.ndarray
    min_: np.ndarray
    n_samples_seen_: int

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScaler: feature_range must be (low, high) with low < high, "
                             f"got {feature_range!r}")
        self.feature_range = (lo, hi)

    def fit(self, x: Any) -> MinMaxScaler:
        """``scale_ = (hi - lo) / (max - min)`` and ``min_ = lo - min * scale_`` per feature."""
        a = _as_matrix(x, "MinMaxScaler.fit")
        if a.shape[0] == 0:
            raise ValueError("MinMaxScaler.fit: x has no samples")
        lo, hi = self.feature_range
        self.data_min_, self.data_max_ = a.min(axis=0), a.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (hi - lo) / _ones_where_tiny(self.data_range_)
        self.min_ = lo - self.data_min_ * self.scale_
        self.n_samples_seen_ = a.shape[0]
        self.n_features_in_ = a.shape[1]
        return self

    def transform(self, x: Any) -> np.ndarray:
        """``x * scale_ + min_``."""
        out = self._checked(x, "transform")
        out *= self.scale_
        out += self.min_
        return out

    def inverse_transform(self, x: Any) -> np.ndarray:
        """``(x' - min_) / scale_``: back to the data's own units."""
        out = self._checked(x, "inverse_transform")
        out -= self.min_
        out /= self.scale_
        return out


def make_scaler(scale: str | None) -> StandardScaler | MinMaxScaler | None:
    """An unfitted scaler for ``scale`` (``None`` or ``"none"``: no scaling)."""
    if scale is None or scale == "none":
        return None
    if scale == "standard":
        return StandardScaler()
    if scale == "minmax":
        return MinMaxScaler()
    raise ValueError(f"scale: expected 'standard', 'minmax' or None, got {scale!r}")


def scale_splits(
    x_train: np.ndarray, x_test: np.ndarray, scale: str | None
) -> tuple[np.ndarray, np.ndarray, StandardScaler | MinMaxScaler | None]:
    """Fit ``scale``'s scaler on ``x_train``; return both splits transformed and the fitted scaler.

    Float inputs keep their dtype.
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
