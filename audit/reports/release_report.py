"""The public report of a release (vergelijking.html and vergelijking.md), rendered only from statistiek.db.

Every number comes from a published cell of the finished database, read-only
(`audit.reports.release_tables`): nothing is added up or recomputed, so the
report cannot show a number the database does not. A suppressed cell reads
"niet getoond". Each table of the database gets a section: the known ones (by
their names in `audit.publication.tables`) with a Dutch explanation, any other
table under its own name, so a new table reaches the report without a change here.
"""

from __future__ import annotations

from pathlib import Path

import attrs
from markupsafe import Markup

from audit.publication import tables as names
from audit.reports.charts import SUPPRESSED_TEXT, release_bar_chart
from audit.reports.release_tables import TOTAL, Release, Row, Table, read_release
from audit.reports.rendering import render

MAX_COLUMNS = 7  # a pivot wider than this is shown as a list
GAIN_COLOUR, LOSS_COLOUR, NEUTRAL_COLOUR = "#1a7f37", "#c62828", "#4c78a8"
GAINS, LOSES = "komt erbij", "valt af"


def number(value: int | None) -> str:
    return SUPPRESSED_TEXT if value is None else f"{value:,}".replace(",", ".")


def euros(value: int | None) -> str:
    return SUPPRESSED_TEXT if value is None else f"€ {number(value)}"


@attrs.frozen
class Shown:
    text: str
    suppressed: bool


def shown(value: int | None, money: bool = False) -> Shown:
    return Shown(euros(value) if money else number(value), value is None)


@attrs.frozen
class Grid:
    """A table as the report shows it: column heads, then rows of (label, cells)."""

    head: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Shown, ...]], ...]
    caption: str | None = None

    @property
    def hides(self) -> bool:
        return any(cell.suppressed for _, cells in self.rows for cell in cells)


@attrs.frozen
class Section:
    anchor: str
    title: str
    intro: str
    grids: tuple[Grid, ...]
    charts: tuple[tuple[str, Markup], ...] = ()


LABELS = {
    "gemeente": "Gemeente", "overgang": "Overgang", "kader": "Kader", "uitkomst": "Uitkomst",
    "verandering": "Verandering", "oorzaak": "Oorzaak", "criterium": "Criterium", "bedragklasse": "Maximumbedrag",
    "klasse": "Klasse", "kwartaal": "Kwartaal", "route": "Route", "maand": "Maand", "regio": "Regio",
    "periode": "Periode", "termijn": "Termijn", "grondslag": "Grondslag",
}

KNOWN = {
    names.OVERGANGEN: (
        "Wie komt erbij en wie valt af?",
        "Voor elk adres nemen we de laatste feiten en kijken we of het adres in aanmerking komt onder de oude regels "
        "en onder de nieuwe regels. Eerst alle gemeenten samen, dan per gemeente. Kleine gemeenten kunnen samen in "
        "een regio staan, zodat hun getallen wel getoond kunnen worden.",
    ),
    names.OORZAKEN: (
        "Waardoor komt een adres erbij of valt het af?",
        "Bij elke verandering kijken we welke voorwaarde anders uitvalt onder de nieuwe regels. Soms zijn dat er meer "
        "dan één. De overgangsregel telt mee als die de nieuwe uitkomst bepaalt.",
    ),
    names.UITKOMSTEN: (
        "Uitkomsten per kader en gemeente",
        "Het besluit dat nu geldt voor elk adres, onder de regels waarmee het besluit is genomen.",
    ),
    names.AFWIJZINGSGRONDEN: (
        "Welke voorwaarden niet gehaald worden",
        "Elk adres beoordeeld onder elk kader. Een adres telt mee bij elke voorwaarde die het niet haalt.",
    ),
    names.MAXIMUMBEDRAGEN: (
        "Maximumbedragen",
        "Besluiten die nu gelden en waarbij het adres in aanmerking komt met een maximumbedrag: hoeveel, en de som "
        "en het gemiddelde van de maximumbedragen, afgerond op hele duizenden euro.",
    ),
    names.GRENSGEVALLEN: (
        "Grensgevallen",
        "Adressen net buiten of net binnen een grens van de nieuwe regels. Een adres kan in meer dan één klasse "
        "vallen. Zo is te zien hoe groot de groep is die een schrijnend geval zou kunnen zijn.",
    ),
    names.VERWIJSBAAR: (
        "Besluiten die naar het IVS of de CBS verwijzen",
        "Besluiten die nu gelden en die de routes voor schrijnende gevallen noemen: het Interventieteam Vastgelopen "
        "Situaties (IVS) en de Commissie Bijzondere Situaties (CBS), per kwartaal van het besluit.",
    ),
    names.VERWIJZINGEN: (
        "Verwijzingen naar het IVS en de CBS",
        "Verwijzingen per kwartaal waarin is verwezen, per route en uitkomst.",
    ),
    names.BEZWAREN: (
        "Bezwaren",
        "Bezwaren tegen besluiten, per kwartaal van ontvangst en uitkomst.",
    ),
    names.BEZWAREN_TERMIJN: (
        "Bezwaren: op tijd beslist?",
        "Dezelfde bezwaren, per kwartaal van ontvangst: binnen de wettelijke termijn beslist, na de termijn, of nog "
        "niet beslist.",
    ),
    names.MAXIMUM_GRONDSLAG: (
        "Waardoor het maximumbedrag vastligt",
        "Besluiten die nu gelden en waarbij het adres in aanmerking komt: wat het maximumbedrag bepaalt, zoals de "
        "WOZ-waarde of het wettelijke maximum.",
    ),
    names.BESLUITEN_PER_MAAND: (
        "Besluiten per periode",
        "Alle vastgelegde besluiten, per maand van het besluit (vóór 2026 per kwartaal, omdat de aantallen toen "
        "klein waren), en de uitkomst.",
    ),
}


