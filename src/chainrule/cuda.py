"""``torch.cuda`` as a CPU-only PyTorch build answers it: no GPU, and the seeding calls ignored.

Programs written for PyTorch ask ``chainrule.cuda.is_available()`` to pick their device; the
answer is always False, so they choose ``"cpu"`` and run unchanged.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: chainrule computes on the CPU."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Seeds the GPUs' generators in PyTorch; without a GPU PyTorch ignores it, and so does chainrule."""


def manual_seed_all(seed: int) -> None:
    """As :func:`manual_seed`: ignored where there is no GPU (``chainrule.manual_seed`` seeds the CPU)."""


def empty_cache() -> None:
    """Frees PyTorch's cached GPU memory; there is none, so there is nothing to do."""
