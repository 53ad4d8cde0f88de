"""Frozen records compared by value, cheaper to define than frozen dataclasses.

Python writes a frozen dataclass's ``__init__``, ``__eq__``, ``__hash__``,
``__setattr__`` and ``__delattr__`` as source and compiles them at every start,
about 0.7 ms a class; ``commission route`` defines a dozen on its way to an
answer, and its start-up is a budget the benchmark holds (see README, Speed).
A :class:`Record` is still a dataclass (pydantic derives JSON Schema from it, and
``dataclasses.replace`` and ``fields`` work): the methods that are the same for
every class are written once here, and each record writes its own ``__init__``,
which costs nothing at start-up since it is compiled with the module.

    @dataclass(init=False, repr=False, eq=False, slots=True)
    class Point(Record):
        '''A point (a dataclass without a docstring costs inspect.signature).'''

        x: int
        y: int

        def __init__(self, x: int, y: int) -> None:
            set_field(self, "x", x)
            set_field(self, "y", y)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError
from operator import attrgetter
from typing import Any


class Record:
    """Equal when of one class with equal fields, hashable, and frozen: what
    ``dataclass(frozen=True)`` gives, but for ``__init__`` (see the module)."""

    __slots__ = ()
    _fields: tuple[str, ...]  # in the order of the class's annotations
    _fields_of: Callable[[Any], tuple[Any, ...]]

    def __init_subclass__(cls) -> None:
        cls._fields = tuple(cls.__annotations__)
        if len(cls._fields) < 2:  # attrgetter would give a lone value, not a tuple
            raise TypeError(f"{cls.__name__}: a Record needs two fields or more")
        cls._fields_of = attrgetter(*cls._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self._fields_of(self) == self._fields_of(other))

    def __hash__(self) -> int:
        return hash(self._fields_of(self))

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, self._fields_of(self))

    def __repr__(self) -> str:
        values = self._fields_of(self)
        fields = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, values, strict=True))
        return f"{self.__class__.__name__}({fields})"


set_field = object.__setattr__  # past Record's guard, in the records' own __init__