#: The reading order of some categories (others keep the database's order; ``Totaal`` always comes last).
ORDER = {
    "overgang": list(names.TRANSITION_LABELS.values()),
    "uitkomst": list(names.OUTCOME_LABELS.values()),
    "verandering": [GAINS, LOSES],
}


def ordered(table: Table, dimension: str) -> list[str]:
    found = table.values(dimension)
    preferred = [v for v in ORDER.get(dimension, []) if v in found]
    return preferred + [v for v in found if v not in preferred]


def _label(dimension: str) -> str:
    return LABELS.get(dimension, dimension.replace("_", " ").capitalize())


def _count_grid(table: Table, rows_dim: str, cols_dim: str, rows: list[Row], caption: str | None = None) -> Grid:
    sub = Table(table.name, table.dimensions, tuple(rows), table.amounts)
    columns = ordered(sub, cols_dim)
    body = []
    for value in ordered(sub, rows_dim):
        cells = []
        for column in columns:
            found = [r for r in rows if r.key[table.dimensions.index(rows_dim)] == value
                     and r.key[table.dimensions.index(cols_dim)] == column]
            cells.append(shown(found[0].count) if len(found) == 1 else Shown("", False))
        body.append((value, tuple(cells)))
    return Grid((_label(rows_dim), *columns), tuple(body), caption)


def _list_grid(table: Table, rows: list[Row], dims: tuple[str, ...], caption: str | None = None) -> Grid:
    indexes = [table.dimensions.index(d) for d in dims]
    head = (" · ".join(_label(d) for d in dims), "Aantal")
    if table.amounts:
        head += ("Som van de maximumbedragen", "Gemiddeld maximumbedrag")
    body = []
    for row in rows:
        cells = (shown(row.count),)
        if table.amounts:
            cells += (shown(row.total, money=True), shown(row.mean, money=True))
        body.append((" · ".join(row.key[i] for i in indexes), cells))
    return Grid(head, tuple(body), caption)


def grids(table: Table) -> tuple[Grid, ...]:
    """A table of the database as grids: the last dimension as columns where that fits, else a list."""
    dims = table.dimensions
    if not dims:
        return ()
    if table.amounts or len(dims) == 1 or len(table.values(dims[-1])) > MAX_COLUMNS:
        if len(dims) >= 3 and not table.amounts:
            return tuple(_list_grid(table, table.where(**{dims[0]: v}), dims[1:], f"{_label(dims[0])}: {v}")
                         for v in table.values(dims[0]))
        return (_list_grid(table, list(table.rows), dims),)
    if len(dims) == 2:
        return (_count_grid(table, dims[0], dims[1], list(table.rows)),)
    inner = dims[1:-1]
    if len(inner) > 1:
        return (_list_grid(table, list(table.rows), dims),)
    return tuple(_count_grid(table, inner[0], dims[-1], table.where(**{dims[0]: v}), f"{_label(dims[0])}: {v}")
                 for v in table.values(dims[0]))


