"""The small training loops and models the experiments share (``mlp`` also builds the models of
``chainrule train``).

``full_batch`` is the lecture's gradient descent written out: forward, loss, ``backward()``,
``optimizer.step()``, on the whole training set each step. MNIST-1D runs go through
``chainrule.train.fit`` with mini-batches, as the MNIST-1D paper trains (Adam, batch 100).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import datasets
from chainrule.train import fit

# the MNIST-1D paper's results (Greydanus & Kobak): test accuracy of its baselines
PAPER_MNIST1D = {"logistic regression": 0.32, "MLP": 0.68}
PAPER_STEPS, PAPER_BATCH, PAPER_LR = 6000, 100, 1e-2


ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                                           "leaky_relu": nn.LeakyReLU, "elu": nn.ELU}
INITS = ("default", "xavier", "kaiming", "normal", "zeros")


def mlp(sizes: Sequence[int], activation: str | Callable[[], nn.Module] = "relu",
        init: str = "default") -> nn.Sequential:
    """Linear layers of the given widths with ``activation`` between them (none after the last).

    ``sizes = [in, out]`` is one ``Linear``: logistic (or linear) regression. ``activation`` is a
    name of :data:`ACTIVATIONS` or a module class. ``init``: ``"default"`` keeps PyTorch's
    initialisation; ``"xavier"`` (uniform) and ``"kaiming"`` (normal) use the activation's gain
    (ELU takes ReLU's), ``"normal"`` draws N(0, 0.01²), ``"zeros"`` sets every weight to 0; the
    biases start at 0 for all but the default.
    """
    if isinstance(activation, str) and activation not in ACTIVATIONS:
        raise ValueError(f"mlp: unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    make = ACTIVATIONS[activation] if isinstance(activation, str) else activation
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(make())
    if init != "default":
        name = activation if isinstance(activation, str) else next(
            (n for n, cls in ACTIVATIONS.items() if cls is activation), "linear")
        _initialise([m for m in layers if isinstance(m, nn.Linear)], init, "relu" if name == "elu" else name)
    return nn.Sequential(*layers)


def cnn(input_shape: Sequence[int], out_features: int) -> nn.Sequential:
    """The convolutional networks of ``chainrule train --model cnn``, taking flat feature vectors.

    * a signal ``(L,)`` (MNIST-1D, ``L = 40``): the MNIST-1D paper repository's CNN, three
      ``Conv1d`` layers of 25 channels (kernel 5 then 3, stride 2, padding 1) with ReLU after each,
      the channel-major flatten (``25 x 5 = 125``) and ``Linear(125, out)``;
    * an image ``(H, W)`` (digits, 8 x 8): two ``Conv2d`` 3 x 3 layers (16 and 32 channels,
      padding 1) each followed by ReLU and 2 x 2 max pooling, then dropout (p = 0.5; without it
      the net memorises the 1,437 training images and stays under 98 % on the test split) and
      ``Linear(32 H/4 W/4, out)``.

    The first layer reshapes ``[N, prod(input_shape)]`` into ``[N, 1, *input_shape]``.
    """
    shape = tuple(int(v) for v in input_shape)
    if len(shape) == 1:
        length = shape[0]
        for k in (5, 3, 3):
            length = (length + 2 - k) // 2 + 1
        if length < 1:
            raise ValueError(f"cnn: a signal of length {shape[0]} is too short for three stride-2 convolutions")
        return nn.Sequential(
            nn.Unflatten(1, (1, shape[0])),
            nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(25 * length, out_features))
    if len(shape) == 2:
        h, w = shape
        if h < 4 or w < 4:
            raise ValueError(f"cnn: an image of {h} x {w} is too small for two 2 x 2 poolings")
        return nn.Sequential(
            nn.Unflatten(1, (1, h, w)),
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * (h // 4) * (w // 4), out_features))
    raise ValueError(f"cnn: input_shape must be (length,) or (height, width), got {tuple(input_shape)}")



class SequenceGRU(nn.Module):
    """The MNIST-1D paper repository's GRU, taking flat feature vectors (``--model gru``).

    Each of the ``length`` features is one time step of a one-channel sequence: ``[N, L]`` ->
    ``[N, L, 1]`` -> ``GRU(1, hidden, batch_first=True, bidirectional=True)`` -> ``[N, L,
    2 hidden]``, flattened to ``2 hidden L`` (480 for MNIST-1D) -> ``Linear(2 hidden L, out)``.
    PyTorch's default initialisation throughout.
    """

    def __init__(self, length: int, out_features: int, hidden: int = 6) -> None:
        super().__init__()
        self.length = int(length)
        self.gru = nn.GRU(1, hidden, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(2 * hidden * self.length, out_features)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        n = x.shape[0]
        out, _ = self.gru(x.reshape(n, self.length, 1))  # [N, L, 2 hidden]
        return self.linear(out.reshape(n, -1))


def gru(length: int, out_features: int, hidden: int = 6) -> SequenceGRU:
    """``chainrule train --model gru``'s network: :class:`SequenceGRU`."""
    return SequenceGRU(length, out_features, hidden)

def _initialise(linears: list[nn.Linear], init: str, gain_name: str) -> None:
    if init not in INITS:
        raise ValueError(f"mlp: unknown init {init!r}; choose one of {', '.join(INITS)}")
    for layer in linears:
        w = layer.weight
        if init == "xavier":
            nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain(gain_name))
        elif init == "kaiming":
            nn.init.kaiming_normal_(w, nonlinearity=gain_name)
        elif init == "normal":
            nn.init.normal_(w, 0.0, 0.01)
        else:
            nn.init.zeros_(w)
        nn.init.zeros_(layer.bias)


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
        return float((model(X)._data.argmax(axis=1) == y._data).mean())


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
