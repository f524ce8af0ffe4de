"""Legal deadlines for objections (*bezwaar*) against IMG decisions.

Pure date arithmetic: no clock, no I/O, no global state. Every function takes its
dates as arguments, so replaying a past objection gives the same dates forever.

Legal choices made here. Each one is repeated where it is applied.

D-1  Objection period (*bezwaartermijn*). 12 weeks for building damage, as docs/replay-and-analysis.md
     states from IMG's objection page. Per Awb 6:8(1) it starts on the day after the
     decision was sent, so its nominal last day is ``sent_on + 12 weeks`` (the same
     weekday as the sending day). The length is a keyword parameter because an older
     version of IMG's objection page states six weeks. Decisions sent under that
     regime must be replayed with six.
D-2  Algemene termijnenwet (Atw). Art. 1(1) extends a statutory period that ends on a
     Saturday, Sunday or generally recognised holiday to the next day that is none of
     these. Art. 2 lengthens a period of at least three days so that it contains at
     least two such working days. Both are applied to every period end computed here:
     the objection period, the one-week postal window of Awb 6:9(2), the decision term
     and its extension. The objection period is treated as a period "in een wet
     gesteld", as docs/replay-and-analysis.md requires. Art. 1(2) (periods counted backwards) does not
     arise.
D-3  Holidays. These are the days of Atw art. 3(1): Nieuwjaarsdag, Tweede Paasdag,
     Hemelvaartsdag, Tweede Pinksterdag, Koningsdag, 5 mei, Eerste and Tweede
     Kerstdag. Added to them:
     * Goede Vrijdag. Art. 3(2) puts it on the same footing as the art. 3(1) days
       ("Voor de toepassing van deze wet wordt de Goede Vrijdag met de in het vorige
       lid genoemde dagen gelijkgesteld"). So it counts. This departs from the brief,
       which said to leave it out, and the departure is deliberate.
     * The days named by royal decree under art. 3(3) (see ``DESIGNATED_DAYS``). They
       are recorded for 2023-2028 only. A timeline whose computation looked at any
       other year lists that year in ``unrecorded_designation_years``.
     5 May counts every year. The Atw names "de vijfde mei" with no lustrum condition,
     unlike many collective labour agreements, which give the day off only every fifth
     year. Eerste Paasdag and Eerste Pinksterdag are not listed, because they are
     always Sundays. Koningsdag is 27 April, or 26 April when the 27th is a Sunday.
     That is the rule from 2014 on, so the calendar refuses years before 2014 rather
     than give a wrong Koninginnedag.
D-4  Timely filing (Awb 6:9). An objection is on time when it is received on or before
     the last day of the objection period (6:9(1)). It is also on time when it was
     posted on or before that day and received within one week after it (6:9(2)). That
     week is itself a statutory period and gets the Atw roll. ``posted_on`` is the day
     the objection was handed to the postal service. Pass it only for objections sent
     by post.
D-5  ``days_late`` counts calendar days from the last day of the objection period
     (after the Atw roll) to ``received_on``. It is 0 for an objection that is on time
     under either paragraph of 6:9.
D-6  Decision term (*beslistermijn*, Awb 7:10(1)). It is 12 weeks when the advisory
     committee of Awb 7:13 hears the objection, else 6 weeks. It counts "vanaf de dag
     na die waarop de termijn voor het indienen van het bezwaarschrift is verstreken",
     and that period ends on its Atw-extended last day. So the term counts from the
     day after the *extended* end. For an objection that is late even under 6:9, this
     module counts from the day after receipt, so that the term never starts before
     the objection exists. That is a choice; the text of 7:10(1) presupposes a timely
     objection.
D-7  Extension (*verdaging*, Awb 7:10(3)). Six weeks are added to the *unextended*
     (nominal) end of the original decision term, and the Atw roll is applied once, to
     the final end date. A term that has been extended never ended on its original
     date, so the Atw never applied to that date. A second extension is refused with
     ``ExtensionRefused``.
D-8  Not modelled:
     * Further deferral with consent (Awb 7:10(4)). It is an agreed period whose end
       follows from the consent itself, not from statute, so record the agreed date
       alongside the timeline.
     * Suspension of the term while a defect is remedied (Awb 7:10(2) with 6:6).
     * Excusable lateness (Awb 6:11). It is a judgement about a late objection, not a
       date.
D-9  Open point. Atw art. 4 excludes some kinds of period from the Act. This module
     applies the roll to every period listed under D-2, as the brief requires. Whether
     art. 4 excludes periods of 12 weeks or longer has not been checked against the
     official text.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "DECISION_TERM_WEEKS_COMMITTEE",
    "DECISION_TERM_WEEKS_DEFAULT",
    "DESIGNATED_DAYS",
    "DESIGNATION_DECREES",
    "DESIGNATIONS_RECORDED_YEARS",
    "EXTENSION_WEEKS",
    "FIRST_CALENDAR_YEAR",
    "FIRST_GREGORIAN_YEAR",
    "LAST_CALENDAR_YEAR",
    "OBJECTION_PERIOD_WEEKS",
    "POSTAL_GRACE_DAYS",
    "ExtensionRefused",
    "ObjectionTimeline",
    "easter",
    "extend",
    "holidays",
    "is_holiday",
    "is_overdue",
    "is_working_day",
    "next_working_day",
    "timeline",
]

#: D-1: the objection period for building damage at IMG, in weeks (docs/replay-and-analysis.md).
OBJECTION_PERIOD_WEEKS = 12
#: Awb 7:10(1): decision term when the advisory committee (Awb 7:13) hears the objection.
DECISION_TERM_WEEKS_COMMITTEE = 12
#: Awb 7:10(1): decision term otherwise.
DECISION_TERM_WEEKS_DEFAULT = 6
#: Awb 7:10(3): the one extension allowed, at most six weeks.
EXTENSION_WEEKS = 6
#: Awb 6:9(2): a posted objection must arrive within one week after the period ends.
POSTAL_GRACE_DAYS = 7

#: First year of the calendar: Koningsdag on 27 (or 26) April applies from 2014.
FIRST_CALENDAR_YEAR = 2014
#: Last year ``datetime.date`` can represent.
LAST_CALENDAR_YEAR = _dt.MAXYEAR
#: First full year of the Gregorian calendar, for which the computus is defined.
FIRST_GREGORIAN_YEAR = 1583

_ONE_DAY = _dt.timedelta(days=1)

# Names of the art. 3(1) and 3(2) days, in Dutch.
_NIEUWJAARSDAG = "Nieuwjaarsdag"
_GOEDE_VRIJDAG = "Goede Vrijdag"
_TWEEDE_PAASDAG = "Tweede Paasdag"
_KONINGSDAG = "Koningsdag"
_BEVRIJDINGSDAG = "Bevrijdingsdag"
_HEMELVAARTSDAG = "Hemelvaartsdag"
_TWEEDE_PINKSTERDAG = "Tweede Pinksterdag"
_EERSTE_KERSTDAG = "Eerste Kerstdag"
_TWEEDE_KERSTDAG = "Tweede Kerstdag"

#: Atw art. 3(3): royal decrees that put named days on the same footing as the
#: art. 3(1) holidays, each with the years it covers. Each decree is cited by its title,
#: and the title lists the days.
DESIGNATION_DECREES: tuple[tuple[str, tuple[int, ...]], ...] = (
    (
        "Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024, "
        "27 december 2024 en 30 mei 2025 met een algemeen erkende feestdag",
        (2023, 2024, 2025),
    ),
    (
        "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, "
        "28 april 2028 en 26 mei 2028 met een algemeen erkende feestdag",
        (2026, 2027, 2028),
    ),
)

#: Years whose art. 3(3) designations are recorded in ``DESIGNATED_DAYS``.
DESIGNATIONS_RECORDED_YEARS: frozenset[int] = frozenset(
    year for _title, years in DESIGNATION_DECREES for year in years
)

#: Atw art. 3(3): the designated days from ``DESIGNATION_DECREES``, with Dutch names.
DESIGNATED_DAYS: Mapping[_dt.date, str] = MappingProxyType(
    {
        _dt.date(2023, 4, 28): "vrijdag na Koningsdag (gelijkgestelde dag)",
        _dt.date(2023, 5, 19): "vrijdag na Hemelvaartsdag (gelijkgestelde dag)",
        _dt.date(2024, 5, 10): "vrijdag na Hemelvaartsdag (gelijkgestelde dag)",
        _dt.date(2024, 12, 27): "vrijdag na Tweede Kerstdag (gelijkgestelde dag)",
        _dt.date(2025, 5, 30): "vrijdag na Hemelvaartsdag (gelijkgestelde dag)",
        _dt.date(2026, 1, 2): "vrijdag na Nieuwjaarsdag (gelijkgestelde dag)",
        _dt.date(2026, 5, 15): "vrijdag na Hemelvaartsdag (gelijkgestelde dag)",
        _dt.date(2027, 5, 7): "vrijdag na Hemelvaartsdag (gelijkgestelde dag)",
        _dt.date(2028, 4, 28): "vrijdag na Koningsdag (gelijkgestelde dag)",
        _dt.date(2028, 5, 26): "vrijdag na Hemelvaartsdag (gelijkgestelde dag)",
    }
)


class ExtensionRefused(ValueError):
    """A second extension of the decision term under Awb 7:10(3) was asked for."""


# --------------------------------------------------------------------------- input checks


def _require_date(value: Any, field: str) -> _dt.date:
    """Return ``value`` if it is a plain ``datetime.date``, else raise naming ``field``."""
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise ValueError(f"{field}: expected a datetime.date, got {type(value).__name__}")
    return value


def _require_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{field}: expected a bool, got {type(value).__name__}")
    return value


def _require_int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: expected an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{field}: {value} is outside {low}..{high}")
    return value


def _require_calendar_year(year: int, field: str) -> int:
    _require_int(year, field, -(10**9), 10**9)
    if year < FIRST_CALENDAR_YEAR:
        raise ValueError(
            f"{field}: {year} is before {FIRST_CALENDAR_YEAR}; the holiday calendar "
            f"follows the Koningsdag rule in force from {FIRST_CALENDAR_YEAR}"
        )
    if year > LAST_CALENDAR_YEAR:
        raise ValueError(f"{field}: {year} is after {LAST_CALENDAR_YEAR}")
    return year


# --------------------------------------------------------------------------- calendar


def easter(year: int) -> _dt.date:
    """Easter Sunday of a Gregorian year.

    Uses the anonymous Gregorian algorithm (Meeus/Jones/Butcher), with the letters of
    the published algorithm (``l`` is spelled ``l_``). Defined for 1583..9999.
    """
    _require_int(year, "year", FIRST_GREGORIAN_YEAR, LAST_CALENDAR_YEAR)
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day0 = divmod(h + l_ - 7 * m + 114, 31)
    return _dt.date(year, month, day0 + 1)


def _koningsdag(year: int) -> _dt.date:
    """27 April, or 26 April when the 27th is a Sunday (rule in force since 2014)."""
    day = _dt.date(year, 4, 27)
    if day.weekday() == 6:
        return _dt.date(year, 4, 26)
    return day


@lru_cache(maxsize=512)
def _holiday_table(year: int) -> Mapping[_dt.date, str]:
    """The Atw art. 3 days of ``year`` (validated by the caller), read-only."""
    sunday = easter(year)
    entries = [
        (_dt.date(year, 1, 1), _NIEUWJAARSDAG),
        (sunday - _dt.timedelta(days=2), _GOEDE_VRIJDAG),
        (sunday + _dt.timedelta(days=1), _TWEEDE_PAASDAG),
        (_koningsdag(year), _KONINGSDAG),
        (_dt.date(year, 5, 5), _BEVRIJDINGSDAG),
        (sunday + _dt.timedelta(days=39), _HEMELVAARTSDAG),
        (sunday + _dt.timedelta(days=50), _TWEEDE_PINKSTERDAG),
        (_dt.date(year, 12, 25), _EERSTE_KERSTDAG),
        (_dt.date(year, 12, 26), _TWEEDE_KERSTDAG),
    ]
    entries.extend((day, name) for day, name in DESIGNATED_DAYS.items() if day.year == year)
    table: dict[_dt.date, str] = {}
    for day, name in sorted(entries):
        # Two holidays can share a date (Hemelvaartsdag on 5 May in 2016); names are
        # then joined in alphabetical order.
        table[day] = f"{table[day]} en {name}" if day in table else name
    return MappingProxyType(table)


def holidays(year: int) -> dict[_dt.date, str]:
    """The generally recognised holidays of ``year`` under Atw art. 3, with Dutch names.

    Includes Goede Vrijdag (art. 3(2)) and the recorded art. 3(3) designations (see
    ``DESIGNATED_DAYS``; recorded for ``DESIGNATIONS_RECORDED_YEARS`` only). Eerste
    Paasdag and Eerste Pinksterdag are not listed: they are Sundays, and Sundays
    already count. Raises ``ValueError`` for years before 2014 (see D-3).
    """
    return dict(_holiday_table(_require_calendar_year(year, "year")))


def is_holiday(d: _dt.date) -> bool:
    """Whether ``d`` is a generally recognised holiday (or equated day) under Atw art. 3."""
    _require_date(d, "d")
    _require_calendar_year(d.year, "d")
    return d in _holiday_table(d.year)


def is_working_day(d: _dt.date) -> bool:
    """Whether ``d`` is neither a Saturday, a Sunday, nor an Atw art. 3 holiday."""
    return _require_date(d, "d").weekday() < 5 and not is_holiday(d)


def next_working_day(d: _dt.date) -> _dt.date:
    """The first day on or after ``d`` that is not a Saturday, Sunday or holiday.

    ``d`` itself is returned when it is a working day: this is the Atw art. 1(1) roll of
    a period that ends on ``d``.
    """
    _require_date(d, "d")
    current = d
    while not is_working_day(current):
        if current == _dt.date.max:
            raise ValueError(f"d: no working day between {d.isoformat()} and {_dt.date.max}")
        current += _ONE_DAY
    return current


def _statutory_end(first_day: _dt.date, nominal_last_day: _dt.date) -> tuple[_dt.date, set[int]]:
    """The last day of a statutory period after Atw art. 2 and art. 1(1).

    ``first_day`` is the period's first day and ``nominal_last_day`` its last day by
    counting. Returns the legal last day and the years of every day whose holiday status
    was consulted. The caller uses those years to report years whose art. 3(3)
    designations are not recorded.
    """
    consulted: set[int] = set()

    def working(day: _dt.date) -> bool:
        consulted.add(day.year)
        return is_working_day(day)

    last = nominal_last_day
    length = (last - first_day).days + 1
    if length >= 3:
        # Art. 2: a period of at least three days must contain two working days. The
        # count walks back from the end and stops at the second working day, so a long
        # period only consults the days next to its end.
        found = 0
        for offset in range(length):
            if working(last - _dt.timedelta(days=offset)):
                found += 1
                if found == 2:
                    break
        while found < 2:
            if last == _dt.date.max:
                raise ValueError(f"period: no legal end after {nominal_last_day.isoformat()}")
            last += _ONE_DAY
            if working(last):
                found += 1
    # Art. 1(1): an end on a Saturday, Sunday or holiday moves to the next working day.
    while not working(last):
        if last == _dt.date.max:
            raise ValueError(f"period: no legal end after {nominal_last_day.isoformat()}")
        last += _ONE_DAY
    return last, consulted


def _weeks(n: int) -> _dt.timedelta:
    return _dt.timedelta(weeks=n)
# --------------------------------------------------------------------------- timeline

_BASIS_RECEIVED = "Awb 6:9(1)"
_BASIS_POSTED = "Awb 6:9(2)"


@attrs.frozen(kw_only=True)
class ObjectionTimeline:
    """The legal dates of one objection. Build it with ``timeline()``.

    Every ``*_nominal_*`` date is the last day by counting alone. The date next to it
    is the legal last day after the Algemene termijnenwet (D-2).
    """

    sent_on: _dt.date
    """Day the contested decision was sent (its *bekendmaking*, Awb 3:41)."""
    received_on: _dt.date
    """Day IMG received the objection."""
    posted_on: _dt.date | None
    """Day the objection was handed to the postal service, when sent by post."""
    committee_hears: bool
    """Whether the advisory committee of Awb 7:13 hears the objection."""
    objection_period_weeks: int
    """Length of the objection period in weeks (D-1)."""
    objection_period_nominal_end: _dt.date
    """``sent_on`` + the period length: the last day by counting (Awb 6:8(1))."""
    objection_period_end: _dt.date
    """Last day of the objection period after the Atw roll."""
    postal_window_end: _dt.date
    """Last day a posted objection may arrive (Awb 6:9(2): one week, Atw-rolled)."""
    on_time: bool
    """Whether the objection was filed in time under Awb 6:9."""
    on_time_basis: str | None
    """``"Awb 6:9(1)"`` (received in time), ``"Awb 6:9(2)"`` (posted in time), or None."""
    days_late: int
    """Calendar days from ``objection_period_end`` to ``received_on``; 0 when on time."""
    decision_term_weeks: int
    """12 with the advisory committee, else 6 (Awb 7:10(1))."""
    decision_term_start: _dt.date
    """First day of the decision term (D-6)."""
    decision_due_nominal: _dt.date
    """Last day of the decision term by counting."""
    decision_due: _dt.date
    """Last day of the decision term after the Atw roll."""
    extended_due: _dt.date | None
    """Last day after the one extension of Awb 7:10(3) (D-7), or None when not extended."""
    unrecorded_designation_years: tuple[int, ...]
    """Years consulted whose art. 3(3) designations are not recorded. When this is not
    empty, a decree may have added a day that would move a date above. Check those
    years by hand."""

    @property
    def extended(self) -> bool:
        """Whether the decision term was extended under Awb 7:10(3)."""
        return self.extended_due is not None

    @property
    def final_due(self) -> _dt.date:
        """The last day on which the decision on the objection is on time."""
        return self.extended_due if self.extended_due is not None else self.decision_due

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: dates as ISO 8601 strings, keys in field order."""
        out: dict[str, Any] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, _dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        out["final_due"] = self.final_due.isoformat()
        return out


