# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/nn_tutorial.py ("What is torch.nn really?", by
#   Jeremy Howard), from 'Switch to CNN' to its end. Licence: BSD-3-Clause.
# Edits: `import torch` -> `import chainrule as torch` (and `import torch.nn.functional as F`,
#   `from torch import nn`, `from torch import optim`, `from torch.utils.data import ...` with it);
#   the MNIST download and pickle load are replaced by synthetic arrays of MNIST's shapes and types
#   (784 float32 pixels in [0, 1], int64 labels 0-9; 2000 training and 400 validation samples
#   instead of 50000 and 10000); the earlier sections are in nn_tutorial_scratch.py and
#   nn_tutorial_dataloader.py, so the setup they build (bs, epochs, loss_func, the datasets,
#   loss_batch, fit, get_data) is repeated first, with 6 epochs instead of 2; `fit` returns its
#   last validation loss; `torch.manual_seed(0)` added so that the check repeats; the loss of an
#   untrained CNN (`first`) and the learning check at the end are added.
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

import chainrule.nn.functional as F
from chainrule import nn
from chainrule import optim
from chainrule.utils.data import TensorDataset
from chainrule.utils.data import DataLoader

loss_func = F.cross_entropy
bs = 64
epochs = 6  # 2 in the tutorial, whose epochs are 25 times longer

train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)

def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)

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

class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))

lr = 0.1

model = Mnist_CNN()
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
with torch.no_grad():
    first = loss_func(model(x_valid), y_valid).item()

cnn_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)

class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)

model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AvgPool2d(4),
    Lambda(lambda x: x.view(x.size(0), -1)),
)

opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

sequential_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)

def preprocess(x, y):
    return x.view(-1, 1, 28, 28), y


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))

train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)

model = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)

opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

adaptive_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)

print(torch.cuda.is_available())

dev = torch.device(
    "cuda") if torch.cuda.is_available() else torch.device("cpu")


def preprocess(x, y):
    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)

model.to(dev)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

device_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)

# learning check (added): every CNN trains; the validation loss falls by 3x at least
print(first, cnn_loss, sequential_loss, adaptive_loss, device_loss)
assert max(cnn_loss, sequential_loss, adaptive_loss, device_loss) < first / 3
