"""The vocabulary of a comparison, shared by the case-by-case and the bulk form.

The cells of the transition matrix, the bands of the change in maximum amount,
the sides, and the counters (`Counts`) both forms fill into the same `Comparison`.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import attrs

from decisions.boundary import EXISTING_DOSSIER_OUTSIDE_PILOT_AREA

STAYS_ELIGIBLE = "stays_eligible"
GAINS = "gains"
LOSES = "loses"
STAYS_INELIGIBLE = "stays_ineligible"
CELLS = (STAYS_ELIGIBLE, GAINS, LOSES, STAYS_INELIGIBLE)
CHANGES = (GAINS, LOSES)

TRANSITIONAL = "transitional"

# Bands of the change in maximum amount, for cases eligible under both frameworks.
BAND_LOWER = "lower"
BAND_SAME = "same"
BAND_UP_TO_50K = "up_to_50k"
BAND_50K_TO_125K = "50k_to_125k"
BAND_OVER_125K = "over_125k"
BAND_UNCAPPED = "uncapped"
BANDS = (BAND_LOWER, BAND_SAME, BAND_UP_TO_50K, BAND_50K_TO_125K, BAND_OVER_125K, BAND_UNCAPPED)
_50K = Decimal("50000.00")
_125K = Decimal("125000.00")

# The two sides of a comparison, for counts kept per framework.
BEFORE, AFTER = "before", "after"
SIDES = (BEFORE, AFTER)

SYNTHETIC_PREFIX = "SYN-"  # audit.synth marks every invented case id this way

DEFAULT_FROM = "pilot-2024"
DEFAULT_TO = "2026"


@attrs.frozen
class Comparison:
    """The aggregated comparison: counts only, overall and per municipality."""

    from_framework: str
    to_framework: str
    cases: int
    cells: dict[str, int]
    by_municipality: dict[str, dict[str, int]]
    reasons: dict[str, dict[str, int]]
    cap_bands: dict[str, int]
    cap_bands_by_municipality: dict[str, dict[str, int]]
    i1_cases: int
    i1_by_municipality: dict[str, int]
    i1_by_cell: dict[str, int]
    synthetic: bool
    exceedance: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(SIDES, 0))  # by side
    exceedance_by_municipality: dict[str, dict[str, int]] = attrs.field(factory=dict)

    @property
    def municipalities(self) -> tuple[str, ...]:
        return tuple(self.by_municipality)

    @property
    def i1_class(self) -> str:
        return EXISTING_DOSSIER_OUTSIDE_PILOT_AREA


@attrs.define
class Counts:
    """The counters a comparison is built from; `audit.analysis.compare_bulk` fills the same ones in bulk.

    `cells` and `i1` count by (municipality, cell), `bands` by (municipality, band),
    `reasons` by (cell, cause key) and `exceedance` by (municipality, side); only keys
    with a count are present.
    """

    total: int = 0
    synthetic: bool = True
    cells: Counter = attrs.field(factory=Counter)
    reasons: Counter = attrs.field(factory=Counter)
    bands: Counter = attrs.field(factory=Counter)
    i1: Counter = attrs.field(factory=Counter)
    exceedance: Counter = attrs.field(factory=Counter)

    def comparison(self, from_framework: str, to_framework: str) -> Comparison:
        cells, reasons, bands, i1, total = self.cells, self.reasons, self.bands, self.i1, self.total
        municipalities = sorted({m for m, _ in cells})
        by_municipality = {m: {c: cells[(m, c)] for c in CELLS} for m in municipalities}
        bands_by_municipality = {m: {b: bands[(m, b)] for b in BANDS} for m in municipalities}
        exceeds = self.exceedance
        exceeds_by_municipality = {m: {s: exceeds[(m, s)] for s in SIDES} for m in municipalities}
        reason_keys = sorted({k for _, k in reasons})
        return Comparison(
            from_framework=from_framework,
            to_framework=to_framework,
            cases=total,
            cells={c: sum(row[c] for row in by_municipality.values()) for c in CELLS},
            by_municipality=by_municipality,
            reasons={
                cell: {k: reasons[(cell, k)] for k in reason_keys if reasons[(cell, k)]} for cell in CHANGES
            },
            cap_bands={b: sum(row[b] for row in bands_by_municipality.values()) for b in BANDS},
            cap_bands_by_municipality=bands_by_municipality,
            i1_cases=sum(i1.values()),
            i1_by_municipality={m: sum(i1[(m, c)] for c in CELLS) for m in municipalities},
            i1_by_cell={c: sum(i1[(m, c)] for m in municipalities) for c in CELLS},
            synthetic=self.synthetic and total > 0,
            exceedance={s: sum(row[s] for row in exceeds_by_municipality.values()) for s in SIDES},
            exceedance_by_municipality=exceeds_by_municipality,
        )
