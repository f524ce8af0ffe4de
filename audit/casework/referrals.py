"""Hardship referrals to the IVS or the CBS, and their outcome as an `exception_decision` record.

Under `2026`, every not-eligible decision lists the hardship routes of its
framework (the Kamerbrief names "onder meer" the Interventieteam Vastgelopen
Situaties and the Commissie Bijzondere Situaties; routes are data,
`decisions.frameworks.Route`). Whether a case is an individual hardship case
("schrijnend") is the reviewer's judgement, recorded by filing the referral.
A referral is the chain of its events (`referral_filed`, then at most one
`referral_decided`); its id is its number among the referrals, in the order
they were filed (objections are numbered apart). Its outcome,
granted or refused, is an `exception_decision` record that supersedes the referred
decision.

Legal choices:

R-1  A referral is recorded only for the decision in force (the latest record of
     its case) when that decision's `referral_routes` list the route. One referral
     at a time per decision, and a route only once per decision.
R-2  The exception decision keeps the referred decision's framework id and
     fingerprint, its criteria and interpretations, and has no referral routes.
     Its `basis` names the route (`exception_ivs`, `exception_cbs`), also when the
     referral is refused, so that the record itself says which route decided. A
     refusal has no maximum.
R-3  A granted referral's maximum is the cap rule of the referred decision's
     framework applied to the case (for `2026`: the WOZ value, at most € 500,000,
     never below € 125,000 (I-4, then named), none for a rijksmonument), unless the route grants an explicit amount; that
     amount is recorded with `cap_basis` `granted_by_route`.
R-4  A referral can only be decided while the referred decision is still in force:
     an exception decision never replaces a newer decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from decisions.amounts import format_amount, parse_amount
from decisions.evaluate import ELIGIBLE, NOT_ELIGIBLE, Decision
from decisions.registry import all_routes, get_framework

from audit.casework.steps import Casework
from audit.errors import BadInput
from audit.ledger.store import Entry, Record
from audit.ledger.events import Draft, Event, opening_numbers, opening_seq, read_events, subject_events
from audit.casework.objections import check_actor, check_free_text, require_in_force

ROUTES = {route.short: route.code for route in all_routes()}
ROUTE_CODES = {route: code for code, route in ROUTES.items()}
EXCEPTION_BASIS = {route.code: f"exception_{route.short}" for route in all_routes()}
GRANTED_BY_ROUTE = "granted_by_route"

GRANTED = "granted"
REFUSED = "refused"
PENDING = "pending"


@attrs.frozen
class ReferralOutcome:
    granted: bool
    decided_on: date
    max_amount_eur: Decimal | None
    cap_basis: str | None
    record_seq: int
    record_hash: str
    note: str | None


@attrs.frozen
class Referral:
    """One referral, as its events tell it."""

    id: int
    decision_seq: int
    decision_hash: str
    case_id: str
    route: str
    referred_on: date
    text: str | None
    outcome: ReferralOutcome | None
    events: tuple[Event, ...]

    @property
    def status(self) -> str:
        if self.outcome is None:
            return PENDING
        return GRANTED if self.outcome.granted else REFUSED

    @property
    def subject_seq(self) -> int:
        """The seq of its `referral_filed` event: the subject of its later events."""
        return self.events[0].seq

    @property
    def route_code(self) -> str:
        return ROUTE_CODES[self.route]


# --- reading ----------------------------------------------------------------------------------


def fold(events: Sequence[Event], number: int) -> Referral:
    filed = events[0]
    if filed.event_type != "referral_filed":
        raise ValueError(f"event {filed.seq} does not open a referral")
    outcome = None
    for event in events[1:]:
        if event.event_type == "referral_decided":
            p = event.payload
            outcome = ReferralOutcome(
                p["granted"], date.fromisoformat(p["decided_on"]),
                None if p["max_amount_eur"] is None else Decimal(p["max_amount_eur"]),
                p["cap_basis"], p["record_seq"], p["record_hash"], p["note"],
            )
    p = filed.payload
    return Referral(
        number, filed.decision_seq, p["decision_hash"], filed.case_id, p["route"],
        date.fromisoformat(p["referred_on"]), p["text"], outcome, tuple(events),
    )


def get_referral(cw: Casework, referral_id: int) -> Referral:
    seq = opening_seq(cw.conn, "referral_filed", referral_id)
    if seq is None:
        raise BadInput("id", f"no referral with id {referral_id}")
    return fold(subject_events(cw.conn, seq), referral_id)


def all_referrals(cw: Casework, case_id: str | None = None) -> list[Referral]:
    """Every referral (of one case, when given), by id."""
    where = "WHERE event_type IN ('referral_filed', 'referral_decided')"
    params: tuple = ()
    if case_id is not None:
        where, params = where + " AND case_id = ?", (case_id,)
    by_subject: dict[int, list[Event]] = {}
    for event in read_events(cw.conn, where, params):
        by_subject.setdefault(event.subject_id, []).append(event)
    numbers = opening_numbers(cw.conn, "referral_filed")
    return [fold(events, numbers[seq]) for seq, events in sorted(by_subject.items())]


def route_id(route: str) -> str:
    """`ivs`/`cbs` (or the full route name) as the route name used in decisions."""
    if route in ROUTES:
        return ROUTES[route]
    if route in ROUTE_CODES:
        return route
    raise BadInput("route", f"must be one of {', '.join(ROUTES)} (got {route!r})")


# --- filing -----------------------------------------------------------------------------------


def file_referral(
    cw: Casework, *, seq: int, route: str, referred_on: date, actor: str, text: str | None = None
) -> Referral:
    """Record a referral of decision `seq` to a hardship route (R-1)."""
    route = route_id(route)
    record = cw.ledger.get(seq)
    actor = check_actor(actor)
    text = check_free_text("text", text)
    _check_route_allowed(record, route)
    if referred_on < record.inputs.assessed_on:
        raise BadInput(
            "referred_on",
            f"before the date of the decision ({referred_on.isoformat()} < assessed_on"
            f" {record.inputs.assessed_on.isoformat()})",
        )

    def check(conn, new_seqs) -> None:
        require_in_force(conn, seq, record.case_id, new_seqs)
        for other in all_referrals(cw, record.case_id):
            if other.decision_seq != seq:
                continue
            if other.outcome is None:
                raise BadInput("seq", f"decision {seq} already has an open referral (id {other.id}, {other.route_code})")
            if other.route == route:
                raise BadInput(
                    "route", f"decision {seq} was already referred to {other.route_code} (referral {other.id},"
                    f" {other.status})"
                )

    payload = {"decision_hash": record.hash, "referred_on": referred_on.isoformat(), "route": route, "text": text}
    (event,) = cw.commit(check, lambda _: [Draft("referral_filed", seq, record.case_id, actor, payload)])
    return get_referral(cw, opening_numbers(cw.conn, "referral_filed")[event.seq])


def _check_route_allowed(record: Record, route: str) -> None:
    decision = record.decision
    if route in decision.referral_routes:
        return
    if decision.referral_routes:
        raise BadInput("route", f"decision {record.seq} allows only {', '.join(decision.referral_routes)}")
    if decision.outcome == ELIGIBLE:
        reason = "it is eligible"
    else:
        reason = f"framework {decision.framework} has no hardship routes"
    raise BadInput("seq", f"decision {record.seq} allows no hardship referral: {reason}")


# --- decision ---------------------------------------------------------------------------------


def decide_referral(
    cw: Casework,
    referral_id: int,
    *,
    granted: bool,
    decided_on: date,
    actor: str,
    max_amount: Decimal | str | None = None,
    note: str | None = None,
) -> Referral:
    """Record the outcome of a referral and its `exception_decision` record (R-2 to R-4)."""
    referral = get_referral(cw, referral_id)
    actor = check_actor(actor)
    note = check_free_text("note", note)
    if referral.outcome is not None:
        raise BadInput(
            "id", f"referral {referral.id} was already decided ({referral.status} on"
            f" {referral.outcome.decided_on.isoformat()})"
        )
    if decided_on < referral.referred_on:
        raise BadInput(
            "decided_on", f"before the referral ({decided_on.isoformat()} < {referral.referred_on.isoformat()})"
        )
    amount = None
    if max_amount is not None:
        if not granted:
            raise BadInput("max_amount", "only for a granted referral")
        try:
            amount = parse_amount(max_amount)
        except ValueError as exc:
            raise BadInput("max_amount", str(exc)) from None
    referred = cw.ledger.get(referral.decision_seq)
    decision = exception_decision(referred, referral.route, granted, amount)
    entry = Entry(referred.inputs, decision, "exception_decision", referred.seq, actor)
    last = referral.events[-1].seq

    def check(conn, new_seqs) -> None:
        current = get_referral(cw, referral.id)
        if current.events[-1].seq != last:
            raise BadInput("id", f"referral {referral.id} changed while this command ran; run it again")
        require_in_force(conn, referred.seq, referred.case_id, new_seqs)

    def drafts(made: list[tuple[int, str]]) -> list[Draft]:
        ((record_seq, record_hash),) = made
        payload = {
            "cap_basis": decision.cap_basis,
            "decided_on": decided_on.isoformat(),
            "granted": granted,
            "max_amount_eur": None if decision.max_amount_eur is None else format_amount(decision.max_amount_eur),
            "note": note,
            "record_hash": record_hash,
            "record_seq": record_seq,
        }
        return [Draft("referral_decided", referred.seq, referred.case_id, actor, payload, referral.subject_seq)]

    cw.commit(check, drafts, [entry])
    return get_referral(cw, referral_id)


def exception_decision(referred: Record, route: str, granted: bool, amount: Decimal | None) -> Decision:
    """The decision a referral leads to (R-2, R-3): pure, from the referred record."""
    old = referred.decision
    if not granted:
        return attrs.evolve(
            old, outcome=NOT_ELIGIBLE, basis=EXCEPTION_BASIS[route], max_amount_eur=None, cap_basis=None,
            discretionary_exceedance=False, referral_routes=(),
        )
    interpretations = old.interpretations
    if amount is None:
        cap = get_framework(old.framework).cap_rule.cap(referred.inputs)
        maximum, cap_basis = cap.max_amount_eur, cap.cap_basis
        if cap.floor_applied and "I-4" not in interpretations:
            interpretations = (*interpretations, "I-4")  # the maximum was raised to the floor
    else:
        maximum, cap_basis = amount, GRANTED_BY_ROUTE
    return attrs.evolve(
        old, outcome=ELIGIBLE, basis=EXCEPTION_BASIS[route], max_amount_eur=maximum, cap_basis=cap_basis,
        discretionary_exceedance=False, referral_routes=(), interpretations=interpretations,
    )


def referral_to_data(referral: Referral) -> dict:
    """JSON-ready data of a referral (includes the free text: internal use only, never published)."""
    o = referral.outcome
    return {
        "id": referral.id,
        "decision_seq": referral.decision_seq,
        "case_id": referral.case_id,
        "route": referral.route,
        "referred_on": referral.referred_on.isoformat(),
        "status": referral.status,
        "text": referral.text,
        "outcome": None if o is None else {
            "granted": o.granted, "decided_on": o.decided_on.isoformat(),
            "max_amount_eur": None if o.max_amount_eur is None else format_amount(o.max_amount_eur),
            "cap_basis": o.cap_basis, "record_seq": o.record_seq, "note": o.note,
        },
    }
