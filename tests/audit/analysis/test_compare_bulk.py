"""Bulk comparison (`audit.analysis.compare_bulk`) gives the `Comparison` of the case-by-case path."""

from __future__ import annotations

import itertools

import attrs
import pytest

import audit.analysis.compare_bulk
import decisions.vectorised
from tests.support.analysis_ledger import build, open_fixed
from tests.support.attacker import connect as attacker_connect
from audit.analysis.compare_bulk import NotInBulk, compare_in_bulk
from audit.analysis.compare import compare_cases, compare_ledger
from audit.ledger.recording import record_case, record_cases
from audit.synth import generate_cases
from decisions.errors import InvalidCase
from decisions.frameworks import FRAMEWORKS
from decisions.registry import get_framework
from decisions.inputs import parse_case
from decisions.vectorised import compile_framework
from tests.decisions.test_vectorised import AlwaysPasses, _with_parameters

PAIRS = list(itertools.product(FRAMEWORKS, repeat=2))


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory):
    """Synthetic cases, some corrected under 2026 by a later record (the latest record counts)."""
    path = tmp_path_factory.mktemp("bulk-compare") / "synth.db"
    with open_fixed(path) as ledger:
        seqs = record_cases(ledger, (parse_case(c) for c in generate_cases(3000, 13)))
        for seq in seqs[::41]:
            record = ledger.get(seq)
            corrected = attrs.evolve(record.inputs, in_pilot_area=not record.inputs.in_pilot_area)
            record_case(ledger, corrected, "2026", kind="correction", supersedes=seq, actor="reviewer-02")
    return path


@pytest.mark.parametrize("before, after", PAIRS)
def test_every_pair_of_frameworks_in_small_chunks(synth_db, monkeypatch, before, after):
    monkeypatch.setattr(audit.analysis.compare_bulk, "CHUNK", 700)
    old, new = get_framework(before), get_framework(after)
    with open_fixed(synth_db) as ledger:
        bulk = compare_in_bulk(ledger.conn, old, new)
        exact = compare_cases(ledger.conn, old, new)
    assert bulk == exact
    assert bulk.cases == 3000


def test_a_second_synthetic_population_and_the_fixed_ledger(tmp_path):
    path = tmp_path / "other.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(2500, 21)))
    fixed = build(tmp_path / "fixed.db")
    for db in (path, fixed):
        with open_fixed(db) as ledger:
            for before, after in (("pilot-2024", "2026"), ("2026", "pilot-2024")):
                old, new = get_framework(before), get_framework(after)
                assert compare_in_bulk(ledger.conn, old, new) == compare_cases(ledger.conn, old, new)


def test_changed_parameters_are_compared_alike(synth_db):
    new = _with_parameters(get_framework("2026"), events=3, cap=get_framework("2026").cap_rule.statutory_max.value / 2)
    old = _with_parameters(get_framework("pilot-2024"), reinforcement=False)
    with open_fixed(synth_db) as ledger:
        bulk = compare_in_bulk(ledger.conn, old, new)
        assert bulk == compare_cases(ledger.conn, old, new)
        assert bulk != compare_cases(ledger.conn, get_framework("pilot-2024"), get_framework("2026"))


def test_compare_ledger_runs_in_bulk_and_counts_progress(synth_db):
    seen = []
    with open_fixed(synth_db) as ledger:
        comparison = compare_ledger(ledger.conn, get_framework("pilot-2024"), get_framework("2026"), seen.append)
    assert sum(seen) == comparison.cases == 3000
    assert len(seen) == 1  # one chunk: in bulk, not one call per case


def test_a_framework_without_a_vectorised_form_is_compared_case_by_case(synth_db):
    new = get_framework("2026")
    odd = attrs.evolve(new, id="odd", criteria=(AlwaysPasses(), *new.criteria[1:]))
    with open_fixed(synth_db) as ledger:
        with pytest.raises(NotInBulk):
            compare_in_bulk(ledger.conn, get_framework("pilot-2024"), odd)
        assert compare_ledger(ledger.conn, get_framework("pilot-2024"), odd) == compare_cases(
            ledger.conn, get_framework("pilot-2024"), odd
        )


