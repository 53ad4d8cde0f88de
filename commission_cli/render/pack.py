"""The views of a rule pack: what ``rules check`` finds and what ``rules show`` prints.

One plain structure (:func:`pack_view`) feeds the three formats of ``rules show``,
so they cannot disagree; it holds what the pack declares (its fields, its results,
its families and methods, the rest) with every rule in words and its source.
``rules check`` prints the pack's details and the gaps and overlaps of its bands.

Every piece of text from a pack reaches a person through
:func:`~commission_cli.safe.shown`, and rich gets it as :class:`rich.text.Text`,
never as markup: a pack whose names hold ``[bold]``, ``[/]`` or an escape
sequence is shown as written and cannot restyle, or break, the output.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..engine.explain import edition_words, mixed_vat_words
from ..errors import Problem
from ..model.fields import BUILT_IN_IDS, FieldDecl
from ..model.money import money_to_json
from ..rules.analysis import ABOUT, Findings, Region
from ..rules.compiled import CompiledMethod, Rules
from ..rules.quotes import Quotations
from ..rules.schema import Bound, Range, ResultDecl, SourceRef
from ..rules.words import describe, range_words
from ..safe import shown
from .text import result_text

# A person reads the first of many gaps and overlaps; JSON lists every one.
TABLE_LIMIT = 40

_CHOICE_WORDS = {
    "highest_score_then_listed_order": (
        "Among the eligible methods, the one whose indicators the purchase matches best "
        "(the share matched) is chosen; on a tie, the method listed first in the pack."
    )
}
_RESULT_KINDS = {
    "text": "text",
    "number": "a number, or a range from a minimum to a maximum",
    "yes_no": "yes or no",
    "list": "a list of text",
}


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def to_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# -- plain data ---------------------------------------------------------------------------


def pack_summary(rules: Rules) -> dict[str, Any]:
    """What the pack is and where it came from."""
    info = rules.pack.pack
    return {
        "id": info.id,
        "name": info.name,
        "version": info.version,
        "valid_from": info.valid_from.isoformat(),
        "valid_until": None if info.valid_until is None else info.valid_until.isoformat(),
        "authority": info.authority,
        "sha256": rules.sha256,
        "file": rules.path,
        "shipped": rules.shipped,
    }


def file_words(summary: Mapping[str, Any]) -> str:
    # A shipped pack's path depends on where the tool is installed: name it instead.
    if summary["shipped"]:
        return f"{summary['file']} (shipped with commission)"
    return str(summary["file"])


def check_json(rules: Rules, findings: Findings, quotations: Quotations) -> dict[str, Any]:
    """``rules check --format json`` for a valid pack."""
    return {
        "valid": True,
        "pack": pack_summary(rules),
        "problems": [],
        "about": ABOUT,
        **findings.to_dict(),
        "mixed_vat_families": sorted(rules.mixed_vat),
        "quotations": {
            "checked": list(quotations.checked),
            "not_checked": [{"document": d, "why": why} for d, why in quotations.not_checked],
        },
    }


def invalid_json(name: str, problems: Sequence[Problem]) -> dict[str, Any]:
    """``rules check --format json`` for a pack that cannot be used."""
    return {
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


def pack_view(rules: Rules) -> dict[str, Any]:
    """The pack as plain data for a person: every rule in words, with its source."""
    pack = rules.pack
    info = pack.pack
    near = pack.warnings.near_threshold
    return {
        "pack": {
            **pack_summary(rules),
            "currency": info.currency,
            "description": info.description,
            "note": info.note,
        },
        "documents": [
            {"id": d.id, "title": d.title, "file": d.file, "note": d.note} for d in pack.documents
        ],
        "files": {"glossary": pack.glossary, "specification": pack.specification},
        "fields": [_field(rules, decl) for decl in rules.fields.values()],
        "results": [_result_decl(rules, r) for r in rules.results],
        "choice": {
            "rule": pack.choice.rule,
            "words": _CHOICE_WORDS[pack.choice.rule],
            "note": pack.choice.note,
        },
        "families": [
            {
                "id": fam.id,
                "name": fam.name,
                "description": fam.description,
                "when": None if cond is None else describe(cond),
                "source": _source(rules, fam.source),
                "note": fam.note,
            }
            for fam, cond in rules.families
        ],
        "methods": [_method(rules, cm) for cm in rules.methods],
        "step_lists": [
            {"id": s.id, "steps": list(s.steps), "source": _source(rules, s.source), "note": s.note}
            for s in pack.step_lists
        ],
        "contract_types": [
            {
                "id": c.id,
                "name": c.name,
                "definition": c.definition,
                "when": describe(cond),
                "glossary": c.glossary,
                "source": _source(rules, c.source),
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
                "when": None if cond is None else describe(cond),
                "source": _source(rules, o.source),
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
                "source": _source(rules, near.source),
                "note": near.note,
            },
            "not_stated": [
                {
                    "field": ns.field,
                    "text": ns.text,
                    "when": None if cond is None else describe(cond),
                    "note": ns.note,
                }
                for ns, cond in rules.not_stated
            ],
        },
    }


def _source(rules: Rules, ref: SourceRef) -> dict[str, str]:
    doc = rules.documents.get(ref.document)
    return {
        "document": ref.document,
        "title": doc.title if doc else ref.document,
        "section": ref.section,
        "text": ref.text,
    }


def _field(rules: Rules, decl: FieldDecl) -> dict[str, Any]:
    return {
        "id": decl.id,
        "kind": decl.kind,
        "built_in": decl.id in BUILT_IN_IDS,
        "required": decl.required,
        "description": decl.description,
        "values": [
            {"id": v.id, "label": v.label, "synonyms": list(v.synonyms)} for v in decl.values
        ],
        "whole": decl.whole,
        "minimum": _number(decl.minimum),
        "maximum": _number(decl.maximum),
        "default": decl.default,
        "max_length": decl.max_length,
        "question": decl.question,
        "words": field_words(decl),
        "source": None if decl.source is None else _source(rules, decl.source),
        "note": decl.note,
    }


def _number(value: Decimal | None) -> int | float | None:
    return None if value is None else money_to_json(value)


def field_words(decl: FieldDecl) -> str:
    """What a field holds, in words: "one of certain, less_certain; required"."""
    if decl.kind == "choice":
        words = "one of " + ", ".join(v.id for v in decl.values)
    elif decl.kind == "number":
        words = "a whole number" if decl.whole else "a number"
        if decl.minimum is not None:
            words += f", at least {_number(decl.minimum)}"
        if decl.maximum is not None:
            words += f", at most {_number(decl.maximum)}"
    elif decl.kind == "text" and decl.max_length:
        words = f"text, up to {decl.max_length} characters"
    else:
        words = {
            "yes_no": "yes or no",
            "money": "an amount in pounds",
            "length": "a length in years (3, 0.5, 6 months)",
            "date": "a date (YYYY-MM-DD)",
            "text": "text",
        }.get(str(decl.kind), str(decl.kind))
    if decl.required:
        words += "; required"
    if decl.default is not None:
        words += f"; {decl.default} when not stated"
    return words


def _result_decl(rules: Rules, decl: ResultDecl) -> dict[str, Any]:
    return {
        "id": decl.id,
        "name": decl.name,
        "kind": decl.kind,
        "words": _RESULT_KINDS[decl.kind],
        "description": decl.description,
        "source": None if decl.source is None else _source(rules, decl.source),
        "note": decl.note,
    }


def _method(rules: Rules, cm: CompiledMethod) -> dict[str, Any]:
    m = cm.spec
    return {
        "id": m.id,
        "name": m.name,
        "family": m.family,
        "band": {
            "words": cm.band_words,
            "text": m.band.text,
            "note": m.band.note,
            "ranges": [_range(r) for r in m.band.ranges],
        },
        "requires": None
        if m.requires is None or cm.requires is None
        else {
            "text": m.requires.text,
            "label": m.requires.label,
            "when": cm.requires_words,
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
                "when": words,
                "note": e.note,
            }
            for e, words in zip(m.exceptions, cm.exception_words, strict=True)
        ],
        "results": [
            {
                "id": r.id,
                "name": r.name,
                "value": cm.results.get(r.id),
                "note": _result_note(m.results.get(r.id)),
            }
            for r in rules.results
        ],
        "steps": m.steps,
        "source": _source(rules, m.source),
        "note": m.note,
    }


def _result_note(raw: Any) -> str | None:
    """The note a method gives beside a result's value ({value: ..., note: ...})."""
    if isinstance(raw, Mapping) and "value" in raw and isinstance(raw.get("note"), str):
        return str(raw["note"])
    return None


