"""chainrule.data: datasets, samplers, batching and feature scaling (``torch.utils.data``'s names).

``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``, the samplers and ``DataLoader``
behave as in PyTorch (``DataLoader(batch_size=None)`` switches batching off, as there).
``chainrule.data.datasets`` holds the bundled data sets.
"""

from . import datasets
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import Dataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .scaling import make_scaler, scale_splits

__all__ = [
    "BatchSampler",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "datasets",
    "default_collate",
    "default_convert",
    "make_scaler",
    "random_split",
    "scale_splits",
]
