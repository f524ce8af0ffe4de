"""The vectorised evaluator (`decisions.vectorised`) against the per-case one (`decisions.evaluate`).

Differential: every decision rebuilt from the vectorised arrays equals `evaluate`
field for field, and its canonical JSON (`audit.analysis.decision_text_bulk`) equals
`canonical_json(decision_to_data(evaluate(...)))` byte for byte: on random cases
around every threshold (hypothesis), on the whole golden corpus under the three
frameworks, and under frameworks whose parameters were changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.ledger.canonical import canonical_json
from audit.analysis.decision_text_bulk import decision_texts
from decisions.evaluate import decide, decision_to_data, evaluate
from decisions.fingerprint import framework_fingerprint
from decisions.frameworks import (
    FRAMEWORKS, ROUTE_IVS, CriterionResult, Interpretation, KernArea, Parameter, Route,
)
from decisions.registry import get_framework
from decisions.variants import variant_ids
from decisions import vectorised
from decisions.inputs import CaseInputs, parse_case
from decisions.vectorised import (
    MIRRORED_LOGIC,
    Columns,
    Unsupported,
    compile_framework,
    evaluate_columns,
    inconsistent,
    mirrored_logic_digest,
    supports,
)
from tests.support.golden_corpus import corpus
from tests.support.vector_cases import amounts, case_data, cases

FRAMEWORK_IDS = tuple(FRAMEWORKS)
# The bulk path must agree with the per-case one under the variant readings too (compare accepts them).
VARIANT_IDS = (*variant_ids("2026"), "2026~I-1:alle-dossiers~I-4:letterlijk~I-5:afgeschaft")


def assert_agrees(batch: list[CaseInputs], framework) -> None:
    """Vectorised and per-case decisions of a batch are equal, as objects and as canonical bytes."""
    fingerprint = framework_fingerprint(framework)
    decided = evaluate_columns(compile_framework(framework), Columns.from_cases(batch))
    texts = decision_texts(decided, fingerprint)
    assert len(decided) == len(texts) == len(batch)
    for i, case in enumerate(batch):
        expected = decide(case, framework, fingerprint)
        rebuilt = decided.decision(i, fingerprint)
        assert rebuilt == expected, (i, case)
        assert decision_to_data(rebuilt) == decision_to_data(expected)
        assert texts[i] == canonical_json(decision_to_data(expected)), (i, case)


def test_the_mirrored_logic_is_the_logic_installed():
    """The per-case logic changed: re-run these tests against it, mirror the change, then update the digest."""
    assert mirrored_logic_digest() == MIRRORED_LOGIC
    assert all(supports(framework) for framework in FRAMEWORKS.values())


def test_a_change_to_the_mirrored_logic_turns_the_vectorised_path_off(monkeypatch):
    monkeypatch.setattr(vectorised, "MIRRORED_LOGIC", "sha256:" + "0" * 64)
    compile_framework.cache_clear()
    try:
        with pytest.raises(Unsupported, match="changed since the vectorised path was written"):
            compile_framework(get_framework("2026"))
    finally:
        compile_framework.cache_clear()


def test_the_digest_reads_tokens_not_layout():
    assert vectorised._tokens("x = f(1,  2)  # a comment\n") == vectorised._tokens("x = f(1, 2)\n")
    assert vectorised._tokens("x = f(1, 2)\n") != vectorised._tokens("x = f(1, 3)\n")


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS + VARIANT_IDS)
def test_golden_corpus(framework_id):
    framework = get_framework(framework_id)
    batch = corpus()
    assert_agrees(batch, framework)
    # The same cases decided through `evaluate` (framework from its id, fingerprint cached).
    decided = evaluate_columns(compile_framework(framework), Columns.from_cases(batch))
    fingerprint = framework_fingerprint(framework)
    assert [decided.decision(i, fingerprint) for i in range(len(batch))] == [evaluate(c, framework_id) for c in batch]


@settings(max_examples=300, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=40), st.sampled_from(FRAMEWORK_IDS + VARIANT_IDS))
def test_random_cases_around_every_threshold(batch, framework_id):
    assert_agrees(batch, get_framework(framework_id))


def test_the_edge_values_are_decided_alike():
    """The threshold edges, one fact at a time, on a case that passes everything else."""
    base = {
        "case_id": "EDGE", "address_id": "1651200000012345", "municipality": "Eemsdelta",
        "assessed_on": "2026-02-16", "technical_cause": True, "recognised_damage_eur": "20000.00",
        "unsettled_damage_eur": "2500.00", "structural_damage_eur": "6000.00", "woz_value_eur": "245000.00",
        "rijksmonument": False, "pgv_5mms_events": 5, "in_pilot_area": True, "in_reinforcement_area": True,
        "existing_dossier_since": None, "estimated_cost_eur": None,
    }
    variants = []
    for amount in ("0.00", "0.01", "4999.99", "5000.00", "14999.99", "15000.00"):
        variants.append({"recognised_damage_eur": amount, "structural_damage_eur": "0.00", "unsettled_damage_eur": "0.00"})
        variants.append({"structural_damage_eur": amount})
        variants.append({"unsettled_damage_eur": amount})
    for woz in ("57000.00", "124999.99", "125000.00", "125000.01", "499999.99", "500000.00", "500000.01"):
        variants += [{"woz_value_eur": woz}, {"woz_value_eur": woz, "rijksmonument": True}]
        # The estimated cost equal to and one cent above the 2026 maximum (I-4 floor, WOZ, statutory maximum).
        top = max(Decimal("125000.00"), min(Decimal(woz), Decimal("500000.00")))
        for cost in (top, top + Decimal("0.01")):
            variants += [{"woz_value_eur": woz, "estimated_cost_eur": str(cost)},
                         {"woz_value_eur": woz, "estimated_cost_eur": str(cost), "rijksmonument": True}]
    # A transitional dossier with a low WOZ value.
    variants.append({"pgv_5mms_events": 2, "existing_dossier_since": "2024-05-01", "woz_value_eur": "109000.00",
                     "estimated_cost_eur": "130000.00"})
    for cost in ("125000.00", "125000.01"):
        variants.append({"estimated_cost_eur": cost, "assessed_on": "2025-06-30"})
    for events in (3, 4):
        for since in ("2025-12-31", "2026-01-01"):
            for pilot in (True, False):
                variants.append({"pgv_5mms_events": events, "existing_dossier_since": since, "in_pilot_area": pilot})
    batch = [parse_case({**base, **variant}) for variant in variants]
    for framework_id in FRAMEWORK_IDS + VARIANT_IDS:
        assert_agrees(batch, get_framework(framework_id))


# --- changed parameters change both evaluators alike ---------------------------------------------


def _with_parameters(framework, *, minimum=None, events=None, cap=None, before=None, reinforcement=None, floor=None):
    criteria = list(framework.criteria)
    for i, criterion in enumerate(criteria):
        if criterion.code == "damage_threshold" and minimum is not None:
            criteria[i] = attrs.evolve(criterion, minimum=Parameter(minimum, date(2030, 1, 1), "test"))
        if isinstance(criterion, KernArea) and events is not None:
            criteria[i] = attrs.evolve(criterion, min_events=Parameter(events, date(2030, 1, 1), "test"))
        if criterion.code == "area" and not isinstance(criterion, KernArea) and reinforcement is not None:
            criteria[i] = attrs.evolve(criterion, include_reinforcement_area=reinforcement)
    changed = attrs.evolve(framework, id=f"{framework.id}-test", criteria=tuple(criteria))
    if cap is not None:
        rule = framework.cap_rule
        field = "standard_max" if hasattr(rule, "standard_max") else "statutory_max"
        changed = attrs.evolve(changed, cap_rule=attrs.evolve(rule, **{field: Parameter(cap, date(2030, 1, 1), "t")}))
    if floor is not None and hasattr(framework.cap_rule, "floor"):
        changed = attrs.evolve(changed, cap_rule=attrs.evolve(
            changed.cap_rule, floor=Parameter(floor, date(2030, 1, 1), "test")
        ))
    if before is not None and framework.transitional is not None:
        changed = attrs.evolve(changed, transitional=attrs.evolve(
            framework.transitional, dossier_opened_before=Parameter(before, date(2030, 1, 1), "test")
        ))
    return changed


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(FRAMEWORK_IDS),
    st.one_of(st.none(), amounts.map(lambda c: Decimal(c).scaleb(-2))),
    st.one_of(st.none(), st.integers(0, 8)),
    st.one_of(st.none(), amounts.map(lambda c: Decimal(c).scaleb(-2))),
    st.one_of(st.none(), st.dates(min_value=date(2023, 7, 1), max_value=date(2027, 12, 31))),
    st.one_of(st.none(), st.booleans()),
    st.lists(cases(), min_size=1, max_size=20),
    st.one_of(st.none(), amounts.map(lambda c: Decimal(c).scaleb(-2))),
)
def test_a_changed_parameter_changes_both_alike(
    framework_id, minimum, events, cap, before, reinforcement, batch, floor
):
    changed = _with_parameters(
        get_framework(framework_id), minimum=minimum, events=events, cap=cap, before=before, reinforcement=reinforcement,
        floor=floor,
    )
    assert_agrees(batch + corpus()[:60], changed)


def test_a_changed_parameter_changes_the_vectorised_result():
    """Raising the 2026 damage threshold to 6,000.00 turns cases with 5,000.00 to 5,999.99 of ≥D3 damage down."""
    base = get_framework("2026")
    raised = _with_parameters(base, minimum=Decimal("6000.00"))
    batch = [case for case in corpus() if Decimal("5000.00") <= case.structural_damage_eur < Decimal("6000.00")]
    assert batch
    columns = Columns.from_cases(batch)
    old = evaluate_columns(compile_framework(base), columns)
    new = evaluate_columns(compile_framework(raised), columns)
    assert old.passed[:, 2].all() and not new.passed[:, 2].any()
    assert_agrees(batch, raised)
    fingerprint = framework_fingerprint(raised)
    assert new.decision(0, fingerprint).criteria[2].required == ">= 6000.00"


def test_a_parameter_written_with_an_exponent_is_the_same_amount():
    for framework_id in FRAMEWORK_IDS:
        assert_agrees(corpus(), _with_parameters(get_framework(framework_id), cap=Decimal("1E+5"), minimum=Decimal("5E+3")))


def test_odd_strings_in_a_framework_are_written_as_canonical_json():
    """Bases, codes, routes and interpretation ids with quotes, backslashes, non-ASCII and control characters."""
    base = get_framework("2026")
    odd = ' "quoted" \\ back\\slash, ≥D3 é \u2028 tab\t 100% {braces} '
    criteria = tuple(attrs.evolve(c, basis=c.basis + odd) for c in base.criteria)
    criteria = (attrs.evolve(criteria[0], code='area "kern"'), *criteria[1:])
    changed = attrs.evolve(
        base, id='2026 "odd"', criteria=criteria, referral_routes=(Route(odd, "odd", odd, odd), ROUTE_IVS),
        interpretations=(*base.interpretations, Interpretation('I-"9"', odd)),
    )
    assert_agrees(corpus(), changed)


def test_fewer_routes_and_other_interpretations_are_followed():
    base = get_framework("2026")
    changed = attrs.evolve(base, id="2026-test", referral_routes=(), interpretations=base.interpretations[1:])
    assert_agrees(corpus(), changed)
    reordered = attrs.evolve(base, id="2026-test2", interpretations=tuple(reversed(base.interpretations)))
    assert_agrees(corpus(), reordered)


# --- what it refuses -------------------------------------------------------------------------------


@attrs.frozen
class AlwaysPasses:
    """A criterion class the vectorised module does not know."""

    basis: str = "test"
    code: str = "area"

    def check(self, case: CaseInputs) -> CriterionResult:
        return CriterionResult(self.code, True, "-", "-", self.basis)


@attrs.frozen
class StricterKernArea(KernArea):
    """A subclass may behave differently: it is not the class the vectorised module mirrors."""

    def check(self, case: CaseInputs) -> CriterionResult:
        return attrs.evolve(super().check(case), passed=case.pgv_5mms_events > self.min_events.value)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: attrs.evolve(f, criteria=(AlwaysPasses(), *f.criteria[1:])),
        lambda f: attrs.evolve(f, criteria=(StricterKernArea(f.criteria[0].min_events, "b"), *f.criteria[1:])),
        lambda f: _with_parameters(f, events=Decimal("4")),
        lambda f: _with_parameters(f, minimum=Decimal("5000.005")),
        lambda f: _with_parameters(f, minimum=5000),
        lambda f: _with_parameters(f, cap=Decimal("Infinity")),
        lambda f: attrs.evolve(f, criteria=(*f.criteria[:2], attrs.evolve(f.criteria[2], fact="estimated_cost_eur"),
                                            *f.criteria[3:])),
    ],
    ids=["unknown-class", "subclass", "decimal-event-count", "three-decimals", "int-minimum", "infinite-cap",
         "optional-fact"],
)
def test_unknown_components_and_inexact_parameters_are_refused(change):
    framework = change(get_framework("2026"))
    with pytest.raises(Unsupported):
        compile_framework(framework)
    assert not supports(framework)


# --- the column-level validation -----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=20))
def test_valid_cases_are_never_inconsistent(batch):
    assert not inconsistent(Columns.from_cases(batch)).any()


@pytest.mark.parametrize(
    "column, value",
    [
        ("recognised_cents", -1),
        ("woz_cents", -1),
        ("unsettled_cents", 2_000_001),  # above the recognised damage of 20,000.00
        ("structural_cents", 2_000_001),
        ("pgv_events", -1),
        ("dossier_since", date(2026, 2, 17).toordinal()),  # after assessed_on
        ("dossier_since", date(2023, 6, 30).toordinal()),  # before the pilot started
        ("assessed_on", 0),
    ],
)
def test_each_broken_rule_is_inconsistent(make_case, column, value):
    columns = Columns.from_cases([make_case(), make_case()])
    values = getattr(columns, column).copy()
    values[1] = value
    broken = attrs.evolve(columns, **{column: values})
    assert inconsistent(broken).tolist() == [False, True]


def test_take_keeps_the_rows_asked_for(make_case):
    columns = Columns.from_cases([make_case(pgv_5mms_events=n) for n in range(5)])
    assert columns.take(np.array([4, 1])).pgv_events.tolist() == [4, 1]
    assert len(columns.take(columns.pgv_events > 2)) == 2


@given(case_data())
def test_columns_of_a_case_hold_its_facts(data):
    case = parse_case(data)
    columns = Columns.from_cases([case])
    assert columns.recognised_cents[0] == int(case.recognised_damage_eur * 100)
    assert columns.assessed_on[0] == case.assessed_on.toordinal()
    assert bool(columns.has_estimated_cost[0]) == (case.estimated_cost_eur is not None)
