"""Counts in English messages: `counted(1, "record")` is "1 record", `counted(2, "record")` "2 records"."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`n` followed by the noun that agrees with it (`plural` defaults to `singular` + "s")."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