def test_inputs_that_break_a_rule_are_left_to_the_case_by_case_path(tmp_path):
    """The case-by-case path names the field; the bulk path does not decide such a case."""
    path = tmp_path / "invalid.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(30, 4)))
    conn = attacker_connect(path)
    conn.execute(
        "UPDATE records SET unsettled_cents = recognised_cents + 1, inputs = json_set(inputs, '$.unsettled_damage_eur', "
        "printf('%d.%02d', (recognised_cents + 1) / 100, (recognised_cents + 1) % 100)) WHERE seq = 9"
    )
    conn.close()
    with open_fixed(path) as ledger:
        with pytest.raises(NotInBulk):
            compare_in_bulk(ledger.conn, get_framework("pilot-2024"), get_framework("2026"))
        with pytest.raises(InvalidCase, match="unsettled_damage_eur"):
            compare_ledger(ledger.conn, get_framework("pilot-2024"), get_framework("2026"))


@pytest.mark.parametrize(
    "change",
    [
        "municipality = 'Groningen' || municipality",
        "case_id = case_id",
        "woz_cents = woz_cents + 100000000",
        "woz_cents = 'abc'",
        "technical_cause = 1 - technical_cause",
        "pgv_events = pgv_events + 5",
        "dossier_since = '2024-01-01'",
        "in_pilot_area = 1 - in_pilot_area",
    ],
)
def test_the_typed_copies_of_the_facts_are_not_what_is_compared(tmp_path, change):
    """The bulk path reads the hashed JSON: an edited typed column changes nothing (`verify` reports it)."""
    path = tmp_path / "typed.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(300, 4)))
        before = compare_ledger(ledger.conn, get_framework("pilot-2024"), get_framework("2026"))
    conn = attacker_connect(path)
    conn.execute(f"UPDATE records SET {change} WHERE seq % 3 = 0")
    conn.close()
    with open_fixed(path) as ledger:
        assert compare_in_bulk(ledger.conn, get_framework("pilot-2024"), get_framework("2026")) == before


@pytest.mark.parametrize(
    "edit",
    [
        "json_set(inputs, '$.woz_value_eur', '245000.0')",  # valid input, but not as the ledger writes it
        "json_set(inputs, '$.woz_value_eur', 245000)",
        "json_set(inputs, '$.pgv_5mms_events', 4.0)",
        "json_set(inputs, '$.rijksmonument', 1)",
        "json_set(inputs, '$.assessed_on', '2026-02-30')",
        "json_set(inputs, '$.municipality', ' ')",
        "json_set(inputs, '$.municipality', 'Eems],[delta')",
    ],
)
def test_facts_not_written_as_the_ledger_writes_them_are_compared_case_by_case(tmp_path, edit):
    path = tmp_path / "odd.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(60, 4)))
    conn = attacker_connect(path)
    conn.execute(f"UPDATE records SET inputs = {edit} WHERE seq = 23")
    conn.close()
    old, new = get_framework("pilot-2024"), get_framework("2026")
    with open_fixed(path) as ledger:
        with pytest.raises(NotInBulk):
            compare_in_bulk(ledger.conn, old, new)
        try:
            expected = compare_cases(ledger.conn, old, new)
        except InvalidCase as exc:
            with pytest.raises(InvalidCase, match=exc.field):
                compare_ledger(ledger.conn, old, new)
        else:
            assert compare_ledger(ledger.conn, old, new) == expected


def test_with_the_vectorised_path_turned_off_the_comparison_is_the_same(synth_db, monkeypatch):
    old, new = get_framework("pilot-2024"), get_framework("2026")
    with open_fixed(synth_db) as ledger:
        expected = compare_ledger(ledger.conn, old, new)
        monkeypatch.setattr(decisions.vectorised, "MIRRORED_LOGIC", "sha256:" + "0" * 64)
        compile_framework.cache_clear()
        try:
            with pytest.raises(NotInBulk):
                compare_in_bulk(ledger.conn, old, new)
            assert compare_ledger(ledger.conn, old, new) == expected
        finally:
            compile_framework.cache_clear()
