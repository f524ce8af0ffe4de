"""Evaluate a framework over many cases at once, on NumPy columns (issue #8).

The per-case evaluator (`decisions.evaluate.decide` with the per-case forms of
the rule classes in `decisions.rules`) is the reference; this module combines
the column forms of the same rule classes (`column()` on each rule) the same
way, for bulk comparison and replay. It knows no rule by name: it loops over a
framework's rules and asks each for its column form. A rule without one, or
with a parameter it cannot represent exactly, raises `Unsupported`; callers
then fall back to the per-case path.

Two guards keep the two paths from silently giving different answers. A rule
whose per-case source no longer has the digest its column form was checked
against (`COLUMN_CHECKED_AGAINST` in the rule class) is refused; so is the
whole path when the per-case logic this module itself mirrors (`decide` in
`evaluate_columns`, `format_amount` in `cents_text`, the consistency rules of
`decisions.inputs` in `inconsistent`) has changed since (`MIRRORED_LOGIC`).
`tests/decisions/test_vectorised.py` proves, with hypothesis and the golden corpus, that
a rebuilt `Decision` equals `evaluate` on every field.

Cases are columns (`decisions.columns.Columns`). Pure: no I/O.
"""

from __future__ import annotations

import functools
import hashlib
from decimal import Decimal

import attrs
import numpy as np

from .amounts import check_amount, format_amount
from .columns import (
    BASES,
    CAP_BASES,
    NO_AMOUNT,
    NO_DATE,
    REGULAR,
    TRANSITIONAL,
    Columns,
    CompiledCap,
    CompiledCriterion,
    CompiledTransitional,
    Observed,
    Unsupported,
    cents_text,
)
from .decision import ELIGIBLE, NOT_ELIGIBLE, Decision, decide
from .frameworks import (
    ALWAYS,
    COST_EXCEEDS_MAXIMUM,
    DOSSIER_NOT_COVERED,
    FLOOR_APPLIES,
    Cap,
    CriterionResult,
    Framework,
)
from .inputs import PILOT_START, check_consistency
from .rules import COLUMN_CHECKED_AGAINST, normalised_tokens, per_case_digest, per_case_source

__all__ = [
    "BASES", "CAP_BASES", "MIRRORED_LOGIC", "NO_AMOUNT", "NO_DATE", "Columns", "Compiled", "CompiledCap",
    "CompiledCriterion", "Observed", "Unsupported", "VectorDecisions", "cents_text", "compile_framework",
    "evaluate_columns", "inconsistent", "mirrored_logic_digest", "supports",
]

# The per-case logic this module itself mirrors (each rule's column form is guarded in its own class). When
# its source changes (tokenised as in the framework fingerprint, so comments and layout do not count),
# `compile_framework` refuses until the differential tests pass again and this digest is updated
# (`mirrored_logic_digest()`).
MIRRORED_LOGIC = "sha256:2ac070377e85c6c9b2cf6db7dc393f0b1bd9dab0ae9a0d12ccc90f81dd8c1747"


def _mirrored() -> tuple:
    return (decide, CriterionResult, Cap, format_amount, check_amount, check_consistency)


@functools.cache
def mirrored_logic_digest() -> str:
    """SHA-256 over the token stream of the per-case logic that this module mirrors (comments and layout aside)."""
    text = "\n".join(per_case_source(obj) for obj in _mirrored())
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


_tokens = normalised_tokens


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


# --- compiling a framework ----------------------------------------------------------------------


@attrs.frozen(eq=False)
class Compiled:
    """A framework ready for `evaluate_columns`."""

    framework: Framework
    criteria: tuple[CompiledCriterion, ...]
    cap: CompiledCap
    transitional: CompiledTransitional | None
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


def _column_form(rule: object) -> object:
    """The rule's column form, if it was checked against the rule's per-case source as it is now."""
    kind = type(rule)
    if not callable(getattr(kind, "column", None)):
        raise Unsupported(f"no vectorised form of {kind.__name__}")
    try:
        digest = per_case_digest(kind)
    except (OSError, TypeError) as exc:  # no source to check the column form against
        raise Unsupported(f"no vectorised form of {kind.__name__} ({exc})") from None
    if getattr(kind, COLUMN_CHECKED_AGAINST, None) != digest:
        raise Unsupported(
            f"the per-case logic of {kind.__name__} changed since its column form was written"
            f" ({digest} != {getattr(kind, COLUMN_CHECKED_AGAINST, None)})"
        )
    return rule.column()


@functools.lru_cache(maxsize=64)
def compile_framework(framework: Framework) -> Compiled:
    """The vectorised form of a framework; raises `Unsupported` when it has none."""
    if mirrored_logic_digest() != MIRRORED_LOGIC:
        raise Unsupported(
            "the per-case decision logic changed since the vectorised path was written"
            f" ({mirrored_logic_digest()} != {MIRRORED_LOGIC})"
        )
    transitional = framework.transitional
    return Compiled(
        framework=framework,
        criteria=tuple(_column_form(c) for c in framework.criteria),
        cap=_column_form(framework.cap_rule),
        transitional=None if transitional is None else _column_form(transitional),
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

    if compiled.transitional is None:
        covers = applies = np.zeros(n, dtype=bool)
    else:
        covers, applies = compiled.transitional.apply(columns)
    transitional = ~regular & applies
    eligible = regular | transitional
    basis = np.where(regular, REGULAR, np.where(transitional, TRANSITIONAL, 0)).astype(np.int8)
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
