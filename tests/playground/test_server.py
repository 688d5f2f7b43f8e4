"""The playground's HTTP API: sessions made, changed, streamed and freed; bad requests answered with
a message (never a server error) while the server stays up."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("sse_starlette")

from chainrule.playground import server  # noqa: E402


def call(url: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def first_frame(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=20) as r:
        for line in r:
            if line.startswith(b"data: "):
                return json.loads(line[6:])
    raise AssertionError("no frame")


def test_session_lifecycle(server_url: str) -> None:
    sid = "test-lifecycle-1"
    api = f"{server_url}api/session/{sid}/"
    status, out = call(api + "config", {"dataset": "xor", "networkShape": "3,2", "seed": "9"})
    assert status == 200 and out["messages"] == [] and out["config"]["networkShape"] == "3,2"
    frame = first_frame(api + "stream")
    assert frame["epoch"] == 0 and frame["config"]["dataset"] == "xor" and len(frame["weights"]) == 3
    status, out = call(api + "action", {"action": "step"})
    assert status == 200
    status, d = call(api + "data")
    assert status == 200 and len(d["points"]) == 500 and d["nTrain"] == 250
    status, ex = call(api + "example", {"x": 1, "y": 2, "layer": 1, "to": 0, "from": 2})
    assert status == 200 and abs(ex["sum"] - ex["engine"]) <= 1e-5 and ex["nPaths"] == 1
    status, out = call(api + "close", raw=b"{}")
    assert status == 200 and out["closed"] is True
    status, out = call(api + "data")
    assert status == 404 and "no session" in out["error"]


@pytest.mark.parametrize(("path", "body", "raw", "code", "message"), [
    ("config", None, b"not json", 400, "not JSON"),
    ("config", [1, 2], None, 400, "expected a JSON object"),
    ("action", {"action": "explode"}, None, 400, "unknown action 'explode'"),
    ("action", {"action": "regenerate"}, None, 400, "new seed"),
    ("example", {"x": "a"}, None, 400, "expected numbers"),
    ("example", {"x": 0, "y": 0, "layer": 7, "to": 0, "from": 0}, None, 400, "layer 7 does not exist"),
])
def test_bad_requests_get_a_message(server_url: str, path: str, body: Any, raw: bytes | None, code: int,
                                     message: str) -> None:
    sid = "test-bad-requests"
    call(f"{server_url}api/session/{sid}/config", {})
    status, out = call(f"{server_url}api/session/{sid}/{path}", body, raw)
    assert status == code and message in out["error"], out
    assert call(f"{server_url}api/session/{sid}/data")[0] == 200  # still up


def test_bad_settings_and_ids(server_url: str) -> None:
    status, out = call(f"{server_url}api/session/test-settings/config",
                       {"learningRate": "-1", "networkShape": ",".join(["2"] * 50), "dataset": "nope"})
    assert status == 200 and out["config"]["networkShape"] == "2,2,2,2,2,2"
    assert any("learningRate must be positive" in m for m in out["messages"])
    status, out = call(f"{server_url}api/session/bad!id/config", {})
    assert status == 400 and "bad session id" in out["error"]
    status, out = call(f"{server_url}api/session/unknown-session/action", {"action": "play"})
    assert status == 404


def test_expiry_frees_sessions_without_a_tab() -> None:
    sessions = server.Sessions()
    entry, _ = sessions.create("expire-me-1", {})
    keep, _ = sessions.create("keep-me-12", {})
    keep.streams, keep.detached_since = 1, None
    now = time.monotonic()
    assert sessions.expire(now) == []
    assert sessions.expire(now + server.DETACHED_S + 1) == ["expire-me-1"]
    assert sessions.expire(now + server.IDLE_S + 1) == ["keep-me-12"] and not sessions.entries


def test_session_limit() -> None:
    sessions = server.Sessions()
    for i in range(server.MAX_SESSIONS):
        sessions.entries[f"session-{i:04d}"] = None  # type: ignore[assignment]
    with pytest.raises(OverflowError, match="sessions are open already"):
        sessions.create("one-too-many", {})


def test_the_command_serves_the_page() -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "playground", "--no-browser", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    page = r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer")
        assert "<title>chainrule playground</title>" in page and "/static/app.js" in page
        for name in ("app.js", "style.css"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/{name}", timeout=5) as r:
                assert r.status == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out
