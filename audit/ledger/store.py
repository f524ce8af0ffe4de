"""The decision ledger: append-only, hash-chained decision records in SQLite (docs/ledger-format.md).

The schema is the commented file `schema.sql` in this package (read by
`audit.ledger.schema`). Every
transaction goes through `Ledger.atomic` (writing) or `Ledger.snapshot`
(reading). Every append runs inside `BEGIN IMMEDIATE`, so concurrent writers
queue on SQLite's write lock instead of forking the chain; `UNIQUE(prev_hash)`
would refuse a fork anyway. The ledger stores decisions made before it is
called (`audit.ledger.recording` decides and records in one call). Triggers refuse UPDATE and DELETE from any connection.
WAL with `synchronous=FULL` makes an append that returned durable, and a
transaction never leaves a partial record.

The same transaction stores the RFC 6962 Merkle tree nodes the new records
complete (`audit.log.store`), so records never exist without their tree.
Signed tree heads live in the append-only ``checkpoints`` table
(`audit.log.checkpoints`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import attrs
import cattrs
import sqlite_utils

from decisions.evaluate import Decision, decision_from_data
from decisions import ENGINE_VERSION
from decisions.drafts import is_draft
from decisions.frameworks import FRAMEWORKS
from decisions.inputs import CaseInputs, parse_case

from audit.log import store as merkle_store
from audit.ledger.canonical import (
    CANONICAL_VERSION,
    GENESIS_HASH,
    utc_timestamp,
)
from audit.ledger.canonical_bulk import decision_text, inputs_text, record_text_bytes
from audit.log.checkpoints import Checkpoint
from audit.log.checkpoints import migrate as checkpoints_migrate
from audit.errors import BadInput
from audit.ledger.events import events_head
from audit.ledger.head import Head, VerifyReport
from audit.ledger.schema import SCHEMA_STATEMENTS, SCHEMA_VERSION, TYPED_CHECKS
from audit.ledger.verify import verify_ledger
from audit.log.merkle import CompactRange, leaf_hash
from audit.outputs import check_ledger_path

KINDS = ("assessment", "objection_decision", "exception_decision", "correction")
NEEDS_SUPERSEDES = ("objection_decision", "correction")
BUSY_TIMEOUT_MS = 60_000
BATCH_ROWS = 5000
"""Rows per ``executemany`` while appending."""

sha256 = hashlib.sha256


def engine_version() -> str:
    """The decision engine's version (`decisions.ENGINE_VERSION`), not the installed package metadata."""
    return ENGINE_VERSION


@attrs.frozen
class Record:
    """One immutable decision record, as stored and hashed."""

    seq: int
    record_id: str
    case_id: str
    kind: str
    supersedes: int | None
    recorded_at: str
    framework: str
    framework_fingerprint: str
    engine_version: str
    canonical_version: int
    inputs: CaseInputs
    decision: Decision
    actor: str
    prev_hash: str
    hash: str


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


_record_converter = cattrs.Converter()
_record_converter.register_structure_hook(CaseInputs, lambda text, _: parse_case(json.loads(text)))
_record_converter.register_structure_hook(Decision, lambda text, _: decision_from_data(json.loads(text)))

_RECORD_COLUMNS = [a.name for a in attrs.fields(Record)]

MERKLE_META_KEY = "merkle_stored_level"

