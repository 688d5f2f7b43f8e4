"""Recurrent layers: RNN, GRU and LSTM (stacked, bidirectional) and their single-step cells.

Names, shapes, gate order and equations are PyTorch's (``weight_ih_l0``, ``weight_hh_l0_reverse``,
...), so state_dicts move between the two unchanged. Each layer and direction is one graph node
(:mod:`chainrule.nn._functions.recurrent`) whose backward is backprop through time written by
hand; the module stacks the layers, joins the directions, applies dropout between layers and
gathers ``h_n`` (and ``c_n``). Packed input (:mod:`chainrule.nn.utils.rnn`) runs padded, each
sequence ending at its own length.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import ops as _ops
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from . import init
from ._functions.recurrent import GRULayer, LSTMLayer, RNNLayer
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence, lengths_of, pack_padded_steps, pad_packed_steps

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


def _check_size(layer: str, name: str, v: Any, minimum: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{layer}: {name} must be an int >= {minimum}, got {v!r}")
    return int(v)


def _as_tensor(layer: str, x: Any, what: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected {what} to be a Tensor, got {type(x).__name__}")
    return x


def _flip_within(x: Tensor, lengths: np.ndarray) -> Tensor:
    """Each sequence's first ``lengths[b]`` steps in reverse order, the steps after them in place:
    ``[T, B, *]`` -> ``[T, B, *]``, the order in which a reverse direction reads a padded batch.
    Flipping twice gives back ``x``."""
    t = np.arange(x.shape[0])[:, None]  # [T, 1]
    steps = np.where(t < lengths, lengths - 1 - t, t)  # [T, B]
    return x[steps, np.arange(x.shape[1])]


class RNNBase(Module):
    """The machinery shared by RNN, GRU and LSTM: parameters, init, stacking and directions."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = _check_size(name, "input_size", input_size)
        self.hidden_size = _check_size(name, "hidden_size", hidden_size, 1)
        self.num_layers = _check_size(name, "num_layers", num_layers, 1)
        self.proj_size = _check_size(name, "proj_size", proj_size)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.bidirectional = bool(bidirectional)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        self.dropout = float(dropout)
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent layer, "
                          f"so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if self.proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
        if self.proj_size >= self.hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={hidden_size}")
        d = _dt.as_dtype(dtype)
        gate_size = _GATES[mode] * self.hidden_size
        real_hidden = self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_in)), ("weight_hh", (gate_size, real_hidden))]
                if self.bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                for pname, shape in shapes:
                    setattr(self, pname + sfx, Parameter(np.empty(shape, dtype=d)))
                    self._flat_weights_names.append(pname + sfx)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped by layer and direction, in PyTorch's order."""
        per = 2 + 2 * self.bias + (self.proj_size > 0)
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[k:k + per] for k in range(0, len(flat), per)]

    def _layer_weights(self, layer: int, direction: int) -> list[Tensor | None]:
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        w = [getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)]
        w += [getattr(self, "bias_ih" + sfx), getattr(self, "bias_hh" + sfx)] if self.bias else [None, None]
        if self.mode == "LSTM":
            w.append(getattr(self, "weight_hr" + sfx) if self.proj_size else None)
        return w

    # ------------------------------------------------------------------ forward
    def _check_input(self, input: Tensor) -> bool:  # noqa: A002
        """Validate the input; return whether it is batched."""
        name = type(self).__name__
        _as_tensor(name, input, "input")
        shape = tuple(input.shape)
        if len(shape) not in (2, 3):
            raise ShapeError(f"{name}: expected input to be 2D (unbatched [seq, {self.input_size}]) "
                             f"or 3D, got {len(shape)}D input of shape {shape}")
        if shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {shape[-1]} (input shape {shape})")
        if input._data.dtype.kind != "f":
            raise TypeError(f"{name}: expected a floating input, got {input.dtype}")
        wdt = self.weight_ih_l0._data.dtype
        if input._data.dtype != wdt:
            raise TypeError(f"{name}: input dtype {input._data.dtype} differs from the layer's "
                            f"weights {wdt}; convert one with .to(dtype)")
        return len(shape) == 3

    def _check_state(self, h: Any, batched: bool, batch: int, size: int, what: str) -> Tensor:
        name = type(self).__name__
        h = _as_tensor(name, h, what)
        layers = self.num_layers * (2 if self.bidirectional else 1)
        want = (layers, batch, size) if batched else (layers, size)
        if tuple(h.shape) != want:
            raise ShapeError(f"{name}: expected {what} of shape {want}"
                             f"{'' if batched else ' (unbatched input)'}, got {tuple(h.shape)}")
        if h._data.dtype != self.weight_ih_l0._data.dtype:
            raise TypeError(f"{name}: {what} dtype {h._data.dtype} differs from the layer's weights "
                            f"{self.weight_ih_l0._data.dtype}")
        return h if batched else h.unsqueeze(1)

    def _run(self, input: Tensor, h0: Tensor | None, c0: Tensor | None,  # noqa: A002
             lengths: np.ndarray | None = None):
        """Run the stack on time-major ``input`` [T, B, in]; return (output, h_n, c_n).

        With ``lengths`` (a packed input, sorted longest first) sequence ``b`` ends at step
        ``lengths[b] - 1``: its final state is taken there, and the reverse direction starts there,
        reading each sequence flipped within its length (:func:`_flip_within`). The steps after a
        sequence's end compute values that nothing reads: the packed output leaves them out.
        """
        x = input
        T, B = x.shape[0], x.shape[1]
        batch = np.arange(B)
        H, P = self.hidden_size, self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        dt = x._data.dtype
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                h = h0[k] if h0 is not None else np.zeros((B, P), dtype=dt)
                w = self._layer_weights(layer, direction)
                rev = direction == 1
                xin = x
                if lengths is None:
                    last = 0 if rev else T - 1  # the step that is this direction's final state
                else:  # each sequence's own last step; reversed: run forward over it flipped
                    last = (lengths - 1, batch)
                    xin, rev = (_flip_within(x, lengths), False) if rev else (x, False)
                if self.mode == "LSTM":
                    c = c0[k] if c0 is not None else np.zeros((B, H), dtype=dt)
                    y = LSTMLayer.apply(xin, h, c, *w, reverse=rev)  # [T, B, P + H]
                    final = y[last]
                    out = y[:, :, :P]
                    h_n.append(final[..., :P])
                    c_n.append(final[..., P:])
                else:
                    if self.mode == "GRU":
                        out = GRULayer.apply(xin, h, *w, reverse=rev)
                    else:
                        out = RNNLayer.apply(xin, h, *w, reverse=rev,
                                             nonlinearity="tanh" if self.mode == "RNN_TANH" else "relu")
                    h_n.append(out[last])
                if xin is not x:
                    out = _flip_within(out, lengths)  # back to the input's step order
                outs.append(out)
            x = outs[0] if directions == 1 else _ops.cat(outs, dim=2)  # [T, B, D*P]
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        h_n = _ops.stack(h_n, 0)
        return x, h_n, (_ops.stack(c_n, 0) if c_n else None)

    def _forward(self, input: Tensor | PackedSequence, hx: Any):  # noqa: A002
        name = type(self).__name__
        packed = input if isinstance(input, PackedSequence) else None
        lengths = None
        if packed is not None:  # padded time-major in the sorted order: [T, B, in]
            self._check_input(packed.data.unsqueeze(1))
            batch_sizes = np.asarray(packed.batch_sizes._data, dtype=np.int64)
            x, lengths = pad_packed_steps(packed.data, batch_sizes), lengths_of(batch_sizes)
            batched = True
            if hx is not None and packed.sorted_indices is not None:  # hx is in the caller's order
                order = packed.sorted_indices
                hx = tuple(h.index_select(1, order) for h in hx) if isinstance(hx, (tuple, list)) \
                    else hx.index_select(1, order)
        else:
            batched = self._check_input(input)
            x = input if batched else input.unsqueeze(1)  # [T, 1, in]
            if batched and self.batch_first:
                x = x.transpose(0, 1)  # [T, B, in]
        B = x.shape[1]
        h0 = c0 = None
        if hx is not None:
            if self.mode == "LSTM":
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
                h0 = self._check_state(hx[0], batched, B, self.proj_size or self.hidden_size, "h_0")
                c0 = self._check_state(hx[1], batched, B, self.hidden_size, "c_0")
            else:
                h0 = self._check_state(hx, batched, B, self.hidden_size, "hx")
        out, h_n, c_n = self._run(x, h0, c0, lengths)
        if packed is not None:  # the output packed as the input was; states in the caller's order
            data, _ = pack_padded_steps(out, lengths)
            out = PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
            if packed.unsorted_indices is not None:
                back = packed.unsorted_indices
                h_n = h_n.index_select(1, back)
                c_n = c_n.index_select(1, back) if c_n is not None else None
            return out, h_n, c_n
        if not batched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)  # [B, T, D*H]
        return out, h_n, c_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act tanh or relu.

    ``forward(input, hx=None) -> (output, h_n)``: input [T, B, in] ([B, T, in] with
    ``batch_first``, [T, in] unbatched), ``hx``/``h_n`` [num_layers * D, B, H], output
    [T, B, D * H] with D = 2 when bidirectional. A :class:`~chainrule.nn.utils.rnn.PackedSequence`
    input (sequences of different lengths) gives a packed output, and ``h_n`` holds each
    sequence's state at its own last step.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        out, h_n, _ = self._forward(input, hx)
        return out, h_n


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's equations (gates r, z, n)::

        r = sigma(W_ir x + b_ir + W_hr h + b_hr)
        z = sigma(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    ``forward(input, hx=None) -> (output, h_n)``, shapes as :class:`RNN`.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        out, h_n, _ = self._forward(input, hx)
        return out, h_n


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's equations (gates i, f, g, o)::

        i, f, o = sigma(W_i* x + b_i* + W_h* h + b_h*),  g = tanh(W_ig x + b_ig + W_hg h + b_hg)
        c' = f * c + i * g
        h' = o * tanh(c')          (times W_hr^T with proj_size > 0: h' is then [.., proj_size])

    ``forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None  # noqa: A002
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        out, h_n, c_n = self._forward(input, hx)
        return out, (h_n, c_n)


# ====================================================================== cells: one time step
class RNNCellBase(Module):
    """One time step of a recurrent layer: the layer's Function run over a sequence of length 1."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = _check_size(name, "input_size", input_size)
        self.hidden_size = _check_size(name, "hidden_size", hidden_size, 1)
        self.bias = bool(bias)
        d = _dt.as_dtype(dtype)
        G = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((G, self.input_size), dtype=d))
        self.weight_hh = Parameter(np.empty((G, self.hidden_size), dtype=d))
        if self.bias:
            self.bias_ih = Parameter(np.empty(G, dtype=d))
            self.bias_hh = Parameter(np.empty(G, dtype=d))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` for every parameter."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input: Tensor, states: list[Any]):  # noqa: A002
        """Validate; return (x [1, B, in], states as [B, H] Tensors or zero arrays, batched)."""
        name = type(self).__name__
        _as_tensor(name, input, "input")
        shape = tuple(input.shape)
        if len(shape) not in (1, 2) or shape[-1] != self.input_size:
            raise ShapeError(f"{name}: expected input [batch, {self.input_size}] or "
                             f"[{self.input_size}], got shape {shape}")
        wdt = self.weight_ih._data.dtype
        if input._data.dtype != wdt:
            raise TypeError(f"{name}: input dtype {input._data.dtype} differs from the layer's "
                            f"weights {wdt}")
        batched = len(shape) == 2
        x = input.unsqueeze(0) if batched else input.reshape(1, 1, -1)  # [1, B, in]
        B = x.shape[1]
        out = []
        for s in states:
            if s is None:
                out.append(np.zeros((B, self.hidden_size), dtype=wdt))
                continue
            s = _as_tensor(name, s, "hx")
            want = (B, self.hidden_size) if batched else (self.hidden_size,)
            if tuple(s.shape) != want:
                raise ShapeError(f"{name}: expected hidden state of shape {want}, got {tuple(s.shape)}")
            if s._data.dtype != wdt:
                raise TypeError(f"{name}: hidden state dtype {s._data.dtype} differs from the "
                                f"layer's weights {wdt}")
            out.append(s if batched else s.reshape(1, -1))
        return x, out, batched

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``; ``forward(input, hx=None) -> h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, [hx])
        y = RNNLayer.apply(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                           nonlinearity=self.nonlinearity)
        return y[0] if batched else y[0, 0]


class GRUCell(RNNCellBase):
    """One GRU step (equations as :class:`GRU`); ``forward(input, hx=None) -> h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, [hx])
        y = GRULayer.apply(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return y[0] if batched else y[0, 0]


class LSTMCell(RNNCellBase):
    """One LSTM step (equations as :class:`LSTM`); ``forward(input, (h, c)=None) -> (h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None  # noqa: A002
                ) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        x, (h, c), batched = self._prepare(input, list(hx) if hx is not None else [None, None])
        H = self.hidden_size
        y = LSTMLayer.apply(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                            None)  # [1, B, 2H]
        y = y[0] if batched else y[0, 0]
        return y[..., :H], y[..., H:]
