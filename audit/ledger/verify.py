"""Verify a ledger: recompute every hash from the stored fields, in one streaming pass.

It detects an edited field (hashed fields through the chain, typed columns
against the hashed JSON), a deleted, reordered or inserted record (through the
gapless seq and the chain of prev_hash), and, against an exported head, a
truncated tail.

The same pass rebuilds the RFC 6962 Merkle tree over the records' canonical
bytes (one leaf hash per record, one node hash per record on average), checks
every stored tree node against it, and checks every checkpoint (stored in the
ledger or given): its Ed25519 signature, and its root against the root of the
records at its size. A ledger rewritten with a recomputed chain and tree still
fails against a checkpoint signed before the rewrite.

The objection and referral events are verified in the same snapshot
(`audit.ledger.events.verify_events`), and every format-2 checkpoint and an
exported head also pin the events head (count and last hash), so a deleted or
rewritten event tail is caught against them. The schema the guarantees rest on
(triggers, indexes, UNIQUE columns) is compared with the ledger's own
(`audit.ledger.schema_check`).

Incremental verification (``since_checkpoint``) starts from the newest stored
checkpoint that `create_checkpoint` signed after a verification passed (the
*anchor*, of size k). It checks the anchor's signature, that the stored tree
nodes give its signed root at size k, that record k re-hashes to a leaf included
in that signed root (so its prev_hash, and with it any re-chained history before
it, is pinned by the signature), and then everything after record k exactly as
the full pass does: chain, typed columns, tree nodes, later checkpoints, and the
events after the anchor's events head. It trusts that records 1 to k-1 are still
those the anchor's verification saw: an edit below k that leaves record k's chain
intact is found only by the full pass. See docs/transparency.md.

Problems are reported in this order: the first bad record (chain, typed
columns, exported head, truncation below a checkpoint), then the tree nodes,
then the checkpoints, then the events, then the schema.
"""

from __future__ import annotations

import hashlib
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from audit.counting import counted
from audit.ledger.canonical import CANONICAL_VERSION, GENESIS_HASH
from audit.ledger.canonical_bulk import record_bytes_from_stored
from audit.errors import BadInput
from audit.log.checkpoints import Checkpoint, CheckpointError, check_signature, stored_checkpoints, verified_anchor
from audit.log.merkle import EMPTY_ROOT, CompactRange, ProofError, check_inclusion, inclusion_proof, leaf_hash, node_hash
from audit.log.store import LEAF_COLUMNS, STORED_LEVEL, TreeError, leaf_bytes, node_reader
from audit.ledger.events import event_hash_at, verify_events
from audit.ledger.scan import LATEST_SEQS
from audit.ledger.schema_check import schema_problems

from audit.ledger.head import Head, VerifyReport
from audit.ledger.schema import TYPED_CHECKS
from audit.ledger.events import has_events_table
from audit.log.store import OpenLog


class OpenLedger(OpenLog, Protocol):
    """What `verify_ledger` needs of a ledger (an `audit.ledger.Ledger` is one): the log's needs and the path."""

    path: Path

    def snapshot(self) -> AbstractContextManager[sqlite3.Connection]: ...


# The hashed fields, in `record_text_bytes` order, then the stored hash. The two large JSON
# fields are read as their stored UTF-8 bytes (neither decoded nor encoded again), with a flag
# saying both really are text.
_HASHED = (
    "seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, "
    "engine_version, canonical_version, CAST(inputs AS BLOB), CAST(decision AS BLOB), actor, prev_hash, hash, "
    "typeof(inputs) = 'text' AND typeof(decision) = 'text'"
)


