"""chainrule.train: ``fit`` (the training loop with its conveniences), ``History`` and callbacks.

The plain loop (``loss.backward(); optimizer.step()``) is always available and first-class;
``fit`` runs that same loop and adds metrics, validation, progress, early stopping, checkpoints,
a NaN/inf guard, clean Ctrl-C and exact resumption.
"""

from .callbacks import Callback, EarlyStopping, ModelCheckpoint, ProgressBar
from .fit import NonFiniteError, Run, evaluate, fit
from .history import History
from .metrics import accuracy

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "NonFiniteError",
    "ProgressBar",
    "Run",
    "accuracy",
    "evaluate",
    "fit",
]
