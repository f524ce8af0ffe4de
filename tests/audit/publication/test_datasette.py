"""The statistics in Datasette (through its in-process client): Dutch metadata, canned queries, no writes, no ledger."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3

import pytest
from click.testing import CliRunner

from tests.support.publication_ledger import build
from audit.cli import main
from audit.errors import BadInput
from audit.publication.tables import SQL_TABLES
from audit.publication.publish import PUBLICATION_TABLE, publish
from audit.publication.release import publish_release
from audit.publication.serve import (
    DATABASE_KEY, check_port_free, check_publication, datasette_app, load_metadata, metadata_for, metadata_path,
    serve, template_dir,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    ledger = build(tmp_path_factory.mktemp("ledger") / "ledger.db", 2000, seed=7)
    out = tmp_path_factory.mktemp("site") / "cijfers.db"
    publish(ledger, out, generated="2026-11")
    return ledger, out


def get_all(ds, paths):
    async def run():
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(run())


def test_the_metadata_describes_every_published_table_and_column_in_dutch(site):
    _, out = site
    metadata = load_metadata()
    assert metadata["license"] == "CC BY 4.0" and "synthetische" in metadata["source"]
    tables = metadata["databases"][DATABASE_KEY]["tables"]
    conn = sqlite3.connect(out)
    for name in [*SQL_TABLES, PUBLICATION_TABLE]:
        described = tables[name]
        assert "Eenheid" in described["description"] or name == PUBLICATION_TABLE, name
        if name != PUBLICATION_TABLE:
            assert "Onderdrukking" in described["description"], name
        assert described["license"] == "CC BY 4.0" and described["source"]
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
        assert sorted(described["columns"]) == sorted(columns), name
    assert set(tables) == set(SQL_TABLES) | {PUBLICATION_TABLE}
    euro = tables["maximumbedragen"]["columns"]
    assert "euro" in euro["som_eur"] and "duizenden" in euro["gemiddelde_eur"]


def test_every_table_and_canned_query_answers_with_its_dutch_metadata(site):
    _, out = site
    ds = datasette_app(out)
    metadata = metadata_for(out)
    db = out.stem
    database = metadata["databases"][db]
    paths = ["/", f"/{db}", "/-/dashboards", "/-/dashboards/overzicht"]
    paths += [f"/{db}/{table}" for table in database["tables"]]
    paths += [f"/{db}/{query}" + ("?gemeente=Totaal" if ":gemeente" in q["sql"] else "")
              for query, q in database["queries"].items()]
    responses = get_all(ds, paths)
    for path, response in zip(paths, responses):
        assert response.status_code == 200, (path, response.text[:300])
    index = responses[0].text
    assert metadata["title"] in index and "CC BY 4.0" in index
    for table, response in zip(database["tables"], responses[4:4 + len(database["tables"])]):
        first_sentence = database["tables"][table]["description"].split(". ")[0]
        assert first_sentence.replace("'", "&#39;") in response.text, table
    for (query, q), response in zip(database["queries"].items(), responses[4 + len(database["tables"]):]):
        assert q["title"] in response.text, query
    wanted = {"Wie verliest onder 2026, per gemeente", "Wie wint onder 2026, per gemeente", "Grensgevallen per klasse",
              "Verwijzingen naar IVS en CBS per kwartaal"}
    assert wanted <= {q["title"] for q in database["queries"].values()}
    assert not any(q.get("write") for q in database["queries"].values())
    assert "Wie wint en wie verliest" in responses[3].text


def test_canned_queries_return_the_published_cells(site):
    _, out = site
    ds = datasette_app(out)
    db = out.stem
    (losers,) = get_all(ds, [f"/{db}/wie_verliest_per_gemeente.json?_shape=array"])
    rows = json.loads(losers.text)
    conn = sqlite3.connect(out)
    expected = dict(conn.execute("SELECT gemeente, aantal FROM overgangen WHERE overgang = 'valt af'"))
    assert {r["gemeente"]: r["valt_af"] for r in rows} == expected
    (cells,) = get_all(ds, [f"/{db}/onderdrukte_cellen.json?_shape=array"])
    counted = {r["tabel"]: r["cellen"] for r in json.loads(cells.text)}
    assert counted == {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in SQL_TABLES}


def test_writes_are_impossible(site):
    _, out = site
    before = out.read_bytes()
    ds = datasette_app(out)
    db = out.stem

    async def attempts():
        found = []
        for sql in ("insert into uitkomsten (kader, gemeente, uitkomst, aantal, status) "
                    "values ('x', 'x', 'x', 1, 'gepubliceerd')",
                    "update uitkomsten set aantal = 1", "delete from overgangen", "drop table overgangen",
                    "select 1; delete from overgangen"):
            found.append(await ds.client.get(f"/{db}.json", params={"sql": sql}))
        found.append(await ds.client.post(f"/{db}/uitkomsten", json={"aantal": 1}))
        found.append(await ds.client.post(f"/{db}/uitkomsten/-/insert", json={"row": {"aantal": 1}}))
        found.append(await ds.client.post(f"/{db}/wie_verliest_per_gemeente", data={"x": "1"}))
        found.append(await ds.client.post(f"/{db}", data={"sql": "delete from overgangen"}))
        return found

    for response in asyncio.run(attempts()):
        assert response.status_code >= 400, (response.status_code, response.text[:200])
    assert out.read_bytes() == before
    assert ds.get_database(db).is_mutable is False


def test_the_ledger_is_not_reachable_and_never_served(site, tmp_path):
    ledger, out = site
    ds = datasette_app(out)
    responses = get_all(ds, [f"/{ledger.stem}", f"/{ledger.stem}/records", "/-/databases.json"])
    assert responses[0].status_code == 404 and responses[1].status_code == 404
    assert [d["name"] for d in json.loads(responses[2].text)] == [out.stem]
    with pytest.raises(BadInput, match="a ledger is never served"):
        check_publication(ledger)
    result = CliRunner().invoke(main, ["serve", str(ledger)])
    assert result.exit_code == 2 and result.output.startswith("error: STATS.db: ") and "records" in result.output
    stray = tmp_path / "other.db"
    sqlite3.connect(stray).execute("CREATE TABLE t (x)").connection.close()
    result = CliRunner().invoke(main, ["serve", str(stray)])
    assert result.exit_code == 2 and "not a publication" in result.output


def test_a_port_in_use_is_one_line_suggesting_another_port_and_nothing_is_served(site):
    _, out = site
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BadInput, match="--port"):
            check_port_free("127.0.0.1", port)
        with pytest.raises(BadInput, match="--port"):  # `demo --serve` starts the server through the same function
            serve(out, port=port, host="127.0.0.1")
        result = CliRunner().invoke(main, ["serve", str(out), "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: --port: cannot listen on 127.0.0.1:{port} ")
    assert "choose a free port with --port" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "serving" not in result.output
    check_port_free("127.0.0.1", port)  # free again once the other listener is gone


@pytest.fixture(scope="module")
def release(site, tmp_path_factory):
    ledger, _ = site
    folder = tmp_path_factory.mktemp("release")
    publish_release(ledger, folder / "release", audit_path=folder / "audit.VERTROUWELIJK.json", generated="2026-11")
    return folder / "release"


def test_plain_datasette_on_the_release_shows_every_description_and_canned_query(release):
    """`datasette DIR/statistiek.db -m datasette_metadata.json`, as anyone would run it: no renaming needed."""
    from datasette.app import Datasette

    metadata = json.loads(metadata_path().read_text(encoding="utf-8"))
    ds = Datasette([str(release / "statistiek.db")], metadata=metadata)
    database = metadata["databases"][DATABASE_KEY]
    paths = [f"/{DATABASE_KEY}", *(f"/{DATABASE_KEY}/{t}" for t in database["tables"])]
    paths += [f"/{DATABASE_KEY}/{q}" for q in database["queries"]]
    responses = dict(zip(paths, get_all(ds, paths)))
    assert all(r.status_code == 200 for r in responses.values()), {p: r.status_code for p, r in responses.items()}
    listing = responses[f"/{DATABASE_KEY}"].text
    for name, query in database["queries"].items():
        assert query["title"] in listing, name  # listed on the database page
        assert query["title"] in responses[f"/{DATABASE_KEY}/{name}"].text, name
    for table, described in database["tables"].items():
        first_sentence = described["description"].split(". ")[0]
        assert first_sentence.replace("'", "&#39;") in responses[f"/{DATABASE_KEY}/{table}"].text, table


def test_serve_uses_the_dutch_templates_and_accepts_the_release_folder(release):
    assert check_publication(release) == release / "statistiek.db"
    ds = datasette_app(release)
    conn = sqlite3.connect(release / "statistiek.db")
    hidden = next(name for (name,) in conn.execute(
        "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c WHERE m.type = 'table' "
        "AND c.name = 'status' ORDER BY m.name")
        if conn.execute(f"SELECT 1 FROM {name} WHERE status = 'onderdrukt'").fetchone())
    conn.close()
    index, table, database = get_all(ds, ["/", f"/statistiek/{hidden}", "/statistiek"])
    assert ds.template_dir == str(template_dir())
    assert "Gemaakt met" in index.text and "Powered by" not in index.text
    assert ">start</a>" in table.text and "Toepassen" in table.text and "<em>niet getoond</em>" in table.text
    assert "Vaste vragen" in database.text and "Tabellen" in database.text
