"""Raw counts for publication, read from the ledger (confidential until disclosure control has run).

Two kinds of counts, each over the latest record of every case (the decision in force):

- *recorded*: plain SQL over the ledger's typed columns: the recorded outcome per
  framework and municipality, the recorded maximum amounts and what set them
  (`cap_basis`), the decisions that name the hardship routes (IVS, CBS; under `2026`
  every not-eligible assessment), per quarter of the decision date, and every
  decision ever recorded (not only those in force) per month of its decision date
  and outcome;
- *evaluated*: every case's latest facts decided again under every framework, for
  the framework comparison tables: the transition matrix (`pilot-2024` to `2026`)
  with its causes, the failing criteria per framework, and the boundary classes
  under `2026`. The classification is that of `audit.analysis.compare.transition` and
  `decisions.boundary.boundary_classes`, applied once per fact profile
  (`audit.publication.profiles`) and counted with the profile's number of cases.

Nothing here is fit to publish as it is: `audit.publication.tables` turns these
counts into tables for `audit.publication.disclosure`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import attrs

from decisions.boundary import boundary_classes
from decisions.evaluate import ELIGIBLE
from decisions.frameworks import FRAMEWORKS, Framework
from decisions.registry import get_framework
from decisions.inputs import parse_case

from audit.analysis.compare import DEFAULT_FROM, DEFAULT_TO, SYNTHETIC_PREFIX, cause_key, transition
from audit.publication.objection_stats import (
    ObjectionCount,
    ObjectionTermCount,
    ReferralCount,
    objection_counts,
    objection_term_counts,
    referral_counts,
)
from audit.publication.profiles import Profile, profiles
from audit.analysis.replay import Installed
from audit.ledger.scan import LATEST_SEQS

def quarter_sql(column: str) -> str:
    """SQL: the quarter `YYYY-Qn` of an ISO date column."""
    return f"substr({column}, 1, 4) || '-Q' || ((CAST(substr({column}, 6, 2) AS INTEGER) + 2) / 3)"


def month_sql(column: str) -> str:
    """SQL: the month `YYYY-MM` of an ISO date column (never anything finer)."""
    return f"substr({column}, 1, 7)"


@attrs.frozen
class Classification:
    """What the framework comparison tables count of one case."""

    municipality: str
    cell: str
    causes: tuple[str, ...]
    i1: bool
    criteria: tuple[tuple[str, str, bool], ...]  # (framework id, criterion code, passed), per framework
    outcomes: tuple[tuple[str, str, str | None], ...]  # (framework id, outcome, basis), per framework
    boundary: tuple[str, ...]


def classify(case, frameworks: tuple[Framework, ...], before: Framework, after: Framework,
             installed: Installed) -> Classification:
    """Decide one case under every framework and classify it."""
    decisions = {f.id: installed.decide(case, f) for f in frameworks}
    moved = transition(case.municipality, decisions[before.id], decisions[after.id])
    return Classification(
        municipality=case.municipality,
        cell=moved.cell,
        causes=moved.causes,
        i1=moved.i1,
        criteria=tuple((f.id, c.code, c.passed) for f in frameworks for c in decisions[f.id].criteria),
        outcomes=tuple((f.id, decisions[f.id].outcome, decisions[f.id].basis) for f in frameworks),
        boundary=boundary_classes(case, after, decisions[after.id]),
    )


@attrs.frozen
class EvaluatedCounts:
    """Counts over every case's latest facts, decided under every framework."""

    before: str
    after: str
    frameworks: tuple[str, ...]
    cases: int
    municipalities: tuple[str, ...]
    transitions: Counter  # (municipality, cell) -> cases
    causes: Counter  # (municipality, cell, cause key) -> cases that gain or lose
    criteria: Counter  # (framework id, criterion code, passed) -> cases
    boundary: Counter  # (class, municipality) -> cases in that boundary class
    i1: Counter  # municipality -> cases under interpretation I-1 in the comparison
    profiles: int


class ProfileMismatch(RuntimeError):
    """Two cases of one fact profile are decided differently: the grouping misses a comparison."""


