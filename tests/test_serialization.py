"""chainrule.save / chainrule.load: round trips, atomic writes, clear errors on bad files."""

import io
import json
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.serialization import CheckpointError

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "bool", "complex64", "complex128"]


def sample(dtype, shape=(3, 4)):
    rng = np.random.default_rng(0)
    return (rng.standard_normal(shape) * 100).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips(tmp_path, dtype):
    arr = sample(dtype)
    obj = {"tensor": chainrule.from_numpy(arr), "array": arr, "scalar": arr.reshape(-1)[0],
           "zero_d": chainrule.from_numpy(arr.reshape(-1)[:1].reshape(())),
           "empty": chainrule.from_numpy(arr[:0]), "transposed": chainrule.from_numpy(arr.T)}
    chainrule.save(obj, tmp_path / "x.ckpt")
    out = chainrule.load(tmp_path / "x.ckpt")
    for key, value in obj.items():
        got = out[key]
        assert type(got) is type(value), key
        a, b = np.asarray(value._data if isinstance(value, chainrule.Tensor) else value), np.asarray(
            got._data if isinstance(got, chainrule.Tensor) else got)
        assert a.dtype == b.dtype and a.shape == b.shape, key
        np.testing.assert_array_equal(a, b)


def test_torch_dtypes_round_trip_through_numpy(tmp_path):
    """A torch state_dict converted with .numpy() keeps every value and dtype."""
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    chainrule.save(state, tmp_path / "m.npz")
    out = chainrule.load(tmp_path / "m.npz")
    for k, v in model.state_dict().items():
        assert out[k].dtype == v.numpy().dtype
        np.testing.assert_array_equal(out[k], v.numpy())


