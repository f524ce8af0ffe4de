"""`dh-audit publish`: one release folder, with everything the public may see and a receipt for it.

DIR/statistiek.db holds the protected tables (`audit.publication.publish`); the
report DIR/vergelijking.html and DIR/vergelijking.md is rendered from that finished
database alone (`audit.reports.release_report`); DIR/manifest.json lists the SHA-256
of those three files with the ledger head and the checkpoint, and with a key
DIR/manifest.sig signs it (`audit.publication.receipt`). `_publicatie` in the
database names the same checkpoint and the hashes of the two report files.

DIR must be new, empty, or (with ``force``) an earlier release: a folder holding
only the files of a release, recognised by its receipt. Anything else is refused
before any work, and so is a confidential audit aimed inside DIR or under a name
that does not say it is confidential. Each file is written to a temporary file in
DIR and renamed into place (`audit.outputs`), the receipt last.
"""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from pathlib import Path

import attrs

from audit.errors import BadInput
from audit.log.signing import load_private_key
from audit.outputs import (
    DISCLOSURE_AUDIT,
    HTML_REPORT,
    MARKDOWN_REPORT,
    RELEASE_RECEIPT,
    RELEASE_SIGNATURE,
    STATISTICS_DB,
    check_ledger_path,
    inputs,
    inside,
    journal_of_database,
    output,
)
from audit.publication.disclosure import DEFAULT_POLICY, DisclosurePolicy
from audit.publication.publish import (
    CONFIDENTIAL_MARK,
    PUBLICATION_TABLE,
    PublicationSummary,
    TableSummary,
    audit_report,
    check_generated,
    prepare,
    summary_of,
    write_audit,
    write_statistics,
)
from audit.publication.receipt import (
    MANIFEST,
    RECEIPT_FILES,
    RELEASE_FILES,
    REPORT_HTML,
    REPORT_MARKDOWN,
    SIGNATURE,
    STATISTICS,
    manifest_bytes,
    report_hash_key,
    sha256_file,
    signature_bytes,
)

CONFIDENTIAL_WORDS = (CONFIDENTIAL_MARK.lower(), "confidential")
KINDS = {
    STATISTICS: STATISTICS_DB,
    REPORT_HTML: HTML_REPORT,
    REPORT_MARKDOWN: MARKDOWN_REPORT,
    MANIFEST: RELEASE_RECEIPT,
    SIGNATURE: RELEASE_SIGNATURE,
}


@attrs.frozen
class ReleaseSummary:
    """What `publish_release` wrote."""

    directory: Path
    publication: PublicationSummary
    files: dict[str, str]  # name -> SHA-256
    signed: bool
    hidden_totals: int = 0  # always-published cells hidden as a last resort (a tiny population)

    @property
    def audit_path(self) -> Path:
        return self.publication.audit_path

    def describe(self) -> str:
        p = self.publication
        cells = sum(t.rows for t in p.tables)
        signed = "signed receipt" if self.signed else "unsigned receipt (no --key)"
        return (f"released {len(p.tables)} tables ({cells} cells, {p.suppressed} suppressed) from {p.records} records "
                f"to {self.directory}/ ({', '.join(sorted(self.files))}, {signed}); "
                f"CONFIDENTIAL disclosure audit, never to publish: {p.audit_path}"
                + (f"; note: {self.hidden_totals} grand total(s) hidden, the population is too small to show them"
                   if self.hidden_totals else ""))


def _foreign(directory: Path) -> str | None:
    """The first thing in `directory` that is not a file of a dh-audit release; None if none."""
    if not (directory / MANIFEST).is_file() or not RELEASE_RECEIPT.looks_like(directory / MANIFEST):
        return f"files without a release receipt ({MANIFEST})"
    for path in sorted(directory.iterdir()):
        kind = KINDS.get(path.name)
        mode = path.lstat().st_mode
        if kind is None or not stat.S_ISREG(mode):
            return path.name
        if path.stat().st_size and not kind.looks_like(path):
            return f"{path.name} (not a {kind.name})"
    return None


def check_release_dir(directory: Path, force: bool) -> None:
    """Refuse (`BadInput` naming --out) a DIR that is not new, empty, or (with `force`) an earlier release."""
    if directory.is_symlink():
        raise BadInput("--out", f"{directory} is a symbolic link; a release is written only into a real directory")
    if not directory.exists():
        if not directory.parent.is_dir():
            raise BadInput("--out", f"directory {directory.parent} does not exist")
        database = journal_of_database(directory)
        if database is not None:
            raise BadInput("--out", f"{directory} is where SQLite keeps the journal of {database}")
        return
    if not directory.is_dir():
        raise BadInput("--out", f"{directory} is not a directory; the release is a folder (choose a new one)")
    if not any(directory.iterdir()):
        return
    foreign = _foreign(directory)
    if foreign is not None:
        raise BadInput("--out", f"{directory} holds {foreign}, not made by dh-audit publish; a release is written "
                                "only into a new or empty folder, or over an earlier release (choose another --out)")
    if not force:
        raise BadInput("--out", f"{directory} holds an earlier release; give --force to replace it")


