"""(p): the playground's update rate, two tabs at once.

The playground's server runs in its own process (uvicorn serving
``chainrule.playground.server.create_app()``), as ``chainrule playground`` runs it. Two sessions
are made as two browser tabs make them (the data set circle, 500 points, a 4-2 tanh network,
mini-batch SGD), both are set playing, and two server-sent-event clients, one per session, read
their streams at once. Between two frames the server trains one epoch (a pass over the 250
training points in batches of 10, TF Playground's step), or less when that takes longer than
``STEP_BUDGET_S`` (15 ms: a busy machine still redraws often); a frame is everything the page
draws: the output heatmap and every neuron's thumbnail (50 x 50), the weights, the gradients
view and both losses. The rate is frames a second per session, over the measuring window after a
warm-up; the server caps it at ``MAX_FPS`` (30). The target: at least 20 a second for each of
the two sessions.

    python -m bench.playground_rate [--smoke]
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any

TARGET_FPS = 20.0
CONFIG = {"dataset": "circle", "networkShape": "4,2", "activation": "tanh", "learningRate": "0.03",
          "batchSize": "10", "percTrainData": "50", "seed": "0.1"}
SERVER = ("import sys, uvicorn; from chainrule.playground.server import create_app; "
          "uvicorn.run(create_app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')")


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _count(url: str, warmup: float, window: float, out: dict[str, Any]) -> None:
    """Read the stream at ``url``: frames and bytes within ``window`` seconds after ``warmup``."""
    frames, size, first_epoch, last_epoch = 0, 0, None, None
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:
        for line in r:
            if not line.startswith(b"data: "):
                continue
            now = time.perf_counter() - start
            if now < warmup:
                continue
            if now > warmup + window:
                break
            frame = json.loads(line[6:])
            first_epoch = frame["epoch"] if first_epoch is None else first_epoch
            last_epoch = frame["epoch"]
            frames += 1
            size += len(line)
    out.update(frames=frames, fps=frames / window, mean_frame_kb=size / max(frames, 1) / 1024,
               epochs=(last_epoch or 0) - (first_epoch or 0))  # whole passes over the training set


def _warm(url: str) -> None:
    """One training step in a throw-away session, waited for, then the session closed."""
    _post(url + "/config", CONFIG)
    _post(url + "/action", {"action": "step"})
    with urllib.request.urlopen(url + "/stream", timeout=120) as r:
        for line in r:
            if line.startswith(b"data: ") and json.loads(line[6:])["epoch"] >= 1:
                break
    _post(url + "/close", {})


def run(smoke: bool = False) -> dict[str, Any]:
    """Measure frames a second of two playing sessions, read at the same time."""
    warmup, window = (1.0, 2.0) if smoke else (3.0, 10.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    base = f"http://127.0.0.1:{port}/api/session/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        _warm(base + "benchwarm-0")  # the server's first step loads the compiled kernels: not measured
        sids = ["benchtab-1", "benchtab-2"]
        for sid in sids:
            _post(base + sid + "/config", CONFIG)
        results: dict[str, dict[str, Any]] = {sid: {} for sid in sids}
        threads = [threading.Thread(target=_count, args=(base + sid + "/stream", warmup, window, results[sid]))
                   for sid in sids]
        for t in threads:
            t.start()
        for sid in sids:
            _post(base + sid + "/action", {"action": "play"})
        for t in threads:
            t.join(warmup + window + 60)
    finally:
        proc.terminate()
        proc.wait(10)
    from chainrule.playground.server import MAX_FPS

    rates = [r.get("fps", 0.0) for r in results.values()]
    return {"sessions": results, "min_fps": min(rates), "cap_fps": MAX_FPS, "window_s": window,
            "target_fps": TARGET_FPS, "met": {"20 updates/s in each of two tabs": min(rates) >= TARGET_FPS}}


def summary(r: dict[str, Any]) -> str:
    lines = [f"  {sid}: {s['fps']:.1f} frames/s ({s['frames']} frames in {r['window_s']:.0f} s, {s['epochs']} "
             f"epochs, {s['mean_frame_kb']:.1f} KiB a frame)" for sid, s in r["sessions"].items()]
    lines.append(f"  slowest tab {r['min_fps']:.1f} frames/s (server cap {r['cap_fps']:.0f}; "
                 f"target {r['target_fps']:.0f})")
    return "\n".join(lines)


if __name__ == "__main__":
    result = run("--smoke" in sys.argv)
    print(summary(result))
    sys.exit(0 if all(result["met"].values()) or "--smoke" in sys.argv else 1)
