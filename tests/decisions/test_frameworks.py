"""Every threshold edge of docs/rules.md, under every framework, with the exact expected decision."""

from datetime import date
from decimal import Decimal

import attrs
import pytest

from decisions.errors import InvalidCase
from decisions.evaluate import decision_to_data, evaluate
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import FRAMEWORKS, Cap, Parameter
from decisions.registry import framework_for_date, get_framework

ALL = ("pilot-2023", "pilot-2024", "2026")
ROUTES = ("interventieteam_vastgelopen_situaties", "commissie_bijzondere_situaties")


def outcome(case, framework):
    return evaluate(case, framework).outcome


def criterion(case, framework, code):
    return next(c for c in evaluate(case, framework).criteria if c.code == code)


# --- damage thresholds ---------------------------------------------------------------------


@pytest.mark.parametrize("framework", ["pilot-2023", "pilot-2024"])
@pytest.mark.parametrize("amount, passed", [("15000.00", True), ("14999.99", False)])
def test_pilot_recognised_damage_threshold(make_case, framework, amount, passed):
    case = make_case(recognised_damage_eur=amount, structural_damage_eur="0.00")
    result = criterion(case, framework, "damage_threshold")
    assert result.passed is passed
    assert (result.observed, result.required) == (amount, ">= 15000.00")
    assert outcome(case, framework) == ("eligible" if passed else "not_eligible")


@pytest.mark.parametrize("amount, passed", [("5000.00", True), ("4999.99", False)])
def test_2026_structural_damage_threshold(make_case, amount, passed):
    case = make_case(structural_damage_eur=amount)
    result = criterion(case, "2026", "damage_threshold")
    assert (result.passed, result.observed, result.required) == (passed, amount, ">= 5000.00")
    assert outcome(case, "2026") == ("eligible" if passed else "not_eligible")


def test_2026_ignores_total_recognised_damage(make_case):
    # 14,999.99 recognised fails the pilot but does not matter in 2026.
    case = make_case(recognised_damage_eur="14999.99", structural_damage_eur="5000.00")
    assert outcome(case, "pilot-2024") == "not_eligible"
    assert outcome(case, "2026") == "eligible"


def test_pilot_ignores_structural_damage(make_case):
    case = make_case(recognised_damage_eur="15000.00", structural_damage_eur="4999.99")
    assert outcome(case, "pilot-2023") == "eligible"
    assert outcome(case, "2026") == "not_eligible"


@pytest.mark.parametrize("framework", ALL)
@pytest.mark.parametrize("amount, passed", [("0.00", False), ("0.01", True)])
def test_unsettled_damage_edge(make_case, framework, amount, passed):
    case = make_case(unsettled_damage_eur=amount)
    result = criterion(case, framework, "unsettled_damage")
    assert (result.passed, result.observed, result.required) == (passed, amount, "> 0.00")
    assert outcome(case, framework) == ("eligible" if passed else "not_eligible")


# --- area -----------------------------------------------------------------------------------


@pytest.mark.parametrize("events, passed", [(3, False), (4, True)])
def test_2026_kerngebied_edge(make_case, events, passed):
    case = make_case(pgv_5mms_events=events)
    result = criterion(case, "2026", "area")
    assert (result.passed, result.observed, result.required) == (passed, str(events), ">= 4")
    # The pilot frameworks do not look at PGV.
    assert outcome(case, "pilot-2023") == outcome(case, "pilot-2024") == "eligible"


@pytest.mark.parametrize(
    "pilot, reinforcement, expected",
    [
        (True, False, {"pilot-2023": True, "pilot-2024": True}),
        (False, True, {"pilot-2023": False, "pilot-2024": True}),
        (False, False, {"pilot-2023": False, "pilot-2024": False}),
    ],
)
def test_pilot_area_and_2024_extension(make_case, pilot, reinforcement, expected):
    case = make_case(in_pilot_area=pilot, in_reinforcement_area=reinforcement)
    for framework, passed in expected.items():
        assert criterion(case, framework, "area").passed is passed


