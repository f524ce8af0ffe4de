"""`dh-audit record --jobs N`: worker processes record exactly what the single process records."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from audit.cli import main
from audit.ledger.record_workers import CHUNK_LINES
from audit.synth import case_to_json_line, generate_cases

# Every stored column except the ones that differ by design (new ids, times, and so the hashes).
SAME = (
    "seq, case_id, kind, supersedes, framework, framework_fingerprint, canonical_version, inputs, decision, actor, "
    "municipality, assessed_on, technical_cause, recognised_cents, unsettled_cents, structural_cents, woz_cents, "
    "rijksmonument, pgv_events, in_pilot_area, in_reinforcement_area, dossier_since, estimated_cost_cents, "
    "outcome, basis, max_amount_cents, cap_basis"
)
N = 2 * CHUNK_LINES + 37


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def rows(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT {SAME} FROM records ORDER BY seq").fetchall()


def lines(n: int = N) -> list[str]:
    return [case_to_json_line(case) for case in generate_cases(n, seed=77)]


def test_workers_record_the_same_ledger(tmp_path):
    cases = tmp_path / "cases.jsonl"
    text = lines()
    text.insert(CHUNK_LINES - 1, "\n")  # a blank line is skipped, as without workers
    cases.write_text("".join(text))
    for jobs in ("0", "2"):
        result = run("record", "--db", tmp_path / f"jobs{jobs}.db", "--jobs", jobs, "--actor", "reviewer-7", cases)
        assert result.exit_code == 0, result.output
        assert result.output.split()[:3] == ["1", "2", "3"]
        assert f"recorded {N} decisions (seq 1–{N})" in result.output
    assert rows(tmp_path / "jobs2.db") == rows(tmp_path / "jobs0.db")
    assert len(rows(tmp_path / "jobs2.db")) == N
    verified = run("verify", "--db", tmp_path / "jobs2.db")
    assert verified.exit_code == 0 and verified.output.startswith(f"ok: {N} records intact")


def test_workers_with_a_named_framework(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(lines(CHUNK_LINES + 5)))
    for jobs in ("0", "1"):
        assert run("record", "--db", tmp_path / f"j{jobs}.db", "--jobs", jobs, "--framework", "2026",
                   cases).exit_code == 0
    recorded = rows(tmp_path / "j1.db")
    assert recorded == rows(tmp_path / "j0.db")
    assert {row[4] for row in recorded} == {"2026"}


def test_workers_name_the_first_bad_line_and_write_nothing(tmp_path):
    text = lines()
    later = CHUNK_LINES + 12  # in the second chunk: the first bad line of the input
    text[later - 1] = text[later - 1].replace('"technical_cause":', '"technical_cause":"ja","x":')
    text[2 * CHUNK_LINES + 3] = "{not json\n"  # a later chunk fails too, and may fail first
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(text))
    outputs = {}
    for jobs in ("0", "2"):
        db = tmp_path / f"jobs{jobs}.db"
        result = run("record", "--db", db, "--jobs", jobs, cases)
        assert result.exit_code == 2
        assert not db.exists()  # nothing written: not even the new ledger is left behind
        outputs[jobs] = result.output.strip()
    assert outputs["2"] == outputs["0"]
    assert outputs["2"].startswith(f"error: line {later}: ")


def test_a_bad_line_in_the_last_chunk(tmp_path):
    text = lines()
    text[-1] = text[-1].replace('"woz_value_eur":"', '"woz_value_eur":"-')
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(text))
    result = run("record", "--db", tmp_path / "l.db", "--jobs", "1", cases)
    assert result.exit_code == 2
    assert result.output.startswith(f"error: line {N}: woz_value_eur: must not be negative")
    assert not (tmp_path / "l.db").exists()
