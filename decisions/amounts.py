"""Exact euro amounts: parsed as Decimal, never through float, and bounded."""

import re
from decimal import Decimal

from .input_rules import AMOUNT_INTEGER_DIGITS, AMOUNT_LIMIT

_PLAIN_DECIMAL = re.compile(rf"(?:0|[1-9][0-9]{{0,{AMOUNT_INTEGER_DIGITS - 1}}})(?:\.[0-9]{{1,2}})?")
_UNBOUNDED_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
CENT = Decimal("0.01")
_TOO_LARGE = f"must be less than {AMOUNT_LIMIT:,.2f} euros"


class JsonNumber(str):
    """The literal text of a JSON number with a fraction or exponent.

    The JSON reader hands these over instead of floats so that an amount is
    checked against what was written, not against a binary approximation.
    """


def parse_amount(raw: object) -> Decimal:
    """Turn a JSON amount (string, integer or JSON number text) into a Decimal.

    The text must be exactly a plain decimal (no spaces or line breaks around
    it, no sign, no exponent, at most two decimals) below `AMOUNT_LIMIT`.
    Raises ValueError with a one-line reason; the caller adds the field name.
    """
    if isinstance(raw, bool):
        raise ValueError("must be an amount in euros, not a boolean")
    if isinstance(raw, float):
        raise ValueError("must be an amount given exactly (a string or JSON number), not a float")
    if isinstance(raw, Decimal):
        check_amount(raw)
        return raw.quantize(CENT)
    if isinstance(raw, int):
        if raw < 0:
            raise ValueError("must not be negative")
        if raw >= AMOUNT_LIMIT:
            raise ValueError(_TOO_LARGE)
        return Decimal(raw).quantize(CENT)
    if not isinstance(raw, str):
        raise ValueError(f"must be an amount in euros, got {type(raw).__name__}")
    if _PLAIN_DECIMAL.fullmatch(raw):
        return Decimal(raw).quantize(CENT)
    raise ValueError(_amount_text_problem(raw))


def _amount_text_problem(text: str) -> str:
    if text != text.strip():
        return f"must be written without spaces or line breaks around it (got {text!r})"
    if text.startswith("-") and _UNBOUNDED_DECIMAL.fullmatch(text[1:]):
        return f"must not be negative (got {text})"
    if _UNBOUNDED_DECIMAL.fullmatch(text):
        whole, _, fraction = text.partition(".")
        if len(fraction) > 2:
            return f"must have at most two decimals (got {text})"
        if len(whole) > 1 and whole.startswith("0"):
            return f"must be written without leading zeros (got {text})"
        return f"{_TOO_LARGE} (got {text if len(text) <= 30 else f'a number of {len(whole)} digits'})"
    return f"must be a plain decimal amount like 15000 or 15000.50 (got {text!r})"


def check_amount(value: object) -> None:
    """Validate an already-parsed amount (used for objects built in Python, and after parsing)."""
    if not isinstance(value, Decimal) or isinstance(value, bool):
        raise ValueError(f"must be a Decimal amount, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"must be a finite amount (got {value})")
    if value < 0:
        raise ValueError(f"must not be negative (got {value})")
    if value >= AMOUNT_LIMIT:
        raise ValueError(f"{_TOO_LARGE} (got {value})")
    if value != value.quantize(CENT):
        raise ValueError(f"must have at most two decimals (got {value})")


def format_amount(value: Decimal) -> str:
    """Two decimals, no exponent, no thousands separator: the canonical form."""
    return f"{value.quantize(CENT):f}"
