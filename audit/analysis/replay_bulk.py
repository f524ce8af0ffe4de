"""Replay every record in bulk (`replay --all`): facts read with SQL, vectorised evaluation, canonical text (issue #8).

Records are read a chunk of seqs at a time by one SQL statement each, in worker
threads (`audit.ledger.facts.in_workers`): the stored fields replay needs and the facts
from the hashed JSON (`audit.ledger.facts`), each joined over the chunk. The records of
each installed framework with a vectorised form (`decisions.vectorised`), whose
stored fingerprint is the current one and whose kind `evaluate` produced, are
decided in bulk; each decision's canonical JSON (`audit.analysis.decision_text_bulk`) is
compared with the stored text. Equal bytes make the record `reproduced`,
byte-identical: the verdict the exact path gives, since it compares the same bytes.

Every other record goes through the exact path, `audit.analysis.replay.replay_record`,
which parses the hashed JSON and names each field that differs: a record whose
bytes differ, an exception decision, a framework not installed or without a
vectorised form, a changed fingerprint, facts that break a validation rule, and
every record of a chunk whose facts are not all written as the ledger writes them
(`audit.ledger.facts.Unreadable`). So the results, and the CLI output built from them,
are those of `replay_all`; only a record reproduced in bulk carries no `case` and
`replayed` objects (building them is the work the bulk path saves).

The typed copies of the facts in the records table are not read: nothing beyond
the hashed JSON has to be trusted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import attrs
import numpy as np

from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import Framework
from decisions.vectorised import Columns, Unsupported, compile_framework, evaluate_columns, inconsistent, supports

from audit.analysis.decision_text_bulk import decision_texts
from audit.ledger.facts import FACTS_SQL, Unreadable, decode_facts, in_workers, seqs_of
from audit.analysis.replay import NOT_EVALUATED_KINDS, REPRODUCED, Installed, ReplayResult, replay_all, replay_record
from audit.ledger.scan import all_records, record_at

CHUNK = 10_000
_UNIT, _RECORD = "\x1f", "\x1e"  # separators no stored field contains (canonical JSON escapes control characters)

_RECORDS_SQL = (
    "SELECT count(*), group_concat(seq), group_concat(case_id, char(31)), group_concat(kind, char(31)), "
    "group_concat(framework, char(31)), group_concat(framework_fingerprint, char(31)), "
    f"group_concat(decision, char(30)), {FACTS_SQL} FROM records WHERE seq BETWEEN ? AND ?"
)


@attrs.frozen(eq=False)
class _Chunk:
    """Records of a chunk of seqs, in seq order: stored fields and facts."""

    seq: list[int]
    case_id: list[str]
    kind: list[str]
    framework: list[str]
    framework_fingerprint: list[str]
    decision: list[str]
    columns: Columns


def replay_ledger(
    conn: sqlite3.Connection, installed: Installed | None = None, other: Framework | None = None, progress=None
) -> Iterator[ReplayResult]:
    """Replay every record of the ledger in seq order, as `replay_all` does, in bulk where it can."""
    installed = installed or Installed()
    if other is not None and not supports(other):
        yield from replay_all(_counted(all_records(conn), progress), installed, other)
        return
    last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
    queries = [(first, min(first + CHUNK - 1, last)) for first in range(1, last + 1, CHUNK)]
    for (first, end), row in zip(queries, in_workers(conn, [(_RECORDS_SQL, query) for query in queries])):
        chunk = _decode(row, first, end)
        if chunk is None:
            replayed, seqs = {}, range(first, end + 1)
        else:
            replayed, seqs = _in_bulk(chunk, installed, other), chunk.seq
        for i, seq in enumerate(seqs):
            yield replayed.get(i) or replay_record(record_at(conn, seq), installed, other)
        if progress is not None:
            progress(end - first + 1)


def _counted(records, progress):
    for record in records:
        if progress is not None:
            progress(1)
        yield record


def _decode(row: tuple, first: int, end: int) -> _Chunk | None:
    """The chunk from its joined texts; None when they do not split as the ledger writes them."""
    count, seqs, case_ids, kinds, frameworks, fingerprints, decisions, numbers, texts = row
    if count != end - first + 1:
        return None
    seq = seqs_of(seqs)
    if not np.array_equal(seq, np.arange(first, end + 1)):
        return None
    fields = [text.split(_UNIT) for text in (case_ids, kinds, frameworks, fingerprints)] + [decisions.split(_RECORD)]
    if any(len(values) != count for values in fields):
        return None
    try:
        facts = decode_facts(count, numbers, texts)
    except Unreadable:
        return None
    return _Chunk(seq.tolist(), *fields, facts.columns)


def _in_bulk(chunk: _Chunk, installed: Installed, other: Framework | None) -> dict[int, ReplayResult]:
    """The records of the chunk that reproduce byte for byte in bulk, by their index in the chunk."""
    columns = chunk.columns
    usable = ~inconsistent(columns)
    usable &= np.array([kind not in NOT_EVALUATED_KINDS for kind in chunk.kind], dtype=bool)
    framework_ids = np.array(chunk.framework, dtype=object)
    other_fingerprint = None if other is None else _fingerprint(installed, other)
    found: dict[int, ReplayResult] = {}
    for framework_id in sorted(set(chunk.framework)):
        current = installed.get(framework_id)
        if current is None:
            continue
        framework, fingerprint = current
        try:
            compiled = compile_framework(framework)
        except Unsupported:
            continue
        rows = np.flatnonzero(
            usable
            & (framework_ids == framework_id)
            & np.array([f == fingerprint for f in chunk.framework_fingerprint], dtype=bool)
        )
        if not rows.size:
            continue
        subset = columns.take(rows)
        texts = decision_texts(evaluate_columns(compiled, subset), fingerprint)
        others = None if other is None else evaluate_columns(compile_framework(other), subset)
        for k, (i, text) in enumerate(zip(rows.tolist(), texts)):
            if text != chunk.decision[i]:
                continue
            found[i] = ReplayResult(
                seq=chunk.seq[i], case_id=chunk.case_id[i], kind=chunk.kind[i], framework=framework_id,
                status=REPRODUCED, byte_identical=True, recorded_fingerprint=fingerprint,
                current_fingerprint=fingerprint,
                other=None if others is None else others.decision(k, other_fingerprint),
            )
    return found


def _fingerprint(installed: Installed, framework: Framework) -> str:
    """The fingerprint `Installed.decide` gives a decision under this framework."""
    current = installed.get(framework.id)
    return current[1] if current is not None and current[0] is framework else framework_fingerprint(framework)
