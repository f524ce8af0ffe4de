"""`dh-audit decide`: one case in, one decision out."""

from __future__ import annotations

import click

from decisions.counterfactual import counterfactuals
from decisions.evaluate import decision_to_json, evaluate, resolve_framework
from decisions.frameworks import FRAMEWORKS
from decisions.inputs import load_case

from audit.case_lines import read_case_file


def explain(case, decision, framework) -> str:
    """The plain-language Dutch explanation of one decision."""
    # Loaded only for --explain: jinja2 is a third of the start-up of a plain `decide`.
    from audit.reports.rendering import render

    used = set(decision.interpretations)
    return render(
        "explanation.txt.j2",
        case=case,
        decision=decision,
        framework=framework,
        counterfactuals=counterfactuals(case, framework, decision) if not decision.eligible else (),
        interpretations=[i for i in framework.interpretations if i.id in used],
        routes=[r for r in framework.referral_routes if r.code in decision.referral_routes],
    )


@click.command(
    epilog="""\b
Examples:
  dh-audit decide examples/case-kerngebied.json
  dh-audit decide --framework pilot-2024 examples/case-kerngebied.json
  dh-audit decide --explain examples/case-kerngebied.json
  cat case.json | dh-audit decide -

Exit status: 0 for a decision (eligible or not), 2 for bad input (the message
names the field), 1 for any other failure."""
)
@click.argument("case_file", type=click.File("rb"), metavar="FILE|-")
@click.option(
    "--framework",
    "framework_id",
    metavar="ID",
    help=f"Rule version to apply ({', '.join(FRAMEWORKS)}, or a variant reading such as 2026~I-4:letterlijk)."
    " Default: the one in force on assessed_on.",
)
@click.option("--explain", "explain_text", is_flag=True, help="Print a plain-language Dutch explanation instead of JSON.")
def decide(case_file, framework_id, explain_text):
    """Decide one case and print the decision as JSON.

    The case is one JSON object (docs/input.md); for a JSON-lines file use 'dh-audit record'.
    """
    case = load_case(read_case_file(case_file))
    framework = resolve_framework(case, framework_id)
    decision = evaluate(case, framework)
    if explain_text:
        click.echo(explain(case, decision, framework), nl=False)
    else:
        click.echo(decision_to_json(decision), nl=False)


COMMANDS = (decide,)
