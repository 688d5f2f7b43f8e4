"""``chainrule.linalg``: PyTorch's ``torch.linalg`` for the common operations, with gradients.

Norms (``vector_norm``, ``matrix_norm``, ``norm``), determinants (``det``, ``slogdet``), inverses
and solves (``inv``, ``solve``, ``pinv``, ``lstsq``), the decompositions (``cholesky``, ``eigh``,
``eigvalsh``, ``svd``, ``svdvals``, ``qr``) and products (``matrix_power``, ``multi_dot``,
``cross``); plus ``logdet``, ``inverse``, ``cdist`` and ``tensordot``, which PyTorch has at its top
level. Every function batches over leading dims, as PyTorch's does; the gradients are written in
:mod:`chainrule.autograd.ops.decompositions` or follow from the ops these functions are made of.
"""

from __future__ import annotations

import operator
import warnings
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from .autograd import ops as _ops
from .autograd.ops import (
    amax,
    amin,
    matmul,
    movedim,
    permute,
    reshape,
    squeeze,
    unsqueeze,
    where,
)
from .autograd.ops._util import normalize_dim, normalize_dims
from .autograd.ops.decompositions import (
    QR,
    Cholesky,
    Det,
    Eigh,
    Inv,
    Pinv,
    SlogDet,
    Solve,
    Svd,
    SvdVals,
    VectorNorm,
)
from .autograd.ops.elementwise import to_dtype
from .dtypes import as_dtype, wrap
from .errors import ShapeError
from .tensor import Tensor

__all__ = [
    "LinAlgError", "cdist", "cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "inverse", "logdet", "lstsq",
    "matrix_norm", "matrix_power", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
    "tensordot", "vector_norm",
]


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle: singular for inv and solve, not positive-definite for
    cholesky (``torch.linalg.LinAlgError``; a RuntimeError, as in PyTorch)."""


SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])  # torch.return_types.linalg_slogdet
EighResult = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
SvdResult = namedtuple("svd", ["U", "S", "Vh"])
QRResult = namedtuple("qr", ["Q", "R"])
LstsqResult = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])

_INF = float("inf")


# ------------------------------------------------------------------ checks shared by the functions
def _float_input(op: str, x: Any, half: bool = False) -> Tensor:
    """``x`` as a float32/float64 tensor (float16 too if ``half``: the norms take it), or PyTorch's
    RuntimeError for any other dtype."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: argument 'A' must be a Tensor, not {type(x).__name__}")
    if half and x._data.dtype == np.float16:
        return x
    if x._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{op}: Expected a floating point tensor (float32 or float64) as input. "
                           f"Got {wrap(x._data.dtype)}")
    return x


def _matrices(op: str, x: Any, square: bool = False, half: bool = False) -> Tensor:
    """A float tensor of shape ``[..., m, n]`` (``m == n`` if ``square``), or a teaching error."""
    x = _float_input(op, x, half)
    shape = tuple(x._data.shape)
    if len(shape) < 2:
        raise ShapeError(f"{op}: The input tensor A must have at least 2 dimensions (a batch of matrices "
                         f"[..., m, n]), got shape {shape}")
    if square and shape[-1] != shape[-2]:
        raise ShapeError(f"{op}: A must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} "
                         f"matrices (shape {shape})")
    return x


def _batch_element(arrays: np.ndarray, fails: Any) -> str:
    """`` (batch element k)`` for the first matrix of a batch on which ``fails`` is true."""
    if arrays.ndim == 2:
        return ""
    flat = arrays.reshape((-1,) + arrays.shape[-2:])
    k = next((i for i, m in enumerate(flat) if fails(m)), 0)
    return f" (batch element {k})"


def _singular(m: np.ndarray) -> bool:
    try:
        np.linalg.inv(m)
    except np.linalg.LinAlgError:
        return True
    return False


