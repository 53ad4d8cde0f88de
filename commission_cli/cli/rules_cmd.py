"""``commission rules check|show|init``: a rule pack as something people maintain.

The people who keep an authority's rules are finance and procurement staff
editing YAML. ``check`` makes a wrong edit impossible to miss (every problem at
once, with its line, through the very validation every other command uses) and
shows what the bands do (gaps and overlaps); ``show`` prints the pack for a
person; ``init`` writes a commented copy to start from.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .common import (
    EXIT_INPUT,
    EXIT_NO,
    EXIT_OK,
    fail,
    report,
    rules_option,
    say,
    user_errors,
    write_file,
)

if TYPE_CHECKING:
    from ..analysis import Findings
    from ..errors import Problem
    from ..rules import Rules


class CheckFormat(str, Enum):
    table = "table"
    json = "json"


class ShowFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


_RULES_HELP = "Check, read and start a rule pack (the YAML file of an authority's rules)."

_CHECK_HELP = """Check a rule pack: every problem at once, each with its file:line:column.

Then show, for each family, the value ranges where no method is eligible
without an exception (gaps) and where several are (overlaps). PACK is a YAML
file or the name of a shipped pack; without it, --rules, then
$COMMISSION_RULES, then the default pack. Exit 0 for a valid pack (gaps and
overlaps are findings, not errors), 1 for an invalid one, 2 when the file
cannot be read.
"""

_SHOW_HELP = """Print a rule pack for a person: methods, bands, tests, results and sources.

PACK (or --rules, or $COMMISSION_RULES, or the default pack) is shown with its
name, version, valid-from date and sha256.
"""

_INIT_HELP = """Write a commented copy of the default rule pack to FILE, to edit.

The copy routes exactly as the pack it copies until you change it. Give
--rules PACK (or set $COMMISSION_RULES) to copy another pack. FILE must not
exist: it is never overwritten. FILE - prints the copy instead.
"""

_PACK_ARGUMENT = typer.Argument(
    None,
    metavar="PACK",
    help="A rule pack file, or the name of a shipped pack. Default: --rules, "
    "$COMMISSION_RULES, else the Wolverhampton pack.",
    show_default=False,
)


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
    rules_app = typer.Typer(
        name="rules",
        help=_RULES_HELP,
        no_args_is_help=True,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    rules_app.command("check", help=_CHECK_HELP)(check_command)
    rules_app.command("show", help=_SHOW_HELP)(show_command)
    rules_app.command("init", help=_INIT_HELP)(init_command)
    app.add_typer(rules_app, name="rules", help=_RULES_HELP)


# -- check -------------------------------------------------------------------------------


def check_command(
    pack: str | None = _PACK_ARGUMENT,
    rules: str | None = rules_option(),
    format: CheckFormat = typer.Option(
        CheckFormat.table, "--format", "-f", help="table for people, json for CI."
    ),
) -> None:
    with user_errors():
        code = run_check(pack if pack is not None else rules, format)
    raise typer.Exit(code)


def run_check(pack: str | None, format: CheckFormat) -> int:
    """Check one pack and print the verdict; returns the exit code."""
    from ..documents import PACK_LIMITS, decode_text, read_bytes
    from ..errors import InputError, RulePackError
    from ..rules import compile_pack, resolve_pack

    try:
        where = resolve_pack(pack)
        data, name = read_bytes(where, limits=PACK_LIMITS, what="rule pack")
        decode_text(data, name)
    except InputError as exc:
        fail(exc.problems, EXIT_INPUT)  # the file cannot be read: not a verdict on a pack
    try:
        # The function load_rules() uses on every command: the same checks, the same words.
        rules = compile_pack(data, name)
    except RulePackError as exc:
        _print_invalid(name, exc.problems, format)
        return EXIT_NO
    from ..analysis import analyse

    findings = analyse(rules)
    if format is CheckFormat.json:
        _print_json(_check_json(rules, findings))
    else:
        _print_with_rich(lambda console: _check_table(console, rules, findings))
    return EXIT_OK


def _print_invalid(name: str, problems: list[Problem], format: CheckFormat) -> None:
    report(problems)
    say(
        f"{name}: the rule pack has {_count(len(problems), 'problem')}; "
        "every command refuses it until they are fixed"
    )
    if format is CheckFormat.json:
        _print_json(
            {
                "valid": False,
                "file": name,
                "problems": [
                    {
                        "file": p.source,
                        "line": p.line,
                        "column": p.column,
                        "field": p.field,
                        "message": p.message,
                        "text": str(p),
                    }
                    for p in problems
                ],
            }
        )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _shipped_name(path: str) -> str | None:
    """The name of the shipped pack at ``path``, or None for an authority's own file."""
    from ..rules import shipped_packs

    try:
        here = Path(path).resolve()
    except OSError:
        return None
    for name, shipped in shipped_packs().items():
        if shipped.resolve() == here:
            return name
    return None


