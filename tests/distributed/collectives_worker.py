"""Run under ``mpiexec -n 2``: every collective checked on both ranks; exits non-zero on failure."""

import numpy as np

import chainrule
import chainrule.distributed as dist
from chainrule.data import DistributedSampler


def check(cond, what):
    if not cond:
        raise SystemExit(f"rank {dist.get_rank()}: {what}")


dist.init_process_group(backend="mpi")
rank, world = dist.get_rank(), dist.get_world_size()
check(dist.is_initialized() and world == 2 and dist.get_backend() == "mpi", "group")
ranks = np.arange(world)

for dtype in ("float32", "float64", "int64"):
    base = np.arange(6, dtype=dtype).reshape(2, 3) + 1
    expected = {
        dist.ReduceOp.SUM: sum(base * (r + 1) for r in ranks),
        dist.ReduceOp.PRODUCT: np.prod([base * (r + 1) for r in ranks], axis=0),
        dist.ReduceOp.MAX: base * world,
        dist.ReduceOp.MIN: base,
    }
    if dtype != "int64":
        expected[dist.ReduceOp.AVG] = sum(base * (r + 1) for r in ranks) / world
    for op, want in expected.items():
        t = chainrule.tensor(base * (rank + 1))
        memory = t._data
        dist.all_reduce(t, op=op)
        check(t._data is memory, f"{op} not in place")
        check(t._data.dtype == np.dtype(dtype), f"{op} changed the dtype")
        check(np.array_equal(t._data, want.astype(dtype)), f"{op} {dtype}: {t._data} != {want}")

# a non-contiguous tensor (a transposed view) and the non-blocking form
t = chainrule.tensor(np.arange(6.0).reshape(2, 3) * (rank + 1)).T
work = dist.all_reduce(t, async_op=True)
work.wait()
check(np.array_equal(t._data, np.arange(6.0).reshape(2, 3).T * 3), "async / non-contiguous all_reduce")

# broadcast from each source
for src in ranks:
    t = chainrule.full((4,), float(rank))
    dist.broadcast(t, src=int(src))
    check(np.array_equal(t._data, np.full(4, float(src))), f"broadcast from {src}")

# a wrong op and a wrong source are named
for call, text in ((lambda: dist.all_reduce(chainrule.ones(2), op="sum"), "ReduceOp"),
                   (lambda: dist.broadcast(chainrule.ones(2), src=5), "src=5"),
                   (lambda: dist.all_reduce(chainrule.ones(2, dtype=chainrule.int64), op=dist.ReduceOp.AVG),
                    "floating")):
    try:
        call()
    except (TypeError, ValueError) as e:
        check(text in str(e), f"message {e}")
    else:
        check(False, f"no error for {text}")

# the sampler reads rank and world size from the group
s = DistributedSampler(range(7), shuffle=False)
check(list(s) == [[0, 2, 4, 6], [1, 3, 5, 0]][rank], f"sampler {list(s)}")

# DistributedDataParallel: rank 0's weights at wrap time; no_sync accumulates, the next backward
# averages the accumulated sum; an unused parameter is named unless find_unused_parameters
from chainrule import nn  # noqa: E402

chainrule.manual_seed(rank)  # a different start on each rank
lin = nn.Linear(3, 2).to(chainrule.float64)
ddp = nn.parallel.DistributedDataParallel(lin)
spread = chainrule.tensor(lin.weight._data.copy())
dist.all_reduce(spread, op=dist.ReduceOp.MAX)
check(np.array_equal(spread._data, lin.weight._data), "weights not broadcast at wrap time")
x = chainrule.tensor(np.full((4, 3), rank + 1.0))
with ddp.no_sync():
    ddp(x).sum().backward()
check(np.allclose(lin.weight.grad._data, 4 * (rank + 1)), "no_sync reduced")
ddp(x).sum().backward()
check(np.allclose(lin.weight.grad._data, (8 + 16) / 2), f"accumulated average {lin.weight.grad._data}")
check(np.allclose(lin.bias.grad._data, 8), "bias average")


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x):
        return self.used(x)


model = nn.parallel.DistributedDataParallel(TwoHeads())
try:
    model(chainrule.ones(2, 3)).sum().backward()
except RuntimeError as e:
    check("unused.weight" in str(e) and "find_unused_parameters" in str(e), f"message {e}")
else:
    check(False, "an unused parameter was not named")
model = nn.parallel.DistributedDataParallel(TwoHeads(), find_unused_parameters=True)
model(chainrule.full((2, 3), float(rank))).sum().backward()
check(np.allclose(model.module.used.weight.grad._data, 1.0), "used weight average")  # (0 + 2) / 2
check(np.allclose(model.module.unused.weight.grad._data, 0.0), "unused weight")

dist.barrier()
dist.destroy_process_group()
check(not dist.is_initialized(), "destroy")
print(f"rank {rank} ok", flush=True)
