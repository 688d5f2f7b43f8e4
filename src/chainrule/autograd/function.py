"""Function: one differentiable operation, its forward and its backward, and a node of the graph.

Calling ``MyOp.apply(*inputs)`` runs ``forward`` and, when an input requires grad, creates a node:
an instance of ``MyOp`` that is at once the *context* (``ctx``, where forward saves what backward
needs) and the graph node (``output.grad_fn``) that remembers its inputs. ``backward(ctx, grad)``
receives dLoss/dOutput and returns dLoss/dInput for each input: the chain rule, one link at a time.

Two flavours share this one mechanism:

* a user's Function exchanges Tensors, exactly as ``torch.autograd.Function`` does;
* chainrule's own operations set ``array_io = True`` and exchange ``numpy.ndarray``: same graph,
  same engine, no wrapping on the hot path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, _versions, array_version, storage, version_entry
from . import grad_mode

_ndarray = np.ndarray
_asarray = np.asarray
_make = Tensor._make


class Function:
    """Base class of differentiable operations; subclass it and define ``forward`` and ``backward``.

    Example (the lecture's sigmoid with its derivative ``s (1 - s)``)::

        class Sigmoid(Function):
            @staticmethod
            def forward(ctx, x):
                s = 1 / (1 + (-x).exp())
                ctx.save_for_backward(s)
                return s

            @staticmethod
            def backward(ctx, grad):
                (s,) = ctx.saved_tensors
                return grad * s * (1 - s)
    """

    # _input_shapes: a user Function's input shapes, to check its backward's gradients; a slot,
    # not a saved value, so that freeing the saved values leaves it (and a node that saved
    # nothing can backward twice, as in PyTorch)
    __slots__ = ("_parents", "_input_shapes", "__dict__", "__weakref__")
    array_io: bool = False  # chainrule's built-in ops exchange ndarrays
    _retained: Any = None  # weakref to the output when it retains its grad
    _freed: bool = False

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output)")

    # ------------------------------------------------------------------ context API
    def save_for_backward(self, *tensors: Any) -> None:
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._freed:
            raise RuntimeError(_freed_message(self))
        return self.__dict__.get("_saved", ())

    def mark_non_differentiable(self, *tensors: Any) -> None:  # accepted for PyTorch parity
        pass

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each forward input: does it need a gradient? (lets backward skip work)"""
        return tuple(p is not None for p in self._parents)

    @classmethod
    def name(cls) -> str:
        return cls.__name__ + "Backward"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes this node sends gradients to (a leaf appears as itself), as in PyTorch."""
        return tuple((p, 0) for p in self._parents)

    # ------------------------------------------------------------------ apply
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run forward and, if any input requires grad, record a node for backward."""
        ctx = _new(cls)
        record = False
        if cls.array_io:  # one pass over the inputs: their arrays, and the graph's edges
            arrays = []
            if grad_mode._enabled:
                parents = []
                for a in args:
                    if isinstance(a, Tensor):
                        arrays.append(a._data)
                        if a.requires_grad:
                            parents.append(a if a.grad_fn is None else a.grad_fn)
                            record = True
                            continue
                    else:
                        arrays.append(a)
                    parents.append(None)
            else:
                for a in args:
                    arrays.append(a._data if isinstance(a, Tensor) else a)
            out = cls.forward(ctx, *arrays, **kwargs)
            if type(out) is not _ndarray:
                out = _asarray(out)
        else:
            if grad_mode._enabled:
                parents = [(a if a.grad_fn is None else a.grad_fn)
                           if isinstance(a, Tensor) and a.requires_grad else None for a in args]
                record = any(p is not None for p in parents)
            # needs_input_grad is readable inside forward
            ctx._parents = tuple(parents) if grad_mode._enabled else (None,) * len(args)
            with grad_mode.no_grad():
                result = cls.forward(ctx, *args, **kwargs)
            out = result._data if isinstance(result, Tensor) else _asarray(result)
            if out.dtype.kind not in "biufc":
                raise TypeError(
                    f"{cls.__name__}.forward must return a Tensor (or a numeric array), "
                    f"got {type(result).__name__}"
                )
            # backward's gradients are checked against these (user Functions only)
            ctx._input_shapes = tuple(a._data.shape if isinstance(a, Tensor) else None
                                      for a in args)
        if not record or out.dtype.kind not in "fc":  # integer results carry no gradient
            return _make(out)
        ctx._parents = tuple(parents)
        if _versions:  # some memory was changed in place: note the versions of what forward saved
            found = saved_versions(ctx)
            if found:
                ctx._saved_versions = found
        if grad_mode._anomaly:
            from .anomaly import record_creation

            record_creation(ctx)
        return _make(out, ctx, True)

    # ------------------------------------------------------------------ engine hooks
    def _run_backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        """Call backward with this flavour's types and return one ndarray (or None) per input."""
        if self._freed:
            raise RuntimeError(_freed_message(self))
        cls = type(self)
        if cls.array_io:
            grads = cls.backward(self, grad)
            return grads if isinstance(grads, tuple) else (grads,)
        with grad_mode.no_grad():
            grads = cls.backward(self, _make(grad))
        if not isinstance(grads, tuple):
            grads = (grads,)
        n = len(self._parents)
        if len(grads) < n:
            raise RuntimeError(
                f"{cls.__name__}.backward returned {len(grads)} gradients, but forward took {n} inputs"
            )
        shapes = getattr(self, "_input_shapes", None) or (None,) * n
        return tuple(
            None if g is None else _checked_grad(self, i, g._data if isinstance(g, Tensor)
                                                 else np.asarray(g), shapes[i])
            for i, g in enumerate(grads[:n])
        )

_new = object.__new__


# ------------------------------------------------------------------ saved values and versions
def _saved_arrays(node: Function):
    """The arrays a node keeps for backward: its ndarray attributes (chainrule's ops) and the
    arrays of the tensors given to ``save_for_backward`` (a user's Function)."""
    for key, value in node.__dict__.items():
        if type(value) is _ndarray:
            yield key, value
        elif key == "_saved":
            for t in value:
                if isinstance(t, Tensor):
                    yield key, t._data


def saved_versions(node: Function) -> dict[int, int]:
    """{id(memory): version} of the saved arrays whose memory was ever changed in place (any
    other is at version 0). Runs for every op recorded while some memory has a version: kept to
    a plain loop over the node's attributes."""
    found = {}
    for key, a in node.__dict__.items():
        if type(a) is _ndarray:
            arrays = (a,)
        elif key == "_saved":
            arrays = tuple(t._data for t in a if isinstance(t, Tensor))
        else:
            continue
        for a in arrays:
            b = a.base  # a = storage(a), inlined
            while type(b) is _ndarray:
                a, b = b, b.base
            entry = _versions.get(id(a))
            if entry is not None:
                found[id(a)] = entry[0]
    return found


def check_saved_versions(node: Function) -> None:
    """PyTorch's error if a value this node saved was changed in place after forward saved it."""
    expected_of = node.__dict__.get("_saved_versions") or {}
    if saved_versions(node) == expected_of:
        return
    for _, a in _saved_arrays(node):
        now, expected = array_version(a), expected_of.get(id(storage(a)), 0)
        if now != expected:
            # PyTorch names the node whose own output it was, else the tensor's op now
            producers = version_entry(a)[2] or {}
            name = producers.get(expected)
            if name != type(node).__name__:
                name = producers.get(now)
            kind = _TENSOR_TYPES.get(a.dtype.name, a.dtype.name.capitalize())
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [chainrule.{kind}Tensor {list(a.shape)}]"
                + (f", which is output 0 of {name}," if name else "")
                + f" is at version {now}; expected version {expected} instead (needed by "
                f"{node.name()}). Hint: change a copy (x = x.clone()) or do the op out of place "
                "(x = x + 1); enable anomaly detection with "
                "chainrule.autograd.set_detect_anomaly(True) to find the forward op."
            )


