# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/nn_tutorial.py ("What is torch.nn really?", by
#   Jeremy Howard), from 'Refactor using torch.optim' to 'Switch to CNN' (excluded). Licence: BSD-3-Clause.
# Edits: `import torch` -> `import chainrule as torch` (and `import torch.nn.functional as F`,
#   `from torch import nn`, `from torch import optim`, `from torch.utils.data import ...` with it);
#   the MNIST download and pickle load are replaced by synthetic arrays of MNIST's shapes and types
#   (784 float32 pixels in [0, 1], int64 labels 0-9; 2000 training and 400 validation samples
#   instead of 50000 and 10000); the matplotlib display is left out; the earlier sections are in nn_tutorial_scratch.py, so the setup
#   they build (lr, epochs, bs, loss_func, Mnist_Logistic with nn.Linear) is repeated first;
#   `torch.manual_seed(0)` added so that the check repeats; the learning check at the end is added.
import chainrule as torch
import math
torch.manual_seed(0)
import numpy as np

# synthetic stand-in for the pickled MNIST arrays (same shapes and dtypes)
_rng = np.random.default_rng(12345)
_templates = (_rng.random((10, 784)) > 0.5).astype(np.float32)
y_train = _rng.integers(0, 10, 2000).astype(np.int64)
x_train = (0.7 * _templates[y_train] + 0.3 * _rng.random((2000, 784))).astype(np.float32)
y_valid = _rng.integers(0, 10, 400).astype(np.int64)
x_valid = (0.7 * _templates[y_valid] + 0.3 * _rng.random((400, 784))).astype(np.float32)
print(x_train.shape)

x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (x_train, y_train, x_valid, y_valid)
)
n, c = x_train.shape

import chainrule.nn.functional as F
from chainrule import nn

loss_func = F.cross_entropy
bs = 64
lr = 0.5
epochs = 2

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)

from chainrule import optim

def get_model():
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)

model, opt = get_model()
xb, yb = x_train[0:bs], y_train[0:bs]
print(loss_func(model(xb), yb))
first = loss_func(model(x_valid), y_valid).item()

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(loss_func(model(xb), yb))
optim_loss = loss_func(model(x_valid), y_valid).item()

from chainrule.utils.data import TensorDataset

train_ds = TensorDataset(x_train, y_train)

model, opt = get_model()

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = train_ds[i * bs: i * bs + bs]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(loss_func(model(xb), yb))
dataset_loss = loss_func(model(x_valid), y_valid).item()

from chainrule.utils.data import DataLoader

train_ds = TensorDataset(x_train, y_train)
train_dl = DataLoader(train_ds, batch_size=bs)

model, opt = get_model()

for epoch in range(epochs):
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(loss_func(model(xb), yb))

train_ds = TensorDataset(x_train, y_train)
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)

valid_ds = TensorDataset(x_valid, y_valid)
valid_dl = DataLoader(valid_ds, batch_size=bs * 2)

model, opt = get_model()

for epoch in range(epochs):
    model.train()
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

    model.eval()
    with torch.no_grad():
        valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)

    print(epoch, valid_loss / len(valid_dl))

def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)

import numpy as np

def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(
                *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl]
            )
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)

        print(epoch, val_loss)
    return val_loss

def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )

train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
val_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)

# learning check (added): every refactoring trains; the validation loss falls by 5x at least
print(first, optim_loss, dataset_loss, (valid_loss / len(valid_dl)).item(), val_loss)
assert max(optim_loss, dataset_loss, (valid_loss / len(valid_dl)).item(), val_loss) < first / 5
