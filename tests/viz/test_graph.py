"""draw_graph: the lecture's (x + y) z graph as a picture, with values and gradients."""

from __future__ import annotations

import re
import shutil

import graphviz
import numpy as np
import pytest

import chainrule
from chainrule.viz import ComputationGraph, GraphvizMissingError, draw_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _labels(graph: graphviz.Digraph) -> list[str]:
    return re.findall(r"label=<(.*?)>\s", graph.source)


def _label_of(graph: graphviz.Digraph, name: str) -> str:
    found = [lab for lab in _labels(graph) if f"<b>{name}</b>" in lab]
    assert len(found) == 1, (name, _labels(graph))
    return found[0]


def test_lecture_graph_shows_ops_values_and_gradients(lecture_graph):
    t = lecture_graph
    g = draw_graph(t["f"], params=t)
    assert isinstance(g, graphviz.Digraph)
    assert re.search(r"<b>x</b><br/>-2<br/><font[^>]*>grad -4</font>", _label_of(g, "x"))
    assert re.search(r"<b>y</b><br/>5<br/><font[^>]*>grad -4</font>", _label_of(g, "y"))
    assert re.search(r"<b>z</b><br/>-4<br/><font[^>]*>grad 3</font>", _label_of(g, "z"))
    assert re.search(r"<b>q</b><br/>3<br/><font[^>]*>grad -4</font>", _label_of(g, "q"))
    assert re.search(r"<b>f</b><br/>-12<br/><font[^>]*>grad 1</font>", _label_of(g, "f"))
    assert "AddBackward" in g.source and "MulBackward" in g.source
    # 5 tensors and 2 ops; x, y -> add -> q; q, z -> mul -> f
    assert len(_labels(g)) == 7
    assert g.source.count("->") == 6


def test_before_backward_there_are_no_gradients():
    x = chainrule.tensor(-2.0, requires_grad=True)
    f = (x + 5.0) * -4.0
    g = draw_graph(f, {"x": x, "f": f})
    assert "grad" not in g.source.replace("Backward", "")
    assert "<b>x</b><br/>-2" in g.source


def test_intermediates_named_in_params_are_matched_by_grad_fn(lecture_graph):
    t = lecture_graph
    g = draw_graph(t["f"], params={"x": t["x"], "q": t["q"]})
    assert "<b>q</b><br/>3" in g.source  # an intermediate, found through q.grad_fn
    assert "<b>y</b>" not in g.source  # unnamed leaves show only their value
    assert "label=<5<br/>" in g.source


def test_retained_intermediates_show_without_a_name_before_backward():
    x = chainrule.tensor(1.5, requires_grad=True)
    h = x.exp()
    h.retain_grad()
    out = h * 2
    assert f"label=<{np.exp(1.5):.4g}>" in draw_graph(out).source


def test_retained_intermediates_show_without_a_name_after_backward():
    x = chainrule.tensor(1.5, requires_grad=True)
    h = x.exp()
    h.retain_grad()
    out = h * 2
    out.backward()
    g = draw_graph(out)
    assert f"{np.exp(1.5):.4g}" in g.source and "grad 2" in g.source


def test_tensors_show_shapes_and_gradient_norms():
    w = chainrule.randn(3, 4, requires_grad=True)
    b = chainrule.zeros(4, dtype=chainrule.float64, requires_grad=True)
    loss = (chainrule.randn(5, 3) @ w + b).relu().mean()
    loss.backward()
    g = draw_graph(loss, {"W": w, "b": b})
    assert "shape (3, 4)" in _label_of(g, "W") and "grad norm" in _label_of(g, "W")
    assert "shape (4,) float64" in _label_of(g, "b")
    for op in ("MatMulBackward", "AddBackward", "ReLUBackward", "MeanBackward"):
        assert op in g.source


def test_an_input_used_twice_has_two_edges():
    x = chainrule.tensor(3.0, requires_grad=True)
    y = x * x
    g = draw_graph(y, {"x": x})
    edges = re.findall(r"(\w+) -> (\w+)", g.source)
    x_node = re.search(r"(\w+) \[label=<<b>x</b>", g.source)[1]
    assert sum(1 for a, _ in edges if a == x_node) == 2


def test_a_leaf_alone_and_a_deep_chain():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    assert "<b>x</b><br/>shape (2,)" in draw_graph(x, {"x": x}).source
    y = x
    for _ in range(5000):
        y = y * 1.0
    g = draw_graph(y.sum())
    assert g.source.count("MulBackward") == 5000


def test_bad_arguments():
    with pytest.raises(TypeError, match="draw_graph"):
        draw_graph(np.ones(3))
    with pytest.raises(TypeError, match="params\\['w'\\]"):
        draw_graph(chainrule.ones(1, requires_grad=True) * 2, {"w": np.ones(1)})


@needs_dot
def test_lecture_graph_renders_to_png(tmp_path, lecture_graph):
    t = lecture_graph
    path = draw_graph(t["f"], params=t).save_png(tmp_path / "graph" / "lecture.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 400 and height > 100  # left to right, wider than tall
    assert width > height


@needs_dot
def test_render_and_pipe_work_with_dot(tmp_path, lecture_graph):
    g = draw_graph(lecture_graph["f"])
    assert g.pipe(format="svg").startswith(b"<?xml") or b"<svg" in g.pipe(format="svg")
    out = g.render(tmp_path / "lecture", format="svg")
    assert out.endswith(".svg")


def test_missing_dot_gives_a_clear_message(tmp_path, monkeypatch, lecture_graph):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    g = draw_graph(lecture_graph["f"])
    assert isinstance(g, ComputationGraph)
    for call in (lambda: g.save_png(tmp_path / "x.png"), lambda: g.render(tmp_path / "x", format="png"),
                 lambda: g.pipe(format="png")):
        with pytest.raises(GraphvizMissingError, match="install Graphviz"):
            call()
    assert isinstance(GraphvizMissingError("x"), RuntimeError)
