"""`python -m benchmarks [--n 1000000] [--dir WORKDIR] [--out BENCHMARKS.md] [--only record,verify,...]`.

Generates the synthetic workload, measures each operation of issue #8 and its
baseline as child processes, interleaved on the same data, and writes the
report. Exit status 0 when every child succeeded (targets met or not), else 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from . import machine, report
from .load import CLIENTS, load_test
from .measure import Run, run
from .rows import KEYS, SPEC_BY_KEY, Result
from .workload import SEED, write_requests

DEFAULT_N = 1_000_000
# The draft of the `whatif` rows: parameter overrides only, so that the OpenFisca peer can take the same ones.
DRAFT = """base: "2026"
label: "Benchmark: drie bevingen, drempel 3.000 euro, geen plafond"
parameters:
  area.min_events: 3
  damage_threshold.amount: "3000.00"
  cap.statutory_max: null
"""
SWEEP = "area.min_events=2..6"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "dh-audit-bench"


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("dh-audit")
    if script.exists():
        return [str(script)]
    found = shutil.which("dh-audit")
    return [found] if found else [sys.executable, "-m", "audit"]


def _baseline(kind: str, *paths: Path) -> list[str]:
    return [sys.executable, "-m", "benchmarks.baselines", kind, *map(str, paths)]


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _records_in(path: Path) -> int | None:
    if not path.exists():
        return None
    try:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    except sqlite3.Error:
        return None


class Bench:
    """One benchmark run in one working directory."""

    def __init__(self, options: argparse.Namespace):
        self.n = options.n
        self.dir = options.dir.resolve()
        self.repeat = options.repeat
        self.load_seconds = options.load_seconds
        self.cli = _cli()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.logs = self.dir / "logs"
        self.logs.mkdir(exist_ok=True)
        self.requests = self.dir / f"requests-{self.n}.jsonl"
        self.ledger = self.dir / "ledger.db"
        self.release = self.dir / "release"
        self.stats = self.release / "statistiek.db"
        self.addresses = 0
        self.prepared: list[str] = []
        self._counter = 0

    def say(self, text: str) -> None:
        print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def measure(self, label: str, command: list[str]) -> Run:
        self._counter += 1
        log = self.logs / f"{self._counter:02d}-{label.replace(' ', '_')}.log"
        self.say(f"{label}: {shlex.join(command)}")
        result = run(label, command, log=log)
        state = "ok" if result.ok else f"FAILED (exit {result.status}, see {log})"
        self.say(f"{label}: {result.seconds:.2f} s, CPU {result.cpu_seconds:.2f} s, "
                 f"peak RSS {result.peak_rss_bytes / 2**20:.0f} MiB, {state}")
        return result

    # --- preparation (not measured) ---------------------------------------------------------

    def prepare_requests(self) -> None:
        marker = self.requests.with_name(self.requests.name + ".addresses")
        if self.requests.exists() and marker.exists():
            self.addresses = int(marker.read_text())
            return
        started = time.perf_counter()
        self.addresses = write_requests(self.requests, self.n, SEED)
        marker.write_text(str(self.addresses))
        self.prepared.append(f"wrote {self.n:,} requests for {self.addresses:,} addresses "
                             f"in {time.perf_counter() - started:.0f} s")
        self.say(self.prepared[-1])

    def ensure_ledger(self) -> None:
        if _records_in(self.ledger) == self.n:
            return
        _remove_db(self.ledger)
        built = self.measure("prepare ledger", [*self.cli, "record", "--db", str(self.ledger), str(self.requests)])
        if not built.ok:
            raise SystemExit(f"could not build the ledger: {built.stderr_tail}")
        self.prepared.append(f"built the ledger with `dh-audit record` in {built.seconds:.0f} s (not a measured row)")

    def ensure_stats(self) -> None:
        if self.stats.exists():
            return
        self.ensure_ledger()
        built = self.measure("prepare publication", self._publish_command())
        if not built.ok:
            raise SystemExit(f"could not publish: {built.stderr_tail}")

    def _publish_command(self) -> list[str]:
        return [*self.cli, "publish", "--db", str(self.ledger), "--out", str(self.release), "--generated", "2026-11",
                "--audit-out", str(self.dir / "disclosure-audit.VERTROUWELIJK.json"), "--force"]

    # --- the rows -------------------------------------------------------------------------

    def record(self) -> Result:
        rows_file = self.dir / "baseline-rows.pickle"
        baseline_db = self.dir / "baseline.db"
        operations, baselines = [], []
        for _ in range(self.repeat):
            _remove_db(self.ledger)
            operations.append(self.measure("record", [*self.cli, "record", "--db", str(self.ledger),
                                                      str(self.requests)]))
            if not operations[-1].ok:
                break
            dumped = self.measure("dump rows (preparation)", _baseline("dump-rows", self.ledger, rows_file))
            if not dumped.ok:
                break
            _remove_db(baseline_db)
            baselines.append(self.measure("record baseline", _baseline("insert", rows_file, baseline_db)))
        _remove_db(baseline_db)
        rows_file.unlink(missing_ok=True)
        return Result(SPEC_BY_KEY["record"], tuple(operations), tuple(baselines))

    def verify(self) -> Result:
        self.ensure_ledger()
        operations, baselines = [], []
        for _ in range(self.repeat):
            baselines.append(self.measure("verify baseline", _baseline("hash", self.ledger)))
            operations.append(self.measure("verify", [*self.cli, "verify", "--db", str(self.ledger)]))
        return Result(SPEC_BY_KEY["verify"], tuple(operations), tuple(baselines))

    def compare(self) -> Result:
        self.ensure_ledger()
        peer = all(importlib.util.find_spec(name) is not None for name in ("openfisca_core", "benchmarks.openfisca_peer"))
        operations, baselines = [], []
        for _ in range(self.repeat):
            if peer:
                baselines.append(self.measure("compare baseline (peer)", _baseline("peer", self.ledger)))
            operations.append(self.measure("compare", [*self.cli, "compare", "--db", str(self.ledger), "--from",
                                                       "pilot-2024", "--to", "2026", "--json"]))
        note = "" if peer else "peer not available (OpenFisca or `benchmarks/openfisca_peer.py` is not installed)"
        return Result(SPEC_BY_KEY["compare"], tuple(operations), tuple(baselines), note=note)

    def _draft(self) -> Path:
        draft = self.dir / "draft.yaml"
        draft.write_text(DRAFT, encoding="utf-8")
        return draft

    def _whatif(self, label: str, draft: Path, *extra: str) -> Run:
        return self.measure(label, [*self.cli, "whatif", "--db", str(self.ledger), str(draft), "--json", *extra])

    def whatif(self) -> Result:
        self.ensure_ledger()
        draft = self._draft()
        peer = all(importlib.util.find_spec(name) is not None for name in ("openfisca_core", "benchmarks.openfisca_peer"))
        operations, baselines = [], []
        for _ in range(self.repeat):
            if peer:
                baselines.append(self.measure("whatif baseline (peer)", _baseline("peer-draft", self.ledger, draft)))
            operations.append(self._whatif("whatif", draft))
        note = "" if peer else "peer not available (OpenFisca or `benchmarks/openfisca_peer.py` is not installed)"
        return Result(SPEC_BY_KEY["whatif"], tuple(operations), tuple(baselines), note=note)

    def sweep(self) -> Result:
        self.ensure_ledger()
        draft = self._draft()
        operations, baselines = [], []
        for _ in range(self.repeat):
            baselines.append(self._whatif("sweep baseline (one draft)", draft))
            operations.append(self._whatif("whatif --sweep", draft, "--sweep", SWEEP))
        return Result(SPEC_BY_KEY["sweep"], tuple(operations), tuple(baselines))

    def replay(self) -> Result:
        self.ensure_ledger()
        operations, baselines = [], []
        for _ in range(self.repeat):
            baselines.append(self.measure("replay baseline (verify)", [*self.cli, "verify", "--db",
                                                                       str(self.ledger)]))
            operations.append(self.measure("replay --all", [*self.cli, "replay", "--db", str(self.ledger),
                                                            "--all"]))
        return Result(SPEC_BY_KEY["replay"], tuple(operations), tuple(baselines))

    def publish(self) -> Result:
        self.ensure_ledger()
        operations = []
        for _ in range(self.repeat):
            shutil.rmtree(self.release, ignore_errors=True)
            operations.append(self.measure("publish", self._publish_command()))
        return Result(SPEC_BY_KEY["publish"], tuple(operations))

    def incremental(self) -> Result:
        """Incremental verification from a verified checkpoint at the head, against a full `verify`."""
        self.ensure_ledger()
        key = self.dir / "signing.key"
        if not key.exists():
            made = run("keygen", [*self.cli, "keygen", "--out", str(key)], log=self.logs / "keygen.log")
            if not made.ok:
                raise SystemExit(f"could not make a signing key: {made.stderr_tail}")
        signed = self.measure("prepare checkpoint", [*self.cli, "checkpoint", "--db", str(self.ledger), "--key",
                                                     str(key), "--out", str(self.dir / "checkpoint.json")])
        if not signed.ok:
            raise SystemExit(f"could not sign a checkpoint: {signed.stderr_tail}")
        self.prepared.append(f"signed a checkpoint at the head in {signed.seconds:.1f} s (verification included; "
                             "not a measured row)")
        operations, baselines = [], []
        for _ in range(self.repeat):
            baselines.append(self.measure("full verify", [*self.cli, "verify", "--db", str(self.ledger)]))
            operations.append(self.measure("verify --since-checkpoint", [*self.cli, "verify", "--db",
                                                                         str(self.ledger), "--since-checkpoint"]))
        return Result(SPEC_BY_KEY["incremental"], tuple(operations), tuple(baselines))

    def serve(self) -> Result:
        self.ensure_stats()
        self.say(f"serve: {CLIENTS} clients for {self.load_seconds:g} s")
        result, errors = load_test(self.cli, self.stats, self.load_seconds, self.logs / "serve.log")
        p50, p95, p99 = (result.percentile(p) for p in (50, 95, 99))
        self.say(f"serve: {result.requests} requests, {result.errors} errors, p50 {p50} p95 {p95} p99 {p99} ms")
        note = "; ".join(errors)
        server = result.server
        return Result(SPEC_BY_KEY["serve"], (server,), (), note=note, p50_ms=p50, p95_ms=p95, p99_ms=p99,
                      requests=result.requests, errors=result.errors)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="Records in the ledger (default: 1,000,000).")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help=f"Working directory for the workload, ledgers and logs (default: {DEFAULT_DIR}).")
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"), help="The report to write.")
    parser.add_argument("--only", default=",".join(KEYS),
                        help=f"Comma-separated rows to measure (default: all of {','.join(KEYS)}).")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Runs of each operation and baseline, interleaved; the fastest counts (default: 1).")
    parser.add_argument("--load-seconds", type=float, default=30.0,
                        help="Duration of the Datasette load (default: 30 s).")
    parser.add_argument("--rerender", action="store_true",
                        help=f"Measure nothing: write the report again from the figures of the last run in --dir "
                             f"({report.SAVED}), with the current notes.")
    options = parser.parse_args(argv)
    options.only = [key.strip() for key in options.only.split(",") if key.strip()]
    unknown = [key for key in options.only if key not in KEYS]
    if unknown:
        parser.error(f"unknown row {unknown[0]!r}; the rows are {', '.join(KEYS)}")
    if options.n < 1 or options.repeat < 1 or options.load_seconds <= 0:
        parser.error("--n and --repeat must be at least 1, and --load-seconds positive")
    return options


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    if options.rerender:
        saved = options.dir / report.SAVED
        if not saved.exists():
            raise SystemExit(f"no figures saved in {saved}: run the benchmarks first")
        options.out.write_text(report.render(**report.load(saved)), encoding="utf-8")
        print(f"wrote {options.out} from {saved}", file=sys.stderr)
        return 0
    command = "python -m benchmarks " + shlex.join(sys.argv[1:] if argv is None else argv)
    bench = Bench(options)
    started = datetime.now(timezone.utc)
    load_before = machine.load_average()
    bench.prepare_requests()
    results = [getattr(bench, key)() for key in KEYS if key in options.only]
    finished = datetime.now(timezone.utc)
    figures = dict(
        results=results, n=options.n, addresses=bench.addresses, command=command, started=started,
        finished=finished, machine=machine.describe(), load=(load_before, machine.load_average()),
        prepared=bench.prepared, load_seconds=options.load_seconds, repeat=options.repeat,
    )
    report.save(figures, bench.dir / report.SAVED)
    text = report.render(**figures)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(text, encoding="utf-8")
    bench.say(f"wrote {options.out}")
    return 1 if any(result.failed for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
