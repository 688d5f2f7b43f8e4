# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/dcgan_faces_tutorial.py ("DCGAN Tutorial", by Nathan
#   Inkawhich). Licence: BSD-3-Clause.
# Edits: `import torch` / `import torch.nn as nn` / `import torch.nn.parallel` /
#   `import torch.backends.cudnn as cudnn` / `import torch.optim as optim` /
#   `import torch.utils.data` name chainrule; the tutorial's prose left out, its code comments
#   kept; torchvision (ImageFolder on CelebA with its transforms, vutils.make_grid) is replaced by
#   a synthetic stand-in of the same shapes and range: 256 3x64x64 "faces" in [-1, 1] (a pale
#   ellipse with two dark eyes on a darker background, colours and positions jittered) in a
#   TensorDataset with dummy labels, as ImageFolder yields (image, label) pairs; img_list keeps
#   G's output on fixed_noise itself instead of a make_grid of it; matplotlib, the animation and
#   IPython are left out (the plots and the real/fake figures); sizes shrunk (batch_size 128 -> 32,
#   workers 2 -> 0, nz 100 -> 32, ngf and ndf 64 -> 8, num_epochs 5 -> 2, print every 50
#   batches -> every 8, G's output kept every 500 iterations -> every 16); the learning check at
#   the end is added.
from __future__ import print_function
#%matplotlib inline
import argparse
import os
import random
import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.parallel
import chainrule.backends.cudnn as cudnn
import chainrule.optim as optim
import chainrule.utils.data
import numpy as np

# Set random seed for reproducibility
manualSeed = 999
#manualSeed = random.randint(1, 10000) # use if you want new results
print("Random Seed: ", manualSeed)
random.seed(manualSeed)
torch.manual_seed(manualSeed)

# Root directory for dataset
dataroot = "data/celeba"

# Number of workers for dataloader
workers = 0

# Batch size during training
batch_size = 32

# Spatial size of training images. All images will be resized to this
#   size using a transformer.
image_size = 64

# Number of channels in the training images. For color images this is 3
nc = 3

# Size of z latent vector (i.e. size of generator input)
nz = 32

# Size of feature maps in generator
ngf = 8

# Size of feature maps in discriminator
ndf = 8

# Number of training epochs
num_epochs = 2

# Learning rate for optimizers
lr = 0.0002

# Beta1 hyperparam for Adam optimizers
beta1 = 0.5

# Number of GPUs available. Use 0 for CPU mode.
ngpu = 1


# A synthetic stand-in for CelebA (instead of dset.ImageFolder(root=dataroot, transform=...)):
# 3 x image_size x image_size images normalized to [-1, 1], as the tutorial's transforms give.
def synthetic_faces(n, rng=np.random.default_rng(0)):
    yy, xx = np.mgrid[0:image_size, 0:image_size] / (image_size - 1) * 2 - 1
    images = np.empty((n, nc, image_size, image_size), dtype=np.float32)
    for k in range(n):
        cx, cy = rng.uniform(-0.1, 0.1, 2)
        face = ((xx - cx) / 0.55) ** 2 + ((yy - cy) / 0.75) ** 2 < 1
        eyes = (((xx - cx - 0.22) ** 2 + (yy - cy + 0.2) ** 2 < 0.01)
                | ((xx - cx + 0.22) ** 2 + (yy - cy + 0.2) ** 2 < 0.01))
        skin = rng.uniform(0.3, 0.9, nc)
        background = rng.uniform(-0.9, -0.4, nc)
        for c in range(nc):
            images[k, c] = np.where(face, skin[c], background[c] + 0.2 * yy)
            images[k, c][eyes] = -0.8
    images += rng.normal(0, 0.05, images.shape).astype(np.float32)
    return np.clip(images, -1, 1)


# Create the dataset
dataset = torch.utils.data.TensorDataset(torch.tensor(synthetic_faces(256)),
                                         torch.zeros(256, dtype=torch.long))
# Create the dataloader
dataloader = torch.utils.data.DataLoader(dataset, batch_size=batch_size,
                                         shuffle=True, num_workers=workers)

# Decide which device we want to run on
device = torch.device("cuda:0" if (torch.cuda.is_available() and ngpu > 0) else "cpu")


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


# Generator Code

