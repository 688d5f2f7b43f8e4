"""History: what ``fit`` measured, one row per epoch (as Keras's ``History``).

``history.history`` maps each quantity to its per-epoch values: ``loss`` and each metric on the
training batches (averaged over the epoch, weighted by batch size), ``val_loss`` and
``val_<metric>`` on the validation loader after the epoch, ``lr`` (the learning rate used) and
``time`` (seconds).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..serialization import atomic_write


class History:
    """Per-epoch records: ``history["val_loss"]``, ``history.epoch``, ``to_csv()``, ``plot()``."""

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}
        self.interrupted = False  # training stopped by Ctrl-C
        self.stopped_epoch: int | None = None  # set when a callback (early stopping) stopped it

    # ------------------------------------------------------------------ records
    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Add one epoch's values; quantities missing on either side are filled with NaN."""
        n = len(self.epoch)
        for key, value in logs.items():
            if key not in self.history:
                self.history[key] = [math.nan] * n
            self.history[key].append(float(value))
        for values in self.history.values():
            if len(values) == n:
                values.append(math.nan)
        self.epoch.append(int(epoch))

    def __getitem__(self, key: str) -> list[float]:
        try:
            return self.history[key]
        except KeyError:
            known = ", ".join(self.history)
            raise KeyError(f"History: no quantity {key!r}; it has {known}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def keys(self) -> list[str]:
        return list(self.history)

    def last(self) -> dict[str, float]:
        """The last epoch's values (empty before the first epoch)."""
        return {k: v[-1] for k, v in self.history.items()} if self.epoch else {}

    def best(self, monitor: str = "val_loss", mode: str = "auto") -> tuple[int, float]:
        """``(epoch, value)`` where ``monitor`` was best (``mode``: min, max, or auto by name)."""
        values = self[monitor]
        finite = [(v, e) for v, e in zip(values, self.epoch, strict=True) if not math.isnan(v)]
        if not finite:
            raise ValueError(f"History.best: {monitor!r} has no recorded values")
        pick = max if resolve_mode(monitor, mode) == "max" else min
        value, epoch = pick(finite, key=lambda ve: ve[0])
        return epoch, value

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History({len(self)} epochs{': ' + last if last else ''})"

    # ------------------------------------------------------------------ files
    def to_csv(self, path: str | os.PathLike | None = None) -> str:
        """Write ``epoch,<quantities...>`` rows to ``path`` (atomically); return the CSV text."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        keys = list(self.history)
        writer.writerow(["epoch", *keys])
        for i, epoch in enumerate(self.epoch):
            writer.writerow([epoch, *(repr(self.history[k][i]) for k in keys)])
        text = buf.getvalue()
        if path is not None:
            with atomic_write(path, "w", encoding="utf-8") as f:
                f.write(text)
        return text

    @classmethod
    def from_csv(cls, path: str | os.PathLike) -> History:
        """Read a file written by :meth:`to_csv`."""
        h = cls()
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        if not rows or not rows[0] or rows[0][0] != "epoch":
            raise ValueError(f"History.from_csv: {os.fspath(path)!r} has no 'epoch' header row")
        keys = rows[0][1:]
        for row in rows[1:]:
            h.append(int(row[0]), {k: float(v) for k, v in zip(keys, row[1:], strict=True)})
        return h

    def state_dict(self) -> dict[str, Any]:
        return {
            "epoch": list(self.epoch),
            "history": {k: list(v) for k, v in self.history.items()},
            "interrupted": self.interrupted,
            "stopped_epoch": self.stopped_epoch,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.epoch = [int(e) for e in state["epoch"]]
        self.history = {k: [float(x) for x in v] for k, v in state["history"].items()}
        self.interrupted = bool(state.get("interrupted", False))
        self.stopped_epoch = state.get("stopped_epoch")

    # ------------------------------------------------------------------ plot
    def plot(
        self,
        path: str | os.PathLike | None = None,
        metrics: Sequence[str] | None = None,
        title: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Any:
        """One panel for the loss and one per metric, train and validation curves over epochs.

        Returns the matplotlib ``Figure``; with ``path`` also saves it (PNG, SVG, PDF by extension).
        ``labels`` renames the curves, e.g. ``{"val": "test"}``.
        """
        from matplotlib.figure import Figure

        if metrics is None:
            metrics = [k for k in self.history
                       if not k.startswith("val_") and k not in ("loss", "lr", "time")]
        panels = ["loss", *metrics]
        rename = {"train": "train", "val": "validation", **(labels or {})}
        from matplotlib.ticker import FuncFormatter

        fig = Figure(figsize=(4.2 * len(panels), 3.4), layout="constrained")  # labels never cut
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, name in zip(axes, panels, strict=True):
            for key, split in ((name, "train"), (f"val_{name}", "val")):
                if key in self.history:
                    ax.plot(self.epoch, self.history[key], label=rename[split],
                            marker="o" if len(self.epoch) < 20 else None, markersize=3)
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.set_title(name)
            ax.grid(alpha=0.3)
            if name == "loss" and _spans_decades(self.history, name):
                # a log axis where the loss falls by orders of magnitude, labelled in plain numbers
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.legend()
        if title:
            fig.suptitle(title)
        if path is not None:
            buf = io.BytesIO()
            fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
            fig.savefig(buf, format=fmt, dpi=120)
            with atomic_write(path) as f:
                f.write(buf.getvalue())
        return fig


def _spans_decades(history: Mapping[str, list[float]], name: str) -> bool:
    """Whether the finite values of ``name`` and ``val_<name>`` are positive and span more than a
    factor of 10 (under a decade a log axis has no labelled tick and reads as a linear one)."""
    values = [v for v in history.get(name, []) + history.get(f"val_{name}", []) if math.isfinite(v)]
    return len(values) > 1 and min(values) > 0 and max(values) > 10 * min(values)


def resolve_mode(monitor: str, mode: str) -> str:
    """``"min"`` or ``"max"``; ``"auto"`` means max for accuracy-like names, min otherwise."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if ("acc" in monitor or monitor.endswith("score")) else "min"
