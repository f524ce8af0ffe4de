"""Hardship referrals (IVS, CBS): only where the decision allows one; the outcome is an exception_decision record."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from tests.support.casework_helpers import counts, open_casework, record
from audit.errors import BadInput
from audit.ledger.events import verify_objections
from audit.publication.objection_stats import referral_counts
from audit.casework.referrals import all_referrals, decide_referral, file_referral, get_referral
from audit.analysis.replay import NOT_REPLAYABLE, Installed, replay_record
from audit.ledger.scan import record_at
from audit.ledger.recording import record_case
from decisions.frameworks import CBS, IVS

# Fails only `area` under 2026 (2 events), WOZ value 245,000.00 (conftest's base case).
OUTSIDE_KERN = dict(case_id="VRW-1", pgv_5mms_events=2)


@pytest.fixture
def cw(tmp_path):
    casework = open_casework(tmp_path / "ledger.db")
    yield casework
    casework.ledger.close()


def refer(cw, seq, route="ivs", referred_on=date(2026, 3, 1), **kw):
    return file_referral(cw, seq=seq, route=route, referred_on=referred_on, actor="r.bakker", **kw)


def test_a_granted_referral_records_an_exception_decision_with_the_2026_cap(cw, tmp_path):
    seq = record(cw, **OUTSIDE_KERN)
    referred = cw.ledger.get(seq)
    assert referred.decision.referral_routes == (IVS, CBS)
    referral = refer(cw, seq, text="Schrijnende situatie.")
    assert (referral.status, referral.route, referral.decision_seq) == ("pending", IVS, seq)
    decided = decide_referral(cw, referral.id, granted=True, decided_on=date(2026, 4, 15), actor="r.bakker")
    assert decided.status == "granted" and decided.outcome.max_amount_eur == Decimal("245000.00")
    made = cw.ledger.get(decided.outcome.record_seq)
    assert (made.kind, made.supersedes, made.case_id) == ("exception_decision", seq, "VRW-1")
    d = made.decision
    assert (d.framework, d.framework_fingerprint) == (referred.decision.framework, referred.decision.framework_fingerprint)
    assert (d.outcome, d.basis, d.max_amount_eur, d.cap_basis) == ("eligible", "exception_ivs", Decimal("245000.00"), "woz")
    assert d.criteria == referred.decision.criteria and d.referral_routes == ()
    assert made.inputs == referred.inputs
    assert cw.ledger.latest("VRW-1").seq == made.seq
    assert cw.ledger.verify().ok and verify_objections(cw.conn) is None
    # Replay does not pretend to reproduce a discretionary outcome.
    assert replay_record(record_at(cw.conn, made.seq), Installed()).status == NOT_REPLAYABLE


def test_an_explicit_amount_a_refusal_and_a_rijksmonument(cw):
    seq = record(cw, **OUTSIDE_KERN)
    explicit = decide_referral(cw, refer(cw, seq).id, granted=True, decided_on=date(2026, 4, 1), actor="r",
                               max_amount="180000.5")
    made = cw.ledger.get(explicit.outcome.record_seq).decision
    assert (made.max_amount_eur, made.cap_basis) == (Decimal("180000.50"), "granted_by_route")

    other = record(cw, case_id="VRW-2", pgv_5mms_events=1)
    refused = decide_referral(cw, refer(cw, other, route="cbs").id, granted=False, decided_on=date(2026, 4, 1),
                              actor="r", note="Geen bijzondere situatie.")
    made = cw.ledger.get(refused.outcome.record_seq).decision
    assert refused.status == "refused"
    assert (made.outcome, made.basis, made.max_amount_eur, made.cap_basis) == ("not_eligible", "exception_cbs", None, None)

    monument = record(cw, case_id="VRW-3", pgv_5mms_events=0, rijksmonument=True)
    granted = decide_referral(cw, refer(cw, monument).id, granted=True, decided_on=date(2026, 4, 1), actor="r")
    made = cw.ledger.get(granted.outcome.record_seq).decision
    assert (made.max_amount_eur, made.cap_basis) == (None, "rijksmonument")
    assert cw.ledger.verify().ok and verify_objections(cw.conn) is None


@pytest.mark.parametrize("facts, message", [
    (dict(case_id="X", pgv_5mms_events=5), "allows no hardship referral: it is eligible"),
    (dict(case_id="X", assessed_on="2025-06-01", in_pilot_area=False, in_reinforcement_area=False),
     "framework pilot-2024 has no hardship routes"),
])
def test_a_referral_where_none_is_allowed_is_refused_and_writes_nothing(cw, tmp_path, facts, message):
    seq = record(cw, **facts)
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match=message) as error:
        refer(cw, seq, referred_on=date(2026, 3, 1))
    assert error.value.field == "seq"
    assert counts(tmp_path / "ledger.db") == before


@pytest.mark.parametrize("facts", [
    # Fails only the damage threshold: inside the kerngebied, 4,999.99 of ≥D3 damage.
    dict(case_id="D3-1", pgv_5mms_events=5, structural_damage_eur="4999.99"),
    # Outside the kerngebied with 3,000.00 of ≥D3 damage: fails area and damage_threshold.
    dict(case_id="D3-2", pgv_5mms_events=2, structural_damage_eur="3000.00"),
    # Fails everything but the area.
    dict(case_id="D3-3", pgv_5mms_events=6, technical_cause=False, structural_damage_eur="0.00",
         unsettled_damage_eur="0.00"),
])
def test_every_not_eligible_2026_decision_can_be_referred(cw, facts):
    """"Voor individuele schrijnende gevallen in de rest van het effectgebied": not only the area can fail."""
    seq = record(cw, **facts)
    decision = cw.ledger.get(seq).decision
    assert decision.outcome == "not_eligible" and decision.failed_criteria != ("area",)
    assert decision.referral_routes == (IVS, CBS)
    referral = refer(cw, seq, route="cbs")
    assert (referral.status, referral.route) == ("pending", CBS)
    granted = decide_referral(cw, referral.id, granted=True, decided_on=date(2026, 4, 1), actor="r.bakker")
    assert cw.ledger.get(granted.outcome.record_seq).decision.basis == "exception_cbs"
    assert cw.ledger.verify().ok and verify_objections(cw.conn) is None


def test_a_granted_referral_for_a_low_woz_value_gets_the_floor_and_names_i4(cw):
    seq = record(cw, case_id="LOW-1", pgv_5mms_events=2, woz_value_eur="57000.00")
    granted = decide_referral(cw, refer(cw, seq).id, granted=True, decided_on=date(2026, 4, 1), actor="r")
    made = cw.ledger.get(granted.outcome.record_seq).decision
    assert (made.max_amount_eur, made.cap_basis) == (Decimal("125000.00"), "pilot_standard")
    assert "I-4" in made.interpretations


def test_other_bad_referrals_are_refused_and_write_nothing(cw, tmp_path):
    seq = record(cw, **OUTSIDE_KERN)
    pending = refer(cw, seq)
    superseded = record(cw, case_id="VRW-2", pgv_5mms_events=2)
    record_case(cw.ledger, cw.ledger.get(superseded).inputs, kind="correction", supersedes=superseded)
    before = counts(tmp_path / "ledger.db")
    cases = [
        (dict(seq=seq, route="cbs"), "seq", "already has an open referral"),
        (dict(seq=seq + 10), "seq", "no record with seq"),
        (dict(seq=superseded), "id", "superseded by record"),
        (dict(seq=seq, route="nvwa"), "route", "must be one of ivs, cbs"),
        (dict(seq=seq, referred_on=date(2026, 1, 1)), "referred_on", "before the date of the decision"),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(BadInput, match=message) as error:
            refer(cw, **kwargs)
        assert error.value.field == field
    day = date(2026, 4, 1)
    with pytest.raises(BadInput, match="only for a granted referral") as amount:
        decide_referral(cw, pending.id, granted=False, decided_on=day, actor="r", max_amount="1000")
    assert amount.value.field == "max_amount"
    with pytest.raises(BadInput, match="at most two decimals") as decimals:
        decide_referral(cw, pending.id, granted=True, decided_on=day, actor="r", max_amount="1000.001")
    assert decimals.value.field == "max_amount"
    with pytest.raises(BadInput, match="before the referral") as early:
        decide_referral(cw, pending.id, granted=True, decided_on=date(2026, 2, 1), actor="r")
    assert early.value.field == "decided_on"
    with pytest.raises(BadInput, match="no referral with id 99"):
        get_referral(cw, 99)
    assert counts(tmp_path / "ledger.db") == before


def test_deciding_a_referral_twice_or_referring_the_same_route_again_is_refused(cw, tmp_path):
    seq = record(cw, **OUTSIDE_KERN)
    first = refer(cw, seq, route="ivs")
    decide_referral(cw, first.id, granted=False, decided_on=date(2026, 4, 1), actor="r")
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match=r"already decided \(refused on 2026-04-01\)"):
        decide_referral(cw, first.id, granted=True, decided_on=date(2026, 4, 2), actor="r")
    # The refusal superseded the referred decision: it is no longer in force.
    with pytest.raises(BadInput, match="superseded by record"):
        refer(cw, seq, route="cbs")
    assert counts(tmp_path / "ledger.db") == before


def test_a_referral_of_a_decision_superseded_meanwhile_cannot_be_decided(cw, tmp_path):
    seq = record(cw, **OUTSIDE_KERN)
    referral = refer(cw, seq)
    record_case(cw.ledger, cw.ledger.get(seq).inputs, kind="correction", supersedes=seq)
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match="superseded by record 2"):
        decide_referral(cw, referral.id, granted=True, decided_on=date(2026, 4, 1), actor="r")
    assert counts(tmp_path / "ledger.db") == before
    assert get_referral(cw, referral.id).status == "pending"


def test_referral_counts_per_quarter_route_and_outcome(cw):
    a = record(cw, case_id="VRW-1", pgv_5mms_events=2)
    b = record(cw, case_id="VRW-2", pgv_5mms_events=2)
    c = record(cw, case_id="VRW-3", pgv_5mms_events=2)
    decide_referral(cw, refer(cw, a, route="ivs", referred_on=date(2026, 2, 20)).id, granted=True,
                    decided_on=date(2026, 5, 1), actor="r")
    decide_referral(cw, refer(cw, b, route="cbs", referred_on=date(2026, 4, 1), text="Geheim").id, granted=False,
                    decided_on=date(2026, 5, 1), actor="r")
    refer(cw, c, route="cbs", referred_on=date(2026, 4, 2))
    rows = referral_counts(cw.conn)
    assert {(r.quarter, r.route, r.outcome): r.referrals for r in rows if r.referrals} == {
        ("2026-Q1", "ivs", "granted"): 1, ("2026-Q2", "cbs", "refused"): 1, ("2026-Q2", "cbs", "pending"): 1,
    }
    assert len(rows) == 2 * 2 * 3  # two quarters x two routes x three outcomes
    assert "Geheim" not in repr(rows) and "VRW" not in repr(rows)
    # A referral's id is its number among the referrals (VRW-1's referral is 1), not the seq of its event (3).
    assert [r.id for r in all_referrals(cw, "VRW-2")] == [2]
    assert [r.id for r in all_referrals(cw)] == [1, 2, 3]


def test_the_exception_record_and_its_event_agree(cw):
    seq = record(cw, **OUTSIDE_KERN)
    decided = decide_referral(cw, refer(cw, seq).id, granted=True, decided_on=date(2026, 4, 1), actor="r")
    event = decided.events[-1]
    row = sqlite3.connect(cw.ledger.path).execute(
        "SELECT hash, supersedes FROM records WHERE seq = ?", (event.payload["record_seq"],)).fetchone()
    assert row == (event.payload["record_hash"], seq)
    assert event.payload["max_amount_eur"] == "245000.00" and event.payload["cap_basis"] == "woz"
