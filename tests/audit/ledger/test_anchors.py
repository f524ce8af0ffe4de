"""Anchors that cover everything (issue #12): the chain link, checkpoints and publish on a forged ledger, the
objection events under the signed heads, the schema `verify` relies on, and objections against superseded records.

Every attacker here has write access to the file and covers its traces as far as it can: it restores the triggers
it dropped and, where a test says so, rebuilds the stored Merkle tree.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.attacker import rebuild_tree, rechain, restore_triggers, rewrite_history
from tests.support.casework_helpers import open_casework, record
from audit.ledger.canonical import GENESIS_HASH, chain_hash, record_bytes
from audit.ledger.checkpointing import LedgerUnverified, create_checkpoint
from audit.log.checkpoints import Checkpoint, stored_checkpoints
from audit.cli import main
from audit.errors import BadInput
from audit.ledger import Head, Ledger
from audit.ledger.events import EVENT_COLUMNS, event_bytes, events_head
from audit.casework.objections import decide_objection, file_objection
from audit.casework.referrals import decide_referral, file_referral
from audit.ledger.schema_check import _expected
from audit.log.signing import generate_keypair, load_private_key
from audit.ledger.recording import record_cases
from audit.synth import generate_cases
from decisions.inputs import parse_case

CASES = [parse_case(data) for data in generate_cases(320, 12)]
KEY = Ed25519PrivateKey.generate()
HASHED = ("seq", "record_id", "case_id", "kind", "supersedes", "recorded_at", "framework", "framework_fingerprint",
          "engine_version", "canonical_version", "inputs", "decision", "actor", "prev_hash")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A 300-record ledger: one complete 256-record block (stored Merkle node) and an open tail of 44 records."""
    path = tmp_path_factory.mktemp("pristine") / "ledger.db"
    with Ledger(path) as ledger:
        record_cases(ledger, CASES[:300])
    return path


@pytest.fixture
def db(pristine, tmp_path):
    path = tmp_path / "ledger.db"
    shutil.copy(pristine, path)
    return path


