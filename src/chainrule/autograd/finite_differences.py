"""Finite-difference gradient checking: the engine's gradients against (f(x+eps) - f(x-eps)) / 2eps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    """The analytical gradient differs from the numerical one."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any] | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check ``fn``'s gradients w.r.t. each float64 input that requires grad, by central differences.

    For every output element ``o`` and input element ``x_j`` it compares the engine's
    ``d o / d x_j`` (one backward per output element) with ``(o(x_j + eps) - o(x_j - eps)) / 2 eps``.
    Returns True, or raises naming the input, the element and both values.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite differences need "
                "float64 inputs (use .double())"
            )

    def outputs() -> np.ndarray:
        with no_grad():
            out = fn(*inputs)
        # a copy: the output may be a view of the input (reshape, slicing) that we perturb
        return np.array(out._data if isinstance(out, Tensor) else out, dtype=np.float64).ravel()

    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    n_out = out._data.size
    analytical = {i: np.zeros((n_out, inputs[i]._data.size)) for i in checked}
    for k in range(n_out):
        for i in checked:
            inputs[i].grad = None
        seed = np.zeros(n_out)
        seed[k] = 1.0
        out = fn(*inputs)
        if out.requires_grad:
            out.backward(seed.reshape(out._data.shape))
        for i in checked:
            g = inputs[i].grad
            if g is not None:
                analytical[i][k] = g._data.ravel()

    for i in checked:
        x = inputs[i]._data
        flat = x.reshape(-1)  # a view: perturb in place
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = outputs()
            flat[j] = orig - eps
            minus = outputs()
            flat[j] = orig
            numerical = (plus - minus) / (2 * eps)
            got = analytical[i][:, j]
            bad = ~np.isclose(got, numerical, rtol=rtol, atol=atol, equal_nan=True)
            if bad.any():
                k = int(np.argmax(bad))
                if not raise_exception:
                    return False
                idx = np.unravel_index(j, x.shape)
                raise GradcheckError(
                    f"gradcheck: input {i}, element {tuple(int(v) for v in idx)}, output element {k}: "
                    f"analytical gradient {float(got[k])!r} vs numerical {float(numerical[k])!r} "
                    f"(atol={atol}, rtol={rtol})"
                )
    for i in checked:
        inputs[i].grad = None
    return True
