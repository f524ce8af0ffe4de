"""`dh-audit replay | compare | boundary`: replay recorded decisions, compare frameworks, find boundary cases."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager

import click

from decisions.boundary import BOUNDARY_CLASSES
from decisions.frameworks import FRAMEWORKS
from decisions.registry import get_framework

from audit.analysis import boundary as boundary_cases
from audit.analysis import compare as comparing
from audit.analysis import replay as replaying
from audit.ledger import scan
from audit.reports.analysis_wording import describe_counterfactual_en, describe_event_counterfactual_en
from audit.analysis.replay_bulk import replay_ledger
from audit.cli.types import SQL_INTEGER
from audit.counting import counted
from audit.errors import BadInput
from audit.ledger.store import Ledger
from audit.outputs import HTML_REPORT, MARKDOWN_REPORT, Output, distinct, inputs, output
from audit.cli.options import force_option

PROGRESS_STEP = 1000
_KNOWN = ", ".join(FRAMEWORKS)


def _db_option():
    return click.option("--db", "db_path", required=True, metavar="PATH", help="The ledger (SQLite file).")


def _open(db_path: str) -> Ledger:
    return Ledger(db_path, create=False)


def _target(path: str | None, option: str, kind, force: bool, db_path: str) -> Output | None:
    """An output checked before any work: never the ledger, a key, a symlink or a file of another kind."""
    return output(path, option, kind, force=force, inputs=inputs(db=db_path)) if path else None


def _write(target: Output, text: str) -> None:
    target.write_text(text)
    click.echo(f"wrote {target.path}", err=True)


@contextmanager
def _progress(label: str, length_of):
    """A progress bar on stderr when it is a terminal; `update(n)` otherwise does nothing."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=max(length_of(), 1), label=label, file=sys.stderr) as bar:
        pending = [0]

        def update(n: int) -> None:
            pending[0] += n
            if pending[0] >= PROGRESS_STEP:
                bar.update(pending[0])
                pending[0] = 0

        yield update
        bar.update(pending[0])


def _json_stream_start(key: str, head: dict | None = None) -> None:
    prefix = json.dumps(head)[:-1] + ", " if head else "{"
    click.echo(f'{prefix}"{key}": [', nl=False)


def _json_stream_item(data: dict, first: bool) -> None:
    click.echo(("\n" if first else ",\n") + json.dumps(data, ensure_ascii=False), nl=False)


def _json_stream_end(summary: dict) -> None:
    click.echo(f'\n], "summary": {json.dumps(summary, ensure_ascii=False)}}}')


# --- replay -----------------------------------------------------------------------------------


def _value(v) -> str:
    return json.dumps(v, ensure_ascii=False)


def _replay_lines(result: replaying.ReplayResult) -> list[str]:
    status = result.status
    if status == replaying.REPRODUCED:
        status += " (byte-identical)" if result.byte_identical else " (all fields equal; bytes differ in framework_fingerprint)"
    line = f"seq {result.seq}  {result.case_id}  {result.kind}  {result.framework}  {status}"
    if result.other is not None:
        other = result.other
        failed = f", fails {'+'.join(other.failed_criteria)}" if other.failed_criteria and not other.eligible else ""
        line += f"  | under {other.framework}: {other.outcome}{failed}"
    lines = [line]
    if result.reason:
        lines.append(f"    reason: {result.reason}")
    for diff in result.diffs:
        lines.append(f"    {diff.path}: recorded {_value(diff.recorded)}, replayed {_value(diff.replayed)}")
    if result.fingerprint_changed:
        lines.append(
            f"    ! framework fingerprint changed since recording: {result.recorded_fingerprint}"
            f" -> {result.current_fingerprint}"
        )
    return lines


def _summary_lines(summary: replaying.ReplaySummary) -> list[str]:
    s = summary.by_status
    lines = [
        f"replayed {summary.records} records: {s['reproduced']} reproduced ({summary.byte_identical} byte-identical),"
        f" {s['diverged']} diverged, {s['not_replayable']} not replayable;"
        f" framework fingerprint changed for {summary.fingerprint_changed}"
    ]
    for framework, counts in summary.by_framework.items():
        lines.append(
            f"  {framework}: " + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items())
        )
    if summary.other_framework:
        outcomes = ", ".join(f"{n} {o}" for o, n in summary.other_outcomes.items())
        lines.append(f"  under {summary.other_framework}: {outcomes}")
    return lines


