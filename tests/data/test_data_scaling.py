"""Feature scaling: scikit-learn's scalers, fitted on the training split only."""

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from chainrule.data import datasets, scale_splits


def test_standard_uses_train_statistics_only():
    rng = np.random.default_rng(0)
    x_train = rng.normal(5.0, 3.0, size=(200, 4)).astype(np.float32)
    x_test = rng.normal(-2.0, 0.5, size=(50, 4)).astype(np.float32)
    tr, te, scaler = scale_splits(x_train, x_test, "standard")
    assert isinstance(scaler, StandardScaler)
    np.testing.assert_allclose(scaler.mean_, x_train.mean(0), rtol=1e-5)
    np.testing.assert_allclose(tr.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(tr.std(0), 1, rtol=1e-4)
    # the test split is moved by the *train* statistics, so it is far from zero mean
    expected = (x_test - x_train.mean(0)) / x_train.std(0)
    np.testing.assert_allclose(te, expected, rtol=1e-4, atol=1e-5)
    assert np.all(np.abs(te.mean(0)) > 1.0)
    assert tr.dtype == te.dtype == np.float32


def test_minmax_uses_train_range_only():
    x_train = np.array([[0.0], [2.0], [4.0]])
    x_test = np.array([[6.0], [-2.0]])
    tr, te, scaler = scale_splits(x_train, x_test, "minmax")
    assert isinstance(scaler, MinMaxScaler)
    np.testing.assert_allclose(tr[:, 0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(te[:, 0], [1.5, -0.5])  # outside [0, 1]: not refitted on test
    assert tr.dtype == np.float64


def test_none_returns_inputs_unchanged():
    x = np.ones((3, 2))
    tr, te, scaler = scale_splits(x, x, None)
    assert tr is x and te is x and scaler is None
    assert scale_splits(x, x, "none")[2] is None


def test_unknown_scale():
    with pytest.raises(ValueError, match="'standard', 'minmax' or None, got 'zscore'"):
        scale_splits(np.ones((2, 2)), np.ones((2, 2)), "zscore")


@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_datasets_scale_on_train_split(scale):
    raw = datasets.digits()
    scaled = datasets.digits(scale=scale)
    xtr_raw, _, xte_raw, _ = raw.arrays()
    xtr, _, xte, _ = scaled.arrays()
    ref = (StandardScaler() if scale == "standard" else MinMaxScaler()).fit(xtr_raw)
    np.testing.assert_allclose(xtr, ref.transform(xtr_raw), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xte, ref.transform(xte_raw), rtol=1e-5, atol=1e-6)
    assert xtr.dtype == np.float32
