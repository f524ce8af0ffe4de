"""Costly SQL against a real `dh-audit serve` on loopback: each query fails fast and the server stays small.

Without `audit.publication.datasette_limits`, ``select randomblob(200000000)`` answered 200
after seconds and took the server from about 120 MB to 1.5 GB.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.support.publication_ledger import build
from tests.support.served_datasette import peak_rss_bytes, running_server
from audit.publication.datasette_limits import (
    MAX_VALUE_BYTES, ResultTooLarge, budgeted_rows, limit_connection,
)
from audit.publication.publish import publish

ANSWER_WITHIN_S = 2.0
PEAK_RSS_BYTES = 300 * 1024 * 1024
ROWS = "with recursive c(x) as (select 1 union all select x + 1 from c limit 3000) "
ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) "

COSTLY = {
    "randomblob 200 MB": "select randomblob(200000000)",
    "randomblob 1 GB": "select randomblob(1000000000)",
    "zeroblob 1 GB": "select zeroblob(1000000000)",
    "printf repeat": "select printf('%.*c', 1000000000, 'x')",
    "format repeat": "select format('%.*c', 1000000000, 'x')",
    "printf width": "select length(printf('%*c', 1000000000, 'x'))",
    "replace hex zeroblob": "select replace(hex(zeroblob(400000)), '0', 'aaaa')",
    "fts3_tokenizer address": "select fts3_tokenizer('simple')",
    "fts3_tokenizer upper case": "select FTS3_TOKENIZER('porter')",
    "group_concat over rows": ROWS + "select length(group_concat(hex(zeroblob(4000)))) from c",
    "group_concat cross join": ROWS + "select length(group_concat(a.x || b.x)) from c a, c b",
    "json_group_array": ROWS + "select length(json_group_array(hex(zeroblob(450000)))) from c",
    "many large rows": ROWS + "select hex(zeroblob(90000)) from c",
    "wide large rows": ROWS + "select zeroblob(999999), zeroblob(999999), zeroblob(999999) from c",
    "endless recursion": ENDLESS + "select count(*) from c",
    "endless sort": ENDLESS + "select x from c order by random() limit 1",
    "cross join count": ROWS + "select count(*) from c a, c b, c d",
    "deep expression": "select " + "(" * 300 + "1" + ")" * 300,
}


@pytest.fixture(scope="module")
def stats_db(tmp_path_factory):
    ledger = build(tmp_path_factory.mktemp("ledger") / "ledger.db", 1000, seed=3)
    out = tmp_path_factory.mktemp("site") / "statistiek.db"
    publish(ledger, out, generated="2026-11")
    return out


@pytest.fixture(scope="module")
def server(stats_db):
    with running_server(stats_db) as served:
        yield served


def ask(server, sql: str, extension: str = ".json") -> tuple[int, str, float]:
    url = f"{server.base}/statistiek{extension}?" + urllib.parse.urlencode({"sql": sql})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode("utf-8", "replace")
    return status, body, time.monotonic() - started


@pytest.mark.parametrize("sql", COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_query_fails_fast_and_the_server_stays_small(server, sql):
    status, body, took = ask(server, sql)
    assert status == 400, (status, body[:300])
    assert json.loads(body)["ok"] is False
    assert took < ANSWER_WITHIN_S, f"answered after {took:.2f} s"
    assert peak_rss_bytes(server.process.pid) < PEAK_RSS_BYTES
    assert server.process.poll() is None


@pytest.mark.parametrize("sql", [COSTLY["randomblob 200 MB"], COSTLY["many large rows"]], ids=["blob", "rows"])
def test_the_html_page_of_a_costly_query_is_an_error_page(server, sql):
    status, body, took = ask(server, sql, extension="")
    assert status == 400 and "<html" in body.lower()
    assert took < ANSWER_WITHIN_S
    assert peak_rss_bytes(server.process.pid) < PEAK_RSS_BYTES


def test_ordinary_queries_still_answer_after_the_costly_ones(server):
    status, body, _ = ask(server, "select kader, sum(aantal) from uitkomsten where gemeente = 'Totaal' group by kader")
    assert status == 200, body[:300]
    assert json.loads(body)["rows"]
    status, body, _ = ask(server, f"select length(zeroblob({MAX_VALUE_BYTES}))")
    assert status == 200 and json.loads(body)["rows"] == [[MAX_VALUE_BYTES]]
    status, body, _ = ask(server, ROWS + "select x, hex(zeroblob(1000)) from c limit 1000")
    assert status == 200 and len(json.loads(body)["rows"]) == 1000


def test_every_connection_gets_the_limits_and_the_refusals():
    conn = sqlite3.connect(":memory:")
    limit_connection(conn)
    assert conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) == MAX_VALUE_BYTES
    assert conn.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED) == 0
    with pytest.raises(sqlite3.DataError, match="too big"):
        conn.execute(f"select zeroblob({MAX_VALUE_BYTES + 1})").fetchall()
    for call in ("fts3_tokenizer('simple')", "printf('%d', 1)", "format('%d', 1)"):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            conn.execute(f"select {call}")
    assert tuple(conn.execute("select upper('ok'), length(hex(zeroblob(10)))").fetchone()) == ("OK", 20)


def test_the_result_budget_counts_every_row_of_a_cursor():
    conn = sqlite3.connect(":memory:")
    conn.row_factory = budgeted_rows(limit=1000)
    rows = conn.execute("select zeroblob(400) union all select zeroblob(400)").fetchall()
    assert [len(row[0]) for row in rows] == [400, 400] and rows[0].keys() == ["zeroblob(400)"]
    cursor = conn.execute("select zeroblob(400) from (select 1 union all select 2 union all select 3)")
    cursor.fetchmany(2)
    with pytest.raises(ResultTooLarge, match="1,000 bytes"):
        cursor.fetchone()
    assert len(conn.execute("select zeroblob(999)").fetchone()[0]) == 999


def test_plain_datasette_loads_the_limits_too(stats_db):
    sql = urllib.parse.quote("select randomblob(200000000)")
    result = subprocess.run(
        [sys.executable, "-m", "datasette", str(stats_db), "--get", f"/statistiek.json?sql={sql}"],
        capture_output=True, text=True, timeout=120,
    )
    answer = json.loads(result.stdout)
    assert answer["ok"] is False and "too big" in answer["error"]
