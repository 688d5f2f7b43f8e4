"""The ONNX exporter: one traced forward pass, read back as ONNX nodes.

How it works. ``export`` runs the model once in evaluation mode on a copy of the example input
that requires grad, so every operation records its graph node (``grad_fn``) as it does in
training. Forward hooks on the library's layers note, for each layer call, the node of its output
and the tensor it was given. The graph is then walked from the output back to the input:

* a node that is a layer's output becomes that layer's ONNX operators, built from the layer's
  attributes and parameters (``Linear`` -> ``Gemm``, ``BatchNorm1d`` -> ``BatchNormalization``,
  ``Conv2d`` -> ``Conv``, ``GRU`` -> one ``GRU`` a layer with PyTorch's gate blocks reordered to
  ONNX's, ...), and the walk continues from the layer's input, skipping the layer's inner nodes;
* any other node (the glue a ``forward`` writes by hand: residual ``x + f(x)``, ``F.relu``,
  ``x @ W``) becomes the ONNX operator of its type, its operands read from the node's inputs;
* a leaf is the model's input, a parameter or buffer (an initializer under its ``state_dict``
  name), or a constant tensor.

The batch dimension (dim 0) of every input and output is symbolic (``"batch"``) unless
``dynamic_axes`` says otherwise, so the file runs at any batch size. An operation with no ONNX
translation raises :class:`UnsupportedOperatorError` naming it.
"""

from __future__ import annotations

import math
import os
from typing import IO, Any

import numpy as np

from ..tensor import Tensor

OPSET = 17  # LayerNormalization is in the default domain from 17 on


class UnsupportedOperatorError(RuntimeError):
    """An operation of the traced forward pass that has no ONNX translation here."""


# --------------------------------------------------------------------------- graph builder
class _Builder:
    """Collects ONNX nodes and initializers under unique names."""

    def __init__(self, onnx: Any, dtype: np.dtype) -> None:
        self.onnx, self.helper = onnx, onnx.helper
        self.dtype = dtype
        self.nodes: list[Any] = []
        self.initializers: dict[str, Any] = {}
        self._used: set[str] = set()

    def fresh(self, base: str) -> str:
        name, i = base, 1
        while name in self._used:
            name, i = f"{base}_{i}", i + 1
        self._used.add(name)
        return name

    def initializer(self, array: np.ndarray, base: str) -> str:
        name = self.fresh(base)
        self.initializers[name] = self.onnx.numpy_helper.from_array(np.array(array, order="C"), name)  # keeps 0-d
        return name

    def scalar(self, value: float, base: str = "const") -> str:
        """A 0-d constant of the graph's floating dtype (broadcasts in elementwise operators)."""
        return self.initializer(np.array(value, dtype=self.dtype), base)

    def op(self, op_type: str, inputs: list[str], base: str, **attrs: Any) -> str:
        out = self.fresh(base)
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], name=self.fresh(f"{base}/{op_type}"),
                                                **attrs))
        return out


# --------------------------------------------------------------------------- layers
def _linear(g: _Builder, x: str, ndim: int, weight: str, bias: str | None, base: str) -> str:
    """``Y = X W^T + b``: one Gemm for a matrix input, MatMul (+ Add) for [..., in]."""
    if ndim == 2 and bias is not None:
        return g.op("Gemm", [x, weight, bias], base, transB=1)
    wt = g.op("Transpose", [weight], f"{base}/weight_t", perm=[1, 0])
    y = g.op("MatMul", [x, wt], f"{base}/matmul" if bias is not None else base)
    return y if bias is None else g.op("Add", [y, bias], base)


def _gelu(g: _Builder, x: str, approximate: str, base: str) -> str:
    """GELU ``x Phi(x)``, with ``Phi(x) = (1 + erf(x / sqrt 2)) / 2`` or its tanh approximation."""
    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        x3 = g.op("Mul", [g.op("Mul", [x, x], f"{base}/x2"), x], f"{base}/x3")
        inner = g.op("Add", [x, g.op("Mul", [x3, g.scalar(0.044715)], f"{base}/cx3")], f"{base}/inner")
        t = g.op("Tanh", [g.op("Mul", [inner, g.scalar(math.sqrt(2 / math.pi))], f"{base}/arg")],
                 f"{base}/tanh")
    else:
        t = g.op("Erf", [g.op("Mul", [x, g.scalar(1 / math.sqrt(2))], f"{base}/arg")], f"{base}/erf")
    half = g.op("Mul", [g.op("Add", [t, g.scalar(1.0)], f"{base}/onep"), g.scalar(0.5)], f"{base}/cdf")
    return g.op("Mul", [x, half], base)


