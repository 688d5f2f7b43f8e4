"""chainrule.viz: pictures of what the library computes (the computation graph)."""

from .graph import ComputationGraph, GraphvizMissingError, draw_graph

__all__ = ["ComputationGraph", "GraphvizMissingError", "draw_graph"]
