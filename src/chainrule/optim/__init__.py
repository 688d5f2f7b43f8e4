"""chainrule.optim: the lecture's optimisers and learning-rate schedules, as ``torch.optim``.

Gradient descent ``θ ← θ - η ∇θ J(θ)`` (:class:`SGD`, with momentum and Nesterov momentum) and
the adaptive methods (:class:`Adagrad`, :class:`Adadelta`, :class:`RMSprop`, :class:`Adamax`,
:class:`Adam`, :class:`AdamW`, :class:`NAdam`, :class:`RAdam`), the sign-based :class:`Rprop`,
averaged SGD (:class:`ASGD`), the memory-saving :class:`Adafactor` and the quasi-Newton
:class:`LBFGS`, each step for step equal to its PyTorch namesake; :mod:`.swa_utils` averages the
weights along a run (stochastic weight averaging, exponential moving averages). Usage is
PyTorch's::

    opt = chainrule.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
"""

from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "lr_scheduler",
    "swa_utils",
]
