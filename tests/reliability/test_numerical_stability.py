"""Numerical stability at the extremes: no overflow, no 0/0, no warning, and PyTorch's values.

Every chainrule call below runs in ``strict()`` mode (NumPy's overflow, division and invalid-value
errors raise, warnings are errors), forward and backward; PyTorch computes the reference outside
it. Logits of +-1e4 and pre-activations of +-1000 overflow ``e^x`` in any naive formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from rel_helpers import strict

import chainrule as cr
import chainrule.nn.functional as F
from torch_oracle import FLOATS, assert_close, pair

LOGITS = np.array([[1e4, -1e4, 0.0, 3.0],
                   [-1e4, -1e4, 1e4, 1e4],  # a tie at the top
                   [1e4, 1e4, 1e4, 1e4],
                   [-1e4, -1e4, -1e4, -1e4]])
EXTREMES = np.array([-1000.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1000.0])


def compare(fn: Callable[[Any, Any], Any], *arrays: np.ndarray,
            grad: tuple[bool, ...] | None = None, oracle64: bool = False) -> None:
    """``fn(lib, *tensors)`` in chainrule (strict) and in torch: the output and each gradient.

    ``oracle64``: torch computes in float64 and its result is rounded to the inputs' dtype (for
    cases where float32 PyTorch itself rounds away from the exact answer).
    """
    grad = grad or tuple(a.dtype.kind == "f" for a in arrays)
    dtype = arrays[0].dtype
    c_in = [cr.tensor(a.copy(), requires_grad=g) for a, g in zip(arrays, grad, strict=True)]
    t_in = [torch.tensor(a.astype(np.float64) if oracle64 and a.dtype.kind == "f" else a.copy(),
                         requires_grad=g) for a, g in zip(arrays, grad, strict=True)]
    t_out = fn(torch, *t_in)
    upstream = np.random.default_rng(0).standard_normal(t_out.shape).astype(dtype)
    (t_out * torch.tensor(upstream).to(t_out.dtype)).sum().backward()
    with strict():
        c_out = fn(cr, *c_in)
        (c_out * cr.tensor(upstream)).sum().backward()

    def oracle(t: torch.Tensor) -> np.ndarray:
        return t.detach().numpy().astype(dtype) if oracle64 else t

    assert_close(c_out, oracle(t_out), what="forward", tol="tight")
    assert np.isfinite(c_out._data).all(), "forward is not finite"
    for i, (c, t) in enumerate(zip(c_in, t_in, strict=True)):
        if grad[i]:
            assert_close(c.grad, oracle(t.grad), what=f"gradient of input {i}", tol="tight")
            assert np.isfinite(c.grad._data).all(), f"gradient of input {i} is not finite"


def functional(lib: Any) -> Any:
    return F if lib is cr else TF


# ------------------------------------------------------------------ softmax family at +-1e4
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_of_huge_logits(dtype, dim):
    compare(lambda lib, x: lib.softmax(x, dim), LOGITS.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1])
def test_log_softmax_of_huge_logits(dtype, dim):
    compare(lambda lib, x: lib.log_softmax(x, dim), LOGITS.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, (0, 1)])
def test_logsumexp_of_huge_logits(dtype, dim):
    compare(lambda lib, x: lib.logsumexp(x, dim), LOGITS.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"},
                                    {"label_smoothing": 0.1},
                                    {"weight": [1.0, 2.0, 0.5, 1.0]}])
def test_cross_entropy_of_huge_logits(dtype, kwargs):
    target = np.array([1, 0, 2, 3])
    kw = dict(kwargs)

    def fn(lib, x, t):
        if "weight" in kw:
            kw["weight"] = lib.tensor(np.array(kwargs["weight"], dtype=dtype))
        return functional(lib).cross_entropy(x, t, **kw)

    compare(fn, LOGITS.astype(dtype), target)


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_with_probabilities_of_huge_logits(dtype):
    probs = np.array([[0.0, 1.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25],
                      [1.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0]], dtype=dtype)
    compare(lambda lib, x, p: functional(lib).cross_entropy(x, p), LOGITS.astype(dtype), probs,
            grad=(True, False))


@pytest.mark.parametrize("dtype", FLOATS)
def test_nll_of_log_softmax_of_huge_logits(dtype):
    compare(lambda lib, x, t: functional(lib).nll_loss(lib.log_softmax(x, 1), t),
            LOGITS.astype(dtype), np.array([1, 0, 2, 3]))


# ------------------------------------------------------------------ activations at +-1000
ACTIVATIONS = {
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "tanh": lambda lib, x: lib.tanh(x),
    "softplus": lambda lib, x: functional(lib).softplus(x),
    "softplus_beta": lambda lib, x: functional(lib).softplus(x, beta=3.0, threshold=10.0),
    "elu": lambda lib, x: functional(lib).elu(x),
    "elu_alpha": lambda lib, x: functional(lib).elu(x, alpha=0.5),
    "silu": lambda lib, x: functional(lib).silu(x),
    "gelu": lambda lib, x: functional(lib).gelu(x),
    "gelu_tanh": lambda lib, x: functional(lib).gelu(x, approximate="tanh"),
    "leaky_relu": lambda lib, x: functional(lib).leaky_relu(x, 0.1),
    "relu": lambda lib, x: lib.relu(x),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_at_plus_minus_1000(dtype, name):
    compare(ACTIVATIONS[name], EXTREMES.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"pos_weight": 3.0},
                                    {"weight": 0.5}])
def test_bce_with_logits_at_plus_minus_1000(dtype, kwargs):
    x = EXTREMES.astype(dtype)
    y = np.array([0, 1, 0, 1, 0.5, 0, 1, 0, 1], dtype=dtype)  # the wrong class at both ends too

    def fn(lib, x, y):
        kw = {k: lib.full(x.shape, v, dtype=x.dtype) if k in ("pos_weight", "weight") else v
              for k, v in kwargs.items()}
        return functional(lib).binary_cross_entropy_with_logits(x, y, **kw)

    compare(fn, x, y, grad=(True, True))


# ------------------------------------------------------------------ BCE on exact 0 and 1
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_of_probabilities_exactly_0_and_1(dtype, reduction):
    """log(0) is clamped at -100 as in PyTorch: a confidently wrong prediction costs 100."""
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype)
    compare(lambda lib, p, y: functional(lib).binary_cross_entropy(p, y, reduction=reduction),
            p, y, grad=(True, False))
    loss = F.binary_cross_entropy(cr.tensor(p), cr.tensor(y), reduction="none")
    np.testing.assert_array_equal(loss._data, np.array([0, 0, 100, 100, np.log(2)], dtype=dtype))


# ------------------------------------------------------------------ zero variance and norms
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_variance_of_a_constant(dtype, op, dim):
    """var = 0 and std = 0 exactly, and std's gradient (x - mean) / (n std) masked to 0."""
    x = np.full((4, 3), 7.25, dtype=dtype)
    compare(lambda lib, x: getattr(x, op)() if dim is None else getattr(x, op)(dim), x)
    with strict():
        assert not np.any(getattr(cr.tensor(x), op)()._data)


