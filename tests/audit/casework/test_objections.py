"""Objections (docs/replay-and-analysis.md, issue #7): legal dates through `audit.casework.deadlines`, outcomes, supersession, bad input.

Calendar golden values are worked out by hand in the comments. 2026 facts used:
1 January 2026 is a Thursday; Easter Sunday is 5 April, so Hemelvaartsdag is
Thursday 14 May and Tweede Pinksterdag Monday 25 May; 15 May 2026 is a designated
day (Besluit gelijkstelling); Koningsdag is Monday 27 April.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from tests.support.casework_helpers import counts, open_casework, record
from tests.support.cases import case_data
from audit.analysis.compare import compare_ledger
from audit.errors import BadInput
from audit.ledger.events import verify_objections
from audit.publication.objection_stats import ObjectionCount, objection_counts
from audit.casework.objections import (
    all_objections,
    decide_objection,
    extend_objection,
    file_objection,
    get_objection,
    overdue,
)
from decisions.frameworks import FRAMEWORK_2026
from decisions.registry import get_framework
from audit.ledger.recording import record_case
from decisions.inputs import parse_case

# The contested decision: 2026, three PGV events (fails only `area`), assessed 16 February 2026.
CONTESTED = dict(case_id="BZW-1", pgv_5mms_events=3)
# Sent on Tuesday 17 February 2026. Awb 6:8: the 12-week period starts the day after,
# so its last day by counting is 17 Feb + 84 days = Tuesday 12 May 2026: a working day
# (Hemelvaart is two days later), so no Atw roll. 12 May is on time, 13 May is late.
SENT = date(2026, 2, 17)
LAST_DAY = date(2026, 5, 12)
DAY_AFTER = date(2026, 5, 13)


@pytest.fixture
def cw(tmp_path):
    casework = open_casework(tmp_path / "ledger.db")
    yield casework
    casework.ledger.close()


def file(cw, seq, received_on=date(2026, 3, 2), committee=True, grounds=("area",), text="Vijf bevingen.", **kw):
    return file_objection(
        cw, seq=seq, sent_on=kw.pop("sent_on", SENT), received_on=received_on, committee_hears=committee,
        grounds=grounds, text=text, actor="r.devries", **kw,
    )


def corrected(**facts):
    return parse_case(case_data(**{**CONTESTED, **facts}))


# --- deadlines ---------------------------------------------------------------------------------


def test_objection_on_the_exact_last_day_is_on_time_with_hand_computed_dates(cw):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, received_on=LAST_DAY)
    tl = objection.timeline
    assert tl.on_time and tl.on_time_basis == "Awb 6:9(1)" and tl.days_late == 0
    assert tl.objection_period_end == LAST_DAY
    # Committee hears it: 12 weeks counted from the day after 12 May: 12 May + 84 days =
    # Tuesday 4 August 2026, a working day.
    assert tl.decision_due == date(2026, 8, 4)
    assert objection.status == "open" and objection.grounds == ("area",)
    # The dates are stored in the event, as computed.
    assert objection.events[0].payload["timeline"]["decision_due"] == "2026-08-04"


def test_without_the_committee_the_term_is_six_weeks(cw):
    seq = record(cw, **CONTESTED)
    # 12 May + 42 days = Tuesday 23 June 2026.
    assert file(cw, seq, received_on=LAST_DAY, committee=False).timeline.decision_due == date(2026, 6, 23)


def test_a_period_ending_on_koningsdag_moves_to_the_next_working_day(cw):
    seq = record(cw, **CONTESTED, assessed_on="2026-01-30")
    # Sent Monday 2 February 2026: + 84 days = Monday 27 April, Koningsdag (Atw art. 3).
    # The period ends on Tuesday 28 April instead; 28 April is on time, 29 April is late.
    objection = file(cw, seq, sent_on=date(2026, 2, 2), received_on=date(2026, 4, 28))
    assert objection.timeline.objection_period_nominal_end == date(2026, 4, 27)
    assert objection.timeline.objection_period_end == date(2026, 4, 28)
    assert objection.timeline.on_time
    # Decision due 28 April + 84 days = Tuesday 21 July 2026.
    assert objection.timeline.decision_due == date(2026, 7, 21)


def test_objection_the_day_after_is_late_and_can_only_be_inadmissible(cw, tmp_path):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, received_on=DAY_AFTER)
    tl = objection.timeline
    assert not tl.on_time and tl.days_late == 1 and tl.on_time_basis is None
    # D-6: a late objection's term counts from the day after receipt: 13 May + 84 days =
    # Wednesday 5 August 2026.
    assert tl.decision_due == date(2026, 8, 5)
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match="say whether the lateness is excusable") as missing:
        decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 6, 1), actor="r2")
    assert missing.value.field == "excusable"
    with pytest.raises(BadInput, match="can only be inadmissible") as merits:
        decide_objection(cw, objection.id, outcome="upheld", decided_on=date(2026, 6, 1), actor="r2",
                         excusable=False, corrected_facts=corrected(pgv_5mms_events=4))
    assert merits.value.field == "outcome"
    assert counts(tmp_path / "ledger.db") == before
    decided = decide_objection(cw, objection.id, outcome="inadmissible", decided_on=date(2026, 6, 1), actor="r2",
                               excusable=False)
    assert decided.outcome.outcome == "inadmissible" and decided.outcome.excusable is False
    assert decided.outcome.record_seq is None
    assert counts(tmp_path / "ledger.db") == (before[0], before[1] + 1)


def test_excusable_lateness_is_decided_on_its_merits(cw):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, received_on=DAY_AFTER)
    with pytest.raises(BadInput, match="decided on its merits"):
        decide_objection(cw, objection.id, outcome="inadmissible", decided_on=date(2026, 6, 1), actor="r2",
                         excusable=True)
    decided = decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 6, 1), actor="r2",
                               excusable=True)
    assert decided.outcome.outcome == "rejected" and decided.outcome.excusable is True


def test_an_objection_on_time_cannot_be_inadmissible_nor_excusable(cw):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, received_on=LAST_DAY)
    with pytest.raises(BadInput, match="only for a late objection") as inadmissible:
        decide_objection(cw, objection.id, outcome="inadmissible", decided_on=date(2026, 6, 1), actor="r2")
    assert inadmissible.value.field == "outcome"
    with pytest.raises(BadInput, match="only for a late objection") as excusable:
        decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 6, 1), actor="r2",
                         excusable=True)
    assert excusable.value.field == "excusable"


def test_posted_in_time_and_received_within_a_week_is_on_time(cw):
    seq = record(cw, **CONTESTED)
    # Awb 6:9(2): posted on the last day (12 May), received within a week after it. The week
    # 13-19 May holds the designated Friday 15 May but ends on Tuesday 19 May, a working day.
    objection = file(cw, seq, posted_on=LAST_DAY, received_on=date(2026, 5, 19))
    assert objection.timeline.on_time and objection.timeline.on_time_basis == "Awb 6:9(2)"
    assert objection.timeline.postal_window_end == date(2026, 5, 19)


def test_an_extension_moves_the_due_date_once(cw):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, received_on=LAST_DAY)
    assert objection.timeline.final_due == date(2026, 8, 4)
    extended = extend_objection(cw, objection.id, notified_on=date(2026, 7, 1), actor="r2")
    # D-7: six weeks on the unextended end: 4 August + 42 days = Tuesday 15 September 2026.
    assert extended.timeline.extended_due == date(2026, 9, 15) == extended.timeline.final_due
    assert extended.status == "extended" and extended.extension_notified_on == date(2026, 7, 1)
    assert extended.events[-1].payload["timeline"]["final_due"] == "2026-09-15"
    assert not extended.overdue_on(date(2026, 9, 15)) and extended.overdue_on(date(2026, 9, 16))
    with pytest.raises(BadInput, match="allows one extension") as again:
        extend_objection(cw, objection.id, notified_on=date(2026, 7, 2), actor="r2")
    assert again.value.field == "extended"


def test_an_expired_term_cannot_be_extended(cw, tmp_path):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, received_on=LAST_DAY)
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match="expired decision term cannot be extended") as late:
        extend_objection(cw, objection.id, notified_on=date(2026, 8, 5), actor="r2")
    assert late.value.field == "notified_on"
    assert counts(tmp_path / "ledger.db") == before


def test_overdue_lists_exactly_the_undecided_objections_past_their_term(cw):
    # Four decisions, each with one objection received on 2 March 2026 (period ends 12 May).
    seqs = [record(cw, case_id=f"BZW-{i}", pgv_5mms_events=3) for i in range(4)]
    committee = file(cw, seqs[0])                        # due 4 August 2026
    six_weeks = file(cw, seqs[1], committee=False)       # due 23 June 2026
    extended = file(cw, seqs[2], committee=False)        # due 23 June, extended to 4 August
    extend_objection(cw, extended.id, notified_on=date(2026, 6, 1), actor="r2")
    decided = file(cw, seqs[3], committee=False)         # due 23 June, but decided
    decide_objection(cw, decided.id, outcome="rejected", decided_on=date(2026, 6, 2), actor="r2")
    everything = all_objections(cw)
    assert [o.id for o in overdue(everything, date(2026, 6, 23))] == []
    assert [o.id for o in overdue(everything, date(2026, 6, 24))] == [six_weeks.id]
    assert [o.id for o in overdue(everything, date(2026, 8, 4))] == [six_weeks.id]
    assert [o.id for o in overdue(everything, date(2026, 8, 5))] == [committee.id, six_weeks.id, extended.id]


def test_a_decision_after_the_term_is_recorded_as_late(cw):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, committee=False)
    decided = decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 6, 24), actor="r2")
    assert decided.outcome.decided_within_term is False
    assert not decided.overdue_on(date(2026, 12, 31))  # decided: no longer overdue


# --- outcomes ---------------------------------------------------------------------------------


def test_upheld_objection_supersedes_and_leaves_the_original_untouched(cw, tmp_path):
    seq = record(cw, **CONTESTED, in_pilot_area=True)
    conn = sqlite3.connect(tmp_path / "ledger.db")
    original = conn.execute("SELECT * FROM records WHERE seq = ?", (seq,)).fetchone()
    pilot, now = get_framework("pilot-2024"), FRAMEWORK_2026
    # Before: eligible under pilot-2024 (pilot area), not under 2026 (3 events): the case loses.
    assert compare_ledger(cw.conn, pilot, now).cells["loses"] == 1
    objection = file(cw, seq)
    decided = decide_objection(cw, objection.id, outcome="upheld", decided_on=date(2026, 7, 1), actor="r2",
                               corrected_facts=corrected(in_pilot_area=True, pgv_5mms_events=4))
    assert decided.status == "decided" and decided.outcome.upheld_grounds == ("area",)
    new = cw.ledger.get(decided.outcome.record_seq)
    assert (new.kind, new.supersedes, new.actor, new.framework) == ("objection_decision", seq, "r2", "2026")
    assert new.decision.outcome == "eligible" and new.inputs.pgv_5mms_events == 4
    assert decided.outcome.record_hash == new.hash
    assert cw.ledger.latest("BZW-1").seq == new.seq
    assert conn.execute("SELECT * FROM records WHERE seq = ?", (seq,)).fetchone() == original
    assert cw.ledger.verify().ok and verify_objections(cw.conn) is None
    # The comparison takes the latest facts of the case: now eligible under both.
    after = compare_ledger(cw.conn, pilot, now)
    assert after.cases == 1 and after.cells["stays_eligible"] == 1 and after.cells["loses"] == 0


def test_upheld_under_a_named_framework(cw):
    seq = record(cw, **CONTESTED, in_pilot_area=True)
    objection = file(cw, seq)
    decided = decide_objection(cw, objection.id, outcome="upheld", decided_on=date(2026, 7, 1), actor="r2",
                               corrected_facts=corrected(in_pilot_area=True), framework="pilot-2024")
    assert decided.outcome.framework == "pilot-2024"
    assert cw.ledger.get(decided.outcome.record_seq).decision.framework == "pilot-2024"


def test_partly_upheld_records_a_new_decision_and_what_was_upheld(cw):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq, grounds=("area", "damage_threshold"))
    with pytest.raises(BadInput, match="needs a note") as no_note:
        decide_objection(cw, objection.id, outcome="partly_upheld", decided_on=date(2026, 7, 1), actor="r2",
                         corrected_facts=corrected(pgv_5mms_events=4), upheld_grounds=["area"])
    assert no_note.value.field == "note"
    with pytest.raises(BadInput, match="not one of the grounds") as stranger:
        decide_objection(cw, objection.id, outcome="partly_upheld", decided_on=date(2026, 7, 1), actor="r2",
                         corrected_facts=corrected(pgv_5mms_events=4), upheld_grounds=["technical_cause"],
                         note="x")
    assert stranger.value.field == "upheld_grounds"
    decided = decide_objection(
        cw, objection.id, outcome="partly_upheld", decided_on=date(2026, 7, 1), actor="r2",
        corrected_facts=corrected(pgv_5mms_events=4), upheld_grounds=["area"],
        note="De bevingen zijn opnieuw geteld; het schadebedrag blijft.",
    )
    assert decided.outcome.upheld_grounds == ("area",) and decided.outcome.note.startswith("De bevingen")
    assert cw.ledger.get(decided.outcome.record_seq).kind == "objection_decision"


def test_rejected_objection_writes_no_decision_record(cw, tmp_path):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq)
    records_before, _ = counts(tmp_path / "ledger.db")
    decided = decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 7, 1), actor="r2")
    assert decided.outcome.outcome == "rejected" and decided.outcome.record_seq is None
    assert counts(tmp_path / "ledger.db")[0] == records_before
    assert cw.ledger.latest("BZW-1").seq == seq


def test_corrected_facts_are_needed_for_upheld_and_refused_otherwise(cw):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq)
    day = date(2026, 7, 1)
    with pytest.raises(BadInput, match="needs the corrected case facts"):
        decide_objection(cw, objection.id, outcome="upheld", decided_on=day, actor="r2")
    with pytest.raises(BadInput, match="only for an upheld") as refused:
        decide_objection(cw, objection.id, outcome="rejected", decided_on=day, actor="r2",
                         corrected_facts=corrected(pgv_5mms_events=4))
    assert refused.value.field == "corrected_facts"
    with pytest.raises(BadInput, match="must be that of the contested decision") as other_case:
        decide_objection(cw, objection.id, outcome="upheld", decided_on=day, actor="r2",
                         corrected_facts=corrected(case_id="BZW-2", pgv_5mms_events=4))
    assert other_case.value.field == "corrected_facts.case_id"
    with pytest.raises(BadInput, match="nothing would change"):
        decide_objection(cw, objection.id, outcome="upheld", decided_on=day, actor="r2", corrected_facts=corrected())
    with pytest.raises(BadInput, match="before the objection was received") as early:
        decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 3, 1), actor="r2")
    assert early.value.field == "decided_on"
    assert get_objection(cw, objection.id).status == "open"


def test_an_objection_cannot_be_upheld_on_a_decision_superseded_meanwhile(cw, tmp_path):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq)
    record_case(cw.ledger, corrected(technical_cause=False), kind="correction", supersedes=seq)
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match="superseded by record 2"):
        decide_objection(cw, objection.id, outcome="upheld", decided_on=date(2026, 7, 1), actor="r2",
                         corrected_facts=corrected(pgv_5mms_events=4))
    assert counts(tmp_path / "ledger.db") == before
    rejected = decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 7, 1), actor="r2")
    assert rejected.outcome.outcome == "rejected"


# --- bad input: a clear error, and nothing written --------------------------------------------


def test_objection_to_a_seq_that_does_not_exist(cw, tmp_path):
    record(cw, **CONTESTED)
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput, match="no record with seq 7") as error:
        file(cw, 7)
    assert error.value.field == "seq"
    assert counts(tmp_path / "ledger.db") == before == (1, 0)


def test_received_before_sent_is_refused(cw, tmp_path):
    seq = record(cw, **CONTESTED)
    before = counts(tmp_path / "ledger.db")
    with pytest.raises(BadInput) as error:
        file(cw, seq, received_on=date(2026, 2, 16))
    assert (error.value.field, error.value.rule) == ("received_on", "before sent_on 2026-02-17")
    with pytest.raises(BadInput, match="before the date of the decision") as early:
        file(cw, seq, sent_on=date(2026, 2, 15))
    assert early.value.field == "sent_on"
    assert counts(tmp_path / "ledger.db") == before


def test_deciding_an_objection_twice_is_refused(cw, tmp_path):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq)
    decide_objection(cw, objection.id, outcome="upheld", decided_on=date(2026, 7, 1), actor="r2",
                     corrected_facts=corrected(pgv_5mms_events=4))
    before = counts(tmp_path / "ledger.db")
    for outcome, extra in (("upheld", {"corrected_facts": corrected(pgv_5mms_events=5)}), ("rejected", {})):
        with pytest.raises(BadInput, match=r"already decided \(upheld on 2026-07-01\)") as error:
            decide_objection(cw, objection.id, outcome=outcome, decided_on=date(2026, 7, 2), actor="r2", **extra)
        assert error.value.field == "id"
    with pytest.raises(BadInput, match="already decided"):
        extend_objection(cw, objection.id, notified_on=date(2026, 7, 2), actor="r2")
    assert counts(tmp_path / "ledger.db") == before


def test_other_bad_objections_are_refused_and_write_nothing(cw, tmp_path):
    seq = record(cw, **CONTESTED)
    objection = file(cw, seq)
    made = decide_objection(cw, objection.id, outcome="upheld", decided_on=date(2026, 7, 1), actor="r2",
                            corrected_facts=corrected(pgv_5mms_events=4)).outcome.record_seq
    other = record(cw, case_id="BZW-9", pgv_5mms_events=3)
    file(cw, other)
    contested, seq = seq, record(cw, case_id="BZW-10", pgv_5mms_events=3)
    before = counts(tmp_path / "ledger.db")
    cases = [
        (dict(seq=contested), "seq", f"record {contested} is superseded by record {made}"),
        (dict(seq=made), "seq", "Awb 7:1"),
        (dict(seq=other), "seq", "already has an open objection"),
        (dict(seq=seq + 1), "seq", "no record with seq"),
        (dict(seq=seq, grounds=("gebied",)), "grounds", "unknown criterion code 'gebied'"),
        (dict(seq=seq, grounds=("area", "area")), "grounds", "given twice"),
        (dict(seq=seq, grounds=(), text="  "), "grounds", "Awb 6:5"),
        (dict(seq=seq, text="bad\x00text"), "text", "control characters"),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(BadInput, match=message) as error:
            file(cw, **kwargs)
        assert error.value.field == field
    with pytest.raises(BadInput, match="must be one of") as outcome:
        decide_objection(cw, objection.id, outcome="gegrond", decided_on=date(2026, 7, 1), actor="r2")
    assert outcome.value.field == "outcome"
    with pytest.raises(BadInput, match="no objection with id 99"):
        get_objection(cw, 99)
    with pytest.raises(BadInput) as actor:
        file_objection(cw, seq=seq, sent_on=SENT, received_on=LAST_DAY, committee_hears=True, grounds=["area"],
                       text=None, actor=" ")
    assert actor.value.field == "actor"
    assert counts(tmp_path / "ledger.db") == before


# --- statistics -------------------------------------------------------------------------------


def test_objection_counts_per_quarter_and_outcome_hold_no_ids_text_or_dates(cw):
    seqs = [record(cw, case_id=f"BZW-{i}", pgv_5mms_events=3) for i in range(3)]
    file(cw, seqs[0], received_on=date(2026, 3, 31))                       # 2026-Q1, pending
    late = file(cw, seqs[1], received_on=date(2026, 7, 1), text="Geheim")  # 2026-Q3, late
    decide_objection(cw, late.id, outcome="inadmissible", decided_on=date(2026, 7, 2), actor="r2", excusable=False)
    rows = objection_counts(cw.conn)
    assert {(r.quarter, r.outcome): r.objections for r in rows if r.objections} == {
        ("2026-Q1", "pending"): 1, ("2026-Q3", "inadmissible"): 1,
    }
    # Every quarter from the first to the last, each with every category: 3 quarters x 5.
    assert [r.quarter for r in rows[::5]] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert len(rows) == 15 and all(isinstance(r, ObjectionCount) for r in rows)
    assert {r.outcome for r in rows} == {"upheld", "partly_upheld", "rejected", "inadmissible", "pending"}
    assert "Geheim" not in repr(rows) and "BZW" not in repr(rows)


def test_no_objections_no_rows(cw):
    assert objection_counts(cw.conn) == []
