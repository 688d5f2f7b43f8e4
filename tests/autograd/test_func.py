"""Function transforms (``chainrule.func``: grad, grad_and_value, vjp, jacrev, vmap,
functional_call) against ``torch.func``, including per-sample gradients by ``vmap(grad)``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func

import chainrule
import chainrule.func
from torch_oracle import assert_close, randn


def _libs():
    return ((chainrule, chainrule.func), (torch, torch.func))


def _mlp(lib, dtype):
    torch.manual_seed(0)
    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    if lib is torch:
        model = t_model
    else:
        model = chainrule.nn.Sequential(chainrule.nn.Linear(3, 4), chainrule.nn.Tanh(), chainrule.nn.Linear(4, 2))
        model.load_state_dict({k: v.detach().numpy().copy() for k, v in t_model.state_dict().items()})
    return model.double() if dtype == np.float64 else model


def _both(fn):
    """``fn(lib, func)`` for chainrule and torch, results flattened to arrays."""
    out = []
    for lib, func in _libs():
        result = fn(lib, func)
        leaves = result if isinstance(result, (tuple, list)) else [result]
        flat = []
        for leaf in leaves:
            flat.extend(leaf.values() if isinstance(leaf, dict) else [leaf])
        out.append(flat)
    return out


def test_per_sample_gradients_equal_torch(dtype):
    """The torch.func tutorial's recipe: vmap(grad(loss)) over the batch, parameters not batched."""
    x, y = randn((5, 3), dtype, 1), randn((5, 2), dtype, 2)

    def run(lib, func):
        model = _mlp(lib, dtype)
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, xi, yi):
            return (func.functional_call(model, p, (xi.unsqueeze(0),)) - yi).pow(2).sum()

        return func.vmap(func.grad(loss), in_dims=(None, 0, 0))(params, lib.tensor(x.copy()), lib.tensor(y.copy()))

    c, t = _both(run)
    for a, b in zip(c, t):
        assert_close(a, b, dtype)


def test_grad_variants_equal_torch(dtype):
    a, b = randn((4,), dtype, 3), randn((4,), dtype, 4)

    def run(lib, func):
        x, y = lib.tensor(a.copy()), lib.tensor(b.copy())
        f = lambda u, v: (u.sin() * v).sum()  # noqa: E731
        g0 = func.grad(f)(x, y)
        g01 = func.grad(f, argnums=(0, 1))(x, y)
        gv, value = func.grad_and_value(f, argnums=1)(x, y)
        ga, aux = func.grad(lambda u: ((u ** 3).sum(), u.mean()), has_aux=True)(x)
        tree = func.grad(lambda p: (p["w"] * p["b"][0]).sum())({"w": x, "b": (y,)})
        return [g0, *g01, gv, value, ga, aux, tree["w"], tree["b"][0]]

    c, t = _both(run)
    for a_, b_ in zip(c, t):
        assert_close(a_, b_, dtype)


def test_vjp_jacrev_and_vmap_dims_equal_torch(dtype):
    a = randn((3,), dtype, 5)
    m = randn((2, 3, 4), dtype, 6)

    def run(lib, func):
        x = lib.tensor(a.copy())
        out, vjp_fn = func.vjp(lambda u: u.exp() * u, x)
        (v,) = vjp_fn(lib.ones(3, dtype=x.dtype))
        jac = func.jacrev(lambda u, w: (u * w).sum() * u, argnums=1)(x, x * 2)
        mapped = func.vmap(lambda t: t.sum(0), in_dims=2, out_dims=1)(lib.tensor(m.copy()))
        pair = func.vmap(lambda s, t: s @ t, in_dims=(0, None))(lib.tensor(m.copy()), lib.tensor(m[0, 0].copy()))
        return [out, v, jac, mapped, pair]

    c, t = _both(run)
    for a_, b_ in zip(c, t):
        assert_close(a_, b_, dtype)


