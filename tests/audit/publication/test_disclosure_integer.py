"""The integer-program audit, always-published cells and structural zeros.

The reference attacker here is written independently of the engine: one integer
program over every cell of every table (published cells fixed, suppressed ones free
integers), solved with ``scipy.optimize.milp``, and its LP relaxation with
``scipy.optimize.linprog``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from audit.publication.disclosure import (
    AUDIT_EXPOSED,
    STATUS_PUBLISHED,
    TOTAL,
    CellRef,
    CountTable,
    DisclosureError,
    DisclosurePolicy,
    Relation,
    audit,
    margin_relations,
    protect,
)

#: Counts of 1 and 2 are primary; every suppressed count needs an interval of width 3.
POLICY = DisclosurePolicy(threshold=3, protection_fraction=0)


def _parity_tables(always_published: bool = True):
    """x = 2u and x = 3w + 1: x is even and one more than a multiple of 3 (true x = 4)."""
    marked = [(TOTAL,)] if always_published else []
    a = CountTable.from_interior("a", ("k",), {("x",): 4, ("y",): 6}, always_published=marked)
    b = CountTable.from_interior("b", ("k",), {("u",): 2, ("v",): 20}, always_published=marked)
    c = CountTable.from_interior("c", ("k",), {("w",): 1, ("s",): 30}, always_published=marked)
    relations = [
        Relation(terms=[(a.ref("x"), 1), (b.ref("u"), -2)], label="x = 2u"),
        Relation(terms=[(a.ref("x"), 1), (c.ref("w"), -3)], constant=1, label="x = 3w + 1"),
    ]
    return [a, b, c], relations


def _reference_intervals(tables, relations, suppressed, integer):
    """Min and max of every suppressed cell, over all cells at once (independent of the engine)."""
    refs = [CellRef(t.name, k) for t in tables for k in t.cells]
    col = {r: i for i, r in enumerate(refs)}
    value = {CellRef(t.name, k): v for t in tables for k, v in t.cells.items()}
    rows, lo, hi = [], [], []

    def add(terms, op, constant):
        row = np.zeros(len(refs))
        for ref, coef in terms:
            row[col[ref]] += float(coef)
        rows.append(row)
        lo.append(-np.inf if op == "<=" else float(constant))
        hi.append(float(constant))

    for t in tables:
        for margin, summands in margin_relations(t.categories):
            add([(CellRef(t.name, margin), -1)] + [(CellRef(t.name, s), 1) for s in summands], "==", 0)
    for rel in relations:
        add(rel.terms, rel.op, rel.constant)
    lower = np.array([0.0 if r in suppressed else float(value[r]) for r in refs])
    upper = np.array([np.inf if r in suppressed else float(value[r]) for r in refs])
    a = np.array(rows)
    out = {}
    for ref in suppressed:
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(refs))
            c[col[ref]] = sign
            if integer:
                res = milp(c, integrality=np.ones(len(refs)), bounds=Bounds(lower, upper),
                           constraints=[LinearConstraint(a, lo, hi)], options={"mip_rel_gap": 0})
            else:
                a_ub = np.vstack([a, -a])
                b_ub = np.concatenate([np.array(hi), -np.array(lo)])
                keep = np.isfinite(b_ub)
                res = linprog(c, A_ub=a_ub[keep], b_ub=b_ub[keep], bounds=np.column_stack([lower, upper]),
                              method="highs")
            ends.append(None if res.status == 3 else sign * res.fun)
        low, high = ends
        out[ref] = (math.ceil(low - 1e-6), None if high is None else math.floor(high + 1e-6))
    return out


def test_the_integer_audit_narrows_a_cell_the_lp_relaxation_calls_protected():
    tables, relations = _parity_tables()
    a, b, c = tables
    pattern = [a.ref("x"), a.ref("y"), b.ref("u"), b.ref("v"), c.ref("w"), c.ref("s")]
    relaxed = _reference_intervals(tables, relations, set(pattern), integer=False)
    # The LP relaxation (rounded inward, as the old audit did) protects every cell: widths >= 3.
    assert all(high - low >= 3 for low, high in relaxed.values())
    assert relaxed[c.ref("w")] == (0, 3)
    report = audit(tables, pattern, relations, policy=POLICY)
    # Integers: x is 4 or 10, so w is 1 or 3 and s is 30 or 28.
    w, s = report.entry("c", ("w",)), report.entry("c", ("s",))
    assert (w.lower, w.upper, w.status) == (1, 3, AUDIT_EXPOSED)
    assert (s.lower, s.upper, s.status) == (28, 30, AUDIT_EXPOSED)
    assert not report.ok
    exact = _reference_intervals(tables, relations, set(pattern), integer=True)
    assert {ref: (e.lower, e.upper) for ref in pattern for e in [report.entry(ref.table, ref.key)]} == exact


def test_when_only_integer_reasoning_pins_the_cell_an_always_published_total_goes_as_a_last_resort():
    # The six-cell pattern above passes the LP audit; with the totals always published it is the only
    # candidate that keeps them, and the integer audit shows it leaves w (and s = 31 - w) within 2. So protect
    # suppresses a total after all, says so, and the integer audit passes.
    tables, relations = _parity_tables(always_published=True)
    result = protect(tables, relations, policy=POLICY)
    assert result.audit.ok
    assert result.suppressed_always_published
    assert all(ref.key == (TOTAL,) for ref in result.suppressed_always_published)
    exact = _reference_intervals(tables, relations, set(result.suppressed), integer=True)
    assert all(high is None or high - low >= 3 for low, high in exact.values())


def test_protect_suppresses_more_until_the_integer_audit_passes():
    tables, relations = _parity_tables(always_published=False)
    result = protect(tables, relations, policy=POLICY)
    assert result.audit.ok
    suppressed = set(result.suppressed)
    assert {CellRef("b", ("u",)), CellRef("c", ("w",))} <= suppressed
    exact = _reference_intervals(tables, relations, suppressed, integer=True)
    for ref, (low, high) in exact.items():
        entry = result.audit.entry(ref.table, ref.key)
        assert (entry.lower, entry.upper) == (low, high)
        assert high is None or high - low >= 3


def test_lp_vertex_shortcut_agrees_with_the_integer_program_on_margin_tables():
    # A 3x3 table: the LP vertex is integral, so the audit takes the shortcut; the result must be the MILP's.
    counts = {("r1", "c1"): 4, ("r1", "c2"): 11, ("r1", "c3"): 12, ("r2", "c1"): 13, ("r2", "c2"): 2,
              ("r2", "c3"): 15, ("r3", "c1"): 16, ("r3", "c2"): 17, ("r3", "c3"): 18}
    table = CountTable.from_interior("t", ("r", "c"), counts)
    result = protect([table], policy=DisclosurePolicy())
    suppressed = set(result.suppressed)
    exact = _reference_intervals([table], [], suppressed, integer=True)
    assert {r: (result.audit.entry(r.table, r.key).lower, result.audit.entry(r.table, r.key).upper)
            for r in suppressed} == exact


# --- always published ----------------------------------------------------------------------------


def _grid(always):
    counts = {("a", "p"): 3, ("a", "q"): 40, ("a", "r"): 50, ("b", "p"): 30, ("b", "q"): 45, ("b", "r"): 60,
              ("c", "p"): 35, ("c", "q"): 55, ("c", "r"): 65}
    return CountTable.from_interior("g", ("rij", "kolom"), counts, always_published=always)


def test_secondary_suppression_never_chooses_an_always_published_cell():
    free = protect([_grid([])])
    always = [k for k in _grid([]).cells if TOTAL in k]
    kept = protect([_grid(always)])
    assert kept.audit.ok
    for key in always:
        assert kept.table("g").cell(*key).status == STATUS_PUBLISHED
    # the cheaper pattern without the constraint uses at least one margin, so the constraint mattered
    assert any(free.table("g").cell(*key).suppressed for key in always)
    assert kept.table("g").cell("a", "p").value is None


def test_a_small_always_published_cell_is_still_suppressed_by_the_primary_rule():
    table = CountTable.from_interior("g", ("k",), {("a",): 4, ("b",): 30, ("c",): 40}, always_published=[("a",)])
    result = protect([table])
    assert result.table("g").cell("a").value is None
    assert result.audit.entry("g", ("a",)).protected


def test_always_published_cells_are_suppressed_only_as_a_last_resort_and_listed():
    table = CountTable.from_interior("g", ("k",), {("a",): 4, ("b",): 30}, always_published=[("b",), (TOTAL,)])
    result = protect([table])
    assert result.audit.ok
    assert result.table("g").cell("a").value is None
    # only one of the two always-published cells is needed, and the result says which
    assert len(result.suppressed_always_published) == 1
    assert result.suppressed_always_published <= {table.ref("b"), table.ref(TOTAL)}
    # with a partner that may be suppressed, the always-published cells stay published
    roomy = CountTable.from_interior(
        "g", ("k",), {("a",): 4, ("b",): 30, ("c",): 40}, always_published=[("b",), (TOTAL,)]
    )
    kept = protect([roomy])
    assert kept.suppressed_always_published == frozenset()
    assert kept.table("g").cell("b").value == 30 and kept.table("g").cell(TOTAL).value == 74


def test_a_cell_no_pattern_can_protect_is_named():
    # a public rule pins the small cell to its value: no suppression can hide it
    table = CountTable.from_interior("g", ("k",), {("a",): 4, ("b",): 30})
    pinned = Relation(terms=((table.ref("a"), 1),), op="==", constant=4, label="a rule fixes a")
    with pytest.raises(DisclosureError, match=r"table 'g', cell \('a',\): cannot be protected"):
        protect([table], [pinned])


# --- structural zeros ------------------------------------------------------------------------------


def test_structural_zero_is_fixed_at_zero_in_the_integer_audit_and_never_revealing():
    # z is impossible by the rules; next to a single non-zero cell it would otherwise be a revealing zero.
    table = CountTable.from_interior("t", ("k",), {("a",): 5, ("b",): 0}, structural_zeros=[("b",)])
    report = audit([table], [table.ref("a")])
    entry = report.entry("t", ("a",))
    assert (entry.lower, entry.upper) == (5, 5)  # a = total - 0: the zero cannot move
    result = protect([table])
    assert result.table("t").cell("b").status == STATUS_PUBLISHED
    assert result.table("t").cell("b").value == 0
    assert result.table("t").cell("a").value is None and result.table("t").cell(TOTAL).value is None
    assert result.audit.ok
    plain = CountTable.from_interior("t", ("k",), {("a",): 5, ("b",): 0})
    assert protect([plain]).table("t").cell("b").suppressed  # the same zero, undeclared, is revealing
