"""The rules of Duurzaam herstel: one class per kind of rule, carrying every form of itself.

Where a rule lives
------------------
A rule class (a criterion such as `KernArea`, a cap rule such as `WozCap`, the
`TransitionalRule`) holds, in one place:

- its per-case form: `check` (criteria), `cap` (cap rules), `applies` and
  `covers_dossier` (the transitional rule), which `decisions.evaluate.decide`
  combines into a decision, and `flips` (criteria), the edge of its threshold
  for `decisions.counterfactual`;
- its column form, `column()`: the same rule over NumPy columns of many cases
  (`decisions.columns`), which `decisions.vectorised` combines the way `decide`
  combines the per-case forms;
- its cut points, `cut_points()`: the values of each fact it compares against,
  so that `audit.publication.profiles` can group cases that every framework decides alike;
- its boundary classes, `boundary_classes()` (criteria and cap rules): the
  boundary classes of `decisions.boundary` that depend on this rule.

`RULE_FORMS` names the methods each kind of rule must have; a test checks
every rule of every framework and variant against it.

What the fingerprint covers
---------------------------
A framework's fingerprint (`decisions.fingerprint`) covers the per-case part of
each rule class only: the class source without the members named in
`DERIVED_FORMS` (`per_case_source`). The derived forms do not decide a single
case, so adding or changing them leaves every recorded fingerprint as it was.

The column form is kept honest twice. Each class states, in
`COLUMN_CHECKED_AGAINST`, the digest of the per-case source its column form was
written against; `decisions.vectorised` refuses (`Unsupported`, and callers fall
back to the per-case path) a rule whose per-case source no longer has that
digest, so a changed `check` without a matching `column` cannot silently give
different bulk answers. And `tests/decisions/test_vectorised.py` compares the two forms
on hypothesis cases and the golden corpus under every framework and variant;
after a change, make those tests pass, then update the digest
(`per_case_digest(cls)`).

Pure: no I/O.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import io
import textwrap
import tokenize
from datetime import date
from decimal import Decimal

import attrs

from .amounts import CENT, format_amount
from .columns import (
    np,
    AMOUNT_COLUMNS,
    NO_AMOUNT,
    NO_DATE,
    PILOT_STANDARD,
    RIJKSMONUMENT,
    STATUTORY_MAX,
    WOZ,
    Columns,
    CompiledCap,
    CompiledCriterion,
    CompiledTransitional,
    Observed,
    Unsupported,
    bool_labels,
    cents_of,
)
from .inputs import PGV_COUNT_CUTOFF, PGV_THRESHOLD_MM_S, CaseInputs

__all__ = [
    "COLUMN_CHECKED_AGAINST", "DERIVED_FORMS", "RULE_FORMS", "Cap", "CapRule", "Criterion", "CriterionResult",
    "DamageThreshold", "KernArea", "Parameter", "PilotArea", "PilotCap", "TechnicalCause", "TransitionalRule",
    "UnsettledDamage", "WozCap", "near_events", "per_case_digest", "per_case_source", "with_consistent_amounts",
]

# The methods every rule of a kind has (see the module docstring).
CRITERION_FORMS = ("check", "flips", "column", "cut_points", "boundary_classes")
CAP_FORMS = ("cap", "column", "cut_points", "boundary_classes")
TRANSITIONAL_FORMS = ("applies", "covers_dossier", "column", "cut_points")
RULE_FORMS = {"criterion": CRITERION_FORMS, "cap_rule": CAP_FORMS, "transitional": TRANSITIONAL_FORMS}

# The class attribute that records which per-case source a rule's column form was checked against.
COLUMN_CHECKED_AGAINST = "COLUMN_CHECKED_AGAINST"
# Members of a rule class that are not its per-case behaviour: the framework fingerprint leaves them out.
DERIVED_FORMS = frozenset({"column", "cut_points", "boundary_classes", COLUMN_CHECKED_AGAINST})

# Boundary classes (`decisions.boundary`) that a rule decides; codes are stable.
PGV_ONE_EVENT_SHORT = "pgv_one_event_short"
DAMAGE_JUST_BELOW = "damage_just_below_threshold"
PGV_EVENT_JUST_BELOW = "pgv_event_just_below_5mms"
WOZ_BINDS_CAP = "woz_binds_cap"
DAMAGE_MARGIN = Decimal("0.10")
PGV_MARGIN_FROM = Decimal("4.5")

_SKIPPED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}


def normalised_tokens(source: str) -> str:
    """Source text as a token stream: comments and formatting do not change it."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return " ".join(f"{tok.type}:{tok.string}" for tok in tokens if tok.type not in _SKIPPED_TOKENS)


