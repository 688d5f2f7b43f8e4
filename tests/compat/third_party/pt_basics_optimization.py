# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/basics/optimization_tutorial.py ("Learn the Basics:
#   Optimizing Model Parameters"). Licence: BSD-3-Clause.
# Edits: `import torch` / `from torch import nn` / `from torch.utils.data import DataLoader`
#   name chainrule; torchvision's FashionMNIST download is replaced by a synthetic data set of the
#   same shapes and types (1x28x28 float images in [0, 1], integer labels 0-9; 1024 training and
#   256 test samples) and `ToTensor` is dropped with it; 10 epochs shortened to 4; `test_loop`
#   returns its accuracy and average loss, kept in `results`, and the learning check at the end
#   is added; `torch.manual_seed(0)` added so that the check repeats. Otherwise as the original.
import chainrule as torch
from chainrule import nn
from chainrule.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class FashionMNIST(Dataset):  # synthetic stand-in for torchvision.datasets.FashionMNIST
    def __init__(self, train):
        g = torch.Generator().manual_seed(0 if train else 1)
        n = 1024 if train else 256
        self.templates = (torch.rand(10, 1, 28, 28, generator=torch.Generator().manual_seed(42)) > 0.5).float()
        self.targets = torch.randint(0, 10, (n,), generator=g)
        self.noise = torch.rand(n, 1, 28, 28, generator=g)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, idx):
        label = int(self.targets[idx])
        return 0.8 * self.templates[label] + 0.2 * self.noise[idx], label


training_data = FashionMNIST(train=True)
test_data = FashionMNIST(train=False)

train_dataloader = DataLoader(training_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork()

learning_rate = 1e-3
batch_size = 64
epochs = 5

# Initialize the loss function
loss_fn = nn.CrossEntropyLoss()

optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if batch % 100 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    # also serves to reduce unnecessary gradient computations and memory usage for tensors with requires_grad=True
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct, test_loss


loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

results = [test_loop(test_dataloader, model, loss_fn)]
epochs = 4
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    results.append(test_loop(test_dataloader, model, loss_fn))
print("Done!")

# learning check (added): accuracy up by 10 points at least from chance (about 10 %), the test
# loss down
print(f"test accuracy {results[0][0]:.3f} -> {results[-1][0]:.3f}, "
      f"loss {results[0][1]:.4f} -> {results[-1][1]:.4f}")
assert results[-1][0] > results[0][0] + 0.1 and results[-1][1] < results[0][1]
