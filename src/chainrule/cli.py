"""The ``chainrule`` command: train a network on a data set, evaluate a finished run.

``chainrule train`` with no options trains the MLP of the MNIST-1D paper with the recipe of its
repository (two hidden layers of 256 ReLU units, Adam at lr 1e-2, batches of 100, 6,000 steps;
inputs standardised) on MNIST-1D and writes a run directory::

    runs/mnist1d-mlp/config.json     the options, resolved
                     history.csv     loss, accuracy, test loss/accuracy, lr, time per epoch
                     metrics.json    final train and test metrics
                     curves.png      loss and accuracy per epoch
                     model.npz       checkpoint of the last completed epoch (chainrule.load)
                     splits.npz      the train and test splits as trained on (scaled)
                     boundary.png    decision regions (2-D data sets)
                     prediction.png  the fitted curve (1-D regression data sets)

``--out`` must be a new or empty folder; an earlier run there (or a folder holding other files) is
replaced only with ``--overwrite``, and the filesystem root and the working directory never take
a run. ``chainrule evaluate DIR`` reloads the checkpoint and reports its metrics on the run's
saved splits (a run without splits.npz has them rebuilt from its config). Bad input gives a
one-line error and exit status 2; Ctrl-C stops after the last completed epoch, whose checkpoint
and history are kept (exit status 130).

The Typer application is ``chainrule.cli.app``; other command groups register on it with
``app.add_typer(...)`` (the lecture lab does, as ``chainrule lab``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
import typer

from . import __version__, memory
from .__main__ import missing_extra

DatasetName = Literal["mnist1d", "digits", "moons", "circles", "spirals", "xor", "blobs", "sine",
                      "polynomial", "abs"]
ModelName = Literal["mlp", "logreg", "cnn", "gru"]
CNN_INPUTS = {"mnist1d": (40,), "digits": (8, 8)}  # --model cnn: the data sets with a signal or image shape
ActivationName = Literal["relu", "sigmoid", "tanh", "leaky_relu", "elu"]
InitName = Literal["default", "xavier", "kaiming", "normal", "zeros"]
OptimizerName = Literal["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adamax",
                        "adam", "adamw", "nadam"]
ScaleName = Literal["standard", "minmax", "none"]
# optimiser -> (class name in chainrule.optim, extra arguments, default learning rate)
OPTIMIZERS: dict[str, tuple[str, dict[str, Any], float]] = {
    "sgd": ("SGD", {}, 0.1),
    "momentum": ("SGD", {"momentum": 0.9}, 0.01),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, 0.01),
    "adagrad": ("Adagrad", {}, 0.01),
    "adadelta": ("Adadelta", {}, 1.0),
    "rmsprop": ("RMSprop", {}, 0.001),
    "adamax": ("Adamax", {}, 0.002),
    "adam": ("Adam", {}, 0.01),
    "adamw": ("AdamW", {}, 0.01),
    "nadam": ("NAdam", {}, 0.01),
}
CHECKPOINT = "model.npz"
SPLITS = "splits.npz"  # the run's data, split and scaled: evaluate reads it instead of rebuilding it
DEFAULT_HIDDEN = "256,256"  # the MNIST-1D paper's MLP
# every file a run directory can hold (what --overwrite replaces)
RUN_FILES = ("config.json", "history.csv", "metrics.json", "curves.png", CHECKPOINT, SPLITS,
             "boundary.png", "prediction.png")

# Plain click help (no rich panels): options as "--dataset NAME", the choices in the help text,
# wrapped between words, up to 120 columns.
HELP_SETTINGS = {"max_content_width": 120}

app = typer.Typer(
    name="chainrule",
    help="Train and evaluate neural networks built from first principles in NumPy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP_SETTINGS,
)


def _one_of(choices: Any) -> str:
    """``"one of a, b, c"`` for a ``Literal`` of choices (the help lists them between words)."""
    return "one of " + ", ".join(get_args(choices))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chainrule {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Train and evaluate neural networks built from first principles in NumPy."""


