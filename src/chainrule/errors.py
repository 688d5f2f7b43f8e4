"""Exceptions that chainrule raises for a user's mistakes, named so they can be caught precisely.

Each subclasses the builtin that PyTorch raises in the same situation, so ``except RuntimeError``
written for PyTorch keeps working.
"""


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit an operation (matmul, broadcasting, reshape, a layer's input)."""


class BackwardError(RuntimeError):
    """backward() asked for something the graph cannot give."""
