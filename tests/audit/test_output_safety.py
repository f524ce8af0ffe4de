"""No command destroys a file: every output option is aimed at the ledger, a symlink to it, the signing key,
an input of the same command and an existing output of its own kind, and each is refused with exit 2, one line
naming the option and the target byte for byte as it was. `--force` replaces only an output of its own kind,
atomically. `record --db` (and every other --db) leaves a file that is not a ledger exactly as it was.

The table below must name every option of the CLI that writes a file: a new one fails
`test_every_output_option_of_the_cli_is_in_the_table` until it is added (and thereby tested).
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Callable, NamedTuple

import click
import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.errors import BadInput
from audit.outputs import HTML_REPORT, STATISTICS_DB, output

N_CASES = 300


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (symlinks as their target text) with its SHA-256."""
    gc.collect()  # a command run in this process may leave a ledger connection (and its -wal) for the collector
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[name] = digest(path)
    return found


class Env(NamedTuple):
    dir: Path
    ledger: Path
    key: Path
    checkpoint: Path
    cases: Path


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Env:
    folder = tmp_path_factory.mktemp("safety")
    cases, ledger, key, checkpoint = (folder / n for n in ("cases.jsonl", "ledger.db", "signing.key", "head.json"))
    assert run("synth", "--n", N_CASES, "--seed", 7, "--out", cases).exit_code == 0
    assert run("record", "--db", ledger, cases).exit_code == 0
    assert run("keygen", "--out", key).exit_code == 0
    assert run("checkpoint", "--db", ledger, "--key", key, "--out", checkpoint).exit_code == 0
    filed = run("objection", "file", "--db", ledger, "--seq", 1, "--sent-on", "2026-02-17", "--received-on",
                "2026-03-02", "--grounds", "area", "--committee", "--actor", "r.devries")
    assert filed.exit_code == 0, filed.output
    (folder / "draft.yaml").write_text('base: "2026"\nparameters:\n  area.min_events: 3\n', encoding="utf-8")
    return Env(folder, ledger, key, checkpoint, cases)


class Row(NamedTuple):
    """One output option: how to run its command with TARGET as that output, and what it reads."""

    command: str
    option: str
    suffix: str
    argv: Callable[[Env, Path, Path], list]  # (env, target, a fresh folder for other outputs)
    inputs: tuple[str, ...]  # Env fields that are inputs of the command
    force: bool = True  # whether an existing output of its own kind may be replaced with --force
    folder: bool = False  # the output is a folder (a release): new, empty, or an earlier one of its own kind


def _publish_out(e, target, spare):
    return ["publish", "--db", e.ledger, "--out", target, "--audit-out", spare / "audit.VERTROUWELIJK.json"]


def _publish_audit(e, target, spare):
    return ["publish", "--db", e.ledger, "--out", spare / "release", "--audit-out", target]


TABLE = [
    Row("synth", "--out", ".jsonl", lambda e, t, s: ["synth", "--n", 20, "--out", t], ()),
    Row("keygen", "--out", ".key", lambda e, t, s: ["keygen", "--out", t], (), force=False),
    Row("checkpoint", "--out", ".json",
        lambda e, t, s: ["checkpoint", "--db", e.ledger, "--key", e.key, "--out", t], ("ledger", "key")),
    Row("proof inclusion", "--out", ".json",
        lambda e, t, s: ["proof", "inclusion", "--db", e.ledger, "--seq", 1, "--head", e.checkpoint, "--out", t],
        ("ledger", "checkpoint")),
    Row("proof consistency", "--out", ".json",
        lambda e, t, s: ["proof", "consistency", "--db", e.ledger, "--from", e.checkpoint, "--to", e.checkpoint,
                         "--out", t], ("ledger", "checkpoint")),
    Row("replay", "--html", ".html", lambda e, t, s: ["replay", "--db", e.ledger, "--seq", 1, "--html", t],
        ("ledger",)),
    Row("compare", "--html", ".html", lambda e, t, s: ["compare", "--db", e.ledger, "--html", t], ("ledger",)),
    Row("compare", "--markdown", ".md", lambda e, t, s: ["compare", "--db", e.ledger, "--markdown", t],
        ("ledger",)),
    Row("boundary", "--html", ".html", lambda e, t, s: ["boundary", "--db", e.ledger, "--html", t], ("ledger",)),
    # The same option when the dossier is split: an index page plus one page per class beside it.
    Row("boundary", "--html", ".html",
        lambda e, t, s: ["boundary", "--db", e.ledger, "--html", t, "--pages-above", 0], ("ledger",)),
    Row("objection dossier", "--out", ".html",
        lambda e, t, s: ["objection", "dossier", "--db", e.ledger, "--id", 1, "--out", t], ("ledger",)),
    Row("publish", "--out", ".release", _publish_out, ("ledger",), folder=True),
    # Signed: the key is an input too.
    Row("publish", "--out", ".release",
        lambda e, t, s: [*_publish_out(e, t, s), "--key", e.key], ("ledger", "key"), folder=True),
    Row("publish", "--audit-out", ".VERTROUWELIJK.json", _publish_audit, ("ledger",)),
    Row("whatif", "--html", ".html",
        lambda e, t, s: ["whatif", "--db", e.ledger, e.dir / "draft.yaml", "--html", t], ("ledger",)),
    Row("whatif", "--markdown", ".md",
        lambda e, t, s: ["whatif", "--db", e.ledger, e.dir / "draft.yaml", "--markdown", t], ("ledger",)),
]
IDS = [f"{row.command} {row.option}" for row in TABLE]