def _singular_error(op: str, a: np.ndarray) -> LinAlgError:
    where_ = _batch_element(a, _singular)
    return LinAlgError(f"{op}: the input matrix{where_} is singular (its LU factorization has a zero pivot), so it "
                       f"has no inverse; A has shape {tuple(a.shape)}")


# ------------------------------------------------------------------ norms
def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """The vector p-norm ``(sum_i |x_i|^p)^(1/p)`` over ``dim`` (every element by default).

    ``ord`` is any real number, ``inf`` (``max |x_i|``), ``-inf`` (``min |x_i|``) or 0 (the number
    of nonzero elements). ``dtype`` casts ``x`` first. The gradient where the norm has none is
    PyTorch's: 0 for the 2-norm at ``x = 0``, shared among the ties for ``+-inf``.
    """
    op = "linalg.vector_norm"
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"{op}(): argument 'ord' must be a number (a float, inf or -inf), not {type(ord).__name__}")
    _float_input(op, x, half=True)
    if dtype is not None:
        x = to_dtype(x, _float_dtype(op, dtype))
    shape = x._data.shape
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None  # an empty dim reduces every dim, as in PyTorch
    axes = normalize_dims(dim, x._data.ndim, op)
    reduced = int(np.prod([shape[a] for a in (range(len(shape)) if axes is None else axes)]))
    if reduced == 0 and (ord < 0 or np.isinf(ord)):
        raise RuntimeError(f"{op} cannot compute the {ord} norm on an empty tensor (shape {tuple(shape)}) because "
                           "the operation does not have an identity")
    return VectorNorm.apply(x, float(ord), axes, keepdim)


