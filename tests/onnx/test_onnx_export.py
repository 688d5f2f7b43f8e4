"""chainrule.onnx.export: the exported graph passes onnx.checker (full_check) and onnxruntime
computes what chainrule computes, at two batch sizes, for a dozen architectures."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import chainrule  # noqa: E402
from chainrule import nn  # noqa: E402
from chainrule.nn import functional as F  # noqa: E402
from chainrule.onnx import UnsupportedOperatorError, export  # noqa: E402

BATCHES = (3, 17)


class Residual(nn.Module):
    """``x + f(x)``: the glue addition is read from the recorded graph."""

    def __init__(self, width):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width))

    def forward(self, x):
        return x + self.f(x)


class Functional(nn.Module):
    """A forward written with functional calls and arithmetic on parameters."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(chainrule.randn(5, 4) * 0.5)
        self.b = nn.Parameter(chainrule.randn(5) * 0.1)
        self.scale = nn.Parameter(chainrule.rand(5) + 0.5)

    def forward(self, x):
        h = F.relu(F.linear(x, self.w, self.b))
        g = chainrule.sigmoid(x @ self.w.T) - chainrule.tanh(h)
        return F.softmax(g * self.scale + h / self.scale, dim=-1) - (-h)


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 6), nn.Linear(2, 6)

    def forward(self, x, y):
        return F.leaky_relu(self.a(x), 0.3) * self.b(y)


class Recurrent(nn.Module):
    """A recurrent layer read three ways: the last step, the final hidden (and cell) state, and
    the flattened sequence (the MNIST-1D GRU recipe's head)."""

    def __init__(self, kind, **kwargs):
        super().__init__()
        self.rnn = getattr(nn, kind)(3, 4, batch_first=True, **kwargs)
        width = 4 * (2 if kwargs.get("bidirectional") else 1)
        self.last, self.seq = nn.Linear(width, 2), nn.Sequential(nn.Flatten(), nn.Linear(6 * width, 2))
        self.state = nn.Linear(4, 2)

    def forward(self, x):
        out, state = self.rnn(x)
        states = state if isinstance(state, tuple) else (state,)
        y = self.last(out[:, -1]) + self.seq(out) + self.state(states[0][-1])
        return y - self.state(states[-1][0]) if len(states) > 1 else y


