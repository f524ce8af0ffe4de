"""The demo's ledger without the rest of the demo: its population, its history, its 2026 reassessments, its casework.

`build_demo_ledger(directory, n, seed)` records exactly what `dh-audit demo` records
before it verifies, replays and writes reports (steps 1 to 4 of `audit.demo.run_demo`),
so a test can publish the demo's release without running the whole demo.

    python tests/support/demo_population.py /tmp/demo-100k 100000
"""

from __future__ import annotations

import sys
from pathlib import Path

from audit import synth
from audit.demo import _historical, _reassessments  # the demo's own recording steps
from audit.demo_casework import DemoCasework, seed_casework
from audit.ledger.store import Ledger


def build_demo_ledger(directory: str | Path, n: int = 20_000, seed: int = 2026) -> tuple[Path, DemoCasework]:
    """Record the demo's population, history, reassessments and casework in `directory/ledger.db`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cases = directory / "cases.jsonl"
    synth.write_jsonl(cases, n, seed)
    path = directory / "ledger.db"
    with Ledger(path) as ledger:
        seqs = ledger.append_entries(_historical(cases, lambda _: None))
        ledger.append_entries(_reassessments(cases, seqs, lambda _: None))
        casework = seed_casework(ledger)
    return path, casework


if __name__ == "__main__":
    target, count = Path(sys.argv[1]), int(sys.argv[2])
    ledger, _ = build_demo_ledger(target, count, int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
    print(f"wrote {ledger}")
