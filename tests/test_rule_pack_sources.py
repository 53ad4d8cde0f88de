"""Every rule in the shipped pack quotes its source word for word (sources/ holds the
documents), and carries the facts PRODUCT.md says a pack must state explicitly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from commission_cli.model.fields import SourceRef
from commission_cli.rules.quotes import found_in, words

from .conftest import SOURCES


@pytest.fixture(scope="module")
def documents(rules) -> dict[str, str]:
    # Read as `commission rules check` reads a document beside a pack (the shipped
    # pack's are in sources/); it checks only the source texts, the shipped pack's
    # convention (every text below is the guide's own words) is held here.
    return {
        d.id: words((SOURCES / d.file).read_text(encoding="utf-8")) for d in rules.pack.documents
    }


def _quotes(rules) -> Iterator[tuple[str, str, str]]:
    """(document id, where, quoted text) for every quotation in the pack."""
    pack = rules.pack

    def refs(obj: Any, where: str) -> Iterator[tuple[str, str, str]]:
        if isinstance(obj, SourceRef):
            yield obj.document, where, obj.text
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                yield from refs(getattr(obj, name), f"{where}.{name}")
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                yield from refs(item, f"{where}[{i}]")

    yield from refs(pack, "pack")
    for m in pack.methods:
        doc = m.source.document
        where = f"methods.{m.id}"
        yield doc, f"{where}.band", m.band.text
        # Each result as the document prints it: the value alone, or {value: ..., note: ...}.
        for result in pack.results:
            raw = m.results.get(result.id)
            value = raw.get("value") if isinstance(raw, dict) else raw
            for i, text in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(text, str):
                    yield doc, f"{where}.results.{result.id}[{i}]", text
        for ind in m.indicators:
            yield doc, f"{where}.indicators", ind.text
        for exc in m.exceptions:
            yield doc, f"{where}.exceptions.{exc.id}", exc.text
        if m.requires:
            yield doc, f"{where}.requires", m.requires.text
    for ct in pack.contract_types:
        yield ct.source.document, f"contract_types.{ct.id}.name", ct.name
        yield ct.source.document, f"contract_types.{ct.id}.definition", ct.definition
    for sl in pack.step_lists:
        for step in sl.steps:
            yield sl.source.document, f"step_lists.{sl.id}", step


def test_every_quotation_appears_word_for_word_in_its_source(rules, documents):
    missing = [
        f"{where}: {text!r}"
        for doc, where, text in _quotes(rules)
        if not found_in(text, documents[doc])
    ]
    assert missing == []


def test_the_pack_quotes_something_for_every_method(rules):
    assert len(list(_quotes(rules))) > 80
    # Every method answers each result the pack declares, in the document's words.
    results = [r.id for r in rules.pack.results]
    assert results == ["agreement", "full_cost_recovery", "guiding_document"]
    for m in rules.pack.methods:
        assert sorted(m.results) == sorted(results), m.id
    assert {m.id for m in rules.pack.methods} == {
        "full_competitive",
        "restricted",
        "class_i_ii",
        "grant_in_aid",
        "competitive_grants",
        "selective_grants",
        "small_grants",
    }


def test_every_threshold_states_unit_basis_inclusiveness_and_vat(rules):
    for m in rules.pack.methods:
        for r in m.band.ranges:
            assert r.unit == "GBP"
            assert r.basis in ("per_annum", "whole_life")
            assert isinstance(r.includes_vat, bool)
            for bound in (r.lower, r.upper):
                if bound is not None:
                    assert isinstance(bound.inclusive, bool)


def test_the_pack_states_its_name_version_and_date(rules):
    info = rules.pack.pack
    assert info.name and info.version and info.valid_from.isoformat() == "2009-01-16"


def test_interpretations_carry_notes(rules):
    m = {m.id: m for m in rules.pack.methods}
    assert "£39,000" in m["full_competitive"].band.note
    assert "per annum" in m["competitive_grants"].band.note
    whole_life = m["full_competitive"].band.ranges[1]
    assert whole_life.basis == "whole_life" and whole_life.warn_if_decisive


def test_the_eleven_procurement_steps(rules):
    (steps,) = rules.pack.step_lists
    assert len(steps.steps) == 11


def test_the_nine_types_of_contracting(rules):
    assert [c.id for c in rules.pack.contract_types] == [
        "block_contract",
        "direct_payment",
        "framework_contract",
        "grant_agreement",
        "joint_purchasing",
        "practice_based_commissioning",
        "service_agreement",
        "service_level_agreement",
        "spot_purchasing",
    ]
