"""`publish`: build the public statistics database from the ledger, with disclosure control (docs/publication.md).

The statistics database holds protected aggregates only: the tables of
`audit.publication.tables`, each cell with its margins, a suppressed cell as
NULL with the public status ``onderdrukt``, and the table ``_publicatie`` about
the source. It holds no case id, no address id, no date finer than a month, and
none of the detailed suppression reasons (they would undo the suppression).

The confidential audit of the suppression (true values and feasible intervals)
is never written into the statistics database: `publish` puts it where it is told (by
default next to the ledger), readable by its owner only (mode 0600), under a name that
says it is confidential. `audit.publication.release` builds the whole release folder
(statistics, report, receipt) and requires the audit's place to be given. Publishing
fails with `audit.publication.disclosure.DisclosureError` when a suppressed cell cannot be
protected.

The ledger is verified and read in one read transaction (a consistent snapshot
while others append); every count comes from the hashed JSON or from typed columns
checked against it in that snapshot (docs/trust.md). The statistics database is written to a temporary file in the
target directory and then renamed over the target: readers see the old file or
the new one, never a half-written one (`audit.outputs`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import attrs

from audit.counting import counted
from audit.ledger.checkpointing import LedgerUnverified
from audit.log.checkpoints import Checkpoint, latest_checkpoint, verified_anchor
from audit.publication.disclosure import (
    DEFAULT_POLICY,
    PUBLIC_STATUS_SUPPRESSED,
    STATUS_PUBLISHED,
    DisclosurePolicy,
    ProtectionResult,
    protect,
)
from audit.errors import BadInput
from audit.ledger.store import Ledger
from audit.outputs import DISCLOSURE_AUDIT, STATISTICS_DB, Output, check_ledger_path, distinct, inputs, output
from audit.publication.tables import DIMENSION_LABELS, SQL_TABLES, SqlTable, publication_tables
from audit.publication.statistics import LedgerStatistics, ledger_statistics
from audit.ledger.verify import typed_columns_in_force_mismatch

PUBLICATION_TABLE = "_publicatie"
TITLE = "Duurzaam herstel: geanonimiseerde statistiek"
SYNTHETIC_SOURCE = (
    "Synthetische gegevens: een verzonnen populatie van Groningse adressen (dh-audit synth). "
    "Geen enkel adres, bedrag of dossier is echt."
)
LEDGER_SOURCE = "Het besluitenlogboek van dh-audit (besluiten over duurzaam herstel van het IMG)."

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@attrs.frozen
class TableSummary:
    name: str
    rows: int
    suppressed: int


@attrs.frozen
class PublicationSummary:
    """What `publish` wrote."""

    out_path: Path
    audit_path: Path
    records: int
    head_hash: str | None
    checkpoint: Checkpoint | None
    generated: str
    tables: tuple[TableSummary, ...]
    profiles: int

    @property
    def suppressed(self) -> int:
        return sum(t.suppressed for t in self.tables)

    def describe(self) -> str:
        cells = sum(t.rows for t in self.tables)
        return (
            f"published {counted(len(self.tables), 'table')} ({counted(cells, 'cell')}, {self.suppressed} suppressed) "
            f"from {counted(self.records, 'record')} to {self.out_path}; confidential disclosure audit: {self.audit_path}"
        )


CONFIDENTIAL_MARK = "VERTROUWELIJK"
AUDIT_SUFFIX = f".{CONFIDENTIAL_MARK}.disclosure-audit.json"
AUDIT_MODE = 0o600


def default_audit_path(ledger_path: str | Path) -> Path:
    """Where the confidential audit goes by default: next to the ledger, never next to the publication."""
    ledger_path = Path(ledger_path)
    return ledger_path.with_name(ledger_path.name + AUDIT_SUFFIX)


def current_month() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m")


def suppression_rules(policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """The suppression rules in plain Dutch, as the publication states them."""
    unit = f"{policy.rounding_unit:,}".replace(",", ".")
    return (
        f"Een aantal van 1 tot en met {policy.threshold - 1} is onderdrukt, en ook een 0 die iets over een groep "
        "zou verraden (primaire onderdrukking). Om die cellen te beschermen zijn ook andere cellen onderdrukt, "
        "over alle tabellen samen (secundaire onderdrukking): geen onderdrukte cel is terug te rekenen uit de "
        "totalen, de andere tabellen en de openbare regels. Dat is gecontroleerd zoals een aanvaller het zou doen: "
        "voor elke onderdrukte cel is met geheeltallige programmering het kleinste en het grootste mogelijke "
        "getal berekend, over alle tabellen samen; dat verschil is minstens "
        f"{policy.threshold} (bij grote aantallen minstens {float(policy.protection_fraction * 100):g}% van het aantal). "
        f"Een som of gemiddelde van bedragen staat er alleen als minstens {policy.min_contributors} besluiten "
        f"eraan bijdragen en de p%-regel (p = {float(policy.p_percent):g}) geen probleem ziet. Bedragen zijn afgerond "
        f"op hele {unit} euro. Een onderdrukte cel is leeg (NULL) en heeft de status "
        f"'{PUBLIC_STATUS_SUPPRESSED}'."
    )


# --- reading ------------------------------------------------------------------------------------


def _refuse(ledger_path: Path, reason: str) -> LedgerUnverified:
    return LedgerUnverified(f"{ledger_path} does not verify, so nothing is published: {reason}")


def _require_trusted(ledger: Ledger) -> None:
    """Refuse (`LedgerUnverified`) unless everything publishing counts is verified in this snapshot (docs/trust.md).

    The ledger is verified from its last verified checkpoint on. That verification
    checks the typed columns of the records after the checkpoint; the records in
    force up to it, which the statistics group by their typed columns, are checked
    here against their hashed JSON, so every record counted has been checked once.
    """
    report = ledger.verify(since_checkpoint=True)
    if not report.ok:
        raise _refuse(ledger.path, report.summary().removeprefix('FAILED').lstrip(': '))
    if report.mode != "incremental":
        return  # the full verification checked the typed columns of every record
    _number, anchor = verified_anchor(ledger)
    mismatch = typed_columns_in_force_mismatch(ledger.conn, anchor.tree_size)
    if mismatch is not None:
        seq, problem = mismatch
        raise _refuse(ledger.path, f"at seq {seq}: {problem}")


def _read(ledger_path: Path) -> tuple[LedgerStatistics, Checkpoint | None]:
    ledger = Ledger(ledger_path, create=False)
    try:
        # One snapshot for verifying and for every read, while others may append.
        with ledger.snapshot() as conn:
            _require_trusted(ledger)
            stats = ledger_statistics(conn)
            checkpoint = latest_checkpoint(ledger)
    finally:
        ledger.close()
    if stats.facts.records == 0:
        raise BadInput("db", f"the ledger {ledger_path} has no decisions to publish")
    return stats, checkpoint


# --- writing ------------------------------------------------------------------------------------


def _label(dimension: str, value) -> str:
    return DIMENSION_LABELS.get(dimension, {}).get(value, value)


_STATUSES = f"('{STATUS_PUBLISHED}', '{PUBLIC_STATUS_SUPPRESSED}')"


def _schema(name: str, spec: SqlTable) -> str:
    columns = [f"{d} TEXT NOT NULL" for d in spec.dimensions]
    if spec.amounts is None:
        columns += [
            "aantal INTEGER", f"status TEXT NOT NULL CHECK (status IN {_STATUSES})",
            f"CHECK ((aantal IS NULL) = (status = '{PUBLIC_STATUS_SUPPRESSED}'))",
        ]
    else:
        columns += [
            "aantal INTEGER", f"status_aantal TEXT NOT NULL CHECK (status_aantal IN {_STATUSES})",
            "som_eur INTEGER", "gemiddelde_eur INTEGER",
            f"status_bedragen TEXT NOT NULL CHECK (status_bedragen IN {_STATUSES})",
            f"CHECK ((aantal IS NULL) = (status_aantal = '{PUBLIC_STATUS_SUPPRESSED}'))",
            f"CHECK ((som_eur IS NULL) = (status_bedragen = '{PUBLIC_STATUS_SUPPRESSED}'))",
            f"CHECK ((gemiddelde_eur IS NULL) = (status_bedragen = '{PUBLIC_STATUS_SUPPRESSED}'))",
        ]
    return f"CREATE TABLE {name} (\n    " + ",\n    ".join(columns) + "\n)"


def _rows(spec: SqlTable, result: ProtectionResult, present: set[str]) -> list[tuple]:
    """The rows of one SQL table: every cell of its disclosure tables, with its public status only."""
    rows = []
    for part, fixed in spec.parts:
        if part not in present:
            continue
        table = result.table(part)
        amounts = {c.key: c for c in result.table(spec.amounts).cells} if spec.amounts else None
        for cell in table.cells:
            key = (*fixed, *(_label(d, v) for d, v in zip(table.dimensions, cell.key)))
            row = (*key, cell.value, cell.public_status)
            if amounts is not None:
                amount = amounts[cell.key]
                row += (amount.value, amount.mean, amount.public_status)
            rows.append(row)
    return rows


def _publication_rows(stats: LedgerStatistics, checkpoint: Checkpoint | None, source: str, generated: str,
                      policy: DisclosurePolicy) -> list[tuple[str, str]]:
    facts = stats.facts
    rows = [
        ("titel", TITLE),
        ("bron", source),
        ("synthetisch", "ja" if facts.synthetic else "nee"),
        ("licentie", "CC BY 4.0"),
        ("aantal_besluiten", str(facts.records)),
        ("logboek_id", facts.ledger_id),
        ("logboek_kop_volgnummer", str(facts.records)),
        ("logboek_kop_hash", facts.head_hash or ""),
    ]
    if checkpoint is None:
        rows.append(("checkpoint", "geen: er is nog geen ondertekende boomwortel van het logboek"))
    else:
        rows += [
            ("checkpoint_grootte", str(checkpoint.tree_size)),
            ("checkpoint_boomwortel", checkpoint.root_hash),
            ("checkpoint_sleutel", checkpoint.key_id),
            ("checkpoint_ondertekend_maand", checkpoint.timestamp[:7]),
        ]
    rows += [
        ("gemaakt_maand", generated),
        ("onderdrukkingsregels", suppression_rules(policy)),
        ("kaders_vergeleken", f"{stats.evaluated.before} en {stats.evaluated.after}"),
    ]
    return rows


def _write(path: Path, result: ProtectionResult, info: list[tuple[str, str]]) -> list[TableSummary]:
    present = {t.name for t in result.tables}
    conn = sqlite3.connect(path, isolation_level=None)
    summaries = []
    try:
        conn.execute("BEGIN")
        conn.execute(f"CREATE TABLE {PUBLICATION_TABLE} (sleutel TEXT PRIMARY KEY, waarde TEXT NOT NULL)")
        conn.executemany(f"INSERT INTO {PUBLICATION_TABLE} VALUES (?, ?)", info)
        for name, spec in sorted(SQL_TABLES.items()):
            conn.execute(_schema(name, spec))
            rows = _rows(spec, result, present)
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                conn.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            statuses = len(spec.dimensions) + 1, len(spec.dimensions) + 4
            suppressed = sum(
                1 for r in rows if PUBLIC_STATUS_SUPPRESSED in (r[i] for i in statuses if i < len(r))
            )
            summaries.append(TableSummary(name, len(rows), suppressed))
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    return summaries


def audit_report(result: ProtectionResult, stats: LedgerStatistics, generated: str, publication: str) -> bytes:
    """The confidential audit: the true values and feasible intervals of the suppressed cells."""
    report = {
        "confidential": "Contains true values of suppressed cells. Never publish this file.",
        "publication": publication,
        "generated": generated,
        "ledger_id": stats.facts.ledger_id,
        "ledger_head": {"seq": stats.facts.records, "hash": stats.facts.head_hash},
        "ok": result.audit.ok,
        "entries": result.audit.to_records(),
    }
    return (json.dumps(report, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def write_audit(target: Output, data: bytes) -> Path:
    """Write the confidential audit readable by its owner only (mode 0600), atomically."""

    def write(temp: Path) -> None:
        temp.write_bytes(data)

    return target.write_with(write, mode=AUDIT_MODE)


@attrs.frozen
class Prepared:
    """The protected tables of one ledger snapshot, ready to be written."""

    stats: LedgerStatistics
    checkpoint: Checkpoint | None
    result: ProtectionResult
    info: tuple[tuple[str, str], ...]
    generated: str


def check_generated(generated: str | None) -> str:
    generated = current_month() if generated is None else generated
    if _DAY.search(generated):
        raise BadInput("generated", f"must not be finer than a month (got {generated!r})")
    return generated


def prepare(ledger_path: Path, *, generated: str, source_label: str | None = None,
            policy: DisclosurePolicy = DEFAULT_POLICY) -> Prepared:
    """Verify and read the ledger, and protect every table of the release together."""
    stats, checkpoint = _read(ledger_path)
    tables = publication_tables(stats)
    result = protect(tables.tables, tables.relations, policy=policy)
    source = source_label or (SYNTHETIC_SOURCE if stats.facts.synthetic else LEDGER_SOURCE)
    info = _publication_rows(stats, checkpoint, source, generated, policy)
    return Prepared(stats, checkpoint, result, tuple(info), generated)


def write_statistics(path: Path, prepared: Prepared) -> list[TableSummary]:
    """Write the statistics database of `prepared` at `path` (a new or empty file)."""
    return _write(path, prepared.result, list(prepared.info))


def publish(
    ledger_path: str | Path,
    out_path: str | Path,
    *,
    source_label: str | None = None,
    generated: str | None = None,
    audit_path: str | Path | None = None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    force: bool = False,
) -> PublicationSummary:
    """Build the statistics database alone from the ledger: protected aggregates only, replaced atomically.

    The release (`audit.publication.release.publish_release`, ``dh-audit publish``) adds the
    report and the receipt beside it. `source_label` names the source in ``_publicatie``
    (default: synthetic data when every case id marks invented data, otherwise the ledger).
    `generated` is the generation time as stated (default: the current month, ``YYYY-MM``;
    give a fixed string for reproducible files). The confidential audit goes to `audit_path`
    (default: next to the ledger), mode 0600. An existing publication or audit is replaced only
    with `force`; a ledger, a key or any other file never is (`audit.outputs`).
    """
    ledger_path, out_path = Path(ledger_path), Path(out_path)
    generated = check_generated(generated)
    check_ledger_path(ledger_path, create=False)
    given = inputs(db=ledger_path)
    out = output(out_path, "--out", STATISTICS_DB, force=force, inputs=given)
    audit_target = Path(audit_path) if audit_path is not None else default_audit_path(ledger_path)
    audit_out = output(audit_target, "--audit-out", DISCLOSURE_AUDIT, force=force, inputs=given)
    distinct(out, audit_out)
    prepared = prepare(ledger_path, generated=generated, source_label=source_label, policy=policy)
    summaries: list[TableSummary] = []

    def write(temp: Path) -> None:
        summaries.extend(write_statistics(temp, prepared))

    write_audit(audit_out, audit_report(prepared.result, prepared.stats, generated, out_path.name))
    out.write_with(write)
    return summary_of(prepared, out_path, audit_target, summaries)


def summary_of(prepared: Prepared, out_path: Path, audit_path: Path,
               summaries: list[TableSummary]) -> PublicationSummary:
    stats = prepared.stats
    return PublicationSummary(
        out_path=out_path, audit_path=audit_path, records=stats.facts.records, head_hash=stats.facts.head_hash,
        checkpoint=prepared.checkpoint, generated=prepared.generated, tables=tuple(summaries),
        profiles=stats.evaluated.profiles,
    )
