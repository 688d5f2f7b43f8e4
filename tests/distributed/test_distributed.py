"""chainrule.distributed, DistributedDataParallel and DistributedSampler.

The collectives and data-parallel training run for real: ``mpiexec -n 2`` starts the workers
beside this file. Two-rank training must end with the parameters of one process trained on the
same global batches (float64, 1e-10), with SGD (momentum) and with Adam.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import chainrule
import chainrule.distributed as dist
from chainrule import nn
from chainrule.autograd import engine
from chainrule.data import DistributedSampler

HERE = Path(__file__).parent


def mpiexec():
    beside = Path(sys.executable).parent / "mpiexec"  # where the mpich wheel puts it
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None or not dist.is_mpi_available():
        pytest.skip("mpiexec / mpi4py not installed (pip install 'chainrule[mpi]')")
    return found


def run_ranks(*args, n=2, timeout=240):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([mpiexec(), "-n", str(n), sys.executable, *args], cwd=HERE, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_collectives_on_two_ranks():
    out = run_ranks("collectives_worker.py")
    assert "rank 0 ok" in out and "rank 1 ok" in out


@pytest.mark.slow
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_two_ranks_train_like_one_process_on_the_global_batches(tmp_path, opt):
    run_ranks("ddp_worker.py", "ddp", opt, str(tmp_path / "ddp.npz"))
    single = subprocess.run([sys.executable, "ddp_worker.py", "single", opt, str(tmp_path / "one.npz")],
                            cwd=HERE, capture_output=True, text=True, timeout=120)
    assert single.returncode == 0, single.stderr
    got, want = np.load(tmp_path / "ddp.npz"), np.load(tmp_path / "one.npz")
    assert list(got) == list(want)
    for key in want:
        assert got[key].dtype == np.float64
        np.testing.assert_allclose(got[key], want[key], rtol=1e-10, atol=1e-10)


def test_bad_backend_is_named():
    with pytest.raises(ValueError, match="unknown backend 'nccl'.*'mpi'"):
        dist.init_process_group(backend="nccl")
    assert not dist.is_initialized()


def test_collectives_need_a_group():
    with pytest.raises(RuntimeError, match="get_rank.*init_process_group"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="all_reduce.*not been initialized"):
        dist.all_reduce(chainrule.ones(2))
    with pytest.raises(RuntimeError, match="DistributedDataParallel.*init_process_group"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="DistributedSampler.*num_replicas"):
        DistributedSampler(range(4))


@pytest.mark.parametrize("n", [1, 5, 7, 8, 10])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_indices_are_pytorchs(n, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                                     drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


def test_shuffled_shares_cover_the_data_and_change_with_the_epoch():
    samplers = [DistributedSampler(range(10), num_replicas=3, rank=r, seed=1) for r in range(3)]
    first = [list(s) for s in samplers]
    repeats = [first[0][0], first[1][0]]  # 12 = 10 + the permutation's first two, repeated
    assert sorted(sum(first, [])) == sorted(list(range(10)) + repeats)
    assert len(set(sum(first, []))) == 10 and all(len(f) == 4 for f in first)
    assert [list(s) for s in samplers] == first  # the same order until set_epoch
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != first


def test_sampler_rank_checked():
    with pytest.raises(ValueError, match="invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


def test_leaf_hooks_see_their_total_gradient_during_the_walk_and_callbacks_run_after():
    """What DistributedDataParallel relies on: a parameter's hook fires once its gradient is
    complete (before the walk reaches earlier layers), and a queued callback after every .grad."""
    lin1, lin2 = nn.Linear(3, 4), nn.Linear(4, 2)
    seen = []
    lin2.weight.register_hook(lambda g: seen.append(("lin2", lin1.weight.grad is None)))
    lin1.weight.register_hook(lambda g: seen.append(("lin1", None)))

    def first_hook(g):
        engine.queue_callback(lambda: seen.append(("callback", lin1.weight.grad is not None)))

    lin2.bias.register_hook(first_hook)
    x = chainrule.randn(5, 3)
    y = lin2(lin1(x).tanh())
    (y.sum() + (lin1(x) * 0).sum()).backward()  # lin1.weight has two consumers: one total
    assert seen == [("lin2", True), ("lin1", None), ("callback", True)]


@pytest.mark.slow
def test_mpiexec_chainrule_train_writes_one_run(tmp_path):
    pytest.importorskip("typer")
    out = tmp_path / "run"
    stdout = run_ranks("-m", "chainrule", "train", "--dataset", "moons", "--epochs", "2", "--batch-size", "50",
                       "--out", str(out), "--no-progress")
    assert stdout.count("wrote ") == 1  # rank 0 alone reports and writes
    assert {"config.json", "model.npz", "metrics.json", "history.csv"} <= {p.name for p in out.iterdir()}
    assert list(tmp_path.iterdir()) == [out]