def attacker(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for (kind, name) in _expected()[0]:
        if kind == "trigger":
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def change_one_record(path, seq: int, *, rebuild: bool = False) -> None:
    """Change who decided record `seq` and recompute that record's hash only, from its own stored prev_hash."""
    conn = attacker(path)
    conn.execute("UPDATE records SET actor = 'mallory' WHERE seq = ?", (seq,))
    fields = dict(zip(HASHED, conn.execute(f"SELECT {', '.join(HASHED)} FROM records WHERE seq = ?",
                                           (seq,)).fetchone()))
    conn.execute("UPDATE records SET hash = ? WHERE seq = ?",
                 (chain_hash(fields["prev_hash"], record_bytes(**fields)), seq))
    if rebuild:
        rebuild_tree(conn)
    restore_triggers(conn)
    conn.close()


# --- the chain link -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seq", [1, 2, 100, 255, 256, 257, 290, 299])
@pytest.mark.parametrize("rebuild", [False, True], ids=["tree-as-stored", "tree-rebuilt"])
def test_a_record_rehashed_against_its_own_prev_hash_breaks_the_chain(db, seq, rebuild):
    # Records 1-256 are in a stored block, 257-300 in the open tail. With the tree rebuilt, the chain alone is left.
    change_one_record(db, seq, rebuild=rebuild)
    with Ledger(db, create=False) as ledger:
        report = ledger.verify()
    assert not report.ok
    assert report.first_bad_seq == seq + 1, report.summary()
    assert f"hash of record {seq} before it" in report.problem


def test_the_last_record_rehashed_is_caught_by_an_exported_head(db):
    with Ledger(db, create=False) as ledger:
        exported = Head.from_json(ledger.head().to_json())
    change_one_record(db, 300, rebuild=True)
    with Ledger(db, create=False) as ledger:
        report = ledger.verify(exported)
    assert (report.ok, report.first_bad_seq) == (False, 300)
    assert "history was rewritten" in report.problem


def _anchored(db, size: int = 280) -> None:
    """Make the ledger's verified checkpoint cover records 1..size (the records after it are appended later)."""
    conn = attacker(db)
    conn.execute("DELETE FROM merkle_nodes")
    conn.execute("DELETE FROM records WHERE seq > ?", (size,))
    rebuild_tree(conn)
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        create_checkpoint(ledger, KEY)
        record_cases(ledger, CASES[size:300])
        assert ledger.verify(since_checkpoint=True).ok


@pytest.mark.parametrize("seq", [100, 279, 281, 290, 299])
def test_incremental_verify_catches_the_chain_link_attack_after_and_at_its_anchor(db, seq):
    _anchored(db, 280)
    change_one_record(db, seq, rebuild=True)
    with Ledger(db, create=False) as ledger:
        incremental = ledger.verify(since_checkpoint=True)
        full = ledger.verify()
    assert not full.ok and full.first_bad_seq == seq + 1
    if seq < 280:  # before the anchor: the rebuilt tree no longer gives the signed root, or record 280's path
        assert not incremental.ok and "rewritten" in incremental.problem, incremental.summary()
    else:
        assert not incremental.ok and incremental.first_bad_seq == seq + 1, incremental.summary()


def test_incremental_verify_trusts_a_stored_block_below_its_anchor_and_full_verify_does_not(db):
    # The documented limit: an edit inside a stored block below the anchor, with the stored tree left as it was and
    # the chain broken only there, is seen by the full pass alone (docs/transparency.md).
    _anchored(db, 280)
    change_one_record(db, 100)
    with Ledger(db, create=False) as ledger:
        assert ledger.verify(since_checkpoint=True).ok
        full = ledger.verify()
    assert not full.ok and full.first_bad_seq == 101


def test_incremental_verify_catches_a_change_to_the_anchor_record_itself(db):
    _anchored(db, 280)
    change_one_record(db, 280)
    with Ledger(db, create=False) as ledger:
        report = ledger.verify(since_checkpoint=True)
    assert (report.ok, report.first_bad_seq) == (False, 280)
    assert "not the record signed by stored checkpoint 1" in report.problem


@pytest.mark.parametrize("seq", [5, 200, 270])
def test_incremental_verify_catches_history_rewritten_and_rechained_before_its_anchor(db, seq):
    _anchored(db, 280)
    rewrite_history(db, seq, keep_checkpoints=True)
    with Ledger(db, create=False) as ledger:
        report = ledger.verify(since_checkpoint=True)
    assert not report.ok and report.mode == "incremental"
    assert "history" in report.problem and "rewritten" in report.problem


# --- checkpoint and publish refuse a forged ledger -------------------------------------------------------------


def test_checkpoint_publish_and_verify_refuse_a_rewritten_and_rechained_history(db, tmp_path):
    key = tmp_path / "signing.key"
    generate_keypair(key)
    first = run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "cp1.json")
    assert first.exit_code == 0, first.output
    rewrite_history(db, 120, keep_checkpoints=True)  # re-chained, tree rebuilt, triggers restored
    for args in (("verify", "--db", db), ("verify", "--db", db, "--since-checkpoint")):
        result = run(*args)
        assert result.exit_code == 1 and result.output.startswith("FAILED"), result.output
    signed = run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "cp2.json")
    assert signed.exit_code == 1
    assert len(signed.output.strip().splitlines()) == 1 and "does not verify, so it is not signed" in signed.output
    assert not (tmp_path / "cp2.json").exists()
    published = run("publish", "--db", db, "--out", tmp_path / "stats.db", "--generated", "2026-11",
                    "--audit-out", tmp_path / "audit.VERTROUWELIJK.json")
    assert published.exit_code == 1
    assert len(published.output.strip().splitlines()) == 1 and "nothing is published" in published.output
    assert not (tmp_path / "stats.db").exists()
    with Ledger(db, create=False) as ledger:
        assert len(stored_checkpoints(ledger)) == 1
        with pytest.raises(LedgerUnverified):
            create_checkpoint(ledger, load_private_key(key))


def test_checkpoint_refuses_a_ledger_whose_triggers_were_dropped(db):
    attacker(db).close()
    with Ledger(db, create=False) as ledger:
        with pytest.raises(LedgerUnverified, match="trigger records_no_update is missing"):
            create_checkpoint(ledger, KEY)
        assert stored_checkpoints(ledger) == []


