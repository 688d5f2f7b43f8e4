"""Hypothesis-drawn small MLPs against finite differences, and optimiser hyperparameters against
``torch.optim``.

* An MLP of random depth, widths, activation, loss, bias and normalisation: the gradient of the
  loss with respect to every parameter and to the input equals the central difference
  ``(L(theta + eps) - L(theta - eps)) / 2 eps`` (``chainrule.autograd.gradcheck``, float64).
* Every optimiser with random hyperparameters (learning rate, momentum, betas, eps, weight decay
  and every flag) follows PyTorch's trajectory over a few steps on the same gradients, to 1e-10.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from torch_oracle import assert_close

ACTIVATIONS = {
    "ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid, "ELU": nn.ELU,
    "LeakyReLU": lambda: nn.LeakyReLU(0.2), "Softplus": nn.Softplus, "GELU": nn.GELU,
    "SiLU": nn.SiLU,
}
LOSSES = ["mse", "l1", "huber", "cross_entropy", "bce_logits", "nll"]


@st.composite
def mlps(draw):
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    return {
        "n_in": n_in,
        "hidden": hidden,
        "n_out": draw(st.integers(1, 4)),
        "activation": draw(st.sampled_from(sorted(ACTIVATIONS))),
        "bias": draw(st.booleans()),
        "layer_norm": draw(st.booleans()) and bool(hidden),
        "loss": draw(st.sampled_from(LOSSES)),
        "batch": draw(st.integers(1, 4)),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def build(spec: dict[str, Any]) -> tuple[nn.Module, cr.Tensor, Any, Any]:
    cr.manual_seed(spec["seed"])
    layers: list[nn.Module] = []
    width = spec["n_in"]
    for h in spec["hidden"]:
        layers.append(nn.Linear(width, h, bias=spec["bias"], dtype=cr.float64))
        if spec["layer_norm"] and h > 1:
            layers.append(nn.LayerNorm(h, dtype=cr.float64))
        layers.append(ACTIVATIONS[spec["activation"]]())
        width = h
    layers.append(nn.Linear(width, spec["n_out"], bias=spec["bias"], dtype=cr.float64))
    model = nn.Sequential(*layers)
    for p in model.parameters():  # LayerNorm starts at 1 and 0: move it off that point
        p._data += cr.randn(*p.shape, dtype=cr.float64)._data * 0.1
    rng = np.random.default_rng(spec["seed"])
    x = cr.tensor(rng.standard_normal((spec["batch"], spec["n_in"])), requires_grad=True)
    n, c = spec["batch"], spec["n_out"]
    loss = spec["loss"]
    if loss in ("cross_entropy", "nll"):
        y = cr.tensor(rng.integers(0, c, n))
        fn = nn.CrossEntropyLoss() if loss == "cross_entropy" else (
            lambda out, t: nn.functional.nll_loss(nn.functional.log_softmax(out, 1), t))
    elif loss == "bce_logits":
        y = cr.tensor(rng.random((n, c)))
        fn = nn.BCEWithLogitsLoss()
    else:
        y = cr.tensor(rng.standard_normal((n, c)))
        fn = {"mse": nn.MSELoss(), "l1": nn.L1Loss(), "huber": nn.HuberLoss(delta=0.5)}[loss]
    return model, x, y, fn


@settings(max_examples=40, deadline=None)
@given(spec=mlps())
def test_random_mlp_gradients_match_finite_differences(spec):
    model, x, y, loss_fn = build(spec)
    params = list(model.parameters())
    out = model(x)
    if spec["loss"] in ("l1", "huber"):  # keep clear of the kinks |d| = 0 and |d| = delta
        d = np.abs(out._data - y._data)
        assume(np.all(d > 1e-3) and np.all(np.abs(d - 0.5) > 1e-3))
    h = x  # and clear of ReLU's kink: no pre-activation within 1e-4 of 0
    for layer in model:
        if isinstance(layer, (nn.ReLU, nn.LeakyReLU)):
            assume(np.all(np.abs(h._data) > 1e-4))
        h = layer(h)

    def loss(*inputs: cr.Tensor) -> cr.Tensor:
        return loss_fn(model(x), y)

    assert gradcheck(loss, (*params, x), eps=1e-6, atol=1e-6, rtol=1e-4)


# ------------------------------------------------------------------ optimisers vs torch.optim
def unit(lo: float = 0.0, hi: float = 0.999) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False)


def positive(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Log-uniform in [lo, hi]."""
    return st.floats(np.log10(lo), np.log10(hi)).map(lambda e: float(10 ** e))


