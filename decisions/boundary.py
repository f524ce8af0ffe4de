"""Boundary cases (SPEC §6): cases just outside (or just inside) a threshold, with what would flip them.

A case is a boundary case under a framework when it falls in one or more of
these classes (codes are stable; `audit.analysis_wording` has the Dutch labels):

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
from .frameworks import DamageThreshold, Framework, KernArea, WozCap
from .inputs import PGV_COUNT_CUTOFF, PGV_THRESHOLD_MM_S, CaseInputs

FAILS_ONE_CRITERION = "fails_one_criterion"
PGV_ONE_EVENT_SHORT = "pgv_one_event_short"
DAMAGE_JUST_BELOW = "damage_just_below_threshold"
PGV_EVENT_JUST_BELOW = "pgv_event_just_below_5mms"
WOZ_BINDS_CAP = "woz_binds_cap"
EXISTING_DOSSIER_OUTSIDE_PILOT_AREA = "existing_dossier_outside_pilot_area"

BOUNDARY_CLASSES = (
    FAILS_ONE_CRITERION,
    PGV_ONE_EVENT_SHORT,
    DAMAGE_JUST_BELOW,
    PGV_EVENT_JUST_BELOW,
    WOZ_BINDS_CAP,
    EXISTING_DOSSIER_OUTSIDE_PILOT_AREA,
)

DAMAGE_MARGIN = Decimal("0.10")
PGV_MARGIN_FROM = Decimal("4.5")


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


def _kern_area(framework: Framework) -> KernArea | None:
    return next((c for c in framework.criteria if isinstance(c, KernArea)), None)


def _damage_threshold(framework: Framework) -> DamageThreshold | None:
    return next((c for c in framework.criteria if isinstance(c, DamageThreshold)), None)


def _near_events(case: CaseInputs) -> list[int]:
    """Indexes of events before the cut-off with 4.5 <= pgv < 5.0 mm/s."""
    if not case.pgv_history:
        return []
    return [
        i
        for i, event in enumerate(case.pgv_history)
        if event.event_date < PGV_COUNT_CUTOFF and PGV_MARGIN_FROM <= event.pgv_mm_s < PGV_THRESHOLD_MM_S
    ]


def boundary_classes(case: CaseInputs, framework: Framework, decision: Decision) -> tuple[str, ...]:
    """The boundary classes of a decided case, in the order of `BOUNDARY_CLASSES`."""
    found = []
    failed = decision.failed_criteria
    if decision.outcome != ELIGIBLE and len(failed) == 1:
        found.append(FAILS_ONE_CRITERION)
    area = _kern_area(framework)
    if area is not None:
        if case.pgv_5mms_events == area.min_events.value - 1:
            found.append(PGV_ONE_EVENT_SHORT)
    threshold = _damage_threshold(framework)
    if threshold is not None:
        amount, minimum = getattr(case, threshold.fact), threshold.minimum.value
        if minimum * (1 - DAMAGE_MARGIN) <= amount < minimum:
            found.append(DAMAGE_JUST_BELOW)
    if area is not None and _near_events(case):
        found.append(PGV_EVENT_JUST_BELOW)
    if (
        decision.outcome == ELIGIBLE
        and isinstance(framework.cap_rule, WozCap)
        and decision.cap_basis == "woz"
        and case.estimated_cost_eur is not None
        and case.estimated_cost_eur > case.woz_value_eur
    ):
        found.append(WOZ_BINDS_CAP)
    if "I-1" in decision.interpretations:
        found.append(EXISTING_DOSSIER_OUTSIDE_PILOT_AREA)
    return tuple(found)


def event_counterfactuals(
    case: CaseInputs, framework: Framework, decision: Decision
) -> tuple[EventCounterfactual, ...]:
    """For each event just below 5.0 mm/s: that event at 5.0 mm/s, when it flips the outcome (verified)."""
    if _kern_area(framework) is None:
        return ()
    fingerprint = framework_fingerprint(framework)
    found = []
    for i in _near_events(case):
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