@pytest.mark.parametrize("dtype", FLOATS)
def test_norm_of_the_zero_vector(dtype):
    """d||x||/dx = x / ||x|| is 0/0 at x = 0; PyTorch defines it as 0."""
    compare(lambda lib, x: x.norm(), np.zeros((3, 2), dtype=dtype))
    compare(lambda lib, x: x.norm(dim=1), np.array([[0.0, 0.0], [3.0, 4.0]], dtype=dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_batch_norm_and_layer_norm_of_a_constant(dtype):
    """Zero variance: the eps inside sqrt(var + eps) keeps xhat = 0 and the gradient finite.

    float32 PyTorch rounds the mean of a constant away from it (xhat ~ 1e-5, not 0); the oracle
    is PyTorch in float64, which gives the exact answer ``y = bias``.
    """
    x = np.full((4, 3), -2.5, dtype=dtype)
    w, b = np.linspace(0.5, 2, 3).astype(dtype), np.array([0.1, -0.2, 0.3], dtype=dtype)
    compare(lambda lib, x, w, b: functional(lib).layer_norm(x, (3,), w, b), x, w, b,
            oracle64=True)
    compare(lambda lib, x, w, b: functional(lib).batch_norm(
        x, lib.zeros(3, dtype=x.dtype), lib.ones(3, dtype=x.dtype), w, b, training=True), x, w, b,
        oracle64=True)
    with strict():
        y = F.layer_norm(cr.tensor(x), (3,), cr.tensor(w), cr.tensor(b))
    np.testing.assert_array_equal(y._data, np.broadcast_to(b, x.shape))


@pytest.mark.parametrize("dtype", FLOATS)
def test_clip_grad_norm_of_zero_gradients(dtype):
    """clip coefficient max_norm / (||g|| + 1e-6): no division by a zero norm."""
    c, t = pair(np.ones(5, dtype=dtype))
    c.grad, t.grad = cr.zeros(5, dtype=dtype), torch.zeros(5, dtype=getattr(torch, np.dtype(dtype).name))
    with strict():
        total = cr.nn.utils.clip_grad_norm_([c], max_norm=1.0)
    want = torch.nn.utils.clip_grad_norm_([t], max_norm=1.0)
    assert_close(total, want, what="total norm", tol="tight")
    assert_close(c.grad, t.grad, what="clipped gradient", tol="tight")


@pytest.mark.parametrize("name, kwargs", [
    ("Adam", {"lr": 0.1}), ("AdamW", {"lr": 0.1}), ("Adam", {"lr": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.1}), ("RMSprop", {"lr": 0.1, "centered": True}),
    ("Adagrad", {"lr": 0.1}), ("Adadelta", {"lr": 1.0}), ("Adamax", {"lr": 0.1}),
    ("NAdam", {"lr": 0.1}), ("RAdam", {"lr": 0.1}),
])
@pytest.mark.parametrize("dtype", FLOATS)
def test_adaptive_optimisers_on_zero_gradients(name, kwargs, dtype):
    """Dividing by sqrt(v) + eps: zero gradients (v = 0) leave the parameters as torch does."""
    c, t = pair(np.linspace(-1, 1, 6).astype(dtype))
    c_opt, t_opt = getattr(cr.optim, name)([c], **kwargs), getattr(torch.optim, name)([t], **kwargs)
    for _ in range(3):
        c.grad = cr.zeros(6, dtype=dtype)
        t.grad = torch.zeros(6, dtype=t.dtype)
        with strict():
            c_opt.step()
        t_opt.step()
    assert_close(c.detach(), t.detach(), what=f"{name} after 3 zero-gradient steps", tol="tight")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_of_large_errors(dtype, loss):
    """Errors of 1e18 square to 1e36: still inside float32's range, and finite gradients."""
    x = np.array([1e18, -1e18, 0.0], dtype=dtype)
    y = np.array([0.0, 0.0, 1.0], dtype=dtype)
    compare(lambda lib, x, y: getattr(functional(lib), loss)(x, y), x, y)
