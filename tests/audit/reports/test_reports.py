"""The Dutch reports: golden files, disclosure control, self-containment, and real rendering in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.analysis_ledger import CORRECTED_CASE, EXCEPTION_CASE, build
from audit.cli import main
from audit.analysis.compare import compare_ledger
from audit.publication.comparison_tables import protect_comparison
from audit.ledger import Ledger
from audit.reports.charts import bar_chart
from tests.support.browser import open_page
from decisions.registry import get_framework

EXAMPLES_JSONL = Path(__file__).resolve().parents[3] / "examples" / "cases.jsonl"

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every report, written by the CLI from the fixed ledger (fixed clock, ids and engine version)."""
    out = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        db = build(out / "fixed.db", patch)
    paths = {
        "replay": out / "replay.html",
        "replay_exception": out / "replay_exception.html",
        "compare": out / "compare.html",
        "compare_md": out / "compare.md",
        "boundary": out / "boundary.html",
    }
    run("replay", "--db", db, "--case", CORRECTED_CASE, "--html", paths["replay"])
    run("replay", "--db", db, "--case", EXCEPTION_CASE, "--html", paths["replay_exception"])
    run("compare", "--db", db, "--html", paths["compare"], "--markdown", paths["compare_md"])
    run("boundary", "--db", db, "--html", paths["boundary"])
    return db, {name: path.read_text(encoding="utf-8") for name, path in paths.items()}, paths


def test_golden_replay_report(reports, file_regression):
    file_regression.check(reports[1]["replay"], extension=".html", encoding="utf-8")


def test_golden_compare_report(reports, file_regression):
    file_regression.check(reports[1]["compare"], extension=".html", encoding="utf-8")


def test_golden_compare_markdown(reports, file_regression):
    file_regression.check(reports[1]["compare_md"], extension=".md", encoding="utf-8")


def test_golden_boundary_dossier(reports, file_regression):
    file_regression.check(reports[1]["boundary"], extension=".html", encoding="utf-8")


def test_reports_are_the_same_bytes_when_built_again(reports, tmp_path):
    again = tmp_path / "compare.html"
    with pytest.MonkeyPatch.context() as patch:
        db = build(tmp_path / "again.db", patch)
    run("compare", "--db", db, "--html", again)
    assert again.read_text(encoding="utf-8") == reports[1]["compare"]


@pytest.mark.parametrize("name", ["replay", "replay_exception", "compare", "boundary"])
def test_html_is_self_contained(reports, name):
    html = reports[1][name]
    assert "<style>" in html
    if name == "boundary":  # its filter: one inline script, nothing loaded
        assert html.count("<script") == 1 and "<script>" in html
        html = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    for forbidden in ("<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "@font-face"):
        assert forbidden not in html.lower(), forbidden
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}


def _shown_counts(text: str, pattern: str) -> list[str]:
    return re.findall(pattern, text)


def test_compare_report_shows_only_protected_counts(reports):
    db, texts, _ = reports
    html, markdown = texts["compare"], texts["compare_md"]
    cells = _shown_counts(html, r'<td class="n">([^<]*)</td>')
    md_cells = [c.strip() for row in re.findall(r"^\|(.*)\|$", markdown, re.M) for c in row.split("|")[1:]]
    md_cells = [c.strip("* ") for c in md_cells if re.fullmatch(r"\s*\**[\d.·]+\**\s*", c)]
    for shown in cells + md_cells:
        assert shown == "·" or shown == "0" or int(shown.replace(".", "")) >= 10, shown
    assert "·" in cells  # the fixed ledger has small groups, so something is suppressed
    # Every value shown is the protected value, and every suppressed cell is shown as the mark.
    with Ledger(db, create=False) as ledger:
        protected = protect_comparison(compare_ledger(ledger.conn, get_framework("pilot-2024"), get_framework("2026")))
    published = {str(c.value) for t in protected.result.tables for c in t.cells if c.value is not None}
    assert {c for c in cells if c != "·"} <= published
    assert cells.count("·") >= sum(1 for t in protected.result.tables for c in t.cells if c.suppressed) - 4
    # The Parliament-facing report names no case and no address.
    assert "FIX-" not in html and "16512000" not in html and "FIX-" not in markdown


