"""The playground's web server: a Starlette application served by uvicorn.

Routes (``SID`` is a session id the page makes, one per browser tab):

    GET  /                          the page (static files of this package; nothing from the network)
    POST /api/session/SID/config    create the session or change its settings (URL-hash keys, JSON)
    POST /api/session/SID/action    {"action": play | pause | step | reset | regenerate}
    GET  /api/session/SID/data      the data set's points and labels
    POST /api/session/SID/example   one example's forward and backward, and the chain rule of one weight
    POST /api/session/SID/close     free the session (the page's pagehide beacon)
    GET  /api/session/SID/stream    server-sent events: one "frame" per training step while playing

A session whose stream is gone for ``DETACHED_S`` seconds, or that saw no request for ``IDLE_S``,
is freed. Every error in a request is answered with a JSON message (status 400/404/429), never a
server error, and the server stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
from pathlib import Path
from typing import Any

from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .session import Session, parse_config

STATIC = Path(__file__).resolve().parent / "static"
MAX_SESSIONS = 32
DETACHED_S = 20.0  # a session without a stream this long is freed (its tab is gone)
IDLE_S = 3600.0  # a session with no request this long is freed
MAX_FPS = 30.0  # frames a second while playing, per session
STEP_BUDGET_S = 0.015  # training between two frames: one epoch, or less when it takes longer than this
SID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
log = logging.getLogger("chainrule.playground")


class Entry:
    """A session and its bookkeeping: streams attached, when last seen, what wakes its stream."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.streams = 0
        self.seen = time.monotonic()
        self.detached_since: float | None = time.monotonic()
        self.wake = asyncio.Event()
        self.pending_steps = 0


