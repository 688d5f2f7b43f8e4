"""The bundled data sets: shapes, dtypes, determinism, stratified splits, the MNIST-1D cache."""

import random

import numpy as np
import pytest

from chainrule.data import TensorDataset, datasets

CLASSIFICATION = {"moons": 2, "circles": 2, "spirals": 3, "xor": 2, "blobs": 3, "digits": 10}
REGRESSION = ["sine", "polynomial", "abs"]


@pytest.mark.parametrize("name", list(CLASSIFICATION))
def test_classification_sets(name):
    s = datasets.load(name)
    train, test = s
    assert isinstance(train, TensorDataset) and isinstance(test, TensorDataset)
    xtr, ytr, xte, yte = s.arrays()
    assert s.task == "classification" and s.num_classes == CLASSIFICATION[name]
    assert xtr.dtype == np.float32 and ytr.dtype == np.int64
    assert xtr.shape[1] == (64 if name == "digits" else 2) == s.num_features
    assert abs(len(test) / (len(train) + len(test)) - 0.2) < 0.01
    # stratified: class proportions agree between the splits
    ptr = np.bincount(ytr) / len(ytr)
    pte = np.bincount(yte, minlength=len(ptr)) / len(yte)
    np.testing.assert_allclose(ptr, pte, atol=0.02)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_sets(name):
    s = datasets.load(name)
    xtr, ytr, xte, yte = s.arrays()
    assert s.task == "regression" and s.num_outputs == 1
    assert xtr.shape == (400, 1) and ytr.shape == (400, 1) and xte.shape == (100, 1)
    assert xtr.dtype == ytr.dtype == np.float32
    fn = {"sine": np.sin, "polynomial": lambda x: x**3 - 3 * x, "abs": np.abs}[name]
    residual = ytr[:, 0] - fn(xtr[:, 0])
    assert 0.07 < residual.std() < 0.13  # the noise level, 0.1


@pytest.mark.parametrize("name", list(CLASSIFICATION) + REGRESSION)
def test_seeded_and_reproducible(name):
    a, b, c = datasets.load(name), datasets.load(name), datasets.load(name, seed=1)
    np.testing.assert_array_equal(a.arrays()[0], b.arrays()[0])
    assert not np.array_equal(a.arrays()[0], c.arrays()[0])


def test_float64_on_request():
    s = datasets.moons(dtype="float64")
    assert s.arrays()[0].dtype == np.float64 and s.arrays()[1].dtype == np.int64


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown data set 'mnist'; choose one of mnist1d, digits"):
        datasets.load("mnist")


def test_loaders():
    train_loader, test_loader = datasets.moons().loaders(batch_size=100)
    assert len(train_loader) == 8 and train_loader.shuffle and not test_loader.shuffle
    assert len(test_loader) == 1 and test_loader.batch_size == len(test_loader.dataset)


def test_mnist1d_built_offline_then_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    np.random.seed(123)  # noqa: NPY002  (make_dataset reseeds the global generators)
    random.seed(123)
    before_np, before_py = np.random.random(), random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    s = datasets.mnist1d()
    assert np.random.random() == before_np and random.random() == before_py  # noqa: NPY002
    xtr, ytr, xte, yte = s.arrays()
    assert xtr.shape == (4000, 40) and xte.shape == (1000, 40) and s.num_classes == 10
    assert xtr.dtype == np.float32 and set(np.unique(ytr)) == set(range(10))
    cached = tmp_path / "chainrule" / "mnist1d.npz"
    assert cached.exists()

    import mnist1d.data

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(mnist1d.data, "make_dataset", no_rebuild)
    again = datasets.mnist1d()
    np.testing.assert_array_equal(again.arrays()[0], xtr)
    # the data are the package's default build, which is centred and scaled as a whole
    assert abs(float(np.concatenate([xtr, xte]).mean())) < 1e-5


@pytest.mark.parametrize("name, scale", [("moons", "standard"), ("sine", "minmax"), ("xor", None)])
def test_saved_splits_come_back_as_they_were(tmp_path, name, scale):
    s = datasets.load(name, scale=scale)
    s.save(tmp_path / "splits.npz")
    back = datasets.load_splits(tmp_path / "splits.npz", name)
    for got, want in zip(back.arrays(), s.arrays(), strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert (back.name, back.task, back.num_classes) == (s.name, s.task, s.num_classes)
    assert back.num_features == s.num_features and back.num_outputs == s.num_outputs
    assert back.scaler is None  # the arrays are scaled already


def test_damaged_saved_splits_are_refused(tmp_path):
    path = tmp_path / "splits.npz"
    with pytest.raises(FileNotFoundError):
        datasets.load_splits(path)
    datasets.xor().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="splits.npz' is not a file of saved splits"):
        datasets.load_splits(path)
    np.savez(path, x_train=np.ones((4, 2)), y_train=np.zeros(4, dtype=np.int64))
    with pytest.raises(ValueError, match="it lacks x_test, y_test"):
        datasets.load_splits(path)
    np.savez(path, x_train=np.ones((4, 2)), y_train=np.zeros(3, dtype=np.int64),
             x_test=np.ones((2, 2)), y_test=np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match=r"does not hold matching splits: it has 4 and 2 inputs but"):
        datasets.load_splits(path)
    np.savez(path, x_train=np.ones((4, 2)), y_train=np.zeros(4, dtype=np.int64),
             x_test=np.ones((2, 3)), y_test=np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match=r"inputs of shapes \(4, 2\) and \(2, 3\)"):
        datasets.load_splits(path)
    np.savez(path, x_train=np.ones((4, 2)), y_train=np.int64(0),
             x_test=np.ones((2, 2)), y_test=np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match=r"4 and 2 inputs but targets of shapes \(\) and \(2,\)"):
        datasets.load_splits(path)
