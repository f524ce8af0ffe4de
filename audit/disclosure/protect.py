"""Secondary suppression over all tables together, and the protected output.

Algorithm (deterministic; every choice breaks ties by a fixed order):

1. Start from the primary suppressions (:func:`primary_suppression`).
2. *Closure*, repeated until nothing changes:

   * a contributor count that is suppressed forces its amount cell to be suppressed;
   * an equality relation (margin, population or declared) with exactly one
     suppressed cell would give that cell away by differencing, so the cheapest
     published cell of that relation is suppressed too.

3. *Audit*: compute the LP interval of every suppressed cell not yet known to be
   protected. Suppressing more cells only removes knowledge, so a protected cell
   stays protected and is not audited again.
4. For every exposed cell, suppress the cheapest published cell that shares a
   relation with it (if there is none, the cheapest cell one relation further,
   through suppressed cells, and so on). A cell that shares a relation with a cell
   added in the same round waits for the next round. Go back to 2.

"Cheapest" means, in this order: closer to the exposed cell; of the same kind
(count or amount); non-zero (a suppressed zero can only go up, so it adds little
room); fewer total markers (interior cells before margins, grand totals last); a
value at least the exposed cell's protection level; smaller value; then table name
and key order. Each round suppresses at least one more cell, so the loop ends. When
no candidate is left, :class:`DisclosureError` is raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import attrs

from audit.disclosure.engine import AMOUNT, COUNT, AuditReport, System, build_report
from audit.disclosure.model import (
    DEFAULT_POLICY,
    PUBLIC_STATUS_SUPPRESSED,
    STATISTIC_MEAN,
    STATISTIC_SUM,
    STATUS_PUBLISHED,
    STATUS_SECONDARY,
    AmountTable,
    CellRef,
    CountTable,
    DisclosureError,
    DisclosurePolicy,
    Key,
    Relation,
    Table,
)
from audit.disclosure.rules import primary_suppression, round_amount


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


class _Suppressor:
    def __init__(self, system: System) -> None:
        self.system = system
        self.suppressed: set[int] = set()
        self.reasons: dict[int, str] = {}

    def add(self, i: int, reason: str) -> None:
        if i not in self.suppressed:
            self.suppressed.add(i)
            self.reasons[i] = reason

    def cost(self, j: int, distance: int, kind: str, need: Fraction) -> tuple[Any, ...]:
        cell = self.system.cells[j]
        return (
            distance,
            cell.kind != kind,
            cell.value == 0,
            cell.level,
            cell.value < need,
            cell.value,
            cell.order,
        )

    def suppressible(self, j: int) -> bool:
        return j not in self.suppressed and not self.system.cells[j].structural

    def close(self) -> None:
        system = self.system
        changed = True
        while changed:
            changed = False
            for count, amount in sorted(system.coupled.items()):
                if count in self.suppressed and amount not in self.suppressed:
                    self.add(amount, STATUS_SECONDARY)
                    changed = True
            for rel in system.relations:
                if rel.op != "==":
                    continue
                inside = [i for i, _ in rel.coefs if i in self.suppressed]
                if len(inside) != 1:
                    continue
                lone = system.cells[inside[0]]
                candidates = [j for j, _ in rel.coefs if self.suppressible(j)]
                if not candidates:
                    continue
                best = min(candidates, key=lambda j: self.cost(j, 1, lone.kind, lone.required))
                self.add(best, STATUS_SECONDARY)
                changed = True

    def candidate(self, start: int) -> int | None:
        system = self.system
        target = system.cells[start]
        seen_rel: set[int] = set()
        seen_cells = {start}
        frontier = [start]
        distance = 1
        while frontier:
            found: list[int] = []
            following: list[int] = []
            for c in frontier:
                for r in system.relations_of[c]:
                    if r in seen_rel:
                        continue
                    seen_rel.add(r)
                    for j, _ in system.relations[r].coefs:
                        if j in seen_cells:
                            continue
                        seen_cells.add(j)
                        if j in self.suppressed:
                            following.append(j)
                        elif self.suppressible(j):
                            found.append(j)
            if found:
                return min(found, key=lambda j: self.cost(j, distance, target.kind, target.required))
            frontier = sorted(following, key=lambda j: system.cells[j].order)
            distance += 1
        return None

    def run(self, primary: dict[int, str]) -> None:
        system = self.system
        for i in sorted(primary, key=lambda i: system.cells[i].order):
            self.add(i, primary[i])
        verified: set[int] = set()
        while True:
            self.close()
            pending = sorted(self.suppressed - verified, key=lambda i: system.cells[i].order)
            intervals = system.intervals(self.suppressed, pending)
            exposed = []
            for i in pending:
                if system.is_protected(i, intervals[i]):
                    verified.add(i)
                else:
                    exposed.append(i)
            if not exposed:
                return
            touched: set[int] = set()
            stuck: list[int] = []
            for i in exposed:
                if touched.intersection(system.relations_of[i]):
                    continue
                j = self.candidate(i)
                if j is None:
                    stuck.append(i)
                    continue
                self.add(j, STATUS_SECONDARY)
                touched.update(system.relations_of[j])
            if not touched:
                cell = system.cells[stuck[0]]
                raise DisclosureError(
                    f"table {cell.ref.table!r}, cell {cell.ref.key!r}: cannot be protected, "
                    "no published cell left to suppress in the relations that tie it down"
                )


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
    suppressor = _Suppressor(system)
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
    return ProtectionResult(tables=tuple(out), audit=report)
