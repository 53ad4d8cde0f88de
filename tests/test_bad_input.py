"""Bad input is part of the product: one line per problem naming the field and the
file:line it came from, exit 2, nothing on stdout, never a traceback (PRODUCT.md)."""

from __future__ import annotations

import pytest

from commission_cli.errors import Problem


def _bad(cli, tmp_path, text: str | bytes, name: str = "purchase.yaml", *args: str):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    result = cli("route", str(path), "--format", "json", *args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines)
    return lines


def test_misspelt_key_is_named_with_its_line_and_a_suggestion(cli, tmp_path):
    (line,) = _bad(cli, tmp_path, "title: x\nanual_value: 5000\noutcomes: certain\n")
    assert "purchase.yaml:2:1: anual_value: is not a known field" in line
    assert "did you mean 'annual_value'" in line


@pytest.mark.parametrize(
    ("name", "text", "at"),
    [
        ("purchase.yaml", 'title: x\nannual_value: 5000\noutcomes: certain\n"": 5\n', "4:1"),
        (
            "purchase.json",
            '{"title": "x", "annual_value": 5000,\n "outcomes": "certain", "": 1}',
            "2:25",
        ),
    ],
)
def test_a_key_with_no_name_is_refused_at_its_own_line(cli, tmp_path, name, text, at):
    (line,) = _bad(cli, tmp_path, text, name)
    assert f"{name}:{at}: a key '' with no name is not a field" in line


def test_every_problem_gets_its_own_line(cli, tmp_path):
    lines = _bad(
        cli,
        tmp_path,
        "title: x\nannual_value: 45kk\nyears: -1\noutcomes: sure\n"
        "providers: lots\neu_exempt: maybe\npartners: 0\n",
    )
    assert len(lines) == 6
    assert "purchase.yaml:2:15: annual_value: '45kk' is not a sum of money" in lines[0]
    assert "purchase.yaml:3:8: years: must be greater than 0" in lines[1]
    assert "purchase.yaml:4:11: outcomes: must be one of 'certain' or 'less_certain'" in lines[2]
    assert "providers" in lines[3] and "eu_exempt" in lines[4] and "partners" in lines[5]


def test_duplicate_key_is_an_error_not_last_one_wins(cli, tmp_path):
    (line,) = _bad(
        cli, tmp_path, "title: x\nannual_value: 5000\nannual_value: 60000\noutcomes: certain\n"
    )
    assert "purchase.yaml:3:1: annual_value: duplicate key (first given on line 2)" in line


def test_yaml_tags_that_construct_objects_are_refused(cli, tmp_path):
    (line,) = _bad(
        cli,
        tmp_path,
        'title: !!python/object/apply:os.system ["echo hi"]\n'
        "annual_value: 5000\noutcomes: certain\n",
    )
    assert "purchase.yaml:1:8" in line and "!!python/object/apply:os.system" in line


@pytest.mark.parametrize("tag", ["!!binary aGk=", "!!set {a, b}", "!custom x", "!!omap [a: 1]"])
def test_any_tag_beyond_plain_data_is_refused(cli, tmp_path, tag):
    (line,) = _bad(cli, tmp_path, f"title: {tag}\nannual_value: 5000\noutcomes: certain\n")
    assert "is not allowed" in line


def test_merge_keys_are_refused(cli, tmp_path):
    (line,) = _bad(cli, tmp_path, "base: &b {title: x}\n<<: *b\n")
    assert "merge keys" in line


def test_missing_required_fields_are_each_named(cli, tmp_path):
    lines = _bad(cli, tmp_path, "providers: many\n")
    text = "\n".join(lines)
    assert "title: is required but missing" in text
    assert "outcomes: is required but missing" in text
    assert "give annual_value or total_value" in text


def test_values_that_disagree_name_total_value_and_its_line(cli, tmp_path):
    (line,) = _bad(
        cli,
        tmp_path,
        "title: x\nannual_value: 45000\ntotal_value: 100000\nyears: 3\noutcomes: certain\n",
    )
    assert "purchase.yaml:3:14: total_value: total_value £100,000 does not equal" in line


def test_foreign_currency_is_refused(cli, tmp_path):
    (line,) = _bad(
        cli,
        tmp_path,
        '{"title": "x", "annual_value": "$5,000", "outcomes": "certain"}',
        "purchase.json",
    )
    assert "purchase.json:1:32: annual_value" in line and "pounds sterling" in line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("- a\n- b\n", "not a list"),
        ("just words\n", "not a single value"),
        ("title: [x\n", "not valid YAML or JSON"),
        ("title: x\n---\ntitle: y\n", "more than one YAML document"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"title: caf\xe9\n", "not UTF-8"),
    ],
)
def test_files_that_are_not_a_purchase_description(cli, tmp_path, text, message):
    (line,) = _bad(cli, tmp_path, text)
    assert message in line


def test_billion_laughs_is_refused_not_expanded(cli, tmp_path):
    rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (line,) = _bad(cli, tmp_path, "\n".join(rows) + "\n")
    assert "once its aliases are expanded" in line


def test_deep_nesting_is_refused(cli, tmp_path):
    (line,) = _bad(cli, tmp_path, "[" * 10000)
    assert "nested more than 50 levels" in line


@pytest.mark.parametrize(
    "text, where, escape",
    [
        ('title: "\\U00110000"\n', "1:9", "\\U00110000"),
        ('title: T\nnote: "\\UFFFFFFFF"\n', "2:8", "\\UFFFFFFFF"),
    ],
)
def test_an_escape_past_the_last_unicode_character_is_bad_yaml_not_a_fault(
    cli, tmp_path, text, where, escape
):
    (line,) = _bad(cli, tmp_path, text, "purchase.yaml", "--no-input")
    assert f"purchase.yaml:{where}: not valid YAML or JSON: the escape {escape} names no" in line


