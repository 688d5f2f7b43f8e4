"""chainrule playground: TensorFlow Playground's lesson, trained by chainrule, with the backward pass
visible (``chainrule playground``). Needs the ``playground`` extra (Starlette, uvicorn)."""

from .session import Config, Session, parse_config

__all__ = ["Config", "Session", "parse_config", "serve"]


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> None:
    """Start the playground's server and open its page (see ``chainrule.playground.server``)."""
    from .server import serve as _serve

    _serve(host, port, open_browser)
