"""PyYAML's events into plain data, with the position of every key and value.

PyYAML's own loaders build Python objects as they go, let a repeated key
silently win, and recurse once per level of nesting. This module instead walks
the parser's event stream with an explicit stack, so that it can:

* refuse any tag that is not plain data (``!!python/object`` and friends);
* report duplicate keys with both line numbers;
* bound nesting depth and the size of a document once aliases are expanded
  (a "billion laughs" document is refused, not expanded);
* remember the line and column of every key and value.

Imported only for a document :mod:`documents` does not read itself, with PyYAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .documents import PURCHASE_LIMITS, Document, Limits, PathKey, Position, dotted
from .errors import InputError, Problem

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


def parse_yaml(text: str, source: str, *, limits: Limits = PURCHASE_LIMITS) -> Document:
    """:func:`documents.parse` by PyYAML alone, whatever the document looks like.

    Raises :class:`InputError` listing every problem found (duplicate keys are
    all reported; a syntax error stops the reading where it happens).
    """
    document, problems = read_yaml(text, source, limits=limits)
    if problems:
        raise InputError(problems)
    assert document is not None
    return document


def read_yaml(
    text: str, source: str, *, limits: Limits = PURCHASE_LIMITS
) -> tuple[Document | None, list[Problem]]:
    """The document and every problem found reading it. The document is None when
    the reading stopped (a syntax error, a character YAML refuses, a limit, a tag)
    or found nothing; after repeated keys alone, each keeps its first value, so the
    rest can still be checked."""
    import yaml

    builder = _Builder(source, limits)
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    stopped = True  # until the last event is read
    try:
        while True:
            event = loader.get_event()
            if event is None:
                stopped = False
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
    if stopped:
        return None, builder.problems
    if builder.documents == 0:
        return None, builder.problems or [Problem("is empty", source=source)]
    return Document(builder.result, source, builder.values, builder.keys), builder.problems


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
        self._put(value, size)

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
            # The value's position was recorded when it opened; place it now it is whole.
            self._put(container, frame.size)
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

    def _put(self, value: Any, size: int) -> None:
        """The value into its parent (or as the result), counting its size there."""
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
