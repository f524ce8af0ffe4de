"""Counterfactuals: the smallest change of a single fact that flips a decision's outcome.

Candidates come from the criteria themselves (each knows the edge of its own
threshold) and from the transitional rule. Every candidate is checked by
evaluating the changed case: only changes that really flip the outcome are
returned.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from .amounts import format_amount
from .evaluate import Decision, evaluate, resolve_framework
from .frameworks import Framework, with_consistent_amounts
from .inputs import CaseInputs

_AMOUNT_FIELDS = ("recognised_damage_eur", "unsettled_damage_eur", "structural_damage_eur")


@attrs.frozen
class Counterfactual:
    """One single-fact change and the outcome it leads to."""

    field: str
    current: str
    changed_to: str
    change: str
    criterion: str
    outcome: str
    also_changed: tuple[str, ...] = ()


def _render(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_amount(value)
    if value is None:
        return "null"
    return str(value)


def _change(old, new) -> str:
    if isinstance(old, bool) or isinstance(new, bool):
        return _render(new)
    delta = new - old
    text = format_amount(delta) if isinstance(delta, Decimal) else str(delta)
    return text if delta < 0 else f"+{text}"


def apply_change(case: CaseInputs, field: str, value) -> CaseInputs:
    """The case with one fact changed, as the counterfactuals change it."""
    if field == "pgv_5mms_events":
        return attrs.evolve(case, pgv_5mms_events=value, pgv_history=None)
    if field in _AMOUNT_FIELDS:
        return with_consistent_amounts(case, **{field: value})
    return attrs.evolve(case, **{field: value})


def counterfactuals(
    case: CaseInputs, framework: Framework | str | None = None, decision: Decision | None = None
) -> tuple[Counterfactual, ...]:
    """All verified single-fact flips of this case's outcome, in criterion order."""
    chosen = resolve_framework(case, framework)
    decision = decision or evaluate(case, chosen)
    passed = {r.code: r.passed for r in decision.criteria}
    candidates: list[tuple[str, str, CaseInputs]] = []
    for criterion in chosen.criteria:
        for field, changed in criterion.flips(case, passed[criterion.code]):
            candidates.append((criterion.code, field, changed))
    rule = chosen.transitional
    if rule is not None and rule.covers_dossier(case):
        # Interpretation I-1: only the original pilot area keeps existing dossiers.
        candidates.append(("transitional", "in_pilot_area", attrs.evolve(case, in_pilot_area=not case.in_pilot_area)))

    found: list[Counterfactual] = []
    seen: set[tuple[str, str]] = set()
    for code, field, changed in candidates:
        flipped = evaluate(changed, chosen)
        if flipped.outcome == decision.outcome:
            continue
        old, new = getattr(case, field), getattr(changed, field)
        key = (field, _render(new))
        if key in seen:
            continue
        seen.add(key)
        also = tuple(
            f"{other}={_render(getattr(changed, other))}"
            for other in _AMOUNT_FIELDS
            if other != field and getattr(changed, other) != getattr(case, other)
        )
        found.append(
            Counterfactual(field, _render(old), _render(new), _change(old, new), code, flipped.outcome, also)
        )
    return tuple(found)
