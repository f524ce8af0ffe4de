"""The fewest suppressed cells the disclosure rules allow, beside what `protect` suppresses.

    python -m benchmarks.disclosure_minimum --n 20000 [--ledger PATH] [--seed 2026]

Builds (or reuses) the demo's population at `--n` addresses: its history, 2026
reassessments and casework (`tests/support/demo_population.py`). Reads its statistics,
builds the release's tables with `publication_tables(stats)`, runs `protect`, prints the
published share of the count cells per table and over all, and then computes the exact
minimum number of suppressed count cells for the same tables, relations and rules. The
utility targets are 80% published at 20,000 addresses (also asserted by
tests/audit/publication/test_release_tables.py) and 90% at 100,000.

The exact solver is `audit.publication.disclosure.minimum.exact_minimum` (cut generation,
Fischetti-Salazar style): its minimum is for the LP reader, a lower bound of the minimum
for the integer reader of the real audit; when its optimal pattern also passes the
integer audit, it is the integer reader's minimum too. Out of time, the last master's
optimum is still a lower bound, and the report says so.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from audit.publication.disclosure import protect
from audit.publication.disclosure.engine import COUNT, System
from audit.publication.disclosure.minimum import exact_minimum
from audit.publication.disclosure.model import DEFAULT_POLICY, DisclosurePolicy


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
    per_table: dict[str, list[int]] = {}
    for name, cell in count_cells:
        row = per_table.setdefault(name, [0, 0])
        row[0] += not cell.suppressed
        row[1] += 1
    return {
        "count_cells": len(count_cells),
        "per_table": {name: tuple(row) for name, row in per_table.items()},
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
    from tests.support.demo_population import build_demo_ledger

    with tempfile.TemporaryDirectory() as tmp:
        path = args.ledger or Path(tmp) / "ledger.db"
        if not path.exists():
            t0 = time.perf_counter()
            built, _ = build_demo_ledger(path.parent / (path.stem + "-demo"), args.n, args.seed)
            built.rename(path)
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
    for table, (published, total) in sorted(figures["per_table"].items()):
        print(f"  {table:24s} {published:4d} / {total:4d} published")
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
