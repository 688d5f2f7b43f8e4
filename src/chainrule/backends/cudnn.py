"""``torch.backends.cudnn``: programs set ``deterministic`` and ``benchmark`` here before training.

The flags are kept as set (PyTorch keeps them on a CPU-only build too) and change nothing: on the
CPU chainrule's results are deterministic already.
"""

from __future__ import annotations

deterministic: bool = False
benchmark: bool = False
enabled: bool = True


def is_available() -> bool:
    return False
