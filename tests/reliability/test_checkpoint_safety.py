"""Training checkpoints survive crashes and refuse bad files clearly, without running their code.

A training process is killed (SIGKILL) at every step of writing a checkpoint, and interrupted
(SIGINT); whatever is left on disk is a whole checkpoint, the old one or the new one. Damaged,
foreign and hostile files handed to ``fit(resume_from=...)`` raise an error naming the file and
what is wrong with it.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import zipfile
from concurrent.futures import ThreadPoolExecutor

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


# Trains a small model for two epochs with a ModelCheckpoint. The steps of the second save are
# watched (creating the temporary file, each array write, each fsync, the rename, the return);
# at step number argv[2] the process kills itself with SIGKILL, as a kill -9 landing right there
# would. Before that save it keeps the first checkpoint as old.npz and writes what the second
# holds, in full, to new.npz: the two files the checkpoint may be afterwards.
KILLED_TRAINER = textwrap.dedent("""
    import json, os, shutil, signal, sys, tempfile
    from numpy.lib import format as npy_format
    import chainrule as cr
    from chainrule import nn
    from chainrule.data import DataLoader, TensorDataset
    from chainrule.train import ModelCheckpoint, callbacks, fit

    folder, kill_at = sys.argv[1], int(sys.argv[2])
    path = os.path.join(folder, "ckpt.npz")
    steps, watching, saves = [], False, 0

    def step(name):
        if not watching:
            return
        if len(steps) == kill_at:
            print(f"killed at step {kill_at}: {name}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        steps.append(name)

    def watch(owner, attr):
        real = getattr(owner, attr)
        def watched(*args, **kwargs):
            step(f"before {attr}")
            out = real(*args, **kwargs)
            step(f"after {attr}")
            return out
        setattr(owner, attr, watched)

    for owner, attr in ((tempfile, "mkstemp"), (npy_format, "write_array"), (os, "fsync"),
                        (os, "replace")):
        watch(owner, attr)
    real_save = callbacks.save

    def save(obj, f):
        global watching, saves
        saves += 1
        if saves != 2:
            return real_save(obj, f)
        shutil.copy(path, os.path.join(folder, "old.npz"))
        real_save(obj, os.path.join(folder, "new.npz"))
        watching = True
        real_save(obj, f)
        step("returned")
        watching = False

    callbacks.save = save
    cr.manual_seed(0)
    x = cr.randn(32, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    fit(model, nn.CrossEntropyLoss(), cr.optim.Adam(model.parameters(), lr=1e-2),
        DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True), epochs=2, metrics=(),
        progress=False, callbacks=[ModelCheckpoint(path, monitor="loss")])
    print(json.dumps(steps))
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


def run_killed_at(folder, kill_at: int) -> subprocess.CompletedProcess:
    """Train in a fresh process and SIGKILL it at step ``kill_at`` of its second save (or never,
    if negative: then its last line lists every step of that save)."""
    # the reference path: the save is what is watched, and compiling the fast kernels would cost
    # each of these short processes a second
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "CHAINRULE_JIT": "0"}
    return subprocess.run([sys.executable, "-c", KILLED_TRAINER, os.fspath(folder), str(kill_at)],
                          capture_output=True, text=True, env=env, timeout=300)


def kill_points(steps: list[str]) -> list[int]:
    """Every step of the save except the inside of the run of array writes, where the first, a
    middle one and the last stand for the rest."""
    writes = [i for i, s in enumerate(steps) if s.endswith(" write_array")]  # before, after, ...
    keep = {writes[0], writes[len(writes) // 4 * 2], writes[-1]} if writes else set()
    return [i for i in range(len(steps)) if i not in writes or i in keep]


def assert_same_checkpoint(got, want, where: str = "checkpoint") -> None:
    assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, dict):
        assert got.keys() == want.keys(), where
        for k in want:
            assert_same_checkpoint(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_checkpoint(g, w, f"{where}[{i}]")
    elif isinstance(want, (cr.Tensor, np.ndarray)):
        g, w = (x._data if isinstance(x, cr.Tensor) else x for x in (got, want))
        assert g.dtype == w.dtype and g.shape == w.shape, where
        np.testing.assert_array_equal(g, w, err_msg=where)
    elif isinstance(want, float) and np.isnan(want):
        assert np.isnan(got), where
    else:
        assert got == want, where


@pytest.mark.slow  # a dozen training processes
def test_sigkill_at_every_step_of_a_save_leaves_the_old_or_the_new_checkpoint(tmp_path):
    """A training process is killed (SIGKILL, from inside the save) at each step of writing its
    second checkpoint: before and after creating the temporary file, among the array writes, around
    the fsync, around the rename and after the directory's fsync. Each time the file on disk is
    the whole old checkpoint (killed before the rename) or the whole new one (after it), never a
    torn one, and only a killed write leaves its hidden temporary file behind."""
    record = run_killed_at(tmp_path, -1)
    assert record.returncode == 0, record.stderr
    steps = json.loads(record.stdout.splitlines()[-1])
    assert_same_checkpoint(cr.load(tmp_path / "ckpt.npz"), cr.load(tmp_path / "new.npz"))
    assert cr.load(tmp_path / "old.npz")["epoch"] == 1 and cr.load(tmp_path / "new.npz")["epoch"] == 2
    for phase in ("after mkstemp", "after write_array", "before fsync", "before replace",
                  "after replace", "returned"):
        assert phase in steps, f"the save never reached {phase!r}: {steps}"
    created, renamed = steps.index("after mkstemp"), steps.index("after replace")
    points = kill_points(steps)
    for i in points:
        (tmp_path / f"kill{i}").mkdir()
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # independent runs
        killed = pool.map(lambda i: run_killed_at(tmp_path / f"kill{i}", i), points)
    for i, proc in zip(points, killed, strict=True):
        folder = tmp_path / f"kill{i}"
        assert proc.returncode == -signal.SIGKILL, f"step {i} ({steps[i]}): {proc.stderr}"
        assert proc.stdout.splitlines()[-1] == f"killed at step {i}: {steps[i]}", proc.stdout
        state = cr.load(folder / "ckpt.npz")
        assert state["epoch"] == (2 if i >= renamed else 1), f"killed {steps[i]} (step {i})"
        want = cr.load(folder / ("new.npz" if i >= renamed else "old.npz"))
        assert_same_checkpoint(state, want, f"killed {steps[i]} (step {i}): checkpoint")
        leftovers = sorted(set(os.listdir(folder)) - {"ckpt.npz", "old.npz", "new.npz"})
        assert len(leftovers) == (created <= i < renamed), (steps[i], leftovers)
        assert all(n.startswith(".ckpt.npz.") and n.endswith(".tmp") for n in leftovers), leftovers


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
        np.testing.assert_array_equal(state["model"][k]._data, v._data)


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
