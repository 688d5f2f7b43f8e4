"""Every lab experiment in fast mode: its verdict, and the measurements behind it."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import lab

# experiments whose fast run takes more than 5 s of CPU time: their tests are marked slow
SLOW = {"initialization", "lr-vs-fc", "optimizers"}


def test_slow_experiments_exist():
    assert SLOW <= set(lab.names()), SLOW - set(lab.names())


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in lab.names()])
def test_verdict_supported(results, name):
    res = results(name)
    failed = [f"{c.what}: {c.detail}" for c in res.checks if not c.passed]
    assert res.verdict, f"{name}: failed checks: {failed}"
    assert res.figures, f"{name} draws no figure"
    assert res.tables, f"{name} has no results table"


def test_activations(results):
    n = results("activations").numbers
    assert n["max_abs_error"] <= 1e-12
    assert n["sigmoid_max_derivative"] == pytest.approx(0.25, abs=1e-12)
    assert n["chain_gradients"]["10"] <= 0.25**10
    assert n["units_never_active"] == n["units_without_gradient"] > 0


def test_fc_matrix_form(results):
    n = results("fc-matrix-form").numbers
    # the slide's example: y_1j = sum_i x_1i w_ij + b_j
    assert n["example_Y"] == [[1 * 1 + 2 * 0.5 + 3 * -2 + 0.5, 1 * -1 + 2 * 2 + 3 * 1 - 1]]
    assert "matmul" in n["mismatch_message"]
    assert n["linear_weight_shape"] == [2, 3]


def test_chain_rule(results):
    n = results("chain-rule").numbers
    assert n["circuit"] == {"q": 3.0, "f": -12.0, "df/dx": -4.0, "df/dy": -4.0, "df/dz": 3.0,
                            "df/dq": -4.0}
    assert n["network_path_error"] <= 1e-12
    t = 0.7
    assert n["dL_dt"]["engine"] == pytest.approx(np.sin(t) + t * np.cos(t) + 4 * t**3, rel=1e-12)


def test_matrix_backprop(results):
    n = results("matrix-backprop").numbers
    assert max(n["hand_vs_engine"].values()) <= 1e-12
    assert max(n["engine_vs_finite_differences"].values()) <= 1e-6


def test_feature_scaling(results):
    n = results("feature-scaling").numbers
    u, s = n["unscaled"], n["standardised"]
    assert u["condition_number"] > 100 > 2 > s["condition_number"]
    assert u["steps_to_converge"] >= 10 * s["steps_to_converge"] > 0


@pytest.mark.slow
def test_lr_vs_fc(results):
    n = results("lr-vs-fc").numbers
    assert max(n["a_max_error"].values()) <= 1e-3  # the least-squares solution
    sine = list(n["b_sine_test_mse"].values())
    assert sine[1] < 0.5 * sine[0]
    moons = list(n["b_moons_test_accuracy"].values())
    assert moons[1] > moons[0]
    c = n["c_mnist1d_test_accuracy"]
    assert c["MLP"] >= c["logistic regression"] + 0.2


def test_universal_approximation(results):
    n = results("universal-approximation").numbers
    errors = n["max_error"]
    assert errors[-1] <= 0.1 * errors[0]
    assert n["spearman"] <= -0.9


@pytest.mark.slow
def test_initialization(results):
    n = results("initialization").numbers
    assert n["symmetry_spread"]["zeros"] == 0.0
    assert n["symmetry_spread"]["constant 0.3"] <= 1e-6
    relu = n["depth_stats"]["ReLU"]
    small = relu["normal std 0.01 (too small)"]["activation_std"]
    large = relu["normal std 1 (too large)"]["activation_std"]
    he = relu["He (Kaiming, fan_in)"]["activation_std"]
    assert small[-1] < 1e-3 * small[0]
    assert large[-1] > 1e3 * large[0]
    assert 0.25 < he[-1] / he[0] < 4


def test_gd_sgd_minibatch(results):
    res = results("gd-sgd-minibatch")
    gd, sgd, mb = (res.numbers[k] for k in ("batch GD (all samples)", "SGD (batch 1)",
                                             "mini-batch GD (batch 16)"))
    assert gd["updates"] < mb["updates"] < sgd["updates"]
    assert gd["share_of_updates_raising_loss"] == 0
    assert set(res.timings) == {"batch GD (all samples)", "SGD (batch 1)", "mini-batch GD (batch 16)"}


def test_momentum(results):
    n = results("momentum").numbers
    assert 0 < n["momentum"]["steps"] < n["sgd"]["steps"]
    assert n["slide_vs_optim_max_difference"] <= 1e-12


@pytest.mark.slow
def test_optimizers(results):
    res = results("optimizers")
    n = res.numbers
    assert all(n["sparse_effective_lr_ratio"][k] > 2 for k in ("AdaGrad", "RMSprop", "Adam"))
    assert n["sparse_effective_lr_ratio"]["SGD"] == 1.0
    assert n["saddle_steps_to_escape"]["Adam"] < n["saddle_steps_to_escape"]["SGD"]
    assert len(n["mnist1d_test_accuracy"]) == 9
    assert [f.fmt for f in res.figures].count("gif") == 1
