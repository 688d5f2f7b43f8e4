"""Start the playground's server on a free port in a thread, for the HTTP and browser tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def playground_server() -> Iterator[tuple[str, object]]:
    """The server's URL and its ``Sessions``."""
    uvicorn = pytest.importorskip("uvicorn")
    from chainrule.playground.server import Sessions, create_app

    sessions = Sessions()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(sessions), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", sessions
    server.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def server_url(playground_server: tuple[str, object]) -> str:
    return playground_server[0]
