"""Dropout: inverted scaling, train vs eval, the seeded mask, gradients, and p validation."""

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_train_drops_a_fraction_p_and_scales_the_rest(p):
    cr.manual_seed(0)
    drop = nn.Dropout(p)
    x = cr.ones(200, 500)
    y = drop(x)._data
    kept = y != 0
    assert abs(1 - kept.mean() - p) < 0.01  # binomial: std ~ 0.0035 at 100k draws
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1) < 0.03  # inverted dropout keeps the expectation


def test_eval_is_identity_and_train_is_not():
    drop = nn.Dropout(0.5)
    x = cr.randn(10, 10)
    drop.eval()
    assert drop(x) is x
    drop.train()
    assert not np.array_equal(drop(x)._data, x._data)
    assert F.dropout(x, 0.5, training=False) is x


def test_gradient_flows_through_the_same_mask():
    cr.manual_seed(1)
    x = cr.randn(50, 40, dtype=cr.float64, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    mask = y._data != 0
    np.testing.assert_allclose(x.grad._data, mask / 0.7, rtol=1e-12)
    assert y.dtype == np.float64


def test_seeded_masks_repeat():
    cr.manual_seed(7)
    a = F.dropout(cr.ones(100), 0.5)._data.copy()
    cr.manual_seed(7)
    b = F.dropout(cr.ones(100), 0.5)._data.copy()
    np.testing.assert_array_equal(a, b)


def test_extreme_p():
    x = cr.randn(5, 5, requires_grad=True)
    np.testing.assert_array_equal(F.dropout(x, 0.0)._data, x._data)
    y = F.dropout(x, 1.0)
    assert (y._data == 0).all()
    y.sum().backward()
    assert (x.grad._data == 0).all()


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", None])
def test_p_outside_unit_interval_raises_naming_p(p):
    with pytest.raises(ValueError, match=r"Dropout: dropout probability has to be between 0 and 1, but got p="):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=r"p="):
        F.dropout(cr.randn(3), p)


def test_repr_matches_torch():
    assert repr(nn.Dropout()) == repr(torch.nn.Dropout())
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))
