"""The audit's boundary: an interval exactly as wide as the protection level passes, one unit narrower fails.

Suppressing the four corners of a rectangle in a two-way table with every margin
published leaves the reader one degree of freedom: the corners can move by ``d``
in a checkerboard. Each corner's feasible interval then has width
``min(x11, x22) + min(x12, x21)`` exactly, whatever the rest of the table holds.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.publication.disclosure import AUDIT_EXPOSED, AUDIT_PROTECTED, CellRef, CountTable, DisclosurePolicy, audit


@st.composite
def rectangles(draw):
    rows = draw(st.integers(2, 4))
    cols = draw(st.integers(2, 4))
    counts = {(f"r{i}", f"k{j}"): draw(st.integers(0, 80)) for i in range(rows) for j in range(cols)}
    r1, r2 = sorted(draw(st.lists(st.integers(0, rows - 1), min_size=2, max_size=2, unique=True)))
    c1, c2 = sorted(draw(st.lists(st.integers(0, cols - 1), min_size=2, max_size=2, unique=True)))
    corners = [(f"r{r}", f"k{c}") for r in (r1, r2) for c in (c1, c2)]
    for key in corners:
        counts[key] = draw(st.integers(1, 80))
    x11, x12, x21, x22 = (counts[key] for key in corners)
    width = min(x11, x22) + min(x12, x21)
    return CountTable.from_interior("tabel", ("rij", "kolom"), counts), corners, width


def corner_intervals(table, corners):
    """The exact feasible interval of each corner: x11 and x22 move by +d, x12 and x21 by -d."""
    x11, x12, x21, x22 = (table.cells[key] for key in corners)
    down, up = min(x11, x22), min(x12, x21)
    return [(x11 - down, x11 + up), (x12 - up, x12 + down), (x21 - up, x21 + down), (x22 - down, x22 + up)]


def audit_with_level(table, corners, level, fraction=Fraction(0)):
    policy = DisclosurePolicy(threshold=level, protection_fraction=fraction)
    return audit([table], [CellRef("tabel", key) for key in corners], policy=policy)


@settings(max_examples=60, deadline=None)
@given(rectangles())
def test_an_interval_exactly_as_wide_as_the_level_is_protected(case):
    table, corners, width = case
    report = audit_with_level(table, corners, level=width)
    assert [(e.width, e.required_width, e.status) for e in report.entries] == [(width, width, AUDIT_PROTECTED)] * 4
    assert [(e.lower, e.upper) for e in report.entries] == corner_intervals(table, corners)
    assert report.ok


@settings(max_examples=60, deadline=None)
@given(rectangles())
def test_an_interval_one_unit_narrower_than_the_level_is_exposed(case):
    table, corners, width = case
    report = audit_with_level(table, corners, level=width + 1)
    assert [(e.width, e.required_width, e.status) for e in report.entries] == [(width, width + 1, AUDIT_EXPOSED)] * 4
    assert not report.ok and len(report.exposed()) == 4


@settings(max_examples=40, deadline=None)
@given(rectangles(), st.integers(0, 1))
def test_the_boundary_holds_when_the_level_comes_from_the_protection_fraction(case, narrower):
    """A level set by ``ceil(fraction * value)`` (above the threshold) has the same boundary."""
    table, corners, width = case
    largest = max(table.cells[key] for key in corners)
    fraction = Fraction(width + narrower, largest)  # ceil(fraction * largest) == width + narrower, for the largest
    report = audit_with_level(table, corners, level=1, fraction=fraction)
    for entry, key in zip(report.entries, corners):
        required = max(1, -(-fraction * table.cells[key] // 1))
        assert entry.width == width and entry.required_width == required
        assert entry.protected == (width >= required)
    biggest = next(e for e in report.entries if table.cells[e.key] == largest)
    assert biggest.status == (AUDIT_EXPOSED if narrower else AUDIT_PROTECTED)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))
def test_small_and_zero_corners_get_their_exact_interval(x11, x12, x21, x22):
    """A corner's lower bound is above 0 when its opposite corner is smaller: the audit must not widen it."""
    counts = {("r0", "k0"): x11, ("r0", "k1"): x12, ("r1", "k0"): x21, ("r1", "k1"): x22, ("r2", "k0"): 20}
    table = CountTable.from_interior("tabel", ("rij", "kolom"), counts)
    corners = [("r0", "k0"), ("r0", "k1"), ("r1", "k0"), ("r1", "k1")]
    report = audit_with_level(table, corners, level=1)
    assert [(e.lower, e.upper) for e in report.entries] == corner_intervals(table, corners)


def test_the_reasons_given_with_the_suppressed_cells_are_in_the_report():
    table = CountTable.from_interior("tabel", ("rij", "kolom"), {("r0", "k0"): 3, ("r0", "k1"): 4, ("r1", "k0"): 5,
                                                                 ("r1", "k1"): 6})
    reasons = {CellRef("tabel", key): f"reden {i}" for i, key in enumerate(table.cells) if "Totaal" not in key}
    report = audit([table], reasons, policy=DisclosurePolicy(threshold=1))
    assert {CellRef(e.table, e.key): e.reason for e in report.entries} == reasons


def test_count_intervals_are_reported_as_whole_numbers():
    table = CountTable.from_interior("tabel", ("rij", "kolom"), {("r0", "k0"): 3, ("r0", "k1"): 4, ("r1", "k0"): 5,
                                                                 ("r1", "k1"): 6})
    corners = [("r0", "k0"), ("r0", "k1"), ("r1", "k0"), ("r1", "k1")]
    for record in audit_with_level(table, corners, level=1).to_records():
        assert all(type(record[field]) is int for field in ("true_value", "lower", "upper", "required_width")), record
        assert record["reason"] == ""  # suppressed cells given as a list carry no reason
