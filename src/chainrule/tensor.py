"""Tensor: a NumPy array that remembers how it was made, so that ``backward()`` can run the chain rule.

A Tensor holds its values in a ``numpy.ndarray`` (``t.data`` is a Tensor over the same memory, cut
from the graph), and, when it takes part in a graph that needs gradients, ``grad_fn``: the
operation (a :class:`chainrule.autograd.Function`) that produced it. Leaves (tensors created by the
user, such as weights) have no ``grad_fn``; after ``loss.backward()`` their ``grad`` holds
dLoss/dLeaf, summed over every path (the total derivative). ``t._version`` counts the in-place
changes of its memory, so that backward can refuse a saved value changed since forward.

Operators and methods dispatch to the functions in :mod:`chainrule.autograd.ops`, so ``x.exp()`` and
``chainrule.exp(x)`` are one and the same operation.
"""

from __future__ import annotations

import builtins
import weakref
from collections import namedtuple
from typing import Any

import numpy as np

from . import dtypes as _dt
from .autograd import grad_mode as _grad_mode
from .device import CPU, check_device, is_device
from .device import device as _device
from .errors import ShapeError
from .random import rng as _rng
from .utils.hooks import RemovableHandle
from .utils.keywords import numpy_keywords

MinMax = namedtuple("MinMax", ["values", "indices"])


