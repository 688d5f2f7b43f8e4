"""``torch.utils.data``'s names, from :mod:`chainrule.data`: ``from chainrule.utils.data import DataLoader``."""

from ...data import (
    BatchSampler,
    DataLoader,
    Dataset,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    datasets,
    default_collate,
    default_convert,
    make_scaler,
    random_split,
    scale_splits,
)

__all__ = ["BatchSampler", "DataLoader", "Dataset", "DistributedSampler", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "datasets", "default_collate", "default_convert",
           "make_scaler", "random_split", "scale_splits"]
