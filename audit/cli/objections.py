"""`dh-audit objection file | decide | list | dossier` and `dh-audit referral file | decide | list`."""

from __future__ import annotations

import json
import re
from datetime import date

import click

from decisions.amounts import parse_amount

from audit.counting import counted
from audit.case_lines import read_case_file
from audit.casework.steps import Casework
from audit.casework.dossier import render_dossier
from audit.cli.types import SQL_INTEGER
from audit.errors import BadInput
from audit.ledger.store import Ledger
from audit.casework.objections import (
    OUTCOMES,
    all_objections,
    decide_objection,
    extend_objection,
    file_objection,
    load_corrected_facts,
    objection_to_data,
    overdue,
)
from audit.outputs import HTML_REPORT, inputs, output
from audit.casework.referrals import ROUTE_CODES, ROUTES, all_referrals, decide_referral, file_referral, referral_to_data
from audit.cli.options import force_option

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class OneLineErrors(click.Group):
    """A usage error (a missing option, a value of the wrong type) is one line naming the option, exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            ctx.exit(2)


def parse_date(field: str, text: str | None, default: date | None = None) -> date | None:
    """A `YYYY-MM-DD` option value; a bad one is bad input naming the field."""
    if text is None:
        return default
    if not _ISO_DATE.match(text):
        raise BadInput(field, f"must be a date written YYYY-MM-DD (got {text!r})")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(field, f"is not a real calendar date ({text})") from None


def parse_codes(field: str, text: str | None) -> list[str]:
    """`area,damage_threshold` as a list of codes (empty for none)."""
    if text is None or not text.strip():
        return []
    codes = [part.strip() for part in text.split(",")]
    if any(not code for code in codes):
        raise BadInput(field, f"an empty code in {text!r}; separate codes with single commas")
    return codes


def open_casework(db_path: str) -> Casework:
    return Casework(Ledger(db_path, create=False))


def _required_choice(field: str, value: bool | None, yes: str, no: str) -> bool:
    if value is None:
        raise BadInput(field, f"say {yes} or {no}")
    return value


def _db_option():
    return click.option("--db", "db_path", required=True, metavar="PATH", help="The ledger (SQLite file).")


def _actor_option():
    return click.option("--actor", required=True, help="The acting reviewer's id.")


def _json_option():
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# --- objection --------------------------------------------------------------------------------


@click.group(
    cls=OneLineErrors,
    epilog="""\b
Example:
  dh-audit objection file --db ledger.db --seq 3 --sent-on 2026-02-17 --received-on 2026-03-02 \\
      --grounds area --committee --actor r.devries
  dh-audit objection list --db ledger.db --overdue
  dh-audit objection dossier --db ledger.db --id 1 --out bezwaar-1.html""",
)
def objection():
    """File, decide, list and report objections to decisions.

    An objection (bezwaar) is against a recorded decision.
    """


@objection.command(
    "file",
    epilog="""\b
Example:
  dh-audit objection file --db ledger.db --seq 3 --sent-on 2026-02-17 \\
      --received-on 2026-03-02 --grounds area,damage_threshold \\
      --text "Er zijn vijf bevingen gemeten, niet drie." --committee --actor r.devries

