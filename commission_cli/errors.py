"""Problems with what a user gave the tool, reported one line each.

Every problem names where it came from (file:line:column when known) and the
field it concerns, so an officer can find and fix it without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass

from .safe import shown


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: what, in which field, and where."""

    message: str
    field: str | None = None
    source: str | None = None  # a file name, "<stdin>", "--annual-value", "row 5"
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def where(self) -> str:
        parts = [self.source] if self.source else []
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        prefix = self.where()
        subject = f"{self.field}: " if self.field else ""
        text = f"{prefix}: {subject}{self.message}" if prefix else f"{subject}{self.message}"
        # One line per problem, always, and nothing a terminal would obey: a value
        # quoted with a line break or an escape sequence in it is shown escaped.
        return shown(text)


class CommissionError(Exception):
    """Base class of the errors this package raises on purpose."""


class InputError(CommissionError):
    """Bad input: one or more problems, each worth a line of its own."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RulePackError(InputError):
    """A rule pack that cannot be used; every problem carries file:line."""
