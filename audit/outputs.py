"""Writing output files without ever destroying anything: one guard and one atomic write for every command.

A target is checked before a command does any work, and again just before the
rename. It is refused (`BadInput`, so exit 2 and nothing written) when it is a
symlink, a directory or another non-regular file, an SQLite database (a ledger
included), an SQLite journal, a key, the same file as an input of the command
(or that input's journal), or a file of another kind than the output. An
existing file of the output's own kind (a report made by dh-audit when writing
a report, a checkpoint when writing a checkpoint) is replaced only with
``--force``; an empty file may always be used.

The bytes go to a temporary file in the target's directory, are flushed to disk
and renamed over the target: readers see the old file or the new one, never a
half-written one, and a failure leaves the old file and no temporary file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from audit.errors import BadInput

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_MAGICS = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
KEY_PREFIXES = (b"-----BEGIN ", b"ssh-", b"ecdsa-sha2-", b"PuTTY-User-Key-File")
SIDE_FILES = ("-wal", "-shm", "-journal")
HEAD_BYTES = 4096
MAX_SCAN_BYTES = 256 << 20


# --- what a file is -------------------------------------------------------------------------------


def _head(path: Path, size: int = HEAD_BYTES) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def is_sqlite(path: Path) -> bool:
    return _head(path, len(SQLITE_MAGIC)) == SQLITE_MAGIC


def sqlite_tables(path: Path) -> set[str] | None:
    """The table names of an SQLite file, read without creating or changing any file; None if unreadable."""
    wal = Path(f"{path}-wal")
    # `immutable` opens no -wal/-shm; it is only right when no WAL holds newer pages.
    mode = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
        try:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def is_ledger_file(path: Path) -> bool:
    tables = sqlite_tables(path) if is_sqlite(path) else None
    return tables is not None and {"records", "ledger_meta"} <= tables


def _json_object(path: Path, limit: int = 16 << 20) -> dict | None:
    if path.stat().st_size > limit:
        return None
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _mentions_dh_audit(path: Path) -> bool:
    """Whether the file says it was made by dh-audit (every report does, in its footer)."""
    with open(path, "rb") as handle:
        seen, tail = 0, b""
        while seen < MAX_SCAN_BYTES:
            block = handle.read(1 << 20)
            if not block:
                return False
            if b"dh-audit" in tail + block:
                return True
            tail, seen = block[-8:], seen + len(block)
    return False


def _html_report(path: Path) -> bool:
    head = _head(path).lstrip().lower()
    return (head.startswith(b"<!doctype html") or head.startswith(b"<html")) and _mentions_dh_audit(path)


def _markdown_report(path: Path) -> bool:
    return _head(path).lstrip().startswith(b"# ") and _mentions_dh_audit(path)


def _json_format(prefix: str) -> Callable[[Path], bool]:
    def looks_like(path: Path) -> bool:
        data = _json_object(path)
        return data is not None and str(data.get("format", "")).startswith(prefix)

    return looks_like


def _disclosure_audit(path: Path) -> bool:
    data = _json_object(path, limit=1 << 30)
    return data is not None and "confidential" in data and "entries" in data


def _synthetic_cases(path: Path) -> bool:
    first = _head(path, 1 << 16).split(b"\n", 1)[0]
    try:
        data = json.loads(first)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and str(data.get("case_id", "")).startswith("SYN-")


def _statistics_db(path: Path) -> bool:
    tables = sqlite_tables(path)
    return tables is not None and "_publicatie" in tables and "records" not in tables


@attrs.frozen
class Kind:
    """A kind of output file, and how to recognise an existing file of that kind made by dh-audit."""

    name: str
    looks_like: Callable[[Path], bool]
    sqlite: bool = False


HTML_REPORT = Kind("HTML report made by dh-audit", _html_report)
MARKDOWN_REPORT = Kind("Markdown report made by dh-audit", _markdown_report)
CHECKPOINT = Kind("checkpoint made by dh-audit", _json_format("dh-audit-checkpoint/"))
PROOF = Kind("proof made by dh-audit", _json_format("dh-audit-proof/"))
SYNTHETIC_CASES = Kind("synthetic population made by dh-audit synth", _synthetic_cases)
STATISTICS_DB = Kind("statistics database made by dh-audit publish", _statistics_db, sqlite=True)
DISCLOSURE_AUDIT = Kind("disclosure audit made by dh-audit publish", _disclosure_audit)
KEY = Kind("key", lambda path: False)  # never replaced
RELEASE_RECEIPT = Kind("release receipt made by dh-audit publish", _json_format("dh-audit-release/"))
RELEASE_SIGNATURE = Kind("release signature made by dh-audit publish", _json_format("dh-audit-release-signature/"))


def _what_it_is(path: Path) -> str | None:
    """What makes an existing file untouchable whatever the output: None when nothing does."""
    head = _head(path)
    if head.startswith(SQLITE_MAGIC):
        return "a dh-audit ledger" if is_ledger_file(path) else "an SQLite database"
    if head[:4] in WAL_MAGICS:
        return "an SQLite write-ahead log"
    if head.lstrip().startswith(KEY_PREFIXES):
        return "a key"
    return None


# --- the guard ------------------------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@attrs.frozen
class Input:
    """A file a command reads (`option` names it), which none of its outputs may be."""

    path: Path
    option: str
    database: bool = False

    def guarded(self) -> Iterable[tuple[Path, str]]:
        yield self.path, f"the {self.option} input of this command"
        if self.database:
            for suffix in SIDE_FILES:
                yield Path(f"{self.path}{suffix}"), f"a journal of the {self.option} input"


def inputs(**named) -> tuple[Input, ...]:
    """`inputs(db=..., key=...)`: the given (not None) input paths by option name; `db` is a database."""
    found = []
    for name, value in named.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is not None and str(item) != "-":
                found.append(Input(Path(str(item)), "--" + name.replace("_", "-"), database=name == "db"))
    return tuple(found)


@attrs.frozen
class Output:
    """An output file that was checked; write it with `write_text`, `write_bytes` or `write_with`."""

    path: Path
    option: str
    kind: Kind
    force: bool = False
    inputs: tuple[Input, ...] = ()
    create_only: bool = False

    def check(self) -> None:
        """Refuse a target that must not be written (see the module docstring); BadInput names the option."""
        path, option = self.path, self.option
        parent = path.parent
        if not parent.is_dir():
            raise BadInput(option, f"directory {parent} does not exist")
        for given in self.inputs:
            for guarded, what in given.guarded():
                if _same_file(path, guarded):
                    raise BadInput(option, f"{path} is {what}; an output never replaces an input")
        for suffix in SIDE_FILES:
            database = Path(str(path)[: -len(suffix)]) if path.name.endswith(suffix) else None
            if database is not None and database.is_file() and is_sqlite(database):
                raise BadInput(option, f"{path} is where SQLite keeps the journal of {database}")
        try:
            info = path.lstat()
        except FileNotFoundError:
            return
        if stat.S_ISLNK(info.st_mode):
            raise BadInput(option, f"{path} is a symbolic link; an output is never written through one")
        if stat.S_ISDIR(info.st_mode):
            raise BadInput(option, f"{path} is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(option, f"{path} is not a regular file")
        if self.create_only:
            raise BadInput(option, f"{path} already exists; a {self.kind.name} is never overwritten")
        if info.st_size == 0:
            return
        untouchable = _what_it_is(path)
        if untouchable and not (untouchable == "an SQLite database" and self.kind.sqlite and self.kind.looks_like(path)):
            raise BadInput(option, f"{path} is {untouchable}; it is never replaced by an output")
        if not self.kind.looks_like(path):
            raise BadInput(option, f"{path} exists and is not a {self.kind.name}; it is never replaced "
                                   "(choose another path)")
        if not self.force:
            raise BadInput(option, f"{path} exists; give --force to replace it")

    def write_text(self, text: str) -> Path:
        return self.write_bytes(text.encode("utf-8"))

    def write_bytes(self, data: bytes) -> Path:
        def write(temp: Path) -> None:
            with open(temp, "wb") as handle:
                handle.write(data)

        return self.write_with(write)

    def write_with(self, write: Callable[[Path], None], mode: int | None = None) -> Path:
        """Let `write(temp)` fill a temporary file beside the target, then put it in place atomically.

        `write` may replace the (empty) temporary file, as SQLite does. The file gets `mode`
        (default: what the umask allows for a new file).
        """
        self.check()
        try:
            handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise BadInput(self.option, f"cannot write in {self.path.parent} ({exc.strerror or exc})") from None
        os.close(handle)
        temp = Path(name)
        try:
            write(temp)  # its own failures (a full disk) pass on as they are: not bad input
            _sync(temp)
            os.chmod(temp, _default_mode() if mode is None else mode)
            self.check()  # the target may have changed while the output was made
            self._put(temp)
        finally:
            for leftover in (temp, *(Path(f"{temp}{suffix}") for suffix in SIDE_FILES)):
                leftover.unlink(missing_ok=True)
        return self.path

    def _put(self, temp: Path) -> None:
        try:
            if self.create_only:
                os.link(temp, self.path)  # fails if the target appeared meanwhile: never replaces
            else:
                os.replace(temp, self.path)
        except FileExistsError:
            raise BadInput(self.option, f"{self.path} already exists; a {self.kind.name} is never overwritten") from None
        except OSError as exc:
            raise BadInput(self.option, f"cannot write {self.path} ({exc.strerror or exc})") from None
        _sync_directory(self.path.parent)


def output(path: str | os.PathLike, option: str, kind: Kind, *, force: bool = False,
           inputs: Iterable[Input] = (), create_only: bool = False) -> Output:
    """Check an output target now, before any work is done; refuse it with `BadInput` naming `option`."""
    checked = Output(Path(path), option, kind, force, tuple(inputs), create_only)
    checked.check()
    return checked


def distinct(*outputs: Output | None) -> None:
    """Two outputs of one command must be different files."""
    given = [o for o in outputs if o is not None]
    for i, first in enumerate(given):
        for second in given[i + 1:]:
            if _same_file(first.path, second.path):
                raise BadInput(second.option, f"{second.path} is also the {first.option} output")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies under it (links resolved)."""
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


