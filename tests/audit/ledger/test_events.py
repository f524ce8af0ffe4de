"""The objection event table: append-only, gapless, hash-chained, and every edit detected by `verify_objections`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date

import pytest

from tests.support.casework_helpers import open_casework, record
from tests.support.cases import case_data
from audit.ledger.canonical import GENESIS_HASH, canonical_json, chain_hash
from audit.ledger.events import EVENT_COLUMNS, event_bytes, events_head, verify_objections
from audit.casework.objections import decide_objection, extend_objection, file_objection
from audit.casework.referrals import file_referral
from decisions.inputs import parse_case


@pytest.fixture
def cw(tmp_path):
    """Four events: objection 1 filed (1), extended (2), decided upheld with a new record (3); a referral (4)."""
    casework = open_casework(tmp_path / "ledger.db")
    seq = record(casework, case_id="EVT-1", pgv_5mms_events=3)
    other = record(casework, case_id="EVT-2", pgv_5mms_events=2)
    objection = file_objection(
        casework, seq=seq, sent_on=date(2026, 2, 17), received_on=date(2026, 3, 2), committee_hears=True,
        grounds=["area"], text="Vijf bevingen, niet drie.", actor="r1",
    )
    extend_objection(casework, objection.id, notified_on=date(2026, 7, 1), actor="r1")
    decide_objection(casework, objection.id, outcome="upheld", decided_on=date(2026, 8, 1), actor="r2",
                     corrected_facts=parse_case(case_data(case_id="EVT-1", pgv_5mms_events=4)))
    file_referral(casework, seq=other, route="cbs", referred_on=date(2026, 3, 1), actor="r3", text="Schrijnend.")
    yield casework
    casework.ledger.close()


def raw(cw) -> sqlite3.Connection:
    return sqlite3.connect(cw.ledger.path, isolation_level=None)


def drop_triggers(conn: sqlite3.Connection) -> None:
    for name in ("objection_events_no_update", "objection_events_no_delete", "objection_events_gapless"):
        conn.execute(f"DROP TRIGGER {name}")


def test_an_intact_chain_verifies_and_hashes_are_recomputable(cw):
    assert verify_objections(cw.conn) is None
    rows = cw.conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert [r[2] for r in rows] == ["filed", "extended", "decided", "referral_filed"]
    assert [r[3] for r in rows] == [1, 1, 1, 4]  # subject: the seq of the opening event
    prev = GENESIS_HASH
    for row in rows:
        fields = dict(zip(EVENT_COLUMNS, row))
        assert fields["prev_hash"] == prev
        assert fields["hash"] == chain_hash(prev, event_bytes(fields))
        assert canonical_json(json.loads(fields["payload"])) == fields["payload"]
        prev = fields["hash"]
    assert events_head(cw.conn) == (4, prev)
    assert cw.ledger.verify().ok


def test_update_delete_and_gaps_are_refused_by_triggers(cw):
    conn = raw(cw)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE objection_events SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM objection_events WHERE seq = 4")
    row = conn.execute("SELECT * FROM objection_events WHERE seq = 4").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="without a gap"):
        conn.execute(f"INSERT INTO objection_events VALUES ({','.join('?' * len(row))})", (9,) + row[1:])
    assert verify_objections(cw.conn) is None


EDITS = {
    "seq": "seq + 100",
    "event_id": "'forged'",
    "event_type": "'decided'",
    "subject_id": "3",
    "decision_seq": "2",
    "case_id": "'EVT-2'",
    "recorded_at": "'2026-04-01T08:00:09.000000Z'",
    "actor": "'mallory'",
    "canonical_version": "2",
    "payload": "replace(payload, '\"notified_on\":\"2026-07-01\"', '\"notified_on\":\"2026-06-01\"')",
    "prev_hash": "substr(prev_hash, 2) || '0'",
    "hash": "substr(hash, 2) || '0'",
}


@pytest.mark.parametrize("column, expression", EDITS.items())
def test_editing_any_field_of_an_event_is_detected_and_names_its_seq(cw, column, expression):
    conn = raw(cw)
    drop_triggers(conn)
    before = conn.execute(f"SELECT {column} FROM objection_events WHERE seq = 2").fetchone()
    conn.execute(f"UPDATE objection_events SET {column} = {expression} WHERE seq = 2")
    after = conn.execute(f"SELECT {column} FROM objection_events WHERE seq = {102 if column == 'seq' else 2}")
    assert after.fetchone() != before
    found = verify_objections(cw.conn)
    assert found is not None and found[0] == 2, found


@pytest.mark.parametrize("payload, problem", [
    ('{"timeline":1.5}', "float"),
    ('{ "a": 1 }', "canonical form"),
    ("[1]", "not a JSON object"),
    ("{not json", "canonical form"),
])
def test_a_payload_that_is_not_canonical_json_without_floats_is_named(cw, payload, problem):
    conn = raw(cw)
    drop_triggers(conn)
    conn.execute("UPDATE objection_events SET payload = ? WHERE seq = 3", (payload,))
    seq, message = verify_objections(cw.conn)
    assert seq == 3 and problem in message


def test_deleting_a_middle_event_is_detected(cw):
    conn = raw(cw)
    drop_triggers(conn)
    conn.execute("DELETE FROM objection_events WHERE seq = 2")
    assert verify_objections(cw.conn) == (2, "event 2 is missing (the next stored event is 3)")


def test_swapping_two_events_is_detected(cw):
    conn = raw(cw)
    drop_triggers(conn)
    rows = {r[0]: r[1:] for r in conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events")}
    others = ", ".join(f"{c} = ?" for c in EVENT_COLUMNS[1:])
    conn.execute("BEGIN")
    conn.execute("UPDATE objection_events SET event_id = 'x' || event_id, prev_hash = 'x' || prev_hash, hash = 'x' || hash"
                 " WHERE seq IN (2, 3)")
    conn.execute(f"UPDATE objection_events SET {others} WHERE seq = 2", rows[3])
    conn.execute(f"UPDATE objection_events SET {others} WHERE seq = 3", rows[2])
    conn.execute("COMMIT")
    assert verify_objections(cw.conn)[0] == 2


def test_a_rewritten_decision_chain_is_caught_by_the_events_that_point_into_it(cw):
    # An attacker edits record 3 (the upheld decision) and recomputes its hash: the
    # events still hold the hash the record had when the objection was decided.
    conn = raw(cw)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("UPDATE records SET hash = substr(hash, 2) || '0' WHERE seq = 3")
    assert verify_objections(cw.conn) == (3, "decision record 3 no longer matches the record this event created")


def test_a_forged_event_with_a_consistent_hash_but_a_foreign_subject_is_named(cw):
    # An event moved to another subject (a referral), with every hash recomputed.
    conn = raw(cw)
    drop_triggers(conn)
    conn.execute("UPDATE objection_events SET subject_id = 4 WHERE seq = 2")
    fields = dict(zip(EVENT_COLUMNS, conn.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events WHERE seq = 2").fetchone()))
    fixed = chain_hash(fields["prev_hash"], event_bytes(fields))
    # Re-chain every later event so that only the link check can find it.
    conn.execute("UPDATE objection_events SET hash = ? WHERE seq = 2", (fixed,))
    prev = fixed
    for seq in (3, 4):
        conn.execute("UPDATE objection_events SET prev_hash = ? WHERE seq = ?", (prev, seq))
        later = dict(zip(EVENT_COLUMNS, conn.execute(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events WHERE seq = ?", (seq,)).fetchone()))
        prev = chain_hash(prev, event_bytes(later))
        conn.execute("UPDATE objection_events SET hash = ? WHERE seq = ?", (prev, seq))
    seq, problem = verify_objections(cw.conn)
    assert seq == 2 and "subject 4 is not an earlier filed event" in problem


def test_no_event_table_is_nothing_to_verify(tmp_path):
    casework = open_casework(tmp_path / "empty.db")
    assert verify_objections(casework.conn) is None
    assert events_head(casework.conn) == (0, GENESIS_HASH)


WRITER = """
from datetime import date
from audit.casework.steps import Casework
from audit.ledger import Ledger
from audit.casework.objections import file_objection, decide_objection
ledger = Ledger({db!r})
cw = Casework(ledger)
for seq in range({first}, {first} + 5):
    objection = file_objection(cw, seq=seq, sent_on=date(2026, 2, 17), received_on=date(2026, 3, 2),
                               committee_hears=True, grounds=["area"], text=None, actor="w{first}")
    decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 4, 1), actor="w{first}")
    print(objection.id, flush=True)
