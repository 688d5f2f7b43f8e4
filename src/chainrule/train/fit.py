"""``fit``: the training loop, written once, with what a plain loop leaves out.

Each epoch runs the loop every PyTorch user writes by hand::

    for xb, yb in train_loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()          # dLoss/dtheta for every parameter: the chain rule
        optimizer.step()         # theta <- theta - lr * dLoss/dtheta (or Adam's rule, ...)

and adds around it: the epoch's mean loss and metrics, a validation pass, the learning-rate
schedule, a progress bar, callbacks (early stopping, checkpoints), a guard that stops on a
non-finite loss or gradient before it corrupts the parameters, clean stopping on Ctrl-C, and
bit-identical resumption from a checkpoint (``resume_from=``).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..random import get_rng_state, set_rng_state
from ..serialization import load
from .callbacks import Callback, ModelCheckpoint, ProgressBar
from .history import History
from .metrics import BatchMetric, resolve

STATE_FORMAT = "chainrule.fit"


class NonFiniteError(FloatingPointError):
    """Training produced a NaN or infinite loss or gradient; raised before the optimiser step.

    Attributes: ``epoch``, ``step`` (global, from 1), ``parameter`` (the name of the first
    parameter whose gradient is not finite, or ``None`` when the loss itself is not),
    ``lr``, ``checkpoint`` (the last good checkpoint file, if any) and ``history``.
    """

    def __init__(self, message: str, *, epoch: int, step: int, parameter: str | None, lr: Any,
                 checkpoint: str | None, history: History) -> None:
        super().__init__(message)
        self.epoch, self.step, self.parameter, self.lr = epoch, step, parameter, lr
        self.checkpoint, self.history = checkpoint, history


class Run:
    """One ``fit`` in progress: what callbacks see, and what a checkpoint saves and restores."""

    def __init__(self, model: Any, loss_fn: Any, optimizer: Any, train_loader: Any,
                 val_loader: Any, epochs: int, scheduler: Any, callbacks: list[Callback],
                 history: History) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_loader, self.val_loader = train_loader, val_loader
        self.epochs, self.scheduler = epochs, scheduler
        self.callbacks, self.history = callbacks, history
        self.epoch = 0  # epochs completed
        self.global_step = 0  # optimiser steps taken
        self.stop_training = False

    def _stateful_callbacks(self) -> dict[str, Callback]:
        return {f"{i}:{type(cb).__name__}": cb for i, cb in enumerate(self.callbacks)
                if not isinstance(cb, ProgressBar)}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically: model, optimiser, scheduler, RNG,
        loader positions, history, callbacks and counters."""
        def loader_state(loader: Any) -> Any:
            return loader.state_dict() if hasattr(loader, "state_dict") else None

        return {
            "format": STATE_FORMAT,
            "epoch": self.epoch,
            "global_step": self.global_step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "rng": get_rng_state(),
            "train_loader": loader_state(self.train_loader),
            "val_loader": loader_state(self.val_loader),
            "history": self.history.state_dict(),
            "callbacks": {k: cb.state_dict() for k, cb in self._stateful_callbacks().items()},
        }

    def load_state_dict(self, state: dict[str, Any], source: str | None = None) -> None:
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            what = f"{source!r} is" if source else "the state is"
            held = (f"it holds the keys {', '.join(map(str, list(state)[:6]))}"
                    if isinstance(state, dict) else f"it holds a {type(state).__name__}")
            raise ValueError(
                f"fit(resume_from=...): {what} not a training checkpoint ({held}); resume from a "
                "file written by ModelCheckpoint without save_weights_only, or Run.state_dict(). "
                "A weights-only file loads with model.load_state_dict(chainrule.load(path))"
            )
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        for key, loader in (("train_loader", self.train_loader), ("val_loader", self.val_loader)):
            if state.get(key) is not None and hasattr(loader, "load_state_dict"):
                loader.load_state_dict(state[key])
        self.history.load_state_dict(state["history"])
        saved = state.get("callbacks") or {}
        for key, cb in self._stateful_callbacks().items():
            if key in saved:
                cb.load_state_dict(saved[key])
        self.epoch, self.global_step = int(state["epoch"]), int(state["global_step"])
        set_rng_state(state["rng"])  # last: building the model above may have drawn numbers

    def last_checkpoint(self) -> tuple[str | None, int | None]:
        for cb in self.callbacks:
            if isinstance(cb, ModelCheckpoint) and cb.last_saved is not None:
                return cb.last_saved, cb.last_saved_epoch
        return None, None


def _batch_size(y: Any) -> int:
    shape = y._data.shape if hasattr(y, "_data") else np.shape(y)
    return shape[0] if shape else 1


