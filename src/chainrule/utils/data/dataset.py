"""``torch.utils.data.dataset``'s names: ``from chainrule.utils.data.dataset import Dataset``."""

from ...data.dataset import *  # noqa: F403
from ...data.dataset import __all__  # noqa: F401  (the same names)
