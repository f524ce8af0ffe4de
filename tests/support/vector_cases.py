"""Hypothesis strategies for case facts that sit on and around every threshold (for the differential tests)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from decisions.inputs import CaseInputs, parse_case

EDGE_AMOUNTS = (
    "0.00", "0.01", "4499.99", "4500.00", "4999.99", "5000.00", "5000.01", "14999.99", "15000.00", "15000.01",
    "124999.99", "125000.00", "125000.01", "499999.99", "500000.00", "500000.01",
)
EDGE_DATES = (date(2023, 7, 1), date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2))

amounts = st.one_of(
    st.sampled_from([int(a.replace(".", "")) for a in EDGE_AMOUNTS]),
    st.integers(min_value=0, max_value=120_000_000),
)
events = st.one_of(st.sampled_from([0, 3, 4, 5]), st.integers(min_value=0, max_value=20))


def _text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@st.composite
def case_data(draw) -> dict:
    """Valid case facts as JSON data."""
    recognised, structural, unsettled = draw(amounts), draw(amounts), draw(amounts)
    if draw(st.booleans()):
        recognised = max(recognised, structural, unsettled)
    else:
        structural, unsettled = min(structural, recognised), min(unsettled, recognised)
    assessed = draw(st.one_of(
        st.sampled_from(EDGE_DATES), st.dates(min_value=date(2023, 7, 1), max_value=date(2027, 12, 31))
    ))
    dossier = draw(st.one_of(
        st.none(),
        st.sampled_from([d for d in EDGE_DATES if d <= assessed]),
        st.dates(min_value=date(2023, 7, 1), max_value=assessed),
    ))
    return {
        "case_id": draw(st.sampled_from(["SYN-000001", "GOLD-0001", "C-1"])),
        "address_id": "1651200000012345",
        "municipality": draw(st.sampled_from(["Eemsdelta", "Groningen", "Het Hogeland", "Midden-Groningen"])),
        "assessed_on": assessed.isoformat(),
        "technical_cause": draw(st.booleans()),
        "recognised_damage_eur": _text(recognised),
        "unsettled_damage_eur": _text(unsettled),
        "structural_damage_eur": _text(structural),
        "woz_value_eur": _text(draw(amounts)),
        "rijksmonument": draw(st.booleans()),
        "pgv_5mms_events": draw(events),
        "in_pilot_area": draw(st.booleans()),
        "in_reinforcement_area": draw(st.booleans()),
        "existing_dossier_since": None if dossier is None else dossier.isoformat(),
        "estimated_cost_eur": draw(st.one_of(st.none(), amounts.map(_text))),
    }


def cases() -> st.SearchStrategy[CaseInputs]:
    return case_data().map(parse_case)
