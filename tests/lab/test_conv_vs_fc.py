"""conv-vs-fc: a fixed permutation of the samples costs the CNN, not the MLP; the CLI's CNN."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.cli import build_model
from chainrule.lab import conv_vs_fc

NAME = "conv-vs-fc"


@pytest.mark.slow
def test_measurements_support_the_verdict(results):
    res = results(NAME)
    acc = res.numbers["test_accuracy"]
    assert acc["CNN, original"] > 0.85  # 1,500 steps in fast mode
    assert acc["CNN, original"] - acc["CNN, permuted"] >= 0.2
    assert abs(acc["MLP, permuted"] - acc["MLP, original"]) <= 0.05
    perm = np.asarray(res.numbers["permutation"])
    assert sorted(perm.tolist()) == list(range(40)) and (perm != np.arange(40)).any()
    assert res.verdict


def test_an_mlp_absorbs_a_permutation_of_its_inputs():
    """(x P) W1 = x (P W1): the MLP with its first weights' columns permuted computes the same."""
    cr.manual_seed(0)
    model = conv_vs_fc.mlp([40, 100, 100, 10])
    x = cr.randn(5, 40)
    perm = np.random.default_rng(0).permutation(40)
    y = model(x)
    first = model[0]
    first.weight._data[...] = first.weight._data[:, perm]  # input j is old input perm[j]
    np.testing.assert_allclose(model(x[:, perm])._data, y._data, rtol=1e-5, atol=1e-6)


def test_train_model_cnn_builds_the_paper_network():
    model = build_model(40, 10, "cnn", (), "relu", "default", "mnist1d")
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding) for c in convs] == [
        (1, 25, (5,), (2,), (1,)), (25, 25, (3,), (2,), (1,)), (25, 25, (3,), (2,), (1,))]
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [tuple(m.weight.shape) for m in linear] == [(10, 125)]
    assert tuple(model(cr.randn(7, 40)).shape) == (7, 10)
    digits = build_model(64, 10, "cnn", (), "relu", "default", "digits")
    assert any(isinstance(m, nn.Conv2d) for m in digits.modules())
    assert tuple(digits(cr.randn(3, 64)).shape) == (3, 10)
