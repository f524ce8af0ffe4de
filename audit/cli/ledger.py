"""`dh-audit record | verify | show | head`: the ledger from the command line."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import click

from decisions.errors import InvalidCase
from decisions.evaluate import evaluate, resolve_framework
from decisions.fast_inputs import load_case_fast

from audit.counting import counted
from audit.case_lines import case_lines, is_blank
from audit.cli.types import SQL_INTEGER
from audit.errors import BAD_INPUT, BadInput
from audit.ledger.store import Entry, Head, Ledger
from audit.ledger.record_workers import Workers, default_jobs

WORKERS_FROM_BYTES = 4 << 20


def open_ledger(path: str, create: bool = False) -> Ledger:
    return Ledger(path, create=create)


def db_option(**kwargs):
    return click.option("--db", "db_path", required=True, metavar="PATH", help="The ledger (SQLite file).", **kwargs)


def _entries(stream, framework_id, actor, progress):
    """Parse and evaluate JSON lines; a bad line is bad input naming its line number."""
    for number, line in enumerate(case_lines(stream), start=1):
        progress(len(line))
        if is_blank(line):
            continue
        try:
            case = load_case_fast(line)
            decision = evaluate(case, resolve_framework(case, framework_id))
        except InvalidCase as exc:
            raise BadInput(f"line {number}: {exc.field}", exc.rule) from None
        yield Entry(case, decision, "assessment", None, actor)


@click.command(
    epilog="""\b
Examples:
  dh-audit record --db ledger.db examples/cases.jsonl
  dh-audit synth --n 1000 --out - | dh-audit record --db ledger.db -

A bad line (unparseable JSON, a missing or wrong field) is reported with its
line number and field; nothing of the input is written, and the exit status is 2."""
)
@db_option()
@click.argument("cases_file", type=click.File("rb"), metavar="FILE.jsonl|-")
@click.option("--framework", "framework_id", metavar="ID", help="Decide every case under this framework.")
@click.option("--actor", default="dh-audit", show_default=True, help="The acting reviewer's id.")
@click.option("--json", "as_json", is_flag=True, help="Print the recorded seqs as JSON.")
@click.option("--jobs", type=click.IntRange(min=0), metavar="N",
              help="Worker processes that read and decide lines while this one appends (0: none). "
                   "Default: one per extra core (at most 4) for a file of 4 MiB or more, else none.")
def record(db_path, cases_file, framework_id, actor, as_json, jobs):
    """Decide each case of a JSON-lines file and append the decisions.

    One case (one JSON object) per line. All lines are recorded in one transaction: all of them, or none.
    """
    new = not Path(db_path).exists()
    ledger = open_ledger(db_path, create=True)
    size = _size(cases_file)
    if jobs is None:
        jobs = default_jobs() if size >= WORKERS_FROM_BYTES else 0
    show_bar = sys.stderr.isatty() and size
    try:
        with click.progressbar(length=size or 1, label="recording", file=sys.stderr) if show_bar else _NoBar() as bar:
            if jobs:
                with Workers(jobs) as workers:
                    seqs = ledger.append_entries(workers.entries(cases_file, framework_id, actor, bar.update))
            else:
                seqs = ledger.append_entries(_entries(cases_file, framework_id, actor, bar.update))
    except BAD_INPUT:
        ledger.close()
        if new:
            _remove_empty_ledger(Path(db_path))
        raise
    if as_json:
        click.echo(json.dumps({"recorded": len(seqs), "seqs": seqs}))
    else:
        if seqs:
            click.echo("\n".join(map(str, seqs)))
        first, last = (seqs[0], seqs[-1]) if seqs else (None, None)
        click.echo(f"recorded {counted(len(seqs), 'decision')}" + (f" (seq {first}–{last})" if len(seqs) > 1 else f" (seq {first})" if seqs else ""), err=True)
    ledger.close()


def _remove_empty_ledger(path: Path) -> None:
    """Bad input writes nothing: a ledger this command created, still without records, is removed again."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]:
            return
    except sqlite3.Error:
        return
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass


def _size(stream) -> int:
    try:
        return stream.seek(0, 2) - stream.seek(0)
    except (OSError, ValueError):
        return 0


@click.command()
@db_option()
@click.option("--head", "head_file", type=click.File("r"), metavar="HEAD.json",
              help="A head exported earlier with 'dh-audit head': also detects a truncated ledger.")
@click.option("--since-checkpoint", "since_checkpoint", is_flag=True,
              help="Check only what came after the last checkpoint signed after a verification, and the link to "
                   "it (fast); the whole ledger when there is none.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(db_path, head_file, since_checkpoint, as_json):
    """Check that the ledger is intact: exit 0 when it is, else 1.

    Recomputes every hash and names the first bad seq. Also checks the objection and referral events, the Merkle tree, every stored
    checkpoint and the schema (append-only triggers, indexes, UNIQUE columns).
    """
    ledger = open_ledger(db_path)
    expected = Head.from_json(head_file.read()) if head_file else None
    report = ledger.verify(expected, since_checkpoint=since_checkpoint)
    if as_json:
        data = {"ok": report.ok, "records": report.records, "first_bad_seq": report.first_bad_seq,
                "problem": report.problem, "head": json.loads(report.head.to_json()),
                "tree_root": report.tree_root, "checkpoints": report.checkpoints, "signers": list(report.signers),
                "events": report.events, "mode": report.mode, "since": report.since}
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@click.command()
@db_option()
@click.option("--seq", type=SQL_INTEGER, help="Show the record with this seq.")
@click.option("--case", "case_id", help="Show every record of this case, oldest first.")
def show(db_path, seq, case_id):
    """Print stored records as JSON.

    Each record with its canonical inputs, its decision and its chain fields.
    """
    if (seq is None) == (case_id is None):
        raise BadInput("--seq/--case", "give exactly one of --seq N or --case ID")
    ledger = open_ledger(db_path)
    records = [ledger.get(seq)] if seq is not None else ledger.history(case_id)
    if not records:
        raise BadInput("case", f"no records for case {case_id!r}")
    rows = [_record_data(ledger, r.seq) for r in records]
    click.echo(json.dumps(rows[0] if seq is not None else rows, indent=2, ensure_ascii=False))


def _record_data(ledger: Ledger, seq: int) -> dict:
    columns = ("seq", "record_id", "case_id", "kind", "supersedes", "recorded_at", "framework",
               "framework_fingerprint", "engine_version", "canonical_version", "inputs", "decision",
               "actor", "prev_hash", "hash")
    row = ledger.conn.execute(f"SELECT {', '.join(columns)} FROM records WHERE seq = ?", (seq,)).fetchone()
    data = dict(zip(columns, row))
    data["inputs"] = json.loads(data["inputs"])
    data["decision"] = json.loads(data["decision"])
    return data


@click.command()
@db_option()
def head(db_path):
    """Print the chain head as JSON, to keep elsewhere.

    The head is the last seq, its hash and its time; 'verify --head' uses it to detect truncation.
    """
    click.echo(open_ledger(db_path).head().to_json(), nl=False)


COMMANDS = (record, verify, show, head)
