"""A valid base case and a builder for edge cases."""

from __future__ import annotations

import copy

BASE_CASE = {
    "case_id": "TEST-0001",
    "address_id": "1651200000012345",
    "municipality": "Eemsdelta",
    "assessed_on": "2026-02-16",
    "technical_cause": True,
    "recognised_damage_eur": "20000.00",
    "unsettled_damage_eur": "2500.00",
    "structural_damage_eur": "6000.00",
    "woz_value_eur": "245000.00",
    "rijksmonument": False,
    "pgv_5mms_events": 5,
    "in_pilot_area": True,
    "in_reinforcement_area": True,
    "existing_dossier_since": None,
    "estimated_cost_eur": None,
}


def case_data(**overrides) -> dict:
    data = copy.deepcopy(BASE_CASE)
    data.update(overrides)
    return data
