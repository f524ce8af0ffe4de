"""Transparency (issue #9): the ledger's RFC 6962 Merkle tree, signed checkpoints and proofs."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.attacker import connect, rewrite_history
from audit.ledger.canonical import record_bytes
from audit.ledger.checkpointing import create_checkpoint
from audit.log.checkpoints import (
    Checkpoint,
    CheckpointError,
    check_signature,
    checkpoint_message,
    covering_checkpoint,
    describe_checkpoint,
    latest_checkpoint,
    sign,
    stored_checkpoints,
)
from audit.errors import BadInput
from audit.ledger import Ledger
from audit.log.merkle import MerkleLog, ProofError, leaf_hash, root
from audit.log.store import BLOCK, LEAF_COLUMNS, STORED_LEVEL, TreeError, compact_range, leaf_bytes
from audit.ledger.recording import record_case, record_cases
from audit.synth import generate_cases
from audit.log.proofs import (
    check_consistency_proof,
    check_inclusion_proof,
    proof_from_json,
    prove_consistency,
    prove_inclusion,
    prove_inclusions,
)
from decisions.inputs import parse_case

CASES = [parse_case(data) for data in generate_cases(700, 9)]
KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
OTHER_KEY = Ed25519PrivateKey.generate()
PROPERTY = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def clock(start=datetime(2026, 11, 22, 21, 54, tzinfo=timezone.utc)):
    ticks = iter(range(10**9))
    return lambda: start + timedelta(minutes=next(ticks))


def ids():
    ticks = iter(range(1, 10**9))
    return lambda: f"rec-{next(ticks):06d}"


def open_ledger(path) -> Ledger:
    return Ledger(path, clock=clock(), new_id=ids())


def reference_log(ledger: Ledger) -> MerkleLog:
    """The tree computed independently: every record's canonical bytes, straight from the table."""
    rows = ledger.conn.execute(f"SELECT {LEAF_COLUMNS} FROM records ORDER BY seq")
    return MerkleLog(leaf_hash(leaf_bytes(row)) for row in rows)


def appended_in_batches(ledger: Ledger, count: int, cuts: list[int]) -> None:
    """Append CASES[:count] in batches that end at the given cut points."""
    done = 0
    for cut in sorted({c for c in cuts if 0 < c < count} | {count}):
        record_cases(ledger, CASES[done:cut])
        done = cut


# --- the stored tree --------------------------------------------------------------------------------


def test_stored_nodes_are_the_perfect_subtrees_at_level_8_and_up(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:700])
    reference = reference_log(ledger)
    stored = {(level, idx): node for level, idx, node in
              ledger.conn.execute("SELECT level, idx, hash FROM merkle_nodes")}
    assert sorted(stored) == [(8, 0), (8, 1), (9, 0)]  # 700 records: two full blocks of 256, one of 512
    assert all(node == reference.node(level, idx) for (level, idx), node in stored.items())
    assert STORED_LEVEL == 8 and BLOCK == 256
    assert compact_range(ledger.conn, 700).root() == reference.root() == root(
        [leaf_hash(leaf_bytes(row)) for row in ledger.conn.execute(f"SELECT {LEAF_COLUMNS} FROM records")]
    )
    report = ledger.verify()
    assert report.ok and report.tree_root == reference.root().hex()


def test_the_leaf_is_the_records_canonical_bytes(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:3])
    record = ledger.get(2)
    fields = {name: getattr(record, name) for name in ("seq", "record_id", "case_id", "kind", "supersedes",
              "recorded_at", "framework", "framework_fingerprint", "engine_version", "canonical_version", "actor",
              "prev_hash")}
    inputs, decision = ledger.conn.execute("SELECT inputs, decision FROM records WHERE seq = 2").fetchone()
    leaf = record_bytes(**fields, inputs=inputs, decision=decision)
    proof = prove_inclusion(ledger, 2)
    assert proof.leaf.encode("utf-8") == leaf
    assert json.loads(leaf)["seq"] == 2


def test_appends_by_several_connections_restore_the_frontier(tmp_path):
    path = tmp_path / "l.db"
    first, second = Ledger(path), Ledger(path)
    record_cases(first, CASES[:250])
    record_cases(second, CASES[250:260])  # second restores from the records; first's cached frontier is now stale
    for case in CASES[260:270]:
        record_case(first, case)
    record_cases(second, CASES[270:520])
    assert reference_log(first).root() == compact_range(first.conn, 520).root()
    assert first.verify().ok


