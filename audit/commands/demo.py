"""`dh-audit demo`: the whole job on a synthetic population, with a short summary."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

import audit.compare as comparing  # not "from .. import": `audit.compare` is also the API function (docs/api.md)
from ..demo import DemoSummary, run_demo


@contextmanager
def _bar(label: str, total: int):
    """A progress bar on a terminal; silent otherwise (CI logs stay short)."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=max(total, 1), label=f"  {label:<12}", file=sys.stderr) as bar:
        pending = [0]

        def update(n: int) -> None:
            pending[0] += n
            if pending[0] >= 500:
                bar.update(pending[0])
                pending[0] = 0

        yield update
        bar.update(pending[0])


def _summary(s: DemoSummary, seconds: float) -> str:
    c = s.comparison
    o = s.outputs
    width = max([len(m) for m in c.municipalities] + [8])
    lines = [
        "",
        f"dh-audit demo: done in {seconds:.0f} s. All data are SYNTHETIC (invented addresses and amounts).",
        "",
        f"  population      {s.population} addresses",
        f"  ledger          {s.historical} historical decisions + {s.reassessments} reassessments under 2026"
        f" = {s.verify.records} records",
        f"  verify          {s.verify.summary()}",
        f"  replay          {s.replay.by_status['reproduced']} reproduced, {s.replay.by_status['diverged']} diverged,"
        f" {s.replay.by_status['not_replayable']} not replayable",
        f"  checkpoint      {s.checkpoint_text}",
        "",
        f"Who gains and who loses: {c.from_framework} -> {c.to_framework}, latest facts of {c.cases} cases"
        " (internal counts; the reports show only protected counts):",
        f"  {'':<{width}}  {'stays eligible':>14}  {'gains':>7}  {'loses':>7}  {'stays inelig.':>13}",
    ]
    for name, row in [*c.by_municipality.items(), ("total", c.cells)]:
        lines.append(
            f"  {name:<{width}}  {row[comparing.STAYS_ELIGIBLE]:>14}  {row[comparing.GAINS]:>7}"
            f"  {row[comparing.LOSES]:>7}  {row[comparing.STAYS_INELIGIBLE]:>13}"
        )
    lines += [
        f"  interpretation I-1 (existing dossier outside the pilot area): {c.i1_cases} cases",
        f"  boundary cases under 2026: {s.boundary.boundary_cases}",
        "",
        "Outputs:",
        f"  {o.compare_html}      comparison report for Parliament (Dutch, protected counts)",
        f"  {o.compare_markdown}        the same report in Markdown",
        f"  {o.boundary_html}     boundary dossier for the objections committee",
    ]
    if o.replay_html:
        lines.append(f"  {o.replay_html}  replay report of case {s.example_case}")
    lines.append(f"  {o.stats}              anonymised statistics (Datasette)")
    lines += [
        f"  {o.ledger}             the ledger; {o.checkpoint} the signed head; {o.public_key} its public key",
        "",
        "Next, try:",
        f"  dh-audit verify --db {o.ledger} --head {o.head}",
    ]
    if s.example_case:
        lines.append(f"  dh-audit replay --db {o.ledger} --case {s.example_case} --framework pilot-2024")
    lines += [
        f"  dh-audit boundary --db {o.ledger} | head",
        f"  dh-audit proof inclusion --db {o.ledger} --seq 1 --head {o.checkpoint} --out proof.json",
        f"  dh-audit proof verify --proof proof.json --checkpoint {o.checkpoint} --pubkey {o.public_key}",
    ]
    lines.append(f"  dh-audit serve {o.stats}")
    return "\n".join(lines)


@click.command(
    epilog="""\b
Examples:
  dh-audit demo
  dh-audit demo --dir /tmp/demo --n 2000
  dh-audit demo --serve
  dh-audit demo --force              run again over the earlier demo in ./dh-audit-demo

The demo writes only into a new or empty --dir. A --dir holding an earlier
demo's output is replaced only with --force; a --dir holding anything else (or
a demo file changed since) is refused, with or without --force."""
)
@click.option("--dir", "directory", default="dh-audit-demo", show_default=True, metavar="DIR",
              help="Where every output goes: a new or empty directory (or an earlier demo's, with --force).")
@click.option("--n", "count", type=click.IntRange(min=1, max=2_000_000), default=20_000, show_default=True,
              help="Number of synthetic addresses.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed of the synthetic population.")
@click.option("--serve", is_flag=True, help="Start Datasette on the statistics at the end.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8001, show_default=True,
              help="Port for --serve (loopback only).")
@click.option("--force", is_flag=True,
              help="Replace an earlier demo's output in --dir. Only the files that demo wrote, unchanged, are "
                   "removed; a --dir holding anything else is refused all the same.")
def demo(directory, count, seed, serve, port, force):
    """Run the main job end to end on a synthetic Groningen population."""
    started = time.monotonic()
    summary = run_demo(Path(directory), count, seed, _bar, lambda text: click.echo(text, err=True), force)
    click.echo(_summary(summary, time.monotonic() - started))
    if serve:
        from ..serve import serve as run_server

        click.echo(f"\nDatasette: http://127.0.0.1:{port}/  (Ctrl-C stops it)")
        run_server(summary.outputs.stats, port=port, host="127.0.0.1")


COMMANDS = (demo,)