"""


def test_four_processes_append_events_concurrently_without_forking(tmp_path):
    db = tmp_path / "shared.db"
    casework = open_casework(db)
    for i in range(20):
        record(casework, case_id=f"CON-{i}", pgv_5mms_events=3)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER.format(db=str(db), first=1 + 5 * i)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]
    outputs = [w.communicate(timeout=120) for w in writers]
    for writer, (_, err) in zip(writers, outputs):
        assert writer.returncode == 0, err
    conn = casework.conn
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT prev_hash), MAX(seq) FROM objection_events").fetchone() == (
        40, 40, 40)
    assert verify_objections(conn) is None
    assert len({int(line) for out, _ in outputs for line in out.split()}) == 20


def test_ledger_verify_also_checks_the_objection_events(tmp_path):
    """`Ledger.verify` (and so `dh-audit verify`) names a tampered objection event."""
    from audit.casework.objections import file_objection

    cw = open_casework(tmp_path / "ledger.db")
    seq = record(cw, case_id="EV-1")
    file_objection(cw, seq=seq, sent_on=date(2026, 3, 2), received_on=date(2026, 3, 20), grounds=("area",),
                   text=None, committee_hears=True, actor="r")
    assert cw.ledger.verify().ok
    conn = sqlite3.connect(tmp_path / "ledger.db")
    conn.execute("DROP TRIGGER objection_events_no_update")
    conn.execute("UPDATE objection_events SET actor = 'mallory' WHERE seq = 1")
    conn.commit()
    report = cw.ledger.verify()
    assert not report.ok and report.problem.startswith("objection event 1:")
