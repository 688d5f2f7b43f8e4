"""The registry of fast paths: each one replaces a reference method and knows its twin.

A fast path is registered *over* a reference, never called from it::

    from ..nn._functions.linear import LinearFunction
    from .registry import override, reference

    _forward = reference(LinearFunction, "forward")   # the twin: the lecture's NumPy

    @override(LinearFunction, "forward")
    def forward(ctx, x, weight, bias):
        if not fits(x, weight, bias):
            return _forward(ctx, x, weight, bias)       # what the kernel cannot do, the twin does
        ...

``override`` installs the function in place of ``LinearFunction.forward`` while the backend is on
(the default) and puts the reference back when it is switched off (:func:`disable`,
:func:`disabled`, or ``CHAINRULE_JIT=0`` in the environment before the import). The reference
module imports nothing from here: it does not know that it can be overridden.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

ENV_VAR = "CHAINRULE_JIT"


def _enabled_by_environment() -> bool:
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass(eq=False)
class Override:
    """One fast path: ``owner.name`` becomes ``fast`` while installed, ``reference`` otherwise."""

    owner: type
    name: str
    reference: Any  # the attribute as a class body defined it (a staticmethod or function)
    fast: Callable[..., Any]
    inherited: bool = False  # the owner takes ``name`` from a base class: removing deletes its own


    def install(self) -> None:
        fast = staticmethod(self.fast) if isinstance(self.reference, staticmethod) else self.fast
        setattr(self.owner, self.name, fast)

    def remove(self) -> None:
        if self.inherited:
            if self.name in self.owner.__dict__:
                delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self.reference)

    @property
    def installed(self) -> bool:
        current = self.owner.__dict__.get(self.name)
        return _unwrap(current) is self.fast

    def __repr__(self) -> str:
        return f"Override({self.owner.__qualname__}.{self.name} -> {self.fast.__module__}.{self.fast.__qualname__})"


_overrides: list[Override] = []
_enabled = _enabled_by_environment()


def _unwrap(attribute: Any) -> Any:
    return attribute.__func__ if isinstance(attribute, staticmethod) else attribute


def _original(owner: type, name: str) -> tuple[Any, bool]:
    """``owner.name`` as a class body defined it (the owner's or, ``True``, a base class's), even
    while an override is installed."""
    for o in _overrides:
        if o.owner is owner and o.name == name:
            return o.reference, o.inherited
    for klass in owner.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name], klass is not owner
    raise AttributeError(f"backend: {owner.__qualname__} defines no {name!r} to override")


def reference(owner: type, name: str) -> Callable[..., Any]:
    """The reference implementation of ``owner.name`` (a plain function), the twin of its fast path."""
    return _unwrap(_original(owner, name)[0])


def override(owner: type, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the fast path of ``owner.name`` (one per method)."""

    def register(fast: Callable[..., Any]) -> Callable[..., Any]:
        if any(o.owner is owner and o.name == name for o in _overrides):
            raise RuntimeError(f"backend: {owner.__qualname__}.{name} already has a fast path")
        original, inherited = _original(owner, name)
        entry = Override(owner, name, original, fast, inherited)
        _overrides.append(entry)
        if _enabled:
            entry.install()
        return fast

    return register


def overrides() -> tuple[Override, ...]:
    """Every registered fast path, in registration order."""
    return tuple(_overrides)


def is_enabled() -> bool:
    """Are the fast paths installed over their references?"""
    return _enabled


def set_enabled(enabled: bool) -> None:
    """Install (True) or remove (False) every fast path, for this process."""
    global _enabled
    _enabled = bool(enabled)
    for entry in _overrides:
        entry.install() if _enabled else entry.remove()


def enable() -> None:
    set_enabled(True)


def disable() -> None:
    """Run the reference path alone: every op and optimiser as the lecture writes it."""
    set_enabled(False)


@contextmanager
def disabled() -> Iterator[None]:
    """Run the block on the reference path alone (the fast paths come back afterwards)."""
    before = _enabled
    set_enabled(False)
    try:
        yield
    finally:
        set_enabled(before)


@contextmanager
def enabled() -> Iterator[None]:
    """Run the block with the fast paths installed."""
    before = _enabled
    set_enabled(True)
    try:
        yield
    finally:
        set_enabled(before)