def _pack_summary(rules: Rules) -> dict[str, Any]:
    info = rules.pack.pack
    return {
        "id": info.id,
        "name": info.name,
        "version": info.version,
        "valid_from": info.valid_from.isoformat(),
        "authority": info.authority,
        "sha256": rules.sha256,
        "file": rules.path,
        "shipped": _shipped_name(rules.path),
    }


def _file_words(summary: dict[str, Any]) -> str:
    # A shipped pack's path depends on where the tool is installed: name it instead.
    if summary["shipped"]:
        return f"{summary['shipped']} (shipped with commission)"
    return str(summary["file"])


def _check_json(rules: Rules, findings: Findings) -> dict[str, Any]:
    from ..analysis import ABOUT

    return {
        "valid": True,
        "pack": _pack_summary(rules),
        "problems": [],
        "about": ABOUT,
        **findings.to_dict(),
    }


def _check_table(console: Any, rules: Rules, findings: Findings) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..analysis import ABOUT

    info = rules.pack.pack
    console.print(
        Text.assemble(
            ("The rule pack is valid: ", "bold green"),
            (f"{info.name}, version {info.version}", "bold"),
        )
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("File", _file_words(_pack_summary(rules)))
    grid.add_row("sha256", rules.sha256)
    grid.add_row("Valid from", info.valid_from.isoformat())
    grid.add_row(
        "Contents",
        ", ".join(
            [
                f"{_count(len(rules.pack.methods), 'method')} in "
                f"{_count(len(rules.pack.families), 'family', 'families')}",
                _count(len(rules.pack.contract_types), "contract type"),
                _count(len(rules.pack.obligations), "obligation"),
            ]
        ),
    )
    console.print(grid)
    console.print()
    console.print(Text("Value bands by family", style="bold"))
    console.print(ABOUT)
    rows = [r for r in findings.regions if r.kind != "single"]
    if not rows:
        console.print("No gaps and no overlaps: at every value each family has exactly one method.")
    else:
        table = Table(box=box.SIMPLE_HEAD, expand=True)
        table.add_column("Finding", no_wrap=True)
        table.add_column("Family", no_wrap=True)
        table.add_column("Values", ratio=4)
        table.add_column("Methods", ratio=5)
        for region in rows:
            style = "red" if region.kind == "gap" else "yellow"
            table.add_row(
                Text(region.kind.capitalize(), style=style),
                region.family.name,
                region.words(),
                region.methods_words(),
            )
        console.print(table)
    console.print(
        f"{_count(len(findings.gaps), 'gap')} and {_count(len(findings.overlaps), 'overlap')}: "
        "findings to read, not errors."
    )
    if findings.notes:
        console.print()
        _bullets(console, "Notes", list(findings.notes))


# -- show --------------------------------------------------------------------------------


def show_command(
    pack: str | None = _PACK_ARGUMENT,
    rules: str | None = rules_option(),
    format: ShowFormat = typer.Option(
        ShowFormat.table, "--format", "-f", help="How to print the pack."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (whole or not at all) instead of stdout.",
    ),
) -> None:
    with user_errors():
        from ..rules import load_rules

        loaded = load_rules(pack if pack is not None else rules)
        view = pack_view(loaded)
        if format is ShowFormat.json:
            import json

            text = json.dumps(view, indent=2, ensure_ascii=False)
        elif format is ShowFormat.markdown:
            text = pack_markdown(view)
        else:
            text = _capture(lambda console: _show_table(console, view))
        if output is None or str(output) == "-":
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            write_file(output, text, replace=True)
    raise typer.Exit(EXIT_OK)


def pack_view(rules: Rules) -> dict[str, Any]:
    """The pack as plain data for a person: every rule in words, with its source.

    One structure feeds the three formats, so they cannot disagree.
    """
    from ..conditions import describe
    from ..explain import band_words, range_words

    pack = rules.pack
    compiled = {cm.spec.id: cm for cm in rules.methods}

    def source(ref: Any) -> dict[str, str]:
        doc = rules.documents.get(ref.document)
        return {
            "document": ref.document,
            "title": doc.title if doc else ref.document,
            "section": ref.section,
            "text": ref.text,
        }

    def method(m: Any) -> dict[str, Any]:
        cm = compiled[m.id]
        return {
            "id": m.id,
            "name": m.name,
            "family": m.family,
            "band": {
                "words": band_words(m.band),
                "text": m.band.text,
                "note": m.band.note,
                "ranges": [
                    {
                        "words": range_words(r),
                        "basis": r.basis,
                        "unit": r.unit,
                        "includes_vat": r.includes_vat,
                        "lower": _bound(r.lower),
                        "upper": _bound(r.upper),
                        "warn_if_decisive": r.warn_if_decisive,
                        "note": r.note,
                    }
                    for r in m.band.ranges
                ],
            },
            "requires": None
            if m.requires is None or cm.requires is None
            else {
                "text": m.requires.text,
                "label": m.requires.label,
                "when": describe(cm.requires),
                "note": m.requires.note,
            },
            "indicators": [
                {"text": ind.text, "when": describe(c), "note": ind.note}
                for ind, c in zip(m.indicators, cm.indicators, strict=True)
            ],
            "exceptions": [
                {
                    "id": e.id,
                    "text": e.text,
                    "opens": e.opens,
                    "label": e.label,
                    "when": describe(c),
                    "note": e.note,
                }
                for e, c in zip(m.exceptions, cm.exceptions, strict=True)
            ],
            "agreement": {"text": m.agreement.text, "note": m.agreement.note},
            "full_cost_recovery": {
                "text": m.full_cost_recovery.text,
                "note": m.full_cost_recovery.note,
            },
            "guiding_document": {"text": m.guiding_document.text, "note": m.guiding_document.note},
            "steps": m.steps,
            "source": source(m.source),
            "note": m.note,
        }

    near = pack.warnings.near_threshold
    return {
        "pack": {
            **_pack_summary(rules),
            "currency": pack.pack.currency,
            "description": pack.pack.description,
            "note": pack.pack.note,
        },
        "documents": [
            {"id": d.id, "title": d.title, "file": d.file, "note": d.note} for d in pack.documents
        ],
        "choice": {"rule": pack.choice.rule, "words": _CHOICE_WORDS[pack.choice.rule]}
        | {"note": pack.choice.note},
        "families": [
            {
                "id": fam.id,
                "name": fam.name,
                "description": fam.description,
                "when": describe(cond) if cond is not None else None,
                "source": source(fam.source),
                "note": fam.note,
            }
            for fam, cond in rules.families
        ],
        "methods": [method(m) for m in pack.methods],
        "step_lists": [
            {"id": s.id, "steps": list(s.steps), "source": source(s.source), "note": s.note}
            for s in pack.step_lists
        ],
        "contract_types": [
            {
                "id": c.id,
                "name": c.name,
                "definition": c.definition,
                "when": describe(cond),
                "source": source(c.source),
                "note": c.note,
            }
            for c, cond in rules.contract_types
        ],
        "conflicts": [
            {"between": list(c.between), "reason": c.reason, "note": c.note} for c in pack.conflicts
        ],
        "obligations": [
            {
                "id": o.id,
                "text": o.text,
                "when": describe(cond) if cond is not None else None,
                "source": source(o.source),
                "note": o.note,
            }
            for o, cond in rules.obligations
        ],
        "warnings": {
            "near_threshold": None
            if near is None
            else {
                "margin": float(near.margin),
                "advice": near.advice,
                "source": source(near.source),
                "note": near.note,
            },
            "not_stated": [
                {"field": n.field, "text": n.text, "note": n.note} for n in pack.warnings.not_stated
            ],
        },
    }


_CHOICE_WORDS = {
    "highest_score_then_listed_order": (
        "Among the eligible methods, the one whose indicators the purchase matches best "
        "(the share matched) is chosen; on a tie, the method listed first in the pack."
    )
}


def _bound(bound: Any) -> dict[str, Any] | None:
    from ..money import money_to_json

    if bound is None:
        return None
    return {"amount": money_to_json(bound.amount), "inclusive": bound.inclusive}


def _quote(src: dict[str, str]) -> str:
    return f"{src['title']}, {src['section']}: “{src['text']}”"


def _families_in_order(view: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each family with its methods, in the order the pack lists the methods (the order
    the pack's author chose, and the one that breaks ties)."""
    order = list(dict.fromkeys(m["family"] for m in view["methods"]))
    families = {f["id"]: f for f in view["families"]}
    return [(families[f], [m for m in view["methods"] if m["family"] == f]) for f in order]


def _applies(when: str | None) -> str:
    return f"Applies when {when}." if when else "Applies to every route."


def _show_table(console: Any, view: dict[str, Any]) -> None:
    from rich import box
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    info = view["pack"]
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    for label, key in (
        ("Pack id", "id"),
        ("Version", "version"),
        ("Valid from", "valid_from"),
        ("Authority", "authority"),
        ("Currency", "currency"),
        ("sha256", "sha256"),
    ):
        head.add_row(label, str(info[key]))
    head.add_row("File", _file_words(info))
    if info["description"]:
        head.add_row("About", info["description"])
    if info["note"]:
        head.add_row("Note", Text(info["note"], style="dim"))
    console.print(Panel(head, title=f"Rule pack: {info['name']}", title_align="left"))

    _bullets(
        console,
        "Documents quoted",
        [
            f"{d['title']} ({d['id']}{', ' + d['file'] if d['file'] else ''})"
            for d in view["documents"]
        ],
    )
    choice = view["choice"]
    _bullets(console, "How a method is chosen", [_with_note(choice["words"], choice["note"])])
    _bullets(
        console,
        "Families (the first whose test holds applies)",
        [
            _with_note(
                f"{f['name']} ({f['description']}): "
                + (f"when {f['when']}" if f["when"] else "every purchase no earlier family takes")
                + f". {_quote(f['source'])}",
                f["note"],
            )
            for f in view["families"]
        ],
    )
    for fam, methods in _families_in_order(view):
        console.print(Text(f"Methods of {fam['name']}, in the pack's order", style="bold"))
        for m in methods:
            console.print(_method_panel(m))
        console.print()
    for steps in view["step_lists"]:
        users = ", ".join(m["name"] for m in view["methods"] if m["steps"] == steps["id"])
        _bullets(
            console,
            f"Steps ({steps['id']}), for {users or 'no method'}",
            list(steps["steps"]),
            marker="#",
        )
    if view["contract_types"]:
        table = Table(
            box=box.SIMPLE_HEAD, expand=True, title="Contract types", title_justify="left"
        )
        table.add_column("Contract type", ratio=1)
        table.add_column("Applies when", ratio=1)
        table.add_column("Definition and source", ratio=3)
        for c in view["contract_types"]:
            cell = _with_note(c["definition"], c["note"])
            cell.append(f"\n{_quote(c['source'])}", style="dim")
            table.add_row(Text(c["name"], style="bold"), c["when"], cell)
        console.print(table)
    if view["conflicts"]:
        _bullets(
            console,
            "Contract types that contradict each other",
            [
                _with_note(f"{' and '.join(c['between'])}: {c['reason']}", c["note"])
                for c in view["conflicts"]
            ],
        )
    if view["obligations"]:
        _bullets(
            console,
            "Obligations",
            [
                _with_note(f"{o['text']} {_applies(o['when'])}\n{_quote(o['source'])}", o["note"])
                for o in view["obligations"]
            ],
        )
    warnings = _warning_lines(view["warnings"])
    if warnings:
        _bullets(console, "Warnings", warnings)


def _method_panel(m: dict[str, Any]) -> Any:
    from rich import box
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    band = m["band"]
    grid.add_row("Band", _with_note(f"{band['words']} (the guide: “{band['text']}”)", band["note"]))
    for r in band["ranges"]:
        if r["note"] or r["warn_if_decisive"]:
            text = r["words"]
            if r["warn_if_decisive"]:
                text += f". When this range alone decides: {r['warn_if_decisive']}"
            grid.add_row("", _with_note(text, r["note"]))
    grid.add_row("VAT", _vat_words(band["ranges"]))
    if m["requires"]:
        req = m["requires"]
        grid.add_row(
            "Only for",
            _with_note(f"{req['label']}: {req['when']} (“{req['text']}”)", req["note"]),
        )
    grid.add_row(
        "Indicators",
        "\n".join(_plain_note(f"• {i['text']} ({i['when']})", i["note"]) for i in m["indicators"])
        or "none (the score is 0)",
    )
    grid.add_row(
        "Exceptions",
        "\n".join(
            _plain_note(
                f"• {e['text']}: opens it {e['opens']} its band if {e['label']} ({e['when']})",
                e["note"],
            )
            for e in m["exceptions"]
        )
        or "none",
    )
    for label, key in (
        ("Agreement", "agreement"),
        ("Full cost recovery", "full_cost_recovery"),
        ("Guiding document", "guiding_document"),
    ):
        grid.add_row(label, _with_note(m[key]["text"], m[key]["note"]))
    grid.add_row("Steps", m["steps"] or "none")
    grid.add_row("Source", _quote(m["source"]))
    if m["note"]:
        grid.add_row("Note", Text(m["note"], style="dim"))
    return Panel(grid, title=f"{m['name']} ({m['id']})", title_align="left", box=box.ROUNDED)


def _vat_words(ranges: list[dict[str, Any]]) -> str:
    """Whether the band's amounts include VAT, as the pack states for each range."""
    states = {r["includes_vat"] for r in ranges}
    if len(states) == 1:
        return "amounts include VAT" if states.pop() else "amounts exclude VAT"
    return "; ".join(
        f"{r['words']}: {'includes' if r['includes_vat'] else 'excludes'} VAT" for r in ranges
    )


def _warning_lines(warnings: dict[str, Any]) -> list[Any]:
    lines: list[Any] = []
    near = warnings["near_threshold"]
    if near is not None:
        lines.append(
            _with_note(
                f"Within {near['margin'] * 100:.0f}% below a threshold that would change the "
                f"eligible methods: {near['advice']} {_quote(near['source'])}",
                near["note"],
            )
        )
    lines += [
        _with_note(f"When {n['field']} is not stated: {n['text']}", n["note"])
        for n in warnings["not_stated"]
    ]
    return lines


def _plain_note(text: str, note: str | None) -> str:
    return f"{text}\n  Note: {note}" if note else text


def _with_note(text: str, note: str | None) -> Any:
    from rich.text import Text

    out = Text(text)
    if note:
        out.append(f"\nNote: {note}", style="dim")
    return out


def pack_markdown(view: dict[str, Any]) -> str:
    """The pack as a Markdown document: one section per part, sources quoted."""
    info = view["pack"]
    lines = [f"# Rule pack: {info['name']}", ""]
    lines += ["| | |", "|---|---|"]
    for label, key in (
        ("Pack id", "id"),
        ("Version", "version"),
        ("Valid from", "valid_from"),
        ("Authority", "authority"),
        ("Currency", "currency"),
        ("sha256", "sha256"),
    ):
        lines.append(f"| {label} | {_cell(str(info[key]))} |")
    lines.append(f"| File | {_cell(_file_words(info))} |")
    lines.append("")
    for key in ("description", "note"):
        if info[key]:
            lines += [info[key], ""]
    lines += ["## Documents quoted", ""]
    lines += [f"- `{d['id']}`: {d['title']}" for d in view["documents"]] + [""]
    lines += ["## How a method is chosen", "", view["choice"]["words"], ""]
    lines += _md_note(view["choice"]["note"])
    lines += ["## Families", "", "The first family whose test holds applies.", ""]
    for f in view["families"]:
        when = f"when {f['when']}" if f["when"] else "every purchase no earlier family takes"
        lines += [f"- **{f['name']}** ({f['description']}): {when}. {_quote(f['source'])}"]
        lines += [f"  *Note: {f['note']}*"] if f["note"] else []
    lines.append("")
    for fam, methods in _families_in_order(view):
        lines += [f"## Methods of {fam['name']}", ""]
        for m in methods:
            lines += _method_markdown(m)
    for steps in view["step_lists"]:
        lines += [f"## Steps: {steps['id']}", "", _quote(steps["source"]), ""]
        lines += [f"{i}. {s}" for i, s in enumerate(steps["steps"], 1)] + [""]
        lines += _md_note(steps["note"])
    if view["contract_types"]:
        lines += ["## Contract types", "", "| Contract type | Applies when | Definition |"]
        lines.append("|---|---|---|")
        lines += [
            f"| {_cell(c['name'])} | {_cell(c['when'])} | {_cell(c['definition'])} |"
            for c in view["contract_types"]
        ]
        lines.append("")
    if view["conflicts"]:
        lines += ["## Contract types that contradict each other", ""]
        lines += [f"- {' and '.join(c['between'])}: {c['reason']}" for c in view["conflicts"]]
        lines.append("")
    if view["obligations"]:
        lines += ["## Obligations", ""]
        for o in view["obligations"]:
            lines.append(f"- {o['text']} {_applies(o['when'])} {_quote(o['source'])}")
        lines.append("")
    warnings = view["warnings"]
    if warnings["near_threshold"] or warnings["not_stated"]:
        lines += ["## Warnings", ""]
        if warnings["near_threshold"]:
            near = warnings["near_threshold"]
            lines.append(
                f"- Within {near['margin'] * 100:.0f}% below a threshold: {near['advice']}"
            )
        lines += [f"- When {n['field']} is not stated: {n['text']}" for n in warnings["not_stated"]]
        lines.append("")
    return "\n".join(lines)


def _method_markdown(m: dict[str, Any]) -> list[str]:
    band = m["band"]
    lines = [f"### {m['name']} (`{m['id']}`)", ""]
    lines += [f"- **Band:** {band['words']} (the guide: “{band['text']}”)"]
    lines += [f"  *Note: {band['note']}*"] if band["note"] else []
    lines.append(f"- **VAT:** {_vat_words(band['ranges'])}")
    if m["requires"]:
        req = m["requires"]
        lines.append(f"- **Only for:** {req['label']}: {req['when']} (“{req['text']}”)")
    indicators = "; ".join(f"{i['text']} ({i['when']})" for i in m["indicators"])
    lines.append(f"- **Indicators:** {indicators or 'none (the score is 0)'}")
    exceptions = "; ".join(
        f"{e['text']}: opens it {e['opens']} its band if {e['label']} ({e['when']})"
        for e in m["exceptions"]
    )
    lines.append(f"- **Exceptions:** {exceptions or 'none'}")
    lines.append(f"- **Resulting agreement:** {m['agreement']['text']}")
    lines.append(f"- **Full cost recovery:** {m['full_cost_recovery']['text']}")
    lines.append(f"- **Key guiding document:** {m['guiding_document']['text']}")
    lines.append(f"- **Steps:** {m['steps'] or 'none'}")
    lines.append(f"- **Source:** {_quote(m['source'])}")
    lines += [f"- *Note: {m['note']}*"] if m["note"] else []
    return [*lines, ""]


def _md_note(note: str | None) -> list[str]:
    return [f"*Note: {note}*", ""] if note else []


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- init --------------------------------------------------------------------------------


def init_command(
    file: Path = typer.Argument(
        ..., metavar="FILE", help="The new pack file to write (- prints it instead)."
    ),
    rules: str | None = rules_option(),
) -> None:
    with user_errors():
        from ..documents import PACK_LIMITS, decode_text, read_bytes
        from ..rules import compile_pack, resolve_pack

        to_stdout = str(file) == "-"
        if not to_stdout and (file.exists() or file.is_symlink()):
            fail([_problem(str(file), _EXISTS)], EXIT_INPUT)
        data, name = read_bytes(resolve_pack(rules), limits=PACK_LIMITS, what="rule pack")
        original = compile_pack(data, name)  # never hand out a copy of a broken pack
        shown_as = "my-rules.yaml" if to_stdout else file.name  # the name the comments use
        text = commented_copy(decode_text(data, name), original, shown_as)
        # The comments must not change a single rule: the copy must route identically.
        copy = compile_pack(text.encode("utf-8"), str(file))
        if copy.pack != original.pack:
            raise AssertionError("the commented copy does not hold the same rules")
        if to_stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            write_file(file, text, exists=_EXISTS)
            say(
                f"wrote {file}: a commented copy of {original.name} (version "
                f"{original.version}) to edit. After each change run: commission rules check "
                f"{file}; then use it with --rules {file}"
            )
    raise typer.Exit(EXIT_OK)


_EXISTS = (
    "already exists; rules init never overwrites a file: give a new file name, "
    "or move the existing file away first"
)


def _problem(source: str, message: str) -> Problem:
    from ..errors import Problem

    return Problem(message, source=source)


_HEADER = """\
# =============================================================================
# YOUR AUTHORITY'S RULE PACK
#
# Written by `commission rules init` from "{name}"
# (version {version}, sha256 {sha}). Until you change it, it routes every
# purchase exactly as that pack does.
#
# How to change it safely
#   1. Start with the `pack:` details below: a new id, your authority's name, a
#      version (such as "1.0.0") and valid_from, the date your rules hold from
#      (written YYYY-MM-DD).
#   2. Change the amounts in each method's `band:`. Write amounts as plain
#      numbers of pounds, without £ or commas: 50000, not £50,000.
#   3. After every change, run:    commission rules check {file}
#      It lists every problem with its line number, and shows the value
#      ranges where no method applies (gaps) or several do (overlaps).
#   4. Use it:    commission route purchase.yaml --rules {file}
#      or set COMMISSION_RULES={file} to use it with every command.
#   5. See it as a person reads it:    commission rules show {file}
#
# YAML in two minutes
#   * Indentation matters. Use spaces, never tabs, and keep the items of a
#     list lined up under each other, each starting with "- ".
#   * A line starting with "#" is a comment: the tool ignores it. Add your own.
#   * Put text in quotes when it contains ": " or starts with a symbol.
#   * ">-" starts a paragraph of text that goes on in the indented lines below.
#   * A key may appear only once in the same block; a repeat is an error.
#   * true and false are yes/no answers; "Yes" in quotes is text.
# =============================================================================

"""

# Guidance written above each top-level section of the copy (when the pack has it).
_SECTION_NOTES = {
    "pack": """\
# PACK: what these rules are. Give your own id (one word), name, version,
# valid_from date and authority. currency is always GBP (pounds sterling).""",
    "documents": """\
# DOCUMENTS: the documents the rules quote. Every `source:` below names one by
# its id, with the section and the words it quotes (word for word, please).""",
    "choice": """\
# CHOICE: how a method is chosen when several are eligible. The only rule is
# highest_score_then_listed_order: the best match of indicators wins, and a
# tie goes to the method listed first.""",
    "families": """\
# FAMILIES: the first family whose `when` test holds applies; the last family
# has no `when` and takes every other purchase. Tests are written as shown at
# the top of this file, e.g. when: {outcomes: certain}.""",
    "methods": """\
# METHODS: the commissioning methods, the most rigorous first within each
# family (a tie in score goes to the method listed first).
#   band        the values the method is for. Each range has:
#                 basis: per_annum (a year) or whole_life (the whole contract)
#                 lower / upper: {amount: 30000, inclusive: true}
#                   inclusive: true   the amount itself is in the range
#                   inclusive: false  the range stops just short of it
#                 leave out lower (or upper) for no limit on that side
#                 includes_vat: true if your amounts include VAT
#               A band holds a value when any one of its ranges does.
#   indicators  "most applicable when": the score is the share matched.
#   exceptions  open the method outside its band, on one side only:
#                 opens: below (lower amounts) or above (higher amounts).
#   requires    a test that must hold whatever the value.
#   agreement, full_cost_recovery, guiding_document: your guide's words.
#   steps       the id of a list under step_lists (leave out for none).""",
    "step_lists": """\
# STEP LISTS: the steps that follow a method; a method names its list by id.""",
    "contract_types": """\
# CONTRACT TYPES: every type whose `when` test holds is shown with the route.
# A test may name the route so far: {family: funding} or {method: restricted}.""",
    "conflicts": """\
# CONFLICTS: pairs of contract types that contradict each other; the route
# warns when both apply.""",
    "obligations": """\
# OBLIGATIONS: what the officer must do with a route. Leave out `when` for an
# obligation that comes with every route.""",
    "warnings": """\
# WARNINGS: near_threshold warns when a value is within `margin` (0.10 = 10%)
# below a threshold that would change the eligible methods; not_stated warns
# when a field the rules rely on was not given.""",
}


def commented_copy(text: str, rules: Rules, file_name: str) -> str:
    """The pack's own text, with a guide for editing at the top and above each section.

    Only comments are added, so the copy holds exactly the same rules.
    """
    header = _HEADER.format(
        name=rules.name, version=rules.version, sha=rules.sha256[:12] + "…", file=file_name
    )
    out: list[str] = []
    for line in text.splitlines():
        key = line.split(":", 1)[0]
        if line[:1].isalpha() and ":" in line and key in _SECTION_NOTES:
            if out and out[-1].strip():
                out.append("")
            out += [*_SECTION_NOTES[key].splitlines()]
        out.append(line)
    return header + "\n".join(out) + "\n"


# -- output helpers ----------------------------------------------------------------------


def _bullets(console: Any, heading: str, items: list[Any], marker: str = "•") -> None:
    from ..render.table import bullets

    bullets(console, heading, items, marker)


def _capture(draw: Any) -> str:
    import io

    from rich.console import Console

    buffer = io.StringIO()
    draw(Console(file=buffer, highlight=False, soft_wrap=False))
    return buffer.getvalue()


def _print_with_rich(draw: Any) -> None:
    sys.stdout.write(_capture(draw))
    sys.stdout.flush()


def _print_json(data: dict[str, Any]) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
