"""Draft frameworks (decisions.drafts): checked input, the framework they build, and bulk = per-case for random drafts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions.decision import decide
from decisions.drafts import (
    DRAFT_PREFIX,
    NO_CEILING,
    OVERRIDABLE,
    draft_from_data,
    is_draft,
    overridable,
    sweep_values,
    with_parameter,
)
from decisions.errors import InvalidCase
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import FRAMEWORK_2026, PILOT_2024
from decisions.registry import get_framework
from decisions.vectorised import Columns, compile_framework, evaluate_columns
from tests.support.vector_cases import cases


def test_the_example_of_the_public_contract_builds_the_changed_framework():
    draft = draft_from_data({
        "base": "2026", "label": "Drie bevingen in plaats van vier",
        "parameters": {"area.min_events": 3}, "interpretations": {"I-1": "broad"},
    })
    framework = draft.framework
    assert framework.id == "draft:2026" and framework.title == "Drie bevingen in plaats van vier"
    assert framework.criteria[0].min_events.value == 3
    assert framework.transitional.original_pilot_area_only is False  # the I-1 reading, as the variant applies it
    assert "I-1:alle-dossiers" in [i.id for i in framework.interpretations]
    assert draft.fingerprint.startswith("draft:sha256:")
    assert is_draft(framework.id) and is_draft("2026", draft.fingerprint) and not is_draft("2026", "sha256:ab")


def test_a_reading_in_a_draft_is_the_named_variant_with_the_same_rules():
    draft = draft_from_data({"base": "2026", "interpretations": {"I-4": "letterlijk", "I-5": "abolished"}})
    variant = get_framework("2026~I-4:letterlijk~I-5:afgeschaft")
    same = attrs.evolve(draft.framework, id=variant.id, title=variant.title)
    assert same == variant


def test_a_draft_without_changes_is_its_base_under_another_id():
    draft = draft_from_data({"base": "2026"})
    assert attrs.evolve(draft.framework, id="2026", title=FRAMEWORK_2026.title) == FRAMEWORK_2026
    assert draft.fingerprint == DRAFT_PREFIX + framework_fingerprint(draft.framework)


def test_amounts_dates_and_null_are_typed_and_no_ceiling_never_binds():
    draft = draft_from_data({"parameters": {
        "damage_threshold.amount": "3000.00", "cap.statutory_max": None, "cap.floor": 100000,
        "transitional.dossier_opened_before": date(2025, 7, 1),
    }})
    framework = draft.framework
    assert framework.criteria[2].minimum.value == Decimal("3000.00")
    assert framework.cap_rule.statutory_max.value == NO_CEILING
    assert framework.cap_rule.floor.value == Decimal("100000.00")
    assert framework.transitional.dossier_opened_before.value == date(2025, 7, 1)
    assert draft.data()["parameters"] == {
        "damage_threshold.amount": "3000.00", "cap.statutory_max": None, "cap.floor": "100000.00",
        "transitional.dossier_opened_before": "2025-07-01",
    }


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"parameters": {"area.max_events": 3}}, "parameters.area.max_events", "unknown parameter"),
    ({"parameters": {"area.min_events": "3"}}, "parameters.area.min_events", "whole number"),
    ({"parameters": {"area.min_events": 3.0}}, "parameters.area.min_events", "whole number"),
    ({"parameters": {"area.min_events": True}}, "parameters.area.min_events", "whole number"),
    ({"parameters": {"area.min_events": -1}}, "parameters.area.min_events", "from 0"),
    ({"parameters": {"damage_threshold.amount": "-3000.00"}}, "parameters.damage_threshold.amount", "negative"),
    ({"parameters": {"damage_threshold.amount": -3000}}, "parameters.damage_threshold.amount", "negative"),
    ({"parameters": {"damage_threshold.amount": 3000.5}}, "parameters.damage_threshold.amount", "float"),
    ({"parameters": {"damage_threshold.amount": "3000.001"}}, "parameters.damage_threshold.amount", "two decimals"),
    ({"parameters": {"damage_threshold.amount": None}}, "parameters.damage_threshold.amount", "null"),
    ({"parameters": {"cap.statutory_max": "abc"}}, "parameters.cap.statutory_max", "plain decimal"),
    ({"parameters": {"cap.statutory_max": "100000.00"}}, "parameters.cap.floor", "above cap.statutory_max"),
    ({"parameters": {"transitional.dossier_opened_before": "1-1-2026"}},
     "parameters.transitional.dossier_opened_before", "YYYY-MM-DD"),
    ({"parameters": {"cap.standard_max": "1.00"}}, "parameters.cap.standard_max", "does not apply"),
    ({"parameters": ["area.min_events"]}, "parameters", "mapping"),
    ({"interpretations": {"I-2": "broad"}}, "interpretations.I-2", "unknown interpretation"),
    ({"interpretations": {"I-1": "wide"}}, "interpretations.I-1", "unknown reading"),
    ({"interpretations": {"I-4": "literal"}, "parameters": {"cap.floor": "1.00"}}, "parameters.cap.floor",
     "I-4"),
    ({"base": "2027"}, "base", "unknown framework"),
    ({"base": ["2026"]}, "base", "framework id"),
    ({"label": "a\nb"}, "label", "control"),
    ({"reforms": {}}, "reforms", "unknown field"),
])
def test_bad_drafts_are_refused_naming_the_field(data, field, words):
    with pytest.raises(InvalidCase) as caught:
        draft_from_data(data)
    assert caught.value.field == field
    assert words in caught.value.rule
    assert "\n" not in str(caught.value)


def test_a_draft_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(InvalidCase, match="^draft: must be a mapping"):
        draft_from_data(["base", "2026"])


def test_the_base_asked_for_must_match_the_draft():
    assert draft_from_data({}, "pilot-2024").base is PILOT_2024
    assert draft_from_data({"base": 2026}, "2026").base is FRAMEWORK_2026
    with pytest.raises(InvalidCase, match="^base: "):
        draft_from_data({"base": "2026"}, "pilot-2024")


def test_what_a_draft_may_change_lists_current_values():
    names = {spec.name: current for spec, current in overridable(FRAMEWORK_2026)}
    assert list(names) == ["area.min_events", "damage_threshold.amount", "cap.statutory_max", "cap.floor",
                           "transitional.dossier_opened_before"]
    assert names["area.min_events"].value == 4
    assert {spec.name for spec, _ in overridable(PILOT_2024)} == {"damage_threshold.amount", "cap.standard_max"}
    assert len({o.name for o in OVERRIDABLE}) == len(OVERRIDABLE)


def test_sweep_values():
    assert sweep_values("area.min_events=2..6") == ("area.min_events", [2, 3, 4, 5, 6])
    assert sweep_values("damage_threshold.amount=3000,5000,7500") == (
        "damage_threshold.amount", ["3000", "5000", "7500"])
    assert sweep_values("cap.statutory_max=500000,null") == ("cap.statutory_max", ["500000", None])
    for bad, words in [("area.min_events", "PARAMETER="), ("nope=1,2", "unknown parameter"),
                       ("damage_threshold.amount=1..5", "whole numbers"), ("area.min_events=6..2", "empty"),
                       ("area.min_events=a,b", "whole numbers"), ("area.min_events=3,3", "at most once"),
                       ("area.min_events=0..99", "at most")]:
        with pytest.raises(InvalidCase, match=words):
            sweep_values(bad)
    assert with_parameter({"base": "2026"}, "area.min_events", 2).framework.criteria[0].min_events.value == 2


# --- the differential test: random drafts, the column forms against `decide` --------------------

_AMOUNT_TEXT = st.integers(min_value=0, max_value=60_000_000).map(lambda c: f"{c // 100}.{c % 100:02d}")


@st.composite
def drafts_2026(draw) -> dict:
    parameters = {}
    if draw(st.booleans()):
        parameters["area.min_events"] = draw(st.integers(min_value=0, max_value=12))
    if draw(st.booleans()):
        parameters["damage_threshold.amount"] = draw(st.one_of(_AMOUNT_TEXT, st.sampled_from(["3000.00", "7500"])))
    statutory = draw(st.one_of(st.none(), st.just("keep"), _AMOUNT_TEXT.filter(lambda a: Decimal(a) > 0)))
    if statutory != "keep":
        parameters["cap.statutory_max"] = statutory
    interpretations = {}
    if draw(st.booleans()):
        interpretations["I-1"] = "broad"
    low = Decimal(parameters.get("cap.statutory_max") or NO_CEILING)
    if draw(st.booleans()):
        interpretations["I-4"] = "literal"
    elif draw(st.booleans()) or low < FRAMEWORK_2026.cap_rule.floor.value:  # a floor above the ceiling is refused
        parameters["cap.floor"] = draw(st.one_of(st.none(), _AMOUNT_TEXT.filter(lambda a: Decimal(a) <= low)))
    if draw(st.booleans()):
        interpretations["I-5"] = "abolished"
    if draw(st.booleans()):
        parameters["transitional.dossier_opened_before"] = draw(
            st.dates(min_value=date(2023, 7, 1), max_value=date(2027, 12, 31))).isoformat()
    return {"base": "2026", "parameters": parameters, "interpretations": interpretations}


@settings(max_examples=150, deadline=None)
@given(drafts_2026(), st.lists(cases(), min_size=1, max_size=25))
def test_random_drafts_decide_in_bulk_as_decide_does_case_by_case(data, batch):
    draft = draft_from_data(data)
    framework, fingerprint = draft.framework, draft.fingerprint
    decided = evaluate_columns(compile_framework(framework), Columns.from_cases(batch))
    for i, case in enumerate(batch):
        assert decided.decision(i, fingerprint) == decide(case, framework, fingerprint)
