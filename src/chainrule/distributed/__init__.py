"""chainrule.distributed: process groups and collectives over MPI, with ``torch.distributed``'s names.

Start the processes with MPI's launcher and let each one join the group::

    mpiexec -n 2 python train.py          # in train.py:
    import chainrule.distributed as dist
    dist.init_process_group(backend="mpi")
    rank, world = dist.get_rank(), dist.get_world_size()

The collectives work in place on a tensor's memory, as PyTorch's do: ``all_reduce(t)`` leaves in
``t`` on every rank the elementwise sum (or ``ReduceOp.AVG``, ``MAX``, ``MIN``, ``PRODUCT``) of all
ranks' ``t``; ``broadcast(t, src)`` copies rank ``src``'s ``t`` into everyone's. MPI itself is
mpi4py over the MPICH wheels (the ``mpi`` extra); importing this module does not start MPI, only
``init_process_group`` does.

Data parallelism (``nn.parallel.DistributedDataParallel``) rests on one fact from the lecture:
the gradient of a mean loss over a batch is the mean of the per-sample gradients, so a batch split
across ``W`` processes has, as its total derivative, the average of the ``W`` processes' gradients,
which is what one ``all_reduce(grad, ReduceOp.AVG)`` computes.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "ReduceOp", "Work", "all_reduce", "barrier", "broadcast", "destroy_process_group",
    "get_backend", "get_rank", "get_world_size", "init_process_group", "is_available",
    "is_initialized", "is_mpi_available",
]

BACKENDS = ("mpi",)


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' tensors, elementwise."""

    SUM = "sum"
    AVG = "avg"  # the sum divided by the world size (floating tensors)
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


class _Group:
    """The default process group: MPI's world communicator."""

    def __init__(self, comm: Any, mpi: Any) -> None:
        self.comm, self.MPI = comm, mpi
        self.rank, self.size = comm.Get_rank(), comm.Get_size()


_group: _Group | None = None


def is_available() -> bool:
    """Is a distributed backend installed (mpi4py)?"""
    return is_mpi_available()


def is_mpi_available() -> bool:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_initialized() -> bool:
    return _group is not None


def init_process_group(backend: str | None = "mpi", init_method: str | None = None, timeout: Any = None,
                       world_size: int = -1, rank: int = -1, **kwargs: Any) -> None:
    """Join the default process group: every process started by ``mpiexec``.

    ``world_size`` and ``rank`` come from MPI; passing others than MPI's is an error. Calling it
    twice is an error, as in PyTorch.
    """
    global _group
    name = "mpi" if backend is None else str(backend).lower()
    if name not in BACKENDS:
        raise ValueError(
            f"init_process_group(): unknown backend {backend!r}; chainrule's backends are "
            f"{', '.join(repr(b) for b in BACKENDS)} (nccl and gloo are PyTorch's; chainrule runs its "
            "collectives over MPI: start the processes with mpiexec -n N)"
        )
    if _group is not None:
        raise RuntimeError("init_process_group(): trying to initialize the default process group twice")
    try:
        from mpi4py import MPI
    except ImportError:
        raise ImportError("init_process_group(backend='mpi') needs mpi4py and MPICH: "
                          "pip install 'chainrule[mpi]'") from None
    group = _Group(MPI.COMM_WORLD, MPI)
    for what, given, actual in (("world_size", world_size, group.size), ("rank", rank, group.rank)):
        if given not in (-1, None) and int(given) != actual:
            raise ValueError(f"init_process_group(): {what}={given}, but MPI started this process with "
                             f"{what} {actual}; with the mpi backend, mpiexec decides both")
    _group = group


def destroy_process_group(group: Any = None) -> None:
    """Leave the default group (MPI itself is finalised when the process exits)."""
    global _group
    _require("destroy_process_group")
    _group = None


