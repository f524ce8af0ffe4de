"""Wording for replay, comparison and boundary output: Dutch (B1) labels for reports, English for the terminal."""

from __future__ import annotations

from decimal import Decimal

from decisions.boundary import (
    DAMAGE_JUST_BELOW,
    EXISTING_DOSSIER_OUTSIDE_PILOT_AREA,
    FAILS_ONE_CRITERION,
    PGV_EVENT_JUST_BELOW,
    PGV_ONE_EVENT_SHORT,
    WOZ_BINDS_CAP,
    EventCounterfactual,
)
from decisions.counterfactual import Counterfactual

from audit.analysis.compare import (
    BAND_50K_TO_125K,
    BAND_LOWER,
    BAND_OVER_125K,
    BAND_SAME,
    BAND_UNCAPPED,
    BAND_UP_TO_50K,
    GAINS,
    LOSES,
    STAYS_ELIGIBLE,
    STAYS_INELIGIBLE,
    TRANSITIONAL,
)
from audit.analysis.replay import DIVERGED, NOT_REPLAYABLE, REASON_FRAMEWORK_MISSING, REASON_INPUTS_INVALID, REPRODUCED
from audit.reports.wording import BASIS_LABELS, CAP_BASIS_LABELS, CRITERION_LABELS

CLASS_LABELS = {
    FAILS_ONE_CRITERION: "Voldoet aan alle voorwaarden op één na",
    PGV_ONE_EVENT_SHORT: "Eén beving van 5 mm/s of meer te weinig",
    DAMAGE_JUST_BELOW: "Schadebedrag net onder de drempel (minder dan 10% eronder)",
    PGV_EVENT_JUST_BELOW: "Een beving van 4,5 tot 5,0 mm/s: net onder de grens",
    WOZ_BINDS_CAP: "De WOZ-waarde bepaalt het maximumbedrag, en de geschatte kosten zijn hoger",
    EXISTING_DOSSIER_OUTSIDE_PILOT_AREA: "Bestaand dossier buiten het oorspronkelijke pilotgebied (keuze I-1)",
}

TRANSITION_LABELS = {
    STAYS_ELIGIBLE: "blijft in aanmerking",
    GAINS: "komt erbij",
    LOSES: "valt af",
    STAYS_INELIGIBLE: "blijft buiten",
}

BAND_LABELS = {
    BAND_LOWER: "lager",
    BAND_SAME: "gelijk",
    BAND_UP_TO_50K: "tot € 50.000 hoger",
    BAND_50K_TO_125K: "€ 50.000 tot € 125.000 hoger",
    BAND_OVER_125K: "meer dan € 125.000 hoger",
    BAND_UNCAPPED: "geen maximum meer (rijksmonument)",
}

CAUSE_LABELS = {**CRITERION_LABELS, TRANSITIONAL: "Overgangsregel voor bestaande dossiers"}

STATUS_LABELS = {
    REPRODUCED: "Opnieuw berekend: dezelfde uitkomst",
    DIVERGED: "Opnieuw berekend: een ANDERE uitkomst",
    NOT_REPLAYABLE: "Niet opnieuw te berekenen",
}

REASON_LABELS = {
    "exception_decision": "Dit is een uitzonderingsbesluit (na een verwijzing naar het IVS of de CBS). Zo'n besluit"
    " is een afweging door mensen, geen berekening. Het kan daarom niet opnieuw worden berekend.",
    REASON_FRAMEWORK_MISSING: "De regels waaronder dit besluit is genomen, zijn niet meer in het programma aanwezig.",
    REASON_INPUTS_INVALID: "De vastgelegde feiten komen niet meer door de controles van het programma.",
}

# Bases and caps of exception decisions (the outcome of an IVS or CBS referral), besides those of `evaluate`.
DECISION_BASIS_LABELS = {
    **BASIS_LABELS,
    "exception_ivs": "een uitzonderingsbesluit na verwijzing naar het Interventieteam Vastgelopen Situaties",
    "exception_cbs": "een uitzonderingsbesluit na verwijzing naar de Commissie Bijzondere Situaties",
}
DECISION_CAP_LABELS = {**CAP_BASIS_LABELS, "granted_by_route": "het bedrag dat bij de uitzondering is toegekend"}

KIND_LABELS = {
    "assessment": "beoordeling",
    "objection_decision": "besluit op bezwaar",
    "exception_decision": "uitzonderingsbesluit",
    "correction": "correctie",
}


def decimal_nl(value: str | Decimal) -> str:
    """A decimal number the Dutch way: 4,7."""
    return str(value).replace(".", ",")


def describe_event_counterfactual(event: EventCounterfactual) -> str:
    """Completes "De uitkomst zou anders zijn als ..." for one earthquake just below 5 mm/s."""
    from audit.reports.rendering import datum

    return (
        f"de beving bij {event.place} van {datum(event.event_date)} op het adres 5,0 mm/s had gegeven in plaats van"
        f" {decimal_nl(event.current_pgv_mm_s)} mm/s (dan {event.events_counted} bevingen van 5 mm/s of meer)"
    )


# --- English, for the terminal ----------------------------------------------------------------


def _euro_en(text: str) -> str:
    return f"€{Decimal(text):,.2f}"


def describe_counterfactual_en(cf: Counterfactual) -> str:
    """A short English description of a counterfactual: `1 more PGV event ≥ 5 mm/s (4 in total)`."""
    up = not cf.change.startswith("-")
    size = cf.change.lstrip("+-")
    if cf.field == "pgv_5mms_events":
        n = int(size)
        return f"{n} {'more' if up else 'fewer'} PGV event{'s' if n != 1 else ''} ≥ 5 mm/s ({cf.changed_to} in total)"
    more = "more" if up else "less"
    if cf.field == "structural_damage_eur":
        return f"{_euro_en(size)} {more} ≥D3 damage ({_euro_en(cf.changed_to)} in total)"
    if cf.field == "recognised_damage_eur":
        return f"{_euro_en(size)} {more} recognised damage ({_euro_en(cf.changed_to)} in total)"
    if cf.field == "unsettled_damage_eur":
        return f"{_euro_en(size)} unsettled damage" if up else "all damage settled"
    yes = cf.changed_to == "true"
    if cf.field == "technical_cause":
        return "technical cause established" if yes else "no technical cause"
    if cf.field == "in_pilot_area":
        return "address in the original pilot area" if yes else "address outside the original pilot area"
    if cf.field == "in_reinforcement_area":
        return "address in the reinforcement area" if yes else "address outside the reinforcement area"
    return f"{cf.field} {cf.current} → {cf.changed_to}"


def describe_event_counterfactual_en(event: EventCounterfactual) -> str:
    return (
        f"the {event.event_date} {event.place} event at {event.changed_to} mm/s instead of"
        f" {event.current_pgv_mm_s} ({event.events_counted} events ≥ 5 mm/s)"
    )

