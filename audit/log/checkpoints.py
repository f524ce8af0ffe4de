"""Signed tree heads (checkpoints): the ledger's size and Merkle root, signed with Ed25519.

The signed message
------------------
A checkpoint signs these UTF-8 bytes, in the style of a transparency-dev /
C2SP ``tlog-checkpoint`` note body. Every line ends with one ``\\n``; there is
no blank line and nothing else::

    dh-audit/ledger/<ledger_id>
    <tree size, decimal, no leading zeros>
    <root hash, 32 bytes, standard base64 with padding>
    time <UTC timestamp, YYYY-MM-DDTHH:MM:SSZ>
    key <key id: SHA-256 of the raw 32-byte public key, 64 lowercase hex digits>
    events <number of objection and referral events> <hash of the last one, 64 lowercase hex digits>

The ``events`` line (format 2) commits to the hash-chained objection and
referral events (`audit.ledger.events`): their count and the chain hash of
the last one (the genesis hash, 64 zeros, for none). A format-1 checkpoint has
no ``events`` line and commits to the decision records only.

The signature is plain Ed25519 (RFC 8032) over exactly those bytes, by the
private key whose id is on the ``key`` line. The root hash is the RFC 6962
Merkle Tree Hash over the first ``tree size`` records, each leaf being the
record's canonical bytes (see `audit.log.store`).

The exported JSON (``format: dh-audit-checkpoint/2``; ``/1`` without the
events fields is still read) carries the fields of the
message (the root hash in hex there), the raw public key in base64 and the
signature in base64. A verifier rebuilds the message from the fields, checks
the public key hashes to the key id, and checks the signature with the key it
trusts.

Checkpoints are appended to the ledger's ``checkpoints`` table, which refuses
UPDATE and DELETE like ``records``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Protocol

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.log import store as merkle_store
from audit.errors import BadInput
from audit.log.merkle import ProofError
from audit.log.signing import key_id, raw_public_key, signature_valid
from audit.log.store import OpenLog


FORMAT = "dh-audit-checkpoint/2"
FORMAT_V1 = "dh-audit-checkpoint/1"
ORIGIN_PREFIX = "dh-audit/ledger/"

# The table and its triggers are in the ledger's schema file (`audit/ledger/schema.sql`, section ``checkpoints``).

COLUMNS = ("tree_size", "root_hash", "timestamp", "key_id", "public_key", "signature", "event_count", "event_hash")
ADDED_COLUMNS = {
    "event_count": "INTEGER CHECK (event_count >= 0)",
    "event_hash": "TEXT",
    "verified": "TEXT CHECK (verified IN ('full', 'incremental'))",
}
"""Columns added to ``checkpoints`` after format 1; `migrate` adds them to an older ledger."""
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_LEDGER_ID = re.compile(r"[0-9a-f]{32}\Z")


class CheckpointError(ProofError):
    """A checkpoint's signature or key does not check out."""


def checkpoint_message(
    ledger_id: str, tree_size: int, root_hash: bytes, timestamp: str, signer: str,
    events: tuple[int, str] | None = None,
) -> bytes:
    """The exact bytes a checkpoint signs (see the module docstring); ``events`` is (count, last hash)."""
    text = (
        f"{ORIGIN_PREFIX}{ledger_id}\n"
        f"{tree_size}\n"
        f"{base64.b64encode(root_hash).decode('ascii')}\n"
        f"time {timestamp}\n"
        f"key {signer}\n"
    )
    if events is not None:
        text += f"events {events[0]} {events[1]}\n"
    return text.encode("utf-8")


