# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, intermediate_source/pruning_tutorial.py ("Pruning Tutorial", by
#   Michela Paganini: torch.nn.utils.prune on a LeNet: random_unstructured, l1_unstructured,
#   ln_structured over a pruned parameter (a PruningContainer, iterated), the _orig parameters and
#   _mask buffers in the state_dict, prune.remove, pruning by layer type, global_unstructured with
#   L1Unstructured, and a BasePruningMethod of one's own whose compute_mask clones the default
#   mask). Licence: BSD-3-Clause.
# Edits: `import torch` / `from torch import nn` / `import torch.nn.utils.prune as prune` /
#   `import torch.nn.functional as F` name chainrule; the tutorial's prose (its docstring and the
#   long comment blocks) is left out, its section headings and code comments kept, the
#   docstring of foobar_unstructured shortened;
#   `torch.manual_seed(0)` added so that the run repeats; the tutorial trains nothing, so the
#   check at the end is of what each pruning call must have done (the masks, the zeros in the
#   weights, the parameters, buffers and hooks), as the tutorial's printouts describe it; for it,
#   five lines marked "(added for the check at the end)" keep the first conv1, its weight and
#   bias before pruning, its random mask and its pruned weight, and the check repeats the
#   global pruning on a fresh LeNet to compare the pruned magnitudes with the kept ones.
import chainrule as torch
from chainrule import nn
import chainrule.nn.utils.prune as prune
import chainrule.nn.functional as F

torch.manual_seed(0)

######################################################################
# Create a model
# --------------
#
# In this tutorial, we use the `LeNet
# <http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf>`_ architecture from
# LeCun et al., 1998.

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        # 1 input image channel, 6 output channels, 3x3 square conv kernel
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5x5 image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

model = LeNet().to(device=device)


######################################################################
# Inspect a Module
# ----------------
#
# Let's inspect the (unpruned) ``conv1`` layer in our LeNet model. It will contain two
# parameters ``weight`` and ``bias``, and no buffers, for now.
module = model.conv1
first_module = module  # (added for the check at the end)
print(list(module.named_parameters()))

######################################################################
print(list(module.named_buffers()))

######################################################################
# Pruning a Module
# ----------------
#
# In this example, we will prune at random 30% of the connections in
# the parameter named ``weight`` in the ``conv1`` layer.
original_weight = module.weight.detach().clone()  # (added for the check at the end)
original_bias = module.bias.detach().clone()  # (added for the check at the end)
prune.random_unstructured(module, name="weight", amount=0.3) 

######################################################################
# Pruning acts by removing ``weight`` from the parameters and replacing it with
# a new parameter called ``weight_orig``.
print(list(module.named_parameters()))

######################################################################
# The pruning mask is saved as a module buffer named ``weight_mask``.
print(list(module.named_buffers()))

######################################################################
# The pruned weight is no longer a parameter of the ``module``, it is now
# simply an attribute.
print(module.weight)

######################################################################
# Pruning is applied prior to each forward pass using ``forward_pre_hooks``.
print(module._forward_pre_hooks)

######################################################################
# For completeness, we can now prune the ``bias`` too: here we prune the
# 3 smallest entries in the bias by L1 norm.
prune.l1_unstructured(module, name="bias", amount=3)

######################################################################
print(list(module.named_parameters()))

######################################################################
print(list(module.named_buffers()))

######################################################################
print(module.bias)

######################################################################
print(module._forward_pre_hooks)

######################################################################
# Iterative Pruning
# -----------------
#
# The combination of a new mask with the old mask is handled by the
# ``PruningContainer``'s ``compute_mask`` method.
weight_mask_before = module.weight_mask.clone()  # (added for the check at the end)
prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)

# As we can verify, this will zero out all the connections corresponding to 
# 50% (3 out of 6) of the channels, while preserving the action of the 
# previous mask.
print(module.weight)

############################################################################
# The corresponding hook will now be of type
# ``torch.nn.utils.prune.PruningContainer``, and will store the history of
# pruning applied to the ``weight`` parameter.
for hook in module._forward_pre_hooks.values():
    if hook._tensor_name == "weight":  # select out the correct hook
        break

print(list(hook))  # pruning history in the container 

######################################################################
# Serializing a pruned model
# --------------------------
print(model.state_dict().keys())


######################################################################
# Remove pruning re-parametrization
# ---------------------------------

######################################################################
# Prior to removing the re-parametrization:
print(list(module.named_parameters()))
######################################################################
print(list(module.named_buffers()))
######################################################################
print(module.weight)
pruned_weight = module.weight.detach().clone()  # (added for the check at the end)

######################################################################
# After removing the re-parametrization:
prune.remove(module, 'weight')
print(list(module.named_parameters()))
######################################################################
print(list(module.named_buffers()))

######################################################################
# Pruning multiple parameters in a model 
# --------------------------------------

new_model = LeNet()
for name, module in new_model.named_modules():
    # prune 20% of connections in all 2D-conv layers 
    if isinstance(module, torch.nn.Conv2d):
        prune.l1_unstructured(module, name='weight', amount=0.2)
    # prune 40% of connections in all linear layers 
    elif isinstance(module, torch.nn.Linear):
        prune.l1_unstructured(module, name='weight', amount=0.4)

print(dict(new_model.named_buffers()).keys())  # to verify that all masks exist

######################################################################
# Global pruning
# --------------

model = LeNet()

parameters_to_prune = (
    (model.conv1, 'weight'),
    (model.conv2, 'weight'),
    (model.fc1, 'weight'),
    (model.fc2, 'weight'),
    (model.fc3, 'weight'),
)

