"""Case facts (docs/input.md): exact parsing, strict types, consistency, one error naming the field."""

import json
from decimal import Decimal

import pytest

from tests.support.cases import case_data
from decisions.errors import InvalidCase
from decisions.inputs import case_to_data, load_case, parse_case


def error_for(data) -> InvalidCase:
    with pytest.raises(InvalidCase) as info:
        parse_case(data)
    return info.value


def test_amounts_are_exact_decimals():
    case = parse_case(case_data(recognised_damage_eur="15000", unsettled_damage_eur=12,
                                structural_damage_eur="5000.5"))
    assert case.recognised_damage_eur == Decimal("15000.00")
    assert case.unsettled_damage_eur == Decimal("12.00")
    assert case.structural_damage_eur == Decimal("5000.50")
    assert all(isinstance(v, Decimal) for v in (case.recognised_damage_eur, case.woz_value_eur))


def test_json_numbers_are_read_without_float():
    text = json.dumps(case_data()).replace('"20000.00"', "15000.10")
    assert load_case(text).recognised_damage_eur == Decimal("15000.10")


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("recognised_damage_eur", "-1", "negative"),
        ("recognised_damage_eur", "1.005", "two decimals"),
        ("woz_value_eur", 1.5, "float"),
        ("woz_value_eur", True, "boolean"),
        ("woz_value_eur", "NaN", "plain decimal"),
        ("woz_value_eur", "Infinity", "plain decimal"),
        ("woz_value_eur", "1e3", "plain decimal"),
        ("woz_value_eur", "", "plain decimal"),
        ("estimated_cost_eur", "12,50", "plain decimal"),
        ("technical_cause", "true", "JSON boolean"),
        ("rijksmonument", 1, "JSON boolean"),
        ("pgv_5mms_events", "4", "whole number"),
        ("pgv_5mms_events", -1, "negative"),
        ("pgv_5mms_events", True, "whole number"),
        ("assessed_on", "16-02-2026", "YYYY-MM-DD"),
        ("assessed_on", "2026-02-30", "calendar date"),
        ("address_id", "12345", "16 digits"),
        ("address_id", 1651200000012345, "16 digits"),
        ("case_id", "", "empty"),
        ("municipality", 7, "string"),
    ],
)
def test_bad_values_name_the_field(field, value, words):
    error = error_for(case_data(**{field: value}))
    assert error.field == field
    assert words in error.rule
    assert "\n" not in str(error)


def test_missing_and_unknown_fields():
    data = case_data()
    del data["woz_value_eur"]
    assert error_for(data).field == "woz_value_eur"
    assert "missing" in error_for(data).rule
    assert error_for(case_data(owner_name="x")).field == "owner_name"


def test_optional_fields_may_be_left_out():
    data = case_data()
    for name in ("existing_dossier_since", "estimated_cost_eur"):
        del data[name]
    case = parse_case(data)
    assert case.existing_dossier_since is None and case.estimated_cost_eur is None


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"unsettled_damage_eur": "20000.01"}, "unsettled_damage_eur"),
        ({"structural_damage_eur": "20000.01"}, "structural_damage_eur"),
        ({"existing_dossier_since": "2026-02-17"}, "existing_dossier_since"),
        ({"existing_dossier_since": "2023-06-30"}, "existing_dossier_since"),
    ],
)
def test_inconsistent_facts_are_refused(overrides, field):
    assert error_for(case_data(**overrides)).field == field


def history(*events):
    return [{"event_date": d, "place": "Zeerijp", "magnitude": "3.4", "pgv_mm_s": p} for d, p in events]


def test_pgv_history_must_agree_with_the_count():
    events = history(("2012-08-16", "5.0"), ("2018-01-08", "4.99"), ("2026-03-01", "9.0"))
    assert parse_case(case_data(pgv_5mms_events=1, pgv_history=events)).pgv_5mms_events == 1
    error = error_for(case_data(pgv_5mms_events=2, pgv_history=events))
    assert error.field == "pgv_5mms_events"


def test_pgv_history_errors_name_the_event():
    events = history(("2012-08-16", "5.0"))
    events[0]["pgv_mm_s"] = 5.0
    assert error_for(case_data(pgv_5mms_events=1, pgv_history=events)).field == "pgv_history[0].pgv_mm_s"
    events = history(("2012-08-16", "5.0"))
    events[0]["depth"] = "3"
    assert error_for(case_data(pgv_5mms_events=1, pgv_history=events)).field == "pgv_history[0].depth"


def test_malformed_json_is_one_clear_error():
    with pytest.raises(InvalidCase) as info:
        load_case('{"case_id": ')
    assert info.value.field == "(json)"
    with pytest.raises(InvalidCase) as info:
        load_case(json.dumps(case_data()).replace('"20000.00"', "NaN"))
    assert info.value.field == "recognised_damage_eur"


def test_round_trip_through_data():
    events = history(("2012-08-16", "21.4"), ("2018-01-08", "4.70"))
    case = parse_case(case_data(pgv_5mms_events=1, pgv_history=events, existing_dossier_since="2024-01-10",
                                estimated_cost_eur="130000"))
    assert parse_case(case_to_data(case)) == case
    assert case_to_data(case)["estimated_cost_eur"] == "130000.00"