The legal dates (end of the objection period, decision due) are computed and
stored with the objection. Bad input is one line naming the field (exit 2);
nothing is written.""",
)
@_db_option()
@click.option("--seq", type=SQL_INTEGER, required=True, help="The contested decision record.")
@click.option("--sent-on", required=True, metavar="DATE", help="Day the decision was sent (YYYY-MM-DD).")
@click.option("--received-on", required=True, metavar="DATE", help="Day IMG received the objection.")
@click.option("--posted-on", metavar="DATE", help="Day the objection was posted, for objections sent by post (Awb 6:9(2)).")
@click.option("--grounds", metavar="CODES", help="Disputed criterion codes, comma-separated: area,damage_threshold.")
@click.option("--text", help="The grounds in words (kept with the objection, never published).")
@click.option("--committee/--no-committee", default=None, help="Whether the advisory committee hears it (12 or 6 weeks).")
@_actor_option()
@_json_option()
def file_command(db_path, seq, sent_on, received_on, posted_on, grounds, text, committee, actor, as_json):
    """File an objection against a decision record."""
    sent = parse_date("sent_on", sent_on)
    received = parse_date("received_on", received_on)
    posted = parse_date("posted_on", posted_on)
    codes = parse_codes("grounds", grounds)
    hears = _required_choice("committee", committee, "--committee", "--no-committee")
    cw = open_casework(db_path)
    filed = file_objection(
        cw, seq=seq, sent_on=sent, received_on=received, committee_hears=hears, grounds=codes, text=text,
        actor=actor, posted_on=posted,
    )
    if as_json:
        _echo_json(objection_to_data(filed))
        return
    tl = filed.timeline
    timing = "on time" if tl.on_time else f"LATE by {counted(tl.days_late, 'day')}"
    click.echo(
        f"objection {filed.id} filed against decision {filed.decision_seq}: {timing}"
        f" (period ended {tl.objection_period_end.isoformat()}); decision due {tl.final_due.isoformat()}"
    )


@objection.command(
    "decide",
    epilog="""\b
Examples:
  dh-audit objection decide --db ledger.db --id 1 --outcome rejected --actor r.devries
  dh-audit objection decide --db ledger.db --id 1 --outcome upheld \\
      --corrected-facts corrected.json --actor r.devries
  dh-audit objection decide --db ledger.db --id 2 --outcome inadmissible --not-excusable --actor r.devries
  dh-audit objection decide --db ledger.db --id 1 --extend --notified-on 2026-07-01 --actor r.devries

Upheld and partly upheld objections record a new decision on the corrected
facts, superseding the contested one. A late objection needs --excusable or
--not-excusable (Awb 6:11). --extend extends the decision term once by six
weeks instead of deciding (Awb 7:10(3)).""",
)
@_db_option()
@click.option("--id", "objection_id", type=SQL_INTEGER, required=True,
              help="The objection's number (objection 1, 2, ...; as objection list shows it).")
@click.option("--outcome", metavar="OUTCOME", help=f"One of {', '.join(OUTCOMES)}.")
@click.option("--decided-on", metavar="DATE", help="Day of the decision on the objection. Default: today.")
@click.option("--corrected-facts", type=click.File("rb"), metavar="FILE.json",
              help="Corrected case facts (JSON, see docs/input.md), for upheld and partly_upheld.")
@click.option("--framework", "framework_id", metavar="ID",
              help="Decide the corrected facts under this framework. Default: that of the contested decision.")
@click.option("--excusable/--not-excusable", default=None, help="For a late objection: is the lateness excusable?")
@click.option("--upheld-grounds", metavar="CODES", help="For partly_upheld: the grounds that were upheld.")
@click.option("--note", help="What was and was not upheld (required for partly_upheld; never published).")
@click.option("--extend", is_flag=True, help="Extend the decision term by six weeks instead of deciding.")
@click.option("--notified-on", metavar="DATE", help="With --extend: day the extension was sent. Default: today.")
@_actor_option()
@_json_option()
def decide_command(db_path, objection_id, outcome, decided_on, corrected_facts, framework_id, excusable,
                   upheld_grounds, note, extend, notified_on, actor, as_json):
    """Decide an objection, or extend its decision term once."""
    if extend == (outcome is not None):
        raise BadInput("outcome", "give either --outcome OUTCOME or --extend")
    if extend:
        given = {"decided_on": decided_on, "corrected_facts": corrected_facts, "framework": framework_id,
                 "excusable": excusable, "upheld_grounds": upheld_grounds, "note": note}
        for field, value in given.items():
            if value is not None:
                raise BadInput(field, "not with --extend")
        notified = parse_date("notified_on", notified_on, date.today())
        cw = open_casework(db_path)
        result = extend_objection(cw, objection_id, notified_on=notified, actor=actor)
        summary = f"objection {result.id}: decision term extended to {result.timeline.final_due.isoformat()}"
    else:
        if notified_on is not None:
            raise BadInput("notified_on", "only with --extend")
        decided = parse_date("decided_on", decided_on, date.today())
        corrected = None if corrected_facts is None else load_corrected_facts(read_case_file(corrected_facts))
        cw = open_casework(db_path)
        result = decide_objection(
            cw, objection_id, outcome=outcome, decided_on=decided, actor=actor, corrected_facts=corrected,
            framework=framework_id, excusable=excusable, upheld_grounds=parse_codes("upheld_grounds", upheld_grounds),
            note=note,
        )
        made = result.outcome.record_seq
        summary = f"objection {result.id}: {result.outcome.outcome}" + (
            f"; new decision record {made} supersedes {result.decision_seq}" if made else ""
        )
    if as_json:
        _echo_json(objection_to_data(result))
    else:
        click.echo(summary)


@objection.command(
    "list",
    epilog="""\b
