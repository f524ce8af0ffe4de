"""Streaming reads of the ledger for replay, comparison and boundary cases: plain SQL, one cursor.

Nothing here loads the ledger into memory: every function yields rows as the
SQLite cursor produces them. Rows hold the stored canonical text of inputs and
decision; callers parse only what they need.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import attrs

_STORED_COLUMNS = (
    "seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, "
    "inputs, decision, hash"
)

LATEST_SEQS = "SELECT MAX(seq) FROM records GROUP BY case_id"


@attrs.frozen
class StoredRecord:
    """The stored fields of one record that analysis needs, with inputs and decision as canonical text."""

    seq: int
    record_id: str
    case_id: str
    kind: str
    supersedes: int | None
    recorded_at: str
    framework: str
    framework_fingerprint: str
    inputs: str
    decision: str
    hash: str


def _stored(conn: sqlite3.Connection, where: str, params: tuple) -> Iterator[StoredRecord]:
    cursor = conn.execute(f"SELECT {_STORED_COLUMNS} FROM records {where} ORDER BY seq", params)
    for row in cursor:
        yield StoredRecord(*row)


def all_records(conn: sqlite3.Connection) -> Iterator[StoredRecord]:
    """Every record, in seq order."""
    return _stored(conn, "", ())


def record_at(conn: sqlite3.Connection, seq: int) -> StoredRecord | None:
    """The record with this seq, or None."""
    return next(_stored(conn, "WHERE seq = ?", (seq,)), None)


def case_records(conn: sqlite3.Connection, case_id: str) -> Iterator[StoredRecord]:
    """Every record of one case, oldest first."""
    return _stored(conn, "WHERE case_id = ?", (case_id,))


def latest_inputs(conn: sqlite3.Connection) -> Iterator[tuple[int, str, str]]:
    """`(seq, kind, inputs)` of the latest record of every case, in seq order: the facts in force per case."""
    cursor = conn.execute(f"SELECT seq, kind, inputs FROM records WHERE seq IN ({LATEST_SEQS}) ORDER BY seq")
    yield from cursor


def record_count(conn: sqlite3.Connection) -> int:
    """The number of records (the last seq: seqs are gapless)."""
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]


def case_count(conn: sqlite3.Connection) -> int:
    """The number of distinct cases."""
    return conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT case_id FROM records)").fetchone()[0]


def head(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """`(seq, hash)` of the last record: the state of the ledger a report describes."""
    row = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, None) if row is None else (row[0], row[1])