def _member_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def per_case_source(obj) -> str:
    """The source of a class without its `DERIVED_FORMS` members (of a function: its source), as tokens.

    Removing whole lines of those members leaves exactly the token stream the
    class had before it carried them: comments and layout never count.
    """
    if not isinstance(obj, type):
        return normalised_tokens(inspect.getsource(obj))
    lines, node = _class_source(obj)
    first = _first_line(node)
    dropped: set[int] = set()
    for member in node.body:
        if _member_names(member) & DERIVED_FORMS:
            dropped.update(range(_first_line(member) - first, member.end_lineno - first + 1))
    return normalised_tokens("".join(line for i, line in enumerate(lines) if i not in dropped))


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])


def _class_source(cls: type) -> tuple[list[str], ast.ClassDef]:
    """The lines of a class (decorators included, as `inspect.getsource` gives them) and its syntax tree."""
    if "." not in cls.__qualname__:  # a top-level class: one parse of its module serves every class in it
        lines, classes = _module_classes(inspect.getmodule(cls))
        node = classes.get(cls.__name__)
        if node is not None:
            return lines[_first_line(node) - 1 : node.end_lineno], node
    source = inspect.getsource(cls)
    return source.splitlines(keepends=True), ast.parse(textwrap.dedent(source)).body[0]


@functools.cache
def _module_classes(module) -> tuple[list[str], dict[str, ast.ClassDef]]:
    source = inspect.getsource(module)
    tree = ast.parse(source)
    return source.splitlines(keepends=True), {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}


@functools.cache
def per_case_digest(cls: type) -> str:
    """SHA-256 of a rule class's per-case source: what its `COLUMN_CHECKED_AGAINST` must say."""
    return "sha256:" + hashlib.sha256(per_case_source(cls).encode("utf-8")).hexdigest()


def near_events(case: CaseInputs) -> list[int]:
    """Indexes of events before the cut-off with 4.5 <= pgv < 5.0 mm/s."""
    if not case.pgv_history:
        return []
    return [
        i
        for i, event in enumerate(case.pgv_history)
        if event.event_date < PGV_COUNT_CUTOFF and PGV_MARGIN_FROM <= event.pgv_mm_s < PGV_THRESHOLD_MM_S
    ]


@attrs.frozen
class Parameter:
    """One value of a rule, with the date it took effect and where it comes from."""

    value: Decimal | int | date
    effective_from: date
    reference: str




@attrs.frozen
class CriterionResult:
    """The outcome of one criterion for one case."""

    code: str
    passed: bool
    observed: str
    required: str
    basis: str


def _bool(value: bool) -> str:
    return "true" if value else "false"


def with_consistent_amounts(case: CaseInputs, **changes) -> CaseInputs:
    """Apply changes to amounts, moving dependent amounts only as far as the facts require.

    Raising ≥D3 or unsettled damage raises recognised damage with it (new damage is
    recognised damage); lowering recognised damage lowers the parts that cannot exceed it.
    """
    recognised = changes.get("recognised_damage_eur", case.recognised_damage_eur)
    for part in ("unsettled_damage_eur", "structural_damage_eur"):
        value = changes.get(part, getattr(case, part))
        if part in changes:
            recognised = max(recognised, value)
        changes[part] = value
    changes["recognised_damage_eur"] = recognised
    for part in ("unsettled_damage_eur", "structural_damage_eur"):
        changes[part] = min(changes[part], recognised)
    return attrs.evolve(case, **changes)


