"""A Datasette plugin that bounds what one SQL query may cost: value size, result size, query shape.

Datasette's time limit (``sql_time_limit_ms``) is checked between SQLite
instructions, so one instruction that builds a huge value (``randomblob(1e9)``,
``zeroblob``, ``printf('%.*c', 1e9, 'x')``) runs to the end and can take
gigabytes. Every connection Datasette opens therefore gets:

- SQLite limits (`LIMITS`): no string or blob above `MAX_VALUE_BYTES`, few
  columns, shallow expressions, short SQL, no ATTACH;
- a budget for the bytes of one result (`MAX_RESULT_BYTES`): rows are counted as
  they are fetched and the query stops with an error once the budget is spent;
- an authorizer that refuses `REFUSED_FUNCTIONS`: ``fts3_tokenizer`` hands out
  the memory address of a tokenizer (and, where enabled, takes one); ``printf``
  (alias ``format``) repeats a character once per step for ``%.*c``, so
  ``printf('%.*c', 1e9, 'x')`` spins for seconds even after the length limit
  stopped it from growing.

Aggregates such as ``json_group_array`` grow inside SQLite without checking the
length limit on each step. `limit_heap` caps all memory SQLite allocates in the
process (``PRAGMA hard_heap_limit``); a query that reaches it fails, and
`handle_exception` answers that with a 400 instead of a 500. The cap holds for
the whole process, so `dh-audit serve` sets it for its own server process only
(the plugin also runs inside other processes, such as a test run).

When the ``rich`` package is installed, Datasette's default error handler
prints every failed request's traceback with all local variables, on the event
loop: seconds of CPU for one refused query, and request data in the log.
`startup` turns that off; Datasette still answers with its own error page.

The plugin is registered through the ``datasette`` entry point, so ``dh-audit
serve`` and a plain ``datasette`` in the same environment both load it.
"""

from __future__ import annotations

import sqlite3
import weakref

from datasette import hookimpl

MAX_VALUE_BYTES = 1_000_000
MAX_RESULT_BYTES = 10_000_000
MAX_SQLITE_HEAP_BYTES = 64_000_000
REFUSED_FUNCTIONS = frozenset({"fts3_tokenizer", "printf", "format"})

LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,
    sqlite3.SQLITE_LIMIT_COLUMN: 100,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 100,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 32,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1_000,
    sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: 1_000,
}


class ResultTooLarge(sqlite3.OperationalError):
    pass


def value_size(value) -> int:
    if isinstance(value, (bytes, str)):
        return len(value)
    return 8


def budgeted_rows(limit: int = MAX_RESULT_BYTES):
    """A row factory that makes `sqlite3.Row`s and stops a cursor once its rows exceed `limit` bytes."""
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def row_factory(cursor, row):
        total = spent.get(cursor, 0) + sum(value_size(value) for value in row)
        if total > limit:
            raise ResultTooLarge(f"the result is larger than {limit:,} bytes; ask for fewer or smaller values")
        spent[cursor] = total
        return sqlite3.Row(cursor, row)

    return row_factory


def refuse_functions(action, arg1, arg2, _database, _trigger):
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit_connection(conn: sqlite3.Connection) -> None:
    for category, value in LIMITS.items():
        conn.setlimit(category, value)
    conn.set_authorizer(refuse_functions)
    conn.row_factory = budgeted_rows()


def limit_heap(limit: int = MAX_SQLITE_HEAP_BYTES) -> int:
    """Cap the memory SQLite may allocate in this process; returns the cap now in force."""
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute(f"PRAGMA hard_heap_limit = {int(limit)}").fetchone()[0]
    finally:
        conn.close()


def quiet_tracebacks() -> None:
    from datasette import handle_exception as default_handling

    if getattr(default_handling, "rich", None) is not None:
        default_handling.rich = None


@hookimpl
def startup(datasette):
    quiet_tracebacks()


@hookimpl
def prepare_connection(conn, database, datasette):
    limit_connection(conn)


@hookimpl
def handle_exception(datasette, request, exception):
    if not isinstance(exception, MemoryError):
        return None
    from datasette.handle_exception import handle_exception as default_handler
    from datasette.views.base import DatasetteError

    refused = DatasetteError("the query needs more memory than this server allows", title="Query too large",
                             status=400)
    return default_handler(datasette, request, refused)
