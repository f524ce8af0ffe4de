"""`verify` reads the JSON fields as their stored bytes: a field stored as another type is still named."""

from __future__ import annotations

import sqlite3

import pytest

from audit.ledger import Ledger
from audit.ledger.recording import record_cases
from audit.synth import generate_cases
from decisions.inputs import parse_case


@pytest.fixture
def ledger_path(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        record_cases(ledger, (parse_case(data) for data in generate_cases(12, seed=4)))
    return path


def tamper(path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute(sql)
    conn.commit()
    conn.close()


def verify(path):
    with Ledger(path, create=False) as ledger:
        return ledger.verify()


def test_intact(ledger_path):
    assert verify(ledger_path).ok


@pytest.mark.parametrize("column", ["inputs", "decision"])
def test_the_same_bytes_stored_as_a_blob_are_named(ledger_path, column):
    tamper(ledger_path, f"UPDATE records SET {column} = CAST({column} AS BLOB) WHERE seq = 7")
    report = verify(ledger_path)
    assert not report.ok and report.first_bad_seq == 7
    assert "cannot be read back into canonical form" in report.problem


def test_a_number_stored_as_text_is_named(ledger_path):
    tamper(ledger_path, "UPDATE records SET canonical_version = 'v1' WHERE seq = 5")
    report = verify(ledger_path)
    assert not report.ok and report.first_bad_seq == 5
    assert report.problem == "unknown canonical-form version 'v1'"


def test_an_edited_byte_of_the_json_is_named(ledger_path):
    tamper(ledger_path, "UPDATE records SET decision = replace(decision, '\"outcome\":', '\"outcome\" :') WHERE seq = 9")
    report = verify(ledger_path)
    assert not report.ok and report.first_bad_seq == 9
    assert report.problem == "hash does not match the record's stored fields (the record was changed)"


def test_a_blob_is_named_with_the_reason(ledger_path):
    tamper(ledger_path, "UPDATE records SET decision = CAST(decision AS BLOB) WHERE seq = 3")
    report = verify(ledger_path)
    assert (report.first_bad_seq, report.problem) == (
        3, "stored fields cannot be read back into canonical form (inputs and decision must be stored as text)"
    )


def test_a_broken_chain_is_named_before_a_typed_column_of_an_earlier_record(ledger_path):
    # The documented order: the first record the chain pass finds bad, then the typed columns.
    tamper(ledger_path, "UPDATE records SET municipality = 'Nergens' WHERE seq = 2")
    conn = sqlite3.connect(ledger_path)
    conn.execute("UPDATE records SET prev_hash = ? WHERE seq = 7", ("ab" * 32,))
    conn.commit()
    conn.close()
    report = verify(ledger_path)
    assert report.first_bad_seq == 7 and report.problem.startswith("prev_hash does not match"), report.summary()
