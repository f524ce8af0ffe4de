"""SYNTHETIC population of Groningen addresses for Duurzaam herstel cases (docs/synthetic-population.md).

Every record this module produces is invented. No address, amount or dossier
belongs to a real person. The data are labelled synthetic in three ways:
``SYNTHETIC_NOTICE`` below, this docstring, and every ``case_id``, which starts
with ``SYN-``. The case JSON carries exactly the fields of docs/input.md (a closed
contract), so no extra "synthetic" field is added to it.

API
---
- ``generate_cases(n, seed)``: an iterator of case dicts, exactly the docs/input.md
  fields. Amounts are strings with two decimals, dates ``YYYY-MM-DD``.
- ``write_jsonl(path_or_file, n, seed)``: one compact JSON object per line
  (sorted keys, no spaces, ``\\n`` line ends, UTF-8). The same seed gives the
  same bytes.
- ``generate_addresses(n, seed)``: the same addresses as ``generate_cases``
  with their place and coordinates (the case JSON has no coordinates).
- ``generate_population(n, seed)``: ``PopulationRecord`` objects that bundle
  the address, the latent build year and the case dict.
- ``place_table(records)``: per-place summary rows, for the demo.
- ``PLACES``, ``EVENTS`` and the PGV model constants, for inspection.

Everything is streaming and pure Python. Randomness comes only from
``random.Random.random()`` and ``random.Random.gauss()``, seeded with strings
(seed version 2 hashes a string with SHA-512, which is stable across Python
versions). Two independent streams are used: one for addresses (place,
coordinates, area flags, BAG id), one for the case facts, so that
``generate_addresses`` yields exactly the addresses behind ``generate_cases``
without drawing any case facts.

Places
------
``PLACES`` lists real places with approximate real centre coordinates (WGS84,
to about 0.005 degrees), their *current* (2026) municipality and the former
municipality whose CBS code prefixes their BAG ids (ids keep the code of the
municipality that issued them: Loppersum 0024, Appingedam 0003, Ten Boer 0009,
...). The weight of a place is the relative number of *assessed* addresses: its
approximate number of dwellings times a claim propensity that falls with
distance from the field, so Groningen city is the largest place but is strongly
down-weighted. Each address is jittered around the place centre with a
Gaussian of ``spread_km`` per axis (0.3 to 1.3 km; 2.2 km for Groningen city,
which is about 6 km across), truncated at 2.5 standard deviations.

``in_pilot_area`` holds for places in the former municipalities Appingedam,
Loppersum (including Middelstum and Stedum, merged into Loppersum in 1990) and
Ten Boer. ``in_reinforcement_area`` holds for the pilot area and most of the
field; per place it is a share: 1 in Eemsdelta, Het Hogeland, most of
Midden-Groningen and the former Ten Boer; in Groningen city only the north-east
districts (north of 53.225N or east of 6.585E); low in Haren and Oldambt; 0 in
Westerkwartier.

BAG ids (``address_id``) are 16 digits: the 4-digit CBS code of the former
municipality, ``20`` (object type nummeraanduiding), and a 10-digit serial.
The serial is ``100000 + s(index)``, where ``s`` scrambles the index within
``0 .. 10**8 - 1``: an affine map ``x * 61803399 + offset`` mod 10**8, a
reversal of the 8 digits, and a second affine map ``x * 2718281 + offset2``
mod 10**8, with seeded offsets. Each step is a bijection (the multipliers are
coprime with 10), so ids are unique for n <= 10**8, deterministic, and do not
run in visible steps.

Earthquakes
-----------
``EVENTS`` holds 15 real induced earthquakes of the Groningen field. The list
of large events (KNMI): Westeremden 2006-08-08 M3.5 (53.350N 6.697E), Loppersum
2008-10-30 M3.2 (53.337N 6.720E), Huizinge 2012-08-16 M3.6 (53.345N 6.672E),
Zeerijp 2018-01-08 M3.4 (53.363N 6.751E), Westerwijtwerd 2019-05-22 M3.4
(53.328N 6.652E), Garrelsweer 2021-11-16 M3.2 (53.309N 6.751E) and Zeerijp
2025-11-14 M3.4, whose epicentre is not published with it and is placed here about
1 km north of the village (53.352N 6.760E). Added, real events reported by
KNMI and the press: Garrelsweer 2011-06-27 M3.2, Zandeweer 2013-02-07 M3.2,
Leermens 2014-02-13 M3.0, Ten Boer 2014-09-30 M2.8, Woudbloem 2014-12-30
M2.8, Hellum 2015-09-30 M3.1, Garsthuizen 2018-04-13 M2.8 and Wirdum
2019-06-09 M2.5. Their epicentres are approximate (near the named village).
All are taken as 3 km deep.

PGV model
---------
For address ``x`` and event ``e``::

    log10(PGV mm/s) = A + B*M - C*log10(R) + eps,   eps ~ N(0, SIGMA)

with ``R = sqrt(epicentral_km**2 + DEPTH_KM**2)`` the hypocentral distance,
``A = -1.1``, ``B = 1.0``, ``C = 2.0``, ``SIGMA = 0.25`` (log10 units), and
``eps`` independent per address and event. Distances use an equirectangular
projection at 53.3N (1 degree of latitude = 110.57 km, of longitude =
66.5 km), which is accurate to well under 1% over the field.

Calibration. ``C = 2`` is steep near-source geometric spreading with
anelastic loss, as seen at short distances in the Groningen records; ``B = 1``
makes PGV grow tenfold per magnitude unit. ``A`` is set so that the median at
the epicentre (R = 3 km) is 35 mm/s for M3.6 (the largest PGV recorded for
Huizinge 2012 was of that order), 22 mm/s for M3.4 and 5.6 mm/s for M2.8.
The median 5 mm/s contour then lies at an epicentral distance of about 7.4 km
for M3.6, 5.6 km for M3.4, 4.0 km for M3.2, 2.6 km for M3.0 and 1.0 km for
M2.8; an M2.5 (median 2.8 mm/s at the epicentre) passes 5 mm/s only through
the scatter. Groningen city, 12-20 km from the epicentres, gets medians of
0.5-2 mm/s. Measured on 20,000 addresses (seed 2026), four or more events of
at least 5 mm/s occur for about 99% of the addresses in Loppersum, 100% in
Zeerijp and Westeremden, 97% in Huizinge, 86% in Garrelsweer, 76% in
Middelstum, 80-100% in the other villages of the former Loppersum, 83% in
Ten Post and 90% in Zandeweer; for 12-16% in Ten Boer and Woltersum, 8-9% in
Uithuizen and Uithuizermeeden, about 1% in Appingedam, and for none in
Groningen city, Haren, Delfzijl, Oldambt or Westerkwartier: 10% of the
weighted population, well below half. The model is isotropic and coarse: of
the addresses where Zeerijp 2025 reaches 5 mm/s, about 64% lie in the
four-event core, most of the rest in Appingedam (about 7 km away), whereas the
Kamerbrief says the real 5 mm/s footprint fell almost entirely inside the
IMG's area.

The simulated PGV is written with one decimal (``"4.7"``): the correctly
rounded decimal of the float, as ``format(pgv, ".1f")`` gives it.
``pgv_history`` holds every event whose written value is at least the
reporting floor of 1.0 mm/s, in date order, and ``pgv_5mms_events`` counts
the written values >= 5.0 dated before 2026-01-01, computed from the written
string itself, so the invariant of docs/input.md holds exactly.
Events whose median PGV at the address is below 0.1 mm/s (four sigma below the
floor) are skipped without a draw; that only drops a 4-sigma tail.

Other facts
-----------
- ``build_year`` (latent, not in the JSON): an era mix per settlement type;
  villages have more pre-1940 houses than towns.
- ``rijksmonument``: mostly pre-1900 buildings, more likely in villages
  (old churches, farms, borgen); about 1% overall. Monuments get a higher WOZ.
- ``woz_value_eur``: lognormal (sigma 0.30) around a per-place median near the
  2023 CBS averages (Eemsdelta about 175-230k, Groningen city 280k, Haren
  450k; province mean 268k), rounded to whole thousands.
- ``recognised_damage_eur``: lognormal, median 1,400 euros times
  ``(1 + E)**0.75`` times an age factor, sigma 1.05 (natural log), where ``E``
  is the summed PGV exposure ``sum(pgv/5 mm/s)``. Overall median about 3.5k,
  13% at or above 15k; in the four-event core the median is about 12k (44% at
  or above 15k), with a long tail past 50k.
- ``structural_damage_eur`` (>= D3): zero for most; its probability rises with
  age and exposure; when present a 15-75% share of the recognised damage.
- ``technical_cause``: more likely for old buildings and with structural damage.
- ``unsettled_damage_eur``: zero (all settled) for most; otherwise a share of
  the recognised damage, sometimes all of it. Never above recognised.
- ``assessed_on``: uniform from 2023-07-01 to 2026-10-31, so all three
  frameworks occur.
- ``existing_dossier_since``: likely for pilot-area cases that met the pilot
  criteria, rarer in the 2024 extension area (opened from 2024-03-01); dates
  up to 2025-12-31 and never after ``assessed_on``. Of the reinforcement-area
  cases assessed in 2026 without an earlier dossier, 1% have one opened in
  2026 (a boundary case for the transitional rule).
- ``estimated_cost_eur``: known mostly when there is a technical cause;
  lognormal, median 115k, sigma 0.5 (about 45% above 125k), rounded to
  hundreds.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import statistics
import sys
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any, Iterable, Iterator

__all__ = [
    "SYNTHETIC_NOTICE",
    "CASE_ID_PREFIX",
    "CASE_FIELDS",
    "PGV_A",
    "PGV_B",
    "PGV_C",
    "PGV_SIGMA",
    "DEPTH_KM",
    "PGV_REPORTING_FLOOR_MM_S",
    "Place",
    "Event",
    "Address",
    "PopulationRecord",
    "PLACES",
    "EVENTS",
    "median_pgv_mm_s",
    "generate_addresses",
    "generate_population",
    "generate_cases",
    "case_to_json_line",
    "write_jsonl",
    "place_table",
]

SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: generated by audit.synth for testing and demonstration. "
    "No record describes a real address, person, damage claim or IMG decision."
)
CASE_ID_PREFIX = "SYN-"

CASE_FIELDS = (
    "case_id",
    "address_id",
    "municipality",
    "assessed_on",
    "technical_cause",
    "recognised_damage_eur",
    "unsettled_damage_eur",
    "structural_damage_eur",
    "woz_value_eur",
    "rijksmonument",
    "pgv_5mms_events",
    "pgv_history",
    "in_pilot_area",
    "in_reinforcement_area",
    "existing_dossier_since",
    "estimated_cost_eur",
)

# --- PGV model (see module docstring) --------------------------------------------

PGV_A = -1.1
PGV_B = 1.0
PGV_C = 2.0
PGV_SIGMA = 0.25
DEPTH_KM = 3.0
PGV_REPORTING_FLOOR_MM_S = 1.0
_SKIP_BELOW_LOG10 = -1.0  # median below 0.1 mm/s: 4 sigma under the floor
_COUNT_THRESHOLD_TENTHS = 50  # 5.0 mm/s, in tenths
_FLOOR_TENTHS = 10  # 1.0 mm/s, in tenths
_COUNT_CUTOFF = "2026-01-01"

_KM_PER_DEG_LAT = 110.57
_KM_PER_DEG_LON = 111.32 * math.cos(math.radians(53.3))

# --- periods ------------------------------------------------------------------------

_ASSESS_FIRST = date(2023, 7, 1)
_ASSESS_LAST = date(2026, 10, 31)
_PILOT_START = date(2023, 7, 1)
_EXTENSION_START = date(2024, 3, 1)
_PILOT_LAST = date(2025, 12, 31)
_NEW_RULES_START = date(2026, 1, 1)

_MAX_N = 10**8
_ID_MULTIPLIER = 61_803_399
_ID_MULTIPLIER_2 = 2_718_281


@dataclass(frozen=True, slots=True)
class Place:
    """A real place, its approximate centre and its synthetic address mix."""

    name: str
    municipality: str  # current (2026) municipality
    former_municipality: str
    bag_code: str  # 4-digit CBS code of the former municipality
    lat: float
    lon: float
    spread_km: float
    weight: int  # relative number of assessed addresses
    settlement: str  # "village", "town" or "city"
    in_pilot_area: bool
    reinforcement_share: float  # share of addresses in the NCG area; < 0: spatial city rule
    woz_median_eur: int


@dataclass(frozen=True, slots=True)
class Event:
    """A real earthquake of the Groningen field."""

    event_date: str
    place: str
    magnitude: str  # one decimal, as written in pgv_history
    lat: float
    lon: float

    @property
    def magnitude_value(self) -> float:
        return float(self.magnitude)


@dataclass(frozen=True, slots=True)
class Address:
    """One synthetic address: its index, BAG id, place and coordinates."""

    index: int
    case_id: str
    address_id: str
    place: Place
    lat: float
    lon: float
    in_pilot_area: bool
    in_reinforcement_area: bool

    @property
    def municipality(self) -> str:
        return self.place.municipality


@dataclass(frozen=True, slots=True)
class PopulationRecord:
    """An address with its latent build year and its case facts (docs/input.md)."""

    address: Address
    build_year: int
    case: dict[str, Any]


def _p(name, municipality, former, code, lat, lon, spread, weight, settlement, pilot, reinf, woz):
    return Place(name, municipality, former, code, lat, lon, spread, weight, settlement, pilot, reinf, woz)


_EEM, _GRO, _HH, _MG, _OLD, _WK = (
    "Eemsdelta",
    "Groningen",
    "Het Hogeland",
    "Midden-Groningen",
    "Oldambt",
    "Westerkwartier",
)

PLACES: tuple[Place, ...] = (
    # former Loppersum (pilot area), now Eemsdelta
    _p("Loppersum", _EEM, "Loppersum", "0024", 53.3333, 6.7458, 0.5, 1100, "village", True, 1.0, 215_000),
    _p("Zeerijp", _EEM, "Loppersum", "0024", 53.3450, 6.7620, 0.35, 200, "village", True, 1.0, 230_000),
    _p("Garrelsweer", _EEM, "Loppersum", "0024", 53.3090, 6.7660, 0.35, 400, "village", True, 1.0, 220_000),
    _p("Westeremden", _EEM, "Loppersum", "0024", 53.3390, 6.7140, 0.35, 230, "village", True, 1.0, 235_000),
    _p("Huizinge", _EEM, "Loppersum", "0024", 53.3560, 6.6790, 0.3, 80, "village", True, 1.0, 240_000),
    _p("Middelstum", _EEM, "Loppersum", "0024", 53.3475, 6.6420, 0.5, 1100, "village", True, 1.0, 230_000),
    _p("Wirdum", _EEM, "Loppersum", "0024", 53.3165, 6.7780, 0.35, 220, "village", True, 1.0, 220_000),
    _p("'t Zandt", _EEM, "Loppersum", "0024", 53.3640, 6.7730, 0.4, 350, "village", True, 1.0, 215_000),
    _p("Stedum", _EEM, "Loppersum", "0024", 53.3235, 6.6950, 0.4, 420, "village", True, 1.0, 235_000),
    _p("Westerwijtwerd", _EEM, "Loppersum", "0024", 53.3320, 6.6650, 0.3, 100, "village", True, 1.0, 225_000),
    _p("Garsthuizen", _EEM, "Loppersum", "0024", 53.3680, 6.7370, 0.3, 110, "village", True, 1.0, 230_000),
    _p("Leermens", _EEM, "Loppersum", "0024", 53.3510, 6.7940, 0.3, 150, "village", True, 1.0, 220_000),
    # former Appingedam (pilot area) and Delfzijl, now Eemsdelta
    _p("Appingedam", _EEM, "Appingedam", "0003", 53.3210, 6.8580, 1.0, 4800, "town", True, 1.0, 205_000),
    _p("Delfzijl", _EEM, "Delfzijl", "0010", 53.3300, 6.9180, 1.3, 6500, "town", False, 1.0, 175_000),
    # former Ten Boer (pilot area), now Groningen
    _p("Ten Boer", _GRO, "Ten Boer", "0009", 53.2760, 6.6950, 0.6, 2000, "village", True, 1.0, 270_000),
    _p("Ten Post", _GRO, "Ten Boer", "0009", 53.3040, 6.7420, 0.4, 300, "village", True, 1.0, 255_000),
    _p("Woltersum", _GRO, "Ten Boer", "0009", 53.2760, 6.7230, 0.35, 150, "village", True, 1.0, 260_000),
    _p("Thesinge", _GRO, "Ten Boer", "0009", 53.2710, 6.6600, 0.35, 300, "village", True, 1.0, 290_000),
    _p("Garmerwolde", _GRO, "Ten Boer", "0009", 53.2460, 6.6490, 0.35, 300, "village", True, 1.0, 285_000),
    # Groningen city and Haren
    _p("Groningen", _GRO, "Groningen", "0014", 53.2190, 6.5670, 2.2, 12000, "city", False, -1.0, 280_000),
    _p("Haren", _GRO, "Haren", "0017", 53.1720, 6.6050, 1.0, 700, "town", False, 0.15, 450_000),
    # Het Hogeland
    _p("Winsum", _HH, "Winsum", "0053", 53.3310, 6.5200, 0.8, 1300, "town", False, 1.0, 265_000),
    _p("Bedum", _HH, "Bedum", "0005", 53.3010, 6.6010, 0.8, 2700, "town", False, 1.0, 255_000),
    _p("Onderdendam", _HH, "Bedum", "0005", 53.3350, 6.5870, 0.35, 300, "village", False, 1.0, 240_000),
    _p("Uithuizen", _HH, "Eemsmond", "1651", 53.4080, 6.6710, 0.8, 1450, "town", False, 1.0, 215_000),
    _p("Uithuizermeeden", _HH, "Eemsmond", "1651", 53.4130, 6.7240, 0.7, 1300, "town", False, 1.0, 210_000),
    _p("Usquert", _HH, "Eemsmond", "1651", 53.4030, 6.6120, 0.5, 400, "village", False, 1.0, 225_000),
    _p("Warffum", _HH, "Eemsmond", "1651", 53.3920, 6.5610, 0.6, 500, "village", False, 0.8, 235_000),
    _p("Zandeweer", _HH, "Eemsmond", "1651", 53.3740, 6.6740, 0.35, 220, "village", False, 1.0, 235_000),
    # Midden-Groningen
    _p("Slochteren", _MG, "Slochteren", "0040", 53.2100, 6.8040, 0.6, 560, "village", False, 1.0, 300_000),
    _p("Siddeburen", _MG, "Slochteren", "0040", 53.2440, 6.8670, 0.7, 900, "village", False, 1.0, 250_000),
    _p("Harkstede", _MG, "Slochteren", "0040", 53.2140, 6.6600, 0.6, 600, "village", False, 1.0, 330_000),
    _p("Schildwolde", _MG, "Slochteren", "0040", 53.2320, 6.8150, 0.6, 600, "village", False, 1.0, 245_000),
    _p("Overschild", _MG, "Slochteren", "0040", 53.2800, 6.7880, 0.35, 250, "village", False, 1.0, 260_000),
    _p("Hellum", _MG, "Slochteren", "0040", 53.2370, 6.8440, 0.35, 250, "village", False, 1.0, 250_000),
    _p("Hoogezand", _MG, "Hoogezand-Sappemeer", "0018", 53.1630, 6.7600, 1.2, 3000, "town", False, 0.9, 205_000),
    _p("Sappemeer", _MG, "Hoogezand-Sappemeer", "0018", 53.1620, 6.7900, 0.9, 1350, "town", False, 0.9, 200_000),
    # Oldambt
    _p("Scheemda", _OLD, "Scheemda", "0039", 53.1730, 6.9720, 0.7, 500, "village", False, 0.35, 210_000),
    _p("Winschoten", _OLD, "Winschoten", "0052", 53.1450, 7.0340, 1.2, 1350, "town", False, 0.1, 185_000),
    # Westerkwartier
    _p("Zuidhorn", _WK, "Zuidhorn", "0056", 53.2460, 6.4050, 0.8, 360, "town", False, 0.0, 310_000),
    _p("Leek", _WK, "Leek", "0022", 53.1610, 6.3790, 1.0, 425, "town", False, 0.0, 275_000),
)

EVENTS: tuple[Event, ...] = (
    Event("2006-08-08", "Westeremden", "3.5", 53.350, 6.697),
    Event("2008-10-30", "Loppersum", "3.2", 53.337, 6.720),
    Event("2011-06-27", "Garrelsweer", "3.2", 53.310, 6.760),
    Event("2012-08-16", "Huizinge", "3.6", 53.345, 6.672),
    Event("2013-02-07", "Zandeweer", "3.2", 53.372, 6.672),
    Event("2014-02-13", "Leermens", "3.0", 53.352, 6.790),
    Event("2014-09-30", "Ten Boer", "2.8", 53.280, 6.700),
    Event("2014-12-30", "Woudbloem", "2.8", 53.222, 6.735),
    Event("2015-09-30", "Hellum", "3.1", 53.235, 6.840),
    Event("2018-01-08", "Zeerijp", "3.4", 53.363, 6.751),
    Event("2018-04-13", "Garsthuizen", "2.8", 53.368, 6.735),
    Event("2019-05-22", "Westerwijtwerd", "3.4", 53.328, 6.652),
    Event("2019-06-09", "Wirdum", "2.5", 53.318, 6.780),
    Event("2021-11-16", "Garrelsweer", "3.2", 53.309, 6.751),
    Event("2025-11-14", "Zeerijp", "3.4", 53.352, 6.760),
)

# Groningen city: the NCG reinforcement area covers the north-east districts.
_CITY_REINFORCEMENT_LAT = 53.225
_CITY_REINFORCEMENT_LON = 6.585

# Build-year eras: (first year, last year) and mix per settlement type.
_ERAS = ((1750, 1899), (1900, 1939), (1940, 1969), (1970, 1999), (2000, 2024))
_ERA_MIX = {
    "village": (0.16, 0.20, 0.22, 0.28, 0.14),
    "town": (0.07, 0.16, 0.30, 0.32, 0.15),
    "city": (0.08, 0.22, 0.24, 0.26, 0.20),
}
_MONUMENT_P = {  # per era; pre-1900 depends on the settlement type
    "village": (0.085, 0.012, 0.0008, 0.0, 0.0),
    "town": (0.06, 0.01, 0.0008, 0.0, 0.0),
    "city": (0.06, 0.01, 0.0008, 0.0, 0.0),
}
_ERA_WOZ = (1.05, 0.95, 0.92, 1.0, 1.15)
_ERA_DAMAGE = (1.5, 1.35, 1.1, 0.9, 0.6)
_ERA_STRUCTURAL = (3.0, 2.5, 1.3, 0.7, 0.3)
_ERA_TECHNICAL = (0.20, 0.16, 0.06, 0.02, 0.0)


def _cumulative(values: Iterable[float]) -> tuple[float, ...]:
    total = 0.0
    out = []
    for v in values:
        total += v
        out.append(total)
    return tuple(x / total for x in out)


_PLACE_CUM = _cumulative(p.weight for p in PLACES)
_ERA_CUM = {k: _cumulative(v) for k, v in _ERA_MIX.items()}
_HALF_C = PGV_C / 2.0
_DEPTH2 = DEPTH_KM * DEPTH_KM
_LOG10_BELOW_FLOOR = math.log10(0.949)


def _event_params(event: Event) -> tuple[float, float, float, float, bool, Event]:
    """Per-event constants: epicentre, A + B*M, the squared epicentral distance (km²)
    beyond which the median PGV is below 0.1 mm/s, whether it counts (before 2026)."""
    base = PGV_A + PGV_B * event.magnitude_value
    d2_max = 10.0 ** ((base - _SKIP_BELOW_LOG10) / _HALF_C) - _DEPTH2
    return (event.lat, event.lon, base, d2_max, event.event_date < _COUNT_CUTOFF, event)


_EVENT_PARAMS = tuple(_event_params(e) for e in EVENTS)


def median_pgv_mm_s(magnitude: float, epicentral_km: float) -> float:
    """Median modelled PGV (mm/s) for an event of this magnitude at this epicentral distance."""
    r = math.sqrt(epicentral_km * epicentral_km + DEPTH_KM * DEPTH_KM)
    return 10.0 ** (PGV_A + PGV_B * magnitude - PGV_C * math.log10(r))


def _pick(cum: tuple[float, ...], u: float) -> int:
    """Index of the first cumulative share above u (0 <= u < 1 = cum[-1])."""
    return bisect_right(cum, u)


def _address_rng(seed: int) -> random.Random:
    return random.Random(f"dh-audit-synth/addresses/{int(seed)}")


def _facts_rng(seed: int) -> random.Random:
    return random.Random(f"dh-audit-synth/facts/{int(seed)}")


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, got {n!r}")
    if n > _MAX_N:
        raise ValueError(f"n must be at most {_MAX_N} (unique 10-digit BAG serials), got {n}")


def generate_addresses(n: int = 20_000, seed: int = 2026) -> Iterator[Address]:
    """Iterate over the n synthetic addresses of this seed: place, coordinates, area flags, ids.

    A bad ``n`` raises ``ValueError`` at once, before iteration starts.
    """
    _check_n(n)
    return _iter_addresses(n, seed)


def _iter_addresses(n: int, seed: int) -> Iterator[Address]:
    rng = _address_rng(seed)
    rnd = rng.random
    gauss = rng.gauss
    offset = int(rnd() * _MAX_N)
    offset2 = int(rnd() * _MAX_N)
    for i in range(n):
        place = PLACES[_pick(_PLACE_CUM, rnd())]
        s = place.spread_km
        dx = min(max(gauss(0.0, s), -2.5 * s), 2.5 * s)
        dy = min(max(gauss(0.0, s), -2.5 * s), 2.5 * s)
        lat = round(place.lat + dy / _KM_PER_DEG_LAT, 6)
        lon = round(place.lon + dx / _KM_PER_DEG_LON, 6)
        share = place.reinforcement_share
        u = rnd()
        if share < 0:  # spatial rule for Groningen city
            reinforcement = lat > _CITY_REINFORCEMENT_LAT or lon > _CITY_REINFORCEMENT_LON
        else:
            reinforcement = place.in_pilot_area or u < share
        mixed = int(f"{(i * _ID_MULTIPLIER + offset) % _MAX_N:08d}"[::-1])
        serial = 100_000 + (mixed * _ID_MULTIPLIER_2 + offset2) % _MAX_N
        yield Address(
            index=i,
            case_id=f"{CASE_ID_PREFIX}{i + 1:06d}",
            address_id=f"{place.bag_code}20{serial:010d}",
            place=place,
            lat=lat,
            lon=lon,
            in_pilot_area=place.in_pilot_area,
            in_reinforcement_area=reinforcement,
        )


def _cents(x: float) -> int:
    return int(round(x * 100.0))


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


_DATE_CACHE: dict[int, str] = {}


def _day(first: date, offset: int) -> str:
    """ISO text of first + offset days (cached: the date range is small)."""
    key = first.toordinal() + offset
    text = _DATE_CACHE.get(key)
    if text is None:
        text = date.fromordinal(key).isoformat()
        _DATE_CACHE[key] = text
    return text


_ASSESS_DAYS = (_ASSESS_LAST - _ASSESS_FIRST).days + 1


def _pgv_history(lat: float, lon: float, gauss) -> tuple[list[dict[str, str]], int, float]:
    """Simulated PGV history at (lat, lon): history list, count >= 5 mm/s before 2026, exposure."""
    history = []
    count = 0
    exposure = 0.0
    for elat, elon, base, d2_max, before_cutoff, event in _EVENT_PARAMS:
        dy = (lat - elat) * _KM_PER_DEG_LAT
        dx = (lon - elon) * _KM_PER_DEG_LON
        d2 = dx * dx + dy * dy
        if d2 > d2_max:  # median below 0.1 mm/s: skipped without a draw
            continue
        log_pgv = base - _HALF_C * math.log10(d2 + _DEPTH2) + gauss(0.0, PGV_SIGMA)
        if log_pgv < _LOG10_BELOW_FLOOR:  # certainly written as "0.9" or less
            continue
        pgv = 10.0**log_pgv
        text = f"{pgv:.1f}"
        tenths = int(text.replace(".", ""))
        if tenths < _FLOOR_TENTHS:
            continue
        exposure += pgv
        if before_cutoff and tenths >= _COUNT_THRESHOLD_TENTHS:
            count += 1
        history.append(
            {"event_date": event.event_date, "magnitude": event.magnitude, "pgv_mm_s": text, "place": event.place}
        )
    return history, count, exposure / 5.0


def _facts(address: Address, rng: random.Random) -> tuple[int, dict[str, Any]]:
    rnd = rng.random
    gauss = rng.gauss
    place = address.place

    history, count, exposure = _pgv_history(address.lat, address.lon, gauss)

    era = _pick(_ERA_CUM[place.settlement], rnd())
    first, last = _ERAS[era]
    build_year = first + int(rnd() * (last - first + 1))

    monument = rnd() < _MONUMENT_P[place.settlement][era]

    woz = place.woz_median_eur * _ERA_WOZ[era] * math.exp(gauss(0.0, 0.30))
    if monument:
        woz *= 1.45
    woz_cents = max(60, int(round(woz / 1000.0))) * 100_000

    exp_factor = min(exposure / 8.0, 1.0)
    damage = 1400.0 * (1.0 + exposure) ** 0.75 * _ERA_DAMAGE[era] * math.exp(gauss(0.0, 1.05))
    recognised = max(_cents(damage), 15_000)  # in cents: at least 150.00 euros

    p_struct = min(0.04 * _ERA_STRUCTURAL[era] * (1.0 + 0.35 * exposure), 0.75)
    if rnd() < p_struct:
        structural = int(recognised * (0.15 + 0.60 * rnd()))
    else:
        structural = 0

    p_tech = 0.04 + _ERA_TECHNICAL[era] + (0.35 if structural else 0.0) + 0.10 * exp_factor
    if monument:
        p_tech += 0.10
    technical_cause = rnd() < min(p_tech, 0.9)

    if rnd() < 0.35 + 0.15 * exp_factor:
        u = rnd()
        unsettled = recognised if u < 0.2 else int(recognised * (0.05 + 0.95 * (u - 0.2) / 0.8))
    else:
        unsettled = 0

    assessed_offset = int(rnd() * _ASSESS_DAYS)
    assessed = _ASSESS_FIRST + timedelta(days=assessed_offset)
    assessed_on = _day(_ASSESS_FIRST, assessed_offset)

    pilot_like = technical_cause and recognised >= 1_500_000 and unsettled > 0  # 15,000.00 euros
    dossier = None
    u = rnd()
    if address.in_pilot_area:
        p_dossier, start = (0.55 if pilot_like else 0.05), _PILOT_START
    elif address.in_reinforcement_area:
        p_dossier, start = (0.35 if pilot_like else 0.03), _EXTENSION_START
    else:
        p_dossier, start = 0.0, _PILOT_START
    end = min(_PILOT_LAST, assessed)
    if u < p_dossier and end >= start:
        dossier = _day(start, int(rnd() * ((end - start).days + 1)))
    elif assessed >= _NEW_RULES_START and address.in_reinforcement_area and rnd() < 0.01:
        dossier = _day(_NEW_RULES_START, int(rnd() * ((assessed - _NEW_RULES_START).days + 1)))

    if technical_cause:
        p_cost = 0.7
    elif dossier is not None:
        p_cost = 0.5
    else:
        p_cost = 0.02
    if rnd() < p_cost:
        cost = 115_000.0 * math.exp(gauss(0.0, 0.5)) * (1.5 if monument else 1.0)
        estimated_cost = _amount(max(50, int(round(cost / 100.0))) * 10_000)
    else:
        estimated_cost = None

    case = {
        "address_id": address.address_id,
        "assessed_on": assessed_on,
        "case_id": address.case_id,
        "estimated_cost_eur": estimated_cost,
        "existing_dossier_since": dossier,
        "in_pilot_area": address.in_pilot_area,
        "in_reinforcement_area": address.in_reinforcement_area,
        "municipality": place.municipality,
        "pgv_5mms_events": count,
        "pgv_history": history,
        "recognised_damage_eur": _amount(recognised),
        "rijksmonument": monument,
        "structural_damage_eur": _amount(structural),
        "technical_cause": technical_cause,
        "unsettled_damage_eur": _amount(unsettled),
        "woz_value_eur": _amount(woz_cents),
    }
    return build_year, case


def generate_population(n: int = 20_000, seed: int = 2026) -> Iterator[PopulationRecord]:
    """Iterate over n PopulationRecord objects (address, build year, case dict), deterministically."""
    _check_n(n)
    return _iter_population(n, seed)


def _iter_population(n: int, seed: int) -> Iterator[PopulationRecord]:
    rng = _facts_rng(seed)
    for address in _iter_addresses(n, seed):
        build_year, case = _facts(address, rng)
        yield PopulationRecord(address=address, build_year=build_year, case=case)


def generate_cases(n: int = 20_000, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """Iterate over n synthetic case dicts with exactly the docs/input.md fields.

    Case i depends only on the seed and i, not on n: a larger population extends
    a smaller one. A bad ``n`` raises ``ValueError`` at once.
    """
    _check_n(n)
    return _iter_cases(n, seed)


def _iter_cases(n: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = _facts_rng(seed)
    for address in _iter_addresses(n, seed):
        yield _facts(address, rng)[1]


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def case_to_json_line(case: dict[str, Any]) -> str:
    """Compact canonical JSON of one case (sorted keys, no spaces) with a trailing newline."""
    return _ENCODER.encode(case) + "\n"


def write_jsonl(path_or_file: str | os.PathLike[str] | IO[Any], n: int = 20_000, seed: int = 2026) -> int:
    """Write n synthetic cases as JSON Lines (UTF-8, ``\\n`` line ends); return the number written.

    ``path_or_file`` is a path (the file is created or replaced) or an open binary
    file. A text file is accepted too, but its newline translation is then the
    caller's concern; open it with ``newline="\\n"`` to keep the bytes reproducible.
    """
    _check_n(n)
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "wb") as fh:
            return _write_binary(fh, n, seed)
    if isinstance(path_or_file, io.TextIOBase):
        written = 0
        for case in generate_cases(n, seed):
            path_or_file.write(case_to_json_line(case))
            written += 1
        return written
    return _write_binary(path_or_file, n, seed)


def _write_binary(fh: IO[bytes], n: int, seed: int) -> int:
    written = 0
    batch: list[str] = []
    for case in generate_cases(n, seed):
        batch.append(case_to_json_line(case))
        if len(batch) == 1000:
            fh.write("".join(batch).encode("utf-8"))
            written += len(batch)
            batch.clear()
    if batch:
        fh.write("".join(batch).encode("utf-8"))
        written += len(batch)
    return written


def place_table(records: Iterable[PopulationRecord]) -> list[dict[str, Any]]:
    """Per-place summary of a population, largest place first.

    Each row: place, municipality, addresses, share with >= 4 events of 5 mm/s,
    mean number of such events, median WOZ (euros), pilot-area flag and the mean
    coordinates of its addresses.
    """
    groups: dict[str, list[PopulationRecord]] = {}
    for rec in records:
        groups.setdefault(rec.address.place.name, []).append(rec)
    rows = []
    for name, recs in groups.items():
        counts = [r.case["pgv_5mms_events"] for r in recs]
        wozs = [float(r.case["woz_value_eur"]) for r in recs]
        place = recs[0].address.place
        rows.append(
            {
                "place": name,
                "municipality": place.municipality,
                "addresses": len(recs),
                "share_4plus": round(sum(1 for c in counts if c >= 4) / len(recs), 3),
                "mean_events": round(sum(counts) / len(recs), 2),
                "median_woz_eur": int(statistics.median(wozs)),
                "in_pilot_area": place.in_pilot_area,
                "lat": round(sum(r.address.lat for r in recs) / len(recs), 4),
                "lon": round(sum(r.address.lon for r in recs) / len(recs), 4),
            }
        )
    rows.sort(key=lambda row: (-row["addresses"], row["place"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m audit.synth [N [SEED]]``: write N synthetic cases as JSON Lines to stdout."""
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 20_000
    seed = int(args[1]) if len(args) > 1 else 2026
    print(SYNTHETIC_NOTICE, file=sys.stderr)
    write_jsonl(sys.stdout.buffer, n, seed)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
