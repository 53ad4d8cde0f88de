"""The interview's reasoning: its questions, reading answers, and asking only what matters.

The terminal itself is driven for real in test_interview_terminal.py; here the
interview runs against a scripted terminal, so each rule can be pinned down.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
import yaml

from commission_cli import Purchase, load_rules, route
from commission_cli.cli.interview_io import Terminal, run_interview, suggested_name
from commission_cli.interview import (
    AnswerError,
    Interview,
    can_interview,
    fields_that_matter,
    purchase_file_text,
    questions,
    read_answer,
    years_matter,
)
from commission_cli.purchase import field_kind

from .conftest import PACKS, SOURCES

OPTIONAL = {
    name
    for name in Purchase.model_fields
    if name not in ("title", "annual_value", "total_value", "years", "outcomes")
}


def scripted(*answers: str) -> tuple[Terminal, io.StringIO]:
    """A terminal that types these answers, then Ctrl-D (so asking too much fails loudly)."""
    lines = iter(a + "\n" for a in answers)
    out = io.StringIO()
    return Terminal(read_line=lambda: next(lines, ""), out=out, width=100), out


def unstated(purchase: Purchase) -> set[str]:
    return {n for n in OPTIONAL if n not in purchase.stated}


# -- the questions --------------------------------------------------------------------------


def test_every_purchase_field_has_a_question_in_plain_words():
    qs = questions()
    assert set(qs) == set(Purchase.model_fields)
    for name, q in qs.items():
        assert q.ask.endswith("?"), name
        assert q.explain and "_" not in q.explain, f"{name}: explain in words, not field names"
        kind, allowed = field_kind(name)
        if kind == "choice":
            assert [v for v, _ in q.choices] == list(allowed)
        if q.default is not None:
            read_answer(q, q.default)  # every default is itself a valid answer


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def test_every_quotation_in_the_questions_is_word_for_word_in_its_source(rules):
    files = {d.id: d.file for d in rules.pack.documents}
    texts = {i: _normalise((SOURCES / f).read_text(encoding="utf-8")) for i, f in files.items()}
    quoted = 0
    for q in questions().values():
        for quote in q.quotes:
            assert quote.text in texts[quote.document], (q.field, quote.text)
            quoted += 1
    assert quoted >= 20


def test_the_glossary_and_guide_explain_contestable_markets_and_vcs_specific():
    assert "contestable market is one where many providers could compete" in (
        questions()["providers"].explain
    )
    sector = questions()["sector"]
    assert "voluntary and community sector" in sector.explain
    assert any("Voluntary, Community or Third Sector" in q.text for q in sector.quotes)


# -- reading answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("45k", {"annual_value": Decimal(45000)}),
        ("£45,000", {"annual_value": Decimal(45000)}),
        ("£45,000 a year", {"annual_value": Decimal(45000)}),
        ("45000.50", {"annual_value": Decimal("45000.50")}),
        ("135k total", {"total_value": Decimal(135000)}),
        ("£135,000 in total", {"total_value": Decimal(135000)}),
    ],
)
def test_money_answers_read_like_the_purchase_file(typed, expected):
    assert read_answer(questions()["annual_value"], typed) == expected


@pytest.mark.parametrize("typed", ["lots", "-5", "0", "$45,000", "", "skip"])
def test_a_bad_or_missing_value_is_explained(typed):
    with pytest.raises(AnswerError) as caught:
        read_answer(questions()["annual_value"], typed)
    assert str(caught.value)


def test_choices_by_number_word_or_start_of_word():
    q = questions()["outcomes"]
    assert read_answer(q, "2") == {"outcomes": "less_certain"}
    assert read_answer(q, "Less certain") == {"outcomes": "less_certain"}
    assert read_answer(q, "less") == {"outcomes": "less_certain"}
    with pytest.raises(AnswerError, match="'sure' is not one of the answers"):
        read_answer(q, "sure")
    with pytest.raises(AnswerError, match="needs an answer"):
        read_answer(q, "")
    provider = questions()["provider"]
    assert read_answer(provider, "third") == {"provider": "third_sector"}
    assert read_answer(provider, "") == {"provider": "unknown"}  # its default


def test_flags_numbers_defaults_and_skipping():
    assert read_answer(questions()["eu_exempt"], "Y") == {"eu_exempt": True}
    assert read_answer(questions()["eu_exempt"], "") == {"eu_exempt": False}  # default no
    assert read_answer(questions()["eu_exempt"], "skip") == {}  # not stated
    assert read_answer(questions()["years"], "3 years") == {"years": Decimal(3)}
    assert read_answer(questions()["years"], "") == {}  # no default: not stated
    assert read_answer(questions()["partners"], "") == {"partners": 1}
    with pytest.raises(AnswerError, match="greater than 0"):
        read_answer(questions()["years"], "0")
    with pytest.raises(AnswerError, match="whole number"):
        read_answer(questions()["partners"], "2.5")
    with pytest.raises(AnswerError, match="not yes or no"):
        read_answer(questions()["gp_led"], "maybe")


# -- only what can change the answer --------------------------------------------------------


def test_above_every_other_band_the_method_questions_are_skipped(rules):
    # £120,000 a year: only the full process is eligible, and no indicator or
    # exception can change that, so providers, sector, service... are not asked.
    p = Purchase(title="t", annual_value=120000, years=3, outcomes="certain", core_costs=False)
    matter = fields_that_matter(p, unstated(p), rules)
    for name in ("providers", "sector", "service", "eu_exempt", "external_guidance"):
        assert name not in matter
    # The funding family is ruled out, so its questions cannot matter either.
    for name in ("timescale", "overlaps_vcs_activity", "strategic_organisation"):
        assert name not in matter
    # Contract types still depend on who provides it, on partners, and so on.
    for name in ("provider", "partners", "guaranteed_volume", "call_off", "gp_led"):
        assert name in matter


def test_between_two_eligible_methods_the_deciding_questions_are_asked(rules):
    p = Purchase(title="t", annual_value=45000, years=3, outcomes="certain", core_costs=False)
    matter = fields_that_matter(p, unstated(p), rules)
    assert {"providers", "sector"} <= matter  # they decide full process vs restricted


def test_each_skipped_field_really_cannot_change_the_decision(rules):
    # The claim checked by brute force: for every skipped field and every value it
    # can take, the method, contract types, obligations and warnings stay the same.
    p = Purchase(title="t", annual_value=120000, years=3, outcomes="certain", core_costs=False)
    skipped = unstated(p) - fields_that_matter(p, unstated(p), rules)
    before = route(p, rules)
    for name in skipped:
        kind, allowed = field_kind(name)
        for value in allowed if kind == "choice" else [True, False]:
            after = route(p.model_copy(update={name: value}), rules)
            assert after.method == before.method, name
            assert after.contract_types == before.contract_types, name
            assert after.obligations == before.obligations, name


def test_once_the_contract_types_cannot_change_gp_led_is_not_asked(rules):
    stated = {n: False for n in OPTIONAL if field_kind(n)[0] == "flag"}
    del stated["gp_led"]
    p = Purchase(
        title="t",
        annual_value=3000,
        years=1,
        outcomes="less_certain",
        provider="unknown",
        partners=1,
        **stated,
    )
    assert "gp_led" in fields_that_matter(p, {"gp_led"}, rules)  # Practice Based Commissioning
    done = p.model_copy(update={"gp_led": False})
    assert fields_that_matter(done, unstated(done), rules) == set()


def test_what_matters_comes_from_the_pack_not_from_wolverhampton():
    northshire = load_rules(PACKS / "northshire.yaml")
    p = Purchase(title="t", annual_value=50000, years=1, outcomes="certain")
    matter = fields_that_matter(p, unstated(p), northshire)
    # Northshire's tests never read these, so they are never worth a question there.
    never_read = {"service", "eu_exempt", "gp_led", "provider", "for_individual", "direct_payment"}
    assert not matter & never_read
    assert "partners" in matter  # the pack warns when it is not stated
    assert {"core_costs", "call_off"} <= matter  # a grant, or a call-off, would change it


def test_years_matter_when_a_band_counts_the_whole_life(rules):
    assert years_matter({"annual_value": 45000}, rules)
    northshire = load_rules(PACKS / "northshire.yaml")
    assert years_matter({"annual_value": 45000}, northshire)  # £250,000 in all


# -- the interview, scripted ----------------------------------------------------------------


def test_an_interview_asks_one_question_at_a_time_and_retries_a_wrong_answer(rules):
    interview = Interview(rules)
    term, out = scripted(
        "Home care for adults",
        "lots",  # wrong: explained, asked again
        "120k",
        "3",
        "certain",
        "no",  # core costs
        "private",  # provider
        "1",  # partners
        "no",
        "no",
        "yes",  # guaranteed volume
        "no",
        "no",
    )
    purchase = run_interview(interview, term)
    text = out.getvalue()
    assert "'lots' is not a sum of money" in text and "Please try again" in text
    assert purchase.annual_value == Decimal(120000) and purchase.guaranteed_volume is True
    # The method questions could not change the answer at £120,000 a year.
    assert "contestable market" not in text
    assert "providers" in interview.not_asked() and "sector" in interview.not_asked()
    assert route(purchase, rules).method.id == "full_competitive"


def test_a_file_missing_fields_is_completed_not_restarted(rules):
    given = {"title": "Befriending", "annual_value": "12k", "years": 1, "providers": "many"}
    interview = Interview(rules, given)
    term, out = scripted("certain", "no", "", "", "", "", "", "", "", "", "", "", "", "")
    purchase = run_interview(interview, term, source="befriending.yaml")
    text = out.getvalue()
    assert "missing from befriending.yaml: outcomes" in text
    assert "What is being bought" not in text and "How much" not in text
    assert purchase.providers == "many"


def test_question_mark_shows_the_sources_words(rules):
    term, out = scripted("?", "Day care", "?")
    with pytest.raises(KeyboardInterrupt):  # Ctrl-D after the last scripted answer
        run_interview(Interview(rules), term)
    text = out.getvalue()
    assert "The sources say nothing more" in text  # the title has no quotation
    assert "“£39,000 over the life of the contract or £50,000+ per annum”" in text


def test_end_of_input_stops_the_interview(rules):
    term, _ = scripted("Day care")
    with pytest.raises(KeyboardInterrupt):
        run_interview(Interview(rules), term)


def test_only_missing_fields_start_an_interview():
    assert can_interview({"title": "t"})
    assert not can_interview({"title": "t", "anual_value": 5})  # a typo: fix the file
    assert not can_interview({"title": "t", "years": 0})  # a bad value: fix the file


def test_the_saved_answers_route_to_the_same_decision(rules, tmp_path):
    p = Purchase(title="Day care: older people", total_value="135k", years=3, outcomes="certain")
    text = purchase_file_text(p, ["sector"], rules)
    data = yaml.safe_load(text)
    assert data == {
        "title": "Day care: older people",
        "total_value": 135000,
        "years": 3,
        "outcomes": "certain",
    }
    assert "Not asked, because no answer could change the decision" in text
    again = Purchase(**data)
    assert route(again, rules).to_dict() == route(p, rules).to_dict()


def test_suggested_file_names_are_safe():
    assert (
        suggested_name("Day care (older people), city-wide")
        == "day-care-older-people-city-wide.yaml"
    )
    assert suggested_name("££££") == "purchase.yaml"


def test_too_many_combinations_fall_back_to_asking_more_never_less(rules, monkeypatch):
    import commission_cli.interview as interview_module

    p = Purchase(title="t", annual_value=45000, years=3, outcomes="certain")
    exact = fields_that_matter(p, unstated(p), rules)
    monkeypatch.setattr(interview_module, "ROUTING_LIMIT", 0)
    rough = fields_that_matter(p, unstated(p), rules)
    assert exact < rough  # "service" cannot matter, but only trying it shows that


def test_declining_or_interrupting_the_offer_to_save_writes_nothing(rules, tmp_path, monkeypatch):
    from commission_cli.cli.interview_io import Session

    monkeypatch.chdir(tmp_path)
    purchase = Purchase(title="Day care", annual_value=45000, outcomes="certain")
    term, out = scripted("n")
    assert Session(Interview(rules), purchase, term).offer_to_save() is None
    term, out = scripted()  # Ctrl-D at the question
    assert Session(Interview(rules), purchase, term).offer_to_save() is None
    assert "Not saved." in out.getvalue()
    assert list(tmp_path.iterdir()) == []
