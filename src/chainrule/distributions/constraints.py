"""Constraints: the set a parameter or a sample must lie in, as ``torch.distributions.constraints``.

``constraint.check(value)`` is a bool tensor, one entry per batch element (an event of
``event_dim`` dims counts once); distributions use it to validate their parameters and the
values given to ``log_prob``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


def _array(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _bools(a: Any) -> Tensor:
    return Tensor._make(np.asarray(a, dtype=bool))


class Constraint:
    """A set: ``check(value)`` says, per batch element, whether the value lies in it."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.check is not defined")

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A placeholder for a parameter whose support depends on others; it is never checked."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def check(self, value: Tensor) -> Tensor:
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint: Any) -> bool:
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools(x == x)  # NaN is not a real number


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools((x == 0) | (x == 1))


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        return _bools(_array(value) > _array(self.lower_bound))

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value: Tensor) -> Tensor:
        return _bools(_array(value) >= _array(self.lower_bound))

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        return _bools(_array(value) < _array(self.upper_bound))

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    """The closed interval [lower_bound, upper_bound]."""

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools((_array(self.lower_bound) <= x) & (x <= _array(self.upper_bound)))

    def __repr__(self) -> str:
        return f"{type(self).__name__.lstrip('_')}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    """The interval [lower_bound, upper_bound)."""

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools((_array(self.lower_bound) <= x) & (x < _array(self.upper_bound)))


class _IntegerInterval(_Interval):
    """The integers lower_bound, ..., upper_bound."""

    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools((x % 1 == 0) & (_array(self.lower_bound) <= x) & (x <= _array(self.upper_bound)))


class _IntegerGreaterThan(_GreaterThanEq):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools((x % 1 == 0) & (x >= _array(self.lower_bound)))

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Simplex(Constraint):
    """Vectors of nonnegative entries that sum to 1 (within 1e-6) along the last dim."""

    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools(np.all(x >= 0, axis=-1) & (np.abs(x.sum(-1) - 1) < 1e-6))


class _OneHot(Constraint):
    """Vectors of zeros with a single one along the last dim."""

    is_discrete, event_dim = True, 1

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools(np.all((x == 0) | (x == 1), axis=-1) & (x.sum(-1) == 1))


class _Multinomial(Constraint):
    """Vectors of nonnegative entries summing to at most ``upper_bound`` along the last dim (the
    weaker check PyTorch makes for Multinomial's counts)."""

    is_discrete, event_dim = True, 1

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        return _bools(np.all(x >= 0, axis=-1) & (x.sum(-1) <= _array(self.upper_bound)))


class _IndependentConstraint(Constraint):
    """``base_constraint`` over events of ``reinterpreted_batch_ndims`` more dims: an element is
    valid when all of its event's entries are."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError("independent: reinterpreted_batch_ndims must be a nonnegative int, "
                             f"got {reinterpreted_batch_ndims!r}")
        self.base_constraint, self.reinterpreted_batch_ndims = base_constraint, reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value: Tensor) -> Tensor:
        ok = _array(self.base_constraint.check(value))
        n = self.reinterpreted_batch_ndims
        if ok.ndim < n:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {_array(value).ndim}")
        return _bools(ok.reshape(ok.shape[:ok.ndim - n] + (-1,)).all(-1))

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class MixtureSameFamilyConstraint(Constraint):
    """The support of a MixtureSameFamily: ``base_constraint`` (the components' support) checked
    on the value with the component dim put back, valid where every component's check is."""

    def __init__(self, base_constraint: Constraint) -> None:
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"base_constraint must be a Constraint, got {type(base_constraint).__name__}")
        self.base_constraint = base_constraint

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        if x.ndim < self.event_dim:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {x.ndim}")
        ok = _array(self.base_constraint.check(Tensor._make(np.expand_dims(x, -1 - self.event_dim))))
        keep = x.ndim - self.event_dim
        return _bools(ok.reshape(ok.shape[:keep] + (-1,)).all(-1))

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


class _LowerCholesky(Constraint):
    """Lower triangular matrices with a positive diagonal."""

    event_dim = 2

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        lower = np.all((np.tril(x) == x).reshape(x.shape[:-2] + (-1,)), axis=-1)
        return _bools(lower & np.all(np.diagonal(x, axis1=-2, axis2=-1) > 0, axis=-1))


class _PositiveDefinite(Constraint):
    """Symmetric (within 1e-6) matrices whose eigenvalues are all positive."""

    event_dim = 2

    def check(self, value: Tensor) -> Tensor:
        x = _array(value)
        symmetric = np.all(np.isclose(x, np.swapaxes(x, -1, -2), atol=1e-6).reshape(x.shape[:-2] + (-1,)), axis=-1)
        with np.errstate(invalid="ignore"):
            positive = np.all(np.linalg.eigvalsh(x) > 0, axis=-1)  # eigvalsh reads the lower triangle
        return _bools(symmetric & positive)


dependent = _Dependent()
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
real_vector = _IndependentConstraint(real, 1)
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
integer_interval = _IntegerInterval
multinomial = _Multinomial
independent = _IndependentConstraint

__all__ = [
    "Constraint", "MixtureSameFamilyConstraint", "boolean", "dependent", "greater_than", "greater_than_eq",
    "half_open_interval", "independent", "integer_interval", "interval", "is_dependent", "less_than",
    "lower_cholesky", "multinomial", "nonnegative", "nonnegative_integer", "one_hot", "positive",
    "positive_definite", "positive_integer", "real", "real_vector", "simplex", "unit_interval",
]
