"""``torch.utils.data.dataloader``'s names: ``from chainrule.utils.data.dataloader import DataLoader``."""

from ...data.dataloader import DataLoader, default_collate, default_convert, get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
