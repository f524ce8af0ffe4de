"""The chain head of a ledger, and what `verify` reports about it."""

from __future__ import annotations

import json

import attrs

from audit.errors import BadInput
from audit.ledger.canonical import CANONICAL_VERSION


@attrs.frozen
class Head:
    """The chain head: export it and keep it elsewhere to detect a truncated ledger later.

    `events_seq` and `events_hash` are the head of the objection and referral events
    (`audit.ledger.events`); a head exported before they existed has None there.
    """

    ledger_id: str
    seq: int
    hash: str
    recorded_at: str | None
    canonical_version: int = CANONICAL_VERSION
    events_seq: int | None = None
    events_hash: str | None = None

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Head:
        try:
            data = json.loads(text)
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise BadInput("head", f"not a chain head exported by 'dh-audit head' ({exc})") from None


@attrs.frozen
class VerifyReport:
    """What `verify` found: `ok`, or the first problem (with the first bad seq when a record is bad).

    A problem with the Merkle tree nodes or a checkpoint that cannot be pinned
    on one record has `first_bad_seq` None. `tree_root` is the Merkle root
    recomputed over the intact records; `checkpoints` counts the signed heads
    checked (stored and given), and `signers` lists the key ids that signed them.
    """

    ok: bool
    records: int
    head: Head
    first_bad_seq: int | None = None
    problem: str | None = None
    tree_root: str | None = None
    checkpoints: int = 0
    signers: tuple[str, ...] = ()
    events: int | None = None
    mode: str = "full"
    since: str | None = None

    def summary(self) -> str:
        if self.ok:
            if self.mode == "incremental":
                text = f"ok (incremental from {self.since}): {self.records} records intact"
            else:
                text = f"ok: {self.records} records intact"
            text += f", head seq {self.head.seq} hash {self.head.hash[:16]}…"
            if self.tree_root is not None:
                text += f", Merkle root {self.tree_root[:16]}…"
            if self.events is None:
                text += "; no objection or referral events"
            else:
                text += f"; {self.events} objection and referral event{'s' if self.events != 1 else ''} intact"
            if self.checkpoints:
                keys = ", ".join(f"{signer[:16]}…" for signer in self.signers)
                agree = "checkpoints match" if self.checkpoints != 1 else "checkpoint matches"
                text += f"; {self.checkpoints} signed {agree}, " \
                    f"signed by key {keys}"
            return text
        if self.first_bad_seq is None:
            return f"FAILED: {self.problem}"
        return f"FAILED at seq {self.first_bad_seq}: {self.problem}"