def test_functional_call_leaves_the_module_alone_and_ties_weights():
    for lib, func in _libs():
        model = lib.nn.Linear(2, 2)
        before = model.weight.detach().clone()
        new = {"weight": lib.zeros(2, 2), "bias": lib.ones(2)}
        out = func.functional_call(model, new, (lib.ones(1, 2),))
        assert out.tolist() == [[1.0, 1.0]]
        assert lib.equal(model.weight.detach(), before)
        with pytest.raises((RuntimeError, ValueError)):
            func.functional_call(model, ({"bias": lib.ones(2)}, {"bias": lib.zeros(2)}), (lib.ones(1, 2),))
        shared = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
        shared[1].weight = shared[0].weight
        out = func.functional_call(shared, {"0.weight": lib.eye(2) * 2}, (lib.ones(1, 2),))
        assert out.tolist() == [[4.0, 4.0]]  # the tied layer took the same replacement


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_jvp_equals_torch(dtype):
    """Several primals, a tuple output with a scalar, a pytree primal, has_aux, and the errors."""
    x, y, tx, ty = (randn((2, 3), dtype, seed) for seed in range(4))
    got, want = [], []
    for (lib, func), out in zip(_libs(), (got, want)):
        def f(a, b, lib=lib):
            return (a.sin() * b, (a * b).sum(), lib.tanh(a @ b.T))

        def g(pair):
            a, b = pair
            return (a.exp() * b).sum(0), {"a": a}

        t = [lib.tensor(v) for v in (x, y, tx, ty)]
        out.append(func.jvp(f, (t[0], t[1]), (t[2], t[3])))
        out.append(func.jvp(g, ((t[0], t[1]),), ((t[2], t[3]),), has_aux=True))
        with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
            func.jvp(f, [t[0], t[1]], (t[2], t[3]))
        with pytest.raises(RuntimeError, match="Expected primals and tangents to have the same python structure"):
            func.jvp(f, (t[0], t[1]), (t[2],))
        with pytest.raises(RuntimeError, match="different size"):
            func.jvp(f, (t[0], t[1]), (t[2], t[3][:1]))
    with pytest.raises(NotImplementedError, match="strict=True"):
        chainrule.func.jvp(lambda a: a, (chainrule.ones(2),), (chainrule.ones(2),), strict=True)
    (values, derivatives), (value, derivative, aux) = got
    (t_values, t_derivatives), (t_value, t_derivative, t_aux) = want
    for a, b in zip((*values, *derivatives, value, derivative, aux["a"]),
                    (*t_values, *t_derivatives, t_value, t_derivative, t_aux["a"])):
        assert_close(a, b, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_jacrev_of_a_dict_of_parameters_equals_torch(dtype):
    """The neural tangent kernel tutorial's call: the Jacobian of a model's output with respect to
    its parameters, given as a dict; and several arguments with a tuple of outputs."""
    results = []
    for lib, func in _libs():
        model = _mlp(lib, dtype)
        params = {k: v.detach() for k, v in model.named_parameters()}
        x = lib.tensor(randn((2, 3), dtype, 1))

        def single(p, xi, func=func, model=model):
            return func.functional_call(model, p, (xi[None],)).squeeze(0)

        per_sample = func.vmap(func.jacrev(single), (None, 0))(params, x)
        a, b = lib.tensor(randn((3,), dtype, 2)), lib.tensor(randn((3,), dtype, 3))
        pair = func.jacrev(lambda u, v: ((u * v).sin(), (u - v).sum()), argnums=(0, 1))(a, b)
        results.append((per_sample, pair))
    (ours, ours_pair), (theirs, theirs_pair) = results
    assert list(ours) == list(theirs)
    for k in theirs:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape)
        assert_close(ours[k], theirs[k], dtype)
    for got, want in zip(ours_pair, theirs_pair):
        for g, w in zip(got, want):
            assert_close(g, w, dtype)