@pytest.mark.parametrize("framework", ALL)
def test_technical_cause_is_required(make_case, framework):
    case = make_case(technical_cause=False)
    assert not criterion(case, framework, "technical_cause").passed
    assert outcome(case, framework) == "not_eligible"


# --- caps -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "woz, cap, basis",
    [
        ("57000.00", "125000.00", "pilot_standard"),
        ("124999.99", "125000.00", "pilot_standard"),
        ("125000.00", "125000.00", "woz"),
        ("125000.01", "125000.01", "woz"),
        ("499999.99", "499999.99", "woz"),
        ("500000.00", "500000.00", "woz"),
        ("500000.01", "500000.00", "statutory_max"),
        ("245000.00", "245000.00", "woz"),
    ],
)
def test_2026_cap_is_woz_up_to_500k_never_below_125k(make_case, woz, cap, basis):
    """"Verhoging maximumbedrag": the WOZ value, at most 500,000.00, never below the former 125,000.00 (I-4)."""
    decision = evaluate(make_case(woz_value_eur=woz), "2026")
    data = decision_to_data(decision)
    assert (data["max_amount_eur"], data["cap_basis"]) == (cap, basis)
    assert ("I-4" in decision.interpretations) is (basis == "pilot_standard")


@pytest.mark.parametrize("woz", ["57000.00", "124999.99", "125000.00", "500000.01"])
def test_2026_monument_has_no_maximum_and_no_floor(make_case, woz):
    decision = evaluate(make_case(woz_value_eur=woz, rijksmonument=True, estimated_cost_eur="900000.00"), "2026")
    assert (decision.max_amount_eur, decision.cap_basis, decision.discretionary_exceedance) == (None, "rijksmonument", False)
    assert "I-4" not in decision.interpretations and "I-5" not in decision.interpretations


def test_the_literal_reading_of_i4_has_no_floor(make_case):
    decision = evaluate(make_case(woz_value_eur="57000.00"), "2026~I-4:letterlijk")
    assert (decision.max_amount_eur, decision.cap_basis) == (Decimal("57000.00"), "woz")
    assert decision.framework == "2026~I-4:letterlijk" and "I-4:letterlijk" in decision.interpretations


@pytest.mark.parametrize("woz", ["150000.00", "500000.00", "900000.00"])
def test_pilot_cap_is_125k_whatever_the_woz(make_case, woz):
    data = decision_to_data(evaluate(make_case(woz_value_eur=woz), "pilot-2024"))
    assert (data["max_amount_eur"], data["cap_basis"]) == ("125000.00", "pilot_standard")


def test_rijksmonument_is_uncapped_in_2026_only(make_case):
    case = make_case(rijksmonument=True, woz_value_eur="900000.00")
    data = decision_to_data(evaluate(case, "2026"))
    assert (data["max_amount_eur"], data["cap_basis"]) == (None, "rijksmonument")
    assert decision_to_data(evaluate(case, "pilot-2023"))["max_amount_eur"] == "125000.00"


@pytest.mark.parametrize("framework", ["pilot-2023", "pilot-2024"])
@pytest.mark.parametrize("cost, flagged", [("125000.00", False), ("125000.01", True), (None, False)])
def test_discretionary_exceedance_in_pilot(make_case, framework, cost, flagged):
    decision = evaluate(make_case(estimated_cost_eur=cost), framework)
    assert decision.discretionary_exceedance is flagged
    assert decision.max_amount_eur == Decimal("125000.00")


