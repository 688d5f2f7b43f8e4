"""The ``chainrule`` command under hypothesis-fuzzed invalid arguments: exit status 2 and one line
on stderr naming the problem, never a traceback and never a training run. And its NaN guard.

Each example is a command line with exactly one invalid element (a value outside an option's
choices, a non-positive or non-numeric number, a malformed list, an unknown option or command, an
unwritable or missing directory) mixed, in random order, with valid options.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import cli

CHOICES = {
    "--dataset": ["mnist1d", "digits", "moons", "circles", "spirals", "xor", "blobs", "sine",
                  "polynomial", "abs"],
    "--model": ["mlp", "logreg"],
    "--activation": ["relu", "sigmoid", "tanh", "leaky_relu", "elu"],
    "--init": ["default", "xavier", "kaiming", "normal", "zeros"],
    "--optimizer": ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adamax",
                    "adam", "adamw", "nadam"],
    "--scale": ["standard", "minmax", "none"],
}
# valid, cheap values: whatever else an example holds, a run could never be long
SAFE = {"--dataset": "xor", "--epochs": "1", "--model": "mlp", "--optimizer": "sgd",
        "--lr": "0.1", "--hidden": "4", "--batch-size": "full", "--scale": "none",
        "--seed": "3", "--init": "xavier", "--activation": "tanh", "--no-progress": None}
OPTIONS = set(SAFE) | set(CHOICES) | {"--out", "--progress", "--help", "--version"}

# text a shell could pass: no NUL (execve refuses it), no leading '-' (that is an option)
words = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=12).filter(lambda s: not s.startswith("-"))


def positive_int(s: str) -> bool:
    try:
        return int(s) > 0
    except ValueError:
        return False


def positive_float(s: str) -> bool:
    try:
        return 0 < float(s) < float("inf")
    except ValueError:
        return False


def hidden_ok(s: str) -> bool:
    return all(positive_int(p) for p in s.split(","))


# not an integer in any spelling a parser might accept ("2.0" may pass as 2; "1.5" never does)
non_integral = st.floats(allow_nan=True, allow_infinity=True).filter(
    lambda f: not f.is_integer()).map(repr)
no_digits = words.filter(lambda s: not any(c.isnumeric() for c in s))
numbers = st.one_of(st.integers(-10**6, 10**6).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr), words)


@st.composite
def bad_option(draw) -> tuple[str, str, str]:
    """(option, invalid value, text the error message must contain)."""
    kind = draw(st.sampled_from(["choice", "lr", "hidden", "batch", "epochs", "seed"]))
    if kind == "choice":
        opt = draw(st.sampled_from(sorted(CHOICES)))
        value = draw(words.filter(lambda s: s.lower() not in CHOICES[opt]))
        return opt, value, opt
    if kind == "lr":
        return "--lr", draw(numbers.filter(lambda s: not positive_float(s))), "--lr"
    if kind == "hidden":
        value = draw(st.one_of(words, st.lists(numbers, min_size=1, max_size=4).map(",".join))
                     .filter(lambda s: not hidden_ok(s)))
        return "--hidden", value, "--hidden"
    if kind == "batch":
        value = draw(numbers.filter(lambda s: s.strip().lower() != "full" and not positive_int(s)))
        return "--batch-size", value, "--batch-size"
    opt, lowest = ("--epochs", 1) if kind == "epochs" else ("--seed", 0)
    value = draw(st.one_of(st.integers(max_value=lowest - 1).map(str), non_integral, no_digits))
    return opt, value, opt


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_usage_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("chainrule") and "error" in lines[0]
    assert "Traceback" not in out + err
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def train_argv(draw, bad: list[str], out_dir: str, last: str | None = None) -> list[str]:
    """``train`` + the bad element + a random subset of valid options, shuffled; ``last``, an
    option left without its value, goes at the very end."""
    names = set(bad) | {last}
    pairs = [[k] if v is None else [k, v] for k, v in SAFE.items() if k not in names]
    chosen = draw(st.lists(st.sampled_from(pairs), unique_by=lambda p: p[0]))
    must = [p for p in pairs if p[0] in ("--dataset", "--epochs", "--no-progress")]
    chosen = [p for p in chosen if p not in must] + must + [bad]
    if last != "--out":
        chosen.append(["--out", out_dir])
    order = draw(st.permutations(range(len(chosen))))
    return ["train"] + [tok for i in order for tok in chosen[i]] + ([last] if last else [])


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(bad=bad_option(), data=st.data())
def test_invalid_option_values_exit_2_with_one_line(bad, data):
    opt, value, fragment = bad
    with tempfile.TemporaryDirectory() as tmp:
        argv = train_argv(data.draw, [opt, value], os.path.join(tmp, "run"))
        code, out, err = run(argv)
        assert_usage_error(code, out, err, fragment)
        assert not os.path.exists(os.path.join(tmp, "run", "model.npz")), "it trained"


@settings(max_examples=40, deadline=None)
@given(name=words.map(lambda s: "--" + s).filter(lambda s: s not in OPTIONS and s != "--"),
       data=st.data())
def test_unknown_options_exit_2(name, data):
    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = run(train_argv(data.draw, [name], os.path.join(tmp, "run")))
    assert_usage_error(code, out, err, "No such option")


@settings(max_examples=30, deadline=None)
@given(command=words.filter(lambda s: s not in ("train", "evaluate", "lab")),
       rest=st.lists(words, max_size=3))
def test_unknown_commands_exit_2(command, rest):
    code, out, err = run([command, *rest])
    assert_usage_error(code, out, err, "No such command")


@settings(max_examples=20, deadline=None)
@given(opt=st.sampled_from(sorted(set(SAFE) - {"--no-progress"} | {"--out"})), data=st.data())
def test_option_missing_its_value_exits_2(opt, data):
    with tempfile.TemporaryDirectory() as tmp:
        argv = train_argv(data.draw, [], os.path.join(tmp, "run"), last=opt)
        code, out, err = run(argv)
    assert_usage_error(code, out, err, opt, "requires an argument")


@settings(max_examples=15, deadline=None)
@given(sub=words.filter(lambda s: s not in ("", ".", "..") and "/" not in s))
def test_unwritable_out_exits_2(sub):
    with tempfile.TemporaryDirectory() as tmp:
        blocker = os.path.join(tmp, "a-file")
        with open(blocker, "w") as f:
            f.write("not a directory")
        code, out, err = run(["train", "--dataset", "xor", "--epochs", "1",
                              "--out", os.path.join(blocker, sub)])
    assert_usage_error(code, out, err, "--out", "cannot write")


@settings(max_examples=15, deadline=None)
@given(content=st.one_of(st.binary(max_size=40), st.just(b"{}"), st.just(b'{"dataset": 3}'),
                         st.just(b"[1, 2]")),
       checkpoint=st.sampled_from([None, b"", b"PK\x03\x04garbage", b"\x93NUMPY"]))
def test_evaluate_on_broken_run_directories_exits_2(content, checkpoint):
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "config.json"), "wb") as f:
            f.write(content)
        if checkpoint is not None:
            with open(os.path.join(tmp, "model.npz"), "wb") as f:
                f.write(checkpoint)
        code, out, err = run(["evaluate", tmp])
    assert_usage_error(code, out, err, "DIR")


def test_evaluate_on_missing_directories_exits_2(tmp_path):
    for d in (tmp_path / "nowhere", tmp_path):
        code, out, err = run(["evaluate", str(d)])
        assert_usage_error(code, out, err, "DIR")


def test_real_process_with_odd_arguments_exits_2():
    """Through the real entry point: bytes the terminal might send, and a stray positional."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    for argv in (["train", "--optimizer", "ádam\u202e"], ["train", "--epochs", "1", "extra"]):
        proc = subprocess.run([sys.executable, "-m", "chainrule", *argv], capture_output=True,
                              text=True, env=env, timeout=60)
        assert_usage_error(proc.returncode, proc.stdout, proc.stderr)


