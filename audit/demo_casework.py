"""The demo's objections and referrals: a deterministic handful, then a realistic volume.

First a handful of hand-picked procedures (decided and undecided, on time and
late, one upheld on a corrected fact: the one the demo writes a dossier for).
Then a volume like an institute's: objections against about one in `OBJECTION_EVERY`
decisions in force and referrals of about one in `REFERRAL_EVERY` decisions that
name the hardship routes, so that the published tables of objections and referrals
have something to show per quarter.

Every date follows from the contested decision's own date (`assessed_on`) and a
fixed demo day (`DEMO_TODAY`), so the same population gives the same casework and
the same verdicts on "within term" and "overdue". Cases are picked in seq order
from the decisions in force under `2026`, each case at most once.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

import attrs

from decisions.counterfactual import apply_change, counterfactuals
from decisions.evaluate import evaluate
from decisions.registry import get_framework

from audit.casework.objections import Objection, decide_objection, extend_objection, file_objection, get_objection
from audit.casework.referrals import Referral, decide_referral, file_referral, get_referral
from audit.casework.steps import Casework
from audit.ledger.store import Ledger

DEMO_TODAY = date(2026, 11, 16)
"""The day the demo judges decision terms on (after the last 2026 reassessment)."""
ACTOR = "demo-bezwaarbehandelaar"
RECENT_DAYS = 45  # a decision this recent still has an objection within its term on DEMO_TODAY
CORRECTABLE = ("recognised_damage_eur", "structural_damage_eur", "unsettled_damage_eur", "pgv_5mms_events",
               "technical_cause")  # facts an objection can show were recorded wrongly
OLD_DAYS = 220  # a decision this old has room for a whole objection procedure before DEMO_TODAY
OBJECTION_EVERY = 30  # the volume: an objection against one in this many decisions in force
REFERRAL_EVERY = 25  # the volume: a referral of one in this many decisions that name the routes


@attrs.frozen
class DemoCasework:
    objections: tuple[Objection, ...]
    referrals: tuple[Referral, ...]
    today: date
    records_made: int
    volume_objections: int = 0  # objections and referrals of the volume pass, beyond the handful above
    volume_referrals: int = 0

    @property
    def dossier_objection(self) -> Objection | None:
        """The objection the demo writes a dossier for: one that was upheld, else the first."""
        upheld = [o for o in self.objections if o.outcome is not None and o.outcome.record_seq is not None]
        return (upheld or list(self.objections) or [None])[0]


def _in_force(ledger: Ledger, today: date) -> list[tuple[int, str, str, bool, date]]:
    """(seq, case, outcome, has routes, assessed_on) of each 2026 decision in force, decided before `today`."""
    rows = ledger.conn.execute(
        "SELECT r.seq, r.case_id, json_extract(r.decision, '$.outcome'),"
        " json_array_length(json_extract(r.decision, '$.referral_routes')), r.assessed_on FROM records AS r"
        " WHERE r.framework = '2026' AND r.kind = 'assessment' AND r.assessed_on <= ?"
        " AND NOT EXISTS (SELECT 1 FROM records AS n WHERE n.case_id = r.case_id AND n.seq > r.seq)"
        " ORDER BY r.seq",
        (today.isoformat(),),
    )
    return [(seq, case, outcome, bool(routes), date.fromisoformat(day)) for seq, case, outcome, routes, day in rows]


def seed_casework(ledger: Ledger, today: date = DEMO_TODAY) -> DemoCasework:
    """Record a handful of objections and referrals: decided and undecided, on time and late."""
    cw = Casework(ledger)
    before = ledger.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    candidates = _in_force(ledger, today)
    used: set[str] = set()

    def pick(test) -> tuple[int, date] | None:
        for seq, case, outcome, routes, day in candidates:
            if case not in used and test(outcome, routes, (today - day).days):
                used.add(case)
                return seq, day
        return None

    old = lambda outcome, routes, age: age >= OLD_DAYS  # noqa: E731
    objections: list[Objection] = []

    def file(found, received_after: int, committee: bool, text: str, grounds=()) -> Objection | None:
        if found is None:
            return None
        seq, sent = found
        filed = file_objection(
            cw, seq=seq, sent_on=sent, received_on=sent + timedelta(days=received_after), committee_hears=committee,
            grounds=grounds, text=text, actor=ACTOR,
        )
        objections.append(filed)
        return filed

    # 1: on time, heard by the committee, rejected within the term.
    first = file(pick(old), 20, True, "De indiener vindt dat de schade hoger is dan vastgesteld.")
    if first is not None:
        decide_objection(cw, first.id, outcome="rejected", decided_on=first.timeline.received_on + timedelta(days=60),
                         actor=ACTOR)
    # 2: on time, without the committee, undecided: overdue on the demo day.
    file(pick(old), 30, False, "De indiener wil weten waarom het adres niet meer in aanmerking komt.")
    # 3: on time and recent: undecided, still within its term.
    file(pick(lambda outcome, routes, age: 14 <= age <= RECENT_DAYS), 10, True, "Bezwaar tegen de uitkomst.")
    # 4: received after the objection period, lateness not excusable: inadmissible.
    late = file(pick(old), 100, False, "Het bezwaar is na de termijn binnengekomen.")
    if late is not None:
        decide_objection(cw, late.id, outcome="inadmissible", excusable=False,
                         decided_on=late.timeline.received_on + timedelta(days=21), actor=ACTOR)
    # 5: a not-eligible decision with a single-fact flip: term extended, then upheld on the corrected fact.
    upheld = _upheld_candidate(cw, candidates, used, today)
    if upheld is not None:
        (seq, sent), corrected, code = upheld
        filed = file((seq, sent), 25, True, "De feiten in het besluit kloppen niet; zie de bijgevoegde stukken.", grounds=(code,))
        tl = filed.timeline
        extend_objection(cw, filed.id, notified_on=tl.decision_due - timedelta(days=7), actor=ACTOR)
        decide_objection(
            cw, filed.id, outcome="upheld", decided_on=tl.decision_due + timedelta(days=30), actor=ACTOR,
            corrected_facts=corrected,
        )

    referrals: list[Referral] = []
    routed = lambda outcome, routes, age: routes and age >= 90  # noqa: E731
    for index, (granted, decided_after) in enumerate(((True, 40), (False, 55), (None, None), (None, None))):
        found = pick(routed)
        if found is None:
            break
        seq, day = found
        routes = ledger.get(seq).decision.referral_routes
        route = routes[index % len(routes)]
        referred = file_referral(cw, seq=seq, route=route, referred_on=day + timedelta(days=14), actor=ACTOR,
                                 text="Mogelijk een schrijnende situatie.")
        if granted is not None:
            decide_referral(cw, referred.id, granted=granted,
                            decided_on=referred.referred_on + timedelta(days=decided_after), actor=ACTOR)
        referrals.append(referred)

    volume_objections, volume_referrals = _volume(cw, candidates, used, today)
    after = ledger.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    return DemoCasework(
        tuple(get_objection(cw, o.id) for o in objections), tuple(get_referral(cw, r.id) for r in referrals), today,
        after - before, volume_objections, volume_referrals,
    )


def _upheld_candidate(cw: Casework, candidates, used: set[str], today: date):
    """The first old not-eligible decision whose outcome one fact flips, with a realistic corrected value.

    An amount is rounded up to whole hundreds of euros (a correction is never a cent),
    and the corrected facts are evaluated again so that the objection really changes
    the outcome.
    """
    framework = get_framework("2026")
    for seq, case, outcome, routes, day in candidates:
        if case in used or outcome != "not_eligible" or (today - day).days < OLD_DAYS:
            continue
        record = cw.ledger.get(seq)
        for cf in counterfactuals(record.inputs, framework, record.decision):
            if cf.field not in CORRECTABLE:
                continue
            if cf.field.endswith("_eur"):
                value = (Decimal(cf.changed_to) / 100).to_integral_value(rounding=ROUND_CEILING) * 100
            else:
                value = int(cf.changed_to) if cf.field == "pgv_5mms_events" else cf.changed_to == "true"
            try:
                corrected = apply_change(record.inputs, cf.field, value)
            except ValueError:
                continue
            if evaluate(corrected, framework).outcome == outcome:
                continue
            used.add(case)
            return (seq, day), corrected, cf.criterion
    return None


def _volume(cw: Casework, candidates, used: set[str], today: date) -> tuple[int, int]:
    """Objections and referrals in a realistic volume: outcomes and terms follow fixed patterns of the index.

    Objections: most rejected, some upheld (on a corrected damage amount that leaves the
    outcome as it was), partly upheld or, when received late, inadmissible; most decided
    within their term, some after it, the recent ones not yet. Referrals: to the IVS or the
    CBS, granted, refused or not yet decided.
    """
    objections = referrals = 0
    picked = [c for c in candidates if c[1] not in used]
    for index, (seq, case, outcome, routes, day) in enumerate(picked):
        if index % OBJECTION_EVERY != 0:
            continue
        j = index // OBJECTION_EVERY
        late = j % 9 == 5
        received = day + timedelta(days=100 if late else 10 + (j * 13) % 70)
        if received >= today:
            continue
        used.add(case)
        grounds = ("damage_threshold", "technical_cause") if j % 2 else ("damage_threshold",)
        filed = file_objection(cw, seq=seq, sent_on=day, received_on=received, committee_hears=j % 3 == 0,
                               grounds=grounds, text=None, actor=ACTOR)
        objections += 1
        due = filed.timeline.final_due
        decided_on = due + timedelta(days=12) if j % 7 == 3 else received + timedelta(days=(due - received).days // 2)
        if decided_on > today or j % 6 == 2:
            continue  # not decided yet on the demo day (one in six is left undecided, most of them overdue)
        if late:
            decide_objection(cw, filed.id, outcome="inadmissible", excusable=False, decided_on=decided_on, actor=ACTOR)
        elif j % 8 == 1:
            corrected = attrs.evolve(cw.ledger.get(seq).inputs,
                                     recognised_damage_eur=cw.ledger.get(seq).inputs.recognised_damage_eur + 100)
            decide_objection(cw, filed.id, outcome="upheld", decided_on=decided_on, actor=ACTOR,
                             corrected_facts=corrected)
        elif j % 8 == 3 and len(grounds) > 1:
            corrected = attrs.evolve(cw.ledger.get(seq).inputs,
                                     recognised_damage_eur=cw.ledger.get(seq).inputs.recognised_damage_eur + 100)
            decide_objection(cw, filed.id, outcome="partly_upheld", decided_on=decided_on, actor=ACTOR,
                             corrected_facts=corrected, upheld_grounds=("damage_threshold",),
                             note="Het schadebedrag is aangepast; de technische aanleiding blijft zoals vastgesteld.")
        else:
            decide_objection(cw, filed.id, outcome="rejected", decided_on=decided_on, actor=ACTOR)
    routed = [c for c in candidates if c[1] not in used and c[3]]
    for index, (seq, case, outcome, routes, day) in enumerate(routed):
        if index % REFERRAL_EVERY != 0:
            continue
        j = index // REFERRAL_EVERY
        referred_on = day + timedelta(days=14 + (j * 11) % 40)
        if referred_on >= today:
            continue
        used.add(case)
        route = cw.ledger.get(seq).decision.referral_routes[j % 2]
        referral = file_referral(cw, seq=seq, route=route, referred_on=referred_on, actor=ACTOR)
        referrals += 1
        decided_on = referred_on + timedelta(days=10 + (j * 7) % 35)
        if decided_on > today or (j // 2) % 4 == 1:
            continue  # not decided yet (one in four takes longer than the demo's year)
        decide_referral(cw, referral.id, granted=(j // 2) % 3 == 0, decided_on=decided_on, actor=ACTOR)
    return objections, referrals