def check_audit_target(audit_path: Path, directory: Path) -> None:
    """The confidential audit goes outside the release, under a name that says it is confidential."""
    if inside(audit_path, directory) or inside(audit_path.parent, directory):
        raise BadInput("--audit-out", f"{audit_path} is inside the release folder {directory}; the confidential "
                                      "audit is never published: put it elsewhere")
    if not any(word in audit_path.name.lower() for word in CONFIDENTIAL_WORDS):
        raise BadInput("--audit-out", f"the file name {audit_path.name!r} must say it is confidential, e.g. "
                                      f"{audit_path.stem}.{CONFIDENTIAL_MARK}.disclosure-audit.json")


def _add_report_hashes(database: Path, reports: dict[str, bytes]) -> None:
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO {PUBLICATION_TABLE} VALUES (?, ?)",
                         [(report_hash_key(name), hashlib.sha256(data).hexdigest()) for name, data in reports.items()])
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()


def publish_release(
    ledger_path: str | Path,
    directory: str | Path,
    *,
    audit_path: str | Path,
    key_path: str | Path | None = None,
    source_label: str | None = None,
    generated: str | None = None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    force: bool = False,
) -> ReleaseSummary:
    """Write the release folder `directory` from the ledger, and the confidential audit at `audit_path`."""
    from audit.reports.release_report import render_release_report

    ledger_path, directory, audit_path = Path(ledger_path), Path(directory), Path(audit_path)
    generated = check_generated(generated)
    check_ledger_path(ledger_path, create=False)
    key = load_private_key(key_path) if key_path is not None else None
    check_release_dir(directory, force)
    check_audit_target(audit_path, directory)
    given = inputs(db=ledger_path, key=key_path)
    audit_out = output(audit_path, "--audit-out", DISCLOSURE_AUDIT, force=force, inputs=given)

    prepared = prepare(ledger_path, generated=generated, source_label=source_label, policy=policy)
    write_audit(audit_out, audit_report(prepared.result, prepared.stats, generated, f"{directory.name}/{STATISTICS}"))
    directory.mkdir(exist_ok=True)
    check_release_dir(directory, force=True)  # the folder may have changed meanwhile

    summaries: list[TableSummary] = []
    reports: dict[str, bytes] = {}

    def fill(temp: Path) -> None:
        summaries.extend(write_statistics(temp, prepared))
        html, markdown = render_release_report(temp)  # from the finished tables alone
        reports.update({REPORT_HTML: html.encode("utf-8"), REPORT_MARKDOWN: markdown.encode("utf-8")})
        _add_report_hashes(temp, reports)

    output(directory / STATISTICS, "--out", STATISTICS_DB, force=True, inputs=given).write_with(fill)
    output(directory / REPORT_HTML, "--out", HTML_REPORT, force=True).write_bytes(reports[REPORT_HTML])
    output(directory / REPORT_MARKDOWN, "--out", MARKDOWN_REPORT, force=True).write_bytes(reports[REPORT_MARKDOWN])
    (directory / SIGNATURE).unlink(missing_ok=True)  # an earlier release's; it signed another manifest

    checkpoint = prepared.checkpoint
    stats = prepared.stats
    manifest = manifest_bytes(
        {name: directory / name for name in RELEASE_FILES},
        ledger={"id": stats.facts.ledger_id, "records": stats.facts.records, "head_hash": stats.facts.head_hash},
        checkpoint=None if checkpoint is None else {
            "tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash, "key_id": checkpoint.key_id},
        generated=generated,
    )
    output(directory / MANIFEST, "--out", RELEASE_RECEIPT, force=True).write_bytes(manifest)
    if key is not None:
        output(directory / SIGNATURE, "--out", RELEASE_SIGNATURE, force=True).write_bytes(signature_bytes(manifest, key))
    files = {name: sha256_file(directory / name) for name in (*RELEASE_FILES, *RECEIPT_FILES)
             if (directory / name).is_file()}
    return ReleaseSummary(directory, summary_of(prepared, directory / STATISTICS, audit_path, summaries), files,
                          key is not None, len(prepared.result.suppressed_always_published))
