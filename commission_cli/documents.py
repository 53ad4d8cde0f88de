"""Reading YAML and JSON documents safely, remembering where every value came from.

PyYAML's own loaders build Python objects as they go, let a repeated key
silently win, and recurse once per level of nesting. This module instead walks
the parser's event stream with an explicit stack, so that it can:

* refuse any tag that is not plain data (``!!python/object`` and friends);
* report duplicate keys with both line numbers;
* bound nesting depth and the size of a document once aliases are expanded
  (a "billion laughs" document is refused, not expanded);
* remember the line and column of every key and value, so a later schema error
  can say ``purchase.yaml:4:14`` rather than just the field name.
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


_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


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
    return flat if flat is not None else parse_yaml(text, source, limits=limits)


def parse_yaml(text: str, source: str, *, limits: Limits = PURCHASE_LIMITS) -> Document:
    """:func:`parse` by PyYAML alone, whatever the document looks like."""
    import yaml  # imported here: commands that read no YAML do not pay for it

    builder = _Builder(source, limits)
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        while True:
            event = loader.get_event()
            if event is None:
                break
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "not valid YAML"
        builder.problems.append(
            Problem(
                f"not valid YAML or JSON: {message}",
                source=source,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        )
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a control character, mostly): say which, where.
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        builder.problems.append(
            Problem(
                f"not valid YAML or JSON: the character U+{ord(char):04X} is not allowed here "
                "(a control character?); remove it",
                source=source,
                line=line,
                column=column,
            )
        )
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        builder.problems.append(Problem(f"not valid YAML or JSON: {message}", source=source))
    except _Stop:
        pass
    finally:
        loader.dispose()
    if builder.problems:
        raise InputError(builder.problems)
    if builder.documents == 0:
        raise InputError([Problem("is empty", source=source)])
    return Document(builder.result, source, builder.values, builder.keys)


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


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


class _Stop(Exception):
    """Reading cannot usefully go on; the problems say why."""


@dataclass(eq=False, repr=False)
class _Frame:
    """A mapping or list being filled, where it sits in the document, and its anchor."""

    container: dict[str, Any] | list[Any]
    path: PathKey
    anchor: str | None
    size: int = 1
    pending_key: str | None = None
    expecting_key: bool = True


class _Builder:
    """Turns parser events into plain Python data, one event at a time."""

    def __init__(self, source: str, limits: Limits) -> None:
        import yaml

        self.yaml = yaml
        self.source = source
        self.limits = limits
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
        self.problems: list[Problem] = []
        self.values: dict[PathKey, Position] = {}
        self.keys: dict[PathKey, Position] = {}
        self.result: Any = None
        self.documents = 0
        self.total = 0
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()

    # -- helpers -----------------------------------------------------------------
    def _fail(self, message: str, mark: Any, *, stop: bool = True) -> None:
        self.problems.append(
            Problem(message, source=self.source, line=mark.line + 1, column=mark.column + 1)
        )
        if stop:
            raise _Stop

    def _count(self, size: int, mark: Any) -> None:
        self.total += size
        if self.total > self.limits.max_nodes:
            self._fail(
                f"has more than {self.limits.max_nodes:,} values once its aliases are "
                "expanded; write it out plainly or split it",
                mark,
            )

    def _child_path(self, mark: Any) -> PathKey | None:
        """The path of the value about to be placed, or None when it is a mapping key."""
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        if frame.expecting_key:
            return None
        assert frame.pending_key is not None
        return (*frame.path, frame.pending_key)

    def _place(self, value: Any, size: int, mark: Any, path: PathKey) -> None:
        self.values[path] = (mark.line + 1, mark.column + 1)
        if not self.stack:
            self.result = value
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            frame.container.append(value)
        else:
            assert frame.pending_key is not None
            frame.container[frame.pending_key] = value
            frame.pending_key = None
            frame.expecting_key = True

    def _take_key(self, event: Any) -> None:
        yaml = self.yaml
        frame = self.stack[-1]
        assert isinstance(frame.container, dict)
        if not isinstance(event, yaml.ScalarEvent):
            self._fail("a key must be a plain word, not a list or mapping", event.start_mark)
            return
        key = event.value
        implicit = event.implicit[0] if event.implicit else False
        if key == "<<" and implicit and event.tag is None:
            self._fail(
                "merge keys (<<) are not supported; write the keys out in full", event.start_mark
            )
        path = (*frame.path, key)
        position = (event.start_mark.line + 1, event.start_mark.column + 1)
        if key in frame.container:
            first = self.keys.get(path)
            where = f" (first given on line {first[0]})" if first else ""
            self.problems.append(
                Problem(
                    f"duplicate key{where}; each field may be given once",
                    field=dotted(path),
                    source=self.source,
                    line=position[0],
                    column=position[1],
                )
            )
            # Keep the first value; read the repeat into a throwaway slot so that
            # parsing can go on and report any further problems.
            frame.pending_key = f"\x00duplicate:{key}:{position[0]}:{position[1]}"
        else:
            self.keys[path] = position
            frame.pending_key = key
        frame.expecting_key = False

    def _scalar(self, event: Any, path: PathKey = ()) -> Any:
        yaml = self.yaml
        tag = event.tag
        if tag is None or tag == "!":
            if tag == "!":
                tag = "tag:yaml.org,2002:str"
            else:
                tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag not in _PLAIN_TAGS:
            self._fail(
                f"the YAML tag {_short_tag(event.tag or tag)} is not allowed; only plain text, "
                "numbers, true/false and dates may be used",
                event.start_mark,
            )
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        name = tag.rsplit(":", 1)[-1]
        try:
            return getattr(self.constructor, f"construct_yaml_{name}")(node)
        except (ValueError, yaml.YAMLError):
            shown = event.value if len(event.value) <= 24 else event.value[:20] + "..."
            what = {"int": "a whole number", "float": "a number", "timestamp": "a date"}.get(
                name, name
            )
            detail = (
                f" ({len(event.value):,} digits is too long)"
                if name == "int" and len(event.value) > 1000
                else ""
            )
            self.problems.append(
                Problem(
                    f"{shown!r} cannot be read as {what}{detail}",
                    field=dotted(path) or None,
                    source=self.source,
                    line=event.start_mark.line + 1,
                    column=event.start_mark.column + 1,
                )
            )
            raise _Stop from None

    # -- events ------------------------------------------------------------------
    def feed(self, event: Any) -> None:
        yaml = self.yaml
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._fail(
                    "holds more than one YAML document (---); give one per file", event.start_mark
                )
            return
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            return

        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = self.stack.pop()
            container: Any = frame.container
            if isinstance(container, dict):
                for k in [k for k in container if k.startswith("\x00duplicate:")]:
                    del container[k]
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (container, frame.size)
            start = self.values[frame.path]
            # The value's position was recorded when it opened; place it now it is whole.
            self._place_closed(container, frame.size, start, frame.path)
            return

        path = self._child_path(event.start_mark)
        if path is None:
            self._take_key(event)
            return

        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                self._fail(
                    f"the alias *{event.anchor} refers to no anchor defined before it",
                    event.start_mark,
                )
            value, size = self.anchors[event.anchor]
            self._count(size, event.start_mark)
            self._place(value, size, event.start_mark, path)
            return

        if isinstance(event, yaml.ScalarEvent):
            self._count(1, event.start_mark)
            value = self._scalar(event, path)
            if event.anchor is not None:
                self.anchors[event.anchor] = (value, 1)
            self._place(value, 1, event.start_mark, path)
            return

        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            is_map = isinstance(event, yaml.MappingStartEvent)
            expected = _MAP_TAG if is_map else _SEQ_TAG
            if event.tag not in (None, "!", expected):
                self._fail(
                    f"the YAML tag {_short_tag(event.tag)} is not allowed; only plain mappings "
                    "and lists may be used",
                    event.start_mark,
                )
            if len(self.stack) >= self.limits.max_depth:
                self._fail(
                    f"is nested more than {self.limits.max_depth} levels deep", event.start_mark
                )
            self._count(1, event.start_mark)
            self.values[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
            self.stack.append(_Frame({} if is_map else [], path, event.anchor))
            return

        raise AssertionError(f"unexpected YAML event {event!r}")  # pragma: no cover

    def _place_closed(self, value: Any, size: int, start: Position, path: PathKey) -> None:
        if not self.stack:
            self.result = value
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            frame.container.append(value)
        else:
            assert frame.pending_key is not None
            frame.container[frame.pending_key] = value
            frame.pending_key = None
            frame.expecting_key = True
