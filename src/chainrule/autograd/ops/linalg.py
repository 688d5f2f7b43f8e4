"""Matrix products: ``Y = X @ W`` in 1-D, 2-D and batched N-D forms (NumPy's matmul rules), and einsum.

The lecture's FC layer in matrix form: for ``Y = X W`` with X ``[batch, in]`` and W ``[in, out]``,
``dX = G W^T`` is ``[batch, in]`` and ``dW = X^T G`` is ``[in, out]``, where ``G = dLoss/dY``.
``dot``, ``mv``, ``mm`` and ``bmm`` are this one product with their shapes checked; ``outer`` is a
broadcast product.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ...dtypes import wrap
from ...errors import ShapeError
from ...tensor import Tensor
from ..function import Function
from ._util import into, promote, unbroadcast
from .elementwise import mul
from .shape import reshape


def _matmul_error(a: np.ndarray, b: np.ndarray) -> ShapeError:
    sa, sb = tuple(np.shape(a)), tuple(np.shape(b))
    if len(sa) == 0 or len(sb) == 0:
        return ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes {sa} and {sb}")
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != inner_b:
        return ShapeError(
            f"matmul: shapes {sa} and {sb} cannot be multiplied: the last dimension of the first "
            f"({sa[-1]}) must equal the {'only' if len(sb) == 1 else 'second-to-last'} dimension "
            f"of the second ({inner_b})"
        )
    return ShapeError(f"matmul: the batch dimensions of shapes {sa} and {sb} cannot be broadcast together")


class MatMul(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = np.matmul(a, b)  # Y = A @ B
        except ValueError:
            raise _matmul_error(a, b) from None
        ctx.a, ctx.b = a, b
        return promote(out, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.a, ctx.b
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the lecture's case
            da = g @ b.T if need_a else None  # dA = G B^T  [n, k]
            db = a.T @ g if need_b else None  # dB = A^T G  [k, m]
            return da, db
        # 1-D operands act as a row (left) or a column (right) vector
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g.reshape(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
        da = db = None
        if need_a:
            da = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if need_b:
            db = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return da, db


class Einsum(Function):
    """``Y = einsum("ij,jk->ik", A, B)`` and every other sum of products over named indices.

    The gradient of operand k is the same kind of sum, with G in place of operand k: each element
    of X_k multiplies, in Y's sums, the product of the other operands, so
    ``dX_k[s_k] = einsum(out, s_others -> s_k)(G, X_others)``; e.g. for ``ij,jk->ik``:
    ``dA = einsum("ik,jk->ij", G, B)`` (= G B^T) and ``dB = einsum("ik,ij->jk", G, A)`` (= A^T G).
    """

    array_io = True

    @staticmethod
    def forward(ctx, *arrays, subscripts, output, sizes):
        # size-1 dims broadcast against the same index's size elsewhere, as in PyTorch
        full = [np.broadcast_to(a, [sizes[c] for c in s]) for a, s in zip(arrays, subscripts)]
        ctx.full, ctx.shapes = full, [a.shape for a in arrays]
        ctx.subscripts, ctx.output, ctx.sizes = subscripts, output, sizes
        return np.einsum(f"{','.join(subscripts)}->{output}", *full, optimize=len(full) > 1)

    @staticmethod
    def backward(ctx, g):
        return tuple(
            unbroadcast(_einsum_operand_grad(ctx, k, np.asarray(g)), shape) if need else None
            for k, (shape, need) in enumerate(zip(ctx.shapes, ctx.needs_input_grad))
        )


def _einsum_operand_grad(ctx, k: int, g: np.ndarray) -> np.ndarray:
    own = ctx.subscripts[k]
    others = [s for j, s in enumerate(ctx.subscripts) if j != k]
    labels = "".join(dict.fromkeys(own))  # each of own's indices once, in order
    seen = set(ctx.output).union(*others)
    shared = "".join(c for c in labels if c in seen)
    equation = f"{','.join([ctx.output] + others)}->{shared}"
    dx = np.einsum(equation, g, *(a for j, a in enumerate(ctx.full) if j != k), optimize=len(others) > 0)
    # an index only this operand has was summed in forward: the gradient is the same along it
    dx = np.broadcast_to(np.reshape(dx, [ctx.sizes[c] if c in shared else 1 for c in labels]),
                         [ctx.sizes[c] for c in labels])
    if len(labels) == len(own):
        return dx
    full = np.zeros([ctx.sizes[c] for c in own], dtype=g.dtype)  # a repeated index ("ii"): a diagonal
    np.einsum(f"{own}->{labels}", full)[...] = dx  # einsum returns a writeable view of the diagonal
    return full


def _parse_einsum(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str, dict[str, int]]:
    """Each operand's indices (``...`` spelt out as letters), the output's, and each index's size."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(
            f"einsum(): the equation {equation!r} names {len(inputs)} operand(s), but {len(shapes)} were given"
        )
    for s in inputs + ([rhs] if arrow else []):
        if any(not (c.isascii() and c.isalpha()) for c in s.replace("...", "")):
            raise ValueError(f"einsum(): invalid subscript {s!r} in {equation!r}: use letters and '...'")
    spare = [c for c in string.ascii_letters if c not in eq]
    explicit = [len(s.replace("...", "")) for s in inputs]
    n_ellipsis = max([len(shape) - n for s, shape, n in zip(inputs, shapes, explicit) if "..." in s], default=0)
    ellipsis = "".join(spare[:n_ellipsis])
    subscripts = []
    for i, (s, shape, n) in enumerate(zip(inputs, shapes, explicit)):
        if "..." in s:
            if len(shape) < n:
                raise ShapeError(
                    f"einsum(): operand {i} of shape {shape} has fewer dims than the {n} subscripts in {s!r}"
                )
            s = s.replace("...", ellipsis[n_ellipsis - (len(shape) - n):])  # right-aligned, as broadcasting
        elif len(s) != len(shape):
            raise ShapeError(
                f"einsum(): the number of subscripts in {s!r} ({len(s)}) does not match the number of dimensions "
                f"of operand {i} (shape {shape}), and no ellipsis was given"
            )
        subscripts.append(s)
    if arrow:
        output = rhs.replace("...", ellipsis)
        for c in output:
            if output.count(c) > 1 or c not in lhs + ellipsis:
                raise ValueError(
                    f"einsum(): output subscript {c!r} in {equation!r} must appear once, and in an operand"
                )
    else:  # implicit output: the indices that appear once, in alphabetical order
        once = [c for c in lhs if c.isalpha() and lhs.count(c) == 1]
        output = ellipsis + "".join(sorted(once))
    sizes: dict[str, int] = {}
    for i, (s, shape) in enumerate(zip(subscripts, shapes)):
        for c, n in zip(s, shape):
            seen = sizes.get(c, 1)
            if n != seen and 1 not in (n, seen):
                raise ShapeError(
                    f"einsum(): subscript {c} has size {n} for operand {i} (shape {shape}), which does not "
                    f"broadcast with the size {seen} seen before"
                )
            sizes[c] = max(n, seen)
    for i, (s, shape) in enumerate(zip(subscripts, shapes)):
        if any(n != sizes[c] for c, n in zip(s, shape) if s.count(c) > 1):
            raise ShapeError(
                f"einsum(): the repeated subscripts in {s!r} need equal sizes, operand {i} has shape {shape}"
            )
    return subscripts, output, sizes


