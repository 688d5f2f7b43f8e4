"""chainrule.testing.assert_close against torch.testing.assert_close: on the same inputs it passes
and fails alike, with the same exception type and the same message (dtypes and sizes named by
their library)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
import chainrule.testing


def t(values: Any, dtype: str = "float32") -> cr.Tensor:
    return cr.tensor(np.array(values, dtype=dtype))


def to_torch(x: Any) -> Any:
    """The same input for PyTorch: Tensors become torch tensors of the same dtype, containers recurse."""
    if isinstance(x, cr.Tensor):
        return torch.from_numpy(np.array(x._data))
    if isinstance(x, dict):
        return {k: to_torch(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    return x


def outcome(fn: Any, actual: Any, expected: Any, **kwargs: Any) -> tuple[type | None, str]:
    """(exception type or None, message with library names made neutral)."""
    try:
        fn(actual, expected, **kwargs)
    except (AssertionError, TypeError, ValueError) as error:
        message = re.sub(r"\b(torch|chainrule)\.", "LIB.", str(error)).replace("LIB.tensor.Tensor", "LIB.Tensor")
        return type(error), message
    return None, ""


def assert_same_outcome(actual: Any, expected: Any, **kwargs: Any) -> tuple[type | None, str]:
    ours = outcome(chainrule.testing.assert_close, actual, expected, **kwargs)
    ref = outcome(torch.testing.assert_close, to_torch(actual), to_torch(expected), **kwargs)
    assert ours == ref
    return ours


NAN, INF = math.nan, math.inf
CASES: list[tuple[str, Any, Any, dict[str, Any]]] = [
    ("equal float32", t([1.0, 2.0, 3.0]), t([1.0, 2.0, 3.0]), {}),
    ("within float32 tolerance", t([1.0, 2.0]), t([1.0 + 1e-6, 2.0]), {}),
    ("one element off", t([1.0, 2.0, 3.0]), t([1.0, 2.5, 3.0]), {}),
    ("2-d, two off", t([[1.0, 2.0], [3.0, 4.0]]), t([[1.0, 2.0], [3.1, 4.2]]), {}),
    ("float64 tolerance", t([1.0, 2.0], "float64"), t([1.0 + 5e-8, 2.0], "float64"), {}),
    ("float64 off", t([1.0, 2.0], "float64"), t([1.0 + 5e-7, 2.0], "float64"), {}),
    ("float16", t([1.0, 2.0], "float16"), t([1.001, 2.0], "float16"), {}),
    ("float16 off", t([1.0, 2.0], "float16"), t([1.01, 2.0], "float16"), {}),
    ("int64 equal", t([1, 2, 3], "int64"), t([1, 2, 3], "int64"), {}),
    ("int64 off", t([1, 2, 3], "int64"), t([1, 2, 4], "int64"), {}),
    ("int32 off by a third", t([1, 2, 3], "int32"), t([1, 2, 9], "int32"), {}),
    ("bool off", t([True, False], "bool"), t([True, True], "bool"), {}),
    ("dtype differs", t([1.0, 2.0]), t([1.0, 2.0], "float64"), {}),
    ("dtype differs, not checked", t([1.0, 2.0]), t([1.0, 2.0], "float64"), {"check_dtype": False}),
    ("int against float, not checked", t([1, 2], "int64"), t([1.0, 2.5]), {"check_dtype": False}),
    ("shape differs", t([1.0, 2.0]), t([1.0, 2.0, 3.0]), {}),
    ("0-d tensors", t(1.0), t(1.5), {}),
    ("0-d inf against -inf", t(INF), t(-INF), {}),
    ("equal infinities", t([INF, -INF]), t([INF, -INF]), {}),
    ("nan", t([NAN, 1.0]), t([NAN, 1.0]), {}),
    ("nan, equal_nan", t([NAN, 1.0]), t([NAN, 1.0]), {"equal_nan": True}),
    ("nan against a number", t([1.0, NAN]), t([1.0, 2.0]), {"equal_nan": True}),
    ("expected zero", t([0.5, 1.0]), t([0.0, 1.0]), {}),
    ("own tolerances pass", t([1.0, 2.0]), t([1.05, 2.0]), {"rtol": 0.1, "atol": 0.0}),
    ("own tolerances fail", t([1.0, 2.0]), t([1.5, 2.0]), {"rtol": 0.1, "atol": 0.01}),
    ("zero tolerances: equality", t([1.0, 2.0]), t([1.0, 2.0000002]), {"rtol": 0.0, "atol": 0.0}),
    ("only rtol", t([1.0]), t([1.0]), {"rtol": 1e-3}),
    ("only atol", t([1.0]), t([1.0]), {"atol": 1e-3}),
    ("custom message", t([1.0]), t([2.0]), {"msg": "the weights moved"}),
    ("message function", [t([1.0])], [t([2.0])], {"msg": lambda m: "Header\n" + m}),
    ("floats close", 1.0, 1.0 + 1e-8, {}),
    ("floats off", 1.0, 1.0001, {}),
    ("ints", 1, 2, {}),
    ("int against float", 1, 1.0, {}),
    ("int against float, not checked", 1, 1.0, {"check_dtype": False}),
    ("expected zero scalar", 1.0, 0.0, {}),
    ("numpy scalar", np.float32(1.0), 1.0, {}),
    ("bools", True, False, {}),
    ("None", None, None, {}),
    ("None against a number", None, 1.0, {}),
    ("list of floats", [1.0, 2.0], [1.0, 2.1], {}),
    ("list against tuple", [1.0, (2.0, 3)], (1.0, [2.0, 3]), {}),
    ("lengths differ", [t([1.0])], [t([1.0]), t([2.0])], {}),
    ("a length mismatch wins over a value", [t([9.0]), [1.0]], [t([1.0]), [1.0, 2.0]], {}),
    ("dict values", {"a": t(1.0)}, {"a": t(2.0)}, {}),
    ("dict keys", {"a": t(1.0), "c": 1}, {"b": t(1.0), "c": 1}, {}),
    ("nested", {"w": [t([1.0, 2.0]), {"b": t([3.0])}]}, {"w": [t([1.0, 2.0]), {"b": t([3.5])}]}, {}),
    ("strings", "a", "b", {}),
    ("tensor against list", t([1.0, 2.0]), [1.0, 2.0], {}),
    ("tensor against float", t([1.0]), 1.0, {}),
    ("float against tensor", 1.0, t(1.0), {}),
    ("empty tensors", t(np.zeros((0, 3))), t(np.zeros((0, 3))), {}),
    ("the largest difference", t(np.arange(12.0).reshape(3, 4)), t(np.arange(12.0).reshape(3, 4) * 1.1), {}),
]


@pytest.mark.parametrize(("name", "actual", "expected", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_outcome_and_message_are_torchs(name, actual, expected, kwargs):
    assert_same_outcome(actual, expected, **kwargs)


def test_the_message_has_torchs_lines():
    kind, message = assert_same_outcome(t([1.0, 2.0, 3.0]), t([1.0, 2.5, 3.0]))
    assert kind is AssertionError
    assert message.splitlines() == [
        "Tensor-likes are not close!",
        "",
        "Mismatched elements: 1 / 3 (33.3%)",
        "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)",
        "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)",
    ]
    _, message = assert_same_outcome({"w": [t([1.0])]}, {"w": [t([1.5])]})
    assert message.endswith("The failure occurred for item ['w'][0]")
    _, message = assert_same_outcome(t([1.0]), t([1.0], "float64"))
    assert message == "The values for attribute 'dtype' do not match: LIB.float32 != LIB.float64."


def test_numpy_arrays_compare_as_tensors():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.5])
    assert outcome(chainrule.testing.assert_close, a, b) == outcome(torch.testing.assert_close, a, b)
    chainrule.testing.assert_close(a, a.copy())
    with pytest.raises(TypeError, match="No comparison pair"):
        chainrule.testing.assert_close(t([1.0]), np.array([1.0], dtype=np.float32))


def test_a_parameter_against_a_tensor():
    p = cr.nn.Parameter(t([1.0, 2.0]))
    chainrule.testing.assert_close(p, t([1.0, 2.0]))
    with pytest.raises(TypeError, match="No comparison pair"):
        chainrule.testing.assert_close(p, t([1.0, 2.0]), allow_subclasses=False)


def test_stride_is_checked_on_request():
    a = cr.from_numpy(np.arange(6.0).reshape(2, 3).T)  # strided
    b = cr.tensor(np.ascontiguousarray(a._data))
    chainrule.testing.assert_close(a, b)
    ours = outcome(chainrule.testing.assert_close, a, b, check_stride=True)
    ref = outcome(torch.testing.assert_close, torch.from_numpy(a._data), torch.from_numpy(b._data), check_stride=True)
    assert ours == ref and ours[0] is AssertionError


def test_the_signature_is_torchs():
    import inspect

    ours = inspect.signature(chainrule.testing.assert_close).parameters
    ref = inspect.signature(torch.testing.assert_close).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in ref.values()
    ]


floats = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(floats, min_size=1, max_size=6),
    scale=st.sampled_from([0.0, 1e-7, 1e-6, 1e-5, 1e-3]),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 2**16),
)
def test_random_perturbations_pass_and_fail_as_torch(values, scale, dtype, seed):
    rng = np.random.default_rng(seed)
    expected = np.array(values, dtype=dtype)
    actual = (expected * (1 + scale * rng.normal(size=expected.shape))).astype(dtype)
    assert_same_outcome(t(actual, dtype), t(expected, dtype))


# ---------------------------------------------------------------------------- make_tensor
DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_make_tensor_draws_from_torchs_default_interval(dtype):
    cr.manual_seed(0)
    x = chainrule.testing.make_tensor(40, 50, dtype=getattr(cr, dtype), device="cpu")
    ref = torch.testing.make_tensor(40, 50, dtype=getattr(torch, dtype), device="cpu")
    assert x.dtype == getattr(cr, dtype) and tuple(x.shape) == tuple(ref.shape) == (40, 50)
    values, ref_values = x._data.astype(np.float64), ref.numpy().astype(np.float64)
    assert values.min() >= ref_values.min() - 1 and values.max() <= ref_values.max() + 1  # same interval
    assert len(np.unique(values)) > 1


@pytest.mark.parametrize(("dtype", "low", "high"), [("float32", -0.5, 0.25), ("int64", 3, 7), ("float64", 2, 3),
                                                    ("int8", -1000, 1000), ("uint8", -5, 3), ("int32", 0.5, 4.2)])
def test_make_tensor_keeps_to_the_interval_as_torch(dtype, low, high):
    x = chainrule.testing.make_tensor((200,), dtype=getattr(cr, dtype), device="cpu", low=low, high=high)
    ref = torch.testing.make_tensor((200,), dtype=getattr(torch, dtype), device="cpu", low=low, high=high)
    lo, hi = ref.min().item(), ref.max().item()  # torch's interval, as its draws show it
    info = np.iinfo(dtype) if dtype[0] in "iu" else np.finfo(dtype)
    assert info.min <= x._data.min() and x._data.max() <= info.max
    if dtype[0] in "iu":  # integers: ceil(low) … ceil(high) - 1, after clamping to the dtype
        assert x._data.min() >= math.ceil(max(low, info.min)) and x._data.max() < math.ceil(min(high, info.max + 1))
        assert math.ceil(max(low, info.min)) <= lo and hi < math.ceil(min(high, info.max + 1))
    else:
        assert low <= x._data.min() and x._data.max() < high


def test_make_tensor_options():
    x = chainrule.testing.make_tensor([3, 4], dtype=cr.float32, device="cpu", noncontiguous=True, requires_grad=True)
    assert tuple(x.shape) == (3, 4) and not x.is_contiguous() and x.requires_grad and x.is_leaf
    assert chainrule.testing.make_tensor((), dtype=cr.float64, device="cpu").shape == ()
    z = chainrule.testing.make_tensor(500, dtype=cr.int64, device="cpu", low=-1, high=1, exclude_zero=True)
    assert set(np.unique(z._data)) <= {-1, 1}
    f = chainrule.testing.make_tensor(4, dtype=cr.float32, device="cpu", low=0, high=1e-40, exclude_zero=True)
    assert (f._data != 0).all()
    cr.manual_seed(3)
    a = chainrule.testing.make_tensor(5, dtype=cr.float32, device="cpu")
    cr.manual_seed(3)
    assert np.array_equal(a._data, chainrule.testing.make_tensor(5, dtype=cr.float32, device="cpu")._data)


ERROR_CASES = [
    ("low above high", {"dtype": "float32", "low": 2.0, "high": 1.0}),
    ("nan bound", {"dtype": "float32", "low": math.nan}),
    ("outside the dtype", {"dtype": "uint8", "low": -10, "high": -2}),
    ("requires_grad on integers", {"dtype": "int64", "requires_grad": True}),
]


@pytest.mark.parametrize(("name", "kwargs"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_make_tensor_errors_are_torchs(name, kwargs):
    dtype = kwargs.pop("dtype")
    errors = []
    for lib, make in ((cr, chainrule.testing.make_tensor), (torch, torch.testing.make_tensor)):
        with pytest.raises(ValueError) as info:
            make(3, dtype=getattr(lib, dtype), device="cpu", **kwargs)
        errors.append(re.sub(r"\b(torch|chainrule)\.", "LIB.", str(info.value)))
    assert errors[0] == errors[1]


def test_make_tensor_refusals():
    with pytest.raises(ValueError, match="mutually exclusive"):
        chainrule.testing.make_tensor(3, dtype=cr.float32, device="cpu", noncontiguous=True, memory_format="x")
    with pytest.raises(ValueError, match="one .row-major. memory layout"):
        chainrule.testing.make_tensor(3, dtype=cr.float32, device="cpu", memory_format="channels_last")
    with pytest.raises(RuntimeError, match="CPU only"):
        chainrule.testing.make_tensor(3, dtype=cr.float32, device="cuda")
    with pytest.warns(FutureWarning):
        x = chainrule.testing.make_tensor(3, dtype=cr.float32, device="cpu", low=1.5, high=1.5)
    assert (x._data == 1.5).all()
