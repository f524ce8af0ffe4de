"""Data model for statistical disclosure control of published tables.

A published table is described as data:

* :class:`CountTable`: named dimensions and a complete lattice of cells. A cell key
  is a tuple with one value per dimension; the marker :data:`TOTAL` (``"Totaal"``)
  in a position marks a margin over that dimension. Every cell holds a
  non-negative integer count.
* :class:`AmountTable`: the same lattice, but every interior cell holds the list of
  individual amounts (contributions, in euros) whose sum and/or mean are published.
  Margin contributions are derived from the interior cells.

What a reader knows besides the published values is expressed as linear
:class:`Relation` objects over cells (:class:`CellRef`). Margin relations inside
a table are implied by the table itself. Relations across tables are either
declared explicitly, or derived from a common *population* (see
:func:`audit.publication.disclosure.engine.population_relations`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Union

import attrs

#: Marker for a margin position in a cell key.
TOTAL = "Totaal"

#: Status of a cell whose value is published.
STATUS_PUBLISHED = "gepubliceerd"
#: Status of a count in 1..threshold-1 (wording for the default threshold 10).
STATUS_PRIMARY = "onderdrukt: primair (< 10)"
#: Status of a zero that would reveal something about a group (see rules.revealing_zeros).
STATUS_REVEALING_ZERO = "onderdrukt: onthullende nul"
#: Status of a cell suppressed only to protect other suppressed cells.
STATUS_SECONDARY = "onderdrukt: secundair"
#: Status of an amount cell that fails the p%-rule.
STATUS_P_PERCENT = "onderdrukt: p%-regel"
#: Status of an amount cell with too few contributors (wording for the default 10).
STATUS_FEW_CONTRIBUTORS = "onderdrukt: < 10 bijdragers"
#: The only suppression status that may appear in a public table. The detailed
#: reasons above are for internal records: a published "onthullende nul" tells the
#: reader the value is 0, and "primair" tells the reader it is 1..9.
PUBLIC_STATUS_SUPPRESSED = "onderdrukt"

#: Statistics an amount table can publish.
STATISTIC_SUM = "sum"
STATISTIC_MEAN = "mean"

Value = Union[str, int]
Key = tuple[Value, ...]
Number = Union[int, Fraction, Decimal]


class DisclosureError(Exception):
    """A table cannot be published without disclosing a suppressed cell."""


# ---------------------------------------------------------------------------
# helpers


def value_sort_key(value: Value, total: str = TOTAL) -> tuple[int, str, int]:
    """Stable sort key for one dimension value: ints, then strings, then the total."""
    if value == total:
        return (2, "", 0)
    if isinstance(value, int):
        return (0, "", value)
    return (1, str(value), 0)


def key_sort_key(key: Key, total: str = TOTAL) -> tuple[tuple[int, str, int], ...]:
    """Stable sort key for a cell key (margins after the cells they sum)."""
    return tuple(value_sort_key(v, total) for v in key)


def _check_value(table: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"table {table!r}: dimension value {value!r} must be a str or an int")


def _as_fraction(value: Any, what: str) -> Fraction:
    """Exact conversion of an int, Fraction or finite Decimal; floats are refused."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: booleans are not numbers here")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what}: {value!r} is not finite")
        return Fraction(value)
    raise ValueError(f"{what}: {value!r} must be an int, Fraction or Decimal (floats are refused)")


def lattice_keys(categories: Sequence[Sequence[Value]], total: str = TOTAL) -> tuple[Key, ...]:
    """All cell keys of a table with these categories per dimension, margins included."""
    axes = [tuple(c) + (total,) for c in categories]
    return tuple(itertools.product(*axes))


def margin_relations(
    categories: Sequence[Sequence[Value]], total: str = TOTAL
) -> tuple[tuple[Key, tuple[Key, ...]], ...]:
    """Every margin identity of the lattice as ``(margin_key, summand_keys)``.

    For each key and each dimension in which the key holds the total marker, the
    key equals the sum of the keys that replace that marker by each category.
    """
    out: list[tuple[Key, tuple[Key, ...]]] = []
    for key in lattice_keys(categories, total):
        for d, v in enumerate(key):
            if v == total:
                out.append((key, tuple(key[:d] + (c,) + key[d + 1 :] for c in categories[d])))
    return tuple(out)