@pytest.mark.parametrize(
    "woz, cost, flagged",
    [
        ("245000.00", "245000.00", False), ("245000.00", "245000.01", True),  # the WOZ value
        ("57000.00", "125000.00", False), ("57000.00", "125000.01", True),  # the floor (I-4)
        ("900000.00", "500000.00", False), ("900000.00", "500000.01", True),  # the statutory maximum
        ("210000.00", "400000.00", True), ("245000.00", None, False),
    ],
)
def test_2026_discretionary_exceedance_i5(make_case, woz, cost, flagged):
    """The discretionary power stays an exception (I-5): flagged when the cost exceeds the maximum."""
    decision = evaluate(make_case(woz_value_eur=woz, estimated_cost_eur=cost), "2026")
    assert decision.discretionary_exceedance is flagged
    assert ("I-5" in decision.interpretations) is flagged
    abolished = evaluate(make_case(woz_value_eur=woz, estimated_cost_eur=cost), "2026~I-5:afgeschaft")
    assert abolished.discretionary_exceedance is False
    assert abolished.max_amount_eur == decision.max_amount_eur


def test_no_discretionary_flag_when_not_eligible(make_case):
    case = make_case(estimated_cost_eur="200000.00", technical_cause=False)
    assert not evaluate(case, "pilot-2024").discretionary_exceedance
    assert not evaluate(case, "2026").discretionary_exceedance


def test_not_eligible_has_no_cap(make_case):
    data = decision_to_data(evaluate(make_case(technical_cause=False), "2026"))
    assert (data["max_amount_eur"], data["cap_basis"], data["basis"]) == (None, None, None)


# --- transitional rule and I-1 -----------------------------------------------------------------


def outside_kerngebied(make_case, **overrides):
    facts = dict(pgv_5mms_events=2, assessed_on="2026-03-01", woz_value_eur="610000.00")
    facts.update(overrides)
    return make_case(**facts)


def test_transitional_dossier_opened_2025_12_31(make_case):
    case = outside_kerngebied(make_case, existing_dossier_since="2025-12-31")
    decision = evaluate(case, "2026")
    assert (decision.outcome, decision.basis) == ("eligible", "transitional")
    assert decision.max_amount_eur == Decimal("500000.00") and decision.cap_basis == "statutory_max"
    assert not criterion(case, "2026", "area").passed  # criteria are still shown
    assert decision.referral_routes == ()


def test_dossier_opened_2026_01_01_is_not_transitional(make_case):
    case = outside_kerngebied(make_case, existing_dossier_since="2026-01-01")
    decision = evaluate(case, "2026")
    assert (decision.outcome, decision.basis) == ("not_eligible", None)
    assert "I-1" not in decision.interpretations


def test_existing_dossier_outside_pilot_area_is_not_covered_i1(make_case):
    case = outside_kerngebied(make_case, existing_dossier_since="2024-09-12", in_pilot_area=False)
    decision = evaluate(case, "2026")
    assert decision.outcome == "not_eligible"
    assert decision.interpretations[0] == "I-1"
    assert decision.referral_routes == ROUTES
    assert evaluate(case, "pilot-2024").outcome == "eligible"


def test_transitional_dossier_with_a_low_woz_gets_the_increased_maximum(make_case):
    """"met toepassing van het verhoogde maximumbedrag": WOZ 109,000.00 gives 125,000.00, not 109,000.00."""
    case = outside_kerngebied(make_case, existing_dossier_since="2024-05-01", woz_value_eur="109000.00",
                              estimated_cost_eur="130000.00")
    decision = evaluate(case, "2026")
    assert (decision.basis, decision.max_amount_eur, decision.cap_basis) == (
        "transitional", Decimal("125000.00"), "pilot_standard")
    assert decision.discretionary_exceedance and decision.interpretations == ("I-2", "I-4", "I-5")
    literal = evaluate(case, "2026~I-4:letterlijk")
    assert literal.max_amount_eur == Decimal("109000.00")


