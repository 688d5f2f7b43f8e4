"""The README's tour of the Python API runs as written (its code blocks, in order, in one namespace)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def tour_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    tour = text.split("## A short tour of the Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", tour, flags=re.DOTALL)


def test_the_api_tour_runs(tmp_path, monkeypatch):
    blocks = tour_blocks()
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)  # the tour writes checkpoints, a CSV and a plot
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    assert namespace["padded"].shape == (3, 5, 32) and namespace["h_n"].shape == (2, 3, 16)
    assert (tmp_path / "checkpoint.npz").exists() and (tmp_path / "curves.png").exists()
