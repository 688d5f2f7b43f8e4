"""The fast backend: the same arithmetic as the reference path, in fewer passes over memory.

chainrule has two layers. The *reference path* (``autograd/ops``, ``nn/_functions``, ``optim``)
is the lecture's math in plain NumPy: every forward and backward, every optimiser update, short
enough to read in one sitting. It is complete on its own and is what the documentation shows.

This package is the second layer. Each module registers *fast paths* over reference methods
(:func:`registry.override`): compiled numba kernels for the hot elementwise loops, Adam fused
over a flat vector, the dead-unit skip of ``Linear``'s backward. A fast path

* names the reference it replaces and keeps it as its *twin*, which it calls for whatever it
  cannot do (another dtype, a non-contiguous array, numba not installed);
* equals its twin up to float rounding, and is tested against the twin and against PyTorch;
* earns its place by a measured gain across the benchmark suite (``BENCHMARKS.md``).

The reference modules import nothing from here. ``CHAINRULE_JIT=0`` in the environment (before
``import chainrule``) leaves every reference in place; :func:`disabled` does it for a block::

    with chainrule.backend.disabled():
        loss.backward()          # the lecture's NumPy, nothing else

Adding a fast path: write the function in a module of this package, decorate it with
``@override(ReferenceClass, "method")``, fetch its twin with ``reference(ReferenceClass,
"method")``, import the module below, and add a test that compares it with both.
"""

from __future__ import annotations

from . import activation, adam, cross_entropy, linear, recurrent  # each registers its fast paths
from .registry import (
    ENV_VAR,
    Override,
    disable,
    disabled,
    enable,
    enabled,
    is_enabled,
    override,
    overrides,
    reference,
    set_enabled,
)

__all__ = ["ENV_VAR", "Override", "disable", "disabled", "enable", "enabled", "is_enabled", "override",
           "overrides", "reference", "set_enabled", "activation", "adam", "cross_entropy", "linear",
           "recurrent"]
