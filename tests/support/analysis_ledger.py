"""A small fixed ledger for the replay, comparison and boundary tests and the report golden files.

Everything in it is fixed: the cases, the clock, the record ids and the engine
version, so the reports built from it are the same bytes on every run.

The population is made to give every report something to show: groups of at
least 10 cases in several cells of the transition matrix (and some smaller
groups, which the comparison report must suppress), each band of the change in
maximum amount, interpretation I-1, one example of each boundary class, a case
corrected by a later record, and a discretionary exception decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs

from tests.support.cases import case_data
from audit.ledger import Entry, Ledger
from audit.ledger.recording import record_case, record_cases
from decisions.evaluate import ELIGIBLE, evaluate
from decisions.inputs import parse_case

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ENGINE_VERSION = "0.0.0+golden"

NOT_PILOT = {"in_pilot_area": False, "in_reinforcement_area": True, "municipality": "Groningen"}
STAYS_OUT = {"technical_cause": False, "pgv_5mms_events": 1, "structural_damage_eur": "0.00"}


def fixed_clock(start: datetime = START):
    ticks = iter(range(10**9))
    return lambda: start + timedelta(seconds=next(ticks))


def counter_ids(prefix: str = "rec"):
    ticks = iter(range(1, 10**9))
    return lambda: f"{prefix}-{next(ticks):06d}"


def open_fixed(path: Path) -> Ledger:
    return Ledger(path, clock=fixed_clock(), new_id=counter_ids())


def population() -> list[dict]:
    """The cases of the fixed ledger, in recording order."""
    cases: list[dict] = []

    def add(count: int, **overrides) -> None:
        for _ in range(count):
            n = len(cases) + 1
            cases.append(case_data(case_id=f"FIX-{n:04d}", address_id=f"{1651200000000000 + n}", **overrides))

    # Eemsdelta, in the pilot area, assessed under 2026.
    add(14)  # stays eligible; WOZ 245,000: the maximum rises by 120,000
    add(11, woz_value_eur="600000.00")  # stays eligible; the maximum rises to 500,000
    add(12, recognised_damage_eur="9000.00")  # gains: 9,000 recognised damage, but 6,000 of it >=D3
    add(10, pgv_5mms_events=2, structural_damage_eur="1000.00")  # loses: area and damage threshold
    add(30, **STAYS_OUT)
    # Groningen, in the 2024 extension area, assessed under pilot-2024.
    pilot_2024 = {**NOT_PILOT, "assessed_on": "2025-09-15"}
    add(10, woz_value_eur="150000.00", **pilot_2024)  # stays eligible; the maximum rises by 25,000
    add(3, rijksmonument=True, **pilot_2024)  # stays eligible; no maximum any more
    add(2, woz_value_eur="100000.00", **pilot_2024)  # stays eligible; the maximum falls
    add(15, pgv_5mms_events=2, structural_damage_eur="3000.00", **pilot_2024)  # loses
    add(10, pgv_5mms_events=1, structural_damage_eur="1000.00", existing_dossier_since="2025-06-01",
        **pilot_2024)  # loses; existing dossier outside the pilot area (I-1)
    add(25, **STAYS_OUT, **pilot_2024)
    # Het Hogeland, in the extension area.
    hogeland = {**NOT_PILOT, "municipality": "Het Hogeland"}
    add(10, pgv_5mms_events=0, **hogeland)  # loses on the area criterion only
    add(4, in_reinforcement_area=False, **{k: v for k, v in hogeland.items() if k != "in_reinforcement_area"})
    add(20, **STAYS_OUT, **hogeland)
    # Oldambt, outside both areas.
    add(15, municipality="Oldambt", in_pilot_area=False, in_reinforcement_area=False, **STAYS_OUT)
    # One example of each boundary class (Eemsdelta, 2026).
    add(1, pgv_5mms_events=3)
    add(1, structural_damage_eur="4687.50")
    add(1, pgv_5mms_events=3, pgv_history=[
        {"event_date": "2012-08-16", "place": "Huizinge", "magnitude": "3.6", "pgv_mm_s": "9.1"},
        {"event_date": "2018-01-08", "place": "Zeerijp", "magnitude": "3.4", "pgv_mm_s": "6.2"},
        {"event_date": "2019-05-22", "place": "Westerwijtwerd", "magnitude": "3.4", "pgv_mm_s": "4.7"},
        {"event_date": "2021-11-16", "place": "Garrelsweer", "magnitude": "3.2", "pgv_mm_s": "5.4"},
    ])
    add(1, woz_value_eur="200000.00", estimated_cost_eur="260000.00")
    add(1, technical_cause=False)
    return cases


CORRECTED_CASE = "FIX-H001"
EXCEPTION_CASE = "FIX-E001"


def build(path: Path, monkeypatch=None) -> Path:
    """Write the fixed ledger at `path` (with a fixed engine version when `monkeypatch` is given)."""
    if monkeypatch is not None:
        import audit.ledger.store

        monkeypatch.setattr(audit.ledger.store, "engine_version", lambda: ENGINE_VERSION)
    with open_fixed(path) as ledger:
        record_cases(ledger, (parse_case(c) for c in population()))
        # A case decided under pilot-2024, then corrected under 2026: the correction is its latest record.
        first = record_case(ledger, parse_case(case_data(
            case_id=CORRECTED_CASE, address_id="1651200000009001", assessed_on="2025-05-01",
            recognised_damage_eur="16000.00",
        )), actor="reviewer-07")
        record_case(ledger, parse_case(case_data(
            case_id=CORRECTED_CASE, address_id="1651200000009001", assessed_on="2026-02-20",
            recognised_damage_eur="21000.00", structural_damage_eur="7000.00",
        )), kind="correction", supersedes=first.seq, actor="reviewer-07")
        # A case that fails only the 2026 area criterion, and the discretionary outcome of its referral.
        referred_case = parse_case(case_data(
            case_id=EXCEPTION_CASE, address_id="1651200000009002", pgv_5mms_events=2, in_pilot_area=False,
        ))
        referred = record_case(ledger, referred_case, actor="reviewer-03")
        granted = attrs.evolve(
            referred.decision, outcome=ELIGIBLE, basis="exception_ivs", max_amount_eur=referred_case.woz_value_eur,
            cap_basis="woz", referral_routes=(),
        )
        ledger.append_entries([Entry(referred_case, granted, "exception_decision", referred.seq, "ivs-panel")])
    return path


def decision_of(case: dict, framework: str):
    return evaluate(parse_case(case), framework)
