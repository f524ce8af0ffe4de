"""The trust rule (docs/trust.md): publishing counts only what was checked against the hashed JSON in the same run.

The attack: after a checkpoint was signed, someone with the file changes a typed
column of an old record in force (the hashed JSON stays as it was, so the chain
and the Merkle tree still verify), and puts the triggers back. An incremental
verification starts after the checkpoint and does not look at that record;
publishing must still refuse, because the statistics group by that column.
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.attacker import connect as attacker_connect, restore_triggers
from audit.ledger.checkpointing import LedgerUnverified, create_checkpoint
from audit.cli import main
from audit.ledger import Ledger
from audit.publication.publish import publish
from audit.ledger.recording import record_cases
from audit.synth import generate_cases
from decisions.inputs import parse_case

TAMPERED_SEQ = 40


@pytest.fixture
def checkpointed(tmp_path):
    """A ledger of 300 cases with a verified checkpoint after record 250."""
    path = tmp_path / "ledger.db"
    cases = [parse_case(data) for data in generate_cases(300, seed=12)]
    with Ledger(path) as ledger:
        record_cases(ledger, cases[:250])
        create_checkpoint(ledger, Ed25519PrivateKey.generate())
        record_cases(ledger, cases[250:])
    return path


def tamper_typed_column(path, seq: int, column: str, value) -> None:
    """Change a typed (unhashed) column past the append-only triggers, then restore them as the ledger made them."""
    conn = attacker_connect(path)
    conn.execute(f"UPDATE records SET {column} = ? WHERE seq = ?", (value, seq))
    restore_triggers(conn)
    conn.close()


def other_municipality(path, seq: int) -> str:
    conn = sqlite3.connect(path)
    (current,) = conn.execute("SELECT municipality FROM records WHERE seq = ?", (seq,)).fetchone()
    conn.close()
    return "Groningen" if current != "Groningen" else "Eemsdelta"


def test_the_incremental_verification_does_not_see_an_old_typed_column(checkpointed):
    tamper_typed_column(checkpointed, TAMPERED_SEQ, "municipality", other_municipality(checkpointed, TAMPERED_SEQ))
    with Ledger(checkpointed, create=False) as ledger:
        incremental = ledger.verify(since_checkpoint=True)
        full = ledger.verify()
    assert incremental.ok and incremental.mode == "incremental"  # the gap publish must close itself
    assert not full.ok and full.first_bad_seq == TAMPERED_SEQ and "municipality" in full.problem


@pytest.mark.parametrize(("column", "value"), [("municipality", None), ("outcome", "eligible"),
                                               ("max_amount_cents", 1)])
def test_publish_refuses_a_typed_column_that_differs_from_the_hashed_json(checkpointed, tmp_path, column, value):
    if column == "municipality":
        value = other_municipality(checkpointed, TAMPERED_SEQ)
    elif column == "outcome":
        conn = sqlite3.connect(checkpointed)
        (outcome,) = conn.execute("SELECT outcome FROM records WHERE seq = ?", (TAMPERED_SEQ,)).fetchone()
        conn.close()
        value = "not_eligible" if outcome == "eligible" else "eligible"
    tamper_typed_column(checkpointed, TAMPERED_SEQ, column, value)
    out = tmp_path / "stats.db"
    with pytest.raises(LedgerUnverified, match=rf"at seq {TAMPERED_SEQ}: column {column} does not match"):
        publish(checkpointed, out, generated="2026-05")
    assert not out.exists()


def test_the_cli_refuses_with_one_line_and_exit_1(checkpointed, tmp_path):
    tamper_typed_column(checkpointed, TAMPERED_SEQ, "municipality", other_municipality(checkpointed, TAMPERED_SEQ))
    out = tmp_path / "stats.db"
    result = CliRunner().invoke(main, ["publish", "--db", str(checkpointed), "--out", str(out),
                                       "--generated", "2026-05",
                                       "--audit-out", str(tmp_path / "audit.VERTROUWELIJK.json")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "nothing is published" in lines[0] and "column municipality" in lines[0]
    assert not out.exists() and not (tmp_path / "audit.VERTROUWELIJK.json").exists()


def test_an_untouched_checkpointed_ledger_is_published(checkpointed, tmp_path):
    summary = publish(checkpointed, tmp_path / "stats.db", generated="2026-05")
    assert summary.records == 300 and (tmp_path / "stats.db").exists()