@attrs.frozen
class Checkpoint:
    """A signed tree head: the ledger had ``tree_size`` records with Merkle root ``root_hash`` at ``timestamp``."""

    ledger_id: str
    tree_size: int
    root_hash: str  # 64 hex digits
    timestamp: str  # YYYY-MM-DDTHH:MM:SSZ
    key_id: str  # SHA-256 of the raw public key, hex
    public_key: str  # raw 32-byte Ed25519 public key, base64
    signature: str  # 64-byte Ed25519 signature, base64
    event_count: int | None = None  # objection and referral events covered (None: a format-1 checkpoint)
    event_hash: str | None = None  # chain hash of the last of them, hex

    @property
    def events(self) -> tuple[int, str] | None:
        return None if self.event_count is None else (self.event_count, self.event_hash)

    @property
    def origin(self) -> str:
        return ORIGIN_PREFIX + self.ledger_id

    @property
    def root(self) -> bytes:
        return bytes.fromhex(self.root_hash)

    def message(self) -> bytes:
        """The signed bytes."""
        return checkpoint_message(self.ledger_id, self.tree_size, self.root, self.timestamp, self.key_id, self.events)

    def to_data(self) -> dict:
        data = attrs.asdict(self)
        if self.event_count is None:
            del data["event_count"], data["event_hash"]
            return {"format": FORMAT_V1, "origin": self.origin, **data}
        return {"format": FORMAT, "origin": self.origin, **data}

    def to_json(self) -> str:
        return json.dumps(self.to_data(), indent=2) + "\n"

    @classmethod
    def from_data(cls, data: object, field: str = "checkpoint") -> Checkpoint:
        """Read an exported checkpoint; malformed input is `BadInput` naming the field."""
        if not isinstance(data, dict):
            raise BadInput(field, "must be a JSON object exported by 'dh-audit checkpoint'")
        if data.get("format") not in (FORMAT, FORMAT_V1):
            raise BadInput(f"{field}.format", f"must be {FORMAT!r} or {FORMAT_V1!r} (got {data.get('format')!r})")
        names = [a.name for a in attrs.fields(cls)]
        if data["format"] == FORMAT_V1:
            names = [name for name in names if name not in ("event_count", "event_hash")]
        unknown = sorted(set(data) - set(names) - {"format", "origin"})
        if unknown:
            raise BadInput(f"{field}.{unknown[0]}", "unknown field")
        for name in names:
            if name not in data:
                raise BadInput(f"{field}.{name}", "missing")
        size = data["tree_size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise BadInput(f"{field}.tree_size", f"must be an integer >= 0 (got {size!r})")
        count = data.get("event_count", 0)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise BadInput(f"{field}.event_count", f"must be an integer >= 0 (got {count!r})")
        for name in ("ledger_id", "root_hash", "timestamp", "key_id", "public_key", "signature", "event_hash"):
            if name in names and not isinstance(data[name], str):
                raise BadInput(f"{field}.{name}", "must be a string")
        if not _LEDGER_ID.match(data["ledger_id"]):
            raise BadInput(f"{field}.ledger_id", "must be 32 lowercase hex digits")
        for name in ("root_hash", "key_id", "event_hash"):
            if name in names and not _HEX64.match(data[name]):
                raise BadInput(f"{field}.{name}", "must be 64 lowercase hex digits")
        if not _TIMESTAMP.match(data["timestamp"]):
            raise BadInput(f"{field}.timestamp", "must be a UTC time YYYY-MM-DDTHH:MM:SSZ")
        for name, length in (("public_key", 32), ("signature", 64)):
            raw = _b64(data[name], f"{field}.{name}")
            if len(raw) != length:
                raise BadInput(f"{field}.{name}", f"must be {length} bytes in base64 (got {len(raw)})")
        checkpoint = cls(**{name: data[name] for name in names})
        if "origin" in data and data["origin"] != checkpoint.origin:
            raise BadInput(f"{field}.origin", f"must be {checkpoint.origin!r} for this ledger id")
        return checkpoint

    @classmethod
    def from_json(cls, text: str, field: str = "checkpoint") -> Checkpoint:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BadInput(field, f"not JSON ({exc})") from None
        return cls.from_data(data, field)


def _b64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput(field, "must be standard base64") from None


def check_signature(checkpoint: Checkpoint, trusted: Ed25519PublicKey | None = None) -> None:
    """Raise `CheckpointError` unless the checkpoint is validly signed.

    With ``trusted`` (a published public key), the checkpoint must be signed by
    exactly that key. Without it, the public key carried by the checkpoint is
    used, and it must hash to the checkpoint's key id.
    """
    what = f"the checkpoint of size {checkpoint.tree_size} ({checkpoint.timestamp})"
    try:
        carried = base64.b64decode(checkpoint.public_key, validate=True)
        signature = base64.b64decode(checkpoint.signature, validate=True)
        message = checkpoint.message()
        public = trusted if trusted is not None else Ed25519PublicKey.from_public_bytes(carried)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"{what} is malformed ({exc})") from None
    if key_id(carried) != checkpoint.key_id:
        raise CheckpointError(f"{what} carries a public key that does not have its key id {checkpoint.key_id[:16]}…")
    if trusted is not None and key_id(trusted) != checkpoint.key_id:
        raise CheckpointError(
            f"{what} was signed by key {checkpoint.key_id[:16]}…, "
            f"not by the given public key {key_id(trusted)[:16]}…"
        )
    if not signature_valid(public, signature, message):
        raise CheckpointError(f"the signature of {what} is not valid")


