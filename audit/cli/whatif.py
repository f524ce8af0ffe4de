"""`dh-audit whatif`: a draft framework against its base on the recorded population, with the cost (docs/whatif.md)."""

from __future__ import annotations

import json

import click

from decisions.drafts import OVERRIDABLE, Draft, overridable, parameter_value, sweep_values, with_parameter

from audit.cli.options import force_option
from audit.errors import BadInput
from audit.ledger import scan
from audit.ledger.store import Ledger
from audit.outputs import HTML_REPORT, MARKDOWN_REPORT, distinct, inputs, output
from audit.whatif.draft_file import read_draft
from audit.whatif import evaluate as whatif_eval

_PARAMETERS = ", ".join(o.name for o in OVERRIDABLE)


def _changes(draft: Draft) -> list[str]:
    current = {spec.name: parameter_value(value, spec) for spec, value in overridable(draft.base)}
    lines = [f"  {name}: {json.dumps(current.get(name))} -> {json.dumps(written)}"
             for name, written in draft.data()["parameters"].items()]
    lines += [f"  {i}: reading {reading}" for i, reading in draft.interpretations]
    return lines or ["  none (the draft is its base)"]


def _cell_lines(result: whatif_eval.WhatIf) -> list[str]:
    c = result.comparison
    cells = whatif_eval.CELLS
    width = max([len(m) for m in c.municipalities] + [12])
    lines = [f"{'municipality':<{width}}  " + "  ".join(f"{cell:>16}" for cell in cells) + f"  {'total':>8}"]
    for name, row in [*c.by_municipality.items(), ("total", c.cells)]:
        lines.append(f"{name:<{width}}  " + "  ".join(f"{row[cell]:>16}" for cell in cells)
                     + f"  {sum(row.values()):>8}")
    for cell in whatif_eval.CHANGES:
        lines += ["", f"{cell}: criteria that changed"]
        for key, n in sorted(c.reasons[cell].items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {n:>8}  {key}")
    return lines


_COST_ROWS = (
    ("eligible", ("eligible",)),
    ("sum of maximum amounts", ("maximum", "sum_eur")),
    ("expected payout", ("expected_payout_eur",)),
    ("eligible without estimated cost", ("cases_without_estimate",)),
    ("eligible without maximum (rijksmonument)", ("no_maximum_cases",)),
    ("discretionary exception needed", ("discretionary_exception", "cases")),
    ("  estimated cost above the maximum", ("discretionary_exception", "above_maximum_eur")),
)


def _get(data: dict, path: tuple[str, ...]):
    for key in path:
        data = data[key]
    return data


def _cost_lines(result: whatif_eval.WhatIf) -> list[str]:
    lines = [f"{'cost':<42}  {'base':>16}  {'draft':>16}  {'change':>16}"]
    change = result.cost_change
    for label, path in _COST_ROWS:
        values = (_get(result.cost_base, path), _get(result.cost_draft, path), _get(change, path))
        lines.append(f"{label:<42}  " + "  ".join(f"{'-' if v is None else v:>16}" for v in values))
    lines += ["", "maximum amounts of eligible cases (count per band; base -> draft):"]
    for band, n in result.cost_base["maximum"]["bands"].items():
        lines.append(f"  {band:<16} {n:>8} -> {result.cost_draft['maximum']['bands'][band]:>8}")
    quantiles = result.cost_draft["maximum"]["quantiles"]
    lines.append("  draft quantiles: " + ", ".join(f"{q} {v}" for q, v in quantiles.items()))
    return lines


def _whatif_lines(result: whatif_eval.WhatIf) -> list[str]:
    draft = result.draft
    label = f' "{draft.label}"' if draft.label else ""
    return [
        f"{draft.base.id} -> {draft.framework.id}{label}: {result.comparison.cases} cases (latest record per case)",
        f"draft fingerprint {draft.fingerprint} (a draft is never recorded)",
        "internal figures: not suppressed and not for publication (publishing goes through the release)",
        "",
        f"changes against {draft.base.id}:",
        *_changes(draft),
        "",
        *_cell_lines(result),
        "",
        *_cost_lines(result),
    ]


def _sweep_lines(result: whatif_eval.Sweep) -> list[str]:
    lines = [
        f"sweep of {result.parameter} against {result.base.id} (value of {result.base.id}: "
        f"{json.dumps(result.base_value)}, marked *); {result.base.id} itself: {result.base_cost['eligible']} eligible,"
        f" expected payout {result.base_cost['expected_payout_eur']}",
        "internal figures: not suppressed and not for publication (publishing goes through the release)",
        "",
        f"  {'value':>14}  {'eligible':>9}  {'change':>8}  {'expected payout':>16}  {'change':>16}  {'gains':>7}"
        f"  {'loses':>7}  {'exception':>9}",
    ]
    for point in result.points:
        r = point.result
        mark = "*" if point.is_base else " "
        lines.append(
            f"{mark} {json.dumps(point.value):>14}  {r.cost_draft['eligible']:>9}  {r.cost_change['eligible']:>8}"
            f"  {r.cost_draft['expected_payout_eur']:>16}  {r.cost_change['expected_payout_eur']:>16}"
            f"  {r.comparison.cells['gains']:>7}  {r.comparison.cells['loses']:>7}"
            f"  {r.cost_draft['discretionary_exception']['cases']:>9}"
        )
    return lines


@click.command(
    epilog=f"""\b
Examples:
  dh-audit whatif --db ledger.db draft.yaml
  dh-audit whatif --db ledger.db draft.yaml --json
  dh-audit whatif --db ledger.db draft.yaml --html watals.html --markdown watals.md
  dh-audit whatif --db ledger.db draft.yaml --sweep area.min_events=2..6
  dh-audit whatif --db ledger.db draft.yaml --sweep damage_threshold.amount=3000,5000,7500

\b
A draft file (YAML) names its base and what it changes:
  base: "2026"
  label: "Drie bevingen in plaats van vier"
  parameters:
    area.min_events: 3
  interpretations:
    I-1: broad

Parameters: {_PARAMETERS} (see 'dh-audit frameworks').
Every figure is internal (not suppressed); the reports carry the banner
"Intern, niet publiceren". A draft is never recorded in the ledger.
Exit status: 0 on success, 2 for bad input (the message names the field)."""
)
@click.option("--db", "db_path", required=True, metavar="PATH", help="The ledger (SQLite file).")
@click.argument("draft_path", metavar="DRAFT.yaml")
@click.option("--base", "base_id", metavar="ID", help="The base framework (default: the draft's base, else 2026).")
@click.option("--sweep", "sweep_spec", metavar="PARAM=a..b|PARAM=v1,v2,...",
              help="Evaluate the draft for each value of one parameter.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the keys of 'compare --json' plus cost).")
@click.option("--html", "html_out", metavar="OUT.html", help="Write the internal Dutch what-if report (HTML).")
@click.option("--markdown", "markdown_out", metavar="OUT.md", help="Write the internal Dutch what-if report (Markdown).")
@force_option("report")
def whatif(db_path, draft_path, base_id, sweep_spec, as_json, html_out, markdown_out, force):
    """Evaluate a draft framework: who gains, who loses, what it costs."""
    targets = [
        output(path, option, kind, force=force, inputs=inputs(db=db_path, draft=draft_path)) if path else None
        for path, option, kind in ((html_out, "--html", HTML_REPORT), (markdown_out, "--markdown", MARKDOWN_REPORT))
    ]
    distinct(*targets)
    data, draft = read_draft(draft_path, base_id)
    points = None
    if sweep_spec:
        name, values = sweep_values(sweep_spec)
        points = [(value, with_parameter(data, name, value, base_id)) for value in values]
    ledger = Ledger(db_path, create=False)
    try:
        conn = ledger.conn
        population = whatif_eval.read_population(conn)
        if points is None:
            result = whatif_eval.evaluate_draft(population, draft)
            if as_json:
                click.echo(json.dumps(whatif_eval.whatif_to_data(result), indent=2, ensure_ascii=False))
            else:
                click.echo("\n".join(_whatif_lines(result)))
        else:
            result = whatif_eval.sweep(population, name, points)
            if as_json:
                click.echo(json.dumps(whatif_eval.sweep_to_data(result), indent=2, ensure_ascii=False))
            else:
                click.echo("\n".join(_sweep_lines(result)))
        if any(targets):
            if len(population) == 0:
                raise BadInput("--db", f"{db_path} holds no records to report on")
            from audit.whatif.report import whatif_report_html, whatif_report_markdown

            head = scan.head(conn)
            html_target, markdown_target = targets
            if html_target:
                html_target.write_text(whatif_report_html(result, head))
                click.echo(f"wrote {html_target.path}", err=True)
            if markdown_target:
                markdown_target.write_text(whatif_report_markdown(result, head))
                click.echo(f"wrote {markdown_target.path}", err=True)
    finally:
        ledger.close()


COMMANDS = (whatif,)
