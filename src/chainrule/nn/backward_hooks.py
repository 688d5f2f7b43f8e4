"""A module's full backward hooks: ``register_full_backward_hook`` and ``register_full_backward_pre_hook``.

Once per backward pass through a module call, a full backward hook sees the gradients of the
loss with respect to the call's outputs (``grad_output``) and to its positional inputs
(``grad_input``), and may return replacements for ``grad_input``; a pre-hook sees ``grad_output``
first and may replace it. The chain rule inside the module is untouched: the hooks stand at its
two borders, ::

    inputs x_i ─► gate ─► x'_i ─► forward ─► y_j ─► gate ─► y'_j ─► ... loss
                   │                                  │
       hook(module, grad_input, grad_output)    pre_hook(module, grad_output)

Each border is one graph node, a *gate*, that bundles the tensors crossing it
(:mod:`chainrule.autograd.bundle`): backward, it runs once with all their gradients (an output
used twice reaches the hook once, with the sum), calls the hooks, and sends each tensor its
gradient. A tensor no gradient reached (an output the loss does not use) is reported as None,
as in PyTorch. As in PyTorch, ``grad_input`` has one entry per positional argument (None for
a non-tensor) and ``grad_output`` one per output (the output itself, or each entry of a tuple).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd.bundle import Bundle
from ..autograd.function import Function
from ..tensor import Tensor


class _Gate(Function):
    """Forward: the tensors bundled, ``flat = [x_1.ravel(), ..., x_n.ravel()]``. Backward: the
    flat gradient split back per tensor, handed to ``on_backward`` (the hooks), and what it
    returns sent on."""

    array_io = True

    @staticmethod
    def forward(ctx, *arrays, bundle: Bundle, on_backward: Callable[[tuple], tuple]):
        ctx.bundle, ctx.on_backward = bundle, on_backward
        return bundle.flatten(list(arrays))

    @staticmethod
    def backward(ctx, g):
        return ctx.on_backward(ctx.bundle.split(g))


def _through_gate(tensors: list[Tensor], on_backward: Callable[[tuple], tuple]) -> list[Tensor]:
    """The tensors, read back through one gate whose backward calls ``on_backward``."""
    bundle = Bundle([t._data for t in tensors])
    return bundle.parts(_Gate.apply(*tensors, bundle=bundle, on_backward=on_backward))


class BackwardHookCall:
    """One call of a module with backward hooks: puts the gates around it and runs the hooks.

    ``Module.__call__`` passes the positional arguments through :meth:`inputs` before ``forward``
    and the result through :meth:`outputs` after it (and after the forward hooks).
    """

    def __init__(self, module: Any) -> None:
        self.module = module
        self.n_inputs = 0
        self.input_positions: list[int] = []  # which arguments crossed the input gate
        self.n_outputs = 0
        self.output_positions: list[int] = []  # which outputs crossed the output gate (none: no hooks run)
        self.grad_output: tuple[Any, ...] | None = None

    def inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The arguments, their tensors read through the input gate when one requires grad
        (then every tensor argument crosses it, as in PyTorch)."""
        self.n_inputs = len(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not any(args[i].requires_grad for i in positions):
            return args
        self.input_positions = positions
        parts = _through_gate([args[i] for i in positions], self._input_gradients)
        new_args = list(args)
        for i, part in zip(positions, parts):
            new_args[i] = part
        return tuple(new_args)

    def outputs(self, result: Any) -> Any:
        """The result, its tensors read through the output gate (a Tensor or a tuple holds them)."""
        is_tuple = isinstance(result, tuple)
        if not is_tuple and not isinstance(result, Tensor):
            warnings.warn(
                "For backward hooks to be called, module output should be a Tensor or a tuple of "
                f"Tensors but received {type(result)}",
                UserWarning,
                stacklevel=4,
            )
            return result
        items = list(result) if is_tuple else [result]
        positions = [i for i, r in enumerate(items) if isinstance(r, Tensor) and r.requires_grad]
        if not positions:
            return result
        self.n_outputs, self.output_positions = len(items), positions
        self.output_layouts = [(items[i]._data.shape, items[i]._data.dtype) for i in positions]
        parts = _through_gate([items[i] for i in positions], self._output_gradients)
        for i, part in zip(positions, parts):
            items[i] = part
        return tuple(items) if is_tuple else items[0]

    # ------------------------------------------------------------------ backward
    def _output_gradients(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        """At the output gate: the pre-hooks may replace ``grad_output``; the full hooks wait for
        ``grad_input``, or run now when no input requires grad."""
        grad_output = self._pack(grads, self.output_positions, self.n_outputs)
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grad_output)
            if result is not None:
                grad_output = self._replacement(result, grad_output, "Backward pre hook", "grad_output")
        self.grad_output = grad_output
        if not self.input_positions and self.module._backward_hooks:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module "
                "outputs since no inputs require gradients.",
                UserWarning,
                stacklevel=2,
            )
            self._run_hooks((None,) * self.n_inputs)
        # an output the loss did not use sends zeros into the module, as in PyTorch (the hooks saw None)
        return tuple(np.zeros(shape, dtype) if grad_output[i] is None else grad_output[i]._data
                     for i, (shape, dtype) in zip(self.output_positions, self.output_layouts))

    def _input_gradients(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        """At the input gate: the full hooks see ``grad_input`` and may replace it."""
        if not self.output_positions:  # the outputs were not hooked (a list, say): nor are the inputs
            return grads
        grad_input = self._run_hooks(self._pack(grads, self.input_positions, self.n_inputs))
        return tuple(self._array(grad_input[i]) for i in self.input_positions)

    def _run_hooks(self, grad_input: tuple[Any, ...]) -> tuple[Any, ...]:
        grad_output = self.grad_output if self.grad_output is not None else (None,) * self.n_outputs
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, grad_output)
            if result is not None:
                grad_input = self._replacement(result, grad_input, "Backward hook", "grad_input")
        return grad_input

    @staticmethod
    def _pack(grads: tuple[Any, ...], positions: list[int], n: int) -> tuple[Any, ...]:
        """One entry per argument (or output): the gradient as a Tensor, or None."""
        packed: list[Any] = [None] * n
        for i, g in zip(positions, grads):
            packed[i] = None if g is None else Tensor._make(g)
        return tuple(packed)

    def _replacement(self, result: Any, current: tuple[Any, ...], who: str, what: str) -> tuple[Any, ...]:
        """A hook's returned gradients, checked against those it replaces."""
        result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(result) != len(current):
            raise RuntimeError(
                f"{who} returned an invalid number of {what}, got {len(result)}, but expected "
                f"{len(current)}"
            )
        name = type(self.module).__name__
        for i, (new, old) in enumerate(zip(result, current)):
            if new is None or old is None:
                continue
            if not isinstance(new, Tensor):
                raise TypeError(
                    f"{name}: a {who.lower()} must return Tensors or None, but {what}[{i}] is a "
                    f"{type(new).__name__}"
                )
            if tuple(new.shape) != tuple(old.shape):
                raise RuntimeError(
                    f"{name}: a {who.lower()} changed the shape of {what}[{i}] from "
                    f"{tuple(old.shape)} to {tuple(new.shape)}; the gradient must keep its tensor's shape"
                )
        return result

    @staticmethod
    def _array(g: Any) -> np.ndarray | None:
        return None if g is None else g._data
