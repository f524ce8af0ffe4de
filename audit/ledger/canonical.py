"""Canonical form of ledger records (docs/ledger-format.md), version 1.

UTF-8 JSON with sorted keys and no spaces. No floats: amounts are two-decimal
strings, dates ISO 8601, timestamps UTC with a `Z`. The record hash is
SHA-256 over the previous record's hash (32 raw bytes; zeros for the first
record) followed by the record's canonical bytes. Nothing here reads the
clock's time zone or the locale.

A change to any of this must bump `CANONICAL_VERSION`: the golden file in
`tests/audit/ledger/test_canonical.py` fails otherwise.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

CANONICAL_VERSION = 1
GENESIS_HASH = "0" * 64

RECORD_FIELDS = (
    "actor",
    "canonical_version",
    "case_id",
    "decision",
    "engine_version",
    "framework",
    "framework_fingerprint",
    "inputs",
    "kind",
    "prev_hash",
    "record_id",
    "recorded_at",
    "seq",
    "supersedes",
)


def canonical_json(value) -> str:
    """The canonical text of a JSON value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


_string = json.JSONEncoder(ensure_ascii=False).encode


def record_bytes(
    *,
    seq: int,
    record_id: str,
    case_id: str,
    kind: str,
    supersedes: int | None,
    recorded_at: str,
    framework: str,
    framework_fingerprint: str,
    engine_version: str,
    canonical_version: int,
    inputs: str,
    decision: str,
    actor: str,
    prev_hash: str,
) -> bytes:
    """The canonical bytes of a record, from its stored fields.

    `inputs` and `decision` are already canonical JSON text. The result is
    byte-identical to `canonical_json` of the whole record (a test checks it);
    it is assembled directly because it runs once per record on every append
    and every verify.
    """
    return (
        '{"actor":' + _string(actor)
        + ',"canonical_version":' + str(int(canonical_version))
        + ',"case_id":' + _string(case_id)
        + ',"decision":' + decision
        + ',"engine_version":' + _string(engine_version)
        + ',"framework":' + _string(framework)
        + ',"framework_fingerprint":' + _string(framework_fingerprint)
        + ',"inputs":' + inputs
        + ',"kind":' + _string(kind)
        + ',"prev_hash":' + _string(prev_hash)
        + ',"record_id":' + _string(record_id)
        + ',"recorded_at":' + _string(recorded_at)
        + ',"seq":' + str(int(seq))
        + ',"supersedes":' + ("null" if supersedes is None else str(int(supersedes)))
        + "}"
    ).encode("utf-8")


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """SHA-256 over the previous hash (raw bytes) and this record's canonical bytes."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()


def utc_timestamp(moment: datetime | None = None) -> str:
    """`2026-11-22T21:54:50.123456Z`, whatever the machine's time zone."""
    moment = datetime.now(timezone.utc) if moment is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"
