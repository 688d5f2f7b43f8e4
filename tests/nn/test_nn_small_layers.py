"""normalize, cosine_similarity, pairwise_distance (and their layers), ParameterList and
ParameterDict, and the padding layers, against PyTorch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, pair, rand

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.errors import ShapeError
from chainrule.nn import functional as F


def _check(ours, theirs, arrays, dtype, grad_scale=None):
    mine, yours = zip(*(pair(a) for a in arrays))
    y, ty = ours(*mine), theirs(*yours)
    assert y.dtype == dtype
    assert_close(y, ty, dtype)
    g = np.array(rand(tuple(ty.shape), dtype, seed=9), dtype=dtype)
    y.backward(g)
    ty.backward(torch.from_numpy(g))
    for a, b in zip(mine, yours):
        assert_close(a.grad, b.grad, dtype, scale=grad_scale)


# --------------------------------------------------------------------------- distances
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", [{}, {"p": 1.0}, {"dim": 0}, {"p": 3.0, "dim": -1}, {"eps": 0.5}], ids=str)
@settings(max_examples=6, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=3).map(tuple), seed=st.integers(0, 50))
def test_normalize(opts, dtype, shape, seed):
    x = rand(shape, dtype, seed)
    # dx = g / |x| - (terms that cancel it): judged on the scale of those terms
    terms = np.abs(rand(shape, dtype, 9)).max() / np.abs(x).max(axis=opts.get("dim", 1)).min()
    _check(lambda x: F.normalize(x, **opts), lambda x: TF.normalize(x, **opts), [x], dtype,
           grad_scale=max(1.0, float(terms)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("s1", "s2", "dim"), [((4, 5), (4, 5), 1), ((3, 4, 2), (3, 4, 2), -1),
                                               ((4, 5), (1, 5), 1), ((6,), (6,), 0), ((2, 3, 4), (3, 4), 0)])
def test_cosine_similarity(s1, s2, dim, dtype):
    args = [rand(s1, dtype, 1), rand(s2, dtype, 2)]
    _check(nn.CosineSimilarity(dim), torch.nn.CosineSimilarity(dim), args, dtype)
    _check(lambda a, b: F.cosine_similarity(a, b, dim, eps=1e-3),
           lambda a, b: TF.cosine_similarity(a, b, dim, eps=1e-3), args, dtype)


def test_cosine_similarity_of_a_zero_vector_floors_the_norm_like_torch():
    a = np.zeros((2, 3))
    a[1] = [1e-10, 0.0, 2e-10]
    b = rand((2, 3), np.float64, 1)
    _check(F.cosine_similarity, TF.cosine_similarity, [a, b], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", [{}, {"p": 1.0}, {"p": 3.0, "eps": 1e-3}, {"keepdim": True}], ids=str)
@pytest.mark.parametrize(("s1", "s2"), [((5, 4), (5, 4)), ((5, 4), (1, 4)), ((4,), (4,)), ((2, 3, 4), (3, 4))])
def test_pairwise_distance(s1, s2, opts, dtype):
    args = [rand(s1, dtype, 1), rand(s2, dtype, 2)]
    _check(nn.PairwiseDistance(**opts), torch.nn.PairwiseDistance(**opts), args, dtype)


def test_pairwise_distance_of_equal_inputs_is_differentiable():
    a = rand((3, 4), np.float64, 0)
    _check(F.pairwise_distance, TF.pairwise_distance, [a, a.copy()], np.float64)


def test_distance_gradcheck():
    rng = np.random.default_rng(0)

    def t(*shape):
        return cr.tensor(rng.standard_normal(shape), requires_grad=True)

    assert gradcheck(lambda x: F.normalize(x, dim=0), (t(3, 4),))
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b), (t(3, 4), t(3, 4)))
    assert gradcheck(lambda a, b: F.pairwise_distance(a, b, 3.0), (t(3, 4), t(1, 4)))


def test_distance_errors_and_reprs():
    with pytest.raises(ShapeError, match=r"cosine_similarity: x1 of shape \(3, 4\) and x2 of shape \(3, 5\)"):
        F.cosine_similarity(cr.randn(3, 4), cr.randn(3, 5))
    with pytest.raises(ShapeError, match=r"pairwise_distance: x1 of shape \(2, 4\) and x2 of shape \(3, 4\)"):
        F.pairwise_distance(cr.randn(2, 4), cr.randn(3, 4))
    with pytest.raises(TypeError, match="normalize.*floating point"):
        F.normalize(cr.tensor([1, 2]))
    assert repr(nn.CosineSimilarity()) == repr(torch.nn.CosineSimilarity())
    assert repr(nn.PairwiseDistance(1.0)) == repr(torch.nn.PairwiseDistance(1.0))
    assert nn.PairwiseDistance(3.0).norm == torch.nn.PairwiseDistance(3.0).norm


# --------------------------------------------------------------------------- ParameterList / Dict
def test_parameter_list():
    ours = nn.ParameterList([nn.Parameter(cr.randn(2, 3)), cr.randn(4).double()])
    ours.append(cr.zeros(1))
    ours += [nn.Parameter(cr.ones(2, 2))]
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(2, 3)), torch.randn(4).double()])
    theirs.append(torch.zeros(1))
    theirs += [torch.nn.Parameter(torch.ones(2, 2))]
    assert len(ours) == 4 and all(isinstance(p, nn.Parameter) for p in ours)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "2", "3"]
    assert repr(ours).replace("chainrule.", "torch.") == repr(theirs)
    assert ours[-1] is list(ours)[3] and len(ours[1:3]) == 2
    ours[0] = cr.ones(5)
    assert ours[0].shape == (5,) and ours[0].requires_grad

    outer, touter = nn.Module(), torch.nn.Module()
    outer.ps, touter.ps = ours, theirs
    assert [n for n, _ in outer.named_parameters()] == [n for n, _ in touter.named_parameters()] == [
        "ps.0", "ps.1", "ps.2", "ps.3"]
    assert repr(outer).replace("chainrule.", "torch.").replace("size 5", "size 2x3") == repr(touter)
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList())


def test_parameter_list_trains():
    ps = nn.ParameterList([cr.tensor(np.array([1.0, 2.0])), cr.tensor(np.array([3.0]))])
    (ps[0].sum() * ps[1].sum()).backward()
    np.testing.assert_array_equal(ps[0].grad._data, [3.0, 3.0])
    np.testing.assert_array_equal(ps[1].grad._data, [3.0])
    with pytest.raises(IndexError, match="ParameterList.*index 2 is out of range"):
        ps[2]
    with pytest.raises(TypeError, match="ParameterList.append: expected a Parameter or Tensor, got int"):
        ps.append(3)


def test_parameter_dict():
    ours = nn.ParameterDict({"a": nn.Parameter(cr.randn(2)), "b": cr.randn(3, 1)})
    ours["c"] = cr.randn(1).double()
    theirs = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.randn(2)), "b": torch.randn(3, 1)})
    theirs["c"] = torch.randn(1).double()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["a", "b", "c"]
    assert repr(ours) == repr(theirs)
    assert isinstance(ours["b"], nn.Parameter) and "b" in ours and len(ours) == 3
    assert list(ours.keys()) == ["a", "b", "c"] and ours.get("z") is None
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    for k in ours:
        assert_close(ours[k], theirs[k])
    popped = ours.pop("a")
    assert popped.shape == (2,) and list(ours) == ["b", "c"]
    ours.update([("d", cr.ones(2))])
    assert list(ours) == ["b", "c", "d"] and len(ours.copy()) == 3
    with pytest.raises(KeyError, match="ParameterDict has no key 'zz'"):
        ours["zz"]
    with pytest.raises(ValueError, match="ParameterDict.update: element #0"):
        ours.update(["x"])
    ours.clear()
    assert len(ours) == 0 and repr(ours) == repr(torch.nn.ParameterDict())


# --------------------------------------------------------------------------- padding
PADS = [
    ("ZeroPad1d", (2,), (3, 5)), ("ZeroPad1d", ((1, 3),), (2, 3, 5)),
    ("ZeroPad2d", (2,), (2, 4, 5)), ("ZeroPad2d", ((1, 0, 2, 3),), (2, 3, 4, 5)),
    ("ConstantPad1d", (2, 1.5), (2, 3, 5)), ("ConstantPad1d", ((0, 2), -3.0), (3, 5)),
    ("ConstantPad2d", (1, 2.5), (2, 3, 4, 5)), ("ConstantPad2d", ((1, 2, 0, 3), 0.5), (3, 4, 5)),
    ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad1d", ((3, 1),), (3, 5)),
    ("ReflectionPad2d", (2,), (2, 3, 4, 5)), ("ReflectionPad2d", ((1, 3, 2, 0),), (3, 4, 5)),
    ("ReplicationPad1d", (3,), (2, 3, 5)), ("ReplicationPad1d", ((7, 0),), (3, 5)),
    ("ReplicationPad2d", (2,), (2, 3, 4, 5)), ("ReplicationPad2d", ((0, 3, 1, 4),), (3, 4, 5)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "args", "shape"), PADS, ids=[f"{p[0]}{p[1]}" for p in PADS])
def test_padding_layers(name, args, shape, dtype):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    _check(ours, theirs, [rand(shape, dtype, 0)], dtype)


def test_padding_errors():
    with pytest.raises(ShapeError, match=r"ReflectionPad2d: expected a 3-d \(unbatched\) or 4-d "
                                         r"\(batched\) input, got shape \(4, 5\)"):
        nn.ReflectionPad2d(1)(cr.randn(4, 5))
    with pytest.raises(ShapeError, match=r"ReplicationPad1d: .*got shape \(1, 2, 3, 4\)"):
        nn.ReplicationPad1d(1)(cr.randn(1, 2, 3, 4))
    with pytest.raises(ValueError, match="reflect padding needs widths between 0 and 2"):
        nn.ReflectionPad1d(3)(cr.randn(2, 3))
