"""Writing objection and referral steps: events, and the decision record a step may create, together.

An objection that is upheld, and a referral that is decided, create a decision
record (`objection_decision`, `exception_decision`) and an event that points to
it. Both are written in one transaction (`Ledger.atomic`): the records, then
the events, so an exception while writing the events rolls everything back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime

from audit.ledger.store import Entry, Ledger
from audit.ledger.events import Draft, Event, EventClock, append_events, ensure_schema


class Casework:
    """A ledger with its objection and referral events: where objections and referrals are recorded."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        clock: Callable[[], datetime] | None = None,
        new_id: Callable[[], str] | None = None,
    ):
        self.ledger = ledger
        self.clock = EventClock(clock, new_id) if new_id else EventClock(clock)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.ledger.conn

    def commit(
        self,
        check: Callable[[sqlite3.Connection, list[int]], None],
        drafts: Callable[[list[tuple[int, str]]], list[Draft]],
        entries: Sequence[Entry] = (),
    ) -> list[Event]:
        """Write one step: the decision records in `entries` (if any), then its events.

        `check(conn, new_seqs)` validates the step under the write lock (it raises
        `BadInput`). `new_seqs` are the seqs of the records this step wrote, which
        the check must disregard. `drafts(made)` builds the events from the
        `(seq, hash)` of each new record.
        """
        conn = self.conn
        with self.ledger.atomic():
            seqs = self.ledger.append_entries(entries) if entries else []
            ensure_schema(conn)  # the event table is made with the first event, so bad input writes nothing
            check(conn, seqs)
            made = [(seq, _record_hash(conn, seq)) for seq in seqs]
            return append_events(conn, drafts(made), self.clock)


def _record_hash(conn: sqlite3.Connection, seq: int) -> str:
    return conn.execute("SELECT hash FROM records WHERE seq = ?", (seq,)).fetchone()[0]
