"""Bulk replay (`audit.analysis.replay_bulk.replay_ledger`) gives the results of the exact, record-by-record replay."""

from __future__ import annotations

import json

import attrs
import pytest
from click.testing import CliRunner

import audit.analysis.replay_bulk
import decisions.frameworks
import decisions.vectorised
from tests.support.analysis_ledger import build, open_fixed
from tests.support.attacker import connect as attacker_connect
from tests.support.attacker import rechain
from audit.analysis.replay_bulk import replay_ledger
from audit.cli import main
from audit.cli.analysis import _replay_lines, _summary_lines
from audit.analysis.replay import DIVERGED, NOT_REPLAYABLE, REPRODUCED, Installed, replay_all, summarise
from audit.ledger.scan import all_records
from audit.ledger.recording import record_case, record_cases
from audit.synth import generate_cases
from tests.support.cases import case_data
from decisions.frameworks import FRAMEWORKS
from decisions.registry import get_framework
from decisions.inputs import parse_case
from decisions.vectorised import compile_framework
from tests.decisions.test_vectorised import AlwaysPasses

COMPARED = ("seq", "case_id", "kind", "framework", "status", "byte_identical", "recorded_fingerprint",
            "current_fingerprint", "diffs", "reason", "reason_code", "other")


def outcome(result) -> dict:
    """Everything a replay result says, but the parsed case and decision the bulk path does not build."""
    return {name: getattr(result, name) for name in COMPARED}


def assert_same_as_exact(path, other=None) -> list:
    with open_fixed(path) as ledger:
        bulk = list(replay_ledger(ledger.conn, Installed(), other))
        exact = list(replay_all(all_records(ledger.conn), Installed(), other))
    assert [outcome(r) for r in bulk] == [outcome(r) for r in exact]
    assert summarise(iter(bulk), other and other.id) == summarise(iter(exact), other and other.id)
    return bulk


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory):
    """Synthetic cases under every framework, some corrected by a later record."""
    path = tmp_path_factory.mktemp("bulk-replay") / "synth.db"
    with open_fixed(path) as ledger:
        seqs = record_cases(ledger, (parse_case(c) for c in generate_cases(1500, 11)))
        for seq in seqs[::97]:
            record = ledger.get(seq)
            corrected = attrs.evolve(record.inputs, technical_cause=not record.inputs.technical_cause, pgv_history=None,
                                     pgv_5mms_events=record.inputs.pgv_5mms_events + 1)
            record_case(ledger, corrected, "2026", kind="correction", supersedes=seq, actor="reviewer-01")
    return path


@pytest.fixture(scope="module")
def fixed_db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("bulk-replay-fixed") / "fixed.db")


def test_synthetic_ledger_in_small_chunks(synth_db, monkeypatch):
    monkeypatch.setattr(audit.analysis.replay_bulk, "CHUNK", 250)
    results = assert_same_as_exact(synth_db)
    assert len(results) > 1500
    assert all(r.status == REPRODUCED and r.byte_identical for r in results)
    assert all(r.case is None for r in results)  # all in bulk: none went the exact way


@pytest.mark.parametrize("other", ["pilot-2023", "pilot-2024", "2026"])
def test_with_another_framework_beside(synth_db, other):
    results = assert_same_as_exact(synth_db, get_framework(other))
    assert all(r.other is not None and r.other.framework == other for r in results)


def test_another_framework_without_a_vectorised_form_replays_record_by_record(fixed_db):
    new = get_framework("2026")
    odd = attrs.evolve(new, id="odd", criteria=(AlwaysPasses(), *new.criteria[1:]))
    results = assert_same_as_exact(fixed_db, odd)
    assert all(r.other.framework == "odd" for r in results if r.other is not None)


def test_exception_decision_and_correction(fixed_db):
    results = assert_same_as_exact(fixed_db)
    last = results[-1]
    assert (last.kind, last.status) == ("exception_decision", NOT_REPLAYABLE)
    assert "discretionary" in last.reason


def test_a_changed_framework_and_one_no_longer_installed(tmp_path, monkeypatch):
    test_fw = attrs.evolve(FRAMEWORKS["2026"], id="test-fw", title="Testkader")
    gone = attrs.evolve(FRAMEWORKS["2026"], id="gone-fw")
    monkeypatch.setitem(decisions.frameworks.FRAMEWORKS, "test-fw", test_fw)
    monkeypatch.setitem(decisions.frameworks.FRAMEWORKS, "gone-fw", gone)
    path = tmp_path / "changed.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(40, 3)))
        record_case(ledger, parse_case(case_data(structural_damage_eur="5500.00")), "test-fw")
        record_case(ledger, parse_case(case_data(case_id="TEST-0002", structural_damage_eur="4000.00")), "test-fw")
        record_case(ledger, parse_case(case_data(case_id="TEST-0003")), "gone-fw")
    threshold = test_fw.criteria[2]
    raised = attrs.evolve(threshold, minimum=attrs.evolve(threshold.minimum, value=threshold.minimum.value + 1000))
    monkeypatch.setitem(decisions.frameworks.FRAMEWORKS, "test-fw",
                        attrs.evolve(test_fw, criteria=(*test_fw.criteria[:2], raised, *test_fw.criteria[3:])))
    monkeypatch.delitem(decisions.frameworks.FRAMEWORKS, "gone-fw")
    results = assert_same_as_exact(path)
    assert [r.status for r in results[-3:]] == [DIVERGED, DIVERGED, NOT_REPLAYABLE]
    assert all(r.fingerprint_changed for r in results[-3:-1])