# ------------------------------------------------------------------ functional forms
def matmul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    y = MatMul.apply(input, other)
    return y if out is None else into(out, y, "matmul")


def _ndim(x: Any) -> int:
    return np.ndim(x._data if isinstance(x, Tensor) else x)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x._data if isinstance(x, Tensor) else x))


def _product(op: str, a: Any, b: Any, out: Tensor | None) -> Tensor:
    """``a @ b`` for the shape-checked forms (bmm, mv, dot), which, as in PyTorch, need one dtype."""
    da, db = np.asarray(a).dtype, np.asarray(b).dtype
    if da != db:
        raise TypeError(f"{op}: expected both arguments to have the same dtype, but found {wrap(da)} and {wrap(db)}")
    y = MatMul.apply(a, b)
    return y if out is None else into(out, y, op)


def mm(input: Any, mat2: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``[n, k] @ [k, m] -> [n, m]``: both 2-D."""
    for name, x in (("first", input), ("second", mat2)):
        if _ndim(x) != 2:
            raise ShapeError(f"mm: the {name} argument must be 2-D, got shape {_shape(x)}")
    y = MatMul.apply(input, mat2)
    return y if out is None else into(out, y, "mm")


def _dims(op: str, a: Any, b: Any, ndims: tuple[int, int], expected: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Both operands' shapes, once their numbers of dims are the op's (``expected`` says which)."""
    sa, sb = _shape(a), _shape(b)
    if (len(sa), len(sb)) != ndims:
        raise ShapeError(f"{op}: expected {expected}, got shapes {sa} and {sb}")
    return sa, sb


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``[b, n, k] @ [b, k, m] -> [b, n, m]``: a batch of products, both 3-D, no broadcasting."""
    sa, sb = _dims("bmm", input, mat2, (3, 3), "3-D tensors [batch, n, k] and [batch, k, m]")
    if sb[:2] != (sa[0], sa[2]):
        raise ShapeError(f"bmm: expected the second argument's first two dims to be {[sa[0], sa[2]]} for a first "
                         f"argument of shape {sa}, got shape {sb}")
    return _product("bmm", input, mat2, out)


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``[n, m] @ [m] -> [n]``."""
    sa, sb = _dims("mv", input, vec, (2, 1), "a matrix [n, m] and a vector [m]")
    if sa[1] != sb[0]:
        raise ShapeError(f"mv: the matrix's {sa[1]} columns must match the vector's {sb[0]} elements, "
                         f"got shapes {sa} and {sb}")
    return _product("mv", input, vec, out)


def dot(input: Tensor, tensor: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``sum_i a_i b_i`` of two 1-D tensors of one length and dtype (a 0-d result)."""
    sa, sb = _dims("dot", input, tensor, (1, 1), "1-D tensors")
    if sa != sb:
        raise ShapeError(f"dot: both vectors need the same number of elements, got shapes {sa} and {sb}")
    return _product("dot", input, tensor, out)


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``Y[i, j] = a_i b_j``: a column times a row, by broadcasting (so the gradients are sums)."""
    _dims("outer", input, vec2, (1, 1), "two 1-D tensors")
    y = mul(reshape(input, (-1, 1)), reshape(vec2, (1, -1)))  # [n, 1] * [1, m] -> [n, m]
    return y if out is None else into(out, y, "outer")


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sums of products over named indices, as ``torch.einsum``: ``einsum("bij,bjk->bik", a, b)``.

    Operands may be given as separate arguments or as one list; ``...`` stands for broadcast dims;
    without ``->`` the output is the indices that appear once, in alphabetical order.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must provide at least one operand")
    dtypes = {np.asarray(x._data if isinstance(x, Tensor) else x).dtype for x in operands}
    if len(dtypes) > 1:
        raise TypeError(f"einsum(): all operands need one dtype, got {sorted(str(wrap(d)) for d in dtypes)}")
    subscripts, output, sizes = _parse_einsum(equation, [_shape(x) for x in operands])
    return Einsum.apply(*operands, subscripts=subscripts, output=output, sizes=sizes)


# ------------------------------------------------------------------ fused products: beta * input + alpha * (a @ b)
def _scaled_sum(op: str, input: Tensor, product: Tensor, beta: Any, alpha: Any,  # noqa: A002
                out: Tensor | None) -> Tensor:
    """``beta * input + alpha * product`` (input broadcast to the product's shape); ``beta=0``
    ignores input, NaN included, as in PyTorch."""
    from .elementwise import add
    from .shape import expand

    shape = product._data.shape
    try:
        if np.broadcast_shapes(np.shape(input._data), shape) != shape:
            raise ValueError
    except ValueError:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} cannot be broadcast to the product's "
                         f"shape {tuple(shape)}") from None
    scaled = product if _is_one(alpha) else mul(product, alpha)
    if _is_zero(beta):  # input's values are not read (a NaN stays out), its gradient is zero
        from .elementwise import where

        y = add(scaled, where(np.zeros((), dtype=bool), input, product._data.dtype.type(0)))
    else:
        y = add(expand(input if _is_one(beta) else mul(input, beta), shape), scaled)
    return y if out is None else into(out, y, op)


