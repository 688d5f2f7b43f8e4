"""``python -m chainrule`` and the ``chainrule`` command: the command line, which comes with an extra.

The library needs NumPy alone; the command line and what it runs (Typer, scikit-learn's data
sets and scalers, matplotlib's plots, tqdm, the lab's Jinja2 report, ...) come with the ``lab``
extra. Without it, the command says so in one line instead of a traceback.
"""

from __future__ import annotations

import sys

EXTRA = "lab"
# top-level modules of the extra's packages (import names, not distribution names)
EXTRA_MODULES = frozenset({"typer", "click", "sklearn", "matplotlib", "tqdm", "graphviz", "jinja2", "mnist1d", "PIL",
                           "threadpoolctl"})


def missing_extra(error: ModuleNotFoundError) -> str | None:
    """The one-line message for a package of the extra that is not installed; None when ``error``
    is about another module (a bug to report, not an install step)."""
    name = (error.name or "").partition(".")[0]
    if name not in EXTRA_MODULES:
        return None
    return (f"chainrule: error: this command needs the '{EXTRA}' extra, and {name!r} is not installed: "
            f"pip install \"chainrule[{EXTRA}]\" (from a checkout: pip install \".[{EXTRA}]\")")


def main(argv: list[str] | None = None) -> int:
    """Run the command line (:func:`chainrule.cli.main`); exit status 1 when the extra is missing."""
    try:
        from .cli import main as run
    except ModuleNotFoundError as e:
        message = missing_extra(e)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 1
    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
