"""The chain rule and the total derivative, on the slides' two graphs.

1. ``f(x, y, z) = (x + y) z`` at ``(-2, 5, -4)``: with ``q = x + y`` and ``f = q z``, the chain
   rule gives ``df/dx = df/dq * dq/dx = z * 1 = -4``, ``df/dy = -4``, ``df/dz = q = 3``.
2. The total-derivative network: inputs ``x1, x2``, hidden ``z = tanh(x A)``,
   ``h = sigmoid(z B)``, output ``p = h1 h2``. Every input reaches ``p`` through each ``z_j`` and
   then each ``h_i``: four paths, and ``dp/dx_k`` is the sum of the four path products. The engine's
   gradient is compared with that sum level by level, and each path's term with the engine's
   gradient along that path alone (the other paths cut with ``detach``).
3. ``dL/dt = dL/dt|direct + sum_i dL/dx_i dx_i/dt`` on ``L = t x1 + x2^2``, ``x1 = sin t``,
   ``x2 = t^2``.
"""

from __future__ import annotations

import itertools

import numpy as np

import chainrule as cr
from chainrule.viz.plots import draw_network, figure

from .registry import Experiment
from .result import Figure, Result

A = np.array([[0.8, -0.6], [0.4, 0.9]])  # z = tanh(x A): A[k, j] links x_k to z_j
B = np.array([[1.2, -0.7], [0.5, 1.1]])  # h = sigmoid(z B): B[j, i] links z_j to h_i
X0 = np.array([0.5, -1.0])


def _net(x, cut: tuple[int, int, int] | None = None):
    """The slide's network on scalar tensors; ``cut = (k, j, i)`` keeps only path x_k -> z_j -> h_i.

    Cutting detaches every other input of the nodes on the path, so the engine's gradient of x_k
    is then that single path's product.
    """
    def keep(t, live: bool):
        return t if live else t.detach()

    z = []
    for j in range(2):
        s = sum(keep(x[k], cut is None or (k == cut[0] and j == cut[1])) * A[k, j] for k in range(2))
        z.append(cr.tanh(s))
    h = []
    for i in range(2):
        s = sum(keep(z[j], cut is None or (j == cut[1] and i == cut[2])) * B[j, i] for j in range(2))
        h.append(cr.sigmoid(s))
    p = keep(h[0], cut is None or cut[2] == 0) * keep(h[1], cut is None or cut[2] == 1)
    return z, h, p


