"""The main job end to end, on a seeded synthetic population (`dh-audit demo`).

Steps: generate the population; record each case's historical decision under
the framework of its date; record a 2026 reassessment of every case assessed
before 2026; record objections and referrals (`audit.demo_casework`);
sign a checkpoint; verify; replay every record; compare `pilot-2024` with `2026`;
find the boundary cases; write the reports and one objection dossier; publish
the release (protected statistics, the public report rendered from them and a
receipt signed with the demo key) into ``release/`` with the same code as
``dh-audit publish``, and the confidential disclosure audit beside the ledger,
outside the release. Every output lands in one directory.

The demo writes only into a new or empty directory, or, with ``force``, over
its own earlier output: a list of what it wrote (`MANIFEST`) says which files
those are, and a directory holding anything else, or a demo file changed since,
is refused. So the demo never removes a file it did not make.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, timedelta
from pathlib import Path

import attrs

from decisions.evaluate import evaluate
from decisions.frameworks import FRAMEWORK_2026, NEW_RULES_START
from decisions.registry import get_framework
from decisions.inputs import load_case

from audit.analysis import boundary as boundaries
from audit.analysis import compare as comparing
from audit.analysis import replay as replaying
from audit.casework.dossier import render_dossier
from audit.casework.steps import Casework
from audit.demo_casework import DemoCasework, seed_casework
from audit.ledger import scan
from audit import synth
from audit.ledger.checkpointing import create_checkpoint
from audit.log.checkpoints import Checkpoint, describe_checkpoint
from audit.errors import BadInput
from audit.ledger.store import Entry, Ledger, VerifyReport
from audit.outputs import CHECKPOINT, HTML_REPORT, Kind, is_ledger_file, output
from audit.log.signing import generate_keypair, load_private_key

HISTORICAL_ACTOR = "demo-beoordelaar"
REASSESSMENT_ACTOR = "demo-herbeoordeling"
REASSESSMENT_FIRST_DAY = date(2026, 1, 5)
REASSESSMENT_DAYS = 280  # reassessments are spread over 2026, from 5 January to early October
MANIFEST = ".dh-audit-demo.json"
LEDGER_NAME = "ledger.db"
RELEASE_DIR = "release"
STATISTICS = "statistiek.db"
SOURCE = ("dh-audit demo: een verzonnen populatie van Groningse adressen. "
          "Geen enkel adres, bedrag of dossier is echt.")
DEMO_JSON = Kind("file made by dh-audit demo", lambda path: False)  # written only into an empty directory

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
    boundary_html: Path
    boundary_json: Path
    replay_html: Path | None
    dossier_html: Path | None
    release: Path
    audit: Path

    @property
    def stats(self) -> Path:
        return self.release / STATISTICS


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
    casework: DemoCasework
    checkpoint: Checkpoint


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ledger_id(path: Path) -> str | None:
    if not is_ledger_file(path):
        return None
    with Ledger(path, create=False) as ledger:
        return ledger.ledger_id


def _write_manifest(directory: Path) -> None:
    """List every file the demo wrote: its SHA-256, or for the ledger (which one may use) its ledger id."""
    files = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            name = path.relative_to(directory).as_posix()
            files[name] = {"ledger_id": _ledger_id(path)} if name == LEDGER_NAME else {"sha256": _sha256(path)}
    text = json.dumps({"made_by": "dh-audit demo", "files": files}, indent=1) + "\n"
    output(directory / MANIFEST, "--dir", DEMO_JSON).write_text(text)


def _not_made_by_demo(directory: Path) -> str | None:
    """The first thing in `directory` that the earlier demo run did not write as it is now; None if none."""
    try:
        listed = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"no list of an earlier demo's files ({MANIFEST})"
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_symlink():
            return f"{name} (a symbolic link)"
        if path.is_dir():
            if not any(other.startswith(name + "/") for other in listed):
                return f"{name}/"
            continue
        if name == MANIFEST or name in (f"{LEDGER_NAME}-wal", f"{LEDGER_NAME}-shm"):
            continue
        made = listed.get(name)
        if not isinstance(made, dict):
            return name
        if name == LEDGER_NAME:
            if made.get("ledger_id") is None or _ledger_id(path) != made["ledger_id"]:
                return f"{name} (not the demo's ledger)"
        elif _sha256(path) != made.get("sha256"):
            return f"{name} (changed since the demo wrote it)"
    return None


def prepare_directory(directory: Path, force: bool) -> None:
    """Make `directory` ready: new, empty, or (with `force`) emptied of an earlier demo's own files."""
    if directory.is_symlink():
        raise BadInput("--dir", f"{directory} is a symbolic link; the demo writes only into a real directory")
    if not directory.exists():
        directory.mkdir(parents=True)
        return
    if not directory.is_dir():
        raise BadInput("--dir", f"{directory} is not a directory")
    if not any(directory.iterdir()):
        return
    foreign = _not_made_by_demo(directory)
    if foreign is not None:
        raise BadInput("--dir", f"{directory} holds {foreign}, not made by dh-audit demo; the demo writes only "
                                "into a new or empty directory, or over its own earlier output (choose another --dir)")
    if not force:
        raise BadInput("--dir", f"{directory} holds an earlier demo; give --force to replace it")
    for path in sorted(directory.iterdir()):
        if path.name != MANIFEST:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    (directory / MANIFEST).unlink()


