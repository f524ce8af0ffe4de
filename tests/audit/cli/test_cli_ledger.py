"""`dh-audit record | verify | show | head` as a new user runs them."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from audit.cli import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases.jsonl"


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def test_record_verify_damage_and_see_verify_name_the_record(tmp_path):
    db = tmp_path / "ledger.db"
    result = run("record", "--db", db, EXAMPLES)
    assert result.exit_code == 0
    assert result.output.split()[:5] == ["1", "2", "3", "4", "5"]
    ok = run("verify", "--db", db)
    assert ok.exit_code == 0 and ok.output.startswith("ok: 5 records intact")
    head = run("head", "--db", db)
    (tmp_path / "head.json").write_text(head.output)
    assert json.loads(head.output)["seq"] == 5

    conn = sqlite3.connect(db)  # damage the file by hand, as a user would with the sqlite3 shell
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("UPDATE records SET inputs = replace(inputs, '14999.99', '15000.00') WHERE seq = 3")
    conn.commit()
    bad = run("verify", "--db", db, "--head", tmp_path / "head.json")
    assert bad.exit_code == 1
    assert bad.output.startswith("FAILED at seq 3:")


def test_record_json_and_show(tmp_path):
    db = tmp_path / "ledger.db"
    result = run("record", "--db", db, "--json", EXAMPLES)
    assert json.loads(result.output.splitlines()[0]) == {"recorded": 5, "seqs": [1, 2, 3, 4, 5]}
    shown = json.loads(run("show", "--db", db, "--seq", 2).output)
    assert shown["case_id"] == "VOORBEELD-002" and shown["decision"]["outcome"] == "not_eligible"
    history = json.loads(run("show", "--db", db, "--case", "VOORBEELD-001").output)
    assert [r["seq"] for r in history] == [1]


def test_a_bad_line_names_line_and_field_and_writes_nothing(tmp_path):
    db = tmp_path / "ledger.db"
    lines = EXAMPLES.read_text().splitlines()
    lines[3] = lines[3].replace('"woz_value_eur":"610000.00"', '"woz_value_eur":"610000.005"')
    result = run("record", "--db", db, "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    assert result.output.strip() == "error: line 4: woz_value_eur: must have at most two decimals (got 610000.005)"
    assert not db.exists()  # the ledger this command would have created is not left behind
    broken = run("record", "--db", db, "-", input=lines[0] + "\n{not json\n")
    assert broken.exit_code == 2 and "line 2: (json): malformed JSON" in broken.output


def test_errors_for_missing_ledgers_and_options(tmp_path):
    missing = run("verify", "--db", tmp_path / "nope.db")
    assert missing.exit_code == 2 and "error: db: no ledger at" in missing.output
    run("record", "--db", tmp_path / "l.db", EXAMPLES)
    both = run("show", "--db", tmp_path / "l.db")
    assert both.exit_code == 2 and "--seq/--case" in both.output
    assert run("show", "--db", tmp_path / "l.db", "--seq", 77).exit_code == 2
    bad_head = tmp_path / "head.json"
    bad_head.write_text("{}")
    assert run("verify", "--db", tmp_path / "l.db", "--head", bad_head).exit_code == 2


def test_record_from_stdin_through_the_real_entry_point(tmp_path):
    db = tmp_path / "ledger.db"
    done = subprocess.run([sys.executable, "-m", "audit", "record", "--db", str(db), "-"],
                          input=EXAMPLES.read_text(), capture_output=True, text=True)
    assert done.returncode == 0 and "recorded 5 decisions (seq 1–5)" in done.stderr
