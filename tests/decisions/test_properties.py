"""Hypothesis invariants of the decision logic."""

import json
from datetime import date
from decimal import ROUND_DOWN, Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions.counterfactual import apply_change, counterfactuals
from decisions.evaluate import decision_to_data, decision_to_json, evaluate
from decisions.inputs import case_to_data, parse_case

FRAMEWORK_IDS = st.sampled_from(["pilot-2023", "pilot-2024", "2026"])
cents = st.integers(min_value=0, max_value=60_000_000).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def cases(draw):
    recognised = draw(cents)
    structural = draw(st.integers(0, int(recognised * 100)).map(lambda c: Decimal(c).scaleb(-2)))
    unsettled = draw(st.one_of(st.just(Decimal("0.00")), st.integers(0, int(recognised * 100)).map(lambda c: Decimal(c).scaleb(-2))))
    assessed = draw(st.dates(min_value=date(2023, 7, 1), max_value=date(2027, 12, 31)))
    dossier = draw(st.one_of(st.none(), st.dates(min_value=date(2023, 7, 1), max_value=assessed)))
    data = {
        "case_id": "PROP-1",
        "address_id": "1651200000012345",
        "municipality": draw(st.sampled_from(["Eemsdelta", "Groningen", "Het Hogeland"])),
        "assessed_on": assessed.isoformat(),
        "technical_cause": draw(st.booleans()),
        "recognised_damage_eur": f"{recognised:.2f}",
        "unsettled_damage_eur": f"{unsettled:.2f}",
        "structural_damage_eur": f"{structural:.2f}",
        "woz_value_eur": f"{draw(cents):.2f}",
        "rijksmonument": draw(st.booleans()),
        "pgv_5mms_events": draw(st.integers(0, 12)),
        "in_pilot_area": draw(st.booleans()),
        "in_reinforcement_area": draw(st.booleans()),
        "existing_dossier_since": None if dossier is None else dossier.isoformat(),
        "estimated_cost_eur": draw(st.one_of(st.none(), cents.map(lambda d: f"{d:.2f}"))),
    }
    return parse_case(data)


@given(cases())
def test_2026_never_gives_an_eligible_non_monument_less_than_125k(case):
    """I-4: the 2026 maximum is an increase; the former € 125,000 is its floor. A monument has no maximum."""
    decision = evaluate(case, "2026")
    if decision.eligible:
        if case.rijksmonument:
            assert decision.max_amount_eur is None
        else:
            assert Decimal("125000.00") <= decision.max_amount_eur <= Decimal("500000.00")
            assert decision.max_amount_eur >= min(case.woz_value_eur, Decimal("500000.00"))
            assert ("I-4" in decision.interpretations) is (case.woz_value_eur < Decimal("125000.00"))
        cost = case.estimated_cost_eur
        expected = not case.rijksmonument and cost is not None and cost > decision.max_amount_eur
        assert decision.discretionary_exceedance is expected
    else:
        assert decision.referral_routes == ("interventieteam_vastgelopen_situaties", "commissie_bijzondere_situaties")


@given(cases(), FRAMEWORK_IDS)
def test_deterministic_bytes(case, framework):
    assert decision_to_json(evaluate(case, framework)) == decision_to_json(evaluate(case, framework))
    reparsed = parse_case(json.loads(json.dumps(case_to_data(case))))
    assert decision_to_json(evaluate(reparsed, framework)) == decision_to_json(evaluate(case, framework))


@given(cases(), FRAMEWORK_IDS, cents, cents, st.integers(0, 5))
def test_more_damage_or_events_never_hurts(case, framework, extra_recognised, extra_part, extra_events):
    before = evaluate(case, framework)
    more = attrs.evolve(
        case,
        recognised_damage_eur=case.recognised_damage_eur + extra_recognised + extra_part,
        structural_damage_eur=case.structural_damage_eur + extra_part,
        unsettled_damage_eur=case.unsettled_damage_eur + extra_part,
        pgv_5mms_events=case.pgv_5mms_events + extra_events,
        pgv_history=None,
    )
    if before.eligible:
        assert evaluate(more, framework).eligible


@given(cases())
def test_2026_cap_never_above_500k_unless_monument(case):
    decision = evaluate(case, "2026")
    if decision.eligible and not case.rijksmonument:
        assert decision.max_amount_eur is not None
        assert decision.max_amount_eur <= Decimal("500000.00")
        assert decision.max_amount_eur <= max(case.woz_value_eur, Decimal("125000.00"))  # the floor (I-4)
    if decision.eligible and case.rijksmonument:
        assert decision.max_amount_eur is None and decision.cap_basis == "rijksmonument"


@given(cases())
def test_cattrs_round_trip_is_identity(case):
    assert parse_case(case_to_data(case)) == case


def _no_floats(value):
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(_no_floats(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_no_floats(v) for v in value)
    return True


@given(cases(), FRAMEWORK_IDS)
def test_no_float_reaches_a_decision(case, framework):
    decision = evaluate(case, framework)
    assert _no_floats(decision_to_data(decision))
    assert _no_floats(attrs.asdict(decision))
    assert _no_floats(attrs.asdict(case))


@settings(max_examples=300)
@given(cases(), FRAMEWORK_IDS)
def test_counterfactual_flips_and_half_of_it_does_not(case, framework):
    decision = evaluate(case, framework)
    for cf in counterfactuals(case, framework, decision):
        current = getattr(case, cf.field)
        target = getattr(apply_change(case, cf.field, _parse(cf.field, cf.changed_to)), cf.field)
        assert evaluate(apply_change(case, cf.field, target), framework).outcome == cf.outcome != decision.outcome
        if isinstance(current, bool):
            continue
        delta = target - current
        half = int(delta / 2) if isinstance(delta, int) else (delta / 2).quantize(Decimal("0.01"), ROUND_DOWN)
        assert evaluate(apply_change(case, cf.field, current + half), framework).outcome == decision.outcome


def _parse(field, text):
    if field == "pgv_5mms_events":
        return int(text)
    if field.endswith("_eur"):
        return Decimal(text)
    return text == "true"
