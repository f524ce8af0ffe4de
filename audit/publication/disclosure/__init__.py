"""Statistical disclosure control for published tables (docs/publication.md).

Generic and pure: it works on tables described as data, never on decisions.

Typical use::

    outcomes = CountTable.from_interior("uitkomsten", ("kader", "gemeente"), counts, population="besluiten")
    result = protect([outcomes, ...], relations=[...])
    result.table("uitkomsten").cell("2026", "Eemsdelta").value   # int or None
    result.audit.to_records()                                    # confidential audit, store apart

* :mod:`.model`: tables, cell references, relations, policy, status codes.
* :mod:`.rules`: primary rules (small counts, revealing and implied zeros, magnitude rules, rounding).
* :mod:`.engine`: the reader's knowledge as a linear system, and the integer-program interval audit.
* :mod:`.plan`: the cheapest cells to suppress for one cell, and witnesses of its protection (LPs).
* :mod:`.secondary`: secondary suppression over all tables together: grow, prune, audit.
* :mod:`.protect`: the protected output.

Only :attr:`PublishedCell.public_status` may be shown to readers: the detailed
reasons (:data:`STATUS_REVEALING_ZERO` says the value is 0, :data:`STATUS_PRIMARY`
says it is 1..9) would undo the suppression.
"""

from audit.publication.disclosure.engine import (
    AUDIT_EXPOSED,
    AUDIT_PROTECTED,
    AuditEntry,
    AuditReport,
    audit,
    population_relations,
)
from audit.publication.disclosure.model import (
    DEFAULT_POLICY,
    PUBLIC_STATUS_SUPPRESSED,
    STATISTIC_MEAN,
    STATISTIC_SUM,
    STATUS_FEW_CONTRIBUTORS,
    STATUS_P_PERCENT,
    STATUS_PRIMARY,
    STATUS_PUBLISHED,
    STATUS_REVEALING_ZERO,
    STATUS_SECONDARY,
    TOTAL,
    AmountTable,
    CellRef,
    CountTable,
    DisclosureError,
    DisclosurePolicy,
    Relation,
    margin_relations,
)
from audit.publication.disclosure.protect import ProtectedTable, ProtectionResult, PublishedCell, protect
from audit.publication.disclosure.rules import (
    amount_status,
    fails_p_percent,
    implied_zeros,
    primary_suppression,
    revealing_zeros,
    round_amount,
)

__all__ = [
    "AUDIT_EXPOSED",
    "AUDIT_PROTECTED",
    "DEFAULT_POLICY",
    "PUBLIC_STATUS_SUPPRESSED",
    "STATISTIC_MEAN",
    "STATISTIC_SUM",
    "STATUS_FEW_CONTRIBUTORS",
    "STATUS_PRIMARY",
    "STATUS_PUBLISHED",
    "STATUS_P_PERCENT",
    "STATUS_REVEALING_ZERO",
    "STATUS_SECONDARY",
    "TOTAL",
    "AmountTable",
    "AuditEntry",
    "AuditReport",
    "CellRef",
    "CountTable",
    "DisclosureError",
    "DisclosurePolicy",
    "ProtectedTable",
    "ProtectionResult",
    "PublishedCell",
    "Relation",
    "amount_status",
    "audit",
    "fails_p_percent",
    "implied_zeros",
    "margin_relations",
    "population_relations",
    "primary_suppression",
    "protect",
    "revealing_zeros",
    "round_amount",
]
