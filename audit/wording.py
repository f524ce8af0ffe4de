"""Plain Dutch (B1) wording for criteria, outcomes and counterfactuals."""

from __future__ import annotations

from decimal import Decimal

from decisions.counterfactual import Counterfactual
from decisions.frameworks import CriterionResult

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
    "pilot_standard": "het standaard maximum van de pilot",
    "woz": "de WOZ-waarde van het adres",
    "statutory_max": "het wettelijke maximum van € 500.000",
    "rijksmonument": "geen maximum, want het is een rijksmonument",
}

ROUTE_LABELS = {
    "interventieteam_vastgelopen_situaties": "Interventieteam Vastgelopen Situaties",
    "commissie_bijzondere_situaties": "Commissie Bijzondere Situaties",
}


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
