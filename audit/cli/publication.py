"""`dh-audit publish`, `dh-audit release verify` and `dh-audit serve`: the release folder, its check, its site."""

from __future__ import annotations

import sys
import time

import click

from audit.cli.options import force_option


@click.command(
    epilog="""\b
Examples:
  dh-audit publish --db ledger.db --out release --audit-out private/audit.VERTROUWELIJK.disclosure-audit.json
  dh-audit publish --db ledger.db --out release --key signing.key \\
      --audit-out private/audit.VERTROUWELIJK.disclosure-audit.json --force

DIR receives statistiek.db, vergelijking.html, vergelijking.md and the receipt
manifest.json (with --key also manifest.sig). DIR must be new, empty or (with
--force) an earlier release; a folder holding anything else is refused.
The confidential disclosure audit (true values of suppressed cells) goes only
to --audit-out, mode 0600: outside DIR, under a name with VERTROUWELIJK or
confidential in it. Check a release with 'dh-audit release verify DIR'."""
)
@click.option("--db", "db", required=True, metavar="LEDGER", help="The decision ledger to read.")
@click.option("--out", "out", required=True, metavar="DIR",
              help="The release folder to create (or, with --force, an earlier release to replace).")
@click.option("--audit-out", "audit_out", required=True, metavar="FILE",
              help="Where the confidential disclosure audit goes: outside DIR, its name marked VERTROUWELIJK.")
@click.option("--key", "key", default=None, metavar="KEY",
              help="Private key made by 'dh-audit keygen': signs the receipt (manifest.sig).")
@click.option("--source", "source", default=None, help="The source as the publication states it (default: "
              "synthetic data when every case id is synthetic, otherwise the ledger).")
@click.option("--generated", default=None, metavar="TEXT",
              help="Generation time as stated (default: this month, YYYY-MM). No date finer than a month.")
@force_option("release folder and disclosure audit")
def publish(db, out, audit_out, key, source, generated, force):
    """Build the release: statistics, report and receipt.

    It holds protected aggregates only, never a decision.
    """
    from audit.publication.release import publish_release

    started = time.monotonic()
    summary = publish_release(db, out, audit_path=audit_out, key_path=key, source_label=source,
                              generated=generated, force=force)
    for table in summary.publication.tables:
        click.echo(f"  {table.name}: {table.rows} cells, {table.suppressed} suppressed", err=True)
    click.echo(f"{summary.describe()} in {time.monotonic() - started:.1f} s", err=True)


@click.group()
def release():
    """Check a release folder made by 'dh-audit publish'."""


@release.command("verify", epilog="""\b
Examples:
  dh-audit release verify release --pubkey signing.key.pub
  dh-audit release verify release            hashes only: the signature is not checked

Exit 0 when every file matches the receipt (and the signature is valid); exit 1
naming the first file that differs, a missing or extra file, or a bad
signature; exit 2 for bad input. No ledger is needed.""")
@click.argument("directory", metavar="DIR")
@click.option("--pubkey", "pubkey", default=None, metavar="KEY.pub",
              help="Public key of the signer; without it the signature is not checked.")
def verify_release_command(directory, pubkey):
    """Check a release folder against its receipt and a public key."""
    from audit.log.signing import load_public_key
    from audit.publication.receipt import verify_release

    public = load_public_key(pubkey) if pubkey is not None else None
    verdict = verify_release(directory, public)
    if not verdict.ok:
        click.echo(verdict.summary())
        sys.exit(1)
    click.echo(verdict.summary())


@click.command(
    epilog="""\b
Examples:
  dh-audit serve release                       http://127.0.0.1:8001/
  dh-audit serve release/statistiek.db --port 9000

The dashboard is at /-/dashboards/overzicht. A ledger is never served."""
)
@click.argument("stats", metavar="DIR|STATS.db")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on; refused at once when another program uses it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
def serve(stats, port, host):
    """Serve the statistics database with Datasette.

    Immutable, with the Dutch metadata, templates and the dashboard.
    """
    from audit.publication.serve import check_port_free, check_publication, serve as run_datasette

    path = check_publication(stats)
    check_port_free(host, port)
    click.echo(f"serving {path} on http://{host}:{port}/ (dashboard: /-/dashboards/overzicht); Ctrl-C stops", err=True)
    run_datasette(path, port=port, host=host)


COMMANDS = (publish, release, serve)
