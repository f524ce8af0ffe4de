"""BENCHMARKS.md: the machine, the date, the command, the table, every run, and what each row measures."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import cattrs

from .load import CLIENTS
from .measure import Run
from .rows import GIB, RSS_TARGET, Result

NOTES = Path(__file__).with_name("notes.md")
SAVED = "figures.json"
"""The figures of a run, kept in its working directory so that `--rerender` can write the report again."""

_converter = cattrs.Converter()
_converter.register_unstructure_hook(datetime, datetime.isoformat)
_converter.register_structure_hook(datetime, lambda text, _: datetime.fromisoformat(text))


def save(figures: dict, path: Path) -> None:
    data = {key: _converter.unstructure(value) for key, value in figures.items()}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def load(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["results"] = _converter.structure(data["results"], list[Result])
    data["started"], data["finished"] = (datetime.fromisoformat(data[key]) for key in ("started", "finished"))
    data["load"] = tuple(data["load"])
    return data

DEFINITIONS = """\
## What each row measures

Every operation and every baseline is one child process, timed from start to exit (wall clock, interpreter start
and imports included), with its peak resident memory (`ru_maxrss` of that child, from `os.wait4`). A baseline runs
in the same harness run as its operation, next to it, on the same data. With `--repeat R`, operation and baseline
alternate R times and the fastest run of each counts (all runs are listed below). The ratio is operation time over
baseline time.

- **record**: `dh-audit record --db ledger.db requests.jsonl`, from the JSON-lines file of N requests to a durable
  ledger: read and validate each line (docs/input.md), decide it, canonicalise inputs and decision, hash the chain, build
  the Merkle tree nodes, insert, all in one `BEGIN IMMEDIATE` transaction (a bad line writes nothing), WAL with
  `synchronous=FULL`, and print every seq. **Baseline**: a new file with the ledger's own schema (the same
  `records` table with all its columns, its five indexes (primary key, `record_id`, `prev_hash`, `hash`, case and
  supersedes) and its three triggers, including the gapless-seq trigger), the same pragmas, and the very rows
  `record` wrote (canonical JSON, hashes, typed columns) inserted with one `executemany` in one transaction and one
  `COMMIT`. The rows are streamed to `executemany` from a pickle file written beforehand (not timed); the Merkle
  node rows (one per 256 records) are not part of the baseline.
- **verify**: `dh-audit verify --db ledger.db`: re-derive every record's canonical bytes from its stored fields,
  recompute the hash chain, rebuild the RFC 6962 Merkle tree and check every stored node and checkpoint, and check
  every typed column against the hashed JSON. **Baseline**: read the same stored fields (the 14 hashed columns and
  the stored hash, `ORDER BY seq`) and hash each row's fields, joined, with SHA-256 in a plain Python loop.
- **compare**: `dh-audit compare --db ledger.db --from pilot-2024 --to 2026 --json`. **Baseline**: the peer,
  the same two frameworks written in OpenFisca, reading the same inputs from the same ledger file with NumPy
  (`benchmarks.openfisca_peer.run_peer(ledger_path)`).
- **whatif**: `dh-audit whatif --db ledger.db draft.yaml --json`, the draft of the harness (`area.min_events: 3`,
  `damage_threshold.amount: "3000.00"`, `cap.statutory_max: null` on 2026): the latest facts of every case read
  once from the hashed JSON, decided under 2026 and under the draft, the transition matrix with its causes per
  municipality and the cost of both sides. **Baseline**: the OpenFisca peer with the same overrides as a reform
  (`benchmarks.openfisca_peer.run_peer_draft`), the four cells and the same cost figures of both sides.
- **whatif --sweep**: the same draft with `--sweep area.min_events=2..6` (five drafts on facts read once).
  **Baseline**: the one-draft `whatif` above, measured again next to it.
- **replay --all**: `dh-audit replay --db ledger.db --all` (every record re-decided under its recorded framework and
  compared byte for byte). **Baseline**: `dh-audit verify` on the same ledger, measured again next to it.
- **publish**: `dh-audit publish --db ledger.db --out statistiek.db`, the disclosure control and its LP audit
  included. No baseline: the target is an absolute time.
- **Datasette**: `dh-audit serve statistiek.db --port P` (one uvicorn worker) on loopback, published from the same
  ledger. {clients} client threads in the harness process, each with one keep-alive connection, ask for the canned
  queries of `datasette_metadata.json` in turn, each as its HTML page and as `.json` alternately, with no pause
  between requests (closed loop), for the load duration. Latency runs from sending a request to having read the
  whole answer; an error is a failed connection or a status other than 200. The server's peak RSS is in the RSS
  column; the time column is the load duration.
