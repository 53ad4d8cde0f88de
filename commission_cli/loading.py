"""From a file, stdin or command-line flags to a validated :class:`Purchase`.

Every problem is reported at once, each placed where it came from: the
file:line:column of a value in a YAML or JSON file, or the flag that gave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .documents import PURCHASE_LIMITS, Document, load
from .errors import InputError, Problem
from .vocabulary import field_names, quick_values

if TYPE_CHECKING:
    from .purchase import Purchase

# A purchase as its validated values (every field, both amounts derived) and the
# fields that were stated: what the quick reader gives, and what the engine reads.
Described = tuple[dict[str, Any], frozenset[str]]


def read_purchase_document(path: str) -> Document:
    """Parse a purchase description (YAML or JSON; ``-`` is stdin) with positions."""
    document = load(path, limits=PURCHASE_LIMITS, what="purchase description")
    if not isinstance(document.data, Mapping):
        got = "a list" if isinstance(document.data, list) else "a single value"
        raise InputError(
            [
                document.problem(
                    f"a purchase description is a mapping of field: value, not {got}; "
                    "for many purchases use `commission batch`",
                    (),
                )
            ]
        )
    return document


def build_purchase(
    document: Document | None = None,
    flags: Mapping[str, tuple[Any, str]] | None = None,
) -> Purchase:
    """Validate a purchase from a document and/or flags (flags win).

    ``flags`` maps a field to its value and the flag that gave it, such as
    ``{"annual_value": ("45k", "--annual-value")}``.
    """
    data, flag_sources = _merged(document, flags)
    return validate_purchase(data, document=document, flag_sources=flag_sources)


def describe_purchase(
    document: Document | None = None,
    flags: Mapping[str, tuple[Any, str]] | None = None,
) -> Described:
    """What :func:`build_purchase` reads, as values and stated fields: a plain
    purchase is read without defining the Purchase model (see vocabulary)."""
    data, flag_sources = _merged(document, flags)
    quick = quick_values(data)
    if quick is not None:
        return quick
    purchase = validate_purchase(data, document=document, flag_sources=flag_sources, quick=False)
    return purchase.__dict__, frozenset(purchase.model_fields_set)


def _merged(
    document: Document | None, flags: Mapping[str, tuple[Any, str]] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The document's fields with the flags' over them, and the flag that gave each."""
    data: dict[str, Any] = dict(document.data) if document is not None else {}
    flag_sources: dict[str, str] = {}
    for name, (value, flag) in (flags or {}).items():
        data[name] = value
        flag_sources[name] = flag
    return data, flag_sources


def validate_purchase(
    data: Mapping[str, Any],
    *,
    document: Document | None = None,
    flag_sources: Mapping[str, str] | None = None,
    source: str | None = None,
    line: int | None = None,
    quick: bool = True,
) -> Purchase:
    """Validate one purchase, or raise InputError listing every problem at once.

    Each problem is placed as precisely as its origin allows: a document's
    line and column, the flag that gave the value, or ``source`` and ``line``
    (a batch file and the line its row starts on). ``quick=False`` skips the
    quick reader, for a caller that has just tried it.
    """
    from .purchase import Purchase

    read = quick_values(data) if quick else None
    if read is not None:
        return Purchase.from_validated(*read)

    from pydantic import ValidationError

    from .validation import problems_from

    try:
        return Purchase.model_validate(data)
    except ValidationError as exc:
        flagged = flag_sources or {}
        problems: list[Problem] = []
        for problem in problems_from(exc, document=document, known_fields=field_names()):
            name = (problem.field or "").split(".")[0]
            if name in flagged:
                # The flag names the field already: "--years: must be greater than 0"
                problem = Problem(problem.message, source=flagged[name])
            elif document is None:
                problem = Problem(problem.message, field=problem.field, source=source, line=line)
            problems.append(problem)
        # The "one of the two values" rule is checked by the model only once every
        # field is valid; say it now too, so that one run lists every problem.
        if (
            "annual_value" in missing_fields(data)
            and not _misspelt_value(data)
            and not any((p.field or "") in ("annual_value", "total_value") for p in problems)
        ):
            message = "give annual_value or total_value (or both)"
            problems.append(
                document.problem(message, (), field_name="annual_value")
                if document is not None
                else Problem(message, field="annual_value", source=source, line=line)
            )
        raise InputError(problems) from None


def load_purchase(path: str) -> Purchase:
    """Read and validate one purchase description file (``-`` for stdin)."""
    return build_purchase(read_purchase_document(path))


def missing_fields(data: Mapping[str, Any]) -> list[str]:
    """Required fields absent (or blank) in ``data``, and a value if neither is given."""
    missing = [n for n in ("title", "outcomes") if _blank(data.get(n))]
    if _blank(data.get("annual_value")) and _blank(data.get("total_value")):
        missing.append("annual_value")
    return missing


def _misspelt_value(data: Mapping[str, Any]) -> bool:
    """Is an unknown key a misspelling of annual_value or total_value (already reported)?"""
    import difflib

    known = set(field_names())
    return any(
        difflib.get_close_matches(str(k), ["annual_value", "total_value"], cutoff=0.6)
        for k in data
        if k not in known
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
