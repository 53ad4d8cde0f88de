"""Text that came from a user or a rule pack, made safe to show to a person.

A title, a pack's names or a value quoted in a message may hold control
characters (an escape sequence pasted from a terminal, a C1 character from a
Windows-1252 paste, a line break). Written to a terminal as they are, they could
move the cursor, recolour or hide text; so every human format shows them as
escapes (``\\x1b``), and keeps the rest of the text as it was written. JSON,
YAML and CSV outputs keep the text itself: they are data, not a screen.
"""

from __future__ import annotations

import os
import re
import shlex

# C0 controls, DEL and C1 controls; the Unicode line and paragraph separators, which
# break a line as a newline does; the bidirectional overrides, which can make text
# read in another order than it is stored; and lone surrogates, which no terminal can
# be sent at all.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``)."""
    return _UNSAFE.sub(_escape, text)


def quoted(text: str, limit: int = 40) -> str:
    """A short, escaped excerpt of ``text`` in quotes, for a message about a value."""
    excerpt = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"'{shown(excerpt)}'"


def shell_word(text: str) -> str:
    """``text`` as a word to type back at the shell, safe to show: quoted as usual, or,
    when it holds a control character or bytes that are not UTF-8 (a file named
    ``$'\\xff.yaml'`` arrives as ``'\\udcff.yaml'``), in ``$'...'`` quoting with those
    bytes as ``\\xNN``, which bash and zsh read back as the same name."""
    if not _UNSAFE.search(text):
        return shlex.quote(text)
    try:
        raw = os.fsencode(text)  # the bytes of the name, as the system holds them
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        return shlex.quote(shown(text))
    return "$'" + "".join(_ansi_c(byte) for byte in raw) + "'"


def _ansi_c(byte: int) -> str:
    if byte in (0x27, 0x5C):  # ' and \
        return "\\" + chr(byte)
    return chr(byte) if 0x20 <= byte < 0x7F else f"\\x{byte:02x}"