def test_a_stored_decision_that_differs_is_diverged_with_its_fields(tmp_path):
    path = tmp_path / "edited.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(30, 5)))
    conn = attacker_connect(path)
    conn.execute("UPDATE records SET decision = replace(decision, '\"passed\":false', '\"passed\":true') WHERE seq = 7")
    rechain(conn, 7)
    conn.close()
    results = assert_same_as_exact(path)
    assert results[6].status == DIVERGED and results[6].diffs
    assert all(r.status == REPRODUCED for i, r in enumerate(results) if i != 6)


def test_facts_the_columns_cannot_show_go_the_exact_way(tmp_path):
    """A record whose hashed inputs break a rule (typed columns matching them): the exact path says why."""
    path = tmp_path / "invalid.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(20, 6)))
    conn = attacker_connect(path)
    conn.execute(
        "UPDATE records SET unsettled_cents = recognised_cents + 1, inputs = json_set(inputs, '$.unsettled_damage_eur', "
        "printf('%d.%02d', (recognised_cents + 1) / 100, (recognised_cents + 1) % 100)) WHERE seq = 4"
    )
    rechain(conn, 4)
    conn.close()
    results = assert_same_as_exact(path)
    assert results[3].status == DIVERGED and "no longer pass validation" in results[3].reason


def test_the_typed_copies_of_the_facts_are_not_what_is_replayed(tmp_path):
    """The bulk path reads the hashed JSON: an edited typed column changes nothing (`verify` reports it)."""
    path = tmp_path / "typed.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(40, 8)))
    conn = attacker_connect(path)
    conn.execute("UPDATE records SET pgv_events = pgv_events + 4, woz_cents = 'abc', technical_cause = 7")
    conn.close()
    results = assert_same_as_exact(path)
    assert all(r.status == REPRODUCED and r.case is None for r in results)


@pytest.mark.parametrize(
    "edit",
    [
        "inputs = json_set(inputs, '$.woz_value_eur', 245000)",
        "inputs = json_set(inputs, '$.pgv_5mms_events', 4.0)",
        "case_id = case_id || char(31)",
    ],
)
def test_a_chunk_not_written_as_the_ledger_writes_it_is_replayed_exactly(tmp_path, monkeypatch, edit):
    monkeypatch.setattr(audit.analysis.replay_bulk, "CHUNK", 10)
    path = tmp_path / "odd.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(40, 9)))
    conn = attacker_connect(path)
    conn.execute(f"UPDATE records SET {edit} WHERE seq = 15")
    rechain(conn, 15)
    conn.close()
    results = assert_same_as_exact(path)
    in_bulk = [r.status == REPRODUCED and r.case is None for r in results]
    assert in_bulk == [not 11 <= r.seq <= 20 for r in results]


def test_cli_output_is_that_of_the_exact_replay(fixed_db, monkeypatch):
    monkeypatch.setattr(audit.analysis.replay_bulk, "CHUNK", 50)
    with open_fixed(fixed_db) as ledger:
        exact = list(replay_all(all_records(ledger.conn), Installed(), get_framework("pilot-2023")))
    lines = [line for r in exact if r.noteworthy for line in _replay_lines(r)]
    lines += _summary_lines(summarise(iter(exact), "pilot-2023"))
    result = CliRunner().invoke(main, ["replay", "--db", str(fixed_db), "--all", "--framework", "pilot-2023"])
    assert result.exit_code == 0
    assert result.output.splitlines() == lines
    data = json.loads(CliRunner().invoke(main, ["replay", "--db", str(fixed_db), "--all", "--json"]).output)
    assert data["summary"]["by_status"] == {"reproduced": 199, "diverged": 0, "not_replayable": 1}


def test_with_the_vectorised_path_turned_off_every_record_is_replayed_exactly(fixed_db, monkeypatch):
    monkeypatch.setattr(decisions.vectorised, "MIRRORED_LOGIC", "sha256:" + "0" * 64)
    compile_framework.cache_clear()
    try:
        results = assert_same_as_exact(fixed_db)
        assert all(r.case is not None for r in results)  # none in bulk
    finally:
        compile_framework.cache_clear()
