"""Evaluate a framework over many cases at once, on NumPy columns (issue #8).

The per-case evaluator (`decisions.evaluate.decide` with the criterion, cap and
transitional classes of `decisions.frameworks`) is the reference; this module
is a second implementation of the same rules for bulk comparison and replay.
It derives everything from the `Framework` object: it dispatches on the exact
class of each component and reads its `Parameter`s, so a changed parameter
changes the result here as it does there. A component class it does not know
raises `Unsupported`, and so does a parameter of a type it cannot represent
exactly; callers then fall back to the per-case path.

It also refuses (`Unsupported`) when the source of the per-case logic it mirrors
has changed since it was written (`MIRRORED_LOGIC`): a rule changed there but
not here must not give silently different answers. `tests/test_vectorised.py`
proves, with hypothesis and the golden corpus, that a rebuilt `Decision` equals
`evaluate` on every field.

Cases are columns (`Columns`): amounts in cents (int64), booleans, dates as
proleptic Gregorian ordinals (`date.toordinal`, `NO_DATE` when absent), the PGV
event count. Pure: no I/O.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import io
import tokenize
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

import attrs
import numpy as np

from . import amounts, frameworks, inputs
from .evaluate import ELIGIBLE, NOT_ELIGIBLE, Decision, decide
from .frameworks import (
    ALWAYS,
    COST_EXCEEDS_MAXIMUM,
    DOSSIER_NOT_COVERED,
    FLOOR_APPLIES,
    CriterionResult,
    DamageThreshold,
    Framework,
    KernArea,
    PilotArea,
    PilotCap,
    TechnicalCause,
    TransitionalRule,
    UnsettledDamage,
    WozCap,
)
from .inputs import PILOT_START, CaseInputs

NO_DATE = 0  # ordinal of an absent date (real dates have ordinals >= 1)
NO_AMOUNT = -1  # cents of an absent maximum: not eligible, or no maximum (rijksmonument)

BASES = (None, "regular", "transitional")
CAP_BASES = (None, "pilot_standard", "woz", "statutory_max", "rijksmonument")
_REGULAR, _TRANSITIONAL = 1, 2
_PILOT_STANDARD, _WOZ, _STATUTORY_MAX, _RIJKSMONUMENT = 1, 2, 3, 4

# The per-case logic this module mirrors. When its source changes (tokenised as in the
# framework fingerprint, so comments and layout do not count), `compile_framework` refuses
# until the differential tests pass again and this digest is updated (`mirrored_logic_digest()`).
MIRRORED_LOGIC = "sha256:26827c81b85e9f30f8a1bb69ba7fda652a94c4dbf1a6dfe7031b907eb3b4ad30"


class Unsupported(Exception):
    """The framework has a component (or a parameter) this module cannot evaluate exactly."""


def _mirrored() -> tuple:
    return (
        decide, PilotArea, KernArea, TechnicalCause, DamageThreshold, UnsettledDamage, PilotCap, WozCap,
        TransitionalRule, CriterionResult, frameworks.Cap, frameworks._bool, amounts.format_amount,
        amounts.check_amount, inputs._check_consistency,
    )


@functools.cache
def mirrored_logic_digest() -> str:
    """SHA-256 over the token stream of the per-case logic that this module mirrors (comments and layout aside)."""
    text = "\n".join(_tokens(_source(obj)) for obj in _mirrored())
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source(obj) -> str:
    """The source of a function or top-level class (classes found with one parse per module, not one per class)."""
    if not isinstance(obj, type):
        return inspect.getsource(obj)
    module_source, tree = _parsed(inspect.getmodule(obj))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == obj.__name__)
    return ast.get_source_segment(module_source, node)


@functools.cache
def _parsed(module) -> tuple[str, ast.Module]:
    source = inspect.getsource(module)
    return source, ast.parse(source)


def _tokens(source: str) -> str:
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return " ".join(f"{tok.type}:{tok.string}" for tok in tokens if tok.type not in skipped)


# --- columns ------------------------------------------------------------------------------------


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


def inconsistent(columns: Columns) -> np.ndarray:
    """Cases whose facts break a rule of `decisions.inputs` that the columns can show.

    Negative amounts or counts, unsettled or ≥D3 damage above the recognised damage, a
    dossier opened after `assessed_on` or before the pilot started. A caller that finds
    any falls back to the per-case path, which names the field and the rule.
    """
    bad = columns.assessed_on < 1
    for amount in (columns.recognised_cents, columns.unsettled_cents, columns.structural_cents, columns.woz_cents):
        bad |= amount < 0
    bad |= columns.has_estimated_cost & (columns.estimated_cost_cents < 0)
    bad |= columns.pgv_events < 0
    bad |= columns.unsettled_cents > columns.recognised_cents
    bad |= columns.structural_cents > columns.recognised_cents
    has_dossier = columns.dossier_since != NO_DATE
    bad |= has_dossier & (
        (columns.dossier_since > columns.assessed_on) | (columns.dossier_since < PILOT_START.toordinal())
    )
    return bad


# --- per-case text ------------------------------------------------------------------------------


def cents_text(cents: int) -> str:
    """`format_amount` of an amount in cents: two decimals, no exponent."""
    sign = "-" if cents < 0 else ""
    whole, cent = divmod(abs(cents), 100)
    return f"{sign}{whole}.{cent:02d}"


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


# --- compiling a framework ----------------------------------------------------------------------


Check = Callable[[Columns], tuple[np.ndarray, Observed]]


@attrs.frozen(eq=False)
class CompiledCriterion:
    """One criterion: its fixed texts and a check over columns."""

    code: str
    required: str
    basis: str
    check: Check


@attrs.frozen(eq=False)
class CompiledCap:
    """A cap rule over columns: (max_amount_cents, cap_basis code, discretionary_exceedance, floor_applied)."""

    apply: Callable[[Columns], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


@attrs.frozen(eq=False)
class Compiled:
    """A framework ready for `evaluate_columns`."""

    framework: Framework
    criteria: tuple[CompiledCriterion, ...]
    cap: CompiledCap
    transitional_before: int | None  # ordinal of `dossier_opened_before`, or None without a transitional rule
    transitional_pilot_area_only: bool
    interpretations: tuple[tuple[str, str], ...]  # (id, named_when) in the framework's order
    referral_routes: tuple[str, ...]  # route codes

    def named(self, dossier_not_covered: bool, floor_applied: bool, exceeds: bool) -> tuple[str, ...]:
        """The interpretations a decision names, given the conditions (as `decide` names them)."""
        holds = {
            ALWAYS: True, DOSSIER_NOT_COVERED: dossier_not_covered, FLOOR_APPLIES: floor_applied,
            COST_EXCEEDS_MAXIMUM: exceeds,
        }
        return tuple(i for i, when in self.interpretations if holds[when])

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.criteria)


def _bool_labels(values: np.ndarray) -> Observed:
    return Observed("label", values.astype(np.int8), ("false", "true"))


def _cents_of(value: object, what: str) -> int:
    if type(value) is not Decimal or not value.is_finite() or value != value.quantize(amounts.CENT):
        raise Unsupported(f"{what} must be a Decimal amount with at most two decimals (got {value!r})")
    return int(value * 100)


_AMOUNT_COLUMNS = {
    "recognised_damage_eur": "recognised_cents",
    "unsettled_damage_eur": "unsettled_cents",
    "structural_damage_eur": "structural_cents",
    "woz_value_eur": "woz_cents",
}


def _pilot_area(criterion: PilotArea) -> CompiledCriterion:
    if criterion.include_reinforcement_area:
        labels = tuple(
            f"in_pilot_area={p}, in_reinforcement_area={r}" for p in ("false", "true") for r in ("false", "true")
        )

        def check(c: Columns):
            index = c.in_pilot_area.astype(np.int8) * 2 + c.in_reinforcement_area.astype(np.int8)
            return c.in_pilot_area | c.in_reinforcement_area, Observed("label", index, labels)

        required = "in_pilot_area=true or in_reinforcement_area=true"
    else:

        def check(c: Columns):
            return c.in_pilot_area.copy(), Observed(
                "label", c.in_pilot_area.astype(np.int8), ("in_pilot_area=false", "in_pilot_area=true")
            )

        required = "in_pilot_area=true"
    return CompiledCriterion(criterion.code, required, criterion.basis, check)


def _kern_area(criterion: KernArea) -> CompiledCriterion:
    minimum = criterion.min_events.value
    if type(minimum) is not int:
        raise Unsupported(f"KernArea.min_events must be an int (got {minimum!r})")

    def check(c: Columns):
        return c.pgv_events >= minimum, Observed("count", c.pgv_events)

    return CompiledCriterion(criterion.code, f">= {minimum}", criterion.basis, check)


def _technical_cause(criterion: TechnicalCause) -> CompiledCriterion:
    def check(c: Columns):
        return c.technical_cause.copy(), _bool_labels(c.technical_cause)

    return CompiledCriterion(criterion.code, "true", criterion.basis, check)


def _damage_threshold(criterion: DamageThreshold) -> CompiledCriterion:
    column = _AMOUNT_COLUMNS.get(criterion.fact)
    if column is None:
        raise Unsupported(f"DamageThreshold on {criterion.fact!r} has no vectorised column")
    minimum = _cents_of(criterion.minimum.value, "DamageThreshold.minimum")

    def check(c: Columns):
        amount = getattr(c, column)
        return amount >= minimum, Observed("amount", amount)

    return CompiledCriterion(
        criterion.code, f">= {amounts.format_amount(criterion.minimum.value)}", criterion.basis, check
    )


def _unsettled_damage(criterion: UnsettledDamage) -> CompiledCriterion:
    def check(c: Columns):
        return c.unsettled_cents > 0, Observed("amount", c.unsettled_cents)

    return CompiledCriterion(criterion.code, "> 0.00", criterion.basis, check)


_CRITERIA = {
    PilotArea: _pilot_area,
    KernArea: _kern_area,
    TechnicalCause: _technical_cause,
    DamageThreshold: _damage_threshold,
    UnsettledDamage: _unsettled_damage,
}


def _pilot_cap(rule: PilotCap) -> CompiledCap:
    limit = _cents_of(rule.standard_max.value, "PilotCap.standard_max")

    def apply(c: Columns):
        n = len(c)
        exceeds = c.has_estimated_cost & (c.estimated_cost_cents > limit)
        no_floor = np.zeros(n, dtype=bool)
        return np.full(n, limit, dtype=np.int64), np.full(n, _PILOT_STANDARD, dtype=np.int8), exceeds, no_floor

    return CompiledCap(apply)


def _woz_cap(rule: WozCap) -> CompiledCap:
    limit = _cents_of(rule.statutory_max.value, "WozCap.statutory_max")
    floor = None if rule.floor is None else _cents_of(rule.floor.value, "WozCap.floor")
    if type(rule.discretionary) is not bool:
        raise Unsupported(f"WozCap.discretionary must be a bool (got {rule.discretionary!r})")

    def apply(c: Columns):
        above = c.woz_cents > limit
        floored = ~above & (c.woz_cents < floor) if floor is not None else np.zeros(len(c), dtype=bool)
        amount = np.where(above, limit, np.where(floored, floor if floor is not None else 0, c.woz_cents))
        basis = np.where(above, _STATUTORY_MAX, np.where(floored, _PILOT_STANDARD, _WOZ)).astype(np.int8)
        if rule.discretionary:
            exceeds = c.has_estimated_cost & (c.estimated_cost_cents > amount)
        else:
            exceeds = np.zeros(len(c), dtype=bool)
        monument = c.rijksmonument
        amount[monument] = NO_AMOUNT
        basis[monument] = _RIJKSMONUMENT
        return amount, basis, exceeds & ~monument, floored & ~monument

    return CompiledCap(apply)


_CAPS = {PilotCap: _pilot_cap, WozCap: _woz_cap}


def _compile_part(table: dict, part: object) -> object:
    build = table.get(type(part))
    if build is None:
        raise Unsupported(f"no vectorised form of {type(part).__name__}")
    return build(part)


@functools.lru_cache(maxsize=64)
def compile_framework(framework: Framework) -> Compiled:
    """The vectorised form of a framework; raises `Unsupported` when it has none."""
    if mirrored_logic_digest() != MIRRORED_LOGIC:
        raise Unsupported(
            "the per-case decision logic changed since the vectorised path was written"
            f" ({mirrored_logic_digest()} != {MIRRORED_LOGIC})"
        )
    transitional = framework.transitional
    before = None
    if transitional is not None:
        if type(transitional) is not TransitionalRule:
            raise Unsupported(f"no vectorised form of {type(transitional).__name__}")
        value = transitional.dossier_opened_before.value
        if type(value) is not date:
            raise Unsupported(f"TransitionalRule.dossier_opened_before must be a date (got {value!r})")
        if type(transitional.original_pilot_area_only) is not bool:
            raise Unsupported("TransitionalRule.original_pilot_area_only must be a bool")
        before = value.toordinal()
    return Compiled(
        framework=framework,
        criteria=tuple(_compile_part(_CRITERIA, c) for c in framework.criteria),
        cap=_compile_part(_CAPS, framework.cap_rule),
        transitional_before=before,
        transitional_pilot_area_only=transitional is None or transitional.original_pilot_area_only,
        interpretations=tuple((i.id, _named_when(i.named_when)) for i in framework.interpretations),
        referral_routes=tuple(route.code for route in framework.referral_routes),
    )


def _named_when(condition: str) -> str:
    if condition not in (ALWAYS, DOSSIER_NOT_COVERED, FLOOR_APPLIES, COST_EXCEEDS_MAXIMUM):
        raise Unsupported(f"no vectorised form of an interpretation named when {condition!r}")
    return condition


def supports(framework: Framework) -> bool:
    """Whether `compile_framework` can evaluate this framework."""
    try:
        compile_framework(framework)
    except Unsupported:
        return False
    return True


# --- evaluating ---------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class VectorDecisions:
    """The decisions of n cases under one framework: every field of `Decision`, as arrays."""

    compiled: Compiled
    passed: np.ndarray  # (n, criteria) bool
    observed: tuple[Observed, ...]  # per criterion
    eligible: np.ndarray  # bool
    basis: np.ndarray  # int8 index into BASES
    max_amount_cents: np.ndarray  # int64, NO_AMOUNT for none
    cap_basis: np.ndarray  # int8 index into CAP_BASES
    discretionary_exceedance: np.ndarray  # bool
    referred: np.ndarray  # bool: referral_routes are the framework's routes
    dossier_not_covered: np.ndarray  # bool: an existing dossier the transitional rule leaves out (I-1)
    floor_applied: np.ndarray  # bool: the maximum was raised to the floor (I-4)

    def __len__(self) -> int:
        return len(self.eligible)

    def interpretation_code(self) -> np.ndarray:
        """Per case, the conditions that name interpretations, as bits: 1 dossier, 2 floor, 4 exceedance."""
        return (
            self.dossier_not_covered.astype(np.int8)
            + 2 * self.floor_applied.astype(np.int8)
            + 4 * self.discretionary_exceedance.astype(np.int8)
        )

    def interpretations(self, i: int) -> tuple[str, ...]:
        return self.compiled.named(
            bool(self.dossier_not_covered[i]), bool(self.floor_applied[i]), bool(self.discretionary_exceedance[i])
        )

    def referral_routes(self, i: int) -> tuple[str, ...]:
        return self.compiled.referral_routes if self.referred[i] else ()

    def decision(self, i: int, fingerprint: str) -> Decision:
        """The `Decision` of case i, field for field as `decide` builds it."""
        compiled = self.compiled
        results = tuple(
            CriterionResult(c.code, bool(self.passed[i, j]), self.observed[j].text(i), c.required, c.basis)
            for j, c in enumerate(compiled.criteria)
        )
        cents = int(self.max_amount_cents[i])
        return Decision(
            compiled.framework.id,
            fingerprint,
            ELIGIBLE if self.eligible[i] else NOT_ELIGIBLE,
            BASES[self.basis[i]],
            results,
            None if cents == NO_AMOUNT else Decimal(cents_text(cents)),
            CAP_BASES[self.cap_basis[i]],
            bool(self.discretionary_exceedance[i]),
            self.referral_routes(i),
            self.interpretations(i),
        )


def evaluate_columns(compiled: Compiled, columns: Columns) -> VectorDecisions:
    """Decide every case of the columns under the compiled framework (see `decisions.evaluate.decide`)."""
    n = len(columns)
    k = len(compiled.criteria)
    passed = np.ones((n, k), dtype=bool)
    observed = []
    for j, criterion in enumerate(compiled.criteria):
        ok, seen = criterion.check(columns)
        passed[:, j] = ok
        observed.append(seen)
    regular = passed.all(axis=1)

    covers = np.zeros(n, dtype=bool)
    if compiled.transitional_before is not None:
        covers = (columns.dossier_since != NO_DATE) & (columns.dossier_since < compiled.transitional_before)
    in_area = columns.in_pilot_area if compiled.transitional_pilot_area_only else np.ones(n, dtype=bool)
    transitional = ~regular & covers & in_area
    eligible = regular | transitional
    basis = np.where(regular, _REGULAR, np.where(transitional, _TRANSITIONAL, 0)).astype(np.int8)
    not_covered = ~eligible & covers

    referred = ~eligible if compiled.referral_routes else np.zeros(n, dtype=bool)

    amount, cap_basis, exceeds, floored = compiled.cap.apply(columns)
    amount = np.where(eligible, amount, NO_AMOUNT)
    cap_basis = np.where(eligible, cap_basis, 0).astype(np.int8)
    exceeds = eligible & exceeds
    floored = eligible & floored
    return VectorDecisions(
        compiled, passed, tuple(observed), eligible, basis, amount, cap_basis, exceeds, referred, not_covered,
        floored,
    )
