"""The protected output: every cell with its published values, or suppressed.

:func:`protect` applies the primary rules (:mod:`.rules`), grows the secondary
suppressions over all tables together (:mod:`.secondary`), audits the final
pattern with the integer program of :mod:`.engine` and builds the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import attrs

from audit.publication.disclosure.engine import AMOUNT, COUNT, AuditReport, System, build_report
from audit.publication.disclosure.model import (
    DEFAULT_POLICY,
    PUBLIC_STATUS_SUPPRESSED,
    STATISTIC_MEAN,
    STATISTIC_SUM,
    STATUS_PUBLISHED,
    AmountTable,
    CellRef,
    CountTable,
    DisclosurePolicy,
    Key,
    Relation,
    Table,
)
from audit.publication.disclosure.rules import implied_zeros, primary_suppression, round_amount
from audit.publication.disclosure.secondary import Suppressor


@attrs.frozen
class PublishedCell:
    """One output cell.

    ``value`` is the count (count tables) or the rounded sum in euros (amount tables
    publishing ``"sum"``); ``mean`` is the rounded mean in euros (amount tables
    publishing ``"mean"``). Both are None when the cell is suppressed. ``status`` is
    the detailed reason, for internal records; only :attr:`public_status` may be
    shown to readers.
    """

    key: Key
    status: str
    value: int | None
    mean: int | None = None

    @property
    def suppressed(self) -> bool:
        """True when the cell's values are withheld."""
        return self.status != STATUS_PUBLISHED

    @property
    def public_status(self) -> str:
        """``"gepubliceerd"`` or ``"onderdrukt"``: the status that is safe to publish."""
        return PUBLIC_STATUS_SUPPRESSED if self.suppressed else STATUS_PUBLISHED


@attrs.frozen
class ProtectedTable:
    """A table ready for publication: every cell with its published values and status."""

    name: str
    dimensions: tuple[str, ...]
    kind: str
    statistics: tuple[str, ...]
    cells: tuple[PublishedCell, ...]

    def cell(self, *key: Any) -> PublishedCell:
        """The cell with this key."""
        for c in self.cells:
            if c.key == key:
                return c
        raise KeyError(f"table {self.name!r} has no cell {key!r}")


@attrs.frozen
class ProtectionResult:
    """Outcome of :func:`protect`: the protected tables and the (confidential) audit."""

    tables: tuple[ProtectedTable, ...]
    audit: AuditReport
    #: Always-published cells that had to be suppressed after all: the population is too small to protect
    #: its small cells otherwise (or the cell itself is a small count). Empty for any realistic release.
    suppressed_always_published: frozenset[CellRef] = frozenset()

    def table(self, name: str) -> ProtectedTable:
        """The protected table with this name."""
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"no table {name!r}")

    @property
    def suppressed(self) -> frozenset[CellRef]:
        """The suppression pattern."""
        return frozenset(CellRef(t.name, c.key) for t in self.tables for c in t.cells if c.suppressed)

    def statuses(self) -> dict[CellRef, str]:
        """Every cell's detailed status."""
        return {CellRef(t.name, c.key): c.status for t in self.tables for c in t.cells}


def protect(
    tables: Sequence[Table],
    relations: Iterable[Relation] = (),
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> ProtectionResult:
    """Apply primary and secondary suppression to all tables together, audit, and return the output.

    ``relations`` are the caller's cross-table facts; margin relations and the
    relations of a common population are added automatically. Raises
    :class:`DisclosureError` (naming table and cell) when a suppressed cell cannot be
    protected or the final audit finds an interval narrower than its protection level.
    """
    system = System(tables, relations, policy)
    primary = {system.ref_index(ref): status for ref, status in primary_suppression(system.tables, policy).items()}
    implied = {
        system.ref_index(zero): frozenset(system.ref_index(m) for m in margins)
        for zero, margins in implied_zeros(system.tables, policy).items()
    }
    suppressor = Suppressor(system, implied)
    suppressor.run(primary)
    system.check_pattern(suppressor.suppressed)
    report = build_report(system, suppressor.suppressed, suppressor.reasons)
    report.raise_if_exposed()
    out = []
    for table in system.tables:
        cells = []
        for key in table.sorted_keys():
            i = system.index[CellRef(table.name, key)]
            if i in suppressor.suppressed:
                cells.append(PublishedCell(key=key, status=suppressor.reasons[i], value=None))
                continue
            if isinstance(table, CountTable):
                cells.append(PublishedCell(key=key, status=STATUS_PUBLISHED, value=table.cells[key]))
                continue
            assert isinstance(table, AmountTable)
            total = table.cell_sum(key)
            n = len(table.cell_contributions[key])
            value = round_amount(total, policy.rounding_unit) if STATISTIC_SUM in table.statistics else None
            mean = (
                round_amount(Fraction(total) / n, policy.rounding_unit)
                if STATISTIC_MEAN in table.statistics
                else None
            )
            cells.append(PublishedCell(key=key, status=STATUS_PUBLISHED, value=value, mean=mean))
        kind = COUNT if isinstance(table, CountTable) else AMOUNT
        statistics = table.statistics if isinstance(table, AmountTable) else ()
        out.append(ProtectedTable(table.name, table.dimensions, kind, statistics, tuple(cells)))
    forced = frozenset(system.cells[i].ref for i in system.always_published if i in suppressor.suppressed)
    return ProtectionResult(tables=tuple(out), audit=report, suppressed_always_published=forced)
