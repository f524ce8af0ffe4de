"""Compare two frameworks over the latest facts of every case (docs/replay-and-analysis.md).

For each case, its latest record's inputs are decided under both frameworks
(default `pilot-2024` against `2026`). Each case becomes a `Transition`: its cell
of the transition matrix, the criteria that caused a change (those whose
pass/fail differs, plus `transitional` when the transitional rule decides the
new outcome), the band of the change in maximum amount, whether it falls
under interpretation I-1, and under which framework the estimated cost exceeds
the maximum (`discretionary_exceedance`: the discretionary exception is needed).

`accumulate` folds transitions into a `Comparison` with counters only (`Counts`),
so the memory it needs does not grow with the number of cases. Both are pure.

`compare_ledger` runs in bulk by default (`audit.analysis.compare_bulk`: the facts read
from the hashed JSON with SQL, both frameworks evaluated over NumPy columns by
`decisions.vectorised`, counted with NumPy into the same `Counts`), and case by
case (`compare_cases`) for a framework without a vectorised form or facts the
bulk reader does not take. Both give the same `Comparison`.

Case by case, the stored inputs are parsed without their `pgv_history`: no
criterion reads it (it only justifies `pgv_5mms_events`, and was checked against
it when recorded), and parsing it is most of the work per case.
`tests/audit/analysis/test_compare.py` checks that every framework decides the same with and
without it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

import attrs

from decisions.boundary import EXISTING_DOSSIER_OUTSIDE_PILOT_AREA
from decisions.evaluate import ELIGIBLE, Decision
from decisions.frameworks import Framework
from decisions.inputs import parse_case

from audit.analysis.compare_bulk import NotInBulk, compare_in_bulk
from audit.analysis.replay import Installed
from audit.analysis.transitions import (
    _50K,
    _125K,
    AFTER,
    BAND_50K_TO_125K,
    BAND_LOWER,
    BAND_OVER_125K,
    BAND_SAME,
    BAND_UNCAPPED,
    BAND_UP_TO_50K,
    BANDS,
    BEFORE,
    CELLS,
    CHANGES,
    DEFAULT_FROM,
    DEFAULT_TO,
    GAINS,
    LOSES,
    SIDES,
    STAYS_ELIGIBLE,
    STAYS_INELIGIBLE,
    SYNTHETIC_PREFIX,
    TRANSITIONAL,
    Comparison,
    Counts,
)
from audit.ledger.scan import latest_inputs

@attrs.frozen
class Transition:
    """One case compared under two frameworks."""

    municipality: str
    cell: str
    causes: tuple[str, ...]
    cap_band: str | None
    i1: bool
    synthetic: bool = False
    exceeds: tuple[bool, bool] = (False, False)  # discretionary_exceedance (before, after)


def cell_of(before: Decision, after: Decision) -> str:
    if before.outcome == ELIGIBLE:
        return STAYS_ELIGIBLE if after.outcome == ELIGIBLE else LOSES
    return GAINS if after.outcome == ELIGIBLE else STAYS_INELIGIBLE


def causes_of(before: Decision, after: Decision) -> tuple[str, ...]:
    """The criteria whose pass/fail differs, in criterion order, plus `transitional` when it decides."""
    passed = {c.code: c.passed for c in before.criteria}
    found = [c.code for c in after.criteria if passed.get(c.code) is not None and passed[c.code] != c.passed]
    if TRANSITIONAL in (before.basis, after.basis) and before.basis != after.basis:
        found.append(TRANSITIONAL)
    return tuple(found)


def cap_band(before: Decision, after: Decision) -> str | None:
    """The band of the change in maximum amount; None unless eligible under both frameworks."""
    if before.outcome != ELIGIBLE or after.outcome != ELIGIBLE:
        return None
    old, new = before.max_amount_eur, after.max_amount_eur
    if new is None:
        return BAND_SAME if old is None else BAND_UNCAPPED
    if old is None:
        return BAND_LOWER
    change = new - old
    if change < 0:
        return BAND_LOWER
    if change == 0:
        return BAND_SAME
    if change <= _50K:
        return BAND_UP_TO_50K
    if change <= _125K:
        return BAND_50K_TO_125K
    return BAND_OVER_125K


def transition(municipality: str, before: Decision, after: Decision, synthetic: bool = False) -> Transition:
    """Classify one case from its two decisions (`synthetic`: the case id marks invented data)."""
    cell = cell_of(before, after)
    causes = causes_of(before, after) if cell in CHANGES else ()
    i1 = after.outcome != ELIGIBLE and "I-1" in after.interpretations
    exceeds = (before.discretionary_exceedance, after.discretionary_exceedance)
    return Transition(municipality, cell, causes, cap_band(before, after), i1, synthetic, exceeds)


def cause_key(causes: tuple[str, ...]) -> str:
    """One key per combination of causes: `area`, `area+damage_threshold`."""
    return "+".join(causes)


def accumulate(transitions: Iterable[Transition], from_framework: str, to_framework: str) -> Comparison:
    """Fold transitions into counters (constant memory: no list of cases is kept)."""
    counts = Counts()
    for t in transitions:
        counts.total += 1
        counts.synthetic = counts.synthetic and t.synthetic
        counts.cells[(t.municipality, t.cell)] += 1
        if t.causes:
            counts.reasons[(t.cell, cause_key(t.causes))] += 1
        if t.cap_band is not None:
            counts.bands[(t.municipality, t.cap_band)] += 1
        if t.i1:
            counts.i1[(t.municipality, t.cell)] += 1
        for side, flag in zip(SIDES, t.exceeds):
            if flag:
                counts.exceedance[(t.municipality, side)] += 1
    return counts.comparison(from_framework, to_framework)


def transitions_of(
    rows: Iterable[tuple[int, str, str]], before: Framework, after: Framework, installed: Installed | None = None
) -> Iterator[Transition]:
    """Decide each case's latest inputs under both frameworks, one case at a time."""
    installed = installed or Installed()
    for _, _, inputs in rows:
        data = json.loads(inputs)
        # No criterion reads the event list: it only justifies `pgv_5mms_events`, and it was checked
        # against it when the record was written. Parsing it would be most of the work per case.
        data.pop("pgv_history", None)
        case = parse_case(data)
        yield transition(
            case.municipality, installed.decide(case, before), installed.decide(case, after),
            case.case_id.startswith(SYNTHETIC_PREFIX),
        )


