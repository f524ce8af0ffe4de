"""The ledger's RFC 6962 Merkle tree, kept in the ledger file next to the records.

Leaf ``i`` (0-based) is the canonical bytes of the record with seq ``i + 1``
(`audit.ledger.canonical.record_bytes` of its stored fields); leaf and node hashes are
those of `audit.log.merkle` (RFC 6962 §2.1).

What is stored
--------------
Only perfect subtree hashes at levels ``>= STORED_LEVEL`` (8): one row per
completed run of 256 records, about ``n / 128`` rows in all, in the table
``merkle_nodes(level, idx, hash)``. A perfect subtree never changes once its
last leaf exists, so the table is append-only like ``records`` (triggers refuse
UPDATE and DELETE) and its rows are written by `Ledger.append_entries` in the
same transaction as the records that complete them.

Leaf hashes and the nodes below level 8 are not stored: they are recomputed
from at most 256 records (one *block*) when a proof or the append path needs
them. An inclusion proof touches one or two blocks, a consistency proof at most
three, so proofs stay O(log n) lookups plus a few hundred leaf hashes.

The append path restores the compact range of the current tree from the stored
frontier nodes plus the records of the last, unfinished block
(`compact_range`), instead of rescanning the ledger.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Protocol

from audit.ledger.canonical import record_bytes
from audit.errors import BadInput
from audit.log.merkle import (
    CompactRange,
    MerkleLog,
    Node,
    NodeGetter,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_nodes,
)

STORED_LEVEL = 8
"""Lowest tree level kept in ``merkle_nodes``; lower levels are recomputed from the records."""

BLOCK = 1 << STORED_LEVEL
"""Records per perfect subtree at ``STORED_LEVEL``."""

# The table and its triggers are in the ledger's schema file (`audit/ledger/schema.sql`, section ``merkle``).

LEAF_COLUMNS = (
    "seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, "
    "engine_version, canonical_version, inputs, decision, actor, prev_hash"
)
"""The stored fields a leaf is made of, in the order `leaf_bytes` reads them."""

INSERT_NODE_SQL = "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)"


class OpenLog(Protocol):
    """What the log needs of a ledger: its open connection and its id (an `audit.ledger.Ledger` is one)."""

    conn: sqlite3.Connection

    @property
    def ledger_id(self) -> str: ...


class TreeError(RuntimeError):
    """The stored tree cannot serve a request (a node or record is missing): run `dh-audit verify`."""


def leaf_bytes(row: tuple) -> bytes:
    """The canonical bytes of a record (its Merkle leaf) from a row of `LEAF_COLUMNS`."""
    return record_bytes(
        seq=row[0], record_id=row[1], case_id=row[2], kind=row[3], supersedes=row[4], recorded_at=row[5],
        framework=row[6], framework_fingerprint=row[7], engine_version=row[8], canonical_version=row[9],
        inputs=row[10], decision=row[11], actor=row[12], prev_hash=row[13],
    )


def record_leaf(conn: sqlite3.Connection, seq: int) -> bytes:
    """The leaf (canonical bytes) of one stored record."""
    row = conn.execute(f"SELECT {LEAF_COLUMNS} FROM records WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        raise BadInput("seq", f"no record with seq {seq}")
    return leaf_bytes(row)


def tree_size(conn: sqlite3.Connection) -> int:
    """Number of leaves: the last seq (seqs are gapless)."""
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]


def _block_leaves(conn: sqlite3.Connection, block: int) -> list[bytes]:
    first = block * BLOCK + 1
    rows = conn.execute(
        f"SELECT {LEAF_COLUMNS} FROM records WHERE seq BETWEEN ? AND ? ORDER BY seq", (first, first + BLOCK - 1)
    ).fetchall()
    for offset, row in enumerate(rows):
        if row[0] != first + offset:
            raise TreeError(f"record {first + offset} is missing from the ledger; run 'dh-audit verify'")
    return [leaf_hash(leaf_bytes(row)) for row in rows]


CACHED_BLOCKS = 8
"""Blocks a node getter keeps recomputed (a proof needs at most three)."""


def node_reader(conn: sqlite3.Connection) -> NodeGetter:
    """A `node(level, index)` getter over the ledger's stored tree, for `audit.log.merkle`'s proof functions.

    Levels >= `STORED_LEVEL` are read from ``merkle_nodes``; lower ones are
    recomputed from the records of their block, and the last `CACHED_BLOCKS`
    blocks are kept. A getter serves one snapshot of the ledger: make a new one
    per request, or share one across the proofs of a single request.
    """
    blocks: dict[int, MerkleLog] = {}

    def node(level: int, index: int) -> bytes:
        if level >= STORED_LEVEL:
            row = conn.execute("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?", (level, index)).fetchone()
            if row is None:
                raise TreeError(f"Merkle tree node (level {level}, index {index}) is missing; run 'dh-audit verify'")
            return row[0]
        block = (index << level) >> STORED_LEVEL
        log = blocks.pop(block, None)
        if log is None:
            log = MerkleLog(_block_leaves(conn, block))
            if len(blocks) >= CACHED_BLOCKS:
                del blocks[next(iter(blocks))]
        blocks[block] = log  # most recently used last
        try:
            return log.node(level, index - (block << (STORED_LEVEL - level)))
        except KeyError:
            raise TreeError(f"records for Merkle tree node (level {level}, index {index}) are missing") from None

    return node


def compact_range(conn: sqlite3.Connection, size: int) -> CompactRange:
    """The compact range of the tree of ``size`` leaves: stored frontier nodes plus the last block's records."""
    return CompactRange.from_nodes(size, node_reader(conn))


