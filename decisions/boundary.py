"""Boundary cases (docs/replay-and-analysis.md): cases just outside (or just inside) a threshold, with what would flip them.

A case is a boundary case under a framework when it falls in one or more of
these classes (codes are stable; `audit.reports.analysis_wording` has the Dutch labels):

- `fails_one_criterion`: not eligible, and exactly one criterion fails.
- `pgv_one_event_short`: the kerngebied criterion counts one event too few
  (3 events of ≥ 5 mm/s when 4 are needed).
- `damage_just_below_threshold`: the damage amount of the threshold criterion is
  below the minimum, but by at most 10% of it (€ 4,500.00 to € 4,999.99 in `2026`).
- `pgv_event_just_below_5mms`: `pgv_history` has an event before 2026-01-01 with a
  modelled peak ground velocity from 4.5 up to (not including) 5.0 mm/s.
- `woz_binds_cap`: eligible, the maximum is the WOZ value (so WOZ < € 500,000 and
  no rijksmonument), and the estimated cost is higher than the WOZ value.
- `existing_dossier_outside_pilot_area`: interpretation I-1. An existing dossier from
  before 2026, outside the original pilot area, that is not eligible: the decision
  names I-1.

Every class but the first and the last depends on one rule, and that rule's
class decides it (`boundary_classes` on the rule, `decisions.rules`): a
framework without a kerngebied criterion has no PGV classes, one without a WOZ
cap no `woz_binds_cap`.

Each boundary case carries its counterfactuals (`decisions.counterfactual`): every
single-fact change to the edge of a threshold that flips the outcome, each verified
by evaluating the changed case. For `pgv_event_just_below_5mms` it also carries, per
such event, the counterfactual "that event at 5.0 mm/s" when it flips the outcome,
verified the same way.

Pure: no I/O.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from .counterfactual import Counterfactual, counterfactuals
from .evaluate import ELIGIBLE, Decision, decide, evaluate, resolve_framework
from .fingerprint import framework_fingerprint
from .frameworks import Framework
from .inputs import PGV_THRESHOLD_MM_S, CaseInputs
from .rules import (
    DAMAGE_JUST_BELOW,
    DAMAGE_MARGIN,
    PGV_EVENT_JUST_BELOW,
    PGV_MARGIN_FROM,
    PGV_ONE_EVENT_SHORT,
    WOZ_BINDS_CAP,
    near_events,
)

__all__ = [
    "BOUNDARY_CLASSES", "DAMAGE_JUST_BELOW", "DAMAGE_MARGIN", "EXISTING_DOSSIER_OUTSIDE_PILOT_AREA",
    "FAILS_ONE_CRITERION", "PGV_EVENT_JUST_BELOW", "PGV_MARGIN_FROM", "PGV_ONE_EVENT_SHORT", "WOZ_BINDS_CAP",
    "BoundaryCase", "EventCounterfactual", "boundary_classes", "event_counterfactuals", "examine",
]

FAILS_ONE_CRITERION = "fails_one_criterion"
EXISTING_DOSSIER_OUTSIDE_PILOT_AREA = "existing_dossier_outside_pilot_area"

BOUNDARY_CLASSES = (
    FAILS_ONE_CRITERION,
    PGV_ONE_EVENT_SHORT,
    DAMAGE_JUST_BELOW,
    PGV_EVENT_JUST_BELOW,
    WOZ_BINDS_CAP,
    EXISTING_DOSSIER_OUTSIDE_PILOT_AREA,
)


@attrs.frozen
class EventCounterfactual:
    """One earthquake of `pgv_history` at the threshold (5.0 mm/s) instead of just below it."""

    index: int
    event_date: str
    place: str
    current_pgv_mm_s: str
    changed_to: str
    events_counted: int
    outcome: str


@attrs.frozen
class BoundaryCase:
    """A case at a boundary of one framework: its classes and what would flip its outcome."""

    case_id: str
    municipality: str
    framework: str
    outcome: str
    failed_criteria: tuple[str, ...]
    classes: tuple[str, ...]
    counterfactuals: tuple[Counterfactual, ...]
    event_counterfactuals: tuple[EventCounterfactual, ...]
    cap_shortfall_eur: Decimal | None


def boundary_classes(case: CaseInputs, framework: Framework, decision: Decision) -> tuple[str, ...]:
    """The boundary classes of a decided case, in the order of `BOUNDARY_CLASSES`."""
    found = set()
    if decision.outcome != ELIGIBLE and len(decision.failed_criteria) == 1:
        found.add(FAILS_ONE_CRITERION)
    for rule in (*framework.criteria, framework.cap_rule):
        found.update(rule.boundary_classes(case, decision.cap_basis))
    if "I-1" in decision.interpretations:
        found.add(EXISTING_DOSSIER_OUTSIDE_PILOT_AREA)
    return tuple(code for code in BOUNDARY_CLASSES if code in found)


def event_counterfactuals(
    case: CaseInputs, framework: Framework, decision: Decision
) -> tuple[EventCounterfactual, ...]:
    """For each event just below 5.0 mm/s: that event at 5.0 mm/s, when it flips the outcome (verified)."""
    if PGV_EVENT_JUST_BELOW not in boundary_classes(case, framework, decision):
        return ()
    fingerprint = framework_fingerprint(framework)
    found = []
    for i in near_events(case):
        event = case.pgv_history[i]
        raised = attrs.evolve(event, pgv_mm_s=PGV_THRESHOLD_MM_S)
        history = case.pgv_history[:i] + (raised,) + case.pgv_history[i + 1 :]
        changed = attrs.evolve(case, pgv_history=history, pgv_5mms_events=case.pgv_5mms_events + 1)
        flipped = decide(changed, framework, fingerprint)
        if flipped.outcome != decision.outcome:
            found.append(
                EventCounterfactual(
                    i, event.event_date.isoformat(), event.place, str(event.pgv_mm_s), str(PGV_THRESHOLD_MM_S),
                    changed.pgv_5mms_events, flipped.outcome,
                )
            )
    return tuple(found)


def examine(
    case: CaseInputs, framework: Framework | str | None = None, decision: Decision | None = None
) -> BoundaryCase | None:
    """The case as a boundary case under the framework, or None when it is in no boundary class."""
    chosen = resolve_framework(case, framework)
    decision = decision or evaluate(case, chosen)
    classes = boundary_classes(case, chosen, decision)
    if not classes:
        return None
    shortfall = case.estimated_cost_eur - case.woz_value_eur if WOZ_BINDS_CAP in classes else None
    return BoundaryCase(
        case.case_id,
        case.municipality,
        chosen.id,
        decision.outcome,
        decision.failed_criteria,
        classes,
        counterfactuals(case, chosen, decision),
        event_counterfactuals(case, chosen, decision) if PGV_EVENT_JUST_BELOW in classes else (),
        shortfall,
    )