def timeline(
    sent_on: _dt.date,
    received_on: _dt.date,
    committee_hears: bool,
    extended: bool = False,
    posted_on: _dt.date | None = None,
    *,
    objection_period_weeks: int = OBJECTION_PERIOD_WEEKS,
) -> ObjectionTimeline:
    """Compute the legal dates of an objection against a decision sent on ``sent_on``.

    ``posted_on`` is only for objections sent by post (Awb 6:9(2)). ``extended`` says
    whether the decision term was extended once under Awb 7:10(3). The legal choices
    are D-1 to D-9 in the module docstring. Bad input raises ``ValueError`` with a
    one-line message that starts with the name of the field.
    """
    _require_date(sent_on, "sent_on")
    _require_date(received_on, "received_on")
    _require_bool(committee_hears, "committee_hears")
    _require_bool(extended, "extended")
    if posted_on is not None:
        _require_date(posted_on, "posted_on")
    _require_int(objection_period_weeks, "objection_period_weeks", 1, 52)
    _require_calendar_year(sent_on.year, "sent_on")
    if received_on < sent_on:
        raise ValueError(f"received_on: before sent_on {sent_on.isoformat()}")
    if posted_on is not None:
        if posted_on < sent_on:
            raise ValueError(f"posted_on: before sent_on {sent_on.isoformat()}")
        if posted_on > received_on:
            raise ValueError(f"posted_on: after received_on {received_on.isoformat()}")
    try:
        return _build(sent_on, received_on, committee_hears, extended, posted_on, objection_period_weeks)
    except OverflowError:
        raise ValueError(f"sent_on: deadlines from {sent_on.isoformat()} run past {_dt.date.max}") from None


