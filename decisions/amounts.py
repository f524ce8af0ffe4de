"""Exact euro amounts: parsed as Decimal, never through float."""

import re
from decimal import Decimal

_PLAIN_DECIMAL = re.compile(r"^(?:0|[1-9][0-9]*)(?:\.[0-9]{1,2})?$")
CENT = Decimal("0.01")


class JsonNumber(str):
    """The literal text of a JSON number with a fraction or exponent.

    The JSON reader hands these over instead of floats so that an amount is
    checked against what was written, not against a binary approximation.
    """


def parse_amount(raw: object) -> Decimal:
    """Turn a JSON amount (string, integer or JSON number text) into a Decimal.

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
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip() if not isinstance(raw, JsonNumber) else str(raw)
    else:
        raise ValueError(f"must be an amount in euros, got {type(raw).__name__}")
    if text.startswith("-"):
        raise ValueError(f"must not be negative (got {text})")
    if not _PLAIN_DECIMAL.match(text):
        if re.match(r"^[0-9]*\.[0-9]{3,}$", text):
            raise ValueError(f"must have at most two decimals (got {text})")
        raise ValueError(f"must be a plain decimal amount like 15000 or 15000.50 (got {text!r})")
    return Decimal(text).quantize(CENT)


def check_amount(value: object) -> None:
    """Validate an already-parsed amount (used for objects built in Python)."""
    if not isinstance(value, Decimal) or isinstance(value, bool):
        raise ValueError(f"must be a Decimal amount, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"must be a finite amount (got {value})")
    if value < 0:
        raise ValueError(f"must not be negative (got {value})")
    if value != value.quantize(CENT):
        raise ValueError(f"must have at most two decimals (got {value})")


def format_amount(value: Decimal) -> str:
    """Two decimals, no exponent, no thousands separator: the canonical form."""
    return f"{value.quantize(CENT):f}"
