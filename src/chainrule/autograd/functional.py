"""Derivatives of whole functions, as ``torch.autograd.functional``: ``vjp`` and ``jacobian``.

For ``y = f(x)`` with ``x`` of n numbers and ``y`` of m, the Jacobian ``J`` is the m×n matrix
``J_ij = dy_i/dx_j``. Reverse mode (backpropagation) computes one vector-Jacobian product
``v^T J`` per backward pass: :func:`vjp` is one pass, and :func:`jacobian` is m of them, one per
output number with ``v`` its one-hot vector, each giving a row of ``J``. Forward-mode products
and second derivatives (``jvp``, ``hessian``) need a differentiable backward, which chainrule's
NumPy backward is not, so they are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import grad as _grad

__all__ = ["jacobian", "vjp"]


def _as_tuple(x: Any, what: str, fn: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was it a tuple, the tensors as a tuple), refusing anything but Tensors (PyTorch's words)."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"the value at index {i} has" if is_tuple else f"the given {what} has"
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but "
                            f"{where} type {type(t)}.")
    return is_tuple, items


def _leaves(inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Fresh leaves with the inputs' values: the derivative is taken at them, the caller's graph untouched."""
    return tuple(t.detach().requires_grad_(True) for t in inputs)


def _check_create_graph(create_graph: bool, fn: str) -> None:
    if create_graph:
        raise NotImplementedError(
            f"{fn}(create_graph=True): a differentiable derivative needs a differentiable backward; "
            "chainrule's backward computes with NumPy arrays"
        )


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: the outputs and one vector-Jacobian product, shaped like the inputs.

    ``v`` is shaped like the outputs; it may be omitted for a single-number output. An input the
    outputs do not depend on gets zeros (with ``strict=True``, an error).
    """
    _check_create_graph(create_graph, "vjp")
    inputs_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    xs = _leaves(xs)
    outputs = func(*xs)
    outputs_tuple, ys = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
    if v is None:
        if len(ys) != 1 or ys[0].numel() != 1:
            raise RuntimeError("vjp: the vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element")
        vs: tuple[Any, ...] = (None,)
    else:
        _, vs = _as_tuple(v, "v", "vjp")
        if len(vs) != len(ys):
            raise RuntimeError(f"vjp: v has {len(vs)} entries, but the function returned {len(ys)} outputs")
        for i, (vi, yi) in enumerate(zip(vs, ys)):
            if tuple(vi.shape) != tuple(yi.shape):
                raise RuntimeError(f"vjp: entry {i} of v has shape {tuple(vi.shape)}, but output {i} "
                                   f"has shape {tuple(yi.shape)}; they must match")
    products = _products(ys, vs, xs, strict, "vjp")
    detached = tuple(y.detach() for y in ys)
    return (detached if outputs_tuple else detached[0]), (products if inputs_tuple else products[0])


def _products(ys: tuple[Tensor, ...], vs: tuple[Any, ...], xs: tuple[Tensor, ...], strict: bool,
              fn: str, retain_graph: bool = False) -> tuple[Tensor, ...]:
    """``sum_k v_k^T dy_k/dx`` for every input ``x`` (zeros where it is not used)."""
    pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
    found: tuple[Any, ...] = (None,) * len(xs)
    if pairs:
        found = _grad([y for y, _ in pairs], list(xs), grad_outputs=[v for _, v in pairs],
                      retain_graph=retain_graph, allow_unused=True)
    result = []
    for i, (g, x) in enumerate(zip(found, xs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the output of the user-provided function is independent of "
                                   f"input {i}; this is not allowed in strict mode")
            g = Tensor._make(np.zeros(x.shape, dtype=x._data.dtype))
        result.append(g)
    return tuple(result)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: for output ``y`` and input ``x``, a tensor of shape
    ``y.shape + x.shape`` with ``dy[i...]/dx[j...]``; a tuple over inputs when ``inputs`` is a
    tuple, and over outputs (of those) when ``func`` returns a tuple, as PyTorch nests them.

    One backward pass per output number (reverse mode, ``strategy='reverse-mode'``); ``vectorize``
    changes nothing here but the name. An input an output does not depend on gives zeros (with
    ``strict=True``, an error).
    """
    _check_create_graph(create_graph, "jacobian")
    if strategy != "reverse-mode":
        raise NotImplementedError(
            f"jacobian(strategy={strategy!r}): forward mode is not available in chainrule; use "
            "strategy='reverse-mode'"
        )
    inputs_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _leaves(xs)
    outputs = func(*xs)
    outputs_tuple, ys = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
    blocks = []  # blocks[k][i]: d ys[k] / d xs[i], of shape ys[k].shape + xs[i].shape
    for y in ys:
        rows: list[list[np.ndarray]] = [[] for _ in xs]
        for j in range(y.numel()):
            one_hot = np.zeros(y.numel(), dtype=y._data.dtype)
            one_hot[j] = 1
            grads = _products((y,), (Tensor._make(one_hot.reshape(y.shape)),), xs, strict, "jacobian",
                              retain_graph=True)
            for i, g in enumerate(grads):
                rows[i].append(g._data)
        blocks.append(tuple(
            Tensor._make(np.stack(rows[i]).reshape(tuple(y.shape) + tuple(x.shape)) if rows[i]
                         else np.zeros(tuple(y.shape) + tuple(x.shape), dtype=x._data.dtype))
            for i, x in enumerate(xs)
        ))
    per_output = [b if inputs_tuple else b[0] for b in blocks]
    return tuple(per_output) if outputs_tuple else per_output[0]