@click.command(
    epilog="""\b
Examples:
  dh-audit replay --db ledger.db --seq 12
  dh-audit replay --db ledger.db --case SYN-000042 --framework 2026
  dh-audit replay --db ledger.db --case SYN-000042 --html replay.html
  dh-audit replay --db ledger.db --all

With --all, only records that are not byte-identical reproductions are listed,
then a summary; the ledger is streamed, so memory does not grow with its size.
Exit status: 0 when no record diverged, 1 when one did, 2 for bad input."""
)
@_db_option()
@click.option("--seq", type=SQL_INTEGER, help="Replay the record with this seq.")
@click.option("--case", "case_id", metavar="ID", help="Replay every record of this case.")
@click.option("--all", "all_records", is_flag=True, help="Replay every record of the ledger.")
@click.option("--framework", "other_id", metavar="ID", help=f"Also show the outcome under this framework ({_KNOWN}).")
@click.option("--json", "as_json", is_flag=True, help="Print results and summary as JSON.")
@click.option("--html", "html_out", metavar="OUT.html", help="Write the Dutch case replay report (with --seq or --case).")
@force_option("report")
def replay(db_path, seq, case_id, all_records, other_id, as_json, html_out, force):
    """Re-evaluate recorded decisions under their recorded framework and compare, byte for byte."""
    if sum((seq is not None, case_id is not None, all_records)) != 1:
        raise BadInput("--seq/--case/--all", "give exactly one of --seq N, --case ID or --all")
    if html_out and all_records:
        raise BadInput("--html", "a replay report covers one case: use it with --seq or --case")
    html_out = _target(html_out, "--html", HTML_REPORT, force, db_path)
    other = get_framework(other_id) if other_id else None
    ledger = _open(db_path)
    conn = ledger.conn
    installed = replaying.Installed()

    if all_records:
        with _progress("replaying", lambda: scan.record_count(conn)) as progress:
            summary = replaying.summarise(
                _emit_replay(replay_ledger(conn, installed, other, progress), as_json), other.id if other else None
            )
        _finish_replay(summary, as_json)
        ledger.close()
        sys.exit(0 if summary.all_reproduced else 1)

    if seq is not None:
        focus = scan.record_at(conn, seq)
        if focus is None:
            raise BadInput("--seq", f"no record with seq {seq} in {db_path}")
        records = [focus]
    else:
        records = list(scan.case_records(conn, case_id))
        if not records:
            raise BadInput("--case", f"no records of case {case_id!r} in {db_path}")
        focus = records[-1]
    results = [replaying.replay_record(r, installed, other) for r in records]
    summary = replaying.summarise(iter(results), other.id if other else None)
    if as_json:
        click.echo(json.dumps(
            {"results": [replaying.result_to_data(r) for r in results], "summary": replaying.summary_to_data(summary)},
            indent=2, ensure_ascii=False,
        ))
    else:
        for result in results:
            click.echo("\n".join(_replay_lines(result)))
    if html_out:
        _write(html_out, _replay_html(conn, focus, other, installed))
    ledger.close()
    sys.exit(0 if summary.all_reproduced else 1)


def _replay_html(conn, focus: scan.StoredRecord, other, installed: replaying.Installed) -> str:
    from audit.reports.documents import replay_report

    other = other or FRAMEWORKS.get(replaying.default_other(focus.framework))
    history = [(r, replaying.replay_record(r, installed, other)) for r in scan.case_records(conn, focus.case_id)]
    result = next(res for r, res in history if r.seq == focus.seq)
    found = installed.get(focus.framework)
    return replay_report(result, focus, history, found[0] if found else None, other, scan.head(conn))


def _emit_replay(results, as_json: bool):
    """Print each noteworthy result as it streams by, and pass every result on to be counted."""
    first = True
    if as_json:
        _json_stream_start("results")
    for result in results:
        if result.noteworthy:
            if as_json:
                _json_stream_item(replaying.result_to_data(result), first)
            else:
                click.echo("\n".join(_replay_lines(result)))
            first = False
        yield result


def _finish_replay(summary: replaying.ReplaySummary, as_json: bool) -> None:
    if as_json:
        _json_stream_end(replaying.summary_to_data(summary))
    else:
        click.echo("\n".join(_summary_lines(summary)))


# --- compare ----------------------------------------------------------------------------------


