"""Tests for the synthetic population generator (audit.synth, docs/synthetic-population.md)."""

from __future__ import annotations

import io
import json
import re
import statistics
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest

from audit import synth
from decisions import inputs

AMOUNT = re.compile(r"^(0|[1-9][0-9]*)\.[0-9]{2}$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
ONE_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)\.[0-9]$")
CURRENT_MUNICIPALITIES = {
    "Eemsdelta",
    "Groningen",
    "Het Hogeland",
    "Midden-Groningen",
    "Oldambt",
    "Westerkwartier",
}
PILOT_FORMER_MUNICIPALITIES = {"Appingedam", "Loppersum", "Ten Boer"}
FIVE = Decimal("5.0")
CUTOFF = "2026-01-01"

# Target for the WOZ test: the province mean of about EUR 268k (CBS, 2023),
# used as the target for the median of the synthetic population. The per-place
# medians follow the municipal averages, so the population median must fall
# within 25% of it: EUR 201k to EUR 335k.
WOZ_TARGET_EUR = 268_000


def _jsonl_bytes(n: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    assert synth.write_jsonl(buffer, n, seed) == n
    return buffer.getvalue()


def _framework(assessed_on: str) -> str:
    if assessed_on < "2023-07-01":
        return "none"
    if assessed_on <= "2024-02-29":
        return "pilot-2023"
    if assessed_on <= "2025-12-31":
        return "pilot-2024"
    return "2026"


@pytest.fixture(scope="module")
def cases_2000() -> list[dict]:
    return list(synth.generate_cases(2_000, seed=7))


@pytest.fixture(scope="module")
def population_20000() -> list[synth.PopulationRecord]:
    return list(synth.generate_population(20_000, seed=2026))


# --- reproducibility -----------------------------------------------------------


def test_same_seed_gives_same_bytes():
    first = _jsonl_bytes(2_000, 11)
    second = _jsonl_bytes(2_000, 11)
    assert first == second
    lines = first.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 2_001
    assert b"\r" not in first


def test_different_seeds_give_different_populations():
    a = _jsonl_bytes(500, 1)
    b = _jsonl_bytes(500, 2)
    assert a != b
    ids_a = {json.loads(line)["address_id"] for line in a.splitlines()}
    ids_b = {json.loads(line)["address_id"] for line in b.splitlines()}
    assert ids_a != ids_b


def test_lines_are_compact_sorted_json():
    for line in _jsonl_bytes(200, 3).decode("utf-8").splitlines():
        case = json.loads(line)
        assert line == json.dumps(case, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert list(case) == sorted(case)


def test_write_jsonl_path_binary_and_text_file_agree(tmp_path):
    expected = _jsonl_bytes(300, 5)
    path = tmp_path / "cases.jsonl"
    assert synth.write_jsonl(path, 300, 5) == 300
    assert path.read_bytes() == expected
    text = io.StringIO(newline="\n")
    assert synth.write_jsonl(text, 300, 5) == 300
    assert text.getvalue().encode("utf-8") == expected


def test_prefix_of_a_population_is_the_smaller_population():
    # Case i does not depend on n, so a larger population extends a smaller one.
    assert _jsonl_bytes(1_000, 9).startswith(_jsonl_bytes(100, 9))


def test_first_20_cases_golden(file_regression):
    text = "".join(synth.case_to_json_line(case) for case in synth.generate_cases(20, seed=2026))
    file_regression.check(text, extension=".jsonl", newline="\n")


def test_first_20_addresses_golden(data_regression):
    rows = [
        {
            "case_id": a.case_id,
            "address_id": a.address_id,
            "place": a.place.name,
            "municipality": a.municipality,
            "lat": f"{a.lat:.6f}",
            "lon": f"{a.lon:.6f}",
            "in_pilot_area": a.in_pilot_area,
            "in_reinforcement_area": a.in_reinforcement_area,
        }
        for a in synth.generate_addresses(20, seed=2026)
    ]
    data_regression.check(rows)


def test_addresses_population_and_cases_line_up():
    addresses = list(synth.generate_addresses(1_000, seed=4))
    cases = list(synth.generate_cases(1_000, seed=4))
    records = list(synth.generate_population(1_000, seed=4))
    assert [a.address_id for a in addresses] == [c["address_id"] for c in cases]
    assert [a.case_id for a in addresses] == [c["case_id"] for c in cases]
    assert [r.case for r in records] == cases
    assert [r.address for r in records] == addresses
    for address, case in zip(addresses, cases):
        assert case["municipality"] == address.place.municipality
        assert case["in_pilot_area"] is address.in_pilot_area
        assert case["in_reinforcement_area"] is address.in_reinforcement_area


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True, 10**8 + 1])
def test_bad_population_size_is_refused_at_once(bad, tmp_path):
    for generate in (synth.generate_cases, synth.generate_addresses, synth.generate_population):
        with pytest.raises(ValueError, match="n must"):
            generate(bad, seed=1)  # raised before iteration starts
    target = tmp_path / "cases.jsonl"
    with pytest.raises(ValueError, match="n must"):
        synth.write_jsonl(target, bad, 1)
    assert not target.exists()


