"""`dh-audit serve` as a real process, opened in real headless Chromium: Dutch pages, charts, no console errors.

Screenshots go to tests/artifacts/ (datasette-index.png, datasette-table.png, datasette-dashboard.png).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.publication_ledger import build
from tests.support.served_browser import open_url
from audit.publication.publish import publish

ARTIFACTS = Path(__file__).parent / "artifacts"
CHARTS = "document.querySelectorAll('.dashboard-card-chart canvas, .dashboard-card-chart svg').length"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ledger = build(tmp_path_factory.mktemp("ledger") / "ledger.db", 6000, seed=13)
    out = tmp_path_factory.mktemp("site") / "statistiek.db"
    publish(ledger, out, generated="2026-11")
    port = free_port()
    command = [sys.executable, "-m", "audit", "serve", str(out), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dh-audit serve did not start: {process.stdout.read()}") from None
                time.sleep(0.2)
        yield base, out
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
        process.stdout.close()


def test_serve_listens_on_loopback_only(server):
    base, _ = server
    assert base.startswith("http://127.0.0.1:")


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
