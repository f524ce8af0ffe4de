"""The main job end to end, on a seeded synthetic population (`dh-audit demo`).

Steps: generate the population; record each case's historical decision under
the framework of its date; record a 2026 reassessment of every case assessed
before 2026; sign a checkpoint; verify; replay every record; compare
`pilot-2024` with `2026`; find the boundary cases; write the reports; publish
the protected statistics. Every output lands in one directory.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, timedelta
from pathlib import Path

import attrs

from decisions.evaluate import evaluate
from decisions.frameworks import FRAMEWORK_2026, NEW_RULES_START, get_framework
from decisions.inputs import CaseInputs, load_case

from . import boundary as boundaries
from . import compare as comparing
from . import replay as replaying
from . import scan, synth
from .checkpoints import create_checkpoint, describe_checkpoint
from .ledger import Entry, Ledger, VerifyReport
from .signing import generate_keypair, load_private_key

HISTORICAL_ACTOR = "demo-beoordelaar"
REASSESSMENT_ACTOR = "demo-herbeoordeling"
REASSESSMENT_FIRST_DAY = date(2026, 1, 5)
REASSESSMENT_DAYS = 280  # reassessments are spread over 2026, from 5 January to early October

# `progress(label, total)` returns a context manager whose value is `update(n)`.
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


@attrs.frozen
class DemoOutputs:
    directory: Path
    cases: Path
    ledger: Path
    head: Path
    checkpoint: Path
    public_key: Path
    compare_html: Path
    compare_markdown: Path
    boundary_html: Path
    boundary_json: Path
    replay_html: Path | None
    stats: Path


@attrs.frozen
class DemoSummary:
    population: int
    historical: int
    reassessments: int
    verify: VerifyReport
    replay: replaying.ReplaySummary
    comparison: comparing.Comparison
    boundary: boundaries.BoundarySummary
    checkpoint_text: str
    example_case: str | None
    outputs: DemoOutputs


def reassessment_day(index: int) -> date:
    """A deterministic 2026 working day for the index-th reassessment."""
    day = REASSESSMENT_FIRST_DAY + timedelta(days=(index * 7919) % REASSESSMENT_DAYS)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _historical(cases_path: Path, update) -> Iterator[Entry]:
    with cases_path.open("rb") as lines:
        for line in lines:
            case = load_case(line)
            update(1)
            yield Entry(case, evaluate(case), "assessment", None, HISTORICAL_ACTOR)


def _reassessments(cases_path: Path, seqs: list[int], update) -> Iterator[Entry]:
    with cases_path.open("rb") as lines:
        for index, (line, seq) in enumerate(zip(lines, seqs)):
            update(1)
            case = load_case(line)
            if case.assessed_on >= NEW_RULES_START:
                continue
            again = attrs.evolve(case, assessed_on=reassessment_day(index))
            yield Entry(again, evaluate(again, FRAMEWORK_2026), "assessment", seq, REASSESSMENT_ACTOR)


def _pick_example(found: list[boundaries.Found]) -> str | None:
    """A case worth a replay report: one that loses under 2026 by interpretation I-1, else any boundary case."""
    for wanted in ("existing_dossier_outside_pilot_area", "fails_one_criterion"):
        for item in found:
            if wanted in item.case.classes:
                return item.case.case_id
    return found[0].case.case_id if found else None


def run_demo(directory: Path, n: int, seed: int, progress: Progress, step: Callable[[str], None]) -> DemoSummary:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "stats.db", "keys"):
        target = directory / stale
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    cases_path = directory / "cases.jsonl"
    ledger_path = directory / "ledger.db"

    step(f"1/9 generating {n} synthetic cases (seed {seed})")
    with progress("generating", 1) as update:
        written = synth.write_jsonl(cases_path, n, seed)
        update(1)

    ledger = Ledger(ledger_path)
    step("2/9 recording each historical decision under the framework of its date")
    with progress("recording", written) as update:
        seqs = ledger.append_entries(_historical(cases_path, update))

    step("3/9 recording 2026 reassessments of every case assessed before 2026")
    with progress("reassessing", written) as update:
        again = ledger.append_entries(_reassessments(cases_path, seqs, update))

    step("4/9 signing a checkpoint and verifying the ledger")
    keys = directory / "keys"
    keys.mkdir()
    private, public, _ = generate_keypair(keys / "demo-sleutel")
    checkpoint = create_checkpoint(ledger, load_private_key(private))
    checkpoint_path = directory / "checkpoint.json"
    checkpoint_path.write_text(checkpoint.to_json(), encoding="utf-8")
    head_path = directory / "head.json"
    head_path.write_text(ledger.head().to_json(), encoding="utf-8")
    with progress("verifying", 1) as update:
        verified = ledger.verify()
        update(1)

    conn = ledger.conn
    records = scan.record_count(conn)
    step("5/9 replaying every record under its recorded framework")
    installed = replaying.Installed()
    with progress("replaying", records) as update:
        replayed = replaying.summarise(_tap(replaying.replay_all(scan.all_records(conn), installed), update))

    step("6/9 comparing pilot-2024 with 2026 on the latest facts of every case")
    before, after = get_framework(comparing.DEFAULT_FROM), get_framework(comparing.DEFAULT_TO)
    cases = scan.case_count(conn)
    with progress("comparing", cases) as update:
        comparison = comparing.compare_ledger(conn, before, after, update)

    step("7/9 finding the boundary cases under 2026")
    with progress("examining", cases) as update:
        found = list(boundaries.ledger_boundary_cases(conn, after, update))
    boundary_summary = boundaries.summarise(iter(found), after.id)

    step("8/9 writing the reports")
    from .comparison_tables import protect_comparison
    from .reports import boundary_report, compare_report_html, compare_report_markdown, replay_report

    head = scan.head(conn)
    protected = protect_comparison(comparison)
    compare_html = directory / "vergelijking.html"
    compare_md = directory / "vergelijking.md"
    signed = describe_checkpoint(checkpoint, records)
    compare_html.write_text(compare_report_html(protected, before, after, head, signed), encoding="utf-8")
    compare_md.write_text(compare_report_markdown(protected, before, after, head, signed), encoding="utf-8")
    boundary_html = directory / "grensgevallen.html"
    boundary_html.write_text(boundary_report(found, boundary_summary, after, cases, head), encoding="utf-8")
    boundary_json = directory / "grensgevallen.json"
    boundary_json.write_text(
        json.dumps(
            {"summary": boundaries.summary_to_data(boundary_summary),
             "cases": [boundaries.boundary_to_data(item) for item in found]},
            indent=1, ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    example = _pick_example(found)
    replay_html = None
    if example is not None:
        history_records = list(scan.case_records(conn, example))
        focus = history_records[-1]
        other = get_framework(replaying.default_other(focus.framework))
        history = [(r, replaying.replay_record(r, installed, other)) for r in history_records]
        result = history[-1][1]
        found_fw = installed.get(focus.framework)
        replay_html = directory / f"herhaling-{example}.html"
        replay_html.write_text(
            replay_report(result, focus, history, found_fw[0] if found_fw else None, other, head), encoding="utf-8"
        )

    step("9/9 publishing the protected statistics")
    stats = _publish(ledger_path, directory / "stats.db")
    ledger.close()
    outputs = DemoOutputs(
        directory, cases_path, ledger_path, head_path, checkpoint_path, public, compare_html, compare_md,
        boundary_html, boundary_json, replay_html, stats,
    )
    return DemoSummary(
        written, len(seqs), len(again), verified, replayed, comparison, boundary_summary, signed, example, outputs
    )


def _publish(ledger_path: Path, out: Path) -> Path:
    from .publish import publish  # needs scipy for the disclosure audit

    publish(ledger_path, out, source_label="synthetisch (dh-audit demo)")
    return out


def _tap(items, update):
    for item in items:
        update(1)
        yield item
