"""The decision ledger: one SQLite file of hash-chained records, its schema, canonical forms and verification.

`Ledger`, `Entry`, `Head` and the other names of `audit.ledger.store` can be imported from
here; they are loaded on first use, so `audit.ledger.canonical` (which the log uses) is
imported without the store.
"""

from __future__ import annotations

import importlib

_FROM_STORE = (
    "BATCH_ROWS", "INSERT_COLUMNS", "INSERT_SQL", "KINDS", "NEEDS_SUPERSEDES", "SCHEMA_STATEMENTS", "SCHEMA_VERSION",
    "Entry", "Head", "Ledger", "PreparedEntry", "Record", "VerifyReport", "connect", "prepare",
)

__all__ = list(_FROM_STORE)


def __getattr__(name: str):
    if name in _FROM_STORE:
        return getattr(importlib.import_module("audit.ledger.store"), name)
    raise AttributeError(f"module 'audit.ledger' has no attribute {name!r}")
