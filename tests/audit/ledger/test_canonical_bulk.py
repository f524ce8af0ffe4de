"""The direct renderers of `audit.ledger.canonical_bulk` are byte-identical to the canonical form of `audit.ledger.canonical`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.ledger.canonical import canonical_json, record_bytes
from audit.ledger.canonical_bulk import decision_text, inputs_text, record_bytes_from_stored, record_text_bytes
from audit.synth import generate_cases
from tests.support.cases import case_data
from decisions.evaluate import decision_to_data, evaluate
from decisions.frameworks import CriterionResult
from decisions.input_rules import AMOUNT_LIMIT
from decisions.inputs import PgvEvent, case_to_data, parse_case
from decisions.municipalities import NAMES as MUNICIPALITY_NAMES

SYNTHETIC = [parse_case(data) for data in generate_cases(40, seed=9)]
FRAMEWORKS = st.sampled_from([None, "pilot-2023", "pilot-2024", "2026"])
any_text = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20).filter(lambda t: t.strip())
json_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
cents = st.integers(0, 10**13).map(lambda c: Decimal(c).scaleb(-2))
case_cents = st.integers(0, int(AMOUNT_LIMIT) * 100 - 1).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def cases(draw):
    case = draw(st.sampled_from(SYNTHETIC + [parse_case(case_data())]))
    printable = any_text.filter(lambda t: t.isprintable() and t == t.strip(" "))  # the rule of free-text facts
    events = draw(st.one_of(st.none(), st.lists(st.builds(
        PgvEvent,
        event_date=st.dates(max_value=date(2025, 12, 31)),
        place=printable,
        magnitude=st.tuples(st.integers(-9999, 9999), st.integers(0, 6)).map(lambda t: Decimal(t[0]).scaleb(-t[1])),
        pgv_mm_s=st.decimals(min_value=0, max_value=Decimal("4.9"), allow_nan=False, places=3),
    ), max_size=4)))
    recognised = draw(case_cents)
    return attrs.evolve(
        case,
        case_id=draw(printable),
        municipality=draw(st.sampled_from(sorted(MUNICIPALITY_NAMES))),
        pgv_history=None if events is None else tuple(events),
        pgv_5mms_events=0 if events is not None else case.pgv_5mms_events,
        recognised_damage_eur=recognised,
        unsettled_damage_eur=min(draw(case_cents), recognised),
        structural_damage_eur=min(draw(case_cents), recognised),
        woz_value_eur=draw(case_cents),
        estimated_cost_eur=draw(st.one_of(st.none(), case_cents)),
        rijksmonument=draw(st.booleans()),
    )


@settings(max_examples=400, deadline=None)
@given(cases())
def test_inputs_text_is_the_canonical_json(case):
    assert inputs_text(case) == canonical_json(case_to_data(case))


@settings(max_examples=400, deadline=None)
@given(cases(), FRAMEWORKS)
def test_decision_text_is_the_canonical_json(case, framework):
    decision = evaluate(case, framework)
    assert decision_text(decision) == canonical_json(decision_to_data(decision))


@settings(max_examples=200, deadline=None)
@given(cases(), json_text, json_text, st.booleans(), st.one_of(st.none(), st.text(max_size=8)),
       st.one_of(st.none(), cents))
def test_decision_text_with_odd_strings(case, observed, basis, passed, cap_basis, amount):
    decision = evaluate(case)
    criteria = (CriterionResult("area", passed, observed, "≥ 4 \"kern\"\\gebied", basis), *decision.criteria[1:])
    odd = attrs.evolve(decision, criteria=criteria, cap_basis=cap_basis, max_amount_eur=amount,
                       interpretations=(observed,), referral_routes=(basis, "x"))
    assert decision_text(odd) == canonical_json(decision_to_data(odd))


def test_unusual_values_go_to_the_reference():
    case = SYNTHETIC[0]
    decision = evaluate(case)
    listed = attrs.evolve(decision, referral_routes=["a", "b"])  # a list, not a tuple: still the same text
    assert decision_text(listed) == canonical_json(decision_to_data(listed))
    criteria = (attrs.evolve(decision.criteria[0], observed=Decimal("4")), *decision.criteria[1:])
    odd = attrs.evolve(decision, criteria=criteria)  # not JSON: both refuse it the same way
    with pytest.raises(TypeError, match="Decimal is not JSON serializable"):
        canonical_json(decision_to_data(odd))
    with pytest.raises(TypeError, match="Decimal is not JSON serializable"):
        decision_text(odd)


@settings(max_examples=500, deadline=None)
@given(
    seq=st.integers(1, 10**12), record_id=json_text, case_id=json_text, kind=json_text,
    supersedes=st.one_of(st.none(), st.integers(1, 10**12)), recorded_at=json_text, framework=json_text,
    fingerprint=json_text, engine=json_text, inputs=json_text, decision=json_text, actor=json_text,
    prev_hash=json_text,
)
def test_record_text_bytes_is_record_bytes(seq, record_id, case_id, kind, supersedes, recorded_at, framework,
                                           fingerprint, engine, inputs, decision, actor, prev_hash):
    fields = dict(seq=seq, record_id=record_id, case_id=case_id, kind=kind, supersedes=supersedes,
                  recorded_at=recorded_at, framework=framework, framework_fingerprint=fingerprint,
                  engine_version=engine, canonical_version=1, inputs=inputs, decision=decision, actor=actor,
                  prev_hash=prev_hash)
    assert record_text_bytes(*fields.values()) == record_bytes(**fields)


def test_record_text_bytes_of_other_types_is_record_bytes():
    fields = dict(seq=True, record_id=5, case_id="c", kind="assessment", supersedes=None, recorded_at="t",
                  framework="2026", framework_fingerprint="sha256:0", engine_version="1", canonical_version=1,
                  inputs="{}", decision="{}", actor="a", prev_hash="0" * 64)
    assert record_text_bytes(*fields.values()) == record_bytes(**fields)


@settings(max_examples=500, deadline=None)
@given(
    seq=st.integers(1, 10**12), record_id=json_text, case_id=json_text, kind=json_text,
    supersedes=st.one_of(st.none(), st.integers(1, 10**12)), recorded_at=json_text, framework=json_text,
    fingerprint=json_text, engine=json_text, inputs=json_text, decision=json_text, actor=json_text,
    prev_hash=json_text,
)
def test_record_bytes_from_stored_is_record_bytes(seq, record_id, case_id, kind, supersedes, recorded_at, framework,
                                                  fingerprint, engine, inputs, decision, actor, prev_hash):
    fields = dict(seq=seq, record_id=record_id, case_id=case_id, kind=kind, supersedes=supersedes,
                  recorded_at=recorded_at, framework=framework, framework_fingerprint=fingerprint,
                  engine_version=engine, canonical_version=1, inputs=inputs, decision=decision, actor=actor,
                  prev_hash=prev_hash)
    stored = [*fields.values()]
    stored[10], stored[11] = inputs.encode("utf-8"), decision.encode("utf-8")
    assert record_bytes_from_stored(*stored) == record_bytes(**fields)


def test_record_bytes_from_stored_of_other_types_is_record_bytes():
    fields = dict(seq=3, record_id=5, case_id="c", kind="assessment", supersedes=2.0, recorded_at="t",
                  framework="2026", framework_fingerprint="sha256:0", engine_version="1", canonical_version=1,
                  inputs="{}", decision='{"a":"é"}', actor=None, prev_hash="0" * 64)
    stored = [*fields.values()]
    stored[10], stored[11] = b"{}", '{"a":"é"}'.encode()
    assert record_bytes_from_stored(*stored) == record_bytes(**fields)
    with pytest.raises(UnicodeDecodeError):
        record_bytes_from_stored(*stored[:10], b"\xff", *stored[11:])
