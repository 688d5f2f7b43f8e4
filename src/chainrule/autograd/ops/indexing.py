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


def _scatter_operands(op: str, input: Tensor, dim: int, index: Tensor, src: Any) -> tuple[Any, Any]:  # noqa: A002
    """The scatter ops' checks: the positions written (``coordinates``) and the part of ``src``
    (a tensor of input's dtype, or a number) that index reaches."""
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
    return coordinates(idx, axis), src


def _scatter(op: str, input: Tensor, dim: int, index: Tensor, src: Any, add: bool) -> Tensor:  # noqa: A002
    coords, src = _scatter_operands(op, input, dim, index, src)
    return Scatter.apply(input, src, coords, add)


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


def _bool_mask(op: str, mask: Any, input: Tensor) -> np.ndarray:  # noqa: A002
    """``mask`` as a bool array that broadcasts with ``input``, or an error naming ``op``."""
    m = as_operand(mask)
    if not isinstance(m, np.ndarray) or m.dtype != np.bool_:
        got = wrap(m.dtype) if isinstance(m, np.ndarray) else type(m).__name__
        raise TypeError(f"{op}(): mask must be a bool tensor, got {got}")
    try:
        np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        raise ShapeError(f"{op}(): mask of shape {tuple(m.shape)} and input of shape "
                         f"{tuple(input._data.shape)} cannot be broadcast together") from None
    return m


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The elements of ``input`` where ``mask`` (a bool tensor; the two broadcast) is True, in a 1-D tensor."""
    m = _bool_mask("masked_select", mask, input)
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
        dx = None
        if need_x:
            dx = g.copy()
            dx[ctx.index] = 0  # [*x.shape]: what was overwritten gets no gradient
        dv = unbroadcast(g[ctx.index], ctx.value_shape).astype(ctx.value_dtype, copy=False) if need_v else None
        return dx, dv, None


def overwrite(input: Tensor, src: Any, op: str = "copy_") -> Tensor:  # noqa: A002
    """``input``'s shape and dtype filled with ``src`` (a tensor, array or number): the value
    ``copy_``, ``fill_`` and ``zero_`` write."""
    return Copy.apply(input, src, op)


def index_put(input: Tensor, index: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``value`` at ``index``: the value ``input[index] = value`` writes."""
    return IndexPut.apply(input, value, unwrap_index(index))


