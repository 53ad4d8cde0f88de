"""`commission glossary`: every definition of the source documents, word for word, found
forgivingly, and linked to the contract types the route names."""

from __future__ import annotations

import json
import re

import pytest

from commission_cli import load_rules
from commission_cli.rules.glossary import (
    Entry,
    Glossary,
    contract_type_of,
    load_glossary,
    read_glossary,
    unlinked_terms,
)

from .conftest import PACKS, SOURCES, run_installed


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


@pytest.fixture(scope="module")
def glossary(rules) -> Glossary:
    found = load_glossary(rules)
    assert found is not None, "the shipped pack names its glossary"
    return found


def _entries_for(glossary: Glossary, rules, contract_type: str) -> list[Entry]:
    """The glossary's entries that define this contract type of the pack."""
    return [e for e in glossary.entries if contract_type_of(glossary, rules, e) == contract_type]


@pytest.fixture(scope="module")
def sources(glossary) -> dict[str, str]:
    return {d.id: _norm((SOURCES / d.file).read_text(encoding="utf-8")) for d in glossary.documents}


# -- the data ----------------------------------------------------------------------------------


def test_every_definition_is_word_for_word_in_its_source(glossary, sources):
    missing = [
        f"{e.id}.{part}: {getattr(e, part)!r}"
        for e in glossary.entries
        for part in ("text", "example")
        if getattr(e, part) is not None and _norm(getattr(e, part)) not in sources[e.document]
    ]
    assert missing == []


def test_every_term_is_printed_in_its_source(glossary, sources):
    # Case aside: "Joint commissioning" is how Medway writes it inside a sentence.
    missing = [
        e.id for e in glossary.entries if _norm(e.term).lower() not in sources[e.document].lower()
    ]
    assert missing == []


def test_ids_are_unique_and_references_resolve(glossary):
    ids = [e.id for e in glossary.entries]
    assert len(ids) == len(set(ids))
    known = {d.id for d in glossary.documents}
    assert {e.document for e in glossary.entries} <= known
    for entry in glossary.entries:
        for term in entry.see:
            assert glossary.with_term(term), f"{entry.id} refers to {term!r}, which is not defined"


def test_a_damaged_glossary_file_is_reported_at_its_lines(tmp_path):
    from commission_cli.errors import InputError

    path = tmp_path / "glossary.yaml"
    path.write_text(
        "documents:\n  - {id: d, title: A document, file: a.txt}\n"
        "entries:\n  - id: x\n    term: X\n    document: d\n    section: S\n"
        "    txt: misspelt\n    see: Y\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_glossary(path.read_text(encoding="utf-8"), str(path))
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:8:5: entries[0].txt: is not a known field",
        f"{path}:9:10: entries[0].see: must be a list of text",
        f"{path}:4:5: entries[0]: text is required but missing",
    ]


def _terms(glossary, document: str, section: str) -> list[str]:
    return [e.term for e in glossary.entries if e.document == document and e.section == section]


def test_the_glossary_covers_the_definitions_of_every_source(glossary):
    assert len(_terms(glossary, "bromley", "Definitions")) == 17
    assert len(_terms(glossary, "bromley", "Types of Contracting")) == 9
    assert _terms(glossary, "bromley", "Different Models of Commissioning") == [
        "Lead Commissioning",
        "Integrated Provision",
    ]
    assert _terms(glossary, "bromley", "The Different Budgetary Arrangements") == [
        "Aligned funding",
        "Individual budgets",
        "Pooled budgets",
        "Pooled funds",
        "Separate funding",
    ]
    assert len(_terms(glossary, "wolverhampton", "7 Glossary of terms")) == 8
    medway = [e.term for e in glossary.entries if e.document == "medway" and e.paragraph == "1.14"]
    assert medway == ["Commissioning", "Procurement", "Tendering", "Contracting"]
    assert "Joint commissioning" in _terms(
        glossary, "scotland", "Joint Strategic Commissioning – What is it?"
    )


def test_every_contract_type_of_the_default_pack_has_its_entry(rules, glossary):
    assert unlinked_terms(glossary, rules) == []
    for contract_type in rules.pack.contract_types:
        (entry,) = _entries_for(glossary, rules, contract_type.id)
        assert entry.term == contract_type.name
        assert _norm(entry.text) == _norm(contract_type.definition)
        assert (entry.document, entry.section) == ("bromley", "Types of Contracting")


def test_a_contract_type_of_another_pack_has_none(rules, glossary):
    other = load_rules(str(PACKS / "northshire.yaml"))
    assert "call_off_order" in {c.id for c in other.pack.contract_types}
    assert _entries_for(glossary, rules, "call_off_order") == []


# -- looking up --------------------------------------------------------------------------------


def _found(glossary, query: str) -> list[str]:
    return [m.entry.id for m in glossary.find(query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pooled", ["bromley.pooled_budgets", "bromley.pooled_funds"]),
        ("POOL", ["bromley.pooled_budgets", "bromley.pooled_funds"]),
        ("pooled budget", ["bromley.pooled_budgets"]),  # a plural forgiven
        ("Spot purchases", ["bromley.spot_purchasing"]),  # a partial word
        ("tender", ["medway.tendering"]),
        ("e-procurement", ["bromley.eprocurement"]),  # a word split
        ("inhouse", ["bromley.in_house_services"]),  # words run together
        ("LAA", ["wolverhampton.local_area_agreement_laa"]),
        ("lsp", ["wolverhampton.local_strategic_partnership"]),  # an alias the document gives
        ("community initiative's team", ["wolverhampton.the_community_initiatives_team"]),
    ],
)
def test_matching_forgives(glossary, query, expected):
    assert _found(glossary, query) == expected


