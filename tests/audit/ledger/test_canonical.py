"""Canonical form version 1 (docs/ledger-format.md): golden bytes and hashes for a fixed set of records.

If the golden file changes, the canonical form changed: bump CANONICAL_VERSION
in audit/ledger/canonical.py instead of regenerating the file.
"""

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.support.cases import case_data
from tests.audit.ledger.test_ledger import counter_ids, fixed_clock
from audit.ledger.canonical import CANONICAL_VERSION, RECORD_FIELDS, canonical_json, chain_hash, record_bytes
from audit.ledger import Ledger
from audit.ledger.recording import record_case
from decisions.inputs import parse_case


def test_golden_canonical_bytes_and_hashes(tmp_path, file_regression):
    assert CANONICAL_VERSION == 1
    with Ledger(tmp_path / "golden.db", clock=fixed_clock(), new_id=counter_ids(), engine="golden") as ledger:
        record_case(ledger, parse_case(case_data(case_id="GOLD-1")), actor="reviewer-1")
        record_case(ledger, parse_case(case_data(case_id="GOLD-2", municipality="Het Hogeland", pgv_5mms_events=3,
                                           existing_dossier_since="2024-03-01", in_pilot_area=False)))
        record_case(ledger, parse_case(case_data(case_id="GOLD-3", rijksmonument=True, assessed_on="2024-07-01",
                                           estimated_cost_eur="250000.00")), actor="beoordelaar-ë")
        record_case(ledger, parse_case(case_data(case_id="GOLD-1", technical_cause=False)), kind="correction",
                      supersedes=1, actor="reviewer-2")
        rows = ledger.conn.execute(
            f"SELECT {', '.join(RECORD_FIELDS)}, hash FROM records ORDER BY seq"
        ).fetchall()
    lines = []
    for row in rows:
        fields = dict(zip(RECORD_FIELDS, row[:-1]))
        canonical = record_bytes(**fields)
        assert chain_hash(fields["prev_hash"], canonical) == row[-1]
        lines.append(canonical.decode("utf-8"))
        lines.append(row[-1])
    file_regression.check("\n".join(lines) + "\n", extension=".txt", encoding="utf-8")


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@given(
    st.integers(1, 10**9), texts, texts, st.sampled_from(["assessment", "correction"]),
    st.one_of(st.none(), st.integers(1, 10**9)), texts, texts,
    st.dictionaries(texts, st.one_of(texts, st.booleans(), st.none(), st.integers()), max_size=5),
)
def test_assembled_bytes_equal_plain_canonical_json(seq, record_id, case_id, kind, supersedes, actor, fw, inputs):
    fields = dict(
        seq=seq, record_id=record_id, case_id=case_id, kind=kind, supersedes=supersedes,
        recorded_at="2026-01-01T00:00:00.000000Z", framework=fw, framework_fingerprint="sha256:" + "0" * 64,
        engine_version="0.1.0", canonical_version=1, inputs=canonical_json(inputs),
        decision=canonical_json({"outcome": "eligible", "x": [1, None]}), actor=actor, prev_hash="a" * 64,
    )
    whole = {**fields, "inputs": inputs, "decision": json.loads(fields["decision"])}
    assert record_bytes(**fields) == canonical_json(whole).encode("utf-8")
    assert b" " not in canonical_json({"b": 1, "a": [1, 2]}).encode() and canonical_json({"b": 1, "a": 2}) == '{"a":2,"b":1}'
