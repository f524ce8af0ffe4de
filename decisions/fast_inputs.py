"""A fast path for `parse_case`, for the ledger's hot loop (`dh-audit record`).

`parse_case` (cattrs) stays the reference and the public entry point. This
module builds the same `CaseInputs` without cattrs for the common, well-formed
case, and hands everything else to `parse_case`:

- It only *converts* values, and only in the plain forms the reference accepts
  the same way: exact `str` for texts, `YYYY-MM-DD` strings for dates, plain
  decimal strings for amounts and event numbers, a `list` of 4-key objects for
  `pgv_history`. The checks stay where they are: the attrs validators and the
  consistency check of `CaseInputs` and `PgvEvent` run on construction, exactly
  as they run after cattrs.
- Anything else (another type, an odd spelling, a bad value, an unknown or
  missing field, any error raised while constructing) is not judged here:
  `parse_case` decides it, so its errors and messages are the reference's own.

So whenever the fast path returns, the reference returns an equal `CaseInputs`;
`tests/decisions/test_fast_inputs.py` checks that with hypothesis, on valid and invalid
input alike.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from .amounts import CENT
from .errors import InvalidCase
from .case_json import checked_text, loads_plain
from .inputs import CASE_FIELDS, CaseInputs, PgvEvent, loads_exact, parse_case

_OPTIONAL = frozenset({"pgv_history", "existing_dossier_since", "estimated_cost_eur"})
_ALL = frozenset(CASE_FIELDS)
_REQUIRED = _ALL - _OPTIONAL
_EVENT_KEYS = frozenset({"event_date", "place", "magnitude", "pgv_mm_s"})

# The reference's bounds (decisions/input_rules.py), always with fullmatch: what they do not match
# goes to the reference, which names the rule.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,7})(?:\.[0-9]{1,2})?")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,3})(?:\.[0-9]{1,6})?")


class _Decline(Exception):
    """Not a plain form: let the reference decide."""


def _text(raw: Any) -> str:
    if type(raw) is not str:
        raise _Decline
    return raw


def _date(raw: Any) -> date:
    if type(raw) is not str or _DATE.fullmatch(raw) is None:
        raise _Decline
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _Decline from None


def _optional_date(raw: Any) -> date | None:
    return None if raw is None else _date(raw)


def _amount(raw: Any) -> Decimal:
    if type(raw) is not str or _AMOUNT.fullmatch(raw) is None:
        raise _Decline
    value = Decimal(raw)
    return value if raw[-3:-2] == "." else value.quantize(CENT)


def _optional_amount(raw: Any) -> Decimal | None:
    return None if raw is None else _amount(raw)


def _number(raw: Any) -> Decimal:
    if type(raw) is not str or _NUMBER.fullmatch(raw) is None:
        raise _Decline
    return Decimal(raw)


def _history(raw: Any) -> tuple[PgvEvent, ...] | None:
    if raw is None:
        return None
    if type(raw) is not list:
        raise _Decline
    events = []
    for item in raw:
        if type(item) is not dict or item.keys() != _EVENT_KEYS:
            raise _Decline
        events.append(PgvEvent(
            event_date=_date(item["event_date"]),
            place=_text(item["place"]),
            magnitude=_number(item["magnitude"]),
            pgv_mm_s=_number(item["pgv_mm_s"]),
        ))
    return tuple(events)


def _build(data: dict) -> CaseInputs:
    get = data.get
    return CaseInputs(
        case_id=_text(data["case_id"]),
        address_id=_text(data["address_id"]),
        municipality=_text(data["municipality"]),
        assessed_on=_date(data["assessed_on"]),
        technical_cause=data["technical_cause"],
        recognised_damage_eur=_amount(data["recognised_damage_eur"]),
        unsettled_damage_eur=_amount(data["unsettled_damage_eur"]),
        structural_damage_eur=_amount(data["structural_damage_eur"]),
        woz_value_eur=_amount(data["woz_value_eur"]),
        rijksmonument=data["rijksmonument"],
        pgv_5mms_events=data["pgv_5mms_events"],
        pgv_history=_history(get("pgv_history")),
        in_pilot_area=data["in_pilot_area"],
        in_reinforcement_area=data["in_reinforcement_area"],
        existing_dossier_since=_optional_date(get("existing_dossier_since")),
        estimated_cost_eur=_optional_amount(get("estimated_cost_eur")),
    )


def parse_case_fast(data: Any) -> CaseInputs:
    """The same result as `parse_case(data)`, the same `InvalidCase` errors, faster for plain input."""
    if type(data) is dict and _REQUIRED <= data.keys() <= _ALL:
        try:
            return _build(data)
        except (_Decline, InvalidCase, ValueError, TypeError, ArithmeticError):
            pass
    return parse_case(data)


def load_case_fast(text: str | bytes) -> CaseInputs:
    """`decisions.inputs.load_case`, through the fast path.

    The text is decoded without `loads_exact`'s per-object hook (which marks
    duplicate keys, and costs a Python call per object). Instead, a case that
    the fast path builds has no colon outside its keys unless `case_id` or a
    `place` holds one; so when the text has exactly as many colons as the
    decoded objects have keys, no key was given twice. Anything else (a
    colon in a free text, more colons, malformed JSON, an integer too long for
    Python) is read again by `loads_exact` and judged by the reference.
    """
    checked = checked_text(text)
    try:
        data = loads_plain(checked)
    except (ValueError, RecursionError):
        data = None
    if type(data) is dict and _REQUIRED <= data.keys() <= _ALL:
        try:
            case = _build(data)
        except (_Decline, InvalidCase, ValueError, TypeError, ArithmeticError):
            pass
        else:
            events = case.pgv_history or ()
            if checked.count(":") == len(data) + 4 * len(events) and ":" not in case.case_id and not any(
                ":" in event.place for event in events
            ):
                return case
    return parse_case(loads_exact(checked))
