# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, intermediate_source/spatial_transformer_tutorial.py ("Spatial
#   Transformer Networks Tutorial", by Ghassen Hamrouni: a localisation CNN regresses a 2x3
#   affine matrix, initialised to the identity, and F.affine_grid + F.grid_sample resample the
#   input before a Conv2d/Dropout2d classifier). Licence: BSD-3-Clause.
# Edits: `import torch` / `import torch.nn as nn` / `import torch.nn.functional as F` /
#   `import torch.optim as optim` name chainrule; the tutorial's prose left out, its code
#   comments kept; torchvision's MNIST download (and the urllib opener set up for it) with its
#   ToTensor/Normalize((0.1307,), (0.3081,)) transform is replaced by a synthetic Dataset of the
#   same shapes and types (1x28x28 float32 images, normalised as the transform does, and int
#   labels 0-9: four strokes per class, drawn at a random offset of up to 6 pixels; 2048 training
#   and 256 test images instead of 60000 and 10000); num_workers 4 -> 0; 20 epochs -> 8; `test`
#   returns its loss and accuracy; `torch.manual_seed(0)` added so that the check repeats;
#   matplotlib (plt.ion/ioff/show), convert_image_np and visualize_stn's figure
#   (torchvision.utils.make_grid) are left out: the function returns the input batch and its
#   transformed copy instead; a test of the untrained model (`first`) and the learning check at
#   the end are added.
import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
import chainrule.optim as optim
import numpy as np

torch.manual_seed(0)

######################################################################
# Loading the data
# ----------------

# synthetic stand-in for torchvision.datasets.MNIST with the tutorial's transform applied
_rng = np.random.default_rng(7)
_templates = np.zeros((10, 22, 22), np.float32)
for _c in range(10):
    for _ in range(4):  # four strokes per class
        _r, _k = _rng.integers(0, 18, 2)
        if _rng.random() < 0.5:
            _templates[_c, _r:_r + 3, _k:_k + _rng.integers(6, 18)] = 1.0
        else:
            _templates[_c, _r:_r + _rng.integers(6, 18), _k:_k + 3] = 1.0


class SyntheticMNIST(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.targets = rng.integers(0, 10, n).tolist()
        images = np.zeros((n, 1, 28, 28), np.float32)
        for i, t in enumerate(self.targets):
            dy, dx = rng.integers(0, 7, 2)  # the 22x22 pattern anywhere in the 28x28 image
            images[i, 0, dy:dy + 22, dx:dx + 22] = _templates[t]
        images = np.clip(images + 0.2 * rng.random(images.shape, dtype=np.float32), 0, 1)
        self.data = ((images - 0.1307) / 0.3081).astype(np.float32)  # ToTensor then Normalize

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        return torch.tensor(self.data[index]), self.targets[index]


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# Training dataset
train_loader = torch.utils.data.DataLoader(
    SyntheticMNIST(2048, seed=0), batch_size=64, shuffle=True, num_workers=0)
# Test dataset
test_loader = torch.utils.data.DataLoader(
    SyntheticMNIST(256, seed=1), batch_size=64, shuffle=True, num_workers=0)

######################################################################
# Depicting spatial transformer networks
# --------------------------------------


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = Net().to(device)

######################################################################
# Training the model
# ------------------


optimizer = optim.SGD(model.parameters(), lr=0.01)


def train(epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)

        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % 500 == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
#
# A simple test procedure to measure the STN performances on MNIST.
#


def test():
    with torch.no_grad():
        model.eval()
        test_loss = 0
        correct = 0
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)

            # sum up batch loss
            test_loss += F.nll_loss(output, target, size_average=False).item()
            # get the index of the max log-probability
            pred = output.max(1, keepdim=True)[1]
            correct += pred.eq(target.view_as(pred)).sum().item()

        test_loss /= len(test_loader.dataset)
        print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'
              .format(test_loss, correct, len(test_loader.dataset),
                      100. * correct / len(test_loader.dataset)))
        return test_loss, correct / len(test_loader.dataset)

######################################################################
# Visualizing the STN results
# ---------------------------


def visualize_stn():
    with torch.no_grad():
        # Get a batch of training data
        data = next(iter(test_loader))[0].to(device)

        input_tensor = data.cpu()
        transformed_input_tensor = model.stn(data).cpu()
        return input_tensor, transformed_input_tensor

first = test()
for epoch in range(1, 8 + 1):
    train(epoch)
    last = test()

# Visualize the STN transformation on some input batch
input_tensor, transformed_input_tensor = visualize_stn()


# learning check (added): the test loss fell well below chance's (log 10 = 2.30) and most test
# images are classified correctly; the transformer's output has the input's shape
print(f"test loss {first[0]:.3f} -> {last[0]:.3f}, accuracy {first[1]:.3f} -> {last[1]:.3f}")
assert last[0] < 0.5 * first[0] and last[0] < 1.0, (first, last)
assert last[1] > 0.8, last
assert transformed_input_tensor.shape == input_tensor.shape == (64, 1, 28, 28)
assert np.isfinite(transformed_input_tensor.numpy()).all()
