"""The lab's helpers: surfaces differentiated by the engine, optimiser state read-outs, statistics."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.lab.optimizers import effective_lr
from chainrule.lab.surfaces import BEALE, ROSENBROCK, optimize
from chainrule.lab.universal_approximation import spearman


def test_rosenbrock_gradient_from_the_engine():
    x, y = (cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in (-1.2, 1.0))
    ROSENBROCK.f(x, y).backward()
    # d/dx = -2(1 - x) - 400 x (y - x^2),  d/dy = 200 (y - x^2)
    assert x.grad.item() == pytest.approx(-2 * 2.2 - 400 * -1.2 * (1.0 - 1.44), rel=1e-12)
    assert y.grad.item() == pytest.approx(200 * (1.0 - 1.44), rel=1e-12)


def test_optimize_follows_sgd_by_hand():
    run = optimize(BEALE, lambda p: optim.SGD(p, lr=1e-3), 3)
    point = np.array(BEALE.start)
    for _ in range(3):
        x, y = (cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in point)
        BEALE.f(x, y).backward()
        point = point - 1e-3 * np.array([x.grad.item(), y.grad.item()])
    assert np.allclose(run["path"][-1], point, rtol=0, atol=1e-14)
    assert len(run["path"]) == len(run["f"]) == 4


def test_effective_lr_of_adagrad_is_lr_over_root_sum():
    p = cr.tensor([1.0, 1.0], dtype=cr.float64, requires_grad=True)
    opt = optim.Adagrad([p], lr=0.1)
    (p * cr.tensor([3.0, 0.5], dtype=cr.float64)).sum().backward()
    opt.step()
    assert effective_lr("AdaGrad", opt, p) == pytest.approx([0.1 / 3.0, 0.1 / 0.5], rel=1e-8)


def test_spearman():
    assert spearman([1, 2, 3, 4], [9, 5, 4, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
