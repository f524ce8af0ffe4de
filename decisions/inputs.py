"""Case facts (docs/input.md): a closed, validated set of inputs for one address on one date.

`parse_case` builds a `CaseInputs` from JSON data through cattrs. Every
problem, from a wrong type to inconsistent facts, raises `InvalidCase` naming
the field and the rule that failed.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .amounts import JsonNumber, check_amount, format_amount, parse_amount
from .case_json import DuplicateKeys, LongInteger, loads_exact
from .errors import InvalidCase
from .input_rules import (
    MAX_CASE_ID_LENGTH,
    MAX_EVENT_COUNT,
    MAX_PLACE_LENGTH,
    NUMBER_DECIMALS,
    NUMBER_INTEGER_DIGITS,
    check_free_text,
)
from .municipalities import check_municipality

PILOT_START = date(2023, 7, 1)
PGV_COUNT_CUTOFF = date(2026, 1, 1)
PGV_THRESHOLD_MM_S = Decimal("5.0")

# Always used with fullmatch: `$` would let a trailing line break through.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_TEXT = re.compile(rf"-?(?:0|[1-9][0-9]{{0,{NUMBER_INTEGER_DIGITS - 1}}})(?:\.[0-9]{{1,{NUMBER_DECIMALS}}})?")
_ANY_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ADDRESS_ID = re.compile(r"[0-9]{16}")
_NUMBER_LIMIT = Decimal(10) ** NUMBER_INTEGER_DIGITS


def _as_field_error(validator):
    """Wrap a ValueError-raising check into an attrs validator naming the field."""

    def run(instance, attribute, value):
        try:
            validator(value)
        except ValueError as exc:
            raise InvalidCase(attribute.name, str(exc)) from None

    return run


def _check_case_id(value: object) -> None:
    check_free_text(value, MAX_CASE_ID_LENGTH)


def _check_place(value: object) -> None:
    check_free_text(value, MAX_PLACE_LENGTH)


def _check_address_id(value: object) -> None:
    if type(value) is not str or not _ADDRESS_ID.fullmatch(value):
        raise ValueError("must be a string of exactly 16 digits (BAG nummeraanduiding id)")


def _check_bool(value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false (a JSON boolean), got {type(value).__name__}")


def _check_count(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"must not be negative (got {value})")
    if value > MAX_EVENT_COUNT:
        raise ValueError(f"must be at most {MAX_EVENT_COUNT:,} (got {value})")


def _check_date(value: object) -> None:
    if not isinstance(value, date):
        raise ValueError(f"must be a date, got {type(value).__name__}")


def _check_optional(check):
    def run(value):
        if value is not None:
            check(value)

    return run


def _check_number_text(value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError("must be a finite decimal number")
    # The number of decimals is a rule of the written form, checked where text is read (`_DECIMAL_TEXT`).
    if not -_NUMBER_LIMIT < value < _NUMBER_LIMIT:
        raise ValueError(f"must be between -{_NUMBER_LIMIT:,} and {_NUMBER_LIMIT:,} (got {value})")


_amount = _as_field_error(check_amount)


@attrs.frozen(kw_only=True)
class PgvEvent:
    """One earthquake with its modelled peak ground velocity at the address."""

    event_date: date = attrs.field(validator=_as_field_error(_check_date))
    place: str = attrs.field(validator=_as_field_error(_check_place))
    magnitude: Decimal = attrs.field(validator=_as_field_error(_check_number_text))
    pgv_mm_s: Decimal = attrs.field(validator=_as_field_error(_check_number_text))

    def __attrs_post_init__(self):
        if self.pgv_mm_s < 0:
            raise InvalidCase("pgv_mm_s", f"must not be negative (got {self.pgv_mm_s})")

    @property
    def counts_for_area(self) -> bool:
        return self.event_date < PGV_COUNT_CUTOFF and self.pgv_mm_s >= PGV_THRESHOLD_MM_S


@attrs.frozen(kw_only=True)
class CaseInputs:
    """The facts of one case, exactly the fields of docs/input.md."""

    case_id: str = attrs.field(validator=_as_field_error(_check_case_id))
    address_id: str = attrs.field(validator=_as_field_error(_check_address_id))
    municipality: str = attrs.field(validator=_as_field_error(check_municipality))
    assessed_on: date = attrs.field(validator=_as_field_error(_check_date))
    technical_cause: bool = attrs.field(validator=_as_field_error(_check_bool))
    recognised_damage_eur: Decimal = attrs.field(validator=_amount)
    unsettled_damage_eur: Decimal = attrs.field(validator=_amount)
    structural_damage_eur: Decimal = attrs.field(validator=_amount)
    woz_value_eur: Decimal = attrs.field(validator=_amount)
    rijksmonument: bool = attrs.field(validator=_as_field_error(_check_bool))
    pgv_5mms_events: int = attrs.field(validator=_as_field_error(_check_count))
    pgv_history: tuple[PgvEvent, ...] | None = attrs.field(default=None)
    in_pilot_area: bool = attrs.field(validator=_as_field_error(_check_bool))
    in_reinforcement_area: bool = attrs.field(validator=_as_field_error(_check_bool))
    existing_dossier_since: date | None = attrs.field(
        default=None, validator=_as_field_error(_check_optional(_check_date))
    )
    estimated_cost_eur: Decimal | None = attrs.field(
        default=None, validator=_as_field_error(_check_optional(check_amount))
    )

    def __attrs_post_init__(self):
        check_consistency(self)


def check_consistency(case: CaseInputs) -> None:
    if case.unsettled_damage_eur > case.recognised_damage_eur:
        raise InvalidCase(
            "unsettled_damage_eur",
            f"must not exceed recognised_damage_eur ({format_amount(case.unsettled_damage_eur)}"
            f" > {format_amount(case.recognised_damage_eur)})",
        )
    if case.structural_damage_eur > case.recognised_damage_eur:
        raise InvalidCase(
            "structural_damage_eur",
            f"must not exceed recognised_damage_eur ({format_amount(case.structural_damage_eur)}"
            f" > {format_amount(case.recognised_damage_eur)})",
        )
    since = case.existing_dossier_since
    if since is not None:
        if since > case.assessed_on:
            raise InvalidCase(
                "existing_dossier_since",
                f"dossier opened after assessed_on ({since.isoformat()} > {case.assessed_on.isoformat()})",
            )
        if since < PILOT_START:
            raise InvalidCase(
                "existing_dossier_since",
                f"no Duurzaam herstel dossier can predate the pilot start {PILOT_START.isoformat()}"
                f" (got {since.isoformat()})",
            )
    if case.pgv_history is not None:
        if not isinstance(case.pgv_history, tuple):
            raise InvalidCase("pgv_history", "must be a list of events")
        for i, event in enumerate(case.pgv_history):
            if not isinstance(event, PgvEvent):
                raise InvalidCase(f"pgv_history[{i}]", "must be an event object")
        counted = sum(1 for event in case.pgv_history if event.counts_for_area)
        if counted != case.pgv_5mms_events:
            raise InvalidCase(
                "pgv_5mms_events",
                f"must equal the {counted} events in pgv_history dated before 2026-01-01 with"
                f" pgv_mm_s >= 5.0 (got {case.pgv_5mms_events})",
            )


# --- JSON <-> CaseInputs -------------------------------------------------------


def _structure_text(raw, _):
    if not isinstance(raw, str) or isinstance(raw, JsonNumber):
        raise ValueError(f"must be a string, got {_json_type(raw)}")
    return raw


def _structure_address_id(raw, _):
    if not isinstance(raw, str) or isinstance(raw, JsonNumber):
        raise ValueError(f"must be a string of exactly 16 digits (BAG nummeraanduiding id), got {_json_type(raw)}")
    return raw


def _structure_bool(raw, _):
    if not isinstance(raw, bool):
        raise ValueError(f"must be true or false (a JSON boolean), got {_json_type(raw)}")
    return raw


def _structure_count(raw, _):
    if isinstance(raw, LongInteger):
        raise ValueError(f"must be at most {MAX_EVENT_COUNT:,} (got a number of {len(raw)} digits)")
    if isinstance(raw, JsonNumber):
        raise ValueError(f"must be a whole number like 5, without fraction or exponent (got {raw})")
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"must be a whole number, got {_json_type(raw)}")
    return raw


def _structure_date(raw, _):
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str) or isinstance(raw, JsonNumber) or not _ISO_DATE.fullmatch(raw):
        raise ValueError(f"must be a date written YYYY-MM-DD, got {raw!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"is not a real calendar date ({raw})") from None


def _structure_optional_date(raw, _):
    return None if raw is None else _structure_date(raw, _)


def _structure_amount(raw, _):
    return parse_amount(raw)


def _structure_optional_amount(raw, _):
    return None if raw is None else parse_amount(raw)


def _structure_number_text(raw, _):
    """Magnitudes and PGV values: a number written as a JSON string, exact and bounded."""
    if not isinstance(raw, str) or isinstance(raw, JsonNumber):
        raise ValueError(f"must be a number written as a string (like \"4.8\"), got {_json_type(raw)}")
    if not _DECIMAL_TEXT.fullmatch(raw):
        if _ANY_DECIMAL_TEXT.fullmatch(raw):
            raise ValueError(f"must have at most {NUMBER_INTEGER_DIGITS} digits before the point and"
                             f" {NUMBER_DECIMALS} after it, without leading zeros (got {raw!r})")
        raise ValueError(f"must be a plain decimal number like \"4.8\", got {raw!r}")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"must be a plain decimal number, got {raw!r}") from None


def _structure_history(raw, _):
    if raw is None:
        return None
    if not isinstance(raw, (list, tuple)):
        raise ValueError(f"must be a list of events, got {_json_type(raw)}")
    events = []
    for i, item in enumerate(raw):
        try:
            events.append(converter.structure(item, PgvEvent))
        except InvalidCase as exc:
            raise InvalidCase(f"[{i}].{exc.field}", exc.rule) from None
        except cattrs.BaseValidationError as exc:
            raise _first_error(exc, f"[{i}]") from None
    return tuple(events)


def _json_type(raw) -> str:
    if isinstance(raw, bool):
        return "a boolean"
    if raw is None:
        return "null"
    if isinstance(raw, (int, float, JsonNumber)):
        return "a number"
    if isinstance(raw, str):
        return "a string"
    if isinstance(raw, (list, tuple)):
        return "a list"
    if isinstance(raw, dict):
        return "an object"
    return type(raw).__name__


def _unstructure_amount(value):
    return None if value is None else format_amount(value)


def _unstructure_date(value):
    return None if value is None else value.isoformat()


converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

_EVENT_HOOKS = {
    "event_date": override(struct_hook=_structure_date, unstruct_hook=_unstructure_date),
    "place": override(struct_hook=_structure_text),
    "magnitude": override(struct_hook=_structure_number_text, unstruct_hook=str),
    "pgv_mm_s": override(struct_hook=_structure_number_text, unstruct_hook=str),
}
_CASE_HOOKS = {
    "case_id": override(struct_hook=_structure_text),
    "address_id": override(struct_hook=_structure_address_id),
    "municipality": override(struct_hook=_structure_text),
    "assessed_on": override(struct_hook=_structure_date, unstruct_hook=_unstructure_date),
    "technical_cause": override(struct_hook=_structure_bool),
    "recognised_damage_eur": override(struct_hook=_structure_amount, unstruct_hook=_unstructure_amount),
    "unsettled_damage_eur": override(struct_hook=_structure_amount, unstruct_hook=_unstructure_amount),
    "structural_damage_eur": override(struct_hook=_structure_amount, unstruct_hook=_unstructure_amount),
    "woz_value_eur": override(struct_hook=_structure_amount, unstruct_hook=_unstructure_amount),
    "rijksmonument": override(struct_hook=_structure_bool),
    "pgv_5mms_events": override(struct_hook=_structure_count),
    "pgv_history": override(
        struct_hook=_structure_history,
        unstruct_hook=lambda v: None if v is None else [converter.unstructure(e) for e in v],
    ),
    "in_pilot_area": override(struct_hook=_structure_bool),
    "in_reinforcement_area": override(struct_hook=_structure_bool),
    "existing_dossier_since": override(
        struct_hook=_structure_optional_date, unstruct_hook=_unstructure_date
    ),
    "estimated_cost_eur": override(
        struct_hook=_structure_optional_amount, unstruct_hook=_unstructure_amount
    ),
}
converter.register_structure_hook(
    PgvEvent, make_dict_structure_fn(PgvEvent, converter, _cattrs_forbid_extra_keys=True, **_EVENT_HOOKS)
)
converter.register_unstructure_hook(PgvEvent, make_dict_unstructure_fn(PgvEvent, converter, **_EVENT_HOOKS))
converter.register_structure_hook(
    CaseInputs,
    make_dict_structure_fn(CaseInputs, converter, _cattrs_forbid_extra_keys=True, **_CASE_HOOKS),
)
converter.register_unstructure_hook(
    CaseInputs, make_dict_unstructure_fn(CaseInputs, converter, **_CASE_HOOKS)
)

CASE_FIELDS = tuple(a.name for a in attrs.fields(CaseInputs))
_OPTIONAL_FIELDS = {"pgv_history", "existing_dossier_since", "estimated_cost_eur"}


def parse_case(data: Any) -> CaseInputs:
    """Build validated case facts from decoded JSON. Raises `InvalidCase`."""
    if not isinstance(data, dict):
        raise InvalidCase("(case)", f"must be a JSON object, got {_json_type(data)}")
    if isinstance(data, DuplicateKeys):
        raise InvalidCase(data.key, "given more than once in the case object")
    unknown = [key for key in data if key not in CASE_FIELDS]
    if unknown:
        raise InvalidCase(str(unknown[0]), "unknown field (the case facts are a closed set, docs/input.md)")
    for name in CASE_FIELDS:
        if name not in data and name not in _OPTIONAL_FIELDS:
            raise InvalidCase(name, "required field is missing")
    if isinstance(data.get("pgv_history"), list):
        for i, item in enumerate(data["pgv_history"]):
            if not isinstance(item, dict):
                raise InvalidCase(f"pgv_history[{i}]", f"must be an event object, got {_json_type(item)}")
            if isinstance(item, DuplicateKeys):
                raise InvalidCase(f"pgv_history[{i}].{item.key}", "given more than once in the event object")
            for key in item:
                if key not in _EVENT_FIELDS:
                    raise InvalidCase(f"pgv_history[{i}].{key}", "unknown field")
            for key in _EVENT_FIELDS:
                if key not in item:
                    raise InvalidCase(f"pgv_history[{i}].{key}", "required field is missing")
    try:
        return converter.structure(data, CaseInputs)
    except InvalidCase:
        raise
    except cattrs.BaseValidationError as exc:
        raise _first_error(exc, "") from None


_EVENT_FIELDS = tuple(a.name for a in attrs.fields(PgvEvent))


def _first_error(exc: BaseException, path: str) -> InvalidCase:
    """Find the first leaf error in a cattrs exception group and name its field."""
    if isinstance(exc, InvalidCase):
        return InvalidCase(_join(path, exc.field) if path else exc.field, exc.rule)
    if isinstance(exc, cattrs.BaseValidationError):
        for sub in exc.exceptions:
            here = path
            for note in getattr(sub, "__notes__", []):
                name = getattr(note, "name", None)
                index = getattr(note, "index", None)
                if name is not None:
                    here = _join(path, name)
                elif index is not None:
                    here = f"{path}[{index}]"
            return _first_error(sub, here)
    return InvalidCase(path or "(case)", str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__)


def _join(path: str, name: str) -> str:
    if not path or name.startswith("["):
        return f"{path}{name}"
    return f"{path}.{name}"


def load_case(text: str | bytes) -> CaseInputs:
    """Parse one case from JSON text."""
    return parse_case(loads_exact(text))


def case_to_data(case: CaseInputs) -> dict:
    """JSON-ready data (amounts as two-decimal strings, ISO dates)."""
    return converter.unstructure(case)
