"""Verify a ledger: recompute every hash from the stored fields, in one streaming pass.

It detects an edited field (hashed fields through the chain, typed columns
against the hashed JSON), a deleted, reordered or inserted record (through the
gapless seq and the chain of prev_hash), and, against an exported head, a
truncated tail.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .canonical import CANONICAL_VERSION, GENESIS_HASH, record_bytes

if TYPE_CHECKING:
    from .ledger import Head, Ledger, VerifyReport

_HASHED = (
    "seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, "
    "engine_version, canonical_version, inputs, decision, actor, prev_hash, hash"
)


def verify_ledger(ledger: Ledger, expected_head: Head | None = None) -> VerifyReport:
    from .ledger import _TYPED_CHECKS, Head, VerifyReport

    conn = ledger.conn
    ledger_id = ledger.ledger_id
    expected_seq, prev_hash, last_at = 1, GENESIS_HASH, None
    first_bad: tuple[int, str] | None = None
    sha256 = hashlib.sha256

    for row in conn.execute(f"SELECT {_HASHED} FROM records ORDER BY seq"):
        seq = row[0]
        if seq != expected_seq:
            first_bad = (expected_seq, f"record {expected_seq} is missing (the next stored record is {seq})")
            break
        if row[13] != prev_hash:
            first_bad = (seq, "prev_hash does not match the hash of the record before it")
            break
        if row[9] != CANONICAL_VERSION:
            first_bad = (seq, f"unknown canonical-form version {row[9]!r}")
            break
        try:
            canonical = record_bytes(
                seq=seq, record_id=row[1], case_id=row[2], kind=row[3], supersedes=row[4],
                recorded_at=row[5], framework=row[6], framework_fingerprint=row[7], engine_version=row[8],
                canonical_version=row[9], inputs=row[10], decision=row[11], actor=row[12], prev_hash=row[13],
            )
            recomputed = sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()
        except (TypeError, ValueError) as exc:
            first_bad = (seq, f"stored fields cannot be read back into canonical form ({exc})")
            break
        if recomputed != row[14]:
            first_bad = (seq, "hash does not match the record's stored fields (the record was changed)")
            break
        prev_hash, last_at = row[14], row[5]
        expected_seq += 1

    count = expected_seq - 1
    if first_bad is None:
        mismatch = _typed_column_mismatch(conn, _TYPED_CHECKS)
        if mismatch is not None:
            first_bad = mismatch
    if first_bad is None and expected_head is not None:
        first_bad = _check_against_head(expected_head, ledger_id, count, conn)

    head = Head(ledger_id, count, prev_hash, last_at)
    if first_bad is not None:
        return VerifyReport(False, count, head, first_bad[0], first_bad[1])
    return VerifyReport(True, count, head)


def _typed_column_mismatch(conn, checks: dict[str, str]) -> tuple[int, str] | None:
    """The first record whose typed columns disagree with its hashed JSON."""
    conditions = " OR ".join(f"{column} IS NOT {expression}" for column, expression in checks.items())
    conditions += " OR case_id IS NOT json_extract(inputs, '$.case_id')"
    row = conn.execute(f"SELECT seq FROM records WHERE {conditions} ORDER BY seq LIMIT 1").fetchone()
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
