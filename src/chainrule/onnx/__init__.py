"""chainrule.onnx: hand a trained model to any ONNX runtime (``torch.onnx.export``'s shape).

``chainrule.onnx.export(model, example_input, "model.onnx")`` runs one forward pass of ``model``
in evaluation mode, reads what it recorded, and writes the same computation as an ONNX graph
built with the ``onnx`` package's helpers (the ``onnx`` extra). Needs ``onnx`` installed; importing
this module does not import it.
"""

from ._export import OPSET, UnsupportedOperatorError, export

__all__ = ["OPSET", "UnsupportedOperatorError", "export"]