def verify_ledger(
    ledger: OpenLedger, expected_head: Head | None = None, given: tuple[Checkpoint, ...] = (), *,
    since_checkpoint: bool = False,
) -> VerifyReport:
    """Verify in one read transaction, so records, tree nodes, checkpoints and events are one snapshot.

    The typed-column check is one SQL scan; it runs on a second connection in a
    thread (SQLite releases the GIL) while this thread hashes, bounded to the
    records of the snapshot. Inside a transaction the caller opened (`create_checkpoint`
    holds the write lock), that transaction is the snapshot.
    """
    conn = ledger.conn
    if conn.execute("PRAGMA encoding").fetchone()[0] != "UTF-8":
        raise BadInput("db", f"{ledger.path} is not UTF-8 encoded, as every dh-audit ledger is")
    with ledger.snapshot():
        last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
        missing = [p for p in schema_problems(conn) if p.startswith("table ") and p.endswith(" is missing")]
        if missing:  # the passes below read these tables: name what is gone instead of failing on it
            problem = f"the ledger's schema was changed: {'; '.join(missing)}"
            return VerifyReport(False, last, Head(ledger.ledger_id, last, "", None), None, problem)
        anchor = verified_anchor(ledger) if since_checkpoint else None
        first = anchor[1].tree_size + 1 if anchor is not None else 1
        with ThreadPoolExecutor(max_workers=1) as pool:
            typed = pool.submit(_typed_column_mismatch_in, ledger.path, TYPED_CHECKS, last, first)
            return _verify_pass(ledger, expected_head, given, typed, anchor)


class _Start:
    """Where the pass starts: after record ``size`` with this chain hash and tree frontier."""

    def __init__(self, size: int = 0, prev_raw: bytes = bytes.fromhex(GENESIS_HASH),
                 frontier: list[bytes] | None = None, recorded_at: str | None = None):
        self.size, self.prev_raw, self.frontier, self.recorded_at = size, prev_raw, frontier or [], recorded_at


def _anchor_start(conn, label: str, anchor: Checkpoint, last: int) -> tuple[_Start | None, tuple[int, str] | None]:
    """The start after the anchor's record k, or the first problem (seq, text) linking record k to it."""
    k = anchor.tree_size
    if k > last:
        return None, (last + 1, f"record {last + 1} is missing: {label} covers {counted(k, 'record')} (truncated)")
    if k == 0:
        return _Start(), None
    node = node_reader(conn)
    try:
        compact = CompactRange.from_nodes(k, node)
        path = inclusion_proof(k - 1, k, node)
    except TreeError as exc:
        return None, (0, f"{exc} (needed to link to {label})")
    row = conn.execute(f"SELECT {LEAF_COLUMNS}, hash, recorded_at FROM records WHERE seq = ?", (k,)).fetchone()
    try:
        canonical = leaf_bytes(row[:14])
    except (TypeError, ValueError) as exc:
        return None, (k, f"stored fields cannot be read back into canonical form ({exc})")
    try:
        check_inclusion(leaf_hash(canonical), k - 1, k, path, anchor.root)
    except ProofError:
        return None, (k, f"record {k} is not the record signed by {label} (history up to it was rewritten)")
    if compact.root() != anchor.root:
        return None, (0, f"the stored Merkle tree nodes do not give the signed root of {label} "
                         "(history before it was rewritten)")
    digest = hashlib.sha256(bytes.fromhex(row[13]) + canonical).digest()
    if digest.hex() != row[14]:
        return None, (k, "hash does not match the record's stored fields (the record was changed)")
    return _Start(k, digest, [n.hash for n in compact.frontier], row[15]), None


