"""`serve`: the statistics database in Datasette, immutable, with the Dutch metadata and the dashboard.

Only a publication made by `audit.publication.publish` is served: a file with a ``records``
table is a decision ledger and is refused, and so is a file without the
``_publicatie`` table. Datasette opens the file immutable (read only, like
``datasette -i``), so no request can change it; the canned queries are plain
SELECTs and none allows writes.

`datasette_metadata.json` names the statistics database ``statistiek``, the name of
the file in a release folder (``DIR/statistiek.db``), so plain
``datasette DIR/statistiek.db -m datasette_metadata.json`` shows every description and
canned query. Datasette names a database after its file, so `metadata_for` renames
that entry (and the database of every dashboard chart) when a file of another name
is served. Datasette's own interface text is Dutch through the templates in
``templates/datasette`` (`template_dir`).
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import socket
from pathlib import Path

from audit.errors import BadInput
from audit.outputs import is_sqlite, sqlite_tables

METADATA_FILE = "datasette_metadata.json"
DATABASE_KEY = "statistiek"
DASHBOARDS_PLUGIN = "datasette-dashboards"
DASHBOARD_SLUG = "overzicht"
LIMITS_PLUGIN = "dh_audit_limits"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
LEDGER_TABLES = ("records", "objection_events", "merkle_nodes", "checkpoints")

_HERE = Path(__file__).resolve().parents[1]  # the audit package
METADATA_PATHS = (_HERE / METADATA_FILE, _HERE.parent / METADATA_FILE)
TEMPLATE_PATHS = (_HERE / "templates" / "datasette", _HERE.parent / "templates" / "datasette")
RELEASE_DATABASE = "statistiek.db"


def template_dir() -> Path:
    """Datasette's templates in Dutch: installed inside the package, or under templates/ in a checkout."""
    for path in TEMPLATE_PATHS:
        if path.is_dir():
            return path
    raise FileNotFoundError(f"the Datasette templates are missing (looked in {', '.join(map(str, TEMPLATE_PATHS))})")


def metadata_path() -> Path:
    """The metadata file: installed inside the package, or at the repository root in a checkout."""
    for path in METADATA_PATHS:
        if path.is_file():
            return path
    raise FileNotFoundError(f"{METADATA_FILE} is missing (looked in {', '.join(str(p) for p in METADATA_PATHS)})")


def load_metadata() -> dict:
    return json.loads(metadata_path().read_text(encoding="utf-8"))


def database_name(stats_path: str | Path) -> str:
    """The name Datasette gives the database: the file name without its extension."""
    return Path(stats_path).stem


def metadata_for(stats_path: str | Path) -> dict:
    """The metadata with the statistics database under the name Datasette gives the file."""
    metadata = copy.deepcopy(load_metadata())
    name = database_name(stats_path)
    databases = metadata.get("databases", {})
    if DATABASE_KEY in databases and name != DATABASE_KEY:
        databases[name] = databases.pop(DATABASE_KEY)
    for dashboard in metadata.get("plugins", {}).get(DASHBOARDS_PLUGIN, {}).values():
        for chart in dashboard.get("charts", {}).values():
            if chart.get("db") == DATABASE_KEY:
                chart["db"] = name
    for key in ("about_url", "source_url"):
        if key in metadata:
            metadata[key] = metadata[key].replace(f"/{DATABASE_KEY}/", f"/{name}/")
    return metadata


def check_publication(stats_path: str | Path) -> Path:
    """Refuse anything but a statistics database made by `publish` (a ledger above all); a folder means DIR/statistiek.db."""
    path = Path(stats_path)
    if path.is_dir():
        path = path / RELEASE_DATABASE
    if not path.is_file():
        raise BadInput("STATS.db", f"no file at {path}")
    tables = sqlite_tables(path) if is_sqlite(path) else None  # read without leaving a -wal or -shm behind
    if tables is None:
        raise BadInput("STATS.db", f"{path} is not an SQLite database")
    ledger = [name for name in LEDGER_TABLES if name in tables]
    if ledger:
        raise BadInput(
            "STATS.db", f"{path} holds decision-level data (table {ledger[0]}): a ledger is never served; "
            "publish it first with 'dh-audit publish --db LEDGER --out STATS.db'"
        )
    if "_publicatie" not in tables:
        raise BadInput("STATS.db", f"{path} is not a publication of 'dh-audit publish' (no _publicatie table)")
    return path


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another program already listens on, before anything is printed or started.

    The test binds the address the way uvicorn does (SO_REUSEADDR, so a port left
    in TIME_WAIT still counts as free) and closes the socket again at once.
    Port 0 asks for any free port and is always free.
    """
    if port == 0:
        return
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BadInput("--host", f"cannot resolve {host!r} ({exc.strerror})") from None
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise BadInput("--port", f"cannot listen on {host}:{port} ({exc.strerror}); "
                           "is another server running there? choose a free port with --port") from None


def dashboards_available() -> bool:
    return importlib.util.find_spec("datasette_dashboards") is not None


def register_limits() -> None:
    """Load `audit.publication.datasette_limits` even where the package's ``datasette`` entry point is not installed."""
    from datasette.plugins import pm

    from . import datasette_limits

    if not pm.is_registered(datasette_limits):
        pm.register(datasette_limits, name=LIMITS_PLUGIN)


def datasette_app(stats_path: str | Path):
    """A Datasette instance serving only this statistics database, immutable, with the metadata and the limits."""
    from datasette.app import Datasette

    path = check_publication(stats_path)
    register_limits()
    return Datasette(
        immutables=[str(path)],
        metadata=metadata_for(path),
        settings={"default_allow_sql": True, "allow_download": True, "suggest_facets": False},
        template_dir=str(template_dir()),
    )


def serve(stats_path: str | Path, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST) -> None:
    """Run Datasette on `host:port` until interrupted (loopback by default); a port in use is bad input."""
    import uvicorn

    check_port_free(host, port)

    if not dashboards_available():
        raise RuntimeError("the datasette-dashboards plugin is not installed (pip install datasette-dashboards==0.8.0)")
    from .datasette_limits import limit_heap

    limit_heap()
    ds = datasette_app(check_publication(stats_path))
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
