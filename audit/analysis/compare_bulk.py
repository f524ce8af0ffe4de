"""Compare two frameworks in bulk: facts read with SQL, vectorised evaluation, NumPy counting (issue #8).

The facts of the latest record of every case are read in chunks straight from
the hashed JSON (`audit.ledger.facts`: SQLite extracts them, in worker threads), decided
under both frameworks by `decisions.vectorised`, and counted with NumPy into the
same counters as the case-by-case comparison (`audit.analysis.compare.Counts`), so the
result is the same `Comparison`. The typed copies of the facts in the records
table are not read, so nothing beyond the hashed JSON has to be trusted.

`NotInBulk` means "compare case by case": a framework without a vectorised form,
or a latest record with a fact of another type or form than the ledger writes,
or facts that break a validation rule. The case-by-case path then decides, or
names the bad field.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import numpy as np

from decisions.frameworks import Framework
from decisions.vectorised import (
    NO_AMOUNT,
    Compiled,
    Unsupported,
    VectorDecisions,
    compile_framework,
    evaluate_columns,
    inconsistent,
)

from audit.analysis.transitions import (
    _50K,
    _125K,
    BAND_50K_TO_125K,
    BAND_LOWER,
    BAND_OVER_125K,
    BAND_SAME,
    BAND_UNCAPPED,
    BAND_UP_TO_50K,
    BANDS,
    CELLS,
    GAINS,
    LOSES,
    STAYS_ELIGIBLE,
    STAYS_INELIGIBLE,
    SIDES,
    SYNTHETIC_PREFIX,
    TRANSITIONAL,
    Comparison,
    Counts,
)
from audit.ledger.facts import Unreadable, latest_facts

CHUNK = 50_000  # seqs per chunk


_CELL = {cell: i for i, cell in enumerate(CELLS)}
_BAND = {band: i for i, band in enumerate(BANDS)}
_TRANSITIONAL_BASIS = 2  # decisions.vectorised.BASES.index("transitional")


class NotInBulk(Exception):
    """This comparison has to run case by case."""


def compare_in_bulk(conn: sqlite3.Connection, before: Framework, after: Framework, progress=None) -> Comparison:
    """The comparison over the latest record of every case, in chunks; raises `NotInBulk`."""
    try:
        old, new = compile_framework(before), compile_framework(after)
    except Unsupported as exc:
        raise NotInBulk(str(exc)) from None
    last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
    counter = ComparisonCounter(old, new)
    try:
        for facts in latest_facts(conn, last, CHUNK):
            if inconsistent(facts.columns).any():
                raise NotInBulk("a latest record has facts that break a validation rule")
            synthetic = all(case_id.startswith(SYNTHETIC_PREFIX) for case_id in facts.case_id)
            counter.add(facts.municipality, synthetic, facts.columns)
            if progress is not None:
                progress(len(facts))
    except Unreadable as exc:
        raise NotInBulk(str(exc)) from None
    return counter.counts.comparison(before.id, after.id)


class ComparisonCounter:
    """Counts chunks of cases into `Counts`, keyed by municipality name as the per-case fold does.

    `add` decides a chunk under both frameworks; `add_decided` counts decisions already made
    (`audit.whatif.evaluate` decides the population once per framework), with `codes` indexing `names`.
    """

    def __init__(self, before: Compiled, after: Compiled, names: dict[str, int] | None = None):
        self.before, self.after = before, after
        self.counts = Counts()
        self.names: dict[str, int] = {} if names is None else names
        self._causes = _Causes(before, after)

    def add(self, municipality: tuple[str, ...], synthetic: bool, columns) -> None:
        names = self.names
        codes = np.array([names.setdefault(m, len(names)) for m in municipality], dtype=np.int64)
        old = evaluate_columns(self.before, columns)
        new = evaluate_columns(self.after, columns)
        self.add_decided(codes, synthetic, old, new)

    def add_decided(self, codes: np.ndarray, synthetic: bool, old: VectorDecisions, new: VectorDecisions) -> None:
        cell = _cells(old.eligible, new.eligible)
        labels = list(self.names)
        counts = self.counts
        counts.total += len(codes)
        counts.synthetic = counts.synthetic and synthetic
        _count_pairs(counts.cells, labels, CELLS, codes, cell)
        both = (cell == _CELL[STAYS_ELIGIBLE])
        _count_pairs(counts.bands, labels, BANDS, codes[both], _bands(old, new, both))
        i1 = ~new.eligible & new.dossier_not_covered
        _count_pairs(counts.i1, labels, CELLS, codes[i1], cell[i1])
        for side, decided in zip(SIDES, (old, new)):
            exceeds = decided.discretionary_exceedance
            _count_pairs(counts.exceedance, labels, SIDES, codes[exceeds],
                         np.full(int(exceeds.sum()), SIDES.index(side), dtype=np.int64))
        self._count_reasons(old, new, cell)

    def _count_reasons(self, old: VectorDecisions, new: VectorDecisions, cell: np.ndarray) -> None:
        changed = (cell == _CELL[GAINS]) | (cell == _CELL[LOSES])
        mask = np.zeros(int(changed.sum()), dtype=np.int64)
        for bit, (j_new, j_old) in enumerate(self._causes.positions):
            differs = old.passed[changed, j_old] != new.passed[changed, j_new]
            mask |= differs.astype(np.int64) << bit
        transitional = (old.basis[changed] == _TRANSITIONAL_BASIS) | (new.basis[changed] == _TRANSITIONAL_BASIS)
        transitional &= old.basis[changed] != new.basis[changed]
        mask |= transitional.astype(np.int64) << len(self._causes.positions)
        width = 1 << (len(self._causes.positions) + 1)
        keys, counts = np.unique(cell[changed].astype(np.int64) * width + mask, return_counts=True)
        for key, n in zip(keys.tolist(), counts.tolist()):
            cause = self._causes.key(key % width)
            if cause:
                self.counts.reasons[(CELLS[key // width], cause)] += n


class _Causes:
    """Which criteria can be a cause: each criterion of the new framework whose code the old one has.

    `audit.analysis.compare.causes_of` looks codes up in a dict of the old criteria, so the last
    old criterion with a code is the one compared.
    """

    def __init__(self, before: Compiled, after: Compiled):
        old_position = {code: j for j, code in enumerate(before.codes)}
        self.positions = [(j, old_position[code]) for j, code in enumerate(after.codes) if code in old_position]
        self.codes = [code for code in after.codes if code in old_position] + [TRANSITIONAL]
        self._keys: dict[int, str] = {}

    def key(self, mask: int) -> str:
        if mask not in self._keys:
            self._keys[mask] = "+".join(code for bit, code in enumerate(self.codes) if mask >> bit & 1)
        return self._keys[mask]


def _cells(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    return np.where(
        old,
        np.where(new, _CELL[STAYS_ELIGIBLE], _CELL[LOSES]),
        np.where(new, _CELL[GAINS], _CELL[STAYS_INELIGIBLE]),
    ).astype(np.int64)


_50K_CENTS, _125K_CENTS = int(_50K * 100), int(_125K * 100)


def _bands(old: VectorDecisions, new: VectorDecisions, both: np.ndarray) -> np.ndarray:
    """`audit.analysis.compare.cap_band` for the cases eligible under both frameworks."""
    before, after = old.max_amount_cents[both], new.max_amount_cents[both]
    old_none, new_none = before == NO_AMOUNT, after == NO_AMOUNT
    change = after - before
    return np.select(
        [
            new_none & old_none,
            new_none,
            old_none,
            change < 0,
            change == 0,
            change <= _50K_CENTS,
            change <= _125K_CENTS,
        ],
        [
            _BAND[BAND_SAME],
            _BAND[BAND_UNCAPPED],
            _BAND[BAND_LOWER],
            _BAND[BAND_LOWER],
            _BAND[BAND_SAME],
            _BAND[BAND_UP_TO_50K],
            _BAND[BAND_50K_TO_125K],
        ],
        _BAND[BAND_OVER_125K],
    ).astype(np.int64)


def _count_pairs(
    counter: Counter, names: list[str], labels: tuple[str, ...], codes: np.ndarray, values: np.ndarray
) -> None:
    """Add counts of (municipality, label) pairs to the counter; only pairs that occur get a key."""
    width = len(labels)
    found = np.bincount(codes * width + values, minlength=len(names) * width)
    for index in np.flatnonzero(found).tolist():
        counter[(names[index // width], labels[index % width])] += int(found[index])
