"""Creation and random draws with PyTorch's keywords: device=, size=, generator=, dtype=, and the
distributions normal and multinomial, against PyTorch (values where they are not random; shapes,
dtypes, reproducibility and statistics where they are)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close, check, randn

CREATE = [
    ("tensor", ([1.0, 2.0],), {}),
    ("zeros", (2, 3), {}),
    ("zeros", (), {"size": (2, 3)}),
    ("ones", ((4,),), {}),
    ("ones", (), {"size": [2, 2]}),
    ("empty", (), {"size": (2, 0)}),
    ("full", ((2, 2), 7.0), {}),
    ("full", ((3,), 2), {}),
    ("arange", (5,), {}),
    ("arange", (1.0, 2.0, 0.25), {}),
    ("linspace", (0.0, 1.0, 5), {}),
    ("logspace", (0.0, 2.0, 3), {}),
    ("logspace", (-1.0, 2.0, 5), {"base": 2.0}),
    ("eye", (2, 3), {}),
]


def _same(make):
    assert_close(make(chainrule), make(torch))


@pytest.mark.parametrize("name,args,kwargs", CREATE)
@pytest.mark.parametrize("device", [None, "cpu", "device"])
def test_creation_accepts_the_cpu(name, args, kwargs, device):
    def make(lib):
        where = lib.device("cpu") if device == "device" else device
        return getattr(lib, name)(*args, device=where, **kwargs)

    if name != "empty":
        _same(make)
    assert tuple(make(chainrule).shape) == tuple(make(torch).shape)
    assert make(chainrule).device == chainrule.device("cpu")


@pytest.mark.parametrize("name,args,kwargs", CREATE)
def test_creation_dtypes_match_torch(name, args, kwargs):
    for dt in ("float64", "float32"):
        if name in ("empty",):
            continue
        _same(lambda lib, dt=dt: getattr(lib, name)(*args, dtype=getattr(lib, dt), **kwargs))


LIKE = ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"]


@pytest.mark.parametrize("name", LIKE)
def test_like_functions_keep_shape_and_dtype(name):
    for make in (lambda lib: lib.ones(2, 3, dtype=lib.float64), lambda lib: lib.ones(4)):
        c = getattr(chainrule, name)(make(chainrule), device="cpu")
        t = getattr(torch, name)(make(torch), device="cpu")
        assert tuple(c.shape) == tuple(t.shape) and str(c.dtype)[10:] == str(t.dtype)[6:]


@pytest.mark.parametrize("name,args", [
    ("zeros", (2,)), ("ones", (2,)), ("empty", (2,)), ("full", ((2,), 1.0)), ("tensor", ([1.0],)),
    ("arange", (3,)), ("linspace", (0, 1, 3)), ("logspace", (0, 1, 3)), ("eye", (2,)), ("rand", (2,)),
    ("randn", (2,)), ("randint", (0, 3, (2,))), ("randperm", (3,)),
])
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps"])
def test_other_devices_are_refused_by_name(name, args, device):
    with pytest.raises(RuntimeError, match=f"{name}: chainrule runs on the CPU only, got device '{device}'"):
        getattr(chainrule, name)(*args, device=device)


@pytest.mark.parametrize("name", LIKE + ["full_like", "randint_like"])
def test_like_functions_refuse_other_devices(name):
    extra = (1,) if name in ("full_like", "randint_like") else ()
    with pytest.raises(RuntimeError, match="CPU only"):
        getattr(chainrule, name)(chainrule.ones(2), *extra, device="cuda")


def test_size_keyword_and_positional_size_are_exclusive():
    assert chainrule.randn(size=(2, 3)).shape == (2, 3) and chainrule.rand(size=[4]).shape == (4,)
    with pytest.raises(TypeError, match="once"):
        chainrule.zeros(2, size=(2,))


# ------------------------------------------------------------------------------ generator=
RANDOM = [
    ("rand", lambda lib, g: lib.rand(3, 2, generator=g)),
    ("randn", lambda lib, g: lib.randn(size=(3,), generator=g, dtype=lib.float64)),
    ("randint", lambda lib, g: lib.randint(0, 10, (5,), generator=g)),
    ("randperm", lambda lib, g: lib.randperm(6, generator=g)),
    ("rand_like", lambda lib, g: lib.rand_like(lib.ones(3), generator=g)),
    ("randn_like", lambda lib, g: lib.randn_like(lib.ones(3, dtype=lib.float64), generator=g)),
    ("randint_like", lambda lib, g: lib.randint_like(lib.ones(3), 2, 9, generator=g)),
    ("normal", lambda lib, g: lib.normal(0.0, 2.0, size=(4,), generator=g)),
    ("normal tensors", lambda lib, g: lib.normal(lib.zeros(3), lib.ones(3), generator=g)),
    ("multinomial", lambda lib, g: lib.multinomial(lib.tensor([0.2, 0.3, 0.5]), 2, generator=g)),
    ("multinomial replace", lambda lib, g: lib.ones(2, 4).multinomial(6, True, generator=g)),
    ("normal_", lambda lib, g: lib.empty(4).normal_(1.0, 2.0, generator=g)),
    ("uniform_", lambda lib, g: lib.empty(4).uniform_(-1.0, 1.0, generator=g)),
    ("dropout", lambda lib, g: lib.nn.functional.dropout(lib.ones(20), 0.5, generator=g)),
]


@pytest.mark.parametrize("name,draw", RANDOM, ids=[n for n, _ in RANDOM])
def test_generator_keyword_makes_draws_repeat(name, draw):
    first = draw(chainrule, chainrule.Generator().manual_seed(7))
    again = draw(chainrule, chainrule.Generator().manual_seed(7))
    other = draw(chainrule, chainrule.Generator().manual_seed(8))
    chainrule.manual_seed(7)
    default = draw(chainrule, None)  # the default generator, seeded the same, draws the same
    np.testing.assert_array_equal(first._data, again._data)
    np.testing.assert_array_equal(first._data, default._data)
    assert not np.array_equal(first._data, other._data)
    if name != "dropout":  # torch's dropout has no generator=
        t = draw(torch, torch.Generator().manual_seed(7))
        assert tuple(first.shape) == tuple(t.shape) and str(first.dtype)[10:] == str(t.dtype)[6:]


def test_generator_manual_seed_returns_the_generator():
    g = chainrule.Generator()
    assert g.manual_seed(3) is g and g.initial_seed() == 3


def test_randint_like_and_randperm_dtypes():
    for make in (lambda lib: lib.randint_like(lib.ones(3), 5),
                 lambda lib: lib.randint_like(lib.ones(3, dtype=lib.int32), 2, 5),
                 lambda lib: lib.randperm(4, dtype=lib.float32)):
        c, t = make(chainrule), make(torch)
        assert str(c.dtype)[10:] == str(t.dtype)[6:] and tuple(c.shape) == tuple(t.shape)
    values = chainrule.randint_like(chainrule.ones(1000), 2, 5)
    assert set(values.tolist()) == {2.0, 3.0, 4.0}


# ------------------------------------------------------------------------------ normal
@pytest.mark.parametrize("mean,std", [("tensor", "tensor"), ("tensor", 2.0), (0.5, "tensor"), ("row", "column")])
def test_normal_overloads_shape_dtype_and_statistics(mean, std, dtype):
    shapes = {"tensor": (200, 50), "row": (1, 50), "column": (200, 1)}

    def arg(lib, spec, value):
        if not isinstance(spec, str):
            return spec
        return lib.full(shapes[spec], value, dtype=getattr(lib, np.dtype(dtype).name))

    c = chainrule.normal(arg(chainrule, mean, 1.5), arg(chainrule, std, 2.0))
    t = torch.normal(arg(torch, mean, 1.5), arg(torch, std, 2.0))
    assert tuple(c.shape) == tuple(t.shape) == (200, 50) and c._data.dtype == t.numpy().dtype
    m = 1.5 if isinstance(mean, str) else mean
    assert abs(float(c.mean()) - m) < 0.1 and abs(float(c.std()) - 2.0) < 0.1


def test_normal_with_numbers_needs_size():
    c = chainrule.normal(2.0, 3.0, size=(5000,), dtype=chainrule.float64, requires_grad=True)
    assert c.shape == (5000,) and c.dtype == chainrule.float64 and c.requires_grad
    assert abs(float(c.mean()) - 2.0) < 0.2 and abs(float(c.std()) - 3.0) < 0.2
    assert chainrule.normal(0.0, 1.0, size=(2,)).dtype == torch_dtype_name(torch.normal(0.0, 1.0, size=(2,)))
    with pytest.raises(TypeError, match="size="):
        chainrule.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="size= is only for a number"):
        chainrule.normal(chainrule.zeros(2), 1.0, size=(2,))


def torch_dtype_name(t):
    return str(t.dtype)[6:]


@pytest.mark.parametrize("call,error,match", [
    (lambda lib: lib.normal(0.0, -1.0, size=(2,)), ValueError, "std >= 0.0"),
    (lambda lib: lib.normal(lib.zeros(3), -lib.ones(3)), ValueError, "std >= 0.0"),
    (lambda lib: lib.normal(lib.zeros(3), lib.ones(4)), chainrule.ShapeError, r"\(3,\) and \(4,\)"),
])
def test_normal_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(chainrule)
    with pytest.raises(RuntimeError):
        call(torch)


def test_normal_of_parameters_records_the_graph_but_passes_no_gradient_like_torch(dtype):
    check(lambda lib, m, s: lib.normal(m, s) * 0 + m.detach(), randn((3,), dtype, 0), np.abs(randn((3,), dtype, 1)))
    m = chainrule.zeros(3, requires_grad=True)
    y = chainrule.normal(m, 2.0)
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    assert m.grad.tolist() == [0.0, 0.0, 0.0]


# ------------------------------------------------------------------------------ multinomial
@pytest.mark.parametrize("replacement", [False, True])
def test_multinomial_frequencies_follow_the_weights(replacement):
    weights = chainrule.tensor([[1.0, 0.0, 3.0, 6.0]] * 4000)  # unnormalised; category 1 never drawn
    draws = chainrule.multinomial(weights, 1 if not replacement else 3, replacement=replacement)
    assert draws.shape == (4000, 1 if not replacement else 3) and draws.dtype == chainrule.int64
    freq = np.bincount(draws._data.reshape(-1), minlength=4) / draws.numel()
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.3, 0.6], atol=0.03)


def test_multinomial_without_replacement_draws_each_category_at_most_once():
    draws = chainrule.multinomial(chainrule.ones(500, 6), 6)
    assert all(sorted(row) == list(range(6)) for row in draws.tolist())
    # the first draw is weighted; later draws exclude what was drawn
    first = chainrule.multinomial(chainrule.tensor([[0.05, 0.05, 0.9]] * 3000), 2)
    assert np.mean(first._data[:, 0] == 2) > 0.85 and np.all(first._data[:, 0] != first._data[:, 1])


def test_multinomial_zero_weights_come_last_like_torch():
    c = chainrule.multinomial(chainrule.tensor([0.0, 0.0, 1.0]), 2)
    t = torch.multinomial(torch.tensor([0.0, 0.0, 1.0]), 2)
    assert c.tolist()[0] == t.tolist()[0] == 2 and c.tolist()[1] in (0, 1)


@pytest.mark.parametrize("probs,n,kwargs,error,match", [
    ([0.1, 0.2, 0.7], 4, {}, ValueError, "cannot sample 4 > 3 categories without replacement"),
    ([-1.0, 1.0], 1, {}, ValueError, "element < 0"),
    ([[[1.0]]], 1, {}, chainrule.ShapeError, "1-D or 2-D"),
    ([1.0, 1.0], 0, {}, ValueError, "num_samples=0"),
    ([0.0, 0.0], 1, {"replacement": True}, ValueError, "sum to 0"),
])
def test_multinomial_errors(probs, n, kwargs, error, match):
    with pytest.raises(error, match=match):
        chainrule.multinomial(chainrule.tensor(probs), n, **kwargs)
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor(probs), n, **kwargs)
