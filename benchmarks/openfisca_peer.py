"""The `compare` peer of issue #8: the frameworks `pilot-2024` and `2026` written in OpenFisca.

The same rules as `decisions.frameworks`, as an OpenFisca tax-benefit system: one
entity (an address), one input variable per case fact, one variable per
criterion with dated formulas (from 2023-07-01, 2024-03-01 and 2026-01-01, as the
rules changed), the transitional rule, eligibility and the maximum amount; the
numbers (the damage thresholds, the PGV event count, the maxima, the transitional
cut-off) are dated OpenFisca parameters. A framework is then the legislation on a
date: `pilot-2024` is calculated for 2024-03, `2026` for 2026-01.

`run_peer(ledger_path)` reads the same inputs from the same ledger file as
`dh-audit compare` (the latest record of every case): the typed columns
(`recognised_cents`, ...) with plain SQL into NumPy arrays, in chunks of 50,000
cases. It computes both frameworks' outcomes and maxima for every chunk with one
OpenFisca simulation, and returns the counts of the four cells of the transition
matrix. It does not produce the reasons per criterion, and it takes the typed
columns on trust; `dh-audit compare` reads the facts from the hashed JSON.

Run it: `python -m benchmarks.openfisca_peer LEDGER [DRAFT.yaml]` (prints the counts as JSON), or
`python -m benchmarks.baselines peer LEDGER` as the benchmark harness does.
Needs `openfisca-core` (a benchmark dependency, tested with 46.0.1 and NumPy 2.x).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

# The legislation date each framework is calculated for (its first month in force).
PERIODS = {"pilot-2023": "2023-07", "pilot-2024": "2024-03", "2026": "2026-01"}
CELLS = ("stays_eligible", "gains", "loses", "stays_ineligible")
NO_AMOUNT = -1  # max_amount_cents when not eligible, or without a maximum (rijksmonument)

Address = build_entity(
    key="address", plural="addresses", label="Adres (BAG nummeraanduiding)", is_person=True,
    doc="One address assessed for Duurzaam herstel.",
)

KAMERBRIEF = "Kamerbrief Duurzaam herstel (januari 2026)"

PARAMETERS = {
    "area": {
        "kern_min_events": {
            "description": "Minimum number of earthquakes of >= 5 mm/s before 2026-01-01 (kerngebied)",
            "reference": f"{KAMERBRIEF}, Vaststelling toepassingsgebied",
            "values": {"2026-01-01": {"value": 4}},
        },
    },
    "damage_threshold": {
        "recognised_minimum": {
            "description": "Minimum recognised earthquake damage (pilot), in euros",
            "reference": f"{KAMERBRIEF}, Aanpassing drempelbedrag",
            "values": {"2023-07-01": {"value": 15000.00}},
        },
        "structural_minimum": {
            "description": "Minimum >=D3 structural damage (from 2026), in euros",
            "reference": f"{KAMERBRIEF}, Aanpassing drempelbedrag",
            "values": {"2026-01-01": {"value": 5000.00}},
        },
    },
    "cap": {
        "pilot_standard_max": {
            "description": "Standard maximum per address in the pilot, in euros",
            "reference": f"{KAMERBRIEF}, Verhoging maximumbedrag",
            "values": {"2023-07-01": {"value": 125000.00}},
        },
        "statutory_max": {
            "description": "Statutory maximum per address from 2026 (WOZ value, at most this), in euros",
            "reference": f"{KAMERBRIEF}, Verhoging maximumbedrag",
            "values": {"2026-01-01": {"value": 500000.00}},
        },
        "floor": {
            "description": "The 2026 maximum is never below this (the former maximum; interpretation I-4), in euros",
            "reference": f"{KAMERBRIEF}, Verhoging maximumbedrag ('verhoogd')",
            "values": {"2026-01-01": {"value": 125000.00}},
        },
    },
    "transitional": {
        "dossier_opened_before": {
            "description": "Existing pilot dossiers opened before this day (YYYYMMDD) are completed",
            "reference": f"{KAMERBRIEF}, Vaststelling toepassingsgebied",
            "values": {"2026-01-01": {"value": 20260101}},
        },
    },
}


def _cents(euros: float) -> int:
    return int(round(euros * 100))


# --- inputs: the facts of the latest record ---------------------------------------------------


# OpenFisca reads a variable's attributes from its own class body, so each one states them.


class technical_cause(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = bool
    label = "A technical inspection found a structural defect that makes mining damage come back"


class recognised_damage_cents(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = int
    label = "All recognised earthquake damage, in cents"


class unsettled_damage_cents(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = int
    label = "Recognised damage not yet settled, in cents"


class structural_damage_cents(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = int
    label = "Recognised damage of class >= D3 that belongs to the structural defect, in cents"


class woz_value_cents(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = int
    label = "WOZ value of the address, in cents"


class rijksmonument(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = bool
    label = "The building is a national monument"


class pgv_5mms_events(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = int
    label = "Earthquakes before 2026-01-01 with modelled PGV >= 5 mm/s at the address"


class in_pilot_area(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = bool
    label = "Inside the original 2023 pilot area"


class in_reinforcement_area(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = bool
    label = "Inside the NCG reinforcement area"


class existing_dossier_since(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = int
    label = "Day the Duurzaam herstel dossier was opened, as YYYYMMDD; 0 without a dossier"


class has_estimated_cost(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = bool
    label = "The cost of the sustainable repair is estimated"


class estimated_cost_cents(Variable):
    entity = Address
    definition_period = DateUnit.ETERNITY
    value_type = int
    label = "Estimated cost of the sustainable repair, in cents"


# --- the rules: dated formulas -----------------------------------------------------------------


class area_criterion(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "area"

    def formula_2023_07_01(address, period, parameters):
        return address("in_pilot_area", period)

    def formula_2024_03_01(address, period, parameters):
        return address("in_pilot_area", period) + address("in_reinforcement_area", period)

    def formula_2026_01_01(address, period, parameters):
        return address("pgv_5mms_events", period) >= parameters(period).area.kern_min_events


class technical_cause_criterion(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "technical_cause"

    def formula_2023_07_01(address, period, parameters):
        return address("technical_cause", period)


class damage_threshold_criterion(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "damage_threshold"

    def formula_2023_07_01(address, period, parameters):
        minimum = _cents(parameters(period).damage_threshold.recognised_minimum)
        return address("recognised_damage_cents", period) >= minimum

    def formula_2026_01_01(address, period, parameters):
        minimum = _cents(parameters(period).damage_threshold.structural_minimum)
        return address("structural_damage_cents", period) >= minimum


class unsettled_damage_criterion(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "unsettled_damage"

    def formula_2023_07_01(address, period, parameters):
        return address("unsettled_damage_cents", period) > 0


class regular_eligible(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "All four criteria pass"

    def formula(address, period, parameters):
        return (
            address("area_criterion", period)
            * address("technical_cause_criterion", period)
            * address("damage_threshold_criterion", period)
            * address("unsettled_damage_criterion", period)
        )


class transitional_eligible(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "An existing pilot dossier in the original pilot area is completed"

    def formula_2026_01_01(address, period, parameters):
        since = address("existing_dossier_since", period)
        covered = (since > 0) * (since < parameters(period).transitional.dossier_opened_before)
        return covered * address("in_pilot_area", period) * np.logical_not(address("regular_eligible", period))


class eligible(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "Eligible for Duurzaam herstel"

    def formula(address, period, parameters):
        return address("regular_eligible", period) + address("transitional_eligible", period)


class max_amount_cents(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = int
    default_value = NO_AMOUNT
    label = "Maximum amount for an eligible address, in cents; -1 when none"

    def formula_2023_07_01(address, period, parameters):
        limit = _cents(parameters(period).cap.pilot_standard_max)
        return np.where(address("eligible", period), limit, NO_AMOUNT)

    def formula_2026_01_01(address, period, parameters):
        cap = parameters(period).cap
        limit, floor = _cents(cap.statutory_max), _cents(cap.floor)
        woz = address("woz_value_cents", period)
        capped = np.where(woz > limit, limit, np.maximum(woz, floor))
        capped = np.where(address("rijksmonument", period), NO_AMOUNT, capped)
        return np.where(address("eligible", period), capped, NO_AMOUNT)


class discretionary_exceedance(Variable):
    entity = Address
    definition_period = DateUnit.MONTH
    value_type = bool
    label = "The estimated cost exceeds the maximum (IMG may exceed it only by a separate decision; 2026: I-5)"

    def formula_2023_07_01(address, period, parameters):
        limit = _cents(parameters(period).cap.pilot_standard_max)
        return (
            address("eligible", period)
            * address("has_estimated_cost", period)
            * (address("estimated_cost_cents", period) > limit)
        )

    def formula_2026_01_01(address, period, parameters):
        maximum = address("max_amount_cents", period)
        return (
            address("eligible", period)
            * np.logical_not(address("rijksmonument", period))
            * address("has_estimated_cost", period)
            * (address("estimated_cost_cents", period) > maximum)
        )


VARIABLES = (
    technical_cause, recognised_damage_cents, unsettled_damage_cents, structural_damage_cents, woz_value_cents,
    rijksmonument, pgv_5mms_events, in_pilot_area, in_reinforcement_area, existing_dossier_since,
    has_estimated_cost, estimated_cost_cents, area_criterion, technical_cause_criterion,
    damage_threshold_criterion, unsettled_damage_criterion, regular_eligible, transitional_eligible, eligible,
    max_amount_cents, discretionary_exceedance,
)


def tax_benefit_system() -> TaxBenefitSystem:
    """The Duurzaam herstel rules as an OpenFisca tax-benefit system."""
    system = TaxBenefitSystem([Address])
    system.add_variables(*VARIABLES)
    system.parameters = ParameterNode("", data=PARAMETERS)
    return system


# --- reading the ledger and counting -----------------------------------------------------------


CHUNK = 50_000
_LATEST = (
    "SELECT technical_cause, recognised_cents, unsettled_cents, structural_cents, woz_cents, rijksmonument, "
    "pgv_events, in_pilot_area, in_reinforcement_area, dossier_since, estimated_cost_cents FROM records "
    "WHERE seq IN (SELECT MAX(seq) FROM records GROUP BY case_id) ORDER BY seq"
)
_INT32 = np.iinfo(np.int32)


def _int32(values, name: str) -> np.ndarray:
    array = np.array(values, dtype=np.int64)
    if array.size and (array.min() < _INT32.min or array.max() > _INT32.max):
        raise OverflowError(f"{name} does not fit OpenFisca's int (int32)")
    return array.astype(np.int32)


def read_chunks(conn: sqlite3.Connection, size: int = CHUNK) -> Iterator[dict[str, np.ndarray]]:
    """The input variables of the latest record of every case, `size` cases at a time."""
    cursor = conn.execute(_LATEST)
    while rows := cursor.fetchmany(size):
        (technical, recognised, unsettled, structural, woz, monument, events, pilot, reinforcement, since,
         cost) = zip(*rows)
        yield {
            "technical_cause": np.array(technical, dtype=bool),
            "recognised_damage_cents": _int32(recognised, "recognised_damage_cents"),
            "unsettled_damage_cents": _int32(unsettled, "unsettled_damage_cents"),
            "structural_damage_cents": _int32(structural, "structural_damage_cents"),
            "woz_value_cents": _int32(woz, "woz_value_cents"),
            "rijksmonument": np.array(monument, dtype=bool),
            "pgv_5mms_events": _int32(events, "pgv_5mms_events"),
            "in_pilot_area": np.array(pilot, dtype=bool),
            "in_reinforcement_area": np.array(reinforcement, dtype=bool),
            "existing_dossier_since": _int32([0 if d is None else int(d.replace("-", "")) for d in since],
                                             "existing_dossier_since"),
            "has_estimated_cost": np.array([c is not None for c in cost], dtype=bool),
            "estimated_cost_cents": _int32([0 if c is None else c for c in cost], "estimated_cost_cents"),
        }


def run_peer(ledger_path: str | Path, from_id: str = "pilot-2024", to_id: str = "2026") -> dict[str, int]:
    """Counts of the four cells of the transition matrix (and of the cases), computed with OpenFisca."""
    system = tax_benefit_system()
    before, after = PERIODS[from_id], PERIODS[to_id]
    counts = dict.fromkeys(CELLS, 0)
    conn = sqlite3.connect(ledger_path)
    try:
        for inputs in read_chunks(conn):
            simulation = SimulationBuilder().build_default_simulation(system, len(inputs["technical_cause"]))
            for name, values in inputs.items():
                simulation.set_input(name, "eternity", values)
            old = simulation.calculate("eligible", before)
            new = simulation.calculate("eligible", after)
            for period in (before, after):
                simulation.calculate("max_amount_cents", period)
                simulation.calculate("discretionary_exceedance", period)
            counts["stays_eligible"] += int(np.count_nonzero(old & new))
            counts["gains"] += int(np.count_nonzero(~old & new))
            counts["loses"] += int(np.count_nonzero(old & ~new))
            counts["stays_ineligible"] += int(np.count_nonzero(~old & ~new))
    finally:
        conn.close()
    return {"cases": sum(counts.values()), **counts}






# --- a draft: the same overrides as `dh-audit whatif`, as an OpenFisca reform ---------------------

# Draft parameter names (decisions.drafts.OVERRIDABLE, for 2026) and the peer's parameter each one changes.
DRAFT_PARAMETERS = {
    "area.min_events": ("area", "kern_min_events"),
    "damage_threshold.amount": ("damage_threshold", "structural_minimum"),
    "cap.statutory_max": ("cap", "statutory_max"),
    "cap.floor": ("cap", "floor"),
    "transitional.dossier_opened_before": ("transitional", "dossier_opened_before"),
}
# `null`: no ceiling (no WOZ value reaches 100,000,000 euros), no floor (a WOZ value is never below 0).
_NULL = {"cap.statutory_max": 100_000_000.0, "cap.floor": 0.0}


def _peer_value(name: str, value):
    if value is None:
        return _NULL[name]
    if name == "transitional.dossier_opened_before":
        return int(str(value).replace("-", ""))
    if name == "area.min_events":
        return int(value)
    return float(value)


def draft_system(system: TaxBenefitSystem, overrides: dict, period: str = "2026-01"):
    """The base system with the draft's parameter overrides from `period` on: an OpenFisca reform."""
    from openfisca_core import periods
    from openfisca_core.reforms import Reform

    start = periods.instant(f"{period}-01")

    def modify(parameters):
        for name, value in overrides.items():
            group, leaf = DRAFT_PARAMETERS[name]
            getattr(getattr(parameters, group), leaf).update(start=start, value=_peer_value(name, value))
        return parameters

    class DraftReform(Reform):
        name = "draft"

        def apply(self):
            self.modify_parameters(modifier_function=modify)

    return DraftReform(system)


