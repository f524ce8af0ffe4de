"""Which cells to suppress so that one suppressed cell gets the room it needs (linear programs).

A suppressed cell ``t`` with true value ``a_t`` is protected when its feasible
interval is at least ``w`` wide. Two *deviations* of the true tables show such an
interval: vectors ``y`` (up) and ``y'`` (down) such that ``a + y`` and ``a + y'``
are tables the reader cannot rule out, with ``y_t - y'_t >= w``. A deviation
keeps every relation (equalities exactly, inequalities within their slack),
keeps every value non-negative, keeps structural zeros at 0, keeps a published
amount within its rounding interval, and moves a published count only by
suppressing it. The cells a pair of deviations moves, once suppressed, guarantee
the interval ``[a_t + y'_t, a_t + y_t]`` (counts: rounded inward), and
suppressing more cells keeps that guarantee. The set of moved cells is the
*witness* of the protection of ``t``.

:meth:`Planner.plan` finds the pair of least cost (the classic LP heuristic for
secondary suppression): moving a published cell costs its weight per unit of
deviation, and the published cells that move are the ones to suppress. Every
cell weighs 1, so the cost is about the number of cells moved times the width;
an amount cell is priced per average contribution, so that moving a sum by one
contribution costs about as much as moving a count by one. Moving a cell that
is already suppressed costs a thousandth of that, which keeps witnesses small.
Because the LP prices a move per unit rather than per cell, its solution can
spread over more cells than needed; the plan is solved again with weights
divided by how far each cell moved (reweighted L1), and the cheapest of the
supports found is kept.

:meth:`Planner.check` asks whether a pattern protects ``t`` with no published
cell moving, and returns a new witness.

Each relation-connected set of cells gets one LP, built once; a plan only
changes its bounds, its costs and the row for the target. Everything is
deterministic: HiGHS solves the same LP the same way, and the variables are in
the fixed cell order.
"""

from __future__ import annotations

import math
from collections.abc import Set
from fractions import Fraction

import attrs
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csc_matrix, csr_matrix, vstack

from audit.publication.disclosure.engine import AMOUNT, COUNT, System

#: Deviations below this share of the width are LP round-off.
_TOLERANCE = 1e-6
#: Variables per cell and deviation: the move within a published amount's rounding, the move up, the move down.
_FREE, _UP, _DOWN = 0, 1, 2
#: Weight of moving an already suppressed cell, relative to a published one.
_SUPPRESSED_WEIGHT = 1e-3
#: Extra LPs of the reweighted plan.
_REWEIGHTS = 2
#: Added to a cell's move (relative to the width) when reweighting: small moves get large weights.
_REWEIGHT_FLOOR = 0.1
#: A count move this close to a whole number is whole.
_INTEGRAL = 1e-7
#: Seconds for one integer plan; its best whole-count deviations so far are a valid witness.
_INTEGER_TIME_LIMIT = 10.0


@attrs.frozen
class Plan:
    """Published cells to suppress, the witness (every cell the deviations move), and whether it is enough.

    ``reaches`` is False when the interval falls short of the width once a
    count's LP bounds are rounded inward (by at most 2).
    """

    added: tuple[int, ...]
    moved: frozenset[int]
    reaches: bool