# --------------------------------------------------------------------------- option parsing
def parse_hidden(value: str) -> tuple[int, ...]:
    """``"256,256"`` -> ``(256, 256)``: the hidden layer widths of the MLP."""
    parts = [p.strip() for p in value.split(",")]
    try:
        widths = tuple(int(p) for p in parts)
    except ValueError:
        widths = ()
    if not widths or any(w <= 0 for w in widths):
        raise typer.BadParameter(
            f"{value!r} is not a comma-separated list of positive integers, e.g. 100,100",
            param_hint="'--hidden'",
        )
    return widths


def parse_batch_size(value: str) -> int | None:
    """``"full"`` -> ``None`` (the whole training set per step), else a positive integer."""
    if value.strip().lower() == "full":
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n <= 0:
        raise typer.BadParameter(f"{value!r} is neither a positive integer nor 'full'",
                                 param_hint="'--batch-size'")
    return n


def _at_least(lowest: int, what: str) -> Any:
    """A callback refusing integers below ``lowest`` with a message that shows the value."""
    def check(value: int) -> int:
        if value < lowest:
            raise typer.BadParameter(f"{value} is not {what}")
        return value

    return check


def _positive_lr(value: float | None) -> float | None:
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise typer.BadParameter(f"{value} is not a positive, finite learning rate")
    return value


def _describe_run(path: Path) -> str | None:
    """``"moons, mlp"`` when ``path`` holds an earlier run of ``chainrule train`` (its
    config.json names the chainrule version that wrote it), else None."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict) or "chainrule" not in config:
        return None
    return f"{config.get('dataset', '?')}, {config.get('model', '?')}"


def _out_dir(path: Path, overwrite: bool) -> Path:
    """The run directory, checked before anything is written to it.

    A new or empty folder is used as it is. Like ``--overwrite_output_dir`` in Hugging Face's
    training scripts, an existing folder with content is refused unless ``--overwrite`` asks for
    it: an earlier run is the record of an experiment, and a folder that is no run holds someone
    else's files. With ``--overwrite`` an earlier run's files are replaced (stale ones removed);
    other files are left alone. The filesystem root and the working directory (or a folder above
    it) are refused in any case: a run there would mix with everything else.
    """
    where, cwd = path.resolve(), Path.cwd().resolve()
    if where == Path(where.anchor) or where == cwd or where in cwd.parents:
        what = "the filesystem root" if where == Path(where.anchor) else \
            "the working directory" if where == cwd else "a folder above the working directory"
        raise typer.BadParameter(f"{str(path)!r} is {what}; a run needs a folder of its own, "
                                 "e.g. runs/NAME", param_hint="'--out'")
    if where.is_dir() and any(where.iterdir()):
        earlier = _describe_run(where)
        if not overwrite:
            held = (f"holds an earlier run ({earlier}); pass --overwrite to replace it" if earlier
                    else "is not empty and holds no chainrule run; pass --overwrite to write into it "
                    "anyway")
            raise typer.BadParameter(f"{str(path)!r} {held}, or choose another --out",
                                     param_hint="'--out'")
        if earlier:
            for name in RUN_FILES:
                (where / name).unlink(missing_ok=True)
    return _writable_dir(path)


def _describe_model(config: dict[str, Any]) -> str:
    """``"mlp 256,256"`` or ``"logreg"``: a run's model in the words of its options."""
    hidden = config.get("hidden") or []
    return f"{config.get('model', '?')}{' ' if hidden else ''}{','.join(map(str, hidden))}"


def _writable_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise typer.BadParameter(f"cannot write to {str(path)!r} ({e.strerror or e})",
                                 param_hint="'--out'") from None
    return path


# --------------------------------------------------------------------------- options -> objects
def build_model(in_features: int, out_features: int, model: str, hidden: tuple[int, ...],
                activation: str, init: str, dataset: str | None = None) -> Any:
    """Logistic regression (one ``Linear``) or an MLP with ``hidden`` widths, initialised by
    ``init``; or (``cnn``) the convolutional network of ``dataset``'s signals or images."""
    from .lab.training import cnn, mlp

    if model == "gru":  # each feature one step of a sequence: the MNIST-1D paper's GRU
        from .lab.training import gru

        return gru(in_features, out_features)
    if model == "cnn":
        if dataset not in CNN_INPUTS:
            raise typer.BadParameter(f"--model cnn needs signals or images: --dataset "
                                     f"{' or '.join(CNN_INPUTS)}, not {dataset!r}", param_hint="'--model'")
        return cnn(CNN_INPUTS[dataset], out_features)
    widths = hidden if model == "mlp" else ()
    return mlp([in_features, *widths, out_features], activation, init)