BETAS = st.tuples(unit(0.0, 0.99), unit(0.5, 0.9999))
WD = st.one_of(st.just(0.0), positive(1e-4, 0.5))
MAXIMIZE = st.booleans()

OPTIMIZERS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "SGD": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.5), "momentum": st.one_of(st.just(0.0), unit(0.0, 0.99)),
        "dampening": st.one_of(st.just(0.0), unit(0.0, 0.9)), "weight_decay": WD,
        "nesterov": st.booleans(), "maximize": MAXIMIZE}),
    "Adagrad": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.5), "lr_decay": st.one_of(st.just(0.0), positive(1e-4, 0.5)),
        "weight_decay": WD, "initial_accumulator_value": st.one_of(st.just(0.0), unit(0, 1)),
        "eps": positive(1e-12, 1e-3), "maximize": MAXIMIZE}),
    "Adadelta": st.fixed_dictionaries({
        "lr": positive(1e-2, 2.0), "rho": unit(0.0, 0.999), "eps": positive(1e-10, 1e-3),
        "weight_decay": WD, "maximize": MAXIMIZE}),
    "RMSprop": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.1), "alpha": unit(0.1, 0.999), "eps": positive(1e-10, 1e-3),
        "weight_decay": WD, "momentum": st.one_of(st.just(0.0), unit(0.0, 0.99)),
        "centered": st.booleans(), "maximize": MAXIMIZE}),
    "Adamax": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.1), "betas": BETAS, "eps": positive(1e-10, 1e-3),
        "weight_decay": WD, "maximize": MAXIMIZE}),
    "Adam": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.1), "betas": BETAS, "eps": positive(1e-10, 1e-3),
        "weight_decay": WD, "amsgrad": st.booleans(), "maximize": MAXIMIZE}),
    "AdamW": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.1), "betas": BETAS, "eps": positive(1e-10, 1e-3),
        "weight_decay": WD, "amsgrad": st.booleans(), "maximize": MAXIMIZE}),
    "NAdam": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.1), "betas": BETAS, "eps": positive(1e-10, 1e-3),
        "weight_decay": WD, "momentum_decay": positive(1e-4, 1e-1),
        "decoupled_weight_decay": st.booleans(), "maximize": MAXIMIZE}),
    "RAdam": st.fixed_dictionaries({
        "lr": positive(1e-4, 0.1), "betas": BETAS, "eps": positive(1e-10, 1e-3),
        "weight_decay": WD, "decoupled_weight_decay": st.booleans(), "maximize": MAXIMIZE}),
}
STEPS = 6


@st.composite
def optimizer_cases(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    kwargs = draw(OPTIMIZERS[name])
    if name == "SGD" and kwargs["nesterov"]:  # Nesterov needs momentum and no dampening
        kwargs["momentum"] = max(kwargs["momentum"], 0.1)
        kwargs["dampening"] = 0.0
    second = draw(st.one_of(st.none(), OPTIMIZERS[name]))  # an optional second param group
    if second is not None and name == "SGD" and second["nesterov"]:
        second["momentum"], second["dampening"] = max(second["momentum"], 0.1), 0.0
    return name, kwargs, second, draw(st.integers(0, 2**31 - 1))


@settings(max_examples=60, deadline=None)
@given(case=optimizer_cases())
def test_random_hyperparameters_follow_torch_optim(case):
    name, kwargs, second, seed = case
    rng = np.random.default_rng(seed)
    shapes = [(3, 2), (4,), (2, 2)]
    init = [rng.standard_normal(s) for s in shapes]
    c_params = [cr.tensor(a, requires_grad=True) for a in init]
    t_params = [torch.tensor(a, requires_grad=True) for a in init]

    def groups(params: list[Any]) -> list[dict[str, Any]]:
        if second is None:
            return [{"params": params}]
        return [{"params": params[:2]}, {"params": params[2:], **second}]

    c_opt = getattr(cr.optim, name)(groups(c_params), **kwargs)
    t_opt = getattr(torch.optim, name)(groups(t_params), **kwargs)
    for step in range(STEPS):
        for i, (c, t) in enumerate(zip(c_params, t_params, strict=True)):
            if i == 1 and step % 3 == 2:  # sometimes no gradient: the step skips it
                c.grad, t.grad = None, None
                continue
            g = rng.standard_normal(c.shape) * 10 ** rng.uniform(-3, 1)
            c.grad, t.grad = cr.tensor(g), torch.tensor(g)
        c_opt.step()
        t_opt.step()
        for i, (c, t) in enumerate(zip(c_params, t_params, strict=True)):
            assert_close(c, t, what=f"{name} {kwargs} param {i} after step {step + 1}")
