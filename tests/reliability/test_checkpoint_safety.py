"""Training checkpoints survive crashes and refuse bad files clearly, without running their code.

A training process is killed (SIGKILL) at random moments and interrupted (SIGINT); whatever is
left on disk must load and resume. Damaged, foreign and hostile files handed to
``fit(resume_from=...)`` raise an error naming the file and what is wrong with it.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import nn
from chainrule.data import DataLoader, TensorDataset
from chainrule.serialization import CheckpointError
from chainrule.train import ModelCheckpoint, fit

TRAINER = textwrap.dedent("""
    import sys, time
    import chainrule as cr
    from chainrule import nn
    from chainrule.data import DataLoader, TensorDataset
    from chainrule.train import Callback, ModelCheckpoint, fit

    class Announce(Callback):  # tells the parent that an epoch ended and its save begins
        def on_epoch_end(self, run, epoch, logs):
            print(f"epoch {epoch}", flush=True)

    cr.manual_seed(0)
    x = cr.randn(64, 64)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(64, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                          nn.Linear(1024, 2))  # 1.1M parameters: a ~13 MB training state
    opt = cr.optim.Adam(model.parameters(), lr=1e-3)
    fit(model, nn.CrossEntropyLoss(), opt, DataLoader(TensorDataset(x, y), batch_size=64,
        shuffle=True), epochs=10_000, metrics=(), progress=False,
        callbacks=[Announce(), ModelCheckpoint(sys.argv[1], monitor="loss")])
    print("returned", flush=True)
