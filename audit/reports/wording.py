"""Plain Dutch (B1) wording for criteria, outcomes and counterfactuals."""

from __future__ import annotations

from decimal import Decimal

from decisions.counterfactual import Counterfactual
from decisions.frameworks import CriterionResult, Framework, PilotCap
from decisions.registry import all_routes

CRITERION_LABELS = {
    "area": "Gebied",
    "technical_cause": "Technische aanleiding",
    "damage_threshold": "Schadebedrag",
    "unsettled_damage": "Schade die nog niet is afgehandeld",
}

OUTCOME_LABELS = {"eligible": "komt in aanmerking", "not_eligible": "komt niet in aanmerking"}

BASIS_LABELS = {
    "regular": "de gewone regels",
    "transitional": "de overgangsregel voor bestaande dossiers in het pilotgebied",
}

CAP_BASIS_LABELS = {
    "pilot_standard": "het maximum van € 125.000 uit de pilot (vanaf 2026 de ondergrens, keuze I-4)",
    "woz": "de WOZ-waarde van het adres",
    "statutory_max": "het wettelijke maximum van € 500.000",
    "rijksmonument": "geen maximum, want het is een rijksmonument",
}

ROUTE_LABELS = {route.code: route.name for route in all_routes()}


def maximum_reason(decision, case, framework: Framework) -> str:
    """Why the maximum of an eligible decision is what it is, in plain Dutch."""
    basis = decision.cap_basis
    if basis == "rijksmonument":
        return (
            "Er geldt geen maximumbedrag, want het gebouw is een rijksmonument. Voor rijksmonumenten geldt het"
            " maximumbedrag niet, vanwege de bijzondere positie van deze panden."
        )
    amount = euro(decision.max_amount_eur)
    if isinstance(framework.cap_rule, PilotCap):
        return f"Het maximumbedrag is {amount}. Dat is het vaste maximum per adres in de pilot."
    statutory = euro(framework.cap_rule.statutory_max.value)
    if basis == "woz":
        return (
            f"Het maximumbedrag is {amount}. Dat is de WOZ-waarde van het adres. Sinds 2026 is het maximum de"
            f" WOZ-waarde, maar nooit meer dan {statutory}."
        )
    if basis == "statutory_max":
        return (
            f"Het maximumbedrag is {amount}. De WOZ-waarde van het adres ({euro(case.woz_value_eur)}) is hoger"
            f" dan {statutory}. Het maximum is dan {statutory}."
        )
    if basis == "pilot_standard":
        return (
            f"Het maximumbedrag is {amount}. De WOZ-waarde van het adres ({euro(case.woz_value_eur)}) is lager"
            f" dan {amount}. In 2026 is het maximum verhoogd. Daarom is het nooit lager dan het oude maximum"
            f" van {amount} (ondergrens, keuze I-4)."
        )
    return f"Het maximumbedrag is {amount}."


def euro(value: Decimal | str | None) -> str:
    """€ 14.999,99"""
    if value is None:
        return "geen maximum"
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    thousands = f"{int(whole):,}".replace(",", ".")
    return f"{sign}€ {thousands},{cents}"


def ja_nee(value: bool | str) -> str:
    return "ja" if value in (True, "true") else "nee"


def _flag(observed: str, name: str) -> str:
    for part in observed.split(", "):
        key, _, value = part.partition("=")
        if key == name:
            return ja_nee(value)
    return "onbekend"


def describe_criterion(result: CriterionResult, framework_id: str) -> dict:
    """Question, what was seen and what was needed, in plain Dutch."""
    code, observed, required = result.code, result.observed, result.required
    if code == "area" and "in_pilot_area" in observed:
        if "in_reinforcement_area" in required:
            return {
                "vraag": "Ligt het adres in het pilotgebied of in het werkgebied van de versterking?",
                "gezien": f"pilotgebied: {_flag(observed, 'in_pilot_area')}; werkgebied versterking: "
                f"{_flag(observed, 'in_reinforcement_area')}",
                "nodig": "in het pilotgebied of in het werkgebied van de versterking",
            }
        return {
            "vraag": "Ligt het adres in het pilotgebied (de vroegere gemeenten Appingedam, Loppersum en Ten Boer)?",
            "gezien": _flag(observed, "in_pilot_area"),
            "nodig": "ja",
        }
    if code == "area":
        return {
            "vraag": "Hoeveel bevingen van 5 mm/s of meer heeft het adres gehad vóór 1 januari 2026?",
            "gezien": observed,
            "nodig": f"minimaal {required.removeprefix('>= ')}",
        }
    if code == "technical_cause":
        return {
            "vraag": "Is er een technische aanleiding: een constructief gebrek waardoor schade steeds terugkomt?",
            "gezien": ja_nee(observed),
            "nodig": "ja",
        }
    if code == "damage_threshold":
        minimum = required.removeprefix(">= ")
        if framework_id == "2026" or Decimal(minimum) < Decimal("15000"):
            question = "Hoeveel erkende schade van klasse D3 of hoger hoort bij het constructieve gebrek?"
        else:
            question = "Hoeveel erkende bevingsschade is er op het adres?"
        return {"vraag": question, "gezien": euro(observed), "nodig": f"minimaal {euro(minimum)}"}
    if code == "unsettled_damage":
        return {
            "vraag": "Is er schade die nog niet eerder is afgehandeld?",
            "gezien": euro(observed),
            "nodig": "meer dan € 0,00",
        }
    return {"vraag": code, "gezien": observed, "nodig": required}


def describe_counterfactual(cf: Counterfactual) -> str:
    """What single fact would have to be different, completing "De uitkomst zou anders zijn als ..."."""
    up = not cf.change.startswith("-")
    more = "meer" if up else "minder"
    if cf.field == "pgv_5mms_events":
        n = int(cf.change.lstrip("+-"))
        word = "beving" if n == 1 else "bevingen"
        return f"er {n} {word} {more} van 5 mm/s of meer was geweest ({cf.changed_to} in totaal)"
    amount = euro(cf.change.lstrip("+-")) if cf.field.endswith("_eur") else ""
    if cf.field == "structural_damage_eur":
        text = f"er {amount} {more} erkende schade van klasse D3 of hoger was ({euro(cf.changed_to)} in totaal)"
    elif cf.field == "recognised_damage_eur":
        text = f"er {amount} {more} erkende bevingsschade was ({euro(cf.changed_to)} in totaal)"
    elif cf.field == "unsettled_damage_eur":
        text = f"er {amount} schade was die nog niet is afgehandeld" if up else "alle schade al was afgehandeld"
    elif cf.field == "technical_cause":
        text = "er een technische aanleiding was vastgesteld" if _is_true(cf) else "er geen technische aanleiding was"
    elif cf.field == "in_pilot_area":
        text = "het adres in het oorspronkelijke pilotgebied lag" if _is_true(cf) else "het adres buiten het pilotgebied lag"
    elif cf.field == "in_reinforcement_area":
        text = (
            "het adres in het werkgebied van de versterking lag"
            if _is_true(cf)
            else "het adres buiten het werkgebied van de versterking lag"
        )
    else:
        text = f"{cf.field} {cf.changed_to} was in plaats van {cf.current}"
    if cf.also_changed:
        text += " (de totale erkende schade gaat dan mee)"
    return text


def _is_true(cf: Counterfactual) -> bool:
    return cf.changed_to == "true"
