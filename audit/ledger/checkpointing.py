"""Checkpointing a ledger: verify it, then sign its tree head and events head and store the checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.ledger.events import events_head
from audit.ledger.store import Ledger
from audit.ledger.verify import verify_ledger
from audit.log import store as merkle_store
from audit.log.checkpoints import COLUMNS, Checkpoint, checkpoint_timestamp, sign


class LedgerUnverified(RuntimeError):
    """The ledger does not verify, so it is neither signed nor published."""


def create_checkpoint(
    ledger: Ledger, private_key: Ed25519PrivateKey, clock: Callable[[], datetime] | None = None
) -> Checkpoint:
    """Verify the ledger, then sign its tree head and events head and append the checkpoint, atomically.

    The verification is incremental from the last checkpoint made this way, or full
    when there is none (`audit.ledger.verify`); it runs under the same write lock as the
    signing, so nothing is appended in between. Raises `LedgerUnverified` when it fails:
    a forged ledger is never signed.
    """
    with ledger.atomic() as conn:
        report = verify_ledger(ledger, since_checkpoint=True)
        if not report.ok:
            reason = report.summary().removeprefix('FAILED').lstrip(': ')
            raise LedgerUnverified(f"{ledger.path} does not verify, so it is not signed: {reason}")
        size = merkle_store.tree_size(conn)
        root_hash = merkle_store.compact_range(conn, size).root()
        checkpoint = sign(ledger.ledger_id, size, root_hash, checkpoint_timestamp(clock() if clock else None),
                          private_key, events_head(conn))
        number = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM checkpoints").fetchone()[0]
        conn.execute(
            f"INSERT INTO checkpoints (number, {', '.join(COLUMNS)}, verified) "
            f"VALUES ({', '.join('?' for _ in range(len(COLUMNS) + 2))})",
            (number, *(getattr(checkpoint, name) for name in COLUMNS), report.mode),
        )
    return checkpoint