# Output options tested elsewhere, with where.
ELSEWHERE = {
    ("demo", "--dir"): "tests/audit/test_demo.py (new, empty or an earlier demo's directory only); and below",
    ("record", "--db"): "the `record --db` tests below: a ledger is created only where no file was",
}

_WRITES = re.compile(r"\b(writ\w*|where|creat\w*|\(re\)place|output)\b", re.IGNORECASE)
_OUTPUT_NAMES = {"--out", "--output", "--html", "--markdown", "--dir", "--audit-out"}


def _commands(command: click.Command, path=()):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def _names_an_output(option: click.Option) -> bool:
    if option.is_flag:
        return False
    said = f"{option.help or ''} {option.metavar or ''}"
    return bool(_WRITES.search(said)) or any(o in _OUTPUT_NAMES or o.endswith("-out") for o in option.opts)


def test_every_output_option_of_the_cli_is_in_the_table():
    found = {
        (name, option.opts[0])
        for name, command in _commands(main)
        for option in command.params
        if isinstance(option, click.Option) and _names_an_output(option)
    }
    found.add(("record", "--db"))  # it creates a ledger when none is there
    covered = {(row.command, row.option) for row in TABLE} | set(ELSEWHERE)
    assert found - covered == set(), "output options without a safety test: add them to TABLE"
    assert covered - found == set(), "TABLE names options the CLI no longer has"
    commands = dict(_commands(main))
    for row in TABLE:
        has_force = any("--force" in p.opts for p in commands[row.command].params)
        assert has_force == row.force, f"{row.command}: --force {'missing' if row.force else 'unexpected'}"


def _assert_refused(result, option: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}: "), result.output


def _assert_ledger_intact(e: Env) -> None:
    verified = run("verify", "--db", e.ledger)
    assert verified.exit_code == 0 and verified.output.startswith("ok"), verified.output


