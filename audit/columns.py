"""Typed columns of ledger records as NumPy arrays, read in chunks with plain SQL (issue #8); bulk replay reads them.

Each record keeps typed copies of its facts (`recognised_cents`, `pgv_events`, ...)
beside the hashed JSON. Reading them costs a fraction of parsing the JSON. They
are only trustworthy because they are checked against the hashed JSON: `verify`
checks every one, and bulk replay checks the rows it reads with the same SQL
expressions (`audit.ledger._TYPED_CHECKS`, see `typed_mismatch`) and stops with
`TypedColumnMismatch` when one disagrees. The check runs on a second connection in
a worker thread (`BesideChecker`; SQLite releases the GIL for a whole statement),
beside the evaluation, where replay's own work per record hides its cost.

(Bulk comparison does almost no work per record, so there the check would cost
more than the rest; it reads the facts from the hashed JSON instead, `audit.facts`.)

Nothing here holds more than one chunk of rows.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date

import attrs
import numpy as np

from decisions.vectorised import NO_DATE, Columns

# The typed columns that hold the facts a framework reads (and `decisions.vectorised.inconsistent` checks).
INPUT_COLUMNS = (
    "technical_cause", "recognised_cents", "unsettled_cents", "structural_cents", "woz_cents", "rijksmonument",
    "pgv_events", "in_pilot_area", "in_reinforcement_area", "assessed_on", "dossier_since", "estimated_cost_cents",
)
_INPUT_SQL = ", ".join(INPUT_COLUMNS)
_FLAGS = ("technical_cause", "rijksmonument", "in_pilot_area", "in_reinforcement_area")
_CENTS = ("recognised_cents", "unsettled_cents", "structural_cents", "woz_cents")


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class TypedColumnMismatch(Exception):
    """A record's typed columns disagree with its hashed JSON: the ledger was edited outside dh-audit."""

    def __init__(self, seq: int):
        self.seq = seq
        super().__init__(
            f"record {seq}: its typed columns do not match its hashed JSON; the bulk path will not use them"
            " (run 'dh-audit verify')"
        )


@functools.lru_cache(maxsize=65_536)
def ordinal(text: object) -> int:
    """Ordinal of an ISO date column; NO_DATE for NULL, -1 when it is not a date written YYYY-MM-DD."""
    if text is None:
        return NO_DATE
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        return -1
    try:
        return date.fromisoformat(text).toordinal()
    except ValueError:
        return -1


def columns_of(values: list[tuple]) -> tuple[Columns, np.ndarray]:
    """`Columns` from the values of `INPUT_COLUMNS` (one tuple per column), and which cases are readable.

    A case is unreadable when a flag is not 0 or 1 or a date is not an ISO date;
    callers send those to the per-case path.
    """
    raw = dict(zip(INPUT_COLUMNS, values))
    readable = np.ones(len(values[0]) if values else 0, dtype=bool)
    flags = {}
    for name in _FLAGS:
        ints = np.array(raw[name], dtype=np.int64)
        readable &= (ints == 0) | (ints == 1)
        flags[name] = ints == 1
    assessed = np.array([ordinal(v) for v in raw["assessed_on"]], dtype=np.int64)
    dossier = np.array([ordinal(v) for v in raw["dossier_since"]], dtype=np.int64)
    readable &= (assessed > 0) & (dossier >= 0)
    estimated = raw["estimated_cost_cents"]
    has_estimate = np.array([v is not None for v in estimated], dtype=bool)
    columns = Columns(
        **flags,
        **{name: np.array(raw[name], dtype=np.int64) for name in _CENTS},
        pgv_events=np.array(raw["pgv_events"], dtype=np.int64),
        assessed_on=assessed,
        dossier_since=dossier,
        has_estimated_cost=has_estimate,
        estimated_cost_cents=np.array([0 if v is None else v for v in estimated], dtype=np.int64),
    )
    return columns, readable


@attrs.frozen(eq=False)
class RecordChunk:
    """Records `first`..`last` with their hashed fields that replay needs and their typed facts."""

    seq: list[int]
    case_id: list[str]
    kind: list[str]
    framework: list[str]
    framework_fingerprint: list[str]
    decision: list[str]
    columns: Columns
    readable: np.ndarray


def record_chunk(conn: sqlite3.Connection, first: int, last: int) -> RecordChunk:
    """Records with seq from `first` to `last`, in seq order."""
    rows = conn.execute(
        "SELECT seq, case_id, kind, framework, framework_fingerprint, decision, "
        f"{_INPUT_SQL} FROM records WHERE seq BETWEEN ? AND ? ORDER BY seq",
        (first, last),
    ).fetchall()
    values = list(zip(*rows)) if rows else [()] * (6 + len(INPUT_COLUMNS))
    columns, readable = columns_of(values[6:])
    return RecordChunk(*(list(v) for v in values[:6]), columns, readable)


# --- checking the typed columns against the hashed JSON ---------------------------------------


def _conditions(columns: tuple[str, ...]) -> str:
    from .ledger import _TYPED_CHECKS

    return " OR ".join(f"{column} IS NOT {_TYPED_CHECKS[column]}" for column in columns)


def typed_mismatch(conn: sqlite3.Connection, columns: tuple[str, ...], where: str, params: tuple) -> int | None:
    """The first seq among the rows `where` selects whose typed `columns` disagree with the hashed JSON."""
    row = conn.execute(f"SELECT MIN(seq) FROM records WHERE ({where}) AND ({_conditions(columns)})", params).fetchone()
    return row[0]


def check_range(conn: sqlite3.Connection, columns: tuple[str, ...], first: int, last: int) -> int | None:
    """`typed_mismatch` over records `first`..`last`."""
    return typed_mismatch(conn, columns, "seq BETWEEN ? AND ?", (first, last))


class BesideChecker:
    """Runs checks on a second connection to the same ledger file, in one worker thread.

    An in-memory database has no second connection: its checks run at once, on the caller's.
    """

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._path = conn.execute("PRAGMA database_list").fetchone()[2]
        self._pool = ThreadPoolExecutor(max_workers=1) if self._path else None
        self._running: sqlite3.Connection | None = None

    def submit(self, check: Callable[..., int | None], *args) -> Future:
        if self._pool is None:
            done: Future = Future()
            done.set_result(check(self._conn, *args))
            return done
        return self._pool.submit(self._run, check, args)

    def _run(self, check, args) -> int | None:
        conn = sqlite3.connect(self._path, timeout=60)
        self._running = conn
        try:
            return check(conn, *args)
        finally:
            self._running = None
            conn.close()

    def close(self) -> None:
        """Cancel the checks not started, interrupt the one running, and wait for the worker."""
        if self._pool is not None:
            running = self._running
            if running is not None:
                try:
                    running.interrupt()
                except sqlite3.ProgrammingError:  # it finished and closed meanwhile
                    pass
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> BesideChecker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def raise_on_mismatch(found: int | None) -> None:
    if found is not None:
        raise TypedColumnMismatch(found)