_MATRIX_ORDS = ("fro", "nuc", _INF, -_INF, 1, -1, 2, -2)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,  # noqa: A002, N803
                dtype: Any = None) -> Tensor:
    """A matrix norm over the two dims ``dim``: ``'fro'`` (``sqrt(sum A_ij^2)``), ``'nuc'`` (the sum
    of the singular values), ``inf``/``-inf`` (the max/min over rows of ``sum_j |A_ij|``), ``1``/``-1``
    (the same over columns) and ``2``/``-2`` (the largest/smallest singular value)."""
    op = "linalg.matrix_norm"
    _matrices(op, A, half=ord not in ("nuc", 2, -2))
    if dtype is not None:
        A = to_dtype(A, _float_dtype(op, dtype))
    ndim = A._data.ndim
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple of ints, got {dim!r}")
    d0, d1 = (normalize_dim(d, ndim, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got {tuple(dim)}")
    if not any(ord == o and isinstance(ord, str) == isinstance(o, str) for o in _MATRIX_ORDS):
        raise RuntimeError(f"{op}: Order {ord} not supported; use 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in (_INF, -_INF, 1, -1):
        inner, outer = (d1, d0) if abs(ord) == _INF else (d0, d1)  # inf: the row sums; 1: the column sums
        sums = vector_norm(A, 1, inner, keepdim=True)
        y = (amax if ord > 0 else amin)(sums, outer, keepdim=True)
        return y if keepdim else squeeze(y, tuple(sorted((d0, d1), reverse=True)))
    s = svdvals(movedim(A, (d0, d1), (-2, -1)))  # [..., k]
    y = _ops.sum(s, -1) if ord == "nuc" else (amax if ord == 2 else amin)(s, -1)
    if keepdim:
        for d in sorted((d0, d1)):
            y = unsqueeze(y, d)
    return y


def _float_dtype(op: str, dtype: Any) -> np.dtype:
    dt = as_dtype(dtype)
    if dt.kind != "f":
        raise RuntimeError(f"{op}: dtype should be floating point, but got {wrap(dt)}")
    return dt


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002, N803
         dtype: Any = None) -> Tensor:
    """A vector or a matrix norm, chosen as PyTorch chooses: a string ``ord`` or a 2-tuple ``dim``
    gives :func:`matrix_norm`; an int or 1-tuple ``dim`` gives :func:`vector_norm`; with neither
    dim nor ord, the 2-norm of all elements; with ord but no dim, A must be 1-D or 2-D."""
    op = "linalg.norm"
    _float_input(op, A, half=True)
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"{op}: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if isinstance(ord, str) or A._data.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A._data.ndim != 1:
        raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A._data.ndim}D (shape {tuple(A.shape)})")
    return vector_norm(A, ord, None, keepdim, dtype=dtype)


# ------------------------------------------------------------------ determinants, inverses, solves
def det(A: Tensor) -> Tensor:  # noqa: N803
    """``det(A)`` of each square matrix of ``[..., n, n]``; ``dA = G det(A) A^-T``."""
    return Det.apply(_matrices("linalg.det", A, square=True))


def slogdet(A: Tensor) -> SlogdetResult:  # noqa: N803
    """``(sign, logabsdet)`` with ``det(A) = sign * exp(logabsdet)``: a determinant that neither
    overflows nor underflows. The gradient flows through ``logabsdet`` (``dA = G A^-T``)."""
    A = _matrices("linalg.slogdet", A, square=True)
    packed = SlogDet.apply(A)  # [..., 2]
    return SlogdetResult(packed[..., 0], packed[..., 1])


def logdet(A: Tensor) -> Tensor:  # noqa: N803
    """``log det(A)``: NaN where the determinant is negative, ``-inf`` where it is 0 (as ``torch.logdet``)."""
    sign, logabsdet = slogdet(A)
    return where(sign._data < 0, np.array(np.nan, dtype=A._data.dtype), logabsdet)


def inv(A: Tensor) -> Tensor:  # noqa: N803
    """``A^-1`` of each square matrix; ``dA = -A^-T G A^-T``. A singular matrix raises LinAlgError."""
    op = "linalg.inv"
    A = _matrices(op, A, square=True)
    try:
        return Inv.apply(A)
    except np.linalg.LinAlgError:
        raise _singular_error(op, A._data) from None


def inverse(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.inverse``: the same as :func:`inv`."""
    return inv(input)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803
    """The X of ``A X = B`` (``X A = B`` with ``left=False``), for square ``A [..., n, n]``.

    B is a batch of vectors ``[..., n]`` when it is 1-D or has the shape of A without its last
    dim; otherwise a batch of matrices ``[..., n, k]``. Batch dims broadcast. Backward:
    ``dB = A^-T G`` and ``dA = -dB X^T``.
    """
    op = "linalg.solve"
    A = _matrices(op, A, square=True)
    _float_input(op, B)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{wrap(A._data.dtype)} and B of type {wrap(B._data.dtype)} instead")
    sa, sb = tuple(A._data.shape), tuple(B._data.shape)
    n = sa[-1]
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    if not left and vector:
        raise ShapeError(f"{op}: Vector broadcasting of the left hand side is not supported for left=False "
                         f"(B of shape {sb} is a batch of vectors for A of shape {sa}); for X A = B, B must be "
                         "a matrix [..., k, n]")
    if len(sb) == 0:
        raise ShapeError(f"{op}: B must have at least 1 dimension, got a 0-d tensor")
    rows = sb[-1] if vector or not left else sb[-2]  # the dim of B that must equal n
    if rows != n:
        eq, shown = ("AX = B", f"{sb[-1]}x1" if vector else f"{sb[-2]}x{sb[-1]}") if left else \
            ("XA = B", f"{sb[-2]}x{sb[-1]}")
        raise ShapeError(f"{op}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {shown}): "
                         f"A's {n} rows need {n} in B, got {rows}; shapes {sa} and {sb}")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-1] if vector else sb[:-2])
    except ValueError:
        raise ShapeError(f"{op}: the batch dims of A {sa} and B {sb} cannot be broadcast together") from None
    try:
        if not left:  # X A = B  <=>  A^T X^T = B^T
            return Solve.apply(A.mT, B.mT).mT
        if vector:
            return squeeze(Solve.apply(A, unsqueeze(B, -1)), -1)
        return Solve.apply(A, B)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"linalg.solve: The solver failed because the input matrix is singular "
                          f"(A of shape {sa}{_batch_element(A._data, _singular)})") from None


def pinv(A: Tensor, *, atol: float | None = None, rtol: float | None = None,  # noqa: N803
         hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse ``A^+ = V diag(1/s) U^T`` of ``A [..., m, n]``, through the
    SVD, with the singular values at most ``max(atol, rtol * s_max)`` treated as 0 (by default
    ``rtol = eps * max(m, n)``). Backward, with ``P = A^+``::

        dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)
    """
    A = _matrices("linalg.pinv", A)
    m, n = A._data.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else float(np.finfo(A._data.dtype).eps) * max(m, n)
    return Pinv.apply(A, 0.0 if atol is None else float(atol), float(rtol))


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:  # noqa: N803
    """The least-squares solution X of ``min ||A X - B||`` (``A [..., m, n]``, ``B [..., m, k]`` or
    ``[..., m]``), as ``pinv(A) @ B``; its gradient is exact for A of full rank. Returns
    ``(solution, residuals, rank, singular_values)`` as PyTorch's default CPU driver does: the
    residuals and singular values empty."""
    op = "linalg.lstsq"
    A = _matrices(op, A)
    _float_input(op, B)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but got "
                           f"{wrap(A._data.dtype)} and {wrap(B._data.dtype)}")
    sa, sb = tuple(A._data.shape), tuple(B._data.shape)
    if not 0 <= len(sa) - len(sb) <= 1:
        raise ShapeError(f"{op}: B must have the dims of A, or one fewer (a batch of vectors); "
                         f"got shapes {sa} and {sb}")
    vector = len(sb) == len(sa) - 1
    if (sb[-1] if vector else sb[-2]) != sa[-2]:
        raise ShapeError(f"{op}: A's {sa[-2]} rows must match B's; got shapes {sa} and {sb}")
    p = pinv(A, rtol=rcond)
    x = squeeze(matmul(p, unsqueeze(B, -1)), -1) if vector else matmul(p, B)
    dt = A._data.dtype
    rank = np.linalg.matrix_rank(A._data).astype(np.int64)
    empty = Tensor._make(np.zeros((0,), dtype=dt))
    return LstsqResult(x, empty, Tensor._make(np.asarray(rank)), Tensor._make(np.zeros((0,), dtype=dt)))


# ------------------------------------------------------------------ decompositions
def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """``L`` with ``A = L L^T`` for symmetric positive-definite A, only A's lower triangle read;
    with ``upper=True``, ``U`` with ``A = U^T U``, only A's upper triangle read (``U = L(A^T)^T``)."""
    op = "linalg.cholesky"
    A = _matrices(op, A, square=True)
    source = A.mT if upper else A
    try:
        L = Cholesky.apply(source)
    except np.linalg.LinAlgError:
        a = source._data
        flat = a.reshape((-1,) + a.shape[-2:])
        k = next(i for i, m in enumerate(flat) if _cholesky_fails(m))
        order = next(j for j in range(1, a.shape[-1] + 1) if _cholesky_fails(flat[k][:j, :j]))
        where_ = f" (batch element {k})" if a.ndim > 2 else ""
        raise LinAlgError(f"{op}:{where_} The factorization could not be completed because the input is not "
                          f"positive-definite (the leading minor of order {order} is not positive-definite); "
                          f"A has shape {tuple(a.shape)}") from None
    return L.mT if upper else L


def _cholesky_fails(m: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return True
    return False


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:  # noqa: N803
    """``A = V diag(w) V^T`` of symmetric matrices: ``(eigenvalues, eigenvectors)``, the eigenvalues
    ascending, each eigenvector a column of V (its sign is arbitrary). Only the triangle ``UPLO``
    ('L' or 'U') of A is read."""
    op = "linalg.eigh"
    A = _matrices(op, A, square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO!r}")
    n = A._data.shape[-1]
    packed = Eigh.apply(A, UPLO)  # [..., n, n + 1]: [V | w]
    return EighResult(packed[..., n], packed[..., :n])


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues of symmetric matrices, ascending (see :func:`eigh`)."""
    return eigh(A, UPLO).eigenvalues


def svdvals(A: Tensor) -> Tensor:  # noqa: N803
    """The singular values of ``A [..., m, n]``, descending (``[..., min(m, n)]``); ``dA = U diag(G) V^T``."""
    return SvdVals.apply(_matrices("linalg.svdvals", A))


def svd(A: Tensor, full_matrices: bool = True) -> SvdResult:  # noqa: N803
    """``A = U diag(S) Vh``: ``(U, S, Vh)``, S descending. With ``full_matrices=False``, U is
    ``[..., m, k]`` and Vh ``[..., k, n]`` (k = min(m, n)); otherwise both are square. The signs of
    the singular vectors are arbitrary; the gradient (PyTorch's) flows through U's and Vh's first
    k vectors."""
    A = _matrices("linalg.svd", A)
    batch, (m, n) = tuple(A._data.shape[:-2]), A._data.shape[-2:]
    k = min(m, n)
    um, vn = (m, n) if full_matrices else (k, k)
    packed = Svd.apply(A, bool(full_matrices))  # [..., m*um + k + vn*n]
    U = reshape(packed[..., :m * um], batch + (m, um))
    S = packed[..., m * um:m * um + k]
    Vh = reshape(packed[..., m * um + k:], batch + (vn, n))
    return SvdResult(U, S, Vh)


def qr(A: Tensor, mode: str = "reduced") -> QRResult:  # noqa: N803
    """``A = QR``, Q with orthonormal columns, R upper triangular. ``mode``: 'reduced' (Q
    ``[..., m, k]``, R ``[..., k, n]``), 'complete' (Q ``[..., m, m]``, R ``[..., m, n]``) or 'r'
    (R alone, Q empty)."""
    op = "linalg.qr"
    A = _matrices(op, A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"{op}: qr received unrecognized mode {mode!r} but expected one of 'reduced' "
                           "(default), 'r', or 'complete'")
    batch, (m, n) = tuple(A._data.shape[:-2]), A._data.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    packed = QR.apply(A, mode)  # [..., m*k + k*n]
    R = reshape(packed[..., m * k:], batch + (k, n))
    if mode == "r":
        return QRResult(Tensor._make(np.zeros((0,), dtype=A._data.dtype)), R)
    return QRResult(reshape(packed[..., :m * k], batch + (m, k)), R)


# ------------------------------------------------------------------ products
def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803
    """``A^n`` by repeated squaring (``n`` an int); ``A^0`` is the identity, ``A^-n = (A^-1)^n``."""
    op = "linalg.matrix_power"
    A = _matrices(op, A, square=True)
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{op}: the exponent n must be an int, got {n!r}") from None
    if n == 0:
        eye = np.broadcast_to(np.eye(A._data.shape[-1], dtype=A._data.dtype), A._data.shape)
        return where(np.zeros((), dtype=bool), A, np.ascontiguousarray(eye))  # the identity; A's gradient is 0
    base, result = (inv(A) if n < 0 else A), None
    n = abs(n)
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """``tensors[0] @ tensors[1] @ ...``: the first may be 1-D (a row vector) and the last 1-D (a
    column vector); the others are 2-D."""
    op = "linalg.multi_dot"
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"{op}(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        _float_input(op, t)
        nd = t._data.ndim
        if not (nd == 2 or (nd == 1 and i in (0, len(tensors) - 1))):
            where_ = "the first and last tensors must be 1-D or 2-D" if i in (0, len(tensors) - 1) else \
                "the middle tensors must be 2-D"
            raise ShapeError(f"{op}(): {where_}; tensor {i} has shape {tuple(t.shape)}")
    dtypes = {t._data.dtype for t in tensors}
    if len(dtypes) > 1:
        raise RuntimeError(f"{op}(): all tensors must have the same dtype, got {sorted(str(wrap(d)) for d in dtypes)}")
    result = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        left = result._data.shape[-1]
        right = t._data.shape[0]
        if left != right:
            raise ShapeError(f"{op}(): tensors {i - 1} and {i} cannot be multiplied: shapes {tuple(result.shape)} "
                             f"and {tuple(t.shape)}")
        result = matmul(result, t)
    return result


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (default the last), the operands broadcast (they
    need the same number of dims)."""
    if input._data.ndim != other._data.ndim:
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions, got shapes "
                         f"{tuple(input.shape)} and {tuple(other.shape)}")
    return _ops.cross(input, other, dim=dim)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """The p-norm distance between each row of ``x1 [..., P, M]`` and each row of ``x2 [..., R, M]``:
    ``[..., P, R]``, the batch dims broadcast; the gradient is the vector norm's."""
    for name, x in (("X1", x1), ("X2", x2)):
        if not isinstance(x, Tensor):
            raise TypeError(f"cdist: {name} must be a Tensor, not {type(x).__name__}")
        if x._data.dtype not in (np.float32, np.float64):
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {wrap(x._data.dtype)}")
        if x._data.ndim < 2:
            raise ShapeError(f"cdist only supports at least 2D tensors, {name} got: {x._data.ndim}D "
                             f"(shape {tuple(x.shape)})")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise ShapeError(f"cdist: X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} "
                         f"X2: {x2._data.shape[-1]} (shapes {tuple(x1.shape)} and {tuple(x2.shape)})")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    try:
        np.broadcast_shapes(x1._data.shape[:-2], x2._data.shape[:-2])
    except ValueError:
        raise ShapeError(f"cdist: the batch dims of X1 {tuple(x1.shape)} and X2 {tuple(x2.shape)} cannot be "
                         "broadcast together") from None
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)  # [..., P, R, M]
    return vector_norm(diff, p, -1)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Tensor | None = None) -> Tensor:
    """Sums of products over dims of ``a`` and ``b``: ``dims = k`` pairs a's last k dims with b's
    first k; ``dims = (dims_a, dims_b)`` names the pairs. The free dims of a, then of b, remain."""
    op = "tensordot"
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"{op} expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise ShapeError(f"{op}: dims={dims} is more than the dims of a {tuple(a.shape)} or b {tuple(b.shape)}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"{op}: both dimension lists should have same length, got {da} and {db}")
        da = [normalize_dim(d, na, op) for d in da]
        db = [normalize_dim(d, nb, op) for d in db]
    for i, j in zip(da, db):
        if a._data.shape[i] != b._data.shape[j]:
            raise ShapeError(f"{op}: contracted dimensions need to match, but first has size {a._data.shape[i]} "
                             f"in dim {i} and second has size {b._data.shape[j]} in dim {j} (shapes "
                             f"{tuple(a.shape)} and {tuple(b.shape)})")
    free_a = [d for d in range(na) if d not in da]
    free_b = [d for d in range(nb) if d not in db]
    k = int(np.prod([a._data.shape[d] for d in da]))
    a2 = reshape(permute(a, free_a + da), (-1, k))
    b2 = reshape(permute(b, db + free_b), (k, -1))
    shape = tuple(a._data.shape[d] for d in free_a) + tuple(b._data.shape[d] for d in free_b)
    y = reshape(matmul(a2, b2), shape)
    if out is not None:
        from .autograd.ops._util import into

        return into(out, y, op)
    return y


# ------------------------------------------------------------------ the top-level forms (torch.pinverse, ...)
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """``torch.pinverse``: :func:`pinv` with singular values below ``rcond * s_max`` dropped."""
    return pinv(input, rtol=rcond)


def cholesky_top_level(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """``torch.cholesky`` (deprecated there in favour of ``torch.linalg.cholesky``, which it equals)."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return cholesky(input, upper=upper)