def build_optimizer(name: str, params: Any, lr: float) -> Any:
    from . import optim

    cls_name, extra, _ = OPTIMIZERS[name]
    return getattr(optim, cls_name)(params, lr=lr, **extra)


def _setup(config: dict[str, Any], splits: Any = None) -> tuple[Any, Any, Any, Any]:
    """The data splits, model, loss function and metrics that a config describes; the splits are
    built from the config unless given (e.g. a run's saved ones, see :func:`_saved_splits`)."""
    import chainrule

    from . import nn
    from .data import datasets

    if splits is None:
        scale = None if config["scale"] == "none" else config["scale"]
        splits = datasets.load(config["dataset"], scale=scale)
    chainrule.manual_seed(config["seed"])
    model = build_model(splits.num_features, splits.num_outputs, config["model"],
                        tuple(config["hidden"]), config["activation"], config["init"], config["dataset"])
    if splits.task == "classification":
        return splits, model, nn.CrossEntropyLoss(), ("accuracy",)
    return splits, model, nn.MSELoss(), ()


# --------------------------------------------------------------------------- reporting
def _table(rows: dict[str, dict[str, float]], task: str) -> str:
    loss_name = "loss (MSE)" if task == "regression" else "loss"
    lines = [f"{'':8}{loss_name:>12}" + ("    accuracy" if task == "classification" else "")]
    for split, m in rows.items():
        line = f"{split:8}{m['loss']:12.4f}"
        if task == "classification":
            line += f"{100 * m['accuracy']:11.2f}%"
        lines.append(line)
    return "\n".join(lines)


def _final_metrics(model: Any, splits: Any, loss_fn: Any, metrics: Any) -> dict[str, dict]:
    from .data import DataLoader
    from .train import evaluate

    return {name: evaluate(model, DataLoader(ds, batch_size=max(len(ds), 1)), loss_fn, metrics)
            for name, ds in (("train", splits.train), ("test", splits.test))}


def _write_json(path: Path, obj: Any) -> None:
    from .serialization import atomic_write

    with atomic_write(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, allow_nan=True)
        f.write("\n")


def _plot(model: Any, splits: Any, out: Path, title: str) -> str | None:
    """``boundary.png`` (2-D classification) or ``prediction.png`` (1-D regression), drawn in the
    data's own units; other data sets get no plot."""
    from .viz import decision_boundary, figure, regression_fit, save_png

    if splits.task == "classification" and splits.num_features == 2:
        draw, name, size = decision_boundary, "boundary.png", (5.5, 5.0)
    elif splits.task == "regression" and splits.num_features == 1:
        draw, name, size = regression_fit, "prediction.png", (6.0, 4.0)
    else:
        return None
    xtr, ytr, xte, yte = splits.arrays()
    scaler = splits.scaler
    raw = (lambda a: a) if scaler is None else scaler.inverse_transform
    fig, ax = figure(size=size)
    draw(ax, model, raw(xtr), ytr, test=(raw(xte), yte), dtype=xtr.dtype,
         transform=None if scaler is None else scaler.transform)
    ax.set_title(title)
    save_png(fig, out / name)
    return name


# what each fixed architecture is, for the message that refuses an option it does not use
_FIXED_MODELS = {
    "logreg": "logistic regression has no hidden layers",
    "cnn": "the CNN is a fixed network (ReLU, PyTorch's init; the paper's Conv1d net on mnist1d)",
    "gru": "the GRU is the paper's fixed network (a bidirectional GRU of 6 units, PyTorch's init)",
}


def _refuse_unused_options(model: str, hidden: str | None, activation: str, init: str) -> None:
    """Refuse an MLP option given with a model that would silently ignore it."""
    if model == "mlp":
        return
    unused = {"hidden": hidden is not None, "activation": activation != "relu",
              "init": init != "default" and model != "logreg"}  # logreg's one Linear takes --init
    for option, given in unused.items():
        if given:
            raise typer.BadParameter(f"{_FIXED_MODELS[model]}; --{option} applies to --model mlp "
                                     f"only: drop --{option} or use --model mlp",
                                     param_hint=f"'--{option}'")


