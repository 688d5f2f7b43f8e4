"""Bitwise and number-theoretic operations on integer (and bool) tensors: and, or, xor, not,
shifts, gcd and lcm, as PyTorch's ``bitwise_*``, ``gcd`` and ``lcm``. Integers carry no gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...dtypes import wrap
from ...tensor import Tensor
from ._util import as_operand, into


def _integers(op: str, *operands: Any) -> list[np.ndarray]:
    arrays = [np.asarray(as_operand(x)) for x in operands]
    for a in arrays:
        if a.dtype.kind not in "biu":
            raise TypeError(f"{op}(): expected integer or bool tensors, got dtype {wrap(a.dtype)}")
    return arrays


def _binary(op: str, fn: Any, input: Any, other: Any, out: Tensor | None) -> Tensor:  # noqa: A002
    a, b = _integers(op, input, other)
    y = Tensor._make(np.asarray(fn(a, b)).astype(np.result_type(a, b), copy=False))
    return y if out is None else into(out, y, op)


def bitwise_and(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input & other`` bit by bit (logical and for bools)."""
    return _binary("bitwise_and", np.bitwise_and, input, other, out)


def bitwise_or(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input | other`` bit by bit."""
    return _binary("bitwise_or", np.bitwise_or, input, other, out)


def bitwise_xor(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input ^ other`` bit by bit."""
    return _binary("bitwise_xor", np.bitwise_xor, input, other, out)


def bitwise_left_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input << other``."""
    return _binary("bitwise_left_shift", np.left_shift, input, other, out)


def bitwise_right_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input >> other`` (arithmetic: the sign is kept)."""
    return _binary("bitwise_right_shift", np.right_shift, input, other, out)


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``~input`` bit by bit (logical not for bools)."""
    (a,) = _integers("bitwise_not", input)
    y = Tensor._make(np.invert(a))
    return y if out is None else into(out, y, "bitwise_not")


def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The greatest common divisor, elementwise (non-negative)."""
    return _binary("gcd", np.gcd, input, other, out)


def lcm(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The least common multiple, elementwise (non-negative)."""
    return _binary("lcm", np.lcm, input, other, out)
