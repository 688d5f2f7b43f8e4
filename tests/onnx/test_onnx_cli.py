"""``chainrule export DIR --format onnx``: a trained run's model, run by onnxruntime, predicts
what chainrule's reloaded model predicts."""

import json

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("typer")

import chainrule  # noqa: E402
from chainrule import cli  # noqa: E402


@pytest.mark.parametrize("dataset,model", [("moons", "mlp"), ("digits", "cnn"), ("mnist1d", "gru")])
def test_export_a_trained_run(tmp_path, capsys, dataset, model):
    run = tmp_path / "run"
    hidden = ["--hidden", "8"] if model == "mlp" else []
    assert cli.main(["train", "--dataset", dataset, "--model", model, *hidden, "--epochs", "1",
                     "--out", str(run), "--no-progress"]) == 0
    capsys.readouterr()
    assert cli.main(["export", str(run), "--format", "onnx"]) == 0
    assert "model.onnx" in capsys.readouterr().out
    config = json.loads((run / "config.json").read_text())
    splits, net, _, _ = cli._setup(config)
    net.load_state_dict(chainrule.load(run / "model.npz")["model"])
    net.eval()
    x = np.stack([np.asarray(splits.test[i][0]._data) for i in range(5)]).astype(np.float32)
    session = ort.InferenceSession(str(run / "model.onnx"))
    (got,) = session.run(None, {"features": x})
    np.testing.assert_allclose(got, net(chainrule.tensor(x))._data, rtol=1e-5, atol=1e-5)


def test_export_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert cli.main(["export", str(tmp_path), "--format", "onnx"]) != 0
    assert "config.json" in capsys.readouterr().err