def test_checkpoints_record_how_they_were_verified(db):
    with Ledger(db, create=False) as ledger:
        create_checkpoint(ledger, KEY)
        record_cases(ledger, CASES[300:310])
        create_checkpoint(ledger, KEY)
        modes = [row[0] for row in ledger.conn.execute("SELECT verified FROM checkpoints ORDER BY number")]
        report = ledger.verify(since_checkpoint=True)
    assert modes == ["full", "incremental"]
    assert report.ok and report.summary().startswith("ok (incremental from stored checkpoint 2 of 310 records)")


def test_without_a_verified_checkpoint_since_checkpoint_verifies_everything(db):
    with Ledger(db, create=False) as ledger:
        report = ledger.verify(since_checkpoint=True)
    assert report.ok and report.mode == "full" and report.records == 300


# --- objection and referral events under the heads and checkpoints ---------------------------------------------


@pytest.fixture
def casework(tmp_path):
    """Events: an objection filed and rejected (1, 2), a referral filed and decided (3, 4)."""
    cw = open_casework(tmp_path / "events.db")
    seq = record(cw, case_id="ANK-1", pgv_5mms_events=3)
    other = record(cw, case_id="ANK-2", pgv_5mms_events=2)
    objection = file_objection(cw, seq=seq, sent_on=date(2026, 2, 17), received_on=date(2026, 3, 2),
                               committee_hears=True, grounds=["area"], text="Vijf bevingen.", actor="r1")
    decide_objection(cw, objection.id, outcome="rejected", decided_on=date(2026, 4, 1), actor="r2")
    referral = file_referral(cw, seq=other, route="cbs", referred_on=date(2026, 3, 1), actor="r3", text="Zwaar.")
    yield cw, objection.id, referral.id
    cw.ledger.close()


def delete_events(path, where: str) -> None:
    conn = attacker(path)
    conn.execute(f"DELETE FROM objection_events WHERE {where}")
    restore_triggers(conn)
    conn.close()


def test_verify_says_whether_it_checked_objection_and_referral_events(casework, db):
    cw, _, _ = casework
    assert "3 objection and referral events intact" in cw.ledger.verify().summary()
    with Ledger(db, create=False) as ledger:
        assert "no objection or referral events" in ledger.verify().summary()


@pytest.mark.parametrize("anchor", ["head", "checkpoint"])
def test_deleting_the_last_decided_event_is_caught_by_a_saved_head_or_checkpoint(casework, anchor):
    cw, objection_id, _ = casework
    path = cw.ledger.path
    conn = attacker(path)  # make the rejection the last event: drop the referral, as if it never happened
    conn.execute("DELETE FROM objection_events WHERE seq = 3")
    restore_triggers(conn)
    conn.close()
    head = Head.from_json(cw.ledger.head().to_json())
    if anchor == "checkpoint":
        create_checkpoint(cw.ledger, KEY)
    assert head.events_seq == 2 and cw.ledger.verify(head).ok
    delete_events(path, "seq = 2 AND event_type = 'decided'")
    with Ledger(path, create=False) as ledger:
        reports = [ledger.verify(head)] if anchor == "head" else [ledger.verify(), ledger.verify(since_checkpoint=True)]
        for report in reports:
            assert not report.ok
            assert "objection event 2 is missing" in report.problem and "truncated" in report.problem


@pytest.mark.parametrize("anchor", ["head", "checkpoint"])
def test_deleting_a_referral_decided_event_is_caught_by_a_saved_head_or_checkpoint(casework, anchor):
    cw, _, referral_id = casework
    decide_referral(cw, referral_id, granted=False, decided_on=date(2026, 5, 1), actor="r4")
    assert events_head(cw.conn)[0] == 4
    head = Head.from_json(cw.ledger.head().to_json())
    if anchor == "checkpoint":
        create_checkpoint(cw.ledger, KEY)
    delete_events(cw.ledger.path, "event_type = 'referral_decided'")
    with Ledger(cw.ledger.path, create=False) as ledger:
        reports = [ledger.verify(head)] if anchor == "head" else [ledger.verify(), ledger.verify(since_checkpoint=True)]
        for report in reports:
            assert not report.ok and "objection event 4 is missing" in report.problem, report.summary()


