"""The bounds and the character rule of case input, in one place (described in docs/input.md).

Every path that reads a case (`decide`, `record` with or without worker
processes, the fast path and the cattrs reference) checks against these.
"""

from __future__ import annotations

from decimal import Decimal

MAX_CASE_BYTES = 64 * 1024
"""A case (the whole file for `decide`, one line for `record`, line end included) is at most this many bytes."""

MAX_JSON_DEPTH = 64
"""Objects and lists nested deeper than this are refused before the JSON is parsed (a case needs 3;
the bound keeps the parser far from Python's recursion limit)."""

MAX_INTEGER_DIGITS = 18
"""A JSON integer with more digits is never turned into a Python int (no field can use one)."""

AMOUNT_INTEGER_DIGITS = 8
AMOUNT_LIMIT = Decimal(10) ** AMOUNT_INTEGER_DIGITS
"""Amounts are below € 100,000,000.00."""

MAX_EVENT_COUNT = 10_000
"""`pgv_5mms_events` is a whole number from 0 to this."""

NUMBER_INTEGER_DIGITS = 4
NUMBER_DECIMALS = 6
"""`magnitude` and `pgv_mm_s`: at most 4 digits before the point and 6 after it."""

MAX_CASE_ID_LENGTH = 64
MAX_PLACE_LENGTH = 64


def check_free_text(value: object, max_length: int) -> None:
    """The rule for the free-text fields (`case_id`, `place`); raises ValueError with the reason.

    A non-empty string of at most `max_length` characters, without leading or
    trailing spaces, every character printable: no control characters (C0, DEL,
    C1 such as U+0085), no format characters (bidi overrides and isolates,
    zero-width spaces and joiners, byte-order marks), no surrogates, private-use
    or unassigned code points, no line or paragraph separators and no space
    other than U+0020. That is exactly Python's `str.isprintable`.
    """
    if type(value) is not str:
        raise ValueError(f"must be a string, got {type(value).__name__}")
    if not value:
        raise ValueError("must not be empty")
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters (got {len(value)})")
    if not value.isprintable():
        bad = next(c for c in value if not c.isprintable())
        raise ValueError(f"must not contain control, format or invisible characters (found U+{ord(bad):04X})")
    if value[0] == " " or value[-1] == " ":
        raise ValueError("must not start or end with a space")
