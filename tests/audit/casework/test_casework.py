"""`Casework.commit`: a step's decision record and its events, and what a failure leaves behind."""

from __future__ import annotations

import pytest

from tests.support.casework_helpers import counts, open_casework, record
from audit.errors import BadInput
from audit.ledger import Entry
from audit.ledger.events import Draft, verify_objections
from decisions.evaluate import evaluate


@pytest.fixture
def cw(tmp_path):
    casework = open_casework(tmp_path / "ledger.db")
    yield casework
    casework.ledger.close()


def _correction(cw, seq):
    case = cw.ledger.get(seq).inputs
    return Entry(case, evaluate(case), "correction", seq, "r")


def test_a_step_writes_its_record_then_its_event_pointing_to_it(cw, tmp_path):
    seq = record(cw, case_id="CW-1")
    (event,) = cw.commit(
        lambda conn, new_seqs: None,
        lambda made: [Draft("filed", seq, "CW-1", "r", {"decision_hash": cw.ledger.get(seq).hash, "made": made})],
        [_correction(cw, seq)],
    )
    assert event.payload["made"] == [[2, cw.ledger.get(2).hash]]
    assert counts(tmp_path / "ledger.db") == (2, 1)
    assert verify_objections(cw.conn) is None and cw.ledger.verify().ok


def test_a_check_that_fails_before_the_record_writes_nothing(cw, tmp_path):
    seq = record(cw, case_id="CW-1")

    def refuse(conn, new_seqs):
        raise BadInput("id", "refused")

    with pytest.raises(BadInput, match="refused"):
        cw.commit(refuse, lambda made: [], [_correction(cw, seq)])
    assert counts(tmp_path / "ledger.db") == (1, 0)


def test_a_failure_after_the_record_is_written_rolls_the_record_back(cw, tmp_path):
    seq = record(cw, case_id="CW-1")
    calls = []

    def refuse_under_the_lock(conn, new_seqs):
        calls.append(list(new_seqs))
        if new_seqs:
            raise BadInput("id", "changed meanwhile")

    with pytest.raises(BadInput, match="changed meanwhile"):
        cw.commit(refuse_under_the_lock, lambda made: [], [_correction(cw, seq)])
    # One transaction: the record is rolled back with the event.
    assert counts(tmp_path / "ledger.db") == (1, 0)
    assert calls == [[2]] and cw.ledger.verify().ok
