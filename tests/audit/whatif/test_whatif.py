"""`dh-audit whatif`: drafts on a recorded population, against `decide` case by case, with the cost."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

import audit.whatif.evaluate as whatif_eval
from audit.analysis.compare import accumulate, transitions_of
from audit.cli import main
from audit.errors import BadInput
from audit.ledger import Entry, Ledger
from audit.ledger.scan import latest_inputs
from decisions.decision import decide
from decisions.drafts import draft_from_data
from decisions.inputs import parse_case
from tests.support.cases import case_data

N_CASES = 1500


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write_draft(folder: Path, text: str, name: str = "draft.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("whatif")
    cases, db = folder / "cases.jsonl", folder / "ledger.db"
    assert run("synth", "--n", N_CASES, "--seed", 7, "--out", cases).exit_code == 0
    # A few cases the synthetic population seldom has: three events, and a WOZ value above the ceiling.
    extra = [case_data(case_id=f"SYN-X{n:03d}", pgv_5mms_events=3, estimated_cost_eur="180000.00") for n in range(4)]
    extra += [case_data(case_id=f"SYN-Y{n:03d}", woz_value_eur="800000.00", estimated_cost_eur="650000.00")
              for n in range(3)]
    with open(cases, "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(case) + "\n" for case in extra)
    assert run("record", "--db", db, cases).exit_code == 0
    return db


def _latest_cases(db: Path):
    with Ledger(db, create=False) as opened:
        return [parse_case(json.loads(inputs)) for _, _, inputs in latest_inputs(opened.conn)]


def _population(db: Path) -> whatif_eval.Population:
    with Ledger(db, create=False) as opened:
        return whatif_eval.read_population(opened.conn)


def test_a_draft_identical_to_its_base_gives_the_identity_matrix_and_no_cost_change(ledger, tmp_path):
    draft = write_draft(tmp_path, 'base: "2026"\nlabel: "Niets veranderd"\n')
    result = run("whatif", "--db", ledger, draft, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    cells = data["transition_matrix"]
    assert cells["gains"] == cells["loses"] == 0
    assert cells["stays_eligible"] + cells["stays_ineligible"] == data["cases"] > 0
    assert data["reasons"] == {"gains": {}, "loses": {}}

    def all_zero(value) -> bool:
        if isinstance(value, dict):
            return all(all_zero(v) for v in value.values())
        return value in (0, "0.00", None)

    assert data["cost"]["base"] == data["cost"]["draft"]
    assert all_zero(data["cost"]["change"])
    assert all(all_zero(row["change"]) for row in data["cost"]["by_municipality"].values())
    assert data["cost"]["base"]["eligible"] == cells["stays_eligible"] > 0


def test_three_earthquakes_agree_case_by_case_with_decide(ledger):
    draft = draft_from_data({"base": "2026", "parameters": {"area.min_events": 3}})
    population = _population(ledger)
    cases = _latest_cases(ledger)
    assert len(population) == len(cases) > 1000
    base_decided = whatif_eval.decide_all(population, draft.base)
    draft_decided = whatif_eval.decide_all(population, draft.framework)
    base_fp, draft_fp = "sha256:base", draft.fingerprint
    for i, case in enumerate(cases):
        assert draft_decided.decision(i, draft_fp) == decide(case, draft.framework, draft_fp), case.case_id
        assert base_decided.decision(i, base_fp) == decide(case, draft.base, base_fp), case.case_id

    result = whatif_eval.evaluate_draft(population, draft)
    # The comparison is the one the case-by-case path of `compare` folds.
    with Ledger(ledger, create=False) as opened:
        rows = latest_inputs(opened.conn)
        expected = accumulate(transitions_of(rows, draft.base, draft.framework), "2026", "draft:2026")
    assert result.comparison == expected
    assert result.comparison.cells["gains"] > 0
    assert set(result.comparison.reasons["gains"]) == {"area"}
    # The cost, summed case by case from the decisions.
    for framework, cost in ((draft.base, result.cost_base), (draft.framework, result.cost_draft)):
        decisions = [(case, decide(case, framework, "x")) for case in cases]
        eligible = [(c, d) for c, d in decisions if d.eligible]
        assert cost["eligible"] == len(eligible)
        assert Decimal(cost["maximum"]["sum_eur"]) == sum(
            (d.max_amount_eur for _, d in eligible if d.max_amount_eur is not None), Decimal(0))
        payout = sum((c.estimated_cost_eur if d.max_amount_eur is None else min(c.estimated_cost_eur, d.max_amount_eur)
                      for c, d in eligible if c.estimated_cost_eur is not None), Decimal(0))
        assert Decimal(cost["expected_payout_eur"]) == payout
        assert cost["discretionary_exception"]["cases"] == sum(d.discretionary_exceedance for _, d in eligible)
        assert cost["cases_without_estimate"] == sum(c.estimated_cost_eur is None for c, _ in eligible)
        assert cost["no_maximum_cases"] == sum(d.max_amount_eur is None for _, d in eligible)
    assert result.cost_draft["eligible"] - result.cost_base["eligible"] == result.cost_change["eligible"] \
        == result.comparison.cells["gains"] - result.comparison.cells["loses"]
    for name, row in result.cost_by_municipality.items():
        in_municipality = [c for c in cases if c.municipality == name]
        assert row["draft"]["eligible"] == sum(decide(c, draft.framework, "x").eligible for c in in_municipality)


def test_the_case_by_case_reading_gives_the_same_population(ledger):
    with Ledger(ledger, create=False) as opened:
        bulk = whatif_eval.read_population(opened.conn)
        slow = whatif_eval._population_case_by_case(opened.conn)
    draft = draft_from_data({"parameters": {"damage_threshold.amount": "3000.00", "cap.statutory_max": None}})
    assert whatif_eval.whatif_to_data(whatif_eval.evaluate_draft(bulk, draft)) == \
        whatif_eval.whatif_to_data(whatif_eval.evaluate_draft(slow, draft))


def test_json_has_the_keys_of_compare_json_and_a_reading_matches_its_variant(ledger, tmp_path):
    draft = write_draft(tmp_path, "base: '2026'\ninterpretations:\n  I-1: broad\n")
    whatif = run("whatif", "--db", ledger, draft, "--json")
    compared = run("compare", "--db", ledger, "--from", "2026", "--to", "2026~I-1:alle-dossiers", "--json")
    assert whatif.exit_code == compared.exit_code == 0, whatif.output
    ours, theirs = json.loads(whatif.output), json.loads(compared.output)
    assert set(ours) == set(theirs) | {"draft", "cost"}
    for key in ("transition_matrix", "by_municipality", "reasons", "max_amount_change", "cases"):
        assert ours[key] == theirs[key], key
    assert set(ours["transition_matrix"]) == {"stays_eligible", "gains", "loses", "stays_ineligible"}
    assert ours["draft"]["fingerprint"].startswith("draft:sha256:") and ours["draft"]["never_recorded"] is True
    assert set(ours["cost"]) == {"base", "draft", "change", "by_municipality"}


def test_no_ceiling_raises_the_maxima_only_above_the_ceiling(ledger):
    population = _population(ledger)
    result = whatif_eval.evaluate_draft(population, draft_from_data({"parameters": {"cap.statutory_max": None}}))
    assert result.comparison.cells["gains"] == result.comparison.cells["loses"] == 0
    assert result.cost_base["maximum"]["bands"]["over_500k"] == 0
    assert result.cost_draft["maximum"]["bands"]["over_500k"] > 0
    assert Decimal(result.cost_change["maximum"]["sum_eur"]) > 0
    assert Decimal(result.cost_change["expected_payout_eur"]) >= 0


@pytest.mark.parametrize(("text", "field"), [
    ("parameters:\n  area.max_events: 3\n", "parameters.area.max_events"),
    ("parameters:\n  area.min_events: three\n", "parameters.area.min_events"),
    ("parameters:\n  damage_threshold.amount: '-3000.00'\n", "parameters.damage_threshold.amount"),
    ("parameters:\n  damage_threshold.amount: -3000\n", "parameters.damage_threshold.amount"),
    ("parameters:\n  damage_threshold.amount: 3000.00\n", "parameters.damage_threshold.amount"),
    ("interpretations:\n  I-1: everything\n", "interpretations.I-1"),
    ("base: '2026'\nparameters: [\n", "DRAFT"),
    ("", "DRAFT"),
    ("- just\n- a list\n", "draft"),
])
def test_bad_drafts_exit_2_naming_the_field_and_write_nothing(ledger, tmp_path, text, field):
    draft = write_draft(tmp_path, text)
    report = tmp_path / "report.html"
    before = ledger.read_bytes()
    result = run("whatif", "--db", ledger, draft, "--html", report)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: "), result.output
    assert not report.exists()
    assert ledger.read_bytes() == before


def test_bad_sweeps_and_missing_files_exit_2(ledger, tmp_path):
    draft = write_draft(tmp_path, "base: '2026'\n")
    for args, field in [
        (["--sweep", "area.min_events=6..2"], "--sweep"),
        (["--sweep", "damage_threshold.amount=3000,-1"], "parameters.damage_threshold.amount"),
        (["--base", "pilot-2024", "--sweep", "area.min_events=2..3"], "base"),
    ]:
        result = run("whatif", "--db", ledger, draft, *args)
        assert result.exit_code == 2 and result.output.startswith(f"error: {field}: "), result.output
    missing = run("whatif", "--db", ledger, tmp_path / "nothere.yaml")
    assert missing.exit_code == 2 and missing.output.startswith("error: DRAFT: no draft file"), missing.output
    no_ledger = run("whatif", "--db", tmp_path / "none.db", draft)
    assert no_ledger.exit_code == 2 and not (tmp_path / "none.db").exists()


def test_a_draft_can_never_be_recorded(ledger, tmp_path):
    copy = tmp_path / "copy.db"
    copy.write_bytes(ledger.read_bytes())
    draft = draft_from_data({"parameters": {"area.min_events": 3}})
    case = _latest_cases(copy)[0]
    made = decide(case, draft.framework, draft.fingerprint)
    disguised = attrs.evolve(made, framework="2026")  # a draft's decision under the id of a framework in force
    with Ledger(copy, create=False) as opened:
        size = len(opened)
        for decision in (made, disguised):
            with pytest.raises(BadInput) as caught:
                opened.append_entries([Entry(case, decision)])
            assert caught.value.field == "framework" and "draft" in caught.value.rule
        assert len(opened) == size
    assert run("verify", "--db", copy).exit_code == 0
    # Nor can a command name one: a draft is not a framework id.
    decided = run("decide", "--framework", "draft:2026", "examples/case-kerngebied.json")
    assert decided.exit_code == 2, decided.output


def test_a_sweep_reads_the_facts_once_and_marks_the_base(ledger, tmp_path, monkeypatch):
    reads = []
    real = whatif_eval.latest_facts_by_seq

    def counted(*args, **kwargs):
        reads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(whatif_eval, "latest_facts_by_seq", counted)
    draft = write_draft(tmp_path, "base: '2026'\n")
    result = run("whatif", "--db", ledger, draft, "--sweep", "area.min_events=2..6", "--json")
    assert result.exit_code == 0, result.output
    assert len(reads) == 1
    data = json.loads(result.output)
    assert [p["value"] for p in data["points"]] == [2, 3, 4, 5, 6]
    assert [p["is_base_value"] for p in data["points"]] == [False, False, True, False, False]
    at_base = data["points"][2]
    assert at_base["cost"] == data["base"]["cost"] and at_base["change"]["eligible"] == 0
    eligible = [p["cost"]["eligible"] for p in data["points"]]
    assert eligible == sorted(eligible, reverse=True)  # fewer events required: never fewer eligible

    amounts = run("whatif", "--db", ledger, draft, "--sweep", "damage_threshold.amount=3000,5000,7500")
    assert amounts.exit_code == 0, amounts.output
    marked = [line for line in amounts.output.splitlines() if line.startswith("*")]
    assert len(marked) == 1 and '"5000.00"' in marked[0]


def test_text_output_says_internal_and_shows_the_changes(ledger, tmp_path):
    draft = write_draft(tmp_path, 'base: "2026"\nlabel: "Drie bevingen"\nparameters:\n  area.min_events: 3\n')
    result = run("whatif", "--db", ledger, draft)
    assert result.exit_code == 0, result.output
    assert "not for publication" in result.output
    assert "area.min_events: 4 -> 3" in result.output
    assert "expected payout" in result.output and "draft:sha256:" in result.output


def test_a_report_never_replaces_the_draft_file(ledger, tmp_path):
    draft = write_draft(tmp_path, "base: '2026'\n", name="draft.html")
    before = draft.read_bytes()
    result = run("whatif", "--db", ledger, draft, "--html", draft)
    assert result.exit_code == 2 and result.output.startswith("error: --html: "), result.output
    assert draft.read_bytes() == before
