"""Compare (docs/replay-and-analysis.md): two frameworks over the latest facts of every case."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from click.testing import CliRunner

from tests.support.analysis_ledger import build, open_fixed
from audit.cli import main
from audit.analysis.compare import (
    BAND_50K_TO_125K,
    BAND_LOWER,
    BAND_OVER_125K,
    BAND_SAME,
    BAND_UNCAPPED,
    BAND_UP_TO_50K,
    CELLS,
    GAINS,
    LOSES,
    STAYS_ELIGIBLE,
    STAYS_INELIGIBLE,
    Transition,
    accumulate,
    cap_band,
    causes_of,
    compare_cases,
    compare_ledger,
    transition,
)
from audit.ledger.recording import record_case, record_cases
from audit.synth import generate_cases
from tests.support.cases import case_data
from decisions.evaluate import evaluate
from decisions.registry import get_framework
from decisions.inputs import parse_case

PILOT, NEW = get_framework("pilot-2024"), get_framework("2026")


def decide_both(**overrides):
    case = parse_case(case_data(**overrides))
    return evaluate(case, PILOT), evaluate(case, NEW)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("compare") / "synth.db"
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in generate_cases(2000, 9)))
    return path


def test_cells_add_up_to_the_distinct_cases_overall_and_per_municipality(synth_db):
    with open_fixed(synth_db) as ledger:
        comparison = compare_ledger(ledger.conn, PILOT, NEW)
        distinct = ledger.conn.execute("SELECT COUNT(DISTINCT case_id) FROM records").fetchone()[0]
        per_municipality = dict(ledger.conn.execute(
            "SELECT municipality, COUNT(*) FROM records GROUP BY municipality"
        ))
    assert comparison.cases == distinct == 2000
    assert sum(comparison.cells.values()) == distinct
    assert {m: sum(row.values()) for m, row in comparison.by_municipality.items()} == per_municipality
    for cell in CELLS:
        assert comparison.cells[cell] == sum(row[cell] for row in comparison.by_municipality.values())
    assert sum(comparison.cap_bands.values()) == comparison.cells[STAYS_ELIGIBLE]
    for cell in (GAINS, LOSES):
        assert sum(comparison.reasons[cell].values()) == comparison.cells[cell]
    assert comparison.synthetic


def test_a_case_with_two_records_counts_once_with_its_latest_facts(tmp_path):
    with open_fixed(tmp_path / "two.db") as ledger:
        first = record_case(ledger, parse_case(case_data(case_id="C-1")))  # eligible under both
        record_case(ledger, parse_case(case_data(case_id="C-2", pgv_5mms_events=2)))  # loses on area
        record_case(ledger, parse_case(case_data(case_id="C-1", technical_cause=False)), kind="correction",
                      supersedes=first.seq)
        comparison = compare_ledger(ledger.conn, PILOT, NEW)
    assert comparison.cases == 2
    assert comparison.cells == {STAYS_ELIGIBLE: 0, GAINS: 0, LOSES: 1, STAYS_INELIGIBLE: 1}
    assert comparison.reasons == {GAINS: {}, LOSES: {"area": 1}}
    assert not comparison.synthetic


def test_causes_are_the_criteria_that_flip_plus_the_transitional_rule():
    assert causes_of(*decide_both(pgv_5mms_events=3)) == ("area",)
    assert causes_of(*decide_both(pgv_5mms_events=1, structural_damage_eur="100.00")) == ("area", "damage_threshold")
    # Not eligible in the pilot (too little recognised damage), completed under 2026 by the transitional rule.
    # The damage threshold fails under both, so it is no cause; the area passes only in the pilot.
    before, after = decide_both(recognised_damage_eur="9000.00", structural_damage_eur="4000.00", pgv_5mms_events=1,
                                existing_dossier_since="2024-05-01")
    assert after.basis == "transitional"
    assert transition("Eemsdelta", before, after) == Transition(
        "Eemsdelta", GAINS, ("area", "transitional"), None, False
    )


@pytest.mark.parametrize(
    "overrides, band",
    [
        # Never lower under 2026: the maximum is at least the former 125,000.00 (I-4).
        ({"woz_value_eur": "100000.00"}, BAND_SAME),
        ({"woz_value_eur": "125000.00"}, BAND_SAME),
        ({"woz_value_eur": "175000.00"}, BAND_UP_TO_50K),
        ({"woz_value_eur": "175000.01"}, BAND_50K_TO_125K),
        ({"woz_value_eur": "250000.00"}, BAND_50K_TO_125K),
        ({"woz_value_eur": "250000.01"}, BAND_OVER_125K),
        ({"woz_value_eur": "900000.00"}, BAND_OVER_125K),
        ({"rijksmonument": True}, BAND_UNCAPPED),
        ({"pgv_5mms_events": 2}, None),
    ],
)
def test_cap_bands(overrides, band):
    assert cap_band(*decide_both(**overrides)) == band


def test_the_literal_reading_of_i4_can_lower_the_maximum():
    case = parse_case(case_data(woz_value_eur="100000.00"))
    assert cap_band(evaluate(case, PILOT), evaluate(case, "2026~I-4:letterlijk")) == BAND_LOWER


def test_the_discretionary_exception_is_counted_under_each_framework(tmp_path):
    """The letter's argument in figures: above € 125,000 the pilot needs the exception, 2026 less often (I-5)."""
    with open_fixed(tmp_path / "x.db") as ledger:
        # 182,000 against 125,000 (pilot) and 245,000 (2026): only the pilot needs the exception.
        record_case(ledger, parse_case(case_data(case_id="X-1", estimated_cost_eur="182000.00")))
        # 400,000 against 125,000 and 210,000: both do.
        record_case(ledger, parse_case(case_data(case_id="X-2", estimated_cost_eur="400000.00", woz_value_eur="210000.00")))
        # A rijksmonument has no maximum under 2026.
        record_case(ledger, parse_case(case_data(case_id="X-3", estimated_cost_eur="400000.00", rijksmonument=True)))
        in_bulk = compare_ledger(ledger.conn, PILOT, NEW)
        by_case = compare_cases(ledger.conn, PILOT, NEW)
        abolished = compare_ledger(ledger.conn, PILOT, get_framework("2026~I-5:afgeschaft"))
    assert in_bulk == by_case
    assert in_bulk.exceedance == {"before": 3, "after": 1}
    assert in_bulk.exceedance_by_municipality["Eemsdelta"] == {"before": 3, "after": 1}
    assert abolished.exceedance == {"before": 3, "after": 0}


