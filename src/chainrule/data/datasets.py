"""Small data sets that work offline, each returned as train/test :class:`Splits`.

* 2-D classification, for seeing decision boundaries: ``moons``, ``circles``, ``blobs``
  (scikit-learn's generators), ``spirals`` (interleaved arms), ``xor`` (opposite quadrants share a
  class: no straight line separates them);
* 1-D regression with Gaussian noise: ``sine``, ``polynomial``, ``abs``;
* real data: ``digits`` (scikit-learn's 8x8 handwritten digits, 64 features, 10 classes) and
  ``mnist1d`` (MNIST-1D, Greydanus & Kobak: 40-sample 1-D signals of the ten digits, built by the
  ``mnist1d`` package with its default arguments, i.e. the paper's frozen data; cached as ``.npz``
  in the user's cache directory after the first build).

Every generator is seeded, so the same call returns the same data. Inputs are float32, class
labels int64 (for ``CrossEntropyLoss``), regression targets float32 of shape ``[N, 1]``.
``scale="standard"|"minmax"`` rescales the inputs with statistics of the training split only::

    train, test = chainrule.data.datasets.moons(scale="standard")
    splits = chainrule.data.datasets.load("digits")      # by name; splits.num_classes == 10

``splits.save("splits.npz")`` keeps the splits as they are (split, scaled and cast), and
``load_splits("splits.npz")`` gives them back without building the data set again.
"""

from __future__ import annotations

import os
import random as _pyrandom
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..random import Generator
from .dataloader import DataLoader
from .dataset import TensorDataset
from .scaling import MinMaxScaler, StandardScaler, scale_splits

SPLIT_KEYS = ("x_train", "y_train", "x_test", "y_test")  # the arrays of a saved Splits


@dataclass
class Splits:
    """A data set's train and test splits; unpacks as ``train, test = splits``."""

    name: str
    train: TensorDataset
    test: TensorDataset
    task: str  # "classification" or "regression"
    num_classes: int | None = None
    # the fitted scaler, to transform new inputs the same way (None: unscaled, or loaded from a file)
    scaler: StandardScaler | MinMaxScaler | None = None

    def __iter__(self) -> Iterator[TensorDataset]:
        yield self.train
        yield self.test

    @property
    def num_features(self) -> int:
        return int(np.prod(self.train.tensors[0]._data.shape[1:]))

    @property
    def num_outputs(self) -> int:
        """Output width of a model for this task: classes, or regression targets."""
        if self.task == "classification":
            return int(self.num_classes)
        return int(self.train.tensors[1]._data.shape[1])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(x_train, y_train, x_test, y_test)`` as NumPy arrays."""
        (xtr, ytr), (xte, yte) = self.train.tensors, self.test.tensors
        return xtr._data, ytr._data, xte._data, yte._data

    def save(self, path: str | os.PathLike) -> None:
        """Write the four arrays of :meth:`arrays` to the ``.npz`` file ``path`` (keys
        :data:`SPLIT_KEYS`), atomically: ``path`` is complete or untouched."""
        from ..serialization import atomic_write

        with atomic_write(path) as f:
            np.savez(f, **dict(zip(SPLIT_KEYS, self.arrays(), strict=True)))

    def loaders(
        self, batch_size: int | None = 32, shuffle: bool = True, generator: Generator | None = None
    ) -> tuple[DataLoader, DataLoader]:
        """A shuffled training loader and a test loader giving the whole test split at once.

        ``batch_size=None`` here means the whole training split per step (batch GD).
        """
        if batch_size is None:
            batch_size = len(self.train)
        return (
            DataLoader(self.train, batch_size=batch_size, shuffle=shuffle, generator=generator),
            DataLoader(self.test, batch_size=max(len(self.test), 1)),
        )

    def __repr__(self) -> str:
        n_tr, n_te = len(self.train), len(self.test)
        classes = f", num_classes={self.num_classes}" if self.num_classes else ""
        return (
            f"Splits({self.name!r}, train={n_tr}, test={n_te}, features={self.num_features}, "
            f"task={self.task!r}{classes})"
        )


def _finish(
    name: str, x: np.ndarray, y: np.ndarray, task: str, *, test_size: float, scale: str | None,
    seed: int, dtype: Any, split: tuple[np.ndarray, ...] | None = None,
) -> Splits:
    """Split (stratified for classes), scale on train only, cast, and wrap as TensorDatasets."""
    if split is None:
        from sklearn.model_selection import train_test_split

        if not 0.0 < test_size < 1.0:
            raise ValueError(f"{name}: test_size must be a fraction in (0, 1), got {test_size!r}")
        split = train_test_split(
            x, y, test_size=test_size, random_state=seed,
            stratify=y if task == "classification" else None,
        )
    x_tr, x_te, y_tr, y_te = split
    dtype = _dt.as_dtype(dtype)
    x_tr, x_te, scaler = scale_splits(x_tr.astype(dtype), x_te.astype(dtype), scale)
    if task == "classification":
        y_tr, y_te = y_tr.astype(np.int64), y_te.astype(np.int64)
    else:
        y_tr, y_te = y_tr.astype(dtype).reshape(-1, 1), y_te.astype(dtype).reshape(-1, 1)
    return _wrap(name, x_tr, y_tr, x_te, y_te, task, scaler)


def _wrap(name: str, x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray, y_te: np.ndarray,
          task: str, scaler: StandardScaler | MinMaxScaler | None = None) -> Splits:
    """Finished arrays as Splits; ``num_classes`` is the largest label plus one."""
    num_classes = int(max(y_tr.max(), y_te.max())) + 1 if task == "classification" else None
    return Splits(
        name, TensorDataset(x_tr, y_tr), TensorDataset(x_te, y_te), task, num_classes, scaler
    )


def load_splits(path: str | os.PathLike, name: str = "") -> Splits:
    """The splits that :meth:`Splits.save` wrote to ``path``, as they were saved (already scaled;
    ``scaler`` is None). Integer labels make a classification task, float targets a regression.

    Raises ``FileNotFoundError`` when ``path`` does not exist and ``ValueError`` when it holds no
    such splits.
    """
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in SPLIT_KEYS if k not in f.files]
            if missing:
                raise ValueError(f"it lacks {', '.join(missing)}")
            x_tr, y_tr, x_te, y_te = (f[k] for k in SPLIT_KEYS)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{os.fspath(path)!r} is not a file of saved splits ({e})") from None
    problem = None
    if x_tr.ndim < 2 or x_te.ndim < 2 or x_te.shape[1:] != x_tr.shape[1:]:
        problem = f"inputs of shapes {x_tr.shape} and {x_te.shape}"
    elif y_tr.shape[:1] != x_tr.shape[:1] or y_te.shape[:1] != x_te.shape[:1] \
            or y_te.shape[1:] != y_tr.shape[1:]:
        problem = (f"{len(x_tr)} and {len(x_te)} inputs but targets of shapes {y_tr.shape} and "
                   f"{y_te.shape}")
    elif not (len(y_tr) and len(y_te)):
        problem = "an empty split"
    elif not np.issubdtype(x_tr.dtype, np.floating):
        problem = f"inputs of dtype {x_tr.dtype}"
    if problem is not None:
        raise ValueError(f"{os.fspath(path)!r} does not hold matching splits: it has {problem}")
    task = "classification" if np.issubdtype(y_tr.dtype, np.integer) else "regression"
    return _wrap(name, x_tr, y_tr, x_te, y_te, task)


# --------------------------------------------------------------------------- 2-D classification
def moons(n_samples: int = 1000, noise: float = 0.2, test_size: float = 0.2,
          scale: str | None = None, seed: int = 0, dtype: Any = _dt.float32) -> Splits:
    """Two interleaving half circles (scikit-learn's ``make_moons``), 2 classes."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _finish("moons", x, y, "classification", test_size=test_size, scale=scale, seed=seed,
                   dtype=dtype)


