# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, intermediate_source/per_sample_grads.py ("Per-sample-gradients":
#   a CNN's gradient for every sample of a batch, first by a loop of torch.autograd.grad calls,
#   then by torch.func's functional_call, grad and vmap(in_dims=(None, None, 0, 0)), compared
#   with the tutorial's own allclose). Licence: BSD-3-Clause.
# Edits: `import torch` / `import torch.nn as nn` / `import torch.nn.functional as F` /
#   `from torch.func import ...` name chainrule; the module docstring left out, the comments
#   kept; device 'cuda' -> 'cpu'; the performance comparison at the end (torch.utils.benchmark's
#   Timer, 100 runs of each way, and its get_perf helper) is left out; the tutorial's own check
#   (allclose of both ways' gradients, parameter by parameter) is kept, and a check at the end
#   is added.
import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
torch.manual_seed(0)

# Here's a simple CNN and loss function:

class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output

def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


######################################################################
# Let’s generate a batch of dummy data and pretend that we’re working with an MNIST dataset.
# The dummy images are 28 by 28 and we use a minibatch of size 64.

device = 'cpu'

num_models = 10
batch_size = 64
data = torch.randn(batch_size, 1, 28, 28, device=device)

targets = torch.randint(10, (64,), device=device)

######################################################################
# In regular model training, one would forward the minibatch through the model,
# and then call .backward() to compute gradients.  This would generate an
# 'average' gradient of the entire mini-batch:

model = SimpleCNN().to(device=device)
predictions = model(data)  # move the entire mini-batch through the model

loss = loss_fn(predictions, targets)
loss.backward()  # back propagate the 'average' gradient of this mini-batch

######################################################################
# In contrast to the above approach, per-sample-gradient computation is
# equivalent to:
#
# - for each individual sample of the data, perform a forward and a backward
#   pass to get an individual (per-sample) gradient.

def compute_grad(sample, target):
    sample = sample.unsqueeze(0)  # prepend batch dimension for processing
    target = target.unsqueeze(0)

    prediction = model(sample)
    loss = loss_fn(prediction, target)

    return torch.autograd.grad(loss, list(model.parameters()))


def compute_sample_grads(data, targets):
    """ manually process each sample with per sample gradient """
    sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
    sample_grads = zip(*sample_grads)
    sample_grads = [torch.stack(shards) for shards in sample_grads]
    return sample_grads

per_sample_grads = compute_sample_grads(data, targets)

######################################################################
# ``sample_grads[0]`` is the per-sample-grad for model.conv1.weight.
# ``model.conv1.weight.shape`` is ``[32, 1, 3, 3]``; notice how there is one
# gradient, per sample, in the batch for a total of 64.

print(per_sample_grads[0].shape)

######################################################################
# Per-sample-grads, *the efficient way*, using function transforms
# ----------------------------------------------------------------
# We can compute per-sample-gradients efficiently by using function transforms.
#
# The ``torch.func`` function transform API transforms over functions.
# Our strategy is to define a function that computes the loss and then apply
# transforms to construct a function that computes per-sample-gradients.
#
# We'll use the ``torch.func.functional_call`` function to treat an ``nn.Module``
# like a function.
#
# First, let’s extract the state from ``model`` into two dictionaries,
# parameters and buffers. We'll be detaching them because we won't use
# regular PyTorch autograd (e.g. Tensor.backward(), torch.autograd.grad).

from chainrule.func import functional_call, vmap, grad

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}

######################################################################
# Next, let's define a function to compute the loss of the model given a
# single input rather than a batch of inputs. It is important that this
# function accepts the parameters, the input, and the target, because we will
# be transforming over them.
#
# Note - because the model was originally written to handle batches, we’ll
# use ``torch.unsqueeze`` to add a batch dimension.

def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    targets = target.unsqueeze(0)

    predictions = functional_call(model, (params, buffers), (batch,))
    loss = loss_fn(predictions, targets)
    return loss

######################################################################
# Now, let’s use the ``grad`` transform to create a new function that computes
# the gradient with respect to the first argument of ``compute_loss``
# (i.e. the ``params``).

ft_compute_grad = grad(compute_loss)

######################################################################
# The ``ft_compute_grad`` function computes the gradient for a single
# (sample, target) pair. We can use ``vmap`` to get it to compute the gradient
# over an entire batch of samples and targets. Note that
# ``in_dims=(None, None, 0, 0)`` because we wish to map ``ft_compute_grad`` over
# the 0th dimension of the data and targets, and use the same ``params`` and
# buffers for each.

ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))