def _compare_lines(c: comparing.Comparison) -> list[str]:
    width = max([len(m) for m in c.municipalities] + [12])
    cells = comparing.CELLS
    lines = [
        f"{c.from_framework} -> {c.to_framework}: {counted(c.cases, 'case')} (latest record per case)",
        "internal figures: counts are not suppressed; publish only the --html or --markdown report",
        "",
        f"{'municipality':<{width}}  " + "  ".join(f"{cell:>16}" for cell in cells) + f"  {'total':>8}",
    ]
    rows = [*c.by_municipality.items(), ("total", c.cells)]
    for name, row in rows:
        lines.append(f"{name:<{width}}  " + "  ".join(f"{row[cell]:>16}" for cell in cells) + f"  {sum(row.values()):>8}")
    for cell in comparing.CHANGES:
        lines.append("")
        lines.append(f"{cell}: criteria that changed")
        for key, n in sorted(c.reasons[cell].items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {n:>8}  {key}")
    lines.append("")
    lines.append(f"change in maximum amount ({counted(sum(c.cap_bands.values()), 'case')} eligible under both):")
    for band, n in c.cap_bands.items():
        lines.append(f"  {n:>8}  {band}")
    lines.append("")
    lines.append(
        f"interpretation I-1 ({c.i1_class}): {counted(c.i1_cases, 'case')}"
        f" ({c.i1_by_cell[comparing.LOSES]} lose, {c.i1_by_cell[comparing.STAYS_INELIGIBLE]} stay ineligible)"
    )
    for name, n in c.i1_by_municipality.items():
        lines.append(f"  {n:>8}  {name}")
    lines.append("")
    lines.append(
        "discretionary exception needed (estimated cost above the maximum): "
        f"{c.exceedance[comparing.BEFORE]} under {c.from_framework}, {c.exceedance[comparing.AFTER]} under {c.to_framework}"
    )
    return lines


@click.command(
    epilog="""\b
Examples:
  dh-audit compare --db ledger.db
  dh-audit compare --db ledger.db --from pilot-2024 --to 2026 --json
  dh-audit compare --db ledger.db --html vergelijking.html --markdown vergelijking.md

The text and JSON output are internal figures (not suppressed). The --html and
--markdown reports show only counts protected by the disclosure rules (docs/publication.md)."""
)
@_db_option()
@click.option("--from", "from_id", default=comparing.DEFAULT_FROM, show_default=True, metavar="ID",
              help=f"The old framework ({_KNOWN}, or a variant reading such as 2026~I-4:letterlijk).")
@click.option("--to", "to_id", default=comparing.DEFAULT_TO, show_default=True, metavar="ID",
              help="The new framework (or a variant reading).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--html", "html_out", metavar="OUT.html", help="Write the Dutch comparison report (HTML).")
@click.option("--markdown", "markdown_out", metavar="OUT.md", help="Write the Dutch comparison report (Markdown).")
@force_option("report")
def compare(db_path, from_id, to_id, as_json, html_out, markdown_out, force):
    """Decide every case's latest facts under two frameworks: who gains, who loses, and why."""
    html_out = _target(html_out, "--html", HTML_REPORT, force, db_path)
    markdown_out = _target(markdown_out, "--markdown", MARKDOWN_REPORT, force, db_path)
    distinct(html_out, markdown_out)
    before, after = get_framework(from_id), get_framework(to_id)
    ledger = _open(db_path)
    conn = ledger.conn
    with _progress("comparing", lambda: scan.case_count(conn)) as progress:
        comparison = comparing.compare_ledger(conn, before, after, progress)
    if as_json:
        click.echo(json.dumps(comparing.comparison_to_data(comparison), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(_compare_lines(comparison)))
    if html_out or markdown_out:
        if comparison.cases == 0:
            raise BadInput("--db", f"{db_path} holds no records to report on")
        # Imported here: disclosure control needs scipy, which the plain comparison does not.
        from audit.publication.comparison_tables import protect_comparison
        from audit.reports.documents import compare_report_html, compare_report_markdown

        from audit.log.checkpoints import describe_checkpoint, latest_checkpoint

        protected = protect_comparison(comparison)
        head = scan.head(conn)
        signed = describe_checkpoint(latest_checkpoint(ledger), scan.record_count(conn))
        if html_out:
            _write(html_out, compare_report_html(protected, before, after, head, signed))
        if markdown_out:
            _write(markdown_out, compare_report_markdown(protected, before, after, head, signed))
    ledger.close()


# --- boundary ---------------------------------------------------------------------------------


def _boundary_line(found) -> str:
    case = found.case
    flips = [describe_counterfactual_en(cf) for cf in case.counterfactuals]
    flips += [describe_event_counterfactual_en(e) for e in case.event_counterfactuals]
    failed = "+".join(case.failed_criteria) or "-"
    line = f"{case.case_id}  {case.municipality}  {case.outcome}  fails: {failed}  [{', '.join(case.classes)}]"
    line += "  flip: " + ("; ".join(flips) if flips else "no single fact")
    if found.kind != "assessment":
        line += f"  (latest record: seq {found.seq}, {found.kind})"
    return line


def _boundary_selection(class_code: str | None, municipality: str | None) -> None:
    """Refuse an unknown --class or --municipality, naming the valid values."""
    from decisions.municipalities import MUNICIPALITIES

    if class_code is not None and class_code not in BOUNDARY_CLASSES:
        raise BadInput("--class", f"unknown class {class_code!r}; valid: {', '.join(BOUNDARY_CLASSES)}")
    names = [name for name, _ in MUNICIPALITIES]
    if municipality is not None and municipality not in names:
        raise BadInput("--municipality", f"unknown municipality {municipality!r}; valid: {', '.join(names)}")


def _boundary_pages(html_out: Output, force: bool, db_path: str) -> dict:
    """The checked targets of the per-class pages beside the index `html_out` (checked before any is written)."""
    from audit.reports.documents import page_name

    stem = html_out.path.stem
    return {
        code: _target(str(html_out.path.with_name(page_name(stem, code))), "--html", HTML_REPORT, force, db_path)
        for code in BOUNDARY_CLASSES
    }


@click.command(
    epilog="""\b
Examples:
  dh-audit boundary --db ledger.db
  dh-audit boundary --db ledger.db --framework pilot-2024 --json
  dh-audit boundary --db ledger.db --class pgv_one_event_short --municipality Eemsdelta --json
  dh-audit boundary --db ledger.db --html grensgevallen.html

One line per boundary case on stdout (the summary goes to stderr). Classes:
fails_one_criterion, pgv_one_event_short (3 events of >= 5 mm/s),
damage_just_below_threshold (within 10%), pgv_event_just_below_5mms (an event
of 4.5 to 5.0 mm/s), woz_binds_cap, existing_dossier_outside_pilot_area (I-1).

\b
The HTML dossier puts the cases where one fact flips the outcome first, and has
a filter by class, municipality and outcome. With more cases than
--pages-above, OUT.html is an index page and each class gets its own page
beside it: OUT-<class>.html (underscores in the class become hyphens)."""
)
@_db_option()
@click.option("--framework", "framework_id", default=boundary_cases.DEFAULT_FRAMEWORK, show_default=True, metavar="ID",
              help=f"The framework whose boundaries to look at ({_KNOWN}).")
@click.option("--class", "class_code", metavar="CLASS", help="Only the cases in this boundary class.")
@click.option("--municipality", metavar="NAME", help="Only the cases in this municipality (exact spelling).")
@click.option("--json", "as_json", is_flag=True, help="Print the boundary cases and a summary as JSON.")
@click.option("--html", "html_out", metavar="OUT.html", help="Write the Dutch boundary dossier (HTML).")
@click.option("--pages-above", type=click.IntRange(min=0), default=boundary_cases.PAGES_ABOVE, show_default=True,
              metavar="N", help="With --html and more than N cases: an index page plus one page per class.")
@force_option("report")
def boundary(db_path, framework_id, class_code, municipality, as_json, html_out, pages_above, force):
    """Find cases at a boundary of the framework, each with what would flip its outcome."""
    _boundary_selection(class_code, municipality)
    html_out = _target(html_out, "--html", HTML_REPORT, force, db_path)
    framework = get_framework(framework_id)
    ledger = _open(db_path)
    conn = ledger.conn
    collected = [] if html_out else None
    scanned = [0]

    def emit(cases):
        first = True
        if as_json:
            head = {"framework": framework.id}
            if class_code is not None or municipality is not None:
                head["selection"] = {"class": class_code, "municipality": municipality}
            _json_stream_start("cases", head)
        for case in cases:
            if as_json:
                _json_stream_item(boundary_cases.boundary_to_data(case), first)
            else:
                click.echo(_boundary_line(case))
            if collected is not None:
                collected.append(case)
            first = False
            yield case

    def count(n):
        scanned[0] += n
        progress(n)

    caseload = boundary_cases.Caseload()
    with _progress("examining", lambda: scan.case_count(conn)) as progress:
        found = boundary_cases.ledger_boundary_cases(conn, framework, count, caseload)
        summary = boundary_cases.summarise(
            emit(boundary_cases.select(found, class_code, municipality)), framework.id, caseload
        )
    data = boundary_cases.summary_to_data(summary) | {"cases_examined": scanned[0]}
    if as_json:
        _json_stream_end(data)
    else:
        classes = ", ".join(f"{n} {c}" for c, n in summary.by_class.items() if n)
        selected = " selected" if class_code is not None or municipality is not None else ""
        click.echo(
            f"{summary.boundary_cases}{selected} boundary cases of {scanned[0]} under {framework.id}"
            + (f": {classes}" if classes else "")
            + f"; {summary.referable} not eligible with hardship routes (IVS/CBS)",
            err=True,
        )
    if html_out:
        from audit.reports.documents import boundary_pages, boundary_report

        head = scan.head(conn)
        if len(collected) > pages_above:
            pages = _boundary_pages(html_out, force, db_path)
            index, texts = boundary_pages(collected, summary, framework, scanned[0], head, html_out.path.stem)
            by_file = {target.path.name: target for target in pages.values()}
            targets = [by_file[name] for name in texts]
            distinct(html_out, *targets)
            for target in targets:
                _write(target, texts[target.path.name])
            _write(html_out, index)
        else:
            _write(html_out, boundary_report(collected, summary, framework, scanned[0], head))
    ledger.close()


COMMANDS = (replay, compare, boundary)
