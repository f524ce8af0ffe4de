"""`dh-audit demo`: the whole job on a synthetic population, with a short summary."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from audit.analysis import compare as comparing
from audit.counting import counted
from audit.demo import MANIFEST, DemoSummary, run_demo


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


def _size(size: int) -> str:
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


def _describe_file(name: str, s: DemoSummary) -> tuple[str, bool]:
    """What a file the demo wrote is, and whether it is confidential (never to be published)."""
    if name.startswith("herhaling-"):
        return f"replay report of case {s.example_case} (Dutch)", True
    if name.startswith("bezwaar-"):
        return "objection dossier for the objections committee (Dutch)", True
    if name == "grensgevallen.html":
        return "boundary dossier for the objections committee (Dutch): start here", True
    if name.startswith("grensgevallen-") and name.endswith(".html"):
        return "one class of the boundary dossier, linked from grensgevallen.html", True
    return _FILES.get(name, ("written by the demo", False))


_FILES = {
    "cases.jsonl": ("the synthetic population, one case per line", True),
    "ledger.db": ("the ledger: decisions, objections and referrals", True),
    "ledger.db.VERTROUWELIJK.disclosure-audit.json": (
        "the confidential disclosure audit: true values of the suppressed cells (mode 0600, outside release/)", True),
    "head.json": ("the ledger head, for verify --head", False),
    "checkpoint.json": ("the signed checkpoint", False),
    "keys/demo-sleutel": ("the demo's private signing key", True),
    "keys/demo-sleutel.pub": ("its public key", False),
    "release/statistiek.db": ("the release: anonymised statistics (Datasette)", False),
    "release/vergelijking.html": ("the release: report for Parliament, rendered from statistiek.db (Dutch)", False),
    "release/vergelijking.md": ("the release: the same report in Markdown", False),
    "release/manifest.json": ("the release's receipt: SHA-256 of its files and the checkpoint", False),
    "release/manifest.sig": ("the receipt signed with the demo key", False),
    "grensgevallen.json": ("the boundary cases as JSON", True),
    MANIFEST: ("the list of the demo's own files (for --force)", False),
}


def _files(s: DemoSummary) -> list[str]:
    """Every file in the demo directory, with its size; the confidential ones marked."""
    directory = s.outputs.directory
    found = sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.endswith(("-wal", "-shm")))
    names = [p.relative_to(directory).as_posix() for p in found]
    width = max(len(n) for n in names)
    lines = []
    for path, name in zip(found, names):
        what, confidential = _describe_file(name, s)
        mark = "CONFIDENTIAL  " if confidential else ""
        lines.append(f"  {name:<{width}}  {_size(path.stat().st_size):>9}  {mark}{what}")
    return lines


def _casework_line(s: DemoSummary) -> str:
    cw = s.casework
    undecided = sum(o.outcome is None for o in cw.objections)
    overdue = sum(o.overdue_on(cw.today) for o in cw.objections)
    late = sum(not o.timeline.on_time for o in cw.objections)
    pending = sum(r.outcome is None for r in cw.referrals)
    return (
        f"{counted(len(cw.objections), 'objection')} ({undecided} undecided, {overdue} overdue on"
        f" {cw.today.isoformat()}, {late} filed late), {counted(len(cw.referrals), 'referral')}"
        f" ({pending} pending)"
    )


def _checkpoint_line(s: DemoSummary) -> str:
    cp = s.checkpoint
    text = f"signed over {counted(cp.tree_size, 'record')}"
    if cp.event_count is not None:
        text += f" and {counted(cp.event_count, 'objection and referral event')}"
    return f"{text}, Merkle root {cp.root_hash[:16]}…, key {cp.key_id[:16]}…"


def _summary(s: DemoSummary, seconds: float, serving: bool = False) -> str:
    c = s.comparison
    o = s.outputs
    made = s.verify.records - s.historical - s.reassessments
    width = max([len(m) for m in c.municipalities] + [8])
    lines = [
        "",
        f"dh-audit demo: done in {seconds:.0f} s. All data are SYNTHETIC (invented addresses and amounts).",
        "",
        f"  population      {counted(s.population, 'address', 'addresses')}",
        f"  ledger          {counted(s.historical, 'historical decision')} + {counted(s.reassessments, 'reassessment')}"
        f" under 2026 + {made} from objections and referrals = {counted(s.verify.records, 'record')}",
        f"  casework        {_casework_line(s)}",
        f"  verify          {s.verify.summary()}",
        f"  replay          {s.replay.by_status['reproduced']} reproduced, {s.replay.by_status['diverged']} diverged,"
        f" {s.replay.by_status['not_replayable']} not replayable",
        f"  checkpoint      {_checkpoint_line(s)}",
        "",
        f"Who gains and who loses: {c.from_framework} -> {c.to_framework}, latest facts of"
        f" {counted(c.cases, 'case')} (internal counts; the reports show only protected counts):",
        f"  {'':<{width}}  {'stays eligible':>14}  {'gains':>7}  {'loses':>7}  {'stays inelig.':>13}",
    ]
    for name, row in [*c.by_municipality.items(), ("total", c.cells)]:
        lines.append(
            f"  {name:<{width}}  {row[comparing.STAYS_ELIGIBLE]:>14}  {row[comparing.GAINS]:>7}"
            f"  {row[comparing.LOSES]:>7}  {row[comparing.STAYS_INELIGIBLE]:>13}"
        )
    lines += [
        f"  interpretation I-1 (existing dossier outside the pilot area): {counted(c.i1_cases, 'case')}",
        f"  boundary cases under 2026: {s.boundary.boundary_cases}",
        "",
        f"Files written in {o.directory} (a CONFIDENTIAL file names cases, holds true values or is a private key:"
        " never publish it):",
        *_files(s),
        f"Publish only the folder {o.release} (the release); the disclosure audit {o.audit.name} is CONFIDENTIAL"
        " and stays outside it.",
        "",
        "Next, try:",
        f"  dh-audit verify --db {o.ledger} --head {o.head}",
    ]
    if s.example_case:
        lines.append(f"  dh-audit replay --db {o.ledger} --case {s.example_case} --framework pilot-2024")
    today = s.casework.today.isoformat()
    proof = o.directory / "proof.json"
    lines += [
        f"  dh-audit boundary --db {o.ledger} | head",
        f"  dh-audit objection list --db {o.ledger} --today {today}",
        f"  dh-audit referral list --db {o.ledger}",
        f"  dh-audit proof inclusion --db {o.ledger} --seq 1 --head {o.checkpoint} --out {proof}",
        f"  dh-audit proof verify --proof {proof} --checkpoint {o.checkpoint} --pubkey {o.public_key}",
        f"  dh-audit release verify {o.release} --pubkey {o.public_key}",
    ]
    if not serving:
        lines.append(f"  dh-audit serve {o.release}")
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
    if serve:  # a port in use is refused before the demo's minute of work, not after it
        from audit.publication.serve import DEFAULT_HOST, check_port_free, serve as run_server

        check_port_free(DEFAULT_HOST, port)
    started = time.monotonic()
    summary = run_demo(Path(directory), count, seed, _bar, lambda text: click.echo(text, err=True), force)
    click.echo(_summary(summary, time.monotonic() - started, serving=serve))
    if serve:
        click.echo(f"\nDatasette: http://{DEFAULT_HOST}:{port}/  (Ctrl-C stops it)")
        run_server(summary.outputs.release, port=port, host=DEFAULT_HOST)


COMMANDS = (demo,)
