"""Reading YAML and JSON documents safely, with the text as written and where it was.

A :class:`Document` is plain data, with the line and column of every key and
value, so that a later problem can say ``purchase.yaml:4:14`` rather than just
the field name. Reading keeps to a few rules, the same for purchases and for
rule packs:

* **Every value arrives as the text that was written.** YAML 1.1 would read
  ``045000`` as an octal number, ``1:30`` as 90 and ``0x10`` as 16; here each
  scalar is a string (``null``, ``~`` and nothing at all are "not given"), and
  the field it is for decides what it means. JSON's numbers arrive as their
  text too, and its ``true``, ``false`` and ``null`` as what they are.
* **Nothing builds objects.** Any YAML tag (``!!python/object``) is refused, as
  are merge keys and a second document in the file.
* **Bounded work.** The file's size, how deeply it nests, and how many values
  it holds once YAML aliases are expanded are all limited (:class:`Limits`).
* **Repeated keys are errors**, each with the line where it was first given.
* **The tool's own words.** PyYAML's C parser reads first; if it stops, the
  document is read again by PyYAML's pure-Python parser, whose words do not
  change with the libyaml it was built with, so that a message (a nesting limit
  above all) is the same on every installation.

JSON documents (a file whose text starts with ``{`` or ``[``) are read by
Python's ``json``; their positions come from reading them as YAML, where that
works.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem

PathKey = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column


@dataclass(frozen=True, slots=True)
class Limits:
    """How big a document may be. Generous for real use, small enough to stay safe."""

    max_bytes: int = 1_000_000
    max_depth: int = 50
    # Values in the document after expanding aliases: bounds the work any later step
    # can be made to do, however cleverly the aliases are nested.
    max_nodes: int = 100_000


PURCHASE_LIMITS = Limits()
PACK_LIMITS = Limits(max_bytes=5_000_000, max_nodes=500_000)


@dataclass
class Document:
    """A parsed document and the position of each of its keys and values."""

    data: Any
    source: str
    values: dict[PathKey, Position] = field(default_factory=dict)
    keys: dict[PathKey, Position] = field(default_factory=dict)

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
    """methods[2].band.ranges[0]: how a path inside a document is written in messages."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# -- bytes and text ------------------------------------------------------------------


def read_bytes(
    path: str, *, limits: Limits = PURCHASE_LIMITS, what: str = "file"
) -> tuple[bytes, str]:
    """The bytes of a file (or of stdin, for ``-``), within the size limit."""
    if path == "-":
        name = "<stdin>"
        if sys.stdin is None:
            raise InputError([Problem("stdin is closed; give a file name instead", source=name)])
        try:
            data = sys.stdin.buffer.read(limits.max_bytes + 1)
        except OSError as exc:
            raise InputError(
                [Problem(f"cannot read stdin: {exc.strerror or exc}", source=name)]
            ) from None
    else:
        name = path
        if not path:
            raise InputError([Problem(f"an empty file name; give the {what}, or - for stdin")])
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
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    f"is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read); "
                    "save it as UTF-8",
                    source=source,
                    line=line,
                )
            ]
        ) from None


def load(path: str, *, limits: Limits = PURCHASE_LIMITS, what: str = "file") -> Document:
    """Read and parse a YAML or JSON file (``-`` for stdin)."""
    data, name = read_bytes(path, limits=limits, what=what)
    return parse(decode_text(data, name), name, limits=limits)


def parse(text: str, source: str, *, limits: Limits = PURCHASE_LIMITS) -> Document:
    """Parse one YAML or JSON document into plain data with positions.

    Raises :class:`InputError` listing every problem found (repeated keys are all
    reported; a syntax error stops the reading where it happens).
    """
    document, problems = read_document(text, source, limits=limits)
    if problems:
        raise InputError(problems)
    assert document is not None
    return document


def read_document(
    text: str, source: str, *, limits: Limits = PURCHASE_LIMITS
) -> tuple[Document | None, list[Problem]]:
    """The document and every problem found reading it.

    The document is None when reading stopped (a syntax error, a limit, a tag) or
    found nothing. After repeated keys alone, each keeps its first value, so that a
    rule pack's other problems can still be looked for.
    """
    if text.lstrip()[:1] in ("{", "["):
        found = _read_json(text, source, limits)
        if found is not None:
            return found
    return _read_yaml(text, source, limits)


