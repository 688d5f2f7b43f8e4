"""Shared fixtures and hooks; the comparison with PyTorch lives in ``torch_oracle``.

* ``backend_mode``: every test under ``autograd/``, ``nn/`` and ``optim/`` runs twice, ``[fast]``
  with the backend's fast paths installed and ``[reference]`` on the reference path alone. A test
  that switches the backend itself says so with ``@pytest.mark.own_backend_mode`` (or parametrizes
  ``backend_mode`` itself) and runs once.
* ``@pytest.mark.slow``: soak tests and tests of more than a few seconds;
  ``pytest -m "not slow"`` is the quick loop, a plain ``pytest`` runs everything.
* Hypothesis draws the same examples on every run (the ``repeatable`` profile), so that a run of
  the suite is reproducible; ``pytest --hypothesis-profile=explore`` draws new ones each time, to
  hunt for cases the repeatable set misses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import chainrule
from torch_oracle import FLOATS

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")

TESTS = Path(__file__).resolve().parent
BOTH_MODES_UNDER = ("autograd", "nn", "optim")  # folders of tests/ whose tests run in both modes
BACKEND_MODES = ("fast", "reference")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a soak or long test (seconds); deselect with -m 'not slow'")
    config.addinivalue_line(
        "markers", "own_backend_mode: the test switches chainrule.backend itself and runs once, "
        "not once per backend mode")


def _param_names(mark: pytest.Mark) -> list[str]:
    names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


def _runs_in_both_modes(metafunc: pytest.Metafunc) -> bool:
    try:
        folder = Path(metafunc.definition.path).resolve().relative_to(TESTS).parts[0]
    except ValueError:
        return False
    if folder not in BOTH_MODES_UNDER or metafunc.definition.get_closest_marker("own_backend_mode"):
        return False
    return not any("backend_mode" in _param_names(m) for m in metafunc.definition.iter_markers("parametrize"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if _runs_in_both_modes(metafunc):
        if "backend_mode" not in metafunc.fixturenames:
            metafunc.fixturenames.append("backend_mode")
        metafunc.parametrize("backend_mode", BACKEND_MODES, indirect=True, ids=BACKEND_MODES)


@pytest.fixture
def backend_mode(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the fast paths installed ("fast") or on the reference path alone
    ("reference"), and put the backend back as it was afterwards. Unparametrized: the current mode."""
    mode = getattr(request, "param", "fast" if chainrule.backend.is_enabled() else "reference")
    if mode not in BACKEND_MODES:
        raise ValueError(f"backend_mode: {mode!r} is not one of {BACKEND_MODES}")
    with chainrule.backend.enabled() if mode == "fast" else chainrule.backend.disabled():
        assert chainrule.backend.is_enabled() == (mode == "fast")
        yield mode


@pytest.fixture(params=FLOATS, ids=["float32", "float64"])
def dtype(request: Any) -> Any:
    return request.param


@pytest.fixture(autouse=True)
def _seeded() -> None:
    chainrule.manual_seed(0)


@pytest.fixture
def lecture_graph() -> dict[str, chainrule.Tensor]:
    """The lecture's f(x, y, z) = (x + y) z at (-2, 5, -4), backpropagated; q = x + y and f
    retain their gradients."""
    x = chainrule.tensor(-2.0, requires_grad=True)
    y = chainrule.tensor(5.0, requires_grad=True)
    z = chainrule.tensor(-4.0, requires_grad=True)
    q = x + y
    q.retain_grad()
    f = q * z
    f.retain_grad()
    f.backward()
    return {"x": x, "y": y, "z": z, "q": q, "f": f}
