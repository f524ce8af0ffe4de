"""The published tables as disclosure-control tables, and every link between them a reader can use.

Each table of the statistics database has Dutch dimension columns, Dutch category
labels and every margin (``Totaal``). Every table with a ``gemeente`` column uses one
grouping (`audit.publication.regions`): a small municipality is counted in a
``Regio ...`` row. The tables, and the question each answers:

- ``uitkomsten`` (kader x gemeente x uitkomst): the decision in force of every case
  (its latest record), by the framework it was recorded under;
- ``overgangen`` (gemeente x overgang): every case, its latest facts decided under
  ``pilot-2024`` and under ``2026`` (question 1: who gains, who loses);
- ``oorzaken`` (verandering x gemeente x oorzaak): the gains and the losses by the
  combination of criteria whose result changed, plus the transitional rule
  (question 1: why); two disclosure tables, one per change;
- ``afwijzingsgronden`` (kader x criterium): failures of each criterion, every case
  decided under every framework;
- ``maximumbedragen`` (kader x bedragklasse): eligible decisions in force with a
  maximum amount, with the sum and mean of the amounts (question 4);
- ``maximum_grondslag`` (kader x grondslag): eligible decisions in force by what set
  their maximum (``cap_basis``: the pilot's standard amount or the floor, the WOZ value,
  the statutory maximum, none for a rijksmonument, or an amount an IVS/CBS referral
  granted) (question 4: how often the WOZ value sets the maximum);
- ``grensgevallen`` (gemeente x klasse): memberships of a boundary class under ``2026``
  (question 5; a case can be in several classes);
- ``verwijsbare_besluiten`` (kwartaal): decisions in force that name the IVS and CBS
  routes, by quarter of the decision date (question 2);
- ``verwijzingen`` (kwartaal x route x uitkomst): referrals by quarter made (question 2);
- ``bezwaren`` (kwartaal x uitkomst): objections by quarter received (question 3);
- ``bezwaren_termijn`` (kwartaal x termijn): the same objections, decided within their
  legal term, after it, or not yet (question 3);
- ``besluiten_per_maand`` (periode x uitkomst): every decision ever recorded, by the
  month of its decision date from the start of the 2026 rules (`MONTHLY_FROM`), and by
  quarter before it: the pilot decided few cases a month (question 6). The grain is
  fixed by the date, never by the counts.

**Structural zeros** (cells the public rules force to 0, published as 0): a cause
that cannot change between the two frameworks because the criterion is the same
rule (technical cause, unsettled damage); a loss caused by the transitional rule (it
only ever makes a case eligible); a maximum band other than the pilot's standard
amount under a pilot framework; a ``cap_basis`` a framework's cap rule cannot give.

**Relations** (`relations`), each true by the rules; the disclosure package checks each
against the true values. With E/N the eligible / not-eligible cases of a row of
``overgangen`` after (``blijft in aanmerking + komt erbij`` / ``valt af + blijft buiten``)
and before (``blijft in aanmerking + valt af`` / ``komt erbij + blijft buiten``), and
``toegekend`` the granted referrals (an exception decision is the only recorded decision
that a framework's rules do not reproduce, and it only makes a case eligible):

1. per row g of ``gemeente`` (and Totaal): the causes of the gains (losses) add up to
   ``komt erbij`` (``valt af``) of g;
2. per row g, the outcome under the recorded framework against the transition cells:
   ``uitkomsten(2026, g, in aanmerking) <= E_after(g) + toegekend``,
   ``uitkomsten(2026, g, niet) <= N_after(g)``,
   ``E_after(g) <= uitkomsten(2026, g, in aanmerking) + cases of g under other frameworks``,
   ``N_after(g) <= uitkomsten(2026, g, niet) + toegekend + cases of g under other frameworks``;
   for ``pilot-2024`` (and ``pilot-2023``, whose eligible cases are eligible under
   ``pilot-2024`` too, its area lying within): the same bounds against E/N before;
3. per row g: the boundary classes "one criterion failed" and I-1 are at most N_after(g),
   "WOZ binds the maximum" at most E_after(g), every class at most the cases of g;
4. failures of criteria: at most every case; equal for a criterion that is the same rule
   under two frameworks; the pilot-2024 area failures at most the pilot-2023 ones;
   eligible cases pass every criterion (frameworks without a transitional rule) and
   every case passing all criteria is eligible;
5. maxima: every eligible pilot decision has the standard amount (sum = count x amount);
   the eligible decisions of a framework are those with a ``cap_basis``, and those with a
   maximum are those without ``rijksmonument``; the bands bound the sums; under ``2026``
   the statutory maximum lies in the top band and the floor in the lowest;
6. decisions naming the routes are at most the not-eligible 2026 decisions in force;
7. objections: ``bezwaren`` and ``bezwaren_termijn`` have the same totals and the same
   undecided objections per quarter;
8. months: the months add up to every decision recorded (a published number); per
   outcome, the decisions in force are at most all recorded decisions.

``uitkomsten`` and ``overgangen`` count the same cases (population ``zaken``): the
disclosure package adds their shared margins itself. Declaring a true relation too
many only makes the protection more careful.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import combinations

import attrs

from decisions.boundary import (
    BOUNDARY_CLASSES,
    DAMAGE_JUST_BELOW,
    EXISTING_DOSSIER_OUTSIDE_PILOT_AREA,
    FAILS_ONE_CRITERION,
    PGV_EVENT_JUST_BELOW,
    PGV_ONE_EVENT_SHORT,
    WOZ_BINDS_CAP,
)
from decisions.evaluate import ELIGIBLE, NOT_ELIGIBLE
from decisions.frameworks import FRAMEWORKS, Framework, Parameter, PilotArea, PilotCap, WozCap

from audit.analysis.compare import CELLS, GAINS, LOSES, STAYS_ELIGIBLE, STAYS_INELIGIBLE, TRANSITIONAL
from audit.publication.disclosure import TOTAL, AmountTable, CellRef, CountTable, Relation
from audit.publication.objection_stats import (
    AFTER_TERM,
    OBJECTION_CATEGORIES,
    REFERRAL_OUTCOMES,
    TERM_CATEGORIES,
    WITHIN_TERM,
    quarters_between,
)
from audit.casework.objections import INADMISSIBLE, PARTLY_UPHELD, REJECTED, UPHELD
from audit.casework.referrals import GRANTED, GRANTED_BY_ROUTE, PENDING, REFUSED, ROUTE_CODES
from audit.publication.regions import grouping
from audit.publication.statistics import LedgerStatistics

UITKOMSTEN = "uitkomsten"
OVERGANGEN = "overgangen"
OORZAKEN = "oorzaken"
OORZAKEN_ERBIJ = "oorzaken_erbij"  # the gains half of `oorzaken`
OORZAKEN_AF = "oorzaken_af"  # the losses half of `oorzaken`
AFWIJZINGSGRONDEN = "afwijzingsgronden"
MAXIMUMBEDRAGEN = "maximumbedragen"
MAXIMUMBEDRAGEN_BEDRAGEN = "maximumbedragen_bedragen"  # the amount half of `maximumbedragen`
MAXIMUM_GRONDSLAG = "maximum_grondslag"
GRENSGEVALLEN = "grensgevallen"
VERWIJSBAAR = "verwijsbare_besluiten"
VERWIJZINGEN = "verwijzingen"
BEZWAREN = "bezwaren"
BEZWAREN_TERMIJN = "bezwaren_termijn"
BESLUITEN_PER_MAAND = "besluiten_per_maand"


@attrs.frozen
class SqlTable:
    """A table of the statistics database: its dimension columns, and the disclosure tables whose cells it holds.

    Each part is (disclosure table, values of the leading dimensions it fixes): `oorzaken` holds
    the causes of the gains and those of the losses, two tables with their own categories.
    """

    dimensions: tuple[str, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    amounts: str | None = None  # the amount table whose sums and means go beside the counts


SQL_TABLES = {
    UITKOMSTEN: SqlTable(("kader", "gemeente", "uitkomst"), ((UITKOMSTEN, ()),)),
    OVERGANGEN: SqlTable(("gemeente", "overgang"), ((OVERGANGEN, ()),)),
    OORZAKEN: SqlTable(("verandering", "gemeente", "oorzaak"),
                       ((OORZAKEN_ERBIJ, ("komt erbij",)), (OORZAKEN_AF, ("valt af",)))),
    AFWIJZINGSGRONDEN: SqlTable(("kader", "criterium"), ((AFWIJZINGSGRONDEN, ()),)),
    MAXIMUMBEDRAGEN: SqlTable(("kader", "bedragklasse"), ((MAXIMUMBEDRAGEN, ()),), amounts=MAXIMUMBEDRAGEN_BEDRAGEN),
    MAXIMUM_GRONDSLAG: SqlTable(("kader", "grondslag"), ((MAXIMUM_GRONDSLAG, ()),)),
    GRENSGEVALLEN: SqlTable(("gemeente", "klasse"), ((GRENSGEVALLEN, ()),)),
    VERWIJSBAAR: SqlTable(("kwartaal",), ((VERWIJSBAAR, ()),)),
    VERWIJZINGEN: SqlTable(("kwartaal", "route", "uitkomst"), ((VERWIJZINGEN, ()),)),
    BEZWAREN: SqlTable(("kwartaal", "uitkomst"), ((BEZWAREN, ()),)),
    BEZWAREN_TERMIJN: SqlTable(("kwartaal", "termijn"), ((BEZWAREN_TERMIJN, ()),)),
    BESLUITEN_PER_MAAND: SqlTable(("periode", "uitkomst"), ((BESLUITEN_PER_MAAND, ()),)),
}


def _dims(table: str) -> tuple[str, ...]:
    """The dimensions of a disclosure table: those of its SQL table, less the ones its part fixes."""
    for sql in SQL_TABLES.values():
        for name, fixed in sql.parts:
            if name == table:
                return sql.dimensions[len(fixed):]
    raise KeyError(table)


#: Population of the tables that count every case once.
CASES = "zaken"

OUTCOME_LABELS = {ELIGIBLE: "in aanmerking", NOT_ELIGIBLE: "niet in aanmerking"}
TRANSITION_LABELS = {
    STAYS_ELIGIBLE: "blijft in aanmerking",
    GAINS: "komt erbij",
    LOSES: "valt af",
    STAYS_INELIGIBLE: "blijft buiten",
}
CRITERION_LABELS = {
    "area": "gebied",
    "technical_cause": "technische aanleiding",
    "damage_threshold": "schadedrempel",
    "unsettled_damage": "onafgehandelde schade",
}
CAUSE_LABELS = {**CRITERION_LABELS, TRANSITIONAL: "overgangsregel"}
RESULT_LABELS = {True: "gehaald", False: "niet gehaald"}
CLASS_LABELS = {
    FAILS_ONE_CRITERION: "één criterium niet gehaald",
    PGV_ONE_EVENT_SHORT: "één beving te weinig",
    DAMAGE_JUST_BELOW: "schade net onder de drempel",
    PGV_EVENT_JUST_BELOW: "beving net onder 5 mm/s",
    WOZ_BINDS_CAP: "WOZ-waarde begrenst het maximum",
    EXISTING_DOSSIER_OUTSIDE_PILOT_AREA: "bestaand dossier buiten pilotgebied (I-1)",
}
ROUTE_LABELS = {"ivs": "IVS", "cbs": "CBS"}
OBJECTION_LABELS = {
    UPHELD: "gegrond",
    PARTLY_UPHELD: "deels gegrond",
    REJECTED: "ongegrond",
    INADMISSIBLE: "niet-ontvankelijk",
    PENDING: "nog niet beslist",
}
TERM_LABELS = {WITHIN_TERM: "binnen de termijn beslist", AFTER_TERM: "na de termijn beslist",
               PENDING: "nog niet beslist"}
REFERRAL_LABELS = {GRANTED: "toegekend", REFUSED: "afgewezen", PENDING: "nog niet beslist"}

PILOT_STANDARD, WOZ, STATUTORY_MAX, RIJKSMONUMENT = "pilot_standard", "woz", "statutory_max", "rijksmonument"
CAP_BASES = (PILOT_STANDARD, WOZ, STATUTORY_MAX, RIJKSMONUMENT, GRANTED_BY_ROUTE)
CAP_BASIS_LABELS = {
    PILOT_STANDARD: "standaardbedrag € 125.000 (pilot, of bodem onder 2026)",
    WOZ: "WOZ-waarde",
    STATUTORY_MAX: "wettelijk maximum € 500.000",
    RIJKSMONUMENT: "rijksmonument (geen maximum)",
    GRANTED_BY_ROUTE: "bedrag toegekend via IVS of CBS",
}

#: Bands of the maximum amount in euros: (code, lower bound exclusive, upper bound inclusive or None).
#: The last band is open: the statutory maximum is 500,000, and an amount an IVS or CBS referral grants may be
#: higher. (A band that only exceptional decisions can reach would be empty, and its empty amount cell would
#: only force suppressions next to it.)
CAP_BANDS = (
    (1, 0, 125_000),
    (2, 125_000, 250_000),
    (3, 250_000, 375_000),
    (4, 375_000, None),
)
CAP_BAND_LABELS = {
    1: "tot en met € 125.000",
    2: "€ 125.000 tot en met € 250.000",
    3: "€ 250.000 tot en met € 375.000",
    4: "meer dan € 375.000",
}

#: Labels of dimension values in the statistics database, per dimension (values without a label are written
#: as they are).
DIMENSION_LABELS = {"bedragklasse": CAP_BAND_LABELS}


def cap_band(euros: Decimal) -> int:
    """The band code of a maximum amount."""
    for code, low, high in CAP_BANDS:
        if euros > low and (high is None or euros <= high):
            return code
    return CAP_BANDS[0][0]  # an amount of 0 (never a maximum in practice) belongs to the lowest band


def cause_label(key: str) -> str:
    """`area+damage_threshold` as `gebied + schadedrempel`."""
    return " + ".join(CAUSE_LABELS[code] for code in key.split("+"))


@attrs.frozen
class PublicationTables:
    """The disclosure tables of a publication and the relations between them.

    A table with nothing to count yet (no referral or objection recorded) is left out;
    its SQL table is written empty. `rows` maps each municipality to its row label in
    every table with a `gemeente` column (`audit.publication.regions`).
    """

    tables: tuple  # CountTable and AmountTable
    relations: tuple[Relation, ...]
    rows: tuple[tuple[str, str], ...] = ()


# --- building the tables ----------------------------------------------------------------------


def _count_table(name, counts, categories, **kwargs) -> CountTable:
    dimensions = _dims(name)
    return CountTable.from_interior(name, dimensions, counts, categories=dict(zip(dimensions, categories)), **kwargs)


def _summed(counter, keep) -> dict:
    out: dict = {}
    for key, n in counter.items():
        short = keep(key)
        out[short] = out.get(short, 0) + n
    return out


def _grand_total(dimensions) -> list[tuple]:
    return [tuple(TOTAL for _ in dimensions)]


def _logic(criterion) -> tuple:
    """What a criterion checks, without the text of its basis: equal for criteria that decide alike."""
    values = []
    for field in attrs.fields(type(criterion)):
        if field.name == "basis":
            continue
        value = getattr(criterion, field.name)
        values.append((field.name, value.value if isinstance(value, Parameter) else value))
    return (type(criterion).__name__, tuple(values))


def cause_categories(before: Framework, after: Framework) -> tuple[list[str], set[str], set[str]]:
    """Every cause label of `oorzaken`, and those the rules rule out for a gain and for a loss.

    A criterion that is the same rule under both frameworks never changes; a
    combination of the criteria that can change, with or without the transitional
    rule, can cause a gain; the transitional rule only ever makes a case eligible, so it
    never causes a loss.
    """
    old = {c.code: _logic(c) for c in before.criteria}
    codes = [c.code for c in after.criteria]
    same = [code for code in codes if old.get(code) == _logic(next(c for c in after.criteria if c.code == code))]
    changing = [code for code in codes if code not in same]
    combos = [list(c) for r in range(1, len(changing) + 1) for c in combinations(changing, r)]
    with_rule = [[*c, TRANSITIONAL] for c in [[], *combos]] if after.transitional is not None else []
    keys = ["+".join(c) for c in combos + with_rule]
    labels = [cause_label(k) for k in keys] + [CAUSE_LABELS[code] for code in same]
    never = {CAUSE_LABELS[code] for code in same}
    return labels, never, never | {cause_label(k) for k in keys if TRANSITIONAL in k.split("+")}


def _rows(stats: LedgerStatistics) -> dict[str, str]:
    cases: dict[str, int] = {}
    for (m, _), n in stats.evaluated.transitions.items():
        cases[m] = cases.get(m, 0) + n
    for (_, m, _), n in stats.recorded.outcomes.items():
        cases.setdefault(m, n)
    return grouping(cases)


def _row_labels(rows: dict[str, str]) -> list[str]:
    return sorted(set(rows.values()))


def _outcomes(stats: LedgerStatistics, rows: dict[str, str]) -> CountTable:
    recorded = stats.recorded
    counts = _summed(recorded.outcomes, lambda k: (k[0], rows[k[1]], OUTCOME_LABELS[k[2]]))
    return _count_table(
        UITKOMSTEN, counts, (recorded.frameworks, _row_labels(rows), list(OUTCOME_LABELS.values())),
        population=CASES, always_published=_grand_total(_dims(UITKOMSTEN)),
    )


def _transitions(stats: LedgerStatistics, rows: dict[str, str]) -> CountTable:
    ev = stats.evaluated
    counts = _summed(ev.transitions, lambda k: (rows[k[0]], TRANSITION_LABELS[k[1]]))
    labels = [TRANSITION_LABELS[c] for c in CELLS]
    return _count_table(
        OVERGANGEN, counts, (_row_labels(rows), labels), population=CASES,
        always_published=[(TOTAL, c) for c in [*labels, TOTAL]],
    )


def _causes(stats: LedgerStatistics, rows: dict[str, str], change: str, name: str) -> CountTable:
    ev = stats.evaluated
    labels, never_gain, never_loss = cause_categories(FRAMEWORKS[ev.before], FRAMEWORKS[ev.after])
    never = never_gain if change == GAINS else never_loss
    counts = _summed(
        {k: n for k, n in ev.causes.items() if k[1] == change}, lambda k: (rows[k[0]], cause_label(k[2])),
    )
    row_labels = _row_labels(rows)
    return _count_table(
        name, counts, (row_labels, labels),
        structural_zeros=[(g, c) for g in row_labels for c in labels if c in never],
        always_published=_grand_total(_dims(name)),
    )


def _failures(stats: LedgerStatistics) -> CountTable:
    ev = stats.evaluated
    counts = {(f, CRITERION_LABELS[c]): n for (f, c, passed), n in ev.criteria.items() if not passed}
    labels = sorted({CRITERION_LABELS[c] for _, c, _ in ev.criteria})
    return _count_table(AFWIJZINGSGRONDEN, counts, (ev.frameworks, labels))


def _pilot_band(framework: Framework) -> int | None:
    cap = framework.cap_rule
    return cap_band(cap.standard_max.value) if isinstance(cap, PilotCap) else None


def _maxima(stats: LedgerStatistics) -> tuple[CountTable, AmountTable]:
    recorded = stats.recorded
    amounts: dict[tuple, list[Decimal]] = {}
    for framework, cents in recorded.maxima.items():
        for c in cents:
            euros = Decimal(c) / 100
            amounts.setdefault((framework, cap_band(euros)), []).append(euros)
    bands = [code for code, _, _ in CAP_BANDS]
    structural = [
        (f, b) for f in recorded.frameworks if _pilot_band(FRAMEWORKS[f]) is not None
        for b in bands if b != _pilot_band(FRAMEWORKS[f])
    ]
    counts = _count_table(
        MAXIMUMBEDRAGEN, {k: len(v) for k, v in amounts.items()}, (recorded.frameworks, bands),
        structural_zeros=structural,  # no total always published: with that of `maximum_grondslag` it would
    )                                 # give away the rijksmonumenten (eligible, without a maximum)
    sums = AmountTable(
        MAXIMUMBEDRAGEN_BEDRAGEN, _dims(MAXIMUMBEDRAGEN), amounts, count_table=MAXIMUMBEDRAGEN,
        category_values={"kader": recorded.frameworks, "bedragklasse": bands},
    )
    return counts, sums


def possible_cap_bases(framework: Framework) -> set[str]:
    """The `cap_basis` values an eligible decision under `framework` can have."""
    cap = framework.cap_rule
    found = {PILOT_STANDARD} if isinstance(cap, PilotCap) else {WOZ, STATUTORY_MAX, RIJKSMONUMENT}
    if isinstance(cap, WozCap) and cap.floor is not None:
        found.add(PILOT_STANDARD)
    if framework.referral_routes:  # a granted referral keeps the cap rule's maximum or grants its own
        found.add(GRANTED_BY_ROUTE)
    return found


def _cap_bases(stats: LedgerStatistics) -> CountTable:
    recorded = stats.recorded
    counts = {(f, CAP_BASIS_LABELS[b]): n for (f, b), n in recorded.cap_bases.items()}
    labels = [CAP_BASIS_LABELS[b] for b in CAP_BASES]
    structural = [
        (f, CAP_BASIS_LABELS[b]) for f in recorded.frameworks for b in CAP_BASES
        if b not in possible_cap_bases(FRAMEWORKS[f])
    ]
    return _count_table(
        MAXIMUM_GRONDSLAG, counts, (recorded.frameworks, labels), structural_zeros=structural,
        always_published=_grand_total(_dims(MAXIMUM_GRONDSLAG)),
    )


def _boundary(stats: LedgerStatistics, rows: dict[str, str]) -> CountTable:
    counts = _summed(stats.evaluated.boundary, lambda k: (rows[k[1]], CLASS_LABELS[k[0]]))
    return _count_table(
        GRENSGEVALLEN, counts, (_row_labels(rows), [CLASS_LABELS[k] for k in BOUNDARY_CLASSES]),
        always_published=_grand_total(_dims(GRENSGEVALLEN)),
    )


def _routed(stats: LedgerStatistics) -> CountTable | None:
    counts = _summed(stats.recorded.routed, lambda k: (k[0],))
    if not counts:
        return None
    quarters = sorted(k[0] for k in counts)
    return _count_table(VERWIJSBAAR, counts, (quarters_between(quarters[0], quarters[-1]),),
                        always_published=[(TOTAL,)])


def _referrals(stats: LedgerStatistics) -> CountTable | None:
    if not stats.referrals:
        return None
    counts = {(r.quarter, ROUTE_LABELS[r.route], REFERRAL_LABELS[r.outcome]): r.referrals for r in stats.referrals}
    return _count_table(
        VERWIJZINGEN, counts,
        (sorted({r.quarter for r in stats.referrals}), [ROUTE_LABELS[c] for c in ROUTE_CODES.values()],
         [REFERRAL_LABELS[o] for o in REFERRAL_OUTCOMES]),
        always_published=_grand_total(_dims(VERWIJZINGEN)),
    )


def _objections(stats: LedgerStatistics) -> CountTable | None:
    if not stats.objections:
        return None
    counts = {(o.quarter, OBJECTION_LABELS[o.outcome]): o.objections for o in stats.objections}
    return _count_table(
        BEZWAREN, counts,
        (sorted({o.quarter for o in stats.objections}), [OBJECTION_LABELS[c] for c in OBJECTION_CATEGORIES]),
        population="bezwaren", always_published=_grand_total(_dims(BEZWAREN)),
    )


def _objection_terms(stats: LedgerStatistics) -> CountTable | None:
    if not stats.objection_terms:
        return None
    counts = {(o.quarter, TERM_LABELS[o.term]): o.objections for o in stats.objection_terms}
    return _count_table(
        BEZWAREN_TERMIJN, counts,
        (sorted({o.quarter for o in stats.objection_terms}), [TERM_LABELS[t] for t in TERM_CATEGORIES]),
        population="bezwaren", always_published=_grand_total(_dims(BEZWAREN_TERMIJN)),
    )


#: From this month on, `besluiten_per_maand` counts per month; before it, per quarter.
MONTHLY_FROM = "2026-01"


def period(month: str) -> str:
    """`2026-03` as it is, `2025-08` as `2025-Q3` (before `MONTHLY_FROM`)."""
    if month >= MONTHLY_FROM:
        return month
    return f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"


def _monthly(stats: LedgerStatistics) -> CountTable:
    counts = _summed(stats.recorded.monthly, lambda k: (period(k[0]), OUTCOME_LABELS[k[1]]))
    months = sorted({m for m, _ in counts})
    return _count_table(
        BESLUITEN_PER_MAAND, counts, (months, list(OUTCOME_LABELS.values())),
        always_published=_grand_total(_dims(BESLUITEN_PER_MAAND)),
    )


def publication_tables(stats: LedgerStatistics) -> PublicationTables:
    """Every table to publish, with the relations between them."""
    rows = _rows(stats)
    built = {
        UITKOMSTEN: _outcomes(stats, rows),
        OVERGANGEN: _transitions(stats, rows),
        OORZAKEN_ERBIJ: _causes(stats, rows, GAINS, OORZAKEN_ERBIJ),
        OORZAKEN_AF: _causes(stats, rows, LOSES, OORZAKEN_AF),
        AFWIJZINGSGRONDEN: _failures(stats),
        MAXIMUM_GRONDSLAG: _cap_bases(stats),
        GRENSGEVALLEN: _boundary(stats, rows),
        VERWIJSBAAR: _routed(stats),
        VERWIJZINGEN: _referrals(stats),
        BEZWAREN: _objections(stats),
        BEZWAREN_TERMIJN: _objection_terms(stats),
        BESLUITEN_PER_MAAND: _monthly(stats),
    }
    built[MAXIMUMBEDRAGEN], built[MAXIMUMBEDRAGEN_BEDRAGEN] = _maxima(stats)
    tables = {name: table for name, table in built.items() if table is not None}
    return PublicationTables(tuple(tables.values()), tuple(relations(tables, stats)), tuple(sorted(rows.items())))


# --- relations ------------------------------------------------------------------------------------


def _le(left: Iterable[CellRef], right: Iterable[CellRef], label: str, constant: int = 0) -> Relation:
    """sum(left) <= sum(right) + constant."""
    return Relation(
        terms=[(r, 1) for r in left] + [(r, -1) for r in right], op="<=", constant=constant, label=label,
    )


def _implies_eligible(small: Framework, large: Framework) -> bool:
    """Every case eligible under `small` is eligible under `large` (same rules, a larger pilot area)."""
    if small.transitional is not None or large.transitional is not None or small.id == large.id:
        return small.id == large.id
    a = {c.code: c for c in small.criteria}
    b = {c.code: c for c in large.criteria}
    if set(a) != set(b):
        return False
    for code, crit in a.items():
        other = b[code]
        if _logic(crit) == _logic(other):
            continue
        if isinstance(crit, PilotArea) and isinstance(other, PilotArea) and \
                other.include_reinforcement_area and not crit.include_reinforcement_area:
            continue
        return False
    return True


def relations(tables: dict, stats: LedgerStatistics) -> list[Relation]:
    """The links between the tables that readers know (margins inside a table are implied); see the module doc."""
    found: list[Relation] = []
    o = tables[OVERGANGEN]
    outcomes = tables[UITKOMSTEN]
    everyone = o.ref(TOTAL, TOTAL)
    before, after = stats.evaluated.before, stats.evaluated.after
    rows = [*o.categories[0], TOTAL]

    def cell(g: str, *cells: str) -> list[CellRef]:
        return [o.ref(g, TRANSITION_LABELS[c]) for c in cells]

    def eligible(g: str) -> dict[str, list[CellRef]]:
        return {before: cell(g, STAYS_ELIGIBLE, LOSES), after: cell(g, STAYS_ELIGIBLE, GAINS)}

    def not_eligible(g: str) -> dict[str, list[CellRef]]:
        return {before: cell(g, GAINS, STAYS_INELIGIBLE), after: cell(g, LOSES, STAYS_INELIGIBLE)}

    # 1. causes add up to the gains and the losses, per row.
    for change, name in ((GAINS, OORZAKEN_ERBIJ), (LOSES, OORZAKEN_AF)):
        for g in rows:
            found.append(Relation.equal(tables[name].ref(g, TOTAL), *cell(g, change),
                                        label=f"the causes of {g} add up to {change}"))

    # 2. recorded outcomes against the transition cells, per row.
    granted = []
    if VERWIJZINGEN in tables:
        granted = [tables[VERWIJZINGEN].ref(TOTAL, TOTAL, REFERRAL_LABELS[GRANTED])]
    recorded = list(outcomes.categories[0])
    yes, no = OUTCOME_LABELS[ELIGIBLE], OUTCOME_LABELS[NOT_ELIGIBLE]
    for side in (before, after):
        side_fw = FRAMEWORKS[side]
        # Exception decisions follow referrals, which only a framework with routes knows.
        exceptions = granted if side_fw.referral_routes else []
        covered = [f for f in recorded if _implies_eligible(FRAMEWORKS[f], side_fw)]
        exact = [f for f in recorded if f == side]
        if not covered:
            continue
        others = [f for f in recorded if f not in exact]
        for g in rows:
            elig = [outcomes.ref(f, g, yes) for f in covered]
            found.append(_le(elig, eligible(g)[side] + exceptions,
                             label=f"{g}: recorded eligible <= eligible under {side}"))
            if exact:
                found.append(_le([outcomes.ref(side, g, no)], not_eligible(g)[side],
                                 label=f"{g}: recorded not eligible under {side} <= not eligible under {side}"))
                found.append(_le(eligible(g)[side], [outcomes.ref(side, g, yes)]
                                 + [outcomes.ref(f, g, TOTAL) for f in others],
                                 label=f"{g}: eligible under {side} <= recorded eligible + other frameworks"))
                found.append(_le(not_eligible(g)[side], [outcomes.ref(side, g, no)] + exceptions
                                 + [outcomes.ref(f, g, TOTAL) for f in others],
                                 label=f"{g}: not eligible under {side} <= recorded not eligible + other frameworks"))

    # 3. boundary classes per row.
    boundary = tables[GRENSGEVALLEN]
    for g in rows:
        for code in BOUNDARY_CLASSES:
            ref = boundary.ref(g, CLASS_LABELS[code])
            if code in (FAILS_ONE_CRITERION, EXISTING_DOSSIER_OUTSIDE_PILOT_AREA):
                found.append(_le([ref], not_eligible(g)[after], label=f"{g} {code}: not eligible under {after}"))
            elif code == WOZ_BINDS_CAP:
                found.append(_le([ref], eligible(g)[after], label=f"{g} {code}: eligible under {after}"))
            else:
                found.append(_le([ref], [o.ref(g, TOTAL)], label=f"{g} {code} <= cases"))

    # 4. failed criteria.
    failures = tables[AFWIJZINGSGRONDEN]
    frameworks = {f: FRAMEWORKS[f] for f in stats.evaluated.frameworks}

    def failed(f: str, code: str) -> CellRef:
        return failures.ref(f, CRITERION_LABELS[code])

    for f, framework in frameworks.items():
        codes = [c.code for c in framework.criteria]
        for code in codes:
            found.append(_le([failed(f, code)], [everyone], label=f"{f}: fails {code} <= cases"))
        if f not in (before, after):
            continue
        total_eligible = eligible(TOTAL)[f]
        # A case that passes every criterion is eligible: eligible >= cases - every failure.
        found.append(_le([everyone], [failed(f, c) for c in codes] + total_eligible, label=f"{f}: eligible >= rest"))
        if framework.transitional is None:  # eligible only when every criterion passes
            for code in codes:
                found.append(_le(total_eligible + [failed(f, code)], [everyone], label=f"{f}: eligible passes {code}"))
    ids = sorted(frameworks)
    for i, f in enumerate(ids):
        for g in ids[i + 1:]:
            for a in frameworks[f].criteria:
                for b in frameworks[g].criteria:
                    if a.code != b.code:
                        continue
                    if _logic(a) == _logic(b):
                        found.append(Relation.equal(failed(f, a.code), failed(g, b.code),
                                                    label=f"{a.code} is the same rule under {f} and {g}"))
                    elif isinstance(a, PilotArea) and isinstance(b, PilotArea) and \
                            a.include_reinforcement_area != b.include_reinforcement_area:
                        small, large = (f, g) if b.include_reinforcement_area else (g, f)
                        found.append(_le([failed(large, a.code)], [failed(small, a.code)],
                                         label=f"the pilot area of {small} lies within that of {large}"))

    # 5. maxima and what set them.
    counts, sums, bases = tables[MAXIMUMBEDRAGEN], tables[MAXIMUMBEDRAGEN_BEDRAGEN], tables[MAXIMUM_GRONDSLAG]

    def basis(f: str, code: str) -> CellRef:
        return bases.ref(f, CAP_BASIS_LABELS[code])

    for f in [*stats.recorded.frameworks, TOTAL]:
        with_max = counts.ref(f, TOTAL)
        eligible_recorded = outcomes.ref(f, TOTAL, yes)
        found.append(Relation.equal(bases.ref(f, TOTAL), eligible_recorded,
                                    label=f"{f}: every eligible decision has a cap basis"))
        found.append(Relation(terms=((with_max, 1), (bases.ref(f, TOTAL), -1), (basis(f, RIJKSMONUMENT), 1)),
                              label=f"{f}: a maximum unless a rijksmonument"))
        standard = None if f == TOTAL or _pilot_band(FRAMEWORKS[f]) is None else \
            FRAMEWORKS[f].cap_rule.standard_max.value
        if standard is not None:
            for code in [c for c, _, _ in CAP_BANDS] + [TOTAL]:
                found.append(Relation(terms=((sums.ref(f, code), 1), (counts.ref(f, code), -standard)),
                                      label=f"{f}: every maximum is {standard}"))
            continue
        for code, low, high in CAP_BANDS:
            n, s = counts.ref(f, code), sums.ref(f, code)
            found.append(Relation(terms=((n, low), (s, -1)), op="<=", constant=0, label=f"band {code}: above {low}"))
            if high is not None:
                found.append(Relation(terms=((s, 1), (n, -high)), op="<=", constant=0, label=f"band {code}: <= {high}"))
        if f == TOTAL:
            continue
        cap = FRAMEWORKS[f].cap_rule
        if isinstance(cap, WozCap):
            top = cap_band(cap.statutory_max.value)
            found.append(_le([basis(f, STATUTORY_MAX)], [counts.ref(f, top)], label=f"{f}: statutory maximum band"))
            if cap.floor is not None:
                low_band = cap_band(cap.floor.value)
                found.append(_le([basis(f, PILOT_STANDARD)], [counts.ref(f, low_band)], label=f"{f}: floor band"))

    # 6. decisions that name the routes are not eligible under 2026 as recorded.
    if VERWIJSBAAR in tables and after in recorded:
        found.append(_le([tables[VERWIJSBAAR].ref(TOTAL)], [outcomes.ref(after, TOTAL, no)],
                         label=f"routed: not eligible under {after} as recorded"))

    # 7. the two objection tables count the same objections.
    if BEZWAREN in tables and BEZWAREN_TERMIJN in tables:
        b, t = tables[BEZWAREN], tables[BEZWAREN_TERMIJN]
        for q in [*b.categories[0], TOTAL]:
            found.append(Relation.equal(b.ref(q, TOTAL), t.ref(q, TOTAL), label=f"objections of {q}"))
            found.append(Relation.equal(b.ref(q, OBJECTION_LABELS[PENDING]), t.ref(q, TERM_LABELS[PENDING]),
                                        label=f"undecided objections of {q}"))

    # 8. months: every recorded decision; the decisions in force are among them.
    monthly = tables[BESLUITEN_PER_MAAND]
    found.append(Relation(terms=((monthly.ref(TOTAL, TOTAL), 1),), constant=stats.facts.records,
                          label="the months add up to the decisions recorded"))
    for label in OUTCOME_LABELS.values():
        found.append(_le([outcomes.ref(TOTAL, TOTAL, label)], [monthly.ref(TOTAL, label)],
                         label=f"decisions in force ({label}) are recorded decisions"))
    return found
