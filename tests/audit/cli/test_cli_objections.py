"""`dh-audit objection ...` and `dh-audit referral ...` as a reviewer runs them."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from tests.support.casework_helpers import counts
from tests.support.cases import case_data
from audit.cli import main
from audit.ledger.events import verify_objections


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def db(tmp_path):
    """Three decisions: 1 and 2 fail only `area` under 2026 (3 events), 3 is eligible."""
    path = tmp_path / "ledger.db"
    lines = [
        case_data(case_id="CLI-1", pgv_5mms_events=3),
        case_data(case_id="CLI-2", pgv_5mms_events=3),
        case_data(case_id="CLI-3", pgv_5mms_events=5),
    ]
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert run("record", "--db", path, cases).exit_code == 0
    return path


def file_args(db, seq, received="2026-03-02", *extra):
    return ("objection", "file", "--db", db, "--seq", seq, "--sent-on", "2026-02-17", "--received-on", received,
            "--grounds", "area", "--committee", "--actor", "r.devries", *extra)


@pytest.mark.parametrize("command", [
    ("objection",), ("referral",), ("objection", "file"), ("objection", "decide"), ("objection", "list"), ("objection", "dossier"),
    ("referral", "file"), ("referral", "decide"), ("referral", "list"),
])
def test_every_command_has_help_with_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and f"dh-audit {' '.join(command)} " in result.output


def test_file_decide_list_and_dossier(db, tmp_path):
    filed = run(*file_args(db, 1, "2026-05-12", "--text", "Er zijn vier bevingen gemeten."))
    assert filed.exit_code == 0, filed.output
    # Sent Tuesday 17 February 2026: the period ends Tuesday 12 May; decision due 4 August.
    assert filed.output == "objection 1 filed against decision 1: on time (period ended 2026-05-12);" \
        " decision due 2026-08-04\n"
    late = run(*file_args(db, 2, "2026-05-13", "--json"))
    data = json.loads(late.output)
    assert data["timeline"]["on_time"] is False and data["timeline"]["days_late"] == 1 and data["id"] == 2

    extended = run("objection", "decide", "--db", db, "--id", 1, "--extend", "--notified-on", "2026-07-01",
                   "--actor", "r.devries")
    assert extended.output == "objection 1: decision term extended to 2026-09-15\n"

    facts = tmp_path / "corrected.json"
    facts.write_text(json.dumps(case_data(case_id="CLI-1", pgv_5mms_events=4)))
    upheld = run("objection", "decide", "--db", db, "--id", 1, "--outcome", "upheld", "--decided-on", "2026-08-01",
                 "--corrected-facts", facts, "--actor", "m.jansen")
    assert upheld.exit_code == 0, upheld.output
    assert upheld.output == "objection 1: upheld; new decision record 4 supersedes 1\n"
    inadmissible = run("objection", "decide", "--db", db, "--id", 2, "--outcome", "inadmissible", "--not-excusable",
                       "--decided-on", "2026-06-01", "--actor", "m.jansen", "--json")
    assert json.loads(inadmissible.output)["outcome"]["outcome"] == "inadmissible"

    listed = run("objection", "list", "--db", db, "--today", "2026-09-01")
    assert listed.output.splitlines()[1:] == [
        "    1       1  CLI-1             2026-05-12  2026-09-15  decided: upheld",
        "    2       2  CLI-2             2026-05-13  2026-08-05  decided: inadmissible",
    ]
    out = tmp_path / "bezwaar-1.html"
    written = run("objection", "dossier", "--db", db, "--id", 1, "--out", out)
    assert written.exit_code == 0 and written.output == f"{out}\n"
    html = out.read_text(encoding="utf-8")
    assert "Bezwaar 1 tegen besluit 1" in html and "Er zijn vier bevingen gemeten." in html
    assert run("verify", "--db", db).exit_code == 0
    assert verify_objections(sqlite3.connect(db)) is None


def test_list_overdue_shows_exactly_the_objections_past_their_term(db):
    # Both received 2 March 2026; the period ends 12 May. Objection 1 with the committee:
    # due 4 August. Objection 2 without: 12 May + 42 days = 23 June.
    run(*file_args(db, 1))
    no_committee = list(file_args(db, 2))
    no_committee[no_committee.index("--committee")] = "--no-committee"
    run(*no_committee)
    on_the_day = run("objection", "list", "--db", db, "--overdue", "--today", "2026-06-23", "--json")
    assert json.loads(on_the_day.output)["objections"] == []
    after = json.loads(run("objection", "list", "--db", db, "--overdue", "--today", "2026-06-24", "--json").output)
    assert [(o["id"], o["days_overdue"]) for o in after["objections"]] == [(2, 1)]
    both = run("objection", "list", "--db", db, "--overdue", "--today", "2026-08-05")
    assert both.output.splitlines() == [
        "   id     seq  case              received    due         status",
        "    1       1  CLI-1             2026-03-02  2026-08-04  open, OVERDUE by 1 day",
        "    2       2  CLI-2             2026-03-02  2026-06-23  open, OVERDUE by 43 days",
    ]
    none = run("objection", "list", "--db", db, "--overdue", "--today", "2026-05-01")
    assert none.exit_code == 0 and none.output == "no overdue objections\n"


def test_referral_file_decide_list(db):
    filed = run("referral", "file", "--db", db, "--seq", 1, "--route", "ivs", "--referred-on", "2026-03-01",
                "--actor", "r.bakker")
    assert filed.output == "referral 1: decision 1 referred to ivs\n"
    decided = run("referral", "decide", "--db", db, "--id", 1, "--granted", "--max-amount", "200000",
                  "--decided-on", "2026-04-01", "--actor", "r.bakker", "--json")
    data = json.loads(decided.output)
    assert data["status"] == "granted" and data["outcome"]["max_amount_eur"] == "200000.00"
    assert data["outcome"]["record_seq"] == 4
    shown = json.loads(run("show", "--db", db, "--seq", 4).output)
    assert shown["kind"] == "exception_decision" and shown["supersedes"] == 1
    assert shown["decision"]["basis"] == "exception_ivs" and shown["decision"]["cap_basis"] == "granted_by_route"
    listed = run("referral", "list", "--db", db)
    assert listed.output.splitlines()[1] == "    1       1  CLI-1             ivs    2026-03-01  granted on 2026-04-01, record 4"


@pytest.mark.parametrize("args, message", [
    (("objection", "file", "--db", "{db}", "--seq", 9, "--sent-on", "2026-02-17", "--received-on", "2026-03-02",
      "--grounds", "area", "--committee", "--actor", "r"), "error: seq: no record with seq 9"),
    (("objection", "file", "--db", "{db}", "--seq", 1, "--sent-on", "2026-02-17", "--received-on", "2026-02-16",
      "--grounds", "area", "--committee", "--actor", "r"), "error: received_on: before sent_on 2026-02-17"),
    (("objection", "file", "--db", "{db}", "--seq", 1, "--sent-on", "17-02-2026", "--received-on", "2026-03-02",
      "--grounds", "area", "--committee", "--actor", "r"),
     "error: sent_on: must be a date written YYYY-MM-DD (got '17-02-2026')"),
    (("objection", "file", "--db", "{db}", "--seq", 1, "--sent-on", "2026-02-17", "--received-on", "2026-03-02",
      "--grounds", "area", "--actor", "r"), "error: committee: say --committee or --no-committee"),
    (("objection", "file", "--db", "{db}", "--seq", 1, "--sent-on", "2026-02-17", "--received-on", "2026-03-02",
      "--grounds", "area,,damage_threshold", "--committee", "--actor", "r"), "error: grounds: an empty code"),
    (("objection", "file", "--db", "{db}", "--seq", "één", "--sent-on", "2026-02-17"),
     "error: Invalid value for '--seq': 'één' is not a valid integer."),
    (("objection", "file", "--db", "{db}", "--seq", 1), "error: Missing option '--sent-on'."),
    (("objection", "decide", "--db", "{db}", "--id", 1, "--actor", "r"), "error: outcome: give either"),
    (("objection", "list", "--db", "{db}", "--today", "2026-02-30"), "error: today: is not a real calendar date"),
    (("objection", "list", "--db", "{missing}"), "error: db: no ledger at"),
    (("referral", "file", "--db", "{db}", "--seq", 3, "--route", "ivs", "--referred-on", "2026-03-01",
      "--actor", "r"), "error: seq: decision 3 allows no hardship referral: it is eligible"),
    (("referral", "file", "--db", "{db}", "--seq", 1, "--route", "ncg", "--actor", "r"),
     "error: route: must be one of ivs, cbs (got 'ncg')"),
    (("referral", "decide", "--db", "{db}", "--id", 1, "--actor", "r"), "error: granted: say --granted or --refused"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(db, tmp_path, args, message):
    args = [str(a).format(db=db, missing=tmp_path / "none.db") for a in args]
    before = counts(db)
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.output
    assert counts(db) == before
    assert not (tmp_path / "none.db").exists()


def test_deciding_twice_and_bad_corrected_facts_on_the_command_line(db, tmp_path):
    run(*file_args(db, 1))
    facts = tmp_path / "corrected.json"
    facts.write_text(json.dumps(case_data(case_id="CLI-1", pgv_5mms_events=4, woz_value_eur="1.001")))
    decide = ("objection", "decide", "--db", db, "--id", 1, "--decided-on", "2026-07-01", "--actor", "m")
    before = counts(db)
    bad = run(*decide, "--outcome", "upheld", "--corrected-facts", facts)
    assert bad.exit_code == 2
    assert bad.output == "error: corrected_facts.woz_value_eur: must have at most two decimals (got 1.001)\n"
    assert counts(db) == before
    assert run(*decide, "--outcome", "rejected").exit_code == 0
    twice = run(*decide, "--outcome", "rejected")
    assert twice.exit_code == 2 and twice.output == "error: id: objection 1 was already decided (rejected on 2026-07-01)\n"
    extend = run("objection", "decide", "--db", db, "--id", 1, "--extend", "--note", "x", "--actor", "m")
    assert extend.output == "error: note: not with --extend\n"
    assert counts(db) == (before[0], before[1] + 1)


def test_objections_and_referrals_are_numbered_apart(db):
    assert run(*file_args(db, 1)).output.startswith("objection 1 filed")
    referred = run("referral", "file", "--db", db, "--seq", 2, "--route", "ivs", "--referred-on", "2026-03-01",
                   "--actor", "r")
    assert referred.output == "referral 1: decision 2 referred to ivs\n"  # event 2 of the chain, referral 1
    second = run("objection", "file", "--db", db, "--seq", 3, "--sent-on", "2026-02-17", "--received-on",
                 "2026-03-02", "--text", "Het maximum is te laag.", "--no-committee", "--actor", "r")
    assert second.output.startswith("objection 2 filed against decision 3")
    decided = run("referral", "decide", "--db", db, "--id", 1, "--refused", "--decided-on", "2026-04-01",
                  "--actor", "r")
    assert decided.output.startswith("referral 1: refused")
    assert run("objection", "decide", "--db", db, "--id", 2, "--outcome", "rejected", "--decided-on",
               "2026-04-01", "--actor", "r").output == "objection 2: rejected\n"
    missing = run("referral", "decide", "--db", db, "--id", 2, "--granted", "--actor", "r")
    assert missing.exit_code == 2 and missing.output == "error: id: no referral with id 2\n"
    listed = json.loads(run("objection", "list", "--db", db, "--json").output)["objections"]
    assert [(o["id"], o["decision_seq"], o["status"]) for o in listed] == [(1, 1, "open"), (2, 3, "decided")]
    assert [r["id"] for r in json.loads(run("referral", "list", "--db", db, "--json").output)["referrals"]] == [1]
    assert run("verify", "--db", db).exit_code == 0
    assert verify_objections(sqlite3.connect(db)) is None