def test_compare_report_explains_suppression_and_interpretations(reports):
    html = reports[1]["compare"]
    assert "Een punt (·) betekent dat we het getal niet tonen" in html
    assert "minder dan 10 adressen" in html
    assert "I-1:" in html and "I-2:" in html
    assert "<svg" in html and "Adressen die erbij komen en die afvallen, per gemeente" in html


def test_replay_report_content(reports):
    html = reports[1]["replay"]
    assert "Opnieuw berekend: dezelfde uitkomst" in html
    assert "Dezelfde feiten onder de regels pilot-2024" in html  # recorded under 2026: the other is the pilot
    assert "vervangt 197" in html  # the correction supersedes the first record
    assert "Kamerbrief Duurzaam herstel (januari 2026), Vaststelling toepassingsgebied" in html
    exception = reports[1]["replay_exception"]
    assert "Niet opnieuw te berekenen" in exception and "uitzonderingsbesluit" in exception


def test_boundary_dossier_content(reports):
    html = reports[1]["boundary"]
    assert html.count('<section class="case" ') == 26  # every case here has a single-fact flip: all are cards
    assert "Bij elk grensgeval verandert de uitkomst als één feit anders is." in html
    assert "er 1 beving meer van 5 mm/s of meer was geweest (4 in totaal)" in html
    assert "er € 312,50 meer erkende schade van klasse D3 of hoger was (€ 5.000,00 in totaal)" in html
    assert "de beving bij Westerwijtwerd van 22 mei 2019 op het adres 5,0 mm/s had gegeven in plaats van 4,7 mm/s" in html
    assert "er een technische aanleiding was vastgesteld" in html
    assert "De geschatte kosten zijn € 60.000,00 hoger dan de WOZ-waarde" in html


@pytest.mark.parametrize("name", ["replay", "compare", "boundary"])
def test_report_renders_in_headless_chromium_without_errors(reports, name):
    page = open_page(reports[2][name], screenshot=ARTIFACTS / f"{name}.png")
    assert page.errors == []
    assert page.external_requests == []
    assert page.title and "Traceback" not in page.title
    assert page.screenshot.stat().st_size > 10_000


def test_bar_chart_draws_no_bar_for_a_suppressed_value():
    svg = bar_chart("test", [("Eemsdelta", [12, None]), ("Oldambt", [None, 0])], [("a", "#000"), ("b", "#111")])
    assert svg.count("<rect") == 2 + 2  # two legend squares, bars for 12 and 0
    assert svg.count(">·</text>") == 2
    assert bar_chart("test", [("x", [1])], [("a", "#000")]) == bar_chart("test", [("x", [1])], [("a", "#000")])


def test_compare_report_states_the_signed_head(tmp_path):
    """The report names the signed checkpoint it was computed from (issue #9)."""
    from click.testing import CliRunner

    from audit.cli import main

    db = tmp_path / "ledger.db"
    runner = CliRunner()
    assert runner.invoke(main, ["record", "--db", str(db), str(EXAMPLES_JSONL)]).exit_code == 0
    assert runner.invoke(main, ["keygen", "--out", str(tmp_path / "key")]).exit_code == 0
    assert runner.invoke(main, ["checkpoint", "--db", str(db), "--key", str(tmp_path / "key")]).exit_code == 0
    out = tmp_path / "report.md"
    assert runner.invoke(main, ["compare", "--db", str(db), "--markdown", str(out)]).exit_code == 0
    text = out.read_text()
    assert "Berekend op het logboek met 5 besluiten, boomwortel" in text and "ondertekend op" in text
