"""The closed list of municipalities a case may name: those with land in the Groningen effect area.

`municipality` is a published statistics dimension, so it is never free text:
only these names, spelled exactly like this (the CBS spelling of 2025), are
accepted. The codes are the CBS municipality codes (gemeentecodes). The list
and its source are described in docs/input.md.
"""

from __future__ import annotations

MUNICIPALITIES: tuple[tuple[str, str], ...] = (
    # province of Groningen
    ("Eemsdelta", "GM1979"),
    ("Groningen", "GM0014"),
    ("Het Hogeland", "GM1966"),
    ("Midden-Groningen", "GM1952"),
    ("Oldambt", "GM1895"),
    ("Pekela", "GM0765"),
    ("Stadskanaal", "GM0037"),
    ("Veendam", "GM0047"),
    ("Westerkwartier", "GM1969"),
    ("Westerwolde", "GM1950"),
    # province of Drenthe
    ("Aa en Hunze", "GM1680"),
    ("Assen", "GM0106"),
    ("Midden-Drenthe", "GM1731"),
    ("Noordenveld", "GM1699"),
    ("Tynaarlo", "GM1730"),
)

CBS_CODES: dict[str, str] = dict(MUNICIPALITIES)
NAMES: frozenset[str] = frozenset(CBS_CODES)


def check_municipality(value: object) -> None:
    """Raise ValueError unless `value` is exactly one of the listed names."""
    if type(value) is not str or value not in NAMES:
        if not isinstance(value, str):
            raise ValueError(f"must be a string, got {type(value).__name__}")
        raise ValueError("must be one of the municipalities of the effect area, spelled exactly as listed"
                         " in docs/input.md (for example Eemsdelta, Het Hogeland)")
