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
* **Implied zeros.** A zero that (a) or (b) flags is still published when a
  published zero already implies it, because suppressing it would hide nothing:

  (c) it is a summand of an empty group whose margin is published (the margin is
      a zero that is not itself revealing): every summand of an empty group is 0;
  (d) it is a margin whose summands in one identity are all published zeros or
      structural zeros.

  Zeros that stay revealing are never counted as published here, so two zeros
  cannot excuse each other. A zero published under (c) depends on its empty
  margins: :func:`implied_zeros` names them, and secondary suppression
  suppresses the zero too (as a revealing zero) when it suppresses all of them.
  Under (d) nothing more is needed: a summand that is suppressed later is
  pinned at 0 by the published zero margin, so protecting it suppresses that
  margin as well.
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

from audit.publication.disclosure.model import (
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
    key_sort_key,
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


def _flagged_zeros(table: CountTable, threshold: int) -> set[Key]:
    """Zeros that rules (a) and (b) flag, implied or not."""
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
    return found


def _zero_analysis(table: CountTable, threshold: int) -> tuple[frozenset[Key], dict[Key, frozenset[Key]]]:
    """The revealing zeros, and each zero published under (c) only, with the empty margins that imply it."""
    cells = table.cells
    identities = margin_relations(table.categories, table.total)

    def empty_margins(z: Key, revealing: set[Key]) -> frozenset[Key]:
        return frozenset(m for m, summands in identities if z in summands and cells[m] == 0 and m not in revealing)

    def from_summands(z: Key, revealing: set[Key]) -> bool:
        return any(
            m == z and all(cells[s] == 0 and s not in revealing for s in summands) for m, summands in identities
        )

    flagged = _flagged_zeros(table, threshold)
    revealing = set(flagged)
    changed = True
    while changed:  # publishing one zero can imply another; the result does not depend on the order
        changed = False
        for z in sorted(revealing, key=lambda k: key_sort_key(k, table.total)):
            if empty_margins(z, revealing) or from_summands(z, revealing):
                revealing.discard(z)
                changed = True
    implied = {z: empty_margins(z, revealing) for z in flagged - revealing if not from_summands(z, revealing)}
    return frozenset(revealing), implied


def revealing_zeros(table: CountTable, threshold: int = 10) -> frozenset[Key]:
    """Keys of the zeros of ``table`` that are revealing (rules (a) and (b), less the implied zeros)."""
    return _zero_analysis(table, threshold)[0]


def implied_zeros(tables: Iterable[Table], policy: DisclosurePolicy = DEFAULT_POLICY) -> dict[CellRef, frozenset[CellRef]]:
    """Zeros published under rule (c), each with the empty margins that imply it (all must stay published)."""
    out: dict[CellRef, frozenset[CellRef]] = {}
    for table in sorted(tables, key=lambda t: t.name):
        if isinstance(table, CountTable):
            for key, margins in _zero_analysis(table, policy.threshold)[1].items():
                out[CellRef(table.name, key)] = frozenset(CellRef(table.name, m) for m in margins)
    return out


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