######################################################################
# Finally, let's used our transformed function to compute per-sample-gradients:

ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)

######################################################################
# we can double check that the results using ``grad`` and ``vmap`` match the
# results of hand processing each one individually:

# Create a float64 baseline for more precise comparison
def compute_grad_fp64(sample, target):
    # Convert to float64 for higher precision
    sample_fp64 = sample.to(torch.float64)
    target_fp64 = target

    # Create a float64 version of the model
    model_fp64 = SimpleCNN().to(device=device)
    # Copy parameters from original model to float64 model
    with torch.no_grad():
        for param_fp32, param_fp64 in zip(model.parameters(), model_fp64.parameters()):
            param_fp64.copy_(param_fp32.to(torch.float64))

    sample_fp64 = sample_fp64.unsqueeze(0)  # prepend batch dimension
    target_fp64 = target_fp64.unsqueeze(0)

    prediction = model_fp64(sample_fp64)
    loss = loss_fn(prediction, target_fp64)

    return torch.autograd.grad(loss, list(model_fp64.parameters()))


def compute_fp64_baseline(data, targets, indices):
    """Compute float64 gradient for a specific sample"""
    # Only compute for the sample with the largest difference to save computation
    i = indices[0]  # Sample index
    sample_grad = compute_grad_fp64(data[i], targets[i])
    return sample_grad


for i, (per_sample_grad, ft_per_sample_grad) in enumerate(
    zip(per_sample_grads, ft_per_sample_grads.values())
):
    is_close = torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
    if not is_close:
        # Calculate and print the maximum absolute difference
        abs_diff = (per_sample_grad - ft_per_sample_grad).abs()
        max_diff = abs_diff.max().item()
        mean_diff = abs_diff.mean().item()
        print(f"Gradient {i} mismatch:")
        print(f"  Max absolute difference: {max_diff}")
        print(f"  Mean absolute difference: {mean_diff}")
        print(f"  Shape of tensors: {per_sample_grad.shape}")

        # Find the location of maximum difference
        max_idx = abs_diff.argmax().item()
        flat_idx = max_idx
        if len(abs_diff.shape) > 1:
            # Convert flat index to multi-dimensional index
            indices = []
            temp_shape = abs_diff.shape
            for dim in reversed(temp_shape):
                indices.insert(0, flat_idx % dim)
                flat_idx //= dim
            print(f"  Max difference at index: {indices}")
            print(f"  Manual gradient value: {per_sample_grad[tuple(indices)].item()}")
            print(
                f"  Functional gradient value: {ft_per_sample_grad[tuple(indices)].item()}"
            )

            # Compute float64 baseline for the sample with the largest difference
            print("\nComputing float64 baseline for comparison...")
            try:
                fp64_grads = compute_fp64_baseline(data, targets, indices)
                fp64_value = fp64_grads[i][
                    tuple(indices[1:])
                ].item()  # Skip batch dimension
                print(f"  Float64 baseline value: {fp64_value}")

                # Compare both methods against float64 baseline
                manual_diff = abs(per_sample_grad[tuple(indices)].item() - fp64_value)
                functional_diff = abs(
                    ft_per_sample_grad[tuple(indices)].item() - fp64_value
                )
                print(f"  Manual method vs float64 difference: {manual_diff}")
                print(f"  Functional method vs float64 difference: {functional_diff}")

                if manual_diff < functional_diff:
                    print("  Manual method is closer to float64 baseline")
                else:
                    print("  Functional method is closer to float64 baseline")
            except Exception as e:
                print(f"  Error computing float64 baseline: {e}")

    # Keep the original assertion
    assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)


# check (added): one per-sample gradient per sample and parameter, in the parameters' order and
# shapes, not all zero, and their mean over the batch is the mini-batch gradient that
# loss.backward() left in .grad (the loss is a mean over the batch)
names = [k for k, _ in model.named_parameters()]
assert list(ft_per_sample_grads.keys()) == names
for name, p, g, ft_g in zip(names, model.parameters(), per_sample_grads, ft_per_sample_grads.values()):
    assert g.shape == ft_g.shape == (batch_size, *p.shape), (name, g.shape)
    assert g.abs().sum().item() > 0, name
    assert torch.allclose(ft_g.mean(0), p.grad, atol=1e-5, rtol=1e-4), name
print("per-sample gradients of", names, "agree; their mean is the batch gradient")
