"""Click parameter types shared by the commands."""

import click


class _SqlInteger(click.IntRange):
    name = "integer"


SQL_INTEGER = _SqlInteger(min=-(2**63), max=2**63 - 1)
"""A seq or id: a whole number SQLite can hold, so an absurd one is a usage error (exit 2), not an overflow."""
