"""`dh-audit publish` and `dh-audit serve`: the anonymised statistics and their Datasette site."""

from __future__ import annotations

import time

import click

from audit.counting import counted
from audit.publication.publish import publish as build_publication
from audit.publication.serve import DEFAULT_HOST, DEFAULT_PORT, check_port_free, check_publication
from audit.publication.serve import serve as run_datasette
from audit.cli.options import force_option


@click.command(
    epilog="""\b
Examples:
  dh-audit publish --db ledger.db --out stats.db
  dh-audit publish --db ledger.db --out site/stats.db --audit-report private/audit.json

The confidential disclosure audit (true values of suppressed cells) is written
next to the ledger unless --audit-report says where; never into STATS.db.
Publishing again over an earlier STATS.db (and audit) needs --force."""
)
@click.option("--db", "db", required=True, metavar="LEDGER", help="The decision ledger to read.")
@click.option("--out", "out", required=True, metavar="STATS.db", help="The statistics database to (re)place.")
@click.option("--source", "source", default=None, help="The source as the publication states it (default: "
              "synthetic data when every case id is synthetic, otherwise the ledger).")
@click.option("--generated", default=None, metavar="TEXT",
              help="Generation time as stated (default: this month, YYYY-MM). No date finer than a month.")
@click.option("--audit-report", "audit_report", default=None, metavar="PATH",
              help="Where to write the confidential disclosure audit (default: LEDGER.disclosure-audit.json).")
@force_option("statistics database and disclosure audit")
def publish(db, out, source, generated, audit_report, force):
    """Build the anonymised statistics database from the ledger.

    It holds protected aggregates only, never a decision.
    """
    started = time.monotonic()
    summary = build_publication(db, out, source_label=source, generated=generated, audit_path=audit_report,
                                force=force)
    for table in summary.tables:
        click.echo(f"  {table.name}: {counted(table.rows, 'cell')}, {table.suppressed} suppressed", err=True)
    click.echo(f"{summary.describe()} in {time.monotonic() - started:.1f} s", err=True)


@click.command(
    epilog="""\b
Examples:
  dh-audit serve stats.db                      http://127.0.0.1:8001/
  dh-audit serve stats.db --port 9000

The dashboard is at /-/dashboards/overzicht. A ledger is never served."""
)
@click.argument("stats", metavar="STATS.db")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on; refused at once when another program uses it.")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (loopback by default).")
def serve(stats, port, host):
    """Serve the statistics database with Datasette.

    Immutable, with the Dutch metadata and the dashboard.
    """
    check_publication(stats)
    check_port_free(host, port)
    click.echo(f"serving {stats} on http://{host}:{port}/ (dashboard: /-/dashboards/overzicht); Ctrl-C stops", err=True)
    run_datasette(stats, port=port, host=host)


COMMANDS = (publish, serve)
