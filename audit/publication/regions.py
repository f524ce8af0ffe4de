"""Which municipalities the release shows on their own, and which it groups into a named region.

Every table with a `gemeente` column uses the one grouping this module computes
(`grouping`), so a municipality is a row of its own in all of them or in none.

The rule uses only the number of cases (addresses) per municipality, a size that
says nothing about any decision:

1. a municipality with at least `MIN_CASES` cases is shown on its own;
2. the other municipalities are grouped by their region (`REGIONS`, a fixed
   geographic map of the municipalities in `decisions.municipalities`), one row
   per region, named ``Regio ...``;
3. a region row that still has fewer than `MIN_CASES` cases is merged with the
   other such rows into `REST_REGION`.

A small municipality is never dotted out row by row: its cases are counted in a
region row, and the release's metadata names the regions and this rule.
"""

from __future__ import annotations

from collections.abc import Mapping

from decisions.municipalities import NAMES

#: A municipality (or region row) with fewer cases than this is grouped.
MIN_CASES = 5_000

REGION_PREFIX = "Regio "
REST_REGION = "Regio overig effectgebied"

#: The fixed geographic regions of the municipalities of the effect area.
REGIONS: dict[str, tuple[str, ...]] = {
    "Regio Noord-Groningen": ("Eemsdelta", "Het Hogeland"),
    "Regio Stad en West": ("Groningen", "Westerkwartier"),
    "Regio Oost-Groningen": ("Midden-Groningen", "Oldambt", "Pekela", "Stadskanaal", "Veendam", "Westerwolde"),
    "Regio Drenthe": ("Aa en Hunze", "Assen", "Midden-Drenthe", "Noordenveld", "Tynaarlo"),
}
REGION_OF: dict[str, str] = {m: region for region, members in REGIONS.items() for m in members}

if set(REGION_OF) != NAMES or len(REGION_OF) != sum(len(m) for m in REGIONS.values()):
    raise ImportError("audit.publication.regions: every municipality must be in exactly one region")


def grouping(cases: Mapping[str, int], min_cases: int = MIN_CASES) -> dict[str, str]:
    """The row label (a municipality or a ``Regio ...`` name) of each municipality with cases."""
    label: dict[str, str] = {}
    grouped: dict[str, int] = {}
    for municipality, n in sorted(cases.items()):
        if n >= min_cases:
            label[municipality] = municipality
        else:
            region = REGION_OF[municipality]
            label[municipality] = region
            grouped[region] = grouped.get(region, 0) + n
    small = {region for region, n in grouped.items() if n < min_cases}
    if len(small) > 1:
        for municipality, region in label.items():
            if region in small:
                label[municipality] = REST_REGION
    return label


def members(label: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each region row and the municipalities it counts (only rows that group something)."""
    found: dict[str, list[str]] = {}
    for municipality, row in sorted(label.items()):
        if row.startswith(REGION_PREFIX):
            found.setdefault(row, []).append(municipality)
    return {row: tuple(ms) for row, ms in found.items()}


__all__ = ["MIN_CASES", "REGIONS", "REGION_OF", "REGION_PREFIX", "REST_REGION", "grouping", "members"]