# --------------------------------------------------------------------------- commands
@app.command()
def train(
    dataset: Annotated[DatasetName, typer.Option(
        case_sensitive=False, metavar="NAME", help=f"The data set: {_one_of(DatasetName)}.")
    ] = "mnist1d",
    model: Annotated[ModelName, typer.Option(
        case_sensitive=False, metavar="NAME",
        help=f"The model: {_one_of(ModelName)} (logreg: logistic regression, one Linear layer; "
             "mlp: a multilayer perceptron; cnn: a convolutional network, for mnist1d and digits; "
             "gru: a bidirectional GRU over the features as time steps).")] = "mlp",
    hidden: Annotated[str | None, typer.Option(
        metavar="WIDTHS", help="Hidden layer widths of the MLP, e.g. 100,100 (default: 256,256).")
    ] = None,
    activation: Annotated[ActivationName, typer.Option(
        case_sensitive=False, metavar="NAME",
        help=f"Activation between the MLP's layers: {_one_of(ActivationName)}.")] = "relu",
    init: Annotated[InitName, typer.Option(
        case_sensitive=False, metavar="NAME",
        help=f"Weight initialisation of the MLP or logreg: {_one_of(InitName)} "
             "(default: PyTorch's).")] = "default",
    optimizer: Annotated[OptimizerName, typer.Option(
        case_sensitive=False, metavar="NAME",
        help=f"Optimiser: {_one_of(OptimizerName)} (momentum/nesterov: SGD with momentum 0.9).")
    ] = "adam",
    lr: Annotated[float | None, typer.Option(
        callback=_positive_lr, metavar="FLOAT",
        help="Learning rate (default: per optimiser; adam 0.01).")] = None,
    batch_size: Annotated[str, typer.Option(
        "--batch-size", metavar="N", help="Samples per step, or 'full' for batch gradient descent.")
    ] = "100",
    epochs: Annotated[int, typer.Option(callback=_at_least(1, "a positive number of epochs"),
                                        metavar="N", help="Passes over the training set.")] = 150,
    scale: Annotated[ScaleName, typer.Option(
        case_sensitive=False, metavar="NAME",
        help=f"Feature scaling, fitted on the training split: {_one_of(ScaleName)}.")
    ] = "standard",
    seed: Annotated[int, typer.Option(callback=_at_least(0, "a non-negative seed"), metavar="N",
                                      help="Seed for initialisation and shuffling.")] = 42,
    out: Annotated[Path | None, typer.Option(
        metavar="DIR", help="Run directory (default: runs/DATASET-MODEL); a new or empty folder.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Write over an earlier run in --out (or into a folder with other files).")
    ] = False,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar (default: when on a terminal).")
    ] = None,
) -> None:
    """Train a model and write its run directory (config, history, metrics, plots, checkpoint)."""
    _refuse_unused_options(model, hidden, activation, init)
    widths = parse_hidden(hidden if hidden is not None else DEFAULT_HIDDEN)
    batch = parse_batch_size(batch_size)
    rank = _mpi_rank()  # under `mpiexec -n N`: every rank trains its share, rank 0 writes the run
    if rank == 0:
        out = _out_dir(out if out is not None else Path("runs") / f"{dataset}-{model}", overwrite)
    config = {
        "dataset": dataset, "model": model, "hidden": list(widths) if model == "mlp" else [],
        "activation": activation, "init": init, "optimizer": optimizer,
        "lr": lr if lr is not None else OPTIMIZERS[optimizer][2], "batch_size": batch,
        "epochs": epochs, "scale": scale, "seed": seed, "chainrule": __version__,
    }
    if rank != 0:
        with np.errstate(all="ignore"), memory.kept_freed_memory():
            _train_replica(config)
        return
    _write_json(out / "config.json", config)
    # a diverging run is reported once, by fit's guard; each step reuses the last one's freed memory
    with np.errstate(all="ignore"), memory.kept_freed_memory():
        _run_training(config, out, progress)


def _mpi_rank() -> int:
    """This process's rank when ``mpiexec -n N`` (N > 1) started it, joining the process group;
    0 for a process started on its own."""
    size = os.environ.get("PMI_SIZE") or os.environ.get("OMPI_COMM_WORLD_SIZE") or "1"
    if int(size) <= 1:
        return 0
    from . import distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="mpi")
    return dist.get_rank()