def test_the_append_path_reads_only_the_last_unfinished_block(tmp_path):
    path = tmp_path / "l.db"
    record_cases(open_ledger(path), CASES[:600])
    fresh = Ledger(path)  # no cached frontier: it must restore one
    statements: list[str] = []
    fresh.conn.set_trace_callback(statements.append)
    record_case(fresh, CASES[600])
    record_reads = [s for s in statements if "FROM records WHERE seq BETWEEN" in s]
    assert record_reads == [record_reads[0]] and "BETWEEN 513 AND 768" in record_reads[0]
    assert not any("FROM records ORDER BY seq" in s and "LIMIT" not in s for s in statements)
    statements.clear()
    record_case(fresh, CASES[601])  # its own frontier is cached now: no record is read back
    assert not [s for s in statements if "FROM records WHERE seq BETWEEN" in s]
    assert fresh.verify().ok


def test_a_failed_batch_leaves_neither_records_nor_nodes(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:200])
    too_early = parse_case({**json.loads(ledger.conn.execute("SELECT inputs FROM records").fetchone()[0]),
                            "assessed_on": "2023-06-30", "existing_dossier_since": None})
    with pytest.raises(Exception, match="assessed_on"):
        record_cases(ledger, [*CASES[200:600], too_early])
    assert len(ledger) == 200
    assert ledger.conn.execute("SELECT COUNT(*) FROM merkle_nodes").fetchone()[0] == 0
    record_cases(ledger, CASES[200:600])
    assert ledger.verify().ok and reference_log(ledger).root() == compact_range(ledger.conn, 600).root()


def test_tree_nodes_are_append_only(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:300])
    create_checkpoint(ledger, KEY)
    conn = sqlite3.connect(ledger.path, isolation_level=None)
    for statement in ("UPDATE merkle_nodes SET hash = zeroblob(32)", "DELETE FROM merkle_nodes",
                      "UPDATE checkpoints SET tree_size = 1", "DELETE FROM checkpoints"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)


def test_an_old_ledger_gets_its_tree_on_open(tmp_path):
    path = tmp_path / "old.db"
    ledger = open_ledger(path)
    record_cases(ledger, CASES[:520])
    expected = compact_range(ledger.conn, 520).root()
    ledger.close()
    conn = connect(path)  # make it look like a ledger written before the tree existed
    conn.execute("DROP TABLE merkle_nodes")
    conn.execute("DROP TABLE checkpoints")
    conn.execute("DELETE FROM ledger_meta WHERE key = 'merkle_stored_level'")
    conn.execute("UPDATE ledger_meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    reopened = Ledger(path, create=False)  # the CLI's way of opening: migration on open
    assert reopened.conn.execute("SELECT COUNT(*) FROM merkle_nodes").fetchone()[0] == 3
    assert dict(reopened.conn.execute("SELECT key, value FROM ledger_meta"))["schema_version"] == "2"
    report = reopened.verify()
    assert report.ok and report.tree_root == expected.hex()
    record_case(reopened, CASES[520])
    assert reopened.verify().ok


# --- checkpoints --------------------------------------------------------------------------------------


def test_checkpoint_message_is_the_documented_five_lines():
    message = checkpoint_message("0123456789abcdef0123456789abcdef", 12345, bytes(range(32)),
                                 "2026-11-22T21:54:50Z", "ab" * 32)
    assert message == (
        b"dh-audit/ledger/0123456789abcdef0123456789abcdef\n"
        b"12345\n"
        b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
        b"time 2026-11-22T21:54:50Z\n"
        b"key " + b"ab" * 32 + b"\n"
    )


def test_a_third_party_can_check_a_checkpoint_from_the_documentation_alone(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:40])
    data = json.loads(create_checkpoint(ledger, KEY, clock()).to_json())
    raw_key = base64.b64decode(data["public_key"])
    assert hashlib.sha256(raw_key).hexdigest() == data["key_id"]
    message = "\n".join([
        f"dh-audit/ledger/{data['ledger_id']}", str(data["tree_size"]),
        base64.b64encode(bytes.fromhex(data["root_hash"])).decode(), f"time {data['timestamp']}",
        f"key {data['key_id']}", f"events {data['event_count']} {data['event_hash']}", "",
    ]).encode()
    Ed25519PublicKey.from_public_bytes(raw_key).verify(base64.b64decode(data["signature"]), message)
    assert data["origin"] == f"dh-audit/ledger/{ledger.ledger_id}" and data["timestamp"] == "2026-11-22T21:54:00Z"
    assert data["root_hash"] == reference_log(ledger).root().hex()