def test_empty_population():
    assert list(synth.generate_cases(0, seed=1)) == []
    assert _jsonl_bytes(0, 1) == b""


# --- labelling and reference data ---------------------------------------------------


def test_data_are_labelled_synthetic(cases_2000):
    assert "SYNTHETIC" in synth.SYNTHETIC_NOTICE
    assert synth.__doc__.startswith("SYNTHETIC")
    assert all(re.fullmatch(r"SYN-[0-9]{6}", c["case_id"]) for c in cases_2000)
    assert cases_2000[0]["case_id"] == "SYN-000001"
    assert cases_2000[-1]["case_id"] == "SYN-002000"


def test_places_are_consistent():
    names = [p.name for p in synth.PLACES]
    assert len(names) == len(set(names))
    for place in synth.PLACES:
        assert place.municipality in CURRENT_MUNICIPALITIES
        assert re.fullmatch(r"[0-9]{4}", place.bag_code)
        assert 53.0 < place.lat < 53.5 and 6.3 < place.lon < 7.1
        assert place.in_pilot_area is (place.former_municipality in PILOT_FORMER_MUNICIPALITIES)
        assert place.weight > 0 and place.spread_km > 0
    by_name = {p.name: p for p in synth.PLACES}
    for name in ("Loppersum", "Zeerijp", "Garrelsweer", "Westeremden", "Huizinge", "Middelstum", "Appingedam"):
        assert by_name[name].municipality == "Eemsdelta" and by_name[name].in_pilot_area
    for name in ("Ten Boer", "Ten Post", "Woltersum"):
        assert by_name[name].municipality == "Groningen" and by_name[name].in_pilot_area
    assert not by_name["Delfzijl"].in_pilot_area and by_name["Delfzijl"].municipality == "Eemsdelta"
    # Groningen city is the largest place.
    assert max(synth.PLACES, key=lambda p: p.weight).name == "Groningen"


def test_events_include_the_spec_list_in_date_order():
    spec = {
        ("2012-08-16", "Huizinge", "3.6"),
        ("2006-08-08", "Westeremden", "3.5"),
        ("2018-01-08", "Zeerijp", "3.4"),
        ("2019-05-22", "Westerwijtwerd", "3.4"),
        ("2021-11-16", "Garrelsweer", "3.2"),
        ("2008-10-30", "Loppersum", "3.2"),
        ("2025-11-14", "Zeerijp", "3.4"),
    }
    listed = {(e.event_date, e.place, e.magnitude) for e in synth.EVENTS}
    assert spec <= listed
    dates = [e.event_date for e in synth.EVENTS]
    assert dates == sorted(dates)
    huizinge = next(e for e in synth.EVENTS if e.event_date == "2012-08-16")
    assert (huizinge.lat, huizinge.lon) == (53.345, 6.672)


def test_pgv_model_calibration():
    at_epicentre = synth.median_pgv_mm_s(3.6, 0.0)
    assert 30.0 <= at_epicentre <= 60.0
    assert synth.median_pgv_mm_s(3.4, 0.0) < at_epicentre
    # Median 5 mm/s contour of an M3.6 lies between 5 and 10 km from the epicentre.
    assert synth.median_pgv_mm_s(3.6, 5.0) > 5.0 > synth.median_pgv_mm_s(3.6, 10.0)
    # Groningen city, about 15 km from Huizinge, stays well below 5 mm/s.
    assert synth.median_pgv_mm_s(3.6, 15.0) < 2.0


# --- internal consistency on 2,000 cases -----------------------------------------------


