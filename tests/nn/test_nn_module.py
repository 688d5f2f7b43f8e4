"""Module, Parameter and the containers: registration, traversal, state_dict with PyTorch's
names (both directions), load errors, modes, dtype conversion, hooks and reprs."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from nn_twin import assert_close, ours_to_torch, rand, torch_to_ours

import chainrule as cr
from chainrule import nn


class Block(nn.Module):
    def __init__(self, lib):
        super().__init__()
        self.fc = lib.Linear(4, 3)
        self.bn = lib.BatchNorm1d(3)
        self.scale = lib.Parameter(lib_ones(lib, 3))
        self.register_buffer("steps", lib_zeros(lib, 1))

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.bn = torch.nn.BatchNorm1d(3)
        self.scale = torch.nn.Parameter(torch.ones(3))
        self.register_buffer("steps", torch.zeros(1))

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


def lib_ones(lib, n):
    return cr.ones(n) if lib is nn else torch.ones(n)


def lib_zeros(lib, n):
    return cr.zeros(n) if lib is nn else torch.zeros(n)


def make_pair():
    ours = nn.Sequential(OrderedDict(block=Block(nn), act=nn.Tanh(), head=nn.Linear(3, 2)))
    theirs = torch.nn.Sequential(OrderedDict(block=TorchBlock(), act=torch.nn.Tanh(), head=torch.nn.Linear(3, 2)))
    return ours, theirs


# --------------------------------------------------------------------------- registration
def test_state_dict_keys_equal_pytorch_including_buffers():
    ours, theirs = make_pair()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()]
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    assert [k for k, _ in ours.named_children()] == [k for k, _ in theirs.named_children()]
    assert len(list(ours.parameters())) == 7 and len(list(ours.buffers())) == 4
    assert len(list(ours.modules())) == 6 and len(list(ours.children())) == 3


def test_state_dict_round_trip_through_numpy_both_directions():
    ours, theirs = make_pair()
    x = rand((5, 4), np.float32, 0)
    theirs(torch.from_numpy(x))  # move BatchNorm's running stats away from their defaults
    torch_to_ours(ours, theirs)
    for k, v in theirs.state_dict().items():
        assert_close(ours.state_dict()[k], v)
    ours.eval()
    theirs.eval()
    assert_close(ours(cr.tensor(x)), theirs(torch.from_numpy(x)))
    ours2, theirs2 = make_pair()
    ours_to_torch(ours2, theirs2)
    ours2.eval()
    theirs2.eval()
    assert_close(ours2(cr.tensor(x)), theirs2(torch.from_numpy(x)))
    # torch tensors themselves load too (anything with .numpy()), even ones requiring grad
    ours2.load_state_dict(theirs.state_dict(keep_vars=True))
    assert_close(ours2.block.fc.weight, theirs.block.fc.weight)


def test_state_dict_is_detached_and_shares_memory():
    layer = nn.Linear(2, 2)
    sd = layer.state_dict()
    assert isinstance(sd, OrderedDict) and not sd["weight"].requires_grad
    assert type(sd["weight"]) is cr.Tensor
    sd["weight"]._data[0, 0] = 42.0
    assert layer.weight._data[0, 0] == 42.0
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight


def test_load_copies_in_place_and_converts_dtype():
    layer = nn.Linear(2, 3)
    weight = layer.weight
    layer.load_state_dict({"weight": np.ones((3, 2), dtype=np.float64), "bias": [1.0, 2.0, 3.0]})
    assert layer.weight is weight and weight.dtype == np.float32
    np.testing.assert_array_equal(weight._data, 1.0)


def test_load_state_dict_reports_every_problem_at_once():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    sd = {k: v.numpy() for k, v in model.state_dict().items()}
    del sd["2.bias"]
    sd["extra.weight"] = np.zeros(1)
    sd["0.weight"] = np.zeros((4, 5))
    with pytest.raises(RuntimeError) as e:
        model.load_state_dict(sd)
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "2.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert ("size mismatch for 0.weight: copying a param with shape (4, 5) from checkpoint, "
            "the shape in current model is (4, 3).") in msg
    assert isinstance(e.value, nn.StateDictError) and e.value.missing_keys == ["2.bias"]
    # nothing was half-loaded
    assert not np.array_equal(model[2].weight._data, 0)


def test_load_state_dict_non_strict_returns_incompatible_keys():
    model = nn.Linear(2, 2)
    result = model.load_state_dict({"weight": np.eye(2), "other": np.ones(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    assert repr(model.load_state_dict(model.state_dict())) == "<All keys matched successfully>"
    with pytest.raises(RuntimeError, match="size mismatch"):  # shapes are checked even when not strict
        model.load_state_dict({"weight": np.eye(3)}, strict=False)


def test_non_persistent_buffers_and_none_entries():
    m = nn.Module()
    m.register_buffer("kept", cr.zeros(2))
    m.register_buffer("scratch", cr.zeros(2), persistent=False)
    m.register_parameter("maybe", None)
    assert list(m.state_dict()) == ["kept"]
    assert [k for k, _ in m.named_buffers()] == ["kept", "scratch"]
    assert m.maybe is None and list(m.parameters()) == []


def test_attribute_assignment_rules():
    m = nn.Module()
    m.w = nn.Parameter(cr.ones(2))
    m.sub = nn.Linear(2, 2)
    m.plain = 3
    assert "w" in m._parameters and "sub" in m._modules and m.plain == 3
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = cr.ones(2)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'sub'"):
        m.sub = 5
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("x", cr.ones(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", cr.ones(1))
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing
    m.sub = None
    assert m.sub is None and list(m.children()) == []
    del m.w
    assert "w" not in m._parameters
    m.w = 1.0  # a name can move from one table to another
    assert m.w == 1.0

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Forgot()


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    model(cr.randn(2, 3)).sum().backward()  # gradients from both uses add up
    assert shared.weight.grad is not None


# --------------------------------------------------------------------------- modes, dtype, grads
def test_train_eval_propagate():
    model, _ = make_pair()
    assert model.training and model.block.bn.training
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="boolean"):
        model.train("no")


def test_to_double_float_keep_identity_and_integer_buffers():
    model, _ = make_pair()
    w = model.head.weight
    assert model.double() is model
    assert model.head.weight is w and w.dtype == np.float64
    assert model.block.bn.running_mean.dtype == np.float64
    assert model.block.bn.num_batches_tracked.dtype == np.int64
    y = model(cr.randn(3, 4, dtype=cr.float64))
    assert y.dtype == np.float64
    model.to(cr.float32)
    assert w.dtype == np.float32
    model.to("cpu")
    model.to(dtype=torch.float64)
    assert w.dtype == np.float64
    with pytest.raises(TypeError, match="floating point"):
        model.to(cr.int64)
    with pytest.raises(RuntimeError, match="CPU"):
        model.to("cuda")


def test_zero_grad_requires_grad_and_apply():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    model(cr.randn(4, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all((p.grad._data == 0).all() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "Linear", "Sequential"]
    model.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert (model[0].weight._data == 0).all()


def test_forward_hooks():
    layer = nn.Linear(2, 2)
    seen = []
    h1 = layer.register_forward_pre_hook(lambda m, args: seen.append(args[0].shape))
    h2 = layer.register_forward_hook(lambda m, args, out: out * 0)
    out = layer(cr.randn(3, 2))
    assert seen == [(3, 2)] and (out._data == 0).all()
    h1.remove()
    h2.remove()
    assert (layer(cr.randn(3, 2))._data != 0).any() and len(seen) == 1


def test_missing_forward_and_bad_init_args():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)
    with pytest.raises(TypeError):
        nn.Module(3)


def test_deepcopy_and_pickle():
    model, _ = make_pair()
    clone = copy.deepcopy(model)
    assert clone.head.weight is not model.head.weight
    np.testing.assert_array_equal(clone.head.weight._data, model.head.weight._data)
    assert isinstance(clone.head.weight, nn.Parameter) and clone.head.weight.requires_grad
    restored = pickle.loads(pickle.dumps(model))
    assert list(restored.state_dict()) == list(model.state_dict())
    x = cr.randn(3, 4)
    model.eval()
    restored.eval()
    np.testing.assert_array_equal(restored(x)._data, model(x)._data)


# --------------------------------------------------------------------------- Parameter
def test_parameter():
    t = cr.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and p._data is t._data  # shares memory
    assert isinstance(p, cr.Tensor)
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert type(p * 2) is cr.Tensor
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(cr.tensor([1, 2]))


# --------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[1] is layers[1]
    assert list(seq) == layers
    x = cr.randn(4, 2)
    np.testing.assert_allclose(seq(x)._data, layers[2](layers[1](layers[0](x)))._data)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    seq.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "ReLU", "Linear", "Sigmoid"]
    assert isinstance(seq.pop(1), nn.Tanh)
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2"]
    seq[0] = nn.ELU()
    assert isinstance(seq[0], nn.ELU)
    with pytest.raises(IndexError, match="out of range"):
        seq[10]
    assert len(seq + nn.Sequential(nn.ReLU())) == 4


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.ReLU())
    ml += [nn.Tanh()]
    assert len(ml) == 5 and isinstance(ml[-1], nn.Tanh)
    assert list(ml.state_dict())[:2] == ["0.weight", "0.bias"]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2", "3"]
    md = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    md["act"] = nn.ReLU()
    assert list(md.keys()) == ["enc", "dec", "act"] and "enc" in md and len(md) == 3
    assert list(md.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert isinstance(md.pop("act"), nn.ReLU) and len(md) == 2
    with pytest.raises(KeyError, match="no key 'nope'"):
        md["nope"]


def test_reprs_match_torch():
    ours, theirs = make_pair()
    expected = repr(theirs).replace("TorchBlock", "Block")
    assert repr(ours) == expected
    assert repr(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])) == repr(
        torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.ReLU()])
    )
    assert repr(nn.ModuleDict({"a": nn.Tanh()})) == repr(torch.nn.ModuleDict({"a": torch.nn.Tanh()}))
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential())
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_to_a_device_is_accepted_for_the_cpu_and_refused_for_others_as_torch_reads_it():
    for ours_where, torch_where in (("cpu", "cpu"), (cr.device("cpu"), torch.device("cpu"))):
        ours, theirs = cr.nn.Linear(2, 3), torch.nn.Linear(2, 3)
        assert ours.to(ours_where) is ours and theirs.to(torch_where) is theirs
        assert ours.to(device=ours_where) is ours and theirs.to(device=torch_where) is theirs
    layer = cr.nn.Linear(2, 3)
    assert layer.to("cpu", cr.float64).weight.dtype == cr.float64
    for where in ("cuda", "cuda:0", cr.device("cuda"), 0):
        with pytest.raises(RuntimeError, match=r"Linear.to: chainrule runs on the CPU only"):
            layer.to(where)
    with pytest.raises(RuntimeError, match="CPU only"):
        layer.to(device="mps")
