"""Primary disclosure rules: small counts, revealing zeros, magnitude rules, rounding.

Rules, exactly:

* **Small count.** A count ``v`` with ``1 <= v < threshold`` is suppressed, margins
  included (:data:`STATUS_PRIMARY`).
* **Revealing zero.** A zero cell ``z`` that is not a declared structural zero is
  suppressed (:data:`STATUS_REVEALING_ZERO`) when, in at least one margin identity of
  its own table ``T = z + other cells`` (``z`` a summand, ``T`` the margin):

  (a) ``0 < T < threshold`` (the group is small), or
  (b) ``T > 0`` and exactly one summand is non-zero, so that cell equals ``T``: every
      unit of the group shares one property, and the zero says so.

  A zero whose margin is 0 (an empty group) reveals nothing about any unit and is
  published, as are zeros among two or more non-zero cells of a group of at least
  ``threshold`` units.
* **Too few contributors.** An amount cell (sum or mean) with fewer than
  ``min_contributors`` contributions is suppressed (:data:`STATUS_FEW_CONTRIBUTORS`).
  This includes empty cells.
* **p%-rule.** With contributions ``x1 >= x2 >= ...`` and total ``X``, an amount cell
  is sensitive when ``X - x1 - x2 < p/100 * x1`` (:data:`STATUS_P_PERCENT`): the
  second-largest contributor could estimate the largest one to within p%.
* **Rounding.** Published amounts are rounded to the nearest multiple of the
  rounding unit (1000 euro), **half up**: 124 500.00 becomes 125 000 and
  124 499.99 becomes 124 000. Amounts are never negative, so half up is also half
  away from zero. The arithmetic is exact (no floats).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from audit.disclosure.model import (
    DEFAULT_POLICY,
    STATUS_P_PERCENT,
    STATUS_REVEALING_ZERO,
    AmountTable,
    CellRef,
    CountTable,
    DisclosurePolicy,
    Key,
    Number,
    Table,
    margin_relations,
)


def round_amount(amount: Number, unit: int = 1000) -> int:
    """Round a non-negative amount half up to a multiple of ``unit`` (exact arithmetic)."""
    if isinstance(amount, bool) or not isinstance(amount, (int, Decimal, Fraction)):
        raise ValueError(f"amount {amount!r} must be an int, Decimal or Fraction")
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise ValueError(f"amount {amount!r} is not finite")
    value = Fraction(amount)
    if value < 0:
        raise ValueError(f"amount {amount!r} is negative")
    if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
        raise ValueError(f"rounding unit {unit!r} must be a positive int")
    return math.floor(value / unit + Fraction(1, 2)) * unit


def fails_p_percent(contributions: Sequence[Number], p_percent: Number = 10) -> bool:
    """True when the cell is sensitive under the p%-rule: ``X - x1 - x2 < p/100 * x1``."""
    values = sorted((Fraction(c) for c in contributions), reverse=True)
    if not values:
        return False
    x1 = values[0]
    x2 = values[1] if len(values) > 1 else Fraction(0)
    remainder = sum(values, Fraction(0)) - x1 - x2
    return remainder < Fraction(p_percent) / 100 * x1


def revealing_zeros(table: CountTable, threshold: int = 10) -> frozenset[Key]:
    """Keys of the zeros of ``table`` that are revealing (rules (a) and (b) above)."""
    cells = table.cells
    found: set[Key] = set()
    for margin, summands in margin_relations(table.categories, table.total):
        total = cells[margin]
        if total == 0:
            continue
        non_zero = sum(1 for s in summands if cells[s] != 0)
        if total < threshold or non_zero == 1:
            for s in summands:
                if cells[s] == 0 and s not in table.all_structural_zeros:
                    found.add(s)
    return frozenset(found)


def amount_status(contributions: Sequence[Decimal], policy: DisclosurePolicy = DEFAULT_POLICY) -> str | None:
    """Primary status of an amount cell, or None when its magnitude rules pass."""
    if len(contributions) < policy.min_contributors:
        return policy.status_few_contributors
    if fails_p_percent(contributions, policy.p_percent):
        return STATUS_P_PERCENT
    return None


def primary_suppression(tables: Iterable[Table], policy: DisclosurePolicy = DEFAULT_POLICY) -> dict[CellRef, str]:
    """Primary suppressions of every table: cell -> status (small counts, revealing zeros, magnitude rules)."""
    out: dict[CellRef, str] = {}
    for table in sorted(tables, key=lambda t: t.name):
        if isinstance(table, CountTable):
            zeros = revealing_zeros(table, policy.threshold)
            for key in table.sorted_keys():
                value = table.cells[key]
                if 1 <= value < policy.threshold:
                    out[CellRef(table.name, key)] = policy.status_primary
                elif key in zeros:
                    out[CellRef(table.name, key)] = STATUS_REVEALING_ZERO
        elif isinstance(table, AmountTable):
            for key in table.sorted_keys():
                status = amount_status(table.cell_contributions[key], policy)
                if status is not None:
                    out[CellRef(table.name, key)] = status
        else:
            raise TypeError(f"not a table: {table!r}")
    return out