def test_checkpoints_are_stored_and_the_latest_is_described_in_dutch(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    assert latest_checkpoint(ledger) is None
    assert describe_checkpoint(None).startswith("Berekend op een logboek zonder ondertekende boomwortel")
    record_cases(ledger, CASES[:1])
    one = create_checkpoint(ledger, KEY, clock())
    assert "met 1 besluit," in describe_checkpoint(one)
    record_cases(ledger, CASES[1:700])
    newest = create_checkpoint(ledger, KEY, clock(datetime(2026, 11, 22, 21, 54, 50, tzinfo=timezone.utc)))
    assert stored_checkpoints(ledger) == [one, newest] and latest_checkpoint(ledger) == newest
    assert describe_checkpoint(newest) == (
        f"Berekend op het logboek met 700 besluiten, boomwortel {newest.root_hash[:16]}…, "
        f"ondertekend op 22 november 2026 om 21:54 UTC (sleutel {newest.key_id[:16]}…)."
    )
    big = sign(ledger.ledger_id, 12345, bytes(32), "2026-03-01T08:05:00Z", KEY)
    assert describe_checkpoint(big).startswith("Berekend op het logboek met 12.345 besluiten, boomwortel 0000")
    assert "1 maart 2026 om 08:05 UTC" in describe_checkpoint(big)
    assert Checkpoint.from_json(newest.to_json()) == newest
    assert covering_checkpoint(ledger) == newest
    assert describe_checkpoint(newest, records=700) == describe_checkpoint(newest)
    record_cases(ledger, CASES[:2])
    assert covering_checkpoint(ledger) is None and latest_checkpoint(ledger) == newest
    assert describe_checkpoint(newest, records=702).endswith(
        "; het resultaat telt 702 besluiten, dus valt niet helemaal onder deze ondertekening."
    )


def test_verify_checks_every_stored_checkpoint_and_names_the_signing_keys(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:300])
    create_checkpoint(ledger, KEY)
    record_cases(ledger, CASES[300:400])
    create_checkpoint(ledger, OTHER_KEY)
    report = ledger.verify()
    assert report.ok and report.checkpoints == 2
    assert set(report.signers) == {checkpoint.key_id for checkpoint in stored_checkpoints(ledger)}
    assert "2 signed checkpoints match, signed by key" in report.summary()


@pytest.mark.parametrize("forgery", ["flipped_signature", "other_root", "borrowed_key_id"])
def test_a_forged_checkpoint_is_detected_by_verify(tmp_path, forgery):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:300])
    honest = create_checkpoint(ledger, KEY)
    conn = connect(ledger.path)
    if forgery == "flipped_signature":
        signature = bytearray(base64.b64decode(honest.signature))
        signature[10] ^= 1
        conn.execute("UPDATE checkpoints SET signature = ?", (base64.b64encode(signature).decode(),))
    elif forgery == "other_root":  # the root of a rewritten history, with the old signature
        conn.execute("UPDATE checkpoints SET root_hash = ?", ("ab" * 32,))
    else:  # a signature by another key, passed off under the honest key's id
        forged = sign(ledger.ledger_id, 300, honest.root, honest.timestamp, OTHER_KEY)
        conn.execute("UPDATE checkpoints SET signature = ?, public_key = ?", (forged.signature, forged.public_key))
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq is None
    assert report.problem.startswith("stored checkpoint 1 (size 300")
    assert "signature" in report.problem or "key id" in report.problem
    assert report.summary().startswith("FAILED: stored checkpoint 1")