def test_the_other_reading_of_i1_completes_every_existing_dossier(make_case):
    case = outside_kerngebied(make_case, existing_dossier_since="2024-09-12", in_pilot_area=False)
    decision = evaluate(case, "2026~I-1:alle-dossiers")
    assert (decision.outcome, decision.basis) == ("eligible", "transitional")
    assert "I-1:alle-dossiers" in decision.interpretations and "I-1" not in decision.interpretations


def test_transitional_monument_keeps_no_maximum(make_case):
    case = outside_kerngebied(make_case, existing_dossier_since="2024-01-05", rijksmonument=True)
    decision = evaluate(case, "2026")
    assert (decision.basis, decision.max_amount_eur, decision.cap_basis) == ("transitional", None, "rijksmonument")


def test_regular_beats_transitional(make_case):
    decision = evaluate(make_case(existing_dossier_since="2024-01-05"), "2026")
    assert decision.basis == "regular"


def test_transitional_needs_no_other_criterion(make_case):
    case = outside_kerngebied(make_case, existing_dossier_since="2024-01-05", technical_cause=False,
                              unsettled_damage_eur="0.00")
    assert evaluate(case, "2026").basis == "transitional"


# --- referral routes ---------------------------------------------------------------------------


def test_referral_routes_when_only_area_fails(make_case):
    decision = evaluate(make_case(pgv_5mms_events=3), "2026")
    assert decision.referral_routes == ROUTES
    assert decision.failed_criteria == ("area",)


@pytest.mark.parametrize("facts", [
    dict(pgv_5mms_events=3, technical_cause=False),
    dict(technical_cause=False),
    dict(structural_damage_eur="4999.99"),  # fails only the damage threshold
    dict(pgv_5mms_events=1, structural_damage_eur="3000.00"),  # outside the kerngebied, € 3,000 of ≥D3 damage
])
def test_every_not_eligible_2026_decision_lists_the_routes(make_case, facts):
    """"Voor individuele schrijnende gevallen in de rest van het effectgebied": whichever criterion fails."""
    decision = evaluate(make_case(**facts), "2026")
    assert decision.outcome == "not_eligible" and decision.referral_routes == ROUTES


def test_eligible_decisions_list_no_routes(make_case):
    assert evaluate(make_case(), "2026").referral_routes == ()


def test_a_route_is_data(make_case):
    """"onder meer": a route added to the framework's data is listed without any change to the code."""
    from decisions.frameworks import Route

    base = get_framework("2026")
    extra = Route("nationaal_coordinator_groningen", "ncg", "Nationaal Coördinator Groningen", "test")
    widened = attrs.evolve(base, id="2026-test", referral_routes=(*base.referral_routes, extra))
    decision = evaluate(make_case(technical_cause=False), widened)
    assert decision.referral_routes == (*ROUTES, "nationaal_coordinator_groningen")


def test_pilot_frameworks_have_no_referral_routes(make_case):
    assert evaluate(make_case(in_pilot_area=False, in_reinforcement_area=False), "pilot-2024").referral_routes == ()


# --- framework selection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2023-07-01", "pilot-2023"),
        ("2024-02-29", "pilot-2023"),
        ("2024-03-01", "pilot-2024"),
        ("2025-12-31", "pilot-2024"),
        ("2026-01-01", "2026"),
        ("2031-06-30", "2026"),
    ],
)
def test_framework_selected_by_assessed_on(make_case, day, expected):
    assert framework_for_date(date.fromisoformat(day)).id == expected
    assert evaluate(make_case(assessed_on=day)).framework == expected


def test_no_framework_before_2023_07_01(make_case):
    with pytest.raises(InvalidCase) as info:
        evaluate(make_case(assessed_on="2023-06-30"))
    assert info.value.field == "assessed_on"


def test_unknown_framework_is_bad_input(make_case):
    with pytest.raises(InvalidCase) as info:
        evaluate(make_case(), "2027")
    assert info.value.field == "framework"


def test_explicit_framework_overrides_the_date(make_case):
    assert evaluate(make_case(assessed_on="2024-05-01"), "2026").framework == "2026"


