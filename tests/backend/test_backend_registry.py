"""The registry of fast paths and the kernel helpers: what is installed, when, and over what.

The helpers at the top (``spy_on``, ``check_fast_and_twin``) serve every backend test: a fast path
is compared with PyTorch in both modes and with its twin, and a spy proves its kernels really ran.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pytest

import chainrule
from chainrule import backend
from chainrule.autograd.ops.activation import ReLU
from chainrule.backend import activation, cross_entropy, jit, linear
from chainrule.backend.jit import Kernel
from chainrule.nn._functions.classification_loss import CrossEntropy
from chainrule.nn._functions.linear import LinearFunction
from torch_oracle import assert_close, check

MODES = {"fast": backend.enabled, "reference": backend.disabled}  # mode -> its context manager

# every fast path of Linear, ReLU and cross-entropy, and the kernels a training step runs
OURS = {(LinearFunction, "forward"), (LinearFunction, "backward"), (ReLU, "forward"), (ReLU, "backward"),
        (CrossEntropy, "forward"), (CrossEntropy, "backward")}
STEP_KERNELS = [linear.add_bias_kernel, linear.sum_rows_kernel, activation.relu_kernel,
                activation.relu_backward_kernel, cross_entropy.softmax_nll_kernel,
                cross_entropy.softmax_nll_backward_kernel]


# --------------------------------------------------------------------------- shared helpers
def spy_on(kernels: Iterable[Kernel], monkeypatch: pytest.MonkeyPatch) -> set[Kernel]:
    """The set that each of ``kernels`` adds itself to when its compiled code is called."""
    called: set[Kernel] = set()
    for k in kernels:
        fn = k.compiled()

        def counted(*args: Any, _fn: Any = fn, _k: Kernel = k) -> Any:
            called.add(_k)
            return _fn(*args)

        monkeypatch.setattr(k, "_compiled", counted)
    return called


def outputs_and_grads(fn: Callable[..., Any], arrays: Sequence[np.ndarray], grad: Sequence[bool]) -> list[np.ndarray]:
    """``fn(chainrule, *tensors)``'s output and, after a backward of a fixed random upstream
    gradient, the gradients of the inputs that require one."""
    tensors = [chainrule.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, grad, strict=True)]
    out = fn(chainrule, *tensors)
    upstream = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)
    (out * chainrule.tensor(upstream)).sum().backward()
    return [out._data] + [t.grad._data for t, r in zip(tensors, grad, strict=True) if r]


def check_fast_and_twin(fn: Callable[..., Any], *arrays: np.ndarray, grad: Sequence[bool] | None = None,
                        exact: bool = False) -> None:
    """``fn`` equals PyTorch with the fast paths and with the references alone (forward and every
    gradient), and the fast path equals its twin: up to float rounding, or ``exact``ly."""
    grad = [a.dtype.kind == "f" for a in arrays] if grad is None else list(grad)
    results = {}
    for mode, switch in MODES.items():
        with switch():
            check(fn, *arrays, grad=grad)
            results[mode] = outputs_and_grads(fn, arrays, grad)
    for k, (fast, twin) in enumerate(zip(results["fast"], results["reference"], strict=True)):
        if exact:
            np.testing.assert_array_equal(fast, twin, err_msg=f"result {k}")
            assert fast.dtype == twin.dtype, f"result {k}"
        else:
            assert_close(fast, twin, what=f"result {k}: fast path against its twin")


def train_step(dtype: Any = np.float64) -> dict[str, list]:
    """One Adam step of a Linear-ReLU-Linear classifier (seeded): the loss, every gradient and every
    parameter after the step."""
    chainrule.manual_seed(3)
    model = chainrule.nn.Sequential(chainrule.nn.Linear(5, 8), chainrule.nn.ReLU(), chainrule.nn.Linear(8, 3))
    model.to(dtype=chainrule.float64 if dtype == np.float64 else chainrule.float32)
    opt = chainrule.optim.Adam(model.parameters(), lr=0.01)
    x = chainrule.tensor(np.random.default_rng(6).standard_normal((4, 5)).astype(dtype))
    loss = chainrule.nn.functional.cross_entropy(model(x), chainrule.tensor([0, 2, 1, 2]))
    loss.backward()
    grads = {f"grad {name}": p.grad._data.ravel().tolist() for name, p in model.named_parameters()}
    opt.step()
    return {"loss": [loss.item()], **grads, **{name: p._data.ravel().tolist() for name, p in model.named_parameters()}}


# --------------------------------------------------------------------------- the registry
def _registered() -> set[tuple[type, str]]:
    return {(o.owner, o.name) for o in backend.overrides()}


@pytest.fixture(autouse=True)
def _fast_paths_installed():
    """Whatever CHAINRULE_JIT says, the tests here start with the fast paths installed."""
    with backend.enabled():
        yield


def test_every_fast_path_is_installed():
    assert backend.is_enabled()
    assert OURS <= _registered()
    for o in backend.overrides():
        assert o.installed, o
        assert o.owner.__dict__[o.name] is not o.reference


def _unwrap(attribute):
    return attribute.__func__ if isinstance(attribute, staticmethod) else attribute


def test_disabled_puts_every_reference_back_and_restores_afterwards():
    with backend.disabled():
        assert not backend.is_enabled()
        for o in backend.overrides():
            assert not o.installed, o
            if o.inherited:  # the owner inherits the reference again (Adam: Optimizer._step_group)
                assert o.name not in o.owner.__dict__ and getattr(o.owner, o.name) is _unwrap(o.reference), o
            else:
                assert o.owner.__dict__[o.name] is o.reference, o
        with backend.enabled():  # nests
            assert all(o.installed for o in backend.overrides())
        assert not any(o.installed for o in backend.overrides())
    assert backend.is_enabled() and all(o.installed for o in backend.overrides())
    with pytest.raises(ZeroDivisionError), backend.disabled():  # restored even when the block fails
        1 / 0  # noqa: B018
    assert all(o.installed for o in backend.overrides())


def test_set_enabled_switches_every_fast_path():
    backend.set_enabled(False)
    try:
        assert not backend.is_enabled() and not any(o.installed for o in backend.overrides())
    finally:
        backend.set_enabled(True)
    assert all(o.installed for o in backend.overrides())


def test_reference_returns_the_twin():
    modules = {LinearFunction: "chainrule.nn._functions.linear", ReLU: "chainrule.autograd.ops.activation",
               CrossEntropy: "chainrule.nn._functions.classification_loss"}
    for owner, name in OURS:
        twin = backend.reference(owner, name)
        assert twin.__module__ == modules[owner] and twin.__name__ == name
        assert getattr(owner, name).__module__.startswith("chainrule.backend.")  # the fast path, installed
        with backend.disabled():
            assert getattr(owner, name) is twin
    assert linear._forward is backend.reference(LinearFunction, "forward")


def test_registering_a_second_fast_path_fails():
    before = backend.overrides()
    with pytest.raises(RuntimeError, match=r"LinearFunction\.forward already has a fast path"):
        backend.override(LinearFunction, "forward")(lambda ctx, x, weight, bias: None)
    with pytest.raises(AttributeError, match="defines no 'nonexistent'"):
        backend.override(LinearFunction, "nonexistent")(lambda: None)
    assert backend.overrides() == before


def _in_a_fresh_process(jit_variable: str | None) -> dict[str, Any]:
    """Import chainrule with ``CHAINRULE_JIT`` set to ``jit_variable`` (None: unset), train a step;
    report whether the backend is on, which overrides are installed and the step's numbers."""
    code = "\n".join([
        "import json",
        "from typing import Any",
        "import numpy as np",
        "import chainrule",
        "from chainrule import backend",
        inspect.getsource(train_step),
        "print(json.dumps({'enabled': backend.is_enabled(), 'step': train_step(), 'installed': [",
        "    o.installed and o.owner.__dict__[o.name] is not o.reference for o in backend.overrides()]}))",
    ])
    env = {k: v for k, v in os.environ.items() if k != backend.ENV_VAR}
    if jit_variable is not None:
        env[backend.ENV_VAR] = jit_variable
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_by_default_every_fast_path_is_installed_at_import():
    fresh = _in_a_fresh_process(None)
    assert fresh["enabled"] and len(fresh["installed"]) >= len(OURS) and all(fresh["installed"])
    here = train_step()
    for name, values in here.items():
        assert_close(np.array(fresh["step"][name]), np.array(values), what=name)


