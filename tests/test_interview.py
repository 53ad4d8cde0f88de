"""The interview's reasoning: its questions from the pack, reading answers, and asking only
what can still change the answer.

The terminal itself is driven for real in test_interview_terminal.py; here the
interview runs against a scripted terminal, so each rule can be pinned down.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

import commission_cli.interview.questions as questions_module
from commission_cli import load_rules, route
from commission_cli.interview import (
    AnswerError,
    Interview,
    all_questions,
    can_interview,
    fields_that_matter,
    purchase_file_text,
    read_answer,
    years_matter,
)
from commission_cli.interview.terminal import Session, Terminal, run_interview, suggested_name
from commission_cli.model.fields import BUILT_IN_IDS

from .conftest import SOURCES, purchase
from .test_cli_route import southvale


def scripted(*answers: str) -> tuple[Terminal, io.StringIO]:
    """A terminal that types these answers, then Ctrl-D (so asking too much fails loudly)."""
    lines = iter(a + "\n" for a in answers)
    out = io.StringIO()
    return Terminal(read_line=lambda: next(lines, ""), out=out, width=100), out


def optional(rules) -> set[str]:
    return {n for n, d in rules.fields.items() if n not in BUILT_IN_IDS and not d.required}


def unstated(p, rules) -> set[str]:
    return {n for n in optional(rules) if n not in p.stated}


def asked(text: str) -> list[str]:
    return re.findall(r"(?m)^\d+\. (.+)$", text)


# -- the questions come from the pack ---------------------------------------------------------


def test_every_field_of_the_pack_has_a_question_in_plain_words(rules):
    qs = all_questions(rules)
    assert list(qs) == list(rules.fields)
    for name, q in qs.items():
        assert q.ask.endswith("?"), name
        assert q.explain and "_" not in q.explain, f"{name}: explain in words, not field names"
        if q.kind == "choice":
            assert [v for v, _ in q.choices] == [v.id for v in rules.fields[name].values]
        if q.default is not None:
            read_answer(q, q.default)  # every suggested answer is itself a valid answer


def test_a_field_the_pack_gives_no_question_is_asked_from_its_description(tmp_path):
    qs = all_questions(load_rules(southvale(tmp_path)))
    assert qs["lots"].ask == "Into how many lots is it split?"
    assert qs["urgent"].ask == "The need is urgent?"
    assert qs["title"].ask == "What is being bought or funded?"  # the built-in wording


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def test_every_quotation_behind_a_question_is_word_for_word_in_its_source(rules):
    files = {d.id: d.file for d in rules.pack.documents}
    texts = {i: _normalise((SOURCES / f).read_text(encoding="utf-8")) for i, f in files.items()}
    quoted = 0
    for q in all_questions(rules).values():
        for quote in (*q.quotes, *([q.decl.source] if q.decl.source else [])):
            assert _normalise(quote.text) in texts[quote.document], (q.field, quote.text)
            quoted += 1
    assert quoted >= 20


def test_the_packs_help_explains_contestable_markets_and_vcs_specific(rules):
    qs = all_questions(rules)
    assert "contestable market is one where many providers could compete" in qs["providers"].explain
    assert "voluntary and community sector" in qs["sector"].explain


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
def test_money_answers_read_like_the_purchase_file(rules, typed, expected):
    assert read_answer(all_questions(rules)["annual_value"], typed) == expected


@pytest.mark.parametrize("typed", ["lots", "-5", "0", "$45,000", "4٥000", "", "skip"])
def test_a_bad_or_missing_value_is_explained(rules, typed):
    with pytest.raises(AnswerError) as caught:
        read_answer(all_questions(rules)["annual_value"], typed)
    assert str(caught.value)


def test_choices_by_number_word_synonym_or_start_of_word(rules):
    q = all_questions(rules)["outcomes"]
    assert read_answer(q, "2") == {"outcomes": "less_certain"}
    assert read_answer(q, "Less certain") == {"outcomes": "less_certain"}
    assert read_answer(q, "uncertain") == {"outcomes": "less_certain"}  # the pack's synonym
    assert read_answer(q, "less") == {"outcomes": "less_certain"}
    with pytest.raises(AnswerError, match="'sure' is not one of the answers"):
        read_answer(q, "sure")
    with pytest.raises(AnswerError, match="needs an answer"):
        read_answer(q, "")
    provider = all_questions(rules)["provider"]
    assert read_answer(provider, "third") == {"provider": "third_sector"}
    assert read_answer(provider, "") == {"provider": "unknown"}  # the pack's suggested answer


def test_yes_no_lengths_numbers_defaults_and_skipping(rules):
    qs = all_questions(rules)
    assert read_answer(qs["eu_exempt"], "Y") == {"eu_exempt": True}
    assert read_answer(qs["eu_exempt"], "") == {"eu_exempt": False}  # suggested: no
    assert read_answer(qs["eu_exempt"], "skip") == {}  # not stated
    assert read_answer(qs["years"], "3 years") == {"years": Fraction(3)}
    assert read_answer(qs["years"], "6 months") == {"years": Fraction(1, 2)}
    assert read_answer(qs["years"], "") == {}  # nothing suggested: not stated
    assert read_answer(qs["partners"], "") == {"partners": 1}
    with pytest.raises(AnswerError, match="greater than 0"):
        read_answer(qs["years"], "0")
    with pytest.raises(AnswerError, match="whole number"):
        read_answer(qs["partners"], "2.5")
    with pytest.raises(AnswerError, match="'maybe' is not yes or no"):
        read_answer(qs["gp_led"], "maybe")


# -- only what can change the answer --------------------------------------------------------


def test_above_every_other_band_the_method_questions_are_skipped(rules):
    # £120,000 a year, a contract: only the full process is eligible, and no indicator
    # or exception can change that, so providers, sector, service... are not asked.
    p = purchase(annual_value=120000, years=3, core_costs=False)
    matter = fields_that_matter(p, unstated(p, rules), rules)
    for name in ("providers", "sector", "service", "eu_exempt", "external_guidance"):
        assert name not in matter
    # The funding family is ruled out, so its questions cannot matter either.
    for name in ("timescale", "overlaps_vcs_activity", "strategic_organisation"):
        assert name not in matter
    # Contract types still depend on who provides it, on partners, and so on.
    for name in ("provider", "partners", "guaranteed_volume", "call_off", "gp_led"):
        assert name in matter


def test_between_two_eligible_methods_the_deciding_questions_are_asked(rules):
    p = purchase(annual_value=45000, years=3, core_costs=False)
    matter = fields_that_matter(p, unstated(p, rules), rules)
    assert {"providers", "sector"} <= matter  # they decide full process vs restricted


def test_each_skipped_field_really_cannot_change_the_decision(rules):
    # The claim checked by brute force: for every skipped field and every value it
    # can take, the method, contract types and obligations stay the same.
    p = purchase(annual_value=120000, years=3, core_costs=False)
    skipped = unstated(p, rules) - fields_that_matter(p, unstated(p, rules), rules)
    assert skipped
    before = route(p, rules)
    for name in skipped:
        decl = rules.fields[name]
        values = [v.id for v in decl.values] if decl.kind == "choice" else [True, False]
        for value in values:
            after = route(purchase(**p.data(), **{name: value}), rules)
            assert after.method == before.method, name
            assert after.contract_types == before.contract_types, name
            assert after.obligations == before.obligations, name


def test_once_the_contract_types_cannot_change_gp_led_is_not_asked(rules):
    flags = {n: False for n in optional(rules) if rules.fields[n].kind == "yes_no"}
    del flags["gp_led"]
    p = purchase(
        annual_value=3000,
        years=1,
        outcomes="less_certain",
        provider="unknown",
        partners=1,
        **flags,
    )
    assert "gp_led" in fields_that_matter(p, {"gp_led"}, rules)  # practice based commissioning
    done = purchase(**p.data(), gp_led=False)
    assert fields_that_matter(done, unstated(done, rules), rules) == set()


def test_what_matters_comes_from_the_pack_not_from_the_shipped_one(tmp_path):
    other = load_rules(southvale(tmp_path))
    # Below £25,000 only quotes are eligible, above £50,000 only a tender: the scores
    # cannot change the choice. Between them, the indicators decide.
    for value in (3000, 60000):
        alone = other.purchase(title="t", annual_value=value)
        assert fields_that_matter(alone, {"lots", "urgent"}, other) == set()
    both = other.purchase(title="t", annual_value=30000)
    assert fields_that_matter(both, {"lots", "urgent"}, other) == {"lots", "urgent"}


def test_years_matter_when_a_band_counts_the_whole_life(rules, tmp_path):
    assert years_matter({"annual_value": 45000}, rules)
    other = load_rules(southvale(tmp_path))
    assert years_matter({"annual_value": 45000}, other)  # its bands are whole-life values
    assert not years_matter({"total_value": 45000}, other)


def test_too_many_combinations_fall_back_to_asking_more_never_less(rules, monkeypatch):
    p = purchase(annual_value=45000, years=3)
    exact = fields_that_matter(p, unstated(p, rules), rules)
    monkeypatch.setattr(questions_module, "ROUTING_LIMIT", 0)
    rough = fields_that_matter(p, unstated(p, rules), rules)
    assert exact < rough  # "service" cannot matter, but only trying it shows that


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
        "no",  # for one person
        "yes",  # guaranteed volume
        "no",  # call-off
        "private",  # provider
        "1",  # partners
        "no",  # direct payment
        "no",  # GP led
    )
    p = run_interview(interview, term)
    text = out.getvalue()
    assert "'lots' is not a sum of money" in text and "Please try again" in text
    assert p.annual_value == Decimal(120000) and p.guaranteed_volume is True
    # The family is settled first, and the method questions could not change the
    # answer at £120,000 a year.
    assert (
        asked(text)[4]
        == "Is the money for an organisation's core costs, rather than for a specific service?"
    )
    assert "contestable market" not in text
    assert "providers" in interview.not_asked() and "sector" in interview.not_asked()
    assert "Not asked, because no answer could change the decision: providers" in " ".join(
        text.split()
    )
    assert route(p, rules).method.id == "full_competitive"


def test_a_file_missing_fields_is_completed_not_restarted(rules):
    given = {"title": "Befriending", "annual_value": "12k", "years": "1", "providers": "many"}
    interview = Interview(rules, given)
    term, out = scripted("certain", *[""] * 20)
    p = run_interview(interview, term, source="befriending.yaml")
    text = out.getvalue()
    assert "missing from befriending.yaml: outcomes" in text
    assert "What is being bought" not in text and "How much" not in text
    assert p.providers == "many"


def test_answers_that_break_a_rule_together_are_asked_again(rules):
    # £1,000,000,000,000 a year for 100 years passes the limit on a total value.
    interview = Interview(rules, {"title": "t", "outcomes": "certain"})
    term, out = scripted("1000000000000", "100", "45k", "3", *[""] * 20)
    p = run_interview(interview, term)
    assert "Those answers cannot be used together" in out.getvalue()
    assert p.annual_value == Decimal(45000) and p.years == 3


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


def test_an_interview_for_another_packs_fields(tmp_path):
    other = load_rules(southvale(tmp_path))
    term, out = scripted("Grounds maintenance", "30k", "1", "two", "2")
    p = run_interview(Interview(other), term)
    text = out.getvalue()
    # Once there are two lots the tender wins whether or not the need is urgent.
    assert asked(text) == [
        "What is being bought or funded?",
        "How much is it worth?",
        "How many years will it run?",
        "Into how many lots is it split?",
    ]
    assert "must be a whole number, written with the digits 0 to 9" in text
    assert "Not asked, because no answer could change the decision: urgent." in text
    assert p.lots == 2 and "urgent" not in p.stated
    assert route(p, other).method.id == "tender"


def test_only_missing_fields_start_an_interview(rules):
    assert can_interview({"title": "t"}, rules)
    assert not can_interview({"title": "t", "anual_value": 5}, rules)  # a typo: fix the file
    assert not can_interview({"title": "t", "years": "0"}, rules)  # a bad value: fix the file


def test_the_saved_answers_route_to_the_same_decision(rules):
    p = purchase(title="Day care: older people", total_value="135k", years="13 months")
    text = purchase_file_text(p, ["sector"], rules)
    data = yaml.safe_load(text)
    assert data == {
        "title": "Day care: older people",
        "total_value": 135000,
        "years": "13 months",
        "outcomes": "certain",
    }
    assert "Not asked, because no answer could change the decision" in text
    again = rules.purchase({k: str(v) for k, v in data.items()})
    assert route(again, rules).to_dict() == route(p, rules).to_dict()


def test_saved_answers_keep_pence_and_fractions_of_a_year_exactly(rules):
    p = purchase(annual_value="29999.99", years="0.25", partners="3")
    data = yaml.safe_load(purchase_file_text(p, [], rules))
    again = rules.purchase({k: str(v) for k, v in data.items()})
    assert again.annual_value == Decimal("29999.99") and again.years == Fraction(1, 4)
    assert route(again, rules).to_dict() == route(p, rules).to_dict()


def test_suggested_file_names_are_safe():
    assert (
        suggested_name("Day care (older people), city-wide")
        == "day-care-older-people-city-wide.yaml"
    )
    assert suggested_name("££££") == "purchase.yaml"
    assert suggested_name("../../etc/passwd") == "etc-passwd.yaml"


def test_declining_or_interrupting_the_offer_to_save_writes_nothing(rules, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = purchase(title="Day care", annual_value=45000)
    term, out = scripted("n")
    assert Session(Interview(rules), p, term).offer_to_save() is None
    term, out = scripted()  # Ctrl-D at the question
    assert Session(Interview(rules), p, term).offer_to_save() is None
    assert "Not saved." in out.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_saving_never_replaces_the_file_being_read(rules, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "p.yaml"
    source.write_text("title: Day care\n")
    p = purchase(title="Day care", annual_value=45000)
    term, out = scripted("y", "p.yaml", "n")  # told before being asked to replace it
    session = Session(Interview(rules), p, term, inputs=(str(source),))
    assert session.offer_to_save() is None
    assert "Not saved" in out.getvalue() and "is the file being read" in out.getvalue()
    assert "Replace it?" not in out.getvalue()
    assert source.read_text() == "title: Day care\n"


def test_saving_never_replaces_the_rule_pack_being_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pack = Path(southvale(tmp_path))
    before = pack.read_bytes()
    other = load_rules(pack)
    p = other.purchase({"title": "Lots", "annual_value": "30k", "lots": "1"})
    term, out = scripted("y", pack.name, "n")
    assert Session(Interview(other), p, term).offer_to_save() is None
    assert "Not saved" in out.getvalue() and "is the file being read" in out.getvalue()
    assert pack.read_bytes() == before


def test_the_conversation_shows_a_packs_control_characters_escaped(tmp_path):
    pack = southvale(tmp_path)
    with open(pack, encoding="utf-8") as handle:
        body = handle.read().replace(
            "question: Into how many lots is it split?",
            'question: "Into how many lots\\e[2J is it split?"',
        )
    with open(pack, "w", encoding="utf-8") as handle:
        handle.write(body)
    other = load_rules(pack)
    term, out = scripted("t", "30k", "1", "2", "no")
    run_interview(Interview(other), term)
    assert "\x1b" not in out.getvalue()
    assert "Into how many lots\\x1b[2J is it split?" in out.getvalue()
