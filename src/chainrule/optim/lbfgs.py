"""L-BFGS: a quasi-Newton method that builds its curvature model from the last few steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Group, Optimizer, ParamsT, StateDict, check_nonnegative, check_real

LINE_SEARCHES = (None, "strong_wolfe")

# a scalar of the computation: a float, or a NumPy scalar of the parameters' dtype
Scalar = Any
Objective = Callable[[list[np.ndarray], Scalar, np.ndarray], tuple[float, np.ndarray]]


class LBFGS(Optimizer):
    r"""Limited-memory BFGS, as ``torch.optim.LBFGS``.

    Newton's method steps to :math:`x - H ∇f(x)` with :math:`H` the inverse Hessian; BFGS builds
    :math:`H` from the gradients seen so far, and L-BFGS keeps only the last :math:`m` pairs
    (``history_size``) of steps and gradient changes

    .. math::  s_k = x_{k+1} - x_k, \qquad y_k = g_{k+1} - g_k, \qquad ρ_k = 1 / (y_k^T s_k),

    which is enough to apply :math:`H` to a vector without ever forming it. In the lecture's
    notation, :math:`x` is θ, all parameters as one flat vector (there is one parameter group),
    :math:`f(x) = J(θ)` the loss and :math:`g = ∇_θ J(θ)` its gradient; gradient descent's step
    :math:`θ ← θ - η g` becomes :math:`θ ← θ + t d` with the quasi-Newton direction :math:`d` and a
    step length :math:`t`. Every ``step(closure)`` runs up to ``max_iter`` iterations, each
    re-evaluating the loss through ``closure``:

    1. **Direction** :math:`d = -H_k g_k`. On the first iteration :math:`d = -g`. After that, a pair
       :math:`(s, y)` enters the history when :math:`y^T s > 10^{-10}` (the curvature condition,
       which keeps :math:`H` positive definite; the oldest pair leaves when there are ``m``), the
       initial Hessian is :math:`H_0 = γ I` with :math:`γ = y^T s / y^T y` of the newest pair, and
       the two-loop recursion gives :math:`d`::

           q = -g
           for i = newest … oldest:   α_i = ρ_i s_iᵀ q;     q ← q - α_i y_i
           r = γ q
           for i = oldest … newest:   β_i = ρ_i y_iᵀ r;     r ← r + (α_i - β_i) s_i
           d = r

    2. **Step length** :math:`t`: at first :math:`t = \min(1, 1 / ‖g‖_1) · η` (the gradient's scale
       is unknown yet), then :math:`t = η`. Without a line search the step is
       :math:`x ← x + t d`; with ``line_search_fn='strong_wolfe'``, :math:`t` is searched for
       that satisfies the strong Wolfe conditions

       .. math::  f(x + t d) ≤ f(x) + c_1 t\, g^T d, \qquad |∇f(x + t d)^T d| ≤ c_2 |g^T d|

       (:math:`c_1 = 10^{-4}`, :math:`c_2 = 0.9`): sufficient decrease, and a slope that has
       flattened. A bracketing phase grows :math:`t` (by cubic interpolation, within
       :math:`[t + 0.01 (t - t_{prev}), 10 t]`) until an interval holds such a point, and a zoom
       phase shrinks the interval by cubic interpolation of the function values and slopes at its
       ends.

    3. **Stopping**: the iterations end when ``max_iter`` is reached, when ``max_eval`` closure
       calls are spent, when :math:`\max |g| ≤` ``tolerance_grad`` (first-order optimality), when
       the directional derivative :math:`g^T d > -` ``tolerance_change`` (no descent), or when
       :math:`\max |t d|` or :math:`|f_k - f_{k-1}|` falls below ``tolerance_change`` (no progress).

    The state lives under the first parameter, in PyTorch's layout: ``func_evals`` and ``n_iter``
    (closure calls and iterations over all steps), ``d``, ``t``, ``old_dirs`` (the :math:`y_i`),
    ``old_stps`` (the :math:`s_i`), ``ro`` (the :math:`ρ_i`), ``H_diag`` (γ), ``prev_flat_grad``,
    ``prev_loss`` and ``al`` (the :math:`α_i`).

    References: D. C. Liu, J. Nocedal, "On the limited memory BFGS method for large scale
    optimization", Mathematical Programming 45, 1989; J. Nocedal, S. J. Wright, "Numerical
    Optimization", 2nd ed., Springer 2006 (algorithms 7.4 and 3.5-3.6, the line search).

    Args:
        params: the parameters to optimise (one group only).
        lr: learning rate η, the scale of each step (default 1).
        max_iter: the most iterations per ``step`` (default 20).
        max_eval: the most closure calls per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this (default 1e-7).
        tolerance_change: stop when a step or the change of the loss is below this (default 1e-9).
        history_size: the number m of (s, y) pairs kept (default 100).
        line_search_fn: None (fixed steps) or ``'strong_wolfe'``.

    ``step(closure)`` needs the closure: it clears the gradients, computes the loss, calls
    ``backward()`` and returns the loss::

        def closure():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            return loss
        opt.step(closure)
    """

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Only one group: L-BFGS works on the flat vector of all parameters."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _validate(self, group: Group) -> None:
        check_nonnegative("LBFGS", "lr", group["lr"], "learning rate")
        for key in ("max_iter", "max_eval", "history_size", "tolerance_grad", "tolerance_change"):
            check_real("LBFGS", key, group[key])
        if group["line_search_fn"] not in LINE_SEARCHES:
            raise ValueError(
                f"LBFGS: invalid line_search_fn={group['line_search_fn']!r}; only 'strong_wolfe' "
                "and None (fixed steps of length lr) are supported"
            )

    # ------------------------------------------------------------------ the flat vector x
    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        """g: all gradients as one vector (zeros for a parameter without one)."""
        views = [p.grad._data.reshape(-1) if p.grad is not None else np.zeros(p._data.size, p._data.dtype)
                 for p in self._params]
        return np.concatenate(views)

    def _add_step(self, t: Scalar, d: np.ndarray) -> None:
        """x ← x + t d, parameter by parameter."""
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += t * d[offset:offset + n].reshape(p._data.shape)
            offset += n

    def _copy_params(self) -> list[np.ndarray]:
        return [p._data.copy() for p in self._params]

    def _set_params(self, x: list[np.ndarray]) -> None:
        for p, value in zip(self._params, x, strict=True):
            p._data[...] = value

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, np.ndarray]:
        """The closure's loss (as returned, and as a float) and the flat gradient it leaves."""
        loss = self._evaluate_closure(closure)
        return loss, float(loss), self._flat_grad()

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[np.ndarray], t: Scalar,
                              d: np.ndarray) -> tuple[float, np.ndarray]:
        """f(x + t d) and its gradient; the parameters are put back to x."""
        self._add_step(t, d)
        _, loss, grad = self._evaluate(closure)
        self._set_params(x)
        return loss, grad

    # ------------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Up to ``max_iter`` L-BFGS iterations; returns the loss at the start of the step."""
        if closure is None:
            raise TypeError(
                "LBFGS.step needs a closure: L-BFGS evaluates the loss several times per step. Pass "
                "a function that clears the gradients, computes the loss, calls backward() and "
                "returns the loss: opt.step(closure)"
            )
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]

        state = self.state[self._params[0]]  # L-BFGS's state is global; it lives under the first parameter
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss, g = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        if np.abs(g).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d, t = _array(state.get("d")), _scalar(state.get("t"))
        old_dirs, old_stps = _arrays(state.get("old_dirs")), _arrays(state.get("old_stps"))
        ro, al = _scalars(state.get("ro")), _scalars(state.get("al"))
        H_diag, prev_g = _scalar(state.get("H_diag")), _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # 1. the direction d = -H g
            if state["n_iter"] == 1:
                d = -g
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = g - prev_g  # y = g_{k+1} - g_k
                s = d * t  # s = x_{k+1} - x_k
                ys = y.dot(s)
                if ys > 1e-10:  # the curvature condition: keep the pair
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)  # ρ = 1 / yᵀs
                    H_diag = ys / y.dot(y)  # γ = yᵀs / yᵀy
                if al is None:
                    al = [None] * history_size
                q = -g
                for i in range(len(old_dirs) - 1, -1, -1):  # newest to oldest
                    al[i] = old_stps[i].dot(q) * ro[i]  # α_i = ρ_i s_iᵀ q
                    q -= al[i] * old_dirs[i]
                d = q * H_diag  # r = γ q
                for i in range(len(old_dirs)):  # oldest to newest
                    beta = old_dirs[i].dot(d) * ro[i]  # β_i = ρ_i y_iᵀ r
                    d += (al[i] - beta) * old_stps[i]
            prev_g = g.copy()
            prev_loss = loss

            # 2. the step length t, and the step
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)  # the directional derivative gᵀd
            if gtd > -tolerance_change:
                break
            evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x = self._copy_params()

                def objective(x: list[np.ndarray], t: Scalar, d: np.ndarray) -> tuple[float, np.ndarray]:
                    return self._directional_evaluate(closure, x, t, d)

                loss, g, t, evals = strong_wolfe(objective, x, t, d, loss, g, gtd,
                                                 max_ls=max_eval - current_evals)
                self._add_step(t, d)
                optimal = np.abs(g).max() <= tolerance_grad
            else:
                self._add_step(t, d)
                if n_iter != max_iter:  # the last iteration's loss is not needed
                    _, loss, g = self._evaluate(closure)
                    optimal = np.abs(g).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            # 3. stopping
            if n_iter == max_iter or current_evals >= max_eval or optimal:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break  # no progress

        if n_iter == 0:  # max_iter < 1: nothing was done
            return orig_loss
        state["d"] = _tensor(d)
        state["t"] = t if isinstance(t, (int, float)) else _tensor(t)  # lr, or a 0-d tensor
        state["old_dirs"] = [_tensor(v) for v in old_dirs]
        state["old_stps"] = [_tensor(v) for v in old_stps]
        state["ro"] = [_tensor(v) for v in ro]
        state["H_diag"] = H_diag if isinstance(H_diag, int) else _tensor(H_diag)
        state["prev_flat_grad"] = _tensor(prev_g)
        state["prev_loss"] = prev_loss
        if al is not None:
            state["al"] = [None if v is None else _tensor(v) for v in al]
        return orig_loss

    # ------------------------------------------------------------------ state_dict
    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a state saved by ``state_dict()`` (this library's or ``torch.optim.LBFGS``'s).

        The vectors (``d``, ``prev_flat_grad``, the history) are copied and cast to the parameters'
        dtype; their length must be the number of parameter entries.
        """
        saved_state = state_dict.get("state", {}) if isinstance(state_dict, dict) else {}
        super().load_state_dict({**state_dict, "state": {}} if isinstance(state_dict, dict) else state_dict)
        if not saved_state:
            return
        keys = list(state_dict["param_groups"][0]["params"])
        dtype = np.result_type(*(p._data.dtype for p in self._params))
        size = sum(p._data.size for p in self._params)
        for key, entry in saved_state.items():
            if key not in keys:
                raise ValueError(
                    f"LBFGS.load_state_dict: the state dict has state for parameter {key!r}, which "
                    f"the parameter group does not list (it lists {keys})"
                )
            p = self._params[keys.index(key)]
            self.state[p] = {name: _load_value(name, value, dtype, size) for name, value in entry.items()}


def _load_value(name: str, value: Any, dtype: np.dtype, size: int) -> Any:
    """A saved entry as LBFGS keeps it: tensors (also inside lists) as Tensors of ``dtype``."""
    if isinstance(value, (list, tuple)):
        return [_load_value(name, v, dtype, size) for v in value]
    if value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, Tensor):
        arr = value._data
    elif hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor
        arr = value.detach().cpu().numpy()
    else:
        arr = np.asarray(value)
    if arr.ndim == 1 and arr.shape[0] != size:
        raise ValueError(
            f"LBFGS.load_state_dict: state {name!r} has {arr.shape[0]} entries, but the parameters "
            f"have {size} in all"
        )
    return Tensor._make(np.array(arr, dtype=dtype, copy=True))


def _tensor(value: Any) -> Tensor:
    return Tensor._make(np.array(value, copy=True))


def _array(value: Tensor | None) -> np.ndarray | None:
    return None if value is None else value._data.copy()


def _arrays(values: list[Tensor] | None) -> list[np.ndarray] | None:
    return None if values is None else [v._data.copy() for v in values]


def _scalar(value: Any) -> Any:
    """A saved 0-d Tensor as a NumPy scalar of its dtype (a number stays a number)."""
    return value._data[()] if isinstance(value, Tensor) else value


def _scalars(values: list[Any] | None) -> list[Any] | None:
    return None if values is None else [_scalar(v) for v in values]


# ---------------------------------------------------------------------------- the line search
def cubic_minimum(x1: Scalar, f1: Scalar, g1: Scalar, x2: Scalar, f2: Scalar, g2: Scalar,
                  bounds: tuple[Scalar, Scalar] | None = None) -> Scalar:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
    ``bounds`` (default: the interval between x1 and x2); the middle of the bounds when the cubic
    has no minimum::

        d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2)
        d2 = √(d1² - g1 g2)
        x  = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)      (x1 ≤ x2; else the mirror)
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


class _Point:
    """A trial step t with its loss f, flat gradient g and slope gᵀd."""

    __slots__ = ("f", "g", "gtd", "t")

    def __init__(self, t: Scalar, f: float, g: np.ndarray, gtd: Scalar) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def strong_wolfe(objective: Objective, x: list[np.ndarray], t: Scalar, d: np.ndarray, f: float,
                 g: np.ndarray, gtd: Scalar, c1: float = 1e-4, c2: float = 0.9,
                 tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple[float, np.ndarray, Scalar, int]:
    """A step length t along d satisfying the strong Wolfe conditions (at most ``max_ls`` trials).

    ``objective(x, t, d)`` gives f and its gradient at x + t d. Returns (f, g, t, evaluations) at
    the step found. Bracketing: while the trial step is still too short (sufficient decrease
    holds, the slope is negative but steep), extrapolate by cubic interpolation; once an
    interval [lo, hi] must contain a Wolfe point, zoom: interpolate inside it and keep the half
    that still does.
    """
    d_norm = np.abs(d).max()
    start = _Point(0, f, g.copy(), gtd)
    f_new, g_new = objective(x, t, d)
    new = _Point(t, f_new, g_new, g_new.dot(d))
    evals, ls_iter = 1, 0
    prev = start
    done = False
    bracket: list[_Point] = []

    def sufficient_decrease(p: _Point) -> bool:
        return not p.f > f + c1 * p.t * gtd

    def curvature(p: _Point) -> bool:
        return abs(p.gtd) <= -c2 * gtd

    while ls_iter < max_ls:
        if not sufficient_decrease(new) or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if curvature(new):
            bracket, done = [new], True
            break
        if new.gtd >= 0:  # the slope turned: a minimum lies between
            bracket = [prev, new]
            break
        # still descending steeply: extrapolate
        t = cubic_minimum(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                          bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev = new
        f_new, g_new = objective(x, t, d)
        new = _Point(t, f_new, g_new, g_new.dot(d))
        evals += 1
        ls_iter += 1

    if ls_iter == max_ls:  # out of trials: the bracket is [0, the last trial]
        bracket = [start, new]

    # zoom: bracket[low] has the lower loss, bracket[high] the other end
    insufficient_progress = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    while not done and ls_iter < max_ls:
        a, b = bracket[0], bracket[1]
        if abs(b.t - a.t) * d_norm < tolerance_change:  # the interval is too small
            break
        t = cubic_minimum(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        # a trial too close to an end makes little progress: move it 0.1 of the interval inside
        t_max, t_min = max(a.t, b.t), min(a.t, b.t)
        margin = 0.1 * (t_max - t_min)
        if min(t_max - t, t - t_min) < margin:
            if insufficient_progress or t >= t_max or t <= t_min:
                t = t_max - margin if abs(t - t_max) < abs(t - t_min) else t_min + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = objective(x, t, d)
        new = _Point(t, f_new, g_new, g_new.dot(d))
        evals += 1
        ls_iter += 1

        if not sufficient_decrease(new) or new.f >= bracket[low].f:
            bracket[high] = new  # the new point is the new high end
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if curvature(new):
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]  # the old low end becomes the high end
            bracket[low] = new  # the new point is the new low end

    best = bracket[low]
    return best.f, best.g, best.t, evals
