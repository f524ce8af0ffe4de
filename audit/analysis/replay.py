"""Replay (docs/replay-and-analysis.md): re-evaluate a record's inputs under its recorded framework, and compare.

The re-evaluated decision is turned into canonical JSON and compared byte for
byte with the stored canonical decision text. Statuses:

- `reproduced`: every field of the decision is the same. When the framework's
  fingerprint changed since recording, the bytes differ only in
  `framework_fingerprint`; the record is still `reproduced`, with
  `byte_identical` false and `fingerprint_changed` true.
- `diverged`: some other field differs; `diffs` names each one as a path into the
  decision JSON (`criteria[2].passed`, `max_amount_eur`). Recorded inputs that no
  longer pass validation are also `diverged`, with the reason.
- `not_replayable`: the record was not produced by `evaluate` (an
  `exception_decision`, the discretionary outcome of an IVS or CBS referral), or its
  framework is no longer installed. The reason says which.

`fingerprint_changed` flags a record whose stored framework fingerprint differs
from the fingerprint of the framework code installed now.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator

import attrs

from decisions.errors import InvalidCase
from decisions.evaluate import Decision, decide, decision_to_data
from decisions.frameworks import Framework
from decisions.inputs import CaseInputs, parse_case
from decisions.registry import Installed  # re-exported: audit modules import it from here

from audit.ledger.canonical import canonical_json
from audit.ledger.scan import StoredRecord

REPRODUCED = "reproduced"
DIVERGED = "diverged"
NOT_REPLAYABLE = "not_replayable"
STATUSES = (REPRODUCED, DIVERGED, NOT_REPLAYABLE)

NOT_EVALUATED_KINDS = {
    "exception_decision": "an exception decision is a discretionary outcome of a referral (IVS or CBS),"
    " not produced by evaluate",
}
REASON_INPUTS_INVALID = "inputs_invalid"
REASON_FRAMEWORK_MISSING = "framework_missing"
FINGERPRINT_FIELD = "framework_fingerprint"
ABSENT = "<absent>"


@attrs.frozen
class FieldDiff:
    """One decision field that differs: its path, the recorded value and the replayed value (JSON values)."""

    path: str
    recorded: object
    replayed: object


@attrs.frozen
class ReplayResult:
    """The outcome of replaying one record."""

    seq: int
    case_id: str
    kind: str
    framework: str
    status: str
    byte_identical: bool
    recorded_fingerprint: str
    current_fingerprint: str | None
    diffs: tuple[FieldDiff, ...] = ()
    reason: str | None = None
    reason_code: str | None = None
    case: CaseInputs | None = None
    replayed: Decision | None = None
    other: Decision | None = None

    @property
    def fingerprint_changed(self) -> bool:
        return self.current_fingerprint is not None and self.current_fingerprint != self.recorded_fingerprint

    @property
    def noteworthy(self) -> bool:
        """Anything other than a plain, byte-identical reproduction."""
        return self.status != REPRODUCED or not self.byte_identical


def json_diff(recorded, replayed, path: str = "") -> list[FieldDiff]:
    """Field-level differences between two JSON values, as paths (`criteria[2].passed`)."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        found = []
        for key in sorted(set(recorded) | set(replayed)):
            here = f"{path}.{key}" if path else key
            found += json_diff(recorded.get(key, ABSENT), replayed.get(key, ABSENT), here)
        return found
    if isinstance(recorded, list) and isinstance(replayed, list):
        found = []
        for i in range(max(len(recorded), len(replayed))):
            a = recorded[i] if i < len(recorded) else ABSENT
            b = replayed[i] if i < len(replayed) else ABSENT
            found += json_diff(a, b, f"{path}[{i}]")
        return found
    if recorded == replayed and type(recorded) is type(replayed):
        return []
    return [FieldDiff(path, recorded, replayed)]