def _range(r: Range) -> dict[str, Any]:
    return {
        "words": range_words(r),
        "basis": r.basis,
        "unit": r.unit,
        "includes_vat": r.includes_vat,
        "lower": _bound(r.lower),
        "upper": _bound(r.upper),
        "warn_if_decisive": r.warn_if_decisive,
        "note": r.note,
    }


def _bound(bound: Bound | None) -> dict[str, Any] | None:
    if bound is None:
        return None
    return {"amount": money_to_json(bound.amount), "inclusive": bound.inclusive}


def quote(src: Mapping[str, str]) -> str:
    return f"{src['title']}, {src['section']}: “{src['text']}”"


def families_in_order(
    view: Mapping[str, Any],
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each family with its methods, in the order the pack lists the methods (the order
    the pack's author chose, and the one that breaks ties)."""
    order = list(dict.fromkeys(m["family"] for m in view["methods"]))
    families = {f["id"]: f for f in view["families"]}
    return [(families[f], [m for m in view["methods"] if m["family"] == f]) for f in order]


def vat_words(ranges: Sequence[Mapping[str, Any]]) -> str:
    """Whether the band's amounts include VAT, as the pack states for each range."""
    states = {r["includes_vat"] for r in ranges}
    if len(states) == 1:
        return "amounts include VAT" if states.pop() else "amounts exclude VAT"
    return "; ".join(
        f"{r['words']}: {'includes' if r['includes_vat'] else 'excludes'} VAT" for r in ranges
    )


def _applies(when: str | None) -> str:
    return f"Applies when {when}." if when else "Applies to every route."


def _family_when(f: Mapping[str, Any]) -> str:
    return f"when {f['when']}" if f["when"] else "every purchase no earlier family takes"


def _near_words(near: Mapping[str, Any]) -> str:
    return (
        f"Within {near['margin'] * 100:.0f}% below a threshold that would change the "
        f"eligible methods: {near['advice']}"
    )


def _not_stated_words(n: Mapping[str, Any]) -> str:
    where = f" (when {n['when']})" if n["when"] else ""
    return f"When {n['field']} is not stated{where}: {n['text']}"


def _exception_words(e: Mapping[str, Any]) -> str:
    # A dash, not a colon: the text may end in a full stop of its own.
    return f"{e['text']} — opens it {e['opens']} its band if {e['label']} ({e['when']})"


def _requires_words(req: Mapping[str, Any]) -> str:
    return f"{req['label']}: {req['when']} (“{req['text']}”)"


# -- rich --------------------------------------------------------------------------------


def _text(text: str, style: str = "") -> Text:
    return Text(shown(text), style=style)


def _line(out: Text, text: str, style: str = "") -> Text:
    """``out`` with a line of pack text added below it (the break is ours, not the pack's:
    a line break inside pack text is shown escaped, like every control character)."""
    out.append("\n")
    out.append_text(_text(text, style))
    return out


def _noted(text: str, note: str | None) -> Text:
    out = _text(text)
    return _line(out, f"Note: {note}", "dim") if note else out


def _capture(renderables: Iterable[RenderableType]) -> str:
    """What rich prints, as text (for stdout or a file alike)."""
    buffer = io.StringIO()
    # No markup, emoji codes or highlighting is read from any string: text is shown as
    # it is written.
    console = Console(file=buffer, highlight=False, soft_wrap=False, markup=False, emoji=False)
    for item in renderables:
        console.print(item)
    return buffer.getvalue()


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def _bullets(heading: str, items: Sequence[Text], marker: str = "•") -> list[RenderableType]:
    # A grid keeps wrapped lines indented under their bullet.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=3, justify="right")
    grid.add_column()
    for i, item in enumerate(items, 1):
        grid.add_row(Text(f"{i}." if marker == "#" else marker), item)
    return [_text(heading, "bold"), grid, Text()]


def check_table(rules: Rules, findings: Findings, quotations: Quotations) -> str:
    """``rules check`` for a person: the pack, then its gaps and overlaps."""
    summary = pack_summary(rules)
    info = rules.pack
    out: list[RenderableType] = [
        Text.assemble(
            ("The rule pack is valid: ", "bold green"),
            _text(f"{summary['name']}, version {summary['version']}", "bold"),
        )
    ]
    grid = _grid()
    grid.add_row(Text("File"), _text(file_words(summary)))
    grid.add_row(Text("sha256"), Text(rules.sha256))
    grid.add_row(Text("Valid from"), Text(summary["valid_from"]))
    if summary["valid_until"]:
        grid.add_row(Text("Valid until"), Text(summary["valid_until"]))
    for words in edition_words(rules, rules.loaded_on):
        grid.add_row(Text("In force"), _text(words, "bold yellow"))
    for family in sorted(rules.mixed_vat):
        grid.add_row(Text("VAT"), _text(mixed_vat_words(family, rules)[0], "bold yellow"))
    contents = [
        f"{count(len(info.methods), 'method')} in "
        f"{count(len(info.families), 'family', 'families')}",
        count(len(rules.fields) - len(BUILT_IN_IDS), "purchase field") + " of its own",
        count(len(rules.results), "result"),
        count(len(info.contract_types), "contract type"),
        count(len(info.obligations), "obligation"),
    ]
    grid.add_row(Text("Contents"), Text(", ".join(contents)))
    out += [grid, Text(), Text("Value bands by family", style="bold"), Text(ABOUT)]
    regions = list(findings.regions)
    if not regions:
        out.append(Text("No gaps and no overlaps: at every value each family has one method."))
    else:
        out.append(_regions_table(regions[:TABLE_LIMIT]))
        if len(regions) > TABLE_LIMIT:
            more = count(
                len(regions) - TABLE_LIMIT, "more gap or overlap", "more gaps and overlaps"
            )
            out.append(Text(f"… and {more}: --format json lists every one."))
    out.append(
        Text(
            f"{count(len(findings.gaps), 'gap')} and {count(len(findings.overlaps), 'overlap')}: "
            "findings to read, not errors."
        )
    )
    if findings.notes:
        out.append(Text())
        out += _bullets("Notes", [_text(n) for n in findings.notes])
    else:
        out.append(Text())
    out += _bullets("Quotations", _quotation_words(quotations))
    return _capture(out)


def _quotation_words(quotations: Quotations) -> list[Text]:
    words: list[Text] = []
    if quotations.checked:
        words.append(
            _text(
                "Found word for word in its document's file: the source text of every rule "
                "citing " + ", ".join(quotations.checked)
            )
        )
    words += [
        _text(f"Not checked here, the quotations of {d}: {why}")
        for d, why in quotations.not_checked
    ]
    return words


def _regions_table(regions: Sequence[Region]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True)
    table.add_column("Finding", no_wrap=True)
    table.add_column("Family", no_wrap=True)
    table.add_column("Values", ratio=4)
    table.add_column("Methods", ratio=5)
    for region in regions:
        style = "red" if region.kind == "gap" else "yellow"
        table.add_row(
            Text(region.kind.capitalize(), style=style),
            _text(region.family.name),
            _text(region.words()),
            _text(region.methods_words()),
        )
    return table


def show_table(view: Mapping[str, Any]) -> str:
    """``rules show`` for a person: every part of the pack, with its sources."""
    out: list[RenderableType] = [_head_panel(view["pack"])]
    out += _bullets(
        "Documents quoted",
        [
            _text(f"{d['title']} ({d['id']}{', ' + d['file'] if d['file'] else ''})")
            for d in view["documents"]
        ],
    )
    out += _named_files(view["files"])
    out.append(_fields_table(view["fields"]))
    if view["results"]:
        out.append(_results_table(view["results"]))
    choice = view["choice"]
    out += _bullets("How a method is chosen", [_noted(choice["words"], choice["note"])])
    out += _bullets(
        "Families (the first whose test holds applies)",
        [
            _noted(
                f"{f['name']} ({f['description']}): {_family_when(f)}. {quote(f['source'])}",
                f["note"],
            )
            for f in view["families"]
        ],
    )
    for fam, methods in families_in_order(view):
        out.append(_text(f"Methods of {fam['name']}, in the pack's order", "bold"))
        out += [_method_panel(m) for m in methods]
        out.append(Text())
    out += _rest(view)
    return _capture(out)


def _head_panel(info: Mapping[str, Any]) -> Panel:
    head = _grid()
    for label, key in (
        ("Pack id", "id"),
        ("Version", "version"),
        ("Valid from", "valid_from"),
        ("Valid until", "valid_until"),
        ("Authority", "authority"),
        ("Currency", "currency"),
        ("sha256", "sha256"),
    ):
        if info[key] is not None:
            head.add_row(Text(label), _text(str(info[key])))
    head.add_row(Text("File"), _text(file_words(info)))
    if info["description"]:
        head.add_row(Text("About"), _text(info["description"]))
    if info["note"]:
        head.add_row(Text("Note"), _text(info["note"], "dim"))
    return Panel(head, title=_text(f"Rule pack: {info['name']}"), title_align="left")


def _named_files(files: Mapping[str, str | None]) -> list[RenderableType]:
    items = [
        _text(f"{what}: {name}")
        for what, name in (
            ("Glossary", files["glossary"]),
            ("Specification", files["specification"]),
        )
        if name
    ]
    return _bullets("Files the pack names", items) if items else []


def _titled_table(title: str) -> Table:
    """A table of the pack's parts, headed by its title, as wide as the terminal."""
    return Table(
        box=box.SIMPLE_HEAD, expand=True, title=Text(title, style="bold"), title_justify="left"
    )


def _fields_table(fields: Sequence[Mapping[str, Any]]) -> Table:
    table = _titled_table("Purchase fields")
    table.add_column("Field", no_wrap=True)
    table.add_column("Holds", ratio=2)
    table.add_column("Values and meaning", ratio=4)
    for f in fields:
        name = _text(f["id"], "bold")
        if f["built_in"]:
            name.append_text(Text("\nbuilt in", style="dim"))
        table.add_row(name, _text(f["words"]), _field_meaning(f))
    return table


def _field_meaning(f: Mapping[str, Any]) -> Text:
    lines = [f["description"]] if f["description"] else []
    for v in f["values"]:
        also = f" (also: {', '.join(v['synonyms'])})" if v["synonyms"] else ""
        lines.append(f"• {v['id']}: {v['label']}{also}")
    out = Text("\n").join(_text(line) for line in lines)
    if f["source"]:
        out = _line(out, quote(f["source"]), "dim") if lines else _text(quote(f["source"]), "dim")
    if f["note"]:
        out = _line(out, f"Note: {f['note']}", "dim")
    return out


def _results_table(results: Sequence[Mapping[str, Any]]) -> Table:
    table = _titled_table("What each method answers")
    table.add_column("Result", no_wrap=True)
    table.add_column("Name", ratio=2)
    table.add_column("Holds", ratio=3)
    for r in results:
        holds = _text(r["words"] + (f": {r['description']}" if r["description"] else ""))
        if r["source"]:
            _line(holds, quote(r["source"]), "dim")
        table.add_row(_text(r["id"], "bold"), _text(r["name"]), holds)
    return table


def _method_panel(m: Mapping[str, Any]) -> Panel:
    grid = _grid()
    band = m["band"]
    grid.add_row(
        Text("Band"), _noted(f"{band['words']} (the source: “{band['text']}”)", band["note"])
    )
    for r in band["ranges"]:
        if r["note"] or r["warn_if_decisive"]:
            text = r["words"]
            if r["warn_if_decisive"]:
                text += f". When this range alone decides: {r['warn_if_decisive']}"
            grid.add_row(Text(""), _noted(text, r["note"]))
    grid.add_row(Text("VAT"), Text(vat_words(band["ranges"])))
    if m["requires"]:
        req = m["requires"]
        grid.add_row(Text("Only for"), _noted(_requires_words(req), req["note"]))
    indicators = [_noted(f"• {i['text']} ({i['when']})", i["note"]) for i in m["indicators"]]
    grid.add_row(Text("Indicators"), Text("\n").join(indicators) or Text("none (the score is 0)"))
    exceptions = [_noted(f"• {_exception_words(e)}", e["note"]) for e in m["exceptions"]]
    grid.add_row(Text("Exceptions"), Text("\n").join(exceptions) or Text("none"))
    for r in m["results"]:
        grid.add_row(_text(r["name"]), _noted(result_text(r["value"]), r["note"]))
    grid.add_row(Text("Steps"), _text(m["steps"] or "none"))
    grid.add_row(Text("Source"), _text(quote(m["source"])))
    if m["note"]:
        grid.add_row(Text("Note"), _text(m["note"], "dim"))
    return Panel(grid, title=_text(f"{m['name']} ({m['id']})"), title_align="left", box=box.ROUNDED)


def _rest(view: Mapping[str, Any]) -> list[RenderableType]:
    """Steps, contract types, conflicts, obligations and warnings."""
    out: list[RenderableType] = []
    for steps in view["step_lists"]:
        users = ", ".join(m["name"] for m in view["methods"] if m["steps"] == steps["id"])
        out += _bullets(
            f"Steps ({steps['id']}), for {users or 'no method'}",
            [_text(s) for s in steps["steps"]],
            marker="#",
        )
    if view["contract_types"]:
        out.append(_contract_types_table(view["contract_types"]))
    if view["conflicts"]:
        out += _bullets(
            "Contract types that contradict each other",
            [
                _noted(f"{' and '.join(c['between'])}: {c['reason']}", c["note"])
                for c in view["conflicts"]
            ],
        )
    if view["obligations"]:
        out += _bullets(
            "Obligations",
            [_obligation(o) for o in view["obligations"]],
        )
    warnings = view["warnings"]
    lines: list[Text] = []
    near = warnings["near_threshold"]
    if near is not None:
        lines.append(_noted(f"{_near_words(near)} {quote(near['source'])}", near["note"]))
    lines += [_noted(_not_stated_words(n), n["note"]) for n in warnings["not_stated"]]
    if lines:
        out += _bullets("Warnings", lines)
    return out


def _obligation(o: Mapping[str, Any]) -> Text:
    out = _line(_text(f"{o['text']} {_applies(o['when'])}"), quote(o["source"]))
    return _line(out, f"Note: {o['note']}", "dim") if o["note"] else out


def _contract_types_table(contract_types: Sequence[Mapping[str, Any]]) -> Table:
    table = _titled_table("Contract types")
    table.add_column("Contract type", ratio=1)
    table.add_column("Applies when", ratio=1)
    table.add_column("Definition and source", ratio=3)
    for c in contract_types:
        cell = _noted(c["definition"], c["note"])
        _line(cell, quote(c["source"]), "dim")
        if c["glossary"]:
            _line(cell, f"In the glossary: {c['glossary']}", "dim")
        table.add_row(_text(c["name"], "bold"), _text(c["when"]), cell)
    return table


# -- markdown ----------------------------------------------------------------------------


def show_markdown(view: Mapping[str, Any]) -> str:
    """The pack as a Markdown document: one section per part, sources quoted."""
    lines = _md_head(view["pack"])
    lines += ["## Documents quoted", ""]
    lines += [f"- `{d['id']}`: {d['title']}" for d in view["documents"]] + [""]
    lines += _md_fields(view["fields"]) + _md_results(view["results"])
    lines += ["## How a method is chosen", "", view["choice"]["words"], ""]
    lines += _md_note(view["choice"]["note"])
    lines += ["## Families", "", "The first family whose test holds applies.", ""]
    for f in view["families"]:
        lines.append(
            f"- **{f['name']}** ({f['description']}): {_family_when(f)}. {quote(f['source'])}"
        )
        lines += [f"  *Note: {f['note']}*"] if f["note"] else []
    lines.append("")
    for fam, methods in families_in_order(view):
        lines += [f"## Methods of {fam['name']}", ""]
        for m in methods:
            lines += _md_method(m)
    lines += _md_rest(view)
    return "\n".join(shown(line) for line in lines)


def _md_head(info: Mapping[str, Any]) -> list[str]:
    lines = [f"# Rule pack: {info['name']}", "", "| | |", "|---|---|"]
    for label, key in (
        ("Pack id", "id"),
        ("Version", "version"),
        ("Valid from", "valid_from"),
        ("Valid until", "valid_until"),
        ("Authority", "authority"),
        ("Currency", "currency"),
        ("sha256", "sha256"),
    ):
        if info[key] is not None:
            lines.append(f"| {label} | {cell(str(info[key]))} |")
    lines += [f"| File | {cell(file_words(info))} |", ""]
    for key in ("description", "note"):
        if info[key]:
            lines += [info[key], ""]
    return lines


def _md_fields(fields: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["## Purchase fields", "", "| Field | Holds | Values and meaning |", "|---|---|---|"]
    for f in fields:
        name = f"`{f['id']}`" + (" (built in)" if f["built_in"] else "")
        meaning = [f["description"]] if f["description"] else []
        meaning += [f"`{v['id']}`: {v['label']}" for v in f["values"]]
        lines.append(f"| {name} | {cell(f['words'])} | {cell('; '.join(meaning))} |")
    return [*lines, ""]


def _md_results(results: Sequence[Mapping[str, Any]]) -> list[str]:
    if not results:
        return []
    lines = ["## What each method answers", "", "| Result | Name | Holds |", "|---|---|---|"]
    lines += [f"| `{r['id']}` | {cell(r['name'])} | {cell(r['words'])} |" for r in results]
    return [*lines, ""]


def _md_method(m: Mapping[str, Any]) -> list[str]:
    band = m["band"]
    lines = [f"### {m['name']} (`{m['id']}`)", ""]
    lines.append(f"- **Band:** {band['words']} (the source: “{band['text']}”)")
    lines += [f"  *Note: {band['note']}*"] if band["note"] else []
    lines.append(f"- **VAT:** {vat_words(band['ranges'])}")
    if m["requires"]:
        lines.append(f"- **Only for:** {_requires_words(m['requires'])}")
    indicators = "; ".join(f"{i['text']} ({i['when']})" for i in m["indicators"])
    lines.append(f"- **Indicators:** {indicators or 'none (the score is 0)'}")
    exceptions = "; ".join(_exception_words(e) for e in m["exceptions"])
    lines.append(f"- **Exceptions:** {exceptions or 'none'}")
    for r in m["results"]:
        lines.append(f"- **{r['name']}:** {result_text(r['value'])}")
        lines += [f"  *Note: {r['note']}*"] if r["note"] else []
    lines.append(f"- **Steps:** {m['steps'] or 'none'}")
    lines.append(f"- **Source:** {quote(m['source'])}")
    lines += [f"- *Note: {m['note']}*"] if m["note"] else []
    return [*lines, ""]


def _md_rest(view: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for steps in view["step_lists"]:
        lines += [f"## Steps: {steps['id']}", "", quote(steps["source"]), ""]
        lines += [f"{i}. {s}" for i, s in enumerate(steps["steps"], 1)] + [""]
        lines += _md_note(steps["note"])
    if view["contract_types"]:
        lines += ["## Contract types", "", "| Contract type | Applies when | Definition |"]
        lines.append("|---|---|---|")
        lines += [
            f"| {cell(c['name'])} | {cell(c['when'])} | {cell(c['definition'])} |"
            for c in view["contract_types"]
        ]
        lines.append("")
    if view["conflicts"]:
        lines += ["## Contract types that contradict each other", ""]
        lines += [f"- {' and '.join(c['between'])}: {c['reason']}" for c in view["conflicts"]]
        lines.append("")
    if view["obligations"]:
        lines += ["## Obligations", ""]
        lines += [
            f"- {o['text']} {_applies(o['when'])} {quote(o['source'])}" for o in view["obligations"]
        ]
        lines.append("")
    warnings = view["warnings"]
    if warnings["near_threshold"] or warnings["not_stated"]:
        lines += ["## Warnings", ""]
        if warnings["near_threshold"]:
            lines.append(f"- {_near_words(warnings['near_threshold'])}")
        lines += [f"- {_not_stated_words(n)}" for n in warnings["not_stated"]]
        lines.append("")
    return lines


def _md_note(note: str | None) -> list[str]:
    return [f"*Note: {note}*", ""] if note else []


def cell(text: str) -> str:
    """Text for a Markdown table cell: one line, its pipes escaped."""
    return text.replace("|", "\\|").replace("\n", " ")


__all__ = [
    "TABLE_LIMIT",
    "check_json",
    "check_table",
    "commented_copy",
    "count",
    "invalid_json",
    "pack_summary",
    "pack_view",
    "show_markdown",
    "show_table",
    "to_json",
]


# -- a commented copy --------------------------------------------------------------------

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
#   2. Change the amounts in each method's `band:`. Write amounts as numbers
#      of pounds, such as 50000.
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
#   * Every value is read as you write it: 050000 is fifty thousand, and a
#     yes/no answer may be written true, false, yes or no.
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
    "glossary": """\
# GLOSSARY and SPECIFICATION: files the pack names, read from beside this file
# (or, failing that, the copies that ship with commission).""",
    "fields": """\
# FIELDS: the purchase fields your rules read, beyond the built-in title,
# annual_value, total_value and years (list one of those with no kind to word
# its question). Each field has:
#   id          lower-case letters, digits and _, as purchase files write it
#   kind        choice, yes_no, number, money, length, date or text
#   values      for a choice: each answer's id, label and the synonyms people type
#   required    true if every purchase must state it
#   question, help, template: what the interview asks and `commission new` writes""",
    "results": """\
# RESULTS: what each method answers beyond its name. kind is text (the
# default), number (or a range written {min: 1, max: 3}), yes_no or list. Each
# method gives its value for each result under its own `results:`, by id.""",
    "choice": """\
# CHOICE: how a method is chosen when several are eligible. The only rule is
# highest_score_then_listed_order: the best match of indicators wins, and a
# tie goes to the method listed first.""",
    "families": """\
# FAMILIES: the first family whose `when` test holds applies; the last family
# has no `when` and takes every other purchase. Tests name the fields above,
# e.g. when: <TEST>.""",
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
#   results     its value for each result declared under results:, as it is
#               or {value: ..., note: ...}.
#   steps       the id of a list under step_lists (leave out for none).""",
    "step_lists": """\
# STEP LISTS: the steps that follow a method; a method names its list by id.""",
    "contract_types": """\
# CONTRACT TYPES: every type whose `when` test holds is shown with the route.
# A test may name the route so far: <ROUTE_TEST>.
# glossary: the term of the type's entry in the glossary file.""",
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
            out += _example_tests(_SECTION_NOTES[key], rules).splitlines()
        out.append(line)
    return header + "\n".join(out) + "\n"


def _example_tests(note: str, rules: Rules) -> str:
    """A note's example tests, made of the copied pack's own fields, families and methods."""
    fields = [f for f in rules.fields.values() if f.id not in BUILT_IN_IDS]
    choice = next((f for f in fields if f.kind == "choice" and f.values), None)
    flag = next((f for f in fields if f.kind == "yes_no"), None)
    if choice is not None:
        test = f"{{{choice.id}: {choice.values[0].id}}}"
    elif flag is not None:
        test = f"{{{flag.id}: true}}"
    else:
        test = "{field: value}"
    family = rules.pack.families[0].id if rules.pack.families else "ID"
    method = rules.pack.methods[0].id if rules.pack.methods else "ID"
    route = f"{{family: {family}}} or {{method: {method}}}"
    return note.replace("<TEST>", test).replace("<ROUTE_TEST>", route)
