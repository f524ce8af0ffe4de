"""Objections (*bezwaar*) against recorded decisions: filing, extension, decision and the overdue list.

An objection is the chain of its events (`audit.ledger.events`): `filed`, at
most one `extended`, and at most one `decided`. Its id is its number among the
objections, in the order they were filed (`events.opening_numbers`); referrals
are numbered apart. The legal dates come from `audit.casework.deadlines` and are stored in the events,
so the list of overdue objections and the dossier show exactly the dates that
were computed when the step was recorded.

Legal choices (the deadline choices D-1 to D-9 are in `audit.casework.deadlines`):

O-1  Only `assessment` and `correction` records can be contested. Awb 7:1(1)(a)
     rules out an objection against a decision on objection (the next step is an
     appeal to the court), and an `exception_decision` is the discretionary outcome
     of a hardship referral, not an assessment this tool can re-evaluate.
O-2  The decision must have been sent on or after its legal date (`assessed_on`).
     One objection at a time per decision: a second one while the first is open is
     refused (it belongs in the same procedure).
O-3  Grounds are the criterion codes of the contested decision that are disputed,
     and free text (never published). At least one of the two is needed (Awb 6:5(1)(d)).
O-4  Lateness (Awb 6:9, 6:11). A late objection needs a statement whether the
     lateness is excusable. Not excusable: the only outcome is `inadmissible`.
     Excusable: it is decided on its merits, and `inadmissible` is refused. An
     objection received on time cannot be `inadmissible` here: the other grounds of
     inadmissibility (Awb 6:6 and the like) are not modelled.
O-5  `upheld` and `partly_upheld` create an `objection_decision` record that
     supersedes the contested one. It is evaluated on corrected facts (the same
     case and address) under the framework of the contested decision, unless
     another framework is named. Facts identical to the contested ones under the
     same framework are refused: they cannot change the decision. `partly_upheld`
     needs a note of what was and was not upheld, and may name the upheld grounds.
     Such a record may only replace the decision in force: when the contested
     decision has been superseded meanwhile, the objection can still be rejected or
     declared inadmissible, but not upheld on it.
O-6  The decision term may be extended once (Awb 7:10(3), `deadlines.extend`), with
     the day the extension was sent, on or before the original due date.
O-7  An objection is overdue on a day after its final due date while it is
     undecided (`deadlines.is_overdue`). The decision records whether it came within
     the term.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import attrs
import cattrs

from decisions.errors import InvalidCase
from decisions.evaluate import evaluate
from decisions.registry import get_framework
from decisions.inputs import CaseInputs, case_to_data, load_case

from audit.casework import deadlines
from audit.casework.steps import Casework
from audit.errors import BadInput
from audit.ledger.store import Entry, Record
from audit.ledger.events import Draft, Event, has_events_table, opening_numbers, opening_seq, read_events, subject_events

UPHELD = "upheld"
PARTLY_UPHELD = "partly_upheld"
REJECTED = "rejected"
INADMISSIBLE = "inadmissible"
OUTCOMES = (UPHELD, PARTLY_UPHELD, REJECTED, INADMISSIBLE)
CREATES_RECORD = (UPHELD, PARTLY_UPHELD)

OPEN = "open"
EXTENDED = "extended"
DECIDED = "decided"
STATUSES = (OPEN, EXTENDED, DECIDED)

CONTESTABLE_KINDS = ("assessment", "correction")

_timeline_converter = cattrs.Converter()
_timeline_converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
attrs.resolve_types(deadlines.ObjectionTimeline)


@attrs.frozen
class Outcome:
    """How an objection was decided."""

    outcome: str
    decided_on: date
    decided_within_term: bool
    excusable: bool | None
    framework: str | None
    record_seq: int | None
    record_hash: str | None
    upheld_grounds: tuple[str, ...]
    note: str | None


@attrs.frozen
class Objection:
    """One objection, as its events tell it."""

    id: int
    decision_seq: int
    decision_hash: str
    case_id: str
    grounds: tuple[str, ...]
    text: str | None
    timeline: deadlines.ObjectionTimeline
    extension_notified_on: date | None
    outcome: Outcome | None
    events: tuple[Event, ...]

    @property
    def status(self) -> str:
        if self.outcome is not None:
            return DECIDED
        return EXTENDED if self.timeline.extended else OPEN

    @property
    def filed_by(self) -> str:
        return self.events[0].actor

    @property
    def subject_seq(self) -> int:
        """The seq of its `filed` event: the subject of its later events."""
        return self.events[0].seq

    def overdue_on(self, today: date) -> bool:
        """Undecided after the last day of its term (O-7)."""
        return self.outcome is None and deadlines.is_overdue(self.timeline, today)

    def days_overdue(self, today: date) -> int:
        """Calendar days past the last day of its term on `today` while undecided; 0 when not overdue."""
        return (today - self.timeline.final_due).days if self.overdue_on(today) else 0

    def term_status(self, today: date) -> "TermStatus":
        """Where the objection stands against its decision term on `today`: one answer for the list and the dossier."""
        return TermStatus(
            self.status, self.timeline.final_due, self.overdue_on(today), self.days_overdue(today),
            None if self.outcome is None else self.outcome.decided_within_term,
        )


@attrs.frozen
class TermStatus:
    """The decision term of an objection on a given day (`Objection.term_status`)."""

    status: str
    final_due: date
    overdue: bool
    days_overdue: int
    decided_within_term: bool | None

    def describe(self) -> str:
        """English, for the CLI: `open`, `extended, OVERDUE by 3 days`, `decided within the term`."""
        if self.decided_within_term is not None:
            return "decided " + ("within the term" if self.decided_within_term else "after the term")
        if self.overdue:
            days = self.days_overdue
            return f"{self.status}, OVERDUE by {days} day{'s' if days != 1 else ''}"
        return self.status


# --- reading ----------------------------------------------------------------------------------


def timeline_from_data(data: dict) -> deadlines.ObjectionTimeline:
    """The stored timeline (`ObjectionTimeline.as_dict()`) as the object again."""
    return _timeline_converter.structure(data, deadlines.ObjectionTimeline)


def fold(events: Sequence[Event], number: int) -> Objection:
    """Build objection `number` from its events, oldest first (the first is its `filed` event)."""
    filed = events[0]
    if filed.event_type != "filed":
        raise ValueError(f"event {filed.seq} does not open an objection")
    timeline = timeline_from_data(filed.payload["timeline"])
    notified_on, outcome = None, None
    for event in events[1:]:
        if event.event_type == "extended":
            timeline = timeline_from_data(event.payload["timeline"])
            notified_on = date.fromisoformat(event.payload["notified_on"])
        elif event.event_type == "decided":
            p = event.payload
            outcome = Outcome(
                p["outcome"], date.fromisoformat(p["decided_on"]), p["decided_within_term"], p["excusable"],
                p["framework"], p["record_seq"], p["record_hash"], tuple(p["upheld_grounds"]), p["note"],
            )
    return Objection(
        number, filed.decision_seq, filed.payload["decision_hash"], filed.case_id,
        tuple(filed.payload["grounds"]), filed.payload["text"], timeline, notified_on, outcome, tuple(events),
    )


def get_objection(cw: Casework, objection_id: int) -> Objection:
    seq = opening_seq(cw.conn, "filed", objection_id)
    if seq is None:
        raise BadInput("id", f"no objection with id {objection_id}")
    return fold(subject_events(cw.conn, seq), objection_id)


def all_objections(cw: Casework) -> list[Objection]:
    """Every objection, by id."""
    by_subject: dict[int, list[Event]] = {}
    for event in read_events(cw.conn, "WHERE event_type IN ('filed', 'extended', 'decided')"):
        by_subject.setdefault(event.subject_id, []).append(event)
    numbers = opening_numbers(cw.conn, "filed")
    return [fold(events, numbers[seq]) for seq, events in sorted(by_subject.items())]


def overdue(objections: Iterable[Objection], today: date) -> list[Objection]:
    """The undecided objections past the last day of their term on `today`."""
    return [o for o in objections if o.overdue_on(today)]


def objections_of_decision(cw: Casework, decision_seq: int) -> list[Objection]:
    """The objections against one decision record, by id (reads only their own events)."""
    opened = [seq for seq, in _filed_against(cw.conn, decision_seq)]
    if not opened:
        return []
    numbers = opening_numbers(cw.conn, "filed")
    return [fold(subject_events(cw.conn, seq), numbers[seq]) for seq in opened]


def _filed_against(conn, decision_seq: int) -> list[tuple[int]]:
    if not has_events_table(conn):
        return []
    return conn.execute(
        "SELECT seq FROM objection_events WHERE event_type = 'filed' AND decision_seq = ? ORDER BY seq", (decision_seq,)
    ).fetchall()


# --- filing -----------------------------------------------------------------------------------


def file_objection(
    cw: Casework,
    *,
    seq: int,
    sent_on: date,
    received_on: date,
    committee_hears: bool,
    grounds: Sequence[str],
    text: str | None,
    actor: str,
    posted_on: date | None = None,
) -> Objection:
    """Record an objection against decision record `seq` (O-1 to O-3), with its legal dates."""
    record = _contested_record(cw, seq)
    actor = check_actor(actor)
    text = check_free_text("text", text)
    codes = _check_grounds(grounds, record)
    if not codes and text is None:
        raise BadInput("grounds", "give the disputed criterion codes, a text with the grounds, or both (Awb 6:5)")
    if sent_on < record.inputs.assessed_on:
        raise BadInput(
            "sent_on",
            f"before the date of the decision ({sent_on.isoformat()} < assessed_on"
            f" {record.inputs.assessed_on.isoformat()})",
        )
    tl = _deadline_call(deadlines.timeline, sent_on, received_on, committee_hears, False, posted_on)

    def check(conn, new_seqs) -> None:
        for other in objections_of_decision(cw, seq):
            if other.outcome is None:
                raise BadInput("seq", f"decision {seq} already has an open objection (id {other.id})")

    payload = {"decision_hash": record.hash, "grounds": list(codes), "text": text, "timeline": tl.as_dict()}
    (event,) = cw.commit(check, lambda _: [Draft("filed", seq, record.inputs.case_id, actor, payload)])
    return get_objection(cw, opening_numbers(cw.conn, "filed")[event.seq])


def _contested_record(cw: Casework, seq: int) -> Record:
    record = cw.ledger.get(seq)
    if record.kind == "objection_decision":
        raise BadInput(
            "seq", f"record {seq} is itself a decision on an objection: no objection lies against it"
            " (Awb 7:1(1)(a)); the next step is an appeal to the court"
        )
    if record.kind not in CONTESTABLE_KINDS:
        raise BadInput(
            "seq", f"record {seq} is an {record.kind}, the discretionary outcome of a hardship referral;"
            f" objections are recorded against {' or '.join(CONTESTABLE_KINDS)} records"
        )
    superseded_by = cw.ledger.conn.execute(
        "SELECT seq FROM records WHERE case_id = ? AND seq > ? ORDER BY supersedes IS NOT ?, seq LIMIT 1",
        (record.case_id, seq, seq),
    ).fetchone()
    if superseded_by is not None:
        raise BadInput(
            "seq", f"record {seq} is superseded by record {superseded_by[0]}: an objection lies only against the"
            " decision in force"
        )
    return record


def _check_grounds(grounds: Sequence[str], record: Record) -> tuple[str, ...]:
    known = tuple(c.code for c in record.decision.criteria)
    seen: list[str] = []
    for code in grounds:
        if code not in known:
            raise BadInput("grounds", f"unknown criterion code {code!r} (known: {', '.join(known)})")
        if code in seen:
            raise BadInput("grounds", f"criterion code {code!r} given twice")
        seen.append(code)
    return tuple(c for c in known if c in seen)


def check_actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip() or any(ord(c) < 32 for c in actor):
        raise BadInput("actor", "must name the acting reviewer (one line of text)")
    return actor.strip()


def check_free_text(field: str, text: str | None) -> str | None:
    """Free text (never published): None when empty; no control characters but line breaks and tabs."""
    if text is None or not text.strip():
        return None
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise BadInput(field, "must not contain control characters")
    return text.strip()


def _deadline_call(function, *args, **kwargs):
    """Call `audit.casework.deadlines`, turning its `field: rule` ValueErrors into bad input naming the field."""
    try:
        return function(*args, **kwargs)
    except ValueError as exc:
        field, _, rule = str(exc).partition(": ")
        raise BadInput(field, rule) from None


# --- extension --------------------------------------------------------------------------------


def extend_objection(cw: Casework, objection_id: int, *, notified_on: date, actor: str) -> Objection:
    """Extend the decision term once by six weeks (Awb 7:10(3); O-6)."""
    objection = get_objection(cw, objection_id)
    actor = check_actor(actor)
    _require_undecided(objection)
    extended = _deadline_call(deadlines.extend, objection.timeline, notified_on)
    payload = {"notified_on": notified_on.isoformat(), "timeline": extended.as_dict()}
    draft = Draft("extended", objection.decision_seq, objection.case_id, actor, payload, objection.subject_seq)
    cw.commit(_unchanged(cw, objection), lambda _: [draft])
    return get_objection(cw, objection_id)


def _require_undecided(objection: Objection) -> None:
    if objection.outcome is not None:
        o = objection.outcome
        raise BadInput(
            "id", f"objection {objection.id} was already decided ({o.outcome} on {o.decided_on.isoformat()})"
        )


def _unchanged(cw: Casework, objection: Objection):
    """A check that no other step was recorded for the objection since it was read."""
    last = objection.events[-1].seq

    def check(conn, new_seqs) -> None:
        current = get_objection(cw, objection.id)
        _require_undecided(current)
        if current.events[-1].seq != last:
            raise BadInput("id", f"objection {objection.id} changed while this command ran; run it again")

    return check


# --- decision ---------------------------------------------------------------------------------


def decide_objection(
    cw: Casework,
    objection_id: int,
    *,
    outcome: str,
    decided_on: date,
    actor: str,
    corrected_facts: CaseInputs | None = None,
    framework: str | None = None,
    excusable: bool | None = None,
    upheld_grounds: Sequence[str] = (),
    note: str | None = None,
) -> Objection:
    """Record the decision on an objection (O-4, O-5); upheld outcomes also record the new decision."""
    if outcome not in OUTCOMES:
        raise BadInput("outcome", f"must be one of {', '.join(OUTCOMES)} (got {outcome!r})")
    objection = get_objection(cw, objection_id)
    actor = check_actor(actor)
    note = check_free_text("note", note)
    _require_undecided(objection)
    tl = objection.timeline
    if decided_on < tl.received_on:
        raise BadInput(
            "decided_on", f"before the objection was received ({decided_on.isoformat()} < {tl.received_on.isoformat()})"
        )
    _check_lateness(tl, outcome, excusable)
    upheld = _check_upheld_grounds(objection, outcome, upheld_grounds, note)
    contested = cw.ledger.get(objection.decision_seq)
    entries: list[Entry] = []
    framework_id = None
    if outcome in CREATES_RECORD:
        framework_id = framework or contested.framework
        entries.append(_new_decision(contested, corrected_facts, framework_id, actor))
    elif corrected_facts is not None or framework is not None:
        field = "corrected_facts" if corrected_facts is not None else "framework"
        raise BadInput(field, f"only for an upheld or partly upheld objection (the outcome is {outcome})")

    def drafts(made: list[tuple[int, str]]) -> list[Draft]:
        record_seq, record_hash = made[0] if made else (None, None)
        payload = {
            "decided_on": decided_on.isoformat(),
            "decided_within_term": decided_on <= tl.final_due,
            "excusable": excusable,
            "framework": framework_id,
            "note": note,
            "outcome": outcome,
            "record_hash": record_hash,
            "record_seq": record_seq,
            "upheld_grounds": list(upheld),
        }
        return [Draft("decided", objection.decision_seq, objection.case_id, actor, payload, objection.subject_seq)]

    unchanged = _unchanged(cw, objection)

    def check(conn, new_seqs) -> None:
        unchanged(conn, new_seqs)
        if entries:
            require_in_force(conn, contested.seq, contested.case_id, new_seqs)

    cw.commit(check, drafts, entries)
    return get_objection(cw, objection_id)


def _check_lateness(tl: deadlines.ObjectionTimeline, outcome: str, excusable: bool | None) -> None:
    if tl.on_time:
        if excusable is not None:
            raise BadInput("excusable", f"only for a late objection; this one was on time ({tl.on_time_basis})")
        if outcome == INADMISSIBLE:
            raise BadInput(
                "outcome", f"inadmissible is only for a late objection; this one was received on time"
                f" ({tl.received_on.isoformat()}, the period ended {tl.objection_period_end.isoformat()})"
            )
        return
    late = (
        f"the objection was late (received {tl.received_on.isoformat()}, {tl.days_late} days after the"
        f" objection period ended on {tl.objection_period_end.isoformat()})"
    )
    if excusable is None:
        raise BadInput("excusable", f"{late}: say whether the lateness is excusable (Awb 6:11)")
    if not excusable and outcome != INADMISSIBLE:
        raise BadInput("outcome", f"{late} and not excusable, so it can only be inadmissible (Awb 6:9, 6:11)")
    if excusable and outcome == INADMISSIBLE:
        raise BadInput("outcome", "the lateness is excusable, so the objection is decided on its merits (Awb 6:11)")


def _check_upheld_grounds(objection: Objection, outcome: str, upheld: Sequence[str], note: str | None) -> tuple:
    if outcome == UPHELD:
        if upheld:
            raise BadInput("upheld_grounds", "only for a partly upheld objection (upheld means all grounds)")
        return objection.grounds
    if outcome != PARTLY_UPHELD:
        if upheld:
            raise BadInput("upheld_grounds", f"only for a partly upheld objection (the outcome is {outcome})")
        return ()
    if note is None:
        raise BadInput("note", "a partly upheld objection needs a note of what was and was not upheld")
    for code in upheld:
        if code not in objection.grounds:
            raise BadInput(
                "upheld_grounds",
                f"{code!r} is not one of the grounds of objection {objection.id}"
                f" ({', '.join(objection.grounds) or 'none given as codes'})",
            )
    if set(upheld) == set(objection.grounds) and upheld:
        raise BadInput("upheld_grounds", "all grounds upheld: the outcome is upheld, not partly upheld")
    return tuple(c for c in objection.grounds if c in upheld)


def _new_decision(contested: Record, corrected: CaseInputs | None, framework_id: str, actor: str) -> Entry:
    if corrected is None:
        raise BadInput("corrected_facts", "an upheld or partly upheld objection needs the corrected case facts")
    for field in ("case_id", "address_id"):
        if getattr(corrected, field) != getattr(contested.inputs, field):
            raise BadInput(
                f"corrected_facts.{field}",
                f"must be that of the contested decision ({getattr(contested.inputs, field)!r})",
            )
    framework = get_framework(framework_id)
    if framework_id == contested.framework and case_to_data(corrected) == case_to_data(contested.inputs):
        raise BadInput(
            "corrected_facts", f"identical to the facts of decision {contested.seq}: nothing would change"
        )
    return Entry(corrected, evaluate(corrected, framework), "objection_decision", contested.seq, actor)


def require_in_force(conn, seq: int, case_id: str, new_seqs: Sequence[int]) -> None:
    """Refuse when decision `seq` is no longer the latest record of its case (the step's own new records aside)."""
    marks = ", ".join("?" for _ in new_seqs)
    exclude = f"AND seq NOT IN ({marks})" if new_seqs else ""
    row = conn.execute(
        f"SELECT seq, kind FROM records WHERE case_id = ? {exclude} ORDER BY seq DESC LIMIT 1",
        (case_id, *new_seqs),
    ).fetchone()
    if row[0] != seq:
        raise BadInput(
            "id", f"decision {seq} was superseded by record {row[0]} ({row[1]}) meanwhile;"
            " a new decision can only replace the decision in force"
        )


# --- data -------------------------------------------------------------------------------------


def objection_to_data(objection: Objection, today: date | None = None) -> dict:
    """JSON-ready data of an objection (includes the free text: internal use only, never published)."""
    o = objection.outcome
    data = {
        "id": objection.id,
        "decision_seq": objection.decision_seq,
        "case_id": objection.case_id,
        "status": objection.status,
        "grounds": list(objection.grounds),
        "text": objection.text,
        "filed_by": objection.filed_by,
        "timeline": objection.timeline.as_dict(),
        "extension_notified_on": None if objection.extension_notified_on is None
        else objection.extension_notified_on.isoformat(),
        "outcome": None if o is None else {
            "outcome": o.outcome, "decided_on": o.decided_on.isoformat(),
            "decided_within_term": o.decided_within_term, "excusable": o.excusable, "framework": o.framework,
            "record_seq": o.record_seq, "upheld_grounds": list(o.upheld_grounds), "note": o.note,
        },
    }
    if today is not None:
        term = objection.term_status(today)
        data["overdue"] = term.overdue
        data["days_overdue"] = term.days_overdue
    return data


def load_corrected_facts(text: str | bytes) -> CaseInputs:
    """Corrected case facts from JSON; a bad field is named as `corrected_facts.<field>`."""
    try:
        return load_case(text)
    except InvalidCase as exc:
        raise BadInput(f"corrected_facts.{exc.field}", exc.rule) from None
