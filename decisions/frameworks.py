"""The Duurzaam herstel rule versions (docs/rules.md), as frozen, dated definitions.

A framework is data: its criteria, its cap rule, its transitional rule and its
referral routes, each with parameters that carry the date they took effect and
the text they come from (in the style of OpenFisca's dated parameters). The
behaviour of every component lives in its rule class (`decisions.rules`, one
class per kind of rule, with every form of it); `decide` (in
`decisions.evaluate`) only combines them. Looking a framework up by id or date
is `decisions.registry`.

A framework is frozen once decisions are recorded under it: its fingerprint
(`decisions.fingerprint`) covers both these definitions and the per-case source
of the classes that give them behaviour. A new interpretation is a new framework id.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from .rules import (
    Cap,
    CapRule,
    Criterion,
    CriterionResult,
    DamageThreshold,
    KernArea,
    Parameter,
    PilotArea,
    PilotCap,
    TechnicalCause,
    TransitionalRule,
    UnsettledDamage,
    WozCap,
    with_consistent_amounts,
)

__all__ = [
    "FRAMEWORK_2026", "FRAMEWORKS", "PILOT_2023", "PILOT_2024", "ROUTE_CBS", "ROUTE_IVS", "Cap", "CapRule",
    "Criterion", "CriterionResult", "DamageThreshold", "Framework", "Interpretation", "KernArea", "Parameter",
    "PilotArea", "PilotCap", "Route", "TechnicalCause", "TransitionalRule", "UnsettledDamage", "WozCap",
    "with_consistent_amounts",
]

KAMERBRIEF = "Kamerbrief Duurzaam herstel (januari 2026)"
BELEIDSREGEL_2023 = "Beleidsregel duurzaam herstel 2023 (Stcrt. 2023, 17664)"
BELEIDSREGEL_2025 = "Beleidsregel duurzaam herstel 2025 (Stcrt. 2025, 40634)"
# The statutory basis of the whole scheme (Kamerbrief, Achtergrond, footnote 4).
AMENDEMENT_MULDER = "amendement Mulder (Kamerstuk 35 603, nr. 43)"
# The ≥D3 criterion of 2026 (Kamerbrief, Aanpassing drempelbedrag, footnote 5).
SWECO_D3 = "onderzoek van Sweco naar ≥D3-schade (Kamerstuk 33 529, nr. 1113)"

VARIANT_SEPARATOR = "~"

IVS = "interventieteam_vastgelopen_situaties"
CBS = "commissie_bijzondere_situaties"

# When a decision names an interpretation: always, or only when the choice changed that decision.
ALWAYS = "always"
DOSSIER_NOT_COVERED = "dossier_not_covered"  # an existing dossier that the transitional rule leaves out
FLOOR_APPLIES = "floor_applies"  # the maximum was raised to the floor
COST_EXCEEDS_MAXIMUM = "cost_exceeds_maximum"  # discretionary_exceedance is true
NAMED_WHEN = (ALWAYS, DOSSIER_NOT_COVERED, FLOOR_APPLIES, COST_EXCEEDS_MAXIMUM)


@attrs.frozen
class Route:
    """A route for individual hardship cases (an *uitzonderingsmogelijkheid*).

    The Kamerbrief names routes "onder meer": the list is open, so a route is data.
    `code` is what decisions list; `short` is what reviewers type (`referral file --route`).
    """

    code: str
    short: str
    name: str
    source: str


ROUTE_IVS = Route(
    IVS, "ivs", "Interventieteam Vastgelopen Situaties",
    f"{KAMERBRIEF}, Vaststelling toepassingsgebied: 'Voor individuele schrijnende gevallen in de rest van het"
    " effectgebied blijft er via onder meer het Interventieteam Vastgelopen Situaties en de Commissie Bijzondere"
    " Situaties een uitzonderingsmogelijkheid bestaan.'",
)
ROUTE_CBS = Route(CBS, "cbs", "Commissie Bijzondere Situaties", ROUTE_IVS.source)


@attrs.frozen
class Interpretation:
    """A named choice where the source texts leave a point open (SPEC §3)."""

    id: str
    text: str
    named_when: str = ALWAYS  # one of NAMED_WHEN


I1 = Interpretation(
    "I-1",
    "De Kamerbrief garandeert afronding alleen voor bestaande dossiers in het oorspronkelijke"
    " pilotgebied. Bestaande dossiers in het uitbreidingsgebied van 2024 die niet aan de"
    " criteria van 2026 voldoen, vallen daar niet onder.",
    DOSSIER_NOT_COVERED,
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
I4 = Interpretation(
    "I-4",
    "De Kamerbrief noemt het nieuwe maximum een verhoging ('Verhoging maximumbedrag', 'verhoogd tot de"
    " WOZ-waarde'). Het maximum is daarom de WOZ-waarde, hoogstens € 500.000, maar nooit lager dan het"
    " oude maximum van € 125.000.",
    FLOOR_APPLIES,
)
I5 = Interpretation(
    "I-5",
    "De Kamerbrief verhoogt het maximum zodat de discretionaire bevoegdheid een uitzondering blijft; hij schaft"
    " haar niet af. Zijn de geschatte kosten hoger dan het maximum, dan kan het IMG alleen met een apart"
    " besluit meer betalen, net als in de pilot.",
    COST_EXCEEDS_MAXIMUM,
)


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
    referral_routes: tuple[Route, ...]
    referral_basis: str | None
    interpretations: tuple[Interpretation, ...]
    evaluation_due: Parameter | None = None  # when the rules are to be evaluated, if the source says so

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
    legal_basis=f"{AMENDEMENT_MULDER}, aanvullende wettelijke grondslag voor duurzaam herstel; {BELEIDSREGEL_2023}",
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
    legal_basis=f"{AMENDEMENT_MULDER}, aanvullende wettelijke grondslag voor duurzaam herstel; {BELEIDSREGEL_2025}",
    criteria=(
        KernArea(
            min_events=Parameter(4, NEW_RULES_START, f"{KAMERBRIEF}, Vaststelling toepassingsgebied"),
            basis=f"{KAMERBRIEF}, Vaststelling toepassingsgebied (minimaal vier bevingen van 5 mm/s voor 1 januari 2026)",
        ),
        TechnicalCause(basis=f"{BELEIDSREGEL_2025}; {KAMERBRIEF}, Aanpassing drempelbedrag ('naast een technische aanleiding')"),
        DamageThreshold(
            fact="structural_damage_eur",
            minimum=Parameter(Decimal("5000.00"), NEW_RULES_START, f"{KAMERBRIEF}, Aanpassing drempelbedrag"),
            basis=f"{BELEIDSREGEL_2025}; {KAMERBRIEF}, Aanpassing drempelbedrag (minimaal 5.000 euro ≥D3-schade die hoort bij het constructieve gebrek; voetnoot 5: {SWECO_D3})",
        ),
        UnsettledDamage(
            basis=f"{KAMERBRIEF}, Aanpassing drempelbedrag; eis blijft gelden (interpretatie I-2)",
        ),
    ),
    cap_rule=WozCap(
        statutory_max=Parameter(Decimal("500000.00"), NEW_RULES_START, f"{KAMERBRIEF}, Verhoging maximumbedrag"),
        floor=Parameter(
            Decimal("125000.00"), NEW_RULES_START,
            f"{KAMERBRIEF}, Verhoging maximumbedrag ('verhoogd'; het oude maximum was 125.000 euro; interpretatie I-4)",
        ),
        discretionary=True,
        basis=f"{KAMERBRIEF}, Verhoging maximumbedrag (WOZ-waarde, maximaal 500.000 euro, nooit lager dan het oude"
        " maximum van 125.000 euro (interpretatie I-4); geldt niet voor Rijksmonumenten; discretionaire bevoegdheid"
        " blijft de uitzondering (interpretatie I-5))",
    ),
    transitional=TransitionalRule(
        dossier_opened_before=Parameter(NEW_RULES_START, NEW_RULES_START, f"{KAMERBRIEF}, Vaststelling toepassingsgebied"),
        original_pilot_area_only=True,
        basis=f"{KAMERBRIEF}, Vaststelling toepassingsgebied ('in het oorspronkelijke pilotgebied zullen alle bestaande Duurzaam herstel dossiers gewoon worden afgemaakt, met toepassing van het verhoogde maximumbedrag')",
    ),
    referral_routes=(ROUTE_IVS, ROUTE_CBS),
    referral_basis=f"{KAMERBRIEF}, Vaststelling toepassingsgebied (uitzonderingsmogelijkheid voor individuele schrijnende gevallen in de rest van het effectgebied)",
    interpretations=(I1, I2, I4, I5),
    evaluation_due=Parameter(
        date(2027, 1, 1), NEW_RULES_START,
        f"{KAMERBRIEF}, Start van de uitvoering ('per 1 januari jl. in werking getreden en wordt over een jaar geëvalueerd')",
    ),
)

FRAMEWORKS: dict[str, Framework] = {f.id: f for f in (PILOT_2023, PILOT_2024, FRAMEWORK_2026)}