_TENSOR_TYPES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def keep_saved_inputs(node: Function, old: np.ndarray) -> None:
    """Before an in-place op overwrites ``old``, its node (which ran out of place on ``old``)
    keeps copies of the saved arrays that share ``old``'s memory. (What it saved of its result
    is the out-of-place result itself, never changed afterwards: a later in-place change of the
    tensor cannot spoil this node's backward.)"""
    d = node.__dict__
    for key, a in list(_saved_arrays(node)):
        if key != "_saved" and np.may_share_memory(a, old):
            d[key] = a.copy()


def _checked_grad(node: Function, i: int, g: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    """A user backward's gradient for input ``i``: summed down to the input's shape when it
    broadcasts to it (as PyTorch does), else an error naming the Function and both shapes."""
    if shape is None or g.shape == shape:
        return g
    try:
        if np.broadcast_shapes(shape, g.shape) == g.shape:
            from .ops._util import unbroadcast

            return unbroadcast(g, shape)
    except ValueError:
        pass
    raise RuntimeError(
        f"{type(node).__name__}.backward returned a gradient of shape {tuple(g.shape)} for input "
        f"{i}, which has shape {tuple(shape)}; backward must return one gradient per input, "
        "of that input's shape"
    )


def _freed_message(node: Function) -> str:
    return (
        f"{node.name()}: trying to backward through the graph a second time (or to read saved "
        "tensors after they were freed). Saved values are freed after backward; call "
        ".backward(retain_graph=True) the first time if you need to backward twice."
    )