def _data_parallel(net: Any, dataset: Any, config: dict[str, Any], loader: Any) -> tuple[Any, list[Any]]:
    """Under ``mpiexec -n N``: ``net``'s gradients averaged over the ranks, and a loader of this
    rank's share of each global batch of ``--batch-size`` samples; otherwise ``loader`` unchanged."""
    from . import distributed as dist

    if not dist.is_initialized() or dist.get_world_size() == 1:
        return loader, []
    from .data import DataLoader, DistributedSampler
    from .nn.parallel import DistributedDataParallel
    from .train import Callback

    world = dist.get_world_size()
    batch = config["batch_size"]
    if batch is not None and batch % world:
        raise typer.BadParameter(f"--batch-size {batch} does not split evenly over {world} ranks",
                                 param_hint="'--batch-size'")
    # the wrapper broadcasts rank 0's weights and hooks net's parameters, whose gradients it then
    # averages in every backward: fit and the checkpoint keep seeing the plain model
    DistributedDataParallel(net)
    sampler = DistributedSampler(dataset, shuffle=True, seed=config["seed"])

    class _NewOrder(Callback):
        def on_epoch_begin(self, run: Any, epoch: int) -> None:
            sampler.set_epoch(epoch)

    per_rank = len(sampler) if batch is None else batch // world
    return DataLoader(dataset, batch_size=per_rank, sampler=sampler), [_NewOrder()]


def _train_replica(config: dict[str, Any]) -> None:
    """A rank other than 0: the same steps on its share of the batches; it writes nothing."""
    from .train import NonFiniteError, fit

    splits, net, loss_fn, _ = _setup(config)
    opt = build_optimizer(config["optimizer"], net.parameters(), config["lr"])
    loader, callbacks = _data_parallel(net, splits.train, config, None)
    with _one_blas_thread(), contextlib.suppress(NonFiniteError):  # rank 0 reports it
        fit(net, loss_fn, opt, loader, None, epochs=config["epochs"], metrics=(), callbacks=callbacks,
            progress=False)


