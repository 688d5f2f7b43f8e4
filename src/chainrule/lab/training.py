"""The small training loops and models the experiments share.

``full_batch`` is the lecture's gradient descent written out: forward, loss, ``backward()``,
``optimizer.step()``, on the whole training set each step. MNIST-1D runs go through
``chainrule.train.fit`` with mini-batches, as the MNIST-1D paper trains (Adam, batch 100).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import datasets
from chainrule.train import fit

# the MNIST-1D paper's results (Greydanus & Kobak): test accuracy of its baselines
PAPER_MNIST1D = {"logistic regression": 0.32, "MLP": 0.68}
PAPER_STEPS, PAPER_BATCH, PAPER_LR = 6000, 100, 1e-2


def mlp(sizes: list[int], activation: Callable[[], nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear layers of the given widths with ``activation`` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def full_batch(model: nn.Module, loss_fn: Any, optimizer: optim.Optimizer, X: cr.Tensor,
               y: cr.Tensor, steps: int) -> np.ndarray:
    """Gradient descent on the whole set: one step per pass; the loss before each step.

    A loss that overflows to inf/NaN ends training; the remaining steps are recorded as NaN.
    """
    losses = np.full(steps, np.nan)
    for t in range(steps):
        loss = loss_fn(model(X), y)
        losses[t] = loss.item()
        if not np.isfinite(losses[t]):
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


def accuracy(model: nn.Module, X: cr.Tensor, y: cr.Tensor) -> float:
    with cr.no_grad():
        return float((model(X).data.argmax(axis=1) == y.data).mean())


def mnist1d_train(model: nn.Module, make_optimizer: Callable[[Any], optim.Optimizer],
                  steps: int, seed: int = 0) -> dict[str, Any]:
    """Train on MNIST-1D's 4,000 signals in batches of 100; test on its 1,000 after every epoch.

    Returns the per-epoch training loss and test accuracy and the final test accuracy.
    """
    splits = datasets.mnist1d()
    train, test = splits.loaders(batch_size=PAPER_BATCH, generator=cr.Generator(seed))
    epochs = max(1, steps * PAPER_BATCH // len(splits.train))
    history = fit(model, nn.CrossEntropyLoss(), make_optimizer(model.parameters()), train, test,
                  epochs=epochs, progress=False)
    return {"loss": np.array(history["loss"]), "test_accuracy": np.array(history["val_accuracy"]),
            "final_test_accuracy": float(history["val_accuracy"][-1]),
            "steps": epochs * len(splits.train) // PAPER_BATCH, "epochs": epochs}
