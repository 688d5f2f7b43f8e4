"""Invalid hyperparameters and parameters raise errors that name them, as in PyTorch."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.optim import ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSprop, Rprop

ADAPTIVE = [Adagrad, Adadelta, RMSprop, Adamax, Adam, AdamW, NAdam, RAdam]
WITH_BETAS = [Adamax, Adam, AdamW, NAdam, RAdam]

INVALID = [
    (SGD, {"momentum": -0.5}, "momentum=-0.5"),
    (SGD, {"nesterov": True}, "momentum=0"),
    (SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening=0.1"),
    (Adagrad, {"lr_decay": -0.1}, "lr_decay=-0.1"),
    (Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value=-1.0"),
    (Adadelta, {"rho": 1.5}, "rho=1.5"),
    (Adadelta, {"rho": -0.1}, "rho=-0.1"),
    (RMSprop, {"alpha": -0.9}, "alpha=-0.9"),
    (RMSprop, {"momentum": -0.1}, "momentum=-0.1"),
    (NAdam, {"momentum_decay": -4e-3}, "momentum_decay=-0.004"),
    (Rprop, {"lr": -0.1}, "lr=-0.1"),
    (Rprop, {"etas": (1.5, 1.2)}, "etas=(1.5, 1.2)"),
    (Rprop, {"etas": (0.0, 1.2)}, "etas=(0.0, 1.2)"),
    (Rprop, {"etas": (0.5, 1.0)}, "etas=(0.5, 1.0)"),
    (Rprop, {"etas": (0.5,)}, "etas must be a pair"),
    (ASGD, {"lr": -0.1}, "lr=-0.1"),
    (ASGD, {"weight_decay": -1e-3}, "weight_decay=-0.001"),
]
# what torch itself refuses with a ValueError (chainrule also checks the shapes of the pairs)
TORCH_REFUSES = [case for case in INVALID if case[0] in (Rprop, ASGD) and "pair" not in case[2]]
for cls in [SGD, *ADAPTIVE]:
    INVALID += [
        (cls, {"lr": -0.1}, "lr=-0.1"),
        (cls, {"lr": math.nan}, "lr=nan"),
        (cls, {"weight_decay": -1e-3}, "weight_decay=-0.001"),
    ]
for cls in ADAPTIVE:
    INVALID.append((cls, {"eps": -1e-8}, "eps=-1e-08"))
for cls in WITH_BETAS:
    INVALID += [
        (cls, {"betas": (1.0, 0.999)}, "betas[0]=1.0"),
        (cls, {"betas": (-0.1, 0.999)}, "betas[0]=-0.1"),
        (cls, {"betas": (0.9, 1.0)}, "betas[1]=1.0"),
        (cls, {"betas": (0.9, 1.5)}, "betas[1]=1.5"),
    ]


def params():
    return [cr.zeros(2, 3, requires_grad=True), cr.zeros(3, requires_grad=True)]


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"), INVALID, ids=lambda x: getattr(x, "__name__", str(x))
)
def test_invalid_hyperparameter_is_named_with_its_value(cls, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        cls(params(), **kwargs)
    assert cls.__name__ in str(info.value)


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"), TORCH_REFUSES, ids=lambda x: getattr(x, "__name__", str(x))
)
def test_torch_refuses_the_same_values(cls, kwargs, message):
    with pytest.raises(ValueError):
        getattr(torch.optim, cls.__name__)([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("cls", [SGD, *ADAPTIVE, ASGD])
def test_invalid_value_in_a_parameter_group_is_named(cls):
    p, q = params()
    with pytest.raises(ValueError, match=re.escape("lr=-2.0")):
        cls([{"params": [p]}, {"params": [q], "lr": -2.0}])
    opt = cls([p])
    with pytest.raises(ValueError, match=re.escape("weight_decay=-1")):
        opt.add_param_group({"params": [q], "weight_decay": -1})


@pytest.mark.parametrize("cls", WITH_BETAS)
def test_betas_must_be_a_pair(cls):
    with pytest.raises(ValueError, match="betas must be a pair"):
        cls(params(), betas=(0.9,))


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_a_string_hyperparameter_is_a_type_error(cls):
    with pytest.raises(TypeError, match="lr must be a real number, got '0.1'"):
        cls(params(), lr="0.1")


@pytest.mark.parametrize("cls", [SGD, *ADAPTIVE, Rprop, ASGD])
def test_empty_parameter_list(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([])


def test_a_single_tensor_instead_of_an_iterable():
    with pytest.raises(TypeError, match=r"single Tensor \(shape \(2, 3\)\)"):
        Adam(cr.zeros(2, 3, requires_grad=True))


def test_a_set_of_parameters_is_refused():
    with pytest.raises(TypeError, match="ordered collection"):
        SGD({cr.zeros(2, requires_grad=True)}, lr=0.1)


def test_a_non_tensor_parameter():
    with pytest.raises(TypeError, match="parameter 1 of the group is a ndarray"):
        SGD([cr.zeros(2, requires_grad=True), np.zeros(2)], lr=0.1)


def test_a_non_leaf_tensor():
    w = cr.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"non-leaf Tensor \(parameter 0, shape \(3,\), made by Mul"):
        SGD([w * 2], lr=0.1)


def test_an_integer_tensor():
    with pytest.raises(TypeError, match="floating-point.*dtype int64"):
        SGD([cr.tensor([1, 2, 3])], lr=0.1)


def test_a_parameter_in_two_groups():
    p, q = params()
    with pytest.raises(ValueError, match=r"more than one parameter group: parameters \[1\]"):
        Adam([{"params": [p, q]}, {"params": [cr.zeros(1, requires_grad=True), q]}])


def test_a_parameter_twice_in_one_group_warns():
    p, _ = params()
    with pytest.warns(UserWarning, match="more than once"):
        SGD([p, p], lr=0.1)


def test_a_parameter_without_requires_grad_is_accepted_and_skipped():
    p = cr.ones(3)
    opt = Adam([p])
    opt.step()
    assert np.array_equal(p._data, np.ones(3, dtype=np.float32))
    assert not opt.state


def test_a_gradient_of_the_wrong_shape():
    p = cr.zeros(3, requires_grad=True)
    p.grad = cr.ones(4)
    with pytest.raises(cr.ShapeError, match=r"Adam.step: .*shape \(3,\).*gradient of shape \(4,\)"):
        Adam([p]).step()
