"""The published tables as disclosure-control tables, and every link between them a reader can use.

Each table of STATS.db has Dutch dimension columns and Dutch category labels, and
every margin (``Totaal``). The unit of each table:

- ``uitkomsten`` (kader x gemeente x uitkomst): the decision in force of every
  case (its latest record), by the framework it was recorded under;
- ``overgangen`` (gemeente x overgang): every case, its latest facts decided under
  ``pilot-2024`` and under ``2026`` (the transition matrix per municipality);
- ``oorzaken`` (verandering x oorzaak): the cases of ``overgangen`` that gain or
  lose, by the criteria whose result changed (``audit.analysis.compare``); the gains and the
  losses are two disclosure tables with their own causes, each with its total;
- ``afwijzingsgronden`` (kader x criterium): every case decided under every
  framework; a case counts once for every criterion it fails (the total counts
  failures);
- ``maximumbedragen`` (kader x bedragklasse): the decisions in force that are
  eligible with a maximum amount (a rijksmonument under 2026 has none): their
  number, and the sum and mean of the maximum amounts;
- ``grensgevallen`` (klasse): memberships of a boundary class under ``2026``
  (a case can be in more than one class; the total counts memberships);
- ``verwijsbare_besluiten`` (kwartaal): decisions in force that name the IVS and
  CBS hardship routes, by the quarter of the decision date;
- ``verwijzingen`` (kwartaal x route x uitkomst): referrals to the IVS or the CBS,
  by the quarter they were made (``audit.publication.objection_stats``);
- ``bezwaren`` (kwartaal x uitkomst): objections, by the quarter they were received.

``uitkomsten`` and ``overgangen`` count the same cases (population ``zaken``): the
disclosure package adds their shared margins itself. Every other link is a
declared `Relation`: equalities (the causes of the losses add up to the losses, a
criterion that is the same rule fails equally often under two frameworks) and
inequalities a reader who knows the rules can use (decisions that name the
hardship routes are not eligible: under 2026 every not-eligible decision names them). Declaring a true relation too many
only makes the protection more careful; the package checks each one against the
true values.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

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
from decisions.frameworks import FRAMEWORKS, Framework, Parameter, PilotArea, PilotCap

from audit.analysis.compare import CELLS, GAINS, LOSES, STAYS_ELIGIBLE, STAYS_INELIGIBLE, TRANSITIONAL
from audit.publication.disclosure import TOTAL, AmountTable, CellRef, CountTable, Relation
from audit.publication.objection_stats import OBJECTION_CATEGORIES, REFERRAL_OUTCOMES, quarters_between
from audit.casework.objections import INADMISSIBLE, PARTLY_UPHELD, REJECTED, UPHELD
from audit.casework.referrals import GRANTED, PENDING, REFUSED, ROUTE_CODES
from audit.publication.statistics import LedgerStatistics

UITKOMSTEN = "uitkomsten"
OVERGANGEN = "overgangen"
OORZAKEN = "oorzaken"
OORZAKEN_ERBIJ = "oorzaken_erbij"  # the gains half of `oorzaken`
OORZAKEN_AF = "oorzaken_af"  # the losses half of `oorzaken`
AFWIJZINGSGRONDEN = "afwijzingsgronden"
MAXIMUMBEDRAGEN = "maximumbedragen"
MAXIMUMBEDRAGEN_BEDRAGEN = "maximumbedragen_bedragen"  # the amount half of `maximumbedragen`
GRENSGEVALLEN = "grensgevallen"
VERWIJSBAAR = "verwijsbare_besluiten"
VERWIJZINGEN = "verwijzingen"
BEZWAREN = "bezwaren"


@attrs.frozen
class SqlTable:
    """A table of STATS.db: its dimension columns, and the disclosure tables whose cells it holds.

    Each part is (disclosure table, values of the leading dimensions it fixes): `oorzaken` holds
    the causes of the gains and those of the losses, two tables with their own categories.
    """

    dimensions: tuple[str, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    amounts: str | None = None  # the amount table whose sums and means go beside the counts


SQL_TABLES = {
    UITKOMSTEN: SqlTable(("kader", "gemeente", "uitkomst"), ((UITKOMSTEN, ()),)),
    OVERGANGEN: SqlTable(("gemeente", "overgang"), ((OVERGANGEN, ()),)),
    OORZAKEN: SqlTable(("verandering", "oorzaak"), ((OORZAKEN_ERBIJ, ("komt erbij",)), (OORZAKEN_AF, ("valt af",)))),
    AFWIJZINGSGRONDEN: SqlTable(("kader", "criterium"), ((AFWIJZINGSGRONDEN, ()),)),
    MAXIMUMBEDRAGEN: SqlTable(("kader", "bedragklasse"), ((MAXIMUMBEDRAGEN, ()),), amounts=MAXIMUMBEDRAGEN_BEDRAGEN),
    GRENSGEVALLEN: SqlTable(("klasse",), ((GRENSGEVALLEN, ()),)),
    VERWIJSBAAR: SqlTable(("kwartaal",), ((VERWIJSBAAR, ()),)),
    VERWIJZINGEN: SqlTable(("kwartaal", "route", "uitkomst"), ((VERWIJZINGEN, ()),)),
    BEZWAREN: SqlTable(("kwartaal", "uitkomst"), ((BEZWAREN, ()),)),
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
REFERRAL_LABELS = {GRANTED: "toegekend", REFUSED: "afgewezen", PENDING: "nog niet beslist"}

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

#: Labels of dimension values in STATS.db, per dimension (values without a label are written as they are).
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
    its SQL table is written empty.
    """

    tables: tuple  # CountTable and AmountTable
    relations: tuple[Relation, ...]


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