# ------------------------------------------------------------------ the guard in the CLI
@pytest.mark.slow
def test_diverging_run_stops_naming_step_and_lr_and_keeps_the_last_good_epoch(tmp_path):
    """SGD at lr 1 on the sine data diverges after a few epochs: exit status 1, one line naming
    the epoch, step and learning rate; model.npz holds the last epoch whose losses were finite."""
    out_dir = tmp_path / "run"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(  # a real process: every byte it writes to stderr counts
        [sys.executable, "-m", "chainrule", "train", "--dataset", "sine", "--optimizer", "sgd",
         "--lr", "1", "--batch-size", "full", "--epochs", "50", "--out", str(out_dir),
         "--no-progress"], capture_output=True, text=True, env=env, timeout=120)
    code, err = proc.returncode, proc.stderr
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    msg = lines[0]
    assert "lr=1.0" in msg and "step" in msg and "epoch" in msg
    assert "model.npz" in msg and "is kept" in msg
    kept = cr.load(out_dir / "model.npz")
    assert f"(epoch {kept['epoch']})" in msg and kept["epoch"] >= 1
    assert all(np.isfinite(v._data).all() for v in kept["model"].values())
    report = json.loads((out_dir / "metrics.json").read_text())
    assert report["epoch_kept"] == kept["epoch"] <= report["epochs_completed"] and "lr=1.0" in report["error"]
    history = np.genfromtxt(out_dir / "history.csv", delimiter=",", names=True)
    losses = np.stack([history["loss"], history["val_loss"]], axis=1)
    assert np.isfinite(losses[kept["epoch"] - 1]).all()  # the kept epoch's losses are finite
    assert not np.isfinite(losses[kept["epoch"]:]).all(axis=1).any()  # and no later epoch's are
