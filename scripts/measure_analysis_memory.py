"""Measure peak memory and time of `dh-audit compare` and `dh-audit replay --all` at two ledger sizes.

Both commands stream the ledger, so their peak resident memory must not grow
with the number of records. This script builds synthetic ledgers (SYNTHETIC data,
`audit.synth.generate_cases`), runs each command as a child process, and reads
that child's own peak RSS from `os.wait4`. It exits 1 when the peak at the larger
size exceeds the peak at the smaller size by more than the allowed slack.

    python scripts/measure_analysis_memory.py                 # 20,000 and 100,000 records
    python scripts/measure_analysis_memory.py --sizes 20000 100000 --dir /tmp/dh-ledgers

Ledgers are kept in --dir and reused when they already hold the right number of records.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from audit.ledger import Ledger
from audit.ledger.recording import record_cases
from audit.synth import generate_cases
from decisions.inputs import parse_case

SEED = 2026
SLACK_MB = 8.0  # allowed growth of the peak between the sizes (allocator noise, SQLite page cache)


def ledger_at(directory: Path, n: int) -> Path:
    path = directory / f"synthetic-{n}.db"
    if path.exists():
        with sqlite3.connect(path) as conn:
            if conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == n:
                return path
        path.unlink()
    started = time.perf_counter()
    with Ledger(path) as ledger:
        batch: list = []
        for data in generate_cases(n, SEED):
            batch.append(parse_case(data))
            if len(batch) == 10_000:
                record_cases(ledger, batch)
                batch = []
        if batch:
            record_cases(ledger, batch)
    print(f"built {path} ({n} records) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def measure(args: list[str]) -> tuple[float, float, int]:
    """Run a command; return (peak RSS in MB, wall time in s, exit status) of that child alone."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, elapsed, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[20_000, 100_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--dir", type=Path, default=Path("/tmp/dh-audit-memory"))
    options = parser.parse_args()
    options.dir.mkdir(parents=True, exist_ok=True)
    cli = shutil.which("dh-audit") or str(Path(sys.executable).with_name("dh-audit"))
    commands = {
        "compare": ["compare"],
        "replay --all": ["replay", "--all"],
    }
    results: dict[tuple[str, int], tuple[float, float, int]] = {}
    for n in options.sizes:
        db = ledger_at(options.dir, n)
        for name, args in commands.items():
            results[(name, n)] = measure([cli, *args, "--db", str(db)])
    print(f"{'command':<14} {'records':>8} {'peak RSS (MB)':>14} {'time (s)':>9} {'exit':>5}")
    ok = True
    small, large = options.sizes
    for name in commands:
        for n in options.sizes:
            rss, seconds, status = results[(name, n)]
            print(f"{name:<14} {n:>8} {rss:>14.1f} {seconds:>9.1f} {status:>5}")
            ok = ok and status == 0
        growth = results[(name, large)][0] - results[(name, small)][0]
        verdict = "flat" if growth <= SLACK_MB else "GROWS"
        print(f"{name:<14} peak RSS {small} -> {large}: {growth:+.1f} MB ({verdict})")
        ok = ok and growth <= SLACK_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
