"""chainrule.data: datasets, batching and feature scaling (``torch.utils._data``'s names).

``Dataset``, ``TensorDataset``, ``Subset``, ``random_split`` and ``DataLoader`` behave as in
PyTorch, except that ``DataLoader(batch_size=None)`` yields the whole data set as one batch
(batch gradient descent). ``chainrule.data.datasets`` holds the bundled data sets.
"""

from . import datasets
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split
from .scaling import make_scaler, scale_splits

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "datasets",
    "default_collate",
    "make_scaler",
    "random_split",
    "scale_splits",
]