def _write(path: Path, text: str, kind: Kind) -> None:
    output(path, "--dir", kind).write_text(text)


def run_demo(directory: Path, n: int, seed: int, progress: Progress, step: Callable[[str], None],
             force: bool = False) -> DemoSummary:
    directory = Path(directory)
    prepare_directory(directory, force)
    cases_path = directory / "cases.jsonl"
    ledger_path = directory / LEDGER_NAME

    step(f"1/10 generating {n} synthetic cases (seed {seed})")
    with progress("generating", 1) as update:
        counted = []
        output(cases_path, "--dir", DEMO_JSON).write_with(
            lambda temp: counted.append(synth.write_jsonl(temp, n, seed))
        )
        written = counted[0]
        update(1)

    ledger = Ledger(ledger_path)
    step("2/10 recording each historical decision under the framework of its date")
    with progress("recording", written) as update:
        seqs = ledger.append_entries(_historical(cases_path, update))

    step("3/10 recording 2026 reassessments of every case assessed before 2026")
    with progress("reassessing", written) as update:
        again = ledger.append_entries(_reassessments(cases_path, seqs, update))

    step("4/10 recording objections and referrals: decided and undecided, on time and late")
    with progress("casework", 1) as update:
        casework = seed_casework(ledger)
        update(1)

    step("5/10 signing a checkpoint and verifying the ledger")
    keys = directory / "keys"
    keys.mkdir()
    private, public, _ = generate_keypair(keys / "demo-sleutel", "--dir")
    checkpoint = create_checkpoint(ledger, load_private_key(private))
    checkpoint_path = directory / "checkpoint.json"
    _write(checkpoint_path, checkpoint.to_json(), CHECKPOINT)
    head_path = directory / "head.json"
    _write(head_path, ledger.head().to_json(), DEMO_JSON)
    with progress("verifying", 1) as update:
        verified = ledger.verify()
        update(1)

    conn = ledger.conn
    records = scan.record_count(conn)
    step("6/10 replaying every record under its recorded framework")
    installed = replaying.Installed()
    with progress("replaying", records) as update:
        replayed = replaying.summarise(_tap(replaying.replay_all(scan.all_records(conn), installed), update))

    step("7/10 comparing pilot-2024 with 2026 on the latest facts of every case")
    before, after = get_framework(comparing.DEFAULT_FROM), get_framework(comparing.DEFAULT_TO)
    cases = scan.case_count(conn)
    with progress("comparing", cases) as update:
        comparison = comparing.compare_ledger(conn, before, after, update)

    step("8/10 finding the boundary cases under 2026")
    with progress("examining", cases) as update:
        found = list(boundaries.ledger_boundary_cases(conn, after, update))
    boundary_summary = boundaries.summarise(iter(found), after.id)

    step("9/10 writing the reports and an objection dossier")
    from audit.reports.documents import boundary_pages, boundary_report, replay_report

    head = scan.head(conn)
    signed = describe_checkpoint(checkpoint, records)
    boundary_html = directory / "grensgevallen.html"
    if len(found) > boundaries.PAGES_ABOVE:  # as `dh-audit boundary --html`: an index page and one page per class
        index, pages = boundary_pages(found, boundary_summary, after, cases, head, boundary_html.stem)
        for name, page in pages.items():
            _write(directory / name, page, HTML_REPORT)
        _write(boundary_html, index, HTML_REPORT)
    else:
        _write(boundary_html, boundary_report(found, boundary_summary, after, cases, head), HTML_REPORT)
    boundary_json = directory / "grensgevallen.json"
    _write(
        boundary_json,
        json.dumps(
            {"summary": boundaries.summary_to_data(boundary_summary),
             "cases": [boundaries.boundary_to_data(item) for item in found]},
            indent=1, ensure_ascii=False,
        ),
        DEMO_JSON,
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
        _write(
            replay_html, replay_report(result, focus, history, found_fw[0] if found_fw else None, other, head),
            HTML_REPORT,
        )

    dossier_html = None
    chosen = casework.dossier_objection
    if chosen is not None:
        dossier_html = directory / f"bezwaar-{chosen.id}.html"
        _write(dossier_html, render_dossier(Casework(ledger), chosen.id, casework.today), HTML_REPORT)

    step("10/10 publishing the release: protected statistics, the public report and a signed receipt")
    ledger.close()
    release, audit = _publish(ledger_path, directory / RELEASE_DIR, private)
    _write_manifest(directory)
    outputs = DemoOutputs(
        directory, cases_path, ledger_path, head_path, checkpoint_path, public,
        boundary_html, boundary_json, replay_html, dossier_html, release, audit,
    )
    return DemoSummary(
        written, len(seqs), len(again), verified, replayed, comparison, boundary_summary, signed, example, outputs,
        casework, checkpoint,
    )


def _publish(ledger_path: Path, release: Path, key: Path) -> tuple[Path, Path]:
    """The release, as `dh-audit publish` makes it; the confidential audit beside the ledger, outside the release."""
    from audit.publication.publish import default_audit_path
    from audit.publication.release import publish_release  # needs scipy for the disclosure audit

    audit = default_audit_path(ledger_path)
    publish_release(ledger_path, release, audit_path=audit, key_path=key, source_label=SOURCE)
    return release, audit


def _tap(items, update):
    for item in items:
        update(1)
        yield item