def test_every_field_present_with_the_right_format(cases_2000):
    address_ids = set()
    for case in cases_2000:
        assert set(case) == set(synth.CASE_FIELDS)
        assert re.fullmatch(r"[0-9]{16}", case["address_id"]) and case["address_id"][4:6] == "20"
        address_ids.add(case["address_id"])
        assert case["municipality"] in CURRENT_MUNICIPALITIES
        assert ISO_DATE.match(case["assessed_on"])
        date.fromisoformat(case["assessed_on"])
        for field in ("recognised_damage_eur", "unsettled_damage_eur", "structural_damage_eur", "woz_value_eur"):
            assert isinstance(case[field], str) and AMOUNT.match(case[field]), (field, case[field])
        cost = case["estimated_cost_eur"]
        assert cost is None or (isinstance(cost, str) and AMOUNT.match(cost))
        for field in ("technical_cause", "rijksmonument", "in_pilot_area", "in_reinforcement_area"):
            assert isinstance(case[field], bool)
        assert isinstance(case["pgv_5mms_events"], int) and not isinstance(case["pgv_5mms_events"], bool)
        assert case["pgv_5mms_events"] >= 0
        dossier = case["existing_dossier_since"]
        assert dossier is None or ISO_DATE.match(dossier)
        assert isinstance(case["pgv_history"], list)
        for event in case["pgv_history"]:
            assert set(event) == {"event_date", "place", "magnitude", "pgv_mm_s"}
            assert ISO_DATE.match(event["event_date"])
            assert ONE_DECIMAL.match(event["magnitude"]) and ONE_DECIMAL.match(event["pgv_mm_s"])
    assert len(address_ids) == len(cases_2000)


def test_facts_are_internally_consistent(cases_2000):
    for case in cases_2000:
        recognised = Decimal(case["recognised_damage_eur"])
        assert recognised > 0
        assert Decimal(case["unsettled_damage_eur"]) <= recognised
        assert Decimal(case["structural_damage_eur"]) <= recognised
        assert "2023-07-01" <= case["assessed_on"] <= "2026-10-31"
        dossier = case["existing_dossier_since"]
        if dossier is not None:
            assert "2023-07-01" <= dossier <= case["assessed_on"]
            assert case["in_reinforcement_area"]
        history = case["pgv_history"]
        assert [e["event_date"] for e in history] == sorted(e["event_date"] for e in history)
        assert all(Decimal(e["pgv_mm_s"]) >= Decimal("1.0") for e in history)
        counted = sum(1 for e in history if e["event_date"] < CUTOFF and Decimal(e["pgv_mm_s"]) >= FIVE)
        assert case["pgv_5mms_events"] == counted
        if not case["in_pilot_area"]:
            assert case["municipality"] != "Eemsdelta" or case["in_reinforcement_area"]


def test_every_case_parses_with_the_case_parser(cases_2000):
    for line in _jsonl_bytes(2_000, 7).decode("utf-8").splitlines():
        data = json.loads(line)
        parsed = inputs.parse_case(data)
        assert parsed.case_id == data["case_id"]
        assert parsed.pgv_5mms_events == data["pgv_5mms_events"]
    assert [json.loads(line) for line in _jsonl_bytes(2_000, 7).splitlines()] == cases_2000


# --- statistics on 20,000 cases ---------------------------------------------------------


def test_four_event_area_is_a_concentrated_minority(population_20000):
    records = population_20000
    share = sum(1 for r in records if r.case["pgv_5mms_events"] >= 4) / len(records)
    assert 0.03 < share < 0.35
    by_place: dict[str, list[int]] = defaultdict(list)
    by_municipality: dict[str, list[int]] = defaultdict(list)
    for r in records:
        by_place[r.address.place.name].append(r.case["pgv_5mms_events"])
        by_municipality[r.case["municipality"]].append(r.case["pgv_5mms_events"])

    def share4(counts):
        return sum(1 for c in counts if c >= 4) / len(counts)

    for core in ("Loppersum", "Zeerijp", "Garrelsweer"):
        assert share4(by_place[core]) > 0.7, core
    for core in ("Westeremden", "Huizinge", "Middelstum"):
        assert share4(by_place[core]) > 0.5, core
    assert share4(by_place["Groningen"]) < 0.01
    assert share4(by_municipality["Westerkwartier"]) < 0.01
    assert share4(by_municipality["Oldambt"]) < 0.01
    table = {row["place"]: row for row in synth.place_table(records)}
    assert table["Loppersum"]["share_4plus"] == round(share4(by_place["Loppersum"]), 3)
    assert sum(row["addresses"] for row in table.values()) == len(records)


def test_boundary_pgv_values_occur(population_20000):
    near = [
        e
        for r in population_20000
        for e in r.case["pgv_history"]
        if Decimal("4.5") <= Decimal(e["pgv_mm_s"]) < FIVE
    ]
    assert len(near) > 100
    # Addresses with exactly three counted events: the boundary class of docs/replay-and-analysis.md.
    three = sum(1 for r in population_20000 if r.case["pgv_5mms_events"] == 3)
    assert three > 100


