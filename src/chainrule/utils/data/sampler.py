"""``torch.utils.data.sampler``'s names: ``from chainrule.utils.data.sampler import Sampler``."""

from ...data.sampler import *  # noqa: F403
from ...data.sampler import __all__  # noqa: F401  (the same names)
