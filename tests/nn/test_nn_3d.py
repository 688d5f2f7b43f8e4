"""The 3-d layers (Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, the adaptive pools,
BatchNorm3d, InstanceNorm3d) and channel dropout in 1-d and 3-d, against PyTorch: the N-d
convolution and pooling of the 1-d and 2-d layers, with a third spatial side."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from chainrule.errors import ShapeError
from torch_oracle import assert_close, randn

LAYERS = {
    "conv3d": (lambda nn: nn.Conv3d(2, 3, (2, 3, 2), stride=(1, 2, 1), padding=1, dilation=(1, 1, 2)), (2, 2, 5, 6, 7)),
    "conv3d groups same": (lambda nn: nn.Conv3d(4, 4, 3, padding="same", groups=2, bias=False), (1, 4, 4, 4, 3)),
    "conv3d unbatched": (lambda nn: nn.Conv3d(2, 2, 2), (2, 3, 3, 3)),
    "conv_transpose3d": (lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2, output_padding=1), (1, 2, 3, 3, 2)),
    "max_pool3d": (lambda nn: nn.MaxPool3d(2, stride=1, padding=1, ceil_mode=True), (2, 2, 4, 5, 3)),
    "avg_pool3d": (lambda nn: nn.AvgPool3d((2, 2, 1), padding=(1, 0, 0), count_include_pad=False), (2, 2, 4, 5, 3)),
    "adaptive_avg_pool3d": (lambda nn: nn.AdaptiveAvgPool3d((2, 3, None)), (2, 2, 5, 7, 3)),
    "adaptive_max_pool3d": (lambda nn: nn.AdaptiveMaxPool3d(2), (2, 2, 5, 7, 3)),
    "batch_norm3d": (lambda nn: nn.BatchNorm3d(2), (3, 2, 2, 3, 2)),
    "instance_norm3d": (lambda nn: nn.InstanceNorm3d(2, affine=True, track_running_stats=True), (3, 2, 2, 3, 2)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_3d_layer_equals_torch(name, dtype):
    build, shape = LAYERS[name]
    t_layer, c_layer = build(torch.nn), build(chainrule.nn)
    c_layer.load_state_dict({k: v.detach().numpy().copy() for k, v in t_layer.state_dict().items()})
    if dtype == np.float64:
        t_layer.double()
        c_layer.double()
    assert repr(c_layer) == repr(t_layer)
    x = randn(shape, dtype, 1)
    tx, cx = torch.tensor(x.copy(), requires_grad=True), chainrule.tensor(x.copy(), requires_grad=True)
    ty, cy = t_layer(tx), c_layer(cx)
    assert_close(cy, ty, dtype, what="output")
    g = randn(tuple(ty.shape), dtype, 2)
    ty.backward(torch.tensor(g))
    cy.backward(chainrule.tensor(g))
    assert_close(cx.grad, tx.grad, dtype, what="input gradient")
    for (n, cp), (_, tp) in zip(c_layer.named_parameters(), t_layer.named_parameters()):
        assert_close(cp.grad, tp.grad, dtype, what=f"gradient of {n}")
    for (n, cb), (_, tb) in zip(c_layer.named_buffers(), t_layer.named_buffers()):
        assert_close(cb, tb, dtype, what=f"buffer {n}")


def test_max_pool3d_indices_equal_torch():
    x = randn((2, 2, 4, 5, 6), np.float64, 3)
    _, c_idx = chainrule.nn.functional.max_pool3d(chainrule.tensor(x), (2, 3, 2), return_indices=True)
    _, t_idx = torch.nn.functional.max_pool3d(torch.tensor(x), (2, 3, 2), return_indices=True)
    assert c_idx.tolist() == t_idx.tolist()


def test_3d_shape_errors_name_the_layout():
    with pytest.raises(ShapeError, match=r"D, H, W"):
        chainrule.nn.Conv3d(2, 3, 2)(chainrule.randn(2, 4, 4))
    with pytest.raises(ShapeError, match=r"\[N, C, D, H, W\]"):
        chainrule.nn.BatchNorm3d(2)(chainrule.randn(2, 2, 4, 4))


@pytest.mark.parametrize("name,shape", [("dropout1d", (8, 6, 50)), ("dropout1d", (6, 50)),
                                        ("dropout3d", (4, 6, 3, 4, 5)), ("dropout3d", (6, 3, 4, 5))])
def test_channel_dropout_zeroes_whole_channels(name, shape):
    chainrule.manual_seed(0)
    fn = getattr(chainrule.nn.functional, name)
    x = chainrule.ones(*shape)
    y = fn(x, 0.5).numpy()
    channels = y.reshape(shape[:len(shape) - int(name[7])] + (-1,))
    per_channel = np.unique(channels, axis=-1)  # each channel all zeros or all 2 (= 1 / (1 - p))
    assert per_channel.shape[-1] == 1 and set(np.unique(per_channel)) <= {0.0, 2.0}
    assert 0 < (per_channel == 0).mean() < 1
    assert fn(x, 0.5, training=False) is x
    layer = getattr(chainrule.nn, name.replace("dropout", "Dropout"))(0.3)
    assert repr(layer) == repr(getattr(torch.nn, name.replace("dropout", "Dropout"))(0.3))
    layer.eval()
    assert layer(x) is x


def test_channel_dropout_refuses_other_ranks_as_torch():
    with pytest.raises(ShapeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        chainrule.nn.functional.dropout1d(chainrule.ones(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        torch.nn.functional.dropout1d(torch.ones(2, 3, 4, 5))