INSERT_COLUMNS = (
    "seq", "record_id", "case_id", "kind", "supersedes", "recorded_at", "framework",
    "framework_fingerprint", "engine_version", "canonical_version", "inputs", "decision", "actor",
    "prev_hash", "hash", *TYPED_CHECKS,
)
INSERT_SQL = (
    f"INSERT INTO records ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)


def random_ids(block: int = 4096) -> Iterator[str]:
    """Record ids: random (version 4) UUIDs as 32 hex digits, like ``uuid.uuid4().hex``, drawn in blocks."""
    while True:
        randomness = bytearray(os.urandom(16 * block))
        for start in range(0, len(randomness), 16):
            raw = randomness[start:start + 16]
            raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
            raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
            yield raw.hex()


class UtcClock:
    """`audit.ledger.canonical.utc_timestamp()` of now (``2026-11-22T21:54:50.123456Z``), formatting each second once."""

    def __init__(self):
        self._second = -1
        self._prefix = ""

    def text(self) -> str:
        second, micro = divmod(time.time_ns() // 1000, 1_000_000)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
            self._second = second
        return f"{self._prefix}{micro:06d}Z"


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection as every ledger writer uses it: autocommit (explicit BEGIN), WAL, ``synchronous=FULL``."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


@attrs.frozen
class Entry:
    """One decision ready to be recorded: the case, its decision and how it is recorded."""

    case: CaseInputs
    decision: Decision
    kind: str = "assessment"
    supersedes: int | None = None
    actor: str = "dh-audit"


@attrs.frozen
class PreparedEntry:
    """An `Entry` already rendered: canonical inputs and decision text, and the typed columns.

    `prepare(case, decision)` makes its first six fields. `dh-audit record` has
    worker processes prepare entries (`audit.ledger.record_workers`), so that only the
    chain, the tree and the inserts are left to the process that appends.
    """

    case_id: str
    inputs: str
    decision: str
    framework: str
    framework_fingerprint: str
    typed: tuple
    kind: str = "assessment"
    supersedes: int | None = None
    actor: str = "dh-audit"


def prepare(case: CaseInputs, decision: Decision) -> tuple[str, str, str, str, str, tuple]:
    """The fields of a `PreparedEntry` that come from the case and its decision."""
    since = case.existing_dossier_since
    typed = (
        case.municipality, case.assessed_on.isoformat(), int(case.technical_cause),
        _cents(case.recognised_damage_eur), _cents(case.unsettled_damage_eur),
        _cents(case.structural_damage_eur), _cents(case.woz_value_eur), int(case.rijksmonument),
        case.pgv_5mms_events, int(case.in_pilot_area), int(case.in_reinforcement_area),
        None if since is None else since.isoformat(),
        _cents(case.estimated_cost_eur),
        decision.outcome, decision.basis, _cents(decision.max_amount_eur), decision.cap_basis,
    )
    return (
        case.case_id, inputs_text(case), decision_text(decision), decision.framework,
        decision.framework_fingerprint, typed,
    )


class Ledger:
    """An append-only decision ledger in one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        clock: Callable[[], datetime] | None = None,
        new_id: Callable[[], str] | None = None,
        engine: str | None = None,
    ):
        self.path = Path(path)
        # Checked without writing first: `connect` switches a file to WAL, which must not happen to a stranger's file.
        check_ledger_path(self.path, create=create)
        self._clock = clock
        self._new_id = new_id or random_ids().__next__
        self._engine_version = engine or engine_version()
        self._now = UtcClock().text
        conn = connect(self.path)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self._tree: tuple[int, str, CompactRange] | None = None  # (seq, hash, compact range) after our last append
        self._writing = False  # inside `atomic` (BEGIN IMMEDIATE): nested blocks become savepoints
        self._savepoints = 0
        self._check_version()
        if create:
            self._ensure_schema()
        elif not self.db["records"].exists():
            raise BadInput("db", f"{self.path} is not a dh-audit ledger")
        elif not self._has_tree():
            self._ensure_schema()  # a ledger made before the Merkle tree existed: build it once
        checkpoints_migrate(self)  # a ledger made before checkpoints signed the events too

    def _has_tree(self) -> bool:
        if not self.db["merkle_nodes"].exists():
            return False
        return self.conn.execute("SELECT 1 FROM ledger_meta WHERE key = ?", (MERKLE_META_KEY,)).fetchone() is not None

    def _check_version(self) -> None:
        """Refuse a ledger made by a release with a newer schema than this one knows."""
        if not self.db["ledger_meta"].exists():
            return
        row = self.conn.execute("SELECT value FROM ledger_meta WHERE key = 'schema_version'").fetchone()
        if row is not None and str(row[0]).isdigit() and int(row[0]) > SCHEMA_VERSION:
            self.conn.close()
            raise BadInput("db", f"{self.path} has schema version {row[0]}, made by a newer dh-audit "
                                 f"(this one reads up to version {SCHEMA_VERSION})")

    def _ensure_schema(self) -> None:
        with self.atomic() as conn:
            for statement in SCHEMA_STATEMENTS:
                conn.execute(statement)  # the schema_version row among them (INSERT OR IGNORE)
            meta = dict(conn.execute("SELECT key, value FROM ledger_meta"))
            if "ledger_id" not in meta:
                conn.executemany(
                    "INSERT INTO ledger_meta (key, value) VALUES (?, ?)",
                    [
                        ("ledger_id", uuid.uuid4().hex),
                        ("canonical_version", str(CANONICAL_VERSION)),
                        ("created_at", utc_timestamp()),
                    ],
                )
            if conn.execute("SELECT 1 FROM ledger_meta WHERE key = ?", (MERKLE_META_KEY,)).fetchone() is None:
                merkle_store.build(conn)
                conn.execute(
                    "INSERT INTO ledger_meta (key, value) VALUES (?, ?)",
                    (MERKLE_META_KEY, str(merkle_store.STORED_LEVEL)),
                )
                conn.execute(
                    "UPDATE ledger_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
                )

    # --- transactions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """A write transaction around the block: committed when it ends, rolled back when it raises.

        It starts with ``BEGIN IMMEDIATE``, which takes SQLite's write lock before the
        first read: writers in other processes queue on it instead of reading the same
        chain head, so several processes can append without forking the chain. Nested
        in another `atomic` block, the block is a savepoint: what it wrote is undone when
        it raises, and the outer transaction decides the rest. Inside a `snapshot` it is
        refused (a read snapshot cannot safely become a writer).
        """
        conn = self.conn
        if self._writing or conn.in_transaction:
            if not self._writing:
                raise RuntimeError("cannot write inside a read snapshot of the ledger")
            self._savepoints += 1
            name = f"dh_audit_{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            else:
                conn.execute(f"RELEASE {name}")
            finally:
                self._savepoints -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        self._writing = True
        try:
            yield conn
        except BaseException:
            self._writing = False
            conn.execute("ROLLBACK")
            raise
        self._writing = False
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read snapshot around the block: every read in it sees the ledger as at its start.

        ``BEGIN DEFERRED`` and a first read fix the snapshot (WAL), while other
        connections go on appending. Inside a transaction already open (another
        snapshot, or `atomic`, which holds the write lock), that transaction is the
        snapshot.
        """
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN DEFERRED")
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the first read takes the snapshot
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @property
    def ledger_id(self) -> str:
        return self.conn.execute("SELECT value FROM ledger_meta WHERE key = 'ledger_id'").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- appending -----------------------------------------------------------------------

    def append(
        self,
        case: CaseInputs,
        decision: Decision,
        kind: str = "assessment",
        supersedes: int | None = None,
        actor: str = "dh-audit",
    ) -> Record:
        """Record a case with the decision already made on it. Returns the stored record.

        The ledger stores what it is given and decides nothing: to decide and record
        in one call, use `audit.ledger.recording.record_case`.
        """
        (seq,) = self.append_entries([Entry(case, decision, kind, supersedes, actor)])
        return self.get(seq)

    def append_entries(self, entries: Iterable[Entry | PreparedEntry]) -> list[int]:
        """Record already-made decisions atomically, in order, with their Merkle tree nodes. Returns the seqs.

        All of them or none are written. Inside an `atomic` block the entries join that
        transaction (as a savepoint), so whatever else the block writes (an objection
        event, say) commits or rolls back together with them.
        """
        self._tree, cached = None, self._tree
        with self.atomic() as conn:
            row = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash = row if row else (0, GENESIS_HASH)
            if cached is not None and cached[:2] == (seq, prev_hash):
                tree = cached[2]  # nobody appended since our last append: the frontier is still ours
            else:
                tree = merkle_store.compact_range(conn, seq)
            rows, nodes, seqs = [], [], []
            for entry in entries:
                seq += 1
                _check_entry(conn, entry, seq, rows)
                values, canonical = self._row(entry, seq, prev_hash)
                prev_hash = values[14]
                rows.append(values)
                nodes.extend(merkle_store.stored(tree.append(leaf_hash(canonical))))
                seqs.append(seq)
                if len(rows) >= BATCH_ROWS:
                    conn.executemany(INSERT_SQL, rows)
                    conn.executemany(merkle_store.INSERT_NODE_SQL, nodes)
                    rows, nodes = [], []
            if rows:
                conn.executemany(INSERT_SQL, rows)
                conn.executemany(merkle_store.INSERT_NODE_SQL, nodes)
        if not self._writing:  # committed; inside an outer block the outer transaction may still roll back
            self._tree = (seq, prev_hash, tree)
        return seqs

    def _row(self, entry: Entry | PreparedEntry, seq: int, prev_hash: str) -> tuple[tuple, bytes]:
        if type(entry) is PreparedEntry:
            case_id, inputs, decided, framework, fingerprint, typed = (
                entry.case_id, entry.inputs, entry.decision, entry.framework, entry.framework_fingerprint,
                entry.typed,
            )
        else:
            case_id, inputs, decided, framework, fingerprint, typed = prepare(entry.case, entry.decision)
        record_id = self._new_id()
        recorded_at = utc_timestamp(self._clock()) if self._clock else self._now()
        engine = self._engine_version
        canonical = record_text_bytes(
            seq, record_id, case_id, entry.kind, entry.supersedes, recorded_at, framework, fingerprint, engine,
            CANONICAL_VERSION, inputs, decided, entry.actor, prev_hash,
        )
        return (
            seq, record_id, case_id, entry.kind, entry.supersedes, recorded_at, framework, fingerprint, engine,
            CANONICAL_VERSION, inputs, decided, entry.actor, prev_hash,
            sha256(bytes.fromhex(prev_hash) + canonical).hexdigest(), *typed,
        ), canonical

    # --- reading --------------------------------------------------------------------------

    def _records(self, where: str = "", params: tuple = (), order: str = "seq") -> Iterator[Record]:
        columns = ", ".join(_RECORD_COLUMNS)
        cursor = self.conn.execute(f"SELECT {columns} FROM records {where} ORDER BY {order}", params)
        for row in cursor:
            yield _record_converter.structure(dict(zip(_RECORD_COLUMNS, row)), Record)

    def get(self, seq: int) -> Record:
        for record in self._records("WHERE seq = ?", (seq,)):
            return record
        raise BadInput("seq", f"no record with seq {seq} in {self.path}")

    def history(self, case_id: str) -> list[Record]:
        """Every record of a case, oldest first."""
        return list(self._records("WHERE case_id = ?", (case_id,)))

    def latest(self, case_id: str) -> Record | None:
        """The newest record of a case: the one in force, since later records supersede earlier ones."""
        for record in self._records("WHERE case_id = ?", (case_id,), order="seq DESC"):
            return record
        return None

    def __iter__(self) -> Iterator[Record]:
        """Every record in seq order, streamed."""
        return self._records()

    def __len__(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def head(self) -> Head:
        row = self.conn.execute("SELECT seq, hash, recorded_at FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        seq, hash_, at = row if row else (0, GENESIS_HASH, None)
        events_seq, events_hash = events_head(self.conn)
        return Head(self.ledger_id, seq, hash_, at, events_seq=events_seq, events_hash=events_hash)

    # --- verifying ------------------------------------------------------------------------

    def verify(
        self, expected_head: Head | None = None, checkpoints: Iterable[Checkpoint] = (), *,
        since_checkpoint: bool = False,
    ) -> VerifyReport:
        """Recompute every hash and the Merkle tree from the stored fields; report the first problem.

        Every stored checkpoint, and every given (exported) one, must be validly
        signed and have the root of the records (and the head of the events) at its
        size. The objection and referral events (`audit.ledger.events`) are
        verified the same way; a bad event is named in `problem` ("objection event N:
        ..."). The schema (triggers, indexes, unique columns) must be intact.

        With `since_checkpoint`, only the records and events after the newest
        checkpoint that was signed after a verification are checked, with their link
        to it (see `audit.ledger.verify`); without such a checkpoint the whole ledger is.
        """
        return verify_ledger(self, expected_head, tuple(checkpoints), since_checkpoint=since_checkpoint)


def _check_entry(conn: sqlite3.Connection, entry: Entry | PreparedEntry, seq: int, pending: list) -> None:
    framework = entry.framework if type(entry) is PreparedEntry else entry.decision.framework
    fingerprint = entry.framework_fingerprint if type(entry) is PreparedEntry else entry.decision.framework_fingerprint
    if is_draft(framework, fingerprint):
        raise BadInput("framework", f"{framework!r} is a draft framework: it is for what-if only and is never recorded")
    if framework not in FRAMEWORKS:
        raise BadInput(
            "framework",
            f"{framework!r} is not a framework in force (a variant reading is for comparison only and is never recorded)",
        )
    if entry.kind not in KINDS:
        raise BadInput("kind", f"must be one of {', '.join(KINDS)} (got {entry.kind!r})")
    if not isinstance(entry.actor, str) or not entry.actor.strip():
        raise BadInput("actor", "must name the acting reviewer")
    if entry.supersedes is None:
        if entry.kind in NEEDS_SUPERSEDES:
            raise BadInput("supersedes", f"a {entry.kind} must name the seq of the record it supersedes")
        return
    row = conn.execute("SELECT case_id FROM records WHERE seq = ?", (entry.supersedes,)).fetchone()
    if row is None:
        row = next(((r[2],) for r in pending if r[0] == entry.supersedes), None)
    if row is None or entry.supersedes >= seq:
        raise BadInput("supersedes", f"no earlier record with seq {entry.supersedes}")
    case_id = entry.case_id if type(entry) is PreparedEntry else entry.case.case_id
    if row[0] != case_id:
        raise BadInput("supersedes", f"record {entry.supersedes} belongs to case {row[0]!r}, not {case_id!r}")