def stored(nodes: Iterable[Node]) -> list[tuple[int, int, bytes]]:
    """The rows of ``merkle_nodes`` among nodes completed by `CompactRange.append`."""
    return [(n.level, n.index, n.hash) for n in nodes if n.level >= STORED_LEVEL]


def build(conn: sqlite3.Connection) -> int:
    """Build the stored tree from every record (migration of a ledger made before the tree existed).

    Run inside the caller's write transaction, on a ledger whose
    ``merkle_nodes`` is empty. Returns the number of leaves.
    """
    compact = CompactRange()
    rows: list[tuple[int, int, bytes]] = []
    for row in conn.execute(f"SELECT {LEAF_COLUMNS} FROM records ORDER BY seq"):
        rows.extend(stored(compact.append(leaf_hash(leaf_bytes(row)))))
    conn.executemany(INSERT_NODE_SQL, rows)
    return compact.size


def _check_size(conn: sqlite3.Connection, size: int, field: str = "size") -> None:
    current = tree_size(conn)
    if not 0 <= size <= current:
        raise BadInput(field, f"the ledger has {current} records, so a tree of {size} leaves does not exist")


def root(conn: sqlite3.Connection, size: int, node: NodeGetter | None = None) -> bytes:
    """The root hash of the tree of the first ``size`` records (any past size)."""
    _check_size(conn, size)
    return root_from_nodes(size, node or node_reader(conn))


def inclusion_path(conn: sqlite3.Connection, index: int, size: int, node: NodeGetter | None = None) -> list[bytes]:
    """The RFC 6962 audit path of leaf ``index`` in the tree of ``size`` leaves."""
    _check_size(conn, size)
    if not 0 <= index < size:
        raise BadInput("seq", f"record {index + 1} is not in a tree of {size} records")
    return inclusion_proof(index, size, node or node_reader(conn))


def consistency_path(conn: sqlite3.Connection, size1: int, size2: int, node: NodeGetter | None = None) -> list[bytes]:
    """The RFC 6962 consistency proof between the trees of ``size1`` and ``size2`` leaves."""
    _check_size(conn, size2)
    if size1 <= 0:
        raise BadInput("from", "a consistency proof from an empty tree proves nothing (every tree extends it)")
    if size1 > size2:
        raise BadInput("from", f"the older tree ({size1} records) is larger than the newer one ({size2})")
    return consistency_proof(size1, size2, node or node_reader(conn))