def _outcomes(stats: LedgerStatistics) -> CountTable:
    recorded = stats.recorded
    counts = {(f, m, OUTCOME_LABELS[o]): n for (f, m, o), n in recorded.outcomes.items()}
    return _count_table(
        UITKOMSTEN, counts, (recorded.frameworks, recorded.municipalities, list(OUTCOME_LABELS.values())),
        population=CASES,
    )


def _transitions(stats: LedgerStatistics) -> CountTable:
    ev = stats.evaluated
    counts = {(m, TRANSITION_LABELS[c]): n for (m, c), n in ev.transitions.items()}
    return _count_table(
        OVERGANGEN, counts, (ev.municipalities, [TRANSITION_LABELS[c] for c in CELLS]), population=CASES,
    )


def _causes(stats: LedgerStatistics, change: str, name: str) -> CountTable | None:
    counts = _summed(
        {k: n for k, n in stats.evaluated.causes.items() if k[1] == change}, lambda k: (cause_label(k[2]),)
    )
    if not counts:
        return None
    return _count_table(name, counts, (sorted(k[0] for k in counts),))


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
        structural_zeros=structural,
    )
    sums = AmountTable(
        MAXIMUMBEDRAGEN_BEDRAGEN, _dims(MAXIMUMBEDRAGEN), amounts, count_table=MAXIMUMBEDRAGEN,
        category_values={"kader": recorded.frameworks, "bedragklasse": bands},
    )
    return counts, sums


def _boundary(stats: LedgerStatistics) -> CountTable:
    counts = _summed(stats.evaluated.boundary, lambda k: (CLASS_LABELS[k[0]],))
    return _count_table(GRENSGEVALLEN, counts, ([CLASS_LABELS[k] for k in BOUNDARY_CLASSES],))


def _routed(stats: LedgerStatistics) -> CountTable | None:
    counts = _summed(stats.recorded.routed, lambda k: (k[0],))
    if not counts:
        return None
    quarters = sorted(k[0] for k in counts)
    return _count_table(VERWIJSBAAR, counts, (quarters_between(quarters[0], quarters[-1]),))


def _referrals(stats: LedgerStatistics) -> CountTable | None:
    if not stats.referrals:
        return None
    counts = {(r.quarter, ROUTE_LABELS[r.route], REFERRAL_LABELS[r.outcome]): r.referrals for r in stats.referrals}
    return _count_table(
        VERWIJZINGEN, counts,
        (sorted({r.quarter for r in stats.referrals}), [ROUTE_LABELS[c] for c in ROUTE_CODES.values()],
         [REFERRAL_LABELS[o] for o in REFERRAL_OUTCOMES]),
    )


def _objections(stats: LedgerStatistics) -> CountTable | None:
    if not stats.objections:
        return None
    counts = {(o.quarter, OBJECTION_LABELS[o.outcome]): o.objections for o in stats.objections}
    return _count_table(
        BEZWAREN, counts,
        (sorted({o.quarter for o in stats.objections}), [OBJECTION_LABELS[c] for c in OBJECTION_CATEGORIES]),
    )


def publication_tables(stats: LedgerStatistics) -> PublicationTables:
    """Every table to publish, with the relations between them."""
    built = {
        UITKOMSTEN: _outcomes(stats),
        OVERGANGEN: _transitions(stats),
        OORZAKEN_ERBIJ: _causes(stats, GAINS, OORZAKEN_ERBIJ),
        OORZAKEN_AF: _causes(stats, LOSES, OORZAKEN_AF),
        AFWIJZINGSGRONDEN: _failures(stats),
        GRENSGEVALLEN: _boundary(stats),
        VERWIJSBAAR: _routed(stats),
        VERWIJZINGEN: _referrals(stats),
        BEZWAREN: _objections(stats),
    }
    built[MAXIMUMBEDRAGEN], built[MAXIMUMBEDRAGEN_BEDRAGEN] = _maxima(stats)
    tables = {name: table for name, table in built.items() if table is not None}
    return PublicationTables(tuple(tables.values()), tuple(relations(tables, stats)))


# --- relations ------------------------------------------------------------------------------------


