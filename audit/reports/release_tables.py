"""Read the tables of a finished statistics database (statistiek.db) for the public report.

Only what the database holds is read: each table's dimension columns and its
published cells. A suppressed cell is read as None (its status is 'onderdrukt');
nothing is computed from the cells, so every number the report prints is a cell.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs

from audit.publication.disclosure import PUBLIC_STATUS_SUPPRESSED

PUBLICATION_TABLE = "_publicatie"
TOTAL = "Totaal"
COUNT = "aantal"
SUM = "som_eur"
MEAN = "gemiddelde_eur"
VALUE_COLUMNS = {COUNT, "status", "status_aantal", SUM, MEAN, "status_bedragen"}


@attrs.frozen
class Row:
    key: tuple[str, ...]
    count: int | None
    total: int | None = None  # the sum of the amounts, in euros
    mean: int | None = None  # the mean amount, in euros


@attrs.frozen
class Table:
    name: str
    dimensions: tuple[str, ...]
    rows: tuple[Row, ...]
    amounts: bool

    def values(self, dimension: str) -> list[str]:
        """The values of a dimension in the order the database lists them, ``Totaal`` last."""
        index = self.dimensions.index(dimension)
        seen = list(dict.fromkeys(r.key[index] for r in self.rows))
        return [v for v in seen if v != TOTAL] + [v for v in seen if v == TOTAL]

    def where(self, **fixed: str) -> list[Row]:
        wanted = {self.dimensions.index(d): v for d, v in fixed.items()}
        return [r for r in self.rows if all(r.key[i] == v for i, v in wanted.items())]

    def cell(self, **key: str) -> Row | None:
        found = self.where(**key)
        return found[0] if len(found) == 1 and len(key) == len(self.dimensions) else None


@attrs.frozen
class Release:
    """The statistics database as the report sees it: its tables and the `_publicatie` facts."""

    info: dict[str, str]
    tables: dict[str, Table]

    def get(self, name: str) -> Table | None:
        return self.tables.get(name)


def _published(value, status) -> int | None:
    return None if status == PUBLIC_STATUS_SUPPRESSED else value


def _read_table(conn: sqlite3.Connection, name: str) -> Table:
    columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]
    dimensions = tuple(c for c in columns if c not in VALUE_COLUMNS)
    amounts = SUM in columns
    status = "status_aantal" if amounts else "status"
    selected = [*dimensions, COUNT, status] + ([SUM, MEAN, "status_bedragen"] if amounts else [])
    quoted = ", ".join(f'"{c}"' for c in selected)
    rows = []
    for found in conn.execute(f'SELECT {quoted} FROM "{name}" ORDER BY rowid'):
        key = tuple(found[: len(dimensions)])
        values = found[len(dimensions):]
        count = _published(values[0], values[1])
        if amounts:
            rows.append(Row(key, count, _published(values[2], values[4]), _published(values[3], values[4])))
        else:
            rows.append(Row(key, count))
    return Table(name, dimensions, tuple(rows), amounts)


def read_release(path: str | Path) -> Release:
    """Open the finished database read-only and read every table of it."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        info = dict(conn.execute(f"SELECT sleutel, waarde FROM {PUBLICATION_TABLE} ORDER BY rowid").fetchall())
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {name: _read_table(conn, name) for name in names if name != PUBLICATION_TABLE}
    finally:
        conn.close()
    return Release(info, tables)
