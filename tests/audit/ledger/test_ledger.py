"""The ledger (docs/ledger-format.md): append-only, tamper-evident, concurrent and crash-safe."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.support.cases import case_data
from audit.ledger.canonical import canonical_json, chain_hash, record_bytes
from audit.errors import BadInput
from audit.ledger import SCHEMA_STATEMENTS, Head, Ledger
from audit.ledger.recording import record_case, record_cases
from decisions.errors import InvalidCase
from decisions.evaluate import decision_to_data, evaluate
from decisions.inputs import parse_case

HERE = Path(__file__).resolve().parent
WRITER = HERE.parents[1] / "support" / "ledger_writer.py"


def fixed_clock(start=datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)):
    ticks = iter(range(10**9))
    return lambda: start + timedelta(seconds=next(ticks))


def counter_ids():
    ticks = iter(range(1, 10**9))
    return lambda: f"rec-{next(ticks):06d}"


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.db", clock=fixed_clock(), new_id=counter_ids()) as opened:
        yield opened


def fill(ledger: Ledger, n: int = 6) -> list[int]:
    cases = [parse_case(case_data(case_id=f"CASE-{i}", pgv_5mms_events=i, assessed_on=f"202{4 + i % 3}-0{1 + i % 9}-15"))
             for i in range(n)]
    return record_cases(ledger, cases)


def raw(ledger: Ledger) -> sqlite3.Connection:
    """A plain sqlite3 connection, as an attacker with file access would use."""
    return sqlite3.connect(ledger.path, isolation_level=None)


def restore_triggers(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA_STATEMENTS:
        if statement.startswith("CREATE TRIGGER"):
            conn.execute(statement)


def drop_triggers(conn: sqlite3.Connection) -> None:
    for name in ("records_no_update", "records_no_delete", "records_gapless"):
        conn.execute(f"DROP TRIGGER {name}")


# --- append-only ------------------------------------------------------------------------------


def test_update_and_delete_are_refused_through_plain_sqlite(ledger):
    fill(ledger, 3)
    before = raw(ledger).execute("SELECT * FROM records WHERE seq = 2").fetchone()
    conn = raw(ledger)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE records SET outcome = 'eligible', actor = 'mallory' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM records WHERE seq = 2")
    assert raw(ledger).execute("SELECT * FROM records WHERE seq = 2").fetchone() == before
    assert ledger.verify().ok


def test_a_gap_cannot_be_inserted(ledger):
    fill(ledger, 2)
    conn = raw(ledger)
    row = conn.execute("SELECT * FROM records WHERE seq = 2").fetchone()
    forged = (5,) + row[1:]
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(f"INSERT INTO records VALUES ({','.join('?' * len(forged))})", forged)


# --- tamper evidence --------------------------------------------------------------------------

HASHED_EDITS = {
    "record_id": "'forged-id'",
    "case_id": "'CASE-99'",
    "kind": "'correction'",
    "supersedes": "1",
    "recorded_at": "'2026-03-01T09:30:09.000000Z'",
    "framework": "'pilot-2024'",
    "framework_fingerprint": "'sha256:' || substr(hash, 1, 64)",
    "engine_version": "'9.9.9'",
    "canonical_version": "2",
    "inputs": "replace(inputs, '\"technical_cause\":true', '\"technical_cause\":false')",
    "decision": "replace(decision, '\"outcome\":\"not_eligible\"', '\"outcome\":\"eligible\"')",
    "actor": "'mallory'",
    "prev_hash": "substr(prev_hash, 2) || '0'",
    "hash": "substr(hash, 2) || '0'",
}
TYPED_EDITS = {
    "municipality": "'Oldambt'",
    "assessed_on": "'2026-01-01'",
    "technical_cause": "0",
    "recognised_cents": "recognised_cents + 1",
    "unsettled_cents": "0",
    "structural_cents": "structural_cents + 100",
    "woz_cents": "woz_cents - 1",
    "rijksmonument": "1",
    "pgv_events": "pgv_events + 1",
    "in_pilot_area": "0",
    "in_reinforcement_area": "0",
    "dossier_since": "'2024-01-01'",
    "estimated_cost_cents": "1",
    "outcome": "'eligible'",
    "basis": "'transitional'",
    "max_amount_cents": "50000000",
    "cap_basis": "'rijksmonument'",
}


@pytest.mark.parametrize("column, expression", {**HASHED_EDITS, **TYPED_EDITS}.items())
def test_changing_any_stored_field_is_detected(ledger, column, expression):
    fill(ledger, 6)
    conn = raw(ledger)
    drop_triggers(conn)
    before = conn.execute(f"SELECT {column} FROM records WHERE seq = 3").fetchone()
    conn.execute(f"UPDATE records SET {column} = {expression} WHERE seq = 3")
    assert conn.execute(f"SELECT {column} FROM records WHERE seq = 3").fetchone() != before
    report = ledger.verify()
    assert not report.ok
    assert report.first_bad_seq == 3, report.problem


def test_deleting_a_middle_record_is_detected(ledger):
    fill(ledger, 6)
    conn = raw(ledger)
    drop_triggers(conn)
    conn.execute("DELETE FROM records WHERE seq = 4")
    report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert "missing" in report.problem


def test_swapping_two_records_is_detected(ledger):
    fill(ledger, 6)
    conn = raw(ledger)
    drop_triggers(conn)
    conn.execute("BEGIN")
    conn.execute("UPDATE records SET seq = -2 WHERE seq = 2")
    conn.execute("UPDATE records SET seq = 2, prev_hash = prev_hash || 'x' WHERE seq = 5")
    conn.execute("UPDATE records SET seq = 5 WHERE seq = -2")
    conn.execute("UPDATE records SET prev_hash = substr(prev_hash, 1, 64) WHERE seq = 2")
    conn.execute("COMMIT")
    report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, 2)


@pytest.mark.parametrize("attacker", ["junk_hash", "recomputed_hash"])
def test_inserting_a_forged_record_is_detected(ledger, attacker):
    fill(ledger, 6)
    conn = raw(ledger)
    drop_triggers(conn)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(records)")]
    conn.execute("BEGIN")
    for seq in range(6, 2, -1):  # make room at seq 3
        conn.execute("UPDATE records SET seq = seq + 1 WHERE seq = ?", (seq,))
    row = dict(zip(columns, conn.execute("SELECT * FROM records WHERE seq = 2").fetchone()))
    row.update(seq=3, record_id="forged", prev_hash=row["hash"], case_id="CASE-1")
    if attacker == "junk_hash":
        row["hash"] = "f" * 64
    else:  # an attacker who knows the canonical form and chains the forgery correctly
        fields = {k: row[k] for k in ("seq", "record_id", "case_id", "kind", "supersedes", "recorded_at",
                                      "framework", "framework_fingerprint", "engine_version",
                                      "canonical_version", "inputs", "decision", "actor", "prev_hash")}
        row["hash"] = chain_hash(row["prev_hash"], record_bytes(**fields))
    conn.execute("UPDATE records SET prev_hash = ? WHERE seq = 4", (row["hash"],))
    conn.execute(f"INSERT INTO records ({','.join(row)}) VALUES ({','.join('?' * len(row))})", tuple(row.values()))
    conn.execute("COMMIT")
    report = ledger.verify()
    assert not report.ok
    # A junk hash is caught at the forgery; a well-chained forgery at the record it displaced.
    assert report.first_bad_seq == (3 if attacker == "junk_hash" else 4), report.problem


def test_truncated_tail_is_detected_against_an_exported_head(ledger, tmp_path):
    fill(ledger, 6)
    exported = ledger.head().to_json()
    conn = raw(ledger)
    drop_triggers(conn)
    conn.execute("DELETE FROM records WHERE seq >= 5")
    restore_triggers(conn)
    assert ledger.verify().ok  # without the head, a clean truncation looks like a shorter ledger
    report = ledger.verify(Head.from_json(exported))
    assert (report.ok, report.first_bad_seq) == (False, 5)
    assert "truncated" in report.problem


def test_rewritten_history_differs_from_an_exported_head(ledger, tmp_path):
    fill(ledger, 3)
    exported = Head.from_json(ledger.head().to_json())
    other = Ledger(tmp_path / "other.db")
    report = other.verify(exported)
    assert not report.ok and "another ledger" in report.problem


# --- API ----------------------------------------------------------------------------------


def test_records_read_back_into_the_same_objects(ledger):
    case = parse_case(case_data(case_id="CASE-A", existing_dossier_since="2024-05-01"))
    record = record_case(ledger, case, actor="reviewer-12")
    assert record.inputs == case
    assert record.decision == evaluate(case)
    assert (record.seq, record.kind, record.actor, record.supersedes) == (1, "assessment", "reviewer-12", None)
    assert record == ledger.get(1) == ledger.latest("CASE-A")


@pytest.mark.parametrize("variant", ["2026~I-4:letterlijk", "2026~I-5:afgeschaft", "2026~I-1:alle-dossiers"])
def test_a_variant_reading_is_never_recorded(ledger, variant):
    """Variants are for comparison only: the ledger refuses them, and nothing is written."""
    case = parse_case(case_data(case_id="CASE-V"))
    with pytest.raises(BadInput, match="variant reading is for comparison only") as error:
        record_case(ledger, case, variant)
    assert error.value.field == "framework"
    assert len(ledger) == 0
    record = record_case(ledger, case, "2026")
    assert record.framework == "2026" and record.engine_version == "0.2.0"
    assert record.decision.interpretations == ("I-2",)


def test_history_latest_and_supersession(ledger):
    first = record_case(ledger, parse_case(case_data(case_id="CASE-B", technical_cause=False)))
    fix = record_case(ledger, parse_case(case_data(case_id="CASE-B")), kind="correction", supersedes=first.seq,
                        actor="reviewer-3")
    assert [r.seq for r in ledger.history("CASE-B")] == [1, 2]
    assert ledger.latest("CASE-B") == fix and fix.supersedes == 1
    assert ledger.latest("nobody") is None
    with pytest.raises(BadInput, match="supersedes"):
        record_case(ledger, parse_case(case_data(case_id="CASE-B")), kind="correction")
    with pytest.raises(BadInput, match="belongs to case"):
        record_case(ledger, parse_case(case_data(case_id="CASE-C")), kind="correction", supersedes=1)
    with pytest.raises(BadInput, match="no earlier record"):
        record_case(ledger, parse_case(case_data(case_id="CASE-B")), kind="correction", supersedes=99)
    with pytest.raises(BadInput, match="seq"):
        ledger.get(42)
    assert len(ledger) == 2 and ledger.verify().ok


def test_append_many_is_atomic_per_batch(ledger):
    fill(ledger, 2)
    good = [parse_case(case_data(case_id=f"OK-{i}")) for i in range(3)]
    bad = parse_case(case_data(case_id="TOO-EARLY", assessed_on="2023-06-30"))
    with pytest.raises(InvalidCase, match="assessed_on"):
        record_cases(ledger, [*good, bad])
    assert len(ledger) == 2 and ledger.verify().ok
    assert record_cases(ledger, good) == [3, 4, 5]


def test_replaying_stored_inputs_gives_the_stored_decision_bytes(ledger):
    fill(ledger, 6)
    for seq, inputs, decision, framework in raw(ledger).execute(
        "SELECT seq, inputs, decision, framework FROM records ORDER BY seq"
    ):
        replayed = evaluate(parse_case(json.loads(inputs)), framework)
        assert canonical_json(decision_to_data(replayed)) == decision, seq


# --- concurrency and crashes ---------------------------------------------------------------------


def test_eight_processes_append_concurrently_without_forking(tmp_path):
    db = tmp_path / "shared.db"
    Ledger(db).close()
    writers = [
        subprocess.Popen([sys.executable, str(WRITER), str(db), "200", f"W{i}"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for i in range(8)
    ]
    outputs = [w.communicate(timeout=300) for w in writers]
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err
        assert "database is locked" not in err
    ledger = Ledger(db)
    assert len(ledger) == 1600
    assert raw(ledger).execute("SELECT COUNT(DISTINCT prev_hash) FROM records").fetchone()[0] == 1600
    printed = sorted(int(line.split()[0]) for out, _ in outputs for line in out.splitlines())
    assert printed == list(range(1, 1601))
    assert ledger.verify().ok


def test_sigkill_at_random_points_never_loses_or_tears_a_record(tmp_path):
    db = tmp_path / "crash.db"
    Ledger(db).close()
    rng = random.Random(6962)
    acknowledged: set[str] = set()
    kills = 0
    for round_ in range(32):
        writer = subprocess.Popen([sys.executable, str(WRITER), str(db), "100000", f"K{round_}"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = writer.stdout.readline()  # the writer is up and has appended at least once
        assert first, "writer did not start"
        acknowledged.add(first.split()[1])
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(writer.pid, signal.SIGKILL)
        kills += 1
        out, _ = writer.communicate()
        acknowledged.update(line.split()[1] for line in out.splitlines() if len(line.split()) == 2)
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with Ledger(db) as ledger:
            assert ledger.verify().ok
            stored = {row[0] for row in raw(ledger).execute("SELECT case_id FROM records")}
        assert acknowledged <= stored, sorted(acknowledged - stored)[:5]
    assert kills >= 30


# --- canonical form is independent of time zone and locale -------------------------------------------

SNIPPET = """
import sys, json
sys.path.insert(0, {tests!r})
from datetime import datetime, timezone
from tests.audit.ledger.test_ledger import fixed_clock, counter_ids, fill
from audit.ledger import Ledger
ledger = Ledger({db!r}, clock=fixed_clock(datetime(2026, 3, 29, 0, 59, 59, tzinfo=timezone.utc)), new_id=counter_ids())
fill(ledger, 4)
rows = ledger.conn.execute("SELECT recorded_at, inputs, decision, hash FROM records ORDER BY seq").fetchall()
print(json.dumps(rows))
"""


def test_canonical_bytes_do_not_depend_on_time_zone_or_locale(tmp_path):
    outputs = []
    for i, tz in enumerate(["UTC", "Asia/Tokyo", "America/Toronto", "Europe/Amsterdam"]):
        env = {**os.environ, "TZ": tz, "LC_ALL": "C.UTF-8" if i % 2 else "C", "LANG": "nl_NL.UTF-8"}
        code = SNIPPET.format(tests=str(HERE.parents[2]), db=str(tmp_path / f"tz{i}.db"))
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        outputs.append(json.loads(done.stdout))
    assert all(out == outputs[0] for out in outputs)
    assert outputs[0][0][0] == "2026-03-29T00:59:59.000000Z"


def test_opening_a_non_ledger_leaves_the_file_alone(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(BadInput, match="not a dh-audit ledger"):
        Ledger(other, create=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    assert sqlite3.connect(other).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    text = tmp_path / "notes.db"
    text.write_text("not sqlite")
    with pytest.raises(BadInput, match="not a dh-audit ledger"):
        Ledger(text, create=False)


# --- the schema file ----------------------------------------------------------------------------


def test_the_schema_file_is_the_schema_of_a_new_ledger(tmp_path):
    """A new ledger holds exactly the statements of audit/ledger/schema.sql (comments are never stored)."""
    from audit.ledger.schema import SCHEMA_SECTIONS
    from audit.ledger.schema_check import _normal

    with Ledger(tmp_path / "l.db") as ledger:
        stored = {_normal(sql) for (sql,) in ledger.conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")}
    made = {_normal(s).replace(" IF NOT EXISTS", "") for name in ("records", "meta", "merkle", "checkpoints")
            for s in SCHEMA_SECTIONS[name]
            if s.startswith("CREATE")}
    assert stored == made
    assert not any("--" in sql for sql in stored)


def test_the_schema_file_agrees_with_the_code():
    from audit.ledger import INSERT_COLUMNS
    from audit.ledger.schema import SCHEMA_SECTIONS, SCHEMA_VERSION, TYPED_CHECKS
    from audit.log.store import STORED_LEVEL

    conn = sqlite3.connect(":memory:")
    for statement in SCHEMA_SECTIONS["records"] + SCHEMA_SECTIONS["meta"] + SCHEMA_SECTIONS["merkle"]:
        conn.execute(statement)
    assert [row[1] for row in conn.execute("PRAGMA table_info(records)")] == list(INSERT_COLUMNS)
    assert set(INSERT_COLUMNS[15:]) == set(TYPED_CHECKS)
    assert dict(conn.execute("SELECT key, value FROM ledger_meta")) == {"schema_version": str(SCHEMA_VERSION)}
    assert f"CHECK (level >= {STORED_LEVEL})" in SCHEMA_SECTIONS["merkle"][0]


def test_a_ledger_of_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "l.db"
    with Ledger(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute("UPDATE ledger_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(BadInput, match="schema version 99, made by a newer dh-audit"):
        Ledger(path, create=False)


# --- transactions -------------------------------------------------------------------------------


def test_atomic_commits_or_rolls_back_and_nests_as_savepoints(tmp_path):
    ledger = Ledger(tmp_path / "l.db")
    with pytest.raises(BadInput):
        with ledger.atomic():
            fill(ledger, 2)
            ledger.append_entries([])  # nested: a savepoint
            raise BadInput("test", "undo everything")
    assert len(ledger) == 0 and not ledger.conn.in_transaction
    with ledger.atomic():
        fill(ledger, 2)
        with pytest.raises(BadInput):
            with ledger.atomic():
                record_case(ledger, parse_case(case_data(case_id="CASE-X")))
                raise BadInput("test", "undo the inner block only")
    assert len(ledger) == 2 and ledger.history("CASE-X") == []
    assert ledger.verify().ok


def test_a_snapshot_does_not_see_later_appends_and_refuses_to_write(tmp_path):
    path = tmp_path / "l.db"
    reader, writer = Ledger(path), Ledger(path)
    fill(writer, 2)
    with reader.snapshot() as conn:
        fill(writer, 3)
        assert conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 2
        with pytest.raises(RuntimeError, match="read snapshot"):
            with reader.atomic():
                pass
    assert len(reader) == 5


# --- verify against an exported head: what it names (mutation testing, docs/mutation-testing.md) ---------------


def test_a_truncation_against_an_exported_head_names_the_first_missing_record(ledger):
    fill(ledger, 6)
    exported = Head.from_json(ledger.head().to_json())
    conn = raw(ledger)
    drop_triggers(conn)
    conn.execute("DELETE FROM records WHERE seq >= 5")
    restore_triggers(conn)
    report = ledger.verify(exported)
    assert (report.first_bad_seq, report.problem) == (
        5, "record 5 is missing: the exported head is at seq 6 (truncated)"
    )


def test_a_head_of_another_ledger_names_no_record(ledger, tmp_path):
    fill(ledger, 3)
    other = Ledger(tmp_path / "other.db")
    fill(other, 3)
    report = other.verify(Head.from_json(ledger.head().to_json()))
    assert not report.ok and not report.first_bad_seq
    assert report.problem.startswith("the head belongs to another ledger")


def test_the_head_of_an_empty_ledger_verifies(ledger):
    exported = Head.from_json(ledger.head().to_json())
    assert exported.seq == 0
    assert ledger.verify(exported).ok


def test_a_record_rewritten_below_an_exported_head_is_named_with_its_reason(ledger):
    fill(ledger, 1)
    exported = Head.from_json(ledger.head().to_json())
    conn = raw(ledger)
    drop_triggers(conn)
    fields = dict(zip(HASHED_FIELDS, conn.execute(f"SELECT {', '.join(HASHED_FIELDS)} FROM records WHERE seq = 1")
                      .fetchone()))
    fields["actor"] = "mallory"
    conn.execute("UPDATE records SET actor = 'mallory', hash = ? WHERE seq = 1",
                 (chain_hash(fields["prev_hash"], record_bytes(**fields)),))
    conn.execute("DELETE FROM merkle_nodes")
    restore_triggers(conn)
    report = ledger.verify(exported)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, 1, "hash differs from the exported head (history was rewritten)"
    )


HASHED_FIELDS = ("seq", "record_id", "case_id", "kind", "supersedes", "recorded_at", "framework",
                 "framework_fingerprint", "engine_version", "canonical_version", "inputs", "decision", "actor",
                 "prev_hash")
