"""Replay every record in bulk (`replay --all`): typed columns, vectorised evaluation, canonical text (issue #8).

Records are read in chunks of seqs with their stored decision text and their
typed facts (`audit.columns`). The records of each installed framework with a
vectorised form (`decisions.vectorised`), whose stored fingerprint is the current
one and whose kind `evaluate` produced, are decided in bulk; each decision's
canonical JSON (`audit.decision_text`) is compared with the stored text. Equal
bytes make the record `reproduced`, byte-identical: the same verdict the exact
path would give, since it compares the same bytes.

Every other record goes through the exact path, `audit.replay.replay_record`,
which parses the hashed JSON and names each field that differs: a record whose
bytes differ, an exception decision, a framework not installed or without a
vectorised form, a changed fingerprint, facts the columns cannot show or that
break a validation rule. So the results, and the CLI output built from them, are
those of `replay_all`; only a reproduced record replayed in bulk carries no
`case` and `replayed` objects (building them is the work the bulk path saves).

The typed columns are copies of the hashed facts. A worker thread checks each
chunk's typed columns against the hashed JSON (the expressions `verify` uses)
while the chunk is evaluated, and no result of a chunk is given out before its
check passed: a disagreement raises `audit.columns.TypedColumnMismatch`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import numpy as np

from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import Framework
from decisions.vectorised import Unsupported, compile_framework, evaluate_columns, inconsistent, supports

from .columns import INPUT_COLUMNS, BesideChecker, RecordChunk, check_range, raise_on_mismatch, record_chunk
from .decision_text import decision_texts
from .replay import NOT_EVALUATED_KINDS, REPRODUCED, Installed, ReplayResult, replay_all, replay_record
from .scan import all_records, record_at

CHUNK = 20_000


def replay_ledger(
    conn: sqlite3.Connection, installed: Installed | None = None, other: Framework | None = None, progress=None
) -> Iterator[ReplayResult]:
    """Replay every record of the ledger in seq order, as `replay_all` does, in bulk where it can."""
    installed = installed or Installed()
    if other is not None and not supports(other):
        yield from replay_all(_counted(all_records(conn), progress), installed, other)
        return
    last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
    starts = range(1, last + 1, CHUNK)
    with BesideChecker(conn) as checker:
        checks = [checker.submit(check_range, INPUT_COLUMNS, first, min(first + CHUNK - 1, last)) for first in starts]
        for first, checked in zip(starts, checks):
            chunk = record_chunk(conn, first, min(first + CHUNK - 1, last))
            replayed = _in_bulk(chunk, installed, other)
            raise_on_mismatch(checked.result())
            for i, seq in enumerate(chunk.seq):
                yield replayed.get(i) or replay_record(record_at(conn, seq), installed, other)
            if progress is not None:
                progress(len(chunk.seq))


def _counted(records, progress):
    for record in records:
        if progress is not None:
            progress(1)
        yield record


def _in_bulk(chunk: RecordChunk, installed: Installed, other: Framework | None) -> dict[int, ReplayResult]:
    """The records of the chunk that reproduce byte for byte in bulk, by their index in the chunk."""
    columns = chunk.columns
    usable = chunk.readable & ~inconsistent(columns)
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
