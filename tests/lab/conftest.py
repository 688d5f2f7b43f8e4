"""Each lab experiment runs once per test session (fast mode); the tests share its result."""

from __future__ import annotations

import pytest

from chainrule import lab

_cache: dict[str, lab.Result] = {}


def fast_result(name: str) -> lab.Result:
    if name not in _cache:
        _cache[name] = lab.run(name, fast=True)
    return _cache[name]


@pytest.fixture(scope="session")
def results():
    """``results(name)``: the experiment's fast-mode Result, computed on first use."""
    return fast_result