def circles(n_samples: int = 1000, noise: float = 0.1, factor: float = 0.5,
            test_size: float = 0.2, scale: str | None = None, seed: int = 0,
            dtype: Any = _dt.float32) -> Splits:
    """A small circle inside a large one (scikit-learn's ``make_circles``), 2 classes."""
    from sklearn.datasets import make_circles

    x, y = make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return _finish("circles", x, y, "classification", test_size=test_size, scale=scale, seed=seed,
                   dtype=dtype)


def blobs(n_samples: int = 1000, centers: int = 3, cluster_std: float = 1.0,
          test_size: float = 0.2, scale: str | None = None, seed: int = 0,
          dtype: Any = _dt.float32) -> Splits:
    """Isotropic Gaussian clusters (scikit-learn's ``make_blobs``), one class per centre."""
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=n_samples, centers=centers, n_features=2,
                      cluster_std=cluster_std, random_state=seed)
    return _finish("blobs", x, y, "classification", test_size=test_size, scale=scale, seed=seed,
                   dtype=dtype)


def spirals(n_samples: int = 900, n_classes: int = 3, noise: float = 0.2, test_size: float = 0.2,
            scale: str | None = None, seed: int = 0, dtype: Any = _dt.float32) -> Splits:
    """``n_classes`` interleaved spiral arms: arm ``k`` is ``r (sin t, cos t)`` with
    ``r in [0, 1]`` and ``t in [4k, 4k + 4] + noise``."""
    if n_classes < 2:
        raise ValueError(f"spirals: n_classes must be at least 2, got {n_classes}")
    gen = np.random.default_rng(seed)
    per = n_samples // n_classes
    r = np.tile(np.linspace(0.0, 1.0, per), n_classes)
    arm = np.repeat(np.arange(n_classes), per)
    t = np.linspace(0.0, 4.0, per)[None, :] + 4.0 * np.arange(n_classes)[:, None]
    t = t.reshape(-1) + noise * gen.standard_normal(per * n_classes)
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return _finish("spirals", x, arm, "classification", test_size=test_size, scale=scale,
                   seed=seed, dtype=dtype)