# ------------------------------------------------------------ index_add, index_copy, index_fill
class IndexAdd(Function):
    """Y = X with S's slices added (``copy=False``) or written (``copy=True``) at the positions
    ``index`` along ``axis``: ``Y[..., index[j], ...] (+)= S[..., j, ...]``;
    dX = G (zeroed where written), dS = G's slices at ``index``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, src, axis, index, copy):
        where_ = (slice(None),) * axis + (index,)
        y = x.copy()
        if copy:
            y[where_] = src
        else:
            np.add.at(y, where_, src)
        ctx.where, ctx.copy = where_, copy
        return y

    @staticmethod
    def backward(ctx, g):
        dx = g
        if ctx.copy and ctx.needs_input_grad[0]:
            dx = g.copy()
            dx[ctx.where] = 0  # [*x.shape]: overwritten slices did not reach Y
        dsrc = g[ctx.where] if ctx.needs_input_grad[1] else None  # [..., len(index), ...]
        return dx, dsrc, None, None, None


def _index_along(op: str, input: Tensor, dim: int, index: Tensor) -> tuple[int, np.ndarray]:  # noqa: A002
    """The axis and the 1-D index array of index_add, index_copy, index_fill, checked."""
    x = input._data
    axis = normalize_dim(dim, x.ndim, op)
    idx = check_index(index, op)
    if idx.ndim > 1:
        raise ShapeError(f"{op}(): index must be a vector (1-D), got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1)
    _check_bounds(idx, x.shape[axis] if x.ndim else 1, axis, op, x.shape)
    return axis, idx


def _index_write(op: str, input: Tensor, dim: int, index: Tensor, source: Tensor, copy: bool) -> Tensor:  # noqa: A002
    axis, idx = _index_along(op, input, dim, index)
    x, s = input._data, source._data
    if s.dtype != x.dtype:
        raise TypeError(f"{op}(): source of dtype {wrap(s.dtype)} must have self's dtype {wrap(x.dtype)}")
    want = x.shape[:axis] + (len(idx),) + x.shape[axis + 1:] if x.ndim else (len(idx),) * s.ndim
    if s.shape != want:
        raise ShapeError(
            f"{op}(): source of shape {tuple(s.shape)} must have shape {want} (self's shape "
            f"{tuple(x.shape)} with dim {axis} the index's length {len(idx)})"
        )
    if x.ndim == 0:
        return IndexAdd.apply(input.reshape(1), source.reshape(-1), 0, idx, copy).reshape(())
    return IndexAdd.apply(input, source, axis, idx, copy)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """``input`` with ``alpha * source[..., j, ...]`` added to ``input[..., index[j], ...]`` along
    ``dim`` (repeated indices add up)."""
    from .elementwise import mul

    if not isinstance(source, Tensor):
        raise TypeError(f"index_add(): source must be a Tensor, not {type(source).__name__}")
    scaled = source if isinstance(alpha, (int, float)) and alpha == 1 else to_dtype(mul(source, alpha), source.dtype)
    y = _index_write("index_add", input, dim, index, scaled, copy=False)
    return y if out is None else into(out, y, "index_add")


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input`` with ``input[..., index[j], ...] = source[..., j, ...]`` along ``dim``."""
    if not isinstance(source, Tensor):
        raise TypeError(f"index_copy(): source must be a Tensor, not {type(source).__name__}")
    y = _index_write("index_copy", input, dim, index, source, copy=True)
    return y if out is None else into(out, y, "index_copy")


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``input`` with the slices at ``index`` along ``dim`` filled with ``value`` (a number or a 0-d tensor)."""
    axis, idx = _index_along("index_fill", input, dim, index)
    mask = np.zeros(input._data.shape, dtype=bool)
    mask[(slice(None),) * axis + (idx,)] = True
    return masked_fill(input, Tensor._make(mask), value)


# ------------------------------------------------------------ scatter_reduce
class ScatterReduce(Function):
    """Y = X with each src element combined into ``Y[i][index[i][j]]`` (for dim 1) by ``reduce``
    (sum, prod, mean, amax, amin); ``include_self=False`` leaves X's value out where src lands.

    The gradients are PyTorch's: sum: dX = G, dSrc = G at the index; mean: both divided by the
    count combined; amax/amin: G split evenly among the elements equal to the result; prod: G
    times the product of the other elements (exact where one element is zero)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, src, coords, reduce, include_self):
        y = _scatter_reduce(x, src, coords, reduce, include_self)
        ctx.x, ctx.src, ctx.y, ctx.coords = x, src, y, coords
        ctx.reduce, ctx.include_self = reduce, include_self
        return y

    @staticmethod
    def backward(ctx, g):
        x, src, y, coords, reduce = ctx.x, ctx.src, ctx.y, ctx.coords, ctx.reduce
        if reduce == "sum":
            dx, dsrc = g, g[coords]
        elif reduce == "mean":
            n = np.full(x.shape, 1 if ctx.include_self else 0, dtype=g.dtype)
            np.add.at(n, coords, 1)
            n[n == 0] = 1
            dx = g / n
            dsrc = dx[coords]
        elif reduce == "prod":
            safe_x = np.where(x == 0, 1, x).astype(x.dtype)
            dx = g * _scatter_reduce(safe_x, src, coords, "prod", ctx.include_self) / safe_x
            zero = src == 0
            zeros = np.zeros(x.shape, dtype=g.dtype)
            np.add.at(zeros, coords, zero.astype(g.dtype))
            single = zero & (zeros[coords] == 1)
            others = _scatter_reduce(x, np.where(single, 1, src).astype(src.dtype), coords, "prod", ctx.include_self)
            with np.errstate(divide="ignore", invalid="ignore"):
                dsrc = np.where(single, (g * others)[coords], (g * y)[coords] / np.where(zero, 1, src))
        else:  # amax, amin: the gradient split among the elements equal to the result
            x_wins = (x == y).astype(g.dtype)
            src_wins = (src == y[coords]).astype(g.dtype)
            n = x_wins.copy()
            np.add.at(n, coords, src_wins)
            share = g / n
            dx, dsrc = x_wins * share, src_wins * share[coords]
        if not ctx.include_self:
            dx = dx.copy()
            dx[coords] = 0  # X's value was left out where src landed
        return dx.astype(g.dtype, copy=False), dsrc.astype(g.dtype, copy=False), None, None, None


