"""`dh-audit publish --out DIR`: the release folder, its report rendered from statistiek.db alone, its receipt,
`dh-audit release verify`, and the confidential audit kept out of the release."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.ledger import Ledger
from audit.ledger.checkpointing import create_checkpoint
from audit.log.signing import generate_keypair, load_private_key
from audit.publication.disclosure import PUBLIC_STATUS_SUPPRESSED
from audit.publication.receipt import MANIFEST, SIGNATURE, report_hash_key
from audit.publication.tables import SQL_TABLES
from audit.reports.release_report import render_release_report
from tests.support.publication_ledger import build

FILES = ("statistiek.db", "vergelijking.html", "vergelijking.md")
VALUE_COLUMNS = {"aantal", "status", "status_aantal", "som_eur", "gemiddelde_eur", "status_bedragen"}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A ledger with a checkpoint, a key pair, and a signed release of it."""
    folder = tmp_path_factory.mktemp("release")
    ledger = build(folder / "ledger.db", 3000, seed=11)
    key, pub, _ = generate_keypair(folder / "signing.key")
    with Ledger(ledger, create=False) as opened:
        checkpoint = create_checkpoint(opened, load_private_key(key))
    audit = folder / "private" / "audit.VERTROUWELIJK.disclosure-audit.json"
    audit.parent.mkdir()
    result = run("publish", "--db", ledger, "--out", folder / "release", "--key", key, "--audit-out", audit,
                 "--generated", "2026-11")
    assert result.exit_code == 0, result.output
    return {"dir": folder / "release", "ledger": ledger, "key": key, "pub": pub, "audit": audit,
            "checkpoint": checkpoint, "folder": folder}


