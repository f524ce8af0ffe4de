"""A decision and the logic that makes one: `decide` combines a framework's rules for one case (docs/decision-format.md).

`decide` is part of every framework's fingerprint (`FRAMEWORK_LOGIC`). Pure and
deterministic; `decisions.evaluate` picks the framework and its fingerprint.
"""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import cattrs

from .amounts import format_amount
from .frameworks import (
    ALWAYS,
    COST_EXCEEDS_MAXIMUM,
    DOSSIER_NOT_COVERED,
    FLOOR_APPLIES,
    CriterionResult,
    Framework,
)
from .inputs import CaseInputs

__all__ = [
    "ELIGIBLE", "FRAMEWORK_LOGIC", "NOT_ELIGIBLE", "Decision", "decide", "decision_from_data", "decision_to_data",
    "decision_to_json",
]

ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"


@attrs.frozen
class Decision:
    """The outcome of one case under one framework, with every reason for it."""

    framework: str
    framework_fingerprint: str
    outcome: str
    basis: str | None
    criteria: tuple[CriterionResult, ...]
    max_amount_eur: Decimal | None
    cap_basis: str | None
    discretionary_exceedance: bool
    referral_routes: tuple[str, ...]
    interpretations: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return self.outcome == ELIGIBLE

    @property
    def failed_criteria(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.criteria if not c.passed)


def decide(case: CaseInputs, framework: Framework, fingerprint: str) -> Decision:
    """The decision logic shared by every framework."""
    results = tuple(criterion.check(case) for criterion in framework.criteria)
    failed = {r.code for r in results if not r.passed}
    transitional = framework.transitional
    if not failed:
        basis = "regular"
    elif transitional is not None and transitional.applies(case):
        basis = "transitional"
    else:
        basis = None

    cap = framework.cap_rule.cap(case) if basis is not None else None
    # A decision names an interpretation always, or only when that choice changed the decision.
    named = {
        ALWAYS: True,
        DOSSIER_NOT_COVERED: transitional is not None and basis is None and transitional.covers_dossier(case),
        FLOOR_APPLIES: cap is not None and cap.floor_applied,
        COST_EXCEEDS_MAXIMUM: cap is not None and cap.discretionary_exceedance,
    }
    interpretations = tuple(i.id for i in framework.interpretations if named[i.named_when])

    if cap is None:
        # Every not-eligible decision lists the hardship routes; whether a case is one is the reviewer's judgement.
        routes = tuple(route.code for route in framework.referral_routes)
        return Decision(
            framework.id, fingerprint, NOT_ELIGIBLE, None, results, None, None, False, routes, interpretations,
        )
    return Decision(
        framework.id, fingerprint, ELIGIBLE, basis, results, cap.max_amount_eur, cap.cap_basis,
        cap.discretionary_exceedance, (), interpretations,
    )


FRAMEWORK_LOGIC = (decide,)


_converter = cattrs.Converter()
_converter.register_unstructure_hook(Decimal, format_amount)
_converter.register_structure_hook(Decimal, lambda raw, _: Decimal(raw))


def decision_to_data(decision: Decision) -> dict:
    """JSON-ready data with the keys of docs/decision-format.md, amounts as two-decimal strings."""
    data = _converter.unstructure(decision)
    if decision.max_amount_eur is None:
        data["max_amount_eur"] = None
    return data


def decision_from_data(data: dict) -> Decision:
    """The inverse of `decision_to_data`: read a stored decision back into a `Decision`."""
    return _converter.structure(data, Decision)


def decision_to_json(decision: Decision) -> str:
    """The decision as indented JSON: the same decision gives the same bytes."""
    return json.dumps(decision_to_data(decision), indent=2, ensure_ascii=False) + "\n"