class _Component:
    """The cells one LP covers (connected by relations) and the LP rows they share."""

    def __init__(self, system: System, cells: list[int]) -> None:
        self.cells = cells
        self.pos = {c: k for k, c in enumerate(cells)}
        self.width = 3 * len(cells)  # variables of one deviation
        eq: list[tuple[list[int], list[float]]] = []
        ub: list[tuple[list[int], list[float]]] = []
        ub_rhs: list[float] = []
        seen: set[int] = set()
        for c in cells:
            for r in system.relations_of[c]:
                if r in seen:
                    continue
                seen.add(r)
                rel = system.relations[r]
                cols, vals = [], []
                for i, coef in rel.coefs:
                    if i not in self.pos:  # a structural zero never moves
                        continue
                    scaled = float(coef) * _scale(system, i)
                    for part, sign in ((_FREE, 1.0), (_UP, 1.0), (_DOWN, -1.0)):
                        cols.append(3 * self.pos[i] + part)
                        vals.append(sign * scaled)
                if not cols:
                    continue
                norm = max(abs(v) for v in vals)
                vals = [v / norm for v in vals]
                if rel.op == "==":
                    eq.append((cols, vals))
                else:
                    slack = rel.constant - sum((coef * system.cells[i].value for i, coef in rel.coefs), Fraction(0))
                    ub.append((cols, vals))
                    ub_rhs.append(float(slack) / norm)
        self.a_eq = _doubled(eq, self.width)
        self.b_eq = None if self.a_eq is None else np.zeros(self.a_eq.shape[0])
        self.a_ub = _doubled(ub, self.width)
        self.b_ub = np.array(ub_rhs + ub_rhs)
        # bounds that do not depend on the pattern: the rounding of published amounts, and values >= 0
        self.free_lower = np.zeros(self.width)
        self.free_upper = np.zeros(self.width)
        self.floor = np.zeros(len(cells))
        #: the columns of count moves (both deviations): integral, so that a deviation is a table of whole counts
        self.integral = np.zeros(2 * self.width, dtype=bool)
        for k, i in enumerate(cells):
            if system.cells[i].kind == COUNT:
                for shift in (0, self.width):
                    self.integral[[shift + 3 * k + _UP, shift + 3 * k + _DOWN]] = True
            cell = system.cells[i]
            value = float(cell.value) / _scale(system, i)
            self.floor[k] = value
            if cell.published_bounds is not None:
                lo, hi = (float(b) / _scale(system, i) for b in cell.published_bounds)
                self.free_lower[3 * k + _FREE], self.free_upper[3 * k + _FREE] = lo - value, hi - value
                self.floor[k] = lo


def _scale(system: System, i: int) -> float:
    return float(system.policy.rounding_unit) if system.cells[i].kind == AMOUNT else 1.0


def _rows_over(matrix: csc_matrix, columns: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
    """The rows of ``matrix`` restricted to ``columns``, without the rows that become empty; and their indices."""
    sub = matrix[:, columns].tocsr()
    kept = np.flatnonzero(np.diff(sub.indptr))
    return sub[kept], kept


def _doubled(rows: list[tuple[list[int], list[float]]], width: int) -> csc_matrix | None:
    """The same rows for the deviation up (first block of columns) and the deviation down (second block)."""
    if not rows:
        return None
    data, indices, indptr = [], [], [0]
    for shift in (0, width):
        for cols, vals in rows:
            indices.extend(c + shift for c in cols)
            data.extend(vals)
            indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(2 * len(rows), 2 * width)).tocsc()