@pytest.mark.parametrize("value", ["0", "off"])
def test_the_environment_variable_leaves_every_reference_in_place_and_trains(value):
    fresh = _in_a_fresh_process(value)
    assert not fresh["enabled"] and len(fresh["installed"]) >= len(OURS) and not any(fresh["installed"])
    with backend.disabled():
        here = train_step()
    assert fresh["step"].keys() == here.keys()
    for name, values in here.items():  # the reference path alone, in both processes
        np.testing.assert_allclose(fresh["step"][name], values, rtol=1e-12, err_msg=name)
    assert np.isfinite(fresh["step"]["loss"]).all()


def test_a_training_step_runs_every_kernel_and_equals_the_reference(monkeypatch, dtype):
    """The hot ops really take their compiled path for contiguous float arrays (not the twin)."""
    called = spy_on(STEP_KERNELS, monkeypatch)
    fast = train_step(dtype)
    assert called == set(STEP_KERNELS)
    with backend.disabled():
        twin = train_step(dtype)
    for name in fast:
        assert_close(np.array(fast[name], dtype), np.array(twin[name], dtype), what=name)


def test_without_numba_every_fast_path_hands_its_call_to_the_twin(monkeypatch, dtype):
    monkeypatch.setattr(jit, "_numba", False)  # as if numba were not installed
    called = spy_on(STEP_KERNELS, monkeypatch)
    assert not jit.available()
    fast = train_step(dtype)
    assert not called
    with backend.disabled():
        twin = train_step(dtype)
    for name in fast:  # the same code ran: the same loss and gradients (the optimiser is not ours)
        if name == "loss" or name.startswith("grad "):
            assert fast[name] == twin[name], name
        else:
            assert_close(np.array(fast[name], dtype), np.array(twin[name], dtype), what=name)
    with pytest.raises(RuntimeError, match="numba is not installed"):
        Kernel(lambda a: None)(np.zeros(1))


