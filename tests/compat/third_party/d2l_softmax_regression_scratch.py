# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: Dive into Deep Learning (d2l-ai/d2l-en, PyTorch version), chapter_linear-networks/softmax-regression-scratch.md.
#   Licence: the book's code is MIT-0 (its text CC BY-SA 4.0).
# Edits: `import torch` -> `import chainrule as torch` (and `from torch import nn`, `from torch.utils
#   import data`, which the inlined helpers use);
#   the book's helpers (Accumulator, accuracy, evaluate_accuracy, train_epoch_ch3, train_ch3 with
#   its own asserts that train loss < 0.5 and train/test accuracy > 0.7, sgd) are inlined and
#   `d2l.` dropped from their calls; train_ch3 prints each epoch instead of drawing an Animator;
#   `d2l.load_data_fashion_mnist` is a synthetic stand-in of the same shapes (1024/256 samples).
#   num_epochs 10 -> 5; the predict_ch3 figure is left out. The learning check is train_ch3's own.
import chainrule as torch
from chainrule import nn
from chainrule.utils import data

# --- d2l helpers, inlined from d2l/torch.py (the book's own package) ---
class Accumulator:  #@save
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):  #@save
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, data_iter):  #@save
    """Compute the accuracy for a model on a dataset."""
    if isinstance(net, torch.nn.Module):
        net.eval()  # Set the model to evaluation mode
    metric = Accumulator(2)  # No. of correct predictions, no. of predictions

    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater):  #@save
    """The training loop defined in Chapter 3."""
    # Set the model to training mode
    if isinstance(net, torch.nn.Module):
        net.train()
    # Sum of training loss, sum of training accuracy, no. of examples
    metric = Accumulator(3)
    for X, y in train_iter:
        # Compute gradients and update parameters
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            # Using PyTorch in-built optimizer & loss criterion
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            # Using custom built optimizer & loss criterion
            l.sum().backward()
            updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    # Return training loss and training accuracy
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):  #@save
    """Train a model (defined in Chapter 3)."""
    for epoch in range(num_epochs):
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        print(f'epoch {epoch + 1}, loss {train_metrics[0]:.3f}, '
              f'train acc {train_metrics[1]:.3f}, test acc {test_acc:.3f}')
    train_loss, train_acc = train_metrics
    assert train_loss < 0.5, train_loss
    assert train_acc <= 1 and train_acc > 0.7, train_acc
    assert test_acc <= 1 and test_acc > 0.7, test_acc


def sgd(params, lr, batch_size):  #@save
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def load_data_fashion_mnist(batch_size):
    """Synthetic stand-in for Fashion-MNIST: the same shapes and types (1x28x28 images in [0, 1],
    labels 0-9), 1024 training and 256 test samples."""
    templates = (torch.rand(10, 1, 28, 28, generator=torch.Generator().manual_seed(42)) > 0.5).float()

    def split(n, seed):
        g = torch.Generator().manual_seed(seed)
        y = torch.randint(0, 10, (n,), generator=g)
        X = 0.8 * templates[y] + 0.2 * torch.rand(n, 1, 28, 28, generator=g)
        return data.TensorDataset(X, y)
    return (data.DataLoader(split(1024, 0), batch_size, shuffle=True),
            data.DataLoader(split(256, 1), batch_size, shuffle=False))
# --- end of the inlined helpers ---


batch_size = 256
train_iter, test_iter = load_data_fashion_mnist(batch_size)

num_inputs = 784
num_outputs = 10

W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)

X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(X.sum(0, keepdim=True), X.sum(1, keepdim=True))


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


X = torch.normal(0, 1, (2, 5))
X_prob = softmax(X)
print(X_prob, X_prob.sum(1))


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


print(cross_entropy(y_hat, y))
print(accuracy(y_hat, y) / len(y))
print(evaluate_accuracy(net, test_iter))

lr = 0.1


def updater(batch_size):
    return sgd([W, b], lr, batch_size)


num_epochs = 5
train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs, updater)
