"""What the CLI says to a user who misuses a command, and counts that agree with their nouns."""

import ast
import re
from pathlib import Path

from click.testing import CliRunner

from audit.cli import main
from audit.counting import counted

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def test_counted_agrees_with_its_number():
    assert counted(0, "record") == "0 records"
    assert counted(1, "record") == "1 record"
    assert counted(2, "record") == "2 records"
    assert counted(1, "objection and referral event") == "1 objection and referral event"
    assert counted(3, "entry", "entries") == "3 entries"


def test_decide_on_a_json_lines_file_suggests_record():
    result = run("decide", EXAMPLES / "cases.jsonl")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "more than one JSON value" in result.output and "use 'dh-audit record'" in result.output


def test_verify_says_whether_it_checked_objection_and_referral_events_with_counts_in_agreement(tmp_path):
    one = tmp_path / "one.jsonl"
    one.write_text((EXAMPLES / "cases.jsonl").read_text().splitlines()[0] + "\n")
    db = tmp_path / "ledger.db"
    recorded = run("record", "--db", db, one)
    assert recorded.exit_code == 0 and "recorded 1 decision (seq 1)" in recorded.output
    before = run("verify", "--db", db)
    assert before.exit_code == 0
    assert before.output.startswith("ok: 1 record intact,") and "; no objection or referral events" in before.output
    filed = run("objection", "file", "--db", db, "--seq", 1, "--sent-on", "2026-02-17", "--received-on",
                "2026-03-02", "--grounds", "area", "--no-committee", "--actor", "r.devries")
    assert filed.exit_code == 0, filed.output
    after = run("verify", "--db", db)
    assert after.exit_code == 0 and "; 1 objection and referral event intact" in after.output


DUTCH = re.compile(r"\b(de|het|een|geen|niet|zie|wordt|bestand|bezwaar|besluit|ondertekend|geschreven)\b", re.I)


def _dutch_echoes(source: str) -> list[str]:
    """The text of every `click.echo(...)` in `source` that reads as Dutch."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "click.echo":
            text = " ".join(c.value for arg in node.args for c in ast.walk(arg)
                            if isinstance(c, ast.Constant) and isinstance(c.value, str))
            if DUTCH.search(text):
                found.append(text)
    return found


def test_cli_messages_are_english():
    """The CLI speaks English; Dutch belongs in the documents it writes (templates, metadata)."""
    assert _dutch_echoes('click.echo(f"{n} ondertekende controlepunten: zie het bestand")')  # the check can fail
    cli = Path(__file__).resolve().parents[3] / "audit" / "cli"
    found = {path.name: _dutch_echoes(path.read_text(encoding="utf-8")) for path in sorted(cli.glob("*.py"))}
    assert {name: texts for name, texts in found.items() if texts} == {}