def test_rijksmonument_share_and_value(population_20000):
    cases = [r.case for r in population_20000]
    monuments = [c for c in cases if c["rijksmonument"]]
    assert 0.005 <= len(monuments) / len(cases) <= 0.02
    assert statistics.median(float(c["woz_value_eur"]) for c in monuments) > statistics.median(
        float(c["woz_value_eur"]) for c in cases
    )
    old = [r for r in population_20000 if r.case["rijksmonument"] and r.build_year < 1940]
    assert len(old) / len(monuments) > 0.8


def test_woz_values_near_published_averages(population_20000):
    cases = [r.case for r in population_20000]
    median = statistics.median(float(c["woz_value_eur"]) for c in cases)
    assert abs(median - WOZ_TARGET_EUR) / WOZ_TARGET_EUR < 0.25
    by_municipality: dict[str, list[float]] = defaultdict(list)
    for c in cases:
        by_municipality[c["municipality"]].append(float(c["woz_value_eur"]))
    assert statistics.median(by_municipality["Eemsdelta"]) < statistics.median(by_municipality["Groningen"])
    assert sum(1 for c in cases if float(c["woz_value_eur"]) > 500_000) >= 5


def test_damage_is_right_skewed_and_higher_in_the_core(population_20000):
    cases = [r.case for r in population_20000]
    damage = [float(c["recognised_damage_eur"]) for c in cases]
    assert 1_000 < statistics.median(damage) < 10_000
    assert max(damage) > 50_000
    assert 0.05 < sum(1 for d in damage if d >= 15_000) / len(damage) < 0.35
    core = [float(c["recognised_damage_eur"]) for c in cases if c["pgv_5mms_events"] >= 4]
    rest = [float(c["recognised_damage_eur"]) for c in cases if c["pgv_5mms_events"] == 0]
    assert statistics.median(core) > 2 * statistics.median(rest)
    structural = [float(c["structural_damage_eur"]) for c in cases]
    assert 0.5 < sum(1 for s in structural if s == 0) / len(cases) < 0.97
    assert any(s >= 5_000 for s in structural)


def test_old_buildings_have_more_structural_damage_and_technical_cause(population_20000):
    old = [r.case for r in population_20000 if r.build_year < 1940]
    new = [r.case for r in population_20000 if r.build_year >= 1970]

    def rate(cases, test):
        return sum(1 for c in cases if test(c)) / len(cases)

    assert rate(old, lambda c: c["structural_damage_eur"] != "0.00") > 2 * rate(
        new, lambda c: c["structural_damage_eur"] != "0.00"
    )
    assert rate(old, lambda c: c["technical_cause"]) > 2 * rate(new, lambda c: c["technical_cause"])


def test_dates_cover_all_frameworks_and_dossiers(population_20000):
    cases = [r.case for r in population_20000]
    frameworks = Counter(_framework(c["assessed_on"]) for c in cases)
    assert set(frameworks) == {"pilot-2023", "pilot-2024", "2026"}
    assert min(frameworks.values()) > 0.1 * len(cases)
    dossiers = [c for c in cases if c["existing_dossier_since"] is not None]
    assert dossiers
    assert sum(1 for c in dossiers if c["in_pilot_area"]) > len(dossiers) / 2
    assert any(not c["in_pilot_area"] for c in dossiers)  # I-1 boundary class exists
    in_2026 = [c for c in dossiers if c["existing_dossier_since"] >= CUTOFF]
    assert 0 < len(in_2026) < 0.01 * len(cases)
    costs = [float(c["estimated_cost_eur"]) for c in cases if c["estimated_cost_eur"] is not None]
    assert 0.05 * len(cases) < len(costs) < 0.5 * len(cases)
    assert 80_000 < statistics.median(costs) < 250_000
    assert any(cost > 125_000 for cost in costs)


def test_area_flags(population_20000):
    for r in population_20000:
        place = r.address.place
        assert r.case["in_pilot_area"] is (place.former_municipality in PILOT_FORMER_MUNICIPALITIES)
        if r.case["in_pilot_area"]:
            assert r.case["in_reinforcement_area"]
        if place.municipality == "Westerkwartier":
            assert not r.case["in_reinforcement_area"]
    city = [r.case["in_reinforcement_area"] for r in population_20000 if r.address.place.name == "Groningen"]
    assert 0.1 < sum(city) / len(city) < 0.9


def test_write_jsonl_writes_every_case_and_says_how_many():
    out = io.BytesIO()
    written = synth.write_jsonl(out, 2_000, 2026)
    assert written == 2_000
    assert out.getvalue().count(b"\n") == 2_000


def test_module_main_writes_jsonl_to_stdout(capsysbinary):
    assert synth.main(["5", "3"]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out == _jsonl_bytes(5, 3)
    assert b"SYNTHETIC" in captured.err
