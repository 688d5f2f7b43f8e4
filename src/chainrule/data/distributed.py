"""DistributedSampler: each rank's share of a data set, as ``torch.utils.data.DistributedSampler``."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .sampler import Sampler


class DistributedSampler(Sampler):
    """The indices of ``dataset`` that rank ``rank`` of ``num_replicas`` reads in one epoch.

    The (shuffled, if ``shuffle``) index list is made a multiple of ``num_replicas`` long, by
    repeating its first indices (or, with ``drop_last``, by dropping its tail), and rank ``r``
    takes every ``num_replicas``-th index from position ``r``: the ranks' shares are disjoint
    (but for the padding) and equal in length, so the ranks take the same number of steps.
    Shuffling draws from ``seed + epoch``: call ``set_epoch(epoch)`` at the start of each epoch
    for a new order, the same on every rank. PyTorch's index arithmetic; the shuffled order
    itself comes from NumPy's generator, not PyTorch's.

    ``num_replicas`` and ``rank`` default to the default process group's world size and rank.
    """

    def __init__(self, dataset: Any, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from .. import distributed as dist

            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: pass num_replicas and rank, or call "
                                   "chainrule.distributed.init_process_group(backend='mpi') first")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if int(num_replicas) < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got {num_replicas}")
        if not 0 <= int(rank) < int(num_replicas):
            raise ValueError(f"DistributedSampler: invalid rank {rank}, rank should be in the interval "
                             f"[0, {int(num_replicas) - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            # drop the tail so that every rank gets the same number of samples
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:  # pad by repeating from the start, as often as needed
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``seed + epoch`` for the next shuffle: a new order each epoch, equal across ranks."""
        self.epoch = int(epoch)