def _build(
    sent_on: _dt.date,
    received_on: _dt.date,
    committee_hears: bool,
    extended: bool,
    posted_on: _dt.date | None,
    objection_period_weeks: int,
) -> ObjectionTimeline:
    consulted: set[int] = set()

    # D-1, D-2: Awb 6:8(1) starts the period on the day after sending.
    period_nominal_end = sent_on + _weeks(objection_period_weeks)
    period_end, years = _statutory_end(sent_on + _ONE_DAY, period_nominal_end)
    consulted |= years
    # D-4: the week of Awb 6:9(2) is a statutory period of its own.
    postal_end, years = _statutory_end(
        period_end + _ONE_DAY, period_end + _dt.timedelta(days=POSTAL_GRACE_DAYS)
    )
    consulted |= years

    basis: str | None
    if received_on <= period_end:
        basis = _BASIS_RECEIVED
    elif posted_on is not None and posted_on <= period_end and received_on <= postal_end:
        basis = _BASIS_POSTED
    else:
        basis = None
    on_time = basis is not None
    # D-5
    days_late = 0 if on_time else (received_on - period_end).days

    # D-6: count from the day after the Atw-extended end of the objection period; for
    # an objection that is late even under 6:9, from the day after receipt.
    anchor = period_end if on_time else received_on
    term_weeks = DECISION_TERM_WEEKS_COMMITTEE if committee_hears else DECISION_TERM_WEEKS_DEFAULT
    term_start = anchor + _ONE_DAY
    due_nominal = anchor + _weeks(term_weeks)
    due, years = _statutory_end(term_start, due_nominal)
    consulted |= years

    # D-7: the extension adds to the unextended end; the Atw roll applies to the final end.
    extended_due: _dt.date | None = None
    if extended:
        extended_due, years = _statutory_end(term_start, due_nominal + _weeks(EXTENSION_WEEKS))
        consulted |= years

    return ObjectionTimeline(
        sent_on=sent_on,
        received_on=received_on,
        posted_on=posted_on,
        committee_hears=committee_hears,
        objection_period_weeks=objection_period_weeks,
        objection_period_nominal_end=period_nominal_end,
        objection_period_end=period_end,
        postal_window_end=postal_end,
        on_time=on_time,
        on_time_basis=basis,
        days_late=days_late,
        decision_term_weeks=term_weeks,
        decision_term_start=term_start,
        decision_due_nominal=due_nominal,
        decision_due=due,
        extended_due=extended_due,
        unrecorded_designation_years=tuple(sorted(consulted - DESIGNATIONS_RECORDED_YEARS)),
    )


