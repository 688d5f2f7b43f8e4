"""Soak: long runs neither leak memory nor hit recursion limits.

* 2,000 training steps with the resident set size sampled every 100 steps: after a warm-up it
  stays flat (each step's graph and the arrays its nodes saved are freed, by reference counting
  alone: the cyclic garbage collector is switched off for the run).
* A chain of 100,000 operations backpropagates (the engine walks the graph iteratively) with the
  exact gradient, and is freed without blowing the C stack.
"""

from __future__ import annotations

import gc
import os
import sys
import weakref

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.data import DataLoader, TensorDataset
from chainrule.train import fit

pytestmark = pytest.mark.slow  # thousands of steps and 100000-op graphs

STEPS = 2_000
SAMPLE_EVERY = 100
WARMUP = 300
MiB = 2**20


def rss_bytes() -> int:
    """The current resident set size (Linux: /proc/self/statm)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/statm"),
                                reason="RSS is read from /proc")


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 128),
                         nn.Tanh(), nn.LayerNorm(128), nn.Linear(128, 10))


@needs_proc
def test_two_thousand_steps_do_not_grow_memory():
    cr.manual_seed(0)
    model = mlp()
    opt = cr.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x, y = cr.randn(4096, 64), cr.randint(0, 10, (4096,))
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    samples: list[int] = []
    graphs: list[weakref.ref] = []
    step = 0
    gc.collect()
    gc.disable()  # everything must be freed by reference counting alone
    try:
        while step < STEPS:
            for xb, yb in loader:
                loss = loss_fn(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                graphs.append(weakref.ref(loss.grad_fn))
                step += 1
                if step % SAMPLE_EVERY == 0:
                    samples.append(rss_bytes())
                if step == STEPS:
                    break
    finally:
        gc.enable()
    del loss
    alive = sum(r() is not None for r in graphs)
    assert alive == 0, f"{alive} of {STEPS} step graphs are still alive"
    steady = samples[WARMUP // SAMPLE_EVERY:]
    growth = steady[-1] - steady[0]
    peak_growth = max(steady) - steady[0]
    # one leaked step graph holds ~0.1 MiB of activations: 1,700 of them would be ~170 MiB
    assert growth < 4 * MiB and peak_growth < 8 * MiB, (
        f"RSS grew by {growth / MiB:.1f} MiB (peak {peak_growth / MiB:.1f} MiB) over "
        f"{STEPS - WARMUP} steps after warm-up: "
        + ", ".join(f"{s / MiB:.0f}" for s in samples)
    )


@needs_proc
def test_fit_for_many_epochs_does_not_grow_memory():
    """The same through ``fit``: history, metrics and validation keep no graph either."""
    cr.manual_seed(0)
    model = mlp()
    opt = cr.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = cr.randn(512, 64), cr.randint(0, 10, (512,))
    train = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    val = DataLoader(TensorDataset(x[:128], y[:128]), batch_size=128)
    fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=5, progress=False)  # warm-up
    before = rss_bytes()
    gc.disable()
    try:
        hist = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=60, progress=False)
    finally:
        gc.enable()
    growth = rss_bytes() - before
    assert len(hist["loss"]) == 60
    assert growth < 4 * MiB, f"RSS grew by {growth / MiB:.1f} MiB over 480 steps of fit"


def test_backward_frees_what_forward_saved():
    """After backward, no node of the graph holds an array; retain_graph=True keeps them."""
    cr.manual_seed(0)
    model = mlp()
    loss = nn.CrossEntropyLoss()(model(cr.randn(8, 64)), cr.randint(0, 10, (8,)))

    def nodes(root):
        seen, stack = [], [root]
        while stack:
            n = stack.pop()
            if n is None or isinstance(n, cr.Tensor) or any(n is s for s in seen):
                continue
            seen.append(n)
            stack.extend(n._parents)
        return seen

    def saved_arrays(node):
        return [v for v in node.__dict__.values() if isinstance(v, np.ndarray) and v.size > 1]

    graph = nodes(loss.grad_fn)
    assert len(graph) >= 8 and sum(len(saved_arrays(n)) for n in graph) > 0
    loss.backward(retain_graph=True)
    assert sum(len(saved_arrays(n)) for n in graph) > 0
    loss.backward()
    leftover = {n.name(): len(saved_arrays(n)) for n in graph if saved_arrays(n)}
    assert not leftover, f"nodes still holding saved arrays after backward: {leftover}"
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_a_100000_op_chain_backpropagates_and_is_freed():
    """y = ((x + 0.5) * a + 0.5) * a ...: 100,000 ops; dy/dx = a^50000 exactly as float64 allows."""
    a = 1.00001
    x = cr.tensor([1.0, -2.0, 3.0], dtype=cr.float64, requires_grad=True)
    y = x
    for i in range(100_000):
        y = y * a if i % 2 else y + 0.5
    limit = sys.getrecursionlimit()
    y.sum().backward()
    assert sys.getrecursionlimit() == limit  # no recursion was needed, none was raised
    np.testing.assert_allclose(x.grad._data, np.full(3, a ** 50_000), rtol=1e-9)
    root = weakref.ref(y.grad_fn)
    del y  # freeing 100,000 nested nodes must not overflow the C stack
    assert root() is None


def test_a_100000_op_chain_without_backward_is_freed():
    x = cr.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y.tanh()
    root = weakref.ref(y.grad_fn)
    del y
    assert root() is None
