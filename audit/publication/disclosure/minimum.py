"""The fewest suppressed cells the disclosure rules allow (exact, for the LP reader).

Cut generation in the manner of Fischetti and Salazar. One binary ``y_c`` per cell says
whether it is suppressed; primary cells are 1, structural zeros 0, and always-published cells weigh
so much that they go only when no other pattern exists (as in :func:`.protect`); a suppressed contributor count suppresses its amount cell, and an implied zero
is suppressed with all the empty margins that imply it; a count alone in an equality is
given away. Every suppressed cell needs its protection level, as in :func:`.protect`.
The master program minimises the number of suppressed count cells (amount cells weigh
1/1000) under the cuts found so far. Each solution is checked: for every suppressed cell
``i``, two linear programs maximise and minimise its deviation over every table and
relation (the reader's LP). If the range is narrower than the level, the dual solutions
of the two LPs give a linear bound ``D(y)`` on that range that holds for every pattern
``y`` (weak duality: the dual stays feasible when the bounds ``-value*y_c <= z_c <= inf*y_c``
change), and the cut ``D(y) >= level * y_i`` is added. When no suppressed cell is
exposed, the pattern is optimal for the LP reader. That minimum is a lower bound of the
minimum for the integer reader (who knows more); when the optimal pattern also passes
the integer audit, it is the integer reader's minimum too. The LP reader here does not
round counts inward, so it is weaker than the audit; the bound holds either way.

:func:`.protect` uses it on small relation-connected groups of cells, after the
heuristic, and keeps its pattern only when it is smaller and passes the integer audit.
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction

import attrs
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

from audit.publication.disclosure.engine import AMOUNT, COUNT, System, build_report
from audit.publication.disclosure.model import DEFAULT_POLICY, DisclosurePolicy
from audit.publication.disclosure.rules import implied_zeros, primary_suppression

#: An LP range this close to the level counts as reaching it.
_TOLERANCE = 1e-6
#: Weight of an amount cell in the objective (the measure is the number of count cells).
_AMOUNT_WEIGHT = 1e-3
#: Weight of an always-published cell: more than every other cell together, so it goes only when nothing else can.
_LAST_RESORT_WEIGHT = 1e4


@attrs.frozen
class Minimum:
    """The optimal pattern for the LP reader (or, out of time, the last master pattern), and what it took.

    ``bound`` is a lower bound on the number of suppressed count cells (the minimum itself
    when ``converged``).
    """

    suppressed: frozenset[int]
    count_cells: int
    bound: int
    converged: bool
    rounds: int
    cuts: int
    seconds: float
    integer_audit_ok: bool


class _Reader:
    """The reader's LP over deviations from the true tables, for any suppression pattern."""

    def __init__(self, system: System) -> None:
        self.system = system
        cells = system.cells
        n = len(cells)
        self.scale = np.array([float(system.policy.rounding_unit) if c.kind == AMOUNT else 1.0 for c in cells])
        value = np.array([float(c.value) for c in cells]) / self.scale
        self.value = value
        eq_rows, ub_rows, slack = [], [], []
        for rel in system.relations:
            row = np.zeros(n)
            for i, coef in rel.coefs:
                row[i] += float(coef) * self.scale[i]
            norm = float(np.max(np.abs(row)))
            if rel.op == "==":
                eq_rows.append(row / norm)
            else:
                rest = rel.constant - sum((coef * cells[i].value for i, coef in rel.coefs), Fraction(0))
                ub_rows.append(row / norm)
                slack.append(float(rest) / norm)
        self.a_eq = csr_matrix(np.array(eq_rows)) if eq_rows else None
        self.a_ub = csr_matrix(np.array(ub_rows)) if ub_rows else None
        self.slack = np.array(slack)
        # bounds of a published cell's deviation (a count: none; an amount: its rounding)
        self.pub_lo = np.zeros(n)
        self.pub_hi = np.zeros(n)
        for c in cells:
            if c.published_bounds is not None:
                lo, hi = (float(b) / self.scale[c.index] for b in c.published_bounds)
                self.pub_lo[c.index], self.pub_hi[c.index] = lo - value[c.index], hi - value[c.index]
        self.floor_lo = -value  # a suppressed cell can fall to 0
        self.structural = np.array([c.structural for c in cells])
        self.width = np.array([float(c.required) for c in cells]) / self.scale

    def bounds(self, pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lower = np.where(pattern, self.floor_lo, self.pub_lo)
        upper = np.where(pattern, np.inf, self.pub_hi)
        lower[self.structural] = upper[self.structural] = 0.0
        return lower, upper

    def range_and_cut(self, target: int, pattern: np.ndarray) -> tuple[float, tuple[float, np.ndarray] | None]:
        """The LP range of ``target`` and, when it is too narrow, the cut ``const + coef . y >= width * y_target``."""
        lower, upper = self.bounds(pattern)
        n = len(self.value)
        const, coef, extent = 0.0, np.zeros(n), 0.0
        w = self.width[target]
        for sign in (-1.0, 1.0):  # max z_t, then min z_t
            c = np.zeros(n)
            c[target] = sign
            res = linprog(c, A_ub=self.a_ub, b_ub=self.slack if self.a_ub is not None else None, A_eq=self.a_eq,
                          b_eq=np.zeros(self.a_eq.shape[0]) if self.a_eq is not None else None,
                          bounds=np.column_stack([lower, upper]), method="highs")
            if res.status == 3:
                return float("inf"), None
            if res.status != 0:
                raise RuntimeError(f"reader LP for {self.system.cells[target].ref}: {res.message}")
            extent += -res.fun  # max z_t, and -min z_t
            mu = res.ineqlin.marginals if self.a_ub is not None else np.zeros(0)
            mu = np.minimum(mu, 0.0)
            reduced = c.copy()
            if self.a_eq is not None:
                reduced -= self.a_eq.T @ res.eqlin.marginals
            if self.a_ub is not None:
                reduced -= self.a_ub.T @ mu
            # bound on the extent: -slack.mu - l(y).max(d,0) - u(y).min(d,0), every term >= 0
            const += float(-(self.slack @ mu)) if self.a_ub is not None else 0.0
            at_lower = np.maximum(reduced, 0.0)
            at_upper = np.maximum(-reduced, 0.0)
            # -l(y) = -pub_lo + (pub_lo - floor_lo) * y ; u(y) = pub_hi + inf * y  (structural cells: 0)
            movable = ~self.structural
            const += float(np.sum((at_lower * -self.pub_lo + at_upper * self.pub_hi)[movable]))
            coef += np.where(movable, at_lower * (self.pub_lo - self.floor_lo), 0.0)
            coef += np.where(movable & (at_upper > _TOLERANCE), w, 0.0)
        if extent >= w - _TOLERANCE:
            return extent, None
        return extent, (const, np.minimum(coef, w))


def exact_minimum(
    system: System,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    time_limit: float = 600.0,
    progress: bool = False,
    max_rounds: int | None = None,
    node_limit: int | None = None,
    fixed: dict[int, bool] | None = None,
) -> Minimum:
    """The fewest suppressed count cells for which every suppressed cell is protected against the LP reader.

    ``fixed`` pins cells suppressed (True) or published (False): the minimum of a neighbourhood.
    ``max_rounds`` and ``node_limit`` (branch-and-bound nodes per master program) bound the
    work independently of the machine's speed, so that a caller gets the same answer everywhere.
    """
    start = time.perf_counter()
    cells = system.cells
    n = len(cells)
    reader = _Reader(system)
    primary = {system.ref_index(r) for r in primary_suppression(system.tables, policy)}
    implied = {
        system.ref_index(z): [system.ref_index(m) for m in margins]
        for z, margins in implied_zeros(system.tables, policy).items()
    }
    lo = np.zeros(n)
    hi = np.ones(n)
    for c in cells:
        if c.index in primary:
            lo[c.index] = 1
        elif fixed is not None and c.index in fixed:
            lo[c.index] = hi[c.index] = float(fixed[c.index])
        elif c.structural:
            hi[c.index] = 0
    rows, row_lo = [], []
    for count, amount in system.coupled.items():  # y_amount >= y_count
        row = np.zeros(n)
        row[amount], row[count] = 1, -1
        rows.append(row)
        row_lo.append(0.0)
    for zero, margins in implied.items():  # y_zero >= sum(y_m) - (k - 1)
        if margins:
            row = np.zeros(n)
            row[zero] = 1
            row[margins] = -1
            rows.append(row)
            row_lo.append(1.0 - len(margins))
    for rel in system.relations:  # a count alone in an equality is given away by subtraction
        if rel.op != "==":
            continue
        members = [i for i, _ in rel.coefs if hi[i] > 0]
        for i in members:
            if cells[i].kind == COUNT and cells[i].required > 0:
                row = np.zeros(n)
                row[members] = 1
                row[i] = -1  # sum of the others >= y_i
                rows.append(row)
                row_lo.append(0.0)
    weight = np.array([1.0 if c.kind == COUNT else _AMOUNT_WEIGHT for c in cells])
    # An always-published cell is suppressed only as a last resort, as in `protect`: when no other pattern exists.
    last_resort = np.array([c.index in system.always_published and hi[c.index] > 0 for c in cells])
    weight[last_resort] = _LAST_RESORT_WEIGHT
    needs = np.array([c.required > 0 for c in cells])
    rounds = cuts = 0
    bound = None
    converged = True
    while True:
        rounds += 1
        constraints = [LinearConstraint(np.array(rows), np.array(row_lo), np.inf)] if rows else []
        left = max(1.0, time_limit - (time.perf_counter() - start))
        res = milp(weight, integrality=np.ones(n), bounds=Bounds(lo, hi), constraints=constraints,
                   options={"time_limit": left, "mip_rel_gap": 0.0,
                            **({"node_limit": node_limit} if node_limit is not None else {})})
        if res.x is None or res.status != 0:
            if res.status == 1:  # out of time or nodes: the last finished round's bound stands
                converged = False
                if bound is None:
                    bound, pattern = 0.0, lo > 0.5
                break
            raise RuntimeError(f"master program: {res.message}")
        bound = res.fun - (_LAST_RESORT_WEIGHT - 1.0) * float(np.round(res.x[last_resort]).sum())
        pattern = res.x > 0.5
        new = 0
        for i in np.flatnonzero(pattern & needs):
            _, cut = reader.range_and_cut(int(i), pattern)
            if cut is None:
                continue
            const, coef = cut
            row = coef.copy()
            row[i] -= reader.width[i]
            rows.append(row)
            row_lo.append(-const)
            new += 1
        cuts += new
        if progress:
            print(f"  round {rounds}: {int(round(res.fun))} count cells, {new} new cuts, "
                  f"{time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        if not new:
            break
        if time.perf_counter() - start > time_limit or (max_rounds is not None and rounds >= max_rounds):
            converged = False
            break
    suppressed = frozenset(int(i) for i in np.flatnonzero(pattern))
    return Minimum(
        suppressed=suppressed,
        count_cells=sum(1 for i in suppressed if cells[i].kind == COUNT),
        bound=int(np.ceil(bound - 1e-6)),
        converged=converged,
        rounds=rounds,
        cuts=cuts,
        seconds=time.perf_counter() - start,
        integer_audit_ok=converged and _integer_ok(system, suppressed),
    )


def _integer_ok(system: System, suppressed: frozenset[int]) -> bool:
    """Whether the pattern passes the integer audit of the engine (same system, same relations)."""
    return build_report(system, set(suppressed), {}).ok