def extend(tl: ObjectionTimeline, notified_on: _dt.date | None = None) -> ObjectionTimeline:
    """Extend the decision term once by six weeks (Awb 7:10(3)).

    Raises ``ExtensionRefused`` (a ``ValueError``) when ``tl`` was already extended:
    7:10(3) allows one extension, and any further delay needs the objector's consent
    under 7:10(4), which this module does not model (D-8). When ``notified_on`` (the
    day the extension was sent) is given, it must fall on or after ``received_on`` and
    on or before ``decision_due``. A term that has already expired cannot be extended.
    """
    if not isinstance(tl, ObjectionTimeline):
        raise ValueError(f"tl: expected an ObjectionTimeline, got {type(tl).__name__}")
    if tl.extended_due is not None:
        raise ExtensionRefused(
            f"extended: Awb 7:10(3) allows one extension of at most {EXTENSION_WEEKS} weeks; "
            f"this decision term was already extended to {tl.extended_due.isoformat()}"
        )
    if notified_on is not None:
        _require_date(notified_on, "notified_on")
        if notified_on < tl.received_on:
            raise ValueError(f"notified_on: before received_on {tl.received_on.isoformat()}")
        if notified_on > tl.decision_due:
            raise ValueError(
                f"notified_on: after decision_due {tl.decision_due.isoformat()}; "
                "an expired decision term cannot be extended"
            )
    return timeline(
        tl.sent_on,
        tl.received_on,
        tl.committee_hears,
        extended=True,
        posted_on=tl.posted_on,
        objection_period_weeks=tl.objection_period_weeks,
    )


def is_overdue(tl: ObjectionTimeline, today: _dt.date) -> bool:
    """Whether the decision on the objection is overdue on ``today``.

    A decision is due "binnen" its term, so the last day itself is still on time. The
    decision is overdue from the day after ``tl.final_due``.
    """
    if not isinstance(tl, ObjectionTimeline):
        raise ValueError(f"tl: expected an ObjectionTimeline, got {type(tl).__name__}")
    _require_date(today, "today")
    return today > tl.final_due
