"""DistributedDataParallel: one model replica a process, gradients averaged over MPI.

Each of ``W`` processes holds the same model and a different slice of the global batch
(``data.DistributedSampler``). For a loss that is a mean over the batch, the gradient of the
global batch's loss is

    dL/dw = (1/W) sum_r dL_r/dw

the lecture's total derivative, with the batch's samples split across processes: each rank's
backward computes its own ``dL_r/dw`` and one averaging ``all_reduce`` per gradient gives every
rank the global batch's gradient, so the ``W`` optimisers take the same step and the replicas stay
equal.

How the reduction overlaps the backward pass, as PyTorch's does:

* at wrap time rank 0's parameters and buffers are broadcast, so every replica starts equal;
* the parameters are grouped into buckets of about ``bucket_cap_mb`` megabytes, in reverse order
  of registration (the order in which the backward walk reaches them);
* a hook on each parameter copies its gradient into its bucket's flat buffer when the walk has
  summed it; once a bucket is complete (and the ones before it are launched, so every rank starts
  the same reductions in the same order), its non-blocking ``Iallreduce`` starts at once while
  the walk goes on through earlier layers;
* when the backward has finished, a callback queued with the engine waits for the buckets and
  writes each averaged gradient into its parameter's ``.grad``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import distributed as dist
from ...autograd import engine
from ...tensor import Tensor
from ..module import Module


class _Bucket:
    """Parameters whose gradients are reduced together through one flat buffer."""

    def __init__(self, params: list[tuple[str, Any]]) -> None:
        self.params = params
        self.dtype = params[0][1]._data.dtype
        self.offsets: list[int] = []
        n = 0
        for _, p in params:
            self.offsets.append(n)
            n += p._data.size
        self.buffer = np.zeros(n, dtype=self.dtype)
        self.ready: set[int] = set()  # indices of the parameters whose gradient is in the buffer
        self.work: dist.Work | None = None


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the default process group.

    Forward passes go to ``module`` (reachable as ``.module``); after each ``loss.backward()``
    every parameter's ``.grad`` is the average over ranks of the ranks' gradients. Call
    ``chainrule.distributed.init_process_group(backend="mpi")`` first.

    Args:
        module: the model; its ``state_dict`` keys gain a ``module.`` prefix, as in PyTorch.
        bucket_cap_mb: the size of a gradient bucket in megabytes (25, as PyTorch).
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every rank
            before each forward pass.
        find_unused_parameters: allow parameters that receive no gradient in a backward pass
            (their share of the average is zero).
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group: Any = None, bucket_cap_mb: float = 25,
                 find_unused_parameters: bool = False, **kwargs: Any) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a chainrule nn.Module, got {type(module).__name__}")
        if not dist.is_initialized():
            raise RuntimeError("DistributedDataParallel: the default process group has not been initialized; "
                               "call chainrule.distributed.init_process_group(backend='mpi') first")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.world_size = dist.get_world_size()
        self._sync = True
        self._pending = False  # a backward has started reductions that no callback has finished yet
        for t in list(module.parameters()) + [b for b in module.buffers() if b is not None]:
            dist.broadcast(t, src=0)  # every replica starts from rank 0's weights
        params = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        self._buckets = self._make_buckets(params[::-1], int(bucket_cap_mb * 2**20))
        self._where: dict[int, tuple[_Bucket, int]] = {}
        for bucket in self._buckets:
            for i, (_, p) in enumerate(bucket.params):
                self._where[id(p)] = (bucket, i)
                p.register_hook(self._make_hook(p))
        self._next = 0  # the next bucket to launch: buckets start in order on every rank

    @staticmethod
    def _make_buckets(params: list[tuple[str, Any]], cap: int) -> list[_Bucket]:
        buckets: list[list[tuple[str, Any]]] = []
        size = cap
        for name, p in params:  # a new bucket when full or when the dtype changes
            if size + p._data.nbytes > cap or buckets[-1][0][1]._data.dtype != p._data.dtype:
                buckets.append([])
                size = 0
            buckets[-1].append((name, p))
            size += p._data.nbytes
        return [_Bucket(b) for b in buckets]

    # ------------------------------------------------------------------ forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self._pending:
            raise RuntimeError(
                "DistributedDataParallel: the previous backward pass did not finish its gradient "
                "reduction (an exception during backward?); every rank must finish backward before "
                "the next forward"
            )
        if self.broadcast_buffers and self.world_size > 1:
            for b in self.module.buffers():
                if b is not None:
                    dist.broadcast(b, src=0)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside the block, backward passes accumulate local gradients without reducing them
        (gradient accumulation); the first backward after it reduces the accumulated sum."""
        old, self._sync = self._sync, False
        try:
            yield
        finally:
            self._sync = old

    # ------------------------------------------------------------------ the reduction
    def _make_hook(self, p: Any) -> Any:
        def hook(grad: Tensor) -> None:
            if self._sync:
                self._ready(p, grad._data)
        return hook

    def _ready(self, p: Any, g: np.ndarray) -> None:
        """``p``'s total gradient for this backward is known: the value its ``.grad`` will hold
        (what it held plus ``g``) goes to its bucket's buffer; full buckets start reducing."""
        if not self._pending:
            self._pending = True
            engine.queue_callback(self._finish)
        bucket, i = self._where[id(p)]
        start = bucket.offsets[i]
        view = bucket.buffer[start:start + p._data.size].reshape(p._data.shape)
        if p.grad is None:
            view[...] = g
        else:
            np.add(p.grad._data, g, out=view, casting="unsafe")
        bucket.ready.add(i)
        self._launch_ready()

    def _launch_ready(self) -> None:
        while self._next < len(self._buckets):
            bucket = self._buckets[self._next]
            if len(bucket.ready) < len(bucket.params):
                return
            bucket.work = dist.all_reduce(Tensor._make(bucket.buffer), dist.ReduceOp.SUM, async_op=True)
            self._next += 1

    def _finish(self) -> None:
        """After the backward: wait for every bucket and write the averages into ``.grad``."""
        self._pending = False
        missing = [name for b in self._buckets for i, (name, _) in enumerate(b.params) if i not in b.ready]
        if missing and not self.find_unused_parameters:
            self._reset()
            raise RuntimeError(
                "DistributedDataParallel: these parameters received no gradient in this backward "
                f"pass: {', '.join(missing[:10])}; pass find_unused_parameters=True if some "
                "parameters are legitimately unused"
            )
        for bucket in self._buckets[self._next:]:  # unused parameters contribute their .grad or 0
            for i, (_, p) in enumerate(bucket.params):
                if i not in bucket.ready:
                    start = bucket.offsets[i]
                    flat = bucket.buffer[start:start + p._data.size]
                    flat[...] = 0 if p.grad is None else p.grad._data.reshape(-1)
                    bucket.ready.add(i)
        self._launch_ready()
        for bucket in self._buckets:
            bucket.work.wait()
            np.divide(bucket.buffer, self.world_size, out=bucket.buffer, casting="unsafe")
            for (_, p), start in zip(bucket.params, bucket.offsets):
                avg = bucket.buffer[start:start + p._data.size].reshape(p._data.shape).astype(p._data.dtype)
                if p.grad is None:
                    p.grad = Tensor._make(avg)
                else:
                    p.grad._data = avg
        self._reset()

    def _reset(self) -> None:
        for bucket in self._buckets:
            bucket.ready, bucket.work = set(), None
        self._next = 0

    def extra_repr(self) -> str:
        return f"world_size={self.world_size}, buckets={len(self._buckets)}"