def _one_blas_thread() -> Any:
    """Run BLAS single-threaded: the matrices here are small (a batch of 100 by a few hundred
    units), where threads cost more than they give, and on a busy machine spinning BLAS threads
    slow each step down by an order of magnitude."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _run_training(config: dict[str, Any], out: Path, progress: bool | None) -> None:
    import chainrule

    from .data import DataLoader
    from .train import ModelCheckpoint, NonFiniteError, ProgressBar, fit

    splits, net, loss_fn, metrics = _setup(config)
    splits.save(out / SPLITS)  # evaluate reads these instead of building the data set again
    opt = build_optimizer(config["optimizer"], net.parameters(), config["lr"])
    full = config["batch_size"] is None  # --batch-size full: the whole training set per step
    train_loader = DataLoader(splits.train, shuffle=True,
                              batch_size=len(splits.train) if full else config["batch_size"])
    train_loader, parallel = _data_parallel(net, splits.train, config, train_loader)  # mpiexec -n N
    test_loader = DataLoader(splits.test, batch_size=max(len(splits.test), 1))
    ckpt = ModelCheckpoint(out / CHECKPOINT)
    if progress is None:  # a bar on a terminal, none in a log file
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    callbacks = [ckpt, ProgressBar(labels={"val": "test"})] if progress else [ckpt]
    callbacks += parallel
    written = ["config.json", SPLITS]  # what this run writes, for the summary
    started = time.perf_counter()
    error = None
    try:
        with _one_blas_thread():
            history = fit(net, loss_fn, opt, train_loader, test_loader, epochs=config["epochs"],
                          metrics=metrics, callbacks=callbacks, progress=progress)
    except NonFiniteError as e:
        history, error = e.history, e
    seconds = time.perf_counter() - started
    if ckpt.last_saved is not None:
        written.append(CHECKPOINT)
    history.to_csv(out / "history.csv")
    written.append("history.csv")
    if len(history):
        history.plot(out / "curves.png", title=f"{config['dataset']}, {config['model']}",
                     labels={"val": "test"})
        written.append("curves.png")
    if history.interrupted or error is not None:
        if ckpt.last_saved is None:  # nothing completed: nothing to report
            if error is not None:
                raise error
            typer.echo("interrupted before the first epoch finished; nothing was kept",
                       err=True)
            raise typer.Exit(130)
        net.load_state_dict(chainrule.load(ckpt.last_saved)["model"])  # the last good epoch
    final = _final_metrics(net, splits, loss_fn, metrics)
    kept = ckpt.last_saved_epoch if ckpt.last_saved is not None else len(history)
    plot = _plot(net, splits, out, f"{config['dataset']}: {config['model']}, epoch {kept}")
    if plot is not None:
        written.append(plot)
    report = {**final, "epochs_completed": len(history), "epoch_kept": kept,
              "seconds": round(seconds, 3), "interrupted": history.interrupted,
              "error": None if error is None else str(error)}
    _write_json(out / "metrics.json", report)
    written.append("metrics.json")
    typer.echo(_table(final, splits.task))
    typer.echo(f"wrote {out}{os.sep} ({', '.join(sorted(written))}); trained in {seconds:.1f}s")
    if error is not None:
        raise error
    if history.interrupted:
        typer.echo(f"interrupted: kept epoch {len(history)} of {config['epochs']}", err=True)
        raise typer.Exit(130)


_RunDir = Annotated[Path, typer.Argument(metavar="DIR", help="A directory written by train.")]


def _saved_splits(run_dir: Path, config: dict[str, Any]) -> Any:
    """The splits that train saved in ``DIR/splits.npz``, or None for a run without them (written
    before runs kept their splits); a usage error if the file is unreadable or damaged."""
    from .data.datasets import load_splits

    path = run_dir / SPLITS
    if not path.is_file():
        return None
    try:
        return load_splits(path, str(config["dataset"]))
    except (OSError, ValueError) as e:
        raise typer.BadParameter(f"{str(e).splitlines()[0]}; delete it to rebuild the splits from "
                                 "config.json", param_hint="'DIR'") from None


def _run_config_path(run_dir: Path) -> Path:
    """``DIR/config.json`` of a run that train wrote, for evaluate and export; a usage error if
    there is none."""
    config_path = run_dir / "config.json"
    if not config_path.is_file():
        raise typer.BadParameter(f"{str(run_dir)!r} is not a run directory: it has no config.json",
                                 param_hint="'DIR'")
    return config_path


@app.command()
def evaluate(
    run_dir: _RunDir,
) -> None:
    """Reload a run's checkpoint and report its train and test metrics."""
    import chainrule

    from .nn import StateDictError
    from .serialization import CheckpointError

    config_path = _run_config_path(run_dir)
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        splits, net, loss_fn, metrics = _setup(config, _saved_splits(run_dir, config))
    except (ValueError, KeyError, TypeError) as e:
        raise typer.BadParameter(f"{str(config_path)!r} is not a valid run config ({e!r})",
                                 param_hint="'DIR'") from None
    try:
        state = chainrule.load(run_dir / CHECKPOINT)
        if not isinstance(state, dict):
            raise TypeError(f"{str(run_dir / CHECKPOINT)!r} does not hold a model state_dict")
        net.load_state_dict(state.get("model", state))
    except StateDictError as e:  # every missing/unexpected key and shape, on one line
        detail = " ".join(line.strip() for line in str(e).splitlines())
        raise typer.BadParameter(
            f"{str(run_dir / CHECKPOINT)!r} does not fit the model its config.json describes "
            f"({_describe_model(config)}): {detail}", param_hint="'DIR'") from None
    except (CheckpointError, FileNotFoundError, KeyError, TypeError) as e:
        raise typer.BadParameter(str(e).splitlines()[0], param_hint="'DIR'") from None
    from .backend import registry

    # a model that overflows reports inf, without warnings; one forward pass needs no compiled
    # kernels, so the reference path runs it and numba is not even imported (a second of start-up)
    with np.errstate(all="ignore"), memory.kept_freed_memory(), registry.disabled():
        final = _final_metrics(net, splits, loss_fn, metrics)
    typer.echo(f"{run_dir}: {config['dataset']}, {config['model']}, "
               f"epoch {state.get('epoch', '?')}")
    typer.echo(_table(final, splits.task))


