"""chainrule needs NumPy alone; everything else comes with an extra and is imported where it is used.

The proof is a fresh virtual environment (no system site-packages) holding NumPy and nothing
else: NumPy is linked in from this interpreter's installation (the same build, no download) and
chainrule comes from this checkout's ``src``. In it a small MLP trains with ``chainrule.nn``,
``optim.Adam`` and ``data.DataLoader``, without loading numba, scikit-learn, matplotlib, SciPy
or Typer, and the ``chainrule`` command says in one line which extra to install.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# modules of the extras, which a NumPy-only environment must neither have nor need
EXTRAS = ["numba", "sklearn", "matplotlib", "scipy", "typer", "click", "tqdm", "jinja2", "graphviz", "PIL",
          "mnist1d", "threadpoolctl", "torch"]


@pytest.fixture(scope="module")
def numpy_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A virtual environment with only NumPy installed, and the environment variables to run it
    in (this process's, less every PYTHON* variable that could lend it other packages)."""
    venv = tmp_path_factory.mktemp("numpy-only") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "CHAINRULE_JIT"}
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True, env=env).stdout.strip())
    installed = Path(np.__file__).resolve().parent.parent  # NumPy's site-packages here
    for entry in [installed / "numpy", installed / "numpy.libs", *installed.glob("numpy-*.dist-info")]:
        if entry.exists():
            (site / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (site / "chainrule-src.pth").write_text(f"{ROOT / 'src'}\n")
    return python, env


def run_in(numpy_only: tuple[Path, dict[str, str]], *args: str) -> subprocess.CompletedProcess[str]:
    python, env = numpy_only
    return subprocess.run([python, *args], capture_output=True, text=True, env=env, cwd=ROOT / "tests",
                          timeout=300, check=False)


def test_the_environment_has_numpy_and_nothing_of_the_extras(numpy_only):
    proc = run_in(numpy_only, "-c", textwrap.dedent(f"""
        import importlib.util, json, sys
        print(json.dumps({{"numpy": importlib.util.find_spec("numpy") is not None,
                          "importable": [m for m in {EXTRAS!r} if importlib.util.find_spec(m) is not None],
                          "prefix_is_venv": sys.prefix != sys.base_prefix}}))
    """))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {"numpy": True, "importable": [], "prefix_is_venv": True}


def test_an_mlp_trains_with_numpy_alone(numpy_only):
    proc = run_in(numpy_only, "-c", textwrap.dedent(f"""
        import json, sys
        import numpy as np

        import chainrule
        from chainrule import autograd, nn, optim
        from chainrule.data import DataLoader, Dataset, TensorDataset

        chainrule.manual_seed(0)
        g = np.random.default_rng(0)
        X = g.standard_normal((512, 2)).astype(np.float32)
        y = ((X[:, 0] * X[:, 1]) > 0).astype(np.int64)  # XOR of the signs: needs the hidden layer
        loader = DataLoader(TensorDataset(chainrule.from_numpy(X), chainrule.from_numpy(y)), batch_size=64,
                            shuffle=True)
        assert isinstance(loader.dataset, Dataset)
        model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
        optimizer = optim.Adam(model.parameters(), lr=0.02)
        loss_fn = nn.CrossEntropyLoss()
        epochs = []
        for epoch in range(30):
            total = 0.0
            for xb, yb in loader:
                loss = loss_fn(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(yb)
            epochs.append(total / len(X))
        with chainrule.no_grad():
            accuracy = float((model(chainrule.from_numpy(X)).numpy().argmax(1) == y).mean())
        print(json.dumps({{"loss": epochs, "accuracy": accuracy,
                          "loaded": sorted(m for m in {EXTRAS!r} if m in sys.modules),
                          "kernels": chainrule.backend.jit.available()}}))
    """))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["loaded"] == [], f"NumPy-only training loaded {out['loaded']}"
    assert out["kernels"] is False  # numba is not there: every fast path hands over to its NumPy twin
    assert out["loss"][-1] < 0.3 * out["loss"][0], out["loss"]
    assert out["accuracy"] > 0.9


def test_the_command_without_its_extra_is_one_line_naming_it(numpy_only):
    proc = run_in(numpy_only, "-m", "chainrule", "train")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "'lab' extra" in proc.stderr and 'pip install "chainrule[lab]"' in proc.stderr
    assert "Traceback" not in proc.stderr


def test_pyproject_declares_numpy_alone_and_the_extras():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    from chainrule.__main__ import EXTRA, EXTRA_MODULES

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == ["numpy>=1.26"]
    extras = project["optional-dependencies"]

    def names(requirements: list[str]) -> set[str]:
        return {r.split(">")[0].split("=")[0].split("[")[0].strip().lower() for r in requirements}

    lab = names(extras[EXTRA])
    distribution = {"sklearn": "scikit-learn", "PIL": "pillow", "click": "typer"}  # click comes with typer
    assert {distribution.get(m, m).lower() for m in EXTRA_MODULES} <= lab
    assert names(extras["fast"]) == {"numba"} and "chainrule[fast]" in extras[EXTRA]
    assert f"chainrule[{EXTRA}]" in extras["test"] and "torch" in names(extras["test"])
    assert project["scripts"]["chainrule"] == "chainrule.__main__:main"