def xor(n_samples: int = 1000, noise: float = 0.1, test_size: float = 0.2,
        scale: str | None = None, seed: int = 0, dtype: Any = _dt.float32) -> Splits:
    """Points in ``[-1, 1]^2``, class ``(x1 > 0) xor (x2 > 0)``, then jittered by ``noise``."""
    gen = np.random.default_rng(seed)
    x = gen.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
    x = x + noise * gen.standard_normal(x.shape)
    return _finish("xor", x, y, "classification", test_size=test_size, scale=scale, seed=seed,
                   dtype=dtype)


# --------------------------------------------------------------------------- 1-D regression
def _regression(name: str, fn: Callable[[np.ndarray], np.ndarray], low: float, high: float,
                n_samples: int, noise: float, test_size: float, scale: str | None, seed: int,
                dtype: Any) -> Splits:
    gen = np.random.default_rng(seed)
    x = gen.uniform(low, high, size=(n_samples, 1))
    y = fn(x[:, 0]) + noise * gen.standard_normal(n_samples)
    return _finish(name, x, y, "regression", test_size=test_size, scale=scale, seed=seed,
                   dtype=dtype)


def sine(n_samples: int = 500, noise: float = 0.1, test_size: float = 0.2,
         scale: str | None = None, seed: int = 0, dtype: Any = _dt.float32) -> Splits:
    """``y = sin(x) + noise * N(0, 1)`` for ``x`` uniform in ``[-pi, pi]``."""
    return _regression("sine", np.sin, -np.pi, np.pi, n_samples, noise, test_size, scale, seed,
                       dtype)


def polynomial(n_samples: int = 500, noise: float = 0.1, test_size: float = 0.2,
               scale: str | None = None, seed: int = 0, dtype: Any = _dt.float32) -> Splits:
    """``y = x^3 - 3x + noise * N(0, 1)`` for ``x`` uniform in ``[-2, 2]``."""
    return _regression("polynomial", lambda x: x**3 - 3 * x, -2.0, 2.0, n_samples, noise,
                       test_size, scale, seed, dtype)


def abs(n_samples: int = 500, noise: float = 0.1, test_size: float = 0.2,
        scale: str | None = None, seed: int = 0, dtype: Any = _dt.float32) -> Splits:
    """``y = |x| + noise * N(0, 1)`` for ``x`` uniform in ``[-2, 2]``: a kink at 0."""
    return _regression("abs", np.abs, -2.0, 2.0, n_samples, noise, test_size, scale, seed, dtype)


# --------------------------------------------------------------------------- real data
def digits(test_size: float = 0.2, scale: str | None = None, seed: int = 0,
           dtype: Any = _dt.float32) -> Splits:
    """scikit-learn's 8x8 handwritten digits: 1,797 images as 64 pixel values in 0..16."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return _finish("digits", x, y, "classification", test_size=test_size, scale=scale, seed=seed,
                   dtype=dtype)


def cache_dir() -> Path:
    """Where built data sets are kept: ``$XDG_CACHE_HOME/chainrule`` or ``~/.cache/chainrule``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "chainrule"


_MNIST1D_KEYS = ("x", "y", "x_test", "y_test")


def _mnist1d_arrays() -> dict[str, np.ndarray]:
    """MNIST-1D's four arrays, from the cache or built (offline) and then cached."""
    from ..serialization import atomic_write

    path = cache_dir() / "mnist1d.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in _MNIST1D_KEYS}
        if arrays["x"].shape == (4000, 40) and arrays["x_test"].shape == (1000, 40):
            return arrays
    except (OSError, KeyError, ValueError, EOFError):
        pass  # absent or damaged: rebuild
    from mnist1d.data import get_dataset_args, make_dataset

    # make_dataset seeds NumPy's and Python's global generators; keep the user's streams intact
    np_state, py_state = np.random.get_state(), _pyrandom.getstate()  # noqa: NPY002
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        _pyrandom.setstate(py_state)
    arrays = {k: np.asarray(data[k]) for k in _MNIST1D_KEYS}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as f:
            np.savez(f, **arrays)
    except OSError:
        pass  # a read-only cache directory only costs a rebuild next time
    return arrays


def mnist1d(scale: str | None = None, dtype: Any = _dt.float32) -> Splits:
    """MNIST-1D with the paper's frozen split: 4,000 training and 1,000 test signals, length 40."""
    a = _mnist1d_arrays()
    return _finish("mnist1d", None, None, "classification", test_size=0.0, scale=scale, seed=0,
                   dtype=dtype, split=(a["x"], a["x_test"], a["y"], a["y_test"]))


DATASETS: dict[str, Callable[..., Splits]] = {
    "mnist1d": mnist1d,
    "digits": digits,
    "moons": moons,
    "circles": circles,
    "spirals": spirals,
    "xor": xor,
    "blobs": blobs,
    "sine": sine,
    "polynomial": polynomial,
    "abs": abs,
}


def load(name: str, **kwargs: Any) -> Splits:
    """The data set called ``name`` (one of :data:`DATASETS`), with that function's ``kwargs``."""
    try:
        fn = DATASETS[name]
    except KeyError:
        raise ValueError(
            f"datasets.load: unknown data set {name!r}; choose one of {', '.join(DATASETS)}"
        ) from None
    return fn(**kwargs)