# --- fingerprints ------------------------------------------------------------------------------


def test_fingerprints_differ_per_framework_and_are_stable():
    prints = {framework_fingerprint(f) for f in FRAMEWORKS.values()}
    assert len(prints) == 3
    assert all(p.startswith("sha256:") and len(p) == 71 for p in prints)
    assert framework_fingerprint(get_framework("2026")) == framework_fingerprint(get_framework("2026"))


def test_fingerprint_changes_with_a_parameter():
    current = get_framework("2026")
    area, *rest = current.criteria
    patched_area = attrs.evolve(area, min_events=Parameter(5, date(2026, 1, 1), "test"))
    patched = attrs.evolve(current, criteria=(patched_area, *rest))
    assert framework_fingerprint(patched) != framework_fingerprint(current)
    damage = attrs.evolve(current.criteria[2], minimum=Parameter(Decimal("5000.01"), date(2026, 1, 1), "test"))
    patched = attrs.evolve(current, criteria=(current.criteria[0], current.criteria[1], damage, current.criteria[3]))
    assert framework_fingerprint(patched) != framework_fingerprint(current)


def test_sources_are_named(make_case):
    framework = get_framework("2026")
    assert "amendement Mulder (Kamerstuk 35 603, nr. 43)" in framework.legal_basis
    assert all("Kamerstuk 35 603, nr. 43" in f.legal_basis for f in FRAMEWORKS.values())
    damage = criterion(make_case(), "2026", "damage_threshold")
    assert "Sweco" in damage.basis and "Kamerstuk 33 529, nr. 1113" in damage.basis
    assert framework.evaluation_due.value == date(2027, 1, 1)
    assert "over een jaar geëvalueerd" in framework.evaluation_due.reference


@pytest.mark.parametrize("variant", ["2026~I-1:alle-dossiers", "2026~I-4:letterlijk", "2026~I-5:afgeschaft",
                                     "2026~I-4:letterlijk~I-5:afgeschaft"])
def test_a_variant_has_its_own_fingerprint(variant):
    fingerprints = {framework_fingerprint(get_framework(f)) for f in (*FRAMEWORKS, variant)}
    assert len(fingerprints) == len(FRAMEWORKS) + 1
    assert framework_fingerprint(get_framework(variant)) == framework_fingerprint(get_framework(variant))


@pytest.mark.parametrize("bad, message", [
    ("2026~I-4:ruim", "unknown reading 'I-4:ruim'"),
    ("2030~I-4:letterlijk", "unknown framework '2030'"),
    ("pilot-2024~I-4:letterlijk", "has no interpretation I-4"),
    ("2026~I-4:letterlijk~I-4:letterlijk", "at most once"),
    ("2026~", "unknown reading ''"),
])
def test_a_bad_variant_is_bad_input_naming_framework(bad, message):
    with pytest.raises(InvalidCase, match=message) as error:
        get_framework(bad)
    assert error.value.field == "framework"


def test_every_criterion_names_its_basis(make_case):
    for framework in ALL:
        for result in evaluate(make_case(), framework).criteria:
            assert "Kamerbrief" in result.basis or "Stcrt." in result.basis
    assert [c.code for c in evaluate(make_case()).criteria] == [
        "area", "technical_cause", "damage_threshold", "unsettled_damage"
    ]


# --- the candidate changes each criterion proposes (mutation testing, docs/mutation-testing.md) ----------------
# `counterfactuals` keeps only candidates that really flip the outcome, so a criterion that proposed a wrong or
# no change would only make an explanation silently shorter. These pin each criterion's candidates exactly.


def _criterion_of(framework_id, code):
    return next(c for c in FRAMEWORKS[framework_id].criteria if c.code == code)


def _flips(framework_id, code, case, passed):
    return [(fact, changed) for fact, changed in _criterion_of(framework_id, code).flips(case, passed)]


