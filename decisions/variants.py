"""Other readings of the open points I-1, I-4 and I-5, as named variants of a framework.

A variant id is a framework id followed by one or more `~<interpretation>:<reading>`
parts, e.g. `2026~I-4:letterlijk` or `2026~I-4:letterlijk~I-5:afgeschaft`. It
resolves to a framework object whose id is the variant id, so its fingerprint
differs from the base framework's and every decision made under it says which
reading it used. Variants are for comparison and analysis (`compare --from/--to`,
`replay --framework`, `decide --framework`); the ledger never records a decision
made under one.

The readings (see docs/rules.md):

- `I-1:alle-dossiers`: every existing pilot dossier from before 2026 is completed,
  also in the 2024 extension area (the transitional rule without "in het
  oorspronkelijke pilotgebied").
- `I-4:letterlijk`: the 2026 maximum is the WOZ value, at most € 500,000, with no
  floor (the literal formula, which can be lower than the former € 125,000).
- `I-5:afgeschaft`: under 2026 the discretionary power is gone: an estimated cost
  above the maximum is never flagged.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from .errors import InvalidCase
from .frameworks import (
    ALWAYS,
    FRAMEWORKS,
    VARIANT_SEPARATOR,
    Framework,
    Interpretation,
    TransitionalRule,
    WozCap,
)


@attrs.frozen
class Reading:
    """An alternative reading of one interpretation: what it says and how it changes a framework."""

    interpretation: str
    name: str
    text: str
    change: Callable[[Framework], Framework]
    english: str = ""  # the name a draft file may use instead (`I-1: broad`, see decisions.drafts)

    @property
    def id(self) -> str:
        return f"{self.interpretation}:{self.name}"


def _replace_interpretation(framework: Framework, reading: Reading) -> tuple[Interpretation, ...]:
    replaced = Interpretation(reading.id, reading.text, ALWAYS)
    return tuple(replaced if i.id == reading.interpretation else i for i in framework.interpretations)


def _require(framework: Framework, kind: type, part: object, reading: str) -> None:
    if not isinstance(part, kind):
        raise InvalidCase("framework", f"reading {reading} does not apply to framework {framework.id!r}")


def _all_dossiers(framework: Framework) -> Framework:
    _require(framework, TransitionalRule, framework.transitional, "I-1:alle-dossiers")
    return attrs.evolve(framework, transitional=attrs.evolve(framework.transitional, original_pilot_area_only=False))


def _literal_cap(framework: Framework) -> Framework:
    _require(framework, WozCap, framework.cap_rule, "I-4:letterlijk")
    return attrs.evolve(framework, cap_rule=attrs.evolve(framework.cap_rule, floor=None))


def _abolished(framework: Framework) -> Framework:
    _require(framework, WozCap, framework.cap_rule, "I-5:afgeschaft")
    return attrs.evolve(framework, cap_rule=attrs.evolve(framework.cap_rule, discretionary=False))


READINGS: dict[str, Reading] = {
    r.id: r
    for r in (
        Reading(
            "I-1", "alle-dossiers",
            "Andere lezing van I-1: alle bestaande dossiers van voor 2026 worden afgemaakt, ook in het"
            " uitbreidingsgebied van 2024.",
            _all_dossiers,
            "broad",
        ),
        Reading(
            "I-4", "letterlijk",
            "Andere lezing van I-4: het maximum is letterlijk de WOZ-waarde, hoogstens € 500.000, zonder"
            " ondergrens; het kan dus lager zijn dan het oude maximum van € 125.000.",
            _literal_cap,
            "literal",
        ),
        Reading(
            "I-5", "afgeschaft",
            "Andere lezing van I-5: vanaf 2026 is er geen discretionaire bevoegdheid meer om boven het"
            " maximum te gaan; hogere geschatte kosten worden niet gemeld.",
            _abolished,
            "abolished",
        ),
    )
}


def variant_ids(base: str = "2026") -> tuple[str, ...]:
    """The single-reading variant ids of a framework."""
    return tuple(f"{base}{VARIANT_SEPARATOR}{reading}" for reading in READINGS)


def apply_reading(framework: Framework, reading: Reading) -> Framework:
    """The framework under another reading of one of its interpretations (variants and drafts both use this)."""
    return attrs.evolve(reading.change(framework), interpretations=_replace_interpretation(framework, reading))


def variant_framework(variant_id: str) -> Framework:
    """The framework a variant id names; bad input naming `framework` when it names none."""
    base_id, *parts = variant_id.split(VARIANT_SEPARATOR)
    framework = FRAMEWORKS.get(base_id)
    if framework is None:
        raise InvalidCase("framework", f"unknown framework {base_id!r} in variant {variant_id!r}")
    if not parts or len(set(p.split(":")[0] for p in parts)) != len(parts):
        raise InvalidCase("framework", f"variant {variant_id!r} must name each interpretation at most once")
    for part in parts:
        reading = READINGS.get(part)
        if reading is None:
            known = ", ".join(READINGS)
            raise InvalidCase("framework", f"unknown reading {part!r} in {variant_id!r} (known: {known})")
        if not any(i.id == reading.interpretation for i in framework.interpretations):
            raise InvalidCase("framework", f"framework {base_id!r} has no interpretation {reading.interpretation}")
        framework = apply_reading(framework, reading)
    return attrs.evolve(framework, id=variant_id, title=f"{framework.title} (variant: {', '.join(parts)})")
