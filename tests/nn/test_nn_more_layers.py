"""More layers and functions against PyTorch: RReLU, alpha dropout, the in-place activations,
gumbel_softmax, pdist, LPPool, ChannelShuffle, Fold/Unfold, 3-d and circular padding layers, and
the multi-label and distance-function triplet losses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close, check, randn

MODULES = {
    "RReLU eval": (lambda nn: nn.RReLU(0.1, 0.3), (3, 5)),
    "LPPool1d": (lambda nn: nn.LPPool1d(2, 3, stride=2), (2, 3, 9)),
    "LPPool2d": (lambda nn: nn.LPPool2d(3, (2, 3), ceil_mode=True), (1, 2, 5, 7)),
    "LPPool3d": (lambda nn: nn.LPPool3d(1, 2), (1, 2, 4, 4, 4)),
    "ChannelShuffle": (lambda nn: nn.ChannelShuffle(3), (2, 6, 2, 2)),
    "Unfold": (lambda nn: nn.Unfold((2, 3), dilation=1, padding=1, stride=2), (2, 3, 5, 6)),
    "Fold": (lambda nn: nn.Fold((4, 5), 2), (1, 12, 12)),
    "ConstantPad3d": (lambda nn: nn.ConstantPad3d((1, 0, 2, 1, 0, 1), 2.5), (1, 2, 3, 3, 2)),
    "ZeroPad3d": (lambda nn: nn.ZeroPad3d(1), (2, 2, 2, 3)),
    "ReflectionPad3d": (lambda nn: nn.ReflectionPad3d(1), (1, 2, 3, 3, 3)),
    "ReplicationPad3d": (lambda nn: nn.ReplicationPad3d((1, 2, 0, 1, 2, 0)), (1, 2, 3, 3, 3)),
    "CircularPad1d": (lambda nn: nn.CircularPad1d(2), (2, 3, 5)),
    "CircularPad2d": (lambda nn: nn.CircularPad2d((1, 2, 2, 1)), (1, 2, 4, 4)),
    "CircularPad3d": (lambda nn: nn.CircularPad3d(1), (1, 1, 3, 3, 3)),
}


@pytest.mark.parametrize("name", list(MODULES))
def test_module_equals_torch(name, dtype):
    build, shape = MODULES[name]
    t_layer, c_layer = build(torch.nn), build(chainrule.nn)
    t_layer.eval()
    c_layer.eval()
    assert repr(c_layer) == repr(t_layer)
    x = randn(shape, dtype, 1)
    if name.startswith("LPPool"):
        x = np.abs(x) + 0.1  # x^p of a negative x is NaN for a fractional p, in both libraries
    check(lambda lib, t: (c_layer if lib is chainrule else t_layer)(t), x)


def test_rrelu_training_draws_slopes_in_range_and_the_gradient_is_the_slope():
    chainrule.manual_seed(0)
    x = chainrule.tensor(-np.ones(10000), requires_grad=True)
    y = chainrule.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_keeps_mean_and_variance_and_is_identity_in_eval(feature):
    chainrule.manual_seed(1)
    fn = chainrule.nn.functional.feature_alpha_dropout if feature else chainrule.nn.functional.alpha_dropout
    x = chainrule.randn(400, 50, 20) if feature else chainrule.randn(200000)
    y = fn(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert fn(x, 0.2, training=False) is x
    if feature:  # one draw a channel: a dropped channel is constant
        dropped = np.isclose(y, y[..., :1]).all(axis=-1)
        assert 0.1 < dropped.mean() < 0.3


@pytest.mark.parametrize("name,args", [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.2,)),
                                       ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, -2.0)),
                                       ("celu_", (1.5,)), ("selu_", ()), ("rrelu_", (0.1, 0.3, False))])
def test_in_place_activations_write_into_their_input_as_torch(name, args):
    x = randn((3, 4), np.float64, 2)
    results = []
    for lib in (chainrule, torch):
        t = lib.tensor(x.copy())
        out = getattr(lib.nn.functional, name)(t, *args)
        assert out is t
        results.append(t)
    assert_close(results[0], results[1], np.float64)


def test_gumbel_softmax_samples_and_straight_through_gradient():
    chainrule.manual_seed(2)
    logits = np.log(np.array([0.1, 0.6, 0.3]))
    draws = np.stack([chainrule.nn.functional.gumbel_softmax(chainrule.tensor(logits), hard=True).numpy()
                      for _ in range(4000)])
    assert set(np.unique(draws)) == {0.0, 1.0} and (draws.sum(1) == 1).all()
    np.testing.assert_allclose(draws.mean(0), [0.1, 0.6, 0.3], atol=0.03)  # samples of softmax(logits)
    x = chainrule.tensor(logits, requires_grad=True)
    y = chainrule.nn.functional.gumbel_softmax(x, tau=0.5, hard=True)
    (y * chainrule.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and abs(x.grad.numpy().sum()) < 1e-12  # softmax's gradient


@pytest.mark.parametrize("p", [1, 2, 3.5, float("inf")])
def test_pdist_equals_torch(p, dtype):
    check(lambda lib, x: lib.nn.functional.pdist(x, p), randn((5, 3), dtype, 3))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_losses_equal_torch(reduction, dtype):
    x = randn((4, 5), dtype, 4)
    y01 = (randn((4, 5), np.float64, 5) > 0).astype(dtype)
    check(lambda lib, t, y: lib.nn.functional.multilabel_soft_margin_loss(t, y, reduction=reduction), x, y01,
          grad=[True, False])
    w = np.abs(randn((5,), dtype, 6))
    check(lambda lib, t, y, w: lib.nn.MultiLabelSoftMarginLoss(weight=w, reduction=reduction)(t, y), x, y01, w,
          grad=[True, False, False])
    labels = np.array([[3, 0, -1, 1, 2], [1, -1, 2, 2, 2], [0, 1, 2, 3, 4], [-1, 0, 0, 0, 0]])
    check(lambda lib, t, y: lib.nn.MultiLabelMarginLoss(reduction=reduction)(t, y), x, labels)
    check(lambda lib, t, y: lib.nn.functional.multilabel_margin_loss(t, y, reduction=reduction), x[0], labels[0])


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss_equals_torch(swap, dtype):
    a, p, n = (randn((4, 6), dtype, s) for s in (7, 8, 9))
    check(lambda lib, a, p, n: lib.nn.TripletMarginWithDistanceLoss(swap=swap, margin=0.5)(a, p, n), a, p, n)

    def cosine(lib):
        return lambda u, v: 1 - lib.nn.functional.cosine_similarity(u, v)

    check(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(
        a, p, n, distance_function=cosine(lib), swap=swap), a, p, n)
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="margin to be greater than 0"):
            lib.nn.TripletMarginWithDistanceLoss(margin=0)
