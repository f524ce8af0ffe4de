"""The schema of a ledger file: the records table with its triggers and indexes, and the log's tables.

`verify` checks the typed copies of facts (`TYPED_CHECKS`) against the hashed
JSON, and `audit.ledger.schema_check` compares a ledger's schema with these statements.
"""

from __future__ import annotations

from audit.log import store as merkle_store
from audit.log.checkpoints import SCHEMA as CHECKPOINTS_SCHEMA

# Typed copies of facts that queries need. They are derived from the hashed
# JSON, and `verify` checks every one of them against it.
TYPED_CHECKS = {
    "municipality": "json_extract(inputs, '$.municipality')",
    "assessed_on": "json_extract(inputs, '$.assessed_on')",
    "technical_cause": "json_extract(inputs, '$.technical_cause')",
    "recognised_cents": "CAST(REPLACE(json_extract(inputs, '$.recognised_damage_eur'), '.', '') AS INTEGER)",
    "unsettled_cents": "CAST(REPLACE(json_extract(inputs, '$.unsettled_damage_eur'), '.', '') AS INTEGER)",
    "structural_cents": "CAST(REPLACE(json_extract(inputs, '$.structural_damage_eur'), '.', '') AS INTEGER)",
    "woz_cents": "CAST(REPLACE(json_extract(inputs, '$.woz_value_eur'), '.', '') AS INTEGER)",
    "rijksmonument": "json_extract(inputs, '$.rijksmonument')",
    "pgv_events": "json_extract(inputs, '$.pgv_5mms_events')",
    "in_pilot_area": "json_extract(inputs, '$.in_pilot_area')",
    "in_reinforcement_area": "json_extract(inputs, '$.in_reinforcement_area')",
    "dossier_since": "json_extract(inputs, '$.existing_dossier_since')",
    "estimated_cost_cents": "CAST(REPLACE(json_extract(inputs, '$.estimated_cost_eur'), '.', '') AS INTEGER)",
    "outcome": "json_extract(decision, '$.outcome')",
    "basis": "json_extract(decision, '$.basis')",
    "max_amount_cents": "CAST(REPLACE(json_extract(decision, '$.max_amount_eur'), '.', '') AS INTEGER)",
    "cap_basis": "json_extract(decision, '$.cap_basis')",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('assessment', 'objection_decision', 'exception_decision', 'correction')),
    supersedes INTEGER REFERENCES records(seq),
    recorded_at TEXT NOT NULL,
    framework TEXT NOT NULL,
    framework_fingerprint TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    canonical_version INTEGER NOT NULL,
    inputs TEXT NOT NULL,
    decision TEXT NOT NULL,
    actor TEXT NOT NULL,
    prev_hash TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    municipality TEXT NOT NULL,
    assessed_on TEXT NOT NULL,
    technical_cause INTEGER NOT NULL,
    recognised_cents INTEGER NOT NULL,
    unsettled_cents INTEGER NOT NULL,
    structural_cents INTEGER NOT NULL,
    woz_cents INTEGER NOT NULL,
    rijksmonument INTEGER NOT NULL,
    pgv_events INTEGER NOT NULL,
    in_pilot_area INTEGER NOT NULL,
    in_reinforcement_area INTEGER NOT NULL,
    dossier_since TEXT,
    estimated_cost_cents INTEGER,
    outcome TEXT NOT NULL,
    basis TEXT,
    max_amount_cents INTEGER,
    cap_basis TEXT
);
CREATE INDEX IF NOT EXISTS records_case ON records(case_id, seq);
CREATE INDEX IF NOT EXISTS records_supersedes ON records(supersedes);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a record cannot be updated; append a correction instead');
END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a record cannot be deleted');
END;
CREATE TRIGGER IF NOT EXISTS records_gapless BEFORE INSERT ON records
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM records)
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger: seq must follow the last record without a gap');
END;
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
""" + merkle_store.SCHEMA + CHECKPOINTS_SCHEMA


def _split_sql(script: str) -> list[str]:
    """Split the schema into statements (triggers contain semicolons inside BEGIN … END)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            statements.append(text)
            current = []
    return statements


SCHEMA_STATEMENTS = tuple(_split_sql(_SCHEMA))