- **verify --since-checkpoint**: `dh-audit verify --db ledger.db --since-checkpoint`, after `dh-audit checkpoint`
  signed the head (not timed): the anchor's signature, record N linked to its signed root through the stored tree,
  the schema, and nothing after it to re-hash. **Baseline**: the full `dh-audit verify` on the same ledger.
- **peak RSS**: the largest peak RSS of any measured operation (baselines and preparation excluded).

The machine has {cores} cores: the Datasette clients share them with the server, and other work on the machine
(see the load average) slows operation and baseline alike. CPU time (user + system) is listed with every run.
"""


def _seconds(run: Run | None) -> str:
    return "–" if run is None else f"{run.seconds:.1f} s" if run.seconds >= 10 else f"{run.seconds:.2f} s"


def _mib(value: int | None) -> str:
    return "–" if value is None else f"{value / 2**20:.0f} MiB"


def _met(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[value]


def _row(result: Result) -> str:
    spec = result.spec
    op, base = result.operation, result.baseline
    if result.failed and op is None:
        time_text = f"failed (exit {result.failed[0].status})"
    else:
        time_text = _seconds(op)
    if spec.key == "serve" and result.p95_ms is not None:
        time_text = (f"p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms, p99 {result.p99_ms:.0f} ms; "
                     f"{result.requests} requests, {result.errors} errors")
    ratio = "–" if result.ratio is None else f"{result.ratio:.2f}×"
    if spec.baseline == "none":
        baseline_text = "none"
    elif base is None:
        baseline_text = result.note or "–"
    else:
        baseline_text = f"{spec.baseline}: {_seconds(base)}"
    return (f"| {spec.operation} | {baseline_text} | {time_text} | {ratio} | {spec.target} | "
            f"{_met(result.met)} | {_mib(result.peak_rss)} |")


def _runs(results: list[Result]) -> list[str]:
    lines = ["| run | wall | CPU (user + sys) | peak RSS | exit | load at start (1 min) |",
             "| --- | --- | --- | --- | --- | --- |"]
    runs = [run for result in results for run in (*result.baselines, *result.operations)]
    for run in sorted(runs, key=lambda run: run.started_at):
        load = "–" if run.load_at_start is None else f"{run.load_at_start:.2f}"
        lines.append(f"| {run.label} | {_seconds(run)} | {run.cpu_seconds:.1f} s | {_mib(run.peak_rss_bytes)} | "
                     f"{run.status} | {load} |")
    return lines


def render(
    *, results: list[Result], n: int, addresses: int, command: str, started: datetime, finished: datetime,
    machine: dict[str, str], load: tuple[str, str], prepared: list[str], load_seconds: float, repeat: int,
) -> str:
    peak = max((r.peak_rss for r in results if r.peak_rss is not None), default=None)
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (issue #8; `make bench`). All data are SYNTHETIC: `audit.synth`'s "
        "invented Groningen population, no real case.",
        "",
        f"- Command: `{command}`",
        f"- Date: {started:%Y-%m-%d %H:%M} to {finished:%H:%M} UTC",
        "- Machine: " + "; ".join(f"{key} {value}" for key, value in machine.items()),
        f"- Load average (1, 5, 15 min) at the start: {load[0]}; at the end: {load[1]}. The machine was shared "
        "with other work during the run: ratios (operation and baseline side by side) are more telling than "
        "absolute times.",
        f"- Workload: {n:,} decision requests for {addresses:,} synthetic addresses (one to four assessments per "
        f"address over the years, `benchmarks/workload.py`); the ledger holds {n:,} records. "
        f"Runs per row: {repeat}. Datasette load: {CLIENTS} clients for {load_seconds:g} s.",
        "",
        "## Results",
        "",
        "| operation | baseline | time | ratio | target | met? | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(_row(result) for result in results),
        f"| peak RSS, any operation | none | – | – | {RSS_TARGET} | "
        f"{_met(None if peak is None else peak <= GIB)} | {_mib(peak)} |",
        "",
    ]
    notes = [f"- {result.spec.key}: {result.note}" for result in results if result.note]
    failures = [f"- {run.label} exited {run.status}: `{run.stderr_tail.strip().splitlines()[-1:]}`"
                for result in results for run in result.failed]
    if notes or failures:
        lines += ["Notes:", "", *notes, *failures, ""]
    lines += ["## Every run", "", *_runs(results), ""]
    if prepared:
        lines += ["Preparation (not measured): " + "; ".join(prepared) + ".", ""]
    lines.append(DEFINITIONS.format(clients=CLIENTS, cores=machine.get("cores (nproc)", "?")))
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"