def _split_batch(batch: Any) -> tuple[Any, Any]:
    try:
        xb, yb = batch
    except (TypeError, ValueError):
        raise TypeError(
            f"fit: each batch must be (inputs, targets); the loader gave a {type(batch).__name__}"
        ) from None
    return xb, yb


MetricsArg = Sequence[str | Callable[..., Any]] | str | None


def evaluate(model: Any, loader: Any, loss_fn: Any = None,
             metrics: MetricsArg = ("accuracy",)) -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader``, in eval mode and without a graph."""
    return _evaluate(model, loader, loss_fn, resolve(metrics))


def _evaluate(model: Any, loader: Any, loss_fn: Any,
              fns: list[tuple[str, BatchMetric]]) -> dict[str, float]:
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    loss_sum, count = 0.0, 0
    totals = [[0.0, 0] for _ in fns]
    try:
        with no_grad():
            for batch in loader:
                xb, yb = _split_batch(batch)
                out = model(xb)
                n = _batch_size(yb)
                if loss_fn is not None:
                    loss_sum += float(loss_fn(out, yb).item()) * n
                count += n
                for acc, (_, fn) in zip(totals, fns, strict=True):
                    s, c = fn(out._data, yb._data)
                    acc[0] += s
                    acc[1] += c
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    logs = {}
    if loss_fn is not None:
        logs["loss"] = loss_sum / count if count else math.nan
    for (name, _), (s, c) in zip(fns, totals, strict=True):
        logs[name] = s / c if c else math.nan
    return logs


@contextlib.contextmanager
def _defer_sigint() -> Iterator[None]:
    """Hold Ctrl-C until the block ends, so a checkpoint and its history entry stay consistent."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    except ValueError:  # signals unavailable here
        yield
        return
    try:
        yield
    finally:
        if previous is None:  # installed outside Python: restore Python's default
            previous = signal.default_int_handler
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def _nonfinite_grad(named: list[tuple[str, Any]]) -> tuple[str, Any] | None:
    """The first (name, parameter) whose gradient holds a NaN or an infinity."""
    with np.errstate(over="ignore", invalid="ignore"):
        for name, p in named:
            g = p.grad
            if g is None:
                continue
            flat = g._data.reshape(-1)
            # one BLAS pass: a NaN or inf anywhere makes g.g non-finite (so can a huge finite
            # g: the exact test settles it)
            if not math.isfinite(np.dot(flat, flat)) and not np.isfinite(flat).all():
                return name, p
    return None


def _lr(optimizer: Any) -> Any:
    groups = getattr(optimizer, "param_groups", None)
    return groups[0].get("lr") if groups else None


def _is_plateau(scheduler: Any) -> bool:
    try:
        from ..optim.lr_scheduler import ReduceLROnPlateau
    except ImportError:
        return False
    return isinstance(scheduler, ReduceLROnPlateau)