class Size(tuple):
    """A tensor's shape: a tuple of ints, printed like ``torch.Size``."""

    def __repr__(self) -> str:
        return f"chainrule.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _are_sizes(args: tuple[Any, ...]) -> bool:
    """Are these ``Tensor(*sizes)``'s sizes (ints, not bools), as in ``torch.Tensor(2, 3)``?"""
    return all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args)


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Array for new tensor data, with PyTorch's dtype rules.

    NumPy arrays keep their dtype; Python floats become the default float dtype (float32), Python
    ints int64 and bools bool, exactly as ``torch.tensor`` does.
    """
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        arr = np.array([_as_array(x) for x in data])
    else:
        try:
            arr = np.asarray(data)
        except ValueError:
            raise ValueError(f"tensor(): {_ragged(data)}") from None
        if dtype is None and arr.dtype.kind == "f" and not isinstance(data, np.generic):
            arr = arr.astype(_dt.get_default_dtype())
    if arr.dtype.kind in "OUS":
        raise TypeError(
            f"tensor(): could not make a numeric tensor from {type(data).__name__} "
            f"(NumPy sees dtype {arr.dtype})"
        )
    if dtype is not None:
        arr = arr.astype(_dt.as_dtype(dtype), copy=False)
    return arr


def _ragged(data: Any) -> str:
    """Where nested sequences stop being rectangular, for the error message."""
    level, depth = [data], 0
    while all(isinstance(x, (list, tuple)) for x in level):
        lengths = sorted({len(x) for x in level})
        if len(lengths) > 1:
            return (f"the nested sequences at depth {depth} have unequal lengths {lengths}; "
                    "a tensor needs every row of a dimension to have the same length")
        level, depth = [y for x in level for y in x], depth + 1
    return ("the nested sequences mix numbers and sequences at depth "
            f"{depth}; a tensor needs a rectangular shape")


def _flat(data: Any):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation, as ``torch.Tensor``."""

    # _data: the ndarray holding the values (``.data`` is a Tensor over it, as in PyTorch).
    # _hooks (a leaf's gradient hooks) is set only by register_hook, and _own_version (True for a
    # tensor made by ``.data``, which counts its versions apart) only by ``.data``: read them with getattr
    # _base = (tensor, view function) is set, inside a graph, on a view of another tensor's memory
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_retains_grad", "_hooks", "_own_version",
                 "_base", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data: Any = (), *sizes: int, dtype: Any = None, requires_grad: bool = False) -> None:
        if type(self) is Tensor and _are_sizes((data, *sizes)):  # torch.Tensor(2, 3): zeros of that shape
            shape = (int(data), *map(int, sizes))
            if min(shape) < 0:
                raise RuntimeError(f"Tensor(): Trying to create tensor with negative dimension {min(shape)}: "
                                   f"{list(shape)}")
            self._data = np.zeros(shape, dtype=_dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype())
        elif sizes:
            raise TypeError(f"Tensor(): expected sizes (ints) or one sequence of data, got "
                            f"{', '.join(type(a).__name__ for a in (data, *sizes))}")
        else:
            self._data = _as_array(data, dtype)
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: np.ndarray, grad_fn: Any = None, requires_grad: bool = False) -> Tensor:
        """Wrap an ndarray without copying or checking: the engine's fast constructor."""
        t = _new(Tensor)
        t._data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._retains_grad = False
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> Tensor:
        """The same values as a Tensor cut from the graph (``requires_grad=False``), sharing memory,
        as in PyTorch: ``p.data -= lr * p.grad`` updates ``p`` without being recorded. Unlike
        ``detach()``, its in-place changes are not counted in ``p._version`` (PyTorch's rule), so
        autograd does not see them."""
        t = Tensor._make(self._data)
        t._own_version = True
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data: must be set to a Tensor, got {type(value).__name__} "
                            "(wrap an array with chainrule.from_numpy)")
        self._data = value._data

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (shared with its views and
        ``detach()``): autograd compares it with the version a saved value had in forward."""
        return version(self)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> _dt.dtype:
        return _dt.wrap(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        return _ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        return _ops.transpose(self, -2, -1)

    @property
    def device(self) -> _device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self._data.ndim, "size")]

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return int(self._data.itemsize)

    @property
    def itemsize(self) -> int:
        return int(self._data.itemsize)

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements (not bytes, as PyTorch) between neighbours along each dim."""
        steps = tuple(s // self._data.itemsize for s in self._data.strides)
        return steps if dim is None else steps[_ops.normalize_dim(dim, self._data.ndim, "stride")]

    def storage_offset(self) -> int:
        """Where this tensor starts in the memory it views, in elements."""
        base = self._data
        while base.base is not None and isinstance(base.base, np.ndarray):
            base = base.base
        offset = self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        return offset // self._data.itemsize

    def data_ptr(self) -> int:
        return int(self._data.__array_interface__["data"][0])

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    @property
    def mH(self) -> Tensor:
        return _ops.adjoint(self)

    @property
    def H(self) -> Tensor:
        if self._data.ndim > 2:
            raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self._data.ndim}-D tensor.")
        return _ops.adjoint(self) if self._data.ndim == 2 else self

    def adjoint(self) -> Tensor:
        return _ops.adjoint(self)

    def conj(self) -> Tensor:
        return self if self._data.dtype.kind != "c" else Tensor._make(np.conj(self._data))

    def resolve_conj(self) -> Tensor:
        return self

    def resolve_neg(self) -> Tensor:
        return self

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def item(self) -> builtins.float | int | bool:
        if self._data.size != 1:
            raise ValueError(
                f"item(): a Tensor with {self._data.size} elements (shape {tuple(self._data.shape)}) "
                "cannot be converted to a Python scalar; only one-element tensors can"
            )
        return self._data.reshape(()).item()

    def numpy(self) -> np.ndarray:
        if self.requires_grad and _grad_mode._enabled:
            raise RuntimeError(
                "numpy(): can't call numpy() on a Tensor that requires grad; "
                "use tensor.detach().numpy()"
            )
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None:
            return self._data.astype(dtype, copy=False)
        return self._data

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} elements "
                f"(shape {tuple(self._data.shape)}) is ambiguous; use .any() or .all()"
            )
        return bool(self._data.reshape(()))

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    __hash__ = object.__hash__  # by identity, as torch.Tensor (== is elementwise)

    def __repr__(self) -> str:
        return _format_tensor(self)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.3f}"`` formats a 0-d tensor's value; any other tensor only with an empty spec."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string {spec!r} passed to Tensor.__format__: only a 0-d tensor "
                f"formats as a number (this one has shape {tuple(self._data.shape)}; use .item() on one element)"
            )
        return repr(self)

    # ---------------------------------------------------------------- autograd
    def backward(self, gradient: Any = None, retain_graph: bool | None = None) -> None:
        """Backpropagate: fill ``.grad`` of every leaf this tensor depends on with d(self)/d(leaf)."""
        global _engine_backward
        if _engine_backward is None:  # imported on first use: the engine imports this module
            from .autograd.engine import backward as _engine_backward
        _engine_backward(self, gradient, retain_graph=bool(retain_graph))

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"requires_grad: only floating point tensors can require gradients, "
                f"got dtype {_dt.wrap(self._data.dtype)} (shape {tuple(self._data.shape)}); "
                "make it a float tensor first, e.g. x.float()"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False): a non-leaf tensor's requires_grad cannot be turned off; "
                "use .detach()"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): can't retain_grad on a Tensor that has requires_grad=False")
        if self.grad_fn is not None and not self._retains_grad:
            self._retains_grad = True
            self.grad_fn._retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Call ``hook(grad)`` with this tensor's gradient during backward (summed over all paths);
        if it returns a tensor, that replaces the gradient. Returns a handle: ``handle.remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that doesn't require gradient")
        owner = self if self.grad_fn is None else self.grad_fn  # a non-leaf's gradient arrives at its node
        hooks = getattr(owner, "_hooks", None)
        if hooks is None:
            hooks = owner._hooks = []
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        return Tensor._make(self._data)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    # ------------------------------------------------------------ copies, dtype
    def clone(self) -> Tensor:
        return _ops.clone(self)

    def contiguous(self) -> Tensor:
        """This tensor if its elements lie in row-major order, else a row-major copy (with grad)."""
        return _ops.contiguous(self)

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)`` (its dtype).

        The device must be the CPU (``"cpu"``, ``device("cpu")``): chainrule runs there only.
        """
        for a in args:
            if isinstance(a, Tensor):
                dtype = a._data.dtype
            elif is_device(a):
                device = a
            else:
                dtype = a
        check_device(device, "to()")
        out = self if dtype is None else _ops.to_dtype(self, _dt.as_dtype(dtype))
        return out.clone() if copy and out is self else out

    def type(self, dtype: Any = None) -> Any:
        """``x.type()``: PyTorch's name of the tensor's type (``"torch.FloatTensor"``);
        ``x.type(LongTensor)``, ``x.type("torch.LongTensor")`` or ``x.type(int64)``: converted."""
        from .legacy import legacy_type_name, legacy_type_of

        if dtype is None:
            return legacy_type_name(self._data.dtype)
        named = legacy_type_of(dtype)
        return self.to(named if named is not None else dtype)

    def float(self) -> Tensor:
        return _ops.to_dtype(self, _dt.float32)

    def double(self) -> Tensor:
        return _ops.to_dtype(self, _dt.float64)

    def long(self) -> Tensor:
        return _ops.to_dtype(self, _dt.int64)

    def int(self) -> Tensor:
        return _ops.to_dtype(self, _dt.int32)

    def bool(self) -> Tensor:
        return _ops.to_dtype(self, _dt.bool_)

    def half(self) -> Tensor:
        return _ops.to_dtype(self, _dt.float16)

    def short(self) -> Tensor:
        return _ops.to_dtype(self, _dt.int16)

    def char(self) -> Tensor:
        return _ops.to_dtype(self, _dt.int8)

    def byte(self) -> Tensor:
        return _ops.to_dtype(self, _dt.uint8)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        raise RuntimeError(
            "cuda(): chainrule runs on the CPU only; keep the tensor where it is "
            "(chainrule.cuda.is_available() is False)"
        )

    # ----------------------------------------------------- new tensors like this one
    def _new(self, arr: np.ndarray, dtype: Any, device: Any, requires_grad: bool, op: str) -> Tensor:
        check_device(device, op)
        t = Tensor._make(arr.astype(self._data.dtype if dtype is None else _dt.as_dtype(dtype), copy=False))
        return t.requires_grad_(True) if requires_grad else t

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """A copy of ``data`` with this tensor's dtype (unless ``dtype`` is given)."""
        return self._new(np.array(_as_array(data)), dtype, device, requires_grad, "new_tensor")

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        return self._new(np.zeros(_ops.shape_arg(size)), dtype, device, requires_grad, "new_zeros")

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        return self._new(np.ones(_ops.shape_arg(size)), dtype, device, requires_grad, "new_ones")

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        return self._new(np.empty(_ops.shape_arg(size)), dtype, device, requires_grad, "new_empty")

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        shape = _ops.shape_arg((size,))
        return self._new(np.full(shape, _unwrap(fill_value)), dtype, device, requires_grad, "new_full")

    # ------------------------------------------------------------------ in-place
    # An in-place op writes into this tensor's memory (which its views share) and bumps its
    # version. Inside a graph (grad mode on, and this tensor or an operand requires grad) it is
    # recorded as PyTorch records it: the op runs out of place on the old value, the result is
    # copied into this memory, and this tensor becomes the output of the op's node, whose input is
    # the old value's node: x_new = op(x_old). A leaf that requires grad refuses, as in PyTorch.
    def _check_inplace(self, op: str) -> None:
        if not (self.requires_grad and _grad_mode._enabled):
            return
        base = getattr(self, "_base", None)
        if self.grad_fn is None or (base is not None and base[0].grad_fn is None):
            what = "a leaf Variable" if self.grad_fn is None else "a view of a leaf Variable"
            raise RuntimeError(
                f"{op}: {what} that requires grad is being used in an in-place operation. "
                "Change parameters inside `with chainrule.no_grad():` (or through .data)"
            )

    def _records(self, *operands: Any) -> bool:
        """Whether an in-place op with these operands is recorded in the graph."""
        if not _grad_mode._enabled:
            return False
        return self.requires_grad or builtins.any(
            isinstance(o, Tensor) and o.requires_grad for o in operands)

    def _write(self, op: str, result: Tensor) -> Tensor:
        """Make ``result`` (computed out of place from this tensor's old value) its new value, in
        place; if ``result`` has a node, this tensor becomes that node's output."""
        old, new = self._data, result._data
        if new.shape != old.shape:
            raise ShapeError(
                f"{op}: output with shape {list(old.shape)} doesn't match the broadcast shape "
                f"{list(new.shape)} (an in-place op cannot change its tensor's shape)"
            )
        if not np.can_cast(new.dtype, old.dtype, casting="same_kind"):
            raise RuntimeError(
                f"{op}: result type {_dt.wrap(new.dtype)} can't be cast to the desired output type "
                f"{_dt.wrap(old.dtype)}"
            )
        node = result.grad_fn
        if node is None:
            np.copyto(old, new, casting="unsafe")
            bump_version(self)
            return self
        from .autograd.function import keep_saved_inputs

        keep_saved_inputs(node, old)  # the node must not see the old value overwritten
        np.copyto(old, new, casting="unsafe")
        bump_version(self)  # before the rebase: the change is named after the old node
        if self._retains_grad and self.grad_fn is not None:
            self.grad_fn._retained = None
            node._retained = weakref.ref(self)
        self.grad_fn = node
        self.requires_grad = True
        base = getattr(self, "_base", None)
        if base is not None:  # a view's memory is its base's: the base's node changes too
            root, view = base
            written = _ops.view_write(root, self, view)
            root.grad_fn, root.requires_grad = written.grad_fn, True
            self.grad_fn = _ops.view_of(root, view).grad_fn  # and this view reads the new base
        note_producer(self)
        return self

    def _overwrite(self, op: str, values: Any) -> Tensor:
        """Replace every value by ``values`` (broadcast to this shape): fill_, zero_, copy_, normal_..."""
        self._check_inplace(op)
        if self._records(values):
            return self._write(op, _ops.overwrite(self, values, op))
        values = _unwrap(values)
        try:
            np.copyto(self._data, np.broadcast_to(values, self._data.shape), casting="unsafe")
        except ValueError:
            raise ShapeError(
                f"{op}: source of shape {tuple(np.shape(values))} cannot be broadcast to the "
                f"destination's shape {tuple(self._data.shape)}"
            ) from None
        bump_version(self)
        return self

    def zero_(self) -> Tensor:
        return self._overwrite("zero_", 0)

    def fill_(self, value: Any) -> Tensor:
        return self._overwrite("fill_", value)

    def copy_(self, src: Any) -> Tensor:
        return self._overwrite("copy_", src)

    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, generator: Any = None) -> Tensor:
        from .random import rng

        self._check_inplace("uniform_")
        return self._overwrite("uniform_", rng(generator).uniform(a, b, self._data.shape))

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, generator: Any = None) -> Tensor:
        from .random import rng

        self._check_inplace("normal_")
        return self._overwrite("normal_", rng(generator).normal(mean, std, self._data.shape))

    def _inplace(self, op: str, ufunc: Any, other: Any, alpha: Any = None) -> Tensor:
        """``self op= other`` for add_, sub_, mul_, div_."""
        self._check_inplace(op)
        if self._records(other, alpha):
            if alpha is not None:
                other = _ops.mul(other, alpha)
            return self._write(op, getattr(_ops, op[:-1])(self, other))  # add_ records add ...
        other = _unwrap(other)
        if alpha is not None:
            other = np.multiply(other, _unwrap(alpha))
        try:
            ufunc(self._data, other, out=self._data, casting="unsafe")
        except ValueError:
            raise ShapeError(
                f"{op}: operand of shape {tuple(np.shape(other))} cannot be broadcast to the "
                f"in-place target's shape {tuple(self._data.shape)}"
            ) from None
        bump_version(self)
        return self

    def _apply_(self, op: str, fn: Any, *args: Any) -> Tensor:
        """``self = fn(self, *args)`` in place (the out-of-place function computes the values;
        it records a node exactly when the in-place op must be recorded)."""
        self._check_inplace(op)
        return self._write(op, fn(self, *args))

    def add_(self, other: Any, alpha: Any = None) -> Tensor:
        return self._inplace("add_", np.add, other, alpha)

    def sub_(self, other: Any, alpha: Any = None) -> Tensor:
        return self._inplace("sub_", np.subtract, other, alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return self._inplace("div_", np.divide, other)
        return self._apply_("div_", lambda x, y: _ops.div(x, y, rounding_mode=rounding_mode), other)

    divide_ = div_

    def true_divide_(self, other: Any) -> Tensor:
        return self.div_(other)

    def floor_divide_(self, other: Any) -> Tensor:
        return self._apply_("floor_divide_", _ops.floor_divide, other)

    def remainder_(self, other: Any) -> Tensor:
        return self._apply_("remainder_", _ops.remainder, other)

    def fmod_(self, other: Any) -> Tensor:
        return self._apply_("fmod_", _ops.fmod, other)

    def atan2_(self, other: Any) -> Tensor:
        return self._apply_("atan2_", _ops.atan2, other)

    arctan2_ = atan2_

    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        return self._apply_("lerp_", _ops.lerp, end, weight)

    def addcmul_(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        return self._apply_("addcmul_", lambda x, a, b: _ops.addcmul(x, a, b, value=value), tensor1, tensor2)

    def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        return self._apply_("addcdiv_", lambda x, a, b: _ops.addcdiv(x, a, b, value=value), tensor1, tensor2)

    def pow_(self, exponent: Any) -> Tensor:
        return self._apply_("pow_", _ops.pow, exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._apply_("clamp_", _ops.clamp, min, max)

    clip_ = clamp_

    def neg_(self) -> Tensor:
        return self._apply_("neg_", _ops.neg)

    def exp_(self) -> Tensor:
        return self._apply_("exp_", _ops.exp)

    def log_(self) -> Tensor:
        return self._apply_("log_", _ops.log)

    def sqrt_(self) -> Tensor:
        return self._apply_("sqrt_", _ops.sqrt)

    def abs_(self) -> Tensor:
        return self._apply_("abs_", _ops.abs)

    def sigmoid_(self) -> Tensor:
        return self._apply_("sigmoid_", _ops.sigmoid)

    def tanh_(self) -> Tensor:
        return self._apply_("tanh_", _ops.tanh)

    def relu_(self) -> Tensor:
        return self._apply_("relu_", _ops.relu)

    def floor_(self) -> Tensor:
        return self._apply_("floor_", _ops.floor)

    def ceil_(self) -> Tensor:
        return self._apply_("ceil_", _ops.ceil)

    def trunc_(self) -> Tensor:
        return self._apply_("trunc_", _ops.trunc)

    fix_ = trunc_

    def round_(self, *, decimals: int = 0) -> Tensor:
        return self._apply_("round_", lambda x: _ops.round(x, decimals=decimals))

    def frac_(self) -> Tensor:
        return self._apply_("frac_", _ops.frac)

    def sign_(self) -> Tensor:
        return self._apply_("sign_", _ops.sign)

    def rsqrt_(self) -> Tensor:
        return self._apply_("rsqrt_", _ops.rsqrt)

    def tan_(self) -> Tensor:
        return self._apply_("tan_", _ops.tan)

    def asin_(self) -> Tensor:
        return self._apply_("asin_", _ops.asin)

    def acos_(self) -> Tensor:
        return self._apply_("acos_", _ops.acos)

    def atan_(self) -> Tensor:
        return self._apply_("atan_", _ops.atan)

    arcsin_, arccos_, arctan_ = asin_, acos_, atan_

    def sinh_(self) -> Tensor:
        return self._apply_("sinh_", _ops.sinh)

    def cosh_(self) -> Tensor:
        return self._apply_("cosh_", _ops.cosh)

    def sin_(self) -> Tensor:
        return self._apply_("sin_", _ops.sin)

    def cos_(self) -> Tensor:
        return self._apply_("cos_", _ops.cos)

    def log1p_(self) -> Tensor:
        return self._apply_("log1p_", _ops.log1p)

    def log2_(self) -> Tensor:
        return self._apply_("log2_", _ops.log2)

    def log10_(self) -> Tensor:
        return self._apply_("log10_", _ops.log10)

    def expm1_(self) -> Tensor:
        return self._apply_("expm1_", _ops.expm1)

    def reciprocal_(self) -> Tensor:
        return self._apply_("reciprocal_", Tensor.reciprocal)

    def square_(self) -> Tensor:
        return self._apply_("square_", _ops.square)

    def erf_(self) -> Tensor:
        return self._apply_("erf_", _ops.erf)

    def sgn_(self) -> Tensor:
        return self._apply_("sgn_", _ops.sgn)

    def nan_to_num_(self, nan: builtins.float = 0.0, posinf: builtins.float | None = None,
                    neginf: builtins.float | None = None) -> Tensor:
        return self._apply_("nan_to_num_", _ops.nan_to_num, nan, posinf, neginf)

    def cumsum_(self, dim: int, *, dtype: Any = None) -> Tensor:
        return self._apply_("cumsum_", lambda x: _ops.cumsum(x, dim, dtype=dtype))

    def cumprod_(self, dim: int, *, dtype: Any = None) -> Tensor:
        return self._apply_("cumprod_", lambda x: _ops.cumprod(x, dim, dtype=dtype))

    def tril_(self, diagonal: int = 0) -> Tensor:
        return self._apply_("tril_", _ops.tril, diagonal)

    def triu_(self, diagonal: int = 0) -> Tensor:
        return self._apply_("triu_", _ops.triu, diagonal)

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        return self._apply_("masked_fill_", _ops.masked_fill, mask, value)

    def masked_scatter_(self, mask: Tensor, source: Tensor) -> Tensor:
        return self._apply_("masked_scatter_", _ops.masked_scatter, mask, source)

    def scatter_(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
        return self._apply_("scatter_", lambda x: _ops.scatter(x, dim, index, src, value=value))

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        return self._apply_("scatter_add_", lambda x, s: _ops.scatter_add(x, dim, index, s), src)

    def scatter_reduce_(self, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                        include_self: bool = True) -> Tensor:
        return self._apply_("scatter_reduce_", lambda x, s: _ops.scatter_reduce(
            x, dim, index, s, reduce, include_self=include_self), src)

    def index_add_(self, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        return self._apply_("index_add_", lambda x, s: _ops.index_add(x, dim, index, s, alpha=alpha), source)

    def index_copy_(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        return self._apply_("index_copy_", lambda x, s: _ops.index_copy(x, dim, index, s), source)

    def index_fill_(self, dim: int, index: Tensor, value: Any) -> Tensor:
        return self._apply_("index_fill_", lambda x, v: _ops.index_fill(x, dim, index, v), value)

    def clamp_min_(self, min: Any) -> Tensor:  # noqa: A002
        return self._apply_("clamp_min_", _ops.clamp_min, min)

    def clamp_max_(self, max: Any) -> Tensor:  # noqa: A002
        return self._apply_("clamp_max_", _ops.clamp_max, max)

    def multiply_(self, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def subtract_(self, other: Any, alpha: Any = None) -> Tensor:
        return self._inplace("sub_", np.subtract, other, alpha)

    def negative_(self) -> Tensor:
        return self._apply_("negative_", _ops.neg)

    # comparisons in place: the result (1 or 0 in this tensor's dtype) has no gradient, so inside
    # a graph the node is an overwrite, whose old value gets a zero gradient (PyTorch's GeBackward...)
    def _compare_(self, op: str, ufunc: Any, other: Any) -> Tensor:
        self._check_inplace(op)
        result = _ops.compare(ufunc, self, other)
        if self._records(other):
            result = _ops.overwrite(self, result, op)
        return self._write(op, result)

    def eq_(self, other: Any) -> Tensor:
        return self._compare_("eq_", np.equal, other)

    def ne_(self, other: Any) -> Tensor:
        return self._compare_("ne_", np.not_equal, other)

    def lt_(self, other: Any) -> Tensor:
        return self._compare_("lt_", np.less, other)

    def le_(self, other: Any) -> Tensor:
        return self._compare_("le_", np.less_equal, other)

    def gt_(self, other: Any) -> Tensor:
        return self._compare_("gt_", np.greater, other)

    def ge_(self, other: Any) -> Tensor:
        return self._compare_("ge_", np.greater_equal, other)

    greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_

    # shape changes in place (t_, transpose_, unsqueeze_...): this tensor becomes a view of its own
    # memory with the new shape, and inside a graph the output of the view's node
    def _reshape_(self, op: str, fn: Any, *args: Any) -> Tensor:
        self._check_inplace(op)
        result = fn(self, *args)
        bump_version(self)  # as PyTorch counts it; the change is named after the old node
        self._data = result._data
        node = result.grad_fn
        if node is not None and node is not self.grad_fn:
            if self._retains_grad and self.grad_fn is not None:
                self.grad_fn._retained = None
                node._retained = weakref.ref(self)
            self.grad_fn, self.requires_grad = node, True
            base = getattr(result, "_base", None)
            if base is not None and base[0] is not self:  # a view of a view: still one of the root
                self._base = base
            note_producer(self)
        return self

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        return self._reshape_("transpose_", _ops.transpose, dim0, dim1)

    def swapaxes_(self, axis0: int, axis1: int) -> Tensor:
        return self._reshape_("swapaxes_", _ops.transpose, axis0, axis1)

    swapdims_ = swapaxes_

    def t_(self) -> Tensor:
        return self._reshape_("t_", Tensor.t)

    @numpy_keywords
    def unsqueeze_(self, dim: int) -> Tensor:
        return self._reshape_("unsqueeze_", _ops.unsqueeze, dim)

    @numpy_keywords
    def squeeze_(self, dim: Any = None) -> Tensor:
        return self._reshape_("squeeze_", _ops.squeeze, dim)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        if self._records(value):  # x[i] = v inside a graph: x_new = x_old with v put at i
            self._write("__setitem__", _ops.index_put(self, index, value))
            return
        _ops.put_at(self._data, _ops.unwrap_index(index), _unwrap(value))
        bump_version(self)

    # ------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _ops.remainder(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    # x += y is x.add_(y), as in PyTorch: inside a graph it is recorded (see add_)
    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __ifloordiv__(self, other: Any) -> Tensor:
        return self.floor_divide_(other)

    def __imod__(self, other: Any) -> Tensor:
        return self.remainder_(other)

    # comparisons: bool tensors, never part of the graph
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.compare(np.not_equal, self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _ops.compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ops.compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.compare(np.greater_equal, self, other)

    def __and__(self, other: Any) -> Tensor:
        return _ops.compare(np.logical_and if self.dtype == _dt.bool_ else np.bitwise_and, self, other)

    def __or__(self, other: Any) -> Tensor:
        return _ops.compare(np.logical_or if self.dtype == _dt.bool_ else np.bitwise_or, self, other)

    def __invert__(self) -> Tensor:
        return Tensor._make(np.logical_not(self._data) if self.dtype == _dt.bool_ else ~self._data)

    def eq(self, other: Any) -> Tensor:
        return self.__eq__(other)

    def ne(self, other: Any) -> Tensor:
        return self.__ne__(other)

    def lt(self, other: Any) -> Tensor:
        return self.__lt__(other)

    def le(self, other: Any) -> Tensor:
        return self.__le__(other)

    def gt(self, other: Any) -> Tensor:
        return self.__gt__(other)

    def ge(self, other: Any) -> Tensor:
        return self.__ge__(other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def logical_not(self) -> Tensor:
        return _ops.logical_not(self)

    def logical_and(self, other: Any) -> Tensor:
        return _ops.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return _ops.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        return _ops.logical_xor(self, other)

    def isnan(self) -> Tensor:
        return _ops.isnan(self)

    def isinf(self) -> Tensor:
        return _ops.isinf(self)

    def isfinite(self) -> Tensor:
        return _ops.isfinite(self)

    @numpy_keywords
    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.any(self, dim, keepdim)

    @numpy_keywords
    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.all(self, dim, keepdim)

    def equal(self, other: Tensor) -> bool:
        return _ops.equal(self, other)

    def isclose(self, other: Tensor, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Tensor, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def sign(self) -> Tensor:
        return _ops.sign(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # -------------------------------------------------------------- math methods
    def add(self, other: Any, alpha: Any = None) -> Tensor:
        return _ops.add(self, other if alpha is None else _ops.mul(other, alpha))

    def sub(self, other: Any, alpha: Any = None) -> Tensor:
        return _ops.sub(self, other if alpha is None else _ops.mul(other, alpha))

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return _ops.div(self, other, rounding_mode=rounding_mode)

    divide = div

    def true_divide(self, other: Any) -> Tensor:
        return _ops.true_divide(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        return _ops.floor_divide(self, other)

    def remainder(self, other: Any) -> Tensor:
        return _ops.remainder(self, other)

    def fmod(self, other: Any) -> Tensor:
        return _ops.fmod(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return _ops.pow(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def mm(self, mat2: Any) -> Tensor:
        return _ops.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        return _ops.bmm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        return _ops.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        return _ops.dot(self, other)

    def outer(self, vec2: Tensor) -> Tensor:
        return _ops.outer(self, vec2)

    def neg(self) -> Tensor:
        return _ops.neg(self)

    negative = neg

    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def log2(self) -> Tensor:
        return _ops.log2(self)

    def log10(self) -> Tensor:
        return _ops.log10(self)

    def log1p(self) -> Tensor:
        return _ops.log1p(self)

    def expm1(self) -> Tensor:
        return _ops.expm1(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def tan(self) -> Tensor:
        return _ops.tan(self)

    def asin(self) -> Tensor:
        return _ops.asin(self)

    def acos(self) -> Tensor:
        return _ops.acos(self)

    def atan(self) -> Tensor:
        return _ops.atan(self)

    arcsin, arccos, arctan = asin, acos, atan

    def atan2(self, other: Any) -> Tensor:
        return _ops.atan2(self, other)

    arctan2 = atan2

    def sinh(self) -> Tensor:
        return _ops.sinh(self)

    def cosh(self) -> Tensor:
        return _ops.cosh(self)

    def rsqrt(self) -> Tensor:
        return _ops.rsqrt(self)

    def floor(self) -> Tensor:
        return _ops.floor(self)

    def ceil(self) -> Tensor:
        return _ops.ceil(self)

    def trunc(self) -> Tensor:
        return _ops.trunc(self)

    fix = trunc

    def round(self, *, decimals: int = 0) -> Tensor:
        return _ops.round(self, decimals=decimals)

    def frac(self) -> Tensor:
        return _ops.frac(self)

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        return _ops.lerp(self, end, weight)

    def addcmul(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        return _ops.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        return _ops.addcdiv(self, tensor1, tensor2, value=value)

    def square(self) -> Tensor:
        return _ops.square(self)

    def erf(self) -> Tensor:
        return _ops.erf(self)

    def sgn(self) -> Tensor:
        return _ops.sgn(self)

    def nan_to_num(self, nan: builtins.float = 0.0, posinf: builtins.float | None = None,
                   neginf: builtins.float | None = None) -> Tensor:
        return _ops.nan_to_num(self, nan, posinf, neginf)

    def reciprocal(self) -> Tensor:
        return _ops.div(1.0, self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        return _ops.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        return _ops.clamp_max(self, max)

    def where(self, condition: Any, other: Any) -> Tensor:
        return _ops.where(condition, self, other)

    def maximum(self, other: Any) -> Tensor:
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ops.minimum(self, other)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    @numpy_keywords
    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        return _ops.softmax(self, dim, dtype)

    @numpy_keywords
    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        return _ops.log_softmax(self, dim, dtype)

    # ------------------------------------------------------------- reductions
    # axis=/keepdims= are accepted for dim=/keepdim=, as in PyTorch
    @numpy_keywords
    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        return _ops.sum(self, dim, keepdim, dtype=dtype)

    @numpy_keywords
    def mean(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        return _ops.mean(self, dim, keepdim, dtype=dtype)

    @numpy_keywords
    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None) -> Tensor:
        return _ops.var(self, dim, unbiased=unbiased, keepdim=keepdim, correction=correction)

    @numpy_keywords
    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None) -> Tensor:
        return _ops.std(self, dim, unbiased=unbiased, keepdim=keepdim, correction=correction)

    @numpy_keywords
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.max(self, dim, keepdim)

    @numpy_keywords
    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.min(self, dim, keepdim)

    @numpy_keywords
    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _ops.amax(self, dim, keepdim)

    @numpy_keywords
    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return _ops.amin(self, dim, keepdim)

    @numpy_keywords
    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _ops.argmax(self, dim, keepdim)

    @numpy_keywords
    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _ops.argmin(self, dim, keepdim)

    @numpy_keywords
    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return _ops.logsumexp(self, dim, keepdim)

    @numpy_keywords
    def norm(self, p: Any = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.norm(self, p, dim, keepdim)

    @numpy_keywords
    def cumsum(self, dim: int, dtype: Any = None) -> Tensor:
        return _ops.cumsum(self, dim, dtype=dtype)

    @numpy_keywords
    def cumprod(self, dim: int, dtype: Any = None) -> Tensor:
        return _ops.cumprod(self, dim, dtype=dtype)

    @numpy_keywords
    def prod(self, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        return _ops.prod(self, dim, keepdim, dtype=dtype)

    @numpy_keywords
    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.median(self, dim, keepdim)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        return _ops.count_nonzero(self, dim)

    def diff(self, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None) -> Tensor:
        return _ops.diff(self, n, dim, prepend, append)

    # ------------------------------------------------------- order and counting
    @numpy_keywords
    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        return _ops.sort(self, dim, descending, stable)

    @numpy_keywords
    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        return _ops.argsort(self, dim, descending, stable)

    @numpy_keywords
    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        return _ops.topk(self, k, dim, largest, sorted)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
               dim: int | None = None) -> Any:
        return _ops.unique(self, sorted, return_inverse, return_counts, dim)

    def histc(self, bins: int = 100, min: builtins.float = 0, max: builtins.float = 0) -> Tensor:  # noqa: A002
        return _ops.histc(self, bins, min, max)

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:
        return _ops.multinomial(self, num_samples, replacement, generator=generator)

    # ------------------------------------------------------- indexing and masks
    def gather(self, dim: int, index: Tensor) -> Tensor:
        return _ops.gather(self, dim, index)

    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
        return _ops.scatter(self, dim, index, src, value=value)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        return _ops.scatter_add(self, dim, index, src)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        return _ops.index_select(self, dim, index)

    def masked_select(self, mask: Tensor) -> Tensor:
        return _ops.masked_select(self, mask)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return _ops.nonzero(self, as_tuple=as_tuple)

    def bincount(self, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        return _ops.bincount(self, weights, minlength)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        return _ops.masked_fill(self, mask, value)

    def scatter_reduce(self, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        return _ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def index_add(self, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        return _ops.index_add(self, dim, index, source, alpha=alpha)

    def index_copy(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        return _ops.index_copy(self, dim, index, source)

    def index_fill(self, dim: int, index: Tensor, value: Any) -> Tensor:
        return _ops.index_fill(self, dim, index, value)

    def masked_scatter(self, mask: Tensor, source: Tensor) -> Tensor:
        return _ops.masked_scatter(self, mask, source)

    def tril(self, diagonal: int = 0) -> Tensor:
        return _ops.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return _ops.triu(self, diagonal)

    def diag(self, diagonal: int = 0) -> Tensor:
        return _ops.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return _ops.diagonal(self, offset, dim1, dim2)

    def trace(self) -> Tensor:
        return _ops.trace(self)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _ops.shape_arg(shape))

    def view(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, Size)):
            return self.to(shape[0])
        return _ops.reshape(self, _ops.shape_arg(shape), op="view")

    def view_as(self, other: Tensor) -> Tensor:
        return _ops.reshape(self, other._data.shape, op="view_as")

    def reshape_as(self, other: Tensor) -> Tensor:
        return _ops.reshape(self, other._data.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _ops.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        if self._data.ndim > 2:
            raise ShapeError(f"t(): expects a tensor with <= 2 dimensions, got shape {tuple(self.shape)}")
        return self.T

    def permute(self, *dims: Any) -> Tensor:
        return _ops.permute(self, _ops.shape_arg(dims))

    @numpy_keywords
    def squeeze(self, dim: Any = None) -> Tensor:
        return _ops.squeeze(self, dim)

    @numpy_keywords
    def unsqueeze(self, dim: int) -> Tensor:
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return _ops.expand(self, _ops.shape_arg(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        return _ops.expand(self, other._data.shape)

    def broadcast_to(self, shape: Any) -> Tensor:
        return _ops.broadcast_to(self, shape)

    @numpy_keywords
    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.split(self, split_size_or_sections, dim)

    @numpy_keywords
    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.chunk(self, chunks, dim)

    def flip(self, *dims: Any, **dims_keyword: Any) -> Tensor:
        return _ops.flip(self, _ops.shape_arg(dims) if dims else dims_keyword.get("dims", ()))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return _ops.roll(self, shifts, dims)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        return _ops.narrow(self, dim, start, length)

    def tile(self, *dims: Any, **dims_keyword: Any) -> Tensor:
        return _ops.tile(self, _ops.shape_arg(dims) if dims else dims_keyword.get("dims", ()))

    def repeat_interleave(self, repeats: Any = None, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        return _ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    @numpy_keywords
    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.unbind(self, dim)

    def repeat(self, *sizes: Any) -> Tensor:
        return _ops.repeat(self, _ops.shape_arg(sizes))

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other._data.dtype)

    def ravel(self) -> Tensor:
        return _ops.ravel(self)

    def select(self, dim: int, index: int) -> Tensor:
        return _ops.select(self, dim, index)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return _ops.movedim(self, source, destination)

    moveaxis = movedim

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        return _ops.swapaxes(self, axis0, axis1)

    swapdims = swapaxes

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.tensor_split(self, indices_or_sections, dim)

    def split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.split_with_sizes(self, split_sizes, dim)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        return _ops.unfold(self, dimension, size, step)

    def rot90(self, k: int = 1, dims: Any = (0, 1)) -> Tensor:
        return _ops.rot90(self, k, dims)

    def fliplr(self) -> Tensor:
        return _ops.fliplr(self)

    def flipud(self) -> Tensor:
        return _ops.flipud(self)

    def take(self, index: Tensor) -> Tensor:
        return _ops.take(self, index)

    def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
        return _ops.take_along_dim(self, indices, dim)

    def ndimension(self) -> int:
        return self._data.ndim

    @property
    def is_cpu(self) -> bool:
        return True

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor (an error for any other number of elements)."""
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"is_nonzero(): Boolean value of Tensor with {what} is ambiguous "
                               f"(shape {tuple(self._data.shape)})")
        return bool(self._data.reshape(()))

    def is_same_size(self, other: Tensor) -> bool:
        return self._data.shape == other._data.shape

    def is_signed(self) -> bool:
        return self._data.dtype.kind not in "bu"

    # ------------------------------------------------ fused products, special functions, more reductions
    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    # the fused products' in-place forms compute on a clone: beta * x saves x, which the write replaces
    def addmm_(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._apply_("addmm_", lambda x, a, b: _ops.addmm(x.clone(), a, b, beta=beta, alpha=alpha), mat1, mat2)

    def addmv_(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._apply_("addmv_", lambda x, a, b: _ops.addmv(x.clone(), a, b, beta=beta, alpha=alpha), mat, vec)

    def addbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._apply_("addbmm_", lambda x, a, b: _ops.addbmm(x.clone(), a, b, beta=beta, alpha=alpha),
                            batch1, batch2)

    def baddbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._apply_("baddbmm_", lambda x, a, b: _ops.baddbmm(x.clone(), a, b, beta=beta, alpha=alpha),
                            batch1, batch2)

    def addr_(self, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._apply_("addr_", lambda x, a, b: _ops.addr(x.clone(), a, b, beta=beta, alpha=alpha), vec1, vec2)

    @numpy_keywords
    def cummax(self, dim: int) -> Any:
        return _ops.cummax(self, dim)

    @numpy_keywords
    def cummin(self, dim: int) -> Any:
        return _ops.cummin(self, dim)

    @numpy_keywords
    def logcumsumexp(self, dim: int) -> Tensor:
        return _ops.logcumsumexp(self, dim)

    def logaddexp(self, other: Tensor) -> Tensor:
        return _ops.logaddexp(self, other)

    def logaddexp2(self, other: Tensor) -> Tensor:
        return _ops.logaddexp2(self, other)

    def logit(self, eps: builtins.float | None = None) -> Tensor:
        return _ops.logit(self, eps)

    def logit_(self, eps: builtins.float | None = None) -> Tensor:
        return self._apply_("logit_", _ops.logit, eps)

    def xlogy(self, other: Any) -> Tensor:
        return _ops.xlogy(self, other)

    def xlogy_(self, other: Any) -> Tensor:
        return self._apply_("xlogy_", _ops.xlogy, other)

    def hypot(self, other: Tensor) -> Tensor:
        return _ops.hypot(self, other)

    def hypot_(self, other: Tensor) -> Tensor:
        return self._apply_("hypot_", _ops.hypot, other)

    def copysign(self, other: Any) -> Tensor:
        return _ops.copysign(self, other)

    def copysign_(self, other: Any) -> Tensor:
        return self._apply_("copysign_", _ops.copysign, other)

    def signbit(self) -> Tensor:
        return _ops.signbit(self)

    def float_power(self, exponent: Any) -> Tensor:
        return _ops.float_power(self, exponent)

    def float_power_(self, exponent: Any) -> Tensor:
        if self._data.dtype != np.float64:
            raise RuntimeError(f"float_power_(): the base given to float_power_ has dtype {self.dtype} but the "
                               "operation's result requires dtype chainrule.float64")
        return self._apply_("float_power_", _ops.float_power, exponent)

    def deg2rad(self) -> Tensor:
        return _ops.deg2rad(self)

    def deg2rad_(self) -> Tensor:
        return self._apply_("deg2rad_", _ops.deg2rad)

    def rad2deg(self) -> Tensor:
        return _ops.rad2deg(self)

    def rad2deg_(self) -> Tensor:
        return self._apply_("rad2deg_", _ops.rad2deg)

    def exp2(self) -> Tensor:
        return _ops.exp2(self)

    def exp2_(self) -> Tensor:
        return self._apply_("exp2_", _ops.exp2)

    def isposinf(self) -> Tensor:
        return _ops.isposinf(self)

    def isneginf(self) -> Tensor:
        return _ops.isneginf(self)

    def heaviside(self, values: Tensor) -> Tensor:
        return _ops.heaviside(self, values)

    def heaviside_(self, values: Tensor) -> Tensor:
        return self._apply_("heaviside_", _ops.heaviside, values)

    @numpy_keywords
    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.aminmax(self, dim=dim, keepdim=keepdim)

    @numpy_keywords
    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return _ops.nanmean(self, dim, keepdim, dtype=dtype)

    @numpy_keywords
    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return _ops.nansum(self, dim, keepdim, dtype=dtype)

    def msort(self) -> Tensor:
        return _ops.msort(self)

    def acosh(self) -> Tensor:
        return _ops.acosh(self)

    def asinh(self) -> Tensor:
        return _ops.asinh(self)

    def atanh(self) -> Tensor:
        return _ops.atanh(self)

    arccosh, arcsinh, arctanh = acosh, asinh, atanh

    def acosh_(self) -> Tensor:
        return self._apply_("acosh_", _ops.acosh)

    def asinh_(self) -> Tensor:
        return self._apply_("asinh_", _ops.asinh)

    def atanh_(self) -> Tensor:
        return self._apply_("atanh_", _ops.atanh)

    def absolute(self) -> Tensor:
        return _ops.abs(self)

    def positive(self) -> Tensor:
        return _ops.positive(self)

    def fmax(self, other: Any) -> Tensor:
        return _ops.fmax(self, other)

    def fmin(self, other: Any) -> Tensor:
        return _ops.fmin(self, other)

    def ldexp(self, other: Any) -> Tensor:
        return _ops.ldexp(self, other)

    def frexp(self) -> tuple[Tensor, Tensor]:
        return _ops.frexp(self)

    def nextafter(self, other: Any) -> Tensor:
        return _ops.nextafter(self, other)

    def gcd(self, other: Any) -> Tensor:
        return _ops.gcd(self, other)

    def lcm(self, other: Any) -> Tensor:
        return _ops.lcm(self, other)

    def bitwise_and(self, other: Any) -> Tensor:
        return _ops.bitwise_and(self, other)

    def bitwise_or(self, other: Any) -> Tensor:
        return _ops.bitwise_or(self, other)

    def bitwise_xor(self, other: Any) -> Tensor:
        return _ops.bitwise_xor(self, other)

    def bitwise_not(self) -> Tensor:
        return _ops.bitwise_not(self)

    def bitwise_left_shift(self, other: Any) -> Tensor:
        return _ops.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        return _ops.bitwise_right_shift(self, other)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.nanmedian(self, dim, keepdim)

    def renorm(self, p: Any, dim: int, maxnorm: Any) -> Tensor:
        return _ops.renorm(self, p, dim, maxnorm)

    def renorm_(self, p: Any, dim: int, maxnorm: Any) -> Tensor:
        return self._apply_("renorm_", _ops.renorm, p, dim, maxnorm)

    def argwhere(self) -> Tensor:
        return _ops.argwhere(self)

    def select_scatter(self, src: Tensor, dim: int, index: int) -> Tensor:
        return _ops.select_scatter(self, src, dim, index)

    def slice_scatter(self, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                      step: int = 1) -> Tensor:
        return _ops.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return _ops.diagonal_scatter(self, src, offset, dim1, dim2)

    def hardshrink(self, lambd: float = 0.5) -> Tensor:
        from .nn import functional

        return functional.hardshrink(self, lambd)

    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Tensor:
        return _ops.bernoulli(self, p, generator=generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 0/1 samples, each 1 with probability ``p`` (a number or a tensor of them)."""
        probs = np.broadcast_to(np.asarray(p._data if isinstance(p, Tensor) else p, dtype=np.float64),
                                self._data.shape)
        draws = _rng(generator).random(self._data.shape) < probs
        return self._apply_("bernoulli_", lambda t: Tensor._make(draws.astype(t._data.dtype)))

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with samples of the exponential distribution of rate ``lambd``."""
        draws = _rng(generator).exponential(1.0 / lambd, self._data.shape)
        return self._apply_("exponential_", lambda t: Tensor._make(draws.astype(t._data.dtype)))

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator: Any = None) -> Tensor:
        """Fill with ``exp(N(mean, std^2))`` samples."""
        draws = _rng(generator).lognormal(mean, std, self._data.shape)
        return self._apply_("log_normal_", lambda t: Tensor._make(draws.astype(t._data.dtype)))

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with Cauchy samples ``median + sigma tan(pi (u - 1/2))``."""
        draws = median + sigma * _rng(generator).standard_cauchy(self._data.shape)
        return self._apply_("cauchy_", lambda t: Tensor._make(draws.astype(t._data.dtype)))

    def geometric_(self, p: float, *, generator: Any = None) -> Tensor:
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
        draws = _rng(generator).geometric(p, self._data.shape)
        return self._apply_("geometric_", lambda t: Tensor._make(draws.astype(t._data.dtype)))

    def random_(self, from_: int = 0, to: int | None = None, *, generator: Any = None) -> Tensor:
        """Fill with integers drawn uniformly from ``[from_, to)`` (``random_(to)``: from 0; no bound:
        up to the dtype's mantissa for floats, as PyTorch)."""
        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            d = self._data.dtype
            to = 2 ** (np.finfo(d).nmant + 1) if d.kind == "f" else int(np.iinfo(d).max) + (d.kind != "b")
        draws = _rng(generator).integers(from_, to, self._data.shape)
        return self._apply_("random_", lambda t: Tensor._make(draws.astype(t._data.dtype)))

    def sum_to_size(self, *size: Any) -> Tensor:
        """Summed over the broadcast dims down to ``size`` (the gradient of an ``expand`` to this shape)."""
        target = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
        shape = self._data.shape
        try:
            expandable = np.broadcast_shapes(target, shape) == shape
        except ValueError:
            expandable = False
        if not expandable:
            raise RuntimeError(f"size {list(target)} is not expandable to size {list(shape)}.")
        lead = len(shape) - len(target)
        dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(target) if n == 1 and shape[lead + i] != 1)
        out = _ops.sum(self, dims, keepdim=True) if dims else self
        return _ops.reshape(out, target) if out._data.shape != target else out

    def matrix_power(self, n: int) -> Tensor:
        from . import linalg

        return linalg.matrix_power(self, n)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        from . import linalg

        return linalg.pinverse(self, rcond)

    def cholesky(self, upper: bool = False) -> Tensor:
        from . import linalg

        return linalg.cholesky(self, upper=upper)

    # statistics and splits (autograd/ops/statistics.py, shape.py)
    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.kthvalue(self, k, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.mode(self, dim, keepdim)

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        return _ops.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        return _ops.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def cov(self, *, correction: int = 1, fweights: Tensor | None = None, aweights: Tensor | None = None) -> Tensor:
        return _ops.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Tensor:
        return _ops.corrcoef(self)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        return _ops.unflatten(self, dim, sizes)

    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        return _ops.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        return _ops.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        return _ops.dsplit(self, indices_or_sections)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: int | None = None) -> Any:
        return _ops.unique_consecutive(self, return_inverse, return_counts, dim)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        return _ops.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset: int = 0) -> Tensor:
        return _ops.diagflat(self, offset)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        """Fill the main diagonal (of a 2-D tensor, or of one whose dims are all equal) in place;
        ``wrap``: a tall matrix's diagonal starts again every ``columns + 1`` rows."""
        shape = self._data.shape
        if self._data.ndim < 2 or (self._data.ndim > 2 and len(set(shape)) != 1):
            raise ShapeError(f"fill_diagonal_: dimensions must be larger than 1 and all of equal length, "
                             f"got shape {tuple(shape)}")
        mask = np.zeros(shape, dtype=bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        return self._apply_("fill_diagonal_", _ops.masked_fill, Tensor._make(mask), fill_value)

    def kron(self, other: Tensor) -> Tensor:
        return _ops.kron(self, other)

    def inner(self, other: Tensor) -> Tensor:
        return _ops.inner(self, other)

    def vdot(self, other: Tensor) -> Tensor:
        return _ops.vdot(self, other)

    def dist(self, other: Tensor, p: Any = 2) -> Tensor:
        return _ops.dist(self, other, p)

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        return _ops.cross(self, other, dim)

    # ------------------------------------------------------------------ chainrule.linalg's methods
    def det(self) -> Tensor:
        from . import linalg

        return linalg.det(self)

    def logdet(self) -> Tensor:
        from . import linalg

        return linalg.logdet(self)

    def slogdet(self) -> Any:
        from . import linalg

        return linalg.slogdet(self)

    def inverse(self) -> Tensor:
        from . import linalg

        return linalg.inv(self)

    # ------------------------------------------------------------------ special functions' methods
    def lgamma(self) -> Tensor:
        return _special_ops().lgamma(self)

    def lgamma_(self) -> Tensor:
        return self._apply_("lgamma_", _special_ops().lgamma)

    def digamma(self) -> Tensor:
        return _special_ops().digamma(self)

    def digamma_(self) -> Tensor:
        return self._apply_("digamma_", _special_ops().digamma)

    def polygamma(self, n: builtins.int) -> Tensor:
        return _special_ops().polygamma(n, self)

    def polygamma_(self, n: builtins.int) -> Tensor:
        return self._apply_("polygamma_", lambda x: _special_ops().polygamma(n, x))

    def mvlgamma(self, p: builtins.int) -> Tensor:
        return _special_ops().mvlgamma(self, p)

    def mvlgamma_(self, p: builtins.int) -> Tensor:
        return self._apply_("mvlgamma_", _special_ops().mvlgamma, p)

    def erfc(self) -> Tensor:
        return _special_ops().erfc(self)

    def erfc_(self) -> Tensor:
        return self._apply_("erfc_", _special_ops().erfc)

    def erfinv(self) -> Tensor:
        return _special_ops().erfinv(self)

    def erfinv_(self) -> Tensor:
        return self._apply_("erfinv_", _special_ops().erfinv)

    def i0(self) -> Tensor:
        return _special_ops().i0(self)

    def i0_(self) -> Tensor:
        return self._apply_("i0_", _special_ops().i0)

    def sinc(self) -> Tensor:
        return _special_ops().sinc(self)

    def sinc_(self) -> Tensor:
        return self._apply_("sinc_", _special_ops().sinc)

    def igamma(self, other: Tensor) -> Tensor:
        return _special_ops().gammainc(self, other)

    def igammac(self, other: Tensor) -> Tensor:
        return _special_ops().gammaincc(self, other)


def _special_ops() -> Any:
    """chainrule.autograd.ops.special, imported on first use (it imports this module)."""
    from .autograd.ops import special

    return special


def _unwrap(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def run_hooks(owner: Any, grad: np.ndarray) -> np.ndarray:
    """The gradient after the hooks registered on a leaf tensor or on a node's output, in order:
    each is called with the gradient, and a tensor it returns replaces the gradient."""
    for hook in list(getattr(owner, "_hooks", None) or ()):
        new = hook(Tensor._make(grad))
        if new is not None:
            new = np.asarray(_unwrap(new))
            if new.shape != grad.shape:
                raise RuntimeError(
                    f"register_hook: hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                    f"{tuple(new.shape)} for a tensor of shape {tuple(grad.shape)}; it must keep the shape"
                )
            grad = new.astype(grad.dtype, copy=False)
    return grad


# ------------------------------------------------------------------ version counters
# A tensor's version counts the in-place changes of its memory, as in PyTorch: the engine refuses
# a value saved for backward whose version moved after forward saved it. The count belongs to the
# array that owns the memory, so views and detach() share it; a tensor made by ``.data`` counts on
# its own (PyTorch's rule: changes through .data are hidden from autograd). Only memory changed at
# least once has an entry, dropped when that memory is freed: key -> [version, weakref, producers],
# producers naming, for a version, the op whose output was then changed (for the error message).
_versions: dict[int, list[Any]] = {}


def storage(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself unless it is a view)."""
    b = a.base
    while isinstance(b, np.ndarray):
        a, b = b, b.base
    return a


def _counter_owner(t: Tensor) -> Any:
    return t if getattr(t, "_own_version", False) else storage(t._data)


def version(t: Tensor) -> int:
    """``t._version``."""
    entry = _versions.get(id(_counter_owner(t)))
    return 0 if entry is None else entry[0]


def array_version(a: np.ndarray) -> int:
    """The version of the memory under a saved array."""
    entry = _versions.get(id(storage(a)))
    return 0 if entry is None else entry[0]


def version_entry(a: np.ndarray) -> list[Any] | None:
    return _versions.get(id(storage(a)))


def bump_version(t: Tensor) -> int:
    """Count one in-place change of ``t``'s memory; returns the new version."""
    owner = _counter_owner(t)
    key = id(owner)
    entry = _versions.get(key)
    if entry is None:
        entry = _versions[key] = [0, weakref.ref(owner, lambda _, key=key: _versions.pop(key, None)), None]
    note_producer(t, entry)  # the op whose output is about to change
    entry[0] += 1
    return entry[0]


def note_producer(t: Tensor, entry: list[Any] | None = None, at: int | None = None) -> None:
    """Remember which op's output ``t`` is at its current version (or at version ``at``), for the
    error that names it."""
    if t.grad_fn is None:
        return
    entry = entry or _versions.get(id(_counter_owner(t)))
    if entry is not None:
        producers = entry[2] = entry[2] or {}
        if len(producers) < 16:
            producers[entry[0] if at is None else at] = type(t.grad_fn).__name__


_new = object.__new__
_engine_backward: Any = None  # autograd.engine.backward, once Tensor.backward first runs


def _float_formatter(data: np.ndarray) -> dict[str, Any]:
    """PyTorch's float style: 4 decimals, ``1.`` for integral values, scientific for extreme
    magnitudes, every element right-aligned to the widest one."""
    finite = data[np.isfinite(data)] if data.size else data
    integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    magnitude = np.abs(finite)
    big = finite.size and (magnitude.max() >= 1e8 or magnitude[magnitude != 0].min(initial=1) < 1e-4)

    def one(v: Any) -> str:
        if not np.isfinite(v):
            return str(v)
        if big:
            return f"{v:.4e}"
        return f"{v:.0f}." if integral else f"{v:.4f}"

    # the widest string is that of the smallest or the largest finite value (a nan or an inf is
    # padded to it, but never widens the others: PyTorch's [1., nan] and [inf, -inf])
    probes = [finite.min(), finite.max()] if finite.size else []
    width = builtins.max((len(one(v)) for v in probes), default=0)
    return {"float_kind": lambda v: one(v).rjust(width)}


def _format_tensor(t: Tensor) -> str:
    data = t._data
    fmt = _float_formatter(data) if data.dtype.kind == "f" else None
    body = np.array2string(
        data, separator=", ", prefix="tensor(", formatter=fmt, threshold=1000, edgeitems=3
    )
    extras = []
    if data.dtype not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_):
        extras.append(f"dtype=chainrule.{_dt.dtype_name(data.dtype)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"


from .autograd import ops as _ops  # noqa: E402  (ops need Tensor defined first)