# -- JSON ---------------------------------------------------------------------------


def _read_json(
    text: str, source: str, limits: Limits
) -> tuple[Document | None, list[Problem]] | None:
    """A JSON document, or None if the text is not JSON (it may be YAML's flow style)."""
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                repeated.append(key)
            else:
                out[key] = value
        return out

    try:
        # Numbers arrive as the text written, like every YAML scalar: the field decides.
        data = json.loads(
            text, object_pairs_hook=pairs, parse_int=str, parse_float=str, parse_constant=str
        )
    except RecursionError:
        return None, [_too_deep_at(text, source, limits)]
    except json.JSONDecodeError as exc:
        yaml_document, yaml_problems = _read_yaml(text, source, limits)
        too_deep = _too_deep(source, limits, None).message
        if not yaml_problems or any(p.message == too_deep for p in yaml_problems):
            return yaml_document, yaml_problems
        return None, [
            Problem(
                f"not valid YAML or JSON: {exc.msg}",
                source=source,
                line=exc.lineno,
                column=exc.colno,
            )
        ]
    if _depth(data) > limits.max_depth:
        return None, [_too_deep_at(text, source, limits)]
    # Positions, where the same text reads as YAML (as JSON almost always does).
    positions, yaml_problems = _read_yaml(text, source, limits)
    document = Document(data, source)
    if positions is not None:
        document.values, document.keys = positions.values, positions.keys
    problems = [p for p in yaml_problems if p.message.startswith("duplicate key")]
    if repeated and not problems:
        problems = [
            Problem("duplicate key; each field may be given once", field=key, source=source)
            for key in repeated
        ]
    return document, problems


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth + 1)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return deepest


def _too_deep_at(text: str, source: str, limits: Limits) -> Problem:
    """The nesting limit's problem, at the place YAML's reading finds it, where it can."""
    _, problems = _read_yaml(text, source, limits)
    wanted = _too_deep(source, limits, None).message
    return next((p for p in problems if p.message == wanted), _too_deep(source, limits, None))


def _too_deep(source: str, limits: Limits, mark: Any) -> Problem:
    return Problem(
        f"is nested more than {limits.max_depth} levels deep",
        source=source,
        line=mark.line + 1 if mark is not None else None,
        column=mark.column + 1 if mark is not None else None,
    )


# -- YAML ---------------------------------------------------------------------------

# YAML allows no C1 control characters (U+0080 to U+009F), which a Windows-1252 paste
# brings (U+0092 for a curly apostrophe). They are read as written by standing in for
# them, while the parser reads, with the noncharacters U+FDD0 to U+FDEF, which YAML
# does allow and no text uses.
_C1 = range(0x80, 0xA0)
_STAND_INS = {c: 0xFDD0 + (c - 0x80) for c in _C1}
_BACK = {v: k for k, v in _STAND_INS.items()}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))


_C1_CHARS = re.compile("[\x80-\x9f]")
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_LONG_ESCAPE = re.compile(r"\\U([0-9A-Fa-f]{8})")


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _read_yaml(text: str, source: str, limits: Limits) -> tuple[Document | None, list[Problem]]:
    bad = _NONCHARACTERS.search(text)
    if bad is not None:
        return None, [
            Problem(
                f"holds U+{ord(bad.group()):04X}, a Unicode noncharacter, not text", source=source
            )
        ]
    has_c1 = _C1_CHARS.search(text) is not None
    if has_c1:
        text = text.translate(_STAND_INS)
    import yaml

    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is not None:
        builder = _Builder(text, source, limits, has_c1)
        if builder.run(c_loader, yaml):
            return builder.result()
    # The pure-Python parser words every problem the same whatever libyaml is installed
    # (libyaml's flow scanner stops deep nesting in words of its own).
    builder = _Builder(text, source, limits, has_c1)
    builder.run(yaml.SafeLoader, yaml)
    return builder.result()


class _Stop(Exception):
    """Reading cannot usefully go on; the problems say why."""


