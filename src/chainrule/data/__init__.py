"""chainrule.data: datasets, samplers, batching and feature scaling (``torch.utils.data``'s names).

``Dataset``, ``IterableDataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``,
``StackDataset``, ``ChainDataset``, ``random_split``, the samplers and ``DataLoader`` behave as in
PyTorch (``DataLoader(batch_size=None)`` switches batching off, as there).
``chainrule.data.datasets`` holds the bundled data sets.
"""

from . import dataloader, dataset, datasets, sampler
from .dataloader import *  # noqa: F403
from .dataset import *  # noqa: F403
from .distributed import DistributedSampler
from .sampler import *  # noqa: F403
from .scaling import make_scaler, scale_splits

__all__ = [*dataloader.__all__, *dataset.__all__, *sampler.__all__, "DistributedSampler", "datasets",
           "make_scaler", "scale_splits"]
