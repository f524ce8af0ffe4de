"""`dh-audit serve` as a real process, opened in real headless Chromium: Dutch pages, charts, no console errors.

Screenshots go to tests/artifacts/ (datasette-index.png, datasette-table.png, datasette-dashboard.png).
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from tests.support.publication_ledger import build
from tests.support.served_browser import open_url
from tests.support.served_datasette import listening_addresses, running_server
from audit.publication.publish import publish

ARTIFACTS = Path(__file__).parent / "artifacts"
CHARTS = "document.querySelectorAll('.dashboard-card-chart canvas, .dashboard-card-chart svg').length"


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    ledger = build(tmp_path_factory.mktemp("ledger") / "ledger.db", 6000, seed=13)
    out = tmp_path_factory.mktemp("site") / "statistiek.db"
    publish(ledger, out, generated="2026-11")
    with running_server(out) as server:
        yield server, out


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
        ("table", "/statistiek/overgangen", "statistiek: overgangen", None),
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
