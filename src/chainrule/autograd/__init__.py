"""chainrule.autograd: the graph, the backward engine, ``grad`` and gradient checking."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = [
    "Function", "GradcheckError", "Variable", "backward", "enable_grad", "functional", "grad", "gradcheck",
    "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "no_grad", "set_grad_enabled",
]


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None) -> tuple[Any, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned instead of stored in ``.grad``.

    ``grad(loss, [w, b])`` is ``(dloss/dw, dloss/db)``; no tensor's ``.grad`` changes. With several
    outputs (or non-scalar ones, given their ``grad_outputs``) it is the gradient of
    ``sum_k <outputs_k, grad_outputs_k>``. An input the outputs do not depend on is an error, or
    ``None`` with ``allow_unused=True``. The graph is freed unless ``retain_graph=True``.
    ``create_graph=True`` (a differentiable gradient, for higher derivatives) is not supported:
    chainrule's backward computes with arrays, not with recorded operations.
    """
    from ..tensor import Tensor
    from . import engine

    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): higher-order gradients are not supported; chainrule's "
            "backward computes with NumPy arrays, so the gradient it returns has no graph of its own"
        )
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"autograd.grad: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad; only such tensors have gradients")
    for i, o in enumerate(outputs):
        if not o.requires_grad:
            raise RuntimeError(f"autograd.grad: output {i} does not require grad and has no grad_fn")

    root = _weighted_sum(outputs, grad_outputs)
    # every .grad the backward would write is set aside, and given back afterwards
    kept = {id(t): (t, t.grad) for t in _tensors_written(root)}
    targets = []
    for t in inputs:  # a non-leaf input keeps its gradient, as retain_grad() does, for this backward
        kept[id(t)] = (t, t.grad)
        if t.grad_fn is not None:
            targets.append((t.grad_fn, t.grad_fn._retained))
            t.grad_fn._retained = weakref.ref(t)
    for t, _ in kept.values():
        t.grad = None
    try:
        engine.backward(root, retain_graph=bool(retain_graph))
        grads = tuple(t.grad for t in inputs)
    finally:
        for node, retained in targets:
            node._retained = retained
        for t, old in kept.values():
            t.grad = old
    for i, g in enumerate(grads):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"autograd.grad: input {i} (shape {tuple(inputs[i].shape)}) appears not to have been used "
                "in the graph of the outputs; pass allow_unused=True to get None for it"
            )
    return grads


def _weighted_sum(outputs: Sequence[Any], grad_outputs: Sequence[Any]) -> Any:
    """sum_k <outputs_k, grad_outputs_k>: its gradient w.r.t. outputs_k is grad_outputs_k."""
    from ..tensor import Tensor

    total = None
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if o._data.size != 1:
                raise RuntimeError(
                    f"autograd.grad: grad can be implicitly created only for scalar outputs; output {i} "
                    f"has shape {tuple(o.shape)}, so pass its grad_outputs"
                )
            term = o.sum()
        else:
            g = g._data if isinstance(g, Tensor) else g
            if tuple(getattr(g, "shape", ())) != tuple(o.shape):
                raise RuntimeError(
                    f"autograd.grad: grad_outputs {i} has shape {tuple(getattr(g, 'shape', ()))}, "
                    f"but output {i} has shape {tuple(o.shape)}"
                )
            term = (o * Tensor._make(g.astype(o._data.dtype, copy=False))).sum()
        total = term if total is None else total + term
    return total


def _tensors_written(root: Any) -> list[Any]:
    """The tensors whose ``.grad`` a backward from ``root`` fills: the leaves, and the non-leaves
    that retain their gradient."""
    from ..tensor import Tensor

    found, seen, stack = [], set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Tensor):
            found.append(node)
            continue
        kept = node._retained() if node._retained is not None else None
        if kept is not None:
            found.append(kept)
        stack.extend(node._parents)
    return found


def __getattr__(name: str) -> Any:
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
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    if name == "Variable":  # PyTorch's pre-0.4 wrapper: today a tensor is its own Variable
        from ..legacy import Variable

        return Variable
    raise AttributeError(f"module 'chainrule.autograd' has no attribute {name!r}")
