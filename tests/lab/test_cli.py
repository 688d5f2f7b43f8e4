"""``chainrule lab list | run | all`` through Typer's test runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chainrule import lab
from chainrule.lab.cli import lab_app

runner = CliRunner()


def test_list_shows_every_experiment_in_order():
    out = runner.invoke(lab_app, ["list"])
    assert out.exit_code == 0, out.output
    positions = [out.output.index(name) for name in lab.names()]
    assert positions == sorted(positions)


def test_run_writes_the_report(tmp_path):
    out = runner.invoke(lab_app, ["run", "chain-rule", "--fast", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "supported" in out.output
    data = json.loads((tmp_path / "results.json").read_text())
    assert [e["name"] for e in data["experiments"]] == ["chain-rule"]
    assert data["experiments"][0]["verdict"] is True
    assert (tmp_path / "index.html").is_file()


def test_run_unknown_name_fails_with_the_list(tmp_path):
    out = runner.invoke(lab_app, ["run", "nope", "--out", str(tmp_path)])
    assert out.exit_code == 2
    assert "matrix-backprop" in out.output


def test_all_runs_every_listed_experiment(tmp_path, monkeypatch):
    from chainrule.lab import registry

    monkeypatch.setattr(registry, "names", lambda: ["chain-rule", "matrix-backprop"])
    out = runner.invoke(lab_app, ["all", "--fast", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "results.json").read_text())
    assert [e["name"] for e in data["experiments"]] == ["chain-rule", "matrix-backprop"]
    assert "2/2 claims supported" in out.output


def test_all_into_a_log_file_writes_a_line_per_experiment_and_no_carriage_return(tmp_path):
    """stdout and stderr redirected to files, as `chainrule lab all ... 2> log`: no progress bar
    (no carriage return), one line per experiment, as `chainrule train` does."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from chainrule.lab import registry\n"
            "registry.names = lambda: ['chain-rule', 'matrix-backprop']\n"
            "from chainrule.cli import main\n"
            f"sys.exit(main(['lab', 'all', '--fast', '--out', {str(tmp_path / 'r')!r}]))")
    with open(tmp_path / "out.log", "w") as out, open(tmp_path / "err.log", "w") as err:
        proc = subprocess.run([sys.executable, "-c", code], stdout=out, stderr=err, timeout=300)
    stdout, stderr = (tmp_path / "out.log").read_text(), (tmp_path / "err.log").read_text()
    assert proc.returncode == 0, stderr
    assert "\r" not in stdout + stderr
    lines = stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["chain-rule", "matrix-backprop"]
    assert "2/2 claims supported" in lines[2]