# --------------------------------------------------------------------------- kernels
class _Subclass(np.ndarray):
    pass


def test_kernels_compile():
    assert jit.available()
    for k in [*STEP_KERNELS, linear.sum_rows_and_live_kernel, linear.gather_columns_kernel,
              linear.scatter_rows_kernel, linear.has_non_finite_kernel]:
        assert k.compiled() is not None, k


def test_fits_only_contiguous_arrays_of_one_float_dtype():
    a = np.zeros((3, 4), np.float32)
    assert jit.fits(a, np.zeros(4, np.float32))
    assert jit.fits(np.zeros((2, 3)), np.zeros(0))
    assert not jit.fits(a, np.zeros(4, np.float64))
    assert not jit.fits(a.T)
    assert not jit.fits(np.zeros(3, np.int64))
    assert not jit.fits(np.zeros(3, np.float16))
    assert not jit.fits(np.float32(1.0))  # a NumPy scalar
    assert not jit.fits(np.zeros((), np.float32))  # a 0-d array
    assert not jit.fits(np.zeros(3, np.float32).view(_Subclass))


def test_an_inherited_method_is_overridden_on_the_owner_and_inherited_again_when_removed():
    from chainrule.backend import registry

    class Base:
        def step(self):
            return "base"

    class Owner(Base):
        pass

    @registry.override(Owner, "step")
    def fast_step(self):
        return "fast"

    try:
        assert registry.reference(Owner, "step") is Base.__dict__["step"]
        assert Owner().step() == ("fast" if backend.is_enabled() else "base")
        with backend.disabled():
            assert "step" not in Owner.__dict__ and Owner().step() == "base"
        with backend.enabled():
            assert Owner().step() == "fast" and Base().step() == "base"
    finally:
        entry = next(o for o in registry._overrides if o.owner is Owner)
        entry.remove()
        registry._overrides.remove(entry)
