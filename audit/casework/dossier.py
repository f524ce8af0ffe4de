"""The committee dossier of one objection: a self-contained Dutch HTML page (`templates/objection_dossier.html.j2`).

It holds the contested decision and its replay under its own framework
(`audit.analysis.replay`), its outcome under the current framework (`2026`), its boundary
classes and counterfactuals (`decisions.boundary`), the timeline with every legal
date as stored in the objection's events (and whether the deadline calculator
still gives the same dates), the supersession chain of the case, the case's
hardship referrals, and the hashes that tie it all to the ledger.

Everything comes from the ledger and the day the dossier is made for (`today`,
which decides whether the decision term has passed, exactly as `objection list`
says): the same ledger and day give the same bytes.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

import attrs

from decisions.amounts import format_amount
from decisions.boundary import examine
from decisions.counterfactual import Counterfactual, apply_change, counterfactuals
from decisions.evaluate import Decision, decision_from_data, evaluate
from decisions.frameworks import FRAMEWORKS, FRAMEWORK_2026, Framework

from audit.casework import deadlines
from audit.reports.analysis_wording import CLASS_LABELS, KIND_LABELS, describe_event_counterfactual
from audit.casework.steps import Casework
from audit.casework.objections import Objection, TermStatus, get_objection
from audit.casework.referrals import all_referrals
from audit.reports.rendering import datum, render
from audit.analysis.replay import Installed, replay_record
from audit.ledger.scan import StoredRecord, case_records, record_at
from audit.reports.wording import (
    BASIS_LABELS,
    CAP_BASIS_LABELS,
    CRITERION_LABELS,
    ROUTE_LABELS,
    describe_counterfactual,
    describe_criterion,
    euro,
)

TEMPLATE = "objection_dossier.html.j2"

OBJECTION_OUTCOME_LABELS = {
    "upheld": "gegrond",
    "partly_upheld": "gedeeltelijk gegrond",
    "rejected": "ongegrond",
    "inadmissible": "niet-ontvankelijk",
}
STATUS_LABELS = {"open": "in behandeling", "extended": "in behandeling, beslistermijn verlengd", "decided": "beslist"}
EVENT_LABELS = {
    "filed": "bezwaar ingediend",
    "extended": "beslistermijn verlengd",
    "decided": "beslissing op het bezwaar",
    "referral_filed": "verwezen naar een hardheidsroute",
    "referral_decided": "uitkomst van de verwijzing",
}
EXCEPTION_BASIS_LABELS = {
    "exception_ivs": "een uitzondering via het Interventieteam Vastgelopen Situaties",
    "exception_cbs": "een uitzondering via de Commissie Bijzondere Situaties",
}
DOSSIER_CAP_LABELS = {"granted_by_route": "het bedrag dat de hardheidsroute heeft toegekend"}
REFERRAL_STATUS_LABELS = {"pending": "nog niet beslist", "granted": "toegekend", "refused": "afgewezen"}


def tijdstip(timestamp: str) -> str:
    """`2026-03-01T09:30:00.000000Z` as `1 maart 2026, 09:30 UTC`."""
    return f"{datum(timestamp[:10])}, {timestamp[11:16]} UTC"


def render_dossier(cw: Casework, objection_id: int, today: date) -> str:
    """The dossier of objection `objection_id` as HTML, with its decision term judged on `today`."""
    return render(TEMPLATE, **dossier_context(cw, objection_id, today))


def term_text(term: TermStatus) -> str:
    """The decision term on the day of the dossier, in Dutch: the same facts `objection list` prints."""
    due = datum(term.final_due)
    if term.decided_within_term is not None:
        return f"beslist {'binnen' if term.decided_within_term else 'na afloop van'} de termijn (uiterlijk {due})"
    if term.overdue:
        days = "dag" if term.days_overdue == 1 else "dagen"
        return f"verstreken op {due}: de beslissing is {term.days_overdue} {days} te laat"
    return f"loopt nog, tot en met {due}"


def dossier_context(cw: Casework, objection_id: int, today: date) -> dict:
    objection = get_objection(cw, objection_id)
    term = objection.term_status(today)
    conn = cw.conn
    contested = record_at(conn, objection.decision_seq)
    installed = Installed()
    replay = replay_record(contested, installed)
    decision = decision_from_data(json.loads(contested.decision))
    case = replay.case
    frameworks = [FRAMEWORKS[contested.framework]] if contested.framework in FRAMEWORKS else []
    if FRAMEWORK_2026 not in frameworks:
        frameworks.append(FRAMEWORK_2026)
    views = [] if case is None else [_framework_view(case, fw, installed, contested) for fw in frameworks]
    current = next((v for v in views if v["framework"] is FRAMEWORK_2026), None)
    return {
        "objection": objection,
        "status_label": STATUS_LABELS[objection.status],
        "today": today,
        "term": term,
        "term_text": term_text(term),
        "outcome_label": None if objection.outcome is None else OBJECTION_OUTCOME_LABELS[objection.outcome.outcome],
        "grounds": [CRITERION_LABELS.get(code, code) for code in objection.grounds],
        "upheld_grounds": [] if objection.outcome is None
        else [CRITERION_LABELS.get(code, code) for code in objection.outcome.upheld_grounds],
        "not_upheld_grounds": [] if objection.outcome is None or objection.outcome.outcome != "partly_upheld"
        else [CRITERION_LABELS.get(c, c) for c in objection.grounds if c not in objection.outcome.upheld_grounds],
        "timeline": timeline_rows(objection),
        "deadlines_reproduced": deadlines_reproduced(objection),
        "unrecorded_years": objection.timeline.unrecorded_designation_years,
        "contested": contested,
        "contested_at": tijdstip(contested.recorded_at),
        "contested_kind": KIND_LABELS.get(contested.kind, contested.kind),
        "case": case,
        "decision": _decision_view(decision),
        "replay": replay,
        "views": views,
        "current": current or {"framework": FRAMEWORK_2026, "recorded": False, "view": None},
        "chain": chain_rows(list(case_records(conn, contested.case_id)), objection),
        "referrals": _referral_rows(cw, contested.case_id),
        "events": [
            {"seq": e.seq, "label": EVENT_LABELS[e.event_type], "at": tijdstip(e.recorded_at), "actor": e.actor,
             "hash": e.hash}
            for e in objection.events
        ],
    }


def deadlines_reproduced(objection: Objection) -> bool:
    """Whether the deadline calculator, run again now, gives the dates stored in the objection's events."""
    tl = objection.timeline
    again = deadlines.timeline(
        tl.sent_on, tl.received_on, tl.committee_hears, tl.extended, tl.posted_on,
        objection_period_weeks=tl.objection_period_weeks,
    )
    return again == tl


