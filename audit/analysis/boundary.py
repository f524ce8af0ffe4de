"""Boundary cases in the ledger (docs/replay-and-analysis.md): the latest record of every case, streamed and examined.

The classes, margins and counterfactuals are defined in `decisions.boundary`
(pure). This module only streams the ledger through it and counts. While it
streams, it also sizes the hardship caseload (`Caseload`): every examined case
whose decision lists hardship routes (under `2026`: every case that is not
eligible), not only the boundary cases.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator

import attrs

from decisions.boundary import BOUNDARY_CLASSES, BoundaryCase, examine
from decisions.amounts import format_amount
from decisions.frameworks import Framework
from decisions.inputs import parse_case

from audit.analysis.replay import Installed
from audit.ledger.scan import latest_inputs

DEFAULT_FRAMEWORK = "2026"
PAGES_ABOVE = 1000  # a boundary dossier of more cases is split: an index page and one page per class


@attrs.define
class Caseload:
    """Counted while examining: the cases examined, and those whose decision lists hardship routes."""

    examined: int = 0
    referable: int = 0


@attrs.frozen
class Found:
    """A boundary case with the latest record it was found in."""

    seq: int
    kind: str
    case: BoundaryCase


def boundary_cases(
    rows: Iterable[tuple[int, str, str]], framework: Framework, installed: Installed | None = None,
    caseload: Caseload | None = None,
) -> Iterator[Found]:
    """The boundary cases among the given latest records `(seq, kind, inputs)`, one at a time."""
    installed = installed or Installed()
    for seq, kind, inputs in rows:
        case = parse_case(json.loads(inputs))
        decision = installed.decide(case, framework)
        if caseload is not None:
            caseload.examined += 1
            caseload.referable += bool(decision.referral_routes)
        found = examine(case, framework, decision)
        if found is not None:
            yield Found(seq, kind, found)


def ledger_boundary_cases(
    conn: sqlite3.Connection, framework: Framework, progress=None, caseload: Caseload | None = None
) -> Iterator[Found]:
    """The boundary cases among the latest records of the ledger, streamed in seq order."""
    rows = latest_inputs(conn)
    if progress is not None:
        rows = _tap(rows, progress)
    return boundary_cases(rows, framework, caseload=caseload)


def select(found: Iterable[Found], class_code: str | None = None, municipality: str | None = None) -> Iterator[Found]:
    """The boundary cases in class `class_code` and in `municipality` (None: any), streamed."""
    for item in found:
        if class_code is not None and class_code not in item.case.classes:
            continue
        if municipality is not None and item.case.municipality != municipality:
            continue
        yield item


def _tap(rows, progress):
    for row in rows:
        progress(1)
        yield row


@attrs.frozen
class BoundarySummary:
    """How many boundary cases there are, per class and per failing criterion."""

    framework: str
    boundary_cases: int
    by_class: dict[str, int]
    by_failed_criterion: dict[str, int]
    flippable: int
    referable: int | None = None  # examined cases whose decision lists hardship routes (the hardship caseload)


def summarise(found: Iterable[Found], framework: str, caseload: Caseload | None = None) -> BoundarySummary:
    """Fold boundary cases into counts: constant memory."""
    classes: Counter[str] = Counter()
    criteria: Counter[str] = Counter()
    total = flippable = 0
    for item in found:
        case = item.case
        total += 1
        classes.update(case.classes)
        if len(case.failed_criteria) == 1:
            criteria[case.failed_criteria[0]] += 1
        flippable += bool(case.counterfactuals or case.event_counterfactuals)
    return BoundarySummary(
        framework, total, {c: classes[c] for c in BOUNDARY_CLASSES}, dict(sorted(criteria.items())), flippable,
        None if caseload is None else caseload.referable,
    )


def boundary_to_data(found: Found) -> dict:
    """JSON-ready data of one boundary case."""
    case = found.case
    return {
        "case_id": case.case_id,
        "latest_seq": found.seq,
        "latest_kind": found.kind,
        "municipality": case.municipality,
        "framework": case.framework,
        "outcome": case.outcome,
        "failed_criteria": list(case.failed_criteria),
        "classes": list(case.classes),
        "counterfactuals": [
            {
                "field": cf.field,
                "current": cf.current,
                "changed_to": cf.changed_to,
                "change": cf.change,
                "criterion": cf.criterion,
                "outcome": cf.outcome,
                "also_changed": list(cf.also_changed),
            }
            for cf in case.counterfactuals
        ],
        "event_counterfactuals": [
            {
                "field": f"pgv_history[{e.index}].pgv_mm_s",
                "event_date": e.event_date,
                "place": e.place,
                "current": e.current_pgv_mm_s,
                "changed_to": e.changed_to,
                "pgv_5mms_events": e.events_counted,
                "outcome": e.outcome,
            }
            for e in case.event_counterfactuals
        ],
        "cap_shortfall_eur": None if case.cap_shortfall_eur is None else format_amount(case.cap_shortfall_eur),
    }


def summary_to_data(summary: BoundarySummary) -> dict:
    return {
        "framework": summary.framework,
        "boundary_cases": summary.boundary_cases,
        "by_class": summary.by_class,
        "by_failed_criterion": summary.by_failed_criterion,
        "with_counterfactual": summary.flippable,
        "referable_to_hardship_routes": summary.referable,
    }