def test_nested_structure_round_trips():
    t = chainrule.randn(2, 3, requires_grad=True)
    obj = {
        "model": {"0.weight": t, "0.bias": chainrule.zeros(3)},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": chainrule.ones(2, 3)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                        "nesterov": False, "foreach": None}]},
        "epoch": 7, "loss": float("nan"), "best": float("inf"), "worst": float("-inf"),
        "name": "run/ü", "rng": {"state": 2**127 + 5, "seed": -3},
        "mixed_keys": {1: "a", (2, "b"): "c", None: 0, 1.5: [], False: ()},
        "dtype": np.dtype("float64"), "np_int": np.int64(5), "empty": {}, "list": [[], [None]],
    }
    buf = io.BytesIO()
    chainrule.save(obj, buf)
    buf.seek(0)
    out = chainrule.load(buf)
    assert out["model"]["0.weight"].requires_grad and not out["model"]["0.bias"].requires_grad
    np.testing.assert_array_equal(out["model"]["0.weight"]._data, t._data)
    assert out["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert out["optimizer"]["state"][0]["step"] == 3
    assert np.isnan(out["loss"]) and out["best"] == float("inf") and out["worst"] == float("-inf")
    assert out["rng"] == obj["rng"] and out["name"] == "run/ü"
    assert out["mixed_keys"] == obj["mixed_keys"]
    assert out["dtype"] == np.float64 and out["np_int"] == 5 and type(out["np_int"]) is np.int64
    assert out["empty"] == {} and out["list"] == [[], [None]]


def test_shared_tensors_stay_shared(tmp_path):
    w = chainrule.randn(4)
    chainrule.save({"a": w, "b": [w]}, tmp_path / "s.npz")
    out = chainrule.load(tmp_path / "s.npz")
    assert out["a"] is out["b"][0]
    members = zipfile.ZipFile(tmp_path / "s.npz").namelist()
    assert len([n for n in members if n.endswith(".npy")]) == 1


def test_file_is_a_plain_npz(tmp_path):
    chainrule.save({"w": chainrule.ones(2)}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as f:
        np.testing.assert_array_equal(f["t0"], np.ones(2, np.float32))


@pytest.mark.parametrize("bad", [object(), {"x": {1, 2}}, {"f": lambda: 0},
                                 np.array([object()], dtype=object), {(1, frozenset()): 0}])
def test_unsupported_objects_are_named(tmp_path, bad):
    with pytest.raises(TypeError, match=r"save\(\): (cannot store|the array at obj)"):
        chainrule.save(bad, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists() and os.listdir(tmp_path) == []


# ---------------------------------------------------------------- atomic writes
def test_failure_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    chainrule.save({"version": "old", "w": chainrule.zeros(3)}, path)
    from chainrule import serialization

    calls = []

    def failing_write_array(fp, arr, allow_pickle=False):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return np.lib.format.write_array(fp, arr, allow_pickle=allow_pickle)

    monkeypatch.setattr(serialization.npy_format, "write_array", failing_write_array)
    with pytest.raises(OSError, match="disk full"):
        chainrule.save({"version": "new", "a": chainrule.ones(3), "b": chainrule.ones(3)}, path)
    assert chainrule.load(path)["version"] == "old"
    assert os.listdir(tmp_path) == ["model.npz"]  # the temporary file was removed


def test_hard_kill_mid_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "model.npz"
    chainrule.save({"version": "old"}, path)
    script = f"""
import os, numpy as np, chainrule
from chainrule import serialization
real = serialization.npy_format.write_array
def dying(fp, arr, allow_pickle=False):
    real(fp, arr, allow_pickle=allow_pickle)
    os._exit(3)   # the process dies with half an archive written
serialization.npy_format.write_array = dying
new = {{"version": "new", "a": chainrule.ones(1000), "b": chainrule.ones(5)}}
chainrule.save(new, {str(path)!r})
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == 3, proc.stderr.decode()
    assert chainrule.load(path)["version"] == "old"
    leftovers = [n for n in os.listdir(tmp_path) if n != "model.npz"]
    assert all(n.startswith(".model.npz.") and n.endswith(".tmp") for n in leftovers)


def test_overwrite_replaces_content(tmp_path):
    path = tmp_path / "m.npz"
    chainrule.save({"v": 1}, path)
    chainrule.save({"v": 2}, path)
    assert chainrule.load(path) == {"v": 2}


# ---------------------------------------------------------------- bad files
@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.npz"
    chainrule.save({"w": chainrule.arange(0, 50, dtype=chainrule.float64), "meta": "ok"}, path)
    return path


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_file(good_file, keep):
    data = good_file.read_bytes()
    good_file.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CheckpointError, match=r"good\.npz.*(truncated|empty|not a chainrule)"):
        chainrule.load(good_file)


@settings(max_examples=60, deadline=None)
@given(position=st.floats(0, 1, exclude_max=True), xor=st.integers(1, 255))
def test_any_flipped_byte_is_detected_or_harmless(tmp_path_factory, position, xor):
    path = tmp_path_factory.mktemp("flip") / "c.npz"
    original = {"w": chainrule.arange(0, 50, dtype=chainrule.float64), "meta": "ok", "n": 3}
    chainrule.save(original, path)
    data = bytearray(path.read_bytes())
    data[int(position * len(data))] ^= xor
    path.write_bytes(bytes(data))
    try:
        out = chainrule.load(path)
    except CheckpointError as e:
        assert "c.npz" in str(e)
    else:  # only bytes nothing depends on (timestamps, flags) may change undetected
        np.testing.assert_array_equal(out["w"]._data, original["w"]._data)
        assert out["meta"] == "ok" and out["n"] == 3


def test_corrupted_data_names_the_member(good_file):
    data = bytearray(good_file.read_bytes())
    at = data.index(np.arange(50, dtype=np.float64)[10:12].tobytes())
    data[at] ^= 0xFF
    good_file.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"good\.npz.*corrupted.*t0\.npy.*CRC"):
        chainrule.load(good_file)


def test_foreign_files(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(3))
    with pytest.raises(CheckpointError, match=r"plain\.npz.*zip/npz archive but not a chainrule"):
        chainrule.load(tmp_path / "plain.npz")
    torch.save({"w": torch.ones(2)}, tmp_path / "model.pt")
    with pytest.raises(CheckpointError, match=r"model\.pt.*not a chainrule checkpoint"):
        chainrule.load(tmp_path / "model.pt")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match=r"notes\.txt.*starts with bytes b'hell'"):
        chainrule.load(tmp_path / "notes.txt")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"empty\.npz.*empty"):
        chainrule.load(tmp_path / "empty.npz")
    with pytest.raises(FileNotFoundError, match="no such checkpoint file"):
        chainrule.load(tmp_path / "missing.npz")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        chainrule.load(tmp_path)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_loading_never_runs_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(_Exploit()))
    with pytest.raises(CheckpointError):
        chainrule.load(tmp_path / "evil.pkl")
    # a pickled object array inside an otherwise valid checkpoint is refused too
    chainrule.save({"a": np.zeros(2)}, tmp_path / "c.npz")
    buf = io.BytesIO()
    np.save(buf, np.array([_Exploit()], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(tmp_path / "c.npz") as zf:
        header = zf.read("__chainrule__.json")
    with zipfile.ZipFile(tmp_path / "c.npz", "w") as zf:
        zf.writestr("__chainrule__.json", header)
        zf.writestr("t0.npy", buf.getvalue())
    with pytest.raises(CheckpointError, match="t0.npy"):
        chainrule.load(tmp_path / "c.npz")
    assert not (tmp_path / "pwned").exists()


def rewrite_header(path, header):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["__chainrule__.json"] = json.dumps(header).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)


@pytest.mark.parametrize("header, message", [
    ({"format": "chainrule.checkpoint", "version": 99, "root": None}, "version 99"),
    ({"format": "other", "version": 1, "root": None}, "format 'other'"),
    ({"format": "chainrule.checkpoint", "version": 1, "root": {"__tensor__": {"key": "t9"}}},
     "missing array member 't9'"),
    ({"format": "chainrule.checkpoint", "version": 1, "root": {"__evil__": "x"}}, "unknown tag"),
])
def test_bad_headers(good_file, header, message):
    rewrite_header(good_file, header)
    with pytest.raises(CheckpointError, match=message):
        chainrule.load(good_file)


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_honour_the_umask(tmp_path, umask, expected):
    """save (and every atomic write: fit's checkpoints, train's run files) gives the file the mode
    open() would, 0666 less the umask, not mkstemp's 0600."""
    from chainrule.serialization import atomic_write

    old = os.umask(umask)
    try:
        chainrule.save({"w": chainrule.zeros(2)}, tmp_path / "m.npz")
        with atomic_write(tmp_path / "a.txt", "w") as f:
            f.write("x")
        chainrule.save({"w": chainrule.ones(2)}, tmp_path / "m.npz")  # over an existing file
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "m.npz").st_mode & 0o777 == expected
    assert os.stat(tmp_path / "a.txt").st_mode & 0o777 == expected


def test_dtypes_round_trip_as_what_they_were(tmp_path):
    obj = {"torch_style": chainrule.float32, "int": chainrule.int64, "numpy": np.dtype(np.float64),
           "of_a_tensor": chainrule.zeros(2, dtype=chainrule.float64).dtype}
    chainrule.save(obj, tmp_path / "d.ckpt")
    out = chainrule.load(tmp_path / "d.ckpt")
    assert out["torch_style"] is chainrule.float32 and out["int"] is chainrule.int64
    assert out["of_a_tensor"] is chainrule.float64
    assert type(out["numpy"]) is type(np.dtype(np.float64)) and out["numpy"] == np.float64
