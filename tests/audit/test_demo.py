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


def test_demo_reruns_in_the_same_directory_only_with_force(tmp_path):
    out = tmp_path / "demo"
    first = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "50"])
    assert first.exit_code == 0, first.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "50"])
    assert again.exit_code == 2 and again.output.startswith("error: --dir: ") and "--force" in again.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    forced = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "50", "--force"])
    assert forced.exit_code == 0, forced.output
    with Ledger(out / "ledger.db", create=False) as ledger:
        assert ledger.conn.execute("SELECT COUNT(DISTINCT case_id) FROM records").fetchone()[0] == 50


def test_demo_never_removes_a_file_it_did_not_make(tmp_path):
    out = tmp_path / "demo"
    assert CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "30"]).exit_code == 0
    (out / "stats.db").write_bytes((out / "stats.db").read_bytes() + b"changed")  # a demo file changed since
    for added in (None, out / "notities.txt"):
        if added is not None:
            added.write_text("mijn eigen aantekeningen")
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        for extra in ([], ["--force"]):
            result = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "30", *extra])
            assert result.exit_code == 2 and result.output.startswith("error: --dir: "), result.output
            assert len(result.output.strip().splitlines()) == 1
            assert ("notities.txt" if added else "stats.db (changed") in result.output
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "ledger.db").write_bytes(b"not the demo's")
    result = CliRunner().invoke(main, ["demo", "--dir", str(foreign), "--n", "30", "--force"])
    assert result.exit_code == 2 and "not made by dh-audit demo" in result.output
    assert (foreign / "ledger.db").read_bytes() == b"not the demo's" and len(list(foreign.iterdir())) == 1


def test_reassessments_fall_on_2026_working_days():
    days = [reassessment_day(i) for i in range(400)]
    assert all(d.year == 2026 and d.weekday() < 5 for d in days)
    assert len(set(days)) > 150
