"""The facts of the latest record of every case, read in bulk from the hashed JSON (issue #8).

For a chunk of records, one SQL statement extracts the facts a framework reads
from each latest record's hashed `inputs`, with two `json_extract` calls of
several paths each (the flags, count and amounts; the texts and dates), and joins
each over the chunk into one text (`group_concat`). The statements run in worker
threads on their own connections; SQLite releases the GIL for a whole statement,
so extraction runs beside the decoding and evaluation in the calling thread.

Python checks the joined numbers whole with one regular expression (a flag is a
JSON boolean, a count a JSON integer, an amount a string with exactly two
decimals, as `format_amount` writes it) and parses them in C (`np.fromstring`):
no amount goes through a float. The texts are decoded with one `json.loads` per
chunk and checked (strings; a municipality not blank and without control
characters; dates written YYYY-MM-DD).

Reading the hashed JSON itself, not the typed copies of the facts
(`records.recognised_cents`, ...), leaves nothing to trust beyond what `verify`
checks through the hash chain, and costs less than reading the typed columns and
checking them against the JSON. A chunk with any value of another type or form
raises `Unreadable`: the caller then works case by case, where `parse_case`
decides what such a value means (or names the field).

The ledger only records validated inputs. What is checked again here is what the
facts read can show; rules on facts that are not read (`address_id`,
`pgv_history`) were checked when the record was written.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import attrs
import numpy as np

from decisions.vectorised import Columns

from .columns import ordinal

CHUNK = 50_000
WORKERS = 2

# Two extractions per record, each one `json_extract` call with several paths (one JSON parse, in SQLite):
# the numbers and flags, which Python checks and parses for the whole chunk at once, and the texts.
_NUMBERS = ("technical_cause", "rijksmonument", "in_pilot_area", "in_reinforcement_area", "pgv_5mms_events",
            "recognised_damage_eur", "unsettled_damage_eur", "structural_damage_eur", "woz_value_eur",
            "estimated_cost_eur")
_TEXTS = ("case_id", "municipality", "assessed_on", "existing_dossier_since")


def _extraction(paths: tuple[str, ...]) -> str:
    return f"group_concat(json_extract(inputs, {', '.join(repr('$.' + path) for path in paths)}), ',')"


# One row per chunk: the count and the two joined texts. The latest record of a case among records
# 1..last is the one with no later record of the same case up to `last`.
_CHUNK_SQL = (
    f"SELECT count(*), {_extraction(_NUMBERS)}, {_extraction(_TEXTS)} FROM records AS r "
    "WHERE r.seq BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM records AS later "
    "WHERE later.case_id = r.case_id AND later.seq > r.seq AND later.seq <= ?)"
)

_FLAG = "(?:true|false)"
_COUNT = "(?:0|[1-9][0-9]{0,17})"  # fits int64
_AMOUNT = '"(?:0|[1-9][0-9]{0,15})\\.[0-9]{2}"'  # as `decisions.amounts.format_amount` writes it; cents fit int64
_NUMBERS_ITEM = rf"\[{_FLAG},{_FLAG},{_FLAG},{_FLAG},{_COUNT},{_AMOUNT},{_AMOUNT},{_AMOUNT},{_AMOUNT},(?:{_AMOUNT}|null)\]"
_NUMBERS_TEXT = re.compile(rf"{_NUMBERS_ITEM}(?:,{_NUMBERS_ITEM})*")
_AS_NUMBERS = str.maketrans({"[": None, "]": None, '"': None, ".": None})
_CONTROL = re.compile(r"[\x00-\x1f]")
NO_COST = -1


class Unreadable(Exception):
    """A chunk holds a fact of another type or form than the ledger writes."""


@attrs.frozen(eq=False)
class FactChunk:
    """The latest records among up to `CHUNK` seqs, in no particular order within the chunk."""

    municipality: list[str]
    synthetic: bool  # every case id starts with the synthetic prefix (and an empty chunk)
    columns: Columns

    def __len__(self) -> int:
        return len(self.municipality)


def latest_facts(
    conn: sqlite3.Connection, last: int, synthetic_prefix: str, size: int = CHUNK, workers: int = WORKERS
) -> Iterator[FactChunk]:
    """The facts of the latest record of every case among records 1..last, chunk by chunk; raises `Unreadable`."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    queries = [(first, min(first + size - 1, last), last) for first in range(1, last + 1, size)]
    if not path:  # an in-memory database has no second connection
        for query in queries:
            yield decode(conn.execute(_CHUNK_SQL, query).fetchone(), synthetic_prefix)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: list[Future] = []
        try:
            for query in queries:
                pending.append(pool.submit(_extract, path, query))
                if len(pending) > workers:
                    yield decode(pending.pop(0).result(), synthetic_prefix)
            while pending:
                yield decode(pending.pop(0).result(), synthetic_prefix)
        finally:
            for future in pending:
                future.cancel()


def _extract(path: str, query: tuple) -> tuple:
    conn = sqlite3.connect(path, timeout=60)
    try:
        return conn.execute(_CHUNK_SQL, query).fetchone()
    finally:
        conn.close()


def decode(row: tuple, synthetic_prefix: str) -> FactChunk:
    """A chunk from the row `_CHUNK_SQL` gives; raises `Unreadable`."""
    count, numbers, texts = row
    if not count:
        return FactChunk([], True, Columns.from_cases([]))
    if numbers is None or not _NUMBERS_TEXT.fullmatch(numbers):
        raise Unreadable("a flag, count or amount is not written as the ledger writes it")
    plain = numbers.replace("true", "1").replace("false", "0").replace("null", str(NO_COST)).translate(_AS_NUMBERS)
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
        has_estimated_cost=cost != NO_COST,
        estimated_cost_cents=np.where(cost == NO_COST, 0, cost),
    )
    synthetic = all(case_id.startswith(synthetic_prefix) for case_id in case_ids)
    return FactChunk(list(municipalities), synthetic, columns)


def _texts(text: str | None, count: int) -> tuple:
    """Case ids, municipalities, and the two dates, checked as text facts."""
    rows = json.loads("[" + text + "]") if text else []
    if len(rows) != count or any(len(row) != len(_TEXTS) for row in rows):
        raise Unreadable("the extracted texts do not split into one set per record")
    case_ids, municipalities, assessed, dossier = zip(*rows)
    if set(map(type, case_ids)) != {str}:
        raise Unreadable("case_id: a value is not a JSON string")
    for name in set(municipalities):
        if type(name) is not str or not name.strip() or _CONTROL.search(name):
            raise Unreadable(f"municipality: {name!r} is not a text fact")
    return case_ids, municipalities, assessed, dossier


def _ordinals(values: tuple, name: str, optional: bool = False) -> np.ndarray:
    """Dates written YYYY-MM-DD (or null, when optional) as ordinals."""
    found = np.array([ordinal(value) for value in values], dtype=np.int64)
    if found.min() < (0 if optional else 1):
        raise Unreadable(f"{name}: a value is not a date written YYYY-MM-DD")
    return found