def _attack(e: Env, row: Row, target: Path, spare: Path, *extra) -> None:
    """Aim the output at `target`: refused, and nothing anywhere changed."""
    before, spare_before = snapshot(e.dir), snapshot(spare)
    _assert_refused(run(*row.argv(e, target, spare), *extra), row.option)
    assert snapshot(e.dir) == before
    assert snapshot(spare) == spare_before
    _assert_ledger_intact(e)


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_an_output_never_replaces_the_ledger_a_link_to_it_or_the_key(env, row, tmp_path):
    forced = ("--force",) if row.force else ()
    link = tmp_path / f"link{row.suffix}"
    link.symlink_to(env.ledger)
    hard = tmp_path / f"hard{row.suffix}"
    os.link(env.ledger, hard)
    for target in (env.ledger, link, hard, env.key, Path(f"{env.key}.pub"), Path(f"{env.ledger}-wal")):
        for extra in ((), forced):
            _attack(env, row, target, tmp_path, *extra)
    assert link.is_symlink() and os.readlink(link) == str(env.ledger)


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_an_output_never_replaces_an_input_of_its_command(env, row, tmp_path):
    forced = ("--force",) if row.force else ()
    for name in row.inputs:
        for extra in ((), forced):
            _attack(env, row, getattr(env, name), tmp_path, *extra)


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_an_output_never_replaces_a_file_of_another_kind_or_a_directory(env, row, tmp_path):
    forced = ("--force",) if row.force else ()
    notes = tmp_path / f"notes{row.suffix}"
    notes.write_text("mijn eigen aantekeningen\n")
    stranger = tmp_path / f"stranger{row.suffix}"
    conn = sqlite3.connect(stranger)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    folder = tmp_path / f"folder{row.suffix}"
    folder.mkdir()
    if row.folder:  # an empty folder is a valid release target; one holding someone's file is not
        (folder / "mijn.txt").write_text("van iemand anders\n")
    for target in (notes, stranger, folder, env.cases if row.command != "synth" else env.checkpoint):
        for extra in ((), forced):
            _attack(env, row, target, tmp_path, *extra)
    assert notes.read_text() == "mijn eigen aantekeningen\n"


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_an_output_of_its_own_kind_is_replaced_only_with_force_and_atomically(env, row, tmp_path):
    spare = tmp_path / "spare"
    spare.mkdir()
    target = tmp_path / f"out{row.suffix}"
    made = run(*row.argv(env, target, spare))
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 0
    for path in spare.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    _attack(env, row, target, spare)  # exists: without --force (keygen: ever) it stays
    if not row.force:
        return
    replaced_file = target / "statistiek.db" if row.folder else target
    inode = replaced_file.stat().st_ino
    for path in spare.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    replaced = run(*row.argv(env, target, spare), "--force")
    assert replaced.exit_code == 0, replaced.output
    assert replaced_file.stat().st_ino != inode  # a new file renamed over the old one
    assert not [p.name for p in tmp_path.rglob("*.tmp*")], "a temporary file was left behind"
    _assert_ledger_intact(env)


def test_the_reported_reproduction_is_refused(env):
    """`dh-audit compare --db l.db --markdown l.db; dh-audit verify --db l.db` (issue 12)."""
    before = digest(env.ledger)
    _assert_refused(run("compare", "--db", env.ledger, "--markdown", env.ledger), "--markdown")
    assert digest(env.ledger) == before
    _assert_ledger_intact(env)


def test_two_outputs_of_one_command_must_differ(env, tmp_path):
    same = tmp_path / "rapport"
    _assert_refused(run("compare", "--db", env.ledger, "--html", same, "--markdown", same), "--markdown")
    _assert_refused(run("publish", "--db", env.ledger, "--out", same, "--audit-out", same), "--audit-out")
    assert list(tmp_path.iterdir()) == []


def test_keygen_never_writes_through_a_dangling_link(tmp_path):
    elsewhere = tmp_path / "elsewhere.pub"
    (tmp_path / "k.pub").symlink_to(elsewhere)
    _assert_refused(run("keygen", "--out", tmp_path / "k"), "--out")
    assert not elsewhere.exists() and not (tmp_path / "k").exists()


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "rapport.html"
    target.write_text("<!DOCTYPE html>\n<p>Gemaakt door dh-audit.</p>\n")
    before = target.read_bytes()

    def dies_half_way(temp: Path) -> None:
        temp.write_bytes(b"<!DOCTYPE html>\n<p>half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        output(target, "--html", HTML_REPORT, force=True).write_with(dies_half_way)

    def sqlite_dies(temp: Path) -> None:  # SQLite leaves a journal beside the temporary file
        conn = sqlite3.connect(temp)
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE _publicatie (x)")
        raise OSError("disk full")

    stats = tmp_path / "stats.db"
    with pytest.raises(OSError, match="disk full"):
        output(stats, "--out", STATISTICS_DB).write_with(sqlite_dies)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.html"]


def test_the_target_is_checked_again_just_before_the_rename(env, tmp_path):
    target = tmp_path / "rapport.html"
    checked = output(target, "--html", HTML_REPORT)

    def swapped_meanwhile(temp: Path) -> None:
        temp.write_text("<!DOCTYPE html>")
        target.symlink_to(env.ledger)  # someone puts a link there while the report is made

    with pytest.raises(BadInput, match="symbolic link"):
        checked.write_with(swapped_meanwhile)
    assert target.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["rapport.html"]


def test_demo_dir_refuses_a_file_a_link_and_a_key(env, tmp_path):
    link = tmp_path / "demo-link"
    link.symlink_to(env.dir, target_is_directory=True)
    for target in (env.ledger, env.key, link):
        before = snapshot(env.dir)
        _assert_refused(run("demo", "--dir", target, "--n", 10, "--force"), "--dir")
        assert snapshot(env.dir) == before


# --- record --db (and every command's --db) on a file that is not a ledger -------------------------


def _stranger_sqlite(path: Path, wal: bool = False) -> Path:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, note TEXT)")  # even a table named `records`
    conn.execute("INSERT INTO records (note) VALUES ('van iemand anders')")
    conn.commit()
    conn.close()
    return path


