"""The ``commission`` command: a thin layer over the Python API.

One module per verb. ``main()`` registers only the command being run (all of
them for ``--help`` or an unknown word), so ``commission route`` does not pay to
build the options of every other command, nor the purchase flags when its line
uses none: start-up is a budget held by the benchmark in ``benchmarks/``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any

# command name -> module that defines it (each has register(app, args))
COMMANDS: dict[str, str] = {
    "route": "route",
    "batch": "batch",
    "check": "check",
    "schema": "schema",
    "new": "new",
    "spec": "spec",
    "rules": "rules_cmd",
    "glossary": "glossary_cmd",
}


def build_app(only: str | None = None, args: Sequence[str] | None = None) -> Any:
    """The typer app with every command, or with just ``only``.

    ``args``, the command line ``only`` is run with, lets that command leave out
    options the line does not use (see route.needs_purchase_flags).
    """
    import typer

    from .._version import __version__

    app = typer.Typer(
        name="commission",
        help="A procurement route advisor for public-sector commissioning: describe a "
        "purchase, get the commissioning method the authority's rules point to, and why.",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def show_version(value: bool) -> None:
        if value:
            print(f"commission {__version__}")
            raise typer.Exit()

    @app.callback()
    def root(
        version: bool = typer.Option(
            False,
            "--version",
            is_eager=True,
            callback=show_version,
            help="Print the version and exit.",
        ),
    ) -> None:
        """A procurement route advisor for public-sector commissioning."""

    names = [only] if only in COMMANDS else list(COMMANDS)
    for name in names:
        import_module(f".{COMMANDS[name]}", __name__).register(app, args if only else None)
    return app


def app_for(args: Sequence[str]) -> Any:
    """The app as ``commission ARGS`` builds it: just the command named, with just
    the options its line can use (every command, whole, for anything else)."""
    only = args[0] if args and args[0] in COMMANDS else None
    return build_app(only, args[1:] if only else None)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    app_for(args)(args=args, prog_name="commission")