def sign(
    ledger_id: str, tree_size: int, root_hash: bytes, timestamp: str, private_key: Ed25519PrivateKey,
    events: tuple[int, str] | None = None,
) -> Checkpoint:
    """Sign a tree head (and the events head). Pure apart from the signature itself (Ed25519 is deterministic)."""
    public = raw_public_key(private_key.public_key())
    signer = key_id(public)
    signature = private_key.sign(checkpoint_message(ledger_id, tree_size, root_hash, timestamp, signer, events))
    return Checkpoint(
        ledger_id, tree_size, root_hash.hex(), timestamp, signer,
        base64.b64encode(public).decode("ascii"), base64.b64encode(signature).decode("ascii"),
        *(events or (None, None)),
    )


def checkpoint_timestamp(moment: datetime | None = None) -> str:
    """``2026-11-22T21:54:50Z``: UTC, whole seconds."""
    moment = datetime.now(timezone.utc) if moment is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class WritableLog(OpenLog, Protocol):
    """A log that can also open a write transaction (an `audit.ledger.Ledger` is one)."""

    def atomic(self) -> AbstractContextManager[sqlite3.Connection]: ...


def migrate(ledger: WritableLog) -> None:
    """Add the columns of format-2 checkpoints to an older ledger's ``checkpoints`` table (in a transaction)."""
    conn = ledger.conn
    present = {row[1] for row in conn.execute("PRAGMA table_info(checkpoints)")}
    missing = [name for name in ADDED_COLUMNS if name not in present]
    if not missing:
        return
    with ledger.atomic():
        present = {row[1] for row in conn.execute("PRAGMA table_info(checkpoints)")}
        for name in ADDED_COLUMNS:
            if name not in present:
                conn.execute(f"ALTER TABLE checkpoints ADD COLUMN {name} {ADDED_COLUMNS[name]}")


def verified_anchor(ledger: OpenLog) -> tuple[int, Checkpoint] | None:
    """The newest stored checkpoint that was signed after the ledger verified: (its number, it), or None."""
    query = (f"SELECT number, {', '.join(COLUMNS)} FROM checkpoints WHERE verified IS NOT NULL "
             "ORDER BY number DESC LIMIT 1")
    row = ledger.conn.execute(query).fetchone()
    return None if row is None else (row[0], Checkpoint(ledger.ledger_id, *row[1:]))


def stored_checkpoints(ledger: OpenLog) -> list[Checkpoint]:
    """Every checkpoint appended to the ledger, oldest first."""
    ledger_id = ledger.ledger_id
    rows = ledger.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM checkpoints ORDER BY number")
    return [Checkpoint(ledger_id, *row) for row in rows]


def latest_checkpoint(ledger: OpenLog) -> Checkpoint | None:
    """The newest signed tree head of the ledger, or None if none was made yet."""
    query = f"SELECT {', '.join(COLUMNS)} FROM checkpoints ORDER BY number DESC LIMIT 1"
    row = ledger.conn.execute(query).fetchone()
    return None if row is None else Checkpoint(ledger.ledger_id, *row)


_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december")


def describe_checkpoint(checkpoint: Checkpoint | None, records: int | None = None) -> str:
    """One Dutch sentence naming the signed tree head a result was computed from.

    "Berekend op het logboek met 12.345 besluiten, boomwortel ab12cd34ef567890…,
    ondertekend op 22 november 2026 om 21:54 UTC (sleutel 9f86d081884c7d65…)."

    Pass ``records``, the number of records the result was computed from, when it
    may differ from the checkpoint's size: the sentence then says how many
    records the signature does not cover.
    """
    if checkpoint is None:
        return "Berekend op een logboek zonder ondertekende boomwortel: er is nog geen checkpoint gemaakt."
    moment = datetime.strptime(checkpoint.timestamp, "%Y-%m-%dT%H:%M:%SZ")
    text = (
        f"Berekend op het logboek met {_besluiten(checkpoint.tree_size)}, boomwortel {checkpoint.root_hash[:16]}…, "
        f"ondertekend op {moment.day} {_MONTHS[moment.month - 1]} {moment.year} om {moment:%H:%M} UTC "
        f"(sleutel {checkpoint.key_id[:16]}…)"
    )
    if records is not None and records != checkpoint.tree_size:
        text += f"; het resultaat telt {_besluiten(records)}, dus valt niet helemaal onder deze ondertekening"
    return text + "."


def covering_checkpoint(ledger: OpenLog) -> Checkpoint | None:
    """The latest checkpoint if it covers every record now in the ledger, else None (sign a new one first)."""
    checkpoint = latest_checkpoint(ledger)
    if checkpoint is None or checkpoint.tree_size != merkle_store.tree_size(ledger.conn):
        return None
    return checkpoint


def _besluiten(count: int) -> str:
    return f"{count:,}".replace(",", ".") + (" besluit" if count == 1 else " besluiten")
