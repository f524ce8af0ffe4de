"""Tests for audit.casework.deadlines: objection periods, decision terms, Algemene termijnenwet.

Every golden date below was worked out by hand from a calendar. The reasoning is in the
comment next to it. Useful anchors:
* 12 weeks is 84 days and 6 weeks is 42 days. A period counted in whole weeks from
  day X ends on the same weekday as X.
* Easter 2025 is Sun 20 April and Easter 2026 is Sun 5 April. Goede Vrijdag is Easter
  - 2, Tweede Paasdag Easter + 1, Hemelvaartsdag Easter + 39, Tweede Pinksterdag
  Easter + 50.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.casework import deadlines
from audit.casework.deadlines import (
    DESIGNATED_DAYS,
    DESIGNATIONS_RECORDED_YEARS,
    ExtensionRefused,
    easter,
    extend,
    holidays,
    is_holiday,
    is_overdue,
    is_working_day,
    next_working_day,
    timeline,
)

D = dt.date


# --------------------------------------------------------------------------- Easter


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1818, D(1818, 3, 22)),  # earliest possible date
        (1943, D(1943, 4, 25)),  # latest possible date
        (2000, D(2000, 4, 23)),
        (2008, D(2008, 3, 23)),
        (2011, D(2011, 4, 24)),
        (2016, D(2016, 3, 27)),
        (2019, D(2019, 4, 21)),
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2038, D(2038, 4, 25)),
        (2285, D(2285, 3, 22)),
    ],
)
def test_easter_known_dates(year: int, expected: dt.date) -> None:
    assert easter(year) == expected


@given(st.integers(min_value=1583, max_value=9999))
def test_easter_is_a_sunday_between_22_march_and_25_april(year: int) -> None:
    sunday = easter(year)
    assert sunday.year == year
    assert sunday.weekday() == 6
    assert D(year, 3, 22) <= sunday <= D(year, 4, 25)


@pytest.mark.parametrize("year", [1582, 10000, True, "2026", 2026.0])
def test_easter_refuses_years_outside_the_gregorian_range_or_non_ints(year: object) -> None:
    with pytest.raises(ValueError, match=r"^year: "):
        easter(year)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- holidays


def test_holidays_2026_full_list() -> None:
    # Easter 2026 = Sun 5 April.
    assert holidays(2026) == {
        D(2026, 1, 1): "Nieuwjaarsdag",  # Thursday
        D(2026, 1, 2): "vrijdag na Nieuwjaarsdag (gelijkgestelde dag)",  # art. 3(3) decree
        D(2026, 4, 3): "Goede Vrijdag",  # Easter - 2; Atw art. 3(2)
        D(2026, 4, 6): "Tweede Paasdag",  # Easter + 1
        D(2026, 4, 27): "Koningsdag",  # 27 April 2026 is a Monday, so no shift
        D(2026, 5, 5): "Bevrijdingsdag",  # Tuesday; counts every year
        D(2026, 5, 14): "Hemelvaartsdag",  # Easter + 39 = 5 April + 39 = Thu 14 May
        D(2026, 5, 15): "vrijdag na Hemelvaartsdag (gelijkgestelde dag)",  # art. 3(3) decree
        D(2026, 5, 25): "Tweede Pinksterdag",  # Easter + 50 = Mon 25 May
        D(2026, 12, 25): "Eerste Kerstdag",  # Friday
        D(2026, 12, 26): "Tweede Kerstdag",  # Saturday
    }


def test_holidays_2025_koningsdag_moves_to_saturday_26_april() -> None:
    # 27 April 2025 is a Sunday, so Koningsdag is kept on Saturday 26 April 2025.
    table = holidays(2025)
    assert table[D(2025, 4, 26)] == "Koningsdag"
    assert D(2025, 4, 27) not in table
    # Easter 2025 = Sun 20 April: Goede Vrijdag Fri 18 April, Tweede Paasdag Mon 21 April,
    # Hemelvaartsdag 20 April + 39 = Thu 29 May, Tweede Pinksterdag 20 April + 50 = Mon 9 June.
    assert table[D(2025, 4, 18)] == "Goede Vrijdag"
    assert table[D(2025, 4, 21)] == "Tweede Paasdag"
    assert table[D(2025, 5, 29)] == "Hemelvaartsdag"
    assert table[D(2025, 5, 30)] == "vrijdag na Hemelvaartsdag (gelijkgestelde dag)"
    assert table[D(2025, 6, 9)] == "Tweede Pinksterdag"


def test_holidays_sharing_a_date_are_both_named() -> None:
    # Easter 2016 = Sun 27 March; + 39 days = Thu 5 May 2016, which is also 5 mei.
    # Names on a shared date are joined in alphabetical order.
    assert holidays(2016)[D(2016, 5, 5)] == "Bevrijdingsdag en Hemelvaartsdag"


def test_fifth_of_may_counts_outside_lustrum_years() -> None:
    # Atw art. 3(1) says "de vijfde mei" with no every-five-years condition.
    assert is_holiday(D(2026, 5, 5))  # Tuesday, 81 years after 1945
    assert is_holiday(D(2027, 5, 5))  # Wednesday
    assert not is_working_day(D(2027, 5, 5))


def test_first_easter_and_whit_sundays_are_not_listed_but_are_not_working_days() -> None:
    assert D(2026, 4, 5) not in holidays(2026)  # Eerste Paasdag, a Sunday
    assert D(2026, 5, 24) not in holidays(2026)  # Eerste Pinksterdag, a Sunday
    assert not is_working_day(D(2026, 4, 5))
    assert not is_working_day(D(2026, 5, 24))


def test_designated_days_are_fridays_after_a_thursday_holiday() -> None:
    # Every day in the two decree titles bridges a Thursday holiday and a weekend.
    assert DESIGNATIONS_RECORDED_YEARS == frozenset(range(2023, 2029))
    assert len(DESIGNATED_DAYS) == 10
    for day in DESIGNATED_DAYS:
        assert day.weekday() == 4, day
        thursday = day - dt.timedelta(days=1)
        assert thursday in holidays(thursday.year), day
        assert is_holiday(day)


def test_holidays_returns_a_copy() -> None:
    table = holidays(2026)
    table.clear()
    assert D(2026, 1, 1) in holidays(2026)


def test_calendar_refuses_years_before_2014() -> None:
    with pytest.raises(ValueError, match=r"^year: 2013 is before 2014"):
        holidays(2013)
    with pytest.raises(ValueError, match=r"^d: 2013 is before 2014"):
        is_holiday(D(2013, 4, 30))


@pytest.mark.parametrize("bad", ["2026-01-01", dt.datetime(2026, 1, 1, 12, 0), None])
def test_is_holiday_refuses_non_dates(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^d: expected a datetime.date"):
        is_holiday(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- next working day


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 4), D(2026, 3, 4)),  # Wednesday: already a working day
        (D(2026, 6, 13), D(2026, 6, 15)),  # Sat -> Sun -> Mon 15 June
        (D(2026, 4, 3), D(2026, 4, 7)),  # Goede Vrijdag, Sat, Sun, Tweede Paasdag -> Tue
        (D(2024, 12, 25), D(2024, 12, 30)),  # Wed 25, Thu 26, Fri 27 (decree), Sat, Sun -> Mon
    ],
)
def test_next_working_day_examples(day: dt.date, expected: dt.date) -> None:
    assert next_working_day(day) == expected


@given(st.dates(min_value=D(2014, 1, 1), max_value=D(2300, 12, 31)))
def test_next_working_day_is_the_first_working_day_on_or_after(day: dt.date) -> None:
    result = next_working_day(day)
    assert result >= day
    assert result.weekday() < 5
    assert not is_holiday(result)
    skipped = day
    while skipped < result:
        assert not is_working_day(skipped)
        skipped += dt.timedelta(days=1)


def test_atw_art_2_guarantees_two_working_days_in_a_short_period() -> None:
    # A 3-day period Fri 25 - Sun 27 Dec 2026 has no working day at all (Eerste Kerstdag,
    # Tweede Kerstdag on a Saturday, Sunday). Art. 1 alone would give Mon 28 Dec. Art. 2
    # lengthens it until it holds two working days: Mon 28 and Tue 29 Dec 2026.
    end, years = deadlines._statutory_end(D(2026, 12, 25), D(2026, 12, 27))
    assert end == D(2026, 12, 29)
    assert years == {2026}


# --------------------------------------------------------------------------- objection period


@pytest.mark.parametrize(
    ("sent_on", "nominal_end", "legal_end"),
    [
        # Ends on a Saturday. Sat 21 Mar 2026 + 84 days: 10 days to 31 Mar, 30 Apr (40),
        # 31 May (71), 13 more days -> Sat 13 June. Sat and Sun roll to Mon 15 June 2026.
        (D(2026, 3, 21), D(2026, 6, 13), D(2026, 6, 15)),
        # Ends on a Sunday: one day later, Sun 14 June 2026 -> Mon 15 June 2026.
        (D(2026, 3, 22), D(2026, 6, 14), D(2026, 6, 15)),
        # Koningsdag 2025 = Sat 26 April (27 April 2025 is a Sunday). Sat 1 Feb 2025 + 84:
        # 27 days to 28 Feb, 31 Mar (58), 26 more -> Sat 26 Apr. Sat (Koningsdag),
        # Sun 27 -> Mon 28 April 2025.
        (D(2025, 2, 1), D(2025, 4, 26), D(2025, 4, 28)),
        # Koningsdag on a weekday: Mon 27 April 2026. Mon 2 Feb 2026 + 84: 26 days to
        # 28 Feb, 31 Mar (57), 27 more -> Mon 27 Apr. Holiday -> Tue 28 April 2026.
        (D(2026, 2, 2), D(2026, 4, 27), D(2026, 4, 28)),
        # Chain onto Koningsdag: Sat 25 Apr 2026 -> Sun 26 -> Mon 27 (Koningsdag) -> Tue 28.
        (D(2026, 1, 31), D(2026, 4, 25), D(2026, 4, 28)),
        # Tweede Paasdag 2026 = Mon 6 April (Easter Sun 5 April). Mon 12 Jan 2026 + 84:
        # 19 days to 31 Jan, 28 Feb (47), 31 Mar (78), 6 more -> Mon 6 Apr -> Tue 7 April.
        (D(2026, 1, 12), D(2026, 4, 6), D(2026, 4, 7)),
        # Goede Vrijdag 2026 = Fri 3 April: Fri, Sat 4, Sun 5, Mon 6 (Tweede Paasdag)
        # -> Tue 7 April 2026.
        (D(2026, 1, 9), D(2026, 4, 3), D(2026, 4, 7)),
        # Christmas 2023: 25 Dec is a Monday, 26 Dec a Tuesday -> Wed 27 Dec 2023.
        # Mon 2 Oct 2023 + 84: 29 days to 31 Oct, 30 Nov (59), 25 more -> Mon 25 Dec.
        (D(2023, 10, 2), D(2023, 12, 25), D(2023, 12, 27)),
        # Christmas 2025 then a weekend: Thu 25 Dec, Fri 26 Dec, Sat 27, Sun 28 -> Mon 29 Dec.
        # Thu 2 Oct 2025 + 84 -> Thu 25 Dec 2025 (same month lengths as above).
        (D(2025, 10, 2), D(2025, 12, 25), D(2025, 12, 29)),
        # Christmas 2024 with a decree day: Wed 25, Thu 26, Fri 27 (art. 3(3)), Sat, Sun
        # -> Mon 30 Dec 2024.
        (D(2024, 10, 2), D(2024, 12, 25), D(2024, 12, 30)),
        # Hemelvaartsdag 2026 = Thu 14 May (5 Apr + 39). Thu 19 Feb 2026 + 84: 9 days to
        # 28 Feb, 31 Mar (40), 30 Apr (70), 14 more -> Thu 14 May. Thu, Fri 15 (decree),
        # Sat, Sun -> Mon 18 May 2026.
        (D(2026, 2, 19), D(2026, 5, 14), D(2026, 5, 18)),
        # Hemelvaartsdag 2025 = Thu 29 May (20 Apr + 39). Thu 6 Mar 2025 + 84: 25 days to
        # 31 Mar, 30 Apr (55), 29 more -> Thu 29 May. Thu, Fri 30 (decree), Sat, Sun
        # -> Mon 2 June 2025.
        (D(2025, 3, 6), D(2025, 5, 29), D(2025, 6, 2)),
        # Tweede Pinksterdag 2026 = Mon 25 May (5 Apr + 50). Mon 2 Mar 2026 + 84: 29 days
        # to 31 Mar, 30 Apr (59), 25 more -> Mon 25 May -> Tue 26 May 2026.
        (D(2026, 3, 2), D(2026, 5, 25), D(2026, 5, 26)),
        # Tweede Pinksterdag 2025 = Mon 9 June (20 Apr + 50). Mon 17 Mar 2025 + 84: 14 days
        # to 31 Mar, 30 Apr (44), 31 May (75), 9 more -> Mon 9 June -> Tue 10 June 2025.
        (D(2025, 3, 17), D(2025, 6, 9), D(2025, 6, 10)),
        # 5 mei 2026 is a Tuesday. Tue 10 Feb 2026 + 84: 18 days to 28 Feb, 31 Mar (49),
        # 30 Apr (79), 5 more -> Tue 5 May -> Wed 6 May 2026.
        (D(2026, 2, 10), D(2026, 5, 5), D(2026, 5, 6)),
        # No roll: Wed 4 Mar 2026 + 84: 27 days to 31 Mar, 30 Apr (57), 27 more -> Wed 27 May.
        (D(2026, 3, 4), D(2026, 5, 27), D(2026, 5, 27)),
    ],
)
def test_objection_period_end(sent_on: dt.date, nominal_end: dt.date, legal_end: dt.date) -> None:
    tl = timeline(sent_on, sent_on + dt.timedelta(days=1), committee_hears=False)
    assert tl.objection_period_nominal_end == nominal_end
    assert tl.objection_period_end == legal_end


def test_last_day_is_on_time_and_next_day_is_late() -> None:
    # Sent Wed 4 Mar 2026; the period ends Wed 27 May 2026 (no holiday).
    sent = D(2026, 3, 4)
    last = timeline(sent, D(2026, 5, 27), committee_hears=False)
    assert (last.on_time, last.on_time_basis, last.days_late) == (True, "Awb 6:9(1)", 0)
    late = timeline(sent, D(2026, 5, 28), committee_hears=False)
    assert (late.on_time, late.on_time_basis, late.days_late) == (False, None, 1)
    week_late = timeline(sent, D(2026, 6, 3), committee_hears=False)  # 27 May + 7
    assert (week_late.on_time, week_late.days_late) == (False, 7)


def test_atw_extension_makes_the_day_after_whit_monday_the_last_day() -> None:
    # Sent Mon 2 Mar 2026: nominal end Mon 25 May 2026 = Tweede Pinksterdag, so the last
    # day is Tue 26 May. Receipt on 26 May is on time; 27 May is one day late.
    assert timeline(D(2026, 3, 2), D(2026, 5, 26), committee_hears=False).on_time
    late = timeline(D(2026, 3, 2), D(2026, 5, 27), committee_hears=False)
    assert (late.on_time, late.days_late) == (False, 1)


def test_posted_in_time_and_received_within_a_week_is_on_time() -> None:
    # Period ends Wed 27 May 2026; the postal window ends Wed 3 June (27 May + 7, a working day).
    sent = D(2026, 3, 4)
    ok = timeline(sent, D(2026, 6, 3), committee_hears=False, posted_on=D(2026, 5, 27))
    assert ok.postal_window_end == D(2026, 6, 3)
    assert (ok.on_time, ok.on_time_basis, ok.days_late) == (True, "Awb 6:9(2)", 0)
    # Received one day after the window: late, 8 days after 27 May.
    too_slow = timeline(sent, D(2026, 6, 4), committee_hears=False, posted_on=D(2026, 5, 27))
    assert (too_slow.on_time, too_slow.days_late) == (False, 8)
    # Posted one day after the period ended: 6:9(2) does not apply; 29 May is 2 days late.
    posted_late = timeline(sent, D(2026, 5, 29), committee_hears=False, posted_on=D(2026, 5, 28))
    assert (posted_late.on_time, posted_late.days_late) == (False, 2)


def test_postal_window_is_itself_extended_over_christmas() -> None:
    # Sent Thu 25 Sep 2025 + 84: 5 days to 30 Sep, 31 Oct (36), 30 Nov (66), 18 more
    # -> Thu 18 Dec 2025, a working day. The week after ends Thu 25 Dec (Eerste Kerstdag);
    # Fri 26 (Tweede Kerstdag), Sat 27, Sun 28 -> Mon 29 Dec 2025.
    sent = D(2025, 9, 25)
    tl = timeline(sent, D(2025, 12, 29), committee_hears=False, posted_on=D(2025, 12, 18))
    assert tl.objection_period_end == D(2025, 12, 18)
    assert tl.postal_window_end == D(2025, 12, 29)
    assert tl.on_time and tl.on_time_basis == "Awb 6:9(2)"
    late = timeline(sent, D(2025, 12, 30), committee_hears=False, posted_on=D(2025, 12, 18))
    assert (late.on_time, late.days_late) == (False, 12)  # 18 Dec -> 30 Dec


# --------------------------------------------------------------------------- decision term


def test_decision_term_with_and_without_committee_and_extension() -> None:
    # Sent Wed 4 Mar 2026, received 20 Mar; the objection period ends Wed 27 May 2026.
    sent, received = D(2026, 3, 4), D(2026, 3, 20)
    committee = timeline(sent, received, committee_hears=True)
    # 27 May + 84: 4 days to 31 May, 30 June (34), 31 July (65), 19 more -> Wed 19 Aug 2026.
    assert committee.decision_term_start == D(2026, 5, 28)
    assert committee.decision_term_weeks == 12
    assert committee.decision_due == D(2026, 8, 19)
    assert committee.extended_due is None
    assert committee.final_due == D(2026, 8, 19)

    alone = timeline(sent, received, committee_hears=False)
    # 27 May + 42: 4 days to 31 May, 30 June (34), 8 more -> Wed 8 July 2026.
    assert alone.decision_term_weeks == 6
    assert alone.decision_due == D(2026, 7, 8)

    committee_ext = timeline(sent, received, committee_hears=True, extended=True)
    # 19 Aug + 42: 12 days to 31 Aug, 30 more -> Wed 30 Sep 2026.
    assert committee_ext.decision_due == D(2026, 8, 19)
    assert committee_ext.extended_due == D(2026, 9, 30)
    assert committee_ext.final_due == D(2026, 9, 30)

    alone_ext = timeline(sent, received, committee_hears=False, extended=True)
    # 8 July + 42: 23 days to 31 July, 19 more -> Wed 19 Aug 2026.
    assert alone_ext.extended_due == D(2026, 8, 19)


def test_decision_term_counts_from_the_extended_end_of_the_objection_period() -> None:
    # Sent Thu 19 Feb 2026: the objection period nominally ends Thu 14 May (Hemelvaartsdag)
    # and legally on Mon 18 May 2026. Awb 7:10(1) counts from the day after the period
    # "is verstreken", i.e. from Tue 19 May.
    sent, received = D(2026, 2, 19), D(2026, 3, 1)
    alone = timeline(sent, received, committee_hears=False)
    assert alone.decision_term_start == D(2026, 5, 19)
    # 18 May + 42: 13 days to 31 May, 29 more -> Mon 29 June 2026 (counting from the
    # unextended Thu 14 May would wrongly give Thu 25 June).
    assert alone.decision_due == D(2026, 6, 29)
    committee = timeline(sent, received, committee_hears=True)
    # 18 May + 84: 13 to 31 May, 30 June (43), 31 July (74), 10 more -> Mon 10 Aug 2026.
    assert committee.decision_due == D(2026, 8, 10)


def test_decision_due_is_rolled_over_christmas() -> None:
    # Sent Thu 10 July 2025 + 84: 21 days to 31 July, 31 Aug (52), 30 Sep (82), 2 more
    # -> Thu 2 Oct 2025 (working day). + 84 -> Thu 25 Dec 2025 (Eerste Kerstdag);
    # Fri 26 (Tweede Kerstdag), Sat 27, Sun 28 -> Mon 29 Dec 2025.
    tl = timeline(D(2025, 7, 10), D(2025, 8, 1), committee_hears=True)
    assert tl.objection_period_end == D(2025, 10, 2)
    assert tl.decision_due_nominal == D(2025, 12, 25)
    assert tl.decision_due == D(2025, 12, 29)


def test_extension_counts_from_the_unextended_end_of_the_decision_term() -> None:
    # Sent Thu 27 Nov 2025 + 84: 3 days to 30 Nov, 31 Dec (34), 31 Jan (65), 19 more
    # -> Thu 19 Feb 2026 (working day). With the committee: + 84 -> Thu 14 May 2026
    # (Hemelvaartsdag); Fri 15 (decree), Sat, Sun -> decision due Mon 18 May 2026.
    # Extension: the nominal Thu 14 May + 42 -> Thu 25 June 2026, a working day.
    # (Counting from the rolled Mon 18 May would give Mon 29 June.)
    tl = timeline(D(2025, 11, 27), D(2025, 12, 1), committee_hears=True, extended=True)
    assert tl.objection_period_end == D(2026, 2, 19)
    assert tl.decision_due_nominal == D(2026, 5, 14)
    assert tl.decision_due == D(2026, 5, 18)
    assert tl.extended_due == D(2026, 6, 25)


def test_late_objection_decision_term_counts_from_receipt() -> None:
    # Period ends Wed 27 May 2026; received Fri 5 June 2026 = 9 days late. The term runs
    # from Sat 6 June: 5 June + 84 -> 25 days to 30 June, 31 July (56), 28 more
    # -> Fri 28 Aug 2026.
    tl = timeline(D(2026, 3, 4), D(2026, 6, 5), committee_hears=True)
    assert (tl.on_time, tl.days_late) == (False, 9)
    assert tl.decision_term_start == D(2026, 6, 6)
    assert tl.decision_due == D(2026, 8, 28)


def test_objection_saved_by_the_postal_rule_counts_from_the_period_end() -> None:
    # On time under 6:9(2) although received on Wed 3 June: the term still counts from
    # the day after Wed 27 May, so it is due Wed 8 July 2026 (as without posting).
    tl = timeline(D(2026, 3, 4), D(2026, 6, 3), committee_hears=False, posted_on=D(2026, 5, 27))
    assert tl.decision_due == D(2026, 7, 8)


def test_extend_once_then_refuse_a_second_extension() -> None:
    tl = timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=True)
    once = extend(tl, notified_on=D(2026, 8, 19))  # notified on the last day: allowed
    assert once == timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=True, extended=True)
    assert once.extended and once.extended_due == D(2026, 9, 30)
    with pytest.raises(ExtensionRefused, match=r"^extended: Awb 7:10\(3\) allows one extension") as info:
        extend(once)
    assert isinstance(info.value, ValueError)
    assert "2026-09-30" in str(info.value)


def test_extension_after_the_term_expired_is_refused() -> None:
    tl = timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=True)
    with pytest.raises(ValueError, match=r"^notified_on: after decision_due 2026-08-19"):
        extend(tl, notified_on=D(2026, 8, 20))
    with pytest.raises(ValueError, match=r"^notified_on: before received_on 2026-03-20"):
        extend(tl, notified_on=D(2026, 3, 19))


def test_is_overdue_from_the_day_after_the_final_due_date() -> None:
    tl = timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=True)
    assert not is_overdue(tl, D(2026, 8, 19))  # last day (Wed 19 Aug) is still on time
    assert is_overdue(tl, D(2026, 8, 20))
    ext = extend(tl)
    assert not is_overdue(ext, D(2026, 8, 20))
    assert not is_overdue(ext, D(2026, 9, 30))
    assert is_overdue(ext, D(2026, 10, 1))


def test_shorter_objection_period_can_be_replayed() -> None:
    # Six weeks: Wed 4 Mar 2026 + 42: 27 days to 31 Mar, 15 more -> Wed 15 Apr 2026.
    tl = timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=False, objection_period_weeks=6)
    assert tl.objection_period_end == D(2026, 4, 15)


# --------------------------------------------------------------------------- unrecorded decree years


def test_recorded_years_leave_no_gap() -> None:
    tl = timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=True, extended=True)
    assert tl.unrecorded_designation_years == ()


def test_years_without_recorded_decrees_are_reported() -> None:
    # Sent Mon 2 Oct 2028: nominal end Mon 25 Dec 2028, Tue 26 Dec -> Wed 27 Dec 2028.
    # Committee term: 27 Dec + 84 = 4 days to 31 Dec, 31 Jan (35), 28 Feb 2029 (63),
    # 21 more -> Wed 21 Mar 2029, a year whose art. 3(3) decree is not recorded.
    tl = timeline(D(2028, 10, 2), D(2028, 10, 10), committee_hears=True)
    assert tl.objection_period_end == D(2028, 12, 27)
    assert tl.decision_due == D(2029, 3, 21)
    assert tl.unrecorded_designation_years == (2029,)
    early = timeline(D(2022, 3, 2), D(2022, 3, 10), committee_hears=False)
    assert 2022 in early.unrecorded_designation_years


# --------------------------------------------------------------------------- bad input


def test_received_before_sent_names_the_field() -> None:
    with pytest.raises(ValueError) as info:
        timeline(D(2026, 3, 2), D(2026, 3, 1), committee_hears=False)
    assert str(info.value) == "received_on: before sent_on 2026-03-02"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"posted_on": D(2026, 3, 1)}, r"^posted_on: before sent_on 2026-03-02$"),
        ({"posted_on": D(2026, 3, 11)}, r"^posted_on: after received_on 2026-03-10$"),
        ({"sent_on": "2026-03-02"}, r"^sent_on: expected a datetime.date, got str$"),
        ({"received_on": dt.datetime(2026, 3, 10, 9)}, r"^received_on: expected a datetime.date, got datetime$"),
        ({"committee_hears": 1}, r"^committee_hears: expected a bool, got int$"),
        ({"extended": "yes"}, r"^extended: expected a bool, got str$"),
        ({"objection_period_weeks": 0}, r"^objection_period_weeks: 0 is outside 1..52$"),
        ({"sent_on": D(2013, 12, 2)}, r"^sent_on: 2013 is before 2014"),
    ],
)
def test_bad_input_raises_one_line_value_error_naming_the_field(kwargs: dict, message: str) -> None:
    args = {"sent_on": D(2026, 3, 2), "received_on": D(2026, 3, 10), "committee_hears": False}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message) as info:
        timeline(**args)
    assert "\n" not in str(info.value)


def test_is_overdue_and_extend_check_their_arguments() -> None:
    tl = timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=True)
    with pytest.raises(ValueError, match=r"^today: expected a datetime.date"):
        is_overdue(tl, "2026-08-20")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^tl: expected an ObjectionTimeline"):
        is_overdue({"decision_due": "2026-08-19"}, D(2026, 8, 20))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^tl: expected an ObjectionTimeline"):
        extend(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- record


def test_timeline_is_frozen_and_serialises_to_iso_dates() -> None:
    tl = timeline(D(2026, 3, 4), D(2026, 3, 20), committee_hears=True, extended=True)
    with pytest.raises(AttributeError):
        tl.decision_due = D(2026, 1, 1)  # type: ignore[misc]
    data = tl.as_dict()
    assert data["objection_period_end"] == "2026-05-27"
    assert data["decision_due"] == "2026-08-19"
    assert data["extended_due"] == "2026-09-30"
    assert data["final_due"] == "2026-09-30"
    assert data["posted_on"] is None
    assert data["unrecorded_designation_years"] == []
    assert json.loads(json.dumps(data)) == data


@given(
    sent_on=st.dates(min_value=D(2014, 1, 1), max_value=D(2300, 12, 31)),
    delay=st.integers(min_value=0, max_value=200),
    committee=st.booleans(),
    extended=st.booleans(),
)
def test_timeline_invariants(sent_on: dt.date, delay: int, committee: bool, extended: bool) -> None:
    received = sent_on + dt.timedelta(days=delay)
    tl = timeline(sent_on, received, committee, extended=extended)
    # The legal end is the first working day on or after the nominal end.
    assert tl.objection_period_end == next_working_day(tl.objection_period_nominal_end)
    assert tl.on_time == (received <= tl.objection_period_end)
    assert tl.days_late == max(0, (received - tl.objection_period_end).days)
    for due in (tl.decision_due, tl.postal_window_end, tl.final_due):
        assert is_working_day(due)
    assert tl.decision_due >= tl.decision_due_nominal
    assert (tl.decision_due_nominal - tl.decision_term_start).days + 1 == 7 * tl.decision_term_weeks
    if extended:
        assert tl.final_due > tl.decision_due
    else:
        assert tl.final_due == tl.decision_due
    assert not is_overdue(tl, tl.final_due)
    assert is_overdue(tl, tl.final_due + dt.timedelta(days=1))
