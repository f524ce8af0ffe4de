"""The internal what-if report: a golden file, Dutch formats, the banner, the sweep chart, and real Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.whatif.report import euro_whole, signed, signed_euro
from tests.support.analysis_ledger import build
from tests.support.browser import open_page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

DRAFT = """\
base: "2026"
label: "Drie bevingen in plaats van vier"
parameters:
  area.min_events: 3
  damage_threshold.amount: "3000.00"
interpretations:
  I-1: broad
"""


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The report of one draft and of one sweep, written by the CLI from the fixed ledger."""
    out = tmp_path_factory.mktemp("whatif-reports")
    with pytest.MonkeyPatch.context() as patch:
        db = build(out / "fixed.db", patch)
    draft = out / "draft.yaml"
    draft.write_text(DRAFT, encoding="utf-8")
    paths = {"draft": out / "watals.html", "draft_md": out / "watals.md", "sweep": out / "sweep.html"}
    run("whatif", "--db", db, draft, "--html", paths["draft"], "--markdown", paths["draft_md"])
    run("whatif", "--db", db, draft, "--sweep", "damage_threshold.amount=3000,5000,7500,15000", "--html", paths["sweep"])
    return {name: path.read_text(encoding="utf-8") for name, path in paths.items()}, paths


def test_golden_whatif_report(reports, file_regression):
    file_regression.check(reports[0]["draft"], extension=".html", encoding="utf-8")


def test_every_report_is_internal_and_self_contained(reports):
    for name, text in reports[0].items():
        assert "Intern, niet publiceren" in text, name
        assert "dh-audit" in text  # the output guard recognises its own reports by this
        assert "draft:sha256:" in text
    for name in ("draft", "sweep"):
        html = reports[0][name]
        assert "<script" not in html and not re.search(r"(?:src|href)=\"(?:https?:)?//", html)


def test_the_draft_report_says_who_gains_who_loses_and_what_it_costs(reports):
    html = reports[0]["draft"]
    for words in ("Wie komt erbij en wie valt af?", "Wat kost het?", "Verwachte uitbetaling", "Uitzondering nodig",
                  "Per gemeente", "Eemsdelta", "Drempelbedrag voor de schade", "€ 5.000", "€ 3.000"):
        assert words in html, words
    assert re.search(r"€ \d{1,3}(\.\d{3})+<", html)  # whole euros with a dot between thousands


def test_the_sweep_report_has_a_table_and_one_chart_with_the_base_marked(reports):
    html = reports[0]["sweep"]
    assert html.count("<svg") == 1
    assert "stroke-dasharray" in html  # the base line
    assert "(waarde van nu)" in html and "€ 5.000 (waarde van nu)" in html
    assert html.count('r="5"') == 2  # the base value's dot, in both panels
    for value in ("€ 3.000", "€ 7.500", "€ 15.000"):
        assert value in html


def test_dutch_number_formats():
    assert euro_whole("125000.00") == "€ 125.000"
    assert euro_whole("1234567.50") == "€ 1.234.568"
    assert euro_whole("-2000.00") == "−€ 2.000"
    assert signed(1000) == "+1.000" and signed(-12) == "−12" and signed(0) == "0"
    assert signed_euro("-125000.00") == "−€ 125.000" and signed_euro("0.00") == "€ 0"


@pytest.mark.parametrize("name", ["draft", "sweep"])
def test_report_renders_in_headless_chromium_without_errors(reports, name):
    page = open_page(reports[1][name], screenshot=ARTIFACTS / f"whatif-{name}.png")
    assert page.errors == []
    assert page.external_requests == []
    assert page.title and "Wat als" in page.title
    assert page.screenshot.stat().st_size > 10_000
