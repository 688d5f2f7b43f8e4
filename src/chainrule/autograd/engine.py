"""The backward engine: reverse-mode differentiation over the recorded graph.

Starting from the output with dOut/dOut = 1, every node receives the gradient of its output and
hands each input ``grad_input = backward(grad_output)`` (the chain rule). A tensor reached along
several paths receives the *sum* of the gradients of all paths: the lecture's total derivative,
``dL/dt = sum_i dL/dx_i * dx_i/dt``. A node is processed only once all its consumers have sent
their share, i.e. in reverse topological order; the order is computed with an explicit stack, so a
graph 100,000 operations deep needs no recursion.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import BackwardError
from ..tensor import Tensor, _versions, run_hooks
from . import grad_mode
from .anomaly import check_gradients
from .function import check_saved_versions


def backward(root: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
    """Fill ``.grad`` of every leaf that ``root`` depends on (``Tensor.backward``)."""
    if not root.requires_grad:
        raise BackwardError(
            f"backward(): the tensor (shape {tuple(root._data.shape)}) does not require grad and has "
            "no grad_fn: no input of the computation had requires_grad=True "
            "(or it was computed under no_grad())"
        )
    grad = _seed_gradient(root, gradient)
    node = root.grad_fn
    if node is None:  # backward on a leaf: dLeaf/dLeaf
        _accumulate(root, run_hooks(root, grad), set())
        return
    run_backward(node, grad, retain_graph)


def _seed_gradient(root: Tensor, gradient: Any) -> np.ndarray:
    data = root._data
    if gradient is None:
        if data.size != 1:
            raise BackwardError(
                f"backward(): grad can be implicitly created only for scalar outputs, but the output "
                f"has shape {tuple(data.shape)}; pass gradient= (a tensor of that shape), or reduce "
                "the output first, e.g. loss.sum().backward()"
            )
        return np.ones(data.shape, dtype=data.dtype)
    g = np.array(gradient._data if isinstance(gradient, Tensor) else gradient, dtype=data.dtype)
    if g.shape != data.shape:
        raise BackwardError(
            f"backward(): gradient has shape {tuple(g.shape)} but the output has shape "
            f"{tuple(data.shape)}; they must match"
        )
    return g


def run_backward(root_node: Any, grad: np.ndarray, retain_graph: bool = False) -> None:
    tensor_type = Tensor
    # 1. how many consumers does each node have? (its in-degree in the reversed graph)
    consumers: dict[Any, int] = {root_node: 0}
    stack = [root_node]
    push, pop = stack.append, stack.pop
    leaf_uses: dict[Tensor, int] = {}  # a hooked leaf's edges: its total is known after the last
    while stack:
        for parent in pop()._parents:
            if parent is None or isinstance(parent, tensor_type):
                if parent is not None and getattr(parent, "_hooks", None):
                    leaf_uses[parent] = leaf_uses.get(parent, 0) + 1
                continue
            count = consumers.get(parent)
            if count is None:
                consumers[parent] = 1
                push(parent)
            else:
                consumers[parent] = count + 1

    # 2. walk in reverse topological order, summing gradients that arrive along several paths
    pending: dict[Any, np.ndarray] = {root_node: grad}
    ready = [root_node]
    handed_out: set[int] = set()  # arrays already stored in some .grad: never share one
    hooked_leaves: dict[Tensor, np.ndarray] = {}  # a leaf's hooks see its total gradient: sum first
    while ready:
        node = ready.pop()
        grad_out = pending.pop(node, None)
        if grad_out is None:  # every path to it carried no gradient (a backward returned None):
            for parent in node._parents:  # it sends none either, but its inputs stop waiting for it
                if parent is not None and not isinstance(parent, tensor_type):
                    left = consumers[parent] = consumers[parent] - 1
                    if left == 0:
                        ready.append(parent)
            continue
        if "_hooks" in node.__dict__:  # register_hook on the node's output tensor
            grad_out = run_hooks(node, grad_out)
        if node._retained is not None:
            kept = node._retained()
            if kept is not None:
                _accumulate(kept, grad_out, handed_out)
        if _versions:  # some memory was changed in place: is what this node saved intact?
            check_saved_versions(node)
        if node.array_io and not node._freed:
            grads_in = node.backward(node, grad_out)
            if type(grads_in) is not tuple:
                grads_in = (grads_in,)
        else:
            grads_in = node._run_backward(grad_out)
        if grad_mode._anomaly:
            check_gradients(node, grads_in)
        if not retain_graph:
            saved = node.__dict__
            if saved:  # free what forward saved; a second backward then says so
                retained = saved.get("_retained")  # the graph's link to a retain_grad() output stays
                hooks = saved.get("_hooks")  # and so do the output's hooks
                saved.clear()
                node._freed = True
                if retained is not None:
                    node._retained = retained
                if hooks is not None:
                    node._hooks = hooks
        for parent, g in zip(node._parents, grads_in):
            if parent is None:
                continue
            if g is None:  # no gradient along this edge: the parent has one consumer less to wait for
                if not isinstance(parent, tensor_type):
                    left = consumers[parent] = consumers[parent] - 1
                    if left == 0:
                        ready.append(parent)
                continue
            if isinstance(parent, tensor_type):
                if getattr(parent, "_hooks", None):
                    total = hooked_leaves.pop(parent) + g if parent in hooked_leaves else g
                    left = leaf_uses[parent] = leaf_uses[parent] - 1
                    if left:
                        hooked_leaves[parent] = total
                    else:  # its last edge: the hooks see the total now, mid-walk, as in PyTorch
                        _accumulate(parent, run_hooks(parent, total), handed_out)
                else:
                    _accumulate(parent, g, handed_out)
                continue
            if parent in pending:
                pending[parent] = pending[parent] + g  # total derivative: sum over paths
            else:
                pending[parent] = g
            left = consumers[parent] - 1
            consumers[parent] = left
            if left == 0:
                ready.append(parent)
    for leaf, g in hooked_leaves.items():  # leaves some of whose edges carried no gradient
        _accumulate(leaf, run_hooks(leaf, g), handed_out)
    while _callbacks:  # queued during this backward (DistributedDataParallel's wait for its reductions)
        _callbacks.pop(0)()


_callbacks: list[Any] = []


def queue_callback(callback: Any) -> None:
    """Run ``callback()`` once the backward pass now running has finished its walk and filled every
    ``.grad`` (PyTorch's ``Variable._execution_engine.queue_callback``)."""
    _callbacks.append(callback)


def _accumulate(leaf: Tensor, g: np.ndarray, handed_out: set[int]) -> None:
    """leaf.grad += g, never letting two tensors' .grad share memory.

    ``handed_out`` holds the arrays stored uncopied into a ``.grad`` during this backward: such
    an array may also be pending for another node, so it is never added into in place.
    """
    if type(g) is not np.ndarray:  # ufuncs on 0-d arrays return NumPy scalars
        g = np.asarray(g)
    data = leaf._data
    if g.shape != data.shape:  # library invariant: backward returns the input's shape
        raise RuntimeError(
            f"internal error: gradient of shape {g.shape} for a tensor of shape {data.shape}"
        )
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    existing = leaf.grad
    if existing is None:
        owner = g if g.base is None else g.base
        if not g.flags.writeable or id(owner) in handed_out:
            g = g.copy()
            owner = g
        handed_out.add(id(owner))
        leaf.grad = Tensor._make(g)
    else:
        held = existing._data
        if (held.flags.writeable and held.shape == g.shape
                and id(held if held.base is None else held.base) not in handed_out):
            np.add(held, g, out=held)
        else:  # read-only, or possibly shared with a gradient still pending elsewhere
            existing._data = held + g
