"""`python -m benchmarks.release_utility --n 100000 [--dir WORKDIR]`: the share of the release's count cells published.

Records the demo's population at `--n` addresses (history, 2026 reassessments and the
demo's casework, `tests/support/demo_population.py`), publishes it, and prints per
table how many count cells are published (a structural zero is published as 0), and
the share over every table. The utility targets are 80% at the demo's 20,000 addresses
(asserted by tests/audit/publication/test_release_tables.py) and 90% at 100,000.
The exact minimum number of suppressions is ENGINE's `benchmarks/disclosure_minimum.py`.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from audit.publication.publish import publish  # noqa: E402
from audit.publication.tables import SQL_TABLES  # noqa: E402
from tests.support.demo_population import build_demo_ledger  # noqa: E402

SUPPRESSED = "onderdrukt"


def shares(stats_db: Path) -> list[tuple[str, int, int]]:
    """(table, published, count cells) for every SQL table."""
    conn = sqlite3.connect(stats_db)
    found = []
    for name, spec in SQL_TABLES.items():
        column = "status_aantal" if spec.amounts else "status"
        statuses = [s for (s,) in conn.execute(f"SELECT {column} FROM {name}")]
        found.append((name, sum(s != SUPPRESSED for s in statuses), len(statuses)))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="dh-audit-utility-"))
    started = time.perf_counter()
    ledger, casework = build_demo_ledger(work / f"demo-{args.n}", args.n, args.seed)
    built = time.perf_counter()
    out = work / f"statistiek-{args.n}.db"
    publish(ledger, out, generated="2026-11", audit_path=work / f"statistiek-{args.n}.disclosure-audit.json",
            force=True)
    published_at = time.perf_counter()
    rows = shares(out)
    print(f"{args.n} addresses, {casework.volume_objections} + {len(casework.objections)} objections, "
          f"{casework.volume_referrals} + {len(casework.referrals)} referrals "
          f"(ledger {built - started:.0f} s, publish {published_at - built:.0f} s)")
    for name, published, total in rows:
        print(f"  {name:24s} {published:4d} / {total:4d}")
    published, total = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"published {published} of {total} count cells: {published / total:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