def timeline_rows(objection: Objection) -> list[dict]:
    """Every legal date of the objection, in order, with what it means."""
    tl = objection.timeline
    rows = [{"label": "Besluit verzonden", "date": tl.sent_on, "note": "De bezwaartermijn begint de dag erna (Awb 6:8)."}]
    if tl.posted_on is not None:
        rows.append({"label": "Bezwaar op de post gedaan", "date": tl.posted_on, "note": ""})
    rows.append({"label": "Bezwaar ontvangen", "date": tl.received_on, "note": ""})
    period = f"{tl.objection_period_weeks} weken na verzending."
    if tl.objection_period_end != tl.objection_period_nominal_end:
        period += (
            f" Geteld komt de termijn uit op {datum(tl.objection_period_nominal_end)}. Dat is geen werkdag,"
            " of de termijn had te weinig werkdagen. Daarom schuift hij op (Algemene termijnenwet)."
        )
    rows.append({"label": "Laatste dag van de bezwaartermijn", "date": tl.objection_period_end, "note": period})
    if tl.on_time:
        on_time = "Ja, het bezwaar is op tijd ontvangen." if tl.on_time_basis == "Awb 6:9(1)" else (
            "Ja: het bezwaar is op tijd op de post gedaan en binnen een week na de termijn ontvangen (Awb 6:9, lid 2)."
        )
    else:
        days = "dag" if tl.days_late == 1 else "dagen"
        on_time = f"Nee, het bezwaar is {tl.days_late} {days} te laat ontvangen."
        excusable = None if objection.outcome is None else objection.outcome.excusable
        if excusable is not None:
            on_time += " De termijnoverschrijding is " + ("wel" if excusable else "niet") + " verschoonbaar (Awb 6:11)."
    rows.append({"label": "Bezwaar op tijd?", "date": None, "note": on_time})
    who = "de adviescommissie het bezwaar behandelt" if tl.committee_hears else "er geen adviescommissie is"
    term = f"{tl.decision_term_weeks} weken, omdat {who} (Awb 7:10, lid 1). De termijn telt vanaf {datum(tl.decision_term_start)}."
    if tl.decision_due != tl.decision_due_nominal:
        term += f" Geteld komt hij uit op {datum(tl.decision_due_nominal)}; dat is geen werkdag (Algemene termijnenwet)."
    rows.append({"label": "Uiterste datum voor de beslissing", "date": tl.decision_due, "note": term})
    if tl.extended_due is not None:
        note = (
            f"Eén keer met {deadlines.EXTENSION_WEEKS} weken (Awb 7:10, lid 3). Bericht verstuurd op"
            f" {datum(objection.extension_notified_on)}."
        )
        counted = tl.decision_due_nominal + timedelta(weeks=deadlines.EXTENSION_WEEKS)
        if tl.extended_due != counted:
            note += f" Geteld komt hij uit op {datum(counted)}; dat is geen werkdag (Algemene termijnenwet)."
        rows.append({"label": "Beslistermijn verlengd tot", "date": tl.extended_due, "note": note})
    if objection.outcome is not None:
        within = "binnen de termijn" if objection.outcome.decided_within_term else "na afloop van de termijn"
        rows.append({"label": "Beslist op", "date": objection.outcome.decided_on, "note": f"Dat is {within}."})
    return rows