def _softplus(g: _Builder, x: str, beta: float, threshold: float, base: str) -> str:
    """``log(1 + e^(beta x)) / beta``, and ``x`` itself where ``beta x > threshold`` (as PyTorch)."""
    bx = g.op("Mul", [x, g.scalar(beta)], f"{base}/bx")
    soft = g.op("Div", [g.op("Softplus", [bx], f"{base}/sp"), g.scalar(beta)], f"{base}/soft")
    linear = g.op("Greater", [bx, g.scalar(threshold)], f"{base}/linear")
    return g.op("Where", [linear, x, soft], base)


def _softmax_axis(dim: int | None, ndim: int) -> int:
    if dim is None:  # PyTorch's implicit choice for a missing dim
        return 0 if ndim in (0, 1, 3) else 1
    return dim


def _emit_layer(g: _Builder, ex: _Exporter, module: Any, x: str, ndim: int, node: Any, base: str) -> str:
    """The ONNX operators of one library layer called on the value ``x`` (of rank ``ndim``)."""
    from .. import nn

    kind = type(module).__name__
    if isinstance(module, nn.Linear):
        bias = ex.leaf(module.bias) if module.bias is not None else None
        return _linear(g, x, ndim, ex.leaf(module.weight), bias, base)
    if isinstance(module, nn.Sigmoid):
        return g.op("Sigmoid", [x], base)
    if isinstance(module, nn.Tanh):
        return g.op("Tanh", [x], base)
    if isinstance(module, nn.ReLU):
        return g.op("Relu", [x], base)
    if isinstance(module, nn.LeakyReLU):
        return g.op("LeakyRelu", [x], base, alpha=float(module.negative_slope))
    if isinstance(module, nn.ELU):
        return g.op("Elu", [x], base, alpha=float(module.alpha))
    if isinstance(module, nn.GELU):
        return _gelu(g, x, module.approximate, base)
    if isinstance(module, nn.SiLU):  # x sigmoid(x)
        return g.op("Mul", [x, g.op("Sigmoid", [x], f"{base}/sigmoid")], base)
    if isinstance(module, nn.Softplus):
        return _softplus(g, x, float(module.beta), float(module.threshold), base)
    if isinstance(module, (nn.Softmax, nn.LogSoftmax)):
        axis = node.__dict__.get("axis", _softmax_axis(module.dim, ndim))
        return g.op(kind, [x], base, axis=int(axis))
    if isinstance(module, nn.Flatten):
        start, end = module.start_dim % ndim, module.end_dim % ndim
        if start == 1 and end == ndim - 1:
            return g.op("Flatten", [x], base, axis=1)
        trailing = list(ex.shape_of_input(module)[end + 1:])
        shape = np.array([0] * start + [-1] + trailing, dtype=np.int64)
        return g.op("Reshape", [x, g.initializer(shape, f"{base}/shape")], base)
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        if module.running_mean is None or module.running_var is None:
            raise UnsupportedOperatorError(
                f"onnx.export(): {kind} at {base!r} keeps no running statistics "
                "(track_running_stats=False), so in evaluation it normalises with the batch's own "
                "statistics, which ONNX BatchNormalization cannot do"
            )
        c = module.num_features
        scale = ex.leaf(module.weight) if module.weight is not None else g.initializer(
            np.ones(c, g.dtype), f"{base}.ones")
        shift = ex.leaf(module.bias) if module.bias is not None else g.initializer(
            np.zeros(c, g.dtype), f"{base}.zeros")
        return g.op("BatchNormalization", [x, scale, shift, ex.leaf(module.running_mean),
                                           ex.leaf(module.running_var)], base, epsilon=float(module.eps))
    if isinstance(module, nn.LayerNorm):
        shape = tuple(module.normalized_shape)
        scale = ex.leaf(module.weight) if module.weight is not None else g.initializer(
            np.ones(shape, g.dtype), f"{base}.ones")
        shift = ex.leaf(module.bias) if module.bias is not None else g.initializer(
            np.zeros(shape, g.dtype), f"{base}.zeros")
        return g.op("LayerNormalization", [x, scale, shift], base, axis=-len(shape),
                    epsilon=float(module.eps))
    if isinstance(module, nn.Unflatten):
        shape_in = ex.shape_of_input(module)
        d = module.dim % ndim
        shape = [0 if i == 0 else n for i, n in enumerate(shape_in[:d])] + list(module.unflattened_size) \
            + list(shape_in[d + 1:])
        if d == 0:
            raise UnsupportedOperatorError(f"onnx.export(): {kind} at {base!r} splits the batch dimension")
        return g.op("Reshape", [x, g.initializer(np.array(shape, dtype=np.int64), f"{base}/shape")], base)
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        return _conv(g, ex, module, x, ndim, base)
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
        return _pool(g, module, x, ndim, base)
    if isinstance(module, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d,
                           nn.AdaptiveMaxPool2d, nn.RNN, nn.GRU, nn.LSTM)):
        return _adaptive_pool(g, ex, module, x, ndim, base)
    raise UnsupportedOperatorError(f"onnx.export(): no ONNX translation for layer {kind} at {base!r}")