def fit(
    model: Any,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Any,
    train_loader: Any,
    val_loader: Any = None,
    epochs: int = 10,
    metrics: MetricsArg = ("accuracy",),
    scheduler: Any = None,
    callbacks: Sequence[Callback] = (),
    progress: bool | None = None,
    *,
    resume_from: str | os.PathLike | dict | None = None,
    check_finite: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the :class:`History`.

    Args:
        model: a ``Module``; ``loss_fn(model(xb), yb)`` must give a scalar loss tensor.
        optimizer: a ``chainrule.optim`` optimiser over ``model.parameters()``.
        train_loader: yields ``(inputs, targets)`` batches (a :class:`chainrule.data.DataLoader`).
        val_loader: evaluated after every epoch into ``val_loss`` and ``val_<metric>``.
        epochs: the total number of epochs (a resumed run continues up to it).
        metrics: names (``"accuracy"``, ``"mse"``, ``"mae"``) or ``fn(output, target) -> float``.
        scheduler: an ``lr_scheduler``, stepped once per epoch (``ReduceLROnPlateau`` with the
            validation loss, or the training loss without a validation loader).
        callbacks: :class:`~chainrule.train.callbacks.Callback` instances.
        progress: show a tqdm bar; ``None`` shows it only when stderr is a terminal.
        resume_from: a checkpoint file written by ``ModelCheckpoint`` (or a ``Run.state_dict()``):
            training continues exactly where it stopped.
        check_finite: stop with :class:`NonFiniteError` on a NaN/inf loss or gradient.

    Ctrl-C stops training cleanly after the last completed epoch: the history (with
    ``history.interrupted = True``) is returned and checkpoints already written stay intact.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    metric_fns = resolve(metrics)
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks must be Callback instances, got {type(cb).__name__}")
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if progress and not any(isinstance(cb, ProgressBar) for cb in callbacks):
        callbacks.insert(0, ProgressBar())
    history = History()
    run = Run(model, loss_fn, optimizer, train_loader, val_loader, int(epochs), scheduler,
              callbacks, history)
    if resume_from is not None:
        if isinstance(resume_from, dict):
            run.load_state_dict(resume_from)
        else:
            run.load_state_dict(load(resume_from), os.fspath(resume_from))
    plateau = scheduler is not None and _is_plateau(scheduler)
    named = list(model.named_parameters()) if check_finite else []

    for cb in callbacks:
        cb.on_train_begin(run)
    try:
        while run.epoch < run.epochs and not run.stop_training:
            epoch = run.epoch + 1
            for cb in callbacks:
                cb.on_epoch_begin(run, epoch)
            started, lr = time.perf_counter(), _lr(optimizer)
            # with the guard on, a NaN/inf is reported once, clearly, by NonFiniteError rather
            # than by NumPy's RuntimeWarnings from whichever op overflowed first
            with np.errstate(over="ignore", invalid="ignore", divide="ignore") if named \
                    else contextlib.nullcontext():
                logs = _train_epoch(run, epoch, metric_fns, named, lr)
            if val_loader is not None:
                val = _evaluate(model, val_loader, loss_fn, metric_fns)
                logs.update({f"val_{k}": v for k, v in val.items()})
            if lr is not None:
                logs["lr"] = float(lr)
            logs["time"] = time.perf_counter() - started
            with _defer_sigint():  # the epoch's bookkeeping and checkpoints happen as a unit
                if scheduler is not None:
                    if plateau:
                        scheduler.step(logs.get("val_loss", logs["loss"]))
                    else:
                        scheduler.step()
                run.epoch = epoch
                history.append(epoch, logs)
                for cb in callbacks:
                    cb.on_epoch_end(run, epoch, logs)
        if run.stop_training:
            history.stopped_epoch = run.epoch
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        for cb in callbacks:
            cb.on_train_end(run)
    return history


def _train_epoch(run: Run, epoch: int, metric_fns: list[tuple[str, BatchMetric]],
                 named: list[tuple[str, Any]], lr: Any) -> dict[str, float]:
    """One pass over the training loader: the plain loop plus running sums."""
    model, loss_fn, optimizer = run.model, run.loss_fn, run.optimizer
    batch_cbs = [cb for cb in run.callbacks if type(cb).on_batch_end is not Callback.on_batch_end]
    if hasattr(model, "train"):
        model.train()
    loss_sum, count = 0.0, 0
    totals = [[0.0, 0] for _ in metric_fns]
    isfinite = math.isfinite
    for batch in run.train_loader:
        xb, yb = _split_batch(batch)
        out = model(xb)
        loss = loss_fn(out, yb)
        optimizer.zero_grad()
        loss.backward()
        value = loss.item()
        if named and (not isfinite(value) or (bad := _nonfinite_grad(named)) is not None):
            _raise_nonfinite(run, epoch, value, None if not isfinite(value) else bad, lr)
        optimizer.step()
        run.global_step += 1
        n = _batch_size(yb)
        loss_sum += value * n
        count += n
        for acc, (_, fn) in zip(totals, metric_fns, strict=True):
            s, c = fn(out._data, yb._data)
            acc[0] += s
            acc[1] += c
        for cb in batch_cbs:
            cb.on_batch_end(run, run.global_step, value)
    logs = {"loss": loss_sum / count if count else math.nan}
    for (name, _), (s, c) in zip(metric_fns, totals, strict=True):
        logs[name] = s / c if c else math.nan
    return logs


def _raise_nonfinite(run: Run, epoch: int, loss: float, bad: tuple[str, Any] | None,
                     lr: Any) -> None:
    step = run.global_step + 1
    batch = run.train_loader._position if hasattr(run.train_loader, "_position") else "?"
    where = f"at epoch {epoch}, step {step} (batch {batch} of {len(run.train_loader)}), lr={lr}"
    if bad is None:
        what, parameter = f"the loss is {loss}", None
    else:
        parameter, p = bad
        g = p.grad._data
        kinds = [k for k, m in (("nan", np.isnan(g)), ("inf", np.isinf(g))) if m.any()]
        what = (f"the gradient of parameter {parameter!r} (shape {tuple(g.shape)}) contains "
                f"{' and '.join(kinds)} (loss {loss:.6g})")
    path, saved_epoch = run.last_checkpoint()
    kept = (f"; the last good checkpoint {path!r} (epoch {saved_epoch}) is kept" if path
            else "; no checkpoint was written")
    raise NonFiniteError(
        f"fit: {what} {where}: training stopped before the optimiser step{kept}. "
        "Lower the learning rate, scale the inputs, or clip gradients",
        epoch=epoch, step=step, parameter=parameter, lr=lr, checkpoint=path, history=run.history,
    )
