"""The `chainrule` command: outputs of train and evaluate, one-line errors with exit status 2."""

import csv
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from typing import get_args

import numpy as np
import pytest

import chainrule
from chainrule import cli


def run(args, capsys):
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_version_and_help(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"chainrule {chainrule.__version__}"
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "train" in out and "evaluate" in out
    code, out, _ = run([], capsys)  # bare command: the help
    assert code == 0 and "train" in out
    code, out, _ = run(["train", "--help"], capsys)
    for option in ("--dataset", "--model", "--hidden", "--activation", "--init", "--optimizer",
                   "--lr", "--batch-size", "--epochs", "--scale", "--seed", "--out"):
        assert option in out


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", [["train"], ["evaluate"], ["lab", "all"], []])
def test_help_reads_cleanly_at_80_and_120_columns(columns, command):
    """Rendered as a terminal of that width would: no line wider, no '<bool>' after a flag, every
    choice whole (not 'moon' + 's' across a line break)."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(cli.app, [*command, "--help"], env={"COLUMNS": str(columns)},
                                prog_name="chainrule")
    assert result.exit_code == 0, result.output
    text = result.output
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "<bool>" not in text
    options = text.partition("Options:")[2]
    assert "<" not in options  # option values are named (NAME, N, DIR), not <int> or <path>
    if command == ["train"]:
        words = set(re.findall(r"[\w-]+", text))
        for choices in (cli.DatasetName, cli.ModelName, cli.ActivationName, cli.InitName,
                        cli.OptimizerName, cli.ScaleName):
            assert set(get_args(choices)) <= words
        for option in ("--dataset NAME", "--hidden WIDTHS", "--epochs N", "--out DIR",
                       "--progress / --no-progress"):
            assert option in text


@pytest.mark.parametrize("args, fragment", [
    (["train", "--dataset", "imagenet"], "'imagenet' is not one of"),
    (["train", "--optimizer", "adamm"], "'adamm' is not one of"),
    (["train", "--lr", "-1"], "'--lr': -1.0 is not a positive"),
    (["train", "--lr", "0"], "'--lr': 0.0 is not a positive"),
    (["train", "--lr", "abc"], "'--lr'"),
    (["train", "--hidden", "abc"], "'--hidden': 'abc' is not a comma-separated list"),
    (["train", "--hidden", "100,0"], "'--hidden'"),
    (["train", "--model", "logreg", "--hidden", "5"],
     "'--hidden': logistic regression has no hidden layers"),
    (["train", "--model", "logreg", "--activation", "tanh"], "'--activation': logistic regression"),
    (["train", "--model", "gru", "--hidden", "8"], "'--hidden': the GRU is the paper's fixed"),
    (["train", "--model", "gru", "--activation", "tanh"], "--activation applies to --model mlp"),
    (["train", "--model", "cnn", "--init", "zeros"], "'--init': the CNN is a fixed network"),
    (["train", "--epochs", "0"], "'--epochs'"),
    (["train", "--epochs", "two"], "'--epochs'"),
    (["train", "--batch-size", "0"], "'--batch-size': '0' is neither"),
    (["train", "--scale", "zscore"], "'--scale'"),
    (["train", "--activation", "swish"], "'--activation'"),
    (["train", "--seed", "-1"], "'--seed'"),
    (["train", "--no-such-option"], "No such option"),
    (["train", "--lr"], "requires an argument"),
    (["fly"], "No such command 'fly'"),
    (["evaluate"], "Missing argument 'DIR'"),
])
def test_bad_input_is_one_line_and_status_2(capsys, args, fragment):
    code, out, err = run(args, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert err.startswith("chainrule") and "Traceback" not in err + out


def test_impossible_model_is_one_line(tmp_path, capsys):
    width = str(10**15)  # petabytes of weights: refused by the allocator, never attempted
    code, _, err = run(["train", "--dataset", "xor", "--hidden", width, "--out", str(tmp_path)],
                       capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "not enough memory" in err


def test_unwritable_out(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(["train", "--dataset", "xor", "--out", str(blocker / "run")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "'--out': cannot write to" in err


def test_out_refuses_an_earlier_run_and_a_foreign_folder_unless_asked(tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = ["train", "--dataset", "xor", "--epochs", "1", "--no-progress", "--out", str(run_dir)]
    assert run(args, capsys)[0] == 0
    before = (run_dir / "model.npz").read_bytes()
    code, out, err = run(args, capsys)  # the same run again: the first is not lost silently
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "holds an earlier run (xor, mlp); pass --overwrite to replace it" in err
    assert (run_dir / "model.npz").read_bytes() == before
    # --overwrite replaces the run, stale files included: a regression run draws no boundary
    code, out, err = run(["train", "--dataset", "sine", "--epochs", "1", "--no-progress",
                          "--out", str(run_dir), "--overwrite"], capsys)
    assert code == 0, err
    assert not (run_dir / "boundary.png").exists() and (run_dir / "prediction.png").exists()

    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    args = ["train", "--dataset", "xor", "--epochs", "1", "--no-progress", "--out", str(foreign)]
    code, out, err = run(args, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "is not empty and holds no chainrule run; pass --overwrite" in err
    assert os.listdir(foreign) == ["notes.txt"]
    code, out, err = run([*args, "--overwrite"], capsys)
    assert code == 0, err
    assert (foreign / "notes.txt").read_text() == "mine"
    wrote = re.search(r"wrote .*? \((.*)\)", out).group(1).split(", ")  # only what the run wrote
    assert wrote == ["boundary.png", "config.json", "curves.png", "history.csv", "metrics.json",
                     "model.npz", "splits.npz"]


@pytest.mark.parametrize("out, what", [("/", "the filesystem root"), (".", "the working directory"),
                                       ("..", "a folder above the working directory")])
def test_out_at_the_root_or_the_working_directory_is_refused(tmp_path, capsys, monkeypatch, out,
                                                             what):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, err = run(["train", "--dataset", "xor", "--epochs", "1", "--out", out, "--overwrite"],
                       capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"'--out': '{out}' is {what}; a run needs a folder of its own" in err
    assert os.listdir(work) == [] and not (tmp_path / "config.json").exists()


def test_run_files_follow_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        code, _, err = run(["train", "--dataset", "xor", "--epochs", "1", "--no-progress", "--out",
                            str(tmp_path / "run")], capsys)
    finally:
        os.umask(old)
    assert code == 0, err
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "run").iterdir()}
    assert modes and set(modes.values()) == {0o644}, modes


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_train_writes_the_run_directory_and_evaluate_reloads_it(tmp_path, capsys):
    out_dir = tmp_path / "moons"
    code, out, err = run(["train", "--dataset", "moons", "--epochs", "3", "--hidden", "16,16",
                          "--scale", "standard", "--out", str(out_dir), "--no-progress"], capsys)
    assert code == 0, err
    names = {"config.json", "history.csv", "metrics.json", "curves.png", "model.npz",
             "boundary.png"}
    assert names <= set(os.listdir(out_dir))
    config = json.loads((out_dir / "config.json").read_text())
    assert config["dataset"] == "moons" and config["hidden"] == [16, 16]
    assert config["optimizer"] == "adam" and config["lr"] == 0.01 and config["batch_size"] == 100
    history = rows(out_dir / "history.csv")
    assert [r["epoch"] for r in history] == ["1", "2", "3"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"} <= set(history[0])
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["epochs_completed"] == 3 and not metrics["interrupted"]
    assert set(metrics["test"]) == {"loss", "accuracy"}
    assert f"{100 * metrics['test']['accuracy']:.2f}%" in out and "train" in out
    for png in ("curves.png", "boundary.png"):
        assert (out_dir / png).read_bytes()[:4] == b"\x89PNG"
    state = chainrule.load(out_dir / "model.npz")
    assert state["epoch"] == 3 and "0.weight" in state["model"]

    code, out, err = run(["evaluate", str(out_dir)], capsys)
    assert code == 0, err
    assert "epoch 3" in out and f"{100 * metrics['test']['accuracy']:.2f}%" in out


def table_rows(out):
    """The train and test lines of a metrics table."""
    return [line for line in out.splitlines() if line.startswith(("train ", "test "))]


@pytest.mark.parametrize("dataset, scale", [("moons", "standard"), ("sine", "minmax")])
def test_evaluate_reads_the_saved_splits(tmp_path, capsys, monkeypatch, dataset, scale):
    """train saves its splits, already scaled; evaluate reports the metrics train printed from
    them, without building the data set again."""
    from chainrule.data import datasets

    code, trained, err = run(["train", "--dataset", dataset, "--scale", scale, "--epochs", "2",
                              "--hidden", "8", "--out", str(tmp_path), "--no-progress"], capsys)
    assert code == 0, err
    saved = datasets.load_splits(tmp_path / "splits.npz")
    built = datasets.load(dataset, scale=scale)
    for got, want in zip(saved.arrays(), built.arrays(), strict=True):
        np.testing.assert_array_equal(got, want)

    def no_rebuild(*args, **kwargs):
        raise AssertionError("evaluate should read splits.npz")

    monkeypatch.setattr(datasets, "load", no_rebuild)
    code, out, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 0, err
    assert table_rows(out) == table_rows(trained) and len(table_rows(out)) == 2


def test_evaluate_rebuilds_the_splits_of_a_run_without_them(tmp_path, capsys):
    code, trained, err = run(["train", "--dataset", "digits", "--scale", "minmax", "--epochs", "1",
                              "--hidden", "8", "--out", str(tmp_path), "--no-progress"], capsys)
    assert code == 0, err
    (tmp_path / "splits.npz").unlink()  # as a run written before runs kept their splits
    code, out, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 0, err
    assert table_rows(out) == table_rows(trained) and len(table_rows(out)) == 2


def test_evaluate_of_damaged_splits_is_one_line(tmp_path, capsys):
    assert run(["train", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path),
                "--no-progress"], capsys)[0] == 0
    data = (tmp_path / "splits.npz").read_bytes()
    (tmp_path / "splits.npz").write_bytes(data[: len(data) // 2])
    code, out, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "splits.npz' is not a file of saved splits" in err
    assert "delete it to rebuild the splits from config.json" in err


def test_evaluate_does_not_import_scikit_learn_or_numba(tmp_path, capsys):
    assert run(["train", "--dataset", "moons", "--epochs", "1", "--hidden", "8", "--out",
                str(tmp_path), "--no-progress"], capsys)[0] == 0
    code = ("import sys\n"
            "from chainrule.cli import main\n"
            "status = main(['evaluate', sys.argv[1]])\n"
            "heavy = ('sklearn', 'scipy', 'numba', 'matplotlib', 'tqdm')\n"
            "print('imported:', *sorted(m for m in heavy if m in sys.modules))\n"
            "sys.exit(status)")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "test " in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "imported:"


def test_regression_run_reports_mse_and_draws_the_fit(tmp_path, capsys):
    code, out, err = run(["train", "--dataset", "sine", "--epochs", "2", "--optimizer", "sgd",
                          "--batch-size", "full", "--out", str(tmp_path), "--no-progress"],
                         capsys)
    assert code == 0, err
    assert "loss (MSE)" in out and "accuracy" not in out
    assert (tmp_path / "prediction.png").exists() and not (tmp_path / "boundary.png").exists()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics["test"]) == {"loss"}
    assert json.loads((tmp_path / "config.json").read_text())["batch_size"] is None


@pytest.mark.parametrize("name", list(cli.OPTIMIZERS))
def test_optimizer_table(name):
    model = cli.build_model(2, 2, "logreg", (), "relu", "default")
    opt = cli.build_optimizer(name, model.parameters(), 0.5)
    group = opt.param_groups[0]
    assert group["lr"] == 0.5
    if name in ("momentum", "nesterov"):
        assert group["momentum"] == 0.9 and group["nesterov"] == (name == "nesterov")
    assert type(opt).__name__.lower() == {"momentum": "sgd", "nesterov": "sgd"}.get(name, name)


@pytest.mark.parametrize("init", ["default", "xavier", "kaiming", "normal", "zeros"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu", "elu"])
def test_model_table(init, activation):
    chainrule.manual_seed(0)
    model = cli.build_model(40, 10, "mlp", (300, 200), activation, init)
    linears = [m for m in model if isinstance(m, chainrule.nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == [(300, 40), (200, 300), (10, 200)]
    acts = [type(m).__name__ for m in model if not isinstance(m, chainrule.nn.Linear)]
    names = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "leaky_relu": "LeakyReLU",
             "elu": "ELU"}
    assert acts == [names[activation]] * 2
    w = linears[0].weight._data
    std = {"zeros": 0.0, "normal": 0.01}.get(init)
    if std is not None:
        assert w.std() == pytest.approx(std, rel=0.05, abs=1e-12)
    if init == "kaiming":
        gain = {"sigmoid": 1.0, "tanh": 5 / 3, "leaky_relu": (2 / 1.0001) ** 0.5}.get(activation,
                                                                                       2**0.5)
        assert w.std() == pytest.approx(gain / 40**0.5, rel=0.05)
    if init != "default":
        assert not linears[0].bias._data.any()


def test_logreg_with_nesterov_trains(tmp_path, capsys):
    code, _, err = run(["train", "--dataset", "xor", "--model", "logreg", "--epochs", "1",
                        "--optimizer", "nesterov", "--init", "xavier", "--out", str(tmp_path),
                        "--no-progress"], capsys)
    assert code == 0, err
    state = chainrule.load(tmp_path / "model.npz")
    assert set(state["model"]) == {"0.weight", "0.bias"}  # one Linear layer


def test_default_out_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["train", "--dataset", "blobs", "--epochs", "1", "--no-progress"], capsys)
    assert code == 0, err
    assert (tmp_path / "runs" / "blobs-mlp" / "model.npz").exists()


def test_evaluate_bad_checkpoint_is_one_line(tmp_path, capsys):
    code, _, _ = run(["train", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path),
                      "--no-progress"], capsys)
    assert code == 0
    data = (tmp_path / "model.npz").read_bytes()
    (tmp_path / "model.npz").write_bytes(data[: len(data) // 2])
    code, out, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "model.npz" in err and "truncated" in err
    (tmp_path / "model.npz").unlink()
    code, _, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 2 and "no such checkpoint file" in err


def test_evaluate_of_another_architecture_names_the_keys_and_shapes(tmp_path, capsys):
    """A checkpoint from another model: every missing and unexpected key and every shape that
    differs, as PyTorch's load_state_dict lists them, on one line."""
    common = ["--dataset", "xor", "--epochs", "1", "--no-progress"]
    assert run(["train", *common, "--hidden", "16,16", "--out", str(tmp_path / "a")], capsys)[0] == 0
    assert run(["train", *common, "--hidden", "8", "--out", str(tmp_path / "b")], capsys)[0] == 0
    shutil.copy(tmp_path / "b" / "model.npz", tmp_path / "a" / "model.npz")
    code, out, err = run(["evaluate", str(tmp_path / "a")], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "does not fit the model its config.json describes (mlp 16,16)" in err
    assert "Error(s) in loading state_dict for Sequential" in err
    assert 'Missing key(s) in state_dict: "4.weight", "4.bias".' in err
    assert "size mismatch for 0.weight: copying a param with shape (8, 2) from checkpoint, " \
           "the shape in current model is (16, 2)." in err
    assert "size mismatch for 2.weight" in err and "(2, 8)" in err and "(16, 16)" in err


def test_divergence_is_one_line_with_status_1(tmp_path, capsys):
    code, out, err = run(["train", "--dataset", "sine", "--optimizer", "sgd", "--lr", "1e10",
                          "--epochs", "5", "--out", str(tmp_path), "--no-progress"], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "not finite" in err or "loss is" in err
    assert "lr=10000000000.0" in err and "step" in err and "Traceback" not in err


def test_divergence_keeps_the_last_checkpoint_whose_loss_is_finite(tmp_path, capsys):
    """The README's example: epoch 3 ends with an inf test loss, so epoch 2 is the last good one,
    and the final table reports that checkpoint's finite losses."""
    code, out, err = run(["train", "--dataset", "sine", "--optimizer", "sgd", "--lr", "1",
                          "--batch-size", "full", "--out", str(tmp_path / "run"), "--no-progress"],
                         capsys)
    assert code == 1 and "the loss is inf at epoch 4" in err and "(epoch 2) is kept" in err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["epoch_kept"] == 2 and metrics["epochs_completed"] == 3
    assert all(math.isfinite(metrics[split]["loss"]) for split in ("train", "test"))
    assert "inf" not in out


def test_ctrl_c_keeps_last_epoch_and_history(tmp_path):
    out_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "train", "--dataset", "moons", "--epochs", "100000",
         "--batch-size", "8", "--out", str(out_dir), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not (out_dir / "model.npz").exists():
            assert proc.poll() is None and time.time() < deadline, proc.stderr.read()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted: kept epoch" in err
    kept = chainrule.load(out_dir / "model.npz")["epoch"]
    assert kept >= 1 and len(rows(out_dir / "history.csv")) == kept
    assert json.loads((out_dir / "metrics.json").read_text())["interrupted"] is True


@pytest.mark.parametrize("entry", ["python -m chainrule", "chainrule"])
def test_entry_points_exit_2_on_bad_input(entry):
    if entry == "chainrule":
        script = shutil.which("chainrule")
        if script is None:
            pytest.skip("the console script is not installed (pip install -e .)")
        command = [script]
    else:
        command = [sys.executable, "-m", "chainrule"]
    proc = subprocess.run([*command, "train", "--epochs", "-3"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "'--epochs'" in proc.stderr
    assert proc.stdout == ""


# --------------------------------------------------------------------------- memory, extras
GLIBC = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")


@pytest.mark.parametrize("veto", [False, True], ids=["default", "CHAINRULE_KEEP_FREED_MEMORY=0"])
def test_train_and_evaluate_keep_freed_memory_while_they_run(tmp_path, capsys, monkeypatch, veto):
    from chainrule import memory

    seen = []

    def spy(name):
        real = getattr(cli, name)

        def record(*args, **kwargs):
            seen.append((name, memory.is_applied()))
            return real(*args, **kwargs)

        monkeypatch.setattr(cli, name, record)

    spy("_run_training")
    spy("_final_metrics")
    if veto:
        monkeypatch.setenv(memory.ENV_VAR, "0")
    else:
        monkeypatch.delenv(memory.ENV_VAR, raising=False)
    assert not memory.is_applied()
    code, _, err = run(["train", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path), "--no-progress"],
                       capsys)
    assert code == 0, err
    assert not memory.is_applied()  # glibc's defaults again once the command is done
    code, _, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 0, err
    kept = GLIBC and not veto
    # train: the training and its final metrics; evaluate: its metrics
    assert seen == [("_run_training", kept), ("_final_metrics", kept), ("_final_metrics", kept)]
    assert not memory.is_applied()


def test_a_missing_package_of_the_extra_is_one_line_naming_the_extra(tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")] + ["sklearn"]:
        monkeypatch.setitem(sys.modules, name, None)  # import sklearn... now fails as if not installed
    code, out, err = run(["train", "--dataset", "moons", "--epochs", "1", "--out", str(tmp_path),
                          "--no-progress"], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "'sklearn' is not installed" in err and 'pip install "chainrule[lab]"' in err
    assert "Traceback" not in out + err


def test_the_command_without_typer_names_the_extra():
    code = ("import sys; sys.modules['typer'] = None\n"  # as if the extra were not installed
            "from chainrule.__main__ import main\n"
            "sys.exit(main(['train']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "'typer' is not installed" in proc.stderr
    assert "chainrule[lab]" in proc.stderr and "Traceback" not in proc.stderr