def _decision_view(decision: Decision) -> dict:
    rows = []
    for result in decision.criteria:
        text = describe_criterion(result, decision.framework)
        rows.append({"label": CRITERION_LABELS.get(result.code, result.code), "passed": result.passed, **text})
    return {
        "decision": decision,
        "criteria": rows,
        "basis": basis_label(decision.basis),
        "cap": cap_label(decision.cap_basis),
        "routes": [ROUTE_LABELS.get(r, r) for r in decision.referral_routes],
    }


def basis_label(basis: str | None) -> str | None:
    if basis is None:
        return None
    return BASIS_LABELS.get(basis) or EXCEPTION_BASIS_LABELS.get(basis, basis)


def cap_label(cap_basis: str | None) -> str | None:
    if cap_basis is None:
        return None
    return CAP_BASIS_LABELS.get(cap_basis) or DOSSIER_CAP_LABELS.get(cap_basis, cap_basis)


def _framework_view(case, framework: Framework, installed: Installed, contested: StoredRecord) -> dict:
    decision = installed.decide(case, framework)
    boundary = examine(case, framework, decision)
    return {
        "framework": framework,
        "recorded": framework.id == contested.framework,
        "view": _decision_view(decision),
        "classes": [] if boundary is None else [CLASS_LABELS[c] for c in boundary.classes],
        "counterfactuals": [
            _counterfactual_text(whole_euros(cf, case, framework, installed))
            for cf in (boundary.counterfactuals if boundary is not None else counterfactuals(case, framework, decision))
        ],
        "event_counterfactuals": [] if boundary is None
        else [describe_event_counterfactual(e) for e in boundary.event_counterfactuals],
    }


def whole_euros(cf: Counterfactual, case, framework: Framework, installed: Installed) -> Counterfactual:
    """The change of an amount rounded away from zero to whole euros, when that still flips the outcome.

    The counterfactual gives the exact smallest change (often € 0,01 past a threshold);
    a committee reads the smallest change in whole euros. The rounded change is
    evaluated again, and the exact one is kept when the rounded one would not flip.
    """
    if not cf.field.endswith("_eur"):
        return cf
    try:
        change, current = Decimal(cf.change), Decimal(cf.current)
    except InvalidOperation:
        return cf
    rounded = change.to_integral_value(rounding=ROUND_CEILING if change > 0 else ROUND_FLOOR)
    new_value = current + rounded
    if rounded == change or new_value < 0:
        return cf
    try:
        changed = apply_change(case, cf.field, new_value)
    except ValueError:
        return cf
    if installed.decide(changed, framework).outcome != cf.outcome:
        return cf
    sign = "+" if rounded > 0 else ""
    return attrs.evolve(cf, changed_to=format_amount(new_value), change=f"{sign}{format_amount(rounded)}")


_THEN = {"eligible": "dan komt het adres wel in aanmerking", "not_eligible": "dan komt het adres niet in aanmerking"}


def _counterfactual_text(cf: Counterfactual) -> str:
    return f"{describe_counterfactual(cf)}: {_THEN[cf.outcome]}"


def chain_rows(records: list[StoredRecord], objection: Objection) -> list[dict]:
    """All records of the case, oldest first, with which supersedes which."""
    superseded_by: dict[int, list[int]] = {}
    for r in records:
        if r.supersedes is not None:
            superseded_by.setdefault(r.supersedes, []).append(r.seq)
    new_seq = None if objection.outcome is None else objection.outcome.record_seq
    rows = []
    for r in records:
        decision = json.loads(r.decision)
        role = "bestreden besluit" if r.seq == objection.decision_seq else (
            "besluit op dit bezwaar" if r.seq == new_seq else "")
        rows.append({
            "seq": r.seq,
            "kind": KIND_LABELS.get(r.kind, r.kind),
            "recorded_at": tijdstip(r.recorded_at),
            "framework": r.framework,
            "outcome": decision["outcome"],
            "max_amount": decision["max_amount_eur"],
            "supersedes": r.supersedes,
            "superseded_by": superseded_by.get(r.seq, []),
            "role": role,
        })
    return rows


def _referral_rows(cw: Casework, case_id: str) -> list[dict]:
    rows = []
    for referral in all_referrals(cw, case_id):
        o = referral.outcome
        rows.append({
            "id": referral.id,
            "decision_seq": referral.decision_seq,
            "route": ROUTE_LABELS[referral.route],
            "referred_on": referral.referred_on,
            "status": REFERRAL_STATUS_LABELS[referral.status],
            "decided_on": None if o is None else o.decided_on,
            "max_amount": None if o is None or not o.granted else euro(o.max_amount_eur),
            "record_seq": None if o is None else o.record_seq,
        })
    return rows