def _verify_pass(
    ledger: OpenLedger, expected_head: Head | None, given: tuple[Checkpoint, ...], typed: Future,
    anchor: tuple[int, Checkpoint] | None = None,
) -> VerifyReport:
    conn = ledger.conn
    ledger_id = ledger.ledger_id
    first_bad: tuple[int, str] | None = None
    sha256 = hashlib.sha256

    checkpoints = _labelled_checkpoints(ledger, given)
    checkpoint_problem = _signature_problem(checkpoints, ledger_id)
    start, since = _Start(), None
    if anchor is not None and checkpoint_problem is None:
        number, anchored = anchor
        since = f"stored checkpoint {number} of {counted(anchored.tree_size, 'record')}"
        last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
        found, first_bad = _anchor_start(conn, since, anchored, last)
        if first_bad is not None:
            typed.cancel()
            head = Head(ledger_id, last, "", None)
            seq = first_bad[0] or None
            return VerifyReport(False, last, head, seq, first_bad[1], mode="incremental", since=since)
        start = found
    elif anchor is not None:
        anchor = None  # a stored checkpoint is badly signed: report it, as the full pass does
    k = start.size
    expected_seq, prev_raw = k + 1, start.prev_raw
    prev_hash, last_at = prev_raw.hex(), start.recorded_at

    stored_nodes = conn.execute("SELECT level, idx, hash FROM merkle_nodes WHERE ((idx + 1) << level) > ?", (k,))
    nodes = {(level, idx): bytes(node) for level, idx, node in stored_nodes}
    due = _due_by_size(checkpoints) if checkpoint_problem is None else {}
    for size in [size for size in due if size <= k and size > 0]:
        labelled = due.pop(size)
        if size == k:
            checkpoint_problem = checkpoint_problem or _root_problem(labelled, anchor[1].root)
        else:  # older than the anchor: checked by the anchor's verification; a given one against the stored tree
            outside = [(label, c) for label, c in labelled if not label.startswith("stored")]
            if outside:
                checkpoint_problem = checkpoint_problem or _root_problem(outside, _stored_root(conn, size))
    if 0 in due:
        checkpoint_problem = checkpoint_problem or _root_problem(due.pop(0), EMPTY_ROOT)
    tree_problem: str | None = None
    frontier: list[bytes] = list(start.frontier)  # the compact range: one perfect subtree per set bit, largest first

    for row in conn.execute(f"SELECT {_HASHED} FROM records WHERE seq > ? ORDER BY seq", (k,)):
        (seq, record_id, case_id, kind, supersedes, recorded_at, framework, fingerprint, engine, version, inputs,
         decision, actor, stored_prev, stored_hash, texts) = row
        if seq != expected_seq:
            first_bad = (expected_seq, f"record {expected_seq} is missing (the next stored record is {seq})")
            break
        if stored_prev != prev_hash:
            first_bad = (seq, f"prev_hash does not match the hash of record {seq - 1} before it "
                              f"(record {seq - 1} was changed, or this link)")
            break
        if version != CANONICAL_VERSION:
            first_bad = (seq, f"unknown canonical-form version {version!r}")
            break
        try:
            if not texts:
                raise TypeError("inputs and decision must be stored as text")
            canonical = record_bytes_from_stored(
                seq, record_id, case_id, kind, supersedes, recorded_at, framework, fingerprint, engine, version,
                inputs, decision, actor, stored_prev,
            )
        except (TypeError, ValueError) as exc:
            first_bad = (seq, f"stored fields cannot be read back into canonical form ({exc})")
            break
        digest = sha256(prev_raw + canonical).digest()
        if digest.hex() != stored_hash:
            first_bad = (seq, "hash does not match the record's stored fields (the record was changed)")
            break
        prev_raw, prev_hash, last_at = digest, stored_hash, recorded_at
        expected_seq += 1

        # The Merkle tree (RFC 6962): append leaf seq - 1, merging one node per trailing 1-bit of its index.
        node = sha256(b"\x00" + canonical).digest()
        index = seq - 1
        if index & 1:
            level = 0
            while index >> level & 1:
                node = sha256(b"\x01" + frontier.pop() + node).digest()
                level += 1
                if level >= STORED_LEVEL:
                    stored = nodes.pop((level, index >> level), None)
                    if stored != node and tree_problem is None:
                        what = "is missing" if stored is None else "does not match the records it covers"
                        tree_problem = _node_problem(level, index >> level, what)
        frontier.append(node)
        if due and seq in due:
            found = _root_problem(due.pop(seq), _fold(frontier))
            checkpoint_problem = checkpoint_problem or found

    count = expected_seq - 1
    mismatch = typed.result()
    if first_bad is None and mismatch is not None:
        first_bad = mismatch
    if first_bad is None and expected_head is not None:
        first_bad = _check_against_head(expected_head, ledger_id, count, conn)
    if first_bad is None and checkpoint_problem is None and due:
        size = min(due)
        label = due[size][0][0]
        first_bad = (count + 1, f"record {count + 1} is missing: {label} covers {counted(size, 'record')} (truncated)")
    if first_bad is None and tree_problem is None and nodes:
        level, idx = min(nodes, key=lambda key: (key[1] << key[0], key[0]))
        tree_problem = _node_problem(level, idx, f"is stored, but the ledger ends at record {count}")
    schema = schema_problems(conn)
    schema_problem = f"the ledger's schema was changed: {'; '.join(schema)}" if schema else None

    mode = "full" if anchor is None else "incremental"
    events = verify_events(conn, None if anchor is None else anchor[1].events)
    events_problem = None
    if events.problem is not None:
        seq, text = events.problem
        events_problem = f"objection {text}" if text.startswith(f"event {seq} is missing") \
            else f"objection event {seq}: {text}"
    else:
        events_problem = _events_anchor_problem(conn, checkpoints, expected_head, events.count)

    head = Head(ledger_id, count, prev_hash, last_at, events_seq=events.count, events_hash=events.head_hash)
    if first_bad is not None:
        return VerifyReport(False, count, head, first_bad[0], first_bad[1], mode=mode, since=since)
    problem = tree_problem or checkpoint_problem or events_problem or schema_problem
    if problem:
        return VerifyReport(False, count, head, None, problem, mode=mode, since=since)
    signers = tuple(sorted({checkpoint.key_id for _, checkpoint in checkpoints}))
    return VerifyReport(True, count, head, tree_root=_fold(frontier).hex(), checkpoints=len(checkpoints),
                        signers=signers, events=events.count if has_events_table(conn) else None, mode=mode,
                        since=since)