def test_a_checkpoint_whose_root_is_not_the_records_root_is_detected(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:300])
    conn = connect(ledger.path)
    lie = sign(ledger.ledger_id, 300, bytes(32), "2026-11-22T21:54:50Z", KEY)  # validly signed, wrong root
    conn.execute("INSERT INTO checkpoints (number, tree_size, root_hash, timestamp, key_id, public_key, signature) "
                 "VALUES (1, ?, ?, ?, ?, ?, ?)", (300, lie.root_hash, lie.timestamp, lie.key_id, lie.public_key,
                                                  lie.signature))
    report = ledger.verify()
    assert not report.ok and "history was rewritten" in report.problem


def test_a_checkpoint_beyond_the_records_shows_a_truncated_ledger(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:300])
    create_checkpoint(ledger, KEY)
    conn = connect(ledger.path)
    conn.execute("DELETE FROM records WHERE seq > 250")
    conn.execute("DELETE FROM merkle_nodes")
    report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (False, 251)
    assert "truncated" in report.problem


@pytest.mark.parametrize("damage", ["changed", "missing", "extra"])
def test_damaged_tree_nodes_are_detected(tmp_path, damage):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:600])
    conn = connect(ledger.path)
    if damage == "changed":
        conn.execute("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 1")
    elif damage == "missing":
        conn.execute("DELETE FROM merkle_nodes WHERE level = 9")
    else:  # records removed, nodes left behind
        conn.execute("DELETE FROM records WHERE seq > 300")
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq is None
    expected = {"changed": "(level 8, index 1) for records 257–512 does not match",
                "missing": "(level 9, index 0) for records 1–512 is missing",
                "extra": "(level 9, index 0) for records 1–512 is stored, but the ledger ends at record 300"}
    assert expected[damage] in report.problem
    if damage == "missing":
        with pytest.raises(TreeError, match="level 9, index 0"):
            prove_inclusion(ledger, 280)


# --- proofs -----------------------------------------------------------------------------------------


@PROPERTY
@given(size=st.integers(1, 600), cuts=st.lists(st.integers(1, 599), max_size=3))
@example(size=256, cuts=[])
@example(size=600, cuts=[255, 257, 512])
def test_property_every_record_has_an_inclusion_proof_against_the_checkpoint(tmp_path_factory, size, cuts):
    ledger = open_ledger(tmp_path_factory.mktemp("incl") / "l.db")
    appended_in_batches(ledger, size, cuts)
    checkpoint = create_checkpoint(ledger, KEY)
    assert checkpoint.root == reference_log(ledger).root()
    proofs = prove_inclusions(ledger, range(1, size + 1), checkpoint)
    for proof in proofs:
        check_inclusion_proof(proof_from_json(proof.to_json()), checkpoint, PUBLIC)
    if size > 1:  # the path of one record does not prove another record at its place
        with pytest.raises(ProofError, match="not the canonical record with seq 1"):
            check_inclusion_proof(attrs.evolve(proofs[0], leaf=proofs[1].leaf), checkpoint, PUBLIC)
        moved = attrs.evolve(proofs[0], leaf=proofs[1].leaf.replace('"seq":2,', '"seq":1,'))
        with pytest.raises(ProofError, match="does not lead to the expected root"):
            check_inclusion_proof(moved, checkpoint, PUBLIC)


@PROPERTY
@given(sizes=st.integers(2, 600).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))),
       pick=st.integers(0, 10**6))
@example(sizes=(256, 600), pick=0)
@example(sizes=(300, 300), pick=299)
def test_property_consistency_between_checkpoints_and_rewrites_fail(tmp_path_factory, sizes, pick):
    size1, size2 = sizes
    changed = 1 + pick % size1  # the rewritten record, inside the older tree
    path = tmp_path_factory.mktemp("cons") / "l.db"
    ledger = open_ledger(path)
    record_cases(ledger, CASES[:size1])
    older = create_checkpoint(ledger, KEY)
    record_cases(ledger, CASES[size1:size2])
    newer = create_checkpoint(ledger, KEY)
    proof = prove_consistency(ledger, older, newer)
    check_consistency_proof(proof_from_json(proof.to_json()), older, newer, PUBLIC)
    check_consistency_proof(prove_consistency(ledger, older, older), older, older, PUBLIC)
    assert ledger.verify(checkpoints=[older, newer]).ok
    ledger.close()

    rewrite_history(path, changed)  # an old record changed; chain, tree and stored checkpoints covered up
    rewritten = open_ledger(path)
    assert rewritten.verify().ok  # the hash chain alone cannot tell
    resigned = create_checkpoint(rewritten, KEY)  # the key holder signs what the ledger now says
    forged = prove_consistency(rewritten, older, resigned)
    with pytest.raises(ProofError):
        check_consistency_proof(forged, older, resigned, PUBLIC)
    report = rewritten.verify(checkpoints=[older])
    assert not report.ok and "history was rewritten" in report.problem