@attrs.frozen
class PilotArea:
    """`area` in the pilot: inside the pilot area (and, from March 2024, the reinforcement area)."""

    include_reinforcement_area: bool
    basis: str
    code: str = "area"

    def check(self, case: CaseInputs) -> CriterionResult:
        if self.include_reinforcement_area:
            passed = case.in_pilot_area or case.in_reinforcement_area
            observed = (
                f"in_pilot_area={_bool(case.in_pilot_area)}, "
                f"in_reinforcement_area={_bool(case.in_reinforcement_area)}"
            )
            required = "in_pilot_area=true or in_reinforcement_area=true"
        else:
            passed = case.in_pilot_area
            observed = f"in_pilot_area={_bool(case.in_pilot_area)}"
            required = "in_pilot_area=true"
        return CriterionResult(self.code, passed, observed, required, self.basis)

    def flips(self, case: CaseInputs, passed: bool) -> list[tuple[str, CaseInputs]]:
        facts = ["in_pilot_area"] + (["in_reinforcement_area"] if self.include_reinforcement_area else [])
        if passed:
            true_facts = [f for f in facts if getattr(case, f)]
            if len(true_facts) != 1:
                return []
            return [(true_facts[0], attrs.evolve(case, **{true_facts[0]: False}))]
        return [(fact, attrs.evolve(case, **{fact: True})) for fact in reversed(facts)]

    COLUMN_CHECKED_AGAINST = "sha256:c55f129302cc9d833fd06f710cc79818949e9971c2d49daa5689e63e668a92d3"

    def column(self) -> CompiledCriterion:
        if self.include_reinforcement_area:
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
        return CompiledCriterion(self.code, required, self.basis, check)

    def cut_points(self) -> dict[str, set]:
        return {}  # booleans: every grouping keeps them as they are

    def boundary_classes(self, case: CaseInputs, cap_basis: str | None) -> tuple[str, ...]:
        return ()


@attrs.frozen
class KernArea:
    """`area` from 2026: at least N earthquakes of ≥ 5 mm/s before 2026-01-01 (the kerngebied)."""

    min_events: Parameter
    basis: str
    code: str = "area"

    def check(self, case: CaseInputs) -> CriterionResult:
        passed = case.pgv_5mms_events >= self.min_events.value
        return CriterionResult(
            self.code, passed, str(case.pgv_5mms_events), f">= {self.min_events.value}", self.basis
        )

    def flips(self, case: CaseInputs, passed: bool) -> list[tuple[str, CaseInputs]]:
        target = self.min_events.value - 1 if passed else self.min_events.value
        # A hypothetical event count has no event list behind it.
        return [("pgv_5mms_events", attrs.evolve(case, pgv_5mms_events=target, pgv_history=None))]

    COLUMN_CHECKED_AGAINST = "sha256:c2c2a0238ab299b56dbba8854574bdb0ba82232d48754e575bee89f996dd50f8"

    def column(self) -> CompiledCriterion:
        minimum = self.min_events.value
        if type(minimum) is not int:
            raise Unsupported(f"KernArea.min_events must be an int (got {minimum!r})")

        def check(c: Columns):
            return c.pgv_events >= minimum, Observed("count", c.pgv_events)

        return CompiledCriterion(self.code, f">= {minimum}", self.basis, check)

    def cut_points(self) -> dict[str, set]:
        return {"pgv_5mms_events": {self.min_events.value}}

    def boundary_classes(self, case: CaseInputs, cap_basis: str | None) -> tuple[str, ...]:
        found = ()
        if case.pgv_5mms_events == self.min_events.value - 1:
            found += (PGV_ONE_EVENT_SHORT,)
        if near_events(case):
            found += (PGV_EVENT_JUST_BELOW,)
        return found


@attrs.frozen
class TechnicalCause:
    """`technical_cause`: an inspection found a structural defect that makes damage come back."""

    basis: str
    code: str = "technical_cause"

    def check(self, case: CaseInputs) -> CriterionResult:
        return CriterionResult(self.code, case.technical_cause, _bool(case.technical_cause), "true", self.basis)

    def flips(self, case: CaseInputs, passed: bool) -> list[tuple[str, CaseInputs]]:
        return [("technical_cause", attrs.evolve(case, technical_cause=not passed))]

    COLUMN_CHECKED_AGAINST = "sha256:9d3f8ff4c680d298f29b8f91a9790fe2b31ccdf331df1561b9a6171f112a8160"

    def column(self) -> CompiledCriterion:
        def check(c: Columns):
            return c.technical_cause.copy(), bool_labels(c.technical_cause)

        return CompiledCriterion(self.code, "true", self.basis, check)

    def cut_points(self) -> dict[str, set]:
        return {}  # a boolean: every grouping keeps it as it is

    def boundary_classes(self, case: CaseInputs, cap_basis: str | None) -> tuple[str, ...]:
        return ()