def test_events_rewritten_and_rechained_are_caught_by_a_checkpoint(casework):
    cw, _, _ = casework
    create_checkpoint(cw.ledger, KEY)
    conn = attacker(cw.ledger.path)
    prev = GENESIS_HASH
    for row in conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events ORDER BY seq").fetchall():
        fields = dict(zip(EVENT_COLUMNS, row), prev_hash=prev)
        if fields["seq"] == 2:
            fields["actor"] = "mallory"
        fields["hash"] = chain_hash(prev, event_bytes(fields))
        conn.execute("UPDATE objection_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                     (fields["actor"], prev, fields["hash"], fields["seq"]))
        prev = fields["hash"]
    restore_triggers(conn)
    conn.close()
    with Ledger(cw.ledger.path, create=False) as ledger:
        for report in (ledger.verify(), ledger.verify(since_checkpoint=True)):
            assert not report.ok and "events were rewritten" in report.problem, report.summary()


def test_format_1_checkpoints_and_old_heads_are_still_read(casework):
    cw, _, _ = casework
    signed = create_checkpoint(cw.ledger, KEY)
    data = signed.to_data()
    assert data["format"] == "dh-audit-checkpoint/2" and data["event_count"] == 3
    old = {k: v for k, v in data.items() if k not in ("event_count", "event_hash")} | {
        "format": "dh-audit-checkpoint/1"}
    assert Checkpoint.from_data(old).events is None
    with pytest.raises(BadInput, match="event_count"):
        Checkpoint.from_data(data | {"event_count": -1})
    head = json.loads(cw.ledger.head().to_json())
    old_head = Head.from_json(json.dumps({k: v for k, v in head.items() if not k.startswith("events_")}))
    assert old_head.events_seq is None and cw.ledger.verify(old_head).ok


# --- the schema verify relies on -------------------------------------------------------------------------------


TRIGGERS = sorted(name for kind, name in _expected()[0] if kind == "trigger" and not name.startswith("objection"))


@pytest.mark.parametrize("name", TRIGGERS)
def test_each_dropped_trigger_is_named(db, name):
    conn = sqlite3.connect(db)
    conn.execute(f"DROP TRIGGER {name}")
    conn.commit()
    conn.close()
    result = run("verify", "--db", db)
    assert result.exit_code == 1
    assert f"trigger {name} is missing" in result.output


def test_all_dropped_triggers_are_named_and_a_defused_one_is_changed(casework):
    cw, _, _ = casework
    conn = attacker(cw.ledger.path)
    conn.execute("CREATE TRIGGER records_no_update BEFORE UPDATE ON records WHEN 0 BEGIN SELECT 1; END")
    conn.execute("DROP INDEX records_case")
    conn.close()
    report = cw.ledger.verify()
    assert not report.ok
    expected = {name for kind, name in _expected()[0] if kind == "trigger"} - {"records_no_update"}
    for name in expected:
        assert f"trigger {name} is missing" in report.problem
    assert "trigger records_no_update was changed" in report.problem
    assert "index records_case is missing" in report.problem


def test_a_records_table_without_unique_prev_hash_is_named(db):
    conn = attacker(db)
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'records'").fetchone()
    conn.execute("ALTER TABLE records RENAME TO records_old")
    conn.execute(sql.replace("prev_hash TEXT NOT NULL UNIQUE", "prev_hash TEXT NOT NULL"))
    conn.execute("INSERT INTO records SELECT * FROM records_old")
    conn.execute("DROP TABLE records_old")
    conn.execute("CREATE INDEX records_case ON records(case_id, seq)")
    conn.execute("CREATE INDEX records_supersedes ON records(supersedes)")
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        report = ledger.verify()
    assert not report.ok
    assert "UNIQUE(prev_hash) on records is missing" in report.problem
    assert "table records was changed" in report.problem


# --- objections against a superseded record ---------------------------------------------------------------------


def test_an_objection_against_a_superseded_record_is_refused_with_exit_2(tmp_path):
    cw = open_casework(tmp_path / "ledger.db")
    first = record(cw, case_id="SUP-1", pgv_5mms_events=3)
    cw.ledger.close()
    case = tmp_path / "case.json"
    from tests.support.cases import case_data

    case.write_text(json.dumps(case_data(case_id="SUP-1", pgv_5mms_events=4)))
    with Ledger(tmp_path / "ledger.db", create=False) as ledger:
        from decisions.evaluate import evaluate
        from audit.ledger import Entry

        corrected = parse_case(case_data(case_id="SUP-1", pgv_5mms_events=4))
        (second,) = ledger.append_entries([Entry(corrected, evaluate(corrected), "correction", first, "r9")])
    result = CliRunner().invoke(main, [
        "objection", "file", "--db", str(tmp_path / "ledger.db"), "--seq", str(first), "--sent-on", "2026-02-17",
        "--received-on", "2026-03-02", "--grounds", "area", "--committee", "--actor", "r1",
    ])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: seq: record {first} is superseded by record {second}: an objection lies only against the decision"
        " in force"
    )


