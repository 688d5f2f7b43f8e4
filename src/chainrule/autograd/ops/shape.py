"""Shape operations and indexing: they move elements around, so backward moves gradients back.

Forward returns NumPy views wherever NumPy can (reshape, transpose, basic slicing, expand): no
copies. Backward applies the inverse movement to ``G``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import ShapeError
from ...tensor import Tensor
from ..function import Function
from ._util import into, is_advanced, normalize_dim, numpy_keywords, unbroadcast, unwrap_index
from .elementwise import Clone, compare, sub
from .indexing import Take


class Reshape(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, shape, op):
        try:
            y = x.reshape(shape)  # a view whenever the memory layout allows
        except ValueError:
            raise ShapeError(
                f"{op}: shape {list(shape)} is invalid for input of shape {tuple(x.shape)} "
                f"(size {x.size})"
            ) from None
        ctx.shape, ctx.target = x.shape, y.shape  # backward reads shape; ONNX export, target
        return y

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None, None  # dX = G in X's shape


class Permute(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None


class Expand(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)  # a read-only view with zero strides

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(g, ctx.shape), None


class Cat(Function):
    array_io = True

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, ctx.bounds, axis=ctx.axis))


class Stack(Function):
    array_io = True

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis, ctx.n = axis, len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        return tuple(g[lead + (i,)] for i in range(ctx.n))


class Flip(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.flip(x, axes).copy()  # Y[i] = X[n - 1 - i] along each axis (a copy, as PyTorch)

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.axes), None  # dX = G flipped back


class Roll(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(x, shifts, axes)  # Y[(i + s) mod n] = X[i]; axes None: over the flat order

    @staticmethod
    def backward(ctx, g):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return np.roll(g, back, ctx.axes), None, None  # dX = G rolled back


class Tile(Function):
    """Y = X repeated ``reps[d]`` times along each dim d (X's shape padded with leading 1s);
    dX = the sum of G over the copies: G as [r0, s0, r1, s1, ...] summed over the r axes."""

    array_io = True

    @staticmethod
    def forward(ctx, x, reps):
        ctx.shape, ctx.reps = x.shape, reps
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        sizes = (1,) * (len(ctx.reps) - len(ctx.shape)) + ctx.shape
        split = g.reshape(tuple(n for pair in zip(ctx.reps, sizes) for n in pair))
        summed = split.sum(axis=tuple(range(0, split.ndim, 2)))
        return summed.reshape(ctx.shape), None


class GetItem(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, index):
        try:
            y = x[index]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (indexing a tensor of shape {tuple(x.shape)})") from None
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return y

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, dtype=ctx.dtype)
        index = ctx.index
        if is_advanced(index):
            np.add.at(dx, index, g)  # a row picked twice receives both gradients
        else:
            dx[index] = g
        return dx, None


class ConstantPad(Function):
    """Y = X inside a border of ``value`` (a negative width crops instead);  dX = G's inner block."""

    array_io = True

    @staticmethod
    def forward(ctx, x, widths, value):
        crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(x.shape, widths))
        grow = [(max(b, 0), max(a, 0)) for b, a in widths]
        ctx.widths = widths
        return np.pad(x[crop], grow, constant_values=value)

    @staticmethod
    def backward(ctx, g):
        inner = tuple(slice(max(b, 0), n - max(a, 0)) for n, (b, a) in zip(g.shape, ctx.widths))
        cropped = [(max(-b, 0), max(-a, 0)) for b, a in ctx.widths]
        return np.pad(g[inner], cropped), None, None  # what was cropped gets no gradient


class ViewWrite(Function):
    """B_new = B_old with the region ``view(B)`` replaced by V, V having been written there in
    place (PyTorch's CopySlices: the node an in-place change of a view gives its base);
    dB_old = G with the region zeroed, dV = view(G)."""

    array_io = True

    @staticmethod
    def forward(ctx, b, v, view):
        ctx.view = view
        return b  # the memory already holds the written values

    @staticmethod
    def backward(ctx, g):
        need_b, need_v = ctx.needs_input_grad[:2]
        db = dv = None
        if need_b:
            db = g.copy()
            ctx.view(db)[...] = 0  # [*b.shape]
        if need_v:
            dv = np.array(ctx.view(g))  # [*v.shape]
        return db, dv, None


class ViewOf(Function):
    """Y = view(B) (``view`` a function giving a NumPy view: a slice, a reshape...);
    dB = zeros with G put in the region."""

    array_io = True

    @staticmethod
    def forward(ctx, b, view):
        ctx.view, ctx.shape, ctx.dtype = view, b.shape, b.dtype
        return view(b)

    @staticmethod
    def backward(ctx, g):
        db = np.zeros(ctx.shape, dtype=ctx.dtype)
        ctx.view(db)[...] = g  # [*b.shape]
        return db, None


