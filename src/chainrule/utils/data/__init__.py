"""``torch.utils.data``'s names, from :mod:`chainrule.data`: ``from chainrule.utils.data import DataLoader``."""

from ...data import *  # noqa: F403
from ...data import __all__ as _data_names
from . import dataloader, dataset, sampler  # torch.utils.data's submodules

__all__ = [*_data_names, "dataloader", "dataset", "sampler"]
