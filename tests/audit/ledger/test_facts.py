"""Facts read in bulk from the hashed JSON (`audit.ledger.facts`)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import attrs
import numpy as np
import pytest

from tests.support.analysis_ledger import open_fixed
from audit.ledger.facts import FACTS_SQL, Unreadable, decode_facts, in_workers, latest_facts, ordinal
from audit.ledger.recording import record_case, record_cases
from audit.synth import generate_cases
from tests.support.cases import case_data
from decisions.inputs import parse_case
from decisions.vectorised import NO_DATE, Columns

FIELDS = [field.name for field in attrs.fields(Columns)]


def rows_of(columns: Columns, *texts) -> list[tuple]:
    """The cases as sortable tuples: a chunk of latest records comes in no particular order."""
    arrays = [getattr(columns, name).tolist() for name in FIELDS]
    return sorted(zip(*texts, *arrays))


def expected_rows(cases) -> list[tuple]:
    return rows_of(Columns.from_cases(cases), [c.case_id for c in cases], [c.municipality for c in cases])


@pytest.fixture(scope="module")
def corrected_db(tmp_path_factory):
    """120 synthetic cases; every tenth corrected by a later record."""
    path = tmp_path_factory.mktemp("facts") / "facts.db"
    cases = [parse_case(c) for c in generate_cases(120, 41)]
    with open_fixed(path) as ledger:
        seqs = record_cases(ledger, cases)
        latest = dict(zip(seqs, cases))
        for seq, case in list(latest.items())[::10]:
            corrected = attrs.evolve(case, woz_value_eur=case.woz_value_eur + 1, pgv_history=None)
            record_case(ledger, corrected, "2026", kind="correction", supersedes=seq)
            latest[seq] = corrected
    return path, cases, list(latest.values())


@pytest.mark.parametrize("size, workers", [(50_000, 2), (25, 1), (25, 2), (7, 3)])
def test_the_facts_are_those_of_the_latest_record_of_each_case(corrected_db, size, workers):
    path, _, latest = corrected_db
    with open_fixed(path) as ledger:
        chunks = list(latest_facts(ledger.conn, 132, size, workers))
    found = [row for facts in chunks for row in rows_of(facts.columns, facts.case_id, facts.municipality)]
    assert sorted(found) == expected_rows(latest)
    assert len(chunks) == -(-132 // size)


def test_records_after_last_are_not_read(corrected_db):
    path, cases, _ = corrected_db
    with open_fixed(path) as ledger:
        (facts,) = latest_facts(ledger.conn, 120)
    assert rows_of(facts.columns, facts.case_id, facts.municipality) == expected_rows(cases)


def test_an_in_memory_database_is_read_on_its_own_connection(corrected_db):
    path, _, latest = corrected_db
    memory = sqlite3.connect(":memory:")
    memory.execute(f"ATTACH DATABASE '{path}' AS source")
    memory.execute("CREATE TABLE records AS SELECT * FROM source.records")
    chunks = list(latest_facts(memory, 132, 50))
    memory.close()
    assert sum(len(facts) for facts in chunks) == len(latest)


def test_a_chunk_without_latest_records_is_empty(tmp_path):
    with open_fixed(tmp_path / "empty-chunk.db") as ledger:
        record_case(ledger, parse_case(case_data(case_id="C-1")))
        record_case(ledger, parse_case(case_data(case_id="C-1")), kind="correction", supersedes=1)
        first, second = latest_facts(ledger.conn, 2, 1)
    assert len(first) == 0 and len(first.columns) == 0
    assert second.case_id == ("C-1",)


def test_workers_give_rows_in_order(corrected_db):
    path, _, _ = corrected_db
    with open_fixed(path) as ledger:
        rows = list(in_workers(ledger.conn, [("SELECT ? * 2", (n,)) for n in range(9)], workers=2))
    assert rows == [(n * 2,) for n in range(9)]


def facts_of(*changes: dict):
    """The facts read from a records table holding these cases (the base case with changes)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, inputs TEXT)")
    for seq, change in enumerate(changes, start=1):
        conn.execute("INSERT INTO records VALUES (?, ?)", (seq, json.dumps({**case_data(), **change})))
    try:
        return decode_facts(*conn.execute(f"SELECT count(*), {FACTS_SQL} FROM records").fetchone())
    finally:
        conn.close()