def _le(left: Iterable[CellRef], right: Iterable[CellRef], label: str, constant: int = 0) -> Relation:
    """sum(left) <= sum(right) + constant."""
    return Relation(
        terms=[(r, 1) for r in left] + [(r, -1) for r in right], op="<=", constant=constant, label=label,
    )


def _logic(criterion) -> tuple:
    """What a criterion checks, without the text of its basis: equal for criteria that decide alike."""
    values = []
    for field in attrs.fields(type(criterion)):
        if field.name == "basis":
            continue
        value = getattr(criterion, field.name)
        values.append((field.name, value.value if isinstance(value, Parameter) else value))
    return (type(criterion).__name__, tuple(values))


def relations(tables: dict, stats: LedgerStatistics) -> list[Relation]:
    """The links between the tables that readers know (margins inside a table are implied)."""
    found: list[Relation] = []
    o = tables[OVERGANGEN]
    everyone = o.ref(TOTAL, TOTAL)
    before, after = stats.evaluated.before, stats.evaluated.after

    def cell(*cells: str) -> list[CellRef]:
        return [o.ref(TOTAL, TRANSITION_LABELS[c]) for c in cells]

    eligible = {before: cell(STAYS_ELIGIBLE, LOSES), after: cell(STAYS_ELIGIBLE, GAINS)}
    not_eligible_after = cell(LOSES, STAYS_INELIGIBLE)

    for change, name in ((GAINS, OORZAKEN_ERBIJ), (LOSES, OORZAKEN_AF)):
        if name in tables:
            found.append(Relation.equal(tables[name].ref(TOTAL), *cell(change), label=f"the causes add up to {change}"))

    failures = tables[AFWIJZINGSGRONDEN]
    frameworks = {f: FRAMEWORKS[f] for f in stats.evaluated.frameworks}

    def failed(f: str, code: str) -> CellRef:
        return failures.ref(f, CRITERION_LABELS[code])

    for f, framework in frameworks.items():
        codes = [c.code for c in framework.criteria]
        for code in codes:
            found.append(_le([failed(f, code)], [everyone], label=f"{f}: fails {code} <= cases"))
        if f not in eligible:
            continue
        # A case that passes every criterion is eligible: eligible >= cases - every failure.
        found.append(_le([everyone], [failed(f, c) for c in codes] + eligible[f], label=f"{f}: eligible >= rest"))
        if framework.transitional is None:  # eligible only when every criterion passes
            for code in codes:
                found.append(_le(eligible[f] + [failed(f, code)], [everyone], label=f"{f}: eligible passes {code}"))
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

    boundary = tables[GRENSGEVALLEN]
    for code in BOUNDARY_CLASSES:
        ref = boundary.ref(CLASS_LABELS[code])
        if code in (FAILS_ONE_CRITERION, EXISTING_DOSSIER_OUTSIDE_PILOT_AREA):
            found.append(_le([ref], not_eligible_after, label=f"{code}: not eligible under {after}"))
        elif code == WOZ_BINDS_CAP:
            found.append(_le([ref], eligible[after], label=f"{code}: eligible under {after}"))
        else:
            found.append(_le([ref], [everyone], label=f"{code} <= cases"))

    outcomes = tables[UITKOMSTEN]
    if VERWIJSBAAR in tables:
        routed = tables[VERWIJSBAAR].ref(TOTAL)
        # Every not-eligible 2026 decision names the routes; a refused exception decision does not.
        found.append(_le([routed], [outcomes.ref(after, TOTAL, OUTCOME_LABELS[NOT_ELIGIBLE])],
                         label=f"routed: not eligible under {after} as recorded"))

    counts, sums = tables[MAXIMUMBEDRAGEN], tables[MAXIMUMBEDRAGEN_BEDRAGEN]
    for f in [*stats.recorded.frameworks, TOTAL]:
        with_max = counts.ref(f, TOTAL)
        eligible_recorded = outcomes.ref(f, TOTAL, OUTCOME_LABELS[ELIGIBLE])
        standard = None if f == TOTAL or _pilot_band(FRAMEWORKS[f]) is None else \
            FRAMEWORKS[f].cap_rule.standard_max.value
        if standard is not None:
            found.append(Relation.equal(with_max, eligible_recorded, label=f"every eligible {f} decision has a maximum"))
            for code in [c for c, _, _ in CAP_BANDS] + [TOTAL]:
                found.append(Relation(terms=((sums.ref(f, code), 1), (counts.ref(f, code), -standard)),
                                      label=f"{f}: every maximum is {standard}"))
            continue
        found.append(_le([with_max], [eligible_recorded], label=f"{f}: decisions with a maximum are eligible"))
        for code, low, high in CAP_BANDS:
            n, s = counts.ref(f, code), sums.ref(f, code)
            found.append(Relation(terms=((n, low), (s, -1)), op="<=", constant=0, label=f"band {code}: above {low}"))
            if high is not None:
                found.append(Relation(terms=((s, 1), (n, -high)), op="<=", constant=0, label=f"band {code}: <= {high}"))
    return found
