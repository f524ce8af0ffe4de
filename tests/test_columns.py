"""Typed columns read from the ledger (`audit.columns`), and their check against the hashed JSON."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from analysis_ledger import open_fixed
from attacker import connect as attacker_connect
from audit.columns import (
    INPUT_COLUMNS,
    BesideChecker,
    check_range,
    columns_of,
    ordinal,
    record_chunk,
)
from audit.synth import generate_cases
from decisions.inputs import parse_case
from decisions.vectorised import NO_DATE, Columns

FIELDS = [name for name in Columns.__attrs_attrs__]


@pytest.fixture
def ledger_cases(tmp_path):
    cases = [parse_case(c) for c in generate_cases(120, 31)]
    path = tmp_path / "columns.db"
    with open_fixed(path) as ledger:
        ledger.append_many(cases)
    return path, cases


def assert_columns_equal(left: Columns, right: Columns) -> None:
    for field in FIELDS:
        assert getattr(left, field.name).tolist() == getattr(right, field.name).tolist(), field.name
        assert getattr(left, field.name).dtype == getattr(right, field.name).dtype, field.name


def test_the_columns_read_are_the_facts_of_the_cases(ledger_cases):
    path, cases = ledger_cases
    expected = Columns.from_cases(cases)
    with open_fixed(path) as ledger:
        whole = record_chunk(ledger.conn, 1, 120)
        part = record_chunk(ledger.conn, 51, 100)
    assert_columns_equal(whole.columns, expected)
    assert whole.readable.all()
    assert whole.seq == list(range(1, 121)) and whole.case_id == [c.case_id for c in cases]
    assert whole.kind == ["assessment"] * 120
    assert_columns_equal(part.columns, expected.take(slice(50, 100)))


def test_dates_and_flags_that_columns_cannot_show_are_unreadable():
    values = [
        (1, 0, 2, 1),  # technical_cause: 2 is no flag
        (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0),
        (1, 1, 1, 1), (0, 0, 0, 0),
        ("2026-01-01", "2026-02-30", "2026-01-01", "2026-1-1"),  # assessed_on
        (None, None, "2024-13-01", None),  # dossier_since
        (None, 5, None, None),
    ]
    columns, readable = columns_of(values)
    assert readable.tolist() == [True, False, False, False]
    assert columns.dossier_since.tolist()[:2] == [NO_DATE, NO_DATE]
    assert columns.has_estimated_cost.tolist() == [False, True, False, False]
    assert columns.estimated_cost_cents.tolist() == [0, 5, 0, 0]


def test_ordinals():
    assert ordinal(None) == NO_DATE
    assert ordinal("2026-01-01") == date(2026, 1, 1).toordinal()
    for bad in ("2026-02-29", "20260101", "2026-W01-1", "", 20260101):
        assert ordinal(bad) == -1


def test_an_empty_chunk():
    columns, readable = columns_of([()] * len(INPUT_COLUMNS))
    assert len(columns) == 0 and readable.size == 0


@pytest.mark.parametrize("column", INPUT_COLUMNS)
def test_the_check_finds_every_typed_column_that_disagrees(ledger_cases, column):
    path, _ = ledger_cases
    with open_fixed(path) as ledger:
        assert check_range(ledger.conn, INPUT_COLUMNS, 1, 120) is None
    conn = attacker_connect(path)
    kind = conn.execute(f"SELECT typeof({column}) FROM records WHERE seq = 40").fetchone()[0]
    changed = {"text": f"{column} || 'x'", "integer": f"{column} + 1", "null": "'2024-01-01'"}[kind]
    if column == "estimated_cost_cents" and kind == "null":
        changed = "100"
    conn.execute(f"UPDATE records SET {column} = {changed} WHERE seq = 40")
    conn.close()
    with open_fixed(path) as ledger:
        assert check_range(ledger.conn, INPUT_COLUMNS, 1, 120) == 40
        assert check_range(ledger.conn, INPUT_COLUMNS, 30, 50) == 40
        assert check_range(ledger.conn, INPUT_COLUMNS, 41, 120) is None


def test_checks_beside_run_on_a_second_connection_or_at_once_in_memory(ledger_cases):
    path, _ = ledger_cases
    with open_fixed(path) as ledger, BesideChecker(ledger.conn) as checker:
        assert checker.submit(check_range, INPUT_COLUMNS, 1, 120).result() is None
    memory = sqlite3.connect(":memory:")
    memory.execute(f"ATTACH DATABASE '{path}' AS source")
    memory.execute("CREATE TABLE records AS SELECT * FROM source.records")
    with BesideChecker(memory) as checker:
        assert checker.submit(check_range, INPUT_COLUMNS, 1, 120).done()
    memory.close()