""")


def small_run(seed: int = 0):
    cr.manual_seed(seed)
    x = cr.randn(32, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = cr.optim.Adam(model.parameters(), lr=1e-2)
    return model, opt, DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)


def start_trainer(path: str) -> subprocess.Popen:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # as conftest.py does in-process
    return subprocess.Popen([sys.executable, "-c", TRAINER, path], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def wait_for_epochs(proc: subprocess.Popen, n: int) -> None:
    for _ in range(n):
        line = proc.stdout.readline()
        assert line.startswith("epoch"), line + proc.stderr.read()


def test_sigkill_mid_save_leaves_a_loadable_checkpoint(tmp_path):
    """Kill -9 a few milliseconds into the save of a ~13 MB training state, until a kill has
    landed inside a write (a temporary file is left behind) at least once."""
    path = os.fspath(tmp_path / "ckpt.npz")
    interrupted_writes = 0
    for attempt, delay in enumerate((0.0, 0.002, 0.0, 0.005, 0.0, 0.001)):
        proc = start_trainer(path)
        wait_for_epochs(proc, 2)  # epoch 2 ended: its checkpoint is being written now
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = cr.load(path)  # whichever file is there, old or new, is whole
        assert state["epoch"] in (1, 2)
        assert all(np.isfinite(v.data).all() for v in state["model"].values())
        leftovers = [n for n in os.listdir(tmp_path) if n != "ckpt.npz"]
        assert all(n.startswith(".ckpt.npz.") and n.endswith(".tmp") for n in leftovers)
        interrupted_writes += len(leftovers)
        for n in leftovers:
            os.unlink(tmp_path / n)
        if interrupted_writes and attempt >= 1:
            break
    assert interrupted_writes >= 1, "no kill landed inside a write: the test proved nothing"


def test_sigint_stops_cleanly_and_keeps_the_last_epoch(tmp_path):
    path = os.fspath(tmp_path / "ckpt.npz")
    proc = start_trainer(path)
    wait_for_epochs(proc, 2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "returned" in out
    done = 2 + out.count("epoch")
    state = cr.load(path)
    assert state["epoch"] == done and state["history"]["interrupted"] is False
    assert state["history"]["epoch"] == list(range(1, done + 1))


# ------------------------------------------------------------------ bad files into resume_from
@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    model, opt, loader = small_run()
    path = tmp_path_factory.mktemp("ck") / "good.npz"
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, progress=False,
        callbacks=[ModelCheckpoint(path, monitor="loss")])
    return path.read_bytes()


def resume(path) -> None:
    model, opt, loader = small_run(seed=1)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False, resume_from=path)


@given(keep=st.floats(0.0, 0.999))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_truncated_checkpoint_is_named(tmp_path, checkpoint_bytes, keep):
    path = tmp_path / "cut.npz"
    path.write_bytes(checkpoint_bytes[: int(len(checkpoint_bytes) * keep)])
    with pytest.raises(CheckpointError) as info:
        resume(path)
    msg = str(info.value)
    assert repr(os.fspath(path)) in msg
    assert any(w in msg for w in ("truncated", "corrupted", "empty", "not a chainrule checkpoint"))


@given(position=st.integers(0, 10**9), xor=st.integers(1, 255))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_corrupted_byte_is_detected_or_harmless(tmp_path, checkpoint_bytes, position, xor):
    """Any flipped byte: an error naming the file, or (in zip padding) the very same checkpoint."""
    data = bytearray(checkpoint_bytes)
    data[position % len(data)] ^= xor
    path = tmp_path / "flip.npz"
    path.write_bytes(bytes(data))
    try:
        state = cr.load(path)
    except CheckpointError as e:
        assert repr(os.fspath(path)) in str(e)
        return
    good = cr.load(io.BytesIO(checkpoint_bytes))
    assert state.keys() == good.keys() and state["epoch"] == good["epoch"]
    for k, v in good["model"].items():
        np.testing.assert_array_equal(state["model"][k].data, v.data)


def test_weights_only_file_is_refused_by_resume_naming_the_file(tmp_path):
    model, _, _ = small_run()
    path = tmp_path / "weights.npz"
    cr.save(model.state_dict(), path)
    with pytest.raises(ValueError) as info:
        resume(path)
    msg = str(info.value)
    assert repr(os.fspath(path)) in msg and "not a training checkpoint" in msg


def test_checkpoint_of_another_architecture_lists_the_mismatches(tmp_path, checkpoint_bytes):
    path = tmp_path / "good.npz"
    path.write_bytes(checkpoint_bytes)
    cr.manual_seed(0)
    other = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    with pytest.raises(RuntimeError) as info:
        fit(other, nn.CrossEntropyLoss(), cr.optim.Adam(other.parameters()), small_run()[2],
            epochs=3, progress=False, resume_from=path)
    msg = str(info.value)
    assert "0.weight" in msg and "(8, 4)" in msg and "(16, 4)" in msg


@pytest.mark.parametrize("kind", ["torch", "pickle", "npz_object", "text", "npz_plain"])
def test_foreign_and_hostile_files_never_run_code(tmp_path, kind):
    """A file that would run code when unpickled raises CheckpointError; the code never runs."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (os.fspath(marker), "w"))

    path = tmp_path / f"{kind}.npz"
    if kind == "torch":
        torch.save({"model": Evil(), "w": torch.ones(2)}, path)
    elif kind == "pickle":
        path.write_bytes(pickle.dumps({"model": Evil()}))
    elif kind == "npz_object":
        with zipfile.ZipFile(path, "w") as zf:  # a chainrule header pointing at a pickled member
            zf.writestr("__chainrule__.json",
                        '{"format": "chainrule.checkpoint", "version": 1, '
                        '"root": {"__ndarray__": "t0"}}')
            buf = io.BytesIO()
            np.save(buf, np.array([Evil()], dtype=object), allow_pickle=True)
            zf.writestr("t0.npy", buf.getvalue())
    elif kind == "text":
        path.write_text("epoch=3\n")
    else:
        np.savez(path, w=np.ones(3))
    assert not marker.exists()
    with pytest.raises(CheckpointError) as info:
        resume(path)
    assert repr(os.fspath(path)) in str(info.value)
    assert not marker.exists(), "loading the file ran its code"
