"""Callbacks: code that ``fit`` calls at fixed points of training (Keras's design).

A callback subclasses :class:`Callback` and overrides any of

* ``on_train_begin(run)`` / ``on_train_end(run)``,
* ``on_epoch_begin(run, epoch)`` / ``on_epoch_end(run, epoch, logs)`` (``logs``: this epoch's
  ``loss``, metrics, ``val_*``, ``lr``, ``time``),
* ``on_batch_end(run, step, loss)`` (called only if overridden, to keep the hot loop lean).

``run`` is the :class:`~chainrule.train.fit.Run` in progress: ``run.model``, ``run.optimizer``,
``run.history``, ``run.epoch``, ``run.global_step``; setting ``run.stop_training = True`` ends
training after the current epoch. A callback with state to resume implements ``state_dict`` and
``load_state_dict``.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import numpy as np

from ..serialization import save
from .history import resolve_mode


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, run: Any) -> None:
        pass

    def on_epoch_begin(self, run: Any, epoch: int) -> None:
        pass

    def on_batch_end(self, run: Any, step: int, loss: float) -> None:
        pass

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, run: Any) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _monitored(name: str, monitor: str, logs: dict[str, float]) -> float:
    if monitor not in logs:
        hint = " (pass val_loader= to fit for val_* values)" if monitor.startswith("val_") else ""
        raise ValueError(
            f"{name}: monitor={monitor!r} is not among this epoch's values "
            f"({', '.join(logs)}){hint}"
        )
    return logs[monitor]


class _Best:
    """Tracks the best value of a monitored quantity: ``improved(v)`` is better by ``min_delta``."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        self.monitor = monitor
        self.mode = resolve_mode(monitor, mode)
        self.min_delta = abs(float(min_delta))
        self.best = math.inf if self.mode == "min" else -math.inf

    def improved(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights=True`` the model gets back the parameters of its best epoch when
    training ends.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 5,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(
                f"EarlyStopping: patience must be a non-negative integer, got {patience!r}"
            )
        self._best = _Best(monitor, mode, min_delta)
        self.monitor, self.patience = monitor, patience
        self.restore_best_weights = restore_best_weights
        self.wait = 0
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self._best_weights: dict[str, Any] | None = None

    @property
    def best(self) -> float:
        return self._best.best

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, float]) -> None:
        value = _monitored("EarlyStopping", self.monitor, logs)
        if self._best.improved(value):
            self._best.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = {k: np.array(v._data if hasattr(v, "_data") else v, copy=True)
                                      for k, v in run.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            run.stop_training = True

    def on_train_end(self, run: Any) -> None:
        if self.restore_best_weights and self._best_weights is not None:
            from ..tensor import Tensor

            run.model.load_state_dict({k: Tensor._make(v) for k, v in self._best_weights.items()})

    def state_dict(self) -> dict[str, Any]:
        return {"best": self._best.best, "wait": self.wait, "best_epoch": self.best_epoch,
                "best_weights": self._best_weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._best.best, self.wait = float(state["best"]), int(state["wait"])
        self.best_epoch = state.get("best_epoch")
        self._best_weights = state.get("best_weights")


class ModelCheckpoint(Callback):
    """Save a checkpoint at the end of epochs: every ``every`` epochs, or only on improvement.

    By default the file holds the whole training state (model, optimiser, scheduler, RNG, loader
    positions, history, callbacks, epoch) that ``fit(..., resume_from=path)`` continues from;
    ``save_weights_only=True`` saves ``model.state_dict()`` alone. ``filepath`` may hold fields
    such as ``"ckpt-{epoch:03d}.npz"`` or ``"{val_loss:.3f}.npz"``. Writes are atomic, so the
    previous file survives a crash or Ctrl-C mid-write.

    An epoch whose loss or validation loss is NaN or inf is not saved: the previous checkpoint,
    the last good one, stays (weights whose loss is inf are nothing to go back to).
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss",
                 save_best_only: bool = False, mode: str = "auto", save_weights_only: bool = False,
                 every: int = 1) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"ModelCheckpoint: every must be a positive integer, got {every!r}")
        self.filepath = os.fspath(filepath)
        self.monitor, self.save_best_only = monitor, save_best_only
        self.save_weights_only, self.every = save_weights_only, every
        self._best = _Best(monitor, mode, 0.0)
        self.last_saved: str | None = None
        self.last_saved_epoch: int | None = None

    @property
    def best(self) -> float:
        return self._best.best

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, float]) -> None:
        if not all(math.isfinite(v) for k, v in logs.items() if k == "loss" or k.endswith("_loss")):
            return
        if self.save_best_only:
            if not self._best.improved(_monitored("ModelCheckpoint", self.monitor, logs)):
                return
            self._best.best = logs[self.monitor]
        elif epoch % self.every:
            return
        path = self.filepath.format(epoch=epoch, **logs)
        previous = self.last_saved, self.last_saved_epoch
        self.last_saved, self.last_saved_epoch = path, epoch  # set first: the saved state holds it
        try:
            save(run.model.state_dict() if self.save_weights_only else run.state_dict(), path)
        except BaseException:
            self.last_saved, self.last_saved_epoch = previous
            raise

    def state_dict(self) -> dict[str, Any]:
        return {"best": self._best.best, "last_saved": self.last_saved,
                "last_saved_epoch": self.last_saved_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._best.best = float(state["best"])
        self.last_saved = state.get("last_saved")
        self.last_saved_epoch = state.get("last_saved_epoch")


class ProgressBar(Callback):
    """A tqdm bar over all training steps, with the live loss and each epoch's validation values.

    ``labels`` renames the validation values as :meth:`History.plot` does, e.g. ``{"val": "test"}``
    shows ``test_loss`` where the validation set is the test split.
    """

    def __init__(self, file: Any = None, leave: bool = True,
                 labels: dict[str, str] | None = None) -> None:
        self.file, self.leave = file, leave
        self.val_name = (labels or {}).get("val", "val")
        self.bar: Any = None

    def on_train_begin(self, run: Any) -> None:
        from tqdm import tqdm

        steps = len(run.train_loader)
        self.bar = tqdm(total=run.epochs * steps, initial=run.global_step, unit="step",
                        file=self.file or sys.stderr, leave=self.leave, dynamic_ncols=True)
        self._epochs, self._extra = run.epochs, ""

    def on_epoch_begin(self, run: Any, epoch: int) -> None:
        self.bar.set_description_str(f"epoch {epoch}/{self._epochs}", refresh=False)

    def on_batch_end(self, run: Any, step: int, loss: float) -> None:
        self.bar.postfix = f"loss={loss:.4f}{self._extra}"
        self.bar.update(1)

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, float]) -> None:
        shown = [(self.val_name + k[3:], v) for k, v in logs.items() if k.startswith("val_")]
        self._extra = "".join(f", {k}={v:.4f}" for k, v in shown)
        self.bar.set_postfix_str(f"loss={logs['loss']:.4f}{self._extra}")

    def on_train_end(self, run: Any) -> None:
        if self.bar is not None:
            if run.history.interrupted:
                self.bar.set_postfix_str(f"interrupted after epoch {run.epoch}")
            self.bar.close()
            self.bar = None
