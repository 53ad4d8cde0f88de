"""Problems with what a user gave the tool, reported one line each.

Every problem names where it came from (file:line:column when known) and the
field it concerns, so an officer can find and fix it without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import Record, set_field


@dataclass(init=False, repr=False, eq=False, slots=True)
class Problem(Record):
    """One thing wrong with the input: what, in which field, and where."""

    message: str
    field: str | None
    source: str | None  # a file name, "<stdin>", "--annual-value", "row 5"
    line: int | None  # 1-based
    column: int | None  # 1-based

    def __init__(
        self,
        message: str,
        field: str | None = None,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        set_field(self, "message", message)
        set_field(self, "field", field)
        set_field(self, "source", source)
        set_field(self, "line", line)
        set_field(self, "column", column)

    def where(self) -> str:
        parts = [self.source] if self.source else []
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        prefix = self.where()
        field = self.field
        if field is not None and not field.isprintable():
            field = repr(field)  # a key with control characters in it, shown escaped
        subject = f"{field}: " if field else ""
        text = f"{prefix}: {subject}{self.message}" if prefix else f"{subject}{self.message}"
        # One line per problem, always: a message quoting a value with a line break in it
        # must not look like two problems.
        return " ".join(text.splitlines())


class CommissionError(Exception):
    """Base class of the errors this package raises on purpose."""


class InputError(CommissionError):
    """Bad input: one or more problems, each worth a line of its own."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RulePackError(InputError):
    """A rule pack that cannot be used; every problem carries file:line."""