def _simple_circuit(res: Result) -> bool:
    x, y, z = (cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    q = x + y
    q.retain_grad()
    f = q * z
    f.backward()
    got = {"q": q.item(), "f": f.item(), "df/dx": x.grad.item(), "df/dy": y.grad.item(),
           "df/dz": z.grad.item(), "df/dq": q.grad.item()}
    # the chain rule by hand: df/dq = z, dq/dx = dq/dy = 1, df/dz = q
    want = {"q": -2.0 + 5.0, "f": (-2.0 + 5.0) * -4.0, "df/dx": -4.0 * 1, "df/dy": -4.0 * 1,
            "df/dz": 3.0, "df/dq": -4.0}
    res.table("f = (x + y) z at (x, y, z) = (-2, 5, -4): the engine's forward values and gradients "
              "against the chain rule by hand.", ["quantity", "by hand", "engine"],
              [[k, want[k], got[k]] for k in want])
    res.numbers["circuit"] = got

    fig, ax = figure(size=(7.5, 3.6))
    nodes = {"x": (0, 2, "x"), "y": (0, 1, "y"), "z": (0, 0, "z"), "q": (1.6, 1.5, "+"),
             "f": (3.2, 0.75, "×"), "out": (4.5, 0.75, "f")}
    edges = [("x", "q", "x = -2", f"∂f/∂x = {got['df/dx']:g}"),
             ("y", "q", "y = 5", f"∂f/∂y = {got['df/dy']:g}"),
             ("z", "f", "z = -4", f"∂f/∂z = {got['df/dz']:g}"),
             ("q", "f", "q = 3", f"∂f/∂q = {got['df/dq']:g}"),
             ("f", "out", "f = -12", "1")]
    draw_network(ax, nodes, edges)
    ax.set_xlim(-0.5, 4.9)
    ax.set_ylim(-0.5, 2.5)
    res.figure(fig, "circuit", "f = (x + y) z as a graph: forward values in green above each wire, "
               "gradients from chainrule's backward in red below.")
    from chainrule.viz import GraphvizMissingError, draw_graph  # graphviz: imported when drawn

    try:  # the graph the engine actually recorded and walked backward
        graph = draw_graph(f, {"x": x, "y": y, "z": z, "q": q, "f": f})
        res.figures.append(Figure("engine-graph", "The same computation as chainrule recorded it "
                                  "(chainrule.viz.draw_graph after backward): tensors with their "
                                  "values and gradients (red), operations named by their grad_fn.",
                                  graph.pipe(format="png"), "png"))
    except GraphvizMissingError as e:
        res.numbers["engine_graph_skipped"] = str(e)
    return got == want


def _total_derivative_network(res: Result) -> tuple[bool, bool]:
    x = [cr.tensor(v, requires_grad=True) for v in X0]  # float64
    z, h, p = _net(x)
    for t in (*z, *h):
        t.retain_grad()
    p.backward()
    zv = np.array([t.item() for t in z])
    hv = np.array([t.item() for t in h])
    # the slide's local derivatives, in closed form
    dp_dh = np.array([hv[1], hv[0]])  # p = h1 h2
    dh_dz = np.array([[hv[i] * (1 - hv[i]) * B[j, i] for j in range(2)] for i in range(2)])  # [i, j]
    dz_dx = np.array([[(1 - zv[j] ** 2) * A[k, j] for k in range(2)] for j in range(2)])  # [j, k]

    level3 = dp_dh
    level2 = np.array([sum(dp_dh[i] * dh_dz[i, j] for i in range(2)) for j in range(2)])
    terms = {}
    for k in range(2):
        for j, i in itertools.product(range(2), range(2)):  # the slide's order: via z1, then z2
            terms[(k, j, i)] = dp_dh[i] * dh_dz[i, j] * dz_dx[j, k]
    level1 = np.array([sum(v for key, v in terms.items() if key[0] == k) for k in range(2)])
    engine = {3: np.array([t.grad.item() for t in h]), 2: np.array([t.grad.item() for t in z]),
              1: np.array([t.grad.item() for t in x])}
    formula = {3: level3, 2: level2, 1: level1}
    level_err = max(float(np.abs(engine[n] - formula[n]).max()) for n in (1, 2, 3))

    rows, path_err = [], 0.0
    for (k, j, i), term in terms.items():
        xs = [cr.tensor(v, requires_grad=True) for v in X0]
        _, _, p_path = _net(xs, cut=(k, j, i))
        p_path.backward()
        along = xs[k].grad.item()
        path_err = max(path_err, abs(along - term))
        rows.append([f"x{k + 1} → z{j + 1} → h{i + 1} → p",
                     f"∂p/∂h{i + 1}·∂h{i + 1}/∂z{j + 1}·∂z{j + 1}/∂x{k + 1}", float(term), along])
    for k in range(2):
        rows.append([f"sum over paths (x{k + 1})", f"∂p/∂x{k + 1}", float(level1[k]),
                     float(engine[1][k])])
    res.table("The slide's total-derivative formula for dp/dx, term by term: each path's product "
              "of local derivatives (closed form) and the engine's gradient along that path alone; "
              "then the sums and the engine's full gradient.",
              ["path", "term", "formula", "engine"], rows)
    level_rows = []
    names = {3: ["h1", "h2"], 2: ["z1", "z2"], 1: ["x1", "x2"]}
    for n in (3, 2, 1):
        for m in range(2):
            level_rows.append([f"{n}: ∂p/∂{names[n][m]}", float(formula[n][m]), float(engine[n][m])])
    res.table("Level by level, as on the slide (3: output layer, 2: hidden, 1: inputs).",
              ["derivative", "slide's formula", "engine"], level_rows)
    res.numbers.update(network_level_error=level_err, network_path_error=path_err,
                       dp_dx=engine[1])

    fig, ax = figure(size=(8, 3.8))
    nodes = {"x1": (0, 1.6, "$x_1$"), "x2": (0, 0, "$x_2$"), "z1": (1.6, 1.6, "$z_1$"),
             "z2": (1.6, 0, "$z_2$"), "h1": (3.2, 1.6, "$h_1$"), "h2": (3.2, 0, "$h_2$"),
             "p": (4.8, 0.8, "$p$")}
    edges = [(f"x{k + 1}", f"z{j + 1}", f"{dz_dx[j, k]:.3f}", "") for k in range(2) for j in range(2)]
    edges += [(f"z{j + 1}", f"h{i + 1}", f"{dh_dz[i, j]:.3f}", "") for j in range(2) for i in range(2)]
    edges += [(f"h{i + 1}", "p", f"{dp_dh[i]:.3f}", "") for i in range(2)]
    notes = {key: f"∂p/∂{key} = {engine[n][m]:.4f}" for n, keys in names.items()
             for m, key in enumerate(keys)}
    draw_network(ax, nodes, edges, at=0.27, notes=notes, colors=("#0b3d91", "#cf222e"))
    ax.set_xlim(-0.4, 5.2)
    ax.set_ylim(-0.6, 2.2)
    res.figure(fig, "network", "The total-derivative network: z = tanh(xA), h = sigmoid(zB), "
               "p = h1·h2. Each edge carries its local derivative (e.g. ∂z_j/∂x_k on the first "
               "layer); under each node, the engine's ∂p/∂node, which is the sum over all paths "
               "from the node to p of the products along the path.")
    return level_err <= 1e-12, path_err <= 1e-12


def _total_derivative(res: Result) -> bool:
    t0 = 0.7
    t = cr.tensor(t0, dtype=cr.float64, requires_grad=True)
    x1, x2 = cr.sin(t), t * t
    L = t * x1 + x2 * x2
    L.backward()
    # dL/dt = dL/dt (direct) + dL/dx1 dx1/dt + dL/dx2 dx2/dt
    parts = [np.sin(t0), t0 * np.cos(t0), 2 * t0**2 * 2 * t0]
    total = float(sum(parts))
    res.table("dL/dt for L(t, x1(t), x2(t)) = t·x1 + x2², x1 = sin t, x2 = t², at t = 0.7.",
              ["term", "value"],
              [["∂L/∂t (direct) = x1", parts[0]], ["∂L/∂x1 · dx1/dt = t · cos t", parts[1]],
               ["∂L/∂x2 · dx2/dt = 2x2 · 2t", parts[2]], ["sum (formula)", total],
               ["engine: t.grad", t.grad.item()]])
    res.numbers["dL_dt"] = {"formula": total, "engine": t.grad.item()}
    return abs(t.grad.item() - total) <= 1e-12


def _run(res: Result, fast: bool) -> None:
    ok = _simple_circuit(res)
    res.check("f = (x + y) z at (-2, 5, -4): the engine's gradients are the chain rule's "
              "(df/dx = df/dq · dq/dx = -4, df/dy = -4, df/dz = 3)", ok,
              f"engine: {res.numbers['circuit']}")
    levels_ok, paths_ok = _total_derivative_network(res)
    res.check("Total-derivative network: at each level the engine's gradient equals the slide's "
              "sum over paths", levels_ok,
              f"largest difference {res.numbers['network_level_error']:.1e} over the 6 derivatives")
    res.check("Term by term: the engine's gradient along each single path equals that path's "
              "product of local derivatives", paths_ok,
              f"8 paths, largest difference {res.numbers['network_path_error']:.1e}")
    ok = _total_derivative(res)
    res.check("dL/dt = ∂L/∂t + Σ ∂L/∂x_i · dx_i/dt: the engine adds the direct and the indirect "
              "paths", ok, f"formula {res.numbers['dL_dt']['formula']:.12f}, engine "
              f"{res.numbers['dL_dt']['engine']:.12f}")


EXPERIMENT = Experiment(
    name="chain-rule",
    title="Backprop basics: the chain rule and the total derivative",
    slide="Backprop Basics and Chain Rule; Backprop Basics and total derivative",
    claim="Backpropagation is the chain rule applied node by node: df/dx = df/dq · dq/dx; where a "
          "variable reaches the output along several paths, its derivative is the sum over the "
          "paths (the total derivative).",
    formulas=(r"f(x, y, z) = (x + y)z,\quad q = x + y,\quad f = qz",
              r"\dfrac{\partial f}{\partial x} = \dfrac{\partial f}{\partial q}\,"
              r"\dfrac{\partial q}{\partial x}",
              r"\dfrac{\partial p}{\partial z_1} = \dfrac{\partial p}{\partial h_1}"
              r"\dfrac{\partial h_1}{\partial z_1} + \dfrac{\partial p}{\partial h_2}"
              r"\dfrac{\partial h_2}{\partial z_1}",
              r"\dfrac{\partial p}{\partial x_1} = \dfrac{\partial p}{\partial h_1}"
              r"\dfrac{\partial h_1}{\partial z_1}\dfrac{\partial z_1}{\partial x_1} + "
              r"\dfrac{\partial p}{\partial h_2}\dfrac{\partial h_2}{\partial z_1}"
              r"\dfrac{\partial z_1}{\partial x_1} + \dfrac{\partial p}{\partial h_1}"
              r"\dfrac{\partial h_1}{\partial z_2}\dfrac{\partial z_2}{\partial x_1} + "
              r"\dfrac{\partial p}{\partial h_2}\dfrac{\partial h_2}{\partial z_2}"
              r"\dfrac{\partial z_2}{\partial x_1}",
              r"\dfrac{dL}{dt} = \dfrac{\partial L}{\partial t} + \sum_{i=1}^n "
              r"\dfrac{\partial L}{\partial x_i} \dfrac{dx_i}{dt}"),
    method="Both graphs from the slides are built from chainrule tensors in float64 and "
           "differentiated by one backward pass; intermediate gradients are kept with retain_grad. "
           "The slide's formulas are evaluated from closed-form local derivatives, and each path "
           "of the network is isolated by detaching every other path.",
    run=_run,
)
