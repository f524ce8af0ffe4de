-- The schema of a dh-audit ledger: one SQLite file, append-only.
--
-- This file is the only place the schema is written down. `audit.ledger.schema`
-- reads it, `audit.ledger.store` runs it (statement by statement, inside one write
-- transaction) when it creates or upgrades a ledger, and
-- `audit.ledger.schema_check` runs it on an in-memory database to
-- know what an intact ledger must still contain. Comments stand between the
-- statements, never inside one: SQLite keeps the text of every CREATE statement,
-- and the schema check compares that text with the text made from this file, so
-- that a ledger made by an earlier release (from the same statements) still
-- matches.
--
-- Every statement is idempotent (IF NOT EXISTS, INSERT OR IGNORE): running the
-- file again on an existing ledger changes nothing.
--
-- A line `-- section: <name>` starts a section. Sections `records`, `meta`,
-- `merkle` and `checkpoints` are made with the ledger; `objection_events` is made
-- with the first objection or referral event, so that a ledger without them has
-- no such table.


-- section: records

-- One row per decision record. The first fifteen columns are the record as
-- hashed (see docs/ledger-format.md); `prev_hash` UNIQUE means the chain cannot
-- fork. The columns after `hash` are typed copies of facts in the hashed JSON
-- (`inputs`, `decision`) that queries group by; they are not hashed, and
-- `verify` checks every one of them against the JSON (docs/trust.md).
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

-- The history of a case, and the records that supersede a record.
CREATE INDEX IF NOT EXISTS records_case ON records(case_id, seq);
CREATE INDEX IF NOT EXISTS records_supersedes ON records(supersedes);

-- Append-only from any connection, not only from dh-audit: a mistake is fixed by
-- appending a correction.
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a record cannot be updated; append a correction instead');
END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a record cannot be deleted');
END;

-- Seqs are 1, 2, 3, ... without a gap, so a record's seq is its place in the chain
-- and its leaf index (plus one) in the Merkle tree.
CREATE TRIGGER IF NOT EXISTS records_gapless BEFORE INSERT ON records
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM records)
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger: seq must follow the last record without a gap');
END;


-- section: meta

-- The ledger's random id, its schema and canonical-form versions, its creation
-- time, and the lowest Merkle tree level stored.
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- The compatibility version of this schema. Raise it when a release changes the
-- schema in a way an older release cannot read; a release refuses a ledger whose
-- version is higher than its own. 1: records only; 2: Merkle tree nodes and
-- checkpoints. An upgraded ledger gets the new number when its upgrade is done.
INSERT OR IGNORE INTO ledger_meta (key, value) VALUES ('schema_version', '2');


-- section: merkle

-- The RFC 6962 Merkle tree over the records (`audit.log.store`): the nodes of
-- level 8 and up (one per 256 records); lower levels are recomputed from the
-- records. Written in the same transaction as the records they complete.
CREATE TABLE IF NOT EXISTS merkle_nodes (
    level INTEGER NOT NULL CHECK (level >= 8),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a Merkle tree node cannot be updated');
END;
CREATE TRIGGER IF NOT EXISTS merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a Merkle tree node cannot be deleted');
END;


-- section: checkpoints

-- Signed tree heads (`audit.log.checkpoints`). `event_count`, `event_hash` and
-- `verified` were added after the first format; `audit.log.checkpoints.migrate` adds
-- them to an older ledger with ALTER TABLE, so the schema check compares only the
-- triggers of this table, not its CREATE statement.
CREATE TABLE IF NOT EXISTS checkpoints (
    number INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
    root_hash TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    key_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    event_count INTEGER CHECK (event_count >= 0),
    event_hash TEXT,
    verified TEXT CHECK (verified IN ('full', 'incremental'))
);
CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a checkpoint cannot be updated');
END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger is append-only: a checkpoint cannot be deleted');
END;
CREATE TRIGGER IF NOT EXISTS checkpoints_gapless BEFORE INSERT ON checkpoints
WHEN NEW.number IS NOT (SELECT COALESCE(MAX(number), 0) + 1 FROM checkpoints)
BEGIN
    SELECT RAISE(ABORT, 'dh-audit ledger: checkpoint number must follow the last one without a gap');
END;


-- section: objection_events

-- Objection and referral events (`audit.ledger.events`), hash-chained like the
-- records in a chain of their own. An event points to the decision record it is
-- about (`decision_seq`).
CREATE TABLE IF NOT EXISTS objection_events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL CHECK (event_type IN ('filed', 'extended', 'decided', 'referral_filed', 'referral_decided')),
    subject_id INTEGER NOT NULL,
    decision_seq INTEGER NOT NULL REFERENCES records(seq),
    case_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    canonical_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS objection_events_subject ON objection_events(subject_id, seq);
CREATE INDEX IF NOT EXISTS objection_events_decision ON objection_events(decision_seq);
CREATE INDEX IF NOT EXISTS objection_events_case ON objection_events(case_id, seq);
CREATE TRIGGER IF NOT EXISTS objection_events_no_update BEFORE UPDATE ON objection_events
BEGIN
    SELECT RAISE(ABORT, 'dh-audit objection events are append-only: an event cannot be updated');
END;
CREATE TRIGGER IF NOT EXISTS objection_events_no_delete BEFORE DELETE ON objection_events
BEGIN
    SELECT RAISE(ABORT, 'dh-audit objection events are append-only: an event cannot be deleted');
END;
CREATE TRIGGER IF NOT EXISTS objection_events_gapless BEFORE INSERT ON objection_events
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM objection_events)
BEGIN
    SELECT RAISE(ABORT, 'dh-audit objection events: seq must follow the last event without a gap');
END;
