"""Case facts read in bulk from the hashed JSON of ledger records, chunk by chunk (issue #8).

For a chunk of records, one SQL statement extracts the facts a framework reads
from each record's hashed `inputs`, with two `json_extract` calls of several
paths each (`FACTS_SQL`: the flags, count and amounts; the texts and dates), and
joins each over the chunk into one text (`group_concat`, all in one pass, so the
n-th item of every joined text belongs to the same record). The statements run in
worker threads on their own connections (`in_workers`); SQLite releases the GIL
for a whole statement, so the reading runs beside the decoding and evaluation in
the calling thread.

`decode_facts` checks the joined numbers whole with one regular expression (a
flag is a JSON boolean, a count a JSON integer, an amount a string with exactly
two decimals, as `format_amount` writes it) and parses them in C
(`np.fromstring`): no amount goes through a float. The texts are decoded with one
`json.loads` per chunk and checked (strings; a municipality one of the listed names;
dates written YYYY-MM-DD).

Reading the hashed JSON itself, not the typed copies of the facts in the records
table (`recognised_cents`, ...), leaves nothing to trust beyond what `verify`
checks through the hash chain, and costs less than reading the typed columns and
checking them against the JSON (`TYPED_CHECKS`, 14 `json_extract` calls a
record). A chunk with any value of another type or form raises `Unreadable`:
callers then go through the exact, per-case path, where `parse_case` decides what
such a value means (or names the field).

The ledger only records validated inputs. What is checked again here is what the
facts read can show; rules on facts that are not read (`address_id`,
`pgv_history`) were checked when the record was written.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date

import attrs
import numpy as np

from decisions.input_rules import AMOUNT_INTEGER_DIGITS, MAX_EVENT_COUNT
from decisions.municipalities import NAMES as MUNICIPALITY_NAMES
from decisions.vectorised import NO_DATE, Columns

CHUNK = 50_000
WORKERS = 2

_NUMBERS = ("technical_cause", "rijksmonument", "in_pilot_area", "in_reinforcement_area", "pgv_5mms_events",
            "recognised_damage_eur", "unsettled_damage_eur", "structural_damage_eur", "woz_value_eur",
            "estimated_cost_eur")
_TEXTS = ("case_id", "municipality", "assessed_on", "existing_dossier_since")


def _extraction(paths: tuple[str, ...]) -> str:
    return f"group_concat(json_extract(inputs, {', '.join(repr('$.' + path) for path in paths)}), ',')"


# Two result columns: the joined numbers and the joined texts of the records a statement selects.
FACTS_SQL = f"{_extraction(_NUMBERS)}, {_extraction(_TEXTS)}"

_FLAG = "(?:true|false)"
# The bounds of case input (decisions/input_rules.py): what a case may not hold, a chunk may not either.
_COUNT = f"(?:0|[1-9][0-9]{{0,{len(str(MAX_EVENT_COUNT)) - 2}}}|{MAX_EVENT_COUNT})"
_AMOUNT = f'"(?:0|[1-9][0-9]{{0,{AMOUNT_INTEGER_DIGITS - 1}}})\\.[0-9]{{2}}"'  # as `format_amount` writes it
_NUMBERS_ITEM = rf"\[{_FLAG},{_FLAG},{_FLAG},{_FLAG},{_COUNT},{_AMOUNT},{_AMOUNT},{_AMOUNT},{_AMOUNT},(?:{_AMOUNT}|null)\]"
_NUMBERS_TEXT = re.compile(rf"{_NUMBERS_ITEM}(?:,{_NUMBERS_ITEM})*+")  # possessive: no backtracking state per item
_AS_NUMBERS = str.maketrans({"[": None, "]": None, '"': None, ".": None})
_NO_COST = -1
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Unreadable(Exception):
    """A chunk holds a fact of another type or form than the ledger writes."""


@attrs.frozen(eq=False)
class Facts:
    """The facts of the records of one chunk, in the order of the joined texts."""

    case_id: tuple[str, ...]
    municipality: tuple[str, ...]
    columns: Columns

    def __len__(self) -> int:
        return len(self.case_id)



@functools.lru_cache(maxsize=65_536)
def ordinal(text: object) -> int:
    """Ordinal of a date written YYYY-MM-DD; NO_DATE for None, -1 for anything else."""
    if text is None:
        return NO_DATE
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        return -1
    try:
        return date.fromisoformat(text).toordinal()
    except ValueError:
        return -1


def decode_facts(count: int, numbers: str | None, texts: str | None) -> Facts:
    """The facts of `count` records from the two joined texts of `FACTS_SQL`; raises `Unreadable`."""
    if not count:
        return Facts((), (), Columns.from_cases([]))
    if numbers is None or not _NUMBERS_TEXT.fullmatch(numbers):
        raise Unreadable("a flag, count or amount is not written as the ledger writes it")
    plain = numbers.replace("true", "1").replace("false", "0").replace("null", str(_NO_COST)).translate(_AS_NUMBERS)
    values = np.fromstring(plain, dtype=np.int64, sep=",")
    if values.size != count * len(_NUMBERS):
        raise Unreadable("the extracted facts do not split into one set per record")
    facts = dict(zip(_NUMBERS, values.reshape(count, len(_NUMBERS)).T))
    case_ids, municipalities, assessed, dossier = _texts(texts, count)
    cost = facts["estimated_cost_eur"]
    columns = Columns(
        technical_cause=facts["technical_cause"] == 1,
        recognised_cents=facts["recognised_damage_eur"].copy(),
        unsettled_cents=facts["unsettled_damage_eur"].copy(),
        structural_cents=facts["structural_damage_eur"].copy(),
        woz_cents=facts["woz_value_eur"].copy(),
        rijksmonument=facts["rijksmonument"] == 1,
        pgv_events=facts["pgv_5mms_events"].copy(),
        in_pilot_area=facts["in_pilot_area"] == 1,
        in_reinforcement_area=facts["in_reinforcement_area"] == 1,
        assessed_on=_ordinals(assessed, "assessed_on"),
        dossier_since=_ordinals(dossier, "existing_dossier_since", optional=True),
        has_estimated_cost=cost != _NO_COST,
        estimated_cost_cents=np.where(cost == _NO_COST, 0, cost),
    )
    return Facts(case_ids, municipalities, columns)


def _texts(text: str | None, count: int) -> tuple:
    """Case ids, municipalities, and the two dates, checked as text facts."""
    # One flat list, not one list per record: strings are not tracked by the garbage collector, lists are.
    # Each record's array holds exactly len(_TEXTS) values, so joining them is sound when "],[" occurs only
    # between records (a string holding it would make one more).
    if not text or text[0] != "[" or text[-1] != "]" or text.count("],[") != count - 1:
        raise Unreadable("the extracted texts do not split into one set per record")
    flat = json.loads("[" + text[1:-1].replace("],[", ",") + "]")
    width = len(_TEXTS)
    if len(flat) != count * width:
        raise Unreadable("the extracted texts do not split into one set per record")
    case_ids, municipalities, assessed, dossier = (tuple(flat[i::width]) for i in range(width))
    if set(map(type, case_ids)) != {str}:
        raise Unreadable("case_id: a value is not a JSON string")
    if not set(municipalities) <= MUNICIPALITY_NAMES:
        raise Unreadable("municipality: a value is not one of the listed municipalities")
    return case_ids, municipalities, assessed, dossier


def _ordinals(values: tuple, name: str, optional: bool = False) -> np.ndarray:
    """Dates written YYYY-MM-DD (or null, when optional) as ordinals."""
    if not set(map(type, values)) <= ({str, type(None)} if optional else {str}):
        raise Unreadable(f"{name}: a value is not a JSON string")
    found = np.array([ordinal(value) for value in values], dtype=np.int64)
    if found.min() < (0 if optional else 1):
        raise Unreadable(f"{name}: a value is not a date written YYYY-MM-DD")
    return found


def in_workers(
    conn: sqlite3.Connection, statements: list[tuple[str, tuple]], workers: int = WORKERS
) -> Iterator[tuple]:
    """The one row each `(sql, parameters)` statement gives, in order, each run on its own connection in a worker.

    At most `workers` statements run ahead of the caller, so at most that many rows wait in memory.
    An in-memory database has no second connection: its statements run on `conn`, one by one.
    """
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        for sql, parameters in statements:
            yield conn.execute(sql, parameters).fetchone()
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: list[Future] = []
        try:
            for sql, parameters in statements:
                pending.append(pool.submit(_one_row, path, sql, parameters))
                if len(pending) > workers:
                    yield pending.pop(0).result()
            while pending:
                yield pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()


def _one_row(path: str, sql: str, parameters: tuple) -> tuple:
    conn = sqlite3.connect(path, timeout=60)
    try:
        return conn.execute(sql, parameters).fetchone()
    finally:
        conn.close()


def seqs_of(text: str | None) -> np.ndarray:
    """Seqs joined by `group_concat`."""
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)


# --- the latest record of every case (compare) ---------------------------------------------------


# The latest record of a case among records 1..last is the one with no later record of the same case up
# to `last` (one probe of the case index per record, so superseded records are never extracted).
_LATEST_SQL = (
    f"SELECT count(*), {FACTS_SQL} FROM records AS r WHERE r.seq BETWEEN ? AND ? "
    "AND NOT EXISTS (SELECT 1 FROM records AS later WHERE later.case_id = r.case_id AND later.seq > r.seq "
    "AND later.seq <= ?)"
)


def latest_facts(
    conn: sqlite3.Connection, last: int, size: int = CHUNK, workers: int = WORKERS
) -> Iterator[Facts]:
    """The facts of the latest record of every case among records 1..last, a chunk of seqs at a time.

    Raises `Unreadable`.
    """
    chunks = [(_LATEST_SQL, (first, min(first + size - 1, last), last)) for first in range(1, last + 1, size)]
    for row in in_workers(conn, chunks, workers):
        yield decode_facts(*row)


# --- the same facts, with the latest seqs found first (what-if) ------------------------------------


# The latest seq of every case among records 1..last, from the case index alone (no record is read), in order.
_LATEST_SEQS_SQL = (
    "SELECT group_concat(seq) FROM (SELECT MAX(seq) AS seq FROM records WHERE seq <= ? GROUP BY case_id ORDER BY seq)"
)
_FACTS_OF_SEQS_SQL = f"SELECT count(*), {FACTS_SQL} FROM records WHERE seq IN (SELECT value FROM json_each(?))"


def latest_facts_by_seq(
    conn: sqlite3.Connection, last: int, size: int = CHUNK, workers: int = WORKERS
) -> Iterator[Facts]:
    """The facts of `latest_facts`, read another way: the latest seqs first, then only those records.

    One pass over the case index finds the latest seq of every case; each chunk then extracts
    the facts of `size` of those records, so superseded records are never read at all (`latest_facts`
    reads each record of its seq range to probe for a later one). Raises `Unreadable`.
    """
    seqs = seqs_of(conn.execute(_LATEST_SEQS_SQL, (last,)).fetchone()[0]).tolist()
    chunks = [
        (_FACTS_OF_SEQS_SQL, ("[" + ",".join(map(str, seqs[first:first + size])) + "]",))
        for first in range(0, len(seqs), size)
    ]
    for row in in_workers(conn, chunks, workers):
        yield decode_facts(*row)
