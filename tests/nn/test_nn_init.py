"""Initialisers checked statistically against their formulas; calculate_gain against PyTorch."""

import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.nn import init

SHAPE = (400, 500)  # 200k draws: sample mean and std are within ~1% of the formula's
FAN_IN, FAN_OUT = SHAPE[1], SHAPE[0]


@pytest.fixture(autouse=True)
def _seed():
    cr.manual_seed(1234)


def _std_ok(arr, std, mean=0.0):
    """Sample mean and std within 5 standard errors of the formula's (seeded, so no flakes)."""
    n = arr.size
    assert abs(arr.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(arr.std() - std) < 5 * std / math.sqrt(2 * n) * 1.5  # 1.5: uniform's heavier kurtosis margin


NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_equals_torch(nonlinearity):
    assert init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("slope", [0, 0.01, 0.2, 1, math.sqrt(5)])
def test_calculate_gain_leaky_slope_equals_torch(slope):
    assert init.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain("leaky_relu", slope)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.1")


def test_uniform_and_normal():
    t = cr.empty(*SHAPE)
    assert init.uniform_(t, -2.0, 3.0) is t
    assert t._data.min() >= -2 and t._data.max() <= 3
    _std_ok(t._data, 5 / math.sqrt(12), mean=0.5)
    init.normal_(t, 1.5, 0.2)
    _std_ok(t._data, 0.2, mean=1.5)
    assert t.dtype == np.float32


def test_constants_and_eye():
    t = cr.empty(3, 4)
    np.testing.assert_array_equal(init.constant_(t, 0.3)._data, np.float32(0.3))
    np.testing.assert_array_equal(init.ones_(t)._data, 1)
    np.testing.assert_array_equal(init.zeros_(t)._data, 0)
    np.testing.assert_array_equal(init.eye_(t)._data, np.eye(3, 4))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(cr.empty(2, 2, 2))


@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier(gain):
    t = cr.empty(*SHAPE)
    std = gain * math.sqrt(2 / (FAN_IN + FAN_OUT))
    init.xavier_uniform_(t, gain)
    assert np.abs(t._data).max() <= math.sqrt(3) * std * (1 + 1e-6)
    _std_ok(t._data, std)
    init.xavier_normal_(t, gain)
    _std_ok(t._data, std)


@pytest.mark.parametrize(("a", "mode", "nonlinearity"),
                         [(0, "fan_in", "relu"), (0, "fan_out", "relu"), (0.1, "fan_in", "leaky_relu"),
                          (math.sqrt(5), "fan_in", "leaky_relu"), (0, "fan_in", "tanh")])
def test_kaiming(a, mode, nonlinearity):
    t = cr.empty(*SHAPE)
    fan = FAN_IN if mode == "fan_in" else FAN_OUT
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    assert np.abs(t._data).max() <= math.sqrt(3) * std * (1 + 1e-6)
    _std_ok(t._data, std)
    init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    _std_ok(t._data, std)
    with pytest.raises(ValueError, match="mode 'fan' not supported"):
        init.kaiming_normal_(t, mode="fan")


def test_fans_of_conv_shaped_weights_and_1d_error():
    t = cr.empty(64, 32, 3, 3)  # fan_in = 32 * 9
    init.kaiming_normal_(t, nonlinearity="relu")
    _std_ok(t._data, math.sqrt(2 / (32 * 9)))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(cr.empty(5))


def test_trunc_normal_against_truncated_normal_moments():
    t = cr.empty(*SHAPE, dtype=cr.float64)
    mean, std, a, b = 0.5, 2.0, -1.0, 3.0
    init.trunc_normal_(t, mean, std, a, b)
    assert t._data.min() >= a and t._data.max() <= b
    # moments of N(mean, std^2) truncated to [a, b]
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    _std_ok(t._data, math.sqrt(var), mean=m)
    init.trunc_normal_(t, std=0.02)  # the transformer default: bounds far out, plain N(0, 0.02^2)
    _std_ok(t._data, 0.02)


@pytest.mark.parametrize("shape", [(6, 6), (4, 10), (10, 4), (3, 2, 2)])
def test_orthogonal(shape):
    t = cr.empty(*shape, dtype=cr.float64)
    init.orthogonal_(t, gain=2.0)
    flat = t._data.reshape(shape[0], -1) / 2.0
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(cr.empty(3))


def test_in_place_on_parameters_without_graph_and_seeded():
    layer = nn.Linear(3, 3)
    w = layer.weight
    init.normal_(w)
    assert layer.weight is w and w.requires_grad and w.grad_fn is None
    cr.manual_seed(5)
    a = init.normal_(cr.empty(4))._data.copy()
    cr.manual_seed(5)
    np.testing.assert_array_equal(a, init.normal_(cr.empty(4))._data)
    g = cr.Generator(9)
    b = init.uniform_(cr.empty(4), generator=g)._data.copy()
    np.testing.assert_array_equal(b, init.uniform_(cr.empty(4), generator=cr.Generator(9))._data)