def journal_of_database(path: Path) -> Path | None:
    """The SQLite database whose journal would live at `path` (``X.db-wal`` and the like), if there is one."""
    for suffix in SIDE_FILES:
        if path.name.endswith(suffix):
            database = Path(str(path)[: -len(suffix)])
            if database.is_file() and is_sqlite(database):
                return database
    return None


# --- ledgers --------------------------------------------------------------------------------------


def check_ledger_path(path: Path, *, create: bool, field: str = "db") -> None:
    """Refuse, before anything opens it, a --db path that is not a ledger (or, with `create`, a new one).

    Only a path that does not exist, or an empty file, may become a new ledger: an
    SQLite file of someone else, a statistics database or a text file stays byte for byte as it was.
    """
    if not path.exists():
        if create:
            if not path.parent.is_dir():
                raise BadInput(field, f"directory {path.parent} does not exist")
            return
        raise BadInput(field, f"no ledger at {path}")
    if path.is_dir():
        raise BadInput(field, f"{path} is a directory, not a dh-audit ledger")
    if not path.is_file():
        raise BadInput(field, f"{path} is not a regular file, not a dh-audit ledger")
    if path.stat().st_size == 0:
        if create:
            return
        raise BadInput(field, f"{path} is empty, not a dh-audit ledger")
    if not is_sqlite(path):
        raise BadInput(field, f"{path} is not a dh-audit ledger (not an SQLite file); it was left as it was")
    if not is_ledger_file(path):
        raise BadInput(field, f"{path} is not a dh-audit ledger (an SQLite database without the ledger's "
                              "tables); it was left as it was")
