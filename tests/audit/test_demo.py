"""`dh-audit demo` end to end at a small N: every promised output exists and adds up."""

import json
import re
import sqlite3

from click.testing import CliRunner

from audit.cli import main
from audit.demo import reassessment_day
from audit.demo_casework import DEMO_TODAY
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

    for name in ("cases.jsonl", "ledger.db", "head.json", "checkpoint.json", "release/vergelijking.html",
                 "release/vergelijking.md", "grensgevallen.html", "grensgevallen.json", "release/statistiek.db",
                 "release/manifest.json", "release/manifest.sig", "keys/demo-sleutel.pub"):
        assert (out / name).stat().st_size > 0, name
    assert list(out.glob("herhaling-SYN-*.html")), "no replay report"

    # The transition matrix printed by the demo adds up to the number of cases.
    total_line = next(line for line in text.splitlines() if line.strip().startswith("total"))
    assert sum(int(n) for n in total_line.split()[1:]) == 600

    boundary = json.loads((out / "grensgevallen.json").read_text())
    assert boundary["summary"]["boundary_cases"] == len(boundary["cases"])

    # The release is signed with the demo key and checks out with no ledger.
    verified = CliRunner().invoke(main, ["release", "verify", str(out / "release"), "--pubkey",
                                         str(out / "keys/demo-sleutel.pub")])
    assert verified.exit_code == 0 and "signature valid" in verified.output, verified.output
    assert sorted(p.name for p in (out / "release").iterdir()) == [
        "manifest.json", "manifest.sig", "statistiek.db", "vergelijking.html", "vergelijking.md"]
    stats = sqlite3.connect(out / "release" / "statistiek.db")
    tables = {row[0] for row in stats.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "records" not in tables and len(tables) >= 6
    # The seeded objections and referrals reach the published tables (a handful: their counts are suppressed).
    for table in ("bezwaren", "verwijzingen"):
        assert stats.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0, table


def test_demo_records_objections_and_referrals_and_writes_a_dossier(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "600", "--seed", "11"])
    assert result.exit_code == 0, result.output
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.endswith(("-wal", "-shm"))]
    today = DEMO_TODAY.isoformat()
    listed = json.loads(CliRunner().invoke(
        main, ["objection", "list", "--db", str(out / "ledger.db"), "--today", today, "--json"]).output)["objections"]
    assert [o["id"] for o in listed] == list(range(1, len(listed) + 1)) and len(listed) > 5
    assert all(o["timeline"]["received_on"] <= today for o in listed)
    assert all(o["outcome"]["decided_on"] <= today for o in listed if o["outcome"])
    listed = listed[:5]  # the hand-picked five; the volume of objections follows them (audit.demo_casework)
    statuses = {o["status"] for o in listed}
    assert "decided" in statuses and statuses & {"open", "extended"}
    assert any(o["overdue"] for o in listed) and any(not o["overdue"] and o["outcome"] is None for o in listed)
    assert any(not o["timeline"]["on_time"] for o in listed) and any(o["timeline"]["on_time"] for o in listed)
    assert all(o["timeline"]["received_on"] <= today for o in listed)
    assert all(o["outcome"]["decided_on"] <= today for o in listed if o["outcome"])
    referrals = json.loads(CliRunner().invoke(
        main, ["referral", "list", "--db", str(out / "ledger.db"), "--json"]).output)["referrals"]
    assert [r["id"] for r in referrals][:4] == [1, 2, 3, 4] and len(referrals) > 4
    referrals = referrals[:4]  # the hand-picked four
    assert {r["status"] for r in referrals} == {"granted", "refused", "pending"}

    upheld = next(o for o in listed if o["outcome"] and o["outcome"]["outcome"] == "upheld")
    dossier = out / f"bezwaar-{upheld['id']}.html"
    html = dossier.read_text(encoding="utf-8")
    assert f"Bezwaar {upheld['id']} tegen besluit {upheld['decision_seq']}" in html and "gegrond" in html
    assert "Beslistermijn op 16 november 2026" in html

    # The summary lists every file with its size, the confidential ones marked, and writes nothing to the cwd.
    text = result.output
    for path in files:
        name = path.relative_to(out).as_posix()
        line = next((line for line in text.splitlines() if line.strip().startswith(name + " ")), None)
        assert line is not None, name
        assert re.search(r" [0-9.]+ (B|kB|MB) ", line), line
    audit = out / "ledger.db.VERTROUWELIJK.disclosure-audit.json"
    assert audit.stat().st_mode & 0o777 == 0o600
    for name in ("ledger.db", audit.name, "keys/demo-sleutel", dossier.name):
        assert "CONFIDENTIAL" in next(line for line in text.splitlines() if line.strip().startswith(name + " "))
    for name in ("release/statistiek.db", "release/vergelijking.html", "release/manifest.json"):
        assert "CONFIDENTIAL" not in next(line for line in text.splitlines() if line.strip().startswith(name + " "))
    assert f"the disclosure audit {audit.name} is CONFIDENTIAL" in text
    suggested = text.split("Next, try:")[1]
    assert "--out proof.json" not in suggested and f"--out {out / 'proof.json'}" in suggested
    assert f"dh-audit serve {out / 'release'}" in suggested
    assert f"dh-audit release verify {out / 'release'} --pubkey {out / 'keys' / 'demo-sleutel.pub'}" in suggested
    assert "5 objections (" in text and "4 referrals (" in text and "1 signed checkpoint matches" in text
    assert "Berekend" not in text and "ondertekend" not in text  # English throughout


def test_the_summary_does_not_suggest_serve_when_serving(tmp_path):
    from pathlib import Path

    from audit.cli.demo import _bar, _summary
    from audit.demo import run_demo

    summary = run_demo(Path(tmp_path / "demo"), 200, 11, _bar, lambda text: None)
    assert "dh-audit serve " in _summary(summary, 1.0)
    serving = _summary(summary, 1.0, serving=True)
    assert "dh-audit serve" not in serving and "Next, try:" in serving


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
    stats = out / "release" / "statistiek.db"
    stats.write_bytes(stats.read_bytes() + b"changed")  # a demo file changed since
    for added in (None, out / "notities.txt"):
        if added is not None:
            added.write_text("mijn eigen aantekeningen")
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        for extra in ([], ["--force"]):
            result = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "30", *extra])
            assert result.exit_code == 2 and result.output.startswith("error: --dir: "), result.output
            assert len(result.output.strip().splitlines()) == 1
            assert ("notities.txt" if added else "release/statistiek.db (changed") in result.output
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


def test_a_large_demo_splits_the_boundary_dossier_into_an_index_and_class_pages(tmp_path, monkeypatch):
    from audit.analysis import boundary

    monkeypatch.setattr(boundary, "PAGES_ABOVE", 5)
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "300"])
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in out.glob("grensgevallen-*.html"))
    assert pages, "no class pages"
    index = (out / "grensgevallen.html").read_text(encoding="utf-8")
    assert all(f'href="{name}"' in index for name in pages)
    assert all(name in result.output for name in pages)


def test_demo_serve_on_a_port_in_use_is_refused_before_any_work(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = tmp_path / "demo"
        result = CliRunner().invoke(main, ["demo", "--dir", str(out), "--n", "50", "--serve", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert "--port" in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()