def test_rewrite_the_whole_chain_attacker_is_caught_by_an_earlier_checkpoint(tmp_path):
    path = tmp_path / "l.db"
    ledger = open_ledger(path)
    record_cases(ledger, CASES[:400])
    exported = Checkpoint.from_json(create_checkpoint(ledger, KEY).to_json())  # kept by an auditor
    record_cases(ledger, CASES[400:450])
    ledger.close()

    conn = connect(path)
    conn.execute("BEGIN")
    before = conn.execute("SELECT outcome FROM records WHERE seq = 17").fetchone()[0]
    after = "eligible" if before == "not_eligible" else "not_eligible"
    conn.execute("UPDATE records SET outcome = ?, decision = replace(decision, ?, ?) WHERE seq = 17",
                 (after, f'"outcome":"{before}"', f'"outcome":"{after}"'))
    conn.commit()
    rewrite_history(path, 17, actor="dh-audit")  # recompute the chain and the tree; drop stored checkpoints

    rewritten = Ledger(path, create=False)
    assert rewritten.get(17).decision.outcome == after
    assert rewritten.verify().ok and rewritten.verify(rewritten.head()).ok
    with pytest.raises(ProofError, match="root1"):
        check_consistency_proof(prove_consistency(rewritten, exported), exported,
                                create_checkpoint(rewritten, KEY), PUBLIC)
    with pytest.raises(ProofError, match="not the signed root"):
        check_inclusion_proof(prove_inclusion(rewritten, 17, exported), exported, PUBLIC)
    assert not rewritten.verify(checkpoints=[exported]).ok


def test_an_attacker_who_keeps_the_stored_checkpoints_fails_plain_verify(tmp_path):
    path = tmp_path / "l.db"
    ledger = open_ledger(path)
    record_cases(ledger, CASES[:300])
    create_checkpoint(ledger, KEY)
    ledger.close()
    rewrite_history(path, 5, keep_checkpoints=True)
    report = Ledger(path, create=False).verify()
    assert not report.ok and report.problem.startswith("stored checkpoint 1 (size 300")


def test_proofs_check_signatures_ledgers_and_sizes(tmp_path):
    ledger = open_ledger(tmp_path / "l.db")
    record_cases(ledger, CASES[:300])
    head = create_checkpoint(ledger, KEY)
    proof = prove_inclusion(ledger, 42, head)
    check_inclusion_proof(proof, head)  # with the key the checkpoint carries
    with pytest.raises(CheckpointError, match="not by the given public key"):
        check_inclusion_proof(proof, head, OTHER_KEY.public_key())
    other = sign(head.ledger_id, head.tree_size, head.root, head.timestamp, OTHER_KEY)
    with pytest.raises(CheckpointError, match="not by the given public key"):
        check_signature(other, PUBLIC)
    record_cases(ledger, CASES[300:301])
    later = create_checkpoint(ledger, KEY)
    with pytest.raises(ProofError, match="tree of 300 records, the checkpoint for 301"):
        check_inclusion_proof(proof, later, PUBLIC)
    with pytest.raises(ProofError, match="ledger"):
        stranger = sign("f" * 32, 300, head.root, head.timestamp, KEY)
        check_inclusion_proof(proof, stranger, PUBLIC)
    with pytest.raises(BadInput, match="seq"):
        prove_inclusion(ledger, 301, head)
    with pytest.raises(BadInput, match="from"):
        prove_consistency(ledger, sign(ledger.ledger_id, 0, root([]), head.timestamp, KEY))
    with pytest.raises(ProofError, match="the ledger has 301 records, but a checkpoint signed 999"):
        prove_inclusion(ledger, 1, sign(ledger.ledger_id, 999, head.root, head.timestamp, KEY))
