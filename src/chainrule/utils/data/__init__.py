"""``torch.utils.data``'s names, from :mod:`chainrule.data`: ``from chainrule.utils.data import DataLoader``."""

from ...data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    datasets,
    default_collate,
    default_convert,
    get_worker_info,
    make_scaler,
    random_split,
    scale_splits,
)
from . import dataloader, dataset, sampler  # torch.utils.data's submodules

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "datasets", "default_collate", "default_convert",
           "get_worker_info", "make_scaler", "random_split", "scale_splits", "dataloader", "dataset",
           "sampler"]
