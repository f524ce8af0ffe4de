"""`dh-audit serve` as a real process, opened in real headless Chromium: Dutch pages, charts, no console errors.

Screenshots go to tests/artifacts/ (datasette-index.png, datasette-table.png, datasette-dashboard.png).
"""

from __future__ import annotations

import re
import sqlite3
import urllib.request
from pathlib import Path

import pytest

from tests.support.publication_ledger import build
from tests.support.served_browser import open_url
from tests.support.served_datasette import listening_addresses, running_server
from audit.publication.release import publish_release

ARTIFACTS = Path(__file__).parent / "artifacts"
CHARTS = "document.querySelectorAll('.dashboard-card-chart canvas, .dashboard-card-chart svg').length"


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ledger")
    ledger = build(folder / "ledger.db", 6000, seed=13)
    release = tmp_path_factory.mktemp("site") / "release"
    publish_release(ledger, release, audit_path=folder / "audit.VERTROUWELIJK.json", generated="2026-11")
    with running_server(release) as server:  # `dh-audit serve DIR`
        yield server, release / "statistiek.db"


@pytest.fixture(scope="module")
def server(running):
    served, out = running
    return served.base, out


def test_serve_listens_on_loopback_only(running):
    served, _ = running
    assert listening_addresses(served.process.pid) == {("127.0.0.1", served.port)}


@pytest.mark.parametrize(
    "name, path, title, ready",
    [
        ("index", "/", "Duurzaam herstel: geanonimiseerde statistiek", None),
        ("table", "/statistiek/overgangen", "statistiek: overgangen: ", None),
        ("query", "/statistiek/wie_verliest_per_gemeente", "statistiek",
         "document.querySelector('h1').textContent.includes('Wie verliest onder 2026, per gemeente')"),
        ("dashboard", "/-/dashboards/overzicht", "Wie wint en wie verliest onder de regels van 2026", f"{CHARTS} >= 5"),
    ],
)
def test_pages_render_in_chromium_without_errors(server, name, path, title, ready):
    base, _ = server
    page, became_ready = open_url(base + path, screenshot=ARTIFACTS / f"datasette-{name}.png", ready=ready)
    assert title in page.title
    assert page.errors == []
    assert page.external_requests == []
    assert became_ready, f"{name}: the page did not show what it should ({ready})"
    assert page.screenshot is not None and page.screenshot.stat().st_size > 10_000


def test_the_table_page_shows_the_dutch_description_and_suppressed_cells(server):
    base, _ = server
    with urllib.request.urlopen(base + "/statistiek/uitkomsten?status=onderdrukt", timeout=10) as response:
        html = response.read().decode()
    assert "Uitkomsten van de besluiten die nu gelden" in html and "CC BY 4.0" in html
    assert "onderdrukt" in html


def test_datasettes_own_text_is_dutch(server):
    base, _ = server
    pages = {}
    for path in ("/", "/statistiek", "/statistiek/maximumbedragen", "/statistiek/wie_verliest_per_gemeente"):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            pages[path] = response.read().decode()
    assert "Gemaakt met" in pages["/"] and "Powered by" not in pages["/"] and "Licentie:" in pages["/"]
    assert re.search(r"[0-9.]+ rijen in [0-9]+ tabellen", pages["/"]) and " rows in " not in pages["/"]
    assert "Vaste vragen" in pages["/statistiek"] and "Eigen SQL-vraag" in pages["/statistiek"]
    table = pages["/statistiek/maximumbedragen"]
    assert re.search(r"<h3>[0-9.]+ rijen", table) and "Toepassen" in table and "Deze gegevens als" in table
    assert "<em>niet getoond</em>" in table  # a suppressed count in the table, not an empty cell
    for english in ("Apply", "This data as", "Advanced export", "Custom SQL query", "Powered by"):
        assert english not in table, english
    assert "SQL uitvoeren" in pages["/statistiek/wie_verliest_per_gemeente"]


def _chart_text(slug: str) -> str:
    return f"(document.querySelector('#chart-{slug} svg') || {{textContent: ''}}).textContent"


def test_the_dashboard_keeps_every_category_and_speaks_dutch_numbers(server):
    base, stats = server
    conn = sqlite3.connect(stats)
    places = [r[0] for r in conn.execute("SELECT DISTINCT gemeente FROM overgangen WHERE gemeente <> 'Totaal'")]
    hidden_changes = conn.execute("SELECT COUNT(*) FROM overgangen WHERE overgang IN ('komt erbij', 'valt af') "
                                  "AND gemeente <> 'Totaal' AND aantal IS NULL").fetchone()[0]
    hidden_bands = conn.execute("SELECT COUNT(*) FROM maximumbedragen WHERE kader <> 'Totaal' "
                                "AND bedragklasse <> 'Totaal' AND aantal IS NULL").fetchone()[0]
    classes = [r[0] for r in conn.execute("SELECT klasse FROM grensgevallen WHERE klasse <> 'Totaal' "
                                          "AND gemeente = 'Totaal'")]
    slugs = ("winst_verlies", "overgangen_totaal", "grensgevallen", "maximum_gemiddeld", "maximum_klassen")
    ready = " && ".join(f"{_chart_text(slug)}.length > 0" for slug in slugs)
    page, became_ready = open_url(base + "/-/dashboards/overzicht", ready=ready,
                                  evaluate=tuple(_chart_text(slug) for slug in slugs))
    assert became_ready and page.errors == []
    changes, overall, boundary, means, bands = page.values
    assert all(place in changes for place in places), "a municipality is missing from the chart"
    assert changes.count("niet getoond") >= hidden_changes
    assert hidden_bands > 0 and bands.count("niet getoond") >= hidden_bands  # drawn, labelled, never dropped
    assert all(name in boundary for name in classes)
    total = conn.execute("SELECT aantal FROM overgangen WHERE gemeente = 'Totaal' AND overgang = 'blijft buiten'")
    (outside,) = total.fetchone()
    if outside is not None and outside >= 1000:
        assert f"{outside:,}".replace(",", ".") in overall
    assert not re.search(r"\d,\d{3}", overall + boundary + means), "an English thousands separator"
    assert re.search(r"€ \d{3}\.\d{3}", means), means
