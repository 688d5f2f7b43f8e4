"""Draw the computation graph that ``backward()`` walks, as the lecture draws ``f = (x + y) z``.

Tensors are boxes that show their value (a number for scalars, the shape otherwise) and, after
``backward()``, their gradient in red; operations are ellipses named after their ``grad_fn``.
Edges follow the forward pass, left to right; backward sends gradients against them.

The graph stores only what backward needs: each node's parents (``grad_fn._parents``: parent
nodes, leaf tensors, or None) and, for ``retain_grad()`` outputs, a weak reference to the output
(``grad_fn._retained``). Intermediate tensors therefore appear when they are the drawn output,
retain their grad, or are named in ``params`` (matched by their ``grad_fn``), as torchviz does.
"""

from __future__ import annotations

import html
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from ..tensor import Tensor

# a readable symbol for the lecture's operations; others show only their grad_fn name
_SYMBOLS = {
    "Add": "+", "Sub": "&#8722;", "Mul": "&#215;", "Div": "&#247;", "MatMul": "@", "Pow": "x<sup>y</sup>",
    "Neg": "&#8722;x", "Exp": "exp", "Log": "log", "Sigmoid": "&#963;", "Tanh": "tanh", "ReLU": "relu",
    "Sum": "&#931;",
}
_GRAD_COLOUR = "#c0392b"


class GraphvizMissingError(RuntimeError):
    """Graphviz's ``dot`` program, which lays out and renders graphs, is not installed."""


def _install_hint(error: Exception) -> GraphvizMissingError:
    return GraphvizMissingError(
        "rendering the computation graph needs Graphviz's `dot` program, which was not found on "
        "PATH: install Graphviz (e.g. `apt-get install graphviz`, `brew install graphviz`, or "
        f"`conda install graphviz`) and try again ({error})"
    )


class ComputationGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering says how to install Graphviz when ``dot`` is missing."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise _install_hint(e) from None

    def render(self, *args: Any, **kwargs: Any) -> str:
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise _install_hint(e) from None

    def save_png(self, path: str | Path, dpi: int = 150) -> Path:
        """Write the graph as a PNG image (``dpi`` dots per inch) to ``path`` and return that path."""
        sharp = self.copy()
        sharp.graph_attr["dpi"] = str(dpi)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sharp.pipe(format="png"))
        return path


def draw_graph(
    t: Tensor,
    params: Mapping[str, Tensor] | None = None,
    *,
    rankdir: str = "LR",
) -> ComputationGraph:
    """The graph of operations that produced ``t``, as a ``graphviz.Digraph``.

    ``params`` names tensors, e.g. ``{"x": x, "q": q}``: leaves are matched by identity and
    intermediate tensors by their ``grad_fn``, so their values and (if retained) gradients show.
    Call it after ``backward()`` to see the gradients. Render with ``.save_png(path)``,
    ``.render(...)`` or by displaying it in a notebook.
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(t).__name__}")
    leaf_names: dict[int, str] = {}
    outputs: dict[int, tuple[str, Tensor]] = {}  # id(grad_fn) -> (name, the tensor it produced)
    for name, p in (params or {}).items():
        if not isinstance(p, Tensor):
            raise TypeError(f"draw_graph: params[{name!r}] is a {type(p).__name__}, not a Tensor")
        if p.grad_fn is None:
            leaf_names[id(p)] = name
        else:
            outputs[id(p.grad_fn)] = (name, p)

    graph = ComputationGraph(
        name="computation graph",
        graph_attr={"rankdir": rankdir, "nodesep": "0.3", "ranksep": "0.45", "fontname": "Helvetica"},
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"arrowsize": "0.7"},
    )
    drawn_tensors: set[int] = set()

    def tensor_node(x: Tensor, name: str) -> str:
        key = f"t{id(x)}"
        if id(x) not in drawn_tensors:
            drawn_tensors.add(id(x))
            leaf = x.grad_fn is None
            graph.node(key, _tensor_label(x, name), shape="box", style="rounded,filled",
                       fillcolor="#e8f1fb" if leaf else "#f4f4f4", color="#4a78a8" if leaf else "#888888")
        return key

    def output_of(node: Any) -> tuple[str, Tensor] | None:
        if node is t.grad_fn:
            return outputs.get(id(node), ("", t))
        if id(node) in outputs:
            return outputs[id(node)]
        ref = node._retained
        kept = ref() if isinstance(ref, weakref.ref) else None
        return ("", kept) if kept is not None else None

    def head(node: Any) -> str:
        """Where edges out of ``node`` start: its output tensor when known, else the op itself."""
        out = output_of(node)
        return tensor_node(out[1], out[0]) if out is not None else f"op{id(node)}"

    if t.grad_fn is None:
        tensor_node(t, leaf_names.get(id(t), ""))
        return graph

    seen = {id(t.grad_fn)}
    stack = [t.grad_fn]
    while stack:  # iterative, like the engine: a deep graph needs no recursion
        node = stack.pop()
        op = f"op{id(node)}"
        graph.node(op, _op_label(node), shape="ellipse", style="filled", fillcolor="#fff4d6",
                   color="#c9a227")
        out = output_of(node)
        if out is not None:
            graph.edge(op, tensor_node(out[1], out[0]))
        for parent in node._parents:
            if parent is None:
                continue
            if isinstance(parent, Tensor):
                graph.edge(tensor_node(parent, leaf_names.get(id(parent), "")), op)
                continue
            graph.edge(head(parent), op)
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return graph


def _op_label(node: Any) -> str:
    name = node.name()
    symbol = _SYMBOLS.get(name.removesuffix("Backward"))
    if symbol is None:
        return f"<{html.escape(name)}>"
    return f'<<font point-size="16"><b>{symbol}</b></font><br/><font point-size="9">{html.escape(name)}</font>>'


def _tensor_label(x: Tensor, name: str) -> str:
    rows = []
    if name:
        rows.append(f"<b>{html.escape(name)}</b>")
    rows.append(_describe(x._data, ""))
    if x.grad is not None:
        rows.append(f'<font color="{_GRAD_COLOUR}">{_describe(x.grad._data, "grad ")}</font>')
    return "<" + "<br/>".join(rows) + ">"


def _describe(arr: np.ndarray, prefix: str) -> str:
    """A scalar's value; for anything bigger its shape, or for a gradient its norm."""
    if arr.size == 1:
        return f"{prefix}{_number(arr.reshape(()).item())}"
    if prefix:  # a gradient has its tensor's shape: its size says more
        return f"{prefix}norm {_number(float(np.linalg.norm(arr)))}"
    text = f"shape {tuple(arr.shape)}"
    return text if arr.dtype == np.float32 else f"{text} {arr.dtype}"


def _number(v: float) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