def _is_one(x: Any) -> bool:
    return not isinstance(x, Tensor) and x == 1


def _is_zero(x: Any) -> bool:
    return not isinstance(x, Tensor) and x == 0


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (``[n, k] @ [k, m]``, input broadcast to ``[n, m]``)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha, out)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha, out)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
            out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha, out)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
           out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    from .reduce import sum as sum_

    return _scaled_sum("addbmm", input, sum_(bmm(batch1, batch2), 0), beta, alpha, out)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1,  # noqa: A002
         out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha, out)


# ------------------------------------------------------------------ kron, inner, vdot, dist, cross
def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The Kronecker product: every element of ``input`` times the whole of ``other``, in blocks."""
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    a = reshape(input, tuple(x for s in sa for x in (s, 1)))  # [a0, 1, a1, 1, ...]
    b = reshape(other, tuple(x for s in sb for x in (1, s)))  # [1, b0, 1, b1, ...]
    y = reshape(mul(a, b), tuple(p * q for p, q in zip(sa, sb)))
    return y if out is None else into(out, y, "kron")


def inner(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The sums of products over the last dims: ``[..a, k]`` and ``[..b, k]`` give ``[..a, ..b]``;
    a 0-d operand multiplies."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        y = mul(input, other)
    else:
        sa, sb = input._data.shape, other._data.shape
        if sa[-1] != sb[-1]:
            raise ShapeError(f"inner: the last dims of input {tuple(sa)} and other {tuple(sb)} must match")
        product = matmul(reshape(input, (-1, sa[-1])), reshape(other, (-1, sb[-1])).T)  # [A, B]
        y = reshape(product, sa[:-1] + sb[:-1])
    return y if out is None else into(out, y, "inner")


def vdot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``dot`` of two 1-D tensors (the first conjugated, which real tensors need not)."""
    y = dot(input, other)
    return y if out is None else into(out, y, "vdot")


def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:  # noqa: A002
    """The ``p``-norm of ``input - other`` (broadcast together)."""
    from .elementwise import sub
    from .reduce import norm

    return norm(sub(input, other), p)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the operands broadcast); with no dim, along
    the first dim of size 3, as ``torch.cross`` does."""
    from .elementwise import sub
    from .shape import expand, select, stack

    try:
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        raise ShapeError(f"cross: shapes {tuple(input.shape)} and {tuple(other.shape)} cannot be broadcast") from None
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ShapeError(f"cross: no dimension of size 3 in input (shapes {tuple(input.shape)} and "
                             f"{tuple(other.shape)})")
    from ._util import normalize_dim

    axis = normalize_dim(dim, len(shape), "cross")
    if shape[axis] != 3:
        raise ShapeError(f"cross: dimension {dim} does not have size 3 (broadcast shape {tuple(shape)})")
    a, b = expand(input, shape), expand(other, shape)
    a0, a1, a2 = (select(a, axis, i) for i in range(3))
    b0, b1, b2 = (select(b, axis, i) for i in range(3))
    y = stack([sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)), sub(mul(a0, b1), mul(a1, b0))], axis)
    return y if out is None else into(out, y, "cross")
