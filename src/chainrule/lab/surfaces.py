"""2-D test surfaces for the optimisers, and the loop that runs an optimiser on one.

Each surface is written once with arithmetic operators, so the same function evaluates NumPy
grids (for contour plots) and chainrule scalars (for the engine's gradient).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import chainrule as cr
from chainrule import optim


@dataclass(frozen=True)
class Surface:
    name: str
    f: Callable[[Any, Any], Any]
    start: tuple[float, float]
    minimum: tuple[float, float] | None
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    tex: str


def ravine(a: float = 0.1, b: float = 10.0) -> Surface:
    """An ill-conditioned quadratic bowl 0.5 (a x^2 + b y^2): curvature ratio b/a."""
    return Surface("ravine", lambda x, y: 0.5 * (a * x * x + b * y * y), (-9.0, 1.2), (0.0, 0.0),
                   (-10.0, 2.0), (-1.6, 1.6),
                   rf"f(x, y) = \dfrac{{1}}{{2}}\,({a:g}\,x^2 + {b:g}\,y^2)")


ROSENBROCK = Surface("Rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
                     (-1.2, 1.0), (1.0, 1.0), (-2.0, 2.0), (-1.0, 3.0),
                     r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2")
BEALE = Surface("Beale", lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2
                + (2.625 - x + x * y * y * y) ** 2, (1.0, 1.5), (3.0, 0.5), (-1.0, 4.5), (-1.5, 2.0),
                r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2")
SADDLE = Surface("saddle", lambda x, y: x * x - y * y, (-1.0, 1e-3), None, (-1.2, 1.2),
                 (-1.2, 1.2), r"f(x, y) = x^2 - y^2")


def optimize(surface: Surface, make: Callable[[list[cr.Tensor]], optim.Optimizer], steps: int,
             stop: Callable[[float, np.ndarray], bool] | None = None) -> dict[str, np.ndarray]:
    """Run an optimiser from the surface's start; the path (steps + 1 points) and f along it.

    ``stop(f, point)`` ends the run early (reached the goal); a point leaving every sensible
    range (|coordinate| > 1e6, or not finite) ends it as diverged.
    """
    x, y = (cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in surface.start)
    opt = make([x, y])
    path, values = [surface.start], []
    for _ in range(steps):
        loss = surface.f(x, y)
        values.append(loss.item())
        if stop is not None and stop(values[-1], np.array(path[-1])):
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
        point = (x.item(), y.item())
        if not np.all(np.isfinite(point)) or max(abs(point[0]), abs(point[1])) > 1e6:
            return {"path": np.array(path), "f": np.array(values), "diverged": True}
        path.append(point)
    else:
        values.append(surface.f(*path[-1]))
    return {"path": np.array(path), "f": np.array(values), "diverged": False}
