"""chainrule.data: datasets, samplers, batching and feature scaling (``torch.utils.data``'s names).

``Dataset``, ``IterableDataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``,
``StackDataset``, ``ChainDataset``, ``random_split``, the samplers and ``DataLoader`` behave as in
PyTorch (``DataLoader(batch_size=None)`` switches batching off, as there).
``chainrule.data.datasets`` holds the bundled data sets.
"""

from . import datasets
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
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
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "datasets",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "make_scaler",
    "random_split",
    "scale_splits",
]