def _transition_charts(table: Table) -> tuple[tuple[str, Markup], ...]:
    if set(table.dimensions) != {"gemeente", "overgang"}:
        return ()
    charts = []
    overall = [(v, [table.cell(gemeente=TOTAL, overgang=v)]) for v in ordered(table, "overgang") if v != TOTAL]
    rows = [(label, [cell.count if cell else None]) for label, [cell] in overall]
    if rows:
        title = "Alle gemeenten samen: aantal adressen per overgang"
        charts.append((title, release_bar_chart(title, rows, [("adressen", NEUTRAL_COLOUR)])))
    places = [p for p in table.values("gemeente") if p != TOTAL]
    changes = [c for c in (GAINS, LOSES) if c in table.values("overgang")]
    if places and changes:
        colours = {GAINS: GAIN_COLOUR, LOSES: LOSS_COLOUR}
        rows = []
        for place in places:
            cells = [table.cell(gemeente=place, overgang=c) for c in changes]
            rows.append((place, [cell.count if cell else None for cell in cells]))
        title = "Komt erbij en valt af, per gemeente (alle gemeenten, ook waar een getal niet getoond wordt)"
        charts.append((title, release_bar_chart(title, rows, [(c, colours[c]) for c in changes])))
    return tuple(charts)


SERIES_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")


#: Dimensions that run over time: a table by one of these and one other dimension gets a chart.
TIME_DIMENSIONS = ("maand", "periode")


def _monthly_chart(table: Table) -> tuple[tuple[str, Markup], ...]:
    """A table by month (or period) and one other dimension (an outcome, say): one row per period, one bar per category."""
    time = next((d for d in TIME_DIMENSIONS if d in table.dimensions), None)
    if time is None or len(table.dimensions) != 2 or table.amounts:
        return ()
    other = next(d for d in table.dimensions if d != time)
    series = [v for v in ordered(table, other) if v != TOTAL][: len(SERIES_COLOURS)]
    periods = [m for m in table.values(time) if m != TOTAL]
    if not series or not periods:
        return ()
    rows = []
    for period in periods:
        cells = [table.cell(**{time: period, other: v}) for v in series]
        rows.append((period, [cell.count if cell else None for cell in cells]))
    title = f"Per {_label(time).lower()}, per {_label(other).lower()}"
    return ((title, release_bar_chart(title, rows, list(zip(series, SERIES_COLOURS)))),)


def _overall_transitions(table: Table) -> tuple[Grid, ...]:
    if set(table.dimensions) != {"gemeente", "overgang"}:
        return grids(table)
    position = {v: i for i, v in enumerate(ordered(table, "overgang"))}
    overall = sorted(table.where(gemeente=TOTAL), key=lambda r: position[r.key[table.dimensions.index("overgang")]])
    first = _list_grid(table, overall, ("overgang",), "Alle gemeenten samen")
    return (first, *_per_place(table))


def _per_place(table: Table) -> tuple[Grid, ...]:
    return (_count_grid(table, "gemeente", "overgang", list(table.rows), "Per gemeente"),)


def sections(release: Release) -> list[Section]:
    found = []
    for name, (title, intro) in KNOWN.items():
        table = release.get(name)
        if table is None or not table.rows:
            continue
        if name == names.OVERGANGEN:
            found.append(Section(name, title, intro, _overall_transitions(table), _transition_charts(table)))
        else:
            found.append(Section(name, title, intro, grids(table), _monthly_chart(table)))
    for name in sorted(set(release.tables) - set(KNOWN)):
        table = release.tables[name]
        if table.rows:
            found.append(Section(name, name.replace("_", " ").capitalize(), "", grids(table), _monthly_chart(table)))
    return found


def _context(release: Release) -> dict:
    info = release.info
    return {
        "info": info,
        "synthetic": info.get("synthetisch") == "ja",
        "sections": sections(release),
        "suppressed_text": SUPPRESSED_TEXT,
    }


def render_release_report(statistics: str | Path) -> tuple[str, str]:
    """The public report as (HTML, Markdown), from the finished statistics database alone."""
    context = _context(read_release(statistics))
    return render("vergelijking.html.j2", **context), render("vergelijking.md.j2", **context)
