"""The plain reader (documents._flat_mapping) and PyYAML agree.

A flat purchase file is read without importing PyYAML, so that `route` starts
fast. That is only safe if the plain reader gives exactly what PyYAML gives,
data and positions alike, whenever it answers at all: generated documents hold
it to that, tricky values included (YAML 1.1 booleans, octal-looking numbers,
dates, comments, quotes, indentation, unusual line breaks).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commission_cli.documents import Document, _flat_mapping
from commission_cli.errors import InputError
from commission_cli.yaml_positions import parse_yaml

from .conftest import EXAMPLES

_KEYS = [
    "title", "annual_value", "years", "outcomes", "a", "A_b", "_x", "x1", "1x", "yes",
    "No", "null", "on", "y", "n", "~", "a b", "a-b", "é", "<<", "title",
]  # fmt: skip
_VALUES = [
    "Day care", "£45,000", "45k", "45000", "3", "0", "012", "0x1F", "1_000", "1:30", "3.5",
    ".5", "1e3", "1.0e+3", ".inf", "-.inf", ".NaN", "2024-01-05", "2024-1-5 10:00:00",
    "yes", "Yes", "YES", "yEs", "no", "NO", "on", "Off", "y", "n", "true", "False", "null",
    "Null", "NULL", "nULL", "~", "", "'quoted'", '"quoted"', "a: b", "a:b", "a:", "a #c",
    "a#c", "#c", "- x", "-x", "[1, 2]", "{a: 1}", "&a x", "*a", "!!str x", "|", ">", "%x",
    "@x", "`x", "x,y", "x [y]", "=", "<<", "?x", "? x", "Less certain", "less-certain",
    "٣", "é à", "tab\there", "a\u2028b", "x\x85y", "x\x7fy", "x\ufeffy", "中文", "🙂",
    "  spaced  ", "x  #  c", "end:", "£", "3 ", "+1", "-5", "12k", "1.2m", "45,000",
    "3 years", "2024-01-05x", "0x1Fg", "1e3k", "12 000", "1_0k", "0b1", "0o7", "1:3:5",
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "00", "007", "3.", "3.5.1",
    "1__0", "0.0", "10.50",
]  # fmt: skip
_GAPS = ["", " ", "  ", "\t"]
_LINE_ENDS = ["\n", "\r\n", "\r", "\n\n", "\n# a comment\n", "\n  # indented comment\n"]


@st.composite
def _documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(_KEYS))
        value = draw(st.one_of(st.sampled_from(_VALUES), st.text(max_size=6)))
        indent = draw(st.sampled_from(["", "", "", " "]))
        gap = draw(st.sampled_from(_GAPS))
        sep = draw(st.sampled_from([":", ":", ":", " :"]))
        lines.append(f"{indent}{key}{sep}{gap}{value}")
        lines.append(draw(st.sampled_from(_LINE_ENDS)))
    return draw(st.sampled_from(["", "# head\n", "---\n"])) + "".join(lines)


@st.composite
def _mostly_plain(draw: st.DrawFn) -> str:
    """Documents the plain reader mostly takes: distinct keys, one value per line."""
    keys = draw(st.lists(st.sampled_from(_KEYS[:8]), unique=True, max_size=6))
    out = draw(st.sampled_from(["", "# head\n", "\n"]))
    for key in keys:
        value = draw(st.one_of(st.sampled_from(_VALUES), st.text(max_size=8)))
        gap = draw(st.sampled_from([" ", " ", "  "]))
        comment = draw(st.sampled_from(["", "", " # note", "  #x", "#x"]))
        end = draw(st.sampled_from(["\n", "\n", "\r\n", "\n\n", "\n  # c\n", ""]))
        out += f"{key}:{gap}{value}{comment}{end}"
    return out


def _full(text: str) -> Document | None:
    try:
        return parse_yaml(text, "p.yaml")
    except InputError:
        return None


def _typed(data: Any) -> Any:
    return {k: (type(v), v) for k, v in data.items()} if isinstance(data, dict) else data


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_documents(), _mostly_plain()))
def test_the_plain_reader_reads_what_pyyaml_reads_with_the_same_positions(text):
    plain = _flat_mapping(text, "p.yaml")
    if plain is None:
        return  # PyYAML reads it
    full = _full(text)
    assert full is not None, f"the plain reader accepted what PyYAML refuses: {text!r}"
    assert _typed(plain.data) == _typed(full.data), text
    assert plain.keys == full.keys, text
    assert plain.values == full.values, text


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_example_is_read_without_pyyaml(path):
    text = path.read_text(encoding="utf-8")
    plain = _flat_mapping(text, str(path))
    assert plain is not None
    full = parse_yaml(text, str(path))
    assert (_typed(plain.data), plain.keys, plain.values) == (
        _typed(full.data),
        full.keys,
        full.values,
    )


def test_a_misspelt_choice_is_placed_on_its_line_and_column_by_either_reader(tmp_path):
    from typer.testing import CliRunner

    from commission_cli.cli import build_app

    path = tmp_path / "p.yaml"
    path.write_text("# note\ntitle: Day care\nannual_value: £45,000\noutcomes:   sure\n")
    result = CliRunner().invoke(build_app(), ["route", str(path), "-f", "json"])
    assert result.exit_code == 2
    assert f"{path}:4:13: outcomes:" in result.output
