# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/basics/autogradqs_tutorial.py ("Learn the Basics:
#   Automatic Differentiation with torch.autograd"). Licence: BSD-3-Clause.
# Edits: `import torch` -> `import chainrule as torch`; the gradient checks at the end are added
#   (the gradients of the one-layer network against the formula, and the Jacobian products of the
#   three backward calls). Otherwise as the original.
import chainrule as torch

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
first = inp.grad.clone()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
second = inp.grad.clone()
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

# gradient checks (added): d loss / d z = (sigmoid(z) - y) / 3 for the mean BCE with logits,
# so dW = x^T (sigmoid(z) - y) / 3 and db = (sigmoid(z) - y) / 3; the Jacobian product of
# (inp + 1)^2 with ones is 2 (inp + 1), accumulated twice, then fresh after zero_()
dz = (torch.sigmoid(z_det) - y) / 3
assert torch.allclose(w.grad, torch.outer(x, dz), atol=1e-6)
assert torch.allclose(b.grad, dz, atol=1e-6)
assert torch.equal(first, 2 * (torch.eye(4, 5) + 1))
assert torch.equal(second, 2 * first)
assert torch.equal(inp.grad, first)
assert not z_det.requires_grad and z.requires_grad
print("gradients as expected")
