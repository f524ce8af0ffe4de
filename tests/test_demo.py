"""`dh-audit demo` end to end at a small N: every promised output exists and adds up."""

import json
import sqlite3

from click.testing import CliRunner

from audit.cli import main
from audit.demo import reassessment_day
from audit.ledger import Ledger


def test_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "600", "--seed", "11"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "SYNTHETIC" in text and "600 addresses" in text and "Next, try:" in text

    with Ledger(out / "ledger.db", create=False) as ledger:
        report = ledger.verify()
        assert report.ok, report.problem
        cases = ledger.conn.execute("SELECT COUNT(DISTINCT case_id) FROM records").fetchone()[0]
        reassessed = ledger.conn.execute(
            "SELECT COUNT(*) FROM records WHERE supersedes IS NOT NULL AND framework = '2026'"
        ).fetchone()[0]
    assert cases == 600 and reassessed > 0
    assert f"= {report.records} records" in text

    for name in ("cases.jsonl", "ledger.db", "head.json", "checkpoint.json", "vergelijking.html",
                 "vergelijking.md", "grensgevallen.html", "grensgevallen.json", "stats.db", "keys/demo-sleutel.pub"):
        assert (out / name).stat().st_size > 0, name
    assert list(out.glob("herhaling-SYN-*.html")), "no replay report"

    # The transition matrix printed by the demo adds up to the number of cases.
    total_line = next(line for line in text.splitlines() if line.strip().startswith("total"))
    assert sum(int(n) for n in total_line.split()[1:]) == 600

    boundary = json.loads((out / "grensgevallen.json").read_text())
    assert boundary["summary"]["boundary_cases"] == len(boundary["cases"])

    stats = sqlite3.connect(out / "stats.db")
    tables = {row[0] for row in stats.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "records" not in tables and len(tables) >= 6


def test_demo_reruns_in_the_same_directory(tmp_path):
    out = tmp_path / "demo"
    for _ in range(2):
        result = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "50"])
        assert result.exit_code == 0, result.output
    with Ledger(out / "ledger.db", create=False) as ledger:
        assert ledger.conn.execute("SELECT COUNT(DISTINCT case_id) FROM records").fetchone()[0] == 50


def test_reassessments_fall_on_2026_working_days():
    days = [reassessment_day(i) for i in range(400)]
    assert all(d.year == 2026 and d.weekday() < 5 for d in days)
    assert len(set(days)) > 150