def test_interpretation_i1_is_counted_separately(tmp_path):
    outside = dict(in_pilot_area=False, in_reinforcement_area=True, pgv_5mms_events=1, assessed_on="2025-10-01",
                   existing_dossier_since="2024-06-01")
    with open_fixed(tmp_path / "i1.db") as ledger:
        record_case(ledger, parse_case(case_data(case_id="I1-A", **outside)))
        record_case(ledger, parse_case(case_data(case_id="I1-B", municipality="Groningen", **outside)))
        # Inside the original pilot area the dossier is completed: not I-1.
        record_case(ledger, parse_case(case_data(case_id="PILOT", **{**outside, "in_pilot_area": True})))
        comparison = compare_ledger(ledger.conn, PILOT, NEW)
    assert comparison.i1_cases == 2
    assert comparison.i1_by_municipality == {"Eemsdelta": 1, "Groningen": 1}
    assert comparison.i1_by_cell[LOSES] == 2
    assert comparison.cells[STAYS_ELIGIBLE] == 1  # the pilot-area dossier, now on the transitional basis


def test_the_accumulator_keeps_counters_not_cases():
    """Memory stays flat: 200,000 transitions need no more than a few kilobytes more than 2,000."""

    def stream(n):
        municipalities = ("Eemsdelta", "Groningen", "Het Hogeland")
        for i in range(n):
            cell = CELLS[i % 4]
            causes = ("area",) if cell in (GAINS, LOSES) else ()
            band = BAND_OVER_125K if cell == STAYS_ELIGIBLE else None
            yield Transition(municipalities[i % 3], cell, causes, band, cell == LOSES and i % 7 == 0)

    peaks = []
    for n in (2_000, 200_000):
        tracemalloc.start()
        comparison = accumulate(stream(n), "pilot-2024", "2026")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert comparison.cases == n
    assert peaks[1] < peaks[0] + 16_384, peaks


