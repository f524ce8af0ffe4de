"""Decide and record: the rule engine decides a case, then the ledger stores the decision.

The ledger (`audit.ledger.store.Ledger`) stores what it is given and never calls the
rule engine. These two functions are for callers that want both steps in one
call; they decide first, and only then open the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from decisions.evaluate import evaluate
from decisions.frameworks import Framework
from decisions.inputs import CaseInputs

from audit.ledger.store import Entry, Ledger, Record


def record_case(
    ledger: Ledger,
    case: CaseInputs,
    framework: Framework | str | None = None,
    kind: str = "assessment",
    supersedes: int | None = None,
    actor: str = "dh-audit",
) -> Record:
    """Decide `case` under `framework` (default: the one in force on its assessment date) and record it."""
    return ledger.append(case, evaluate(case, framework), kind, supersedes, actor)


def record_cases(
    ledger: Ledger,
    cases: Iterable[CaseInputs],
    framework: Framework | str | None = None,
    kind: str = "assessment",
    actor: str = "dh-audit",
) -> list[int]:
    """Decide every case and record them all in one transaction (all of them, or none). Returns the seqs."""
    return ledger.append_entries([Entry(case, evaluate(case, framework), kind, None, actor) for case in cases])
