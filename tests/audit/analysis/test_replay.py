"""Replay (docs/replay-and-analysis.md): recorded decisions re-evaluated under their recorded framework, compared byte for byte."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest
from click.testing import CliRunner

import decisions.frameworks
from tests.support.analysis_ledger import CORRECTED_CASE, EXCEPTION_CASE, build, open_fixed
from audit.ledger.canonical import canonical_json
from audit.cli import main
from audit.analysis.replay import (
    DIVERGED,
    NOT_REPLAYABLE,
    REPRODUCED,
    Installed,
    json_diff,
    replay_all,
    replay_record,
    summarise,
)
from audit.ledger.recording import record_case, record_cases
from audit.ledger.scan import all_records, record_at
from audit.synth import generate_cases
from tests.support.cases import case_data
from decisions.evaluate import decision_to_data, evaluate
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import FRAMEWORKS, Parameter
from decisions.inputs import parse_case


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def fixed_db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("replay") / "fixed.db")


def _with_threshold(framework, minimum: str):
    """The framework with another minimum for `damage_threshold` (the third criterion)."""
    criteria = list(framework.criteria)
    threshold = criteria[2]
    criteria[2] = attrs.evolve(threshold, minimum=attrs.evolve(threshold.minimum, value=Decimal(minimum)))
    return attrs.evolve(framework, criteria=tuple(criteria))


@pytest.fixture
def changed_framework_ledger(tmp_path, monkeypatch):
    """A ledger with one record under a test framework whose damage threshold was raised after recording."""
    test_fw = attrs.evolve(FRAMEWORKS["2026"], id="test-fw", title="Testkader")
    monkeypatch.setitem(decisions.frameworks.FRAMEWORKS, "test-fw", test_fw)
    path = tmp_path / "changed.db"
    with open_fixed(path) as ledger:
        record_case(ledger, parse_case(case_data(structural_damage_eur="5500.00")), "test-fw")
        record_case(ledger, parse_case(case_data(case_id="TEST-0002", structural_damage_eur="4000.00")), "test-fw")
    recorded_fingerprint = framework_fingerprint(test_fw)
    monkeypatch.setitem(decisions.frameworks.FRAMEWORKS, "test-fw", _with_threshold(test_fw, "6000.00"))
    return path, recorded_fingerprint


def test_changed_framework_is_reported_diverged_with_the_field_and_the_fingerprint(changed_framework_ledger):
    path, recorded_fingerprint = changed_framework_ledger
    with open_fixed(path) as ledger:
        result = replay_record(record_at(ledger.conn, 1), Installed())
    assert result.status == DIVERGED
    assert not result.byte_identical
    fields = {d.path: (d.recorded, d.replayed) for d in result.diffs}
    assert fields["criteria[2].passed"] == (True, False)
    assert fields["outcome"] == ("eligible", "not_eligible")
    assert fields["criteria[2].required"] == (">= 5000.00", ">= 6000.00")
    assert fields["max_amount_eur"] == ("245000.00", None)
    assert "framework_fingerprint" not in fields  # reported as a flag, not as a diff
    assert result.fingerprint_changed
    assert result.recorded_fingerprint == recorded_fingerprint != result.current_fingerprint


def test_changed_framework_with_the_same_outputs_is_reproduced_but_flagged(tmp_path, monkeypatch):
    test_fw = attrs.evolve(FRAMEWORKS["2026"], id="test-fw")
    monkeypatch.setitem(decisions.frameworks.FRAMEWORKS, "test-fw", test_fw)
    path = tmp_path / "reworded.db"
    with open_fixed(path) as ledger:
        record_case(ledger, parse_case(case_data()), "test-fw")
    # Only the source reference of a parameter changes: the fingerprint changes, no output does.
    threshold = test_fw.criteria[2]
    reworded = attrs.evolve(threshold, minimum=Parameter(
        threshold.minimum.value, threshold.minimum.effective_from, "Beleidsregel 2025, artikel 3"
    ))
    monkeypatch.setitem(
        decisions.frameworks.FRAMEWORKS, "test-fw",
        attrs.evolve(test_fw, criteria=(*test_fw.criteria[:2], reworded, *test_fw.criteria[3:])),
    )
    with open_fixed(path) as ledger:
        result = replay_record(record_at(ledger.conn, 1), Installed())
    assert result.status == REPRODUCED
    assert not result.byte_identical  # the stored fingerprint differs from the current one
    assert result.diffs == ()
    assert result.fingerprint_changed


def test_cli_names_the_diverged_field_and_exits_1(changed_framework_ledger):
    path, _ = changed_framework_ledger
    result = run("replay", "--db", str(path), "--seq", "1")
    assert result.exit_code == 1
    assert "diverged" in result.output
    assert 'criteria[2].passed: recorded true, replayed false' in result.output
    assert 'outcome: recorded "eligible", replayed "not_eligible"' in result.output
    assert "framework fingerprint changed since recording" in result.output

    everything = run("replay", "--db", str(path), "--all", "--json")
    assert everything.exit_code == 1
    data = json.loads(everything.output)
    assert data["summary"]["by_status"] == {"reproduced": 0, "diverged": 2, "not_replayable": 0}
    assert data["summary"]["fingerprint_changed"] == 2
    assert [r["seq"] for r in data["results"]] == [1, 2]
    # Below both thresholds: still not eligible, but the requirement shown in the decision changed.
    assert [d["field"] for d in data["results"][1]["diffs"]] == ["criteria[2].required"]
    assert {"field": "outcome", "recorded": "eligible", "replayed": "not_eligible"} in data["results"][0]["diffs"]


def test_normal_records_reproduce_byte_for_byte(tmp_path):
    path = tmp_path / "synth.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(300, 4)))
        results = list(replay_all(all_records(ledger.conn)))
        for stored, result in zip(all_records(ledger.conn), results):
            assert result.status == REPRODUCED and result.byte_identical and not result.fingerprint_changed
            # The comparison is with the stored text itself: evaluate again independently and check the bytes.
            again = canonical_json(decision_to_data(evaluate(result.case, stored.framework)))
            assert again == stored.decision
    summary = summarise(iter(results))
    assert summary.records == 300 and summary.byte_identical == 300 and summary.all_reproduced
    assert set(summary.by_framework) <= set(FRAMEWORKS)


def test_exception_decisions_are_not_replayable_with_the_reason(fixed_db):
    result = run("replay", "--db", str(fixed_db), "--case", EXCEPTION_CASE, "--json")
    assert result.exit_code == 0  # nothing diverged
    first, second = json.loads(result.output)["results"]
    assert (first["kind"], first["status"]) == ("assessment", REPRODUCED)
    assert (second["kind"], second["status"]) == ("exception_decision", NOT_REPLAYABLE)
    assert "discretionary" in second["reason"]


def test_replay_all_lists_only_what_is_noteworthy_and_sums_up(fixed_db):
    result = run("replay", "--db", str(fixed_db), "--all")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("seq 200  FIX-E001  exception_decision  2026  not_replayable")
    assert "replayed 200 records: 199 reproduced (199 byte-identical), 0 diverged, 1 not replayable" in result.output
    assert "fingerprint changed for 0" in result.output


def test_other_framework_side_by_side(fixed_db):
    result = run("replay", "--db", str(fixed_db), "--case", CORRECTED_CASE, "--framework", "pilot-2023")
    assert result.exit_code == 0
    first, second = result.output.splitlines()
    assert first.startswith(f"seq 197  {CORRECTED_CASE}  assessment  pilot-2024  reproduced (byte-identical)")
    assert first.endswith("| under pilot-2023: eligible")
    assert second.startswith(f"seq 198  {CORRECTED_CASE}  correction  2026  reproduced")
    data = json.loads(run("replay", "--db", str(fixed_db), "--seq", "198", "--framework", "2026", "--json").output)
    assert data["results"][0]["other"]["outcome"] == "eligible"


def test_json_diff_paths():
    recorded = {"outcome": "eligible", "criteria": [{"passed": True}, {"passed": True}], "max": "1.00"}
    replayed = {"outcome": "eligible", "criteria": [{"passed": True}, {"passed": False}], "extra": 1}
    diffs = {d.path: (d.recorded, d.replayed) for d in json_diff(recorded, replayed)}
    assert diffs == {"criteria[1].passed": (True, False), "extra": ("<absent>", 1), "max": ("1.00", "<absent>")}
    assert json_diff({"a": 1}, {"a": True}) != []  # 1 and true are different JSON


@pytest.mark.parametrize(
    "args, field",
    [
        ([], "--seq/--case/--all"),
        (["--seq", "1", "--all"], "--seq/--case/--all"),
        (["--all", "--html", "x.html"], "--html"),
        (["--seq", "999"], "--seq"),
        (["--case", "NOPE"], "--case"),
        (["--seq", "1", "--framework", "pilot-2099"], "framework"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(fixed_db, args, field):
    result = CliRunner().invoke(main, ["replay", "--db", str(fixed_db), *args])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {field}") or f"error: {field}:" in result.output
    assert "Traceback" not in result.output


def test_missing_ledger_is_bad_input(tmp_path):
    result = CliRunner().invoke(main, ["replay", "--db", str(tmp_path / "none.db"), "--all"])
    assert result.exit_code == 2 and "error: db: no ledger at" in result.output