prune.global_unstructured(
    parameters_to_prune,
    pruning_method=prune.L1Unstructured,
    amount=0.2,
)

######################################################################
# Now we can check the sparsity induced in every pruned parameter, which will 
# not be equal to 20% in each layer. However, the global sparsity will be 
# (approximately) 20%.
print(
    "Sparsity in conv1.weight: {:.2f}%".format(
        100. * float(torch.sum(model.conv1.weight == 0))
        / float(model.conv1.weight.nelement())
    )
)
print(
    "Sparsity in conv2.weight: {:.2f}%".format(
        100. * float(torch.sum(model.conv2.weight == 0))
        / float(model.conv2.weight.nelement())
    )
)
print(
    "Sparsity in fc1.weight: {:.2f}%".format(
        100. * float(torch.sum(model.fc1.weight == 0))
        / float(model.fc1.weight.nelement())
    )
)
print(
    "Sparsity in fc2.weight: {:.2f}%".format(
        100. * float(torch.sum(model.fc2.weight == 0))
        / float(model.fc2.weight.nelement())
    )
)
print(
    "Sparsity in fc3.weight: {:.2f}%".format(
        100. * float(torch.sum(model.fc3.weight == 0))
        / float(model.fc3.weight.nelement())
    )
)
print(
    "Global sparsity: {:.2f}%".format(
        100. * float(
            torch.sum(model.conv1.weight == 0)
            + torch.sum(model.conv2.weight == 0)
            + torch.sum(model.fc1.weight == 0)
            + torch.sum(model.fc2.weight == 0)
            + torch.sum(model.fc3.weight == 0)
        )
        / float(
            model.conv1.weight.nelement()
            + model.conv2.weight.nelement()
            + model.fc1.weight.nelement()
            + model.fc2.weight.nelement()
            + model.fc3.weight.nelement()
        )
    )
)


######################################################################
# Extending ``torch.nn.utils.prune`` with custom pruning functions
# ------------------------------------------------------------------
# Let's assume, for example, that you want to implement a pruning
# technique that prunes every other entry in a tensor (or -- if the
# tensor has previously been pruned -- in the remaining unpruned
# portion of the tensor).

class FooBarPruningMethod(prune.BasePruningMethod):
    """Prune every other entry in a tensor
    """
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.flatten()[::2] = 0
        return mask

######################################################################
# Now, to apply this to a parameter in an ``nn.Module``, you should
# also provide a simple function that instantiates the method and
# applies it.
def foobar_unstructured(module, name):
    """Prunes tensor corresponding to parameter called `name` in `module`
    by removing every other entry in the tensors.
    """
    FooBarPruningMethod.apply(module, name)
    return module

######################################################################
# Let's try it out!
model = LeNet()
foobar_unstructured(model.fc3, name='bias')

print(model.fc3.bias_mask)

######################################################################
# The check (added): what each pruning call must have done.
module = first_module
n_weight = original_weight.nelement()
assert int(torch.sum(weight_mask_before == 0)) == round(0.3 * n_weight)  # random_unstructured, 30%
smallest = sorted(range(6), key=lambda i: abs(float(original_bias[i])))[:3]
assert [int(i) for i in torch.nonzero(module.bias_mask == 0).flatten()] == sorted(smallest)
assert torch.allclose(module.bias, original_bias * module.bias_mask)
assert [type(m).__name__ for m in hook] == ["RandomUnstructured", "LnStructured"]
channel_zero = [bool((pruned_weight[c] == 0).all()) for c in range(6)]
assert sum(channel_zero) == 3  # ln_structured, 50% of the 6 channels
for c in range(6):
    if not channel_zero[c]:  # the kept channels keep the random mask
        assert torch.equal(pruned_weight[c], original_weight[c] * weight_mask_before[c])
names = [n for n, _ in module.named_parameters()]
assert sorted(names) == ["bias_orig", "weight"], names
assert [n for n, _ in module.named_buffers()] == ["bias_mask"]
assert torch.equal(module.weight.detach(), pruned_weight)  # remove kept the pruning
masks = dict(new_model.named_buffers())
assert sorted(masks) == sorted(f"{l}.weight_mask" for l in ["conv1", "conv2", "fc1", "fc2", "fc3"])
for l, amount in [("conv1", 0.2), ("conv2", 0.2), ("fc1", 0.4), ("fc2", 0.4), ("fc3", 0.4)]:
    mask = masks[f"{l}.weight_mask"]
    assert int(torch.sum(mask == 0)) == round(amount * mask.nelement()), l
global_model = LeNet()  # the same global pruning again, counted
pruned = [(getattr(global_model, l), 'weight') for l in ["conv1", "conv2", "fc1", "fc2", "fc3"]]
prune.global_unstructured(pruned, pruning_method=prune.L1Unstructured, amount=0.2)
zeros = sum(int(torch.sum(m.weight == 0)) for m, _ in pruned)
total = sum(m.weight.nelement() for m, _ in pruned)
assert zeros == round(0.2 * total), (zeros, total)
kept = torch.cat([m.weight_orig.detach().abs().flatten()[m.weight_mask.flatten() == 1] for m, _ in pruned])
cut = torch.cat([m.weight_orig.detach().abs().flatten()[m.weight_mask.flatten() == 0] for m, _ in pruned])
assert float(cut.max()) <= float(kept.min())  # the smallest 20% across the whole model
assert model.fc3.bias_mask.tolist() == [0., 1.] * 5
assert torch.equal(model.fc3.bias, model.fc3.bias_orig * model.fc3.bias_mask)
print("check passed: random, L1, Ln-structured, global and custom pruning masks as described")