_REDUCE_AT = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _scatter_reduce(x: np.ndarray, src: np.ndarray, coords: tuple[np.ndarray, ...], reduce: str,
                    include_self: bool) -> np.ndarray:
    ufunc = _REDUCE_AT[reduce]
    y = x.copy()
    if not include_self:  # start from the reduction's identity where src lands
        identity = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if identity is None:
            kind = np.finfo if x.dtype.kind == "f" else np.iinfo
            identity = kind(x.dtype).min if reduce == "amax" else kind(x.dtype).max
            identity = -np.inf if x.dtype.kind == "f" and reduce == "amax" else identity
            identity = np.inf if x.dtype.kind == "f" and reduce == "amin" else identity
        y[coords] = identity
    ufunc.at(y, coords, src)
    if reduce == "mean":
        n = np.full(x.shape, 1 if include_self else 0, dtype=np.int64)
        np.add.at(n, coords, 1)
        n[n == 0] = 1
        y = (y / n).astype(x.dtype) if x.dtype.kind == "f" else y // n
    return y


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,  # noqa: A002
                   include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """``input`` with every ``src[i][j]`` combined into position ``[i][index[i][j]]`` (for dim 1)
    by ``reduce``: "sum", "prod", "mean", "amax" or "amin"."""
    if reduce not in _REDUCE_AT:
        raise ValueError(f"scatter_reduce(): reduce must be one of sum, prod, mean, amax, amin; got {reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): src must be a Tensor, not {type(src).__name__}")
    coords, part = _scatter_operands("scatter_reduce", input, dim, index, src)
    y = ScatterReduce.apply(input, part, coords, reduce, bool(include_self))
    return y if out is None else into(out, y, "scatter_reduce")


# ------------------------------------------------------------ masked_scatter, take, take_along_dim
class MaskedScatter(Function):
    """Y = X with the mask's True positions filled, in order, by S's first elements;
    dX = G where the mask is False, dS = G's masked elements in S's first positions, zero after."""

    array_io = True

    @staticmethod
    def forward(ctx, x, source, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        mask = np.broadcast_to(mask, shape)
        count = int(mask.sum())
        if source.size < count:
            raise ShapeError(f"masked_scatter(): the mask has {count} True elements but source has only "
                             f"{source.size} (shape {tuple(source.shape)})")
        y = np.broadcast_to(x, shape).copy()
        y[mask] = source.reshape(-1)[:count]
        ctx.mask, ctx.x_shape, ctx.s_shape, ctx.count = mask, x.shape, source.shape, count
        return y

    @staticmethod
    def backward(ctx, g):
        dx = unbroadcast(np.where(ctx.mask, g.dtype.type(0), g), ctx.x_shape) if ctx.needs_input_grad[0] else None
        ds = None
        if ctx.needs_input_grad[1]:
            ds = np.zeros(int(np.prod(ctx.s_shape)), dtype=g.dtype)
            ds[:ctx.count] = g[ctx.mask]
            ds = ds.reshape(ctx.s_shape)
        return dx, ds, None


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """``input`` with the positions where ``mask`` (bool, broadcast with input) is True filled,
    in row-major order, by ``source``'s first elements."""
    m = _bool_mask("masked_scatter", mask, input)
    if not isinstance(source, Tensor) or source._data.dtype != input._data.dtype:
        got = wrap(source._data.dtype) if isinstance(source, Tensor) else type(source).__name__
        raise TypeError(f"masked_scatter(): source must be a tensor of self's dtype {input.dtype}, got {got}")
    return MaskedScatter.apply(input, source, m)


def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002
    """The elements of ``input`` treated as 1-D, at ``index`` (negative counts from the end);
    the result has index's shape."""
    from .shape import getitem, reshape

    idx = check_index(index, "take")
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexError(f"take(): index {int(bad)} is out of bounds for a tensor of {n} elements "
                         f"(input shape {tuple(input.shape)})")
    return getitem(reshape(input, (-1,)), np.asarray(idx))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """``gather`` along ``dim`` with input and indices broadcast together outside ``dim``; with
    no dim, the elements of the flattened input at the flattened indices."""
    from .shape import expand, reshape

    idx = check_index(indices, "take_along_dim", "indices")
    if dim is None:
        return gather(reshape(input, (-1,)), 0, Tensor._make(idx.reshape(-1)))
    x = input._data
    if idx.ndim != x.ndim:
        raise ShapeError(f"take_along_dim(): input of shape {tuple(x.shape)} and indices of shape "
                         f"{tuple(idx.shape)} should have the same number of dimensions")
    axis = normalize_dim(dim, x.ndim, "take_along_dim")
    try:
        common = list(np.broadcast_shapes(*(s[:axis] + (1,) + s[axis + 1:] for s in (x.shape, idx.shape))))
    except ValueError:
        raise ShapeError(f"take_along_dim(): input of shape {tuple(x.shape)} and indices of shape "
                         f"{tuple(idx.shape)} cannot be broadcast together outside dim {axis}") from None
    common[axis] = x.shape[axis]
    source = expand(input, tuple(common))
    common[axis] = idx.shape[axis]
    return gather(source, axis, Tensor._make(np.broadcast_to(idx, tuple(common))))
