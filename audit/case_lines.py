"""The lines of a JSON-lines file of cases, read with bounded memory.

A line longer than `MAX_CASE_BYTES` is never read whole: its first
`MAX_CASE_BYTES + 1` bytes are handed on (so the case reader refuses it, in
its place among the other lines) and the rest is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from decisions.input_rules import MAX_CASE_BYTES

_SKIP_BLOCK = 1 << 16
_JSON_WHITESPACE = b" \t\r\n"


def case_lines(stream: BinaryIO, limit: int = MAX_CASE_BYTES) -> Iterator[bytes]:
    """Every line of `stream`, each cut after `limit + 1` bytes."""
    readline = stream.readline
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:
                rest = readline(_SKIP_BLOCK)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def is_blank(line: bytes) -> bool:
    """A line of JSON whitespace only (skipped, as it holds no case)."""
    return not line.strip(_JSON_WHITESPACE)


def read_case_file(stream: BinaryIO) -> bytes:
    """The text of a one-case file, at most `MAX_CASE_BYTES + 1` bytes (more is refused by the reader)."""
    return stream.read(MAX_CASE_BYTES + 1)