@pytest.mark.parametrize("seq", [1, 256, 280, 281, 300])
def test_a_stored_hash_column_changed_alone_is_named_by_full_and_incremental_verify(db, seq):
    _anchored(db, 280)
    conn = attacker(db)
    conn.execute("UPDATE records SET hash = ? WHERE seq = ?", ("ab" * 32, seq))
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        full, incremental = ledger.verify(), ledger.verify(since_checkpoint=True)
    assert (full.ok, full.first_bad_seq) == (False, seq)
    assert "hash does not match the record's stored fields" in full.problem
    if seq >= 280:
        assert (incremental.ok, incremental.first_bad_seq) == (False, seq), incremental.summary()


# --- what verify names: the record, the reason, the head (mutation testing, docs/mutation-testing.md) ----------


def test_the_chain_link_problem_names_the_record_before_it(db):
    change_one_record(db, 100)
    with Ledger(db, create=False) as ledger:
        report = ledger.verify()
    assert (report.first_bad_seq, report.problem) == (
        101, "prev_hash does not match the hash of record 100 before it (record 100 was changed, or this link)"
    )


def test_a_ledger_truncated_below_its_anchor_names_the_first_missing_record(db):
    _anchored(db, 280)
    conn = attacker(db)
    conn.execute("DELETE FROM records WHERE seq > 270")
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        report = ledger.verify(since_checkpoint=True)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, 271, "record 271 is missing: stored checkpoint 1 of 280 records covers 280 records (truncated)"
    )


def test_incremental_verify_names_no_record_when_the_tree_nodes_to_its_anchor_are_gone(db):
    _anchored(db, 280)
    conn = attacker(db)
    conn.execute("DELETE FROM merkle_nodes WHERE level = 8 AND idx = 0")
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        report = ledger.verify(since_checkpoint=True)
    assert not report.ok and report.first_bad_seq is None, report.summary()
    assert report.problem.endswith("(needed to link to stored checkpoint 1 of 280 records)")


def test_the_anchor_records_hash_changed_alone_is_named_with_its_reason(db):
    _anchored(db, 280)
    conn = attacker(db)
    conn.execute("UPDATE records SET hash = ? WHERE seq = 280", ("ab" * 32,))
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        report = ledger.verify(since_checkpoint=True)
    assert (report.first_bad_seq, report.problem) == (
        280, "hash does not match the record's stored fields (the record was changed)"
    )


def test_incremental_verify_ending_at_its_anchor_gives_the_same_head_as_the_full_pass(db):
    _anchored(db, 300)
    with Ledger(db, create=False) as ledger:
        incremental, full = ledger.verify(since_checkpoint=True), ledger.verify()
    assert incremental.ok and incremental.mode == "incremental"
    assert incremental.head == full.head == ledger_head(db)
    assert incremental.head.recorded_at is not None


def ledger_head(path):
    with Ledger(path, create=False) as ledger:
        return ledger.head()


