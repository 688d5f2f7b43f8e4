"""(m) Data-parallel training over MPI: steps per second with 1 and 2 ranks on this machine.

The MLP 784-256-256-10 of (a), Adam, a global batch of 128 split evenly over the ranks, each rank
with one BLAS thread, wrapped in ``nn.parallel.DistributedDataParallel`` (one 25 MB bucket: the
whole 0.9 MB gradient). ``mpiexec -n R python -m bench.mpi_steps --worker`` runs the ranks; rank 0
times the steps after a warm-up and also times an ``all_reduce`` of the gradient's size alone,
which is the communication a step adds: ``step(R) ~ compute / R + allreduce``.

    python -m bench --only m            # in the suite
    python -m bench.mpi_steps           # alone: prints the result as JSON
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SIZES = (784, 256, 256, 10)
GLOBAL_BATCH = 128
RANKS = (1, 2)


def _mpiexec() -> str:
    beside = Path(sys.executable).parent / "mpiexec"  # the mpich wheel's launcher
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        raise RuntimeError("(m) needs mpiexec: pip install 'chainrule[mpi]'")
    return found


def worker(warmup: int, steps: int) -> None:
    """One rank: train ``steps`` timed steps; rank 0 prints the timings as one JSON line."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    import chainrule
    import chainrule.distributed as dist
    from chainrule import nn, optim

    threadpool_limits(1)
    chainrule.memory.keep_freed_memory()
    dist.init_process_group(backend="mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    chainrule.manual_seed(0)
    layers: list[Any] = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(SIZES) - 2 else [])
    model = nn.parallel.DistributedDataParallel(nn.Sequential(*layers))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(rank)
    local = GLOBAL_BATCH // world
    x = chainrule.tensor(rng.standard_normal((local, SIZES[0])).astype(np.float32))
    y = chainrule.tensor(rng.integers(0, SIZES[-1], local))

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    elapsed = time.perf_counter() - start
    n_params = sum(p.numel() for p in model.parameters())
    grad = chainrule.zeros(n_params)
    for _ in range(3):
        dist.all_reduce(grad)
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(steps):
        dist.all_reduce(grad)
    allreduce_s = (time.perf_counter() - t0) / steps
    if rank == 0:
        print(json.dumps({"ranks": world, "steps": steps, "seconds": elapsed,
                          "steps_per_s": steps / elapsed, "step_ms": 1e3 * elapsed / steps,
                          "grad_bytes": 4 * n_params, "allreduce_ms": 1e3 * allreduce_s}), flush=True)
    dist.destroy_process_group()


def run(smoke: bool) -> dict[str, Any]:
    """Launch the workers with 1 and 2 ranks; the per-rank-count timings and the speed-up."""
    warmup, steps = (2, 5) if smoke else (20, 300)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    by_ranks: dict[str, Any] = {}
    for ranks in RANKS:
        proc = subprocess.run([_mpiexec(), "-n", str(ranks), sys.executable, "-m", "bench.mpi_steps", "--worker",
                               str(warmup), str(steps)], capture_output=True, text=True, env=env, cwd=root,
                              timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"(m) mpiexec -n {ranks} failed:\n{proc.stdout}\n{proc.stderr}")
        by_ranks[str(ranks)] = json.loads(proc.stdout.strip().splitlines()[-1])
    one, two = by_ranks["1"], by_ranks["2"]
    return {"model": "MLP " + "-".join(map(str, SIZES)), "global_batch": GLOBAL_BATCH, "optimizer": "Adam",
            "by_ranks": by_ranks, "speedup_2_ranks": two["steps_per_s"] / one["steps_per_s"],
            "cores": os.cpu_count()}


def summary_lines(r: dict[str, Any]) -> list[str]:
    lines = [f"  {n} rank{'s' if n != '1' else ''}: {x['steps_per_s']:.1f} steps/s ({x['step_ms']:.2f} ms/step), "
             f"all_reduce of {x['grad_bytes'] / 1e6:.2f} MB {x['allreduce_ms']:.3f} ms"
             for n, x in r["by_ranks"].items()]
    lines.append(f"  2 ranks / 1 rank: {r['speedup_2_ranks']:.2f}x the steps per second")
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(int(sys.argv[2]), int(sys.argv[3]))
    else:
        print(json.dumps(run("--smoke" in sys.argv), indent=1))
