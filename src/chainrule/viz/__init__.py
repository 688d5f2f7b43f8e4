"""chainrule.viz: pictures of what the library computes: the computation graph (Graphviz) and the
plots that the command line and the lab draw (matplotlib).

Both come with the ``lab`` extra and are imported when first used: ``import chainrule.viz`` needs
neither, and the plots need no Graphviz.
"""

from __future__ import annotations

import importlib
from typing import Any

from .plots import decision_boundary, draw_network, figure, predict, regression_fit, save_png

_GRAPH = ("ComputationGraph", "GraphvizMissingError", "draw_graph")  # in .graph, which imports graphviz

__all__ = ["ComputationGraph", "GraphvizMissingError", "decision_boundary", "draw_graph", "draw_network",
           "figure", "predict", "regression_fit", "save_png"]


def __getattr__(name: str) -> Any:
    if name in _GRAPH:
        return getattr(importlib.import_module(".graph", __name__), name)
    raise AttributeError(f"module 'chainrule.viz' has no attribute {name!r}")
