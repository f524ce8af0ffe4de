"""Objection and referral events: an append-only, hash-chained table in the ledger's SQLite file.

Objections (*bezwaar*) and hardship referrals (IVS, CBS) are not decisions, but
what happens to them must be as tamper-evident as the decisions themselves. So
every step is an event in `objection_events`, chained exactly like the decision
records (docs/ledger-format.md):

- a gapless `seq` (a trigger refuses a gap), a `prev_hash` that is UNIQUE (two
  writers cannot fork the chain), and triggers that refuse UPDATE and DELETE;
- the hash is SHA-256 over the previous hash (32 raw bytes; zeros for the first
  event) and the event's canonical bytes: `canonical_json` of every stored field
  except `hash`, with the payload embedded as a JSON object. The payload is stored
  as canonical text itself (sorted keys, no spaces, no floats);
- event types: `filed`, `extended`, `decided` (an objection) and `referral_filed`,
  `referral_decided` (a referral). `subject_id` is the seq of the `filed` or
  `referral_filed` event that opened the objection or referral. The id users see
  is the number of that opening event among those of its kind (objection 1, 2, ...;
  referral 1, 2, ...; `opening_numbers`).

Each event names the decision record it is about (`decision_seq`), and the events
that open an objection or referral, or create a decision record, also store that
record's hash. `verify_objections` checks those links as well, so a decision
chain rewritten from some seq on (hashes recomputed) is caught by the events that
point into it.

Writes happen only inside a transaction the caller opened with `BEGIN IMMEDIATE`
(see `audit.casework.steps.Casework.commit`), so events are appended under SQLite's write lock.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import attrs

from audit.ledger.canonical import CANONICAL_VERSION, GENESIS_HASH, canonical_json, chain_hash, utc_timestamp
from audit.ledger.schema import SCHEMA_SECTIONS

OBJECTION_EVENTS = ("filed", "extended", "decided")
REFERRAL_EVENTS = ("referral_filed", "referral_decided")
EVENT_TYPES = OBJECTION_EVENTS + REFERRAL_EVENTS
OPENING_EVENTS = {"filed": "objection", "referral_filed": "referral"}
SUBJECT_OF = {"filed": "filed", "extended": "filed", "decided": "filed",
              "referral_filed": "referral_filed", "referral_decided": "referral_filed"}

EVENT_COLUMNS = (
    "seq", "event_id", "event_type", "subject_id", "decision_seq", "case_id", "recorded_at", "actor",
    "canonical_version", "payload", "prev_hash", "hash",
)
_HASHED_COLUMNS = EVENT_COLUMNS[:-1]

# The table, its indexes and triggers are in the ledger's schema file (`audit/ledger/schema.sql`, section
# ``objection_events``).

_INSERT_SQL = (
    f"INSERT INTO objection_events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)


@attrs.frozen
class Draft:
    """An event to append: everything but its seq, id, time and chain fields."""

    event_type: str
    decision_seq: int
    case_id: str
    actor: str
    payload: dict
    subject_id: int | None = None  # None for an opening event: its own seq


@attrs.frozen
class Event:
    """One stored event."""

    seq: int
    event_id: str
    event_type: str
    subject_id: int
    decision_seq: int
    case_id: str
    recorded_at: str
    actor: str
    canonical_version: int
    payload: dict
    prev_hash: str
    hash: str


@attrs.frozen
class EventClock:
    """Where event times and ids come from: injectable, like the ledger's, for golden files."""

    clock: Callable[[], datetime] | None = None
    new_id: Callable[[], str] = attrs.field(factory=lambda: lambda: uuid.uuid4().hex)

    def now(self) -> str:
        return utc_timestamp(self.clock() if self.clock else None)


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the event table and its triggers if they are missing (inside the caller's transaction)."""
    for statement in SCHEMA_SECTIONS["objection_events"]:
        conn.execute(statement)


def has_events_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'objection_events'").fetchone()
    return row is not None


def event_bytes(fields: dict) -> bytes:
    """The canonical bytes of an event from its stored fields (the payload as canonical text).

    Raises ValueError when the payload is not canonical JSON without floats.
    """
    payload = load_payload(fields["payload"])
    if canonical_json(payload) != fields["payload"]:
        raise ValueError("payload is not in canonical form (sorted keys, no spaces)")
    data = {name: fields[name] for name in _HASHED_COLUMNS}
    data["payload"] = payload
    return canonical_json(data).encode("utf-8")


def _refuse_float(text: str):
    raise ValueError(f"payload holds a float ({text}); amounts are strings")


def load_payload(text: str) -> dict:
    if not isinstance(text, str):
        raise ValueError(f"payload is not text (got {type(text).__name__})")
    value = json.loads(text, parse_float=_refuse_float, parse_constant=_refuse_float)
    if not isinstance(value, dict):
        raise ValueError("payload is not a JSON object")
    return value


def append_events(conn: sqlite3.Connection, drafts: Iterable[Draft], clock: EventClock) -> list[Event]:
    """Append events inside the caller's open `BEGIN IMMEDIATE` transaction. Returns them as stored."""
    if not conn.in_transaction:
        raise RuntimeError("append_events must run inside a BEGIN IMMEDIATE transaction")
    row = conn.execute("SELECT seq, hash FROM objection_events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = row if row else (0, GENESIS_HASH)
    stored = []
    for draft in drafts:
        seq += 1
        fields = {
            "seq": seq,
            "event_id": clock.new_id(),
            "event_type": draft.event_type,
            "subject_id": seq if draft.subject_id is None else draft.subject_id,
            "decision_seq": draft.decision_seq,
            "case_id": draft.case_id,
            "recorded_at": clock.now(),
            "actor": draft.actor,
            "canonical_version": CANONICAL_VERSION,
            "payload": canonical_json(draft.payload),
            "prev_hash": prev_hash,
        }
        fields["hash"] = chain_hash(prev_hash, event_bytes(fields))
        conn.execute(_INSERT_SQL, tuple(fields[c] for c in EVENT_COLUMNS))
        prev_hash = fields["hash"]
        stored.append(_event(fields))
    return stored


def _event(fields: dict) -> Event:
    return Event(**{**fields, "payload": json.loads(fields["payload"])})


def read_events(conn: sqlite3.Connection, where: str = "", params: tuple = ()) -> Iterator[Event]:
    """Stored events in seq order (`where` is a plain SQL condition on the columns)."""
    if not has_events_table(conn):
        return
    sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events {where} ORDER BY seq"
    for row in conn.execute(sql, params):
        yield _event(dict(zip(EVENT_COLUMNS, row)))


def subject_events(conn: sqlite3.Connection, subject_id: int) -> list[Event]:
    """Every event of one objection or referral, oldest first."""
    return list(read_events(conn, "WHERE subject_id = ?", (subject_id,)))


def opening_numbers(conn: sqlite3.Connection, event_type: str) -> dict[int, int]:
    """Seq of each opening event of `event_type` -> its number among them (1, 2, ...): an objection's or referral's id.

    Objections and referrals are numbered apart, each in the order they were filed;
    the number is derived from the chain, so no stored (hashed) field changes.
    """
    if not has_events_table(conn):
        return {}
    rows = conn.execute("SELECT seq FROM objection_events WHERE event_type = ? ORDER BY seq", (event_type,))
    return {seq: number for number, (seq,) in enumerate(rows, start=1)}


def opening_seq(conn: sqlite3.Connection, event_type: str, number: int) -> int | None:
    """The seq of the `number`-th opening event of `event_type` (see `opening_numbers`), or None."""
    if not has_events_table(conn) or number < 1:
        return None
    row = conn.execute(
        "SELECT seq FROM objection_events WHERE event_type = ? ORDER BY seq LIMIT 1 OFFSET ?", (event_type, number - 1)
    ).fetchone()
    return None if row is None else row[0]


def events_head(conn: sqlite3.Connection) -> tuple[int, str]:
    """`(seq, hash)` of the last event (0 and the genesis hash when there is none): export it with the ledger head."""
    if not has_events_table(conn):
        return 0, GENESIS_HASH
    row = conn.execute("SELECT seq, hash FROM objection_events ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


# --- verifying --------------------------------------------------------------------------------


def verify_objections(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """Recompute every event hash from the stored fields; the first bad event seq and its problem, or None.

    Detects an edited field (every column but `hash` is hashed; `hash` must match),
    a deleted, reordered or inserted event (gapless seq, prev_hash chain), a
    payload that is not canonical or holds a float, an event whose subject is not
    an earlier opening event of the same decision, and an event whose link to a
    decision record (seq, case, stored hash) no longer matches the records table.
    A deleted tail is found only against a saved head or checkpoint (`verify_events`).
    """
    return verify_events(conn).problem


@attrs.frozen
class EventsCheck:
    """What `verify_events` found: the events checked, the chain head, and the first problem (seq, text)."""

    count: int
    head_hash: str
    checked: int
    problem: tuple[int, str] | None = None


def verify_events(conn: sqlite3.Connection, start: tuple[int, str] | None = None) -> EventsCheck:
    """`verify_objections`, optionally from a signed events head ``start`` = (count, hash of event count).

    From a start, event ``count`` must re-hash (from its stored fields and its stored
    prev_hash) to the signed hash, and only the events after it are checked; the
    events before it are trusted (their opening events are still read, for the links).
    """
    if not has_events_table(conn):
        if start is not None and start[0] > 0:
            return EventsCheck(0, GENESIS_HASH, 0, (1, f"event 1 is missing: a signed head covers {start[0]} events"
                                                       " (the events table was removed)"))
        return EventsCheck(0, GENESIS_HASH, 0)
    expected_seq, prev_hash = 1, GENESIS_HASH
    openings: dict[int, tuple[str, int, str]] = {}
    if start is not None and start[0] > 0:
        first, signed = start
        row = conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events WHERE seq = ?",
                           (first,)).fetchone()
        if row is None:
            last = events_head(conn)[0]
            return EventsCheck(last, GENESIS_HASH, 0,
                               (last + 1, f"event {last + 1} is missing: a signed head covers {first} events (truncated)"))
        fields = dict(zip(EVENT_COLUMNS, row))
        try:
            recomputed = chain_hash(fields["prev_hash"], event_bytes(fields))
        except (TypeError, ValueError) as exc:
            return EventsCheck(first, GENESIS_HASH, 0, (first, f"stored fields cannot be read back ({exc})"))
        if recomputed != signed or fields["hash"] != signed:
            return EventsCheck(first, GENESIS_HASH, 0,
                               (first, "differs from the event a signed head covers (events were rewritten)"))
        openings = {
            seq: (event_type, decision_seq, case_id)
            for seq, event_type, decision_seq, case_id in conn.execute(
                "SELECT seq, event_type, decision_seq, case_id FROM objection_events "
                "WHERE event_type IN ('filed', 'referral_filed') AND seq <= ?", (first,))
        }
        expected_seq, prev_hash = first + 1, signed
    checked = 0
    for row in conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM objection_events WHERE seq >= ? ORDER BY seq",
                            (expected_seq,)):
        fields = dict(zip(EVENT_COLUMNS, row))
        bad = _event_problem(conn, fields, expected_seq, prev_hash, openings)
        if bad is not None:
            return EventsCheck(expected_seq - 1, prev_hash, checked, bad)
        prev_hash = fields["hash"]
        expected_seq += 1
        checked += 1
    return EventsCheck(expected_seq - 1, prev_hash, checked)


def _event_problem(conn, fields: dict, expected_seq: int, prev_hash: str, openings: dict) -> tuple[int, str] | None:
    seq = fields["seq"]
    if seq != expected_seq:
        return expected_seq, f"event {expected_seq} is missing (the next stored event is {seq})"
    if fields["prev_hash"] != prev_hash:
        return seq, f"prev_hash does not match the hash of event {seq - 1} before it"
    if fields["canonical_version"] != CANONICAL_VERSION:
        return seq, f"unknown canonical-form version {fields['canonical_version']!r}"
    try:
        recomputed = chain_hash(prev_hash, event_bytes(fields))
    except (TypeError, ValueError) as exc:
        return seq, f"stored fields cannot be read back into canonical form ({exc})"
    if recomputed != fields["hash"]:
        return seq, "hash does not match the event's stored fields (the event was changed)"
    problem = _link_problem(conn, fields, openings)
    if problem is not None:
        return seq, problem
    return None


def event_hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    """The stored hash of event ``seq`` (the genesis hash for 0), or None when there is no such event."""
    if seq == 0:
        return GENESIS_HASH
    if not has_events_table(conn):
        return None
    row = conn.execute("SELECT hash FROM objection_events WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else row[0]


def _link_problem(conn: sqlite3.Connection, fields: dict, openings: dict) -> str | None:
    """What is wrong with an event's links to its subject and to the decision records, if anything."""
    event_type, seq = fields["event_type"], fields["seq"]
    if event_type not in EVENT_TYPES:
        return f"unknown event type {event_type!r}"
    payload = json.loads(fields["payload"])
    if event_type in OPENING_EVENTS:
        if fields["subject_id"] != seq:
            return "an opening event must be its own subject"
        openings[seq] = (event_type, fields["decision_seq"], fields["case_id"])
    elif openings.get(fields["subject_id"]) != (SUBJECT_OF[event_type], fields["decision_seq"], fields["case_id"]):
        return f"subject {fields['subject_id']} is not an earlier {SUBJECT_OF[event_type]} event of this decision"
    record = conn.execute("SELECT case_id, hash FROM records WHERE seq = ?", (fields["decision_seq"],)).fetchone()
    if record is None or record[0] != fields["case_id"]:
        return f"decision record {fields['decision_seq']} of case {fields['case_id']!r} is not in the ledger"
    if "decision_hash" in payload and payload["decision_hash"] != record[1]:
        return f"decision record {fields['decision_seq']} no longer has the hash this event recorded"
    if payload.get("record_seq") is not None:
        made = conn.execute("SELECT hash, supersedes FROM records WHERE seq = ?", (payload["record_seq"],)).fetchone()
        if made is None or made[0] != payload.get("record_hash") or made[1] != fields["decision_seq"]:
            return f"decision record {payload['record_seq']} no longer matches the record this event created"
    return None
