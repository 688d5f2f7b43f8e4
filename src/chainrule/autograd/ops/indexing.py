"""Indexing with index tensors and masks: gather, scatter, index_select, masked_fill, tril/triu.

Each output element is copied from one input position (or, for a mask, from a constant), so
backward sends each element of ``G`` back to the position it was copied from, summing where one
position was copied more than once (``np.add.at``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...dtypes import wrap
from ...errors import ShapeError
from ...tensor import Tensor
from ..function import Function
from ._util import as_operand, check_index, into, normalize_dim, unbroadcast, unwrap_index
from .elementwise import to_dtype, where


class Take(Function):
    """Y = X's slices at ``index`` along one dim after another (``np.take``): for each
    ``(axis, index)``, output position j along ``axis`` copies input position ``index[j]``;
    dX sums G back onto the positions taken."""

    array_io = True

    @staticmethod
    def forward(ctx, x, indices):
        ctx.shape, ctx.indices = x.shape, indices
        for axis, index in indices:
            x = np.take(x, index, axis=axis)  # [..., len(index), ...]
        return x

    @staticmethod
    def backward(ctx, g):
        for axis, index in reversed(ctx.indices):
            dx = np.zeros(g.shape[:axis] + (ctx.shape[axis],) + g.shape[axis + 1:], dtype=g.dtype)
            np.add.at(dx, (slice(None),) * axis + (index,), g)  # [..., n, ...]
            g = dx
        return g, None


def coordinates(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """For every element of ``index``: its own position, except along ``axis``, where its value.

    ``x[coordinates(index, 1)]`` is ``gather(x, 1, index)``: ``out[i][j] = x[i][index[i][j]]``.
    """
    grid = list(np.indices(index.shape, sparse=True))  # open grids, broadcast together
    grid[axis] = index
    return tuple(grid)


class Gather(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, coords):
        ctx.shape, ctx.coords = x.shape, coords
        return x[coords]  # Y[i, j] = X[i, index[i, j]]  (for dim 1)

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, dtype=g.dtype)  # dX[i, index[i, j]] += G[i, j]
        np.add.at(dx, ctx.coords, g)
        return dx, None


class Scatter(Function):
    """Y = X with ``src`` written (``add=False``) or added (``add=True``) at the index positions.

    dX = G where X survived (everywhere when adding); dSrc = G read at the positions written to.
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, src, coords, add):
        y = x.copy()
        if add:
            np.add.at(y, coords, src)  # Y[i, index[i, j]] += Src[i, j]
        else:
            y[coords] = src  # Y[i, index[i, j]] = Src[i, j]
        ctx.coords, ctx.add, ctx.src_shape = coords, add, np.shape(src)
        return y

    @staticmethod
    def backward(ctx, g):
        dx = g
        if not ctx.add:
            dx = g.copy()
            dx[ctx.coords] = 0  # overwritten elements did not reach the output
        dsrc = g[ctx.coords] if ctx.needs_input_grad[1] else None
        return dx, dsrc, None, None


class MaskedSelect(Function):
    """Y = the elements of X (broadcast with the mask) where the mask is True, as a 1-D tensor;
    dX = G scattered back to those positions, summed over the broadcast dims."""

    array_io = True

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.x_shape, ctx.mask = x.shape, np.broadcast_to(mask, shape)
        return np.broadcast_to(x, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.mask.shape, dtype=g.dtype)
        dx[ctx.mask] = g
        return unbroadcast(dx, ctx.x_shape), None


