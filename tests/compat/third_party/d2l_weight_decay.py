# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: Dive into Deep Learning (d2l-ai/d2l-en, PyTorch version), chapter_multilayer-perceptrons/weight-decay.md (from scratch and concise).
#   Licence: the book's code is MIT-0 (its text CC BY-SA 4.0).
# Edits: `import torch` / `from torch import nn` name chainrule (and `from torch.utils import data`,
#   which the inlined helpers use); d2l's synthetic_data, load_array, linreg, squared_loss, sgd,
#   Accumulator and evaluate_loss are inlined and `d2l.` dropped from their calls; the Animator is
#   left out: `train` and `train_concise` return the weight norm and the final test loss, and the
#   learning check at the end is added (weight decay shrinks the norm of w and lowers the test
#   loss, from scratch and with the optimizer's weight_decay); num_epochs 100 -> 60;
#   `torch.manual_seed(0)` added so that the check repeats.
import chainrule as torch
from chainrule import nn
from chainrule.utils import data

torch.manual_seed(0)


# --- d2l helpers, inlined ---
def synthetic_data(w, b, num_examples):  #@save
    """Generate y = Xw + b + noise."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def load_array(data_arrays, batch_size, is_train=True):  #@save
    """Construct a PyTorch data iterator."""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


def linreg(X, w, b):  #@save
    """The linear regression model."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):  #@save
    """Squared loss."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):  #@save
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


class Accumulator:  #@save
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def evaluate_loss(net, data_iter, loss):  #@save
    """Evaluate the loss of a model on the given dataset."""
    metric = Accumulator(2)  # Sum of losses, no. of examples
    for X, y in data_iter:
        out = net(X)
        y = y.reshape(out.shape)
        l = loss(out, y)
        metric.add(l.sum(), l.numel())
    return metric[0] / metric[1]
# --- end of the inlined helpers ---


n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
train_data = synthetic_data(true_w, true_b, n_train)
train_iter = load_array(train_data, batch_size)
test_data = synthetic_data(true_w, true_b, n_test)
test_iter = load_array(test_data, batch_size, is_train=False)


def init_params():
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def train(lambd):
    w, b = init_params()
    net, loss = lambda X: linreg(X, w, b), squared_loss
    num_epochs, lr = 60, 0.003
    for epoch in range(num_epochs):
        for X, y in train_iter:
            # The L2 norm penalty term has been added, and broadcasting
            # makes `l2_penalty(w)` a vector whose length is `batch_size`
            l = loss(net(X), y) + lambd * l2_penalty(w)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
        if (epoch + 1) % 5 == 0:
            print(epoch + 1, (evaluate_loss(net, train_iter, loss),
                              evaluate_loss(net, test_iter, loss)))
    print('L2 norm of w:', torch.norm(w).item())
    return torch.norm(w).item(), evaluate_loss(net, test_iter, loss)


plain = train(lambd=0)
decayed = train(lambd=3)


def train_concise(wd):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        param.data.normal_()
    loss = nn.MSELoss(reduction='none')
    num_epochs, lr = 60, 0.003
    # The bias parameter has not decayed
    trainer = torch.optim.SGD([
        {"params":net[0].weight,'weight_decay': wd},
        {"params":net[0].bias}], lr=lr)
    for epoch in range(num_epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
        if (epoch + 1) % 5 == 0:
            print(epoch + 1, (evaluate_loss(net, train_iter, loss),
                              evaluate_loss(net, test_iter, loss)))
    print('L2 norm of w:', net[0].weight.norm().item())
    return net[0].weight.norm().item(), evaluate_loss(net, test_iter, loss)


plain_concise = train_concise(0)
decayed_concise = train_concise(3)

# learning check (added): weight decay shrinks w and lowers the test loss
print(plain, decayed, plain_concise, decayed_concise)
assert decayed[0] < plain[0] / 2 and decayed[1] < plain[1]
assert decayed_concise[0] < plain_concise[0] / 2 and decayed_concise[1] < plain_concise[1]
