"""chainrule's reference arithmetic without its framework: the MLP step of (a) and (b) made of the
reference ops' own ``forward``/``backward`` and Adam's update, called directly in a fixed order.

No Tensor, no graph, no module call, no backward walk, no optimiser loop: each op's static
``forward(ctx, ...)`` and ``backward(ctx, grad)`` (the methods the engine calls) runs on ndarrays,
with a bare context object, and ``Adam._update`` runs on each parameter. Run with the fast backend
off, it is exactly the reference path's NumPy work. Its time over the floor's is what the
reference's *arithmetic* costs; the full reference step over this one is what the framework
(modules, ``Function.apply``, the engine, ``Optimizer.step``, the checks of every input) adds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import chainrule
from chainrule.autograd.ops.activation import ReLU
from chainrule.nn._functions.classification_loss import CrossEntropy
from chainrule.nn._functions.linear import LinearFunction


def _context(op: type, needs_input_grad: Sequence[bool]) -> object:
    """A bare context of ``op``: what its backward reads of the graph is only which inputs need a
    gradient (a node's ``_parents``, None where none is needed)."""
    ctx = object.__new__(op)
    ctx._parents = tuple(True if need else None for need in needs_input_grad)
    return ctx


class ReferenceOps:
    """The step ``Linear -> ReLU -> ... -> Linear -> cross-entropy``, backward, Adam, by direct calls."""

    def __init__(self, layers: Sequence[tuple[np.ndarray, np.ndarray]], *, lr: float = 1e-3) -> None:
        # parameters in PyTorch's layout (weight [out, in], bias [out]), copied
        self.params = [np.array(a, dtype=np.float32) for layer in layers for a in layer]
        adam = chainrule.optim.Adam([chainrule.from_numpy(p) for p in self.params], lr=lr)
        self.update, self.group = adam._update, adam.param_groups[0]
        self.states: list[dict] = [{} for _ in self.params]
        for state, p in zip(self.states, self.params):
            adam._init_state(state, p, self.group)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One training step on ``(x, y)``; returns the loss before the update."""
        # forward, keeping each node's context in order
        nodes = []
        h = x
        layers = len(self.params) // 2
        for l in range(layers):
            ctx = _context(LinearFunction, (l > 0, True, True))  # the input x needs no gradient
            h = LinearFunction.forward(ctx, h, self.params[2 * l], self.params[2 * l + 1])
            nodes.append((LinearFunction, ctx))
            if l < layers - 1:
                ctx = _context(ReLU, (True,))
                h = ReLU.forward(ctx, h)
                nodes.append((ReLU, ctx))
        ctx = _context(CrossEntropy, (True, False))
        loss = CrossEntropy.forward(ctx, h, y, weight=None, ignore_index=-100, label_smoothing=0.0,
                                    reduction="mean")
        nodes.append((CrossEntropy, ctx))
        # backward: the chain in reverse; a Linear's weight and bias gradients are the parameters'
        grads: list[np.ndarray] = []
        g = np.ones((), loss.dtype)
        for op, ctx in reversed(nodes):
            out = op.backward(ctx, g)
            if op is LinearFunction:
                g, dw, db = out
                grads[:0] = [dw, db]
            else:
                g = out[0]
        # Adam, one parameter at a time
        for p, grad, state in zip(self.params, grads, self.states):
            state["step"] += 1
            self.update(p, grad, state, self.group)
        return float(loss)