class Planner:
    """Cheapest suppressions, and witnesses, for the protection of single cells of a :class:`System`."""

    def __init__(self, system: System) -> None:
        self.system = system
        movable = [c.index for c in system.cells if not c.structural]
        parent = {i: i for i in movable}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for rel in system.relations:
            members = [i for i, _ in rel.coefs if i in parent]
            for other in members[1:]:
                ra, rb = find(members[0]), find(other)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        grouped: dict[int, list[int]] = {}
        for i in movable:
            grouped.setdefault(find(i), []).append(i)
        self._roots = {i: find(i) for i in movable}
        self._members = grouped
        self._components: dict[int, _Component] = {}
        self._weights = {i: self._weight(i) for i in movable}

    def groups(self) -> list[list[int]]:
        """The relation-connected groups of movable cells, in cell order."""
        return sorted((sorted(m) for m in self._members.values()), key=lambda m: m[0])

    def _weight(self, i: int) -> float:
        """Cost of moving cell ``i`` by one unit (a count, or one rounding unit of an amount)."""
        cell = self.system.cells[i]
        if cell.kind == COUNT:
            return 1.0
        unit = self.system.policy.rounding_unit
        if cell.n and cell.value:
            return unit / float(cell.value / cell.n)
        table = [c for c in self.system.cells if c.ref.table == cell.ref.table and c.level == 0 and c.n]
        total = sum((c.value for c in table), Fraction(0))
        contributions = sum(c.n for c in table)
        return unit / float(total / contributions) if total else 1.0

    def _component(self, i: int) -> _Component:
        root = self._roots[i]
        if root not in self._components:
            self._components[root] = _Component(self.system, self._members[root])
        return self._components[root]

    def plan(
        self, target: int, suppressed: Set[int], width: Fraction, *, keep_public: bool = True, whole: bool = False
    ) -> Plan | None:
        """The cheapest published cells whose suppression gives ``target`` an interval of ``width``.

        ``width`` is in the cell's own unit (a count, or euros). Returns None when
        no pattern can (the cell is pinned by relations and structural zeros), and
        a plan whose ``added`` is empty when the suppressed cells already suffice.
        Always-published cells never move unless ``keep_public`` is False (used only
        to name them when protection is impossible without them). With ``whole``, counts
        move by whole numbers only (an integer program when the LP's moves are
        fractional), so the witness holds for the integer reader too.
        A count's interval is rounded inward, so a plan can fall short of
        ``width`` by up to 2 (see :attr:`Plan.reaches`).
        """
        comp = self._component(target)
        lower, upper, weights = self._bounds(comp, suppressed, movable=True, keep_public=keep_public)
        base = weights
        need = float(width) / _scale(self.system, target)
        best: tuple[tuple[bool, float, int], Plan] | None = None
        for _ in range(1 + _REWEIGHTS):
            x = self._solve(comp, target, width, lower, upper, weights, whole)
            if x is None:
                return None
            shift = self._shift(comp, x)
            moved = [comp.cells[k] for k in np.flatnonzero(shift > _TOLERANCE * max(1.0, need))]
            added = tuple(i for i in moved if i not in suppressed)
            plan = Plan(added, frozenset(moved), self._reaches(comp, target, x))
            score = (not plan.reaches, sum(self._weights[i] for i in added), len(added))
            if best is None or score < best[0]:
                best = (score, plan)
            if not added:
                break
            per_cell = base[_UP::3] / (shift / need + _REWEIGHT_FLOOR)
            weights = base.copy()
            weights[_UP::3] = np.where(base[_UP::3] > 0, per_cell, 0.0)
            weights[_DOWN::3] = weights[_UP::3]
        assert best is not None
        return best[1]

    def check(
        self, target: int, suppressed: Set[int], width: Fraction, *, whole: bool = False
    ) -> frozenset[int] | None:
        """A witness that ``suppressed`` alone gives ``target`` its protection level, or None.

        The LP asks for ``width`` (the protection level, or more after a plan fell
        short). When its cheapest deviations fall short after a count's rounding,
        the exact audit decides, and the witness is every suppressed cell tied to
        ``target``.
        """
        comp = self._component(target)
        lower, upper, weights = self._bounds(comp, suppressed, movable=False)
        x = self._solve(comp, target, width, lower, upper, weights, whole)
        if x is None:
            return None
        if not self._reaches(comp, target, x):
            pattern = set(suppressed)
            if not self.system.is_protected(target, self.system.intervals(pattern, [target])[target]):
                return None
            return frozenset(i for i in comp.cells if i in pattern)
        need = float(width) / _scale(self.system, target)
        shift = self._shift(comp, x)
        return frozenset(comp.cells[k] for k in np.flatnonzero(shift > _TOLERANCE * max(1.0, need)))

    def _reaches(self, comp: _Component, target: int, x: np.ndarray) -> bool:
        """Whether the deviations ``x`` give ``target`` its protection level after the audit's rounding."""
        k = 3 * comp.pos[target]
        up = x[k + _FREE] + x[k + _UP] - x[k + _DOWN]
        k += comp.width
        down = x[k + _FREE] + x[k + _UP] - x[k + _DOWN]
        cell = self.system.cells[target]
        if cell.kind == COUNT:
            value = int(cell.value)
            return math.floor(value + up + 1e-6) - max(0, math.ceil(value + down - 1e-6)) >= cell.required
        return (up - down) * _scale(self.system, target) >= float(cell.required) * (1 + 1e-9)

    def _bounds(
        self, comp: _Component, suppressed: Set[int], movable: bool, keep_public: bool = True
    ) -> tuple[np.ndarray, ...]:
        lower = comp.free_lower.copy()
        upper = comp.free_upper.copy()
        weights = np.zeros(comp.width)
        for k, i in enumerate(comp.cells):
            is_suppressed = i in suppressed
            if is_suppressed or (movable and not (keep_public and i in self.system.always_published)):
                upper[3 * k + _UP] = np.inf
                upper[3 * k + _DOWN] = comp.floor[k]
                weight = self._weights[i] * (_SUPPRESSED_WEIGHT if is_suppressed else 1.0)
                weights[3 * k + _UP] = weights[3 * k + _DOWN] = weight
        return lower, upper, weights

    def _solve(
        self,
        comp: _Component,
        target: int,
        width: Fraction,
        lower: np.ndarray,
        upper: np.ndarray,
        weights: np.ndarray,
        whole: bool = False,
    ) -> np.ndarray | None:
        """Cheapest pair of deviations with ``y_t - y'_t >= width``: both deviations side by side, or None."""
        lower = np.concatenate([lower, lower])
        upper = np.concatenate([upper, upper])
        # the target row y_t - y'_t >= width, written as y'_t - y_t <= -width
        k = comp.pos[target]
        cols = [3 * k + _FREE, 3 * k + _UP, 3 * k + _DOWN]
        target_row = np.zeros(2 * comp.width)
        target_row[cols] = [-1.0, -1.0, 1.0]
        target_row[[comp.width + c for c in cols]] = [1.0, 1.0, -1.0]
        # variables fixed at 0 (a count has no rounding; a published count does not move in a check) are left out
        active = np.flatnonzero((upper > lower) | (target_row != 0))
        a_ub = target_row[active][np.newaxis, :]
        b_ub = np.array([-float(width) / _scale(self.system, target)])
        if comp.a_ub is not None:
            rows, rhs = _rows_over(comp.a_ub, active)
            a_ub = vstack([csr_matrix(rows), csr_matrix(a_ub)], format="csr") if rows.shape[0] else csr_matrix(a_ub)
            b_ub = np.concatenate([comp.b_ub[rhs], b_ub])
        a_eq = b_eq = None
        if comp.a_eq is not None:
            rows, kept = _rows_over(comp.a_eq, active)
            if rows.shape[0]:
                a_eq, b_eq = rows, comp.b_eq[kept]
        costs = np.concatenate([weights, weights])[active]
        result = linprog(
            costs,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=np.column_stack([lower[active], upper[active]]),
            method="highs",
        )
        if result.status == 2:
            return None
        if result.status != 0:
            raise RuntimeError(f"suppression LP for {self.system.cells[target].ref} failed: {result.message}")
        solution = result.x
        integral = comp.integral[active]
        moves = solution[integral]
        if whole and np.any(np.abs(moves - np.round(moves)) > _INTEGRAL):
            solution = self._solve_integral(
                target, costs, integral, a_ub, b_ub, a_eq, b_eq, lower[active], upper[active]
            )
            if solution is None:
                return None
        x = np.zeros(2 * comp.width)
        x[active] = solution
        return x

    def _solve_integral(
        self, target: int, costs: np.ndarray, integral: np.ndarray, a_ub: object, b_ub: np.ndarray, a_eq: object,
        b_eq: object, lower: np.ndarray, upper: np.ndarray,
    ) -> np.ndarray | None:
        """The same deviations with whole counts (an integer program), or None when there are none.

        A deviation of whole counts is a table the integer reader cannot rule out, so the
        cells it moves are a witness for the integer audit too. Usually the LP vertex is
        integral already and this is not needed.
        """
        constraints = [LinearConstraint(a_ub, -np.inf, b_ub)]
        if a_eq is not None:
            constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
        result = milp(
            costs, integrality=integral.astype(int),
            bounds=Bounds(lower, upper), constraints=constraints,
            options={"time_limit": _INTEGER_TIME_LIMIT, "mip_rel_gap": 1e-3},
        )
        if result.status == 2:
            return None
        if result.x is None:
            raise RuntimeError(f"suppression integer program for {self.system.cells[target].ref}: {result.message}")
        return np.asarray(result.x)

    @staticmethod
    def _shift(comp: _Component, x: np.ndarray) -> np.ndarray:
        """How far each cell moves, up and down parts of both deviations together."""
        moves = np.abs(x[: comp.width]) + np.abs(x[comp.width :])
        return moves[_UP::3] + moves[_DOWN::3]
