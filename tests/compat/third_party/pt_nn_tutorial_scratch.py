# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/nn_tutorial.py ("What is torch.nn really?", by
#   Jeremy Howard), from its start to 'Refactor using nn.Linear'. Licence: BSD-3-Clause.
# Edits: `import torch` -> `import chainrule as torch` (and `import torch.nn.functional as F`,
#   `from torch import nn`, `from torch import optim`, `from torch.utils.data import ...` with it);
#   the MNIST download and pickle load are replaced by synthetic arrays of MNIST's shapes and types
#   (784 float32 pixels in [0, 1], int64 labels 0-9; 2000 training and 400 validation samples
#   instead of 50000 and 10000); the matplotlib display is left out; the tutorial's later sections are in nn_tutorial_dataloader.py;
#   `torch.manual_seed(0)` added so that the check repeats; the learning check at the end is added.
import chainrule as torch
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
print(x_train, y_train)
print(x_train.shape)
print(y_train.min(), y_train.max())

import math

weights = torch.randn(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)

def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)

def model(xb):
    return log_softmax(xb @ weights + bias)

bs = 64  # batch size

xb = x_train[0:bs]  # a mini-batch from x
preds = model(xb)  # predictions
preds[0], preds.shape
print(preds[0], preds.shape)

def nll(input, target):
    return -input[range(target.shape[0]), target].mean()

loss_func = nll

yb = y_train[0:bs]
print(loss_func(preds, yb))
first = loss_func(preds, yb).item()

def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()

print(accuracy(preds, yb))

lr = 0.5  # learning rate
epochs = 2  # how many epochs to train for

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        #         set_trace()
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

print(loss_func(model(xb), yb), accuracy(model(xb), yb))
scratch = loss_func(model(xb), yb).item()

import chainrule.nn.functional as F

loss_func = F.cross_entropy

def model(xb):
    return xb @ weights + bias

print(loss_func(model(xb), yb), accuracy(model(xb), yb))
assert abs(loss_func(model(xb), yb).item() - scratch) < 1e-4  # (added) the same loss

from chainrule import nn

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias

model = Mnist_Logistic()

print(loss_func(model(xb), yb))

def fit():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()

fit()

print(loss_func(model(xb), yb))
module_loss = loss_func(model(xb), yb).item()

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)

model = Mnist_Logistic()
print(loss_func(model(xb), yb))
untrained = loss_func(model(xb), yb).item()

fit()

print(loss_func(model(xb), yb))
linear_loss = loss_func(model(xb), yb).item()

# learning check (added): each of the three trainings cuts the loss by a factor of 5 at least
print(first, scratch, module_loss, untrained, linear_loss)
assert scratch < first / 5 and module_loss < first / 5 and linear_loss < untrained / 5
