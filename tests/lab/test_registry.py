"""The lab's registry, Result, determinism and the JSON it writes."""

from __future__ import annotations

import json

import pytest

from chainrule import lab
from chainrule.lab.result import jsonable

LECTURE_ORDER = [
    "lr-vs-fc", "activations", "fc-matrix-form", "universal-approximation", "chain-rule",
    "matrix-backprop", "initialization", "feature-scaling", "gd-sgd-minibatch", "momentum",
    "optimizers", "vanishing-gradients-through-time", "conv-vs-fc",
]


def test_names_in_lecture_order():
    assert lab.names() == LECTURE_ORDER


def test_every_experiment_is_described():
    for name in lab.names():
        exp = lab.get(name)
        assert exp.name == name
        assert exp.claim and exp.slide and exp.method and exp.formulas


def test_unknown_name_lists_the_experiments():
    with pytest.raises(KeyError, match="chain-rule"):
        lab.run("no-such-slide")


def test_verdict_needs_every_check():
    res = lab.Result("x", "t", "s", "c", [], "m", fast=True, seed=0)
    assert not res.verdict  # no measurement, no support
    res.check("holds", True)
    assert res.verdict
    res.check("fails", False)
    assert not res.verdict


def test_same_seed_same_numbers(results):
    again = lab.run("matrix-backprop", fast=True)
    assert again.to_dict()["numbers"] == results("matrix-backprop").to_dict()["numbers"]
    other = lab.run("matrix-backprop", fast=True, seed=1)
    assert other.numbers["loss"] != again.numbers["loss"]


def test_jsonable_handles_numpy_and_non_finite():
    import numpy as np

    out = jsonable({"a": np.float32(1.5), "b": np.arange(3), "c": float("inf"), 1: np.bool_(True)})
    assert out == {"a": 1.5, "b": [0, 1, 2], "c": "inf", "1": True}
    json.dumps(out, allow_nan=False)
