"""The exact minimum of `benchmarks/disclosure_minimum.py` against brute force, and its command."""

from __future__ import annotations

import itertools

import pytest

from audit.publication.disclosure import CellRef, CountTable, audit, protect
from audit.publication.disclosure.engine import COUNT, System
from audit.publication.disclosure.model import DEFAULT_POLICY
from audit.publication.disclosure.rules import primary_suppression
from audit.publication.disclosure.minimum import exact_minimum
from benchmarks.disclosure_minimum import main


def _brute_force_minimum(tables) -> int:
    primary = set(primary_suppression(tables))
    others = [CellRef(t.name, k) for t in tables for k in t.sorted_keys() if CellRef(t.name, k) not in primary]
    for extra in range(len(others) + 1):
        for chosen in itertools.combinations(others, extra):
            if audit(tables, primary | set(chosen)).ok:
                return len(primary) + extra
    raise AssertionError("no pattern protects the table")


@pytest.mark.parametrize(
    "counts",
    [
        {("a", "x"): 3, ("a", "y"): 40, ("b", "x"): 25, ("b", "y"): 30},
        {("a", "x"): 3, ("a", "y"): 4, ("b", "x"): 25, ("b", "y"): 30},
        {("a", "x"): 3, ("a", "y"): 40, ("b", "x"): 25, ("b", "y"): 0, ("c", "x"): 12, ("c", "y"): 50},
    ],
)
def test_exact_minimum_matches_brute_force(counts):
    table = CountTable.from_interior("t", ("r", "k"), counts)
    best = exact_minimum(System([table], [], DEFAULT_POLICY))
    assert best.converged and best.integer_audit_ok
    assert best.bound == best.count_cells == _brute_force_minimum([table])
    achieved = sum(1 for c in protect([table]).table("t").cells if c.suppressed)
    assert achieved == best.bound  # one small group of counts: protect ends with the exact solver (step 7)


def test_exact_minimum_keeps_always_published_cells():
    counts = {("a", "x"): 3, ("a", "y"): 40, ("b", "x"): 25, ("b", "y"): 30}
    free = exact_minimum(System([CountTable.from_interior("t", ("r", "k"), counts)], [], DEFAULT_POLICY))
    marked = CountTable.from_interior("t", ("r", "k"), counts, always_published=[("Totaal", "Totaal")])
    kept = exact_minimum(System([marked], [], DEFAULT_POLICY))
    system = System([marked], [], DEFAULT_POLICY)
    assert system.index[CellRef("t", ("Totaal", "Totaal"))] not in kept.suppressed
    assert kept.bound >= free.bound
    assert all(system.cells[i].kind == COUNT for i in kept.suppressed)


def test_the_command_reports_both_figures(tmp_path, capsys):
    assert main(["--n", "400", "--ledger", str(tmp_path / "ledger.db"), "--time-limit", "5"]) == 0
    out = capsys.readouterr().out
    for line in ("count cells: ", "published share of count cells: ", "suppressed count cells (protect): ",
                 "ratio protect / "):
        assert line in out
    assert "minimum for the LP reader: " in out or "lower bound on the minimum" in out
