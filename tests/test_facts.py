"""Facts of the latest records read in bulk from the hashed JSON (`audit.facts`)."""

from __future__ import annotations

import json
import sqlite3

import attrs
import numpy as np
import pytest

from analysis_ledger import open_fixed
from audit.facts import Unreadable, latest_facts
from audit.synth import generate_cases
from conftest import case_data
from decisions.inputs import parse_case
from decisions.vectorised import Columns

FIELDS = [field.name for field in attrs.fields(Columns)]


def rows_of(columns: Columns, municipality: list[str]) -> list[tuple]:
    """The cases as sortable tuples: a chunk comes in no particular order."""
    arrays = [getattr(columns, name).tolist() for name in FIELDS]
    return sorted(zip(municipality, *arrays))


@pytest.fixture(scope="module")
def corrected_db(tmp_path_factory):
    """120 synthetic cases; every tenth corrected by a later record."""
    path = tmp_path_factory.mktemp("facts") / "facts.db"
    cases = [parse_case(c) for c in generate_cases(120, 41)]
    with open_fixed(path) as ledger:
        seqs = ledger.append_many(cases)
        latest = dict(zip(seqs, cases))
        for seq, case in list(latest.items())[::10]:
            corrected = attrs.evolve(case, woz_value_eur=case.woz_value_eur + 1, pgv_history=None)
            ledger.append(corrected, "2026", kind="correction", supersedes=seq)
            latest[seq] = corrected
    return path, cases, list(latest.values())


@pytest.mark.parametrize("size, workers", [(50_000, 2), (25, 1), (25, 2), (7, 3)])
def test_the_facts_are_those_of_the_latest_record_of_each_case(corrected_db, size, workers):
    path, _, latest = corrected_db
    with open_fixed(path) as ledger:
        chunks = list(latest_facts(ledger.conn, 132, "SYN-", size, workers))
    found = [row for chunk in chunks for row in rows_of(chunk.columns, chunk.municipality)]
    assert sorted(found) == rows_of(Columns.from_cases(latest), [c.municipality for c in latest])
    assert all(chunk.synthetic for chunk in chunks)


def test_records_after_last_are_not_read(corrected_db):
    path, cases, _ = corrected_db
    with open_fixed(path) as ledger:
        (chunk,) = latest_facts(ledger.conn, 120, "SYN-")
    assert rows_of(chunk.columns, chunk.municipality) == rows_of(Columns.from_cases(cases), [c.municipality for c in cases])


def test_an_in_memory_database_is_read_on_its_own_connection(corrected_db):
    path, _, latest = corrected_db
    memory = sqlite3.connect(":memory:")
    memory.execute(f"ATTACH DATABASE '{path}' AS source")
    memory.execute("CREATE TABLE records AS SELECT * FROM source.records")
    chunks = list(latest_facts(memory, 132, "SYN-", 50))
    memory.close()
    assert sum(len(chunk) for chunk in chunks) == len(latest)


def test_the_synthetic_flag_and_an_empty_chunk(tmp_path):
    with open_fixed(tmp_path / "mixed.db") as ledger:
        ledger.append(parse_case(case_data(case_id="SYN-000001")))
        ledger.append(parse_case(case_data(case_id="REAL-1")))
        chunks = list(latest_facts(ledger.conn, 2, "SYN-", 1))
        assert [chunk.synthetic for chunk in chunks] == [True, False]
        ledger.append(parse_case(case_data(case_id="SYN-000001")), kind="correction", supersedes=1)
        first, _, _ = latest_facts(ledger.conn, 3, "SYN-", 1)
    assert len(first) == 0 and first.synthetic and len(first.columns) == 0


def facts_of(*changes: dict, prefix: str = "TEST-"):
    """The facts read from a records table holding these cases (base case with changes), in memory."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, case_id TEXT, inputs TEXT)")
    for seq, change in enumerate(changes, start=1):
        data = {**case_data(case_id=f"TEST-{seq}"), **change}
        conn.execute("INSERT INTO records VALUES (?, ?, ?)", (seq, f"C{seq}", json.dumps(data)))
    try:
        return list(latest_facts(conn, len(changes), prefix))
    finally:
        conn.close()


def test_a_chunk_as_the_ledger_writes_it_decodes():
    (chunk,) = facts_of({}, {"estimated_cost_eur": "125000.01", "existing_dossier_since": "2024-01-31"})
    assert chunk.synthetic and chunk.municipality == ["Eemsdelta", "Eemsdelta"]
    assert chunk.columns.estimated_cost_cents.tolist() == [0, 12_500_001]
    assert chunk.columns.has_estimated_cost.tolist() == [False, True]
    assert chunk.columns.recognised_cents.dtype == np.int64
    expected = Columns.from_cases([parse_case(case_data()), parse_case(case_data(
        estimated_cost_eur="125000.01", existing_dossier_since="2024-01-31"))])
    assert rows_of(chunk.columns, chunk.municipality) == rows_of(expected, ["Eemsdelta"] * 2)
    (other,) = facts_of({}, {}, prefix="SYN-")
    assert not other.synthetic


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
        {"municipality": " "},
        {"municipality": "Eems\tdelta"},
        {"municipality": None},
        {"case_id": 7},
    ],
)
def test_any_other_type_or_form_is_unreadable(changes):
    with pytest.raises(Unreadable):
        facts_of({}, changes)