def _require(fn: str) -> _Group:
    if _group is None:
        raise RuntimeError(f"{fn}(): the default process group has not been initialized; "
                           "call chainrule.distributed.init_process_group(backend='mpi') first")
    return _group


def get_backend(group: Any = None) -> str:
    _require("get_backend")
    return "mpi"


def get_rank(group: Any = None) -> int:
    return _require("get_rank").rank


def get_world_size(group: Any = None) -> int:
    return _require("get_world_size").size


def barrier(group: Any = None, async_op: bool = False) -> None:
    """Wait until every rank has reached this call."""
    _require("barrier").comm.Barrier()


class Work:
    """A collective in flight (``async_op=True``): ``wait()`` blocks until it is done."""

    def __init__(self, request: Any, finish: Any = None) -> None:
        self._request, self._finish = request, finish
        self._done = False

    def wait(self, timeout: Any = None) -> bool:
        if not self._done:
            self._request.Wait()
            if self._finish is not None:
                self._finish()
            self._done = True
        return True

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self.wait()
        return self._done


def _array(tensor: Any, fn: str) -> np.ndarray:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}(): expected a chainrule Tensor, got {type(tensor).__name__}")
    return tensor._data


def _mpi_op(group: _Group, op: ReduceOp, arr: np.ndarray, fn: str) -> Any:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{fn}(): op must be a chainrule.distributed.ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and arr.dtype.kind not in "fc":
        raise TypeError(f"{fn}(): ReduceOp.AVG needs a floating tensor, got dtype {arr.dtype}")
    MPI = group.MPI
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]


def _mpi_buffer(arr: np.ndarray) -> np.ndarray:
    """The array MPI reads and writes in place: ``arr`` itself where it is contiguous and
    writeable, else a contiguous copy (handed back by :func:`_write_back`)."""
    return arr if arr.flags.c_contiguous and arr.flags.writeable else np.ascontiguousarray(arr)


def _write_back(tensor: Tensor, arr: np.ndarray, buf: np.ndarray) -> None:
    """Give ``tensor`` what MPI wrote into ``buf`` where that is a copy of its array ``arr``."""
    if buf is not arr:
        if arr.flags.writeable:
            arr[...] = buf
        else:
            tensor._data = buf


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None,
               async_op: bool = False) -> Work | None:
    """Combine ``tensor`` across all ranks, in place: afterwards every rank holds the result.

    ``ReduceOp.SUM``: ``t = sum_r t_r``; ``ReduceOp.AVG``: ``t = (1/W) sum_r t_r``, the average
    that data-parallel training applies to gradients. With ``async_op=True`` the reduction runs in
    the background (MPI's non-blocking ``Iallreduce``) and the returned :class:`Work`'s ``wait()``
    completes it.
    """
    g = _require("all_reduce")
    arr = _array(tensor, "all_reduce")
    mpi_op = _mpi_op(g, op, arr, "all_reduce")
    buf = _mpi_buffer(arr)

    def finish() -> None:
        if op is ReduceOp.AVG:
            np.divide(buf, g.size, out=buf, casting="unsafe")
        _write_back(tensor, arr, buf)

    if async_op:
        return Work(g.comm.Iallreduce(g.MPI.IN_PLACE, buf, op=mpi_op), finish)
    g.comm.Allreduce(g.MPI.IN_PLACE, buf, op=mpi_op)
    finish()
    return None


def broadcast(tensor: Tensor, src: int, group: Any = None, async_op: bool = False) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor`` (in place; shapes must agree)."""
    g = _require("broadcast")
    arr = _array(tensor, "broadcast")
    if not 0 <= int(src) < g.size:
        raise ValueError(f"broadcast(): src={src} is not a rank of this group (0 .. {g.size - 1})")
    buf = _mpi_buffer(arr)

    def finish() -> None:
        _write_back(tensor, arr, buf)

    if async_op:
        return Work(g.comm.Ibcast(buf, root=int(src)), finish)
    g.comm.Bcast(buf, root=int(src))
    finish()
    return None