@pytest.mark.parametrize("framework_id, minimum, fact", [
    ("pilot-2023", "15000.00", "recognised_damage_eur"), ("2026", "5000.00", "structural_damage_eur"),
])
def test_damage_threshold_proposes_the_edge_on_the_other_side(make_case, framework_id, minimum, fact):
    case = make_case()
    for passed, target in ((True, Decimal(minimum) - Decimal("0.01")), (False, Decimal(minimum))):
        [(field, changed)] = _flips(framework_id, "damage_threshold", case, passed)
        assert field == fact and getattr(changed, fact) == target


def test_kern_area_proposes_one_event_fewer_than_needed_or_just_enough_and_drops_the_event_list(make_case):
    events = [{"event_date": f"201{i}-01-01", "place": "Zeerijp", "magnitude": "3.4", "pgv_mm_s": "6.0"}
              for i in range(5)]
    case = make_case(pgv_5mms_events=5, pgv_history=events)
    assert case.pgv_history is not None
    for passed, target in ((True, 3), (False, 4)):
        [(field, changed)] = _flips("2026", "area", case, passed)
        assert (field, changed.pgv_5mms_events, changed.pgv_history) == ("pgv_5mms_events", target, None)


def test_technical_cause_proposes_the_opposite(make_case):
    for passed in (True, False):
        [(field, changed)] = _flips("2026", "technical_cause", make_case(technical_cause=passed), passed)
        assert (field, changed.technical_cause) == ("technical_cause", not passed)


def test_unsettled_damage_proposes_nothing_left_or_one_cent(make_case):
    case = make_case(unsettled_damage_eur="2500.00")
    for passed, target in ((True, Decimal("0.00")), (False, Decimal("0.01"))):
        [(field, changed)] = _flips("2026", "unsettled_damage", case, passed)
        assert (field, changed.unsettled_damage_eur) == ("unsettled_damage_eur", target)


@pytest.mark.parametrize("framework_id, facts", [
    ("pilot-2023", ["in_pilot_area"]), ("pilot-2024", ["in_reinforcement_area", "in_pilot_area"]),
])
def test_pilot_area_proposes_each_area_when_outside(make_case, framework_id, facts):
    case = make_case(in_pilot_area=False, in_reinforcement_area=False)
    flips = _flips(framework_id, "area", case, False)
    assert [field for field, _ in flips] == facts
    for field, changed in flips:
        assert getattr(changed, field) is True
        assert [f for f in ("in_pilot_area", "in_reinforcement_area") if getattr(changed, f)] == [field]


def test_pilot_area_proposes_leaving_the_only_area_and_nothing_when_in_both(make_case):
    only_pilot = make_case(in_pilot_area=True, in_reinforcement_area=False)
    [(field, changed)] = _flips("pilot-2024", "area", only_pilot, True)
    assert (field, changed.in_pilot_area, changed.in_reinforcement_area) == ("in_pilot_area", False, False)
    only_reinforcement = make_case(in_pilot_area=False, in_reinforcement_area=True)
    [(field, changed)] = _flips("pilot-2024", "area", only_reinforcement, True)
    assert (field, changed.in_reinforcement_area) == ("in_reinforcement_area", False)
    # In both areas no single fact takes the case out of the area.
    assert _flips("pilot-2024", "area", make_case(in_pilot_area=True, in_reinforcement_area=True), True) == []


@pytest.mark.parametrize("woz, expected", [
    ("245000.00", Cap(Decimal("245000.00"), "woz", False, False)),
    ("600000.00", Cap(Decimal("500000.00"), "statutory_max", False, False)),
    ("100000.00", Cap(Decimal("125000.00"), "pilot_standard", False, True)),
])
def test_woz_cap_is_the_whole_cap_value(make_case, woz, expected):
    assert FRAMEWORKS["2026"].cap_rule.cap(make_case(woz_value_eur=woz)) == expected