@attrs.frozen
class DamageThreshold:
    """`damage_threshold`: a damage amount (recognised, or ≥D3 structural) of at least a minimum."""

    fact: str
    minimum: Parameter
    basis: str
    code: str = "damage_threshold"

    def check(self, case: CaseInputs) -> CriterionResult:
        amount = getattr(case, self.fact)
        return CriterionResult(
            self.code,
            amount >= self.minimum.value,
            format_amount(amount),
            f">= {format_amount(self.minimum.value)}",
            self.basis,
        )

    def flips(self, case: CaseInputs, passed: bool) -> list[tuple[str, CaseInputs]]:
        target = self.minimum.value - CENT if passed else self.minimum.value
        return [(self.fact, with_consistent_amounts(case, **{self.fact: target}))]

    COLUMN_CHECKED_AGAINST = "sha256:9c916ac30537727adede3cdcc8b8883d073d2a2766be716d27a0cf72aa41545f"

    def column(self) -> CompiledCriterion:
        column = AMOUNT_COLUMNS.get(self.fact)
        if column is None:
            raise Unsupported(f"DamageThreshold on {self.fact!r} has no vectorised column")
        minimum = cents_of(self.minimum.value, "DamageThreshold.minimum")

        def check(c: Columns):
            amount = getattr(c, column)
            return amount >= minimum, Observed("amount", amount)

        return CompiledCriterion(self.code, f">= {format_amount(self.minimum.value)}", self.basis, check)

    def cut_points(self) -> dict[str, set]:
        minimum = self.minimum.value
        return {self.fact: {minimum, minimum * (1 - DAMAGE_MARGIN)}}  # the threshold and its boundary margin

    def boundary_classes(self, case: CaseInputs, cap_basis: str | None) -> tuple[str, ...]:
        amount, minimum = getattr(case, self.fact), self.minimum.value
        return (DAMAGE_JUST_BELOW,) if minimum * (1 - DAMAGE_MARGIN) <= amount < minimum else ()


@attrs.frozen
class UnsettledDamage:
    """`unsettled_damage`: part of the recognised damage has not been settled before."""

    basis: str
    code: str = "unsettled_damage"

    def check(self, case: CaseInputs) -> CriterionResult:
        amount = case.unsettled_damage_eur
        return CriterionResult(self.code, amount > 0, format_amount(amount), "> 0.00", self.basis)

    def flips(self, case: CaseInputs, passed: bool) -> list[tuple[str, CaseInputs]]:
        target = Decimal("0.00") if passed else CENT
        return [("unsettled_damage_eur", with_consistent_amounts(case, unsettled_damage_eur=target))]

    COLUMN_CHECKED_AGAINST = "sha256:1a4d97a70d46fe31d65a8b203f91deabc946a2eb84c9d228f66e7837dfc6f799"

    def column(self) -> CompiledCriterion:
        def check(c: Columns):
            return c.unsettled_cents > 0, Observed("amount", c.unsettled_cents)

        return CompiledCriterion(self.code, "> 0.00", self.basis, check)

    def cut_points(self) -> dict[str, set]:
        return {"unsettled_damage_eur": {Decimal("0.00")}}

    def boundary_classes(self, case: CaseInputs, cap_basis: str | None) -> tuple[str, ...]:
        return ()


Criterion = PilotArea | KernArea | TechnicalCause | DamageThreshold | UnsettledDamage


@attrs.frozen
class Cap:
    """The maximum amount for an eligible address, and how it was set."""

    max_amount_eur: Decimal | None
    cap_basis: str
    discretionary_exceedance: bool
    floor_applied: bool = False


@attrs.frozen
class PilotCap:
    """A standard maximum per address; IMG may exceed it only by a separate discretionary decision."""

    standard_max: Parameter
    basis: str

    def cap(self, case: CaseInputs) -> Cap:
        limit = self.standard_max.value
        exceeds = case.estimated_cost_eur is not None and case.estimated_cost_eur > limit
        return Cap(limit, "pilot_standard", exceeds)

    COLUMN_CHECKED_AGAINST = "sha256:449ce09237c4f609470f6287f9096656fc13adbe90165cbc7b6500385c86d16f"

    def column(self) -> CompiledCap:
        limit = cents_of(self.standard_max.value, "PilotCap.standard_max")

        def apply(c: Columns):
            n = len(c)
            exceeds = c.has_estimated_cost & (c.estimated_cost_cents > limit)
            no_floor = np.zeros(n, dtype=bool)
            return np.full(n, limit, dtype=np.int64), np.full(n, PILOT_STANDARD, dtype=np.int8), exceeds, no_floor

        return CompiledCap(apply)

    def cut_points(self) -> dict[str, set]:
        return {}  # the same maximum for every eligible case

    def boundary_classes(self, case: CaseInputs, cap_basis: str | None) -> tuple[str, ...]:
        return ()