def margin_level(key: Key, total: str = TOTAL) -> int:
    """Number of total markers in a key: 0 for an interior cell."""
    return sum(1 for v in key if v == total)


def _freeze_mapping(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


def _sorted_categories(values: Iterable[Value], total: str) -> tuple[Value, ...]:
    return tuple(sorted(set(values), key=lambda v: value_sort_key(v, total)))


def _check_dimensions(name: str, dimensions: tuple[str, ...]) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError("a table needs a non-empty name")
    if not dimensions:
        raise ValueError(f"table {name!r}: at least one dimension is required")
    if any(not isinstance(d, str) or not d for d in dimensions):
        raise ValueError(f"table {name!r}: dimension names must be non-empty strings")
    if len(set(dimensions)) != len(dimensions):
        raise ValueError(f"table {name!r}: dimension names must be unique")


def _collect_categories(
    name: str,
    dimensions: tuple[str, ...],
    keys: Iterable[Key],
    total: str,
    extra: Mapping[str, Sequence[Value]] | None,
    interior_only: bool,
) -> tuple[tuple[Value, ...], ...]:
    seen: list[set[Value]] = [set() for _ in dimensions]
    for key in keys:
        if not isinstance(key, tuple) or len(key) != len(dimensions):
            raise ValueError(f"table {name!r}: key {key!r} must be a tuple of {len(dimensions)} values")
        for d, v in enumerate(key):
            _check_value(name, v)
            if v == total:
                if interior_only:
                    raise ValueError(f"table {name!r}: key {key!r} is a margin; give interior cells only")
                continue
            seen[d].add(v)
    if extra:
        unknown = set(extra) - set(dimensions)
        if unknown:
            raise ValueError(f"table {name!r}: categories given for unknown dimensions {sorted(unknown)}")
        for d, dim in enumerate(dimensions):
            for v in extra.get(dim, ()):
                _check_value(name, v)
                if v == total:
                    raise ValueError(f"table {name!r}: the total marker {total!r} cannot be a category")
                seen[d].add(v)
    cats = tuple(_sorted_categories(s, total) for s in seen)
    for dim, c in zip(dimensions, cats):
        if not c:
            raise ValueError(f"table {name!r}: dimension {dim!r} has no categories")
    return cats


# ---------------------------------------------------------------------------
# cell references and relations


@attrs.frozen(order=False)
class CellRef:
    """One cell of one table: ``CellRef("uitkomsten", ("Eemsdelta", "Totaal"))``."""

    table: str
    key: Key = attrs.field(converter=tuple)


def _normalise_terms(terms: Iterable[tuple[CellRef, Number]]) -> tuple[tuple[CellRef, Fraction], ...]:
    merged: dict[CellRef, Fraction] = {}
    for item in terms:
        ref, coef = item
        if not isinstance(ref, CellRef):
            raise ValueError(f"relation term {item!r}: the first element must be a CellRef")
        merged[ref] = merged.get(ref, Fraction(0)) + _as_fraction(coef, f"coefficient of {ref}")
    kept = [(ref, c) for ref, c in merged.items() if c != 0]
    if not kept:
        raise ValueError("a relation needs at least one term with a non-zero coefficient")
    kept.sort(key=lambda rc: (rc[0].table, key_sort_key(rc[0].key)))
    return tuple(kept)


@attrs.frozen
class Relation:
    """A linear fact readers know: ``sum(coef * cell) <op> constant``.

    ``op`` is ``"=="`` or ``"<="``. Amount cells enter with their sum in euros,
    count cells with their count. Terms are normalised (duplicates merged, sorted),
    so two relations with the same content compare equal.
    """

    terms: tuple[tuple[CellRef, Fraction], ...] = attrs.field(converter=_normalise_terms)
    op: str = "=="
    constant: Fraction = attrs.field(default=Fraction(0), converter=lambda v: _as_fraction(v, "constant"))
    label: str = attrs.field(default="", eq=False)

    def __attrs_post_init__(self) -> None:
        if self.op not in ("==", "<="):
            raise ValueError(f"relation op must be '==' or '<=', not {self.op!r}")

    @classmethod
    def equal(cls, a: CellRef, b: CellRef, label: str = "") -> Relation:
        """Cell ``a`` equals cell ``b`` (e.g. the grand totals of two tables)."""
        return cls(terms=((a, 1), (b, -1)), label=label)

    @classmethod
    def sums_equal(cls, left: Iterable[CellRef], right: Iterable[CellRef], label: str = "") -> Relation:
        """The sum of the ``left`` cells equals the sum of the ``right`` cells."""
        terms = [(ref, 1) for ref in left] + [(ref, -1) for ref in right]
        return cls(terms=terms, label=label)

    def sort_key(self) -> tuple[Any, ...]:
        """Canonical order for deterministic processing."""
        return (
            tuple((r.table, key_sort_key(r.key), c.numerator, c.denominator) for r, c in self.terms),
            self.op,
            self.constant.numerator,
            self.constant.denominator,
        )


# ---------------------------------------------------------------------------
# policy


@attrs.frozen
class DisclosurePolicy:
    """Parameters of the disclosure rules.

    * ``threshold``: counts 1..threshold-1 are primary-suppressed (default 10).
    * ``protection_fraction``: a suppressed count ``v`` is protected when its
      feasible interval has width at least ``max(threshold, ceil(protection_fraction * v))``.
      The default 1/10 gives ``max(10, ceil(v / 10))``: a primary cell (1..9) or a
      revealing zero must be able to range over at least 10, and no suppressed cell
      can be estimated to within +-5% of its value.
    * ``min_contributors``: amount cells need at least this many contributors.
    * ``p_percent``: the p of the p%-rule (default 10).
    * ``amount_protection_fraction``: a suppressed amount ``S`` is protected when its
      feasible interval has width at least ``amount_protection_fraction * S``;
      the default ``None`` means ``2 * p / 100`` (the reader cannot pin S within +-p%).
    * ``rounding_unit``: published amounts are rounded half up to multiples of it.
    """

    threshold: int = 10
    protection_fraction: Fraction = attrs.field(
        default=Fraction(1, 10), converter=lambda v: _as_fraction(v, "protection_fraction")
    )
    min_contributors: int = 10
    p_percent: Fraction = attrs.field(default=Fraction(10), converter=lambda v: _as_fraction(v, "p_percent"))
    amount_protection_fraction: Fraction | None = attrs.field(
        default=None,
        converter=lambda v: None if v is None else _as_fraction(v, "amount_protection_fraction"),
    )
    rounding_unit: int = 1000

    def __attrs_post_init__(self) -> None:
        for name in ("threshold", "min_contributors", "rounding_unit"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, not {value!r}")
        if self.protection_fraction < 0 or self.p_percent < 0:
            raise ValueError("protection_fraction and p_percent must be non-negative")
        if self.amount_protection_fraction is not None and self.amount_protection_fraction < 0:
            raise ValueError("amount_protection_fraction must be non-negative")

    @property
    def status_primary(self) -> str:
        """Status text of a primary-suppressed count under this threshold."""
        return f"onderdrukt: primair (< {self.threshold})"

    @property
    def status_few_contributors(self) -> str:
        """Status text of an amount cell with too few contributors."""
        return f"onderdrukt: < {self.min_contributors} bijdragers"

    def count_protection(self, value: int) -> int:
        """Minimum width of the feasible interval of a suppressed count."""
        return max(self.threshold, math.ceil(self.protection_fraction * value))

    def amount_protection(self, value: Fraction) -> Fraction:
        """Minimum width (euros) of the feasible interval of a suppressed amount sum."""
        fraction = self.amount_protection_fraction
        if fraction is None:
            fraction = 2 * self.p_percent / 100
        return fraction * value


DEFAULT_POLICY = DisclosurePolicy()


# ---------------------------------------------------------------------------
# tables


@attrs.frozen
class CountTable:
    """A published count table with all its margins.

    ``cells`` maps every key of the lattice (categories x (categories + total) per
    dimension) to a non-negative int; margins must equal the sum of their cells.
    ``structural_zeros`` are keys that are impossible by construction: they must be
    0 and are published as 0. A margin whose cells are all structural zeros is one
    too (see ``all_structural_zeros``). Declare every impossible combination: an
    undeclared one is an ordinary zero, may be a revealing zero, and protecting it
    can cost many secondary suppressions. Tables with the same ``population`` count
    the same units, so their margins over shared dimensions are equal (derived
    relations). ``always_published`` are keys that must never be chosen for secondary
    suppression (grand totals, the overall transition matrix); a count in them below the
    threshold is still suppressed by the primary rule.
    """

    name: str
    dimensions: tuple[str, ...] = attrs.field(converter=tuple)
    cells: Mapping[Key, int] = attrs.field(converter=_freeze_mapping, hash=False)
    structural_zeros: frozenset[Key] = attrs.field(factory=frozenset, converter=frozenset)
    population: str | None = None
    always_published: frozenset[Key] = attrs.field(factory=frozenset, converter=frozenset)
    total: str = TOTAL
    categories: tuple[tuple[Value, ...], ...] = attrs.field(init=False, hash=False, eq=False)
    #: Declared structural zeros plus every margin whose cells are all structural zeros.
    all_structural_zeros: frozenset[Key] = attrs.field(init=False, hash=False, eq=False)

    def __attrs_post_init__(self) -> None:
        _check_dimensions(self.name, self.dimensions)
        cats = _collect_categories(self.name, self.dimensions, self.cells, self.total, None, False)
        object.__setattr__(self, "categories", cats)
        expected = set(lattice_keys(cats, self.total))
        missing = expected - set(self.cells)
        if missing:
            first = min(missing, key=lambda k: key_sort_key(k, self.total))
            raise ValueError(f"table {self.name!r}: cell {first!r} is missing (tables must be complete, margins included)")
        for key, value in self.cells.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"table {self.name!r}, cell {key!r}: count {value!r} must be an int >= 0")
        for key, summands in margin_relations(cats, self.total):
            if self.cells[key] != sum(self.cells[s] for s in summands):
                raise ValueError(
                    f"table {self.name!r}, cell {key!r}: margin {self.cells[key]} is not the sum of its cells"
                )
        for key in self.structural_zeros:
            if key not in self.cells:
                raise ValueError(f"table {self.name!r}: structural zero {key!r} is not a cell")
            if self.cells[key] != 0:
                raise ValueError(f"table {self.name!r}, cell {key!r}: structural zero holds {self.cells[key]}")
        for key in self.always_published:
            if key not in self.cells:
                raise ValueError(f"table {self.name!r}: always-published cell {key!r} is not a cell")
        structural = set(self.structural_zeros)
        grew = True
        while grew:
            grew = False
            for key, summands in margin_relations(cats, self.total):
                if key not in structural and all(s in structural for s in summands):
                    structural.add(key)
                    grew = True
        object.__setattr__(self, "all_structural_zeros", frozenset(structural))

    @classmethod
    def from_interior(
        cls,
        name: str,
        dimensions: Sequence[str],
        counts: Mapping[Key, int],
        *,
        categories: Mapping[str, Sequence[Value]] | None = None,
        structural_zeros: Iterable[Key] = (),
        population: str | None = None,
        total: str = TOTAL,
        always_published: Iterable[Key] = (),
    ) -> CountTable:
        """Build a table from interior counts; margins are computed, absent combinations are 0."""
        dims = tuple(dimensions)
        _check_dimensions(name, dims)
        cats = _collect_categories(name, dims, counts, total, categories, True)
        cells: dict[Key, int] = {}
        for key in lattice_keys(cats, total):
            if margin_level(key, total) == 0:
                cells[key] = counts.get(key, 0)
        for key in sorted(lattice_keys(cats, total), key=lambda k: margin_level(k, total)):
            if key in cells:
                continue
            d = next(i for i, v in enumerate(key) if v == total)
            cells[key] = sum(cells[key[:d] + (c,) + key[d + 1 :]] for c in cats[d])
        return cls(
            name=name,
            dimensions=dims,
            cells=cells,
            structural_zeros=frozenset(structural_zeros),
            population=population,
            total=total,
            always_published=frozenset(always_published),
        )

    def sorted_keys(self) -> tuple[Key, ...]:
        """All keys, in the stable processing order."""
        return tuple(sorted(self.cells, key=lambda k: key_sort_key(k, self.total)))

    def ref(self, *key: Value) -> CellRef:
        """Reference to a cell of this table."""
        if key not in self.cells:
            raise KeyError(f"table {self.name!r} has no cell {key!r}")
        return CellRef(self.name, key)


def _freeze_contributions(mapping: Mapping[Key, Iterable[Number]]) -> Mapping[Key, tuple[Decimal, ...]]:
    frozen: dict[Key, tuple[Decimal, ...]] = {}
    for key, amounts in mapping.items():
        values = []
        for amount in amounts:
            if isinstance(amount, bool) or not isinstance(amount, (int, Decimal)):
                raise ValueError(f"cell {key!r}: amount {amount!r} must be a Decimal or an int")
            amount = Decimal(amount)
            if not amount.is_finite() or amount < 0:
                raise ValueError(f"cell {key!r}: amount {amount!r} must be finite and >= 0")
            values.append(amount)
        frozen[key] = tuple(sorted(values, reverse=True))
    return MappingProxyType(frozen)


@attrs.frozen
class AmountTable:
    """A published table of amount sums and/or means with all its margins.

    ``contributions`` maps interior keys to the individual amounts (euros, >= 0).
    Absent combinations of ``categories`` have no contributors. ``statistics``
    says what is published per cell: ``"sum"``, ``"mean"`` or both. A table that
    publishes a mean must name its ``count_table``: a :class:`CountTable` with the
    same dimensions and keys whose counts are the numbers of contributors; an amount
    cell is then published only where that count is published (otherwise
    sum / mean would reveal a suppressed count).
    """

    name: str
    dimensions: tuple[str, ...] = attrs.field(converter=tuple)
    contributions: Mapping[Key, tuple[Decimal, ...]] = attrs.field(converter=_freeze_contributions, hash=False)
    statistics: tuple[str, ...] = attrs.field(default=(STATISTIC_SUM, STATISTIC_MEAN), converter=tuple)
    count_table: str | None = None
    category_values: Mapping[str, tuple[Value, ...]] | None = attrs.field(
        default=None,
        converter=lambda m: None if m is None else MappingProxyType({k: tuple(v) for k, v in m.items()}),
        hash=False,
    )
    population: str | None = None
    total: str = TOTAL
    categories: tuple[tuple[Value, ...], ...] = attrs.field(init=False, hash=False, eq=False)
    cell_contributions: Mapping[Key, tuple[Decimal, ...]] = attrs.field(init=False, hash=False, eq=False)

    def __attrs_post_init__(self) -> None:
        _check_dimensions(self.name, self.dimensions)
        if not self.statistics or any(s not in (STATISTIC_SUM, STATISTIC_MEAN) for s in self.statistics):
            raise ValueError(f"table {self.name!r}: statistics must be 'sum' and/or 'mean'")
        if len(set(self.statistics)) != len(self.statistics):
            raise ValueError(f"table {self.name!r}: statistics are listed twice")
        if STATISTIC_MEAN in self.statistics and self.count_table is None:
            raise ValueError(
                f"table {self.name!r}: a published mean needs count_table (the contributor counts), "
                "so that a mean is never published next to a suppressed count"
            )
        cats = _collect_categories(
            self.name, self.dimensions, self.contributions, self.total, self.category_values, True
        )
        object.__setattr__(self, "categories", cats)
        lists: dict[Key, list[Decimal]] = {k: [] for k in lattice_keys(cats, self.total)}
        for key, amounts in self.contributions.items():
            for mask in itertools.product((False, True), repeat=len(key)):
                target = tuple(self.total if m else v for v, m in zip(key, mask))
                lists[target].extend(amounts)
        object.__setattr__(
            self,
            "cell_contributions",
            MappingProxyType({k: tuple(sorted(v, reverse=True)) for k, v in lists.items()}),
        )

    def sorted_keys(self) -> tuple[Key, ...]:
        """All keys, in the stable processing order."""
        return tuple(sorted(self.cell_contributions, key=lambda k: key_sort_key(k, self.total)))

    def cell_sum(self, key: Key) -> Decimal:
        """Exact sum of the contributions of a cell (margins included)."""
        return sum(self.cell_contributions[key], Decimal(0))

    def ref(self, *key: Value) -> CellRef:
        """Reference to a cell (its sum, in euros) of this table."""
        if key not in self.cell_contributions:
            raise KeyError(f"table {self.name!r} has no cell {key!r}")
        return CellRef(self.name, key)


Table = Union[CountTable, AmountTable]
