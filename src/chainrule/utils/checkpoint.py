"""Activation checkpointing, as ``torch.utils.checkpoint``: trade computation for memory.

Backpropagation keeps, for every operation, what its backward needs (the activations): for a deep
network, most of the memory of training. ``checkpoint(function, *args)`` keeps none of
``function``'s: its graph is dropped as soon as the outputs exist, and one node stands in its
place. When the backward pass reaches that node, it runs ``function`` again on the same inputs
(with the random state it had the first time, so dropout draws the same mask), back-propagates
the outputs' gradients through this fresh graph, and hands on the gradients of the inputs and of
the parameters ``function`` used. The gradients are exactly those without checkpointing; the
price is a second forward pass through ``function``.

``checkpoint_sequential(model, segments, input)`` checkpoints a ``Sequential`` in ``segments``
pieces (the last one runs normally), so that only the activations at the borders are kept.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import random as _random
from ..autograd import grad as _grad
from ..autograd import grad_mode
from ..autograd.bundle import Bundle
from ..autograd.function import Function
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, its activations recomputed in the backward pass instead of kept.

    ``use_reentrant`` chooses PyTorch's variant; pass it explicitly (without it PyTorch warns and
    takes ``True``). With ``True``, keyword arguments are refused and the outputs require grad
    only if a tensor argument does; with ``False``, the outputs require grad exactly as
    ``function``'s own would (a parameter inside is enough).
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "use_reentrant=False is recommended, but if you need to preserve the current default "
            "behavior, you can pass use_reentrant=True.",
            UserWarning,
            stacklevel=2,
        )
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    if use_reentrant and not any(args[i].requires_grad for i in tensor_positions):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      UserWarning, stacklevel=2)
        with grad_mode.no_grad():
            return function(*args, **kwargs)
    if not grad_mode.is_grad_enabled():
        return function(*args, **kwargs)

    recompute = _Recomputation(function, args, kwargs, tensor_positions, preserve_rng_state)
    outputs = recompute.run()  # with its graph, which is dropped below: only the outputs stay
    items = list(outputs) if isinstance(outputs, tuple) else [outputs]
    out_positions = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
    if not out_positions:
        return outputs
    recompute.note_leaves([items[i] for i in out_positions])
    bundle = Bundle([items[i]._data for i in out_positions])
    flat = _Checkpoint.apply(*recompute.parents(), bundle=bundle, recompute=recompute,
                             out_positions=out_positions,
                             flat=bundle.flatten([items[i]._data for i in out_positions]))
    for i, part in zip(out_positions, bundle.parts(flat)):
        items[i] = part
    return tuple(items) if isinstance(outputs, tuple) else items[0]


class _Recomputation:
    """What the checkpoint node needs to run ``function`` again: the function, the arguments
    (their arrays as they were), the random state, and the leaves (parameters) it reached."""

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 tensor_positions: list[int], preserve_rng_state: bool) -> None:
        self.function, self.args, self.kwargs = function, args, kwargs
        self.tensor_positions = tensor_positions
        self.rng_state = _random.get_rng_state() if preserve_rng_state else None
        self.leaves: list[Tensor] = []

    def run(self) -> Any:
        """``function`` on detached copies of the tensor arguments (leaves of a graph of its own)."""
        args = list(self.args)
        for i in self.tensor_positions:
            a = self.args[i]
            args[i] = a.detach().requires_grad_(a.requires_grad)
        self.detached = [args[i] for i in self.tensor_positions]
        return self.function(*args, **self.kwargs)

    def note_leaves(self, outputs: list[Tensor]) -> None:
        """The leaves that require grad in the outputs' graph, other than the arguments (the
        parameters ``function`` used): the node sends them their gradients."""
        arguments = {id(t) for t in self.detached}
        seen, stack = set(), [o.grad_fn for o in outputs]
        leaves: dict[int, Tensor] = {}
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            for parent in node._parents:
                if isinstance(parent, Tensor):
                    if parent.requires_grad and id(parent) not in arguments:
                        leaves.setdefault(id(parent), parent)
                elif parent is not None:
                    stack.append(parent)
        self.leaves = list(leaves.values())

    def parents(self) -> list[Tensor]:
        """The checkpoint node's inputs: the tensor arguments, then the leaves."""
        return [self.args[i] for i in self.tensor_positions] + self.leaves

    def gradients(self, grads: tuple[np.ndarray | None, ...], out_positions: list[int]) -> tuple[Any, ...]:
        """Run ``function`` again (same random state) and back-propagate ``grads`` through it:
        the gradients of the node's inputs, in :meth:`parents`' order."""
        saved = _random.get_rng_state() if self.rng_state is not None else None
        if self.rng_state is not None:
            _random.set_rng_state(self.rng_state)
        try:
            with grad_mode.enable_grad():
                outputs = self.run()
        finally:
            if saved is not None:
                _random.set_rng_state(saved)
        items = list(outputs) if isinstance(outputs, tuple) else [outputs]
        recomputed = [items[i] for i in out_positions]
        wanted = [t for t in self.detached if t.requires_grad] + self.leaves
        used = [(o, g) for o, g in zip(recomputed, grads) if g is not None]
        if not wanted or not used:
            return (None,) * (len(self.detached) + len(self.leaves))
        found = iter(_grad([o for o, _ in used], wanted, grad_outputs=[Tensor._make(g) for _, g in used],
                           allow_unused=True))
        result = [next(found) if t.requires_grad else None for t in self.detached]
        result += [next(found) for _ in self.leaves]
        return tuple(None if g is None else g._data for g in result)


class _Checkpoint(Function):
    """The node that stands for a checkpointed function: forward returns its (already computed)
    outputs bundled; backward recomputes the function and returns its inputs' gradients."""

    array_io = True

    @staticmethod
    def forward(ctx, *arrays, bundle: Bundle, recompute: _Recomputation, out_positions: list[int],
                flat: np.ndarray):
        ctx.bundle, ctx.recompute, ctx.out_positions = bundle, recompute, out_positions
        return flat

    @staticmethod
    def backward(ctx, g):
        return ctx.recompute.gradients(ctx.bundle.split(g), ctx.out_positions)


def checkpoint_sequential(functions: Any, segments: int, input: Any, use_reentrant: bool | None = None,  # noqa: A002
                          **kwargs: Any) -> Any:
    """Run a ``Sequential`` (or a list of modules) in ``segments`` pieces, every piece but the last
    checkpointed: only the activations between pieces are kept for the backward pass."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True.",
            UserWarning,
            stacklevel=2,
        )
        use_reentrant = True
    modules = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be at least 1, got {segments}")
    size = len(modules) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        piece = modules[start:end + 1]
        input = checkpoint(_run_piece(piece), input, use_reentrant=use_reentrant, **kwargs)  # noqa: A001
    return _run_piece(modules[end + 1:])(input)


def _run_piece(modules: list[Any]) -> Callable[[Any], Any]:
    def forward(x: Any) -> Any:
        for module in modules:
            x = module(x)
        return x

    return forward