Examples:
  dh-audit objection list --db ledger.db
  dh-audit objection list --db ledger.db --overdue --today 2026-09-01 --json

An objection is overdue from the day after the last day of its term (after an
extension, the extended term) while it is undecided.""",
)
@_db_option()
@click.option("--overdue", "only_overdue", is_flag=True, help="Only the undecided objections past their term.")
@click.option("--today", metavar="DATE", help="The day to judge overdue on. Default: today.")
@_json_option()
def list_command(db_path, only_overdue, today, as_json):
    """List objections with their status and due date."""
    day = parse_date("today", today, date.today())
    cw = open_casework(db_path)
    found = all_objections(cw)
    if only_overdue:
        found = overdue(found, day)
    rows = [objection_to_data(o, day) for o in found]
    if as_json:
        _echo_json({"today": day.isoformat(), "objections": rows})
        return
    if not rows:
        click.echo("no overdue objections" if only_overdue else "no objections", err=True)
        return
    click.echo(f"{'id':>5}  {'seq':>6}  {'case':<16}  {'received':<10}  {'due':<10}  status")
    for objection, row in zip(found, rows):
        status = objection.term_status(day).describe() if row["outcome"] is None \
            else f"decided: {row['outcome']['outcome']}"
        click.echo(
            f"{row['id']:>5}  {row['decision_seq']:>6}  {row['case_id']:<16}  {row['timeline']['received_on']:<10}"
            f"  {row['timeline']['final_due']:<10}  {status}"
        )


@objection.command(
    "dossier",
    epilog="""\b
Example:
  dh-audit objection dossier --db ledger.db --id 1 --out bezwaar-1.html

A self-contained Dutch HTML page for the advisory committee: the contested
decision and its replay, the outcome under the 2026 rules, boundary classes and
what would change the outcome, every legal date, whether the decision term has
passed on --today (the same answer as objection list), and all decisions of the
case.""",
)
@_db_option()
@click.option("--id", "objection_id", type=SQL_INTEGER, required=True,
              help="The objection's number (objection 1, 2, ...; as objection list shows it).")
@click.option("--out", "out_path", required=True, metavar="FILE.html", help="Where to write the dossier.")
@click.option("--today", metavar="DATE", help="The day to judge the decision term on (as objection list). Default: today.")
@force_option("dossier")
def dossier_command(db_path, objection_id, out_path, today, force):
    """Write the committee dossier of an objection (Dutch, HTML)."""
    day = parse_date("today", today, date.today())
    target = output(out_path, "--out", HTML_REPORT, force=force, inputs=inputs(db=db_path))
    cw = open_casework(db_path)
    html = render_dossier(cw, objection_id, day)
    target.write_text(html)
    click.echo(out_path)


# --- referral ---------------------------------------------------------------------------------


@click.group(
    cls=OneLineErrors,
    epilog="""\b
Example:
  dh-audit referral file --db ledger.db --seq 7 --route ivs --actor r.devries
  dh-audit referral decide --db ledger.db --id 1 --granted --actor r.devries

Referrals are numbered 1, 2, ... in the order they were filed, apart from
objections.""",
)
def referral():
    """Refer not-eligible decisions to a hardship route.

    The routes are those of the framework, such as the IVS and the CBS.
    """


@referral.command(
    "file",
    epilog="""\b
Example:
  dh-audit referral file --db ledger.db --seq 7 --route ivs --referred-on 2026-03-10 --actor r.devries

