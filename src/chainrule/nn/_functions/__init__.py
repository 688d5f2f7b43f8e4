"""The nn-specific differentiable operations: one Function (graph node) each, forward beside
backward. The public entry points are :mod:`chainrule.nn.functional` and the layers."""
