"""The benchmark suite runs: ``python -m bench --smoke`` runs every benchmark for a few steps.

No timing is asserted (timings belong to ``BENCHMARKS.md``, measured by the full suite); this
checks that each benchmark runs end to end, that the contenders of the step benchmarks
computed the same losses, and that the raw results, the plot and the report are written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = "abcdefghmps"  # every benchmark of the suite (bench/__main__.py's ORDER)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    return out, proc


def test_smoke_runs_every_benchmark(smoke: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = smoke
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    saved = json.loads((out / "results.json").read_text())
    assert saved["smoke"] is True
    assert sorted(saved["runs"]) == sorted(BENCHMARKS)
    assert saved["machine"]["blas"]["threads"] >= 1


def test_step_benchmarks_compare_equal_work(smoke: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    runs = json.loads((smoke[0] / "results.json").read_text())["runs"]
    for key in "ab":
        result = runs[key]["result"]
        losses = result["first_losses"]
        per_parameter, ops = "numpy floor, per-parameter Adam", "chainrule reference ops, no framework"
        assert set(losses) == {"chainrule", "pytorch", "numpy floor", "chainrule reference", per_parameter, ops}
        for name in ("chainrule", "numpy floor", "chainrule reference", per_parameter, ops):
            np.testing.assert_allclose(losses[name], losses["pytorch"], rtol=1e-4)
        assert losses["pytorch"][-1] < losses["pytorch"][0]  # the steps train
        for t in result["timings"].values():
            assert len(t["blocks_s"]) == result["blocks"] and t["median_s"] > 0
        assert set(result["ratios"]) == {"chainrule/pytorch", "chainrule/numpy floor", "pytorch/numpy floor",
                                         "chainrule reference/numpy floor", "chainrule reference/pytorch",
                                         "per-parameter floor/numpy floor",
                                         "chainrule reference/per-parameter floor",
                                         "reference ops/numpy floor", "chainrule reference/reference ops"}


def test_recipe_memory_and_scripts(smoke: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    runs = json.loads((smoke[0] / "results.json").read_text())["runs"]
    recipe = runs["c"]["result"]["libraries"]
    assert set(recipe) == {"chainrule", "pytorch", "numpy floor"}
    for name, lib in recipe.items():
        assert 0 <= lib["test_acc"] <= 100 and lib["wall_s"] > 0, name
        assert len(lib["periods_s"]) == 3  # 20 smoke steps, an evaluation every 10: steps 0, 10, 20
        startup = lib["startup_s"]  # measured in a fresh process: the import and the first step
        assert startup["import_s"] > 0 and startup["first_step_s"] > 0, name
        assert lib["wall_with_startup_s"] > lib["wall_s"], name
        assert 0 <= lib["dead_units"] <= 1, name
    memory = runs["e"]["result"]["libraries"]
    assert memory["chainrule"]["imports_torch"] is False and memory["pytorch"]["imports_torch"] is True
    assert all(m["peak_rss_mb"] > 0 for m in memory.values())
    scripts = runs["f"]["result"]
    assert set(scripts) == {"ops_overhead", "adam_step"}
    for name, o in scripts.items():
        assert o["ok"], f"{name}: {o['output']}"


def test_outputs_are_written(smoke: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = smoke
    assert (out / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "BENCHMARKS.md").read_text()
    assert "smoke run" in report and "| CPU |" in report
    for key in BENCHMARKS:
        assert f"({key})" in report
    assert "the reference path alone" in report
    assert (out / "output.txt").read_text().startswith("chainrule benchmark suite (smoke)")
    assert "chainrule/pytorch" in proc.stdout


def test_benchmarked_step_stays_float32() -> None:
    """The step the suite times runs float32 end to end: no silent float64 anywhere."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench.models import batch, mlp, residual_mlp, train_step
    finally:
        sys.path.remove(str(ROOT))
    for model, sizes in ((mlp(chainrule.nn, [20, 16, 16, 4]), [20, 16, 16, 4]),
                         (residual_mlp(chainrule.nn, 20, 4, 16), [20, 16, 16, 4])):
        opt = chainrule.optim.Adam(model.parameters(), lr=1e-3)
        x, y = batch(sizes, 8)
        step = train_step(chainrule.nn.functional, model, opt, chainrule.from_numpy(x), chainrule.from_numpy(y))
        loss = step()
        assert loss.dtype == np.float32
        for p in model.parameters():
            assert p._data.dtype == np.float32 and p.grad._data.dtype == np.float32
            assert all(v._data.dtype == np.float32 for v in opt.state[p].values() if hasattr(v, "_data"))


def test_reference_contender_runs_with_the_backend_off() -> None:
    """The reference contender steps with every fast path removed, whether called alone or in a
    timed block (where the backend is switched off once, around the block), and the backend is
    as it was afterwards."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench.contenders import ReferenceStep
        from bench.timing import interleaved
    finally:
        sys.path.remove(str(ROOT))
    seen: list[bool] = []
    step = ReferenceStep(lambda: seen.append(chainrule.backend.is_enabled()))
    before = chainrule.backend.is_enabled()
    step()
    timings, per_block = interleaved({"reference": step}, blocks=2, block_seconds=0.0, warmup=1,
                                     settle=0.0, min_steps=3)
    assert per_block == 3 and len(timings["reference"].blocks) == 2
    assert seen == [False] * (1 + 2 + 2 * 4)  # alone, warm-up (1 untimed + 1), 2 blocks of 1 + 3
    assert chainrule.backend.is_enabled() == before


def test_per_parameter_floor_is_the_same_arithmetic() -> None:
    """The floor with Adam run one parameter at a time makes exactly the flat floor's updates."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench.floor import NumpyMLP
        from bench.models import batch
    finally:
        sys.path.remove(str(ROOT))
    sizes = [12, 9, 9, 4]
    flat, per_parameter = NumpyMLP(sizes, 8), NumpyMLP(sizes, 8, per_parameter_adam=True)
    assert len(flat.adam_units) == 1 and len(per_parameter.adam_units) == 6
    x, y = batch(sizes, 8)
    for _ in range(3):
        assert flat.step(x, y) == per_parameter.step(x, y)
    np.testing.assert_array_equal(flat.theta, per_parameter.theta)
    np.testing.assert_array_equal(flat.v, per_parameter.v)


def test_reference_ops_alone_are_the_reference_step() -> None:
    """The reference's arithmetic called without the framework makes exactly the reference path's
    steps: the same losses and the same parameters, bit for bit."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench.models import batch, linear_layers, mlp, numpy_state, train_step
        from bench.reference_ops import ReferenceOps
    finally:
        sys.path.remove(str(ROOT))
    sizes = [12, 9, 9, 4]
    chainrule.manual_seed(0)
    model = mlp(chainrule.nn, sizes)
    ops = ReferenceOps(linear_layers(numpy_state(model)))
    x, y = batch(sizes, 8)
    step = train_step(chainrule.nn.functional, model, chainrule.optim.Adam(model.parameters(), lr=1e-3),
                      chainrule.from_numpy(x), chainrule.from_numpy(y))
    with chainrule.backend.disabled():
        for _ in range(3):
            assert ops.step(x, y) == step().item()
    for got, want in zip(ops.params, model.parameters()):
        np.testing.assert_array_equal(got, want.detach().numpy())