@attrs.frozen
class WozCap:
    """The WOZ value of the address, at most the statutory maximum; none for a rijksmonument.

    With a `floor` (interpretation I-4) the maximum is never below it: `cap_basis` is then
    `pilot_standard`, the former standard maximum. With `discretionary` (I-5) an estimated cost
    above the maximum is flagged, as in the pilot.
    """

    statutory_max: Parameter
    floor: Parameter | None
    discretionary: bool
    basis: str

    def cap(self, case: CaseInputs) -> Cap:
        if case.rijksmonument:
            return Cap(None, "rijksmonument", False)
        floor_applied = False
        if case.woz_value_eur > self.statutory_max.value:
            limit, basis = self.statutory_max.value, "statutory_max"
        elif self.floor is not None and case.woz_value_eur < self.floor.value:
            limit, basis, floor_applied = self.floor.value, "pilot_standard", True
        else:
            limit, basis = case.woz_value_eur, "woz"
        cost = case.estimated_cost_eur
        exceeds = self.discretionary and cost is not None and cost > limit
        return Cap(limit, basis, exceeds, floor_applied)

    COLUMN_CHECKED_AGAINST = "sha256:ad67273bf21bc73e414a8349e5db2dc41111c59a435ec67fe2560ada7453ef01"

    def column(self) -> CompiledCap:
        limit = cents_of(self.statutory_max.value, "WozCap.statutory_max")
        floor = None if self.floor is None else cents_of(self.floor.value, "WozCap.floor")
        if type(self.discretionary) is not bool:
            raise Unsupported(f"WozCap.discretionary must be a bool (got {self.discretionary!r})")
        discretionary = self.discretionary

        def apply(c: Columns):
            above = c.woz_cents > limit
            floored = ~above & (c.woz_cents < floor) if floor is not None else np.zeros(len(c), dtype=bool)
            amount = np.where(above, limit, np.where(floored, floor if floor is not None else 0, c.woz_cents))
            basis = np.where(above, STATUTORY_MAX, np.where(floored, PILOT_STANDARD, WOZ)).astype(np.int8)
            if discretionary:
                exceeds = c.has_estimated_cost & (c.estimated_cost_cents > amount)
            else:
                exceeds = np.zeros(len(c), dtype=bool)
            monument = c.rijksmonument
            amount[monument] = NO_AMOUNT
            basis[monument] = RIJKSMONUMENT
            return amount, basis, exceeds & ~monument, floored & ~monument

        return CompiledCap(apply)

    def cut_points(self) -> dict[str, set]:
        cuts = {self.statutory_max.value}
        if self.floor is not None:  # below the floor (I-4) the maximum is not the WOZ value
            cuts.add(self.floor.value)
        return {"woz_value_eur": cuts}

    def boundary_classes(self, case: CaseInputs, cap_basis: str | None) -> tuple[str, ...]:
        # The maximum is the WOZ value, and the estimated cost is higher.
        cost = case.estimated_cost_eur
        return (WOZ_BINDS_CAP,) if cap_basis == "woz" and cost is not None and cost > case.woz_value_eur else ()


@attrs.frozen
class TransitionalRule:
    """Existing pilot dossiers are completed: only in the original pilot area under interpretation I-1."""

    dossier_opened_before: Parameter
    original_pilot_area_only: bool
    basis: str

    def applies(self, case: CaseInputs) -> bool:
        return self.covers_dossier(case) and (case.in_pilot_area or not self.original_pilot_area_only)

    def covers_dossier(self, case: CaseInputs) -> bool:
        since = case.existing_dossier_since
        return since is not None and since < self.dossier_opened_before.value

    COLUMN_CHECKED_AGAINST = "sha256:1c4e4b651a3f694f81e358dd2157f9677e8e005addd05b1e92e3704bd4fd447d"

    def column(self) -> CompiledTransitional:
        value = self.dossier_opened_before.value
        if type(value) is not date:
            raise Unsupported(f"TransitionalRule.dossier_opened_before must be a date (got {value!r})")
        if type(self.original_pilot_area_only) is not bool:
            raise Unsupported("TransitionalRule.original_pilot_area_only must be a bool")
        before, pilot_area_only = value.toordinal(), self.original_pilot_area_only

        def apply(c: Columns):
            covers = (c.dossier_since != NO_DATE) & (c.dossier_since < before)
            return covers, covers & c.in_pilot_area if pilot_area_only else covers

        return CompiledTransitional(apply)

    def cut_points(self) -> dict[str, set]:
        return {"existing_dossier_since": {self.dossier_opened_before.value}}


CapRule = PilotCap | WozCap
