"""Time `publish` on a synthetic ledger (not a test: run it by hand).

    python tests/support/bench_publish.py /tmp/ledger-100k.db 100000     # builds the ledger once, then times publish

Prints the ledger size, the number of fact profiles, the time to read the
statistics, the time of disclosure control (suppression and LP audit) and the
whole publish, audit and file writing included.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from tests.support.publication_ledger import build
from audit.publication.disclosure import protect
from audit.publication.tables import publication_tables
from audit.publication.publish import publish
from audit.publication.statistics import ledger_statistics


def main(ledger: Path, n: int) -> None:
    if not ledger.exists():
        started = time.monotonic()
        build(ledger, n)
        print(f"built {ledger} in {time.monotonic() - started:.1f} s")
    conn = sqlite3.connect(ledger)
    records = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    started = time.monotonic()
    stats = ledger_statistics(conn)
    read = time.monotonic() - started
    tables = publication_tables(stats)
    started = time.monotonic()
    result = protect(tables.tables, tables.relations)
    control = time.monotonic() - started
    cells = sum(len(t.cells) for t in result.tables)
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        summary = publish(ledger, Path(out) / "stats.db", generated="2026-11", audit_path=Path(out) / "audit.json")
        total = time.monotonic() - started
    print(f"{records} records, {stats.facts.cases} cases, {stats.evaluated.profiles} fact profiles")
    print(f"read statistics {read:.1f} s; disclosure control {control:.1f} s ({cells} cells, "
          f"{len(result.suppressed)} suppressed, {len(tables.relations)} declared relations)")
    print(f"publish, everything included: {total:.1f} s ({summary.suppressed} suppressed cells in STATS.db)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