def _nd(value: Any, nd: int) -> list[int]:
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * nd


def _conv(g: _Builder, ex: _Exporter, module: Any, x: str, ndim: int, base: str) -> str:
    """``Conv``: PyTorch's weight layout [C_out, C_in / groups, *kernel] is ONNX's."""
    nd = ndim - 2
    if module.padding_mode != "zeros":
        raise UnsupportedOperatorError(f"onnx.export(): {type(module).__name__} at {base!r} pads with "
                                       f"padding_mode={module.padding_mode!r}; only 'zeros' is exported")
    kernel, dilation = _nd(module.kernel_size, nd), _nd(module.dilation, nd)
    if module.padding == "same":  # the extra odd pixel goes after, as in PyTorch
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        pads = [t // 2 for t in total] + [t - t // 2 for t in total]
    elif module.padding == "valid":
        pads = [0] * (2 * nd)
    else:
        pads = _nd(module.padding, nd) * 2
    inputs = [x, ex.leaf(module.weight)] + ([ex.leaf(module.bias)] if module.bias is not None else [])
    return g.op("Conv", inputs, base, kernel_shape=kernel, strides=_nd(module.stride, nd), pads=pads,
                dilations=dilation, group=int(module.groups))


def _pool(g: _Builder, module: Any, x: str, ndim: int, base: str) -> str:
    """``MaxPool`` / ``AveragePool`` with PyTorch's window, stride, padding and ceil_mode."""
    from .. import nn

    nd, kind = ndim - 2, type(module).__name__
    attrs: dict[str, Any] = dict(kernel_shape=_nd(module.kernel_size, nd), strides=_nd(module.stride, nd),
                                 pads=_nd(module.padding, nd) * 2, ceil_mode=int(bool(module.ceil_mode)))
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d)):
        if module.return_indices:
            raise UnsupportedOperatorError(f"onnx.export(): {kind} at {base!r} returns indices")
        return g.op("MaxPool", [x], base, dilations=_nd(module.dilation, nd), **attrs)
    if module.divisor_override is not None:
        raise UnsupportedOperatorError(f"onnx.export(): {kind} at {base!r} has a divisor_override")
    return g.op("AveragePool", [x], base, count_include_pad=int(bool(module.count_include_pad)), **attrs)


