"""`dh-audit frameworks [--json]`: every framework and named variant, from the definitions in decisions/."""

import json

from click.testing import CliRunner

from audit.cli import main
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import FRAMEWORK_2026
from decisions.registry import FRAMEWORKS, get_framework
from decisions.variants import READINGS, variant_ids


def run(*args):
    result = CliRunner().invoke(main, ["frameworks", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_json_lists_every_framework_and_variant_with_its_fingerprint():
    out = run("--json")
    data = json.loads(out)
    assert out == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"  # stable: sorted keys
    assert [f["id"] for f in data["frameworks"]] == list(FRAMEWORKS)
    assert [v["id"] for v in data["variants"]] == list(variant_ids("2026"))  # the pilots have no readings
    for entry in data["frameworks"] + data["variants"]:
        assert entry["fingerprint"] == framework_fingerprint(get_framework(entry["id"]))
    assert len({e["fingerprint"] for e in data["frameworks"] + data["variants"]}) == 3 + len(READINGS)


def test_json_states_dates_parameters_interpretations_routes_and_evaluation():
    data = {f["id"]: f for f in json.loads(run("--json"))["frameworks"]}
    pilot, new = data["pilot-2023"], data["2026"]
    assert (pilot["in_force_from"], pilot["in_force_until"]) == ("2023-07-01", "2024-02-29")
    assert (new["in_force_from"], new["in_force_until"]) == ("2026-01-01", None)
    parameters = {p["name"]: p for p in new["parameters"]}
    assert parameters["cap.statutory_max"]["value"] == "500000.00"
    assert parameters["cap.floor"]["value"] == "125000.00" and "I-4" in parameters["cap.floor"]["reference"]
    assert parameters["area.min_events"]["value"] == 4
    assert parameters["damage_threshold.minimum"] == {
        "name": "damage_threshold.minimum", "value": "5000.00", "effective_from": "2026-01-01",
        "reference": FRAMEWORK_2026.criteria[2].minimum.reference,
    }
    assert parameters["transitional.dossier_opened_before"]["value"] == "2026-01-01"
    assert {p["name"]: p["value"] for p in pilot["parameters"]} == {
        "damage_threshold.minimum": "15000.00", "cap.standard_max": "125000.00"}
    assert [i["id"] for i in new["interpretations"]] == ["I-1", "I-2", "I-4", "I-5"]
    assert new["interpretations"][0]["text"] == FRAMEWORK_2026.interpretations[0].text
    assert [r["short"] for r in new["referral_routes"]] == ["ivs", "cbs"] and pilot["referral_routes"] == []
    assert new["evaluation_due"]["value"] == "2027-01-01" and pilot["evaluation_due"] is None
    assert data["pilot-2024"]["interpretations"][0]["id"] == "I-3"


def test_a_variant_shows_its_reading_and_its_changed_rules():
    variants = {v["id"]: v for v in json.loads(run("--json"))["variants"]}
    literal = variants["2026~I-4:letterlijk"]
    assert literal["variant_of"] == "2026" and literal["reading"]["id"] == "I-4:letterlijk"
    assert "cap.floor" not in {p["name"] for p in literal["parameters"]}  # the literal reading has no floor
    assert literal["reading"]["text"] in {i["text"] for i in literal["interpretations"]}


def test_text_output_is_english_and_names_every_framework_and_fingerprint():
    out = run()
    assert out.startswith("Frameworks in force")
    for framework_id, framework in FRAMEWORKS.items():
        assert f"{framework_id}: {framework.title}" in out
        assert f"fingerprint: {framework_fingerprint(framework)}" in out
    for variant_id in variant_ids("2026"):
        assert f"{variant_id}: " in out and "for comparison only" in out
    assert "in force: 2023-07-01 to 2024-02-29" in out and "in force: from 2026-01-01 (no end date)" in out
    assert "cap.statutory_max = 500000.00 (from 2026-01-01; " in out
    assert "    ivs: Interventieteam Vastgelopen Situaties" in out
    assert "evaluation due: 2027-01-01" in out
    assert "  interpretations: none" in out and "  referral routes: none" in out


def test_frameworks_lists_what_a_draft_may_override_with_values_and_sources():
    result = CliRunner().invoke(main, ["frameworks", "--json"])
    entry = next(f for f in json.loads(result.output)["frameworks"] if f["id"] == "2026")
    by_name = {p["name"]: p for p in entry["draft_parameters"]}
    assert list(by_name) == ["area.min_events", "damage_threshold.amount", "cap.statutory_max", "cap.floor",
                             "transitional.dossier_opened_before"]
    assert by_name["area.min_events"]["value"] == 4
    assert by_name["damage_threshold.amount"]["value"] == "5000.00"
    assert "Aanpassing drempelbedrag" in by_name["damage_threshold.amount"]["reference"]
    assert by_name["cap.statutory_max"]["null_means"].startswith("no ceiling")
    assert {r["english"] for r in entry["draft_readings"]} == {"broad", "literal", "abolished"}
    text = CliRunner().invoke(main, ["frameworks"]).output
    assert "overridable in a draft" in text and "area.min_events = 4 (count:" in text
    assert "readings a draft may choose: I-1: broad (alle-dossiers)" in text
