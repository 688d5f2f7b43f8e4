# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: Dive into Deep Learning (d2l-ai/d2l-en, PyTorch version), chapter_linear-networks/softmax-regression-concise.md.
#   Licence: the book's code is MIT-0 (its text CC BY-SA 4.0).
# Edits: `import torch` / `from torch import nn` name chainrule (and `from torch.utils import data`,
#   which the inlined helpers use);
#   the book's helpers (Accumulator, accuracy, evaluate_accuracy, train_epoch_ch3, train_ch3 with
#   its own asserts that train loss < 0.5 and train/test accuracy > 0.7, sgd) are inlined and
#   `d2l.` dropped from their calls; train_ch3 prints each epoch instead of drawing an Animator;
#   `d2l.load_data_fashion_mnist` is a synthetic stand-in of the same shapes (1024/256 samples).
#   num_epochs 10 -> 5. The learning check is train_ch3's own.
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

# PyTorch does not implicitly reshape the inputs. Thus we define the flatten
# layer to reshape the inputs before the linear layer in our network
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights);

loss = nn.CrossEntropyLoss(reduction='none')

trainer = torch.optim.SGD(net.parameters(), lr=0.1)

num_epochs = 5
train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
