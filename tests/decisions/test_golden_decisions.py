"""Golden decisions: 320 varied cases × 3 frameworks, every decision field, frozen.

If this fails, a framework's behaviour changed. A frozen framework must not
change: a new interpretation is a new framework id (docs/rules.md). Regenerate only
for a deliberate, documented change, with `pytest --force-regen`.
"""

import json
from pathlib import Path

from tests.support.golden_corpus import corpus
from decisions.evaluate import decision_to_data, evaluate
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import FRAMEWORKS


def _header() -> dict:
    """Per framework: its fingerprint and the basis text of each criterion, stated once."""
    return {
        fid: {
            "fingerprint": framework_fingerprint(framework),
            "bases": {c.code: c.basis for c in framework.criteria},
        }
        for fid, framework in FRAMEWORKS.items()
    }


def _line(case_id: str, data: dict, header: dict) -> str:
    own = header[data["framework"]]
    compact = {
        "case": case_id,
        "framework": data["framework"],
        "outcome": data["outcome"],
        "basis": data["basis"],
        "criteria": [
            [c["code"], c["passed"], c["observed"], c["required"]]
            + ([c["basis"]] if c["basis"] != own["bases"][c["code"]] else [])
            for c in data["criteria"]
        ],
        "max_amount_eur": data["max_amount_eur"],
        "cap_basis": data["cap_basis"],
        "discretionary_exceedance": data["discretionary_exceedance"],
        "referral_routes": data["referral_routes"],
        "interpretations": data["interpretations"],
    }
    if data["framework_fingerprint"] != own["fingerprint"]:
        compact["framework_fingerprint"] = data["framework_fingerprint"]
    assert set(data) == set(compact) - {"case"} | {"framework_fingerprint"}, "a decision field is not in the golden file"
    return json.dumps(compact, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_golden_decisions(file_regression):
    header = _header()
    lines = [json.dumps(header, sort_keys=True, indent=1, ensure_ascii=False)]
    for case in corpus():
        for framework_id in FRAMEWORKS:
            lines.append(_line(case.case_id, decision_to_data(evaluate(case, framework_id)), header))
    file_regression.check("\n".join(lines) + "\n", extension=".jsonl")


def test_corpus_covers_every_outcome_shape():
    seen = set()
    for case in corpus():
        for framework_id in FRAMEWORKS:
            d = evaluate(case, framework_id)
            seen.add((framework_id, d.outcome, d.basis, d.cap_basis, d.discretionary_exceedance, bool(d.referral_routes)))
    expected = {
        ("pilot-2023", "eligible", "regular", "pilot_standard", True, False),
        ("pilot-2024", "eligible", "regular", "pilot_standard", False, False),
        ("2026", "eligible", "regular", "woz", False, False),
        ("2026", "eligible", "regular", "statutory_max", False, False),
        ("2026", "eligible", "regular", "rijksmonument", False, False),
        ("2026", "eligible", "transitional", "woz", False, False),
        ("2026", "eligible", "regular", "pilot_standard", False, False),  # the floor (I-4)
        ("2026", "eligible", "regular", "woz", True, False),  # the discretionary exception (I-5)
        ("2026", "eligible", "transitional", "pilot_standard", True, False),
        ("2026", "not_eligible", None, None, False, True),
    }
    assert expected <= seen
    # Every not-eligible 2026 decision lists the hardship routes.
    assert ("2026", "not_eligible", None, None, False, False) not in seen


def test_golden_decision_fields_without_the_fingerprint():
    """Every decision field of the golden file except the fingerprint values.

    Mutation testing runs this instead of `test_golden_decisions`: mutmut rewrites the source of the rule
    classes (its trampolines), which changes every fingerprint and would fail that test for every mutant,
    whatever the mutant does. Here the header's fingerprints are left out; a decision line carries a
    fingerprint only when it differs from its framework's, so every line must still match exactly.
    """
    golden = (Path(__file__).parent / "test_golden_decisions" / "test_golden_decisions.jsonl").read_text("utf-8")
    golden_header, end = json.JSONDecoder().raw_decode(golden)
    header = _header()
    assert {fid: own["bases"] for fid, own in header.items()} == {
        fid: own["bases"] for fid, own in golden_header.items()
    }
    expected = golden[end:].strip("\n").split("\n")
    lines = [
        _line(case.case_id, decision_to_data(evaluate(case, framework_id)), header)
        for case in corpus()
        for framework_id in FRAMEWORKS
    ]
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected):
        assert line == want
