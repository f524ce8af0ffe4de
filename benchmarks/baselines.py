"""The baselines, each run as its own child process: `python -m benchmarks.baselines KIND ...`.

- ``dump-rows LEDGER ROWS``: preparation, not measured. Writes the ledger's
  ``records`` rows (every column `dh-audit record` inserts, canonical JSON and
  hashes included) to ROWS, pickled in batches.
- ``insert ROWS DB``: the `record` baseline. A new ledger file with the ledger's
  own schema (every table, index and trigger) and pragmas (WAL,
  ``synchronous=FULL``); the rows of ROWS go in with one ``executemany`` in one
  ``BEGIN IMMEDIATE`` transaction, then one ``COMMIT``.
- ``hash LEDGER``: the `verify` baseline. Reads the stored fields that `verify`
  reads (the 14 hashed columns and the stored hash, ``ORDER BY seq``) and hashes
  each row's fields, joined, with SHA-256 in a plain loop.
- ``peer LEDGER``: the `compare` baseline, `benchmarks.openfisca_peer.run_peer`.
- ``peer-draft LEDGER DRAFT``: the `whatif` baseline, `benchmarks.openfisca_peer.run_peer_draft` with the draft's
  parameter overrides as an OpenFisca reform.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

from audit.ledger import INSERT_COLUMNS, INSERT_SQL, SCHEMA_STATEMENTS, connect

BATCH = 10_000
HASHED_COLUMNS = (
    "seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, "
    "engine_version, canonical_version, inputs, decision, actor, prev_hash, hash"
)


def dump_rows(ledger: Path, rows: Path) -> int:
    count = 0
    with sqlite3.connect(ledger) as conn, open(rows, "wb") as out:
        cursor = conn.execute(f"SELECT {', '.join(INSERT_COLUMNS)} FROM records ORDER BY seq")
        while batch := cursor.fetchmany(BATCH):
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
            count += len(batch)
    return count


def _stored_rows(rows: Path) -> Iterator[tuple]:
    with open(rows, "rb") as fh:
        while True:
            try:
                batch = pickle.load(fh)
            except EOFError:
                return
            yield from batch


def insert(rows: Path, db: Path) -> int:
    conn = connect(db)
    for statement in SCHEMA_STATEMENTS:
        conn.execute(statement)
    conn.execute("BEGIN IMMEDIATE")
    cursor = conn.executemany(INSERT_SQL, _stored_rows(rows))
    conn.execute("COMMIT")
    count = cursor.rowcount
    conn.close()
    return count


def hash_loop(ledger: Path) -> int:
    conn = sqlite3.connect(ledger)
    sha256 = hashlib.sha256
    count = 0
    for row in conn.execute(f"SELECT {HASHED_COLUMNS} FROM records ORDER BY seq"):
        sha256("\x1f".join(map(str, row)).encode("utf-8")).digest()
        count += 1
    conn.close()
    return count


def peer(ledger: Path) -> None:
    from benchmarks.openfisca_peer import run_peer

    run_peer(ledger)


def peer_draft(ledger: Path, draft: Path) -> None:
    from benchmarks.openfisca_peer import draft_overrides, run_peer_draft

    run_peer_draft(ledger, draft_overrides(draft))


def main(argv: list[str]) -> int:
    kind, *paths = argv
    if kind == "dump-rows":
        print(dump_rows(Path(paths[0]), Path(paths[1])))
    elif kind == "insert":
        print(insert(Path(paths[0]), Path(paths[1])))
    elif kind == "hash":
        print(hash_loop(Path(paths[0])))
    elif kind == "peer":
        peer(Path(paths[0]))
    elif kind == "peer-draft":
        peer_draft(Path(paths[0]), Path(paths[1]))
    else:
        print(f"unknown baseline {kind!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