class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d( nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d( ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d( ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d( ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. (nc) x 64 x 64
        )

    def forward(self, input):
        return self.main(input)


# Create the generator
netG = Generator(ngpu).to(device)

# Handle multi-gpu if desired
if (device.type == 'cuda') and (ngpu > 1):
    netG = nn.DataParallel(netG, list(range(ngpu)))

# Apply the weights_init function to randomly initialize all weights
#  to mean=0, stdev=0.2.
netG.apply(weights_init)

# Print the model
print(netG)


#########################################################################
# Discriminator Code

class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is (nc) x 64 x 64
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 32 x 32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 16 x 16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*4) x 8 x 8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*8) x 4 x 4
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        return self.main(input)


# Create the Discriminator
netD = Discriminator(ngpu).to(device)

# Handle multi-gpu if desired
if (device.type == 'cuda') and (ngpu > 1):
    netD = nn.DataParallel(netD, list(range(ngpu)))
    
# Apply the weights_init function to randomly initialize all weights
#  to mean=0, stdev=0.2.
netD.apply(weights_init)

# Print the model
print(netD)


# Initialize BCELoss function
criterion = nn.BCELoss()

# Create batch of latent vectors that we will use to visualize
#  the progression of the generator
fixed_noise = torch.randn(64, nz, 1, 1, device=device)

# Establish convention for real and fake labels during training
real_label = 1.
fake_label = 0.

# Setup Adam optimizers for both G and D
optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))


# Training Loop

# Lists to keep track of progress
img_list = []
G_losses = []
D_losses = []
iters = 0

print("Starting Training Loop...")
# For each epoch
for epoch in range(num_epochs):
    # For each batch in the dataloader
    for i, data in enumerate(dataloader, 0):
        
        ############################
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        ## Train with all-real batch
        netD.zero_grad()
        # Format batch
        real_cpu = data[0].to(device)
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        # Forward pass real batch through D
        output = netD(real_cpu).view(-1)
        # Calculate loss on all-real batch
        errD_real = criterion(output, label)
        # Calculate gradients for D in backward pass
        errD_real.backward()
        D_x = output.mean().item()

        ## Train with all-fake batch
        # Generate batch of latent vectors
        noise = torch.randn(b_size, nz, 1, 1, device=device)
        # Generate fake image batch with G
        fake = netG(noise)
        label.fill_(fake_label)
        # Classify all fake batch with D
        output = netD(fake.detach()).view(-1)
        # Calculate D's loss on the all-fake batch
        errD_fake = criterion(output, label)
        # Calculate the gradients for this batch
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        # Add the gradients from the all-real and all-fake batches
        errD = errD_real + errD_fake
        # Update D
        optimizerD.step()

        ############################
        # (2) Update G network: maximize log(D(G(z)))
        ###########################
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        # Since we just updated D, perform another forward pass of all-fake batch through D
        output = netD(fake).view(-1)
        # Calculate G's loss based on this output
        errG = criterion(output, label)
        # Calculate gradients for G
        errG.backward()
        D_G_z2 = output.mean().item()
        # Update G
        optimizerG.step()
        
        # Output training stats
        if i % 8 == 0:
            print('[%d/%d][%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
                  % (epoch, num_epochs, i, len(dataloader),
                     errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
        
        # Save Losses for plotting later
        G_losses.append(errG.item())
        D_losses.append(errD.item())
        
        # Check how the generator is doing by saving G's output on fixed_noise
        if (iters % 16 == 0) or ((epoch == num_epochs-1) and (i == len(dataloader)-1)):
            with torch.no_grad():
                fake = netG(fixed_noise).detach().cpu()
            img_list.append(fake)
            
        iters += 1


# learning check (added): in these first iterations D learns to tell the real images from G's
# (its loss falls, D(x) rises towards 1 and D(G(z)) falls), so G's loss rises; G's images on
# fixed_noise have the real images' shape and range
print(f"Loss_D {D_losses[0]:.3f} -> {D_losses[-1]:.3f}, Loss_G {G_losses[0]:.3f} -> {G_losses[-1]:.3f}, "
      f"D(x) {D_x:.3f}, D(G(z)) {D_G_z1:.3f}")
assert all(np.isfinite(D_losses)) and all(np.isfinite(G_losses))
assert D_losses[-1] < 0.5 * D_losses[0], D_losses
assert G_losses[-1] > G_losses[0], G_losses
assert D_x > 0.8 and D_G_z1 < 0.5, (D_x, D_G_z1)
assert img_list[-1].shape == (64, nc, image_size, image_size)
assert img_list[-1].min().item() >= -1 and img_list[-1].max().item() <= 1
