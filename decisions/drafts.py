"""Draft frameworks for what-if questions: a registered framework with some parameters or readings changed.

A draft is given as plain data (the parsed draft file, see docs/whatif.md):

    base: "2026"
    label: "Drie bevingen in plaats van vier"
    parameters:
      area.min_events: 3
    interpretations:
      I-1: broad

`draft_from_data` checks it and builds the changed framework. The readings of
an interpretation are those of `decisions.variants` (applied the same way, by
`apply_reading`); a parameter is replaced in its rule as `Parameter` with the
draft as its source. Each overridable parameter is named once, in `OVERRIDABLE`.

A draft's framework id starts with `draft:` and its fingerprint is
`draft:sha256:...`: the ledger refuses to record a decision made under one
(`is_draft`). Bad input raises `InvalidCase` naming the field
(`parameters.area.min_events`, `interpretations.I-1`, ...).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import attrs

from .amounts import format_amount, parse_amount
from .errors import InvalidCase
from .fingerprint import framework_fingerprint
from .frameworks import FRAMEWORKS, Framework, Parameter
from .input_rules import AMOUNT_LIMIT, MAX_EVENT_COUNT, check_free_text
from .rules import DamageThreshold, KernArea, PilotCap, TransitionalRule, WozCap
from .variants import READINGS, Reading, apply_reading

__all__ = [
    "DRAFT_PREFIX", "DEFAULT_BASE", "Draft", "OVERRIDABLE", "Overridable", "draft_from_data", "is_draft",
    "overridable", "parameter_value", "sweep_values", "with_parameter",
]

DRAFT_PREFIX = "draft:"
DEFAULT_BASE = "2026"
FIELDS = ("base", "label", "parameters", "interpretations")
MAX_LABEL_LENGTH = 200
MAX_SWEEP_VALUES = 50

COUNT, AMOUNT, DATE = "count", "amount", "date"

# "No ceiling": no amount a case may hold reaches AMOUNT_LIMIT, so a statutory maximum there never binds.
NO_CEILING = AMOUNT_LIMIT
DRAFT_SOURCE = "concept (wat-als), niet vastgesteld"


@attrs.frozen
class Overridable:
    """A parameter a draft may change: its public name, where it lives, and what its value must be."""

    name: str
    kind: str  # COUNT, AMOUNT or DATE
    component: str  # a criterion code, "cap" or "transitional"
    rule: type
    field: str
    meaning: str
    null_means: str | None = None  # what `null` means; None when `null` is not allowed

    def applies_to(self, framework: Framework) -> bool:
        return isinstance(_component(framework, self.component), self.rule)


OVERRIDABLE: tuple[Overridable, ...] = (
    Overridable("area.min_events", COUNT, "area", KernArea, "min_events",
                "minimum number of earthquakes of >= 5 mm/s before 2026-01-01 (kerngebied)"),
    Overridable("damage_threshold.amount", AMOUNT, "damage_threshold", DamageThreshold, "minimum",
                "minimum damage in euros (>= D3 structural damage from 2026; recognised damage in the pilot)"),
    Overridable("cap.statutory_max", AMOUNT, "cap", WozCap, "statutory_max",
                "the maximum is the WOZ value, at most this amount in euros",
                null_means="no ceiling: the maximum is the WOZ value however high"),
    Overridable("cap.floor", AMOUNT, "cap", WozCap, "floor",
                "the maximum is never below this amount in euros (interpretation I-4)",
                null_means="no floor (as reading I-4:letterlijk)"),
    Overridable("cap.standard_max", AMOUNT, "cap", PilotCap, "standard_max",
                "the standard maximum per address in the pilot, in euros"),
    Overridable("transitional.dossier_opened_before", DATE, "transitional", TransitionalRule, "dossier_opened_before",
                "existing dossiers opened before this day are completed (YYYY-MM-DD)"),
)
_BY_NAME = {o.name: o for o in OVERRIDABLE}


def is_draft(framework_id: str, fingerprint: str = "") -> bool:
    """Whether a framework id or fingerprint is a draft's (never recorded)."""
    return framework_id.startswith(DRAFT_PREFIX) or fingerprint.startswith(DRAFT_PREFIX)


def _component(framework: Framework, name: str):
    if name == "cap":
        return framework.cap_rule
    if name == "transitional":
        return framework.transitional
    found = [c for c in framework.criteria if c.code == name]
    return found[-1] if found else None


def overridable(framework: Framework) -> list[tuple[Overridable, Parameter | None]]:
    """The parameters a draft of this framework may change, each with its current value (None: not set)."""
    return [(o, getattr(_component(framework, o.component), o.field)) for o in OVERRIDABLE if o.applies_to(framework)]


