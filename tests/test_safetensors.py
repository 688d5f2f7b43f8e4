"""chainrule.save / chainrule.load with a ``.safetensors`` path: state_dicts move both ways
between chainrule and PyTorch (``safetensors.torch``), and damaged files are refused by name."""

import numpy as np
import pytest
import torch

pytest.importorskip("safetensors")
from safetensors.torch import load_file, save_file  # noqa: E402

import chainrule  # noqa: E402
from chainrule import nn  # noqa: E402
from chainrule.serialization import CheckpointError  # noqa: E402


def mlp_pair(dtype):
    """The same MLP with BatchNorm (running statistics and an int64 counter) in both libraries."""
    ours = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 3))
    return ours.to(dtype), theirs.to(getattr(torch, dtype))


def train_a_little(model, x):
    """A few training-mode forwards so that the BatchNorm buffers hold non-default values."""
    model.train()
    for _ in range(3):
        model(x)
    model.eval()


def assert_same_outputs(ours, theirs, x, dtype):
    """Both models, in eval mode, map ``x`` to the same output (up to float rounding)."""
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(ours(chainrule.tensor(x))._data, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_chainrule_file_loads_in_pytorch(tmp_path, dtype):
    ours, theirs = mlp_pair(dtype)
    x = np.random.default_rng(0).standard_normal((16, 5)).astype(dtype)
    train_a_little(ours, chainrule.tensor(x))
    chainrule.save(ours.state_dict(), tmp_path / "w.safetensors")
    state = load_file(str(tmp_path / "w.safetensors"))
    assert state["1.num_batches_tracked"].dtype == torch.int64
    assert int(state["1.num_batches_tracked"]) == 3
    theirs.load_state_dict(state)
    assert_same_outputs(ours, theirs, x, dtype)
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value._data, state[key].numpy())
        assert value._data.dtype == state[key].numpy().dtype, key


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pytorch_file_loads_in_chainrule(tmp_path, dtype):
    ours, theirs = mlp_pair(dtype)
    x = np.random.default_rng(1).standard_normal((16, 5)).astype(dtype)
    theirs.train()
    with torch.no_grad():
        for _ in range(4):
            theirs(torch.from_numpy(x))
    theirs.eval()
    save_file(theirs.state_dict(), str(tmp_path / "w.safetensors"))
    state = chainrule.load(tmp_path / "w.safetensors")
    assert all(isinstance(v, chainrule.Tensor) for v in state.values())
    assert state["1.num_batches_tracked"]._data.dtype == np.int64
    ours.load_state_dict(state)
    assert_same_outputs(ours, theirs, x, dtype)
    assert int(ours.state_dict()["1.num_batches_tracked"]._data) == 4


def test_layernorm_and_gelu_round_trip_through_pytorch(tmp_path):
    ours = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.GELU(), nn.Linear(6, 2))
    chainrule.save(ours.state_dict(), tmp_path / "a.safetensors")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.LayerNorm(6), torch.nn.GELU(),
                                 torch.nn.Linear(6, 2))
    theirs.load_state_dict(load_file(str(tmp_path / "a.safetensors")))
    save_file(theirs.state_dict(), str(tmp_path / "b.safetensors"))
    back = chainrule.load(tmp_path / "b.safetensors")
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(back[key]._data, value._data)


def test_loaded_tensors_are_writeable_and_own_their_memory(tmp_path):
    chainrule.save({"w": chainrule.ones(3)}, tmp_path / "w.safetensors")
    w = chainrule.load(tmp_path / "w.safetensors")["w"]
    w._data += 1
    np.testing.assert_array_equal(w._data, [2, 2, 2])


def test_npz_path_is_unchanged(tmp_path):
    chainrule.save({"nested": {"w": chainrule.ones(2)}}, tmp_path / "c.npz")
    assert chainrule.load(tmp_path / "c.npz")["nested"]["w"].shape == (2,)


def test_nested_dict_refused_naming_the_key(tmp_path):
    with pytest.raises(TypeError, match="'model'.*nested dict"):
        chainrule.save({"model": {"w": chainrule.ones(2)}}, tmp_path / "n.safetensors")
    assert not (tmp_path / "n.safetensors").exists()


def test_non_tensor_value_refused(tmp_path):
    with pytest.raises(TypeError, match="'epoch'.*int"):
        chainrule.save({"epoch": 3}, tmp_path / "n.safetensors")
    with pytest.raises(TypeError, match="flat dict"):
        chainrule.save([chainrule.ones(2)], tmp_path / "n.safetensors")


@pytest.mark.parametrize("damage", ["truncate", "flip_header", "empty"])
def test_damaged_file_refused_by_name(tmp_path, damage):
    path = tmp_path / "w.safetensors"
    chainrule.save({"w": chainrule.ones(64), "b": chainrule.zeros(3)}, path)
    data = path.read_bytes()
    if damage == "truncate":
        data = data[:-10]
    elif damage == "flip_header":
        data = b"\xff\xff\xff\xff" + data[4:]
    else:
        data = b""
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match="w.safetensors"):
        chainrule.load(path)


class _Recurrent:
    """GRU (or LSTM) over a sequence, then a Linear on the last step, in either library."""

    def __init__(self, lib, kind):
        self.rnn = getattr(lib, kind)(3, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.head = lib.Linear(10, 2)

    def state_dict(self):
        return {**{f"rnn.{k}": v for k, v in self.rnn.state_dict().items()},
                **{f"head.{k}": v for k, v in self.head.state_dict().items()}}

    def load_state_dict(self, state):
        self.rnn.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("rnn.")})
        self.head.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("head.")})

    def __call__(self, x):
        out = self.rnn(x)[0]
        return self.head(out[:, -1])


def cnn(lib):
    return lib.Sequential(lib.Conv2d(2, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
                          lib.Flatten(), lib.Linear(4 * 3 * 3, 3))


@pytest.mark.parametrize("arch", ["cnn", "GRU", "LSTM"])
def test_cnn_and_recurrent_models_round_trip_both_ways(tmp_path, arch):
    """chainrule -> PyTorch -> chainrule, with equal outputs at each stop (float64)."""
    if arch == "cnn":
        ours, theirs = cnn(nn).to("float64"), cnn(torch.nn).double()
        x = np.random.default_rng(2).standard_normal((4, 2, 6, 6))
        train_a_little(ours, chainrule.tensor(x))
        theirs.eval()
    else:
        ours, theirs = _Recurrent(nn, arch), _Recurrent(torch.nn, arch)
        for m in (ours.rnn, ours.head):
            m.to("float64")
        theirs.rnn.double(), theirs.head.double()
        x = np.random.default_rng(2).standard_normal((4, 7, 3))
    chainrule.save(ours.state_dict(), tmp_path / "a.safetensors")
    theirs.load_state_dict(load_file(str(tmp_path / "a.safetensors")))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with chainrule.no_grad():
        got = ours(chainrule.tensor(x))._data
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    # and back: PyTorch's file into a fresh chainrule model
    save_file({k: v.contiguous() for k, v in theirs.state_dict().items()}, str(tmp_path / "b.safetensors"))
    fresh = cnn(nn).to("float64") if arch == "cnn" else _Recurrent(nn, arch)
    if arch != "cnn":
        for m in (fresh.rnn, fresh.head):
            m.to("float64")
    fresh.load_state_dict(chainrule.load(tmp_path / "b.safetensors"))
    if arch == "cnn":
        fresh.eval()
    with chainrule.no_grad():
        np.testing.assert_allclose(fresh(chainrule.tensor(x))._data, expected, rtol=1e-10, atol=1e-10)