def _stored_root(conn, size: int) -> bytes:
    try:
        return CompactRange.from_nodes(size, node_reader(conn)).root()
    except TreeError:
        return b""


def _events_anchor_problem(conn, checkpoints: list[tuple[str, Checkpoint]], expected_head: Head | None,
                           count: int) -> str | None:
    """The first signed or exported events head that the (verified) events no longer extend."""
    heads = [(label, c.events) for label, c in checkpoints if c.events is not None]
    if expected_head is not None and expected_head.events_seq is not None:
        heads.append(("the exported head", (expected_head.events_seq, expected_head.events_hash)))
    for label, (seq, signed) in heads:
        if seq > count:
            return f"objection event {count + 1} is missing: {label} covers {counted(seq, 'event')} (truncated)"
        if event_hash_at(conn, seq) != signed:
            return f"objection event {seq}: differs from {label} (events were rewritten)"
    return None


def _fold(frontier: list[bytes]) -> bytes:
    """The root of a compact range: hash its subtrees together from the right."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def _node_problem(level: int, idx: int, what: str) -> str:
    first, last = (idx << level) + 1, (idx + 1) << level
    return f"Merkle tree node (level {level}, index {idx}) for records {first}–{last} {what}"


def _labelled_checkpoints(ledger: OpenLedger, given: tuple[Checkpoint, ...]) -> list[tuple[str, Checkpoint]]:
    stored = [
        (f"stored checkpoint {number} (size {c.tree_size}, {c.timestamp})", c)
        for number, c in enumerate(stored_checkpoints(ledger), start=1)
    ]
    return stored + [(f"the given checkpoint of size {c.tree_size} ({c.timestamp})", c) for c in given]


def _signature_problem(checkpoints: list[tuple[str, Checkpoint]], ledger_id: str) -> str | None:
    """The first checkpoint that is not validly signed for this ledger, or stored out of order."""
    last_stored = 0
    for label, checkpoint in checkpoints:
        if checkpoint.ledger_id != ledger_id:
            return f"{label} belongs to another ledger ({checkpoint.ledger_id}, this is {ledger_id})"
        try:
            check_signature(checkpoint)
        except CheckpointError as exc:
            return f"{label}: {exc}"
        if label.startswith("stored"):
            if checkpoint.tree_size < last_stored:
                return f"{label} is smaller than the checkpoint stored before it ({counted(last_stored, 'record')})"
            last_stored = checkpoint.tree_size
    return None


def _due_by_size(checkpoints: list[tuple[str, Checkpoint]]) -> dict[int, list[tuple[str, Checkpoint]]]:
    due: dict[int, list[tuple[str, Checkpoint]]] = {}
    for label, checkpoint in checkpoints:
        due.setdefault(checkpoint.tree_size, []).append((label, checkpoint))
    return due


def _root_problem(labelled: list[tuple[str, Checkpoint]], root: bytes) -> str | None:
    for label, checkpoint in labelled:
        if checkpoint.root_hash != root.hex():
            return (
                f"{label} has Merkle root {checkpoint.root_hash[:16]}…, but records 1–{checkpoint.tree_size} "
                f"give {root.hex()[:16]}… (history was rewritten)"
            )
    return None


def _typed_column_mismatch_in(path, checks: dict[str, str], last: int, first: int = 1) -> tuple[int, str] | None:
    conn = sqlite3.connect(path, timeout=60)
    try:
        return _typed_column_mismatch(conn, checks, last, first)
    finally:
        conn.close()


def typed_columns_in_force_mismatch(conn, last: int) -> tuple[int, str] | None:
    """The first record in force (the latest of its case) up to seq ``last`` whose typed columns disagree with its
    hashed JSON: (seq, problem), or None."""
    return _typed_column_mismatch(conn, TYPED_CHECKS, last, in_force=True)


def _typed_column_mismatch(
    conn, checks: dict[str, str], last: int, first: int = 1, *, in_force: bool = False
) -> tuple[int, str] | None:
    """The first record from seq ``first`` up to ``last`` whose typed columns disagree with its hashed JSON."""
    conditions = " OR ".join(f"{column} IS NOT {expression}" for column, expression in checks.items())
    conditions += " OR case_id IS NOT json_extract(inputs, '$.case_id')"
    latest = f" AND seq IN ({LATEST_SEQS})" if in_force else ""
    row = conn.execute(
        f"SELECT seq FROM records WHERE seq BETWEEN ? AND ?{latest} AND ({conditions}) ORDER BY seq LIMIT 1",
        (first, last),
    ).fetchone()
    if row is None:
        return None
    seq = row[0]
    bad = [
        column
        for column, expression in {**checks, "case_id": "json_extract(inputs, '$.case_id')"}.items()
        if conn.execute(f"SELECT {column} IS NOT {expression} FROM records WHERE seq = ?", (seq,)).fetchone()[0]
    ]
    return seq, f"column {', '.join(bad)} does not match the hashed record"


def _check_against_head(expected: Head, ledger_id: str, count: int, conn) -> tuple[int, str] | None:
    if expected.ledger_id != ledger_id:
        return (0, f"the head belongs to another ledger ({expected.ledger_id}, this is {ledger_id})")
    if expected.seq > count:
        return (count + 1, f"record {count + 1} is missing: the exported head is at seq {expected.seq} (truncated)")
    if expected.seq == 0:
        return None
    stored = conn.execute("SELECT hash FROM records WHERE seq = ?", (expected.seq,)).fetchone()[0]
    if stored != expected.hash:
        return (expected.seq, "hash differs from the exported head (history was rewritten)")
    return None
