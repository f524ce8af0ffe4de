"""`dh-audit decide` through the real entry point: decisions, explanations and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.cases import case_data
from audit.cli import main

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "case-kerngebied.json"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize(
    "framework, outcome, cap", [("pilot-2023", "eligible", "125000.00"), ("pilot-2024", "eligible", "125000.00"),
                                ("2026", "eligible", "245000.00")]
)
def test_example_case_under_each_framework(framework, outcome, cap):
    result = run("decide", "--framework", framework, str(EXAMPLE))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["framework"], data["outcome"], data["max_amount_eur"]) == (framework, outcome, cap)
    assert list(data)[:9] == [
        "framework", "framework_fingerprint", "outcome", "basis", "criteria", "max_amount_eur",
        "cap_basis", "discretionary_exceedance", "referral_routes",
    ]


def test_same_case_same_bytes():
    assert run("decide", str(EXAMPLE)).output == run("decide", str(EXAMPLE)).output


def test_stdin_and_not_eligible_is_still_exit_0():
    result = run("decide", "-", input=json.dumps(case_data(pgv_5mms_events=3)))
    assert result.exit_code == 0
    assert json.loads(result.output)["outcome"] == "not_eligible"


def test_explain_is_dutch_and_names_the_counterfactual():
    result = run("decide", "--explain", "-", input=json.dumps(case_data(structural_damage_eur="4687.50")))
    assert result.exit_code == 0
    text = result.output
    assert "komt niet in aanmerking" in text
    assert "Gezien: € 4.687,50" in text and "Nodig: minimaal € 5.000,00" in text
    assert "er € 312,50 meer erkende schade van klasse D3 of hoger was" in text
    assert "Vaststelling toepassingsgebied" in text  # the basis of the area criterion


def test_explain_eligible_shows_the_maximum():
    text = run("decide", "--explain", str(EXAMPLE)).output
    assert "komt in aanmerking" in text and "€ 245.000,00" in text and "WOZ-waarde" in text


def test_explain_referral_routes():
    text = run("decide", "--explain", "-", input=json.dumps(case_data(pgv_5mms_events=3))).output
    assert "Interventieteam Vastgelopen Situaties" in text and "Commissie Bijzondere Situaties" in text


def test_explain_routes_when_only_the_damage_threshold_fails():
    text = run("decide", "--explain", "-", input=json.dumps(case_data(structural_damage_eur="3000.00"))).output
    assert "Is uw situatie schrijnend?" in text and "Commissie Bijzondere Situaties" in text
    assert "beoordeelt een medewerker" in text


def test_explain_pilot_has_no_route():
    facts = case_data(assessed_on="2025-06-01", in_pilot_area=False, in_reinforcement_area=False)
    text = run("decide", "--explain", "-", input=json.dumps(facts)).output
    assert "geen route voor een uitzondering" in text and "Evaluatie van de regels" not in text


@pytest.mark.parametrize("facts, reason", [
    (dict(woz_value_eur="57000.00"), "nooit lager dan het oude maximum van € 125.000,00 (ondergrens, keuze I-4)"),
    (dict(woz_value_eur="610000.00"), "De WOZ-waarde van het adres (€ 610.000,00) is hoger dan € 500.000,00"),
    (dict(woz_value_eur="245000.00"), "Dat is de WOZ-waarde van het adres"),
    (dict(rijksmonument=True), "want het gebouw is een rijksmonument"),
    (dict(assessed_on="2025-06-01"), "Dat is het vaste maximum per adres in de pilot"),
])
def test_explain_says_the_maximum_and_its_reason(facts, reason):
    text = run("decide", "--explain", "-", input=json.dumps(case_data(**facts))).output
    assert reason in text
    assert "Het IMG neemt contact met u op" in text


def test_explain_discretionary_exception_and_evaluation_date():
    facts = case_data(woz_value_eur="210000.00", estimated_cost_eur="400000.00")
    text = run("decide", "--explain", "-", input=json.dumps(facts)).output
    assert "de geschatte kosten (€ 400.000,00) zijn hoger dan dit maximum" in text
    assert "keuze I-5" in text and "I-5: " in text
    assert "Ze worden na een jaar geëvalueerd,\nrond 1 januari 2027." in text
    assert "amendement Mulder (Kamerstuk 35 603, nr. 43)" in text and "Kamerstuk 33 529, nr. 1113" in text


def test_explain_every_example():
    for path in sorted((ROOT / "examples").glob("*.json")):
        text = run("decide", "--explain", str(path)).output
        assert "Wat kunt u nu doen?" in text, path
        assert ("Maximumbedrag" in text) or ("Is uw situatie schrijnend?" in text), path


def test_decide_under_a_variant_reading():
    data = json.loads(run("decide", "--framework", "2026~I-4:letterlijk", "-",
                          input=json.dumps(case_data(woz_value_eur="57000.00"))).output)
    assert (data["framework"], data["max_amount_eur"], data["cap_basis"]) == ("2026~I-4:letterlijk", "57000.00", "woz")


BAD = [
    ({"drop": "woz_value_eur"}, "woz_value_eur"),
    ({"set": {"eigenaar": "x"}}, "eigenaar"),
    ({"set": {"recognised_damage_eur": "-10.00"}}, "recognised_damage_eur"),
    ({"set": {"recognised_damage_eur": "1.005"}}, "recognised_damage_eur"),
    ({"raw": ('"20000.00"', "1.5e3")}, "recognised_damage_eur"),
    ({"raw": ('"20000.00"', "NaN")}, "recognised_damage_eur"),
    ({"set": {"technical_cause": "true"}}, "technical_cause"),
    ({"set": {"unsettled_damage_eur": "20000.01"}}, "unsettled_damage_eur"),
    ({"set": {"assessed_on": "2023-06-30"}}, "assessed_on"),
    ({"raw": ('"case_id"', "case_id")}, "(json)"),
]


@pytest.mark.parametrize("change, field", BAD)
def test_bad_input_exits_2_naming_the_field(change, field):
    data = case_data(**change.get("set", {}))
    if "drop" in change:
        del data[change["drop"]]
    text = json.dumps(data)
    if "raw" in change:
        text = text.replace(*change["raw"], 1)
    result = run("decide", "-", input=text)
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {field}: ")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_unknown_framework_exits_2():
    result = run("decide", "--framework", "2027", str(EXAMPLE))
    assert result.exit_code == 2 and result.output.startswith("error: framework: unknown framework '2027'")


def test_installed_entry_point_and_help():
    done = subprocess.run(
        [sys.executable, "-m", "audit", "decide", "--help"], capture_output=True, text=True, check=True
    )
    assert "Examples:" in done.stdout and "--explain" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "audit", "decide", "-"], input="{", capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: (json): malformed JSON")