def test_missing_file_is_a_clean_error(cli, tmp_path):
    result = cli("route", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "no such purchase description" in result.stderr


def test_bad_flag_value_names_the_flag(cli):
    result = cli("route", "--title", "t", "--outcomes", "certain", "--annual-value", "zz")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --annual-value: 'zz' is not a sum of money")


def test_unknown_format_is_a_usage_error(cli, tmp_path):
    result = cli("route", "--format", "pdf", "--title", "t")
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "args, choices",
    [
        (["route", "examples/day-care-restricted.yaml", "--format", "bogus"], "table, json"),
        (["batch", "examples/register.csv", "--format", "bogus"], "jsonl, csv"),
        (["batch", "examples/register.csv", "--input-format", "bogus"], "csv, jsonl"),
        (["check", "examples/register.csv", "--format", "bogus"], "table, csv, jsonl"),
        (["glossary", "--format", "bogus"], "text, json"),
        (["rules", "check", "--format", "bogus"], "table, json"),
        (["rules", "show", "--format", "bogus"], "table, json, markdown"),
    ],
)
def test_a_value_no_choice_allows_is_one_error_line_naming_the_choices(args, choices, capsys):
    # Through the script's own entry point, where usage errors are put in the tool's words
    # (typer releases keep an option's choices in different places).
    from commission_cli.cli import run

    assert run(args) == 2
    err = capsys.readouterr().err
    option = args[args.index("bogus") - 1]
    assert err.startswith(f"error: {option}: 'bogus' is not one of {choices}"), err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("service: x\n\x01\n", "the character U+0001 is not allowed here"),
        ("@foo\n", "not valid YAML or JSON"),
        ("%FOO bar\n", "not valid YAML or JSON"),
        ("[1, 2\n", "not valid YAML or JSON"),
    ],
)
def test_a_file_yaml_cannot_read_gets_one_problem_and_is_not_called_empty(
    cli, tmp_path, text, expected
):
    (line,) = _bad(cli, tmp_path, text, "purchase.yaml", "--no-input")
    assert expected in line


def test_read_yaml_gives_no_document_when_the_reading_stopped():
    from commission_cli.io.documents import read_document as read_yaml

    assert read_yaml("[1, 2", "x.yaml")[0] is None
    document, problems = read_yaml("a: 1\na: 2\nb: [", "x.yaml")
    assert document is None and len(problems) == 2
    document, problems = read_yaml("a: 1\na: 2\n", "x.yaml")
    assert document is not None and document.data == {"a": "1"}  # the text as written
    assert [p.message.startswith("duplicate key") for p in problems] == [True]
    assert read_yaml("# nothing\n", "x.yaml") == (None, [Problem("is empty", source="x.yaml")])


def test_a_whole_value_over_a_tiny_part_of_a_year_is_refused_past_the_limit(cli, tmp_path):
    text = "title: T\ntotal_value: 1000000000000\nyears: 0.0001\noutcomes: certain\n"
    (line,) = _bad(cli, tmp_path, text, "purchase.yaml", "--no-input")
    assert "total_value ÷ years comes to more than the limit of £1,000,000,000,000" in line


def test_no_arguments_show_the_help_with_no_empty_error_line(capsys):
    from commission_cli.cli import run

    assert run([]) == 2
    captured = capsys.readouterr()
    assert "route" in captured.out
    assert "error" not in captured.err


def test_an_unknown_rules_command_names_the_nearest_one(capsys):
    from commission_cli.cli import run

    assert run(["rules", "chek"]) == 2
    assert capsys.readouterr().err == (
        "error: no command 'chek' of rules; did you mean 'check'? "
        "(rules commands: check, show, init)\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["route", "examples/day-care-restricted.yaml", "extra", "--years", "3"],
            "unexpected extra argument 'extra'; see commission route --help",
        ),
        (
            ["route", "examples/day-care-restricted.yaml", "extra", "--title", "My title"],
            "unexpected extra argument 'extra'; see commission route --help",
        ),
        (["route", "-", "-"], "unexpected extra argument '-'; see commission route --help"),
        (
            ["rules", "show", "wolverhampton", "more"],
            "unexpected extra argument 'more'; see commission rules show --help",
        ),
        (
            ["route", "examples/day-care-restricted.yaml", "--no-input=3"],
            "--no-input: takes no value; give it alone",
        ),
        (["route", "examples/day-care-restricted.yaml", "--years"], "--years: needs a value"),
    ],
)
def test_a_usage_error_names_the_word_that_is_wrong(args, message, capsys):
    from commission_cli.cli import run

    assert run(args) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["route", ""], "give the purchase description"),
        (["batch", ""], "give the register"),
        (["rules", "check", ""], "give the rule pack file"),
        (["route", "--rules", "", "--title", "t"], "give the rule pack file"),
    ],
)
def test_an_empty_file_name_is_said_to_be_empty(cli, args, what):
    result = cli(*args)
    assert result.exit_code == 2
    assert f"error: an empty file name; {what}" in result.stderr


def test_a_jsonl_row_that_is_not_json_is_told_the_column(cli, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "a\tb", "annual_value": 5}\n')
    result = cli("batch", str(path), "-q", "-f", "csv")
    assert "is not valid JSON: Invalid control character at column 13" in result.stdout


def test_new_on_a_folder_says_it_is_a_folder_not_that_force_would_do(cli, tmp_path):
    result = cli("new", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory; give a file name to write" in result.stderr
    assert "--force" not in result.stderr
