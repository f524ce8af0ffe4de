"""Open a page in real headless Chromium and report what went wrong: console errors, exceptions, network use.

No extra Python dependency: Chromium is driven over the DevTools protocol with a
minimal WebSocket client (RFC 6455, client side) written on the standard library.

    from tests.support.browser import open_page
    page = open_page(Path("report.html"), screenshot=Path("tests/artifacts/report.png"))
    assert page.errors == [] and page.external_requests == []

`errors` holds console messages of level error, uncaught exceptions and log
entries of level error (a resource that failed to load, say). `external_requests`
holds every request for something other than a `file:` or `data:` URL: a
self-contained report makes none. Chromium is found as `chromium` (Debian) or
`chromium-browser`, or at `$CHROMIUM`.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import attrs

TIMEOUT_S = 60


def chromium_path() -> str | None:
    """The Chromium binary, or None when none is installed."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@attrs.frozen
class PageReport:
    url: str
    errors: list[str]
    warnings: list[str]
    external_requests: list[str]
    title: str
    screenshot: Path | None
    values: list = attrs.field(factory=list)  # the results of `evaluate`, in order


class _WebSocket:
    """Just enough of a WebSocket client for the DevTools protocol: text frames, ping/pong, fragments."""

    def __init__(self, url: str):
        match = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        if not match:
            raise ValueError(f"not a ws:// URL: {url}")
        host, port, path = match.group(1), int(match.group(2)), match.group(3)
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT_S)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(f"WebSocket handshake refused: {head.splitlines()[0]!r}")

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def receive(self) -> str:
        parts: list[bytes] = []
        while True:
            first, second = self._read(2)
            fin, opcode = first & 0x80, first & 0x0F
            n = second & 0x7F
            if n == 126:
                (n,) = struct.unpack(">H", self._read(2))
            elif n == 127:
                (n,) = struct.unpack(">Q", self._read(8))
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the WebSocket")
            if opcode in (0x1, 0x2, 0x0):
                parts.append(payload)
                if fin:
                    return b"".join(parts).decode()

    def close(self) -> None:
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class _DevTools:
    def __init__(self, ws: _WebSocket):
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        message_id = next(self.ids)
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, deadline: float) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while time.monotonic() < deadline:
            event = json.loads(self.ws.receive())
            if event.get("method") == method:
                return event
            self.events.append(event)
        raise TimeoutError(f"no {method} within {TIMEOUT_S} s")


def _launch(binary: str, profile: str, network: tuple[str, ...] = ("--host-resolver-rules=MAP * ~NOTFOUND",)
            ) -> tuple[subprocess.Popen, str]:
    """Headless Chromium and its DevTools address; `network` says which hosts it may resolve (by default none)."""
    args = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", *network,
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
    ]
    # Its own session: the browser and its helper processes can be ended together, by their group id.
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + TIMEOUT_S
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            return process, match.group(1)
    _stop(process)
    raise RuntimeError("Chromium did not start: " + "".join(seen[-5:]))


def _stop(process: subprocess.Popen) -> None:
    """End the browser we started and its helper processes (its process group), and reap it."""
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=TIMEOUT_S)
    process.stderr.close()


def open_page(
    path: Path, screenshot: Path | None = None, width: int = 1280, region: tuple[int, int] | None = None,
    evaluate: tuple[str, ...] = (),
) -> PageReport:
    """Load a local file in headless Chromium; collect errors; optionally save a PNG.

    Each JavaScript expression in `evaluate` runs in the loaded page, in order, before the
    screenshot; their values (JSON-compatible) are in `values`. An expression that throws fails.

    The screenshot is the full page, or with `region=(top, height)` that band of it (CSS pixels).
    """
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("Chromium is not installed (apt-get install chromium)")
    url = Path(path).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="dh-audit-chromium-", ignore_cleanup_errors=True) as profile:
        process, ws_url = _launch(binary, profile)
        ws = _WebSocket(ws_url)
        try:
            tools = _DevTools(ws)
            target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.call(f"{domain}.enable", session=session)
            tools.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            tools.call("Page.navigate", {"url": url}, session=session)
            tools.wait_for("Page.loadEventFired", time.monotonic() + TIMEOUT_S)
            title = tools.call("Runtime.evaluate", {"expression": "document.title", "returnByValue": True},
                               session=session)["result"].get("value", "")
            values = []
            for expression in evaluate:
                answer = tools.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                    session=session)
                if "exceptionDetails" in answer:
                    raise RuntimeError(f"{expression!r} threw: {answer['exceptionDetails'].get('text')}")
                values.append(answer["result"].get("value"))
            saved = None
            if screenshot is not None:
                metrics = tools.call("Page.getLayoutMetrics", session=session)
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                full = min(int(size["height"]) + 1, 16000)
                tools.call(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": full, "deviceScaleFactor": 1, "mobile": False},
                    session=session,
                )
                top, height = region or (0, full)
                clip = {"x": 0, "y": top, "width": width, "height": max(1, min(height, full - top)), "scale": 1}
                shot = tools.call(
                    "Page.captureScreenshot",
                    {"format": "png", "clip": clip, "captureBeyondViewport": True},
                    session=session,
                )
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                saved = screenshot
            # Let late console messages arrive: a round trip drains everything sent before it.
            tools.call("Runtime.evaluate", {"expression": "1"}, session=session)
            try:
                tools.call("Browser.close")
            except (ConnectionError, OSError):
                pass  # closing the browser may drop the connection before the reply
        finally:
            ws.close()
            _stop(process)
    errors, warnings, external = sort_events(
        tools.events, lambda url: not url.startswith(("file:", "data:", "about:"))
    )
    return PageReport(url, errors, warnings, external, title, saved, values)


def sort_events(events, is_external) -> tuple[list[str], list[str], list[str]]:
    """Console errors, console warnings and the requests `is_external` flags, from a page's DevTools events."""
    errors, warnings, external = [], [], []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            if params.get("type") in ("error", "assert"):
                errors.append(f"console.{params['type']}: {text}")
            elif params.get("type") == "warning":
                warnings.append(f"console.warning: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            line = f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip()
            (errors if entry.get("level") == "error" else warnings).append(line)
        elif method == "Network.requestWillBeSent":
            requested = params.get("request", {}).get("url", "")
            if is_external(requested):
                external.append(requested)
    return errors, warnings, external
