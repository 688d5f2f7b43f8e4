"""A bundle: several tensors laid side by side in one flat array, so one graph node stands for all.

chainrule's graph nodes have one output each. Where one node must see the gradients of several
tensors at once (a module's backward hooks, a checkpointed function's recomputation), the
tensors are bundled: the node outputs ``flat = [x_1.ravel(), ..., x_n.ravel()]`` and each tensor
is read back from it as a *part*, ``x_i = flat[start_i:stop_i].reshape(shape_i)``, a node of its
own. Backward, every part puts its gradient in place in a flat gradient; the engine sums them at
the bundling node (the total derivative), which then runs once with all of them and splits the
sum back per tensor (:meth:`Bundle.split`). A part that received no gradient (a tensor the loss
does not use) is reported as None.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .function import Function


class Bundle:
    """Where each tensor lies in the flat array, and which of them received a gradient in the
    backward pass under way."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.shapes = [a.shape for a in arrays]
        self.dtypes = [a.dtype for a in arrays]
        self.dtype = np.result_type(*self.dtypes)  # the flat array's: every tensor fits in it
        self.starts = [0]
        for a in arrays:
            self.starts.append(self.starts[-1] + a.size)
        self.reached = [False] * len(arrays)

    def flatten(self, arrays: list[np.ndarray]) -> np.ndarray:
        """``[x_1.ravel(), ..., x_n.ravel()]``, in the bundle's dtype."""
        return np.concatenate([a.reshape(-1).astype(self.dtype, copy=False) for a in arrays])

    def split(self, flat_grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """The flat gradient back per tensor (None for a part no gradient reached); the next
        backward pass (``retain_graph``) starts afresh."""
        grads = tuple(
            flat_grad[start:stop].reshape(shape).astype(dtype, copy=False) if reached else None
            for start, stop, shape, dtype, reached in zip(self.starts, self.starts[1:], self.shapes,
                                                          self.dtypes, self.reached)
        )
        self.reached = [False] * len(grads)
        return grads

    def parts(self, flat: Tensor) -> list[Tensor]:
        """Each tensor read back from the bundling node's output ``flat``."""
        return [_Part.apply(flat, bundle=self, index=i) for i in range(len(self.shapes))]


class _Part(Function):
    """``x_i = flat[start:stop].reshape(shape)``; backward puts ``G`` in place in a flat zero
    gradient, ``dflat[start:stop] = G.ravel()``, and notes that a gradient arrived."""

    array_io = True

    @staticmethod
    def forward(ctx, flat, *, bundle: Bundle, index: int):
        ctx.bundle, ctx.index = bundle, index
        start, stop = bundle.starts[index], bundle.starts[index + 1]
        return flat[start:stop].reshape(bundle.shapes[index]).astype(bundle.dtypes[index], copy=False)

    @staticmethod
    def backward(ctx, g):
        b, i = ctx.bundle, ctx.index
        b.reached[i] = True
        flat = np.zeros(b.starts[-1], dtype=b.dtype)
        flat[b.starts[i]:b.starts[i + 1]] = g.reshape(-1)
        return flat
