"""Canonical text rendered directly, for the ledger's hot paths (`record`, `verify`).

`audit.ledger.canonical` defines the canonical form. Going through it for every record
(cattrs unstructuring, then `json.dumps` with sorted keys) is most of the cost
of recording a decision, although inputs, decisions and records always have the
same flat shape. These functions write that shape out directly, keys already
in sorted order, strings escaped by the very function `json.dumps` uses
(`json.encoder.encode_basestring`, with ``ensure_ascii=False``).

Each function checks the type of every value it writes; anything but the plain
types of the shape goes to the reference (`audit.ledger.canonical`), so the result is
byte-identical in every case. `tests/audit/ledger/test_canonical_bulk.py` checks that with
hypothesis against the reference.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring

from decisions.amounts import format_amount
from decisions.evaluate import Decision, decision_to_data
from decisions.frameworks import CriterionResult
from decisions.inputs import CaseInputs, PgvEvent, case_to_data

from audit.ledger.canonical import canonical_json, record_bytes

_str = str
_BOOL = {True: "true", False: "false"}


class _Unusual(Exception):
    """A value outside the plain shape: use the reference."""


def _s(value) -> str:
    if type(value) is not _str:
        raise _Unusual
    return encode_basestring(value)


def _b(value) -> str:
    if type(value) is not bool:
        raise _Unusual
    return "true" if value else "false"


def _amount(value) -> str:
    if value is None:
        return "null"
    if type(value) is not Decimal:
        raise _Unusual
    return '"' + format_amount(value) + '"'


def _day(value) -> str:
    if type(value) is not date:
        raise _Unusual
    return '"' + value.isoformat() + '"'


def _event(event: PgvEvent) -> str:
    if type(event) is not PgvEvent or type(event.magnitude) is not Decimal or type(event.pgv_mm_s) is not Decimal:
        raise _Unusual
    return (
        '{"event_date":' + _day(event.event_date)
        + ',"magnitude":' + encode_basestring(_str(event.magnitude))
        + ',"pgv_mm_s":' + encode_basestring(_str(event.pgv_mm_s))
        + ',"place":' + _s(event.place)
        + "}"
    )


def _inputs(case: CaseInputs) -> str:
    if type(case) is not CaseInputs or type(case.pgv_5mms_events) is not int:
        raise _Unusual
    history = case.pgv_history
    if history is None:
        history_text = "null"
    elif type(history) is tuple:
        history_text = "[" + ",".join([_event(event) for event in history]) + "]"
    else:
        raise _Unusual
    since = case.existing_dossier_since
    return (
        '{"address_id":' + _s(case.address_id)
        + ',"assessed_on":' + _day(case.assessed_on)
        + ',"case_id":' + _s(case.case_id)
        + ',"estimated_cost_eur":' + _amount(case.estimated_cost_eur)
        + ',"existing_dossier_since":' + ("null" if since is None else _day(since))
        + ',"in_pilot_area":' + _b(case.in_pilot_area)
        + ',"in_reinforcement_area":' + _b(case.in_reinforcement_area)
        + ',"municipality":' + _s(case.municipality)
        + ',"pgv_5mms_events":' + _str(case.pgv_5mms_events)
        + ',"pgv_history":' + history_text
        + ',"recognised_damage_eur":' + _amount(case.recognised_damage_eur)
        + ',"rijksmonument":' + _b(case.rijksmonument)
        + ',"structural_damage_eur":' + _amount(case.structural_damage_eur)
        + ',"technical_cause":' + _b(case.technical_cause)
        + ',"unsettled_damage_eur":' + _amount(case.unsettled_damage_eur)
        + ',"woz_value_eur":' + _amount(case.woz_value_eur)
        + "}"
    )


def inputs_text(case: CaseInputs) -> str:
    """`canonical_json(case_to_data(case))`, byte for byte."""
    try:
        return _inputs(case)
    except _Unusual:
        return canonical_json(case_to_data(case))


def _criterion(result: CriterionResult) -> str:
    if type(result) is not CriterionResult:
        raise _Unusual
    return (
        '{"basis":' + _s(result.basis)
        + ',"code":' + _s(result.code)
        + ',"observed":' + _s(result.observed)
        + ',"passed":' + _b(result.passed)
        + ',"required":' + _s(result.required)
        + "}"
    )


def _strings(values) -> str:
    if type(values) is not tuple:
        raise _Unusual
    return "[" + ",".join([_s(value) for value in values]) + "]"


def _optional(value) -> str:
    return "null" if value is None else _s(value)


def _decision(decision: Decision) -> str:
    if type(decision) is not Decision or type(decision.criteria) is not tuple:
        raise _Unusual
    return (
        '{"basis":' + _optional(decision.basis)
        + ',"cap_basis":' + _optional(decision.cap_basis)
        + ',"criteria":[' + ",".join([_criterion(result) for result in decision.criteria]) + "]"
        + ',"discretionary_exceedance":' + _b(decision.discretionary_exceedance)
        + ',"framework":' + _s(decision.framework)
        + ',"framework_fingerprint":' + _s(decision.framework_fingerprint)
        + ',"interpretations":' + _strings(decision.interpretations)
        + ',"max_amount_eur":' + _amount(decision.max_amount_eur)
        + ',"outcome":' + _s(decision.outcome)
        + ',"referral_routes":' + _strings(decision.referral_routes)
        + "}"
    )


def decision_text(decision: Decision) -> str:
    """`canonical_json(decision_to_data(decision))`, byte for byte."""
    try:
        return _decision(decision)
    except _Unusual:
        return canonical_json(decision_to_data(decision))


def record_text_bytes(
    seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, engine_version,
    canonical_version, inputs, decision, actor, prev_hash,
) -> bytes:
    """`audit.ledger.canonical.record_bytes` of the same fields (positional, in stored column order), byte for byte."""
    try:
        if (type(seq) is not int or type(canonical_version) is not int or type(inputs) is not _str
                or type(decision) is not _str or not (supersedes is None or type(supersedes) is int)):
            raise _Unusual
        return "".join((
            '{"actor":', _s(actor),
            ',"canonical_version":', _str(canonical_version),
            ',"case_id":', _s(case_id),
            ',"decision":', decision,
            ',"engine_version":', _s(engine_version),
            ',"framework":', _s(framework),
            ',"framework_fingerprint":', _s(framework_fingerprint),
            ',"inputs":', inputs,
            ',"kind":', _s(kind),
            ',"prev_hash":', _s(prev_hash),
            ',"record_id":', _s(record_id),
            ',"recorded_at":', _s(recorded_at),
            ',"seq":', _str(seq),
            ',"supersedes":', "null" if supersedes is None else _str(supersedes),
            "}",
        )).encode("utf-8")
    except _Unusual:
        return record_bytes(
            seq=seq, record_id=record_id, case_id=case_id, kind=kind, supersedes=supersedes,
            recorded_at=recorded_at, framework=framework, framework_fingerprint=framework_fingerprint,
            engine_version=engine_version, canonical_version=canonical_version, inputs=inputs,
            decision=decision, actor=actor, prev_hash=prev_hash,
        )



def record_bytes_from_stored(
    seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, engine_version,
    canonical_version, inputs: bytes, decision: bytes, actor, prev_hash,
) -> bytes:
    """`record_text_bytes` with `inputs` and `decision` given as their UTF-8 bytes, as SQLite stores them.

    `verify` reads the two large fields as stored bytes (``CAST(... AS BLOB)``), so
    they are neither decoded nor encoded again. Other values go to the reference.
    """
    if (type(seq) is int and type(canonical_version) is int and type(inputs) is bytes and type(decision) is bytes
            and (supersedes is None or type(supersedes) is int)):
        try:
            head = "".join((
                '{"actor":', _s(actor), ',"canonical_version":', _str(canonical_version), ',"case_id":', _s(case_id),
                ',"decision":',
            ))
            middle = "".join((
                ',"engine_version":', _s(engine_version), ',"framework":', _s(framework), ',"framework_fingerprint":',
                _s(framework_fingerprint), ',"inputs":',
            ))
            tail = "".join((
                ',"kind":', _s(kind), ',"prev_hash":', _s(prev_hash), ',"record_id":', _s(record_id),
                ',"recorded_at":', _s(recorded_at), ',"seq":', _str(seq),
                ',"supersedes":', "null" if supersedes is None else _str(supersedes), "}",
            ))
            return b"".join((head.encode("utf-8"), decision, middle.encode("utf-8"), inputs, tail.encode("utf-8")))
        except _Unusual:
            pass
    return record_text_bytes(
        seq, record_id, case_id, kind, supersedes, recorded_at, framework, framework_fingerprint, engine_version,
        canonical_version, _text(inputs), _text(decision), actor, prev_hash,
    )


def _text(value):
    """Stored bytes back to text (strictly UTF-8); any other value as it is."""
    return value.decode("utf-8") if type(value) is bytes else value
