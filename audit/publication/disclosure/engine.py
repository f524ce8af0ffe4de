"""The reader's knowledge as a linear system, and the interval audit.

All cells of all tables become one indexed system. What a reader knows:

* every published count exactly, every structural zero as 0;
* every published amount sum ``S`` only to within rounding: ``|S - r| <= unit/2``
  for a published rounded sum ``r``, and ``|S - n*m| <= n*unit/2`` for a published
  rounded mean ``m`` over the (published) contributor count ``n``;
* every relation: the margin identities of each table, the relations derived from a
  common population, and the caller's declared relations;
* all values are non-negative.

For a suppressed cell the audit minimises and maximises its value under that
knowledge as an **integer program**: counts are integers, amounts are continuous
(within their rounding). HiGHS solves it: first the LP relaxation
(``scipy.optimize.linprog``), whose optimum is the integer optimum when its vertex is
integral in every count (the usual case for margin tables); otherwise the integer
program itself (``scipy.optimize.milp``, zero gap). Relations with coefficients other
than 1, or several relations together, can make the integer interval narrower than the
LP interval rounded inward; the audit reports the integer one. A cell is protected when
``upper - lower`` is at least its protection level
(:meth:`DisclosurePolicy.count_protection`, :meth:`DisclosurePolicy.amount_protection`);
an unbounded maximum is always protected.

The system is split into connected components of unknown cells, so each LP only
holds the suppressed cells (and the rounded, published amounts) tied to its target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from audit.publication.disclosure.model import (
    DEFAULT_POLICY,
    STATISTIC_MEAN,
    STATISTIC_SUM,
    AmountTable,
    CellRef,
    CountTable,
    DisclosureError,
    DisclosurePolicy,
    Key,
    Relation,
    Table,
    key_sort_key,
    margin_level,
    margin_relations,
)
from audit.publication.disclosure.rules import round_amount

#: Audit status of a suppressed cell whose interval is wide enough.
AUDIT_PROTECTED = "protected"
#: Audit status of a suppressed cell a reader can pin down too closely.
AUDIT_EXPOSED = "exposed"

COUNT = "count"
AMOUNT = "amount"

_EPS = 1e-6
#: An LP value this close to an integer counts as integral.
_INTEGRAL = 1e-7


def population_relations(tables: Iterable[Table]) -> tuple[Relation, ...]:
    """Relations implied by tables that count the same population.

    Two tables of the same kind (count or amount) with the same non-None
    ``population`` classify the same units. For every subset ``S`` of the dimension
    names they share (the empty set included), the margin over ``S`` is the same in
    both: for each combination of categories of ``S``, the cell of table A with those
    values and the total marker elsewhere equals the corresponding cell of table B.
    A category present in one table but absent in the other must have a zero margin
    there; it yields the relation ``cell == 0``.
    """
    ordered = sorted(tables, key=lambda t: t.name)
    out: list[Relation] = []
    for i, a in enumerate(ordered):
        if a.population is None:
            continue
        for b in ordered[i + 1 :]:
            if b.population != a.population or type(a) is not type(b):
                continue
            shared = [d for d in a.dimensions if d in b.dimensions]
            a_keys = a.sorted_keys()
            b_keys = b.sorted_keys()
            for mask in range(1 << len(shared)):
                subset = [d for j, d in enumerate(shared) if mask >> j & 1]
                groups: dict[tuple[Any, ...], list[CellRef | None]] = {}
                for table, keys, slot in ((a, a_keys, 0), (b, b_keys, 1)):
                    for key in keys:
                        if not _is_margin_over(table, key, subset):
                            continue
                        values = tuple(key[table.dimensions.index(d)] for d in subset)
                        groups.setdefault(values, [None, None])[slot] = CellRef(table.name, key)
                for values in sorted(groups, key=key_sort_key):
                    left, right = groups[values]
                    label = f"population {a.population!r}: {a.name} = {b.name} over {subset or 'grand total'}"
                    if left is not None and right is not None:
                        out.append(Relation.equal(left, right, label=label))
                    else:
                        present = left if left is not None else right
                        assert present is not None
                        out.append(Relation(terms=((present, 1),), constant=0, label=label + " (absent category)"))
    return tuple(out)


def _is_margin_over(table: Table, key: Key, subset: Sequence[str]) -> bool:
    for d, v in zip(table.dimensions, key):
        if (d in subset) == (v == table.total):
            return False
    return True


class _Cell:
    """One cell of the system: its true value, its place in the order, what is published about it."""

    __slots__ = ("index", "ref", "kind", "value", "level", "structural", "order", "n", "published_bounds", "required")

    def __init__(
        self, index: int, ref: CellRef, kind: str, value: Fraction, level: int, structural: bool, order: tuple[Any, ...]
    ) -> None:
        self.index = index
        self.ref = ref
        self.kind = kind
        self.value = value
        self.level = level
        self.structural = structural
        self.order = order
        self.n = 0
        self.published_bounds: tuple[Fraction, Fraction] | None = None
        self.required = Fraction(0)


class _Rel:
    """A relation over cell indices: ``sum(coef * cell) <op> constant``."""

    __slots__ = ("coefs", "op", "constant", "label")

    def __init__(self, coefs: tuple[tuple[int, Fraction], ...], op: str, constant: Fraction, label: str) -> None:
        self.coefs = coefs
        self.op = op
        self.constant = constant
        self.label = label


class System:
    """All cells and relations of a set of tables, indexed for suppression and audit."""

    def __init__(self, tables: Sequence[Table], relations: Iterable[Relation], policy: DisclosurePolicy) -> None:
        self.policy = policy
        self.tables = tuple(sorted(tables, key=lambda t: t.name))
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError("table names must be unique")
        self.by_name = {t.name: t for t in self.tables}
        self.cells: list[_Cell] = []
        self.index: dict[CellRef, int] = {}
        for ti, table in enumerate(self.tables):
            for key in table.sorted_keys():
                ref = CellRef(table.name, key)
                if isinstance(table, CountTable):
                    kind, value, structural = COUNT, Fraction(table.cells[key]), key in table.all_structural_zeros
                elif isinstance(table, AmountTable):
                    kind, value, structural = AMOUNT, Fraction(table.cell_sum(key)), False
                else:
                    raise TypeError(f"not a table: {table!r}")
                order = (ti, key_sort_key(key, table.total))
                cell = _Cell(len(self.cells), ref, kind, value, margin_level(key, table.total), structural, order)
                if kind == COUNT:
                    cell.required = Fraction(policy.count_protection(table.cells[key]))
                else:
                    cell.n = len(table.cell_contributions[key])
                    cell.required = policy.amount_protection(value)
                self.index[ref] = cell.index
                self.cells.append(cell)
        #: cells secondary suppression never chooses (CountTable.always_published)
        self.always_published = frozenset(
            self.index[CellRef(t.name, key)]
            for t in self.tables
            if isinstance(t, CountTable)
            for key in t.always_published
        )
        self.coupled: dict[int, int] = {}
        for table in self.tables:
            if isinstance(table, AmountTable) and table.count_table is not None:
                self._couple(table)
        for table in self.tables:
            if isinstance(table, AmountTable):
                self._published_amount_bounds(table)
        self.relations: list[_Rel] = []
        for table in self.tables:
            for margin, summands in margin_relations(table.categories, table.total):
                coefs = [(self.index[CellRef(table.name, margin)], Fraction(-1))]
                coefs += [(self.index[CellRef(table.name, s)], Fraction(1)) for s in summands]
                self.relations.append(_Rel(tuple(coefs), "==", Fraction(0), f"margin {margin!r} of {table.name}"))
        extra = set(population_relations(self.tables)) | set(relations)
        for relation in sorted(extra, key=Relation.sort_key):
            self.relations.append(self._internal(relation))
        self._cache: dict[tuple[int, frozenset[int], frozenset[int]], tuple[Fraction, Fraction | None]] = {}
        self.relations_of: list[list[int]] = [[] for _ in self.cells]
        for r, rel in enumerate(self.relations):
            for i, _ in rel.coefs:
                self.relations_of[i].append(r)

    # -- construction helpers -------------------------------------------------

    def _couple(self, table: AmountTable) -> None:
        counts = self.by_name.get(table.count_table or "")
        if not isinstance(counts, CountTable):
            raise ValueError(f"table {table.name!r}: count_table {table.count_table!r} is not a given count table")
        if counts.dimensions != table.dimensions or set(counts.cells) != set(table.cell_contributions):
            raise ValueError(
                f"table {table.name!r}: count_table {counts.name!r} must have the same dimensions and cells"
            )
        for key, amounts in table.cell_contributions.items():
            if counts.cells[key] != len(amounts):
                raise ValueError(
                    f"table {table.name!r}, cell {key!r}: {len(amounts)} contributors, "
                    f"but {counts.name!r} counts {counts.cells[key]}"
                )
            self.coupled[self.index[CellRef(counts.name, key)]] = self.index[CellRef(table.name, key)]

    def _published_amount_bounds(self, table: AmountTable) -> None:
        unit = self.policy.rounding_unit
        half = Fraction(unit, 2)
        for key in table.sorted_keys():
            cell = self.cells[self.index[CellRef(table.name, key)]]
            lo, hi = Fraction(0), None
            if STATISTIC_SUM in table.statistics:
                r = round_amount(cell.value, unit)
                lo, hi = max(lo, r - half), r + half
            if STATISTIC_MEAN in table.statistics and cell.n > 0:
                m = round_amount(cell.value / cell.n, unit)
                lo = max(lo, cell.n * (m - half))
                hi = cell.n * (m + half) if hi is None else min(hi, cell.n * (m + half))
            assert hi is not None and lo <= cell.value <= hi
            cell.published_bounds = (lo, hi)

    def _internal(self, relation: Relation) -> _Rel:
        coefs = []
        for ref, coef in relation.terms:
            if ref not in self.index:
                raise ValueError(f"relation {relation.label or relation.terms!r}: unknown cell {ref}")
            coefs.append((self.index[ref], coef))
        lhs = sum((c * self.cells[i].value for i, c in coefs), Fraction(0))
        holds = lhs == relation.constant if relation.op == "==" else lhs <= relation.constant
        if not holds:
            raise ValueError(
                f"relation {relation.label or relation.terms!r} does not hold for the true values "
                f"({lhs} {relation.op} {relation.constant} is false)"
            )
        return _Rel(tuple(coefs), relation.op, relation.constant, relation.label)

    # -- queries ----------------------------------------------------------------

    def ref_index(self, ref: CellRef) -> int:
        """Index of a cell; KeyError names the unknown cell."""
        try:
            return self.index[ref]
        except KeyError:
            raise KeyError(f"unknown cell {ref}") from None

    def check_pattern(self, suppressed: set[int]) -> None:
        """Refuse patterns that publish a mean or sum next to a suppressed contributor count."""
        for count, amount in self.coupled.items():
            if count in suppressed and amount not in suppressed:
                raise ValueError(
                    f"cell {self.cells[amount].ref} is published while its contributor count "
                    f"{self.cells[count].ref} is suppressed"
                )
        for i in suppressed:
            if self.cells[i].structural:
                raise ValueError(f"cell {self.cells[i].ref} is a structural zero and cannot be suppressed")

    def intervals(self, suppressed: set[int], targets: Iterable[int]) -> dict[int, tuple[Fraction, Fraction | None]]:
        """Feasible interval of each target (a suppressed cell) given the published rest.

        An LP depends only on the unknown cells in the target's component and on
        which of them are suppressed (the others are published amounts, known to
        within rounding); every other cell in its relations is published. Results are
        cached on that signature and reused while the component does not change.
        """
        solver = _Solver(self, suppressed)
        frozen = frozenset(suppressed)
        out = {}
        for t in targets:
            members = solver.members(t)
            signature = (t, members, members & frozen)
            if signature not in self._cache:
                self._cache[signature] = solver.interval(t)
            out[t] = self._cache[signature]
        return out

    def is_protected(self, i: int, interval: tuple[Fraction, Fraction | None]) -> bool:
        """Whether a feasible interval is wide enough for cell ``i``."""
        lower, upper = interval
        if upper is None:
            return True
        return upper - lower >= self.cells[i].required


class _Solver:
    """LPs over the connected components of the unknown cells."""

    def __init__(self, system: System, suppressed: set[int]) -> None:
        self.system = system
        self.suppressed = suppressed
        cells = system.cells
        self.unknown = set(suppressed) | {c.index for c in cells if c.kind == AMOUNT}
        parent = {i: i for i in self.unknown}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for rel in system.relations:
            members = [i for i, _ in rel.coefs if i in self.unknown]
            for other in members[1:]:
                ra, rb = find(members[0]), find(other)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        self.component = {i: find(i) for i in self.unknown}
        grouped: dict[int, list[int]] = {}
        for i, root in self.component.items():
            grouped.setdefault(root, []).append(i)
        self.groups = {root: frozenset(members) for root, members in grouped.items()}
        self.cache: dict[int, tuple[Any, ...]] = {}

    def members(self, i: int) -> frozenset[int]:
        """The unknown cells in the component of ``i``."""
        return self.groups[self.component[i]]

    def _scale(self, i: int) -> float:
        return float(self.system.policy.rounding_unit) if self.system.cells[i].kind == AMOUNT else 1.0

    def _build(self, root: int) -> tuple[Any, ...]:
        system = self.system
        variables = sorted(self.groups[root])
        pos = {v: k for k, v in enumerate(variables)}
        eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
        seen: set[int] = set()
        for v in variables:
            for r in system.relations_of[v]:
                if r in seen:
                    continue
                seen.add(r)
                rel = system.relations[r]
                row = np.zeros(len(variables))
                rhs = rel.constant
                for i, coef in rel.coefs:
                    if i in pos:
                        row[pos[i]] += float(coef) * self._scale(i)
                    else:
                        rhs -= coef * system.cells[i].value
                norm = float(np.max(np.abs(row)))
                if norm == 0.0:
                    continue
                if rel.op == "==":
                    eq_rows.append(row / norm)
                    eq_rhs.append(float(rhs) / norm)
                else:
                    ub_rows.append(row / norm)
                    ub_rhs.append(float(rhs) / norm)
        bounds = []
        for v in variables:
            cell = system.cells[v]
            if v in self.suppressed or cell.published_bounds is None:
                bounds.append((0.0, None))
            else:
                lo, hi = cell.published_bounds
                scale = self._scale(v)
                bounds.append((float(lo) / scale, float(hi) / scale))
        a_eq = np.array(eq_rows) if eq_rows else None
        a_ub = np.array(ub_rows) if ub_rows else None
        return (pos, a_eq, np.array(eq_rhs) if eq_rows else None, a_ub, np.array(ub_rhs) if ub_rows else None, bounds)

    def interval(self, target: int) -> tuple[Fraction, Fraction | None]:
        root = self.component[target]
        if root not in self.cache:
            self.cache[root] = self._build(root)
        pos, a_eq, b_eq, a_ub, b_ub, bounds = self.cache[root]
        integral = np.array([self.system.cells[v].kind == COUNT for v in sorted(pos, key=pos.get)])
        objective = np.zeros(len(pos))
        values: list[float | None] = []
        for sign in (1.0, -1.0):
            if sign > 0 and self.system.cells[target].value == 0:
                values.append(0.0)  # the true value is feasible and nothing is below 0
                continue
            objective[:] = 0.0
            objective[pos[target]] = sign
            values.append(self._optimum(target, objective, integral, a_eq, b_eq, a_ub, b_ub, bounds))
        low, high = values
        assert low is not None
        cell = self.system.cells[target]
        if cell.kind == COUNT:
            lower = Fraction(max(0, math.ceil(low - _EPS)))
            upper = None if high is None else Fraction(math.floor(high + _EPS))
        else:
            # whole cents, rounded outward: solver round-off never narrows a reported interval
            lower = Fraction(max(0, math.floor(low * 100 - _EPS)), 100)
            upper = None if high is None else Fraction(math.ceil(high * 100 + _EPS), 100)
        return lower, upper

    def _optimum(
        self, target: int, objective: np.ndarray, integral: np.ndarray, a_eq: Any, b_eq: Any, a_ub: Any, b_ub: Any,
        bounds: list[tuple[float, float | None]],
    ) -> float | None:
        """Minimum of ``objective`` over the integer program (counts integral), in the target's unit; None if unbounded.

        The LP relaxation is solved first: when its optimal vertex is already integral in
        every count, it is the integer optimum too. Otherwise HiGHS solves the integer
        program to a zero gap.
        """
        sign = 1.0 if objective[objective != 0][0] > 0 else -1.0
        res = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status == 3:
            return None  # unbounded relaxation: counts are unbounded too (the system has rational data)
        if res.status != 0:
            raise RuntimeError(
                f"audit LP for {self.system.cells[target].ref} failed: {res.message} "
                "(the tables or relations are inconsistent)"
            )
        x = res.x[integral]
        if not integral.any() or np.all(np.abs(x - np.round(x)) <= _INTEGRAL):
            return sign * float(res.fun) * self._scale(target)
        constraints = []
        if a_ub is not None:
            constraints.append(LinearConstraint(a_ub, -np.inf, b_ub))
        if a_eq is not None:
            constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
        lower = np.array([b[0] for b in bounds], dtype=float)
        upper = np.array([np.inf if b[1] is None else b[1] for b in bounds], dtype=float)
        res = milp(
            objective, integrality=integral.astype(int), bounds=Bounds(lower, upper), constraints=constraints,
            options={"mip_rel_gap": 0.0},
        )
        if res.status != 0 or res.x is None:
            raise RuntimeError(
                f"audit integer program for {self.system.cells[target].ref} failed: {res.message} "
                "(the tables or relations are inconsistent)"
            )
        # a feasible integer point: the true extreme is at least this far out, so the interval is never overstated
        return sign * float(res.fun) * self._scale(target)


# ---------------------------------------------------------------------------
# the report


def _export(value: Fraction | None, kind: str) -> int | Decimal | None:
    if value is None:
        return None
    if kind == COUNT:
        return int(value)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


@attrs.frozen
class AuditEntry:
    """The audit of one suppressed cell. ``upper`` is None when unbounded.

    Contains true values: the report is confidential and must never be published.
    """

    table: str
    key: Key
    reason: str
    true_value: int | Decimal
    lower: int | Decimal
    upper: int | Decimal | None
    required_width: int | Decimal
    status: str

    @property
    def protected(self) -> bool:
        """Whether the interval is at least as wide as the protection level."""
        return self.status == AUDIT_PROTECTED

    @property
    def width(self) -> int | Decimal | None:
        """``upper - lower``, or None when unbounded."""
        return None if self.upper is None else self.upper - self.lower

    def describe(self) -> str:
        """One line naming table, cell, interval and protection level."""
        upper = "inf" if self.upper is None else str(self.upper)
        return (
            f"table {self.table!r}, cell {self.key!r} ({self.reason or 'suppressed'}): feasible interval "
            f"[{self.lower}, {upper}] of width {self.width}, protection level {self.required_width}: {self.status}"
        )

    def to_record(self) -> dict[str, Any]:
        """JSON-ready dict; amounts as strings."""

        def plain(v: int | Decimal | None) -> int | str | None:
            return str(v) if isinstance(v, Decimal) else v

        return {
            "table": self.table,
            "key": list(self.key),
            "reason": self.reason,
            "true_value": plain(self.true_value),
            "lower": plain(self.lower),
            "upper": plain(self.upper),
            "required_width": plain(self.required_width),
            "status": self.status,
        }


@attrs.frozen
class AuditReport:
    """Audit of every suppressed cell, in stable order (tables by name, keys in table order)."""

    entries: tuple[AuditEntry, ...]

    @property
    def ok(self) -> bool:
        """True when every suppressed cell is protected."""
        return all(e.protected for e in self.entries)

    def exposed(self) -> tuple[AuditEntry, ...]:
        """The entries that are not protected."""
        return tuple(e for e in self.entries if not e.protected)

    def entry(self, table: str, key: Key) -> AuditEntry:
        """The entry of one cell."""
        for e in self.entries:
            if e.table == table and e.key == tuple(key):
                return e
        raise KeyError(f"no audit entry for table {table!r}, cell {key!r}")

    def raise_if_exposed(self) -> None:
        """Raise :class:`DisclosureError` naming every exposed table and cell."""
        bad = self.exposed()
        if bad:
            lines = "; ".join(e.describe() for e in bad[:10])
            more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
            raise DisclosureError(f"{len(bad)} suppressed cell(s) can be recovered too closely: {lines}{more}")

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready list of entries, for storage next to (never inside) the publication."""
        return [e.to_record() for e in self.entries]


