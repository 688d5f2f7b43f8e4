"""A library's one-time start-up, timed in a fresh process: its import and its first training step.

``python -m bench.startup NAME --hidden H --batch B --lr LR`` (NAME: chainrule, pytorch or
numpy floor) prints ``{"import_s": ..., "first_step_s": ...}`` as JSON. Only the standard library
is imported before the clock starts, so ``import_s`` is all that ``import torch`` or ``import
chainrule`` (or ``import numpy``, for the floor) costs; ``first_step_s`` is one training step of
the MNIST-1D recipe's residual MLP, in which each library does its lazy start-up (chainrule loads
its compiled kernels, PyTorch initialises its own). Used by (c), :mod:`bench.mnist1d_recipe`.
"""

from __future__ import annotations

import argparse
import json
import time


def first_step(name: str, hidden: int, batch: int, lr: float) -> dict[str, float]:
    start = time.perf_counter()
    lib = __import__({"pytorch": "torch", "chainrule": "chainrule", "numpy floor": "numpy"}[name])
    imported = time.perf_counter()
    from . import models

    x, y = models.batch([40, 10], batch)  # MNIST-1D's shapes: 40 features, 10 classes
    if name == "numpy floor":
        from .floor import NumpyMLP

        NumpyMLP([40, hidden, hidden, 10], batch, residual=True, lr=lr).step(x, y)
    else:
        from .models import residual_mlp

        if name == "pytorch":
            from .machine import match_threads

            match_threads()
        model = residual_mlp(lib.nn, 40, 10, hidden)
        optimizer = lib.optim.Adam(model.parameters(), lr=lr)
        lib.nn.functional.cross_entropy(model(lib.from_numpy(x)), lib.from_numpy(y)).backward()
        optimizer.step()
    return {"import_s": imported - start, "first_step_s": time.perf_counter() - imported}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=["chainrule", "pytorch", "numpy floor"])
    parser.add_argument("--hidden", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--lr", type=float, required=True)
    args = parser.parse_args()
    print(json.dumps(first_step(args.name, args.hidden, args.batch, args.lr)))


if __name__ == "__main__":
    main()
