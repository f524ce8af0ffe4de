"""Open a page of a local HTTP server in real headless Chromium: errors, requests off the machine, a screenshot.

`tests/support/browser.py` opens local files; this helper reuses its Chromium launcher and
DevTools client for `http://127.0.0.1:PORT/...` pages, and can wait until a
JavaScript expression is true (charts that render after their data arrives).

    page = open_url("http://127.0.0.1:8001/-/dashboards/overzicht", screenshot=Path("tests/artifacts/x.png"),
                    ready="document.querySelectorAll('canvas').length >= 3")
    assert page.errors == [] and page.external_requests == []

`external_requests` holds every request to a host other than the loopback
address: an offline site makes none.
"""

from __future__ import annotations

import base64
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from tests.support.browser import TIMEOUT_S, PageReport, _DevTools, _stop, _WebSocket, chromium_path, sort_events
from tests.support.browser import _launch as launch

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _launch(binary: str, profile: str) -> tuple[subprocess.Popen, str]:
    """Chromium as `browser._launch` starts it, but able to reach 127.0.0.1 (every other host fails to resolve)."""
    return launch(binary, profile, ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-proxy-server"))


def _evaluate(tools: _DevTools, session: str, expression: str):
    reply = tools.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
    return reply["result"].get("value")


def open_url(url: str, screenshot: Path | None = None, width: int = 1280, ready: str | None = None,
             ready_timeout_s: float = 30.0, evaluate: tuple[str, ...] = ()) -> tuple[PageReport, bool]:
    """Load `url`, wait for `ready` (a JS expression) to be true; collect errors; optionally save a PNG.

    Returns the report (with the values of the `evaluate` expressions, once ready) and whether
    `ready` became true (True when no `ready` was given).
    """
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("Chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="dh-audit-chromium-", ignore_cleanup_errors=True) as profile:
        process, ws_url = _launch(binary, profile)
        ws = _WebSocket(ws_url)
        try:
            tools = _DevTools(ws)
            target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.call(f"{domain}.enable", session=session)
            tools.call("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
            tools.call("Page.navigate", {"url": url}, session=session)
            tools.wait_for("Page.loadEventFired", time.monotonic() + TIMEOUT_S)
            became_ready = ready is None
            deadline = time.monotonic() + ready_timeout_s
            while not became_ready and time.monotonic() < deadline:
                became_ready = bool(_evaluate(tools, session, ready))
                if not became_ready:
                    time.sleep(0.2)
            title = _evaluate(tools, session, "document.title") or ""
            values = [_evaluate(tools, session, expression) for expression in evaluate]
            saved = None
            if screenshot is not None:
                metrics = tools.call("Page.getLayoutMetrics", session=session)
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                full = min(int(size["height"]) + 1, 16000)
                tools.call("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": full, "deviceScaleFactor": 1, "mobile": False}, session=session)
                time.sleep(0.5)  # let charts that fit their container redraw at the new size
                shot = tools.call(
                    "Page.captureScreenshot",
                    {"format": "png", "clip": {"x": 0, "y": 0, "width": width, "height": full, "scale": 1},
                     "captureBeyondViewport": True},
                    session=session,
                )
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                saved = screenshot
            tools.call("Runtime.evaluate", {"expression": "1"}, session=session)
            try:
                tools.call("Browser.close")
            except (ConnectionError, OSError):
                pass
        finally:
            ws.close()
            _stop(process)
    errors, warnings, external = sort_events(tools.events, _external)
    return PageReport(url, errors, warnings, external, title, saved, values), became_ready


__all__ = ["LOCAL_HOSTS", "open_url"]


def _external(url: str) -> bool:
    """A request that leaves this machine (or uses an unexpected scheme)."""
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https", "ws", "wss"):
        return parsed.hostname not in LOCAL_HOSTS
    return parsed.scheme not in ("data", "about", "blob")