def build_report(system: System, suppressed: set[int], reasons: Mapping[int, str]) -> AuditReport:
    """Audit every suppressed cell of ``system``."""
    order = sorted(suppressed, key=lambda i: system.cells[i].order)
    intervals = system.intervals(suppressed, order)
    entries = []
    for i in order:
        cell = system.cells[i]
        interval = intervals[i]
        entries.append(
            AuditEntry(
                table=cell.ref.table,
                key=cell.ref.key,
                reason=reasons.get(i, ""),
                true_value=_export(cell.value, cell.kind),  # type: ignore[arg-type]
                lower=_export(interval[0], cell.kind),  # type: ignore[arg-type]
                upper=_export(interval[1], cell.kind),
                required_width=_export(cell.required, cell.kind),  # type: ignore[arg-type]
                status=AUDIT_PROTECTED if system.is_protected(i, interval) else AUDIT_EXPOSED,
            )
        )
    return AuditReport(entries=tuple(entries))


def audit(
    tables: Sequence[Table],
    suppressed: Mapping[CellRef, str] | Iterable[CellRef],
    relations: Iterable[Relation] = (),
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> AuditReport:
    """Audit any suppression pattern (it does not raise on exposure; see :meth:`AuditReport.raise_if_exposed`).

    ``suppressed`` is a set of cells, or a mapping cell -> reason (the reason is
    copied into the report). Margin relations and population relations are added
    to ``relations`` automatically.
    """
    system = System(tables, relations, policy)
    reasons = dict(suppressed) if isinstance(suppressed, Mapping) else {}
    indices = {system.ref_index(ref) for ref in suppressed}
    system.check_pattern(indices)
    return build_report(system, indices, {system.ref_index(r): s for r, s in reasons.items()})
