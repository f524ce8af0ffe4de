"""Differential tests: `parse_case_fast` accepts and rejects exactly like `parse_case`, with equal results.

Cases are drawn near valid ones (the synthetic population and hand-made bases),
then fields are replaced by values of every JSON shape (odd spellings of dates
and amounts, whitespace, control characters, big and negative numbers, wrong
types), removed, or joined by unknown ones; events of `pgv_history` likewise.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.synth import generate_cases
from tests.support.cases import case_data
from decisions.amounts import JsonNumber
from decisions.errors import InvalidCase
from decisions.case_json import DuplicateKeys, LongInteger
from decisions.fast_inputs import load_case_fast, parse_case_fast
from decisions.inputs import CASE_FIELDS, load_case, loads_exact, parse_case

SYNTHETIC = list(generate_cases(60, seed=8))
EVENT = {"event_date": "2019-05-22", "place": "Westerwijtwerd", "magnitude": "3.4", "pgv_mm_s": "5.0"}
EVENT_FIELDS = tuple(EVENT)

texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "Eemsdelta", " Eemsdelta ", "a\tb", "x\n", "\x00", "Ten Boer", "1651200000012345",
                     "1651200000012345\n", "0000000000000000", "165120000001234",
                     # the free-text rule, the closed list of municipalities
                     "A\u202eB", "\ufeffX", "A\x85B", "A\x7f", "A\u200bB", "A\u2028", "\ud800", "A\xa0B", "X" * 64,
                     "X" * 65, "Eemsdelta ", "eemsdelta", "Pekela", "Aa en Hunze", "Loppersum", "IMG-1 ", "Zeerijp"]),
)
amount_texts = st.one_of(
    st.sampled_from(["0", "0.00", "0.0", "00", "01", "15000", "15000.5", "15000.50", "15000.505", "-1", "-0",
                     "1e3", "1E3", "NaN", "Infinity", "-Infinity", " 12", "12 ", "12\n", "1.", ".5", "+5", "1_000",
                     "12,50", "9" * 16, "9" * 15 + ".99", "9" * 30, "0.001", "٣", "99999999.99", "100000000",
                     "100000000.00", "\t5", "5 "]),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False).map(str),
    st.integers(-10, 10**12).map(str),
)
date_texts = st.one_of(
    st.sampled_from(["2026-02-16", "2023-07-01", "2023-06-30", "2026-02-30", "2026-13-01", "16-02-2026",
                     "20260216", "2026-W07-1", "2026-02-16\n", " 2026-02-16", "2026-02-16T00:00", "0000-01-01",
                     "9999-12-31", "2024-02-29", "2023-02-29", "２０２６-02-16"]),
    st.dates().map(lambda d: d.isoformat()),
)
number_texts = st.one_of(
    st.sampled_from(["3.4", "5.0", "5", "4.999", "-0.1", "-0", "0.0000001", "00.5", "1e1", "5.", "NaN", " 5",
                     "5\n", "1" * 20, "0." + "0" * 14 + "1", "9999.999999", "10000", "1.1234567", "-9999.5",
                     "3.4\n"]),
    st.decimals(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False).map(str),
)
json_numbers = st.one_of(st.sampled_from(["15000.00", "1.5", "1e3", "5.0", "-0.0"]).map(JsonNumber),
                        st.sampled_from(["1" + "0" * 30, "9" * 5000]).map(LongInteger))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**20), st.integers(9990, 10010), texts, amount_texts, date_texts,
    number_texts, json_numbers,
    st.just([]), st.just({}), st.just(["x"]), st.just(1.5),
)


def _plausible_for(field: str) -> st.SearchStrategy:
    if field.endswith("_eur"):
        plausible = st.one_of(amount_texts, st.integers(0, 10**6))
    elif field in ("assessed_on", "existing_dossier_since"):
        plausible = date_texts
    elif field == "pgv_5mms_events":
        plausible = st.integers(-2, 12)
    elif field == "pgv_history":
        plausible = st.one_of(st.none(), st.lists(events(), max_size=6))
    elif field in ("case_id", "address_id", "municipality"):
        plausible = texts
    else:
        plausible = st.booleans()
    return plausible


def _value_for(field: str) -> st.SearchStrategy:
    plausible = _plausible_for(field)
    return st.one_of(plausible, plausible, plausible, scalars)


@st.composite
def events(draw):
    event = dict(EVENT)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        action = draw(st.sampled_from(["set", "set", "set", "drop", "add"]))
        name = draw(st.sampled_from(EVENT_FIELDS))
        if action == "set":
            strategy = {"event_date": st.one_of(date_texts, scalars), "place": scalars,
                        "magnitude": st.one_of(number_texts, scalars),
                        "pgv_mm_s": st.one_of(number_texts, scalars)}[name]
            event[name] = draw(strategy)
        elif action == "drop":
            event.pop(name, None)
        else:
            event[draw(st.sampled_from(["depth", "Place", name + " "]))] = draw(scalars)
    if draw(st.integers(0, 19)) == 0:  # a key given twice
        event = DuplicateKeys(event)
        event.key = draw(st.sampled_from(EVENT_FIELDS))
    return draw(st.sampled_from([event] * 9 + [None, "x", 5, []]))


@st.composite
def case_dicts(draw):
    base = draw(st.one_of(st.sampled_from(SYNTHETIC), st.just(case_data())))
    data = json.loads(json.dumps(base))
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        action = draw(st.sampled_from(["set"] * 8 + ["drop", "add"]))
        name = draw(st.sampled_from(CASE_FIELDS))
        if action == "set":
            data[name] = draw(_value_for(name))
        elif action == "drop":
            data.pop(name, None)
        else:
            data[draw(st.sampled_from(["extra", "Case_id", name + "_x"]))] = draw(scalars)
    if draw(st.integers(0, 19)) == 0:  # a key given twice, as the JSON reader marks it
        data = DuplicateKeys(data)
        data.key = draw(st.sampled_from(CASE_FIELDS))
    return draw(st.sampled_from([data] * 19 + [None, [data], "{}"]))


@st.composite
def plausible_case_dicts(draw):
    """Mostly valid: one or two fields of a synthetic case set to values of the right JSON type."""
    data = json.loads(json.dumps(draw(st.sampled_from(SYNTHETIC))))
    for name in draw(st.lists(st.sampled_from(CASE_FIELDS), min_size=1, max_size=2, unique=True)):
        data[name] = draw(_plausible_for(name))
    return data


def _outcome(parse, data):
    try:
        return "ok", parse(data)
    except Exception as exc:  # the exception itself is the outcome compared
        return "error", (type(exc), str(exc), getattr(exc, "field", None), getattr(exc, "rule", None))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_dicts())
def test_fast_path_accepts_and_rejects_like_the_reference(data):
    reference = _outcome(parse_case, data)
    fast = _outcome(parse_case_fast, data)
    assert fast == reference
    if reference[0] == "ok":
        assert fast[1].pgv_history == reference[1].pgv_history
        for name in CASE_FIELDS:  # equal, and written the same (Decimal exponents included)
            assert repr(getattr(fast[1], name)) == repr(getattr(reference[1], name))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plausible_case_dicts())
def test_fast_path_agrees_on_mostly_valid_cases(data):
    test_fast_path_accepts_and_rejects_like_the_reference.hypothesis.inner_test(data)


@pytest.mark.parametrize("data", SYNTHETIC[:20])
def test_synthetic_cases_take_the_fast_path_and_agree(data):
    assert parse_case_fast(data) == parse_case(data)
    text = json.dumps(data)
    assert load_case_fast(text) == load_case(text)


def test_json_text_with_numbers_agrees():
    text = json.dumps(case_data()).replace('"20000.00"', "15000.10").replace('"2500.00"', "2.5e3")
    assert _outcome(load_case_fast, text) == _outcome(load_case, text)
    assert _outcome(parse_case_fast, loads_exact(text)) == _outcome(parse_case, loads_exact(text))


def test_declined_input_gets_the_reference_error():
    with pytest.raises(InvalidCase) as info:
        parse_case_fast(case_data(recognised_damage_eur="1.005"))
    assert str(info.value) == "recognised_damage_eur: must have at most two decimals (got 1.005)"


def test_amounts_keep_two_decimals():
    case = parse_case_fast(case_data(recognised_damage_eur="15000", structural_damage_eur="5000.5"))
    assert repr(case.recognised_damage_eur) == repr(Decimal("15000.00"))
    assert repr(case.structural_damage_eur) == repr(Decimal("5000.50"))
