"""One seeded random generator that every random draw in chainrule uses (``manual_seed``)."""

from __future__ import annotations

from typing import Any

import numpy as np


class Generator:
    """A source of random numbers, like ``torch.Generator``: ``Generator().manual_seed(0)``."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = 0 if seed is None else int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed expected an integer seed, got {seed!r}")
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The generator's full state as plain numbers (JSON-safe), for checkpoints."""
        state = self.rng.bit_generator.state
        return {
            "bit_generator": state["bit_generator"],
            "state": {k: int(v) for k, v in state["state"].items()},
            "has_uint32": int(state["has_uint32"]),
            "uinteger": int(state["uinteger"]),
            "seed": self._seed,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
            raise ValueError(f"set_state expected a PCG64 state from get_state(), got {state!r}")
        self.rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {k: int(v) for k, v in state["state"].items()},
            "has_uint32": int(state["has_uint32"]),
            "uinteger": int(state["uinteger"]),
        }
        self._seed = int(state.get("seed", self._seed))


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the generator behind every random draw (init, dropout, shuffling, ``randn``...)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed from the operating system's entropy and return the seed used."""
    s = int(np.random.SeedSequence().entropy % (2**63))
    default_generator.manual_seed(s)
    return s


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict[str, Any]:
    return default_generator.get_state()


def set_rng_state(state: dict[str, Any]) -> None:
    default_generator.set_state(state)


def rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from: the given one, else the default."""
    return (generator or default_generator).rng