def _adaptive_pool(g: _Builder, ex: _Exporter, module: Any, x: str, ndim: int, base: str) -> str:
    """An adaptive pooling whose windows do not overlap (the input a multiple of the output) is a
    plain pooling; to size 1 it is the global pooling."""
    nd, kind = ndim - 2, type(module).__name__
    op = "Average" if "Avg" in kind else "Max"
    size_in = list(ex.shape_of_input(module)[2:])
    size_out = [i if o is None else int(o) for i, o in zip(size_in, _nd_or_none(module.output_size, nd))]
    if all(o == 1 for o in size_out):
        return g.op(f"Global{op}Pool", [x], base)
    if any(i % o for i, o in zip(size_in, size_out)):
        raise UnsupportedOperatorError(
            f"onnx.export(): {kind} at {base!r} maps size {size_in} to {size_out}, which is not a whole "
            "number of windows; only evenly dividing adaptive pooling is exported"
        )
    kernel = [i // o for i, o in zip(size_in, size_out)]
    return g.op(f"{op}Pool", [x], base, kernel_shape=kernel, strides=kernel)


def _nd_or_none(value: Any, nd: int) -> list[Any]:
    return list(value) if isinstance(value, (tuple, list)) else [value] * nd


def _getitem(g: _Builder, x: str, index: Any, ndim: int, base: str) -> str:
    """Basic indexing ``x[a:b, -1]``: one Slice for the slices, then a Gather per integer."""
    items = index if isinstance(index, tuple) else (index,)
    if len(items) > ndim or not all(isinstance(i, (slice, int, np.integer)) and not isinstance(i, bool)
                                    for i in items):
        raise UnsupportedOperatorError(
            f"onnx.export(): indexing with {index!r} is not exported; only slices and integers")
    starts, ends, axes, steps = [], [], [], []
    for axis, item in enumerate(items):
        if isinstance(item, slice) and item != slice(None):
            step = 1 if item.step is None else int(item.step)
            big = np.iinfo(np.int64).max
            starts.append(int(item.start) if item.start is not None else (0 if step > 0 else -1))
            ends.append(int(item.stop) if item.stop is not None else (big if step > 0 else -big))
            axes.append(axis)
            steps.append(step)
    y = x
    if axes:
        arrays = [g.initializer(np.array(v, dtype=np.int64), f"{base}/{n}")
                  for n, v in (("starts", starts), ("ends", ends), ("axes", axes), ("steps", steps))]
        y = g.op("Slice", [y, *arrays], f"{base}/slice")
    for axis in reversed(range(len(items))):  # from the last, so earlier axes keep their numbers
        if not isinstance(items[axis], slice):
            at = g.initializer(np.array(int(items[axis]), dtype=np.int64), f"{base}/at")
            y = g.op("Gather", [y, at], f"{base}/gather", axis=axis)
    return y if y != x else g.op("Identity", [x], base)


# PyTorch's gate blocks -> ONNX's: GRU (r, z, n) -> (z, r, h); LSTM (i, f, g, o) -> (i, o, f, c)
_GATES = {"RNN_TANH": [0], "RNN_RELU": [0], "GRU": [1, 0, 2], "LSTM": [0, 3, 1, 2]}


def _recurrent(g: _Builder, ex: _Exporter, module: Any, x: str, base: str) -> dict[str, str]:
    """A stacked (bi)directional RNN/GRU/LSTM as one ONNX RNN/GRU/LSTM operator a layer.

    Returns the names of ``output`` and of ``state0`` (h_n) and, for an LSTM, ``state1`` (c_n),
    in PyTorch's layouts.
    """
    mode = module.mode
    if getattr(module, "proj_size", 0):
        raise UnsupportedOperatorError(f"onnx.export(): LSTM at {base!r} has proj_size; not exported")
    op = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "GRU": "GRU", "LSTM": "LSTM"}[mode]
    h = module.hidden_size
    dirs = ["", "_reverse"] if module.bidirectional else [""]
    order = _GATES[mode]
    attrs: dict[str, Any] = dict(hidden_size=h, direction="bidirectional" if len(dirs) == 2 else "forward")
    if op == "RNN":
        attrs["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * len(dirs)
    if op == "GRU":
        attrs["linear_before_reset"] = 1  # PyTorch: n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    params = dict(module.named_parameters())

    def blocks(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a[i * h:(i + 1) * h] for i in order], axis=0)

    seq = g.op("Transpose", [x], f"{base}/time_major", perm=[1, 0, 2]) if module.batch_first else x
    states: list[list[str]] = [[], []]
    for layer in range(module.num_layers):
        w = np.stack([blocks(params[f"weight_ih_l{layer}{d}"]._data) for d in dirs])
        r = np.stack([blocks(params[f"weight_hh_l{layer}{d}"]._data) for d in dirs])
        if module.bias:
            b = np.stack([np.concatenate([blocks(params[f"bias_ih_l{layer}{d}"]._data),
                                          blocks(params[f"bias_hh_l{layer}{d}"]._data)]) for d in dirs])
        else:
            b = np.zeros((len(dirs), 2 * len(order) * h), dtype=w.dtype)
        names = [g.initializer(a, f"{base}.l{layer}.{n}") for n, a in (("W", w), ("R", r), ("B", b))]
        outs = [g.fresh(f"{base}/l{layer}/{n}") for n in (["Y", "Y_h", "Y_c"] if op == "LSTM" else ["Y", "Y_h"])]
        g.nodes.append(g.helper.make_node(op, [seq, *names], outs, name=g.fresh(f"{base}/l{layer}/{op}"), **attrs))
        for i, o in enumerate(outs[1:]):
            states[i].append(o)
        # Y [T, dirs, N, H] -> PyTorch's [T, N, dirs * H]: the next layer's input
        y = g.op("Transpose", [outs[0]], f"{base}/l{layer}/y_t", perm=[0, 2, 1, 3])
        seq = g.op("Reshape", [y, g.initializer(np.array([0, 0, -1], dtype=np.int64), f"{base}/shape")],
                   f"{base}/l{layer}/out")
    out = g.op("Transpose", [seq], f"{base}/output", perm=[1, 0, 2]) if module.batch_first else seq
    result = {"output": out}
    for i, parts in enumerate(states[:2 if op == "LSTM" else 1]):  # [layers * dirs, N, H]
        result[f"state{i}"] = parts[0] if len(parts) == 1 else g.op("Concat", parts, f"{base}/state{i}", axis=0)
    return result


