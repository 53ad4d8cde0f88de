"""Reading YAML and JSON documents safely, remembering where every value came from.

A :class:`Document` is plain data with the line and column of every key and
value, so a later schema error can say ``purchase.yaml:4:14`` rather than just
the field name. This module reads the bytes (within :class:`Limits`), decodes
them, and reads the commonest document, a flat list of ``field: value`` lines,
itself; anything else goes to :mod:`yaml_positions`, which walks PyYAML's events.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, Problem
from .records import Record, set_field

PathKey = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column


@dataclass(init=False, repr=False, eq=False, slots=True)
class Limits(Record):
    """How big a document may be. Generous for real use, small enough to stay safe."""

    max_bytes: int
    max_depth: int
    # Values in the document after expanding aliases: bounds the work any later
    # step can be made to do, however cleverly the aliases are nested.
    max_nodes: int

    def __init__(
        self, max_bytes: int = 1_000_000, max_depth: int = 50, max_nodes: int = 100_000
    ) -> None:
        set_field(self, "max_bytes", max_bytes)
        set_field(self, "max_depth", max_depth)
        set_field(self, "max_nodes", max_nodes)


PURCHASE_LIMITS = Limits()
PACK_LIMITS = Limits(max_bytes=5_000_000, max_nodes=500_000)


@dataclass(init=False, eq=False, repr=False)
class Document:
    """A parsed document and the position of each of its keys and values."""

    data: Any
    source: str
    values: dict[PathKey, Position]
    keys: dict[PathKey, Position]

    # Written out: a generated __init__ is compiled at every start (see README, Speed).
    def __init__(
        self,
        data: Any,
        source: str,
        values: dict[PathKey, Position] | None = None,
        keys: dict[PathKey, Position] | None = None,
    ) -> None:
        self.data = data
        self.source = source
        self.values = {} if values is None else values
        self.keys = {} if keys is None else keys

    def locate(self, path: PathKey, *, key: bool = False) -> Position | None:
        """The position of the value (or key) at ``path``, or of its nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while True:
            if probe in table:
                return table[probe]
            if key and probe in self.values:
                return self.values[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def problem(
        self, message: str, path: PathKey = (), *, key: bool = False, field_name: str | None = None
    ) -> Problem:
        position = self.locate(path, key=key)
        line, column = position if position else (None, None)
        name = field_name if field_name is not None else dotted(path)
        return Problem(message, field=name or None, source=self.source, line=line, column=column)


def dotted(path: PathKey) -> str:
    """methods[2].band.ranges[0] — how a path inside a document is written in messages."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read_text(
    path: str, *, limits: Limits = PURCHASE_LIMITS, what: str = "file"
) -> tuple[str, str]:
    """Read a file (or ``-`` for stdin) as text; returns (text, name for messages)."""
    data, name = read_bytes(path, limits=limits, what=what)
    return decode_text(data, name), name


def read_bytes(
    path: str, *, limits: Limits = PURCHASE_LIMITS, what: str = "file"
) -> tuple[bytes, str]:
    if path == "-":
        name = "<stdin>"
        data = sys.stdin.buffer.read(limits.max_bytes + 1)
    else:
        name = path
        p = Path(path)
        try:
            if p.is_dir():
                raise InputError([Problem(f"is a directory, not a {what}", source=name)])
            with p.open("rb") as handle:
                data = handle.read(limits.max_bytes + 1)
        except FileNotFoundError:
            raise InputError([Problem(f"no such {what}", source=name)]) from None
        except PermissionError:
            raise InputError(
                [Problem(f"cannot read this {what}: permission denied", source=name)]
            ) from None
        except OSError as exc:
            raise InputError(
                [Problem(f"cannot read this {what}: {exc.strerror or exc}", source=name)]
            ) from None
    if len(data) > limits.max_bytes:
        raise InputError(
            [
                Problem(
                    f"is larger than the limit of {limits.max_bytes:,} bytes for a {what}",
                    source=name,
                )
            ]
        )
    return data, name


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (with or without a byte-order mark) or UTF-16 with its mark; nothing else."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError([Problem("is not valid UTF-16 text", source=source)]) from None
    if b"\x00" in data:
        raise InputError([Problem("is a binary file, not YAML or JSON text", source=source)])
    # The mark some editors put first is dropped by hand: the utf-8-sig codec is a
    # module of its own, imported at every start.
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    f"is not UTF-8 text (byte 0x{body[exc.start]:02x} cannot be read); "
                    "save it as UTF-8",
                    source=source,
                    line=line,
                )
            ]
        ) from None


def parse(text: str, source: str, *, limits: Limits = PURCHASE_LIMITS) -> Document:
    """Parse one YAML (or JSON) document into plain data with positions.

    Raises :class:`InputError` listing every problem found (duplicate keys are
    all reported; a syntax error stops the reading where it happens).
    """
    flat = _flat_mapping(text, source)
    if flat is not None:
        return flat
    from .yaml_positions import parse_yaml  # PyYAML, and the reader built on its events

    return parse_yaml(text, source, limits=limits)


# -- the plain case, without PyYAML ------------------------------------------------
#
# Most purchase descriptions are a flat list of `field: value` lines. Importing
# PyYAML costs a command more than the rest of its reading, so such a document is
# read here, with PyYAML's own YAML 1.1 rules for what a plain value means, and
# anything this reader is not sure of (quotes, nesting, flow style, a value that
# might be a date or an octal number...) goes to PyYAML as before. A property test
# holds the two readers to the same data and positions.

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# A plain value starting with one of these is YAML syntax (or, for digits, signs and
# dots, possibly a number, a date or a special float): PyYAML reads it.
_NOT_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`0123456789+.<=~")
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("null", "Null", "NULL"))
_FLAT_MAX_KEYS = 200


def _flat_mapping(text: str, source: str) -> Document | None:
    """A document of `key: plain value` lines at the left margin, read without PyYAML;
    None when the text is anything else."""
    if not _FLAT_CHARS.issuperset(text) and not all(map(_plain_char, set(text))):
        return None
    lines = text.split("\n")
    data: dict[str, Any] = {}
    values: dict[PathKey, Position] = {}
    keys: dict[PathKey, Position] = {}
    for number, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        if "\r" in line:
            return None
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        if len(stripped) != len(line):
            return None  # indented: nesting, or a continued value
        key, colon, rest = line.partition(":")
        if not colon or not key or not _KEY_CHARS.issuperset(key) or key[0].isdigit():
            return None
        if key in data or key in _BOOLS or key in _NULLS or len(data) >= _FLAT_MAX_KEYS:
            return None
        if rest and rest[0] != " ":
            return None
        comment = rest.find(" #")
        if comment >= 0:
            rest = rest[:comment]
        value_text = rest.strip(" ")
        if not value_text or value_text[-1] == ":" or ": " in value_text:
            return None
        value: Any
        if value_text[0] in _NOT_PLAIN_START:
            value = _plain_number(value_text)
            if value is None:
                if not value_text[0].isdigit() or _NUMBER_CHARS.issuperset(value_text):
                    return None
                value = value_text  # 12k, 45,000: no number or date looks like these
        elif value_text in _NULLS:
            value = None
        else:
            value = _BOOLS.get(value_text, value_text)
        column = len(key) + 1 + (len(rest) - len(rest.lstrip(" "))) + 1
        data[key] = value
        keys[(key,)] = (number, 1)
        values[(key,)] = (number, column)
    if not data:
        return None
    values[()] = next(iter(keys.values()))
    return Document(data, source, values, keys)


def _plain_number(text: str) -> int | float | None:
    """45000 or 3.5 as YAML 1.1 reads them; None for any other shape (an octal 012,
    1_000, 1:30, a date, .inf...), which PyYAML reads."""
    whole, dot, fraction = text.partition(".")
    if len(text) > 30 or not whole.isascii() or not whole.isdigit():  # huge: PyYAML says
        return None
    if not dot:
        return int(whole) if whole == "0" or whole[0] != "0" else None
    if fraction.isascii() and fraction.isdigit():
        return float(text)
    return None


# Every character YAML 1.1's numbers and dates can hold: text with any other is text.
_NUMBER_CHARS = frozenset("0123456789_.:-+eEabcdefABCDEFxXoTtZ \t")
_FLAT_CHARS = frozenset("\n\r" + "".join(map(chr, range(32, 127))) + "£")


def _plain_char(c: str) -> bool:
    """Is this a character the plain reader takes as PyYAML would? Tabs, control
    characters, YAML's other line breaks and what PyYAML refuses are left to PyYAML."""
    o = ord(c)
    if o < 0xA0:
        return 32 <= o < 127 or c in "\n\r"
    return not (0xD800 <= o <= 0xDFFF or o in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF))


def load(path: str, *, limits: Limits = PURCHASE_LIMITS, what: str = "file") -> Document:
    text, name = read_text(path, limits=limits, what=what)
    return parse(text, name, limits=limits)
