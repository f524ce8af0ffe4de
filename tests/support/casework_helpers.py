"""Shared builders for the objection and referral tests: a ledger and its casework on fixed clocks."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from tests.support.cases import case_data
from tests.audit.ledger.test_ledger import counter_ids, fixed_clock
from audit.casework.steps import Casework
from audit.ledger import Ledger
from audit.ledger.events import has_events_table
from audit.ledger.recording import record_case
from decisions.inputs import parse_case


def event_ids():
    ticks = iter(range(1, 10**9))
    return lambda: f"evt-{next(ticks):06d}"


def open_casework(path: Path) -> Casework:
    """A ledger with fixed clocks and ids (records from 1 March 2026 09:30, events from 1 April 2026 08:00)."""
    ledger = Ledger(path, clock=fixed_clock(), new_id=counter_ids(), engine="golden")
    return Casework(ledger, clock=fixed_clock(datetime(2026, 4, 1, 8, 0, tzinfo=timezone.utc)), new_id=event_ids())


def record(cw: Casework, **facts) -> int:
    """Decide and record one case (the base case of conftest with these facts changed); its seq."""
    return record_case(cw.ledger, parse_case(case_data(**facts))).seq


def counts(path: Path) -> tuple[int, int]:
    """(records, events) in the file, read through a separate connection."""
    conn = sqlite3.connect(path)
    try:
        records = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        events = conn.execute("SELECT COUNT(*) FROM objection_events").fetchone()[0] if has_events_table(conn) else 0
        return records, events
    finally:
        conn.close()
