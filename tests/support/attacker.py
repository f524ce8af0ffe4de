"""An attacker with write access to the ledger file, for the transparency tests.

`rewrite_history` is the strongest attacker a hash chain alone cannot catch: it
changes one old record, recomputes every later chain hash, rebuilds the stored
Merkle tree from the rewritten records, and removes the stored checkpoints that
would betray it. Only a checkpoint exported (and signed) before the rewrite can
show what happened.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from audit.ledger.canonical import chain_hash, record_bytes
from audit.log.store import build

HASHED = ("seq", "record_id", "case_id", "kind", "supersedes", "recorded_at", "framework", "framework_fingerprint",
          "engine_version", "canonical_version", "inputs", "decision", "actor", "prev_hash")
TRIGGERS = ("records_no_update", "records_no_delete", "records_gapless", "merkle_nodes_no_update",
            "merkle_nodes_no_delete", "checkpoints_no_update", "checkpoints_no_delete", "checkpoints_gapless")


def connect(path: str | Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with every append-only trigger dropped."""
    conn = sqlite3.connect(path, isolation_level=None)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def restore_triggers(conn: sqlite3.Connection) -> None:
    """Put the dropped triggers back as the ledger made them, so `verify`'s schema check sees nothing."""
    from audit.ledger import SCHEMA_STATEMENTS
    from audit.ledger.events import ensure_schema, has_events_table

    for statement in SCHEMA_STATEMENTS:
        if statement.upper().startswith("CREATE TRIGGER"):
            conn.execute(statement)
    if has_events_table(conn):
        ensure_schema(conn)


def rechain(conn: sqlite3.Connection, from_seq: int) -> None:
    """Recompute prev_hash and hash of every record from `from_seq` on, so the chain verifies again."""
    row = conn.execute("SELECT hash FROM records WHERE seq = ?", (from_seq - 1,)).fetchone()
    prev = row[0] if row else "0" * 64
    for values in conn.execute(f"SELECT {', '.join(HASHED)} FROM records WHERE seq >= ? ORDER BY seq",
                               (from_seq,)).fetchall():
        fields = dict(zip(HASHED, values), prev_hash=prev)
        new_hash = chain_hash(prev, record_bytes(**fields))
        conn.execute("UPDATE records SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, new_hash, fields["seq"]))
        prev = new_hash


def rebuild_tree(conn: sqlite3.Connection) -> None:
    """Replace the stored Merkle tree with one computed from the records as they are now."""
    conn.execute("DELETE FROM merkle_nodes")
    build(conn)


def rewrite_history(path: str | Path, seq: int, actor: str = "mallory", keep_checkpoints: bool = False) -> None:
    """Change who decided record `seq`, then cover every trace a plain `verify` would see."""
    conn = connect(path)
    conn.execute("BEGIN")
    conn.execute("UPDATE records SET actor = ? WHERE seq = ?", (actor, seq))
    rechain(conn, seq)
    rebuild_tree(conn)
    if not keep_checkpoints:
        conn.execute("DELETE FROM checkpoints")
    restore_triggers(conn)
    conn.execute("COMMIT")
    conn.close()