def compare_ledger(conn: sqlite3.Connection, before: Framework, after: Framework, progress=None) -> Comparison:
    """The comparison over the latest record of every case in the ledger, streamed.

    It runs in bulk (`audit.analysis.compare_bulk`: typed columns, vectorised evaluation) when
    both frameworks have a vectorised form and every latest record's facts can be
    read from its typed columns; otherwise case by case (`compare_cases`). Both give
    the same `Comparison` (`tests/audit/analysis/test_compare_bulk.py`).
    """
    try:
        return compare_in_bulk(conn, before, after, progress)
    except NotInBulk:
        return compare_cases(conn, before, after, progress)


def compare_cases(conn: sqlite3.Connection, before: Framework, after: Framework, progress=None) -> Comparison:
    """The comparison case by case: each latest record's inputs parsed and decided under both frameworks."""
    rows = latest_inputs(conn)
    try:
        tapped = rows if progress is None else _tap(rows, progress)
        return accumulate(transitions_of(tapped, before, after), before.id, after.id)
    finally:
        rows.close()  # a case that does not parse leaves the cursor open otherwise


def _tap(rows, progress):
    for row in rows:
        progress(1)
        yield row


def comparison_to_data(comparison: Comparison) -> dict:
    """JSON-ready data of a comparison (raw counts: internal, not for publication)."""
    return {
        "from": comparison.from_framework,
        "to": comparison.to_framework,
        "cases": comparison.cases,
        "transition_matrix": comparison.cells,
        "by_municipality": comparison.by_municipality,
        "reasons": comparison.reasons,
        "max_amount_change": {
            "cases_eligible_under_both": sum(comparison.cap_bands.values()),
            "bands": comparison.cap_bands,
            "by_municipality": comparison.cap_bands_by_municipality,
        },
        "interpretation_I-1": {
            "boundary_class": EXISTING_DOSSIER_OUTSIDE_PILOT_AREA,
            "cases": comparison.i1_cases,
            "by_municipality": comparison.i1_by_municipality,
            "by_transition": comparison.i1_by_cell,
        },
        "discretionary_exceedance": {
            "description": "eligible cases whose estimated cost exceeds the maximum, per framework",
            comparison.from_framework: comparison.exceedance[BEFORE],
            comparison.to_framework: comparison.exceedance[AFTER],
            "by_municipality": comparison.exceedance_by_municipality,
        },
        "synthetic": comparison.synthetic,
    }
