"""Decide the lines of `dh-audit record` in worker processes, in order, with bounded memory.

Reading, validating and deciding a case and writing its inputs and decision in
canonical text is pure work on one line; hashing the chain, building the tree
and inserting must happen in order in the appending process. On a machine with
more than one core, `Workers` hands chunks of lines to other processes and
yields `PreparedEntry`s in input order, so both run at once. The appending
process keeps the one transaction (a bad line still writes nothing).

- Order: chunks are submitted and collected first in, first out.
- Errors: a worker stops its chunk at the first bad line and reports its line
  number, field and rule; the chunks before it are complete, so the first bad
  line of the input is the one reported, exactly as without workers.
- Memory: at most `ahead` chunks are in flight; a long input is never read
  into memory ahead of the appending process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from decisions.errors import InvalidCase
from decisions.evaluate import evaluate, resolve_framework
from decisions.fast_inputs import load_case_fast

from audit.case_lines import case_lines, is_blank
from audit.errors import BadInput
from audit.ledger.store import PreparedEntry, prepare

CHUNK_LINES = 500


def default_jobs() -> int:
    """Worker processes by default: one per core beyond the appending process's own, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, 4))


def prepare_lines(first_number: int, lines: list[bytes], framework_id: str | None) -> tuple[list, tuple | None]:
    """Prepare a chunk of lines: (prepared fields of each case, None) or (those before the bad line, error)."""
    prepared = []
    for number, line in enumerate(lines, start=first_number):
        if is_blank(line):
            continue
        try:
            case = load_case_fast(line)
            prepared.append(prepare(case, evaluate(case, resolve_framework(case, framework_id))))
        except InvalidCase as exc:
            return prepared, (number, exc.field, exc.rule)
    return prepared, None


def _chunks(stream: Iterable[bytes], progress: Callable[[int], None]) -> Iterator[tuple[int, list[bytes]]]:
    chunk: list[bytes] = []
    first = 1
    for number, line in enumerate(case_lines(stream), start=1):
        progress(len(line))
        if not chunk:
            first = number
        chunk.append(line)
        if len(chunk) == CHUNK_LINES:
            yield first, chunk
            chunk = []
    if chunk:
        yield first, chunk


class Workers:
    """A pool of worker processes that prepare `dh-audit record` lines (a context manager)."""

    def __init__(self, jobs: int, ahead: int | None = None):
        self.jobs = jobs
        self.ahead = ahead or 2 * jobs + 2
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._pool = None

    def __enter__(self) -> Workers:
        self._pool = self._context.Pool(self.jobs)
        return self

    def __exit__(self, *exc) -> None:
        self._pool.terminate()
        self._pool.join()

    def entries(
        self, stream: Iterable[bytes], framework_id: str | None, actor: str, progress: Callable[[int], None]
    ) -> Iterator[PreparedEntry]:
        """The prepared entries of every line, in input order; a bad line raises `BadInput` naming it."""
        pending: deque = deque()
        chunks = _chunks(stream, progress)
        exhausted = False
        while True:
            while not exhausted and len(pending) < self.ahead:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                else:
                    pending.append(self._pool.apply_async(prepare_lines, (chunk[0], chunk[1], framework_id)))
            if not pending:
                return
            prepared, error = pending.popleft().get()
            for case_id, inputs, decision, framework, fingerprint, typed in prepared:
                yield PreparedEntry(case_id, inputs, decision, framework, fingerprint, typed, "assessment", None,
                                    actor)
            if error is not None:
                number, field, rule = error
                raise BadInput(f"line {number}: {field}", rule)
