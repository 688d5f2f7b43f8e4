"""PyTorch's pre-0.4 names against PyTorch: Variable and the typed tensor classes."""

import numpy as np
import pytest
import torch
from torch.autograd import Variable as TorchVariable

import chainrule
from chainrule.autograd import Variable

NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
         "CharTensor", "ByteTensor", "BoolTensor"]


def test_variable_is_a_detached_alias_with_requires_grad_as_asked():
    x = chainrule.tensor([1.0, 2.0])
    tx = torch.tensor([1.0, 2.0])
    for kw in ({}, {"requires_grad": True}):
        v, tv = Variable(x, **kw), TorchVariable(tx, **kw)
        assert type(v) is chainrule.Tensor and v is not x
        assert v.requires_grad == tv.requires_grad and v.grad_fn is None
        assert np.shares_memory(v.numpy() if not v.requires_grad else v.detach().numpy(), x.numpy())
    y = chainrule.tensor([3.0], requires_grad=True) * 2
    assert Variable(y).grad_fn is None and not Variable(y).requires_grad  # as torch: a new leaf
    assert isinstance(x, Variable) and not isinstance([1.0], Variable)
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(x, volatile=True)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1, 2])


@pytest.mark.parametrize("name", NAMES)
def test_typed_constructors_match_torch(name):
    ours, theirs = getattr(chainrule, name), getattr(torch, name)
    for args in ([[1, 0, 2]], [[[1.7, 0.5], [0.2, 3.9]]], (2, 3), (), (np.array([1, 2]),)):
        got, want = ours(*args), theirs(*args)
        assert tuple(got.shape) == tuple(want.shape) and str(got.dtype).split(".")[1] == \
            str(want.dtype).split(".")[1], (name, args)
        if args and not isinstance(args[0], int):
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert tuple(ours(chainrule.zeros(4, 1).shape).shape) == (4, 1)
    if name in ("LongTensor", "IntTensor"):  # floats truncate toward zero
        np.testing.assert_array_equal(ours([1.7, -1.7]).numpy(), theirs([1.7, -1.7]).numpy())
    t = ours([1, 0])
    assert ours(t) is t  # a tensor of the class's own dtype is taken as it is
    assert isinstance(t, ours) and not isinstance(t.type(torch.__name__ + "." + (
        "LongTensor" if name != "LongTensor" else "FloatTensor")), ours)
    assert t.type() == theirs([1, 0]).type() == f"torch.{name}"


def test_type_converts_by_class_name_or_dtype():
    x, tx = chainrule.tensor([1.5, -2.5]), torch.tensor([1.5, -2.5])
    for ours, theirs in ((chainrule.LongTensor, torch.LongTensor), ("torch.IntTensor", "torch.IntTensor"),
                         (chainrule.float64, torch.float64)):
        got, want = x.type(ours), tx.type(theirs)
        assert got.type() == want.type()
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert isinstance(x, chainrule.FloatTensor) and not isinstance(x, chainrule.DoubleTensor)


def test_typed_constructor_errors_say_what_to_do():
    with pytest.raises(TypeError, match=r"FloatTensor\(\): expected a tensor of dtype float32, got int64; "
                                        r"convert it with .type\(FloatTensor\)"):
        chainrule.FloatTensor(chainrule.tensor([1, 2]))
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        chainrule.FloatTensor("ab")


@pytest.mark.parametrize("sizes", [(3,), (2, 3), (1, 5), (0,)])
def test_tensor_of_sizes_is_a_default_dtype_tensor_of_that_shape_as_torch(sizes):
    got, want = chainrule.Tensor(*sizes), torch.Tensor(*sizes)  # the BiLSTM-CRF tutorial's Tensor(1, n)
    assert tuple(got.shape) == tuple(want.shape) and got.dtype == chainrule.float32
    assert tuple(chainrule.Tensor([2, 3]).shape) == (2,) and tuple(chainrule.Tensor().shape) == (0,)
    with pytest.raises(TypeError, match=r"Tensor\(\): expected sizes \(ints\) or one sequence of data, got list, int"):
        chainrule.Tensor([1], 2)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="Trying to create tensor with negative dimension -1"):
            lib.Tensor(2, -1)
