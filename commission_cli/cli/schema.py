"""``commission schema purchase|decision``: the JSON Schema of the input or the output."""

from __future__ import annotations

import json
from collections.abc import Sequence

import typer

from ..errors import InputError, Problem
from ..safe import quoted
from .common import rules_option, user_errors

_HELP = """Print the JSON Schema of a purchase description (the input) or of a decision
(the output of route --format json and of each batch --format jsonl line), for
the rule pack: its fields, its results, its methods.
"""

WHICH = ("purchase", "decision")


def schema_command(
    which: str = typer.Argument(
        ..., metavar="purchase|decision", help="purchase (the input) or decision (the output)."
    ),
    rules: str | None = rules_option(),
) -> None:
    with user_errors():
        from ..io.files import write_output
        from ..model.schemas import SCHEMAS
        from ..rules.load import load_rules

        if which not in WHICH:
            # Checked here rather than by typer, so the message is in the tool's words.
            raise InputError(
                [Problem(f"{quoted(which)} is not purchase or decision", source="schema")]
            )
        schema = SCHEMAS[which](load_rules(rules))
        write_output(json.dumps(schema, indent=2, ensure_ascii=False), None)


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
    app.command("schema", help=_HELP)(schema_command)
