"""The Datasette row: `dh-audit serve` under concurrent load on loopback.

The server is `dh-audit serve STATS.db --port P` (a child process, one uvicorn
worker, as a user runs it). `CLIENTS` threads, each with its own keep-alive
HTTP/1.1 connection (`http.client`), request the canned queries of
`datasette_metadata.json` in turn, each thread starting at another query, with
no pause between requests (a closed loop: every client waits for its answer,
then asks again), for the given number of seconds. Every canned query is asked
for both as its HTML page and as JSON (`.json`), alternately. A request counts
as an error when the connection fails or the status is not 200. The latency of
a request runs from sending it to having read the whole response.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import attrs

from audit.publication.serve import DATABASE_KEY, database_name, load_metadata

from .measure import Run, finished

CLIENTS = 20
PARAMETER_VALUES = {"gemeente": "Eemsdelta"}
_PARAMETER = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


@attrs.frozen
class LoadResult:
    clients: int
    seconds: float
    latencies_ms: tuple[float, ...]
    errors: int
    paths: tuple[str, ...]
    server: Run

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def percentile(self, p: float) -> float | None:
        """Nearest-rank percentile of the successful requests' latencies (ms)."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        rank = max(1, -(-len(ordered) * p // 100))
        return ordered[int(rank) - 1]


def canned_query_paths(stats: Path) -> list[str]:
    """The HTML and JSON path of every canned query, with a value for each named parameter."""
    queries = load_metadata()["databases"][DATABASE_KEY].get("queries", {})
    db = urllib.parse.quote(database_name(stats))
    paths = []
    for name, query in queries.items():
        params = {p: PARAMETER_VALUES.get(p, "") for p in _PARAMETER.findall(query["sql"])}
        suffix = f"?{urllib.parse.urlencode(params)}" if params else ""
        quoted = urllib.parse.quote(name)
        paths += [f"/{db}/{quoted}{suffix}", f"/{db}/{quoted}.json{suffix}"]
    return paths


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, child, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"dh-audit serve exited with status {child.returncode} before it answered")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"dh-audit serve did not answer on port {port} within {timeout:.0f} s")


def _client(port: int, paths: list[str], start: int, deadline: float, latencies: list, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = start
    while time.monotonic() < deadline:
        path = paths[i % len(paths)]
        i += 1
        sent = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - sent) * 1000
            if response.status == 200:
                latencies.append(elapsed)
            else:
                errors.append(f"{path}: HTTP {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


def load_test(
    cli: list[str], stats: Path, seconds: float, log: Path, clients: int = CLIENTS
) -> tuple[LoadResult, list[str]]:
    """Serve `stats`, load it, stop the server; return the result and the first few error messages."""
    import subprocess

    port = free_port()
    load, at = os.getloadavg()[0], time.time()
    command = [*cli, "serve", str(stats), "--port", str(port)]
    with open(log, "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        try:
            _wait_until_up(port, child)
            paths = canned_query_paths(stats)
            latencies: list[float] = []
            errors: list[str] = []
            deadline = time.monotonic() + seconds
            threads = [
                threading.Thread(target=_client, args=(port, paths, i, deadline, latencies, errors))
                for i in range(clients)
            ]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            loaded = time.perf_counter() - began
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        total = time.perf_counter() - started
    # Stopped by us with SIGINT: uvicorn exits 0 on a clean shutdown.
    server = finished("serve", command, total, status, usage, log, load, at)
    result = LoadResult(clients, loaded, tuple(latencies), len(errors), tuple(paths), server)
    return result, errors[:5]
