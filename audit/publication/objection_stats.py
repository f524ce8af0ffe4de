"""Aggregate counts of objections and referrals, for publication after disclosure control.

Rows hold only a quarter (`YYYY-Qn`), category codes and a count: no free text,
no ids, no exact dates. Every combination of a quarter (from the first to the
last, gaps included) and a category is present, with zero counts, so that the
disclosure control sees the whole table. These are raw counts: they must pass
through the disclosure control before they are published.

- objections are counted in the quarter they were received, by outcome
  (`upheld`, `partly_upheld`, `rejected`, `inadmissible`, or `pending` while undecided);
- objections are also counted by their legal decision term: decided within it,
  decided after it (as `audit.casework.objections` recorded when it decided them,
  from `audit.casework.deadlines`), or not decided yet;
- referrals are counted in the quarter they were made, by route (`ivs`, `cbs`) and
  outcome (`granted`, `refused`, `pending`).
"""

from __future__ import annotations

import sqlite3

import attrs

from audit.ledger.events import has_events_table
from audit.casework.objections import OUTCOMES
from audit.casework.referrals import GRANTED, PENDING, REFUSED, ROUTE_CODES

OBJECTION_CATEGORIES = (*OUTCOMES, PENDING)
REFERRAL_OUTCOMES = (GRANTED, REFUSED, PENDING)
WITHIN_TERM = "within_term"
AFTER_TERM = "after_term"
TERM_CATEGORIES = (WITHIN_TERM, AFTER_TERM, PENDING)


@attrs.frozen
class ObjectionCount:
    quarter: str
    outcome: str
    objections: int


@attrs.frozen
class ObjectionTermCount:
    quarter: str
    term: str
    objections: int


@attrs.frozen
class ReferralCount:
    quarter: str
    route: str
    outcome: str
    referrals: int


def _quarter_sql(date_expression: str) -> str:
    return (
        f"substr({date_expression}, 1, 4) || '-Q' || "
        f"((CAST(substr({date_expression}, 6, 2) AS INTEGER) + 2) / 3)"
    )


_OBJECTIONS_SQL = f"""
SELECT {_quarter_sql("json_extract(f.payload, '$.timeline.received_on')")} AS quarter,
       COALESCE(json_extract(d.payload, '$.outcome'), 'pending') AS outcome,
       COUNT(*)
FROM objection_events AS f
LEFT JOIN objection_events AS d ON d.subject_id = f.seq AND d.event_type = 'decided'
WHERE f.event_type = 'filed'
GROUP BY quarter, outcome
"""

# `decided_within_term` is what the casework recorded when it decided the objection (audit.casework.deadlines).
_OBJECTION_TERMS_SQL = f"""
SELECT {_quarter_sql("json_extract(f.payload, '$.timeline.received_on')")} AS quarter,
       CASE WHEN d.seq IS NULL THEN 'pending'
            WHEN json_extract(d.payload, '$.decided_within_term') THEN '{WITHIN_TERM}'
            ELSE '{AFTER_TERM}' END AS term,
       COUNT(*)
FROM objection_events AS f
LEFT JOIN objection_events AS d ON d.subject_id = f.seq AND d.event_type = 'decided'
WHERE f.event_type = 'filed'
GROUP BY quarter, term
"""

_REFERRALS_SQL = f"""
SELECT {_quarter_sql("json_extract(f.payload, '$.referred_on')")} AS quarter,
       json_extract(f.payload, '$.route') AS route,
       CASE WHEN d.seq IS NULL THEN 'pending'
            WHEN json_extract(d.payload, '$.granted') THEN 'granted'
            ELSE 'refused' END AS outcome,
       COUNT(*)
FROM objection_events AS f
LEFT JOIN objection_events AS d ON d.subject_id = f.seq AND d.event_type = 'referral_decided'
WHERE f.event_type = 'referral_filed'
GROUP BY quarter, route, outcome
"""


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last` (`YYYY-Qn`), both included."""
    year, q = int(first[:4]), int(first[-1])
    end = (int(last[:4]), int(last[-1]))
    found = []
    while (year, q) <= end:
        found.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return found


def _span(counts: dict) -> list[str]:
    quarters = sorted({key[0] for key in counts})
    return quarters_between(quarters[0], quarters[-1]) if quarters else []


def objection_counts(conn: sqlite3.Connection) -> list[ObjectionCount]:
    """Objections per quarter of receipt and outcome (`pending` while undecided)."""
    if not has_events_table(conn):
        return []
    counts = {(quarter, outcome): n for quarter, outcome, n in conn.execute(_OBJECTIONS_SQL)}
    return [
        ObjectionCount(quarter, outcome, counts.get((quarter, outcome), 0))
        for quarter in _span(counts)
        for outcome in OBJECTION_CATEGORIES
    ]


def objection_term_counts(conn: sqlite3.Connection) -> list[ObjectionTermCount]:
    """Objections per quarter of receipt: decided within their legal term, after it, or not yet decided."""
    if not has_events_table(conn):
        return []
    counts = {(quarter, term): n for quarter, term, n in conn.execute(_OBJECTION_TERMS_SQL)}
    return [
        ObjectionTermCount(quarter, term, counts.get((quarter, term), 0))
        for quarter in _span(counts)
        for term in TERM_CATEGORIES
    ]


def referral_counts(conn: sqlite3.Connection) -> list[ReferralCount]:
    """Referrals per quarter of referral, route (`ivs`, `cbs`) and outcome."""
    if not has_events_table(conn):
        return []
    counts = {(quarter, ROUTE_CODES[route], outcome): n for quarter, route, outcome, n in conn.execute(_REFERRALS_SQL)}
    return [
        ReferralCount(quarter, route, outcome, counts.get((quarter, route, outcome), 0))
        for quarter in _span(counts)
        for route in ROUTE_CODES.values()
        for outcome in REFERRAL_OUTCOMES
    ]