def test_facts_as_the_ledger_writes_them_decode():
    changes = {"estimated_cost_eur": "125000.01", "existing_dossier_since": "2024-01-31"}
    facts = facts_of({}, changes)
    assert facts.municipality == ("Eemsdelta", "Eemsdelta")
    assert facts.columns.estimated_cost_cents.tolist() == [0, 12_500_001]
    assert facts.columns.has_estimated_cost.tolist() == [False, True]
    assert facts.columns.recognised_cents.dtype == np.int64
    cases = [parse_case(case_data()), parse_case(case_data(**changes))]
    assert rows_of(facts.columns, facts.case_id, facts.municipality) == expected_rows(cases)


@pytest.mark.parametrize(
    "changes",
    [
        {"woz_value_eur": "245000.0"},
        {"woz_value_eur": "0245000.00"},
        {"woz_value_eur": 245000},
        {"woz_value_eur": 245000.5},
        {"estimated_cost_eur": "1e5"},
        {"unsettled_damage_eur": "5.00\n6.00"},
        {"unsettled_damage_eur": "-5.00"},
        {"unsettled_damage_eur": "99999999999999999.00"},
        {"technical_cause": 1},
        {"technical_cause": None},
        {"pgv_5mms_events": 4.0},
        {"pgv_5mms_events": True},
        {"pgv_5mms_events": -1},
        {"assessed_on": "2026-02-30"},
        {"assessed_on": None},
        {"existing_dossier_since": "2024-6-1"},
        {"existing_dossier_since": 20240601},
        {"existing_dossier_since": {"date": "2024-06-01"}},
        {"assessed_on": ["2026-01-01"]},
        {"municipality": " "},
        {"municipality": "Eems\tdelta"},
        {"municipality": "Eems],[delta"},  # valid, but it would join the texts of two records wrongly
        {"municipality": 'Eems"],["delta'},
        {"municipality": None},
        {"case_id": 7},
    ],
)
def test_any_other_type_or_form_is_unreadable(changes):
    with pytest.raises(Unreadable):
        facts_of({}, changes)


def test_a_count_that_does_not_match_the_joined_facts_is_unreadable():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, inputs TEXT)")
    conn.execute("INSERT INTO records VALUES (1, ?)", (json.dumps(case_data()),))
    _, numbers, texts = conn.execute(f"SELECT count(*), {FACTS_SQL} FROM records").fetchone()
    with pytest.raises(Unreadable):
        decode_facts(2, numbers, texts)


def test_ordinals():
    assert ordinal(None) == NO_DATE
    assert ordinal("2026-01-01") == date(2026, 1, 1).toordinal()
    for bad in ("2026-02-29", "20260101", "2026-W01-1", "2026-01-01\n", "", 20260101):
        assert ordinal(bad) == -1


@pytest.mark.parametrize("size, workers", [(50_000, 2), (25, 1), (7, 3)])
def test_reading_the_latest_seqs_first_gives_the_same_facts(corrected_db, size, workers):
    from audit.ledger.facts import latest_facts_by_seq

    path, cases, latest = corrected_db
    with open_fixed(path) as ledger:
        chunks = list(latest_facts_by_seq(ledger.conn, 132, size, workers))
        before_last = list(latest_facts_by_seq(ledger.conn, 120, size, workers))
    found = [row for facts in chunks for row in rows_of(facts.columns, facts.case_id, facts.municipality)]
    assert sorted(found) == expected_rows(latest)
    assert all(0 < len(facts) <= size for facts in chunks)
    assert sorted(row for facts in before_last for row in rows_of(facts.columns, facts.case_id, facts.municipality)) \
        == sorted(expected_rows(cases))
