"""``torch.utils._data``'s names, from :mod:`chainrule.data`: ``from chainrule.utils._data import DataLoader``."""

from ...data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    datasets,
    default_collate,
    make_scaler,
    random_split,
    scale_splits,
)

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "datasets", "default_collate",
           "make_scaler", "random_split", "scale_splits"]
