"""The Python API for reviewers: verify, replay and compare a ledger, and publish its statistics.

Each function takes the path of a ledger, opens it read-only for what it does,
and closes it again; bad input raises `audit.errors.BadInput` naming the field,
as the CLI reports it. `audit` exports these names (see docs/api.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from audit.ledger.head import VerifyReport
from audit.ledger.store import Ledger

if TYPE_CHECKING:
    from audit.analysis.compare import Comparison
    from audit.analysis.replay import ReplayResult
    from audit.ledger.head import Head
    from audit.publication.publish import PublicationSummary

__all__ = ["Ledger", "verify", "replay", "compare", "publish"]


def verify(path: str | Path, *, head: Head | None = None, since_checkpoint: bool = False) -> VerifyReport:
    """Verify the ledger at `path`: every hash, the Merkle tree, the checkpoints, the events and the schema.

    `head` is a chain head exported earlier (`Ledger.head()`), to also detect a
    truncated ledger. With `since_checkpoint`, only what came after the last
    checkpoint signed after a verification is checked. The report's `ok` tells
    whether the ledger is intact; otherwise `first_bad_seq` and `problem` say where.
    """
    with Ledger(path, create=False) as ledger:
        return ledger.verify(head, since_checkpoint=since_checkpoint)


def replay(
    path: str | Path, seq: int | None = None, case_id: str | None = None, *, framework: str | None = None
) -> list[ReplayResult]:
    """Decide recorded cases again under their recorded framework and compare with the record, byte for byte.

    Give `seq` for one record, or `case_id` for every record of a case (oldest
    first); give neither for every record of the ledger (all results are held in
    memory: for a large ledger use ``dh-audit replay --all``). With `framework`,
    each result's `other` is the decision under that framework too. A result's
    `status` is ``reproduced``, ``diverged`` or ``not_replayable``.
    """
    from decisions.registry import get_framework

    from audit.analysis.replay import Installed, replay_record
    from audit.errors import BadInput
    from audit.ledger import scan

    if seq is not None and case_id is not None:
        raise BadInput("seq/case_id", "give seq or case_id, not both")
    other = get_framework(framework) if framework is not None else None
    installed = Installed()
    with Ledger(path, create=False) as ledger, ledger.snapshot() as conn:
        if seq is not None:
            found = scan.record_at(conn, seq)
            if found is None:
                raise BadInput("seq", f"no record with seq {seq} in {path}")
            records = [found]
        elif case_id is not None:
            records = list(scan.case_records(conn, case_id))
            if not records:
                raise BadInput("case_id", f"no records of case {case_id!r} in {path}")
        else:
            records = scan.all_records(conn)
        return [replay_record(record, installed, other) for record in records]


def compare(path: str | Path, from_: str = "pilot-2024", to: str = "2026") -> Comparison:
    """Decide every case's facts in force under two frameworks: who gains, who loses, and why.

    `from_` and `to` are framework ids (or variant readings such as
    ``2026~I-4:letterlijk``); the defaults are those of ``dh-audit compare``.
    """
    from decisions.registry import get_framework

    from audit.analysis.compare import compare_ledger

    before, after = get_framework(from_), get_framework(to)
    with Ledger(path, create=False) as ledger, ledger.snapshot() as conn:
        return compare_ledger(conn, before, after)


def publish(ledger_path: str | Path, out_path: str | Path, **options) -> PublicationSummary:
    """Build the public statistics database (protected aggregates only) from a verified ledger.

    The ledger is verified first, and every count comes from the hashed records or
    from typed columns checked against them in the same snapshot (docs/trust.md);
    a ledger that fails raises `audit.ledger.checkpointing.LedgerUnverified` and nothing is
    written. `options` are those of `audit.publication.publish.publish` (`generated`,
    `source_label`, `audit_path`, `policy`, `force`).
    """
    from audit.publication.publish import publish as publish_statistics

    return publish_statistics(ledger_path, out_path, **options)
