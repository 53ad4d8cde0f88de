"""Finding and loading a rule pack: a file, or a pack that ships with the tool.

Shipped packs live in the ``commission_cli.packs`` package (the repository's
``rules/`` folder) and are found with :mod:`importlib.resources`, so an
installed tool finds them from any directory. A pack is read, validated and
compiled on every run: nothing is cached on disk, so what a decision cites is
always what was applied.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ..errors import InputError, Problem, RulePackError
from ..io.documents import PACK_LIMITS, read_bytes
from .check import compile_pack
from .compiled import Rules

DEFAULT_PACK = "wolverhampton"
SHIPPED = "commission_cli.packs"
_SUFFIXES = (".yaml", ".yml")


def shipped_packs() -> list[str]:
    """The names of the packs that ship with the tool."""
    return sorted(
        entry.name.rsplit(".", 1)[0]
        for entry in resources.files(SHIPPED).iterdir()
        if entry.name.endswith(_SUFFIXES) and _is_pack(entry.name)
    )


def _is_pack(name: str) -> bool:
    # Beside the packs ship the files they name (a glossary, a specification).
    return not name.startswith(("glossary", "specification"))


def is_shipped_name(text: str) -> bool:
    """Is this the name of a shipped pack rather than a path?"""
    return (
        text != "-"
        and os.sep not in text
        and not text.endswith(_SUFFIXES)
        and not os.path.exists(text)
    )


def read_pack(path: str | os.PathLike[str] | None) -> tuple[bytes, str, Path | None, bool]:
    """The bytes of a pack, the name messages give it, the folder it names files from,
    and whether it ships with the tool. ``path`` is a file, ``-`` (stdin), the name of a
    shipped pack, or None for the default one."""
    text = DEFAULT_PACK if path is None else os.fspath(path)
    if not text:
        problem = Problem(
            "an empty file name; give the rule pack file, or the name of a shipped pack"
        )
        raise RulePackError([problem])
    if is_shipped_name(text):
        if text not in shipped_packs():
            known = ", ".join(shipped_packs()) or "none"
            raise RulePackError(
                [
                    Problem(
                        "no such rule pack file, and no shipped pack of that name "
                        f"(shipped: {known})",
                        source=text,
                    )
                ]
            )
        return resources.files(SHIPPED).joinpath(f"{text}.yaml").read_bytes(), text, None, True
    try:
        data, name = read_bytes(text, limits=PACK_LIMITS, what="rule pack")
    except InputError as exc:
        raise RulePackError(exc.problems) from None
    directory = None if text == "-" else Path(text).resolve().parent
    return data, name, directory, False


def load_rules(path: str | os.PathLike[str] | None = None) -> Rules:
    """Load, validate and compile a rule pack (the shipped Wolverhampton pack by default).

    ``path`` is a pack file, ``-`` for stdin, or the name of a shipped pack.
    Raises :class:`RulePackError` with one problem per defect, each with file:line.
    """
    data, name, directory, shipped = read_pack(path)
    return compile_pack(data, name, directory=directory, shipped=shipped)


def files_read(rules: Rules) -> list[str]:
    """The files a loaded pack came from: the pack file, and the files it names that lie
    beside it (its glossary, its specification). No output may replace any of them."""
    if rules.directory is None:  # shipped with the tool, or read from stdin
        return []
    files = [rules.path]
    for name in (rules.pack.glossary, rules.pack.specification):
        if name is not None and os.sep not in name and not name.startswith("."):
            files.append(str(rules.directory / name))
    return files


def beside(directory: Path, name: str) -> Path | None:
    """The regular file ``name`` in the pack's folder, or None: a name, not a path, and
    never a link out of the folder (a pack checked by CI must not read what it links to),
    a pipe that could keep a run waiting, or a name the system cannot look up."""
    if os.sep in name or name.startswith("."):
        return None
    path = directory / name
    try:
        if not path.is_file() or path.resolve().parent != directory.resolve():
            return None
    except (OSError, RuntimeError):  # too long a name, a loop of links
        return None
    return path


def named_file(rules: Rules, name: str) -> tuple[bytes, str] | None:
    """A file the pack names (its glossary, its specification), and how messages name
    it: beside the pack first (its path), then among the files that ship with the tool.
    None if neither has it."""
    if os.sep in name or name.startswith("."):
        return None  # a name, not a path: nothing outside those two places is read
    if rules.directory is not None:
        local = beside(rules.directory, name)
        if local is not None:
            return read_bytes(str(local), limits=PACK_LIMITS, what="file")[0], str(local)
    shipped = resources.files(SHIPPED).joinpath(name)
    if not shipped.is_file():
        return None
    # For a pack of the user's own, the shipped copy (another authority's wording,
    # perhaps) is named by where it is installed, so that no one looks for it beside
    # the pack; a shipped pack's own files are named by their names.
    return shipped.read_bytes(), name if rules.shipped else str(shipped)
