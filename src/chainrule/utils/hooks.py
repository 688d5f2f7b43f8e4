"""``RemovableHandle``: what ``register_hook`` returns; ``handle.remove()`` takes the hook away."""

from __future__ import annotations

from typing import Any


class RemovableHandle:
    """Removes one hook from the list it was added to (as ``torch.utils.hooks.RemovableHandle``)."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        for i, h in enumerate(self._hooks):
            if h is self._hook:  # by identity: the same function may be registered twice
                del self._hooks[i]
                return

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
