"""Check that a ledger still has the schema its guarantees rest on.

The append-only triggers, the gapless-seq triggers, the indexes and the UNIQUE
columns (one `prev_hash` per record, so the chain cannot fork) are what make
the ledger append-only between two verifications. Someone with the file can
drop or rewrite them; `verify` then names what is missing or changed.

The expected schema is not listed twice: it is the ledger's schema file
(`audit/ledger/schema.sql`, every section, as `audit.ledger.schema.SCHEMA_SECTIONS`
reads it), executed on an in-memory database and read back from its ``sqlite_master``.
"""

from __future__ import annotations

import functools
import re
import sqlite3

from audit.ledger.schema import SCHEMA_SECTIONS

EVENTS_TABLE = "objection_events"
_EXACT_TABLES = ("records", "merkle_nodes", EVENTS_TABLE)
"""Tables whose CREATE statement must be exactly the one the ledger made (``checkpoints`` gains columns by
ALTER TABLE on older ledgers, so only its triggers and unique columns are compared)."""


def _normal(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def _schema_of(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str]]:
    """(type, name) -> (table, normalised SQL) of every table, trigger and named index."""
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'trigger', 'index') "
        "AND sql IS NOT NULL"
    )
    return {(kind, name): (table, _normal(sql)) for kind, name, table, sql in rows}


def _unique_columns(conn: sqlite3.Connection, table: str) -> set[tuple[str, ...]]:
    found = set()
    for row in conn.execute(f"PRAGMA index_list({table})"):
        name, unique = row[1], row[2]
        if unique:
            found.add(tuple(info[2] for info in conn.execute(f"PRAGMA index_info({name})")))
    return found


@functools.cache
def _expected() -> tuple[dict, dict]:
    conn = sqlite3.connect(":memory:")
    try:
        for statements in SCHEMA_SECTIONS.values():
            for statement in statements:
                conn.execute(statement)
        schema = _schema_of(conn)
        tables = {name for kind, name in schema if kind == "table"}
        return schema, {table: _unique_columns(conn, table) for table in tables}
    finally:
        conn.close()


def schema_problems(conn: sqlite3.Connection) -> list[str]:
    """What is missing or changed in the ledger's schema, one short phrase each (empty when intact).

    The objection events' table is optional (a ledger without objections has none);
    when it exists, its triggers and indexes are required like the others.
    """
    expected, unique = _expected()
    actual = _schema_of(conn)
    present_tables = {name for kind, name in actual if kind == "table"}
    problems = []
    for (kind, name), (table, sql) in sorted(expected.items(), key=lambda item: (item[1][0], item[0])):
        if table == EVENTS_TABLE and EVENTS_TABLE not in present_tables:
            continue
        if kind == "table" and name not in _EXACT_TABLES:
            if name not in present_tables:
                problems.append(f"table {name} is missing")
            continue
        found = actual.get((kind, name))
        if found is None:
            problems.append(f"{kind} {name} is missing")
        elif found != (table, sql):
            problems.append(f"{kind} {name} was changed")
    for table, columns in sorted(unique.items()):
        if table not in present_tables or (table == EVENTS_TABLE and EVENTS_TABLE not in present_tables):
            continue
        for missing in sorted(columns - _unique_columns(conn, table)):
            problems.append(f"UNIQUE({', '.join(missing)}) on {table} is missing")
    for (kind, name), (table, _) in sorted(actual.items()):
        ledger_table = any(t == table for t, _ in expected.values())
        if kind == "trigger" and ledger_table and (kind, name) not in expected:
            problems.append(f"trigger {name} on {table} is not part of the ledger's schema")
    return problems