class Triangle(Function):
    """Y = X with the elements above (``tril``) or below (``triu``) the ``diagonal`` zeroed;
    dX = G with the same elements zeroed."""

    array_io = True

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        return (np.triu if upper else np.tril)(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return (np.triu if ctx.upper else np.tril)(g, ctx.diagonal), None, None


# ------------------------------------------------------------------ functional forms
def _check_bounds(index: np.ndarray, size: int, axis: int, op: str, shape: tuple[int, ...]) -> None:
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise IndexError(
            f"{op}(): index {int(bad)} is out of bounds for dimension {axis} with size {size} "
            f"(input shape {shape})"
        )


def _check_along(op: str, x: np.ndarray, axis: int, index: np.ndarray, what: str = "input") -> None:
    """gather/scatter: index has x's number of dims and is no larger than x outside ``axis``."""
    if index.ndim != x.ndim:
        raise ShapeError(
            f"{op}(): index of shape {tuple(index.shape)} must have as many dims as {what} of shape {tuple(x.shape)}"
        )
    if any(i > n for d, (i, n) in enumerate(zip(index.shape, x.shape)) if d != axis):
        raise ShapeError(
            f"{op}(): index of shape {tuple(index.shape)} must be no larger than {what} of shape "
            f"{tuple(x.shape)} in every dim except dim {axis}"
        )


def gather(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``out[i][j] = input[i][index[i][j]]`` (for ``dim=1``): picks along ``dim``; out has index's shape."""
    x = input._data
    axis = normalize_dim(dim, x.ndim, "gather")
    idx = check_index(index, "gather")
    _check_along("gather", x, axis, idx)
    _check_bounds(idx, x.shape[axis] if x.ndim else 1, axis, "gather", x.shape)
    y = Gather.apply(input, coordinates(idx, axis))
    return y if out is None else into(out, y, "gather")


def _scatter(op: str, input: Tensor, dim: int, index: Tensor, src: Any, add: bool) -> Tensor:  # noqa: A002
    x = input._data
    axis = normalize_dim(dim, x.ndim, op)
    idx = check_index(index, op)
    _check_along(op, x, axis, idx)
    _check_bounds(idx, x.shape[axis] if x.ndim else 1, axis, op, x.shape)
    if isinstance(src, Tensor):
        s = src._data
        if s.dtype != x.dtype:
            raise TypeError(f"{op}(): src of dtype {wrap(s.dtype)} must have input's dtype {wrap(x.dtype)}")
        if s.ndim != idx.ndim or any(i > n for i, n in zip(idx.shape, s.shape)):
            raise ShapeError(
                f"{op}(): index of shape {tuple(idx.shape)} must be no larger than src of shape {tuple(s.shape)}"
            )
        src = src[tuple(slice(0, n) for n in idx.shape)]  # the part of src that index reaches
    return Scatter.apply(input, src, coordinates(idx, axis), add)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:  # noqa: A002
    """``out = input`` with ``out[i][index[i][j]] = src[i][j]`` (for ``dim=1``); ``src`` may be a number
    (or given as ``value=``). Where index repeats a position, one of the writes wins (as in PyTorch,
    which does not say which)."""
    if (src is None) == (value is None):
        raise TypeError("scatter(): give exactly one of src (a tensor or a number) and value")
    return _scatter("scatter", input, dim, index, src if value is None else value, add=False)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """``out = input`` with ``out[i][index[i][j]] += src[i][j]`` (for ``dim=1``); repeats add up."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): src must be a Tensor, not {type(src).__name__}")
    return _scatter("scatter_add", input, dim, index, src, add=True)


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The slices of ``input`` at the positions ``index`` (a 1-D int tensor) along ``dim``."""
    x = input._data
    axis = normalize_dim(dim, x.ndim, "index_select")
    idx = check_index(index, "index_select")
    if idx.ndim > 1:
        raise ShapeError(f"index_select(): index must be a vector (1-D), got shape {tuple(idx.shape)}")
    _check_bounds(idx, x.shape[axis] if x.ndim else 1, axis, "index_select", x.shape)
    if x.ndim == 0:
        y = Take.apply(input.reshape(1), [(0, idx.reshape(-1))]).reshape(idx.shape)
    else:
        y = Take.apply(input, [(axis, idx.reshape(-1))])
    return y if out is None else into(out, y, "index_select")


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``input`` with ``value`` wherever ``mask`` (a bool tensor broadcast to input's shape) is True."""
    m = as_operand(mask)
    if not isinstance(m, np.ndarray) or m.dtype != np.bool_:
        got = wrap(m.dtype) if isinstance(m, np.ndarray) else type(m).__name__
        raise TypeError(f"masked_fill(): mask must be a bool tensor, got {got}")
    shape = input._data.shape
    try:
        if np.broadcast_shapes(m.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ShapeError(
            f"masked_fill(): mask of shape {tuple(m.shape)} does not broadcast to input's shape {tuple(shape)}"
        ) from None
    if isinstance(value, Tensor) and value._data.ndim:
        raise ShapeError(f"masked_fill(): value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
    return to_dtype(where(mask, value, input), input._data.dtype)  # dValue = sum of G under the mask


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The elements of ``input`` where ``mask`` (a bool tensor; the two broadcast) is True, in a 1-D tensor."""
    m = as_operand(mask)
    if not isinstance(m, np.ndarray) or m.dtype != np.bool_:
        got = wrap(m.dtype) if isinstance(m, np.ndarray) else type(m).__name__
        raise TypeError(f"masked_select(): mask must be a bool tensor, got {got}")
    try:
        np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        raise ShapeError(f"masked_select(): mask of shape {tuple(m.shape)} and input of shape "
                         f"{tuple(input._data.shape)} cannot be broadcast together") from None
    y = MaskedSelect.apply(input, m)
    return y if out is None else into(out, y, "masked_select")


def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False) -> Any:  # noqa: A002
    """The indices of the nonzero elements: an int64 ``[count, ndim]`` tensor, or with
    ``as_tuple=True`` one 1-D tensor per dim (a 0-d input counts as 1-D there)."""
    x = input._data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(x)))
    y = Tensor._make(np.argwhere(x).astype(np.int64))
    return y if out is None else into(out, y, "nonzero")


def _triangle(op: str, x: Tensor, diagonal: int, upper: bool, out: Tensor | None) -> Tensor:
    if x._data.ndim < 2:
        raise ShapeError(f"{op}(): input must have at least 2 dimensions, got shape {tuple(x.shape)}")
    y = Triangle.apply(x, int(diagonal), upper)
    return y if out is None else into(out, y, op)


def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest zero."""
    return _triangle("tril", input, diagonal, False, out)


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest zero."""
    return _triangle("triu", input, diagonal, True, out)


# ------------------------------------------------------------ writes (the in-place ops' graph nodes)
class Copy(Function):
    """Y = S broadcast to X's shape, in X's dtype (X's old values are overwritten): the node of
    ``copy_``, ``fill_``, ``zero_``, ``normal_``...;  dX = 0, dS = G summed to S's shape."""

    array_io = True

    @staticmethod
    def forward(ctx, x, src, op):
        try:
            y = np.broadcast_to(src, x.shape).astype(x.dtype)
        except ValueError:
            raise ShapeError(
                f"{op}: source of shape {tuple(np.shape(src))} cannot be broadcast to the "
                f"destination's shape {tuple(x.shape)}"
            ) from None
        ctx.src_shape, ctx.src_dtype = np.shape(src), np.result_type(src)
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_input_grad[:2]
        dx = np.zeros_like(g) if need_x else None  # [*x.shape]: the old values are gone
        ds = unbroadcast(g, ctx.src_shape).astype(ctx.src_dtype, copy=False) if need_src else None
        return dx, ds, None


def put_at(array: np.ndarray, index: Any, value: Any) -> None:
    """``array[index] = value`` in place (``index`` already unwrapped), its errors worded as
    ``__setitem__``'s: the write ``x[index] = v`` does, inside a graph or not."""
    try:
        array[index] = value
    except IndexError as e:
        raise IndexError(f"__setitem__: {e} (tensor of shape {tuple(array.shape)})") from None
    except ValueError as e:
        raise ShapeError(
            f"__setitem__: value of shape {tuple(np.shape(value))} does not fit the indexed "
            f"region of a tensor of shape {tuple(array.shape)} ({e})"
        ) from None


class IndexPut(Function):
    """Y = X with V put at ``index`` (``x[index] = v``);  dX = G with the region zeroed,
    dV = G[index] summed to V's shape."""

    array_io = True

    @staticmethod
    def forward(ctx, x, value, index):
        y = x.copy()
        put_at(y, index, value)
        ctx.index, ctx.value_shape, ctx.value_dtype = index, np.shape(value), np.result_type(value)
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_v = ctx.needs_input_grad[:2]
        dx = dv = None
        if need_x:
            dx = g.copy()
            dx[ctx.index] = 0  # [*x.shape]: what was overwritten gets no gradient
        if need_v:
            dv = unbroadcast(g[ctx.index], ctx.value_shape).astype(ctx.value_dtype, copy=False)
        return dx, dv, None


def overwrite(input: Tensor, src: Any, op: str = "copy_") -> Tensor:  # noqa: A002
    """``input``'s shape and dtype filled with ``src`` (a tensor, array or number): the value
    ``copy_``, ``fill_`` and ``zero_`` write."""
    return Copy.apply(input, src, op)


def index_put(input: Tensor, index: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``value`` at ``index``: the value ``input[index] = value`` writes."""
    return IndexPut.apply(input, value, unwrap_index(index))
