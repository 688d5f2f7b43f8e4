"""``torch.backends``: which accelerators this build can use (none: chainrule runs on the CPU).

Not to be confused with :mod:`chainrule.backend`, the fast paths over the reference operations.
"""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
