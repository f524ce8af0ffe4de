"""Fact profiles: the cases in force, grouped by every fact the decision logic compares (plain SQL).

Publishing decides every case again under every framework (for the framework
comparison tables). Doing that one case at a time costs about 100 µs a case in
Python, too slow for a million records. But the decision logic only looks at the
facts through a few comparisons: a damage amount against its threshold, the
number of events against the kerngebied minimum, the WOZ value against the
statutory maximum and the floor, a dossier date against the transitional cut-off. Two cases
that agree on every one of those comparisons (and on their municipality) get the
same outcome, criteria, transition, causes and boundary classes under every
framework.

`profile_sql` builds one `GROUP BY` over the latest record of every case whose
grouping columns are exactly those comparisons. The cut points come from the
rules themselves (`cut_points()` on every criterion, cap rule and transitional
rule, `decisions.rules`), not written here: a new framework or a new kind of
rule brings its own cut points, and a rule without them, or with cut points on
a fact this module cannot group, makes `profile_sql` fail rather than group
wrongly. Every comparison is encoded so that below, equal to and
above a cut point are three different values, whatever the operator the rule
uses.

The grouping is checked twice: `audit.publication.statistics` decides the first and the
last case of every group and refuses to publish when they differ, and
`tests/audit/publication/test_publish.py` compares the grouped counts with the case-by-case
comparison and boundary accumulators (`audit.analysis.compare`, `audit.analysis.boundary`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

import attrs

from decisions.boundary import PGV_MARGIN_FROM
from decisions.frameworks import FRAMEWORKS, Framework
from decisions.inputs import PGV_COUNT_CUTOFF, PGV_THRESHOLD_MM_S

from audit.ledger.scan import LATEST_SEQS

# The ledger's typed column of each amount fact, in cents.
AMOUNT_COLUMNS = {
    "recognised_damage_eur": "recognised_cents",
    "unsettled_damage_eur": "unsettled_cents",
    "structural_damage_eur": "structural_cents",
    "woz_value_eur": "woz_cents",
}
# Facts compared as they are (booleans): each is a grouping column of its own.
PLAIN_COLUMNS = ("technical_cause", "in_pilot_area", "in_reinforcement_area", "rijksmonument")

# `pgv_event_just_below_5mms` (decisions.boundary): an event before the cut-off with 4.5 <= pgv < 5.0 mm/s.
# Stored PGV values are `str(Decimal)` of a plain decimal, so that range is exactly the text pattern below.
if (PGV_MARGIN_FROM, PGV_THRESHOLD_MM_S) != (Decimal("4.5"), Decimal("5.0")):
    raise ImportError("audit.publication.profiles: the near-event pattern assumes the range 4.5 to 5.0 mm/s; update it")
_NEAR_EVENT_GLOB = "4.[5-9]*"


@attrs.frozen
class Profile:
    """A group of cases in force that every framework decides alike: `count` cases, `first_seq` to `last_seq`."""

    municipality: str
    count: int
    first_seq: int
    last_seq: int


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _position(column: str, cuts: Iterable[object]) -> str:
    """SQL: where `column` lies among the cut points, with "equal" distinct from "above" and "below"."""
    terms = []
    for cut in sorted(set(cuts)):
        literal = f"'{cut.isoformat()}'" if isinstance(cut, date) else str(cut)
        terms.append(f"({column} > {literal}) + ({column} >= {literal})")
    return " + ".join(terms) if terms else "0"


def cut_points(frameworks: Iterable[Framework]) -> tuple[dict[str, set[int]], int, set[date]]:
    """The comparisons the frameworks make: cut points per amount column, the event minimum, dossier cut-offs."""
    amounts: dict[str, set[int]] = {column: set() for column in AMOUNT_COLUMNS.values()}
    min_events = 0
    dossier_cuts: set[date] = set()
    for framework in frameworks:
        rules = (*framework.criteria, framework.cap_rule)
        rules += () if framework.transitional is None else (framework.transitional,)
        for rule in rules:
            if not callable(getattr(rule, "cut_points", None)):
                kind = "criterion" if rule in framework.criteria else "rule"
                raise ValueError(
                    f"audit.publication.profiles cannot group cases for the {kind} {type(rule).__name__} of framework "
                    f"{framework.id!r}: it has no cut_points()"
                )
            for fact, cuts in rule.cut_points().items():
                if fact in AMOUNT_COLUMNS:
                    amounts[AMOUNT_COLUMNS[fact]] |= {_cents(cut) for cut in cuts}
                elif fact == "pgv_5mms_events":
                    min_events = max(min_events, *(int(cut) for cut in cuts))
                elif fact == "existing_dossier_since":
                    dossier_cuts |= set(cuts)
                else:
                    raise ValueError(
                        f"audit.publication.profiles cannot group cases on {fact!r} ({type(rule).__name__} of framework "
                        f"{framework.id!r}): add a grouping column for it"
                    )
    return amounts, min_events, dossier_cuts


def profile_sql(frameworks: Iterable[Framework] = FRAMEWORKS.values()) -> str:
    """The `GROUP BY` over the latest record of every case; columns: municipality, count, first and last seq."""
    amounts, min_events, dossier_cuts = cut_points(frameworks)
    columns = ["municipality", *PLAIN_COLUMNS, f"MIN(pgv_events, {min_events})"]
    columns += [_position(column, cuts) for column, cuts in sorted(amounts.items())]
    columns.append(f"CASE WHEN dossier_since IS NULL THEN -1 ELSE {_position('dossier_since', dossier_cuts)} END")
    # `woz_binds_cap` (decisions.boundary) compares the estimated cost with the WOZ value.
    columns.append("CASE WHEN estimated_cost_cents IS NULL THEN -1 ELSE estimated_cost_cents > woz_cents END")
    near = (
        "EXISTS (SELECT 1 FROM json_each(inputs, '$.pgv_history') AS event "
        f"WHERE json_extract(event.value, '$.event_date') < '{PGV_COUNT_CUTOFF.isoformat()}' "
        f"AND json_extract(event.value, '$.pgv_mm_s') GLOB '{_NEAR_EVENT_GLOB}')"
    )
    # The text test first: it rules out almost every case without parsing its JSON.
    columns.append(f"CASE WHEN instr(inputs, '\"pgv_mm_s\":\"4.') = 0 THEN 0 ELSE {near} END")
    selected = ",\n       ".join(f"{c} AS g{i}" for i, c in enumerate(columns))
    groups = ", ".join(f"g{i}" for i in range(len(columns)))
    return (
        f"SELECT {selected},\n       COUNT(*), MIN(seq), MAX(seq)\n"
        f"FROM records WHERE seq IN ({LATEST_SEQS})\nGROUP BY {groups}\nORDER BY {groups}"
    )


def profiles(conn: sqlite3.Connection, frameworks: Iterable[Framework] = FRAMEWORKS.values()) -> Iterator[Profile]:
    """The profile groups of the cases in force, in a fixed order."""
    for row in conn.execute(profile_sql(frameworks)):
        yield Profile(row[0], row[-3], row[-2], row[-1])