class Sessions:
    """The live sessions by id."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def get(self, sid: str) -> Entry:
        if not SID.match(sid):
            raise LookupError(f"bad session id {sid[:70]!r}: 8 to 64 letters, digits, - or _")
        entry = self.entries.get(sid)
        if entry is None:
            raise LookupError(f"no session {sid}: it was closed or expired; reload the page")
        entry.seen = time.monotonic()
        return entry

    def create(self, sid: str, params: dict[str, Any]) -> tuple[Entry, list[str]]:
        if not SID.match(sid):
            raise ValueError(f"bad session id {sid[:70]!r}: 8 to 64 letters, digits, - or _")
        if len(self.entries) >= MAX_SESSIONS:
            raise OverflowError(f"{MAX_SESSIONS} sessions are open already; close a tab and reload")
        cfg, messages = parse_config(params)
        entry = Entry(Session(cfg))
        self.entries[sid] = entry
        return entry, messages

    def close(self, sid: str) -> bool:
        entry = self.entries.pop(sid, None)
        if entry is not None:
            entry.session.playing = False
            entry.wake.set()
        return entry is not None

    def expire(self, now: float | None = None) -> list[str]:
        """Free the sessions whose tab is gone or that sat idle; returns their ids."""
        now = time.monotonic() if now is None else now
        gone = [sid for sid, e in self.entries.items()
                if (e.streams == 0 and e.detached_since is not None and now - e.detached_since > DETACHED_S)
                or now - e.seen > IDLE_S]
        for sid in gone:
            self.close(sid)
        return gone


def create_app(sessions: Sessions | None = None) -> Starlette:
    """The Starlette application (``sessions`` given for tests)."""
    sessions = sessions or Sessions()

    async def reaper() -> None:
        while True:
            await asyncio.sleep(2.0)
            for sid in sessions.expire():
                log.info("session %s freed", sid)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        task = asyncio.create_task(reaper())
        try:
            yield
        finally:
            task.cancel()

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def config(request: Request) -> Response:
        sid = request.path_params["sid"]
        params = await _json(request)
        if not isinstance(params, dict):
            raise ValueError("config: expected a JSON object of settings")
        if sid in sessions.entries:
            entry = sessions.get(sid)
            messages = await asyncio.to_thread(entry.session.update, params)
        else:
            entry, messages = await asyncio.to_thread(sessions.create, sid, params)
        entry.wake.set()
        return JSONResponse({"config": entry.session.cfg.to_hash(), "messages": messages})

    async def action(request: Request) -> Response:
        entry = sessions.get(request.path_params["sid"])
        body = await _json(request)
        what = body.get("action") if isinstance(body, dict) else None
        s = entry.session
        if what == "play":
            s.playing = True
        elif what == "pause":
            s.playing = False
        elif what == "step":
            s.playing = False
            entry.pending_steps += 1
        elif what == "reset":
            s.playing = False
            await asyncio.to_thread(s.reset)
        elif what == "regenerate":

            seed = body.get("seed")
            if not isinstance(seed, str):
                raise ValueError("regenerate: a new seed string is needed")
            messages = await asyncio.to_thread(s.update, {"seed": seed})
            if messages:
                raise ValueError("; ".join(messages))
        else:
            raise ValueError(f"unknown action {what!r}: play, pause, step, reset or regenerate")
        s.version += 1  # the stream sends a frame, so the page sees the new state
        entry.wake.set()
        return JSONResponse({"playing": s.playing, "config": s.cfg.to_hash()})

    async def points(request: Request) -> Response:
        entry = sessions.get(request.path_params["sid"])
        return JSONResponse(await asyncio.to_thread(entry.session.points_payload))

    async def example(request: Request) -> Response:
        entry = sessions.get(request.path_params["sid"])
        body = await _json(request)
        try:
            args = (float(body["x"]), float(body["y"]), int(body["layer"]), int(body["to"]), int(body["from"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError("example: expected numbers x, y and integers layer, to, from") from None
        path = body.get("path")
        path = int(path) if isinstance(path, int) else None
        return JSONResponse(await asyncio.to_thread(entry.session.one_example, *args, path))

    async def close(request: Request) -> Response:
        return JSONResponse({"closed": sessions.close(request.path_params["sid"])})

    async def stream(request: Request) -> Response:
        entry = sessions.get(request.path_params["sid"])

        def advance(train: bool, budget_s: float) -> tuple[int | None, str | None, str | None]:
            """One training step (when ``train``) and the frame, JSON-encoded, in a worker thread:
            returns the frame's version, its JSON and a problem to report (the stream goes on)."""
            s, problem = entry.session, None
            if train:
                try:
                    s.train(budget_s)
                except Exception as e:  # noqa: BLE001 -- reported on the page
                    s.playing = False
                    problem = f"training stopped: {e}"
            try:
                frame = s.frame()
                return frame["version"], json.dumps(frame, separators=(",", ":")), problem
            except Exception as e:  # noqa: BLE001 -- reported on the page
                s.playing = False
                return None, None, problem or f"drawing the network failed: {e}"

        async def frames() -> Any:
            entry.streams += 1
            entry.detached_since = None
            s = entry.session
            try:
                version: int | None = -1
                while request.path_params["sid"] in sessions.entries:
                    start = time.perf_counter()
                    train = s.playing or entry.pending_steps > 0
                    budget = STEP_BUDGET_S if s.playing else math.inf  # "step": a whole epoch
                    if train:
                        entry.pending_steps = max(0, entry.pending_steps - 1)
                    elif s.version == version:
                        entry.wake.clear()
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(entry.wake.wait(), 10.0)
                        if s.version == version and not s.playing and not entry.pending_steps:
                            continue
                    version, data, problem = await asyncio.to_thread(advance, train, budget)
                    if problem:
                        log.warning("playground: %s", problem)
                        yield {"event": "problem", "data": json.dumps({"error": problem})}
                    if data is not None:
                        entry.seen = time.monotonic()
                        yield {"event": "frame", "data": data}
                    else:
                        version = s.version  # wait for a change before trying again
                    await asyncio.sleep(max(0.0, 1.0 / MAX_FPS - (time.perf_counter() - start)))
            finally:
                entry.streams -= 1
                if entry.streams == 0:
                    entry.detached_since = time.monotonic()

        return EventSourceResponse(frames(), ping=15, headers={"Cache-Control": "no-store"})

    def api(handler: Any) -> Any:
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except LookupError as e:
                return JSONResponse({"error": str(e)}, status_code=404)
            except OverflowError as e:
                return JSONResponse({"error": str(e)}, status_code=429)
            except Exception as e:  # noqa: BLE001 -- a bad request must never take the server down
                log.warning("playground request %s failed: %s", request.url.path, e)
                return JSONResponse({"error": str(e) or type(e).__name__}, status_code=400)
        return wrapped

    routes = [
        Route("/", index),
        Route("/api/session/{sid}/config", api(config), methods=["POST"]),
        Route("/api/session/{sid}/action", api(action), methods=["POST"]),
        Route("/api/session/{sid}/data", api(points)),
        Route("/api/session/{sid}/example", api(example), methods=["POST"]),
        Route("/api/session/{sid}/close", api(close), methods=["POST"]),
        Route("/api/session/{sid}/stream", api(stream)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sessions = sessions
    return app


async def _json(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > 100_000:
        raise ValueError("request body too large")
    try:
        return json.loads(raw or b"{}")
    except json.JSONDecodeError as e:
        raise ValueError(f"the request is not JSON: {e}") from None


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> None:
    """Serve the playground until Ctrl-C, opening the page in the default browser."""
    import threading
    import webbrowser

    import uvicorn

    url = f"http://{host}:{port}/"
    if open_browser:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    print(f"chainrule playground: {url}  (Ctrl-C stops)", flush=True)
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