class ReshapeGlue(nn.Module):
    """Tensor reshapes in forward, as the MNIST-1D GRU recipe writes them: one that keeps the
    batch (``x.reshape(N, 6, 3)``), one that folds it into rows (``view(-1, 4)``) and back."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, batch_first=True, bidirectional=True)
        self.pair, self.head = nn.Linear(4, 4), nn.Linear(48, 2)

    def forward(self, x):
        out, _ = self.gru(x.reshape(x.shape[0], 6, 3))  # [N, 18] -> [N, 6, 3] -> [N, 6, 8]
        rows = self.pair(out.reshape(x.shape[0], -1).view(-1, 4))  # [12 N, 4]
        return self.head(rows.reshape(x.shape[0], -1))  # [N, 48] -> [N, 2]


def _image_flatten():
    return nn.Sequential(nn.Flatten(), nn.Linear(24, 7), nn.ReLU(), nn.Linear(7, 2))


def _partial_flatten():  # [B, 2, 3, 4] -> [B, 6, 4]: a Reshape, then Linear on a 3-D input
    return nn.Sequential(nn.Flatten(1, 2), nn.Linear(4, 5), nn.LayerNorm(5), nn.Tanh())


ARCHITECTURES = {
    "mlp_relu": (lambda: nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)), [(4,)]),
    "sigmoid_tanh": (lambda: nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.Tanh(),
                                           nn.Linear(8, 2)), [(4,)]),
    "leaky_elu_softmax": (lambda: nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.1), nn.Linear(8, 8),
                                                nn.ELU(0.7), nn.Linear(8, 5), nn.Softmax(dim=1)), [(4,)]),
    "gelu_layernorm": (lambda: nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 8),
                                             nn.GELU(approximate="tanh"), nn.Linear(8, 3)), [(4,)]),
    "batchnorm_dropout": (lambda: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(),
                                                nn.Dropout(0.5), nn.Linear(8, 3), nn.LogSoftmax(dim=1)),
                          [(4,)]),
    "image_flatten": (_image_flatten, [(2, 3, 4)]),
    "partial_flatten_3d_linear": (_partial_flatten, [(2, 3, 4)]),
    "residual": (lambda: nn.Sequential(nn.Linear(4, 8), Residual(8), nn.ReLU(), Residual(8),
                                       nn.Linear(8, 2)), [(4,)]),
    "silu_softplus": (lambda: nn.Sequential(nn.Linear(4, 8), nn.SiLU(), nn.Linear(8, 8),
                                            nn.Softplus(beta=2.0, threshold=3.0), nn.Linear(8, 2)), [(4,)]),
    "functional_glue": (Functional, [(4,)]),
    "no_affine_no_bias": (lambda: nn.Sequential(nn.Linear(4, 8, bias=False), nn.BatchNorm1d(8, affine=False),
                                                nn.Identity(), nn.LayerNorm(8, elementwise_affine=False),
                                                nn.Linear(8, 2)), [(4,)]),
    "two_inputs": (TwoInputs, [(3,), (2,)]),
    "reshape_glue": (ReshapeGlue, [(18,)]),
    "cnn_1d": (lambda: nn.Sequential(nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 6, 5, stride=2, padding=1),
                                     nn.ReLU(), nn.Conv1d(6, 6, 3, stride=2, padding=1, bias=False),
                                     nn.MaxPool1d(2), nn.ReLU(), nn.AvgPool1d(2, ceil_mode=True),
                                     nn.Flatten(), nn.Linear(18, 3)), [(40,)]),
    "cnn_2d": (lambda: nn.Sequential(nn.Conv2d(2, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                     nn.MaxPool2d(2), nn.Conv2d(8, 4, 3, padding="same", dilation=2, groups=2),
                                     nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False),
                                     nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)), [(2, 8, 8)]),
    "cnn_adaptive_max": (lambda: nn.Sequential(nn.Conv2d(1, 3, 3, stride=(1, 2), padding=(1, 0)), nn.Tanh(),
                                               nn.AdaptiveMaxPool2d((4, 2)), nn.Flatten(), nn.Linear(24, 2)),
                         [(1, 8, 9)]),
    "gru_bidirectional_2_layers": (lambda: Recurrent("GRU", num_layers=2, bidirectional=True), [(6, 3)]),
    "lstm": (lambda: Recurrent("LSTM"), [(6, 3)]),
    "lstm_bidirectional_no_bias": (lambda: Recurrent("LSTM", bidirectional=True, bias=False), [(6, 3)]),
    "rnn_relu_2_layers": (lambda: Recurrent("RNN", num_layers=2, nonlinearity="relu"), [(6, 3)]),
    "batchnorm2d": (lambda: nn.Sequential(nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(24, 3)), [(2, 3, 4)]),
}


def _warm_batchnorm(model, shapes, rng):
    """Training-mode passes so the running statistics differ from their initial values."""
    model.train()
    for _ in range(3):
        model(*[chainrule.tensor(rng.standard_normal((8, *s)).astype(np.float32) * 2 + 1)
                for s in shapes])
    model.eval()


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_onnxruntime_equals_chainrule(tmp_path, arch):
    build, shapes = ARCHITECTURES[arch]
    chainrule.manual_seed(0)
    model = build()
    rng = np.random.default_rng(1)
    _warm_batchnorm(model, shapes, rng)
    example = tuple(chainrule.tensor(rng.standard_normal((5, *s)).astype(np.float32)) for s in shapes)
    path = tmp_path / f"{arch}.onnx"
    export(model, example if len(example) > 1 else example[0], path)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    for batch in BATCHES:
        xs = [rng.standard_normal((batch, *s)).astype(np.float32) for s in shapes]
        (got,) = session.run(None, dict(zip(names, xs)))
        with chainrule.no_grad():
            expected = model(*[chainrule.tensor(x) for x in xs])._data
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_float64_model_exports_in_float64(tmp_path):
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).to("float64")
    x = np.random.default_rng(0).standard_normal((4, 3))
    export(model, chainrule.tensor(x), tmp_path / "m.onnx")
    (got,) = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x})
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, model(chainrule.tensor(x))._data, rtol=1e-12, atol=1e-12)


def test_names_dynamic_axes_and_mode_restored(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.5))
    model.w_frozen = nn.Linear(2, 2)
    model.w_frozen.requires_grad_(False)
    model.train()
    proto = export(nn.Sequential(model[0], model.w_frozen), chainrule.randn(2, 3), tmp_path / "m.onnx",
                   input_names=["features"], output_names=["logits"], dynamic_axes={"features": {0: "n"},
                                                                                  "logits": [0]})
    assert model.training and not model.w_frozen.weight.requires_grad
    assert [i.name for i in proto.graph.input] == ["features"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "n"
    assert {t.name for t in proto.graph.initializer} >= {"0.weight", "0.bias", "1.weight", "1.bias"}


def test_unsupported_operation_is_named(tmp_path):
    class Exp(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            return self.lin(x).exp()

    with pytest.raises(UnsupportedOperatorError, match="Exp"):
        export(Exp(), chainrule.randn(2, 3), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_constant_operand_is_explained(tmp_path):
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            return self.lin(x) * 2.0

    with pytest.raises(UnsupportedOperatorError, match="Mul.*Python number"):
        export(Scale(), chainrule.randn(2, 3), tmp_path / "m.onnx")


def test_batchnorm_without_running_stats_refused(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False))
    with pytest.raises(UnsupportedOperatorError, match="BatchNorm1d.*running statistics"):
        export(model, chainrule.randn(5, 3), tmp_path / "m.onnx")


def test_bad_dynamic_axes_named(tmp_path):
    with pytest.raises(ValueError, match="'x'.*not an input or output"):
        export(nn.Linear(3, 2), chainrule.randn(2, 3), tmp_path / "m.onnx", dynamic_axes={"x": [0]})


def test_time_major_recurrent_layer_with_its_batch_axis_named(tmp_path):
    class TimeMajor(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru, self.fc = nn.GRU(3, 4, num_layers=2), nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(self.gru(x)[0][-1])

    chainrule.manual_seed(0)
    model = TimeMajor()
    export(model, chainrule.randn(5, 2, 3), tmp_path / "m.onnx",
           dynamic_axes={"input": {1: "batch"}, "output": {0: "batch"}})
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    for batch in BATCHES:
        x = np.random.default_rng(batch).standard_normal((5, batch, 3)).astype(np.float32)
        np.testing.assert_allclose(session.run(None, {"input": x})[0], model(chainrule.tensor(x))._data,
                                   rtol=1e-5, atol=1e-5)


def test_recurrent_initial_state_refused(tmp_path):
    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(3, 4, batch_first=True)
            self.h0 = nn.Parameter(chainrule.zeros(1, 1, 4))

        def forward(self, x):
            return self.gru(x, self.h0.expand(1, x.shape[0], 4))[0]

    with pytest.raises(UnsupportedOperatorError, match="GRU.*initial state"):
        export(WithState(), chainrule.randn(2, 5, 3), tmp_path / "m.onnx")