def _reshape(g: _Builder, x: str, shape: tuple[int, ...], target: tuple[int, ...], base: str) -> str:
    """``x.reshape(...)`` / ``x.view(...)`` for any batch size: the first dimension copies the
    input's (ONNX's 0) when the traced reshape kept it, and is inferred (-1) when it absorbed it,
    as ``x.reshape(-1, 10)`` does; the other dimensions are the traced ones."""
    first = 0 if shape and target and target[0] == shape[0] else -1
    dims = [first, *target[1:]] if target else []
    return g.op("Reshape", [x, g.initializer(np.array(dims, dtype=np.int64), f"{base}_shape")], base)


def _layer_types() -> tuple[type, ...]:
    from .. import nn

    return (nn.Linear, nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU,
            nn.Softplus, nn.Softmax, nn.LogSoftmax, nn.Flatten, nn.BatchNorm1d, nn.BatchNorm2d,
            nn.LayerNorm, nn.Unflatten, nn.Conv1d, nn.Conv2d, nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d,
            nn.AvgPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d,
            nn.AdaptiveMaxPool2d, nn.RNN, nn.GRU, nn.LSTM)


# --------------------------------------------------------------------------- hand-written glue
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "MatMul": "MatMul"}
_UNARY = {"Neg": "Neg", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "ReLU": "Relu"}