def test_an_anchor_of_one_record_pins_that_record(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        record_cases(ledger, CASES[:1])
        create_checkpoint(ledger, KEY)
        record_cases(ledger, CASES[1:5])
    change_one_record(path, 1)
    with Ledger(path, create=False) as ledger:
        report = ledger.verify(since_checkpoint=True)
    assert (report.ok, report.first_bad_seq) == (False, 1), report.summary()
    assert "not the record signed by stored checkpoint 1" in report.problem


def test_a_checkpoint_problem_shows_both_roots_to_16_hex_digits(db):
    with Ledger(db, create=False) as ledger:
        signed = create_checkpoint(ledger, KEY)
    rewrite_history(db, 120, keep_checkpoints=True)
    with Ledger(db, create=False) as ledger:
        report = ledger.verify()
    assert not report.ok and report.first_bad_seq is None
    found = re.search(r"has Merkle root ([0-9a-f]+)…, but records 1–300 give ([0-9a-f]+)… \(history was rewritten\)$",
                      report.problem)
    assert found, report.problem
    assert found.group(1) == signed.root_hash[:16]
    assert len(found.group(2)) == 16 and found.group(2) != found.group(1)


@pytest.fixture(scope="module")
def two_blocks(tmp_path_factory):
    """A 512-record ledger: two stored 256-record nodes at level 8 and their parent at level 9."""
    path = tmp_path_factory.mktemp("two-blocks") / "ledger.db"
    with Ledger(path) as ledger:
        record_cases(ledger, [parse_case(data) for data in generate_cases(512, 21)])
    return path


@pytest.mark.parametrize("change, what", [
    ("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 1", "does not match the records it covers"),
    ("DELETE FROM merkle_nodes WHERE level = 8 AND idx = 1", "is missing"),
])
def test_a_changed_or_missing_tree_node_is_named_by_level_index_and_records(two_blocks, tmp_path, change, what):
    path = tmp_path / "ledger.db"
    shutil.copy(two_blocks, path)
    conn = attacker(path)
    conn.execute(change)
    restore_triggers(conn)
    conn.close()
    with Ledger(path, create=False) as ledger:
        report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, None)
    assert report.problem == f"Merkle tree node (level 8, index 1) for records 257–512 {what}"


def test_a_ledger_truncated_below_a_stored_checkpoint_names_the_first_missing_record(db):
    with Ledger(db, create=False) as ledger:
        signed = create_checkpoint(ledger, KEY)
    conn = attacker(db)
    conn.execute("DELETE FROM records WHERE seq > 290")
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, 291)
    assert report.problem == (
        f"record 291 is missing: stored checkpoint 1 (size 300, {signed.timestamp}) covers 300 records (truncated)"
    )


def test_a_checkpoint_of_the_empty_ledger_and_two_of_the_same_size_verify(tmp_path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        create_checkpoint(ledger, KEY)
        record_cases(ledger, CASES[:3])
        create_checkpoint(ledger, KEY)
        create_checkpoint(ledger, KEY)
        report = ledger.verify()
    assert report.ok and report.checkpoints == 3, report.summary()


def test_a_trigger_added_to_a_ledger_table_is_named(db):
    conn = sqlite3.connect(db)
    conn.execute("CREATE TRIGGER records_quiet AFTER INSERT ON records BEGIN SELECT 1; END")
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("CREATE TRIGGER notes_own AFTER INSERT ON notes BEGIN SELECT 1; END")
    conn.commit()
    conn.close()
    with Ledger(db, create=False) as ledger:
        report = ledger.verify()
    assert not report.ok
    # A trigger on a table that is not the ledger's is not the ledger's business; one on `records` is.
    assert report.problem == "the ledger's schema was changed: trigger records_quiet on records is not part of the " \
                             "ledger's schema"


def test_stored_checkpoints_put_out_of_order_are_named(db):
    _anchored(db, 280)
    with Ledger(db, create=False) as ledger:
        create_checkpoint(ledger, KEY)
    conn = attacker(db)
    for old, new in ((1, 3), (2, 1), (3, 2)):  # swap checkpoints 1 (280 records) and 2 (300 records)
        conn.execute("UPDATE checkpoints SET number = ? WHERE number = ?", (new, old))
    restore_triggers(conn)
    conn.close()
    with Ledger(db, create=False) as ledger:
        report = ledger.verify()
    assert not report.ok
    assert report.problem.startswith("stored checkpoint 2 (size 280, ")
    assert report.problem.endswith("is smaller than the checkpoint stored before it (300 records)")



@pytest.mark.parametrize("table", ["checkpoints", "merkle_nodes"])
def test_a_table_dropped_under_an_open_ledger_is_named_not_a_crash(tmp_path, table):
    with Ledger(tmp_path / "l.db") as ledger:
        record_cases(ledger, CASES[:3])
        ledger.conn.execute(f"DROP TABLE {table}")
        report = ledger.verify()
    assert not report.ok
    assert f"table {table} is missing" in report.problem