def test_exact_terms_come_first(glossary):
    found = _found(glossary, "procurement")
    assert found[:3] == [
        "bromley.procurement",
        "wolverhampton.procurement",
        "medway.procurement",
    ]
    assert "scotland.commissioning_and_procurement" in found


def test_integrated_commissioning_leads_to_joint_commissioning(glossary):
    matches = glossary.find("integrated commissioning")
    assert matches[0].entry.id == "bromley.integrated_commissioning"
    assert matches[0].entry.text == "See ‘Joint Commissioning’."
    followed = [(m.entry.id, m.via.id if m.via else None) for m in matches[1:]]
    assert followed == [
        ("bromley.joint_commissioning", "bromley.integrated_commissioning"),
        ("wolverhampton.joint_commissioning", "bromley.integrated_commissioning"),
        ("medway.joint_commissioning", "bromley.integrated_commissioning"),
        ("scotland.joint_commissioning", "bromley.integrated_commissioning"),
    ]


def test_an_entry_found_directly_keeps_its_own_place(glossary):
    matches = glossary.find("commissioning")
    joint = next(m for m in matches if m.entry.id == "bromley.joint_commissioning")
    assert joint.via is None


@pytest.mark.parametrize(
    ("query", "nearest"),
    [
        ("comissioning", "Commissioning"),
        ("poolled", "Pooled budgets"),
        ("pooled budgts", "Pooled budgets"),
        ("framwork contract", "Framework Contract"),
    ],
)
def test_near_misses_suggest_the_nearest_terms(glossary, query, nearest):
    assert glossary.find(query) == []
    assert nearest in glossary.suggest(query)


def test_nothing_near(glossary):
    assert glossary.find("zebra") == [] and glossary.suggest("zebra") == []


# -- the command -------------------------------------------------------------------------------


def test_look_up_a_term(cli):
    result = cli("glossary", "pooled")
    assert result.exit_code == 0
    out = result.stdout
    assert "  Pooled budgets\n" in out and "  Pooled funds\n" in out
    assert "Source: Bromley Children and Young People Trust commissioning glossary" in out


def test_several_words_need_no_quotes(cli):
    result = cli("glossary", "integrated", "commissioning")
    assert result.exit_code == 0
    assert "Joint Commissioning (from “Integrated Commissioning”)" in result.stdout


def test_a_near_miss_exits_1_with_suggestions(cli):
    result = cli("glossary", "comissioning")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no glossary entry matches 'comissioning'. Nearest terms: Commissioning" in (
        result.stderr
    )


def test_every_definition_grouped_by_source_and_section(cli, glossary):
    result = cli("glossary")
    assert result.exit_code == 0
    out = result.stdout
    headings = [
        "Bromley Children and Young People Trust commissioning glossary — Definitions",
        "Bromley Children and Young People Trust commissioning glossary — Types of Contracting",
        "Bromley Children and Young People Trust commissioning glossary — Different Models of "
        "Commissioning",
        "Wolverhampton Commissioning Framework (Appendix A, 2008/09) — 7 Glossary of terms",
        "Medway Children's Trust commissioning framework — Section one: Introduction",
    ]
    places = [out.index(h) for h in headings[:4]]
    assert places == sorted(places)
    assert headings[4] in out
    assert out.count("\n  ") >= len(glossary.entries)


def test_json_for_a_look_up(cli):
    result = cli("glossary", "block contract", "--format", "json")
    data = json.loads(result.stdout)
    (match,) = data["matches"]
    assert match["id"] == "bromley.block_contract"
    assert match["contract_type"] == "block_contract" and match["in_rules"] is True
    assert match["source"]["section"] == "Types of Contracting"
    assert data["rules"]["name"] == "Wolverhampton Contract Procurement Guide"


def test_json_for_a_miss_and_for_the_whole_glossary(cli, glossary):
    miss = cli("glossary", "poolled", "--format", "json")
    assert miss.exit_code == 1
    assert set(json.loads(miss.stdout)["suggestions"][:2]) == {"Pooled budgets", "Pooled funds"}
    everything = json.loads(cli("glossary", "--format", "json").stdout)
    assert sum(len(g["entries"]) for g in everything["groups"]) == len(glossary.entries)


def test_the_rule_pack_decides_which_entries_are_its_contract_types(cli, tmp_path):
    shipped = cli("glossary", "spot purchasing")
    assert "A contract type the route can name (spot_purchasing)" in shipped.stdout
    # Northshire names the shipped glossary, but none of its contract types links to it.
    pack = tmp_path / "northshire.yaml"
    text = (PACKS / "northshire.yaml").read_text(encoding="utf-8")
    pack.write_text(text + "\nglossary: glossary.yaml\n", encoding="utf-8")
    other = cli("glossary", "spot purchasing", "--rules", str(pack))
    assert other.exit_code == 0, other.stderr
    assert "  Spot Purchasing\n" in other.stdout
    assert "contract type" not in other.stdout


def test_a_pack_that_names_no_glossary_is_refused(cli):
    pack = PACKS / "northshire.yaml"
    result = cli("glossary", "spot purchasing", "--rules", str(pack))
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {pack}: ") and "names no glossary" in line


def test_the_installed_command_finds_both_pooled_entries():
    result = run_installed("glossary", "pooled", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [m["term"] for m in json.loads(result.stdout)["matches"]] == [
        "Pooled budgets",
        "Pooled funds",
    ]
