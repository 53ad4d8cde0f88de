"""Records and pack parts behave as the dataclasses they replace: compared by value,
frozen where they were frozen, and still dataclasses for pydantic and `fields`."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
import subprocess
import sys

import pytest

import commission_cli
from commission_cli.decision import Candidate, MethodRef
from commission_cli.errors import Problem
from commission_cli.rules import load_rules

from .conftest import EXAMPLES


def test_records_are_equal_by_value_and_class_and_hash_alike():
    assert MethodRef("a", "A") == MethodRef("a", "A")
    assert hash(MethodRef("a", "A")) == hash(MethodRef("a", "A"))
    assert MethodRef("a", "A") != MethodRef("a", "B")
    assert Problem("a", "A") != MethodRef("a", "A")  # same values, other class
    assert len({Problem("x"), Problem("x"), Problem("x", line=2)}) == 2


def test_records_are_frozen():
    ref = MethodRef("a", "A")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.id = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del ref.name  # type: ignore[misc]


def test_records_copy_pickle_replace_and_show_as_dataclasses_do():
    candidate = Candidate("a", "A", True, 2.0, ("x",), (), "because")
    assert pickle.loads(pickle.dumps(candidate)) == candidate
    assert copy.deepcopy(candidate) == candidate
    assert dataclasses.replace(candidate, score=3.0).score == 3.0
    assert [f.name for f in dataclasses.fields(Problem)] == [
        "message",
        "field",
        "source",
        "line",
        "column",
    ]
    assert repr(MethodRef("a", "A")) == "MethodRef(id='a', name='A')"
    assert str(dataclasses.replace(Problem("bad", field="years"), source="f.yaml", line=3)) == (
        "f.yaml:3: years: bad"
    )


def test_rule_packs_are_equal_when_every_value_is():
    first, second = load_rules(cache=False).pack, load_rules(cache=False).pack
    assert first is not second
    assert first == second
    second.methods[0].band.ranges[0].includes_vat = not first.methods[0].band.ranges[0].includes_vat
    assert first != second


def test_every_dataclass_has_a_docstring():
    # Python 3.11 makes one from inspect.signature for a dataclass without one, at
    # every start: most of what the pack's classes cost `commission route` to define.
    missing = []
    for module in pkgutil.walk_packages(commission_cli.__path__, "commission_cli."):
        loaded = importlib.import_module(module.name)
        for name, obj in vars(loaded).items():
            if inspect.isclass(obj) and obj.__module__ == loaded.__name__:
                made = (obj.__dict__.get("__doc__") or "").startswith(f"{obj.__name__}(")
                if dataclasses.is_dataclass(obj) and made:
                    missing.append(f"{loaded.__name__}.{name}")
    assert missing == []


PARTS_PROBE = """
import dataclasses, sys
from commission_cli import packschema
{before}
print("PENDING", len(packschema._PENDING))
{after}
"""


def _pending(before: str = "", after: str = "") -> list[str]:
    code = PARTS_PROBE.format(before=before, after=after)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_cached_route_never_makes_the_pack_parts_dataclasses():
    route = (
        "from commission_cli.cli import main\n"
        "import contextlib, io\n"
        f"main_args = ['route', {str(EXAMPLES / 'day-care-restricted.yaml')!r}, '-f', 'json']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(main_args)\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    _pending(route)  # the first run may compile the pack and cache it
    assert _pending(route)[:2] == ["PENDING", "21"]


def test_pack_parts_become_dataclasses_when_anything_asks():
    assert _pending(after="print(dataclasses.is_dataclass(packschema.Method))") == [
        "PENDING",
        "21",
        "True",
    ]
    fields = "print([f.name for f in dataclasses.fields(packschema.Quoted)])"
    assert _pending(after=fields)[2:] == ["['text',", "'note']"]
    built = "print(packschema.Bound(amount=5, inclusive=True).inclusive)"
    assert _pending(after=built)[2:] == ["True"]
    checked = (
        "from pydantic import TypeAdapter\n"
        "print(TypeAdapter(packschema.Quoted).validate_python({'text': 'x'}).note)"
    )
    assert _pending(after=checked)[2:] == ["None"]


def test_every_written_out_init_takes_the_dataclass_fields_in_order():
    # The classes that write their own __init__ (to spare compiling one at every
    # start) must take exactly their fields, in order, with the fields' defaults.
    checked = []
    for module in pkgutil.walk_packages(commission_cli.__path__, "commission_cli."):
        loaded = importlib.import_module(module.name)
        for obj in vars(loaded).values():
            if not (inspect.isclass(obj) and obj.__module__ == loaded.__name__):
                continue
            if not dataclasses.is_dataclass(obj) or obj.__dataclass_params__.init:  # type: ignore[attr-defined]
                continue
            if "__init__" not in obj.__dict__:
                continue  # no __init__ at all: pydantic or unpickling fills it
            params = list(inspect.signature(obj.__init__).parameters.values())[1:]
            fields = dataclasses.fields(obj)
            assert [p.name for p in params] == [f.name for f in fields], obj
            for p, f in zip(params, fields, strict=True):
                if f.default is not dataclasses.MISSING:
                    assert p.default == f.default, (obj, f.name)
            checked.append(obj.__name__)
    assert {"Verdict", "Problem", "Assessment", "CompiledMethod", "Document"} <= set(checked)


def test_parts_of_a_cached_pack_can_be_copied_with_changes():
    load_rules()  # cache the pack
    method = load_rules().pack.methods[0]
    renamed = dataclasses.replace(method, name="Renamed")
    assert renamed.name == "Renamed"
    assert renamed.band == method.band
    assert renamed != method


def test_threads_asking_at_once_all_find_the_parts_made():
    threads = (
        "import threading\n"
        "names = [n for n in dir(packschema) if isinstance(getattr(packschema, n), type)]\n"
        "parts = [getattr(packschema, n) for n in names]\n"
        "base = packschema._Schema\n"
        "parts = [p for p in parts if issubclass(p, base) and p is not base]\n"
        "errors = []\n"
        "def ask():\n"
        "    try:\n"
        "        for part in parts:\n"
        "            dataclasses.fields(part)\n"
        "    except Exception as exc:\n"
        "        errors.append(exc)\n"
        "workers = [threading.Thread(target=ask) for _ in range(8)]\n"
        "for w in workers: w.start()\n"
        "for w in workers: w.join()\n"
        "print(len(parts), errors == [], len(packschema._PENDING))\n"
    )
    assert _pending(after=threads)[2:] == ["21", "True", "0"]