def _side(eligible: np.ndarray, maximum: np.ndarray, exceeds: np.ndarray, inputs: dict) -> dict[str, int]:
    cost = inputs["estimated_cost_cents"].astype(np.int64)
    maximum = maximum.astype(np.int64)
    estimated = eligible & inputs["has_estimated_cost"]
    payout = np.where(maximum == NO_AMOUNT, cost, np.minimum(cost, maximum))
    return {
        "eligible": int(np.count_nonzero(eligible)),
        "maximum_sum_cents": int(maximum[eligible & (maximum != NO_AMOUNT)].sum()),
        "expected_payout_cents": int(payout[estimated].sum()),
        "discretionary_exception": int(np.count_nonzero(exceeds & eligible)),
    }


def run_peer_draft(ledger_path: str | Path, overrides: dict, base_id: str = "2026") -> dict:
    """The base framework against the reformed one: the four cells, and per side the eligible count, the sum of the
    maxima, the expected payout (sum of min(estimated cost, maximum)) and the discretionary exceptions."""
    base_system = tax_benefit_system()
    reformed = draft_system(base_system, overrides, PERIODS[base_id])
    period = PERIODS[base_id]
    counts = dict.fromkeys(CELLS, 0)
    sides = {"base": {}, "draft": {}}
    conn = sqlite3.connect(ledger_path)
    try:
        for inputs in read_chunks(conn):
            n = len(inputs["technical_cause"])
            results = []
            for system in (base_system, reformed):
                simulation = SimulationBuilder().build_default_simulation(system, n)
                for name, values in inputs.items():
                    simulation.set_input(name, "eternity", values)
                results.append((simulation.calculate("eligible", period),
                                simulation.calculate("max_amount_cents", period),
                                simulation.calculate("discretionary_exceedance", period)))
            (old, *_), (new, *_) = results
            counts["stays_eligible"] += int(np.count_nonzero(old & new))
            counts["gains"] += int(np.count_nonzero(~old & new))
            counts["loses"] += int(np.count_nonzero(old & ~new))
            counts["stays_ineligible"] += int(np.count_nonzero(~old & ~new))
            for side, result in zip(sides, results):
                for key, value in _side(*result, inputs).items():
                    sides[side][key] = sides[side].get(key, 0) + value
    finally:
        conn.close()
    return {"cases": sum(counts.values()), **counts, **sides}


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m benchmarks.openfisca_peer LEDGER [DRAFT.yaml]", file=sys.stderr)
        return 2
    if len(argv) == 2:
        print(json.dumps(run_peer_draft(Path(argv[0]), draft_overrides(Path(argv[1])))))
    else:
        print(json.dumps(run_peer(Path(argv[0]))))
    return 0


def draft_overrides(path: Path) -> dict:
    """The parameter overrides of a draft file (the peer takes parameters; readings need other formulas)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("interpretations"):
        raise SystemExit("the peer takes parameter overrides only, not interpretation readings")
    return dict(data.get("parameters") or {})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