def _case_at(conn: sqlite3.Connection, seq: int):
    (inputs,) = conn.execute("SELECT inputs FROM records WHERE seq = ?", (seq,)).fetchone()
    return parse_case(json.loads(inputs))


def evaluated_counts(
    conn: sqlite3.Connection,
    frameworks: tuple[Framework, ...] = tuple(FRAMEWORKS.values()),
    before: str = DEFAULT_FROM,
    after: str = DEFAULT_TO,
    group_by: tuple[Framework, ...] | None = None,
) -> EvaluatedCounts:
    """Decide the latest facts of every case under every framework, once per fact profile.

    The profiles group by the comparisons of `group_by` (default: the frameworks decided).
    """
    before_fw, after_fw = get_framework(before), get_framework(after)
    installed = Installed()
    transitions: Counter = Counter()
    causes: Counter = Counter()
    criteria: Counter = Counter()
    boundary: Counter = Counter()
    i1: Counter = Counter()
    cases = groups = 0
    municipalities: set[str] = set()
    for profile in profiles(conn, frameworks if group_by is None else group_by):
        found = _classify_profile(conn, profile, frameworks, before_fw, after_fw, installed)
        n = profile.count
        cases += n
        groups += 1
        municipalities.add(found.municipality)
        transitions[(found.municipality, found.cell)] += n
        if found.causes:
            causes[(found.municipality, found.cell, cause_key(found.causes))] += n
        for key in found.criteria:
            criteria[key] += n
        for code in found.boundary:
            boundary[(code, found.municipality)] += n
        if found.i1:
            i1[found.municipality] += n
    return EvaluatedCounts(
        before=before, after=after, frameworks=tuple(f.id for f in frameworks), cases=cases,
        municipalities=tuple(sorted(municipalities)), transitions=transitions, causes=causes,
        criteria=criteria, boundary=boundary, i1=i1, profiles=groups,
    )


def _classify_profile(conn, profile: Profile, frameworks, before, after, installed) -> Classification:
    found = classify(_case_at(conn, profile.first_seq), frameworks, before, after, installed)
    if profile.last_seq != profile.first_seq:
        other = classify(_case_at(conn, profile.last_seq), frameworks, before, after, installed)
        if other != found:
            raise ProfileMismatch(
                f"records {profile.first_seq} and {profile.last_seq} share a fact profile but are decided "
                "differently; audit.publication.profiles misses a comparison the decision logic makes"
            )
    return found


@attrs.frozen
class RecordedCounts:
    """Counts over the recorded decisions in force (plain SQL over the typed columns)."""

    outcomes: Counter  # (framework, municipality, outcome) -> cases
    maxima: dict  # framework -> list of maximum amounts in cents (eligible decisions with a maximum)
    routed: Counter  # (quarter, municipality) -> decisions in force that name the IVS and CBS routes
    cap_bases: Counter  # (framework, cap_basis) -> eligible decisions in force
    monthly: Counter  # (month, outcome) -> every decision recorded, by the month of its decision date
    records_by_framework: Counter  # framework -> every decision recorded under it
    municipalities: tuple[str, ...]
    frameworks: tuple[str, ...]


_OUTCOMES_SQL = f"""
SELECT framework, municipality, outcome, COUNT(*)
FROM records WHERE seq IN ({LATEST_SEQS})
GROUP BY framework, municipality, outcome
"""

_MAXIMA_SQL = f"""
SELECT framework, max_amount_cents
FROM records WHERE seq IN ({LATEST_SEQS}) AND outcome = '{ELIGIBLE}' AND max_amount_cents IS NOT NULL
ORDER BY framework, max_amount_cents
"""

_ROUTED_SQL = f"""
SELECT {quarter_sql('assessed_on')} AS quarter, municipality, COUNT(*)
FROM records WHERE seq IN ({LATEST_SEQS}) AND outcome <> '{ELIGIBLE}'
  AND json_array_length(decision, '$.referral_routes') > 0
GROUP BY quarter, municipality
"""