def parameter_value(parameter: Parameter | None, spec: Overridable) -> str | int | None:
    """A parameter's value as a draft file writes it (amounts as two-decimal strings, dates as YYYY-MM-DD)."""
    if parameter is None:
        return None
    value = parameter.value
    if spec.name == "cap.statutory_max" and value == NO_CEILING:
        return None
    if isinstance(value, Decimal):
        return format_amount(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@attrs.frozen
class Draft:
    """A checked draft: its base, what it changes, and the framework that results."""

    base: Framework
    label: str | None
    parameters: tuple[tuple[str, object], ...]  # (name, value as checked: int, Decimal, date or None)
    interpretations: tuple[tuple[str, str], ...]  # (interpretation id, reading id)
    framework: Framework

    @property
    def fingerprint(self) -> str:
        return DRAFT_PREFIX + framework_fingerprint(self.framework)

    def data(self) -> dict:
        """The draft as a draft file writes it (normalised)."""
        return {
            "base": self.base.id,
            "label": self.label,
            "parameters": {name: _written(value) for name, value in self.parameters},
            "interpretations": {i: reading.split(":", 1)[1] for i, reading in self.interpretations},
        }


def _written(value: object) -> object:
    if isinstance(value, Decimal):
        return format_amount(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _mapping(value: object, field: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidCase(field, f"must be a mapping of names to values, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise InvalidCase(field, f"names must be text, got {key!r}")
    return value


def _base(data: Mapping, base_id: str | None) -> Framework:
    given = data.get("base")
    if isinstance(given, int) and not isinstance(given, bool):
        given = str(given)  # `base: 2026` unquoted
    if given is not None and not isinstance(given, str):
        raise InvalidCase("base", f"must be a framework id such as \"2026\", got {type(given).__name__}")
    if given is not None and base_id is not None and given != base_id:
        raise InvalidCase("base", f"the draft names base {given!r} but {base_id!r} was asked for")
    chosen = given or base_id or DEFAULT_BASE
    framework = FRAMEWORKS.get(chosen)
    if framework is None:
        raise InvalidCase("base", f"unknown framework {chosen!r} (known: {', '.join(FRAMEWORKS)})")
    return framework


def _label(value: object) -> str | None:
    if value is None:
        return None
    try:
        check_free_text(value, MAX_LABEL_LENGTH)
    except ValueError as exc:
        raise InvalidCase("label", str(exc)) from None
    return value


def _reading(interpretation: str, value: object, framework: Framework) -> Reading:
    field = f"interpretations.{interpretation}"
    choices = [r for r in READINGS.values() if r.interpretation == interpretation]
    if not choices:
        known = ", ".join(sorted({r.interpretation for r in READINGS.values()}))
        raise InvalidCase(field, f"unknown interpretation (a draft may choose a reading of {known})")
    if not any(i.id == interpretation for i in framework.interpretations):
        raise InvalidCase(field, f"framework {framework.id!r} has no interpretation {interpretation}")
    for reading in choices:
        if value in (reading.name, reading.english):
            return reading
    names = ", ".join(f"{r.english} ({r.name})" for r in choices)
    raise InvalidCase(field, f"unknown reading {value!r}; choose {names}")


def _checked(spec: Overridable, value: object) -> object:
    """The value, checked and typed for the parameter; InvalidCase naming `parameters.<name>`."""
    field = f"parameters.{spec.name}"
    if value is None:
        if spec.null_means is None:
            raise InvalidCase(field, "must have a value (null is not allowed here)")
        return None
    if spec.kind == COUNT:
        if type(value) is not int:
            raise InvalidCase(field, f"must be a whole number, got {type(value).__name__} {value!r}")
        if not 0 <= value <= MAX_EVENT_COUNT + 1:
            raise InvalidCase(field, f"must be from 0 to {MAX_EVENT_COUNT + 1} (got {value})")
        return value
    if spec.kind == AMOUNT:
        try:
            return parse_amount(value)
        except ValueError as exc:
            raise InvalidCase(field, str(exc)) from None
    if isinstance(value, date):  # YAML reads an unquoted 2026-01-01 as a date
        return value
    if not isinstance(value, str):
        raise InvalidCase(field, f"must be a date written YYYY-MM-DD, got {type(value).__name__}")
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date()
    except ValueError:
        raise InvalidCase(field, f"must be a date written YYYY-MM-DD (got {value!r})") from None


def _bad_date():
    raise ValueError("not YYYY-MM-DD")


def _replaced(framework: Framework, spec: Overridable, value: object) -> Framework:
    component = _component(framework, spec.component)
    current = getattr(component, spec.field)
    if value is None and spec.name == "cap.statutory_max":
        value = NO_CEILING
    effective = current.effective_from if current is not None else framework.in_force_from
    new = None if value is None else Parameter(value, effective, DRAFT_SOURCE)
    changed = attrs.evolve(component, **{spec.field: new})
    if spec.component == "cap":
        return attrs.evolve(framework, cap_rule=changed)
    if spec.component == "transitional":
        return attrs.evolve(framework, transitional=changed)
    criteria = tuple(changed if c is component else c for c in framework.criteria)
    return attrs.evolve(framework, criteria=criteria)


def _check_cap(framework: Framework) -> None:
    cap = framework.cap_rule
    if isinstance(cap, WozCap) and cap.floor is not None and cap.floor.value > cap.statutory_max.value:
        raise InvalidCase("parameters.cap.floor", f"must not be above cap.statutory_max"
                          f" ({format_amount(cap.floor.value)} > {format_amount(cap.statutory_max.value)})")


def draft_from_data(data: object, base_id: str | None = None) -> Draft:
    """Check a parsed draft file and build its framework; `base_id` is the base asked for on the command line."""
    if not isinstance(data, Mapping):
        raise InvalidCase("draft", f"must be a mapping with {', '.join(FIELDS)}, got {type(data).__name__}")
    for key in data:
        if key not in FIELDS:
            raise InvalidCase(str(key), f"unknown field; a draft has {', '.join(FIELDS)}")
    base = _base(data, base_id)
    label = _label(data.get("label"))
    framework = base
    readings = []
    for interpretation, value in _mapping(data.get("interpretations"), "interpretations").items():
        reading = _reading(interpretation, value, framework)
        try:
            framework = apply_reading(framework, reading)
        except InvalidCase as exc:
            raise InvalidCase(f"interpretations.{interpretation}", exc.rule) from None
        readings.append((interpretation, reading.id))
    parameters = []
    for name, value in _mapping(data.get("parameters"), "parameters").items():
        spec = _BY_NAME.get(name)
        if spec is None:
            known = ", ".join(o.name for o, _ in overridable(base))
            raise InvalidCase(f"parameters.{name}", f"unknown parameter (for {base.id}: {known})")
        if not spec.applies_to(framework):
            raise InvalidCase(f"parameters.{name}", f"does not apply to framework {base.id!r}")
        if name == "cap.floor" and any(i == "I-4" for i, _ in readings):
            raise InvalidCase(f"parameters.{name}", "cannot be set together with a reading of interpretation I-4")
        checked = _checked(spec, value)
        framework = _replaced(framework, spec, checked)
        parameters.append((name, checked))
    _check_cap(framework)
    title = label or f"Concept op basis van {base.id}"
    framework = attrs.evolve(framework, id=f"{DRAFT_PREFIX}{base.id}", title=title)
    return Draft(base, label, tuple(parameters), tuple(readings), framework)


def with_parameter(data: Mapping, name: str, value: object, base_id: str | None = None) -> Draft:
    """The draft of `data` with one more (or another) parameter value: one point of a sweep."""
    parameters = dict(_mapping(data.get("parameters"), "parameters"))
    parameters[name] = value
    return draft_from_data({**data, "parameters": parameters}, base_id)


def sweep_values(spec_text: str) -> tuple[str, list[object]]:
    """`area.min_events=2..6` or `damage_threshold.amount=3000,5000,7500`: the parameter and its values.

    A range `a..b` is for whole-number parameters; a list gives each value as text (amounts, dates) or
    `null`. The values are checked when each draft is built.
    """
    field = "--sweep"
    name, sep, values = spec_text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise InvalidCase(field, "write PARAMETER=a..b or PARAMETER=v1,v2,... (e.g. area.min_events=2..6)")
    spec = _BY_NAME.get(name)
    if spec is None:
        raise InvalidCase(field, f"unknown parameter {name!r} (known: {', '.join(_BY_NAME)})")
    if ".." in values:
        low, _, high = values.partition("..")
        if spec.kind != COUNT:
            raise InvalidCase(field, f"a range a..b is for whole numbers; list the values of {name} (v1,v2,...)")
        try:
            first, last = int(low), int(high)
        except ValueError:
            raise InvalidCase(field, f"a range must be two whole numbers, like 2..6 (got {values!r})") from None
        if last < first:
            raise InvalidCase(field, f"the range {values} is empty")
        found: list[object] = list(range(first, last + 1))
    else:
        found = [_sweep_item(spec, item.strip()) for item in values.split(",")]
    if len(found) > MAX_SWEEP_VALUES:
        raise InvalidCase(field, f"at most {MAX_SWEEP_VALUES} values (got {len(found)})")
    if len(set(map(str, found))) != len(found):
        raise InvalidCase(field, "each value at most once")
    return name, found


def _sweep_item(spec: Overridable, item: str) -> object:
    if item in ("null", "none"):
        return None
    if spec.kind == COUNT:
        try:
            return int(item)
        except ValueError:
            raise InvalidCase("--sweep", f"{spec.name} takes whole numbers (got {item!r})") from None
    return item
