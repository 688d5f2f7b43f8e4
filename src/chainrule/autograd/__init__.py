"""chainrule.autograd: the graph, the backward engine and gradient checking."""

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = [
    "Function", "GradcheckError", "backward", "enable_grad", "gradcheck", "is_grad_enabled", "no_grad",
    "set_grad_enabled",
]


def __getattr__(name: str):
    # Function and the engine import Tensor, which imports this package: load them lazily
    if name == "Function":
        from .function import Function

        return Function
    if name in ("gradcheck", "GradcheckError"):
        # the module has another name, so importing it never shadows the function
        from . import finite_differences

        return getattr(finite_differences, name)
    if name == "backward":
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'chainrule.autograd' has no attribute {name!r}")