_CAP_BASES_SQL = f"""
SELECT framework, cap_basis, COUNT(*)
FROM records WHERE seq IN ({LATEST_SEQS}) AND outcome = '{ELIGIBLE}'
GROUP BY framework, cap_basis
"""

_MONTHLY_SQL = f"""
SELECT {month_sql('assessed_on')} AS month, outcome, COUNT(*)
FROM records GROUP BY month, outcome
"""

_BY_FRAMEWORK_SQL = "SELECT framework, COUNT(*) FROM records GROUP BY framework"


def recorded_counts(conn: sqlite3.Connection) -> RecordedCounts:
    """Outcomes, maximum amounts and routed decisions, as recorded in the decisions in force."""
    outcomes: Counter = Counter()
    for framework, municipality, outcome, n in conn.execute(_OUTCOMES_SQL):
        outcomes[(framework, municipality, outcome)] += n
    maxima: dict[str, list[int]] = {}
    for framework, cents in conn.execute(_MAXIMA_SQL):
        maxima.setdefault(framework, []).append(cents)
    routed: Counter = Counter()
    for quarter, municipality, n in conn.execute(_ROUTED_SQL):
        routed[(quarter, municipality)] += n
    cap_bases: Counter = Counter()
    for framework, basis, n in conn.execute(_CAP_BASES_SQL):
        cap_bases[(framework, basis)] += n
    monthly: Counter = Counter()
    for month, outcome, n in conn.execute(_MONTHLY_SQL):
        monthly[(month, outcome)] += n
    by_framework = Counter({framework: n for framework, n in conn.execute(_BY_FRAMEWORK_SQL)})
    return RecordedCounts(
        outcomes=outcomes,
        maxima=maxima,
        routed=routed,
        cap_bases=cap_bases,
        monthly=monthly,
        records_by_framework=by_framework,
        municipalities=tuple(sorted({m for _, m, _ in outcomes})),
        frameworks=tuple(f for f in FRAMEWORKS if any(key[0] == f for key in outcomes)),
    )


@attrs.frozen
class LedgerFacts:
    """What the publication says about its source: the ledger's size and head."""

    ledger_id: str
    records: int  # seqs are gapless: also the seq of the head
    head_hash: str | None
    cases: int
    synthetic: bool


def ledger_facts(conn: sqlite3.Connection) -> LedgerFacts:
    (ledger_id,) = conn.execute("SELECT value FROM ledger_meta WHERE key = 'ledger_id'").fetchone()
    row = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
    records, head_hash = row if row else (0, None)
    (cases,) = conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT case_id FROM records)").fetchone()
    (real,) = conn.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM records WHERE substr(case_id, 1, ?) <> ? LIMIT 1)",
        (len(SYNTHETIC_PREFIX), SYNTHETIC_PREFIX),
    ).fetchone()
    return LedgerFacts(ledger_id, records, head_hash, cases, cases > 0 and real == 0)


@attrs.frozen
class LedgerStatistics:
    """Everything the publication counts, before disclosure control."""

    facts: LedgerFacts
    recorded: RecordedCounts
    evaluated: EvaluatedCounts
    objections: tuple[ObjectionCount, ...]
    referrals: tuple[ReferralCount, ...]
    objection_terms: tuple[ObjectionTermCount, ...] = ()


def ledger_statistics(conn: sqlite3.Connection) -> LedgerStatistics:
    """Read every count the publication needs from one ledger connection."""
    return LedgerStatistics(
        facts=ledger_facts(conn),
        recorded=recorded_counts(conn),
        evaluated=evaluated_counts(conn),
        objections=tuple(objection_counts(conn)),
        referrals=tuple(referral_counts(conn)),
        objection_terms=tuple(objection_term_counts(conn)),
    )


__all__ = [
    "Classification",
    "EvaluatedCounts",
    "LedgerFacts",
    "LedgerStatistics",
    "ProfileMismatch",
    "RecordedCounts",
    "classify",
    "evaluated_counts",
    "ledger_facts",
    "ledger_statistics",
    "month_sql",
    "quarter_sql",
    "recorded_counts",
]