def replay_record(
    stored: StoredRecord, installed: Installed, other: Framework | None = None
) -> ReplayResult:
    """Replay one stored record; with `other`, also decide its inputs under that framework."""
    found = installed.get(stored.framework)
    current = None if found is None else found[1]
    base = dict(
        seq=stored.seq, case_id=stored.case_id, kind=stored.kind, framework=stored.framework,
        recorded_fingerprint=stored.framework_fingerprint, current_fingerprint=current,
    )
    try:
        case, invalid = parse_case(json.loads(stored.inputs)), None
    except InvalidCase as exc:
        case, invalid = None, f"the recorded inputs no longer pass validation ({exc.field}: {exc.rule})"
    other_decision = None if other is None or case is None else installed.decide(case, other)
    if stored.kind in NOT_EVALUATED_KINDS:
        return ReplayResult(
            status=NOT_REPLAYABLE, byte_identical=False, reason=NOT_EVALUATED_KINDS[stored.kind],
            reason_code=stored.kind, case=case, other=other_decision, **base,
        )
    if case is None:
        return ReplayResult(
            status=DIVERGED, byte_identical=False, reason=invalid, reason_code=REASON_INPUTS_INVALID, **base
        )
    if found is None:
        return ReplayResult(
            status=NOT_REPLAYABLE, byte_identical=False,
            reason=f"framework {stored.framework!r} is not installed", reason_code=REASON_FRAMEWORK_MISSING,
            case=case, other=other_decision, **base,
        )
    framework, fingerprint = found
    replayed = decide(case, framework, fingerprint)
    replayed_data = decision_to_data(replayed)
    replayed_text = canonical_json(replayed_data)
    if replayed_text == stored.decision:
        return ReplayResult(
            status=REPRODUCED, byte_identical=True, case=case, replayed=replayed, other=other_decision, **base
        )
    diffs = tuple(
        d for d in json_diff(json.loads(stored.decision), json.loads(replayed_text)) if d.path != FINGERPRINT_FIELD
    )
    return ReplayResult(
        status=DIVERGED if diffs else REPRODUCED, byte_identical=False, diffs=diffs,
        case=case, replayed=replayed, other=other_decision, **base,
    )


def replay_all(
    records: Iterable[StoredRecord], installed: Installed | None = None, other: Framework | None = None
) -> Iterator[ReplayResult]:
    """Replay records one by one, as they stream."""
    installed = installed or Installed()
    for stored in records:
        yield replay_record(stored, installed, other)


@attrs.frozen
class ReplaySummary:
    """Counts over a replay run: per status, fingerprint changes, and per framework and status."""

    records: int
    by_status: dict[str, int]
    byte_identical: int
    fingerprint_changed: int
    by_framework: dict[str, dict[str, int]]
    other_framework: str | None = None
    other_outcomes: dict[str, int] = attrs.field(factory=dict)

    @property
    def all_reproduced(self) -> bool:
        return self.by_status.get(DIVERGED, 0) == 0


def summarise(results: Iterable[ReplayResult], other_framework: str | None = None) -> ReplaySummary:
    """Fold replay results into counts: constant memory, whatever the number of records."""
    statuses: Counter[str] = Counter()
    per_framework: Counter[tuple[str, str]] = Counter()
    other_outcomes: Counter[str] = Counter()
    identical = changed = total = 0
    for result in results:
        total += 1
        statuses[result.status] += 1
        per_framework[(result.framework, result.status)] += 1
        identical += result.byte_identical
        changed += result.fingerprint_changed
        if result.other is not None:
            other_outcomes[result.other.outcome] += 1
    by_framework: dict[str, dict[str, int]] = {}
    for (framework, status), n in sorted(per_framework.items()):
        by_framework.setdefault(framework, {s: 0 for s in STATUSES})[status] = n
    return ReplaySummary(
        total, {s: statuses[s] for s in STATUSES}, identical, changed, by_framework,
        other_framework, dict(sorted(other_outcomes.items())),
    )


def default_other(framework_id: str) -> str:
    """The framework a replay report sets beside the recorded one: 2026 for the pilot, pilot-2024 for 2026."""
    return "pilot-2024" if framework_id == "2026" else "2026"


def result_to_data(result: ReplayResult) -> dict:
    """JSON-ready data of one replay result."""
    data = {
        "seq": result.seq,
        "case_id": result.case_id,
        "kind": result.kind,
        "framework": result.framework,
        "status": result.status,
        "byte_identical": result.byte_identical,
        "fingerprint_changed": result.fingerprint_changed,
        "recorded_fingerprint": result.recorded_fingerprint,
        "current_fingerprint": result.current_fingerprint,
        "diffs": [{"field": d.path, "recorded": d.recorded, "replayed": d.replayed} for d in result.diffs],
        "reason": result.reason,
    }
    if result.other is not None:
        data["other"] = {
            "framework": result.other.framework,
            "outcome": result.other.outcome,
            "basis": result.other.basis,
            "failed_criteria": list(result.other.failed_criteria),
            "max_amount_eur": decision_to_data(result.other)["max_amount_eur"],
        }
    return data


def summary_to_data(summary: ReplaySummary) -> dict:
    data = {
        "records": summary.records,
        "by_status": summary.by_status,
        "byte_identical": summary.byte_identical,
        "fingerprint_changed": summary.fingerprint_changed,
        "by_framework": summary.by_framework,
    }
    if summary.other_framework is not None:
        data["other_framework"] = {"framework": summary.other_framework, "outcomes": summary.other_outcomes}
    return data
