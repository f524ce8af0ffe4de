"""The OpenFisca peer of the `compare` benchmark agrees with `dh-audit compare` on the transition matrix."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("openfisca_core")

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for `benchmarks`

from tests.support.analysis_ledger import build, open_fixed  # noqa: E402
from audit.analysis.compare import CELLS, compare_ledger  # noqa: E402
from audit.ledger.recording import record_cases
from audit.synth import generate_cases  # noqa: E402
from benchmarks.openfisca_peer import read_chunks, run_peer, tax_benefit_system  # noqa: E402
from decisions.evaluate import evaluate  # noqa: E402
from decisions.registry import get_framework  # noqa: E402
from decisions.inputs import parse_case  # noqa: E402
from openfisca_core.simulations import SimulationBuilder  # noqa: E402


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("peer") / "synth.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(3000, 17)))
    return path


@pytest.mark.parametrize("before, after", [("pilot-2024", "2026"), ("2026", "pilot-2024"), ("pilot-2023", "2026")])
def test_the_four_cells_equal_ours(synth_db, before, after):
    peer = run_peer(synth_db, before, after)
    with open_fixed(synth_db) as ledger:
        ours = compare_ledger(ledger.conn, get_framework(before), get_framework(after))
    assert {cell: peer[cell] for cell in CELLS} == ours.cells
    assert peer["cases"] == ours.cases == 3000
    assert all(ours.cells[cell] > 0 for cell in CELLS)


def test_the_fixed_ledger_with_a_correction_and_an_exception_decision(tmp_path):
    path = build(tmp_path / "fixed.db")
    peer = run_peer(path)
    with open_fixed(path) as ledger:
        ours = compare_ledger(ledger.conn, get_framework("pilot-2024"), get_framework("2026"))
    assert {cell: peer[cell] for cell in CELLS} == ours.cells


def test_the_peer_computes_the_maxima_of_both_frameworks(tmp_path, make_case):
    """Pilot: 125,000.00; 2026: the WOZ value up to 500,000.00, never below 125,000.00 (I-4), none for a
    rijksmonument; the discretionary exceedance under both (I-5)."""
    cases = [make_case(case_id="A"), make_case(case_id="B", woz_value_eur="600000.00"),
             make_case(case_id="C", rijksmonument=True),
             make_case(case_id="D", pgv_5mms_events=1, in_reinforcement_area=False, in_pilot_area=False),
             make_case(case_id="E", pgv_5mms_events=1, in_reinforcement_area=False, structural_damage_eur="10.00",
                       assessed_on="2026-02-16", existing_dossier_since="2025-12-31"),
             make_case(case_id="F", woz_value_eur="57000.00", estimated_cost_eur="125000.01"),
             make_case(case_id="G", estimated_cost_eur="245000.01"),
             make_case(case_id="H", rijksmonument=True, estimated_cost_eur="900000.00")]
    with open_fixed(tmp_path / "maxima.db") as ledger:
        record_cases(ledger, cases)
        (inputs,) = read_chunks(ledger.conn)
    simulation = SimulationBuilder().build_default_simulation(tax_benefit_system(), len(cases))
    for name, values in inputs.items():
        simulation.set_input(name, "eternity", values)
    assert simulation.calculate("max_amount_cents", "2024-03").tolist() == [12_500_000] * 3 + [-1, 12_500_000] + \
        [12_500_000] * 3
    assert simulation.calculate("max_amount_cents", "2026-01").tolist() == [
        24_500_000, 50_000_000, -1, -1, 24_500_000, 12_500_000, 24_500_000, -1]
    assert simulation.calculate("transitional_eligible", "2026-01").tolist() == [False] * 4 + [True] + [False] * 3
    assert simulation.calculate("discretionary_exceedance", "2026-01").tolist() == [False] * 5 + [True, True, False]
    for period, framework in (("2024-03", "pilot-2024"), ("2026-01", "2026")):
        decisions = [evaluate(case, framework) for case in cases]
        assert simulation.calculate("eligible", period).tolist() == [d.eligible for d in decisions]
        assert simulation.calculate("max_amount_cents", period).tolist() == [
            -1 if d.max_amount_eur is None else int(d.max_amount_eur * 100) for d in decisions
        ]
        assert simulation.calculate("discretionary_exceedance", period).tolist() == [
            d.discretionary_exceedance for d in decisions
        ]


def test_the_peer_of_a_draft_agrees_with_whatif_on_cells_and_cost(synth_db):
    from benchmarks.openfisca_peer import run_peer_draft
    from decisions.drafts import draft_from_data
    from audit.whatif.evaluate import evaluate_draft, read_population

    overrides = {"area.min_events": 3, "damage_threshold.amount": "3000.00", "cap.statutory_max": None}
    peer = run_peer_draft(synth_db, overrides)
    with open_fixed(synth_db) as ledger:
        ours = evaluate_draft(read_population(ledger.conn), draft_from_data({"parameters": overrides}))
    assert {cell: peer[cell] for cell in CELLS} == ours.comparison.cells
    assert ours.comparison.cells["gains"] > 0
    for side, cost in (("base", ours.cost_base), ("draft", ours.cost_draft)):
        assert peer[side] == {
            "eligible": cost["eligible"],
            "maximum_sum_cents": int(cost["maximum"]["sum_eur"].replace(".", "")),
            "expected_payout_cents": int(cost["expected_payout_eur"].replace(".", "")),
            "discretionary_exception": cost["discretionary_exception"]["cases"],
        }