@app.command("export")
def export_run(
    run_dir: _RunDir,
    format: Annotated[Literal["onnx"], typer.Option(  # noqa: A002
        "--format", metavar="NAME", help="The file format: onnx.")] = "onnx",
    out: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Where to write (default: DIR/model.onnx).")] = None,
) -> None:
    """Write a run's trained model as an ONNX file (dynamic batch size) for other runtimes."""
    import chainrule

    from .data import DataLoader
    from .onnx import UnsupportedOperatorError, export

    config_path = _run_config_path(run_dir)
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        splits, net, _, _ = _setup(config, _saved_splits(run_dir, config))
        state = chainrule.load(run_dir / CHECKPOINT)
        net.load_state_dict(state.get("model", state) if isinstance(state, dict) else state)
    except Exception as e:  # a config or checkpoint that does not describe a model: one line
        raise typer.BadParameter(f"cannot rebuild the model of {str(run_dir)!r}: "
                                 f"{str(e).splitlines()[0]}", param_hint="'DIR'") from None
    target = out if out is not None else run_dir / f"model.{format}"
    example = next(iter(DataLoader(splits.test, batch_size=2)))[0]
    try:
        export(net, example, target, input_names=["features"], output_names=["output"])
    except ImportError as e:
        raise typer.BadParameter(str(e), param_hint="'--format'") from None
    except UnsupportedOperatorError as e:
        raise typer.BadParameter(str(e), param_hint="'DIR'") from None
    typer.echo(f"wrote {target} ({format}, {config.get('model')}, input [batch, "
               f"{', '.join(map(str, example.shape[1:]))}])")


@app.command("playground")
def playground(
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port to serve on.")] = 8765,
    host: Annotated[str, typer.Option(help="The address to serve on.")] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the page.")] = False,
) -> None:
    """Serve TensorFlow Playground's lesson, trained by chainrule, with the gradients shown."""
    try:
        from .playground import server
    except ModuleNotFoundError as e:
        typer.echo(f"chainrule: error: playground needs the 'playground' extra, and {e.name!r} is not installed: "
                   "pip install \"chainrule[playground]\"", err=True)
        raise typer.Exit(1) from None
    try:
        server.serve(host, port, open_browser=not no_browser)
    except OSError as e:
        raise typer.BadParameter(f"cannot serve on {host}:{port}: {e.strerror or e}", param_hint="'--port'") from None


def _register_lab() -> None:
    """Add ``chainrule lab`` when the lab is installed."""
    if importlib.util.find_spec("chainrule.lab.cli") is None:
        return
    from .lab.cli import lab_app

    app.add_typer(lab_app, name="lab")


_register_lab()


# --------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failure, 2 bad input, 130 Ctrl-C).

    Errors are reported on one line of stderr, never as a traceback.
    """
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="chainrule", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("interrupted", err=True)
        return 130
    except typer.TyperException as e:  # click's usage errors and bad parameters
        if type(e).__name__ == "NoArgsIsHelpError":  # bare `chainrule`: the help, not an error
            typer.echo(e.format_message())
            return 0
        ctx = getattr(e, "ctx", None)
        where = ctx.command_path if ctx is not None else "chainrule"
        message = " ".join(str(e.format_message()).replace("Value error, ", "").split())
        typer.echo(f"{where}: error: {message}", err=True)
        return int(getattr(e, "exit_code", 1))
    except FloatingPointError as e:  # training diverged (chainrule.train.NonFiniteError)
        typer.echo(f"chainrule: error: {e}", err=True)
        return 1
    except MemoryError:
        typer.echo("chainrule: error: not enough memory for this model and data set "
                   "(try smaller --hidden or --batch-size)", err=True)
        return 1
    except Exception as e:
        extra = missing_extra(e) if isinstance(e, ModuleNotFoundError) else None
        if extra is not None:  # a package of the extra is not installed: name the extra
            typer.echo(extra, err=True)
            return 1
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        first = str(e).splitlines()[0] if str(e) else ""
        typer.echo(f"chainrule: error: {type(e).__name__}: {first} "
                   "(set CHAINRULE_DEBUG=1 to see the traceback)", err=True)
        return 1
    return result if isinstance(result, int) else 0


def _exit() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _exit()
