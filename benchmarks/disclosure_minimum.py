"""The fewest suppressed cells the disclosure rules allow, beside what `protect` suppresses.

    python -m benchmarks.disclosure_minimum --n 20000 [--ledger PATH] [--seed 2026]

Builds (or reuses) a synthetic ledger (`tests/support/publication_ledger.py`), reads its
statistics, builds the release's tables with `publication_tables(stats)`, runs `protect`
and then computes the exact minimum number of suppressed count cells for the same
tables, relations and rules.

The exact solver is a cut-generation integer program in the manner of Fischetti and
Salazar. One binary ``y_c`` per cell says whether it is suppressed; primary cells are 1,
structural zeros and always-published cells 0; a suppressed contributor count suppresses
its amount cell, and an implied zero is suppressed with all the empty margins that
imply it. Every suppressed cell needs its protection level, exactly as in `protect`.
The master program minimises the number of suppressed count cells (amount cells weigh
1/1000) under the cuts found so far. Each solution is checked: for every suppressed cell
``i``, two linear programs maximise and minimise its deviation over every table and
relation (the reader's LP). If the range is narrower than the level, the dual solutions
of the two LPs give a linear bound ``D(y)`` on that range that holds for every pattern
``y`` (weak duality: the dual stays feasible when the bounds ``-value*y_c <= z_c <= inf*y_c``
change), and the cut ``D(y) >= level * y_i`` is added. When no suppressed cell is
exposed, the pattern is optimal for the LP reader: the minimum for the LP reader is a
lower bound of the minimum for the integer reader (an integer reader knows more, so it
needs at least as many suppressions). The optimal pattern is then audited with the
integer program of `audit.publication.disclosure.audit`: when it passes, the lower bound
is attained and is the exact minimum for the integer reader too.

The LP reader here does not round counts inward, so it is weaker than `protect`'s
audit; its minimum is a valid lower bound either way.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import attrs
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

from audit.publication.disclosure import CellRef, audit, protect
from audit.publication.disclosure.engine import AMOUNT, COUNT, System
from audit.publication.disclosure.model import DEFAULT_POLICY, DisclosurePolicy
from audit.publication.disclosure.rules import implied_zeros, primary_suppression

#: An LP range this close to the level counts as reaching it.
_TOLERANCE = 1e-6
#: Weight of an amount cell in the objective (the measure is the number of count cells).
_AMOUNT_WEIGHT = 1e-3


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
        for c in cells:
            if c.kind == AMOUNT and c.published_bounds is not None:
                pass
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
    system: System, policy: DisclosurePolicy = DEFAULT_POLICY, time_limit: float = 600.0, progress: bool = False
) -> Minimum:
    """The fewest suppressed count cells for which every suppressed cell is protected against the LP reader."""
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
        elif c.structural or c.index in system.always_published:
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
    needs = np.array([c.required > 0 for c in cells])
    rounds = cuts = 0
    bound = None
    converged = True
    while True:
        rounds += 1
        constraints = [LinearConstraint(np.array(rows), np.array(row_lo), np.inf)] if rows else []
        left = max(1.0, time_limit - (time.perf_counter() - start))
        res = milp(weight, integrality=np.ones(n), bounds=Bounds(lo, hi), constraints=constraints,
                   options={"time_limit": left, "mip_rel_gap": 0.0})
        if res.x is None or res.status != 0:
            if res.status == 1 and bound is not None:  # out of time: the last finished round's bound stands
                converged = False
                break
            raise RuntimeError(f"master program: {res.message}")
        bound = res.fun
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
        if time.perf_counter() - start > time_limit:
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
    from audit.publication.disclosure.engine import build_report

    return build_report(system, set(suppressed), {}).ok


def measure(
    tables, relations, policy: DisclosurePolicy = DEFAULT_POLICY, progress: bool = False, time_limit: float = 600.0
) -> dict:
    """`protect` and the exact minimum for the same tables; the figures of the report."""
    t0 = time.perf_counter()
    result = protect(tables, relations, policy=policy)
    protect_seconds = time.perf_counter() - t0
    count_cells = [(t.name, c) for t in result.tables if t.kind == COUNT for c in t.cells]
    suppressed = sum(1 for _, c in count_cells if c.suppressed)
    system = System(tables, relations, policy)
    best = exact_minimum(system, policy, time_limit=time_limit, progress=progress)
    return {
        "count_cells": len(count_cells),
        "published_share": 1 - suppressed / len(count_cells),
        "suppressed": suppressed,
        "minimum": best.bound,
        "converged": best.converged,
        "ratio": suppressed / best.bound if best.bound else float("nan"),
        "protect_seconds": protect_seconds,
        "minimum_seconds": best.seconds,
        "rounds": best.rounds,
        "cuts": best.cuts,
        "minimum_integer_ok": best.integer_audit_ok,
        "minimum_pattern": sorted((system.cells[i].ref for i in best.suppressed), key=lambda r: (r.table, str(r.key))),
        "protect_pattern": sorted(result.suppressed, key=lambda r: (r.table, str(r.key))),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.disclosure_minimum", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="synthetic addresses (default 20000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--ledger", type=Path, help="reuse (or create) this ledger instead of a temporary one")
    parser.add_argument("--show", action="store_true", help="list both patterns")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds for the exact solver (default 600)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from audit.publication.statistics import ledger_statistics
    from audit.publication.tables import publication_tables
    from tests.support.publication_ledger import build

    with tempfile.TemporaryDirectory() as tmp:
        path = args.ledger or Path(tmp) / "ledger.db"
        if not path.exists():
            t0 = time.perf_counter()
            build(path, args.n, args.seed)
            print(f"built {path} ({args.n} addresses) in {time.perf_counter() - t0:.1f} s")
        conn = sqlite3.connect(path)
        try:
            stats = ledger_statistics(conn)
        finally:
            conn.close()
    release = publication_tables(stats)
    figures = measure(release.tables, release.relations, progress=True, time_limit=args.time_limit)
    print(f"tables: {len(release.tables)}, relations declared: {len(release.relations)}")
    print(f"count cells: {figures['count_cells']}")
    print(f"published share of count cells: {figures['published_share']:.1%}")
    print(f"suppressed count cells (protect): {figures['suppressed']}  in {figures['protect_seconds']:.1f} s")
    if figures["converged"]:
        print(
            f"exact minimum for the LP reader: {figures['minimum']} (a lower bound for the integer reader; "
            f"that pattern {'passes' if figures['minimum_integer_ok'] else 'fails'} the integer audit"
            + (", so it is the integer reader's minimum too)" if figures["minimum_integer_ok"] else ")")
        )
    else:
        print(f"lower bound on the minimum (LP reader, solver stopped at the time limit): {figures['minimum']}")
    print(f"  solver: {figures['minimum_seconds']:.1f} s, {figures['rounds']} rounds, {figures['cuts']} cuts")
    print(f"ratio protect / {'minimum' if figures['converged'] else 'lower bound'}: {figures['ratio']:.3f}")
    if args.show:
        for name in ("protect_pattern", "minimum_pattern"):
            by_table: dict[str, list] = {}
            for ref in figures[name]:
                by_table.setdefault(ref.table, []).append(ref.key)
            print(name)
            for table, keys in by_table.items():
                print(f"  {table} ({len(keys)}): {keys}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