def copy_release(signed, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(signed["dir"], target)
    return target


# --- the folder ---------------------------------------------------------------------------------


def test_the_release_folder_holds_exactly_the_public_files_and_the_receipt(signed):
    assert sorted(p.name for p in signed["dir"].iterdir()) == sorted([*FILES, MANIFEST, SIGNATURE])
    conn = sqlite3.connect(signed["dir"] / "statistiek.db")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(SQL_TABLES) | {"_publicatie"}  # written generically from SQL_TABLES
    assert "records" not in tables


def test_the_confidential_audit_is_private_outside_the_release_and_named_so(signed):
    audit = signed["audit"]
    assert audit.stat().st_mode & 0o777 == 0o600
    assert json.loads(audit.read_text())["confidential"].startswith("Contains true values")
    assert not any("audit" in p.name for p in signed["dir"].iterdir())


def test_the_audit_is_refused_inside_the_release_or_without_a_confidential_name(signed, tmp_path):
    release = tmp_path / "r"
    for audit, message in ((release / "a.VERTROUWELIJK.json", "inside the release folder"),
                           (tmp_path / "audit.json", "must say it is confidential")):
        result = run("publish", "--db", signed["ledger"], "--out", release, "--audit-out", audit)
        assert result.exit_code == 2 and result.output.startswith("error: --audit-out: "), result.output
        assert message in result.output and len(result.output.strip().splitlines()) == 1
    missing = run("publish", "--db", signed["ledger"], "--out", release)
    assert missing.exit_code == 2 and "--audit-out" in missing.output
    assert list(tmp_path.iterdir()) == []


def test_an_earlier_release_is_replaced_only_with_force_and_a_foreign_folder_never(signed, tmp_path):
    release = copy_release(signed, tmp_path)
    audit = tmp_path / "a.VERTROUWELIJK.json"
    args = ["publish", "--db", signed["ledger"], "--out", release, "--audit-out", audit, "--generated", "2026-11"]
    refused = run(*args)
    assert refused.exit_code == 2 and "give --force" in refused.output and not audit.exists()
    replaced = run(*args, "--force")  # unsigned now: the earlier signature goes, it signed another manifest
    assert replaced.exit_code == 0, replaced.output
    assert sorted(p.name for p in release.iterdir()) == sorted([*FILES, MANIFEST])
    assert run("release", "verify", release).exit_code == 0
    (release / "notities.txt").write_text("van mij")
    before = {p.name: p.read_bytes() for p in release.iterdir()}
    for extra in ([], ["--force"]):
        result = run(*args, *extra)
        assert result.exit_code == 2 and "notities.txt" in result.output, result.output
    assert {p.name: p.read_bytes() for p in release.iterdir()} == before


def test_the_same_ledger_gives_the_same_release(signed, tmp_path):
    again = tmp_path / "again"
    result = run("publish", "--db", signed["ledger"], "--out", again, "--key", signed["key"],
                 "--audit-out", tmp_path / "a.VERTROUWELIJK.json", "--generated", "2026-11")
    assert result.exit_code == 0, result.output
    for name in (*FILES, MANIFEST, SIGNATURE):
        assert (again / name).read_bytes() == (signed["dir"] / name).read_bytes(), name


# --- the report: rendered from statistiek.db alone, every number a published cell --------------


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag == "style"

    def handle_endtag(self, tag):
        self._skip -= tag == "style"

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def dutch(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def published_cells(path: Path) -> tuple[set[str], list[str]]:
    """The published numbers of the database (formatted the Dutch way) and every text it holds."""
    conn = sqlite3.connect(path)
    numbers: set[str] = set()
    texts: list[str] = []
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for name in names:
        cursor = conn.execute(f'SELECT * FROM "{name}"')
        columns = [c[0] for c in cursor.description]
        for row in cursor:
            cells = dict(zip(columns, row))
            if name == "_publicatie":
                texts.append(cells["waarde"])
                if cells["waarde"].isdigit():
                    numbers.add(dutch(int(cells["waarde"])))
                continue
            texts += [v for c, v in cells.items() if c not in VALUE_COLUMNS]
            for column in ("aantal", "som_eur", "gemiddelde_eur"):
                if cells.get(column) is not None:
                    numbers.add(dutch(cells[column]))
    return numbers, texts


def foreign_numbers(text: str, numbers: set[str], texts: list[str]) -> list[str]:
    """The numbers in `text` that are no published cell, once the database's own texts (labels) are taken out."""
    for label in sorted(set(texts), key=len, reverse=True):
        text = text.replace(label, " ")
    return [token for token in re.findall(r"\d+(?:\.\d{3})*", text) if token not in numbers]


def test_every_number_in_the_report_is_a_published_cell_of_statistiek_db(signed):
    numbers, texts = published_cells(signed["dir"] / "statistiek.db")
    html = (signed["dir"] / "vergelijking.html").read_text(encoding="utf-8")
    markdown = (signed["dir"] / "vergelijking.md").read_text(encoding="utf-8")
    assert foreign_numbers(html_text(html), numbers, texts) == []
    assert foreign_numbers(markdown, numbers, texts) == []
    # The check can fail: a sum the database does not hold is caught.
    assert foreign_numbers(markdown + "\nsamen 123.457 adressen\n", numbers, texts) == ["123.457"]
    assert "3.000" in markdown and "3.000" in html_text(html)  # the grand total, the Dutch way


def test_the_report_is_rendered_from_the_finished_database_alone(signed, tmp_path):
    database = tmp_path / "statistiek.db"
    shutil.copy(signed["dir"] / "statistiek.db", database)  # no ledger, no other file beside it
    html, markdown = render_release_report(database)
    assert html == (signed["dir"] / "vergelijking.html").read_text(encoding="utf-8")
    assert markdown == (signed["dir"] / "vergelijking.md").read_text(encoding="utf-8")


def test_a_suppressed_cell_reads_niet_getoond_and_no_dot(signed):
    conn = sqlite3.connect(signed["dir"] / "statistiek.db")
    tables = [name for (name,) in conn.execute(
        "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c "
        "WHERE m.type = 'table' AND c.name = 'status'")]
    suppressed = sum(conn.execute(
        f"SELECT COUNT(*) FROM {name} WHERE status = '{PUBLIC_STATUS_SUPPRESSED}'").fetchone()[0] for name in tables)
    assert suppressed > 0
    markdown = (signed["dir"] / "vergelijking.md").read_text(encoding="utf-8")
    html = (signed["dir"] / "vergelijking.html").read_text(encoding="utf-8")
    assert "niet getoond" in markdown and "niet getoond" in html and "·" not in html_text(html).replace(" · ", "")
    assert "| · |" not in markdown
    # Every municipality keeps its row in the chart, suppressed or not; a suppressed bar is a dashed box.
    places = [r[0] for r in conn.execute("SELECT DISTINCT gemeente FROM overgangen WHERE gemeente <> 'Totaal'")]
    chart = html.split("Komt erbij en valt af, per gemeente")[-1].split("</svg>")[0]
    assert all(f">{place}</text>" in chart for place in places)
    assert 'class="onderdrukt"' in html  # some chart (the periods, here) has a suppressed bar


def test_the_report_names_every_table_of_the_database(signed):
    markdown = (signed["dir"] / "vergelijking.md").read_text(encoding="utf-8")
    for title in ("Wie komt erbij en wie valt af?", "Waardoor komt een adres erbij", "Maximumbedragen",
                  "Grensgevallen", "Verwijzingen naar het IVS en de CBS", "Bezwaren"):
        assert f"## {title}" in markdown, title


# --- the receipt and `release verify` -----------------------------------------------------------


def test_the_receipt_records_the_checkpoint_and_the_hashes(signed):
    manifest = json.loads((signed["dir"] / MANIFEST).read_text())
    checkpoint = signed["checkpoint"]
    assert manifest["checkpoint"] == {"tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash,
                                      "key_id": checkpoint.key_id}
    assert sorted(manifest["files"]) == sorted(FILES)
    info = dict(sqlite3.connect(signed["dir"] / "statistiek.db").execute("SELECT sleutel, waarde FROM _publicatie"))
    assert info["checkpoint_grootte"] == str(checkpoint.tree_size)
    assert info["checkpoint_boomwortel"] == checkpoint.root_hash
    for name in ("vergelijking.html", "vergelijking.md"):
        assert info[report_hash_key(name)] == manifest["files"][name]["sha256"]


def test_release_verify_accepts_the_release_without_a_ledger(signed, tmp_path):
    release = copy_release(signed, tmp_path)
    result = run("release", "verify", release, "--pubkey", signed["pub"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 3 files match the receipt; signature valid; checkpoint")
    unchecked = run("release", "verify", release)
    assert unchecked.exit_code == 0 and "signature not checked" in unchecked.output


@pytest.mark.parametrize("name", [*FILES, MANIFEST, SIGNATURE])
def test_release_verify_names_a_tampered_file(signed, tmp_path, name):
    release = copy_release(signed, tmp_path)
    path = release / name
    data = bytearray(path.read_bytes())
    index = data.index(b"a", len(data) // 2) if name != "statistiek.db" else len(data) - 200
    data[index] ^= 1
    path.write_bytes(bytes(data))
    result = run("release", "verify", release, "--pubkey", signed["pub"])
    assert result.exit_code == 1, result.output
    expected = {MANIFEST: "bad signature", SIGNATURE: SIGNATURE}.get(name, f"{name} differs from the receipt")
    assert result.output.startswith("FAILED: ") and expected in result.output, result.output


@pytest.mark.parametrize("name", [*FILES, MANIFEST, SIGNATURE])
def test_release_verify_names_a_missing_file(signed, tmp_path, name):
    release = copy_release(signed, tmp_path)
    (release / name).unlink()
    result = run("release", "verify", release, "--pubkey", signed["pub"])
    assert result.exit_code == 1 and name in result.output and "missing" in result.output, result.output


def test_release_verify_names_an_added_file_and_refuses_another_key(signed, tmp_path):
    release = copy_release(signed, tmp_path)
    (release / "extra.csv").write_text("a,b\n")
    added = run("release", "verify", release, "--pubkey", signed["pub"])
    assert added.exit_code == 1 and "extra.csv is not part of the release" in added.output
    (release / "extra.csv").unlink()
    _, other, _ = generate_keypair(tmp_path / "other.key")
    wrong = run("release", "verify", release, "--pubkey", other)
    assert wrong.exit_code == 1 and "bad signature" in wrong.output


def test_release_verify_catches_a_database_whose_receipt_links_were_changed(signed, tmp_path):
    """A rebuilt database and a re-made manifest without the signer's key: the signature fails."""
    release = copy_release(signed, tmp_path)
    conn = sqlite3.connect(release / "statistiek.db")
    conn.execute("UPDATE _publicatie SET waarde = '1' WHERE sleutel = 'checkpoint_grootte'")
    conn.commit()
    conn.close()
    result = run("release", "verify", release)
    assert result.exit_code == 1 and "statistiek.db differs" in result.output


def test_release_verify_bad_input_exits_2(signed, tmp_path):
    for args, field in (([tmp_path / "missing"], "DIR"),
                        ([signed["dir"], "--pubkey", tmp_path / "none.pub"], "pubkey"),
                        ([signed["dir"], "--pubkey", signed["key"]], "pubkey")):
        result = run("release", "verify", *args)
        assert result.exit_code == 2 and result.output.startswith(f"error: {field}: "), result.output
        assert len(result.output.strip().splitlines()) == 1


def test_the_public_report_renders_in_headless_chromium_without_errors(signed):
    from tests.support.browser import open_page

    shot = Path(__file__).parent / "artifacts" / "release-vergelijking.png"
    page = open_page(signed["dir"] / "vergelijking.html", screenshot=shot,
                     evaluate=("document.querySelectorAll('svg rect.onderdrukt').length",))
    assert page.errors == [] and page.external_requests == []
    assert page.title == "Duurzaam herstel: geanonimiseerde statistiek"
    assert page.values[0] > 0  # suppressed bars drawn as dashed boxes
    assert page.screenshot.stat().st_size > 10_000


def test_compare_reports_are_marked_internal(signed, tmp_path):
    html, markdown = tmp_path / "c.html", tmp_path / "c.md"
    result = run("compare", "--db", signed["ledger"], "--html", html, "--markdown", markdown)
    assert result.exit_code == 0, result.output
    assert "Intern, niet publiceren." in html.read_text(encoding="utf-8")
    assert "**Intern, niet publiceren.**" in markdown.read_text(encoding="utf-8")
    public = (signed["dir"] / "vergelijking.html").read_text(encoding="utf-8")
    assert "Intern" not in public


@pytest.mark.parametrize("field", ["format", "signed", "key_id", "public_key", "signature"])
def test_release_verify_refuses_a_signature_with_any_field_changed(signed, tmp_path, field):
    release = copy_release(signed, tmp_path)
    data = json.loads((release / SIGNATURE).read_text())
    value = data[field]
    data[field] = value[:-6] + ("A" if value[-6] != "A" else "B") + value[-5:]
    (release / SIGNATURE).write_text(json.dumps(data))
    result = run("release", "verify", release, "--pubkey", signed["pub"])
    assert result.exit_code == 1 and SIGNATURE in result.output, result.output


def test_a_table_the_report_does_not_know_gets_its_own_section_and_chart(signed, tmp_path):
    """A new table of the release (say, decisions per month) reaches the report without a change to the renderer."""
    database = tmp_path / "statistiek.db"
    shutil.copy(signed["dir"] / "statistiek.db", database)
    conn = sqlite3.connect(database)
    conn.execute("CREATE TABLE nieuwe_tabel (maand TEXT NOT NULL, uitkomst TEXT NOT NULL, aantal INTEGER, "
                 "status TEXT NOT NULL)")
    cells = {("2026-01", "in aanmerking"): 1234, ("2026-01", "niet in aanmerking"): None, ("2026-01", "Totaal"): 1251,
             ("Totaal", "in aanmerking"): 1234, ("Totaal", "niet in aanmerking"): None, ("Totaal", "Totaal"): 1251}
    conn.executemany("INSERT INTO nieuwe_tabel VALUES (?, ?, ?, ?)",
                     [(*key, value, "onderdrukt" if value is None else "gepubliceerd")
                      for key, value in cells.items()])
    conn.commit()
    conn.close()
    html, markdown = render_release_report(database)
    assert "## Nieuwe tabel" in markdown and "| 2026-01 | 1.234 | *niet getoond* | 1.251 |" in markdown
    assert "Per maand, per uitkomst" in html
    numbers, texts = published_cells(database)
    assert foreign_numbers(markdown, numbers, texts) == [] and foreign_numbers(html_text(html), numbers, texts) == []
