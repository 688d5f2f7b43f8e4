"""Train an MLP data-parallel (under mpiexec) or in one process on the same global batches.

    mpiexec -n 2 python ddp_worker.py ddp sgd out.npz
    python ddp_worker.py single sgd out.npz

Both write the final parameters (rank 0 in the first case). The global batch of a step is the
union of the two ranks' batches from ``DistributedSampler``, and the loss is a mean, so the
averaged gradient of the two ranks equals the single process's gradient of the global batch.
"""

import sys

import numpy as np

import chainrule
import chainrule.distributed as dist
from chainrule import nn, optim
from chainrule.data import DataLoader, DistributedSampler, TensorDataset

RANKS, LOCAL_BATCH, EPOCHS = 2, 8, 3


def build(opt_name):
    chainrule.manual_seed(7)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(),
                          nn.Linear(8, 3)).to(chainrule.float64)
    rng = np.random.default_rng(3)
    x = chainrule.tensor(rng.standard_normal((70, 6)))
    y = chainrule.tensor(rng.integers(0, 3, 70))
    return model, TensorDataset(x, y)


def make_optimizer(opt_name, params):
    if opt_name == "sgd":
        return optim.SGD(params, lr=0.1, momentum=0.9)
    return optim.Adam(params, lr=0.01)


def loaders(dataset):
    samplers = [DistributedSampler(dataset, num_replicas=RANKS, rank=r, shuffle=True, seed=5)
                for r in range(RANKS)]
    return samplers, [DataLoader(dataset, batch_size=LOCAL_BATCH, sampler=s) for s in samplers]


def run_ddp(opt_name, out):
    dist.init_process_group(backend="mpi")
    rank = dist.get_rank()
    model, dataset = build(opt_name)
    if rank != 0:  # a different start: DistributedDataParallel must broadcast rank 0's weights
        for p in model.parameters():
            p._data += 1.0
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.0005)  # several buckets
    assert len(ddp._buckets) > 1
    opt = make_optimizer(opt_name, ddp.parameters())
    sampler = DistributedSampler(dataset, shuffle=True, seed=5)
    loader = DataLoader(dataset, batch_size=LOCAL_BATCH, sampler=sampler)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(ddp(xb), yb).backward()
            opt.step()
    for p in model.parameters():  # the replicas are equal
        mine = p._data.copy()
        dist.broadcast(p, src=0)
        assert np.array_equal(mine, p._data), "replicas differ"
    if rank == 0:
        np.savez(out, *[p._data for p in model.parameters()])
    dist.barrier()
    dist.destroy_process_group()


def run_single(opt_name, out):
    model, dataset = build(opt_name)
    opt = make_optimizer(opt_name, model.parameters())
    samplers, loaders_ = loaders(dataset)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        for s in samplers:
            s.set_epoch(epoch)
        for batches in zip(*loaders_):
            xb = chainrule.cat([b[0] for b in batches])
            yb = chainrule.cat([b[1] for b in batches])
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    np.savez(out, *[p._data for p in model.parameters()])


if __name__ == "__main__":
    mode, opt_name, out = sys.argv[1:4]
    (run_ddp if mode == "ddp" else run_single)(opt_name, out)
