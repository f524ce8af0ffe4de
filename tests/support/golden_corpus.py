"""A fixed, varied corpus of cases that sit on and around every threshold of docs/rules.md.

It is deterministic code (a seeded `random.Random`), so the golden decisions
built from it freeze the frameworks: a changed parameter or rule fails the test.
"""

from __future__ import annotations

import random
from datetime import date

from decisions.inputs import CaseInputs, parse_case

RECOGNISED = ["0.00", "4000.00", "14999.99", "15000.00", "15000.01", "16500.00", "42000.00"]
STRUCTURAL = ["0.00", "1200.00", "4500.00", "4999.99", "5000.00", "5000.01", "11800.00"]
UNSETTLED = ["0.00", "0.01", "750.00", "5000.00"]
PGV_EVENTS = [0, 1, 3, 4, 5, 8]
WOZ = ["95000.00", "186000.00", "268000.00", "499999.99", "500000.00", "500000.01", "820000.00"]
ESTIMATED = [None, None, "90000.00", "125000.00", "125000.01", "260000.00"]
ASSESSED = [
    "2023-07-01", "2023-11-14", "2024-02-29", "2024-03-01", "2024-10-02",
    "2025-06-30", "2025-12-31", "2026-01-01", "2026-02-16", "2026-09-30",
]
DOSSIER = [None, None, None, "2023-07-01", "2024-06-12", "2025-12-31", "2026-01-01"]
MUNICIPALITIES = ["Eemsdelta", "Groningen", "Het Hogeland", "Midden-Groningen", "Oldambt", "Westerkwartier"]
AREAS = [(True, True), (True, False), (False, True), (False, False)]

CORPUS_SIZE = 320


def corpus_data(n: int = CORPUS_SIZE, seed: int = 20260101) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        recognised = rng.choice(RECOGNISED)
        structural = min(rng.choice(STRUCTURAL), recognised, key=float)
        unsettled = min(rng.choice(UNSETTLED), recognised, key=float)
        assessed = rng.choice(ASSESSED)
        dossier = rng.choice(DOSSIER)
        if dossier is not None and date.fromisoformat(dossier) > date.fromisoformat(assessed):
            assessed = dossier
        pilot, reinforcement = rng.choice(AREAS)
        cases.append(
            {
                "case_id": f"GOLD-{i:04d}",
                "address_id": f"{1651200000000000 + i:016d}",
                "municipality": rng.choice(MUNICIPALITIES),
                "assessed_on": assessed,
                "technical_cause": rng.random() < 0.8,
                "recognised_damage_eur": recognised,
                "unsettled_damage_eur": unsettled,
                "structural_damage_eur": structural,
                "woz_value_eur": rng.choice(WOZ),
                "rijksmonument": rng.random() < 0.08,
                "pgv_5mms_events": rng.choice(PGV_EVENTS),
                "in_pilot_area": pilot,
                "in_reinforcement_area": reinforcement,
                "existing_dossier_since": dossier,
                "estimated_cost_eur": rng.choice(ESTIMATED),
            }
        )
    return cases


def corpus() -> list[CaseInputs]:
    return [parse_case(data) for data in corpus_data()]
