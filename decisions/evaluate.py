"""Evaluate one case under one framework: pure and deterministic (docs/decision-format.md).

The framework is named (by id, a variant id or the object) or chosen by the
case's `assessed_on`; `decide` (`decisions.decision`) makes the decision.
"""

from __future__ import annotations

from .decision import (
    ELIGIBLE,
    FRAMEWORK_LOGIC,
    NOT_ELIGIBLE,
    Decision,
    decide,
    decision_from_data,
    decision_to_data,
    decision_to_json,
)
from .fingerprint import framework_fingerprint
from .frameworks import Framework
from .inputs import CaseInputs
from .registry import framework_for_date, get_framework

__all__ = [
    "ELIGIBLE", "FRAMEWORK_LOGIC", "NOT_ELIGIBLE", "Decision", "decide", "decision_from_data", "decision_to_data",
    "decision_to_json", "evaluate", "resolve_framework",
]


def resolve_framework(case: CaseInputs, framework: Framework | str | None = None) -> Framework:
    """The named framework, or the one in force on the case's `assessed_on`."""
    if framework is None:
        return framework_for_date(case.assessed_on)
    if isinstance(framework, str):
        return get_framework(framework)
    return framework


def evaluate(case: CaseInputs, framework: Framework | str | None = None) -> Decision:
    """Decide a case. The framework is named, or selected by `assessed_on`."""
    chosen = resolve_framework(case, framework)
    return decide(case, chosen, framework_fingerprint(chosen))