def _emit_node(g: _Builder, node: Any, operands: list[str], base: str) -> str:
    """The ONNX operator of one recorded operation outside the library's layers."""
    kind = type(node).__name__
    saved = node.__dict__
    if kind in _BINARY and len(operands) == 2:
        return g.op(_BINARY[kind], operands, base)
    if kind in _UNARY and len(operands) == 1:
        return g.op(_UNARY[kind], operands, base)
    if kind in ("Softmax", "LogSoftmax") and "axis" in saved:
        return g.op(kind, operands[:1], base, axis=int(saved["axis"]))
    if kind == "LeakyReLU" and "slope" in saved:
        return g.op("LeakyRelu", operands[:1], base, alpha=float(saved["slope"]))
    if kind == "ELU" and "alpha" in saved:
        return g.op("Elu", operands[:1], base, alpha=float(saved["alpha"]))
    if kind == "GELU" and "approximate" in saved:
        return _gelu(g, operands[0], saved["approximate"], base)
    if kind == "Permute" and "inverse" in saved:  # x.T, x.permute(...): the inverse's inverse
        return g.op("Transpose", operands[:1], base, perm=[int(d) for d in np.argsort(saved["inverse"])])
    if kind == "GetItem" and "index" in saved:
        return _getitem(g, operands[0], saved["index"], len(saved["shape"]), base)
    if kind == "Reshape" and "target" in saved:
        return _reshape(g, operands[0], saved["shape"], saved["target"], base)
    if kind == "LinearFunction" and "x_shape" in saved:
        bias = operands[2] if len(operands) > 2 else None
        return _linear(g, operands[0], len(saved["x_shape"]), operands[1], bias, base)
    raise UnsupportedOperatorError(
        f"onnx.export(): the operation {kind} (grad_fn {node.name()}) has no ONNX translation here; "
        "supported outside the library's layers: " + ", ".join(
            sorted({*_BINARY, *_UNARY, "Permute", "GetItem", "Softmax", "LogSoftmax", "LeakyReLU", "ELU", "GELU",
                    "LinearFunction", "Reshape"}))
    )


# --------------------------------------------------------------------------- the walk
class _Exporter:
    def __init__(self, g: _Builder, model: Any, inputs: dict[int, str]) -> None:
        self.g = g
        self.inputs = inputs  # id(input leaf) -> graph input name
        self.names: dict[int, str] = {}  # id(parameter or buffer) -> its state_dict name
        for name, p in model.named_parameters():
            self.names.setdefault(id(p), name)
        for name, b in model.named_buffers():
            self.names.setdefault(id(b), name)
        self.module_names = {id(m): name for name, m in model.named_modules()}
        # id(output node) -> (layer, its input, which of a recurrent layer's outputs)
        self.calls: dict[int, tuple[Any, Tensor, Any]] = {}
        self._recurrent: dict[int, dict[str, str]] = {}  # a recurrent call's emitted outputs
        self.values: dict[int, str] = {}  # id(node or leaf) -> ONNX value name
        self._keep: list[Any] = []  # keeps traced objects alive so their ids stay unique

    def hook(self, module: Any, args: tuple[Any, ...], output: Any) -> None:
        if not args or not isinstance(args[0], Tensor):
            return
        if isinstance(output, tuple) and len(output) == 2:  # RNN, GRU, LSTM: (output, h_n or (h_n, c_n))
            if len(args) > 1 and args[1] is not None:
                raise UnsupportedOperatorError(
                    f"onnx.export(): {type(module).__name__} is called with an initial state; only the "
                    "default zero state is exported")
            states = output[1] if isinstance(output[1], tuple) else (output[1],)
            key = len(self._keep)  # one ONNX emission per call, shared by its outputs
            for part, t in (("output", output[0]), *((f"state{i}", h) for i, h in enumerate(states))):
                if isinstance(t, Tensor) and t.grad_fn is not None:
                    self.calls[id(t.grad_fn)] = (module, args[0], (part, key))
            self._keep.append((module, args[0], output))
            return
        if not isinstance(output, Tensor) or output is args[0] or output.grad_fn is None:
            return  # Dropout / Identity in evaluation return their input
        self.calls[id(output.grad_fn)] = (module, args[0], None)
        self._keep.append((module, args[0], output))

    def shape_of_input(self, module: Any) -> tuple[int, ...]:
        for mod, x, _ in self.calls.values():
            if mod is module:
                return tuple(x._data.shape)
        raise AssertionError("internal error: shape of an uncalled layer")

    def leaf(self, t: Tensor) -> str:
        """The ONNX name of a leaf: a graph input, a named initializer, or a constant."""
        key = id(t)
        if key in self.values:
            return self.values[key]
        if key in self.inputs:
            name = self.inputs[key]
        else:
            name = self.g.initializer(t._data, self.names.get(key, "constant"))
        self.values[key] = name
        self._keep.append(t)
        return name

    @staticmethod
    def producer(t: Tensor) -> Any:
        return t if t.grad_fn is None else t.grad_fn

    def deps(self, obj: Any) -> list[Any]:
        if isinstance(obj, Tensor):
            return []
        call = self.calls.get(id(obj))
        if call is not None:
            return [self.producer(call[1])]
        return [p for p in obj._parents if p is not None]

    def value(self, root: Any) -> str:
        """Emit everything ``root`` depends on, inputs first (an explicit stack, no recursion)."""
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            obj, expanded = stack.pop()
            if id(obj) in self.values:
                continue
            if isinstance(obj, Tensor):
                self.leaf(obj)
                continue
            if not expanded:
                stack.append((obj, True))
                stack.extend((d, False) for d in self.deps(obj) if id(d) not in self.values)
                continue
            self._keep.append(obj)
            call = self.calls.get(id(obj))
            if call is not None:
                module, x, part = call
                base = self.module_names.get(id(module)) or type(module).__name__
                x_name = self.values[id(self.producer(x))]
                if part is not None:
                    which, key = part
                    if key not in self._recurrent:
                        self._recurrent[key] = _recurrent(self.g, self, module, x_name, base)
                    name = self._recurrent[key][which]
                else:
                    name = _emit_layer(self.g, self, module, x_name, x._data.ndim, obj, base)
            else:
                kind = type(obj).__name__
                # the leading operands must be graph values; later ones are attributes (an axis,
                # a slope) or an absent bias
                required = 2 if kind in _BINARY or kind == "LinearFunction" else 1
                if any(p is None for p in obj._parents[:required]):
                    raise UnsupportedOperatorError(
                        f"onnx.export(): the operation {kind} has an operand that is a Python number "
                        "or a tensor that does not require grad, which the recorded graph does not "
                        "keep; make it a parameter or a registered buffer"
                    )
                operands = [self.values[id(p)] for p in obj._parents if p is not None]
                name = _emit_node(self.g, obj, operands, kind.lower())
            self.values[id(obj)] = name
        return self.values[id(root)]