@pytest.fixture(scope="module")
def stats_db(env, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("stats")
    out = folder / "release"
    result = run("publish", "--db", env.ledger, "--out", out, "--audit-out", folder / "audit.VERTROUWELIJK.json")
    assert result.exit_code == 0, result.output
    return out / "statistiek.db"


def _strangers(tmp_path: Path, stats_db: Path) -> list[Path]:
    text = tmp_path / "notes.txt"
    text.write_text("geen database\n")
    publication = tmp_path / "stats.db"
    publication.write_bytes(stats_db.read_bytes())
    return [
        _stranger_sqlite(tmp_path / "other.db"),
        _stranger_sqlite(tmp_path / "other-wal.db", wal=True),
        publication,
        text,
    ]


def test_record_never_turns_a_strangers_file_into_a_ledger(env, stats_db, tmp_path):
    for path in _strangers(tmp_path, stats_db):
        before = snapshot(tmp_path)
        result = run("record", "--db", path, env.cases)
        _assert_refused(result, "db")
        assert "not a dh-audit ledger" in result.output
        assert snapshot(tmp_path) == before, path  # byte for byte, and no -wal, -shm or -journal appeared
    assert sqlite3.connect(tmp_path / "other.db").execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_record_creates_a_ledger_only_where_no_file_or_an_empty_one_was(env, tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (tmp_path / "new.db", empty):
        assert run("record", "--db", path, env.cases).exit_code == 0
        assert run("verify", "--db", path).exit_code == 0
    again = run("record", "--db", tmp_path / "new.db", env.cases)  # an existing ledger is appended to
    assert again.exit_code == 0 and run("verify", "--db", tmp_path / "new.db").exit_code == 0
    _assert_refused(run("record", "--db", tmp_path, env.cases), "db")  # a directory
    _assert_refused(run("record", "--db", tmp_path / "missing" / "l.db", env.cases), "db")


COMMANDS_WITH_DB = [
    ["verify"], ["show", "--seq", 1], ["head"], ["replay", "--seq", 1], ["compare"], ["boundary"],
    ["checkpoint", "--key", "{key}"], ["proof", "inclusion", "--seq", 1],
    ["objection", "file", "--seq", 1, "--sent-on", "2026-02-17", "--received-on", "2026-03-02", "--committee",
     "--actor", "r"],
    ["objection", "list"], ["referral", "file", "--seq", 1, "--route", "ivs", "--actor", "r"], ["referral", "list"],
    ["publish", "--out", "{spare}/s", "--audit-out", "{spare}/a.VERTROUWELIJK.json"],
]


@pytest.mark.parametrize("args", COMMANDS_WITH_DB, ids=[" ".join(map(str, a[:2])) for a in COMMANDS_WITH_DB])
def test_no_command_opens_a_strangers_file_as_a_ledger(env, stats_db, tmp_path, args):
    spare = tmp_path / "spare"
    spare.mkdir()
    for path in _strangers(tmp_path, stats_db):
        before = snapshot(tmp_path)
        argv = [str(a).format(key=env.key, spare=spare) for a in args]
        group = 2 if argv[0] in ("proof", "objection", "referral") else 1
        result = run(*argv[:group], "--db", path, *argv[group:])
        assert result.exit_code == 2, (argv, result.output)
        assert "not a dh-audit ledger" in result.output, (argv, result.output)
        assert snapshot(tmp_path) == before, (argv, path)
