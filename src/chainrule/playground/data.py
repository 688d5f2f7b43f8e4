"""The data sets of TensorFlow Playground and its input features, in NumPy.

Each generator follows the recipe of TF Playground's ``dataset.ts`` (reimplemented here): points
in the square ``[-6, 6]^2``, labels ``+1``/``-1`` for classification and values in ``[-1, 1]`` for
regression, ``noise`` a fraction in ``[0, 0.5]``. Classification sets have 500 points, regression
sets 1200, as in the original.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

DOMAIN = 6.0  # the plotted square is [-DOMAIN, DOMAIN]^2
CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("reg-plane", "reg-gauss")
DATASETS = CLASSIFICATION + REGRESSION
N_CLASSIFY, N_REGRESS = 500, 1200

# hash key -> (label shown on the page, f(x1, x2))
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x": ("x1", lambda x, y: x),
    "y": ("x2", lambda x, y: y),
    "xSquared": ("x1²", lambda x, y: x * x),
    "ySquared": ("x2²", lambda x, y: y * y),
    "xTimesY": ("x1x2", lambda x, y: x * y),
    "sinX": ("sin x1", lambda x, y: np.sin(x)),
    "sinY": ("sin x2", lambda x, y: np.sin(y)),
}


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Half the points in a disc of radius 2.5 (+1), half in a ring 3.5..5 (-1); noise moves the
    point at which the label is read, so noisy labels cross the boundary."""
    radius = 5.0
    parts = []
    for lo, hi in ((0.0, 0.5 * radius), (0.7 * radius, radius)):
        m = n // 2
        r = rng.uniform(lo, hi, m)
        angle = rng.uniform(0, 2 * np.pi, m)
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx, ny = rng.uniform(-radius, radius, (2, m)) * noise
        label = np.where(np.hypot(x + nx, y + ny) < 0.5 * radius, 1.0, -1.0)
        parts.append((x, y, label))
    return _stack(parts)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points kept 0.3 away from the axes; the label is the sign of x1 * x2."""
    x, y = rng.uniform(-5, 5, (2, n))
    x = x + np.where(x > 0, 0.3, -0.3)
    y = y + np.where(y > 0, 0.3, -0.3)
    nx, ny = rng.uniform(-5, 5, (2, n)) * noise
    label = np.where((x + nx) * (y + ny) >= 0, 1.0, -1.0)
    return np.stack([x, y], 1), label


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds at (2, 2) (+1) and (-2, -2) (-1); noise widens them (variance 0.5..4)."""
    variance = 0.5 + noise / 0.5 * 3.5
    parts = []
    for c, label in ((2.0, 1.0), (-2.0, -1.0)):
        m = n // 2
        x, y = rng.normal(c, np.sqrt(variance), (2, m))
        parts.append((x, y, np.full(m, label)))
    return _stack(parts)


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals of 1.75 turns, radius 0..5, the second turned by pi."""
    m = n // 2
    parts = []
    for delta, label in ((0.0, 1.0), (np.pi, -1.0)):
        i = np.arange(m) / m
        r, t = 5 * i, 1.75 * i * 2 * np.pi + delta
        x = r * np.sin(t) + rng.uniform(-1, 1, m) * noise
        y = r * np.cos(t) + rng.uniform(-1, 1, m) * noise
        parts.append((x, y, np.full(m, label)))
    return _stack(parts)


def reg_plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points; the value is (x1 + x2) / 10, read at a noise-shifted point."""
    x, y = rng.uniform(-DOMAIN, DOMAIN, (2, n))
    nx, ny = rng.uniform(-DOMAIN, DOMAIN, (2, n)) * noise
    return np.stack([x, y], 1), np.clip((x + nx + y + ny) / 10, -1, 1)


def reg_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Six bumps of alternating sign on a 3 x 2 grid; the value is the largest in magnitude of
    sign * max(0, 1 - distance / 2)."""
    x, y = rng.uniform(-DOMAIN, DOMAIN, (2, n))
    nx, ny = rng.uniform(-DOMAIN, DOMAIN, (2, n)) * noise
    px, py = x + nx, y + ny
    centres = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])
    dist = np.hypot(px[:, None] - centres[:, 0], py[:, None] - centres[:, 1])  # [n, 6]
    bumps = centres[:, 2] * np.clip(1 - dist / 2, 0, 1)
    label = bumps[np.arange(n), np.abs(bumps).argmax(1)]
    return np.stack([x, y], 1), label


GENERATORS = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral,
              "reg-plane": reg_plane, "reg-gauss": reg_gauss}


def generate(name: str, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points ``[n, 2]`` and labels ``[n]`` of data set ``name``, shuffled (as TF Playground does
    before splitting into train and test)."""
    if name not in GENERATORS:
        raise ValueError(f"playground: unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    if not 0 <= noise <= 0.5:
        raise ValueError(f"playground: noise must be in [0, 0.5], got {noise}")
    n = N_REGRESS if name in REGRESSION else N_CLASSIFY
    points, labels = GENERATORS[name](n, noise, rng)
    order = rng.permutation(len(labels))
    return points[order], labels[order]


def features(points: np.ndarray, names: list[str]) -> np.ndarray:
    """The input columns ``[n, len(names)]`` computed from ``points`` ``[n, 2]``."""
    x, y = points[:, 0], points[:, 1]
    return np.stack([FEATURES[k][1](x, y) for k in names], 1)


def _stack(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return np.stack([x, y], 1), np.concatenate([p[2] for p in parts])