# --------------------------------------------------------------------------- export
def export(
    model: Any,
    args: Any,
    f: str | os.PathLike | IO[bytes],
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    dynamic_axes: dict[str, Any] | None = None,
    opset_version: int = OPSET,
    check: bool = True,
) -> Any:
    """Export ``model`` (a ``chainrule.nn.Module``) to an ONNX file, as ``torch.onnx.export``.

    Args:
        model: the module; exported in evaluation mode (Dropout is the identity, BatchNorm uses
            its running statistics), its mode restored afterwards.
        args: the example input: a Tensor or array, or a tuple of them for several inputs.
        f: a path or a binary file object to write the ``.onnx`` model to.
        input_names, output_names: the graph's names (default ``input``/``output``, numbered
            when there are several).
        dynamic_axes: ``{name: {axis: label}}`` or ``{name: [axis, ...]}``; by default dim 0 of
            every input and output is the symbolic ``"batch"``.
        opset_version: the ONNX operator set (17 or newer).
        check: run ``onnx.checker.check_model(..., full_check=True)`` before writing.

    Returns:
        the ``onnx.ModelProto`` written.

    Raises:
        UnsupportedOperatorError: naming the first operation with no ONNX translation.
    """
    try:
        import onnx
    except ImportError:
        raise ImportError("onnx.export() needs the onnx package: pip install 'chainrule[onnx]'") from None
    from ..autograd import grad_mode
    from ..serialization import atomic_write

    if opset_version < OPSET:
        raise ValueError(f"onnx.export(): opset_version must be at least {OPSET}, got {opset_version}")
    examples = list(args) if isinstance(args, (tuple, list)) else [args]
    leaves: list[Tensor] = []
    for i, a in enumerate(examples):
        arr = np.array(a._data if isinstance(a, Tensor) else a, copy=True)
        if arr.dtype.kind != "f":
            raise TypeError(f"onnx.export(): example input {i} has dtype {arr.dtype}; a floating "
                            "dtype is needed to trace the forward pass")
        leaves.append(Tensor._make(arr).requires_grad_(True))
    input_names = list(input_names or _default_names("input", len(leaves)))
    if len(input_names) != len(leaves):
        raise ValueError(f"onnx.export(): {len(input_names)} input_names for {len(leaves)} inputs")
    dtype = leaves[0]._data.dtype
    g = _Builder(onnx, dtype)
    for name in input_names:
        g._used.add(name)
    ex = _Exporter(g, model, {id(t): name for t, name in zip(leaves, input_names)})

    # trace: evaluation mode, gradients recorded, every floating parameter in the graph
    was_training = model.training
    frozen = [p for p in model.parameters() if not p.requires_grad and p._data.dtype.kind == "f"]
    layer_types = _layer_types()
    handles = [m.register_forward_hook(ex.hook) for m in model.modules() if isinstance(m, layer_types)]
    try:
        model.eval()
        for p in frozen:
            p.requires_grad_(True)
        with grad_mode.enable_grad():
            result = model(*leaves)
    finally:
        for h in handles:
            h.remove()
        for p in frozen:
            p.requires_grad_(False)
        model.train(was_training)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    if not all(isinstance(o, Tensor) for o in outputs):
        raise TypeError("onnx.export(): the model must return a Tensor or a tuple/list of Tensors")
    output_names = list(output_names or _default_names("output", len(outputs)))
    if len(output_names) != len(outputs):
        raise ValueError(f"onnx.export(): {len(output_names)} output_names for {len(outputs)} outputs")

    for name, out in zip(output_names, outputs):
        g._used.add(name)
        inner = ex.value(ex.producer(out))
        g.nodes.append(onnx.helper.make_node("Identity", [inner], [name], name=g.fresh(f"{name}/Identity")))

    axes = _dynamic_axes(dynamic_axes, input_names + output_names, [t._data.ndim for t in leaves + outputs])
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)

    def info(name: str, t: Tensor) -> Any:
        dims = [axes.get(name, {}).get(i, size) for i, size in enumerate(t._data.shape)]
        kind = onnx.helper.np_dtype_to_tensor_dtype(t._data.dtype) if t._data.dtype.kind == "f" else elem
        return onnx.helper.make_tensor_value_info(name, kind, dims)

    graph = onnx.helper.make_graph(
        g.nodes, type(model).__name__,
        [info(n, t) for n, t in zip(input_names, leaves)],
        [info(n, t) for n, t in zip(output_names, outputs)],
        initializer=list(g.initializers.values()),
    )
    from .. import __version__

    proto = onnx.helper.make_model(graph, producer_name="chainrule", producer_version=__version__,
                                   opset_imports=[onnx.helper.make_opsetid("", opset_version)])
    proto.ir_version = min(proto.ir_version, 8 if opset_version <= 18 else proto.ir_version)
    if check:
        onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with atomic_write(f) as out:
            out.write(data)
    else:
        f.write(data)
    return proto


def _default_names(base: str, n: int) -> list[str]:
    return [base] if n == 1 else [f"{base}{i}" for i in range(n)]


def _dynamic_axes(spec: dict[str, Any] | None, names: list[str], ranks: list[int]) -> dict[str, dict[int, str]]:
    """``{name: {axis: label}}``: the default (dim 0 is ``batch``) or the caller's, checked."""
    if spec is None:
        return {name: {0: "batch"} for name, rank in zip(names, ranks) if rank >= 1}
    out: dict[str, dict[int, str]] = {}
    rank_of = dict(zip(names, ranks))
    for name, axes in spec.items():
        if name not in rank_of:
            raise ValueError(f"onnx.export(): dynamic_axes names {name!r}, which is not an input or "
                             f"output (those are {names})")
        if isinstance(axes, dict):
            labels = {int(a): str(label) for a, label in axes.items()}
        else:
            labels = {int(a): f"{name}_dim{int(a)}" for a in axes}
        for a in labels:
            if not 0 <= a < rank_of[name]:
                raise ValueError(f"onnx.export(): dynamic axis {a} of {name!r} is out of range for "
                                 f"rank {rank_of[name]}")
        out[name] = labels
    return out