@dataclass(eq=False)
class _Frame:
    """A mapping or list being filled, where it sits in the document, and its anchor."""

    container: dict[str, Any] | list[Any]
    path: PathKey
    anchor: str | None
    size: int = 1
    pending_key: str | None = None
    expecting_key: bool = True
    skip: bool = False  # the pending key repeats an earlier one: its value is dropped


class _Builder:
    """Turns PyYAML's parser events into plain data, one event at a time.

    Walking the events, rather than letting PyYAML construct objects, is what lets
    every scalar stay the text it was written as, every repeated key be named, and
    nesting and alias expansion be bounded before they cost anything.
    """

    def __init__(self, text: str, source: str, limits: Limits, has_c1: bool) -> None:
        self.text = text
        self.source = source
        self.limits = limits
        self.has_c1 = has_c1
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
        self.problems: list[Problem] = []
        self.values: dict[PathKey, Position] = {}
        self.keys: dict[PathKey, Position] = {}
        self.data: Any = None
        self.documents = 0
        self.total = 0
        self.finished = False

    def run(self, loader_class: Any, yaml: Any) -> bool:
        """Feed every event of a ``loader_class`` parser; False when the parser stopped."""
        self.yaml = yaml
        loader = None
        try:
            # Made inside the try: the pure-Python reader checks every character as
            # it is made, and a control character is the reader's problem to report.
            loader = loader_class(self.text)
            while True:
                event = loader.get_event()
                if event is None:
                    self.finished = True
                    return True
                self.feed(event)
        except _Stop:
            return True
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self._syntax(exc.problem or exc.context or "not valid YAML", mark)
            return False
        except yaml.reader.ReaderError as exc:
            self._unreadable(exc)
            return False
        except yaml.YAMLError as exc:
            self._syntax(" ".join(str(exc).split()), None)
            return False
        except (ValueError, OverflowError):
            # PyYAML's scanner calls chr() on a "\U" escape unchecked: an escape past
            # U+10FFFF reaches us as chr()'s own error, not as a YAML error.
            self._escape_beyond_unicode()
            return False
        finally:
            if loader is not None:
                loader.dispose()

    def result(self) -> tuple[Document | None, list[Problem]]:
        if not self.finished:
            return None, self.problems
        if self.documents == 0:
            return None, self.problems or [Problem("is empty", source=self.source)]
        return Document(self.data, self.source, self.values, self.keys), self.problems

    # -- problems --------------------------------------------------------------------
    def _syntax(self, message: str, mark: Any) -> None:
        self.problems.append(
            Problem(
                f"not valid YAML or JSON: {message}",
                source=self.source,
                line=mark.line + 1 if mark is not None else None,
                column=mark.column + 1 if mark is not None else None,
            )
        )

    def _escape_beyond_unicode(self) -> None:
        found = next(
            (m for m in _LONG_ESCAPE.finditer(self.text) if int(m.group(1), 16) > 0x10FFFF), None
        )
        line, column = (None, None) if found is None else _line_and_column(self.text, found.start())
        escape = "a \\U escape" if found is None else f"the escape {found.group()}"
        self.problems.append(
            Problem(
                f"not valid YAML or JSON: {escape} names no character (the last is \\U0010FFFF)",
                source=self.source,
                line=line,
                column=column,
            )
        )

    def _unreadable(self, exc: Any) -> None:
        """A character YAML does not allow (a control character, mostly): say which, where."""
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        before = self.text[: exc.position]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        self.problems.append(
            Problem(
                f"not valid YAML or JSON: the character U+{ord(char):04X} is not allowed here "
                "(a control character?); remove it",
                source=self.source,
                line=line,
                column=column,
            )
        )

    def _fail(self, message: str, mark: Any) -> None:
        self.problems.append(
            Problem(message, source=self.source, line=mark.line + 1, column=mark.column + 1)
        )
        raise _Stop

    def _count(self, size: int, mark: Any) -> None:
        self.total += size
        if self.total > self.limits.max_nodes:
            self._fail(
                f"has more than {self.limits.max_nodes:,} values once its aliases are "
                "expanded; write it out plainly or split it",
                mark,
            )

    # -- text as written -------------------------------------------------------------
    def _text(self, value: str) -> str:
        if self.has_c1:
            value = value.translate(_BACK)
        if _SURROGATES.search(value):
            # An emoji escaped as a surrogate pair ("\ud83c\udfe0", as json.dumps writes
            # it) is one character; a lone surrogate stays, for the field to refuse.
            value = value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
        return value

    def _scalar(self, event: Any) -> str | None:
        if event.tag is not None and event.tag != "!":
            self._fail(
                f"the YAML tag {_short_tag(event.tag)} is not allowed; only plain text, "
                "numbers, true/false and dates may be used",
                event.start_mark,
            )
        plain = bool(event.implicit and event.implicit[0])
        if plain and event.value in _NULLS:
            return None
        return self._text(event.value)

    # -- events ----------------------------------------------------------------------
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
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (frame.container, frame.size)
            self._put(frame.container, frame.size)
            return
        path = self._child_path()
        if path is None:
            self._take_key(event)
            return
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                self._fail(f"the alias *{event.anchor} refers to no anchor defined before it", mark)
            value, size = self.anchors[event.anchor]
            self._count(size, mark)
            self.values[path] = (mark.line + 1, mark.column + 1)
            self._put(value, size)
        elif isinstance(event, yaml.ScalarEvent):
            self._count(1, mark)
            scalar = self._scalar(event)
            if event.anchor is not None:
                self.anchors[event.anchor] = (scalar, 1)
            self.values[path] = (mark.line + 1, mark.column + 1)
            self._put(scalar, 1)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if event.tag is not None and event.tag != "!":
                self._fail(
                    f"the YAML tag {_short_tag(event.tag)} is not allowed; only plain "
                    "mappings and lists may be used",
                    mark,
                )
            if len(self.stack) >= self.limits.max_depth:
                self.problems.append(_too_deep(self.source, self.limits, mark))
                raise _Stop
            self._count(1, mark)
            self.values[path] = (mark.line + 1, mark.column + 1)
            is_map = isinstance(event, yaml.MappingStartEvent)
            self.stack.append(_Frame({} if is_map else [], path, event.anchor))
        else:  # pragma: no cover - PyYAML has no other events
            raise AssertionError(f"unexpected YAML event {event!r}")

    def _child_path(self) -> PathKey | None:
        """The path of the value about to be placed, or None when it is a mapping key."""
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        if frame.expecting_key:
            return None
        assert frame.pending_key is not None
        # A repeated key's value is placed under a path no document has, so that the
        # positions of the first value stay where they were.
        return (*frame.path, "\x00repeated" if frame.skip else frame.pending_key)

    def _take_key(self, event: Any) -> None:
        frame = self.stack[-1]
        assert isinstance(frame.container, dict)
        mark = event.start_mark
        if not isinstance(event, self.yaml.ScalarEvent):
            self._fail("a key must be a plain word, not a list or mapping", mark)
        # A plain (unquoted) <<: the C parser calls its style "", the Python one None.
        if event.value == "<<" and not event.style and event.tag is None:
            self._fail("merge keys (<<) are not supported; write the keys out in full", mark)
        key = self._text(event.value)
        path = (*frame.path, key)
        position = (mark.line + 1, mark.column + 1)
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
            # The first value stays; the repeat is read into a slot that is dropped,
            # so that reading goes on and reports any further problems.
            frame.skip = True
        else:
            self.keys[path] = position
        frame.pending_key = key
        frame.expecting_key = False

    def _put(self, value: Any, size: int) -> None:
        """The value into its parent (or as the document), counting its size there."""
        if not self.stack:
            self.data = value
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            frame.container.append(value)
        else:
            assert frame.pending_key is not None
            if not frame.skip:
                frame.container[frame.pending_key] = value
            frame.pending_key = None
            frame.expecting_key = True
            frame.skip = False


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


def read_purchase_document(path: str) -> Document:
    """A purchase description (YAML or JSON; ``-`` is stdin), checked to be one mapping."""
    document = load(path, limits=PURCHASE_LIMITS, what="purchase description")
    if not isinstance(document.data, dict):
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
