"""``commission schema purchase|decision``: the JSON Schema of the input or the output."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum

import typer

from .common import user_errors


class Which(str, Enum):
    purchase = "purchase"
    decision = "decision"


_HELP = """Print the JSON Schema of a purchase description (the input) or of a decision
(the output of route --format json and of each batch --format jsonl line).
"""


def schema_command(
    which: Which = typer.Argument(..., help="purchase (the input) or decision (the output)."),
) -> None:
    with user_errors():
        from ..schemas import SCHEMAS

        print(json.dumps(SCHEMAS[which.value](), indent=2, ensure_ascii=False))


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
    app.command("schema", help=_HELP)(schema_command)
