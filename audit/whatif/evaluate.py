"""What-if: the recorded population decided under a base framework and under drafts, with the cost (docs/whatif.md).

The facts of the latest record of every case are read once (`read_population`:
the bulk reader of `audit.ledger.facts`, straight from the hashed JSON), then
each framework is evaluated over them once with the column forms of its rules
(`decisions.vectorised`). A draft is compared with its base into the same
`Comparison` as `dh-audit compare` (`audit.analysis.compare_bulk.ComparisonCounter`),
plus the cost of each side (`cost_of`). A sweep evaluates one draft per value on
the same facts and the same base decisions.

Cost, per framework, over the cases it finds eligible:
- the maximum amounts (their sum and distribution; a rijksmonument has none);
- the expected payout: the sum of min(estimated cost, maximum), the estimated
  cost itself without a maximum; cases without an estimated cost are counted
  apart and add nothing;
- the discretionary exception: cases whose estimated cost is above the maximum,
  and by how much in all.

Facts the bulk reader does not take (another type or form, or facts that break
a validation rule) are read case by case instead, with `parse_case`, which names
a bad field.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from decimal import Decimal

import attrs
import numpy as np

from decisions.amounts import format_amount
from decisions.drafts import Draft, parameter_value
from decisions.frameworks import Framework
from decisions.inputs import parse_case
from decisions.municipalities import NAMES as MUNICIPALITY_NAMES
from decisions.vectorised import NO_AMOUNT, Columns, VectorDecisions, compile_framework, evaluate_columns, inconsistent

from audit.analysis.compare import comparison_to_data
from audit.analysis.compare_bulk import CHUNK, ComparisonCounter
from audit.analysis.transitions import CELLS, CHANGES, GAINS, LOSES, SYNTHETIC_PREFIX, Comparison
from audit.ledger.facts import Unreadable, latest_facts_by_seq
from audit.ledger.scan import latest_inputs

# Bands of the maximum amount of an eligible case, in cents: up to and including each bound.
MAXIMUM_BANDS = (
    ("up_to_125k", 12_500_000),
    ("125k_to_250k", 25_000_000),
    ("250k_to_500k", 50_000_000),
    ("over_500k", None),
)
NO_MAXIMUM = "no_maximum"
QUANTILES = (("p10", 10), ("p25", 25), ("median", 50), ("p75", 75), ("p90", 90))


@attrs.frozen(eq=False)
class Population:
    """The facts of the latest record of every case, read once: columns, municipality codes and names."""

    columns: Columns
    codes: np.ndarray  # int64: the position of the case's municipality in names
    names: dict[str, int]  # municipality -> code, in code order (it may list municipalities without cases)
    synthetic: bool

    def __len__(self) -> int:
        return len(self.codes)


def read_population(conn: sqlite3.Connection) -> Population:
    """The latest facts of every case, in bulk; case by case when the bulk reader does not take them."""
    last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
    # The reader admits only listed municipalities, so each has a code before any is read.
    listed = {name: code for code, name in enumerate(sorted(MUNICIPALITY_NAMES))}
    parts, codes, synthetic = [], [], True
    try:
        for facts in latest_facts_by_seq(conn, last, CHUNK):
            if inconsistent(facts.columns).any():
                return _population_case_by_case(conn)
            parts.append(facts.columns)
            codes.append(np.fromiter(map(listed.__getitem__, facts.municipality), dtype=np.int64,
                                     count=len(facts)))
            synthetic = synthetic and _all_synthetic(facts.case_id)
    except Unreadable:
        return _population_case_by_case(conn)
    return Population(_joined(parts), _codes(codes), listed, synthetic and last > 0)


def _all_synthetic(case_ids: tuple[str, ...]) -> bool:
    """Whether every case id starts with the synthetic prefix (ids are printable: no NUL inside one)."""
    if not case_ids:
        return True
    joined = "\0" + "\0".join(case_ids)
    return joined.count("\0" + SYNTHETIC_PREFIX) == len(case_ids)


def _population_case_by_case(conn: sqlite3.Connection) -> Population:
    rows = latest_inputs(conn)
    try:
        cases = []
        for _, _, inputs in rows:
            data = json.loads(inputs)
            data.pop("pgv_history", None)  # no rule reads it (see audit.analysis.compare)
            cases.append(parse_case(data))
    finally:
        rows.close()
    names: dict[str, int] = {}
    codes = np.array([names.setdefault(c.municipality, len(names)) for c in cases], dtype=np.int64)
    synthetic = bool(cases) and all(c.case_id.startswith(SYNTHETIC_PREFIX) for c in cases)
    return Population(Columns.from_cases(cases), codes, names, synthetic)


def _joined(parts: list[Columns]) -> Columns:
    if not parts:
        return Columns.from_cases([])
    if len(parts) == 1:
        return parts[0]
    return Columns(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(Columns)})


def _codes(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def decide_all(population: Population, framework: Framework) -> VectorDecisions:
    """Every case of the population decided under the framework (column forms of its rules)."""
    return evaluate_columns(compile_framework(framework), population.columns)


# --- cost -------------------------------------------------------------------------------------


def _amount(cents: int | None) -> str | None:
    return None if cents is None else format_amount(Decimal(int(cents)) / 100)


def cost_of(population: Population, decided: VectorDecisions) -> dict:
    """The cost figures of one framework over the population."""
    columns = population.columns
    eligible = decided.eligible
    maximum = decided.max_amount_cents
    capped = eligible & (maximum != NO_AMOUNT)
    uncapped = eligible & (maximum == NO_AMOUNT)
    estimated = eligible & columns.has_estimated_cost
    cost = columns.estimated_cost_cents
    payout = np.where(maximum == NO_AMOUNT, cost, np.minimum(cost, maximum))
    exceeds = decided.discretionary_exceedance & eligible
    amounts = maximum[capped]
    bounds = [bound for _, bound in MAXIMUM_BANDS if bound is not None]
    band_counts = np.bincount(np.searchsorted(bounds, amounts, side="left"), minlength=len(MAXIMUM_BANDS))
    bands = {name: int(n) for (name, _), n in zip(MAXIMUM_BANDS, band_counts.tolist())}
    bands[NO_MAXIMUM] = int(uncapped.sum())
    quantiles = (
        dict(zip((q for q, _ in QUANTILES),
                 (_amount(v) for v in np.percentile(amounts, [p for _, p in QUANTILES], method="lower").tolist())))
        if amounts.size else {q: None for q, _ in QUANTILES}
    )
    return {
        "eligible": int(eligible.sum()),
        "maximum": {
            "cases": int(capped.sum()),
            "sum_eur": _amount(int(amounts.sum())),
            "bands": bands,
            "quantiles": quantiles,
        },
        "no_maximum_cases": int(uncapped.sum()),
        "expected_payout_eur": _amount(int(payout[estimated].sum())),
        "cases_with_estimate": int(estimated.sum()),
        "cases_without_estimate": int((eligible & ~columns.has_estimated_cost).sum()),
        "discretionary_exception": {
            "cases": int(exceeds.sum()),
            "above_maximum_eur": _amount(int((cost[exceeds] - maximum[exceeds]).sum())),
        },
    }


def change(base: object, draft: object) -> object:
    """Draft minus base for every figure: counts as numbers, amounts as signed two-decimal strings."""
    if isinstance(base, dict):
        return {key: change(base[key], draft[key]) for key in base}
    if base is None or draft is None:
        return None
    if isinstance(base, str):
        difference = Decimal(draft) - Decimal(base)
        return ("-" if difference < 0 else "") + format_amount(abs(difference))
    return draft - base


# --- one draft --------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class WhatIf:
    """A draft against its base over the recorded population."""

    draft: Draft
    comparison: Comparison
    cost_base: dict
    cost_draft: dict
    cost_by_municipality: dict[str, dict]

    @property
    def cost_change(self) -> dict:
        return change(self.cost_base, self.cost_draft)


def evaluate_draft(population: Population, draft: Draft, base_decided: VectorDecisions | None = None) -> WhatIf:
    """The comparison and the cost of a draft against its base (base decisions reused when given)."""
    base = draft.base
    old = base_decided if base_decided is not None else decide_all(population, base)
    new = decide_all(population, draft.framework)
    counter = ComparisonCounter(compile_framework(base), compile_framework(draft.framework), dict(population.names))
    if len(population):
        counter.add_decided(population.codes, population.synthetic, old, new)
    comparison = counter.counts.comparison(base.id, draft.framework.id)
    before, after = municipality_costs(population, old), municipality_costs(population, new)
    by_municipality = {
        name: {"base": before[name], "draft": after[name], "change": change(before[name], after[name])}
        for name in sorted(before)
    }
    return WhatIf(draft, comparison, cost_of(population, old), cost_of(population, new), by_municipality)


def municipality_costs(population: Population, decided: VectorDecisions) -> dict[str, dict]:
    """Per municipality: eligible cases, the sum of their maxima, the expected payout and the exceptions."""
    columns, maximum = population.columns, decided.max_amount_cents
    eligible = decided.eligible
    capped = eligible & (maximum != NO_AMOUNT)
    cost = columns.estimated_cost_cents
    payout = np.where(maximum == NO_AMOUNT, cost, np.minimum(cost, maximum))
    order = np.argsort(population.codes, kind="stable")
    codes = population.codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if codes.size else np.zeros(0, dtype=np.int64)

    def per_code(values: np.ndarray) -> list[int]:
        if not codes.size:
            return []
        return np.add.reduceat(values.astype(np.int64)[order], starts).tolist()

    found = dict(zip(codes[starts].tolist(), zip(
        per_code(eligible),
        per_code(np.where(capped, maximum, 0)),
        per_code(np.where(eligible & columns.has_estimated_cost, payout, 0)),
        per_code(decided.discretionary_exceedance & eligible),
    )))
    return {
        name: {
            "eligible": found[code][0],
            "maximum_sum_eur": _amount(found[code][1]),
            "expected_payout_eur": _amount(found[code][2]),
            "discretionary_exception": found[code][3],
        }
        for name, code in population.names.items()
        if code in found
    }


def draft_to_data(draft: Draft) -> dict:
    return {"id": draft.framework.id, "fingerprint": draft.fingerprint, "never_recorded": True, **draft.data()}


def whatif_to_data(result: WhatIf) -> dict:
    """JSON-ready data: the keys of `compare --json`, plus `draft` and `cost` (internal, not suppressed)."""
    data = comparison_to_data(result.comparison)
    data["draft"] = draft_to_data(result.draft)
    data["cost"] = {
        "base": result.cost_base,
        "draft": result.cost_draft,
        "change": result.cost_change,
        "by_municipality": result.cost_by_municipality,
    }
    return data


# --- sweeps -----------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class SweepPoint:
    value: object  # as written in a draft file
    result: WhatIf
    is_base: bool  # the value is the base framework's own


@attrs.frozen(eq=False)
class Sweep:
    parameter: str
    base_value: object
    points: tuple[SweepPoint, ...]
    base_cost: dict
    base: Framework


def sweep(population: Population, parameter: str, drafts: Iterable[tuple[object, Draft]]) -> Sweep:
    """One draft per value of one parameter, on the same facts; the base is decided once."""
    drafts = list(drafts)
    base = drafts[0][1].base
    base_decided = decide_all(population, base)
    base_value = _base_value(base, parameter)
    points = []
    for value, draft in drafts:
        result = evaluate_draft(population, draft, base_decided)
        written = dict(draft.data()["parameters"])[parameter]
        points.append(SweepPoint(written, result, written == base_value))
    return Sweep(parameter, base_value, tuple(points), cost_of(population, base_decided), base)


def _base_value(base: Framework, parameter: str) -> object:
    from decisions.drafts import overridable

    for spec, current in overridable(base):
        if spec.name == parameter:
            return parameter_value(current, spec)
    return None


def sweep_to_data(result: Sweep) -> dict:
    return {
        "parameter": result.parameter,
        "base": {"id": result.base.id, "value": result.base_value, "cost": result.base_cost},
        "points": [
            {
                "value": point.value,
                "is_base_value": point.is_base,
                "draft": draft_to_data(point.result.draft),
                "transition_matrix": point.result.comparison.cells,
                "cost": point.result.cost_draft,
                "change": point.result.cost_change,
            }
            for point in result.points
        ],
    }


__all__ = [
    "CELLS", "CHANGES", "GAINS", "LOSES", "Population", "Sweep", "SweepPoint", "WhatIf", "change", "cost_of", "decide_all",
    "evaluate_draft", "read_population", "sweep", "sweep_to_data", "whatif_to_data",
]
