"""Smoke test of the benchmark harness (issue #8) at a small N: it runs, and its report has every row.

No timing is asserted: CI machines differ, and the figures are in BENCHMARKS.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.rows import SPECS

ROOT = Path(__file__).resolve().parent.parent


def test_harness_writes_every_row(tmp_path):
    out = tmp_path / "B.md"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--n", "2000", "--dir", str(tmp_path / "work"), "--out", str(out),
         "--load-seconds", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    table = [line for line in report.splitlines() if line.startswith("| ")]
    for spec in SPECS:
        rows = [line for line in table if line.startswith(f"| {spec.operation} |")]
        assert len(rows) == 1, f"no row for {spec.key}"
        assert "failed" not in rows[0]
    assert any(line.startswith("| peak RSS, any operation |") for line in table)
    serve = next(line for line in table if line.startswith("| Datasette"))
    assert "p95" in serve and " 0 errors" in serve
    for heading in ("- Command: `python -m benchmarks --n 2000", "- Machine: ", "- Date: ", "## What each row"):
        assert heading in report
    assert "2,000 decision requests" in report


def test_workload_has_several_assessments_per_address():
    from benchmarks.workload import requests
    from decisions.inputs import parse_case

    cases = [parse_case(data) for data in requests(500)]
    assert len(cases) == 500
    by_address: dict[str, list] = {}
    for case in cases:
        by_address.setdefault(case.case_id, []).append(case)
    assert max(len(v) for v in by_address.values()) > 1
    for history in by_address.values():
        dates = [case.assessed_on for case in history]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
