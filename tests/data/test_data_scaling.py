"""Feature scaling fitted on the training split only; the scalers against scikit-learn's."""

import numpy as np
import pytest
from sklearn import preprocessing as sk

from chainrule.data import datasets, scale_splits
from chainrule.data.scaling import MinMaxScaler, StandardScaler, make_scaler


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
    ref = (sk.StandardScaler() if scale == "standard" else sk.MinMaxScaler()).fit(xtr_raw)
    np.testing.assert_allclose(xtr, ref.transform(xtr_raw), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xte, ref.transform(xte_raw), rtol=1e-5, atol=1e-6)
    assert xtr.dtype == np.float32


PAIRS = {"standard": (StandardScaler, sk.StandardScaler), "minmax": (MinMaxScaler, sk.MinMaxScaler)}
FITTED = {"standard": ("mean_", "var_", "scale_"),
          "minmax": ("data_min_", "data_max_", "data_range_", "scale_", "min_")}


def features(dtype, seed=0):
    """Training and test inputs with features of very different ranges: offset and wide, tiny
    (1e-9), constant, and all zero."""
    rng = np.random.default_rng(seed)
    x = rng.normal(3.0, 2.0, size=(300, 5))
    x[:, 1] *= 1e-9
    x[:, 2] = 7.3
    x[:, 3] = 0.0
    x[:, 4] = 1e4 + rng.uniform(-5.0, 5.0, 300)
    test = rng.normal(0.0, 3.0, size=(60, 5))
    return x.astype(dtype), test.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", list(PAIRS))
def test_scalers_match_scikit_learn(scale, dtype):
    ours, theirs = PAIRS[scale]
    x, test = features(dtype)
    a, b = ours().fit(x), theirs().fit(x)
    for name in FITTED[scale]:
        got, want = getattr(a, name), getattr(b, name)
        assert got.dtype == want.dtype, name
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)
    assert a.n_samples_seen_ == b.n_samples_seen_ == 300 and a.n_features_in_ == 5
    for method in ("transform", "inverse_transform"):
        got, want = getattr(a, method)(test), getattr(b, method)(test)
        assert got.dtype == want.dtype == dtype
        tol = 1e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=method)
    np.testing.assert_allclose(ours().fit_transform(x), a.transform(x), rtol=0, atol=0)
    np.testing.assert_allclose(a.inverse_transform(a.transform(test)), test,
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constant_columns_get_scale_one(dtype):
    x, test = features(dtype)
    std, mm = StandardScaler().fit(x), MinMaxScaler().fit(x)
    assert std.scale_[2] == std.scale_[3] == 1.0 and mm.data_range_[2] == 0.0
    assert mm.scale_[2] == mm.scale_[3] == 1.0
    # a constant feature is only shifted: to 0 (up to the rounding of its mean) on the training
    # split, by the same offset on test
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(std.transform(x)[:, 2:4], 0.0, atol=tol)
    np.testing.assert_array_equal(mm.transform(x)[:, 2:4], 0.0)
    np.testing.assert_allclose(std.transform(test)[:, 2], test[:, 2] - dtype(7.3), atol=tol)
    assert np.all(np.isfinite(std.transform(test))) and np.all(np.isfinite(mm.transform(test)))
    assert std.scale_[1] != 1.0  # tiny but varying: scaled, not taken for a constant


def test_integer_inputs_become_float64_and_feature_range():
    x = np.array([[0, 10], [2, 20], [4, 30]])
    assert StandardScaler().fit_transform(x).dtype == np.float64
    mm = MinMaxScaler(feature_range=(-1.0, 1.0)).fit(x)
    np.testing.assert_allclose(mm.transform(x), [[-1, -1], [0, 0], [1, 1]])
    np.testing.assert_allclose(mm.transform(x), sk.MinMaxScaler((-1, 1)).fit_transform(x))


def test_scaler_errors_name_the_problem():
    with pytest.raises(RuntimeError, match=r"StandardScaler.transform: the scaler is not fitted"):
        StandardScaler().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="x has 3 features, but the scaler was fitted on 2"):
        MinMaxScaler().fit(np.ones((4, 2))).transform(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expected a 2-D array \[samples, features\], got shape \(4,\)"):
        StandardScaler().fit(np.ones(4))
    with pytest.raises(ValueError, match="x has no samples"):
        MinMaxScaler().fit(np.ones((0, 2)))
    with pytest.raises(ValueError, match=r"low < high, got \(1, 0\)"):
        MinMaxScaler(feature_range=(1, 0))


def test_make_scaler():
    assert isinstance(make_scaler("standard"), StandardScaler)
    assert isinstance(make_scaler("minmax"), MinMaxScaler)
    assert make_scaler(None) is None and make_scaler("none") is None


def test_scaling_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from chainrule.data.scaling import scale_splits\n"
            "scale_splits(np.ones((3, 2)), np.ones((2, 2)), 'standard')\n"
            "print('sklearn' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
