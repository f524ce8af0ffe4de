"""Reading the JSON text of one case strictly: bounded before parsing, exact, and unambiguous.

Before the text is parsed: it is at most `MAX_CASE_BYTES`, valid UTF-8, does
not start with a byte-order mark, and nests objects and lists at most
`MAX_JSON_DEPTH` deep. While it is parsed: no float is made (numbers with a
fraction or exponent stay their text, `JsonNumber`), NaN and Infinity stay text
too, an integer of more than `MAX_INTEGER_DIGITS` digits stays text, and an
object that gives a key twice is marked (`DuplicateKeys`) so that the case
reader refuses it naming the key. Every failure is `InvalidCase`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .amounts import JsonNumber
from .errors import InvalidCase
from .input_rules import MAX_CASE_BYTES, MAX_INTEGER_DIGITS, MAX_JSON_DEPTH

_BOM = "\ufeff"
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonConstant(JsonNumber):
    """NaN, Infinity or -Infinity as written: never a number here."""


class LongInteger(JsonNumber):
    """A JSON integer with more than `MAX_INTEGER_DIGITS` digits, kept as its text."""


class DuplicateKeys(dict):
    """A JSON object that gave `key` more than once (the last value is kept, but it is never accepted)."""

    key: str


def _object(pairs: list) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen = set()
        marked = DuplicateKeys(data)
        marked.key = next(k for k, _ in pairs if k in seen or seen.add(k))
        return marked
    return data


def _integer(text: str):
    return int(text) if len(text) - (text[0] == "-") <= MAX_INTEGER_DIGITS else LongInteger(text)


_DECODER = json.JSONDecoder(
    parse_float=JsonNumber, parse_int=_integer, parse_constant=JsonConstant, object_pairs_hook=_object
)


def _nesting_depth(text: str) -> int:
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def checked_text(text: str | bytes) -> str:
    """The checks made before parsing (size, UTF-8, byte-order mark, nesting); the text as `str`."""
    if len(text) > MAX_CASE_BYTES:
        raise InvalidCase("(case)", f"larger than {MAX_CASE_BYTES:,} bytes (the limit of one case)")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidCase("(json)", f"input is not valid UTF-8 (byte {exc.start + 1})") from None
    elif len(text) * 4 > MAX_CASE_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_CASE_BYTES:
        raise InvalidCase("(case)", f"larger than {MAX_CASE_BYTES:,} bytes (the limit of one case)")
    if text.startswith(_BOM):
        raise InvalidCase("(json)", "starts with a byte-order mark (BOM); save the file as UTF-8 without BOM")
    # Only a text with many brackets can nest deeply: count first (cheap), scan only then.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _nesting_depth(text) > MAX_JSON_DEPTH:
        raise InvalidCase("(json)", f"objects and lists nested more than {MAX_JSON_DEPTH} deep")
    return text


def loads_exact(text: str | bytes) -> Any:
    """Decode the JSON text of one case (see the module docstring). Raises `InvalidCase`."""
    text = checked_text(text)
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            raise InvalidCase("(json)", f"more than one JSON value (a second one at line {exc.lineno} column"
                                        f" {exc.colno}); one case per file, or use 'dh-audit record' for"
                                        " JSON lines") from None
        raise InvalidCase("(json)", f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # a backstop: the depth bound keeps the parser far from the recursion limit
        raise InvalidCase("(json)", f"objects and lists nested more than {MAX_JSON_DEPTH} deep") from None


_PLAIN_DECODER = json.JSONDecoder(parse_float=JsonNumber, parse_constant=JsonConstant)


def loads_plain(text: str) -> Any:
    """`text` (already through `checked_text`) decoded without the per-object and per-integer hooks.

    For the fast path only: duplicate keys are not marked and long integers are
    not kept as text, so whoever uses this must check for both or hand the text
    to `loads_exact`. Raises ValueError (malformed JSON, an integer too long for
    Python) and RecursionError like `json.loads`.
    """
    return _PLAIN_DECODER.decode(text)
