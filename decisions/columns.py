"""Cases as NumPy columns, and the pieces a rule's column form is built from.

A rule's column form (`column()` on each rule class in `decisions.rules`)
decides many cases at once. It reads `Columns`: amounts in cents (int64),
booleans, dates as proleptic Gregorian ordinals (`date.toordinal`, `NO_DATE`
when absent), the PGV event count. `decisions.vectorised` combines the column
forms of a framework's rules the way `decisions.evaluate.decide` combines their
per-case forms.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

import importlib

import attrs

from .amounts import CENT
from .inputs import CaseInputs


class _NumPyOnFirstUse:
    """NumPy, loaded when a column form first runs.

    Deciding one case (`dh-audit decide`) uses only the per-case forms of the rules;
    loading NumPy would double its start-up time.
    """

    def __getattr__(self, name: str):
        return getattr(importlib.import_module("numpy"), name)


np = _NumPyOnFirstUse()

__all__ = [
    "AMOUNT_COLUMNS", "BASES", "CAP_BASES", "NO_AMOUNT", "NO_DATE", "Check", "Columns", "CompiledCap",
    "CompiledCriterion", "Observed", "Unsupported", "bool_labels", "cents_of", "cents_text",
]

NO_DATE = 0  # ordinal of an absent date (real dates have ordinals >= 1)
NO_AMOUNT = -1  # cents of an absent maximum: not eligible, or no maximum (rijksmonument)

BASES = (None, "regular", "transitional")
CAP_BASES = (None, "pilot_standard", "woz", "statutory_max", "rijksmonument")
REGULAR, TRANSITIONAL = 1, 2
PILOT_STANDARD, WOZ, STATUTORY_MAX, RIJKSMONUMENT = 1, 2, 3, 4


class Unsupported(Exception):
    """The framework has a component (or a parameter) the column forms cannot evaluate exactly."""


@attrs.frozen(eq=False)
class Columns:
    """The facts of n cases, one array per fact (what a criterion, cap or transitional rule reads)."""

    technical_cause: np.ndarray  # bool
    recognised_cents: np.ndarray  # int64
    unsettled_cents: np.ndarray  # int64
    structural_cents: np.ndarray  # int64
    woz_cents: np.ndarray  # int64
    rijksmonument: np.ndarray  # bool
    pgv_events: np.ndarray  # int64
    in_pilot_area: np.ndarray  # bool
    in_reinforcement_area: np.ndarray  # bool
    assessed_on: np.ndarray  # int64 ordinal
    dossier_since: np.ndarray  # int64 ordinal, NO_DATE when there is no dossier
    has_estimated_cost: np.ndarray  # bool
    estimated_cost_cents: np.ndarray  # int64, 0 when unknown

    def __len__(self) -> int:
        return len(self.technical_cause)

    def take(self, index: np.ndarray) -> Columns:
        """The cases at `index` (a boolean mask or positions)."""
        return Columns(**{a.name: getattr(self, a.name)[index] for a in attrs.fields(Columns)})

    @classmethod
    def from_cases(cls, cases: Iterable[CaseInputs]) -> Columns:
        """Columns of parsed cases (for tests and small batches)."""
        cases = list(cases)

        def cents(values) -> np.ndarray:
            return np.array([int(v * 100) for v in values], dtype=np.int64)

        def flags(values) -> np.ndarray:
            return np.array(list(values), dtype=bool)

        return cls(
            technical_cause=flags(c.technical_cause for c in cases),
            recognised_cents=cents(c.recognised_damage_eur for c in cases),
            unsettled_cents=cents(c.unsettled_damage_eur for c in cases),
            structural_cents=cents(c.structural_damage_eur for c in cases),
            woz_cents=cents(c.woz_value_eur for c in cases),
            rijksmonument=flags(c.rijksmonument for c in cases),
            pgv_events=np.array([c.pgv_5mms_events for c in cases], dtype=np.int64),
            in_pilot_area=flags(c.in_pilot_area for c in cases),
            in_reinforcement_area=flags(c.in_reinforcement_area for c in cases),
            assessed_on=np.array([c.assessed_on.toordinal() for c in cases], dtype=np.int64),
            dossier_since=np.array(
                [NO_DATE if c.existing_dossier_since is None else c.existing_dossier_since.toordinal() for c in cases],
                dtype=np.int64,
            ),
            has_estimated_cost=flags(c.estimated_cost_eur is not None for c in cases),
            estimated_cost_cents=cents(
                Decimal(0) if c.estimated_cost_eur is None else c.estimated_cost_eur for c in cases
            ),
        )


# The column of each amount fact of `CaseInputs`, in cents.
AMOUNT_COLUMNS = {
    "recognised_damage_eur": "recognised_cents",
    "unsettled_damage_eur": "unsettled_cents",
    "structural_damage_eur": "structural_cents",
    "woz_value_eur": "woz_cents",
}


def cents_text(cents: int) -> str:
    """`format_amount` of an amount in cents: two decimals, no exponent."""
    sign = "-" if cents < 0 else ""
    whole, cent = divmod(abs(cents), 100)
    return f"{sign}{whole}.{cent:02d}"


def cents_of(value: object, what: str) -> int:
    """A parameter amount in cents; `Unsupported` unless it is a finite Decimal with at most two decimals."""
    if type(value) is not Decimal or not value.is_finite() or value != value.quantize(CENT):
        raise Unsupported(f"{what} must be a Decimal amount with at most two decimals (got {value!r})")
    return int(value * 100)


@attrs.frozen(eq=False)
class Observed:
    """The `observed` text of one criterion for every case, formatted only when asked.

    `kind` is `label` (`values` index into `labels`), `amount` (cents) or `count`.
    """

    kind: str
    values: np.ndarray
    labels: tuple[str, ...] = ()

    def text(self, i: int) -> str:
        value = int(self.values[i])
        if self.kind == "label":
            return self.labels[value]
        return cents_text(value) if self.kind == "amount" else str(value)

    def texts(self) -> list[str]:
        values = self.values.tolist()
        if self.kind == "label":
            labels = self.labels
            return [labels[v] for v in values]
        if self.kind == "count":
            return [str(v) for v in values]
        if self.values.size and self.values.min() < 0:
            return [cents_text(v) for v in values]
        return [f"{v // 100}.{v % 100:02d}" for v in values]


def bool_labels(values: np.ndarray) -> Observed:
    """`observed` of a boolean fact: `false` or `true`."""
    return Observed("label", values.astype(np.int8), ("false", "true"))


Check = Callable[[Columns], "tuple[np.ndarray, Observed]"]


@attrs.frozen(eq=False)
class CompiledCriterion:
    """One criterion over columns: its fixed texts and a check giving (passed, observed)."""

    code: str
    required: str
    basis: str
    check: Check


@attrs.frozen(eq=False)
class CompiledCap:
    """A cap rule over columns: (max_amount_cents, cap_basis code, discretionary_exceedance, floor_applied)."""

    apply: Callable[[Columns], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


@attrs.frozen(eq=False)
class CompiledTransitional:
    """A transitional rule over columns: (covers_dossier, applies) per case."""

    apply: Callable[[Columns], tuple[np.ndarray, np.ndarray]]
