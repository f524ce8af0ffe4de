"""The Duurzaam herstel rule versions (SPEC §3), as frozen, dated definitions.

A framework is data: its criteria, its cap rule, its transitional rule and its
referral routes, each with parameters that carry the date they took effect and
the text they come from (in the style of OpenFisca's dated parameters). The
behaviour of every component lives in the small classes below; `evaluate`
(in `decisions.evaluate`) only combines them.

A framework is frozen once decisions are recorded under it: its fingerprint
(`decisions.fingerprint`) covers both these definitions and the source of the
classes that give them behaviour. A new interpretation is a new framework id.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from .amounts import CENT, format_amount
from .errors import InvalidCase
from .inputs import CaseInputs

KAMERBRIEF = "Kamerbrief Duurzaam herstel (januari 2026)"
BELEIDSREGEL_2023 = "Beleidsregel duurzaam herstel 2023 (Stcrt. 2023, 17664)"
BELEIDSREGEL_2025 = "Beleidsregel duurzaam herstel 2025 (Stcrt. 2025, 40634)"

IVS = "interventieteam_vastgelopen_situaties"
CBS = "commissie_bijzondere_situaties"


@attrs.frozen
class Parameter:
    """One value of a rule, with the date it took effect and where it comes from."""

    value: Decimal | int | date
    effective_from: date
    reference: str


@attrs.frozen
class Interpretation:
    """A named choice where the source texts leave a point open (SPEC §3)."""

    id: str
    text: str


I1 = Interpretation(
    "I-1",
    "De Kamerbrief garandeert afronding alleen voor bestaande dossiers in het oorspronkelijke"
    " pilotgebied. Bestaande dossiers in het uitbreidingsgebied van 2024 die niet aan de"
    " criteria van 2026 voldoen, vallen daar niet onder.",
)
I2 = Interpretation(
    "I-2",
    "De Kamerbrief wijzigt alleen hoe de schadedrempel wordt geteld. De eis dat er nog"
    " schade is die niet eerder is afgehandeld, blijft daarom ook in 2026 gelden.",
)
I3 = Interpretation(
    "I-3",
    "De precieze datum van de uitbreiding van het pilotgebied staat niet in de bronteksten."
    " Maart 2024 komt uit de publieke communicatie van het IMG.",
)


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


@attrs.frozen
class TechnicalCause:
    """`technical_cause`: an inspection found a structural defect that makes damage come back."""

    basis: str
    code: str = "technical_cause"

    def check(self, case: CaseInputs) -> CriterionResult:
        return CriterionResult(self.code, case.technical_cause, _bool(case.technical_cause), "true", self.basis)

    def flips(self, case: CaseInputs, passed: bool) -> list[tuple[str, CaseInputs]]:
        return [("technical_cause", attrs.evolve(case, technical_cause=not passed))]


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


Criterion = PilotArea | KernArea | TechnicalCause | DamageThreshold | UnsettledDamage


@attrs.frozen
class Cap:
    """The maximum amount for an eligible address, and how it was set."""

    max_amount_eur: Decimal | None
    cap_basis: str
    discretionary_exceedance: bool


@attrs.frozen
class PilotCap:
    """A standard maximum per address; IMG may exceed it only by a separate discretionary decision."""

    standard_max: Parameter
    basis: str

    def cap(self, case: CaseInputs) -> Cap:
        limit = self.standard_max.value
        exceeds = case.estimated_cost_eur is not None and case.estimated_cost_eur > limit
        return Cap(limit, "pilot_standard", exceeds)


@attrs.frozen
class WozCap:
    """The WOZ value of the address, at most the statutory maximum; none for a rijksmonument."""

    statutory_max: Parameter
    basis: str

    def cap(self, case: CaseInputs) -> Cap:
        if case.rijksmonument:
            return Cap(None, "rijksmonument", False)
        if case.woz_value_eur > self.statutory_max.value:
            return Cap(self.statutory_max.value, "statutory_max", False)
        return Cap(case.woz_value_eur, "woz", False)


@attrs.frozen
class TransitionalRule:
    """Existing pilot dossiers in the original pilot area are completed (interpretation I-1)."""

    dossier_opened_before: Parameter
    basis: str

    def applies(self, case: CaseInputs) -> bool:
        return self.covers_dossier(case) and case.in_pilot_area

    def covers_dossier(self, case: CaseInputs) -> bool:
        since = case.existing_dossier_since
        return since is not None and since < self.dossier_opened_before.value


CapRule = PilotCap | WozCap


@attrs.frozen
class Framework:
    """One rule version: what is checked, from when, on what basis."""

    id: str
    title: str
    in_force_from: date
    in_force_until: date | None
    legal_basis: str
    criteria: tuple[Criterion, ...]
    cap_rule: CapRule
    transitional: TransitionalRule | None
    referral_routes: tuple[str, ...]
    referral_basis: str | None
    interpretations: tuple[Interpretation, ...]

    def in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (self.in_force_until is None or day <= self.in_force_until)


PILOT_START = date(2023, 7, 1)
EXTENSION_START = date(2024, 3, 1)
NEW_RULES_START = date(2026, 1, 1)

_TECHNICAL_CAUSE_BASIS_PILOT = f"{BELEIDSREGEL_2023}; {KAMERBRIEF}, Aanpassing drempelbedrag ('naast een technische aanleiding')"
_RECOGNISED_DAMAGE = DamageThreshold(
    fact="recognised_damage_eur",
    minimum=Parameter(Decimal("15000.00"), PILOT_START, f"{KAMERBRIEF}, Aanpassing drempelbedrag"),
    basis=f"{BELEIDSREGEL_2023}; {KAMERBRIEF}, Aanpassing drempelbedrag (minimaal 15.000 euro erkende bevingsschade)",
)
_UNSETTLED_PILOT = UnsettledDamage(
    basis=f"{KAMERBRIEF}, Aanpassing drempelbedrag ('daar moet ook schade bij zitten die nog niet eerder afgehandeld is')",
)
_PILOT_CAP = PilotCap(
    standard_max=Parameter(Decimal("125000.00"), PILOT_START, f"{KAMERBRIEF}, Verhoging maximumbedrag"),
    basis=f"{KAMERBRIEF}, Verhoging maximumbedrag (oorspronkelijk 125.000 euro per adres, met discretionaire bevoegdheid)",
)

PILOT_2023 = Framework(
    id="pilot-2023",
    title="Pilot duurzaam herstel rond Appingedam, Loppersum en Ten Boer",
    in_force_from=PILOT_START,
    in_force_until=date(2024, 2, 29),
    legal_basis=BELEIDSREGEL_2023,
    criteria=(
        PilotArea(
            include_reinforcement_area=False,
            basis=f"{BELEIDSREGEL_2023}; {KAMERBRIEF}, Start van de uitvoering (pilot rond Appingedam, Ten Boer en Loppersum)",
        ),
        TechnicalCause(basis=_TECHNICAL_CAUSE_BASIS_PILOT),
        _RECOGNISED_DAMAGE,
        _UNSETTLED_PILOT,
    ),
    cap_rule=_PILOT_CAP,
    transitional=None,
    referral_routes=(),
    referral_basis=None,
    interpretations=(),
)

# The same rule, with the area extended to the NCG reinforcement area from March 2024 (I-3).
PILOT_2024 = attrs.evolve(
    PILOT_2023,
    id="pilot-2024",
    title="Pilot duurzaam herstel, uitgebreid naar het werkgebied van de versterking",
    in_force_from=EXTENSION_START,
    in_force_until=date(2025, 12, 31),
    criteria=(
        PilotArea(
            include_reinforcement_area=True,
            basis=f"{BELEIDSREGEL_2023}; {KAMERBRIEF}, Start van de uitvoering (uitbreiding 2024 naar het werkgebied van de versterking; datum: interpretatie I-3)",
        ),
        *PILOT_2023.criteria[1:],
    ),
    interpretations=(I3,),
)

FRAMEWORK_2026 = Framework(
    id="2026",
    title="Duurzaam herstel vanaf 1 januari 2026",
    in_force_from=NEW_RULES_START,
    in_force_until=None,
    legal_basis=BELEIDSREGEL_2025,
    criteria=(
        KernArea(
            min_events=Parameter(4, NEW_RULES_START, f"{KAMERBRIEF}, Vaststelling toepassingsgebied"),
            basis=f"{KAMERBRIEF}, Vaststelling toepassingsgebied (minimaal vier bevingen van 5 mm/s voor 1 januari 2026)",
        ),
        TechnicalCause(basis=f"{BELEIDSREGEL_2025}; {KAMERBRIEF}, Aanpassing drempelbedrag ('naast een technische aanleiding')"),
        DamageThreshold(
            fact="structural_damage_eur",
            minimum=Parameter(Decimal("5000.00"), NEW_RULES_START, f"{KAMERBRIEF}, Aanpassing drempelbedrag"),
            basis=f"{BELEIDSREGEL_2025}; {KAMERBRIEF}, Aanpassing drempelbedrag (minimaal 5.000 euro ≥D3-schade die hoort bij het constructieve gebrek)",
        ),
        UnsettledDamage(
            basis=f"{KAMERBRIEF}, Aanpassing drempelbedrag; eis blijft gelden (interpretatie I-2)",
        ),
    ),
    cap_rule=WozCap(
        statutory_max=Parameter(Decimal("500000.00"), NEW_RULES_START, f"{KAMERBRIEF}, Verhoging maximumbedrag"),
        basis=f"{KAMERBRIEF}, Verhoging maximumbedrag (WOZ-waarde, maximaal 500.000 euro; geldt niet voor Rijksmonumenten)",
    ),
    transitional=TransitionalRule(
        dossier_opened_before=Parameter(NEW_RULES_START, NEW_RULES_START, f"{KAMERBRIEF}, Vaststelling toepassingsgebied"),
        basis=f"{KAMERBRIEF}, Vaststelling toepassingsgebied ('in het oorspronkelijke pilotgebied zullen alle bestaande Duurzaam herstel dossiers gewoon worden afgemaakt, met toepassing van het verhoogde maximumbedrag')",
    ),
    referral_routes=(IVS, CBS),
    referral_basis=f"{KAMERBRIEF}, Vaststelling toepassingsgebied (uitzonderingsmogelijkheid voor individuele schrijnende gevallen)",
    interpretations=(I1, I2),
)

FRAMEWORKS: dict[str, Framework] = {f.id: f for f in (PILOT_2023, PILOT_2024, FRAMEWORK_2026)}


def get_framework(framework_id: str) -> Framework:
    """The framework with this id; an unknown id is bad input naming `framework`."""
    try:
        return FRAMEWORKS[framework_id]
    except KeyError:
        known = ", ".join(FRAMEWORKS)
        raise InvalidCase("framework", f"unknown framework {framework_id!r} (known: {known})") from None


def framework_for_date(day: date) -> Framework:
    """The framework in force on a legal decision date."""
    for framework in FRAMEWORKS.values():
        if framework.in_force_on(day):
            return framework
    raise InvalidCase(
        "assessed_on",
        f"no framework is in force on {day.isoformat()} (the first, pilot-2023, starts {PILOT_START.isoformat()})",
    )