def test_cli_text_and_json(tmp_path):
    path = build(tmp_path / "fixed.db")
    text = run("compare", "--db", str(path))
    assert text.exit_code == 0
    assert text.output.splitlines()[0] == "pilot-2024 -> 2026: 198 cases (latest record per case)"
    assert "not suppressed" in text.output
    data = json.loads(run("compare", "--db", str(path), "--json").output)
    assert data["transition_matrix"] == {STAYS_ELIGIBLE: 42, GAINS: 16, LOSES: 49, STAYS_INELIGIBLE: 91}
    assert data["by_municipality"]["Oldambt"] == {STAYS_ELIGIBLE: 0, GAINS: 0, LOSES: 0, STAYS_INELIGIBLE: 15}
    assert data["reasons"][GAINS] == {"area": 4, "damage_threshold": 12}
    assert data["interpretation_I-1"]["cases"] == 10
    assert data["max_amount_change"]["bands"] == {
        # The two addresses with a WOZ value below 125,000.00 keep 125,000.00 (I-4): same, not lower.
        BAND_LOWER: 0, BAND_SAME: 2, BAND_UP_TO_50K: 10, BAND_50K_TO_125K: 16, BAND_OVER_125K: 11, BAND_UNCAPPED: 3,
    }
    assert set(data["discretionary_exceedance"]) == {"description", "pilot-2024", "2026", "by_municipality"}
    reverse = json.loads(run("compare", "--db", str(path), "--from", "2026", "--to", "pilot-2024", "--json").output)
    assert reverse["transition_matrix"][GAINS] == data["transition_matrix"][LOSES]


def test_cli_compare_accepts_variant_readings(tmp_path):
    path = build(tmp_path / "fixed.db")
    base = json.loads(run("compare", "--db", str(path), "--json").output)
    literal = json.loads(run("compare", "--db", str(path), "--to", "2026~I-4:letterlijk", "--json").output)
    assert literal["to"] == "2026~I-4:letterlijk"
    assert literal["transition_matrix"] == base["transition_matrix"]  # the cap does not decide eligibility
    assert literal["max_amount_change"]["bands"][BAND_LOWER] > base["max_amount_change"]["bands"][BAND_LOWER]
    everyone = json.loads(run("compare", "--db", str(path), "--from", "2026", "--to", "2026~I-1:alle-dossiers",
                              "--json").output)
    assert everyone["transition_matrix"][GAINS] == base["interpretation_I-1"]["cases"]
    assert everyone["transition_matrix"][LOSES] == 0
    result = CliRunner().invoke(main, ["compare", "--db", str(path), "--to", "2026~I-4:ruim"])
    assert result.exit_code == 2 and result.output.startswith("error: framework: unknown reading 'I-4:ruim'")


def test_cli_bad_input(tmp_path):
    path = build(tmp_path / "fixed.db")
    result = CliRunner().invoke(main, ["compare", "--db", str(path), "--to", "2030"])
    assert result.exit_code == 2 and result.output.startswith("error: framework: unknown framework '2030'")
    empty = tmp_path / "empty.db"
    open_fixed(empty).close()
    result = CliRunner().invoke(main, ["compare", "--db", str(empty), "--html", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "holds no records" in result.output


def test_no_framework_reads_the_event_list(make_case):
    """Compare skips parsing `pgv_history`; that is only sound while no framework decides on it."""
    import attrs

    from decisions.evaluate import decision_to_data
    from decisions.frameworks import FRAMEWORKS

    cases = [parse_case(c) for c in generate_cases(300, 5)]
    assert sum(1 for c in cases if c.pgv_history) > 200
    for case in cases:
        bare = attrs.evolve(case, pgv_history=None)
        for framework in FRAMEWORKS:
            assert decision_to_data(evaluate(case, framework)) == decision_to_data(evaluate(bare, framework))