Only a decision in force whose referral routes allow it can be referred: any
2026 decision that is not eligible. Whether it is a hardship case is the
reviewer's judgement, recorded by this command.""",
)
@_db_option()
@click.option("--seq", type=SQL_INTEGER, required=True, help="The decision record to refer.")
@click.option("--route", required=True, metavar="ROUTE", help=f"One of {', '.join(ROUTES)}.")
@click.option("--referred-on", metavar="DATE", help="Day of the referral. Default: today.")
@click.option("--text", help="Why (kept with the referral, never published).")
@_actor_option()
@_json_option()
def referral_file_command(db_path, seq, route, referred_on, text, actor, as_json):
    """Refer a decision to the IVS or the CBS."""
    day = parse_date("referred_on", referred_on, date.today())
    cw = open_casework(db_path)
    filed = file_referral(cw, seq=seq, route=route, referred_on=day, actor=actor, text=text)
    if as_json:
        _echo_json(referral_to_data(filed))
    else:
        click.echo(f"referral {filed.id}: decision {filed.decision_seq} referred to {filed.route_code}")


@referral.command(
    "decide",
    epilog="""\b
Examples:
  dh-audit referral decide --db ledger.db --id 1 --granted --actor r.devries
  dh-audit referral decide --db ledger.db --id 1 --granted --max-amount 180000 --actor r.devries
  dh-audit referral decide --db ledger.db --id 1 --refused --actor r.devries

The outcome is recorded as an exception_decision record that supersedes the
referred decision. A granted referral gets the 2026 maximum (WOZ value, at most
€ 500,000, never below € 125,000) unless --max-amount gives the amount the route granted.""",
)
@_db_option()
@click.option("--id", "referral_id", type=SQL_INTEGER, required=True,
              help="The referral's number (referral 1, 2, ...; numbered apart from objections).")
@click.option("--granted/--refused", default=None, help="The outcome.")
@click.option("--max-amount", metavar="EUR", help="The maximum the route granted (default: the 2026 cap rule).")
@click.option("--decided-on", metavar="DATE", help="Day of the outcome. Default: today.")
@click.option("--note", help="A note (never published).")
@_actor_option()
@_json_option()
def referral_decide_command(db_path, referral_id, granted, max_amount, decided_on, note, actor, as_json):
    """Record the outcome of a referral."""
    outcome = _required_choice("granted", granted, "--granted", "--refused")
    day = parse_date("decided_on", decided_on, date.today())
    amount = None if max_amount is None else _amount_option("--max-amount", max_amount)
    cw = open_casework(db_path)
    result = decide_referral(
        cw, referral_id, granted=outcome, decided_on=day, actor=actor, max_amount=amount, note=note
    )
    if as_json:
        _echo_json(referral_to_data(result))
    else:
        click.echo(
            f"referral {result.id}: {result.status}; exception decision record {result.outcome.record_seq}"
            f" supersedes {result.decision_seq}"
        )


def _amount_option(option: str, text: str):
    """An amount given on the command line: the same parser and bounds as the amounts of a case."""
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise BadInput(option, str(exc)) from None


@referral.command(
    "list",
    epilog="""\b
Examples:
  dh-audit referral list --db ledger.db
  dh-audit referral list --db ledger.db --case IMG-2026-0042 --json""",
)
@_db_option()
@click.option("--case", "case_id", help="Only the referrals of this case.")
@_json_option()
def referral_list_command(db_path, case_id, as_json):
    """List referrals with their route and outcome."""
    cw = open_casework(db_path)
    rows = [referral_to_data(r) for r in all_referrals(cw, case_id)]
    if as_json:
        _echo_json({"referrals": rows})
        return
    if not rows:
        click.echo("no referrals", err=True)
        return
    click.echo(f"{'id':>5}  {'seq':>6}  {'case':<16}  {'route':<5}  {'referred':<10}  outcome")
    for row in rows:
        route = ROUTE_CODES.get(row["route"], row["route"])
        status = row["status"]
        if row["outcome"] is not None:
            status += f" on {row['outcome']['decided_on']}, record {row['outcome']['record_seq']}"
        click.echo(
            f"{row['id']:>5}  {row['decision_seq']:>6}  {row['case_id']:<16}  {route:<5}  {row['referred_on']:<10}"
            f"  {status}"
        )


COMMANDS = (objection, referral)
