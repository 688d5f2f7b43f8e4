# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/basics/quickstart_tutorial.py ("Learn the Basics:
#   Quickstart"). Licence: BSD-3-Clause.
# Edits: `import torch` / `from torch import nn` / `from torch.utils.data import DataLoader`
#   name chainrule; torchvision's FashionMNIST download is replaced by a synthetic data set of the
#   same shapes and types (1x28x28 float images in [0, 1], integer labels 0-9; 1024 training and
#   256 test samples) and `ToTensor` is dropped with it; matplotlib import removed; `test` returns
#   its accuracy, kept in `accuracies`, and the learning check at the end is added. Otherwise as
#   the original (including its trailing ReLU on the logits and lr=1e-3), but for
#   `torch.manual_seed(0)`, added so that the check repeats.
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

batch_size = 64

# Create data loaders.
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

for X, y in test_dataloader:
    print("Shape of X [N, C, H, W]: ", X.shape)
    print("Shape of y: ", y.shape, y.dtype)
    break

# Get cpu or gpu device for training.
device = "cuda" if torch.cuda.is_available() else "cpu"
print("Using {} device".format(device))

# Define model
class NeuralNetwork(nn.Module):
    def __init__(self):
        super(NeuralNetwork, self).__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
            nn.ReLU()
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork().to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        # Compute prediction error
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if batch % 100 == 0:
            loss, current = loss.item(), batch * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct, test_loss

accuracies = [test(test_dataloader, model, loss_fn)]
epochs = 5
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    accuracies.append(test(test_dataloader, model, loss_fn))
print("Done!")

torch.save(model.state_dict(), "model.pth")
print("Saved PyTorch Model State to model.pth")

model = NeuralNetwork()
model.load_state_dict(torch.load("model.pth"))

classes = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')

# learning check (added): test accuracy up by 10 points at least from chance (about 10 %), the
# test loss down, and the reloaded model scores as the trained one did
(acc0, loss0), (acc, loss) = accuracies[0], accuracies[-1]
print(f"test accuracy {acc0:.3f} -> {acc:.3f}, loss {loss0:.4f} -> {loss:.4f}")
assert acc > acc0 + 0.1 and loss < loss0
assert abs(test(test_dataloader, model, loss_fn)[0] - acc) < 1e-9