def track_view(y: Tensor, x: Tensor, view: Any) -> Tensor:
    """Remember, inside a graph, that ``y = view(x)`` shares ``x``'s memory, so that an in-place
    change of ``y`` is recorded on ``x`` too (``Tensor._write``); views of views keep the root."""
    if y.grad_fn is not None and y._data.base is not None and np.may_share_memory(y._data, x._data):
        parent = getattr(x, "_base", None)
        if parent is None:
            y._base = (x, view)
        else:
            root, first = parent
            y._base = (root, lambda a: view(first(a)))
    return y


def _reshaper(shape: tuple[int, ...]) -> Any:
    return lambda a: a.reshape(shape)


def _permuter(axes: tuple[int, ...]) -> Any:
    return lambda a: np.transpose(a, axes)


def _indexer(index: Any) -> Any:
    return lambda a: a[index]


# ------------------------------------------------------------------ functional forms
def reshape(x: Tensor, shape: Sequence[int], op: str = "reshape") -> Tensor:
    shape = tuple(shape)
    if shape == x._data.shape:
        return x
    y = Reshape.apply(x, shape, op)
    return y if y.grad_fn is None else track_view(y, x, _reshaper(y._data.shape))


def view(x: Tensor, *shape: Any) -> Tensor:
    return x.view(*shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = x._data.shape
    if len(shape) == 0:
        return reshape(x, (1,), "flatten")
    s = normalize_dim(start_dim, len(shape), "flatten")
    e = normalize_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    return reshape(x, shape[:s] + (-1 if x._data.size else int(np.prod(shape[s:e + 1])),) + shape[e + 1:],
                   "flatten")


@numpy_keywords
def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    shape = x._data.shape
    if dim is None:
        return reshape(x, tuple(n for n in shape if n != 1), "squeeze")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = {normalize_dim(d, len(shape), "squeeze") for d in dims}
    return reshape(x, tuple(n for i, n in enumerate(shape) if not (i in axes and n == 1)), "squeeze")


@numpy_keywords
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    shape = x._data.shape
    axis = normalize_dim(dim, len(shape) + 1, "unsqueeze")
    return reshape(x, shape[:axis] + (1,) + shape[axis:], "unsqueeze")


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    n = x._data.ndim
    if n < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    dims = list(range(n))
    a, b = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    dims[a], dims[b] = dims[b], dims[a]
    y = Permute.apply(x, tuple(dims))
    return y if y.grad_fn is None else track_view(y, x, _permuter(tuple(dims)))


def permute(x: Tensor, dims: Sequence[int]) -> Tensor:
    n = x._data.ndim
    axes = tuple(normalize_dim(d, n, "permute") for d in dims)
    if sorted(axes) != list(range(n)):
        raise ValueError(
            f"permute: dims {tuple(dims)} must be a permutation of the {n} dimensions of a tensor "
            f"of shape {tuple(x._data.shape)}"
        )
    y = Permute.apply(x, axes)
    return y if y.grad_fn is None else track_view(y, x, _permuter(axes))


def expand(x: Tensor, sizes: Sequence[int]) -> Tensor:
    shape = x._data.shape
    sizes = tuple(sizes)
    if len(sizes) < len(shape):
        raise ShapeError(
            f"expand: the number of sizes ({len(sizes)}) must be at least the number of dimensions "
            f"of the tensor (shape {tuple(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = list(sizes)
    for i, n in enumerate(shape):
        want = sizes[lead + i]
        if want == -1:
            target[lead + i] = n
        elif n != 1 and want != n:
            raise ShapeError(
                f"expand: the expanded size ({want}) must match the existing size ({n}) at "
                f"non-singleton dimension {lead + i}; target sizes {list(sizes)}, tensor shape "
                f"{tuple(shape)}"
            )
    if any(s < 0 for s in target[:lead]):
        raise ShapeError(f"expand: -1 is not allowed for new leading dimensions, got sizes {list(sizes)}")
    return Expand.apply(x, tuple(target))


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    return expand(x, tuple(shape))


def _tensors(tensors: Sequence[Any], op: str) -> list[Any]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    return list(tensors)


@numpy_keywords
def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    tensors = _tensors(tensors, "cat")
    shapes = [tuple(np.shape(t._data if isinstance(t, Tensor) else t)) for t in tensors]
    for i, s in enumerate(shapes):
        if not s:  # a 0-d tensor has no dimension to join along: view it as [1] first
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ndim = len(shapes[0])
    axis = normalize_dim(dim, ndim, "cat")
    for s in shapes:
        if len(s) != ndim or s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:]:
            raise ShapeError(
                f"cat: tensors must have the same shape except in dimension {axis}; got shapes "
                f"{', '.join(map(str, shapes))}"
            )
    y = Cat.apply(*tensors, axis=axis)
    return y if out is None else into(out, y, "cat")


concat = cat


@numpy_keywords
def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    tensors = _tensors(tensors, "stack")
    shapes = [tuple(np.shape(t._data if isinstance(t, Tensor) else t)) for t in tensors]
    if len(set(shapes)) != 1:
        raise ShapeError(f"stack: all tensors must have the same shape; got {', '.join(map(str, shapes))}")
    axis = normalize_dim(dim, len(shapes[0]) + 1, "stack")
    y = Stack.apply(*tensors, axis=axis)
    return y if out is None else into(out, y, "stack")


def getitem(x: Tensor, index: Any) -> Tensor:
    index = unwrap_index(index)
    y = GetItem.apply(x, index)
    return y if y.grad_fn is None else track_view(y, x, _indexer(index))


@numpy_keywords
def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    axis = normalize_dim(dim, x._data.ndim, "split")
    length = x._data.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size must be a positive integer, got {step}")
        sizes = [min(step, length - s) for s in range(0, length, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length:
            raise ShapeError(
                f"split: sizes {sizes} sum to {sum(sizes)}, but dimension {axis} of shape "
                f"{tuple(x._data.shape)} has length {length}"
            )
    lead = (slice(None),) * axis
    out, start = [], 0
    for size in sizes:
        out.append(getitem(x, lead + (slice(start, start + size),)))
        start += size
    return tuple(out)


@numpy_keywords
def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks}")
    axis = normalize_dim(dim, x._data.ndim, "chunk")
    length = x._data.shape[axis]
    return split(x, max(-(-length // chunks), 1), axis)


@numpy_keywords
def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    axis = normalize_dim(dim, x._data.ndim, "unbind")
    lead = (slice(None),) * axis
    return tuple(getitem(x, lead + (i,)) for i in range(x._data.shape[axis]))


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: with ``indexing="ij"`` output k varies along dim k; with
    ``"xy"`` the first two dims are swapped (x along columns), as NumPy's default. Each output is
    an expanded view of its input, so its gradient sums back over the grid."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ValueError("meshgrid: expects a non-empty sequence of tensors")
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument (indexing='ij' is used, as before)", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing!r}')
    if any(t._data.ndim > 1 for t in tensors):
        raise ShapeError(f"meshgrid: expects 0-D or 1-D tensors, got shapes {[tuple(t.shape) for t in tensors]}")
    if len({t._data.dtype for t in tensors}) > 1:
        raise TypeError(f"meshgrid: expects all tensors to have the same dtype, got {[t.dtype for t in tensors]}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    sizes = [t._data.size for t in tensors]
    shape = [0] * len(tensors)
    for axis, n in zip(axes, sizes):
        shape[axis] = n
    grids = []
    for axis, t in zip(axes, tensors):
        along = [1] * len(tensors)
        along[axis] = -1  # this vector runs along its axis; expand repeats it along the others
        grids.append(expand(reshape(t, along), shape))
    return tuple(grids)


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}  # PyTorch's name: NumPy's


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad (or crop, with negative widths) the last ``len(pad) // 2`` dims: ``pad`` lists
    ``(before, after)`` for the last dim first, as ``torch.nn.functional.pad``.

    ``"constant"`` fills with ``value`` (default 0) and works for any number of dims; ``"reflect"``,
    ``"replicate"`` and ``"circular"`` pad the last 1, 2 or 3 dims of a tensor with a batch
    (and optionally a channel) dim in front, as PyTorch requires."""
    shape = input._data.shape
    widths = [int(w) for w in pad]
    if len(widths) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got pad={tuple(widths)}")
    padded = len(widths) // 2
    if padded > len(shape):
        raise ValueError(
            f"pad: padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(widths)} and input of shape {tuple(shape)}"
        )
    # (before, after) per dim, first dim first; pad lists the last dim first
    per_dim = [(0, 0)] * (len(shape) - padded) + [(widths[2 * i], widths[2 * i + 1]) for i in reversed(range(padded))]
    if mode == "constant":
        for n, (b, a) in zip(shape, per_dim):
            if n + b + a < 0:
                raise ShapeError(
                    f"pad: the widths {tuple(widths)} would give a negative size for input shape {tuple(shape)}"
                )
        return ConstantPad.apply(input, per_dim, 0 if value is None else value)
    if mode not in _PAD_MODES:
        raise ValueError(
            f"pad: unrecognised padding mode {mode!r}; use 'constant', 'reflect', 'replicate' or 'circular'"
        )
    if value is not None:
        raise ValueError(f'pad: padding mode "{mode}" does not take a value argument')
    if padded == 0 or len(shape) not in (padded + 1, padded + 2):
        raise NotImplementedError(
            f"pad: {mode} padding of {padded} dim(s) needs a {padded + 1}-D or {padded + 2}-D input, "
            f"got shape {tuple(shape)} (the padding size must be 2, 4 or 6)"
        )
    indices = []
    for axis, (n, (b, a)) in enumerate(zip(shape, per_dim)):
        if (b, a) == (0, 0):
            continue
        # reflect skips the edge, so it has one fewer to copy; circular wraps around at most once;
        # replicate repeats the edge as often as asked
        limit = {"reflect": n - 1, "circular": n}.get(mode, max(b, a))
        if min(b, a) < 0 or max(b, a) > limit or n == 0:
            raise ValueError(
                f"pad: {mode} padding needs widths between 0 and {limit} for dimension {axis} of input shape "
                f"{tuple(shape)}, got {(b, a)}"
            )
        indices.append((axis, np.pad(np.arange(n), (b, a), mode=_PAD_MODES[mode])))
    return Take.apply(input, indices)  # output position j copies input position index[j]


class Diag(Function):
    """Y = the square matrix with the vector X on its ``offset`` diagonal (above the main one when
    positive), zeros elsewhere;  dX = that diagonal of G."""

    array_io = True

    @staticmethod
    def forward(ctx, x, offset):
        ctx.offset = offset
        return np.diag(x, offset)  # [n + |offset|, n + |offset|]

    @staticmethod
    def backward(ctx, g):
        return np.diagonal(g, ctx.offset).copy(), None


class Trace(Function):
    """Y = the sum of the matrix X's main diagonal;  dX = G on that diagonal, 0 elsewhere."""

    array_io = True

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return np.asarray(np.trace(x))  # int32 sums into int64, as PyTorch's

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, dtype=g.dtype)
        np.fill_diagonal(dx, g)  # a non-square matrix: its min(n, m) diagonal entries
        return (dx,)


def _diagonal_view(offset: int, axis1: int, axis2: int) -> Any:
    """The diagonal as a view that can be written through (NumPy's is read-only; PyTorch's is
    writable), so in-place changes of it reach the tensor and backward can put G on it."""

    def view(a: np.ndarray) -> np.ndarray:
        d = a.diagonal(offset, axis1, axis2)
        if a.flags.writeable:
            d.flags.writeable = True
        return d

    return view


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of the planes (dim1, dim2), ``offset`` above the main one, as a view whose
    last dim runs along it (the two dims are removed)."""
    n = input._data.ndim
    axis1, axis2 = normalize_dim(dim1, n, "diagonal"), normalize_dim(dim2, n, "diagonal")
    if axis1 == axis2:
        raise ShapeError(
            f"diagonal: dim1 and dim2 must name two different dimensions, both name {axis1} "
            f"(input of shape {tuple(input._data.shape)})")
    view = _diagonal_view(int(offset), axis1, axis2)
    y = ViewOf.apply(input, view)
    return y if y.grad_fn is None else track_view(y, input, view)


def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """A vector's square diagonal matrix, or a matrix's diagonal as a vector (a copy), ``diagonal``
    places above the main diagonal (below when negative)."""
    shape = input._data.shape
    if len(shape) == 1:
        y = Diag.apply(input, int(diagonal))
    elif len(shape) == 2:
        y = Clone.apply(ViewOf.apply(input, _diagonal_view(int(diagonal), 0, 1)))  # a copy, not a view
    else:
        raise ShapeError(
            f"diag(): expects a 1-D tensor (the diagonal of the matrix to make) or a 2-D tensor (the "
            f"matrix to read a diagonal from), got shape {tuple(shape)}")
    return y if out is None else into(out, y, "diag")


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of a matrix's main diagonal."""
    if input._data.ndim != 2:
        raise ShapeError(f"trace: expected a 2-D matrix, got a tensor of shape {tuple(input._data.shape)}")
    return Trace.apply(input)


def view_write(base: Tensor, written: Tensor, view: Any) -> Tensor:
    """``base`` after ``written`` (a view of it) was changed in place: the node of the change."""
    return ViewWrite.apply(base, written, view)


def view_of(base: Tensor, view: Any) -> Tensor:
    """``view(base)`` as a node of the graph (a view re-read from its changed base)."""
    return ViewOf.apply(base, view)


# ------------------------------------------------------------------ reorder, repeat, difference
def _dims(dims: Any) -> tuple[Any, ...]:
    """``f(x, 0, 1)`` and ``f(x, (0, 1))`` alike: the dims as a tuple."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        return tuple(dims[0])
    return tuple(dims)


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """The elements in reverse order along each of ``dims`` (a copy)."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    n = input._data.ndim
    axes = tuple(normalize_dim(d, n, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"flip: dims {dims} name a dimension more than once (input shape {tuple(input.shape)})")
    return Flip.apply(input, axes if n else ())


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Elements moved ``shifts`` places along ``dims``, wrapping around; with no dims, along the
    flattened tensor (the shape kept)."""
    n = input._data.ndim
    if dims is None:
        if not isinstance(shifts, (int, np.integer)) and len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one number, got {tuple(shifts)}")
        shift = int(shifts) if isinstance(shifts, (int, np.integer)) else int(shifts[0])
        return Roll.apply(input, shift, None)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    axes = tuple(normalize_dim(d, n, "roll") for d in dims)
    if not n:
        return Clone.apply(input)
    return Roll.apply(input, tuple(int(s) for s in shifts), axes)


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:  # noqa: A002
    """The view ``input[..., start:start + length, ...]`` along ``dim`` (``start`` may be negative)."""
    shape = input._data.shape
    if not shape:
        raise ShapeError("narrow: cannot narrow a 0-d tensor")
    axis = normalize_dim(dim, len(shape), "narrow")
    size, start = shape[axis], int(start)
    if not -size <= start <= size:
        raise IndexError(f"narrow: start ({start}) is out of range for dimension {axis} of size {size} "
                         f"(input shape {tuple(shape)})")
    start += size if start < 0 else 0
    if length < 0 or start + length > size:
        raise ShapeError(f"narrow: start ({start}) + length ({length}) exceeds dimension {axis} of size "
                         f"{size} (input shape {tuple(shape)})")
    return getitem(input, (slice(None),) * axis + (slice(start, start + length),))


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """``input`` repeated ``dims[d]`` times along each dim d; missing leading counts are 1."""
    reps = tuple(int(r) for r in dims)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repeat counts must be non-negative, got {reps}")
    return Tile.apply(input, (1,) * (input._data.ndim - len(reps)) + reps)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,  # noqa: A002
                      output_size: int | None = None) -> Tensor:
    """Each element (slice along ``dim``; of the flattened tensor when ``dim`` is None) repeated
    ``repeats`` times, or ``repeats[i]`` times for element i. ``repeat_interleave(counts)``
    alone repeats each index i ``counts[i]`` times."""
    if repeats is None:  # repeat_interleave(counts): the indices 0..n-1, each counts[i] times
        counts = input._data
        if counts.ndim != 1 or counts.dtype.kind not in "iu":
            raise ShapeError(f"repeat_interleave: expected a 1-D integer tensor of counts, got "
                             f"shape {tuple(counts.shape)} of dtype {input.dtype}")
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        input, axis = reshape(input, (-1,), "repeat_interleave"), 0  # noqa: A001
    else:
        axis = normalize_dim(dim, input._data.ndim, "repeat_interleave")
        if not input._data.ndim:
            input = reshape(input, (1,), "repeat_interleave")  # noqa: A001
    size = input._data.shape[axis]
    counts = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats).reshape(-1)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"repeat_interleave: repeats must be integers, got {counts.dtype}")
    if counts.size not in (1, size):
        raise ShapeError(f"repeat_interleave: repeats has {counts.size} counts, but dimension {axis} "
                         f"has size {size} (input shape {tuple(input.shape)})")
    if (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {counts.tolist()}")
    index = np.repeat(np.arange(size), np.broadcast_to(counts, (size,)))
    if output_size is not None and output_size != index.size:
        raise ValueError(f"repeat_interleave: output_size {output_size} differs from the repeated size {index.size}")
    return Take.apply(input, [(axis, index)])  # dX sums G over each element's copies


def _at_least(tensors: Any, op: str, ndim: int) -> list[Tensor]:
    """The tensors with leading dims of size 1 added up to ``ndim`` dims (atleast_1d, atleast_2d)."""
    out = []
    for t in _tensors(tensors, op):
        shape = t._data.shape
        out.append(reshape(t, (1,) * (ndim - len(shape)) + shape, op) if len(shape) < ndim else t)
    return out


def hstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Side by side: 1-D tensors joined end to end, others along dim 1."""
    parts = _at_least(tensors, "hstack", 1)
    return cat(parts, 0 if all(t._data.ndim == 1 for t in parts) else 1, out=out)


def vstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """One above the other along dim 0; 0-d and 1-d tensors become rows first."""
    return cat(_at_least(tensors, "vstack", 2), 0, out=out)


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Side by side along dim 1; 0-d and 1-d tensors become columns first."""
    parts = [reshape(t, (t._data.size, 1), "column_stack") if t._data.ndim < 2 else t
             for t in _tensors(tensors, "column_stack")]
    return cat(parts, 1, out=out)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,  # noqa: A002
         append: Tensor | None = None) -> Tensor:
    """``x[i + 1] - x[i]`` along ``dim``, ``n`` times over, after joining ``prepend`` and ``append``
    on either side (bool tensors: ``x[i + 1] != x[i]``). Gradients flow through the subtraction;
    ``n = 0`` gives a copy of ``input``."""
    if input._data.ndim == 0:
        raise ShapeError("diff: expects input to be at least one-dimensional, got a 0-d tensor")
    axis = normalize_dim(dim, input._data.ndim, "diff")
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    x = input
    if n == 0:
        return Clone.apply(input)  # no difference taken: prepend and append are ignored, as in PyTorch
    if prepend is not None or append is not None:
        x = cat([t for t in (prepend, input, append) if t is not None], axis)
    for _ in range(n):
        length = x._data.shape[axis]
        if length == 0:
            break
        later, earlier = narrow(x, axis, 1, length - 1), narrow(x, axis, 0, length - 1)
        x = compare(np.not_equal, later, earlier) if x._data.dtype == np.bool_ else sub(later, earlier)
    return x


# ------------------------------------------------------------------ more shape methods (compositions)
def repeat(input: Tensor, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """``Tensor.repeat``: ``input`` repeated ``sizes[d]`` times along each dim d (new leading dims
    where ``sizes`` is longer); dX sums the copies (Tile's backward)."""
    reps = tuple(int(r) for r in sizes)
    if len(reps) < input._data.ndim:
        raise ShapeError(
            f"repeat: the number of repeat dims ({len(reps)}) can not be smaller than the number of "
            f"dimensions of the tensor (shape {tuple(input.shape)})"
        )
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeat counts must be non-negative, got {reps}")
    return Tile.apply(input, reps)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-D tensor (a view where possible)."""
    return reshape(input, (-1,)) if input._data.ndim != 1 else input


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """The view ``input[..., index, ...]`` along ``dim``: that dim removed."""
    shape = input._data.shape
    if not shape:
        raise IndexError("select: cannot select on a 0-d tensor")
    axis = normalize_dim(dim, len(shape), "select")
    size, i = shape[axis], int(index)
    if not -size <= i < size:
        raise IndexError(f"select: index {i} out of range for dimension {axis} of size {size} "
                         f"(input shape {tuple(shape)})")
    return getitem(input, (slice(None),) * axis + (i % size,))


def _axes(dims: Any, ndim: int, op: str) -> tuple[int, ...]:
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    axes = tuple(normalize_dim(d, ndim, op) for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated dim in {dims}")
    return axes


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """The dims ``source`` moved to the positions ``destination``, the others kept in order (a view)."""
    n = input._data.ndim
    src, dst = _axes(source, n, "movedim"), _axes(destination, n, "movedim")
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must have the same length")
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order) if n else input


moveaxis = movedim


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    return transpose(input, axis0, axis1)


swapdims = swapaxes


def _split_at(x: Tensor, axis: int, bounds: Sequence[int]) -> tuple[Tensor, ...]:
    """The pieces of ``x`` between consecutive ``bounds`` along ``axis`` (views)."""
    lead = (slice(None),) * axis
    return tuple(getitem(x, lead + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:]))


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``n`` pieces of near-equal length along ``dim`` (the first ``len % n`` one longer), or the
    pieces between the given split indices."""
    shape = input._data.shape
    if not shape:
        raise ShapeError("tensor_split: expected at least a 1-dimensional tensor, got a 0-d one")
    axis = normalize_dim(dim, len(shape), "tensor_split")
    length = shape[axis]
    sections = indices_or_sections
    if isinstance(sections, Tensor):
        sections = sections._data.item() if sections._data.ndim == 0 else sections._data.tolist()
    if isinstance(sections, (int, np.integer)):
        n = int(sections)
        if n <= 0:
            raise ValueError(f"tensor_split: number of sections must be larger than 0, got {n}")
        q, r = divmod(length, n)
        bounds = [0]
        for i in range(n):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        points = [int(i) for i in sections]
        points = [min(max(p + length if p < 0 else p, 0), length) for p in points]
        bounds = [0, *points, length]  # a split point below the one before gives an empty piece
    return _split_at(input, axis, bounds)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    return split(input, [int(s) for s in split_sizes], dim)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``Tensor.unfold``: every slice of length ``size`` along ``dimension``, ``step`` apart; that
    dim becomes the number of slices and a new last dim of length ``size`` holds each slice."""
    shape = input._data.shape
    axis = normalize_dim(dimension, len(shape), "unfold")
    length = shape[axis] if shape else 1
    if step <= 0:
        raise ValueError(f"unfold: step is {step} but must be > 0")
    if not 0 <= size <= length:
        raise ShapeError(f"unfold: maximum size for tensor at dimension {axis} is {length} but size is {size} "
                         f"(input shape {tuple(shape)})")
    if not shape:
        return reshape(input, (1,))
    starts = np.arange(0, length - size + 1, step)
    index = starts[:, None] + np.arange(size)  # [count, size]: the positions of each slice
    y = getitem(input, (slice(None),) * axis + (index,))  # [..., count, size, ...]
    return movedim(y, axis + 1, -1)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:  # noqa: A002
    """Rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first dim towards the second."""
    n = input._data.ndim
    if len(dims) != 2:
        raise ValueError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise ShapeError(f"rot90: expected total dims >= 2, but got total dims = {n}")
    d0, d1 = _axes(dims, n, "rot90")
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return Clone.apply(input)


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    if input._data.ndim < 2:
        raise ShapeError(f"fliplr: input must be >= 2-d, got shape {tuple(input.shape)}")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    if input._data.ndim < 1:
        raise ShapeError("flipud: input must be >= 1-d, got a 0-d tensor")
    return flip(input, (0,))


class DiagEmbed(Function):
    """Y[..., i + max(-offset, 0), i + max(offset, 0)] = X[..., i] in two new last dims, zero
    elsewhere;  dX = that diagonal of G."""

    array_io = True

    @staticmethod
    def forward(ctx, x, offset):
        n = x.shape[-1]
        size = n + abs(offset)
        y = np.zeros(x.shape[:-1] + (size, size), dtype=x.dtype)
        rows, cols = np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)
        y[..., rows, cols] = x
        ctx.rows, ctx.cols = rows, cols
        return y

    @staticmethod
    def backward(ctx, g):
        return g[..., ctx.rows, ctx.cols], None


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Matrices whose diagonal ``offset`` (in the dims ``dim1``, ``dim2`` of the output) holds the
    last dim of ``input``, zero elsewhere."""
    n = input._data.ndim + 1
    if input._data.ndim == 0:
        raise ShapeError("diag_embed: expected a tensor with at least 1 dimension, got a 0-d tensor")
    d1, d2 = normalize_dim(dim1, n, "diag_embed"), normalize_dim(dim2, n, "diag_embed")
    if d1 == d2:
        raise ValueError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    y = DiagEmbed.apply(input, int(offset))
    return movedim(y, (n - 2, n - 1), (d1, d2))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """The flattened ``input`` as the diagonal ``offset`` of a square matrix."""
    return DiagEmbed.apply(reshape(input, (-1,)), int(offset))


def _one_or_tuple(tensors: tuple[Any, ...], out: list[Tensor]) -> Any:
    """One tensor back for one tensor in, else a tuple (the atleast_* functions' convention)."""
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (a 0-d one becomes ``[1]``)."""
    return _one_or_tuple(tensors, _at_least(tensors[0] if len(tensors) == 1 and not isinstance(tensors[0], Tensor)
                                            else tensors, "atleast_1d", 1))


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims (leading dims of size 1 added: ``[n] -> [1, n]``)."""
    return _one_or_tuple(tensors, _at_least(tensors[0] if len(tensors) == 1 and not isinstance(tensors[0], Tensor)
                                            else tensors, "atleast_2d", 2))


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims, as NumPy: ``[] -> [1, 1, 1]``, ``[n] -> [1, n, 1]``,
    ``[m, n] -> [m, n, 1]``."""
    items = tensors[0] if len(tensors) == 1 and not isinstance(tensors[0], Tensor) else tensors
    out = []
    for t in _tensors(items, "atleast_3d"):
        shape = t._data.shape
        new = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)
        out.append(reshape(t, new, "atleast_3d") if new != shape else t)
    return _one_or_tuple(tensors, out)


def _split_along(op: str, input: Tensor, indices_or_sections: Any, dim: int, min_dims: int) -> tuple[Tensor, ...]:  # noqa: A002
    ndim = input._data.ndim
    if ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {ndim} dimensions!")
    if isinstance(indices_or_sections, int):
        size = input._data.shape[dim]
        if indices_or_sections <= 0 or size % indices_or_sections:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """Split along dim 1 (dim 0 for a 1-D tensor) into equal parts, or at the given indices."""
    return _split_along("hsplit", input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """Split along dim 0 into equal parts, or at the given indices."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """Split along dim 2 into equal parts, or at the given indices."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Dim ``dim`` spread over several: ``[..., n, ...] -> [..., *sizes, ...]`` with
    ``prod(sizes) = n`` (one entry may be -1, inferred)."""
    shape = input._data.shape
    axis = normalize_dim(dim, len(shape), "unflatten")
    sizes = tuple(int(s) for s in sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (sizes.count(-1) == 0 and known != shape[axis]) or \
            (sizes.count(-1) == 1 and (known == 0 or shape[axis] % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({shape[axis]}) in the input tensor")
    return reshape(input, shape[:axis] + sizes + shape[axis + 1:], "unflatten")


class BlockDiag(Function):
    """The inputs (each made 2-D: ``[] -> [1, 1]``, ``[n] -> [1, n]``) along the diagonal of one
    zero matrix; backward hands each its block of ``G``."""

    array_io = True

    @staticmethod
    def forward(ctx, *blocks):
        mats = [np.atleast_2d(b) if b.ndim < 2 else b for b in blocks]
        rows = np.cumsum([0] + [m.shape[0] for m in mats])
        cols = np.cumsum([0] + [m.shape[1] for m in mats])
        out = np.zeros((rows[-1], cols[-1]), dtype=np.result_type(*blocks) if blocks else np.float32)
        for m, r, c in zip(mats, rows, cols):
            out[r:r + m.shape[0], c:c + m.shape[1]] = m
        ctx.spans = [(r, r + m.shape[0], c, c + m.shape[1], b.shape, b.dtype)
                     for m, b, r, c in zip(mats, blocks, rows, cols)]
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(g[r0:r1, c0:c1].reshape(shape).astype(dtype, copy=False)
                     for r0, r1, c0, c1, shape, dtype in ctx.spans)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the inputs (0-, 1- or 2-D), in the promoted dtype."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag(): argument {i} must be a Tensor, got {type(t).__name__}")
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} "
                               f"has {t._data.ndim} dimensions")
    return BlockDiag.apply(*tensors)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D input, one row each ``[prod(n_i), k]``
    (the lexicographic order of ``itertools.product``); a single input comes back as it is."""
    for i, t in enumerate(tensors):
        if t._data.ndim != 1:
            raise ShapeError(f"cartesian_prod: expect a 1D vector, but got shape {tuple(t._data.shape)} "
                             f"for argument {i}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,), "cartesian_prod") for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """Every combination of ``r`` elements of a 1-D tensor, one row each ``[n choose r, r]``, in
    ``itertools.combinations`` order (``combinations_with_replacement`` with ``with_replacement``)."""
    import itertools

    if input._data.ndim != 1:
        raise ShapeError(f"Expect a 1D vector, but got shape {list(input._data.shape)}")
    if r < 0:
        raise ValueError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.empty((0,), dtype=input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return reshape(Take.apply(input, [(0, index.reshape(-1))]), index.shape, "combinations")



class WriteRegion(ViewWrite):
    """Y = X with the region ``view(Y)`` replaced by S (the out-of-place ``x[region] = s``);
    dX = G with the region zeroed, dS = the region of G (``ViewWrite``'s backward)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, src, view):
        y = x.copy()
        view(y)[...] = src
        ctx.view = view
        return y


def _write_region(input: Tensor, src: Tensor, view: Any, op: str) -> Tensor:  # noqa: A002
    region = view(input._data)
    if tuple(np.shape(region)) != tuple(src._data.shape):
        raise ShapeError(f"{op}(): expected src to have a size equal to the slice of self. src size = "
                         f"{list(src._data.shape)}, slice size = {list(np.shape(region))}")
    return WriteRegion.apply(input, src, view)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written at ``index`` of ``dim`` (the out-of-place ``x.select(dim, i)[...] = src``)."""
    axis = normalize_dim(dim, input._data.ndim, "select_scatter")
    return _write_region(input, src, _indexer((slice(None),) * axis + (index,)), "select_scatter")


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
                  end: int | None = None, step: int = 1) -> Tensor:
    """``input`` with ``src`` written at ``start:end:step`` of ``dim``."""
    axis = normalize_dim(dim, input._data.ndim, "slice_scatter")
    return _write_region(input, src, _indexer((slice(None),) * axis + (slice(start, end, step),)), "slice_scatter")


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written on its diagonal (``offset``, ``dim1``, ``dim2`` as :func:`diagonal`)."""
    n = input._data.ndim
    axis1, axis2 = normalize_dim(dim1, n, "diagonal_scatter"), normalize_dim(dim2, n, "diagonal_scatter")
    view = _diagonal_view(offset, axis1, axis2)
    return _write_region(input, src, view, "diagonal_scatter")


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """The indices of the nonzero elements, one row each: ``[n, ndim]`` int64."""
    return Tensor._make(np.argwhere(input._data).astype(np.int64))


def adjoint(input: Tensor) -> Tensor:  # noqa: A002
    """The conjugate transpose of the last two dims (for real tensors, the transpose ``mT``)."""
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)
