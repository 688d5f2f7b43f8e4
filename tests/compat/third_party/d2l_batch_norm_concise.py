# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: Dive into Deep Learning (d2l-ai/d2l-en, PyTorch version), chapter_convolutional-modern/batch-norm.md,
#   the "Concise Implementation" (LeNet with nn.BatchNorm2d and nn.BatchNorm1d) and the training
#   settings of the chapter. Licence: the book's code is MIT-0 (its text CC BY-SA 4.0).
# Edits: `import torch` / `from torch import nn` name chainrule (and `from torch.utils import data`,
#   which the inlined loader uses); the book's helpers (Accumulator, accuracy, try_gpu, Timer,
#   evaluate_accuracy_gpu, train_ch6) are inlined and `d2l.` dropped from their calls; train_ch6
#   prints each epoch instead of drawing an Animator and returns its last metrics;
#   `d2l.load_data_fashion_mnist` is a synthetic stand-in of the same shapes (4096 training and
#   512 test images; each class a bright box of its own place and size on a dark ground);
#   the from-scratch BatchNorm left out; 10 epochs -> 4; `torch.manual_seed(0)` added so that the
#   check repeats; the learning check at the end is added.
import chainrule as torch
from chainrule import nn
from chainrule.utils import data
import time
torch.manual_seed(0)

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


def try_gpu(i=0):  #@save
    """Return gpu(i) if exists, otherwise return cpu()."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')


class Timer:  #@save
    """Record multiple running times."""
    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start the timer."""
        self.tik = time.time()

    def stop(self):
        """Stop the timer and record the time in a list."""
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def sum(self):
        """Return the sum of time."""
        return sum(self.times)


def load_data_fashion_mnist(batch_size):
    """Synthetic stand-in for Fashion-MNIST: the same shapes and types (1x28x28 images in [0, 1],
    labels 0-9; each class a box of its own place and size), 4096 training and 512
    test samples."""
    templates = torch.zeros(10, 1, 28, 28)  # each class a bright box on a dark ground, as clothes are
    for k, (top, left, height, width) in enumerate([(2, 10, 24, 8), (4, 4, 20, 20), (2, 2, 12, 24), (14, 2, 12, 24), (8, 8, 12, 12),
                                                    (2, 2, 24, 8), (2, 18, 24, 8), (18, 6, 8, 16), (6, 12, 4, 4), (0, 0, 28, 28)]):
        templates[k, 0, top:top + height, left:left + width] = 1.0

    def split(n, seed):
        g = torch.Generator().manual_seed(seed)
        y = torch.randint(0, 10, (n,), generator=g)
        X = 0.8 * templates[y] + 0.2 * torch.rand(n, 1, 28, 28, generator=g)
        return data.TensorDataset(X, y)
    return (data.DataLoader(split(4096, 0), batch_size, shuffle=True),
            data.DataLoader(split(512, 1), batch_size, shuffle=False))
# --- end of the inlined helpers ---



def evaluate_accuracy_gpu(net, data_iter, device=None): #@save
    if not device:
        device = next(iter(net.parameters())).device
    metric = Accumulator(2)  # num_corrected_examples, num_examples
    for X, y in data_iter:
        X, y = X.to(device), y.to(device)
        metric.add(accuracy(net(X), y), sum(y.shape))
    return metric[0] / metric[1]

#@save
def train_ch6(net, train_iter, test_iter, num_epochs, lr,
              device=try_gpu()):
    """Train and evaluate a model with CPU or GPU."""
    def init_weights(m):
        if type(m) == nn.Linear or type(m) == nn.Conv2d:
            torch.nn.init.xavier_uniform_(m.weight)
    net.apply(init_weights)
    print('training on', device)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    timer = Timer()
    for epoch in range(num_epochs):
        metric = Accumulator(3)  # train_loss, train_acc, num_examples
        for i, (X, y) in enumerate(train_iter):
            timer.start()
            net.train()
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l*X.shape[0], accuracy(y_hat, y), X.shape[0])
            timer.stop()
            train_loss, train_acc = metric[0]/metric[2], metric[1]/metric[2]
        test_acc = evaluate_accuracy_gpu(net, test_iter)
        print(f'epoch {epoch + 1}, loss {train_loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}')
    print('loss %.3f, train acc %.3f, test acc %.3f' % (
        train_loss, train_acc, test_acc))
    print('%.1f examples/sec on %s' % (
        metric[2]*num_epochs/timer.sum(), device))
    return train_loss, train_acc, test_acc


net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
    nn.Linear(84, 10))

lr, num_epochs, batch_size = 1.0, 4, 256
train_iter, test_iter = load_data_fashion_mnist(batch_size)
train_loss, train_acc, test_acc = train_ch6(net, train_iter, test_iter, num_epochs, lr, try_gpu())

# learning check (added): with batch norm the sigmoid LeNet leaves its plateau at once, with the
# book's batch of 256, and is far above chance (10%) on the held-out images
print(net[1].weight.reshape((-1,)), net[1].bias.reshape((-1,)))
assert train_loss < 0.5, train_loss
assert test_acc > 0.9, test_acc
