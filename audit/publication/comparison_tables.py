"""The comparison as publishable tables, protected by `audit.publication.disclosure` (docs/publication.md).

Every count the comparison report shows comes from one of these linked tables,
margins included, and all of them are protected together:

- `overgangen`: municipality x cell of the transition matrix (stays eligible,
  gains, loses, stays ineligible);
- `matrix`: eligible before x eligible after, with its margins (the 2 x 2 matrix);
- `redenen_erbij`, `redenen_af`: the criteria that caused a gain, a loss;
- `maximumbedrag`: municipality x band of the change in maximum amount, for the
  cases eligible under both frameworks;
- `i1`: municipality, the cases under interpretation I-1;
- `uitzondering`: municipality x framework (before, after), the eligible cases whose
  estimated cost exceeds the maximum: the discretionary exception is needed.

The links a reader could use are declared as relations: each matrix cell is an
overall cell of `overgangen`, the reasons of the gains add up to the gains, the
bands of a municipality add up to its cases that stay eligible, and the I-1 cases
of a municipality are at most its cases not eligible under the new framework, and
the exceptions under a framework are at most the cases eligible under it.
"""

from __future__ import annotations

import attrs

from audit.analysis.compare import AFTER, BANDS, BEFORE, CELLS, GAINS, LOSES, SIDES, STAYS_ELIGIBLE, STAYS_INELIGIBLE, Comparison
from audit.publication.disclosure import TOTAL, CountTable, ProtectionResult, Relation, protect

TRANSITIONS = "overgangen"
MATRIX = "matrix"
REASONS = {GAINS: "redenen_erbij", LOSES: "redenen_af"}
CAP_BANDS = "maximumbedrag"
I1 = "i1"
EXCEEDANCE = "uitzondering"

YES = "ja"
NO = "nee"
# (eligible before, eligible after) of each cell of the transition matrix
CELL_KEYS = {STAYS_ELIGIBLE: (YES, YES), GAINS: (NO, YES), LOSES: (YES, NO), STAYS_INELIGIBLE: (NO, NO)}


@attrs.frozen
class ProtectedComparison:
    """The comparison's published counts: `count(...)` is None for a suppressed cell."""

    comparison: Comparison
    result: ProtectionResult

    def count(self, table: str, *key) -> int | None:
        return self.result.table(table).cell(*key).value

    def transition(self, municipality: str, cell: str) -> int | None:
        return self.count(TRANSITIONS, municipality, cell)

    @property
    def suppressed_cells(self) -> int:
        return len(self.result.suppressed)


def tables_of(comparison: Comparison) -> tuple[list[CountTable], list[Relation]]:
    """The count tables of a comparison and the relations between them."""
    municipalities = list(comparison.municipalities)
    transitions = CountTable.from_interior(
        TRANSITIONS,
        ("gemeente", "overgang"),
        {(m, cell): n for m, row in comparison.by_municipality.items() for cell, n in row.items()},
        categories={"gemeente": municipalities, "overgang": list(CELLS)},
    )
    matrix = CountTable.from_interior(
        MATRIX,
        ("voor", "na"),
        {CELL_KEYS[cell]: n for cell, n in comparison.cells.items()},
        categories={"voor": [YES, NO], "na": [YES, NO]},
    )
    tables = [transitions, matrix]
    relations = [
        Relation.equal(matrix.ref(*CELL_KEYS[cell]), transitions.ref(TOTAL, cell), label=f"matrix cell {cell}")
        for cell in CELLS
    ]
    for cell, name in REASONS.items():
        row = comparison.reasons.get(cell, {})
        if not row:
            continue
        reasons = CountTable.from_interior(name, ("reden",), {(k,): n for k, n in row.items()})
        tables.append(reasons)
        relations.append(Relation.equal(reasons.ref(TOTAL), transitions.ref(TOTAL, cell), label=f"reasons of {cell}"))
    bands = CountTable.from_interior(
        CAP_BANDS,
        ("gemeente", "verschil"),
        {(m, b): n for m, row in comparison.cap_bands_by_municipality.items() for b, n in row.items()},
        categories={"gemeente": municipalities, "verschil": list(BANDS)},
    )
    i1 = CountTable.from_interior(
        I1, ("gemeente",), {(m,): n for m, n in comparison.i1_by_municipality.items()},
        categories={"gemeente": municipalities},
    )
    side_keys = {BEFORE: "voor", AFTER: "na"}
    exceedance = CountTable.from_interior(
        EXCEEDANCE, ("gemeente", "kader"),
        {(m, side_keys[s]): n for m, row in comparison.exceedance_by_municipality.items() for s, n in row.items()},
        categories={"gemeente": municipalities, "kader": [side_keys[s] for s in SIDES]},
    )
    tables += [bands, i1, exceedance]
    eligible_cells = {BEFORE: (STAYS_ELIGIBLE, LOSES), AFTER: (STAYS_ELIGIBLE, GAINS)}
    for m in [*municipalities, TOTAL]:
        for side in SIDES:
            relations.append(
                Relation(
                    terms=((exceedance.ref(m, side_keys[side]), 1),
                           *((transitions.ref(m, cell), -1) for cell in eligible_cells[side])),
                    op="<=", constant=0, label=f"exceptions of {m} ({side}) are eligible cases",
                )
            )
    for m in [*municipalities, TOTAL]:
        relations.append(
            Relation.equal(bands.ref(m, TOTAL), transitions.ref(m, STAYS_ELIGIBLE), label=f"bands of {m}")
        )
        relations.append(
            Relation(
                terms=((i1.ref(m), 1), (transitions.ref(m, LOSES), -1), (transitions.ref(m, STAYS_INELIGIBLE), -1)),
                op="<=", constant=0, label=f"I-1 cases of {m} are not eligible afterwards",
            )
        )
    return tables, relations


def protect_comparison(comparison: Comparison) -> ProtectedComparison:
    """Primary and secondary suppression over all tables of the comparison, audited."""
    tables, relations = tables_of(comparison)
    return ProtectedComparison(comparison, protect(tables, relations))
