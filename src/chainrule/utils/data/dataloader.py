"""``torch.utils.data.dataloader``'s names: ``from chainrule.utils.data.dataloader import DataLoader``."""

from ...data.dataloader import *  # noqa: F403
from ...data.dataloader import __all__  # noqa: F401  (the same names)
