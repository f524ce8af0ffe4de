"""A realistic synthetic ledger for the publication tests and the publishing benchmark.

`build(path, n, seed)` records the synthetic population (`audit.synth`) as
history: every case under the framework of its own assessment date. Then every
second case assessed before 2026 is reassessed under `2026` (a new assessment,
the same facts, a 2026 date), so the ledger holds pilot decisions in force next to
2026 ones. With `casework=True` it also files objections (some upheld, some
rejected, some still open) and IVS or CBS referrals (some granted, some refused,
some pending), so that every published table has something to count.

    python tests/support/publication_ledger.py /tmp/ledger-100k.db 100000

Everything is seeded: the same arguments give the same counts.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import attrs

from audit.casework.steps import Casework
from audit.ledger import Ledger
from audit.casework.objections import decide_objection, file_objection
from audit.casework.referrals import decide_referral, file_referral
from audit.ledger.recording import record_cases
from audit.synth import generate_cases
from decisions.inputs import parse_case

NEW_RULES = date(2026, 1, 1)
REASSESSED_FROM = date(2026, 1, 5)


def _reassessed(case, i: int):
    return attrs.evolve(case, assessed_on=REASSESSED_FROM + timedelta(days=(i * 7) % 290))


def build(path: str | Path, n: int, seed: int = 2026, *, casework: bool = True, batch: int = 50_000) -> Path:
    """Record `n` synthetic cases, their 2026 reassessments and (optionally) objections and referrals."""
    path = Path(path)
    with Ledger(path) as ledger:
        history: list = []
        reassess: list = []
        for i, data in enumerate(generate_cases(n, seed)):
            case = parse_case(data)
            history.append(case)
            if case.assessed_on < NEW_RULES and i % 2 == 0:
                reassess.append(_reassessed(case, i))
            if len(history) >= batch:
                record_cases(ledger, history)
                history = []
        if history:
            record_cases(ledger, history)
        for start in range(0, len(reassess), batch):
            record_cases(ledger, reassess[start:start + batch])
        if casework:
            _casework(Casework(ledger))
    return path


def _casework(cw: Casework) -> None:
    """Objections against some 2025 pilot decisions, referrals of some 2026 decisions that name the routes."""
    conn = cw.ledger.conn
    contested = conn.execute(
        "SELECT seq, assessed_on FROM records WHERE framework = 'pilot-2024' AND kind = 'assessment' "
        "AND seq IN (SELECT MAX(seq) FROM records GROUP BY case_id) ORDER BY seq LIMIT 400"
    ).fetchall()
    for i, (seq, assessed_on) in enumerate(contested):
        sent = date.fromisoformat(assessed_on)
        objection = file_objection(
            cw, seq=seq, sent_on=sent, received_on=sent + timedelta(days=20), committee_hears=i % 2 == 0,
            grounds=["damage_threshold"], text=None, actor="publication-test",
        )
        if i % 4 == 3:
            continue  # still open
        if i % 10 == 0:
            record = cw.ledger.get(seq)
            corrected = attrs.evolve(record.inputs, recognised_damage_eur=record.inputs.recognised_damage_eur + 1)
            decide_objection(cw, objection.id, outcome="upheld", decided_on=sent + timedelta(days=60),
                             actor="publication-test", corrected_facts=corrected)
        else:
            decide_objection(cw, objection.id, outcome="rejected", decided_on=sent + timedelta(days=60),
                             actor="publication-test")
    routed = conn.execute(
        "SELECT seq, assessed_on FROM records WHERE framework = '2026' AND outcome = 'not_eligible' "
        "AND json_array_length(decision, '$.referral_routes') > 0 "
        "AND seq IN (SELECT MAX(seq) FROM records GROUP BY case_id) ORDER BY seq LIMIT 300"
    ).fetchall()
    for i, (seq, assessed_on) in enumerate(routed):
        referred = date.fromisoformat(assessed_on) + timedelta(days=10)
        referral = file_referral(cw, seq=seq, route="ivs" if i % 3 else "cbs", referred_on=referred,
                                 actor="publication-test")
        if i % 5 == 4:
            continue  # pending
        decide_referral(cw, referral.id, granted=i % 2 == 0, decided_on=referred + timedelta(days=30),
                        actor="publication-test")


if __name__ == "__main__":
    target, count = Path(sys.argv[1]), int(sys.argv[2])
    build(target, count, int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
    print(f"wrote {target}")


def publish_release(ledger: str | Path, directory: Path) -> tuple[Path, Path]:
    """Publish the release of `ledger` into `directory` (the real `publish` path): (statistiek.db, the confidential audit)."""
    from audit.publication.release import publish_release as release

    audit = directory.parent / (directory.name + ".VERTROUWELIJK.disclosure-audit.json")
    release(ledger, directory, audit_path=audit, generated="2026-11")
    return directory / "statistiek.db", audit
